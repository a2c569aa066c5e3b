package engine

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"maps"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/bnb-chain/tss-lib/v2/tss"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/log/v2"

	"github.com/litprotocol/litd/x/tss/keeper"
	"github.com/litprotocol/litd/x/tss/types"
)

// histogramCount reads a histogram's sample count and sum through the
// default gatherer, so it also checks that the engine registered it.
func histogramCount(t *testing.T, name string) (uint64, float64) {
	t.Helper()
	mfs, err := prometheus.DefaultGatherer.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == name {
			h := mf.GetMetric()[0].GetHistogram()
			return h.GetSampleCount(), h.GetSampleSum()
		}
	}
	t.Fatalf("%s is not registered", name)
	return 0, 0
}

// simChain plays the chain for in-process engines: each block it collects
// their extension sections, delivers the protocol messages to everyone (as
// PreBlocker does) and shows them the open sessions (as Precommiter does).
type simChain struct {
	t            *testing.T
	engines      []*Engine
	addrs        []string
	height       int64
	encKeys      map[string][]byte
	jobs         []keeper.Job
	keySets      []types.KeySet
	latestKeySet uint64
	// early hands each section's messages to the other engines at once, as
	// app/abci/early does from verified precommits; omit(height, i) leaves
	// engine i's section out of the committed block, as a proposer may.
	early bool
	omit  func(height int64, i int) bool

	mu          sync.Mutex
	unconfirmed []types.Unconfirmed  // reports, by any engine
	keygen      map[string][]byte    // author -> root pubkey
	shares      map[string][][]byte  // author -> public shares it reported with the key
	decrypted   map[string][]byte    // author -> sealed decryption share
	sigs        map[string][2][]byte // author -> r, s
	rounds      map[float64]bool     // keygen_round values seen after blocks
}

func (c *simChain) block() {
	c.height++
	var delivered []keeper.Delivered
	for i, e := range c.engines {
		sec := e.ExtensionSection(c.height, 1<<20)
		if sec == nil {
			continue
		}
		c.encKeys[c.addrs[i]] = sec.EncPubkey
		if c.early {
			for j, other := range c.engines {
				if j != i {
					other.Early([]byte(c.addrs[i]), c.height, sec)
				}
			}
		}
		if c.omit != nil && c.omit(c.height, i) {
			continue
		}
		for _, m := range sec.Messages {
			delivered = append(delivered, keeper.Delivered{SessionID: m.SessionId, From: c.addrs[i], To: m.To, Payload: m.Payload})
		}
		c.mu.Lock()
		c.unconfirmed = append(c.unconfirmed, sec.Unconfirmed...)
		for _, r := range sec.KeygenResults {
			c.keygen[c.addrs[i]], c.shares[c.addrs[i]] = r.Pubkey, r.PublicShares
		}
		for _, d := range sec.DecryptionShares {
			c.decrypted[c.addrs[i]] = d.Sealed
		}
		for _, r := range sec.SignatureResults {
			c.sigs[c.addrs[i]] = [2][]byte{r.R, r.S}
		}
		c.mu.Unlock()
	}
	for _, e := range c.engines {
		e.Deliver(c.height, delivered)
	}
	operators := map[string]string{} // consensus address -> operator; here the same string
	for _, a := range c.addrs {
		operators[a] = a
	}
	for i, e := range c.engines {
		// Each snapshot is fresh state, as the Precommiter's is.
		e.Observe(Snapshot{
			Height: c.height, Self: c.addrs[i], EncKeys: maps.Clone(c.encKeys), Operators: operators,
			Jobs: c.jobs, KeySets: c.keySets, LatestKeySetID: c.latestKeySet,
		})
	}
	c.rounds[testutil.ToFloat64(metricKeygenRound)] = true
}

// until runs blocks until cond holds.
func (c *simChain) until(timeout time.Duration, what string, cond func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			c.t.Fatalf("%s: not done after %s (height %d)", what, timeout, c.height)
		}
		c.block()
		time.Sleep(50 * time.Millisecond)
	}
}

func parties(addrs ...string) []types.Party { return types.NewParties(addrs) }

// TestMetricsKeygenAndSign runs a real 3-party DKG and a 2-of-3 signature
// through engines fed by a simulated chain and checks every TSS metric the
// engines move.
func TestMetricsKeygenAndSign(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tss-lib keygen and signing (tens of seconds of CPU)")
	}
	// An engine without pre-parameters reports 0 ...
	_, err := New(t.TempDir(), log.NewNopLogger())
	require.NoError(t, err)
	require.Equal(t, 0.0, testutil.ToFloat64(metricPreParamsReady))

	// ... and engines that load them from the home report 1.
	c := newSimChain(t, 3)
	require.Equal(t, 1.0, testutil.ToFloat64(metricPreParamsReady))

	keygenOut := testutil.ToFloat64(metricMessagesOut.WithLabelValues("keygen"))
	keygenIn := testutil.ToFloat64(metricMessagesIn.WithLabelValues("keygen"))
	signOut := testutil.ToFloat64(metricMessagesOut.WithLabelValues("sign"))
	signIn := testutil.ToFloat64(metricMessagesIn.WithLabelValues("sign"))
	keygenRunning := testutil.ToFloat64(metricPartiesRunning.WithLabelValues("keygen"))
	signRunning := testutil.ToFloat64(metricPartiesRunning.WithLabelValues("sign"))
	signCount, _ := histogramCount(t, "litd_tss_sign_seconds")
	rejected := func() (n float64) {
		for _, typ := range []string{"keygen", "sign"} {
			for _, reason := range []string{"open", "party"} {
				n += testutil.ToFloat64(metricMessagesRejected.WithLabelValues(typ, reason))
			}
		}
		return n
	}
	rejectedBefore := rejected()

	c.block() // every engine registers its encryption key

	// DKG among the three.
	c.jobs = []keeper.Job{{Session: types.Session{
		Id: 1, Type: types.SESSION_TYPE_KEYGEN, KeySetId: 1, Threshold: 1, StartHeight: c.height + 1,
		Parties: parties(c.addrs...),
	}}}
	c.block()
	require.Equal(t, 1.0, testutil.ToFloat64(metricSessionsOpen.WithLabelValues("keygen")))
	require.Equal(t, 0.0, testutil.ToFloat64(metricSessionsOpen.WithLabelValues("sign")))
	require.Equal(t, keygenRunning+3, testutil.ToFloat64(metricPartiesRunning.WithLabelValues("keygen")))
	c.until(3*time.Minute, "keygen", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.keygen) == 3
	})
	require.Equal(t, float64(keygenRounds), testutil.ToFloat64(metricKeygenRound), "every party finished")
	require.True(t, c.rounds[1] || c.rounds[2] || c.rounds[3], "keygen_round showed a round in progress: %v", c.rounds)
	// Per party: round 1 broadcast, round 2 one share to each other party
	// plus a broadcast, round 3 broadcast; each goes to the 2 others.
	require.Equal(t, keygenOut+3*5, testutil.ToFloat64(metricMessagesOut.WithLabelValues("keygen")))
	require.Equal(t, keygenIn+3*8, testutil.ToFloat64(metricMessagesIn.WithLabelValues("keygen")))
	root := c.keygen[c.addrs[0]]
	for _, a := range c.addrs {
		require.Equal(t, root, c.keygen[a], "all parties made the same key")
	}

	// The key set is active; the keygen session closes.
	c.jobs = nil
	c.block()
	require.Equal(t, 0.0, testutil.ToFloat64(metricKeygenRound))
	require.Equal(t, 0.0, testutil.ToFloat64(metricSessionsOpen.WithLabelValues("keygen")))
	require.Equal(t, keygenRunning, testutil.ToFloat64(metricPartiesRunning.WithLabelValues("keygen")))

	// A 2-of-3 signature by the first two validators.
	digest := sha256.Sum256([]byte("litd metrics"))
	const keyID = 7
	c.jobs = []keeper.Job{{
		Session: types.Session{
			Id: 2, Type: types.SESSION_TYPE_SIGN, KeySetId: 1, Threshold: 1, StartHeight: c.height + 1,
			Parties: parties(c.addrs[0], c.addrs[1]), SignatureId: 1,
		},
		RootPubkey: root, Digest: digest[:], KeyID: keyID,
	}}
	c.block()
	require.Equal(t, 1.0, testutil.ToFloat64(metricSessionsOpen.WithLabelValues("sign")))
	require.Equal(t, signRunning+2, testutil.ToFloat64(metricPartiesRunning.WithLabelValues("sign")), "the third validator is no party")
	c.until(3*time.Minute, "signing", func() bool {
		n, _ := histogramCount(t, "litd_tss_sign_seconds")
		return n == signCount+2
	})
	n, sum := histogramCount(t, "litd_tss_sign_seconds")
	require.Equal(t, signCount+2, n, "each signer observed its latency once")
	require.Positive(t, sum)
	out := testutil.ToFloat64(metricMessagesOut.WithLabelValues("sign")) - signOut
	require.Positive(t, out)
	require.Equal(t, out, testutil.ToFloat64(metricMessagesIn.WithLabelValues("sign"))-signIn, "with two parties every message goes to the other")
	require.Equal(t, rejectedBefore, rejected(), "no message was rejected")

	// The signature the metrics counted is real.
	c.until(30*time.Second, "signature result", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.sigs) > 0
	})
	rootKey, err := secp256k1.ParsePubKey(root)
	require.NoError(t, err)
	child, err := types.DeriveChildPubkey(rootKey, keyID)
	require.NoError(t, err)
	//nolint:staticcheck // the standard library verifies secp256k1 only through the raw-coordinate API
	pub := &ecdsa.PublicKey{Curve: tss.S256(), X: child.X(), Y: child.Y()}
	for _, rs := range c.sigs {
		require.True(t, ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(rs[0]), new(big.Int).SetBytes(rs[1])))
	}

	c.jobs = nil
	c.block()
	require.Equal(t, 0.0, testutil.ToFloat64(metricSessionsOpen.WithLabelValues("sign")))
	require.Equal(t, signRunning, testutil.ToFloat64(metricPartiesRunning.WithLabelValues("sign")))

	// The same with messages taken early from precommits, while every other
	// block leaves the second signer's extension out: its parties still
	// finish (from the early copies), the engine counts the messages the
	// next block did not carry, and its author sends them again until a
	// block does (its outbox empties only from committed blocks).
	early := testutil.ToFloat64(metricMessagesEarly.WithLabelValues("sign"))
	uncommitted := testutil.ToFloat64(metricMessagesEarlyUncommitted)
	c.early, c.omit = true, func(h int64, i int) bool { return i == 1 && h%2 == 0 }
	c.sigs = map[string][2][]byte{}
	c.jobs = []keeper.Job{{
		Session: types.Session{
			Id: 3, Type: types.SESSION_TYPE_SIGN, KeySetId: 1, Threshold: 1, StartHeight: c.height + 1,
			DeadlineHeight: c.height + 100, Parties: parties(c.addrs[0], c.addrs[1]), SignatureId: 2,
		},
		RootPubkey: root, Digest: digest[:], KeyID: keyID,
	}}
	c.block()
	c.until(3*time.Minute, "signing with early messages", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.sigs) == 2
	})
	for _, rs := range c.sigs {
		require.True(t, ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(rs[0]), new(big.Int).SetBytes(rs[1])))
	}
	require.Positive(t, testutil.ToFloat64(metricMessagesEarly.WithLabelValues("sign"))-early)
	require.Positive(t, testutil.ToFloat64(metricMessagesEarlyUncommitted)-uncommitted, "blocks left messages out")
	c.omit = nil
	c.until(30*time.Second, "every message committed", func() bool {
		e := c.engines[1]
		e.mu.Lock()
		defer e.mu.Unlock()
		for _, it := range e.outbox {
			if it.msg != nil {
				return false
			}
		}
		return true
	})
	require.Empty(t, c.unconfirmed, "every message taken early was committed in the end")
	// Another validator's extension relabelled as a party's is not taken:
	// only the operator the snapshot maps a consensus address to is.
	before := testutil.ToFloat64(metricMessagesEarly.WithLabelValues("sign"))
	c.engines[0].Early([]byte("not a consensus address"), c.height, &types.ExtensionSection{Messages: []types.ProtocolMessage{{SessionId: 3, Payload: []byte("x")}}})
	require.Equal(t, before, testutil.ToFloat64(metricMessagesEarly.WithLabelValues("sign")))
	require.Equal(t, rejectedBefore, rejected(), "no message was rejected")

	// A message taken early that no block ever commits (the second signer
	// gave the others an extension the proposers never had) is reported
	// once, after UnconfirmedAfterBlocks, by the engine that took it.
	c.engines[0].Early([]byte(c.addrs[1]), c.height, &types.ExtensionSection{Messages: []types.ProtocolMessage{{SessionId: 3, Payload: []byte("never committed")}}})
	for range UnconfirmedAfterBlocks + 2 {
		c.block()
	}
	require.Equal(t, []types.Unconfirmed{{SessionId: 3, Validator: c.addrs[1]}}, c.unconfirmed)

	// Keygen and reshare sessions never take messages early: a split view
	// there could leave honest parties with different keys.
	c.jobs = []keeper.Job{{Session: types.Session{
		Id: 4, Type: types.SESSION_TYPE_KEYGEN, KeySetId: 2, Threshold: 1, StartHeight: c.height + 1,
		DeadlineHeight: c.height + 100, Parties: parties(c.addrs...),
	}}}
	c.early = false
	c.block()
	before = testutil.ToFloat64(metricMessagesEarly.WithLabelValues("keygen"))
	c.engines[0].Early([]byte(c.addrs[1]), c.height, &types.ExtensionSection{Messages: []types.ProtocolMessage{{SessionId: 4, Payload: []byte("round 1")}}})
	require.Equal(t, before, testutil.ToFloat64(metricMessagesEarly.WithLabelValues("keygen")))
	c.jobs = nil
	c.block()
}

func TestMessageRound(t *testing.T) {
	for in, want := range map[string]int{
		"binance.tsslib.ecdsa.keygen.KGRound1Message":    1,
		"binance.tsslib.ecdsa.keygen.KGRound2Message2":   2,
		"binance.tsslib.ecdsa.signing.SignRound9Message": 9,
		"something.Else": 0,
	} {
		require.Equal(t, want, messageRound(in), in)
	}
}
