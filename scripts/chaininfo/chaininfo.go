package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/mod/modfile"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/x/authz"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/litprotocol/litd/app"
)

// Names of the files Generate makes.
const (
	KeplrFile     = "keplr.json"
	ChainFile     = "chain.json"
	AssetListFile = "assetlist.json"
)

// Options are what a genesis does not say: where the network answers, what
// it is called and what its validators charge.
type Options struct {
	RPC, REST, GRPC string
	// ChainName is the chain-registry's directory name; "" derives it from
	// the chain id. PrettyName is what wallets show; "" is the chain id.
	ChainName, PrettyName string
	// NetworkType and Status are chain-registry's network_type and status.
	NetworkType, Status string
	// MinGasPrice is the validators' minimum-gas-prices in the fee denom;
	// GasPrices what wallets offer (low, average, high).
	MinGasPrice float64
	GasPrices   GasPriceStep
}

// GasPriceStep is Keplr's gasPriceStep: gas prices in the fee denom.
type GasPriceStep struct {
	Low     float64 `json:"low"`
	Average float64 `json:"average"`
	High    float64 `json:"high"`
}

// Files are the generated documents, each indented JSON.
type Files struct {
	ChainID                 string
	Keplr, Chain, AssetList []byte
}

// Write puts the files into dir.
func (f Files) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, b := range map[string][]byte{KeplrFile: f.Keplr, ChainFile: f.Chain, AssetListFile: f.AssetList} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Generate reads a genesis file and builds the three documents; chain.json
// and assetlist.json are checked against the chain-registry schemas first.
func Generate(genesisPath string, opts Options) (Files, error) {
	g, err := genutiltypes.AppGenesisFromFile(genesisPath)
	if err != nil {
		return Files{}, err
	}
	var appState map[string]json.RawMessage
	if err := json.Unmarshal(g.AppState, &appState); err != nil {
		return Files{}, fmt.Errorf("%s: app_state: %w", genesisPath, err)
	}
	return build(g.ChainID, appState, opts)
}

// build is Generate on a parsed genesis.
func build(chainID string, appState map[string]json.RawMessage, opts Options) (Files, error) {
	cdc := app.MakeEncodingConfig().Codec
	var bank banktypes.GenesisState
	if err := cdc.UnmarshalJSON(appState[banktypes.ModuleName], &bank); err != nil {
		return Files{}, fmt.Errorf("app_state.bank: %w", err)
	}
	var staking stakingtypes.GenesisState
	if err := cdc.UnmarshalJSON(appState[stakingtypes.ModuleName], &staking); err != nil {
		return Files{}, fmt.Errorf("app_state.staking: %w", err)
	}
	bondDenom := staking.Params.BondDenom

	var (
		currencies []keplrCurrency
		assets     []asset
		stake      *keplrCurrency
	)
	for _, md := range bank.DenomMetadata {
		if err := md.Validate(); err != nil {
			return Files{}, fmt.Errorf("app_state.bank.denom_metadata %q: %w", md.Base, err)
		}
		cur := keplrCurrency{CoinDenom: md.Symbol, CoinMinimalDenom: md.Base}
		units := make([]denomUnit, len(md.DenomUnits))
		for i, u := range md.DenomUnits {
			units[i] = denomUnit{Denom: u.Denom, Exponent: u.Exponent, Aliases: u.Aliases}
			if u.Denom == md.Display {
				cur.CoinDecimals = u.Exponent
			}
		}
		currencies = append(currencies, cur)
		if md.Base == bondDenom {
			stake = &cur
		}
		assets = append(assets, asset{
			Description: md.Description, DenomUnits: units, Base: md.Base, Name: md.Name,
			Display: md.Display, Symbol: md.Symbol, TypeAsset: "sdk.coin",
		})
	}
	if stake == nil {
		return Files{}, fmt.Errorf("app_state.bank.denom_metadata has no entry for the bond denom %q: wallets need its display unit and symbol", bondDenom)
	}

	mod, err := readGoMod()
	if err != nil {
		return Files{}, err
	}
	chainName := opts.ChainName
	if chainName == "" {
		chainName = strings.Map(func(r rune) rune {
			if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
				return r
			}
			return -1
		}, strings.ToLower(chainID))
	}
	prettyName := opts.PrettyName
	if prettyName == "" {
		prettyName = chainID
	}
	// The registry keeps mainnets in <chain_name>/ and the others in
	// testnets/<chain_name>/; $schema is the schema's path from there.
	schemaDir := "../"
	if opts.NetworkType != "mainnet" {
		schemaDir = "../../"
	}
	// litd keeps the SDK's coin type and key algorithm, and app sets the
	// prefixes the CLI and keepers use.
	app.SetAddressPrefixes()
	cfg := sdk.GetConfig()

	keplr := keplrChainInfo{
		ChainID: chainID, ChainName: prettyName, RPC: opts.RPC, REST: opts.REST,
		BIP44: keplrBIP44{CoinType: cfg.GetCoinType()},
		Bech32Config: keplrBech32{
			AccAddr: cfg.GetBech32AccountAddrPrefix(), AccPub: cfg.GetBech32AccountPubPrefix(),
			ValAddr: cfg.GetBech32ValidatorAddrPrefix(), ValPub: cfg.GetBech32ValidatorPubPrefix(),
			ConsAddr: cfg.GetBech32ConsensusAddrPrefix(), ConsPub: cfg.GetBech32ConsensusPubPrefix(),
		},
		Currencies:    currencies,
		FeeCurrencies: []keplrFeeCurrency{{keplrCurrency: *stake, GasPriceStep: opts.GasPrices}},
		StakeCurrency: *stake,
		Features:      keplrFeatures(appState),
		IsTestnet:     opts.NetworkType != "mainnet",
	}
	chain := registryChain{
		Schema: schemaDir + "chain.schema.json", ChainName: chainName, ChainType: "cosmos", ChainID: chainID,
		PrettyName: prettyName, Status: opts.Status, NetworkType: opts.NetworkType,
		Bech32Prefix: cfg.GetBech32AccountAddrPrefix(), DaemonName: app.Name,
		NodeHome: "$HOME/" + filepath.Base(app.DefaultNodeHome), KeyAlgos: []string{"secp256k1"},
		Slip44: cfg.GetCoinType(),
		Fees: registryFees{FeeTokens: []feeToken{{
			Denom: bondDenom, FixedMinGasPrice: opts.MinGasPrice,
			Low: opts.GasPrices.Low, Average: opts.GasPrices.Average, High: opts.GasPrices.High,
		}}},
		Staking: registryStaking{
			StakingTokens: []stakingToken{{Denom: bondDenom}},
			LockDuration:  lockDuration{Time: fmt.Sprintf("%ds", int64(staking.Params.UnbondingTime.Seconds()))},
		},
		Codebase: mod,
		APIs: apis{
			RPC: []endpoint{{Address: opts.RPC}}, REST: []endpoint{{Address: opts.REST}},
			GRPC: []endpoint{{Address: opts.GRPC}},
		},
	}
	assetList := registryAssetList{Schema: schemaDir + "assetlist.schema.json", ChainName: chainName, Assets: assets}

	files := Files{ChainID: chainID}
	for _, d := range []struct {
		v      any
		out    *[]byte
		schema string
	}{
		{keplr, &files.Keplr, ""},
		{chain, &files.Chain, "chain.schema.json"},
		{assetList, &files.AssetList, "assetlist.schema.json"},
	} {
		b, err := json.MarshalIndent(d.v, "", "  ")
		if err != nil {
			return Files{}, err
		}
		*d.out = append(b, '\n')
		if d.schema != "" {
			if err := validateRegistry(d.schema, *d.out); err != nil {
				return Files{}, err
			}
		}
	}
	return files, nil
}

// keplrFeatures are the Keplr features litd's modules have. The bank module
// serves spendable balances (Keplr would probe for it). With authz, the SDK
// signs MsgRevoke as amino type cosmos-sdk/MsgRevoke, which Keplr sends only
// given authz-msg-revoke-fixed. litd has no IBC, CosmWasm or EVM, the other
// features Keplr knows.
func keplrFeatures(appState map[string]json.RawMessage) []string {
	features := []string{"query:/cosmos/bank/v1beta1/spendable_balances"}
	if _, ok := appState[authz.ModuleName]; ok {
		features = append(features, "authz-msg-revoke-fixed")
	}
	return features
}

// repoRoot is the checkout this script runs from: go.mod and chain/ are read there.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// readGoMod gives chain.json's codebase: the repository (the module path)
// and the Go, SDK and CometBFT versions litd is built with.
func readGoMod() (codebase, error) {
	path := filepath.Join(repoRoot(), "go.mod")
	b, err := os.ReadFile(path)
	if err != nil {
		return codebase{}, err
	}
	f, err := modfile.ParseLax(path, b, nil)
	if err != nil {
		return codebase{}, err
	}
	versions := map[string]string{}
	for _, r := range f.Require {
		versions[r.Mod.Path] = r.Mod.Version
	}
	cb := codebase{
		GitRepo:   "https://" + f.Module.Mod.Path,
		Language:  component{Type: "go", Version: f.Go.Version},
		SDK:       component{Type: "cosmos", Version: versions["github.com/cosmos/cosmos-sdk"]},
		Consensus: component{Type: "cometbft", Version: versions["github.com/cometbft/cometbft"]},
	}
	if cb.SDK.Version == "" || cb.Consensus.Version == "" {
		return codebase{}, fmt.Errorf("%s requires no cosmos-sdk or cometbft", path)
	}
	return cb, nil
}

// validateRegistry checks a chain-registry document against its schema
// (schemaFile in chain/, vendored from cosmos/chain-registry; see
// chain/README.md). The schemas are draft-07, whose formats such as uri
// are asserted.
func validateRegistry(schemaFile string, doc []byte) error {
	path := filepath.Join(repoRoot(), "chain", schemaFile)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	schemaDoc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(path, schemaDoc); err != nil {
		return err
	}
	schema, err := c.Compile(path)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	if err := schema.Validate(inst); err != nil {
		return fmt.Errorf("not valid against %s: %w", schemaFile, err)
	}
	return nil
}

// Keplr's ChainInfo (@keplr-wallet/types), the fields litd fills in.
type keplrChainInfo struct {
	ChainID       string             `json:"chainId"`
	ChainName     string             `json:"chainName"`
	RPC           string             `json:"rpc"`
	REST          string             `json:"rest"`
	BIP44         keplrBIP44         `json:"bip44"`
	Bech32Config  keplrBech32        `json:"bech32Config"`
	Currencies    []keplrCurrency    `json:"currencies"`
	FeeCurrencies []keplrFeeCurrency `json:"feeCurrencies"`
	StakeCurrency keplrCurrency      `json:"stakeCurrency"`
	Features      []string           `json:"features"`
	IsTestnet     bool               `json:"isTestnet,omitempty"`
}

type keplrBIP44 struct {
	CoinType uint32 `json:"coinType"`
}

type keplrBech32 struct {
	AccAddr  string `json:"bech32PrefixAccAddr"`
	AccPub   string `json:"bech32PrefixAccPub"`
	ValAddr  string `json:"bech32PrefixValAddr"`
	ValPub   string `json:"bech32PrefixValPub"`
	ConsAddr string `json:"bech32PrefixConsAddr"`
	ConsPub  string `json:"bech32PrefixConsPub"`
}

// keplrCurrency is a denom as Keplr shows it: CoinDenom (the symbol) with
// CoinDecimals, the display unit's exponent over CoinMinimalDenom (the base).
type keplrCurrency struct {
	CoinDenom        string `json:"coinDenom"`
	CoinMinimalDenom string `json:"coinMinimalDenom"`
	CoinDecimals     uint32 `json:"coinDecimals"`
}

type keplrFeeCurrency struct {
	keplrCurrency
	GasPriceStep GasPriceStep `json:"gasPriceStep"`
}

// The chain-registry's chain.json (chain/chain.schema.json), the fields
// litd fills in.
type registryChain struct {
	Schema       string          `json:"$schema"`
	ChainName    string          `json:"chain_name"`
	ChainType    string          `json:"chain_type"`
	ChainID      string          `json:"chain_id"`
	PrettyName   string          `json:"pretty_name"`
	Status       string          `json:"status"`
	NetworkType  string          `json:"network_type"`
	Bech32Prefix string          `json:"bech32_prefix"`
	DaemonName   string          `json:"daemon_name"`
	NodeHome     string          `json:"node_home"`
	KeyAlgos     []string        `json:"key_algos"`
	Slip44       uint32          `json:"slip44"`
	Fees         registryFees    `json:"fees"`
	Staking      registryStaking `json:"staking"`
	Codebase     codebase        `json:"codebase"`
	APIs         apis            `json:"apis"`
}

type registryFees struct {
	FeeTokens []feeToken `json:"fee_tokens"`
}

type feeToken struct {
	Denom            string  `json:"denom"`
	FixedMinGasPrice float64 `json:"fixed_min_gas_price"`
	Low              float64 `json:"low_gas_price"`
	Average          float64 `json:"average_gas_price"`
	High             float64 `json:"high_gas_price"`
}

type registryStaking struct {
	StakingTokens []stakingToken `json:"staking_tokens"`
	LockDuration  lockDuration   `json:"lock_duration"`
}

type stakingToken struct {
	Denom string `json:"denom"`
}

// lockDuration's Time is the unbonding time in seconds ("1814400s"), as the registry writes it.
type lockDuration struct {
	Time string `json:"time"`
}

type codebase struct {
	GitRepo   string    `json:"git_repo"`
	Language  component `json:"language"`
	SDK       component `json:"sdk"`
	Consensus component `json:"consensus"`
}

type component struct {
	Type    string `json:"type"`
	Version string `json:"version"`
}

type apis struct {
	RPC  []endpoint `json:"rpc"`
	REST []endpoint `json:"rest"`
	GRPC []endpoint `json:"grpc"`
}

type endpoint struct {
	Address string `json:"address"`
}

// The chain-registry's assetlist.json (chain/assetlist.schema.json): one
// asset per bank denom metadata entry.
type registryAssetList struct {
	Schema    string  `json:"$schema"`
	ChainName string  `json:"chain_name"`
	Assets    []asset `json:"assets"`
}

type asset struct {
	Description string      `json:"description,omitempty"`
	DenomUnits  []denomUnit `json:"denom_units"`
	Base        string      `json:"base"`
	Name        string      `json:"name"`
	Display     string      `json:"display"`
	Symbol      string      `json:"symbol"`
	TypeAsset   string      `json:"type_asset"`
}

type denomUnit struct {
	Denom    string   `json:"denom"`
	Exponent uint32   `json:"exponent"`
	Aliases  []string `json:"aliases,omitempty"`
}
