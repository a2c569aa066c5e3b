package types_test

import (
	"bytes"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/cosmos/gogoproto/proto"

	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"

	abcitypes "github.com/litprotocol/litd/app/abci/types"
	actionstypes "github.com/litprotocol/litd/x/actions/types"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// Fuzz targets for the two decoders that see bytes from the network: a
// validator's vote extension and the extended commit a proposer injects as
// tx 0. The seeds below are also committed under testdata/fuzz/<FuzzName>/.
//
//	go test -run '^$' -fuzz '^FuzzDecodeExtension$' -fuzztime 60s ./app/abci/types

func fuzzMarshal(tb testing.TB, m interface{ Marshal() ([]byte, error) }) []byte {
	tb.Helper()
	bz, err := m.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return bz
}

// fuzzExtension is a vote extension with every section and nested message set.
func fuzzExtension() *abcitypes.VoteExtension {
	return &abcitypes.VoteExtension{
		Tss: &tsstypes.ExtensionSection{
			EncPubkey:        bytes.Repeat([]byte{0xee}, 65),
			EncKeyProof:      bytes.Repeat([]byte{0x30}, 70),
			Messages:         []tsstypes.ProtocolMessage{{SessionId: 4, Payload: []byte("round1")}, {SessionId: 4, To: "litvaloper1xyz", Payload: []byte("p2p")}},
			KeygenResults:    []tsstypes.KeygenResult{{SessionId: 4, Pubkey: bytes.Repeat([]byte{2}, 33)}},
			SignatureResults: []tsstypes.SignatureResult{{SessionId: 5, R: bytes.Repeat([]byte{1}, 32), S: bytes.Repeat([]byte{3}, 32)}},
		},
		Actions: &actionstypes.ExtensionSection{
			FetchReports: []actionstypes.FetchReport{{ExecutionId: 7, Fetches: []actionstypes.Fetch{{
				Request:  actionstypes.FetchRequest{Method: "GET", Url: "https://example.com/", Headers: []actionstypes.Header{{Name: "accept", Value: "*/*"}}},
				Response: &actionstypes.FetchResponse{Status: 200, Body: []byte(`{"ok":true}`)},
			}, {Request: actionstypes.FetchRequest{Method: "POST", Url: "https://example.org/", Body: []byte("x")}, Error: "refused"}}}},
			ResultReports: []actionstypes.ResultReport{{ExecutionId: 7, Result: actionstypes.Result{
				Response: "hi", Logs: []string{"a", "b"},
				SignRequests: []actionstypes.SignRequest{{SigName: "s", PublicKey: "0x02", ToSign: "0x00", TokenId: "0x01", SignatureId: 3}},
			}}, {ExecutionId: 8, Result: actionstypes.Result{Error: "exception: boom"}}},
		},
	}
}

func fuzzDecodeExtensionSeeds(tb testing.TB) [][]byte {
	full := fuzzMarshal(tb, fuzzExtension())
	onlyTss := fuzzMarshal(tb, &abcitypes.VoteExtension{Tss: fuzzExtension().Tss})
	onlyActions := fuzzMarshal(tb, &abcitypes.VoteExtension{Actions: fuzzExtension().Actions})
	return [][]byte{
		{},                                       // empty: valid, no sections
		full,                                     // every field set
		onlyTss,                                  // only the tss section
		onlyActions,                              // only the actions section
		{0x0a, 0x00},                             // empty tss section present
		append(bytes.Clone(onlyTss), onlyTss...), // the tss field twice: merged
		append(bytes.Clone(full), 0x78, 0x01),    // plus an unknown field
		full[:len(full)/2],                       // truncated
		{0x08, 0x01},                             // tss as a varint: wrong wire type
		{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f},     // length beyond the input
		{0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, // overlong varint
		{0xde, 0xad, 0xbe, 0xef},
		{0x12, 0x06, 0x0a, 0x04, 0x08, 0x01, 0x12, 0x00}, // a fetch without its request: re-encoding grows
	}
}

// fuzzOversized is shared scratch space for building inputs just over the
// bound (a fuzz worker runs its inputs one at a time).
var fuzzOversized = make([]byte, abcitypes.MaxExtensionBytes+64)

func FuzzDecodeExtension(f *testing.F) {
	for _, s := range fuzzDecodeExtensionSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, bz []byte) {
		// Over the bound: always an error, whatever the bytes. The input is
		// written over the start of a buffer just over the bound.
		over := fuzzOversized[:abcitypes.MaxExtensionBytes+1+len(bz)%63]
		copy(over, bz)
		if ext, err := abcitypes.DecodeExtension(over); err == nil || ext != nil {
			t.Fatalf("a %d-byte extension decoded (err %v)", len(over), err)
		}

		ext, err := abcitypes.DecodeExtension(bz)
		if len(bz) > abcitypes.MaxExtensionBytes && err == nil {
			t.Fatalf("a %d-byte extension decoded", len(bz))
		}
		if err != nil {
			if ext != nil {
				t.Fatalf("error %v with a non-nil extension", err)
			}
			return
		}
		if ext == nil {
			t.Fatal("nil extension without an error")
		}
		// Decoding is a function of the bytes.
		again, err := abcitypes.DecodeExtension(bz)
		if err != nil || !proto.Equal(ext, again) {
			t.Fatalf("second decode of the same bytes differs: %v", err)
		}
		// The canonical re-encoding decodes to an equal message and is a fixed
		// point. It may be longer than the input (gogoproto always writes
		// non-nullable embedded messages, e.g. an empty Fetch.request), and
		// so, in theory, over the bound.
		canon := fuzzMarshal(t, ext)
		ext2, err := abcitypes.DecodeExtension(canon)
		if len(canon) > abcitypes.MaxExtensionBytes {
			if err == nil {
				t.Fatalf("a %d-byte re-encoding decoded", len(canon))
			}
			return
		}
		if err != nil {
			t.Fatalf("re-encoded extension does not decode: %v\ninput %x\ncanon %x", err, bz, canon)
		}
		if !proto.Equal(ext, ext2) {
			t.Fatalf("round trip changed the extension\n%v\n%v", ext, ext2)
		}
		if canon2 := fuzzMarshal(t, ext2); !bytes.Equal(canon, canon2) {
			t.Fatalf("re-encoding is not a fixed point\n%x\n%x", canon, canon2)
		}
	})
}

// fuzzEnvelope builds tx 0's envelope around payload independently of
// EncodeInjected: a TxRaw whose body holds one Any of the commit type.
func fuzzEnvelope(tb testing.TB, payload []byte) []byte {
	tb.Helper()
	body := fuzzMarshal(tb, &txtypes.TxBody{Messages: []*codectypes.Any{{TypeUrl: "/tendermint.abci.ExtendedCommitInfo", Value: payload}}})
	return fuzzMarshal(tb, &txtypes.TxRaw{BodyBytes: body})
}

type fuzzInjectedSeed struct {
	tx   []byte
	wrap bool // wrap in the envelope, so the fuzzer need not rediscover it
}

func fuzzDecodeInjectedSeeds(tb testing.TB) []fuzzInjectedSeed {
	ext := fuzzMarshal(tb, fuzzExtension())
	commit := abci.ExtendedCommitInfo{Round: 3, Votes: []abci.ExtendedVoteInfo{
		{Validator: abci.Validator{Address: bytes.Repeat([]byte{1}, 20), Power: 9}, VoteExtension: ext, ExtensionSignature: bytes.Repeat([]byte{2}, 64), BlockIdFlag: cmtproto.BlockIDFlagCommit},
		{Validator: abci.Validator{Address: bytes.Repeat([]byte{3}, 20), Power: 1}, BlockIdFlag: cmtproto.BlockIDFlagAbsent},
		{Validator: abci.Validator{Address: bytes.Repeat([]byte{4}, 20), Power: -1}, BlockIdFlag: cmtproto.BlockIDFlagNil},
	}}
	body := fuzzMarshal(tb, &commit)
	env := fuzzEnvelope(tb, body)
	memo := fuzzMarshal(tb, &txtypes.TxRaw{BodyBytes: fuzzMarshal(tb, &txtypes.TxBody{
		Messages: []*codectypes.Any{{TypeUrl: "/tendermint.abci.ExtendedCommitInfo", Value: body}}, Memo: "x"})})
	return []fuzzInjectedSeed{
		{body, true},                                           // a real injected commit
		{[]byte{}, true},                                       // an empty commit
		{env, false},                                           // the same, envelope in the input
		{body[:len(body)-3], true},                             // truncated commit
		{[]byte{0xff}, true},                                   // garbage commit
		{[]byte{0x08, 0xff, 0xff}, true},                       // truncated varint
		{[]byte{0x0a, 0x02, 0x0a, 0x00}, false},                // a Cosmos TxRaw
		{env[:len(env)-1], false},                              // one byte short
		{[]byte{}, false},                                      // empty tx
		{append(bytes.Clone(env), 0x1a, 0x00), false},          // an empty signature appended
		{memo, false},                                          // a memo rides along
		{[]byte("\x12\x02(0"), true},                           // a vote without its validator: re-encoding grows
		{append([]byte("\x00litd/ve/v1\x00"), body...), false}, // the old prefix format
	}
}

func FuzzDecodeInjected(f *testing.F) {
	for _, s := range fuzzDecodeInjectedSeeds(f) {
		f.Add(s.tx, s.wrap)
	}
	f.Fuzz(func(t *testing.T, tx []byte, wrap bool) {
		if wrap {
			tx = fuzzEnvelope(t, tx)
		}
		info, ok, err := abcitypes.DecodeInjected(tx)
		if ok != abcitypes.IsInjected(tx) {
			t.Fatalf("ok=%v but IsInjected=%v", ok, !ok)
		}
		if wrap && !ok {
			t.Fatalf("the canonical envelope is not recognised: %x", tx)
		}
		if !ok {
			if err != nil || info.Round != 0 || info.Votes != nil {
				t.Fatalf("not injected, yet err=%v info=%v", err, info)
			}
			return
		}
		// Recognised means exactly one envelope: a TxRaw with one message of
		// the commit type and nothing else.
		var raw txtypes.TxRaw
		var txBody txtypes.TxBody
		if raw.Unmarshal(tx) != nil || txBody.Unmarshal(raw.BodyBytes) != nil || len(txBody.Messages) != 1 ||
			txBody.Messages[0].TypeUrl != abcitypes.InjectedTypeURL || !bytes.Equal(tx, fuzzEnvelope(t, txBody.Messages[0].Value)) {
			t.Fatalf("recognised a tx that is not the canonical envelope: %x", tx)
		}
		if err != nil {
			return
		}
		// Marshal round-trips: the canonical body, re-injected, decodes to
		// an equal commit, and re-encoding that is a fixed point.
		canon := fuzzMarshal(t, &info)
		tx2, err := abcitypes.EncodeInjected(info)
		if err != nil {
			t.Fatalf("decoded commit does not encode: %v", err)
		}
		if !bytes.Equal(tx2, fuzzEnvelope(t, canon)) {
			t.Fatalf("EncodeInjected is not the envelope of Marshal")
		}
		info2, ok2, err := abcitypes.DecodeInjected(tx2)
		if !ok2 || err != nil {
			t.Fatalf("re-encoded commit does not decode: ok=%v err=%v", ok2, err)
		}
		if !proto.Equal(&info, &info2) {
			t.Fatalf("round trip changed the commit\n%v\n%v", info, info2)
		}
		if canon2 := fuzzMarshal(t, &info2); !bytes.Equal(canon, canon2) {
			t.Fatalf("re-encoding is not a fixed point\n%x\n%x", canon, canon2)
		}
	})
}
