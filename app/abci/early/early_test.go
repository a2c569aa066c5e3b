package early

import (
	"context"
	"sync"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/log/v2"

	abcitypes "github.com/litprotocol/litd/app/abci/types"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

type sink struct {
	gate chan struct{} // when set, Early waits for it (a slow engine)
	mu   sync.Mutex
	got  []string // consensus addresses, in order
}

func (s *sink) Early(consAddr []byte, _ int64, sec *tsstypes.ExtensionSection) {
	if s.gate != nil {
		<-s.gate
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if sec != nil {
		s.got = append(s.got, string(consAddr))
	}
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.got)
}

func ext(t *testing.T) []byte {
	t.Helper()
	bz, err := (&abcitypes.VoteExtension{Tss: &tsstypes.ExtensionSection{
		Messages: []tsstypes.ProtocolMessage{{SessionId: 1, Payload: []byte("round 1")}},
	}}).Marshal()
	require.NoError(t, err)
	return bz
}

// Only other validators' precommits with an extension that passes the
// stateless checks reach the engine, through CometBFT's real event bus; a
// subscription the bus drops for falling behind is taken up again with the
// same buffer.
func TestListenPassesPeersPrecommitExtensions(t *testing.T) {
	bus := cmttypes.NewEventBus()
	require.NoError(t, bus.Start())
	defer func() { _ = bus.Stop() }()
	self, peer := []byte("self-consensus-addr!"), []byte("peer-consensus-addr!")
	s := &sink{gate: make(chan struct{})}
	close(s.gate)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	require.NoError(t, Listen(ctx, log.NewNopLogger(), bus, self, s))

	vote := func(typ cmtproto.SignedMsgType, addr, extension []byte) {
		require.NoError(t, bus.PublishEventVote(cmttypes.EventDataVote{Vote: &cmttypes.Vote{
			Type: typ, Height: 5, ValidatorAddress: addr, Extension: extension,
		}}))
	}
	vote(cmtproto.PrecommitType, self, ext(t))                         // our own
	vote(cmtproto.PrevoteType, peer, ext(t))                           // not a precommit
	vote(cmtproto.PrecommitType, peer, nil)                            // no extension
	vote(cmtproto.PrecommitType, peer, []byte{0x0a, 0xff, 0xff, 0x07}) // does not decode
	vote(cmtproto.PrecommitType, peer, ext(t))
	require.Eventually(t, func() bool { return s.count() == 1 }, 5*time.Second, 5*time.Millisecond)
	require.Equal(t, []string{string(peer)}, s.got)

	// A stalled engine overflows the buffer: the bus drops the subscription
	// rather than wait, and Listen subscribes again with the same capacity.
	s.gate = make(chan struct{})
	for range 4 * capacity {
		vote(cmtproto.PrecommitType, peer, ext(t))
	}
	close(s.gate)
	time.Sleep(200 * time.Millisecond) // the drop, the new subscription
	require.Eventually(t, func() bool { return bus.NumClientSubscriptions(subscriber) == 1 }, 5*time.Second, 5*time.Millisecond)
	before := s.count()
	require.Less(t, before, 1+4*capacity, "the bus dropped the stalled subscription")
	for range capacity / 2 {
		vote(cmtproto.PrecommitType, peer, ext(t))
	}
	require.Eventually(t, func() bool { return s.count() >= before+capacity/2 }, 5*time.Second, 5*time.Millisecond,
		"a resubscription with a buffer of 1 would drop most of these")
}
