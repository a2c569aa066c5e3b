package faults_test

import (
	"bytes"
	"fmt"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/log/v2"

	"github.com/litprotocol/litd/app/abci/faults"
	abcitypes "github.com/litprotocol/litd/app/abci/types"
	"github.com/litprotocol/litd/app/abci/ve"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

func extWith(t *testing.T, msgs ...tsstypes.ProtocolMessage) []byte {
	t.Helper()
	bz, err := (&abcitypes.VoteExtension{Tss: &tsstypes.ExtensionSection{Messages: msgs}}).Marshal()
	require.NoError(t, err)
	require.NoError(t, ve.Validate(bz))
	return bz
}

func msg(i int, to string) tsstypes.ProtocolMessage {
	return tsstypes.ProtocolMessage{SessionId: 7, To: to, Payload: fmt.Appendf(nil, "round %d", i)}
}

func injector(t *testing.T, f ...string) *faults.Injector {
	t.Helper()
	in, err := faults.New(log.NewNopLogger(), f)
	require.NoError(t, err)
	return in
}

func decode(t *testing.T, bz []byte) []tsstypes.ProtocolMessage {
	t.Helper()
	require.NoError(t, ve.Validate(bz), "a replayed or misaddressed extension must still reach state")
	ext, err := abcitypes.DecodeExtension(bz)
	require.NoError(t, err)
	return ext.Tss.Messages
}

func TestCorruptRejectedByPeers(t *testing.T) {
	for _, f := range []string{faults.Malformed, faults.Oversized} {
		out := injector(t, f).Corrupt(extWith(t, msg(1, "")))
		require.Error(t, ve.Validate(out), f)
	}
	require.Len(t, injector(t, faults.Oversized).Corrupt(nil), abcitypes.MaxExtensionBytes+1)
}

func TestCorruptReplay(t *testing.T) {
	in := injector(t, faults.Replay)
	first := extWith(t, msg(1, ""), msg(2, "peer"))
	require.Equal(t, first, in.Corrupt(first), "nothing sent before: nothing to replay")
	got := decode(t, in.Corrupt(extWith(t, msg(3, ""))))
	require.Equal(t, []tsstypes.ProtocolMessage{msg(3, ""), msg(1, ""), msg(2, "peer")}, got)
	// An empty honest extension is left alone.
	require.Empty(t, in.Corrupt(nil))
}

func TestCorruptMisaddress(t *testing.T) {
	got := decode(t, injector(t, faults.Misaddress).Corrupt(extWith(t, msg(1, ""), msg(2, "peer"))))
	require.Equal(t, []tsstypes.ProtocolMessage{
		msg(1, ""), msg(2, "peer"), msg(1, faults.NonParty.String()), msg(2, faults.NonParty.String()),
	}, got)
}

func TestCorruptStaysWithinBounds(t *testing.T) {
	in := injector(t, faults.Replay)
	big := tsstypes.ProtocolMessage{SessionId: 7, Payload: bytes.Repeat([]byte{1}, abcitypes.MaxExtensionBytes/2)}
	in.Corrupt(extWith(t, big))
	big2 := big
	big2.Payload = bytes.Repeat([]byte{2}, abcitypes.MaxExtensionBytes/2)
	require.Equal(t, []tsstypes.ProtocolMessage{big2}, decode(t, in.Corrupt(extWith(t, big2))), "a replay that does not fit is left out")
}

func TestForge(t *testing.T) {
	info := abci.ExtendedCommitInfo{Votes: []abci.ExtendedVoteInfo{
		{BlockIdFlag: cmtproto.BlockIDFlagAbsent},
		{BlockIdFlag: cmtproto.BlockIDFlagCommit, VoteExtension: []byte{1}, ExtensionSignature: []byte{0xaa, 0xbb}},
	}}
	tx0, err := abcitypes.EncodeInjected(info)
	require.NoError(t, err)
	forged, ok := faults.Forge(tx0)
	require.True(t, ok)
	got, _, err := abcitypes.DecodeInjected(forged)
	require.NoError(t, err)
	require.Equal(t, []byte{0xab, 0xbb}, got.Votes[1].ExtensionSignature)
	_, ok = faults.Forge([]byte("an ordinary tx"))
	require.False(t, ok)
}

func TestUnknownFault(t *testing.T) {
	_, err := faults.New(log.NewNopLogger(), []string{"ve-everything"})
	require.ErrorContains(t, err, "unknown fault")
}
