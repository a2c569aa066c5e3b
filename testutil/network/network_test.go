package network

import (
	"fmt"
	"net"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFreeTCPPortsAreClaimedOutsideTheEphemeralRange(t *testing.T) {
	seen := map[int]bool{}
	for range 20 {
		ps, err := FreeTCPPorts(5)
		require.NoError(t, err)
		for _, p := range ps {
			require.False(t, seen[p], "port %d handed out twice", p)
			seen[p] = true
			require.True(t, p >= portLow && p < portHigh, "port %d", p)
		}
	}
}

// A node that cannot start (here its RPC port is taken) makes Start fail
// naming it, with its log's end, instead of leaving a network short of a
// validator.
func TestStartFailsForANodeThatExits(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a litd process")
	}
	dir := t.TempDir()
	bin, err := Binary(dir)
	require.NoError(t, err)
	cfg := DefaultConfig(bin, filepath.Join(dir, "net"))
	cfg.Validators, cfg.Ports, cfg.PreParams = 1, FreePorts, cfg.PreParams[:1]
	n, err := Init(cfg)
	require.NoError(t, err)
	defer n.Stop()
	taken, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", n.Nodes[0].Ports.RPC))
	require.NoError(t, err)
	defer taken.Close()

	err = n.Start()
	require.ErrorContains(t, err, "node0 exited at start")
	require.ErrorContains(t, err, "address already in use")
	exited, how := n.Exited(0)
	require.True(t, exited)
	require.Error(t, how)
	require.Contains(t, n.Diagnostics(5), "node0 ("+n.Nodes[0].ValAddr+"), exited")
}
