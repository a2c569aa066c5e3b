// Command chaininfo writes wallet metadata for a litd network from its
// genesis.json: keplr.json, the ChainInfo that Keplr's
// window.keplr.experimentalSuggestChain takes, and the chain-registry's
// chain.json and assetlist.json (github.com/cosmos/chain-registry), which
// wallets and explorers read. Currencies come from the genesis's bank denom
// metadata, the staking and fee denom from its staking params, address
// prefixes and coin type from the app, versions from go.mod; the endpoints
// default to the localnet's node0 (testutil/network.LocalnetPorts).
//
//	go run ./scripts/chaininfo --genesis build/localnet/node0/config/genesis.json --out build/chain-info
//
// It is a script, not a litd subcommand: these files are made once per
// network by whoever publishes it, from a checkout of this repository (it
// reads go.mod and the chain-registry schemas vendored in chain/); no node
// needs them, and the litd binary keeps its commands and dependencies.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"

	"github.com/litprotocol/litd/testutil/network"
)

// localnetOptions are the flags' defaults: node0 of `make localnet` (and
// chain/testnets/litdlocal), a devnet that is live, litd init's minimum gas
// price (0) and Keplr's own default gas price steps.
func localnetOptions() Options {
	node0 := network.Node{Ports: network.LocalnetPorts(0)}
	return Options{
		RPC: fmt.Sprintf("http://127.0.0.1:%d", node0.Ports.RPC), REST: node0.REST(), GRPC: node0.GRPC(),
		NetworkType: "devnet", Status: "live",
		GasPrices: GasPriceStep{Low: 0.01, Average: 0.025, High: 0.04},
	}
}

func main() {
	opts := localnetOptions()
	genesis := flag.String("genesis", "build/localnet/node0/config/genesis.json", "genesis.json of the network")
	out := flag.String("out", "build/chain-info", "directory to write keplr.json, chain.json and assetlist.json to")
	flag.StringVar(&opts.RPC, "rpc", opts.RPC, "CometBFT RPC URL wallets use")
	flag.StringVar(&opts.REST, "rest", opts.REST, "REST (grpc-gateway) URL wallets use")
	flag.StringVar(&opts.GRPC, "grpc", opts.GRPC, "gRPC address (host:port) for chain.json")
	flag.StringVar(&opts.ChainName, "chain-name", "", "chain-registry chain_name (default: the chain id in lower case without non-alphanumerics)")
	flag.StringVar(&opts.PrettyName, "pretty-name", "", "name wallets show: Keplr chainName, at most 36 characters (default: the chain id)")
	flag.StringVar(&opts.NetworkType, "network-type", opts.NetworkType, "chain-registry network_type: mainnet, testnet or devnet (not mainnet: Keplr isTestnet)")
	flag.StringVar(&opts.Status, "status", opts.Status, "chain-registry status: live, upcoming or killed")
	flag.Float64Var(&opts.MinGasPrice, "min-gas-price", opts.MinGasPrice, "validators' minimum gas price in the fee denom (litd init writes minimum-gas-prices = 0ulit)")
	flag.Float64Var(&opts.GasPrices.Low, "gas-price-low", opts.GasPrices.Low, "low gas price offered by wallets")
	flag.Float64Var(&opts.GasPrices.Average, "gas-price-average", opts.GasPrices.Average, "average gas price offered by wallets")
	flag.Float64Var(&opts.GasPrices.High, "gas-price-high", opts.GasPrices.High, "high gas price offered by wallets")
	flag.Parse()
	if err := run(*genesis, *out, opts); err != nil {
		fmt.Fprintln(os.Stderr, "chaininfo:", err)
		os.Exit(1)
	}
}

func run(genesis, out string, opts Options) error {
	if _, err := os.Stat(genesis); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no genesis at %s: for the localnet's, run `make localnet` first (its files are also committed in chain/testnets/litdlocal)", genesis)
	}
	files, err := Generate(genesis, opts)
	if err != nil {
		return err
	}
	if err := files.Write(out); err != nil {
		return err
	}
	fmt.Printf("wrote %s/{%s,%s,%s} for chain %s\n", out, KeplrFile, ChainFile, AssetListFile, files.ChainID)
	return nil
}
