package ve_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/log/v2"

	sdk "github.com/cosmos/cosmos-sdk/types"

	abcitypes "github.com/litprotocol/litd/app/abci/types"
	"github.com/litprotocol/litd/app/abci/ve"
	tsskeeper "github.com/litprotocol/litd/x/tss/keeper"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

type fakeEngine struct {
	sec      *tsstypes.ExtensionSection
	panics   bool
	height   int64
	maxBytes int
}

func (e *fakeEngine) ExtensionSection(height int64, maxBytes int) *tsstypes.ExtensionSection {
	e.height, e.maxBytes = height, maxBytes
	if e.panics {
		panic("engine exploded")
	}
	return e.sec
}

func msgs(n int) []tsstypes.ProtocolMessage {
	out := make([]tsstypes.ProtocolMessage, n)
	for i := range out {
		out[i] = tsstypes.ProtocolMessage{SessionId: uint64(i + 1), Payload: []byte{byte(i)}}
	}
	return out
}

func encode(t *testing.T, sec *tsstypes.ExtensionSection) []byte {
	t.Helper()
	bz, err := (&abcitypes.VoteExtension{Tss: sec}).Marshal()
	require.NoError(t, err)
	return bz
}

// sized returns a valid encoded extension of exactly n bytes.
func sized(t *testing.T, n int) []byte {
	t.Helper()
	payload := n
	for range 10 {
		bz := encode(t, &tsstypes.ExtensionSection{Messages: []tsstypes.ProtocolMessage{{SessionId: 1, Payload: make([]byte, payload)}}})
		if len(bz) == n {
			return bz
		}
		payload -= len(bz) - n
	}
	t.Fatalf("cannot build a %d-byte extension", n)
	return nil
}

func validSection() *tsstypes.ExtensionSection {
	return &tsstypes.ExtensionSection{
		EncPubkey:     bytes.Repeat([]byte{0xee}, 65),
		EncKeyProof:   bytes.Repeat([]byte{0x30}, 70),
		Messages:      []tsstypes.ProtocolMessage{{SessionId: 4, Payload: []byte("round1")}, {SessionId: 4, To: "litvaloper1xyz", Payload: []byte("p2p")}},
		KeygenResults: []tsstypes.KeygenResult{{SessionId: 4, Pubkey: bytes.Repeat([]byte{2}, 33)}},
	}
}

func TestExtendVote(t *testing.T) {
	ctx := sdk.Context{}
	req := &abci.RequestExtendVote{Height: 12}
	huge := &tsstypes.ExtensionSection{Messages: []tsstypes.ProtocolMessage{{SessionId: 1, Payload: make([]byte, abcitypes.MaxExtensionBytes)}}}
	for _, c := range []struct {
		name string
		eng  *fakeEngine // nil: a node without an engine
		want *tsstypes.ExtensionSection
	}{
		{"no engine", nil, nil},
		{"engine with nothing", &fakeEngine{}, nil},
		{"engine section", &fakeEngine{sec: validSection()}, validSection()},
		{"engine panics", &fakeEngine{sec: validSection(), panics: true}, nil},
		{"section over the bound", &fakeEngine{sec: huge}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var eng ve.TSSEngine
			if c.eng != nil {
				eng = c.eng
			}
			resp, err := ve.NewHandler(log.NewNopLogger(), eng, nil).ExtendVoteHandler()(ctx, req)
			require.NoError(t, err)
			require.NotNil(t, resp)
			require.LessOrEqual(t, len(resp.VoteExtension), abcitypes.MaxExtensionBytes)
			require.NoError(t, ve.Validate(resp.VoteExtension), "what we send must pass our own VerifyVoteExtension")
			if c.eng != nil {
				require.Equal(t, req.Height, c.eng.height)
				require.Positive(t, c.eng.maxBytes)
				require.Less(t, c.eng.maxBytes, abcitypes.MaxExtensionBytes)
			}
			if c.want == nil {
				require.Empty(t, resp.VoteExtension)
				return
			}
			got, err := abcitypes.DecodeExtension(resp.VoteExtension)
			require.NoError(t, err)
			require.Equal(t, c.want, got.Tss)
		})
	}
}

func TestVerifyVoteExtension(t *testing.T) {
	key := func(n int) *tsstypes.ExtensionSection {
		return &tsstypes.ExtensionSection{EncPubkey: make([]byte, n), EncKeyProof: make([]byte, 70)}
	}
	results := func(n int) *tsstypes.ExtensionSection {
		return &tsstypes.ExtensionSection{KeygenResults: make([]tsstypes.KeygenResult, n/2), SignatureResults: make([]tsstypes.SignatureResult, n-n/2)}
	}
	accept := map[string][]byte{
		"nil":                     nil,
		"empty":                   {},
		"empty section":           encode(t, &tsstypes.ExtensionSection{}),
		"valid section":           encode(t, validSection()),
		"65-byte enc key":         encode(t, key(65)),
		"max messages":            encode(t, &tsstypes.ExtensionSection{Messages: msgs(tsskeeper.MaxMessagesPerExtension)}),
		"max results":             encode(t, results(tsskeeper.MaxResultsPerExtension)),
		"exactly the size bound":  sized(t, abcitypes.MaxExtensionBytes),
		"unknown field (skipped)": {0x78, 0x01}, // field 15, varint
	}
	reject := map[string][]byte{
		"garbage":                 {0xde, 0xad, 0xbe, 0xef},
		"truncated":               encode(t, validSection())[:10],
		"over the size bound":     sized(t, abcitypes.MaxExtensionBytes+1),
		"32-byte enc key":         encode(t, key(32)),
		"64-byte enc key":         encode(t, key(64)),
		"enc key without proof":   encode(t, &tsstypes.ExtensionSection{EncPubkey: make([]byte, 65)}),
		"too many messages":       encode(t, &tsstypes.ExtensionSection{Messages: msgs(tsskeeper.MaxMessagesPerExtension + 1)}),
		"too many results":        encode(t, results(tsskeeper.MaxResultsPerExtension+1)),
		"message with session 0":  encode(t, &tsstypes.ExtensionSection{Messages: []tsstypes.ProtocolMessage{{SessionId: 1, Payload: []byte{1}}, {Payload: []byte{1}}}}),
		"message without payload": encode(t, &tsstypes.ExtensionSection{Messages: []tsstypes.ProtocolMessage{{SessionId: 1}}}),
		"tss field wrong type":    {0x08, 0x01},
	}
	verify := ve.NewHandler(log.NewNopLogger(), nil, nil).VerifyVoteExtensionHandler()
	check := func(name string, bz []byte, want abci.ResponseVerifyVoteExtension_VerifyStatus) {
		t.Helper()
		resp, err := verify(sdk.Context{}, &abci.RequestVerifyVoteExtension{Height: 5, ValidatorAddress: []byte{1}, VoteExtension: bz})
		require.NoError(t, err, name)
		require.Equal(t, want, resp.Status, name)
	}
	for name, bz := range accept {
		check(name, bz, abci.ResponseVerifyVoteExtension_ACCEPT)
	}
	for name, bz := range reject {
		check(name, bz, abci.ResponseVerifyVoteExtension_REJECT)
	}

	// Random bytes and single-byte corruptions of a valid extension: never an
	// error or a panic, and the verdict is exactly the shared stateless check.
	rng := rand.New(rand.NewPCG(1, 2))
	valid := encode(t, validSection())
	for i := range 2000 {
		var bz []byte
		if i%2 == 0 {
			bz = make([]byte, rng.IntN(64))
			for j := range bz {
				bz[j] = byte(rng.UintN(256))
			}
		} else {
			bz = bytes.Clone(valid)
			bz[rng.IntN(len(bz))] ^= byte(1 + rng.UintN(255))
		}
		want := abci.ResponseVerifyVoteExtension_ACCEPT
		if ve.Validate(bz) != nil {
			want = abci.ResponseVerifyVoteExtension_REJECT
		}
		require.NotPanics(t, func() { check("random", bz, want) }, "%x", bz)
	}
}

// CometBFT does not verify a node's own extension, but every other validator
// does and drops the whole precommit when VerifyVoteExtension rejects it.
func TestExtendVoteSendsOnlyWhatVerifies(t *testing.T) {
	for name, sec := range map[string]*tsstypes.ExtensionSection{
		"31-byte enc key":   {EncPubkey: make([]byte, 31)},
		"too many messages": {Messages: msgs(tsskeeper.MaxMessagesPerExtension + 1)},
		"empty payload":     {Messages: []tsstypes.ProtocolMessage{{SessionId: 1}}},
	} {
		resp, err := ve.NewHandler(log.NewNopLogger(), &fakeEngine{sec: sec}, nil).ExtendVoteHandler()(sdk.Context{}, &abci.RequestExtendVote{Height: 3})
		require.NoError(t, err)
		require.NoError(t, ve.Validate(resp.VoteExtension), name)
	}
}
