package engine

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bnb-chain/tss-lib/v2/tss"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/log/v2"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/tss/keeper"
	"github.com/litprotocol/litd/x/tss/tdh"
	"github.com/litprotocol/litd/x/tss/types"
)

// newSimChain starts n engines with the committed pre-parameters.
func newSimChain(t *testing.T, n int) *simChain {
	c := &simChain{
		t: t, encKeys: map[string][]byte{}, keygen: map[string][]byte{}, shares: map[string][][]byte{}, decrypted: map[string][]byte{},
		sigs: map[string][2][]byte{}, rounds: map[float64]bool{},
	}
	for i := range n {
		c.addEngine(i)
	}
	return c
}

func (c *simChain) addEngine(i int) {
	dir := c.t.TempDir()
	bz, err := os.ReadFile(filepath.Join("..", "..", "..", "testutil", "fixtures", fmt.Sprintf("preparams-%d.json", i)))
	require.NoError(c.t, err)
	require.NoError(c.t, os.WriteFile(filepath.Join(dir, "preparams.json"), bz, 0o600))
	e, err := New(dir, testLogger())
	require.NoError(c.t, err)
	c.engines = append(c.engines, e)
	// 20 bytes, as operator addresses are.
	c.addrs = append(c.addrs, sdk.ValAddress(fmt.Appendf(nil, "validator-%02d-address", i)).String())
}

// reported waits until every listed validator reported a key in the
// current session and returns it (they must agree).
func (c *simChain) reported(what string, addrs ...string) []byte {
	c.until(90*time.Second, what, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, a := range addrs {
			if c.keygen[a] == nil {
				return false
			}
		}
		return true
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	key := c.keygen[addrs[0]]
	for _, a := range addrs {
		require.Equal(c.t, key, c.keygen[a], "%s: %s reported another key", what, a)
	}
	return key
}

func shareFiles(e *Engine) []uint64 {
	ids, _ := e.store.shareIDs()
	return ids
}

// TestReshareSameKeyNewCommittee makes a 3-party key, reshares it from two of
// them (t=1) to a committee that drops the first validator and adds a fourth,
// signs with the new committee under the same root key, and checks that each
// engine keeps exactly the generation it holds: a validator that left deletes
// its share, the others delete the retired one.
func TestReshareSameKeyNewCommittee(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tss-lib keygen, resharing and signing (about a minute of CPU)")
	}
	c := newSimChain(t, 4)
	a0, a1, a2, a3 := c.addrs[0], c.addrs[1], c.addrs[2], c.addrs[3]
	c.block() // every engine registers its encryption key

	ks1 := types.KeySet{Id: 1, Threshold: 1, Participants: []string{a0, a1, a2}, Status: types.KEY_SET_STATUS_KEYGEN}
	c.jobs = []keeper.Job{{Session: types.Session{
		Id: 1, Type: types.SESSION_TYPE_KEYGEN, KeySetId: 1, Threshold: 1, StartHeight: c.height + 1, Parties: parties(a0, a1, a2),
	}}}
	c.block()
	root := c.reported("keygen", a0, a1, a2)
	ks1.Status, ks1.Pubkey = types.KEY_SET_STATUS_ACTIVE, fmt.Sprintf("0x%x", root)
	for i, e := range c.engines[:3] {
		require.Equal(t, []uint64{1}, shareFiles(e), "validator %d holds its DKG share", i)
	}
	require.Empty(t, shareFiles(c.engines[3]))

	// Reshare: old side a1, a2 (t_old+1 = 2), new committee a1, a2, a3 (t=1).
	c.mu.Lock()
	c.keygen = map[string][]byte{}
	c.mu.Unlock()
	ks2 := types.KeySet{Id: 2, Pubkey: ks1.Pubkey, Threshold: 1, Participants: []string{a1, a2, a3}, Status: types.KEY_SET_STATUS_RESHARING}
	reshares := testutil.ToFloat64(metricPartiesRunning.WithLabelValues("reshare"))
	reshareCount, _ := histogramCount(t, "litd_tss_reshare_seconds")
	c.keySets, c.latestKeySet = []types.KeySet{ks1, ks2}, 2
	c.jobs = []keeper.Job{{Session: types.Session{
		Id: 2, Type: types.SESSION_TYPE_RESHARE, KeySetId: 1, Threshold: 1, NewKeySetId: 2, NewThreshold: 1,
		StartHeight: c.height + 1, Parties: parties(a1, a2, a3),
		OldCommittee: []string{a1, a2}, NewCommittee: []string{a1, a2, a3},
	}}}
	c.block()
	require.Equal(t, reshares+3, testutil.ToFloat64(metricPartiesRunning.WithLabelValues("reshare")), "a0 is on neither side")
	require.Equal(t, root, c.reported("reshare", a1, a2, a3), "the new committee holds the same root key")
	// A party observes its time just after it reports; on a loaded machine the
	// last observation can trail the last report.
	require.Eventually(t, func() bool {
		n, _ := histogramCount(t, "litd_tss_reshare_seconds")
		return n == reshareCount+3
	}, 10*time.Second, 10*time.Millisecond, "each new-side party observed its reshare time")

	// While the old key set is still in use nobody deletes anything.
	require.Equal(t, []uint64{1}, shareFiles(c.engines[0]))
	require.Equal(t, []uint64{1, 2}, shareFiles(c.engines[1]))
	require.Equal(t, []uint64{2}, shareFiles(c.engines[3]))

	// The switch: key set 2 active, 1 retired and unused.
	ks2.Status = types.KEY_SET_STATUS_ACTIVE
	c.keySets = []types.KeySet{ks2}
	c.jobs = nil
	c.block()
	require.Empty(t, shareFiles(c.engines[0]), "a validator that left destroys its share")
	for i := 1; i < 4; i++ {
		require.Equal(t, []uint64{2}, shareFiles(c.engines[i]), "validator %d keeps only the new generation", i)
	}

	// The new committee serves a decryption of a ciphertext made for the
	// root key: each member's share proves itself against the public shares
	// the members reported with the reshare, and t+1 of them decrypt.
	c.mu.Lock()
	ks2.PublicShares = nil
	for _, ps := range c.shares[a1] {
		ks2.PublicShares = append(ks2.PublicShares, fmt.Sprintf("0x%x", ps))
	}
	for _, a := range []string{a2, a3} {
		require.Equal(t, c.shares[a1], c.shares[a], "%s reported other public shares", a)
	}
	c.mu.Unlock()
	rootKey, err := secp256k1.ParsePubKey(root)
	require.NoError(t, err)
	id := sha256.Sum256([]byte("decrypt across a reshare"))
	enc, err := tdh.Encrypt(rand.Reader, rootKey, id, []byte("plaintext"))
	require.NoError(t, err)
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	c.jobs = []keeper.Job{{Session: types.Session{
		Id: 3, Type: types.SESSION_TYPE_DECRYPT, KeySetId: 2, Threshold: 1, StartHeight: c.height + 1, Parties: parties(a1, a2, a3), DecryptionId: 9,
	}, Ephemeral: enc.Ephemeral, RequesterKey: priv.PublicKey().Bytes()}}
	c.until(10*time.Second, "decryption shares", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.decrypted) == 3
	})
	require.Nil(t, c.decrypted[a0], "a validator outside the key set serves nothing")
	dec := types.Decryption{Id: 9, KeySetId: 2, Threshold: 1, Ephemeral: enc.Ephemeral}
	for _, a := range []string{a1, a2, a3} {
		dec.Shares = append(dec.Shares, types.SealedShare{Validator: a, Sealed: c.decrypted[a]})
	}
	xR, bad, err := dec.Open(priv, ks2)
	require.NoError(t, err)
	require.Empty(t, bad)
	plain, err := tdh.Decrypt(rootKey, id, enc, xR)
	require.NoError(t, err)
	require.Equal(t, []byte("plaintext"), plain)
	c.jobs = nil
	c.block()

	// A node that replays old blocks (its data wiped, <home>/tss kept) sees
	// DKG running again: it neither joins it nor deletes the share of a key
	// set that state does not know yet.
	replay, err := New(c.engines[1].store.dir, testLogger())
	require.NoError(t, err)
	ks1Keygen := ks1
	ks1Keygen.Status, ks1Keygen.Pubkey = types.KEY_SET_STATUS_KEYGEN, ""
	replay.Observe(Snapshot{Height: 2, Self: a1, EncKeys: c.encKeys, KeySets: []types.KeySet{ks1Keygen}, LatestKeySetID: 1, Jobs: []keeper.Job{{Session: types.Session{
		Id: 1, Type: types.SESSION_TYPE_KEYGEN, KeySetId: 1, Threshold: 1, StartHeight: 2, Parties: parties(a0, a1, a2),
	}}}})
	require.Empty(t, replay.runs, "no session of the replayed past is joined")
	replay.Observe(Snapshot{Height: 3, Self: a1, EncKeys: c.encKeys, KeySets: []types.KeySet{ks1}, LatestKeySetID: 1})
	require.Equal(t, []uint64{2}, shareFiles(c.engines[1]), "the current share survives the replay")

	// The new committee signs with a PKP key derived from the same root; the
	// old committee's a0 could not take part any more.
	digest := sha256.Sum256([]byte("litd reshare"))
	const keyID = 9
	c.jobs = []keeper.Job{{
		Session: types.Session{
			Id: 3, Type: types.SESSION_TYPE_SIGN, KeySetId: 2, Threshold: 1, StartHeight: c.height + 1,
			Parties: parties(a2, a3), SignatureId: 1,
		},
		RootPubkey: root, Digest: digest[:], KeyID: keyID,
	}}
	c.block()
	c.until(2*time.Minute, "signature", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.sigs) > 0
	})
	rootKey, err = secp256k1.ParsePubKey(root)
	require.NoError(t, err)
	child, err := types.DeriveChildPubkey(rootKey, keyID)
	require.NoError(t, err)
	//nolint:staticcheck // the standard library verifies secp256k1 only through the raw-coordinate API
	pub := &ecdsa.PublicKey{Curve: tss.S256(), X: child.X(), Y: child.Y()}
	for _, rs := range c.sigs {
		require.True(t, ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(rs[0]), new(big.Int).SetBytes(rs[1])))
	}
}

func testLogger() log.Logger {
	if os.Getenv("TSS_TEST_LOG") != "" {
		return log.NewLogger(os.Stderr)
	}
	return log.NewNopLogger()
}

// TestJunkIsBlamedOnItsSender: bytes that are not a tss-lib message, from a
// party the chain authenticated, make the receiving engine report a blame of
// that party in its next extension (once).
func TestJunkIsBlamedOnItsSender(t *testing.T) {
	c := newSimChain(t, 2)
	a0, a1 := c.addrs[0], c.addrs[1]
	c.block()
	c.jobs = []keeper.Job{{Session: types.Session{
		Id: 1, Type: types.SESSION_TYPE_KEYGEN, KeySetId: 1, Threshold: 1, StartHeight: c.height + 1, Parties: parties(a0, a1),
	}}}
	c.block()
	blames := func() []types.Blame {
		var out []types.Blame
		deadline := time.Now().Add(10 * time.Second)
		for len(out) == 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			c.height++
			if sec := c.engines[1].ExtensionSection(c.height, 1<<20); sec != nil {
				out = sec.Blames
			}
		}
		return out
	}
	c.engines[1].Deliver(c.height, []keeper.Delivered{{SessionID: 1, From: a0, Payload: []byte("not a tss-lib message")}})
	require.Equal(t, []types.Blame{{SessionId: 1, Culprits: []string{a0}}}, blames())
	// The same sender's next junk adds no second blame.
	c.engines[1].Deliver(c.height, []keeper.Delivered{{SessionID: 1, From: a0, Payload: []byte("more junk")}})
	c.height += ResendAfterBlocks - 1
	sec := c.engines[1].ExtensionSection(c.height, 1<<20)
	require.Empty(t, sec.Blames, "reported once (resent only after ResendAfterBlocks)")
}
