// Package reshare follows the root key through validator churn on its own
// network of real litd processes: two validators join (the key is reshared
// to all six, same public key), original validators unbond one after the
// other (reshared each time; the departed delete their shares; a member is
// killed and restarted during one reshare), and of two original validators
// unbonding at once, which would leave too few share holders, one is refused
// until the key has moved. After every step the same PKPs sign with
// signatures that recover their original Ethereum addresses.
package reshare

import (
	"context"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/litprotocol/litd/testutil/network"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

type suite struct {
	t      *testing.T
	n      *network.Network
	tss    tsstypes.QueryClient
	pkp    pkptypes.QueryClient
	root   string
	tokens []string
}

func TestE2EReshareThroughChurn(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real litd processes")
	}
	dir := t.TempDir()
	bin, err := network.Binary(dir)
	require.NoError(t, err)
	cfg := network.DefaultConfig(bin, filepath.Join(dir, "net"))
	cfg.ChainID = "litd-reshare"
	cfg.Ports = network.FreePorts
	cfg.MutateGenesis = func(_ *network.Network, g map[string]any) error {
		appState := g["app_state"].(map[string]any)
		params := appState["tss"].(map[string]any)["params"].(map[string]any)
		params["keygen_timeout_blocks"] = "100"
		params["sign_timeout_blocks"] = "40"
		appState["slashing"].(map[string]any)["params"].(map[string]any)["signed_blocks_window"] = "10000"
		return nil
	}
	n, err := network.Init(cfg)
	require.NoError(t, err)
	n.DiagnoseOnFailure(t)
	defer n.Stop()
	require.NoError(t, n.Start())
	root, err := n.WaitForRootKey(5 * time.Minute)
	require.NoError(t, err)
	conn, err := grpc.NewClient(n.Nodes[0].GRPC(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer func() { _ = conn.Close() }()
	s := &suite{t: t, n: n, tss: tsstypes.NewQueryClient(conn), pkp: pkptypes.NewQueryClient(conn), root: root}
	first := s.keySet()
	require.EqualValues(t, 1, first.Epoch)

	for range 3 {
		res, err := n.Tx(0, network.Alice, "pkp", "mint")
		require.NoError(t, err)
		require.Zero(t, res.Code, res.RawLog)
		s.tokens = append(s.tokens, res.Attr("lit.pkp.v1.EventPKPMinted", "token_id"))
	}
	s.signAll("genesis committee")

	// Two validators join: the key moves to all six.
	for range 2 {
		node, err := n.AddNode()
		require.NoError(t, err)
		require.NoError(t, n.StartNode(node.Index))
		h, err := n.Height(context.Background(), 0)
		require.NoError(t, err)
		require.NoError(t, n.WaitForHeight(node.Index, h, 3*time.Minute))
		require.NoError(t, n.CreateValidator(node.Index, network.SelfBond))
		t.Logf("node%d (%s) is a validator", node.Index, node.ValAddr)
	}
	start := time.Now()
	ks := s.waitCommittee(6, 5*time.Minute)
	t.Logf("reshare 4→6 done in %s: epoch %d, t=%d", time.Since(start).Round(time.Second), ks.Epoch, ks.Threshold)
	require.EqualValues(t, 3, ks.Threshold, "t = ⌈2·6/3⌉−1")
	require.Greater(t, ks.Epoch, first.Epoch)
	s.requireShares(ks, nil)
	s.signAll("six validators")

	// Original validators leave one after the other. During the first
	// reshare a member is killed and restarted at once: it cannot rejoin a
	// session that began before it came back, so the reshare retries without
	// it (same threshold) and a later reshare adds it back; no node ends with
	// two generations or none.
	for _, i := range []int{1, 2} {
		s.unbond(i)
		start := time.Now()
		if i == 1 {
			s.waitReshareOpen(time.Minute)
			require.NoError(t, n.KillNode(3))
			require.NoError(t, n.StartNode(3))
			t.Logf("node3 killed (-9) and restarted during the reshare")
		}
		ks = s.waitCommittee(len(ks.Participants)-1, 8*time.Minute)
		t.Logf("node%d left; reshare to %d done in %s (t=%d, epoch %d)", i, len(ks.Participants), time.Since(start).Round(time.Second), ks.Threshold, ks.Epoch)
		require.NotContains(t, ks.Participants, n.Nodes[i].ValAddr)
		require.Contains(t, ks.Participants, n.Nodes[3].ValAddr, "the restarted member is back in the committee")
		s.requireShares(ks, []int{1, 2}[:slices.Index([]int{1, 2}, i)+1])
		s.signAll(fmt.Sprintf("after node%d left", i))
	}

	// Four validators (t=2), two of them original: both originals unbond at
	// once, which would leave two share holders, fewer than the three a
	// reshare needs. One goes through, the other is refused with a clear error
	// while both processes keep running (node0 goes on serving the CLI).
	require.Len(t, ks.Participants, 4)
	left, refused, refusal, err := n.UnbondAtOnce(0, 3)
	require.NoError(t, err, "one unbonding goes through, the other is refused")
	require.Equal(t, "tss", refusal.Codespace, refusal.RawLog)
	require.EqualValues(t, 15, refusal.Code, refusal.RawLog)
	require.Contains(t, refusal.RawLog, "fewer than the 3 a reshare needs")
	ks = s.waitCommittee(3, 5*time.Minute)
	require.NotContains(t, ks.Participants, n.Nodes[left].ValAddr)
	require.Contains(t, ks.Participants, n.Nodes[refused].ValAddr)
	s.signAll("after one of two simultaneous unbondings")
	// Once the key has moved, the refused validator may leave too (3 → 2, t=1).
	s.unbond(refused)
	ks = s.waitCommittee(2, 5*time.Minute)
	s.requireShares(ks, []int{1, 2, left, refused})
	s.signAll("two validators left")
}

func (s *suite) keySet() tsstypes.KeySet {
	resp, err := s.tss.KeySet(context.Background(), &tsstypes.QueryKeySetRequest{})
	require.NoError(s.t, err)
	return resp.KeySet
}

// waitCommittee waits until the active key set has n participants and no
// reshare runs; the root key never changes.
func (s *suite) waitCommittee(n int, timeout time.Duration) tsstypes.KeySet {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp, err := s.tss.KeySet(context.Background(), &tsstypes.QueryKeySetRequest{})
		if err == nil {
			require.Equal(s.t, s.root, resp.KeySet.Pubkey, "the root public key never changes")
			if len(resp.KeySet.Participants) == n && resp.Resharing == nil {
				s.t.Logf("key set %d: %d members, t=%d, epoch %d, active since %d", resp.KeySet.Id, n, resp.KeySet.Threshold, resp.KeySet.Epoch, resp.KeySet.ActivatedHeight)
				return resp.KeySet
			}
		}
		if time.Now().After(deadline) {
			st, _ := s.n.CLI(0, "query", "tss", "status", "--output", "json")
			s.t.Fatalf("no committee of %d after %s: %+v %v\nstatus: %s", n, timeout, resp, err, st)
		}
		time.Sleep(time.Second)
	}
}

// waitReshareOpen waits until a reshare session is open.
func (s *suite) waitReshareOpen(timeout time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st, err := s.tss.Status(context.Background(), &tsstypes.QueryStatusRequest{})
		if err == nil && st.OpenReshareSessions > 0 {
			return
		}
		require.True(s.t, time.Now().Before(deadline), "no reshare opened within %s: %+v %v", timeout, st, err)
		time.Sleep(200 * time.Millisecond)
	}
}

// unbond makes node i's validator undelegate all of its self-bond, once
// node i has seen what node 0 has (its CheckTx runs the departure guard on
// its own state).
func (s *suite) unbond(i int) {
	s.t.Helper()
	h, err := s.n.Height(context.Background(), 0)
	require.NoError(s.t, err)
	require.NoError(s.t, s.n.WaitForHeight(i, h, time.Minute))
	// A note makes each attempt a new transaction: a refused one left the
	// sequence unchanged, and the same bytes again would only find the old
	// result.
	res, err := s.n.Unbond(i, "--note", fmt.Sprintf("unbond node%d at %d", i, h))
	require.NoError(s.t, err)
	if res.Code != 0 {
		mine, _ := s.n.CLI(i, "query", "tss", "key-set", "--output", "json")
		theirs, _ := s.n.CLI(0, "query", "tss", "key-set", "--output", "json")
		sets, _ := s.n.CLI(0, "query", "tss", "sessions", "--output", "json")
		s.t.Fatalf("node%d's unbonding refused: %s\nnode%d key set: %s\nnode0 key set: %s\nsessions: %s", i, res.RawLog, i, mine, theirs, sets)
	}
	s.t.Logf("node%d (%s) unbonded", i, s.n.Nodes[i].ValAddr)
}

// requireShares checks every node's share files: members of ks hold exactly
// its generation, the departed hold none.
func (s *suite) requireShares(ks tsstypes.KeySet, departed []int) {
	s.t.Helper()
	want := fmt.Sprintf("keyset-%d.json", ks.Id)
	deadline := time.Now().Add(time.Minute)
	for {
		var bad []string
		for _, node := range s.n.Nodes {
			files, _ := filepath.Glob(filepath.Join(node.Home, "tss", "shares", "keyset-*.json"))
			var names []string
			for _, f := range files {
				names = append(names, filepath.Base(f))
			}
			member := slices.Contains(ks.Participants, node.ValAddr)
			switch {
			case member && !slices.Equal(names, []string{want}):
				bad = append(bad, fmt.Sprintf("member node%d holds %v, want [%s]", node.Index, names, want))
			case !member && len(names) > 0:
				bad = append(bad, fmt.Sprintf("node%d is no member and still holds %v", node.Index, names))
			}
			if slices.Contains(departed, node.Index) {
				require.False(s.t, member, "node%d left", node.Index)
			}
		}
		if len(bad) == 0 {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("share files: %s", strings.Join(bad, "; "))
		}
		time.Sleep(time.Second)
	}
}

// signAll has every PKP sign a fresh digest (requests queued back to back,
// signed concurrently) and checks each signature recovers the PKP's Ethereum
// address.
func (s *suite) signAll(when string) {
	s.t.Helper()
	ids := make([]uint64, len(s.tokens))
	for i, tok := range s.tokens {
		digest := "0x" + hex.EncodeToString(fmt.Appendf(nil, "%-32.32s", fmt.Sprintf("%s %d", when, i)))
		// Alice's key lives in node0's keyring.
		var err error
		ids[i], err = s.n.Sign(0, network.Alice, tok, digest)
		require.NoError(s.t, err, when)
	}
	for i, tok := range s.tokens {
		sig, err := network.WaitSigned(s.tss, ids[i], 3*time.Minute)
		require.NoError(s.t, err, when)
		view, err := s.pkp.PKP(context.Background(), &pkptypes.QueryPKPRequest{TokenId: tok})
		require.NoError(s.t, err)
		addr, err := network.RecoverEthAddress(sig)
		require.NoError(s.t, err)
		require.Equal(s.t, strings.ToLower(view.Pkp.EthAddress), addr, "%s: PKP %s signs as its original address", when, tok)
	}
	s.t.Logf("%s: %d PKPs signed", when, len(s.tokens))
}
