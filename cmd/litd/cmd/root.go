// Package cmd builds the litd command tree: node commands from the SDK
// server, genesis helpers, keys, and tx/query commands from autocli.
package cmd

import (
	"encoding/json"
	"errors"
	"os"
	"time"

	cmtcfg "github.com/cometbft/cometbft/config"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/config"
	"github.com/cosmos/cosmos-sdk/client/debug"
	"github.com/cosmos/cosmos-sdk/client/keys"
	"github.com/cosmos/cosmos-sdk/server"
	serverconfig "github.com/cosmos/cosmos-sdk/server/config"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	authcmd "github.com/cosmos/cosmos-sdk/x/auth/client/cli"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	"github.com/cosmos/cosmos-sdk/x/genutil"
	genutilcli "github.com/cosmos/cosmos-sdk/x/genutil/client/cli"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"

	"github.com/litprotocol/litd/app"
)

// VoteExtensionsEnableHeight is written into every genesis `litd init` makes.
const VoteExtensionsEnableHeight = 2

// NewRootCmd returns the litd root command.
func NewRootCmd() *cobra.Command {
	app.SetAddressPrefixes()
	// A throwaway app instance provides codecs and autocli options.
	tempApp := app.New(log.NewNopLogger(), dbm.NewMemDB(), false, viper.New())
	enc := app.EncodingConfig{
		InterfaceRegistry: tempApp.InterfaceRegistry(),
		Codec:             tempApp.AppCodec(),
		TxConfig:          tempApp.TxConfig(),
		Amino:             tempApp.LegacyAmino(),
	}
	initClientCtx := client.Context{}.
		WithCodec(enc.Codec).
		WithInterfaceRegistry(enc.InterfaceRegistry).
		WithTxConfig(enc.TxConfig).
		WithLegacyAmino(enc.Amino).
		WithInput(os.Stdin).
		WithAccountRetriever(authtypes.AccountRetriever{}).
		WithHomeDir(app.DefaultNodeHome).
		WithViper("LITD")

	rootCmd := &cobra.Command{
		Use:   app.Name,
		Short: "litd: Programmable Key Pairs and Lit Actions as native chain state",
		Long: "litd is a Cosmos SDK chain whose validators hold threshold shares of Programmable Key Pairs (PKPs)\n" +
			"and run Lit Actions. Run a validator with `litd start`; mint and manage PKPs with `litd tx pkp`;\n" +
			"read state with `litd query pkp` and `litd query tss`.",
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetOut(cmd.OutOrStdout())
			cmd.SetErr(cmd.ErrOrStderr())
			clientCtx, err := client.ReadPersistentCommandFlags(initClientCtx, cmd.Flags())
			if err != nil {
				return err
			}
			clientCtx, err = config.ReadFromClientConfig(clientCtx)
			if err != nil {
				return err
			}
			if err := client.SetCmdClientContextHandler(clientCtx, cmd); err != nil {
				return err
			}
			appTemplate, appConfig := initAppConfig()
			return server.InterceptConfigsPreRunHandler(cmd, appTemplate, appConfig, initCometConfig())
		},
	}

	rootCmd.AddCommand(
		initCmd(tempApp),
		debug.Cmd(),
	)
	server.AddCommands(rootCmd, app.DefaultNodeHome, newApp, exportApp, func(*cobra.Command) {})
	rootCmd.AddCommand(
		server.StatusCommand(),
		genutilcli.Commands(enc.TxConfig, tempApp.BasicModuleManager, app.DefaultNodeHome),
		queryCommand(),
		txCommand(),
		keys.Commands(),
	)

	autoCliOpts := tempApp.AutoCliOpts()
	autoCliOpts.ClientCtx = initClientCtx
	if err := autoCliOpts.EnhanceRootCommand(rootCmd); err != nil {
		panic(err)
	}
	return rootCmd
}

// initCometConfig sets faster blocks than CometBFT's default: threshold
// protocols advance one round per block. 300 ms, the localnet's too, from
// `make bench` on 4 validators sharing 2 cores: a signature took 13 blocks /
// 5.2 s at 200 ms (round 2 often missed its block), 12 / 6.3 s at 300 ms and
// 11 / 7.7 s at 500 ms (x/tss README, "Message path and timing").
func initCometConfig() *cmtcfg.Config {
	cfg := cmtcfg.DefaultConfig()
	cfg.Consensus.TimeoutCommit = 300 * time.Millisecond
	return cfg
}

// ActionsConfig is app.toml's [actions] section: node-local policy for the
// Lit Actions this validator runs.
type ActionsConfig struct {
	// AllowLoopbackFetch lets actions fetch 127.0.0.0/8 and ::1. Off on real
	// networks (SSRF); local networks and tests turn it on. Private and
	// link-local addresses are always refused.
	AllowLoopbackFetch bool `mapstructure:"allow-loopback-fetch"`
	// MaxWorkers bounds the action worker processes running at once.
	MaxWorkers int `mapstructure:"max-workers"`
}

type appConfig struct {
	serverconfig.Config `mapstructure:",squash"`
	Actions             ActionsConfig `mapstructure:"actions"`
}

const actionsConfigTemplate = `
###############################################################################
###                             Lit Actions                                 ###
###############################################################################

[actions]

# Let actions fetch loopback addresses (127.0.0.0/8, ::1). Keep false on any
# real network. Private, link-local (e.g. 169.254.169.254) and other
# non-public addresses are refused whatever this says.
allow-loopback-fetch = {{ .Actions.AllowLoopbackFetch }}

# Each run of an action happens in its own worker process (litd
# actions-worker) with OS limits: memory (the max_heap_bytes param), CPU time,
# no files. This bounds how many run at once; more wait for a slot. Each may
# use up to max_heap_bytes (256 MiB by default) of memory.
max-workers = {{ .Actions.MaxWorkers }}
`

// initAppConfig makes fees payable in ulit, turns on the REST API and
// Swagger (which wallets and the README's curl examples use), and adds [actions].
func initAppConfig() (string, any) {
	cfg := serverconfig.DefaultConfig()
	cfg.MinGasPrices = "0" + app.BondDenom
	cfg.API.Enable = true
	cfg.API.Swagger = true
	return serverconfig.DefaultConfigTemplate + actionsConfigTemplate, appConfig{Config: *cfg, Actions: ActionsConfig{MaxWorkers: 4}}
}

// initCmd wraps the SDK's init: after it writes genesis.json, vote
// extensions are enabled from VoteExtensionsEnableHeight and the ulit denom
// metadata is added.
func initCmd(a *app.App) *cobra.Command {
	cmd := genutilcli.InitCmd(a.BasicModuleManager, app.DefaultNodeHome)
	sdkInit := cmd.RunE
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if err := sdkInit(cmd, args); err != nil {
			return err
		}
		serverCtx := server.GetServerContextFromCmd(cmd)
		genFile := serverCtx.Config.GenesisFile()
		appGenesis, err := genutiltypes.AppGenesisFromFile(genFile)
		if err != nil {
			return err
		}
		if appGenesis.Consensus == nil || appGenesis.Consensus.Params == nil {
			return errors.New("genesis has no consensus params")
		}
		appGenesis.Consensus.Params.ABCI.VoteExtensionsEnableHeight = VoteExtensionsEnableHeight
		var state map[string]json.RawMessage
		if err := json.Unmarshal(appGenesis.AppState, &state); err != nil {
			return err
		}
		if err := a.SetDenomMetadata(state); err != nil {
			return err
		}
		if appGenesis.AppState, err = json.MarshalIndent(state, "", " "); err != nil {
			return err
		}
		return genutil.ExportGenesisFile(appGenesis, genFile)
	}
	return cmd
}

func queryCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:                        "query",
		Aliases:                    []string{"q"},
		Short:                      "Query the chain (pkp, tss, bank, staking, txs, blocks)",
		SuggestionsMinimumDistance: 2,
		RunE:                       client.ValidateCmd,
	}
	cmd.AddCommand(
		waitTxCmd(),
		server.QueryBlockCmd(),
		server.QueryBlocksCmd(),
		server.QueryBlockResultsCmd(),
		authcmd.QueryTxsByEventsCmd(),
		authcmd.QueryTxCmd(),
	)
	return cmd
}

func txCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:                        "tx",
		Short:                      "Sign and broadcast transactions (pkp, bank, staking, ...)",
		SuggestionsMinimumDistance: 2,
		RunE:                       client.ValidateCmd,
	}
	cmd.AddCommand(
		authcmd.GetSignCommand(),
		authcmd.GetSignBatchCommand(),
		authcmd.GetMultiSignCommand(),
		authcmd.GetValidateSignaturesCommand(),
		authcmd.GetBroadcastCommand(),
		authcmd.GetEncodeCommand(),
		authcmd.GetDecodeCommand(),
		authcmd.GetSimulateCmd(),
	)
	return cmd
}

func newApp(logger log.Logger, db dbm.DB, appOpts servertypes.AppOptions) servertypes.Application {
	return app.New(logger, db, true, appOpts, server.DefaultBaseappOptions(appOpts)...)
}

func exportApp(
	logger log.Logger, db dbm.DB, height int64, forZeroHeight bool,
	jailAllowedAddrs []string, appOpts servertypes.AppOptions, modulesToExport []string,
) (servertypes.ExportedApp, error) {
	a := app.New(logger, db, height == -1, appOpts)
	if height != -1 {
		if err := a.LoadHeight(height); err != nil {
			return servertypes.ExportedApp{}, err
		}
	}
	return a.ExportAppStateAndValidators(forZeroHeight, jailAllowedAddrs, modulesToExport)
}
