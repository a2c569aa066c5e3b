package main

import (
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/litprotocol/litd/testutil/network"
)

var regenerate = flag.Bool("regenerate", false, "rewrite chain/testnets/litdlocal with the generator's output")

// localnetDir holds the committed files for `make localnet`'s chain.
var localnetDir = filepath.Join(repoRoot(), "chain", "testnets", "litdlocal")

// TestLocalnetGenesis runs the generator on a genesis made by the localnet's
// own code, network.Init with DefaultConfig's chain id (one validator: the
// files do not depend on the validators; no node is started), and requires
// the committed chain/testnets/litdlocal to be exactly its output. After a
// deliberate change: go test ./scripts/chaininfo -run TestLocalnetGenesis -regenerate
func TestLocalnetGenesis(t *testing.T) {
	if testing.Short() {
		t.Skip("runs litd to make a genesis")
	}
	bin, err := network.Binary(t.TempDir())
	require.NoError(t, err)
	cfg := network.DefaultConfig(bin, t.TempDir())
	cfg.Validators, cfg.PreParams = 1, nil
	n, err := network.Init(cfg)
	require.NoError(t, err)

	files, err := Generate(filepath.Join(n.Nodes[0].Home, "config", "genesis.json"), localnetOptions())
	require.NoError(t, err)
	require.Equal(t, cfg.ChainID, files.ChainID)
	if *regenerate {
		require.NoError(t, files.Write(localnetDir))
	}
	for name, got := range map[string][]byte{KeplrFile: files.Keplr, ChainFile: files.Chain, AssetListFile: files.AssetList} {
		want, err := os.ReadFile(filepath.Join(localnetDir, name))
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "chain/testnets/litdlocal/%s is out of date: rerun this test with -regenerate", name)
	}
}

// TestRegistrySchemas checks the committed chain.json and assetlist.json
// against the vendored chain-registry schemas, and that the check rejects
// what the registry would.
func TestRegistrySchemas(t *testing.T) {
	for name, schema := range map[string]string{ChainFile: "chain.schema.json", AssetListFile: "assetlist.schema.json"} {
		b, err := os.ReadFile(filepath.Join(localnetDir, name))
		require.NoError(t, err)
		require.NoError(t, validateRegistry(schema, b), name)
	}

	for _, tc := range []struct {
		name, file, schema string
		breakIt            func(doc map[string]any)
	}{
		{"cosmos chain without bech32_prefix", ChainFile, "chain.schema.json", func(d map[string]any) { delete(d, "bech32_prefix") }},
		{"slip44 as a string", ChainFile, "chain.schema.json", func(d map[string]any) { d["slip44"] = "118" }},
		{"unknown network_type", ChainFile, "chain.schema.json", func(d map[string]any) { d["network_type"] = "localnet" }},
		{"git_repo not a URI", ChainFile, "chain.schema.json", func(d map[string]any) {
			d["codebase"].(map[string]any)["git_repo"] = "github.com/litprotocol/litd"
		}},
		{"misspelt fee token field", ChainFile, "chain.schema.json", func(d map[string]any) {
			d["fees"].(map[string]any)["fee_tokens"].([]any)[0].(map[string]any)["average_gas_prices"] = 0.025
		}},
		{"asset without type_asset", AssetListFile, "assetlist.schema.json", func(d map[string]any) {
			delete(d["assets"].([]any)[0].(map[string]any), "type_asset")
		}},
		{"exponent as a string", AssetListFile, "assetlist.schema.json", func(d map[string]any) {
			d["assets"].([]any)[0].(map[string]any)["denom_units"].([]any)[0].(map[string]any)["exponent"] = "0"
		}},
		{"$schema not the registry's path", AssetListFile, "assetlist.schema.json", func(d map[string]any) {
			d["$schema"] = "https://example.com/assetlist.schema.json"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := readJSON(t, filepath.Join(localnetDir, tc.file))
			tc.breakIt(doc)
			b, err := json.Marshal(doc)
			require.NoError(t, err)
			require.Error(t, validateRegistry(tc.schema, b))
		})
	}
}

// TestKeplrValidator runs Keplr's own validator (testdata/keplr: the npm
// package @keplr-wallet/chain-validator at the version its package-lock.json
// pins) on the committed keplr.json, which TestLocalnetGenesis keeps equal to
// the generator's output, and on broken copies it must reject. It needs node
// and npm (the npm registry or a warm npm cache).
func TestKeplrValidator(t *testing.T) {
	if testing.Short() {
		t.Skip("installs @keplr-wallet/chain-validator with npm")
	}
	dir := t.TempDir()
	for _, name := range []string{"package.json", "package-lock.json", "check.js"} {
		b, err := os.ReadFile(filepath.Join("testdata", "keplr", name))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	// --ignore-scripts: the validator is plain JavaScript; no dependency
	// needs its install script (a native secp256k1 build, protobufjs's notice).
	npm := exec.CommandContext(t.Context(), "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline")
	npm.Dir = dir
	out, err := npm.CombinedOutput()
	require.NoError(t, err, "npm ci (this test needs node >= 20 and npm; `make test-unit` skips it):\n%s", out)

	check := func(file string) (string, error) {
		out, err := exec.CommandContext(t.Context(), "node", filepath.Join(dir, "check.js"), file).CombinedOutput()
		return string(out), err
	}
	good := filepath.Join(localnetDir, KeplrFile)
	out2, err := check(good)
	require.NoError(t, err, out2)

	for _, tc := range []struct {
		name, want string
		breakIt    func(doc map[string]any)
	}{
		{"low gas price above average", "Low gas price step can not be greater than average", func(d map[string]any) {
			d["feeCurrencies"].([]any)[0].(map[string]any)["gasPriceStep"].(map[string]any)["low"] = 1.0
		}},
		{"stake currency not among currencies", "stake currency ustake is not included in currencies", func(d map[string]any) {
			d["stakeCurrency"].(map[string]any)["coinMinimalDenom"] = "ustake"
		}},
		{"misspelt key", `"isTestNet" is not allowed`, func(d map[string]any) { d["isTestNet"] = true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := readJSON(t, good)
			tc.breakIt(doc)
			b, err := json.Marshal(doc)
			require.NoError(t, err)
			file := filepath.Join(t.TempDir(), KeplrFile)
			require.NoError(t, os.WriteFile(file, b, 0o644))
			out, err := check(file)
			require.Error(t, err, out)
			require.Contains(t, out, tc.want)
		})
	}
}

// TestGenesisWithoutUsableMetadata: the generator refuses a genesis whose
// bond denom has no valid bank denom metadata instead of guessing decimals.
func TestGenesisWithoutUsableMetadata(t *testing.T) {
	staking := json.RawMessage(`{"params":{"bond_denom":"ulit","unbonding_time":"1814400s"}}`)
	for _, tc := range []struct{ name, bank, want string }{
		{"none", `{"denom_metadata":[]}`, `no entry for the bond denom "ulit"`},
		{"other denom only", `{"denom_metadata":[{"base":"uother","display":"other","name":"Other","symbol":"OTH",
			"denom_units":[{"denom":"uother","exponent":0},{"denom":"other","exponent":6}]}]}`, `no entry for the bond denom "ulit"`},
		{"display not a unit", `{"denom_metadata":[{"base":"ulit","display":"lit","name":"Lit","symbol":"LIT",
			"denom_units":[{"denom":"ulit","exponent":0}]}]}`, "display denom 'lit'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := build("litd-local", map[string]json.RawMessage{"bank": json.RawMessage(tc.bank), "staking": staking}, localnetOptions())
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// TestMainnetLayout: a mainnet's files point at the schemas one directory up,
// where the registry keeps mainnets, and Keplr does not list it as a testnet.
func TestMainnetLayout(t *testing.T) {
	opts := localnetOptions()
	opts.NetworkType, opts.ChainName, opts.PrettyName = "mainnet", "litd", "Lit"
	files, err := build("litd-1", map[string]json.RawMessage{
		"bank": json.RawMessage(`{"denom_metadata":[{"base":"ulit","display":"lit","name":"Lit","symbol":"LIT",
			"denom_units":[{"denom":"ulit","exponent":0},{"denom":"lit","exponent":6}]}]}`),
		"staking": json.RawMessage(`{"params":{"bond_denom":"ulit","unbonding_time":"1814400s"}}`),
	}, opts)
	require.NoError(t, err)
	require.Contains(t, string(files.Chain), `"$schema": "../chain.schema.json"`)
	require.Contains(t, string(files.Chain), `"chain_name": "litd"`)
	require.Contains(t, string(files.AssetList), `"$schema": "../assetlist.schema.json"`)
	require.NotContains(t, string(files.Keplr), "isTestnet")
	require.Contains(t, string(files.Keplr), `"chainName": "Lit"`)
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(b, &doc))
	return doc
}
