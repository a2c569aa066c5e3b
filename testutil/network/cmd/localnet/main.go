// Command localnet starts and stops the 4-validator local network behind
// `make localnet` and `make localnet-stop`.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/litprotocol/litd/testutil/network"
)

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "start" && os.Args[1] != "stop") {
		fmt.Fprintln(os.Stderr, "usage: localnet start --bin build/litd --dir build/localnet | localnet stop --dir build/localnet")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	bin := fs.String("bin", "build/litd", "litd binary")
	dir := fs.String("dir", "build/localnet", "directory holding node0..node3")
	_ = fs.Parse(os.Args[2:])
	if err := run(os.Args[1], *bin, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "localnet:", err)
		os.Exit(1)
	}
}

func run(action, bin, dir string) error {
	if action == "stop" {
		pids, err := network.StopDir(dir)
		fmt.Printf("stopped %d litd processes %v\n", len(pids), pids)
		return err
	}
	if pids, err := network.StopDir(dir); err != nil {
		return err
	} else if len(pids) > 0 {
		fmt.Printf("stopped a previous localnet %v\n", pids)
	}
	n, err := network.Init(network.DefaultConfig(bin, dir))
	if err != nil {
		return err
	}
	if err := n.Start(); err != nil {
		return err
	}
	if err := n.WaitForHeight(0, 3, 2*time.Minute); err != nil {
		n.Stop()
		return err
	}
	n0 := n.Nodes[0]
	fmt.Printf(`litd localnet is running: 4 validators, chain-id %s, blocks are being made.
  node0 RPC   %s
  node0 REST  %s   (Swagger: %s/swagger/)
  node0 gRPC  %s   (reflection on)
  homes/logs  %s/node{0..3} (litd.log in each)
  funded key  %q in node0's test keyring:  %s keys show alice -a --home %s
Stop it with: make localnet-stop
`, n.Cfg.ChainID, n0.RPC(), n0.REST(), n0.REST(), n0.GRPC(), dir, network.Alice, bin, n0.Home)
	return nil
}
