// Package e2e drives real `litd start` processes (4 validators on 127.0.0.1)
// with the CLI, REST and gRPC, as users and wallets do.
package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/litprotocol/litd/testutil/network"
)

// net is the network every test in the package shares.
var net *network.Network

// TestRootPrivKey is the e2e network's root key: a fixed test-only secret so
// minting works before the DKG engine exists. No production key is ever whole.
var TestRootPrivKey = func() *secp256k1.PrivateKey {
	seed := sha256.Sum256([]byte("litd e2e test root key"))
	return secp256k1.PrivKeyFromBytes(seed[:])
}()

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		fmt.Println("e2e: skipped in -short mode")
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "litd-e2e-")
	if err != nil {
		panic(err)
	}
	bin := os.Getenv("LITD_BIN")
	if bin == "" {
		bin = filepath.Join(dir, "litd")
		build := exec.Command("go", "build", "-o", bin, "../cmd/litd")
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Println("e2e: building litd:", err)
			return 1
		}
	}
	cfg := network.DefaultConfig(bin, filepath.Join(dir, "net"))
	cfg.ChainID = "litd-e2e"
	cfg.Ports = network.FreePorts
	cfg.MutateGenesis = withRootKey
	n, err := network.Init(cfg)
	if err != nil {
		fmt.Println("e2e: init:", err)
		return 1
	}
	net = n
	defer n.Stop()
	if err := n.Start(); err != nil {
		fmt.Println("e2e: start:", err)
		return 1
	}
	if err := n.WaitForHeight(0, 3, 2*time.Minute); err != nil {
		fmt.Println("e2e:", err)
		return 1
	}
	code := m.Run()
	if code == 0 {
		_ = os.RemoveAll(dir)
	} else {
		fmt.Println("e2e: node homes and logs kept in", dir)
	}
	return code
}

// withRootKey puts an active x/tss key set with the test root key, held by
// the genesis validators, into the genesis.
func withRootKey(n *network.Network, genesis map[string]any) error {
	var participants []any
	for _, node := range n.Nodes {
		participants = append(participants, node.ValAddr)
	}
	appState := genesis["app_state"].(map[string]any)
	appState["tss"] = map[string]any{"key_sets": []any{map[string]any{
		"id":           "1",
		"pubkey":       "0x" + hex.EncodeToString(TestRootPrivKey.PubKey().SerializeCompressed()),
		"threshold":    2,
		"participants": participants,
		"status":       "KEY_SET_STATUS_ACTIVE",
	}}}
	return nil
}
