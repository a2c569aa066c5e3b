// Package dkgfault kills a validator in the middle of DKG on its own
// 4-validator network and restarts it: keygen expires and, since leaving the
// silent party out would make a 3-of-3 committee (another threshold band),
// retries with all four, which the restarted validator joins; the root key is
// 3 of 4 and the network signs with it. Then two of the four unbond at
// once while their processes keep running: one is refused until the key has
// moved to the other three, and the network still signs.
package dkgfault

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/litprotocol/litd/testutil/network"
)

func TestE2EKillDuringDKG(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real litd processes")
	}
	dir := t.TempDir()
	bin, err := network.Binary(dir)
	require.NoError(t, err)
	cfg := network.DefaultConfig(bin, filepath.Join(dir, "net"))
	cfg.ChainID = "litd-dkgfault"
	cfg.Ports = network.FreePorts
	cfg.MutateGenesis = func(_ *network.Network, g map[string]any) error {
		appState := g["app_state"].(map[string]any)
		params := appState["tss"].(map[string]any)["params"].(map[string]any)
		params["keygen_timeout_blocks"] = "100"
		appState["slashing"].(map[string]any)["params"].(map[string]any)["signed_blocks_window"] = "10000"
		return nil
	}
	n, err := network.Init(cfg)
	require.NoError(t, err)
	n.DiagnoseOnFailure(t)
	defer n.Stop()
	require.NoError(t, n.Start())

	// Kill node3 as soon as the keygen session is open.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		out, err := n.CLI(0, "query", "tss", "status", "--output", "json")
		if err == nil && strings.Contains(out, `"dkg running"`) {
			break
		}
		require.True(t, time.Now().Before(deadline), "DKG never started: %s %v", out, err)
		time.Sleep(200 * time.Millisecond)
	}
	require.NoError(t, n.KillNode(3))
	t.Logf("killed node3 (%s) during DKG", n.Nodes[3].ValAddr)
	// It comes back at once but cannot rejoin the session it lost; the retry
	// at the deadline waits for it rather than shrinking the committee.
	time.Sleep(2 * time.Second)
	require.NoError(t, n.StartNode(3))

	root, err := n.WaitForRootKey(5 * time.Minute)
	require.NoError(t, err)
	out, err := n.CLI(0, "query", "tss", "key-set", "--output", "json")
	require.NoError(t, err)
	var ks struct {
		KeySet struct {
			Participants []string `json:"participants"`
			Threshold    int      `json:"threshold"`
		} `json:"key_set"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &ks))
	t.Logf("root key %s held by %d validators, t=%d", root, len(ks.KeySet.Participants), ks.KeySet.Threshold)
	require.Contains(t, ks.KeySet.Participants, n.Nodes[3].ValAddr, "the restarted validator holds a share")
	require.Len(t, ks.KeySet.Participants, 4)
	require.Equal(t, 2, ks.KeySet.Threshold, "3 of the 4 sign")
	out, err = n.CLI(0, "query", "tss", "session", "1", "--output", "json")
	require.NoError(t, err)
	require.Contains(t, out, "SESSION_STATUS_EXPIRED", "the first attempt expired")
	require.Contains(t, out, "silent until the deadline")

	h, err := n.Height(context.Background(), 0)
	require.NoError(t, err)
	require.NoError(t, n.WaitForHeight(3, h, 3*time.Minute))
	res, err := n.Tx(0, network.Alice, "pkp", "mint")
	require.NoError(t, err)
	require.Zero(t, res.Code, res.RawLog)
	token := res.Attr("lit.pkp.v1.EventPKPMinted", "token_id")
	out, err = n.CLI(0, "tx", "tss", "sign", token, "0x"+strings.Repeat("5a", 32), "--from", network.Alice, "--yes", "--wait", "--output", "json")
	require.NoError(t, err, out)
	require.Contains(t, out, "SIGNATURE_STATUS_SIGNED")

	// Two of the four genesis validators unbond at once, their processes
	// running: that would leave two bonded share holders, fewer than the three
	// a reshare needs. One goes through; the other is refused (in CheckTx, or
	// in the block when both land in one) and the key moves to three.
	left, refused, refusal, err := n.UnbondAtOnce(1, 2)
	require.NoError(t, err, "one unbonding goes through, the other is refused")
	require.Equal(t, "tss", refusal.Codespace, refusal.RawLog)
	require.EqualValues(t, 15, refusal.Code, refusal.RawLog)
	require.Contains(t, refusal.RawLog, "fewer than the 3 a reshare needs")
	t.Logf("node%d unbonded; node%d refused", left, refused)
	deadline = time.Now().Add(5 * time.Minute)
	for {
		out, err = n.CLI(0, "query", "tss", "key-set", "--output", "json")
		require.NoError(t, err)
		var now struct {
			KeySet struct {
				Pubkey       string   `json:"pubkey"`
				Participants []string `json:"participants"`
			} `json:"key_set"`
			Resharing json.RawMessage `json:"resharing"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &now))
		require.Equal(t, root, now.KeySet.Pubkey, "the root key never changes")
		if len(now.KeySet.Participants) == 3 && (len(now.Resharing) == 0 || string(now.Resharing) == "null") {
			require.NotContains(t, now.KeySet.Participants, n.Nodes[left].ValAddr)
			break
		}
		require.True(t, time.Now().Before(deadline), "the key never moved to three: %s", out)
		time.Sleep(time.Second)
	}
	for _, i := range []int{left, refused} {
		pid, err := n.PID(i)
		require.NoError(t, err)
		require.True(t, network.Alive(pid), "node%d keeps running", i)
	}
	out, err = n.CLI(0, "tx", "tss", "sign", token, "0x"+strings.Repeat("5b", 32), "--from", network.Alice, "--yes", "--wait", "--output", "json")
	require.NoError(t, err, out)
	require.Contains(t, out, "SIGNATURE_STATUS_SIGNED")
}
