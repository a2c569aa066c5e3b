// Package tsclient runs the TypeScript client's tests (ts/, `npm test`)
// against 4 real litd validators, and checks that the committed generated
// TypeScript types are what `make proto-gen-ts` makes from proto/.
package tsclient

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cosmos/cosmos-sdk/codec/address"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"

	"github.com/litprotocol/litd/app"
	"github.com/litprotocol/litd/testutil/network"
)

// testAccounts is how many funded keys the TypeScript tests get: each test
// file uses its own two (one signs direct, one amino), so files run in
// parallel without sharing account sequences.
const testAccounts = 13

var (
	net *network.Network
	// keys are the funded accounts' secp256k1 private keys, hex.
	keys []string
)

// repoRoot is the repository this test file belongs to.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) (code int) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("e2e/tsclient: skipped in -short mode (it starts real litd processes and runs npm)")
		return 0
	}
	dir, err := os.MkdirTemp("", "litd-tsclient-")
	if err != nil {
		panic(err)
	}
	bin, err := network.Binary(dir)
	if err != nil {
		fmt.Println("e2e/tsclient: building litd:", err)
		return 1
	}
	cfg := network.DefaultConfig(bin, filepath.Join(dir, "net"))
	cfg.ChainID = "litd-tsclient"
	cfg.Ports = network.FreePorts
	n, err := network.Init(cfg)
	if err != nil {
		fmt.Println("e2e/tsclient: init:", err)
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
		fmt.Println("e2e/tsclient: start:", err)
		return 1
	}
	// npm ci runs while the validators make the root key.
	start := time.Now()
	if err := npm(context.Background(), nil, "ci", "--no-audit", "--no-fund"); err != nil {
		fmt.Println("e2e/tsclient: npm ci:", err)
		return 1
	}
	fmt.Printf("e2e/tsclient: npm ci took %s\n", time.Since(start).Round(time.Second))
	if err := n.WaitForHeight(0, 3, 2*time.Minute); err != nil {
		fmt.Println("e2e/tsclient:", err)
		return 1
	}
	rootKey, err := n.WaitForRootKey(5 * time.Minute)
	if err != nil {
		fmt.Println("e2e/tsclient:", err)
		return 1
	}
	fmt.Printf("e2e/tsclient: root key %s after %s\n", rootKey, time.Since(start).Round(time.Second))
	if keys, err = fundKeys(testAccounts, "1000000000ulit"); err != nil {
		fmt.Println("e2e/tsclient: funding test accounts:", err)
		return 1
	}
	code = m.Run()
	if code == 0 {
		n.Stop()
		_ = os.RemoveAll(dir)
	} else {
		fmt.Println("e2e/tsclient: node homes and logs kept in", dir)
	}
	return code
}

// fundKeys makes count fresh secp256k1 keys and funds each with amount from
// alice in one multi-send; it returns the private keys as hex.
func fundKeys(count int, amount string) ([]string, error) {
	codec := address.NewBech32Codec(app.Bech32Prefix)
	alice, err := net.KeyAddress(0, network.Alice)
	if err != nil {
		return nil, err
	}
	args := []string{"bank", "multi-send", alice}
	out := make([]string, count)
	for i := range out {
		priv := secp256k1.GenPrivKey()
		addr, err := codec.BytesToString(priv.PubKey().Address())
		if err != nil {
			return nil, err
		}
		out[i] = hex.EncodeToString(priv.Key)
		args = append(args, addr)
	}
	res, err := net.Tx(0, network.Alice, append(args, amount)...)
	if err != nil {
		return nil, err
	}
	if res.Code != 0 {
		return nil, fmt.Errorf("multi-send: code %d: %s", res.Code, res.RawLog)
	}
	return out, nil
}

// npm runs npm in ts/ with extra environment, its output streamed to ours.
// It runs in its own process group, killed as a whole when ctx ends.
func npm(ctx context.Context, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, "npm", args...)
	cmd.Dir = filepath.Join(repoRoot(), "ts")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm %s: %w", strings.Join(args, " "), err)
	}
	return nil
}
