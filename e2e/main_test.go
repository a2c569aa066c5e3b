// Package e2e drives real `litd start` processes (4 validators on 127.0.0.1)
// with the CLI, REST and gRPC, as users and wallets do.
package e2e

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/litprotocol/litd/testutil/network"
)

// net is the network every test in the package shares; rootKey is the key
// its validators made by DKG.
var (
	net     *network.Network
	rootKey string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) (code int) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("e2e: skipped in -short mode (it starts real litd processes)")
		return 0
	}
	dir, err := os.MkdirTemp("", "litd-e2e-")
	if err != nil {
		panic(err)
	}
	bin, err := network.Binary(dir)
	if err != nil {
		fmt.Println("e2e: building litd:", err)
		return 1
	}
	cfg := network.DefaultConfig(bin, filepath.Join(dir, "net"))
	cfg.ChainID = "litd-e2e"
	cfg.Ports = network.FreePorts
	cfg.MutateGenesis = fastSessions
	n, err := network.Init(cfg)
	if err != nil {
		fmt.Println("e2e: init:", err)
		return 1
	}
	net = n
	defer n.Stop()
	defer func() {
		if code != 0 {
			fmt.Print("network at the failure:\n" + n.Diagnostics(40))
		}
	}()
	if err := n.Start(); err != nil {
		fmt.Println("e2e: start:", err)
		return 1
	}
	if err := n.WaitForHeight(0, 3, 2*time.Minute); err != nil {
		fmt.Println("e2e:", err)
		return 1
	}
	start := time.Now()
	if rootKey, err = n.WaitForRootKey(5 * time.Minute); err != nil {
		fmt.Println("e2e:", err)
		return 1
	}
	fmt.Printf("e2e: DKG produced root key %s in %s\n", rootKey, time.Since(start).Round(time.Second))
	code = m.Run()
	// Stop the way `make localnet-stop` does, and check nothing is left running.
	pids, err := network.StopDir(cfg.Dir)
	if err != nil || len(pids) != cfg.Validators {
		fmt.Printf("e2e: StopDir stopped %v: %v\n", pids, err)
		code = 1
	}
	for _, pid := range pids {
		if network.Alive(pid) {
			fmt.Printf("e2e: process %d still running after StopDir\n", pid)
			code = 1
		}
	}
	if code == 0 {
		_ = os.RemoveAll(dir)
	} else {
		fmt.Println("e2e: node homes and logs kept in", dir)
	}
	return code
}

// fastSessions shortens the signing deadline so the fault tests see a retry
// within seconds rather than a minute, widens the downtime window so a
// validator the tests kill for a minute is not jailed, and lets one account
// queue the 20 signatures of TestE2EConcurrentSigns.
func fastSessions(_ *network.Network, genesis map[string]any) error {
	appState := genesis["app_state"].(map[string]any)
	appState["tss"].(map[string]any)["params"].(map[string]any)["sign_timeout_blocks"] = "40"
	appState["tss"].(map[string]any)["params"].(map[string]any)["max_queued_signatures_per_requester"] = "32"
	appState["slashing"].(map[string]any)["params"].(map[string]any)["signed_blocks_window"] = "10000"
	return nil
}
