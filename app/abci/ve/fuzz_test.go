package ve_test

import (
	"bytes"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"

	"cosmossdk.io/log/v2"

	sdk "github.com/cosmos/cosmos-sdk/types"

	abcitypes "github.com/litprotocol/litd/app/abci/types"
	"github.com/litprotocol/litd/app/abci/ve"
	actionskeeper "github.com/litprotocol/litd/x/actions/keeper"
	actionstypes "github.com/litprotocol/litd/x/actions/types"
	tsskeeper "github.com/litprotocol/litd/x/tss/keeper"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// FuzzVerifyVoteExtension feeds arbitrary bytes to VerifyVoteExtension, which
// every validator runs on every peer's extension. The seeds below are also
// committed under testdata/fuzz/FuzzVerifyVoteExtension/.
//
//	go test -run '^$' -fuzz '^FuzzVerifyVoteExtension$' -fuzztime 60s ./app/abci/ve

func fuzzEncode(tb testing.TB, ext *abcitypes.VoteExtension) []byte {
	tb.Helper()
	bz, err := ext.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return bz
}

func fuzzVerifySeeds(tb testing.TB) [][]byte {
	tss := &tsstypes.ExtensionSection{
		EncPubkey:        bytes.Repeat([]byte{0xee}, 65),
		EncKeyProof:      bytes.Repeat([]byte{0x30}, 70),
		Blames:           []tsstypes.Blame{{SessionId: 4, Culprits: []string{"litvaloper1xyz"}}},
		Messages:         []tsstypes.ProtocolMessage{{SessionId: 4, Payload: []byte("round1")}, {SessionId: 4, To: "litvaloper1xyz", Payload: []byte("p2p")}},
		KeygenResults:    []tsstypes.KeygenResult{{SessionId: 4, Pubkey: bytes.Repeat([]byte{2}, 33)}},
		SignatureResults: []tsstypes.SignatureResult{{SessionId: 5, R: bytes.Repeat([]byte{1}, 32), S: bytes.Repeat([]byte{3}, 32)}},
		Unconfirmed:      []tsstypes.Unconfirmed{{SessionId: 5, Validator: "litvaloper1xyz"}},
		DecryptionShares: []tsstypes.DecryptionShare{{SessionId: 6, Sealed: bytes.Repeat([]byte{9}, 145)}},
	}
	actions := &actionstypes.ExtensionSection{
		FetchReports: []actionstypes.FetchReport{{ExecutionId: 7, Fetches: []actionstypes.Fetch{{
			Request:  actionstypes.FetchRequest{Method: "GET", Url: "https://example.com/"},
			Response: &actionstypes.FetchResponse{Status: 200, Body: []byte("ok")},
		}}}},
		ResultReports: []actionstypes.ResultReport{{ExecutionId: 7, Result: actionstypes.Result{Response: "hi", Logs: []string{"a"}}}},
	}
	valid := fuzzEncode(tb, &abcitypes.VoteExtension{Tss: tss, Actions: actions})
	return [][]byte{
		// accepted
		{},
		valid,
		fuzzEncode(tb, &abcitypes.VoteExtension{Tss: &tsstypes.ExtensionSection{}}),
		fuzzEncode(tb, &abcitypes.VoteExtension{Actions: &actionstypes.ExtensionSection{}}),
		{0x78, 0x01}, // unknown field, skipped
		// rejected
		valid[:10], // truncated
		fuzzEncode(tb, &abcitypes.VoteExtension{Tss: &tsstypes.ExtensionSection{EncPubkey: make([]byte, 31)}}),
		fuzzEncode(tb, &abcitypes.VoteExtension{Tss: &tsstypes.ExtensionSection{EncPubkey: make([]byte, 65)}}), // no proof
		fuzzEncode(tb, &abcitypes.VoteExtension{Tss: &tsstypes.ExtensionSection{Blames: []tsstypes.Blame{{SessionId: 1}}}}),
		fuzzEncode(tb, &abcitypes.VoteExtension{Tss: &tsstypes.ExtensionSection{Messages: []tsstypes.ProtocolMessage{{Payload: []byte{1}}}}}),
		fuzzEncode(tb, &abcitypes.VoteExtension{Tss: &tsstypes.ExtensionSection{Messages: []tsstypes.ProtocolMessage{{SessionId: 1}}}}),
		fuzzEncode(tb, &abcitypes.VoteExtension{Tss: &tsstypes.ExtensionSection{Unconfirmed: []tsstypes.Unconfirmed{{SessionId: 1}}}}),
		fuzzEncode(tb, &abcitypes.VoteExtension{Tss: &tsstypes.ExtensionSection{Unconfirmed: []tsstypes.Unconfirmed{{Validator: "litvaloper1xyz"}}}}),
		fuzzEncode(tb, &abcitypes.VoteExtension{Tss: &tsstypes.ExtensionSection{DecryptionShares: []tsstypes.DecryptionShare{{Sealed: []byte{1}}}}}),
		fuzzEncode(tb, &abcitypes.VoteExtension{Tss: &tsstypes.ExtensionSection{DecryptionShares: []tsstypes.DecryptionShare{{SessionId: 1}}}}),
		fuzzEncode(tb, &abcitypes.VoteExtension{Tss: &tsstypes.ExtensionSection{DecryptionShares: []tsstypes.DecryptionShare{{SessionId: 1, Sealed: make([]byte, 257)}}}}),
		fuzzEncode(tb, &abcitypes.VoteExtension{Actions: &actionstypes.ExtensionSection{FetchReports: []actionstypes.FetchReport{{}}}}),
		fuzzEncode(tb, &abcitypes.VoteExtension{Actions: &actionstypes.ExtensionSection{ResultReports: []actionstypes.ResultReport{{}}}}),
		{0x08, 0x01}, // tss field with the wrong wire type
		{0xde, 0xad, 0xbe, 0xef},
	}
}

// fuzzSpecAccepts restates, independently of the handler, what an acceptable
// decoded extension looks like (x/tss and x/actions extension bounds).
func fuzzSpecAccepts(ext *abcitypes.VoteExtension) bool {
	if s := ext.Tss; s != nil {
		if len(s.EncPubkey) != 0 && (len(s.EncPubkey) != 65 || len(s.EncKeyProof) == 0) || len(s.EncKeyProof) > 80 {
			return false
		}
		if len(s.Messages) > tsskeeper.MaxMessagesPerExtension ||
			len(s.KeygenResults)+len(s.SignatureResults)+len(s.Blames)+len(s.Unconfirmed)+len(s.DecryptionShares) > tsskeeper.MaxResultsPerExtension {
			return false
		}
		for _, d := range s.DecryptionShares {
			if d.SessionId == 0 || len(d.Sealed) == 0 || len(d.Sealed) > 256 {
				return false
			}
		}
		for _, u := range s.Unconfirmed {
			if u.SessionId == 0 || u.Validator == "" {
				return false
			}
		}
		for _, b := range s.Blames {
			if b.SessionId == 0 || len(b.Culprits) == 0 || len(b.Culprits) > 16 {
				return false
			}
		}
		for _, m := range s.Messages {
			if m.SessionId == 0 || len(m.Payload) == 0 {
				return false
			}
		}
	}
	if s := ext.Actions; s != nil {
		if len(s.FetchReports)+len(s.ResultReports) > actionskeeper.MaxReportsPerExtension {
			return false
		}
		for _, r := range s.FetchReports {
			if r.ExecutionId == 0 {
				return false
			}
		}
		for _, r := range s.ResultReports {
			if r.ExecutionId == 0 {
				return false
			}
		}
	}
	return true
}

func FuzzVerifyVoteExtension(f *testing.F) {
	for _, s := range fuzzVerifySeeds(f) {
		f.Add(s)
	}
	verify := ve.NewHandler(log.NewNopLogger(), nil, nil).VerifyVoteExtensionHandler()
	f.Fuzz(func(t *testing.T, bz []byte) {
		req := &abci.RequestVerifyVoteExtension{Height: 5, ValidatorAddress: bytes.Repeat([]byte{1}, 20), VoteExtension: bz}
		resp, err := verify(sdk.Context{}, req)
		if err != nil {
			t.Fatalf("VerifyVoteExtension returned an error (CometBFT would halt): %v", err)
		}
		if resp == nil {
			t.Fatal("nil response")
		}
		verr := ve.Validate(bz)
		want := abci.ResponseVerifyVoteExtension_ACCEPT
		if verr != nil {
			want = abci.ResponseVerifyVoteExtension_REJECT
		}
		if resp.Status != want {
			t.Fatalf("status %v, but Validate says %v", resp.Status, verr)
		}
		// Deterministic: every validator must reach the same verdict.
		if again, err := verify(sdk.Context{}, req); err != nil || again.Status != resp.Status {
			t.Fatalf("second verification differs: %v %v", again, err)
		}
		// The verdict is exactly the documented rule: decodes within the size
		// bound and the sections respect their bounds.
		ext, derr := abcitypes.DecodeExtension(bz)
		specOK := derr == nil && len(bz) <= abcitypes.MaxExtensionBytes && fuzzSpecAccepts(ext)
		if specOK != (resp.Status == abci.ResponseVerifyVoteExtension_ACCEPT) {
			t.Fatalf("status %v, but the documented bounds say accept=%v (decode err %v)", resp.Status, specOK, derr)
		}
		// What is accepted stays accepted after a canonical re-encoding (the
		// proposer re-injects extensions as part of the extended commit).
		if specOK {
			canon := fuzzEncode(t, ext)
			if err := ve.Validate(canon); err != nil {
				t.Fatalf("re-encoded accepted extension rejected: %v", err)
			}
		}
	})
}
