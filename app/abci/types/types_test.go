package types_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/stretchr/testify/require"

	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"

	abcitypes "github.com/litprotocol/litd/app/abci/types"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

func sampleCommit() abci.ExtendedCommitInfo {
	ext, _ := (&abcitypes.VoteExtension{Tss: &tsstypes.ExtensionSection{EncPubkey: bytes.Repeat([]byte{7}, 65), EncKeyProof: []byte{0x30}}}).Marshal()
	return abci.ExtendedCommitInfo{Round: 3, Votes: []abci.ExtendedVoteInfo{
		{Validator: abci.Validator{Address: bytes.Repeat([]byte{1}, 20), Power: 9}, VoteExtension: ext, ExtensionSignature: bytes.Repeat([]byte{2}, 64), BlockIdFlag: cmtproto.BlockIDFlagCommit},
		{Validator: abci.Validator{Address: bytes.Repeat([]byte{3}, 20), Power: 1}, BlockIdFlag: cmtproto.BlockIDFlagAbsent},
	}}
}

func TestInjectedRoundTrip(t *testing.T) {
	info := sampleCommit()
	tx, err := abcitypes.EncodeInjected(info)
	require.NoError(t, err)
	require.True(t, abcitypes.IsInjected(tx))
	got, ok, err := abcitypes.DecodeInjected(tx)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, info, got)

	// An empty commit still encodes to a recognisable tx 0.
	empty, err := abcitypes.EncodeInjected(abci.ExtendedCommitInfo{})
	require.NoError(t, err)
	require.True(t, abcitypes.IsInjected(empty))

	// tx 0 is a Cosmos TxRaw with one message, the commit, and nothing else:
	// what CosmJS decodeTxRaw and explorers read.
	var raw txtypes.TxRaw
	require.NoError(t, raw.Unmarshal(tx))
	require.Empty(t, raw.AuthInfoBytes)
	require.Empty(t, raw.Signatures)
	var body txtypes.TxBody
	require.NoError(t, body.Unmarshal(raw.BodyBytes))
	require.Len(t, body.Messages, 1)
	require.Equal(t, "/tendermint.abci.ExtendedCommitInfo", body.Messages[0].TypeUrl)
	wantValue, err := info.Marshal()
	require.NoError(t, err)
	require.Equal(t, wantValue, body.Messages[0].Value)

	// Not injected: ordinary txs, empty bytes, a cut envelope, the envelope
	// with something riding along (a memo, a signature, auth info), and the
	// pre-envelope prefix format.
	withMemo, err := (&txtypes.TxBody{Messages: body.Messages, Memo: "hi"}).Marshal()
	require.NoError(t, err)
	for _, notInjected := range [][]byte{
		nil, {}, {0x0a, 0x02, 0x0a, 0x00}, tx[:len(tx)-1],
		mustMarshal(t, &txtypes.TxRaw{BodyBytes: withMemo}),
		mustMarshal(t, &txtypes.TxRaw{BodyBytes: raw.BodyBytes, Signatures: [][]byte{{1}}}),
		mustMarshal(t, &txtypes.TxRaw{BodyBytes: raw.BodyBytes, AuthInfoBytes: []byte{0x12, 0x00}}),
		append([]byte("\x00litd/ve/v1\x00"), wantValue...),
	} {
		require.False(t, abcitypes.IsInjected(notInjected), "%x", notInjected)
		_, ok, err := abcitypes.DecodeInjected(notInjected)
		require.False(t, ok)
		require.NoError(t, err)
	}

	// The envelope around bytes that are not an ExtendedCommitInfo, or are
	// one with more riding along (an unknown field; a field repeated).
	commit, err := info.Marshal()
	require.NoError(t, err)
	for _, garbage := range [][]byte{{0xff}, {0x12, 0x05, 0x01}, {0x08, 0xff, 0xff},
		append(bytes.Clone(commit), append([]byte{15<<3 | 2, 0x80, 0x08}, make([]byte, 1024)...)...),
		append([]byte{0x08, 0x01}, commit...),
	} {
		b, err := (&txtypes.TxBody{Messages: []*codectypes.Any{{TypeUrl: abcitypes.InjectedTypeURL, Value: garbage}}}).Marshal()
		require.NoError(t, err)
		_, ok, err := abcitypes.DecodeInjected(mustMarshal(t, &txtypes.TxRaw{BodyBytes: b}))
		require.True(t, ok, "%x", garbage)
		require.Error(t, err, "%x", garbage)
	}
}

func mustMarshal(t *testing.T, m interface{ Marshal() ([]byte, error) }) []byte {
	t.Helper()
	bz, err := m.Marshal()
	require.NoError(t, err)
	return bz
}

func TestVoteExtensionsEnabled(t *testing.T) {
	for _, c := range []struct {
		enable, h int64
		want      bool
	}{
		{0, 1, false}, {0, 100, false}, {-1, 100, false},
		{2, 1, false}, {2, 2, false}, {2, 3, true}, {2, 1000, true},
		{1, 1, false}, {1, 2, true},
	} {
		require.Equal(t, c.want, abcitypes.VoteExtensionsEnabled(c.enable, c.h), "enable=%d h=%d", c.enable, c.h)
	}
}

// recordingRunner delivers each tx with its own index, like the SDK's runners.
type recordingRunner struct {
	txs [][]byte
	err error
}

func (r *recordingRunner) Run(_ context.Context, ms storetypes.MultiStore, txs [][]byte, deliver sdk.DeliverTxFunc) ([]*abci.ExecTxResult, error) {
	r.txs = txs
	if r.err != nil {
		return nil, r.err
	}
	out := make([]*abci.ExecTxResult, len(txs))
	for i, tx := range txs {
		out[i] = deliver(tx, nil, ms, i, nil)
	}
	return out, nil
}

func TestTxRunner(t *testing.T) {
	tx0, err := abcitypes.EncodeInjected(sampleCommit())
	require.NoError(t, err)
	a, b := []byte{0x0a, 0x01, 'a'}, []byte{0x0a, 0x01, 'b'}

	var indices []int
	deliver := func(tx []byte, _ sdk.Tx, _ storetypes.MultiStore, i int, _ map[string]any) *abci.ExecTxResult {
		indices = append(indices, i)
		return &abci.ExecTxResult{Code: 7, Data: tx} // every real tx "fails" so tx 0's Code 0 stands out
	}
	for _, c := range []struct {
		name        string
		txs         [][]byte
		innerSees   [][]byte
		wantIndices []int
		injected    bool
	}{
		{"injected", [][]byte{tx0, a, b}, [][]byte{a, b}, []int{1, 2}, true},
		{"only injected", [][]byte{tx0}, [][]byte{}, nil, true},
		{"plain", [][]byte{a, b}, [][]byte{a, b}, []int{0, 1}, false},
		{"injected not first", [][]byte{a, tx0}, [][]byte{a, tx0}, []int{0, 1}, false},
		{"empty", nil, nil, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			indices = nil
			inner := &recordingRunner{}
			r := abcitypes.TxRunner{Inner: inner}
			require.Same(t, inner, r.Unwrap().(*recordingRunner))
			res, err := r.Run(context.Background(), nil, c.txs, deliver)
			require.NoError(t, err)
			require.Equal(t, c.innerSees, inner.txs)
			require.Equal(t, c.wantIndices, indices)
			require.Len(t, res, len(c.txs))
			for i, r := range res {
				if c.injected && i == 0 {
					require.Zero(t, r.Code)
					require.NotEmpty(t, r.Info)
					continue
				}
				require.Equal(t, uint32(7), r.Code)
				require.Equal(t, c.txs[i], r.Data) // result i is tx i's
			}
		})
	}

	boom := errors.New("boom")
	res, err := abcitypes.TxRunner{Inner: &recordingRunner{err: boom}}.Run(context.Background(), nil, [][]byte{tx0, a}, deliver)
	require.ErrorIs(t, err, boom)
	require.Nil(t, res)
}
