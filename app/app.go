// Package app wires litd: the SDK's auth, bank, staking, distribution,
// slashing, gov, upgrade, evidence, authz, feegrant, consensus and genutil
// modules plus x/pkp, x/tss and x/actions, keepers built by hand as in the
// SDK's simapp, and the ABCI++ vote-extension handlers.
package app

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	abci "github.com/cometbft/cometbft/abci/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/spf13/cast"

	reflectionv1 "cosmossdk.io/api/cosmos/reflection/v1"
	"cosmossdk.io/client/v2/autocli"
	"cosmossdk.io/core/appmodule"
	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/baseapp"
	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/grpc/cmtservice"
	nodeservice "github.com/cosmos/cosmos-sdk/client/grpc/node"
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	runtimeservices "github.com/cosmos/cosmos-sdk/runtime/services"
	"github.com/cosmos/cosmos-sdk/server"
	"github.com/cosmos/cosmos-sdk/server/api"
	"github.com/cosmos/cosmos-sdk/server/config"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"
	"github.com/cosmos/cosmos-sdk/version"
	"github.com/cosmos/cosmos-sdk/x/auth"
	"github.com/cosmos/cosmos-sdk/x/auth/ante"
	authkeeper "github.com/cosmos/cosmos-sdk/x/auth/keeper"
	authtx "github.com/cosmos/cosmos-sdk/x/auth/tx"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	"github.com/cosmos/cosmos-sdk/x/authz"
	authzkeeper "github.com/cosmos/cosmos-sdk/x/authz/keeper"
	authzmodule "github.com/cosmos/cosmos-sdk/x/authz/module"
	"github.com/cosmos/cosmos-sdk/x/bank"
	bankkeeper "github.com/cosmos/cosmos-sdk/x/bank/keeper"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	"github.com/cosmos/cosmos-sdk/x/consensus"
	consensuskeeper "github.com/cosmos/cosmos-sdk/x/consensus/keeper"
	consensustypes "github.com/cosmos/cosmos-sdk/x/consensus/types"
	distr "github.com/cosmos/cosmos-sdk/x/distribution"
	distrkeeper "github.com/cosmos/cosmos-sdk/x/distribution/keeper"
	distrtypes "github.com/cosmos/cosmos-sdk/x/distribution/types"
	"github.com/cosmos/cosmos-sdk/x/evidence"
	evidencekeeper "github.com/cosmos/cosmos-sdk/x/evidence/keeper"
	evidencetypes "github.com/cosmos/cosmos-sdk/x/evidence/types"
	"github.com/cosmos/cosmos-sdk/x/feegrant"
	feegrantkeeper "github.com/cosmos/cosmos-sdk/x/feegrant/keeper"
	feegrantmodule "github.com/cosmos/cosmos-sdk/x/feegrant/module"
	"github.com/cosmos/cosmos-sdk/x/genutil"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"
	"github.com/cosmos/cosmos-sdk/x/gov"
	govclient "github.com/cosmos/cosmos-sdk/x/gov/client"
	govkeeper "github.com/cosmos/cosmos-sdk/x/gov/keeper"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
	govv1beta1 "github.com/cosmos/cosmos-sdk/x/gov/types/v1beta1"
	"github.com/cosmos/cosmos-sdk/x/slashing"
	slashingkeeper "github.com/cosmos/cosmos-sdk/x/slashing/keeper"
	slashingtypes "github.com/cosmos/cosmos-sdk/x/slashing/types"
	"github.com/cosmos/cosmos-sdk/x/staking"
	stakingkeeper "github.com/cosmos/cosmos-sdk/x/staking/keeper"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"
	"github.com/cosmos/cosmos-sdk/x/upgrade"
	upgradekeeper "github.com/cosmos/cosmos-sdk/x/upgrade/keeper"
	upgradetypes "github.com/cosmos/cosmos-sdk/x/upgrade/types"

	"github.com/litprotocol/litd/app/sponsor"
	"github.com/litprotocol/litd/x/actions"
	actionsengine "github.com/litprotocol/litd/x/actions/engine"
	actionskeeper "github.com/litprotocol/litd/x/actions/keeper"
	actionstypes "github.com/litprotocol/litd/x/actions/types"
	"github.com/litprotocol/litd/x/pkp"
	pkpkeeper "github.com/litprotocol/litd/x/pkp/keeper"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	"github.com/litprotocol/litd/x/tss"
	"github.com/litprotocol/litd/x/tss/engine"
	tsskeeper "github.com/litprotocol/litd/x/tss/keeper"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

const (
	// Name is the app and binary name.
	Name = "litd"
	// Bech32Prefix is the account address prefix (lit1...).
	Bech32Prefix = "lit"
	// BondDenom is the staking and fee denom.
	BondDenom = "ulit"
)

// DefaultNodeHome is where `litd` keeps its config and data unless --home says otherwise.
var DefaultNodeHome = filepath.Join(userHome(), ".litd")

func userHome() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return "."
	}
	return home
}

// module account permissions
var maccPerms = map[string][]string{
	authtypes.FeeCollectorName:     nil,
	distrtypes.ModuleName:          nil,
	stakingtypes.BondedPoolName:    {authtypes.Burner, authtypes.Staking},
	stakingtypes.NotBondedPoolName: {authtypes.Burner, authtypes.Staking},
	govtypes.ModuleName:            {authtypes.Burner}, // burns deposits of vetoed proposals
	actionstypes.ModuleName:        nil,                // escrows execution fees
}

var _ servertypes.Application = (*App)(nil)

// App is the litd application.
type App struct {
	*baseapp.BaseApp

	legacyAmino       *codec.LegacyAmino
	appCodec          codec.Codec
	txConfig          client.TxConfig
	interfaceRegistry codectypes.InterfaceRegistry
	keys              map[string]*storetypes.KVStoreKey

	AccountKeeper         authkeeper.AccountKeeper
	BankKeeper            bankkeeper.BaseKeeper
	StakingKeeper         *stakingkeeper.Keeper
	SlashingKeeper        slashingkeeper.Keeper
	DistrKeeper           distrkeeper.Keeper
	ConsensusParamsKeeper consensuskeeper.Keeper
	GovKeeper             *govkeeper.Keeper
	UpgradeKeeper         *upgradekeeper.Keeper
	EvidenceKeeper        evidencekeeper.Keeper
	AuthzKeeper           authzkeeper.Keeper
	FeeGrantKeeper        feegrantkeeper.Keeper
	PKPKeeper             pkpkeeper.Keeper
	TSSKeeper             tsskeeper.Keeper
	ActionsKeeper         actionskeeper.Keeper

	ModuleManager      *module.Manager
	BasicModuleManager module.BasicManager
	// configurator holds the modules' state migrations for upgrade handlers.
	configurator module.Configurator

	// TSSEngine runs this validator's threshold parties and ActionsEngine its
	// Lit Actions; nil when the node has no validator key (or in tests and CLI).
	TSSEngine     *engine.Engine
	ActionsEngine *actionsengine.Engine
	// consAddr is this node's validator consensus address (nil if none).
	consAddr sdk.ConsAddress
}

// New builds the app. appOpts carries app.toml and flags.
func New(logger log.Logger, db dbm.DB, loadLatest bool, appOpts servertypes.AppOptions, baseAppOptions ...func(*baseapp.BaseApp)) *App {
	SetAddressPrefixes()
	enc := MakeEncodingConfig()

	bApp := baseapp.NewBaseApp(Name, logger, db, enc.TxConfig.TxDecoder(), baseAppOptions...)
	bApp.SetVersion(version.Version)
	bApp.SetInterfaceRegistry(enc.InterfaceRegistry)
	bApp.SetTxEncoder(enc.TxConfig.TxEncoder())

	keys := storetypes.NewKVStoreKeys(
		authtypes.StoreKey, banktypes.StoreKey, stakingtypes.StoreKey, distrtypes.StoreKey,
		slashingtypes.StoreKey, govtypes.StoreKey, upgradetypes.StoreKey, evidencetypes.StoreKey, authzkeeper.StoreKey,
		feegrant.StoreKey, consensustypes.StoreKey, pkptypes.StoreKey, tsstypes.StoreKey, actionstypes.StoreKey,
	)

	app := &App{
		BaseApp:           bApp,
		legacyAmino:       enc.Amino,
		appCodec:          enc.Codec,
		txConfig:          enc.TxConfig,
		interfaceRegistry: enc.InterfaceRegistry,
		keys:              keys,
	}
	cdc := enc.Codec
	authority := authtypes.NewModuleAddress("gov").String()
	addrCodec := address.NewBech32Codec(Bech32Prefix)

	app.ConsensusParamsKeeper = consensuskeeper.NewKeeper(cdc, runtime.NewKVStoreService(keys[consensustypes.StoreKey]), authority, runtime.EventService{})
	bApp.SetParamStore(app.ConsensusParamsKeeper.ParamsStore)

	app.AccountKeeper = authkeeper.NewAccountKeeper(cdc, runtime.NewKVStoreService(keys[authtypes.StoreKey]),
		authtypes.ProtoBaseAccount, maccPerms, addrCodec, Bech32Prefix, authority)
	app.BankKeeper = bankkeeper.NewBaseKeeper(cdc, runtime.NewKVStoreService(keys[banktypes.StoreKey]),
		app.AccountKeeper, blockedAddresses(), authority, logger)
	app.StakingKeeper = stakingkeeper.NewKeeper(cdc, runtime.NewKVStoreService(keys[stakingtypes.StoreKey]),
		app.AccountKeeper, app.BankKeeper, authority,
		address.NewBech32Codec(Bech32Prefix+"valoper"), address.NewBech32Codec(Bech32Prefix+"valcons"))
	app.DistrKeeper = distrkeeper.NewKeeper(cdc, runtime.NewKVStoreService(keys[distrtypes.StoreKey]),
		app.AccountKeeper, app.BankKeeper, app.StakingKeeper, authtypes.FeeCollectorName, authority)
	app.SlashingKeeper = slashingkeeper.NewKeeper(cdc, enc.Amino, runtime.NewKVStoreService(keys[slashingtypes.StoreKey]),
		app.StakingKeeper, authority)
	app.StakingKeeper.SetHooks(stakingtypes.NewMultiStakingHooks(app.DistrKeeper.Hooks(), app.SlashingKeeper.Hooks()))

	app.FeeGrantKeeper = feegrantkeeper.NewKeeper(cdc, runtime.NewKVStoreService(keys[feegrant.StoreKey]), app.AccountKeeper)
	guarded := guardedRouter{MessageRouter: app.MsgServiceRouter(), app: app}
	app.AuthzKeeper = authzkeeper.NewKeeper(runtime.NewKVStoreService(keys[authzkeeper.StoreKey]), cdc, guarded, app.AccountKeeper)
	skipUpgradeHeights := map[int64]bool{}
	for _, h := range cast.ToIntSlice(appOpts.Get(server.FlagUnsafeSkipUpgrades)) {
		skipUpgradeHeights[int64(h)] = true
	}
	home := cast.ToString(appOpts.Get(flags.FlagHome))
	app.UpgradeKeeper = upgradekeeper.NewKeeper(skipUpgradeHeights, runtime.NewKVStoreService(keys[upgradetypes.StoreKey]),
		cdc, home, app.BaseApp, authority)
	// CometBFT reports double signing and light-client attacks; x/evidence
	// slashes and tombstones through x/slashing.
	app.EvidenceKeeper = *evidencekeeper.NewKeeper(cdc, runtime.NewKVStoreService(keys[evidencetypes.StoreKey]),
		app.StakingKeeper, app.SlashingKeeper, addrCodec, runtime.ProvideCometInfoService())
	govRouter := govv1beta1.NewRouter()
	govRouter.AddRoute(govtypes.RouterKey, govv1beta1.ProposalHandler)
	app.GovKeeper = govkeeper.NewKeeper(cdc, runtime.NewKVStoreService(keys[govtypes.StoreKey]),
		app.AccountKeeper, app.BankKeeper, app.DistrKeeper, guarded, govtypes.DefaultConfig(), authority,
		govkeeper.NewDefaultCalculateVoteResultsAndVotingPower(app.StakingKeeper))
	app.GovKeeper.SetLegacyRouter(govRouter)

	// A fee grant pays the mint and sign fees of its grantee's transactions
	// too (see sponsor.Bank), so an account holding nothing can use a PKP.
	sponsored := sponsor.NewBank(app.BankKeeper, app.FeeGrantKeeper)
	app.TSSKeeper = tsskeeper.NewKeeper(cdc, runtime.NewKVStoreService(keys[tsstypes.StoreKey]), addrCodec, app.StakingKeeper, sponsored, authtypes.FeeCollectorName, authority)
	app.PKPKeeper = pkpkeeper.NewKeeper(cdc, runtime.NewKVStoreService(keys[pkptypes.StoreKey]), addrCodec,
		sponsored, app.TSSKeeper, authtypes.FeeCollectorName, authority)
	app.TSSKeeper.SetPKPKeeper(app.PKPKeeper)
	app.ActionsKeeper = actionskeeper.NewKeeper(cdc, runtime.NewKVStoreService(keys[actionstypes.StoreKey]), addrCodec,
		app.PKPKeeper, app.TSSKeeper, app.BankKeeper, authtypes.FeeCollectorName, authority).
		WithReplayer(actionsengine.NewReplayer())
	// Access conditions on an action's result read x/actions, which reads x/pkp.
	app.PKPKeeper.SetActionsKeeper(app.ActionsKeeper)

	app.ModuleManager = module.NewManager(
		genutil.NewAppModule(app.AccountKeeper, app.StakingKeeper, app, enc.TxConfig),
		auth.NewAppModule(cdc, app.AccountKeeper, nil, nil),
		bank.NewAppModule(cdc, app.BankKeeper, app.AccountKeeper, nil),
		staking.NewAppModule(cdc, app.StakingKeeper, app.AccountKeeper, app.BankKeeper, nil),
		distr.NewAppModule(cdc, app.DistrKeeper, app.AccountKeeper, app.BankKeeper, app.StakingKeeper, nil),
		slashing.NewAppModule(cdc, app.SlashingKeeper, app.AccountKeeper, app.BankKeeper, app.StakingKeeper, nil, app.interfaceRegistry),
		gov.NewAppModule(cdc, app.GovKeeper, app.AccountKeeper, app.BankKeeper, nil),
		upgrade.NewAppModule(app.UpgradeKeeper, addrCodec),
		evidence.NewAppModule(app.EvidenceKeeper),
		authzmodule.NewAppModule(cdc, app.AuthzKeeper, app.AccountKeeper, app.BankKeeper, app.interfaceRegistry),
		feegrantmodule.NewAppModule(cdc, app.AccountKeeper, app.BankKeeper, app.FeeGrantKeeper, app.interfaceRegistry),
		consensus.NewAppModule(cdc, app.ConsensusParamsKeeper),
		tss.NewAppModule(app.TSSKeeper),
		pkp.NewAppModule(app.PKPKeeper),
		actions.NewAppModule(app.ActionsKeeper),
	)
	app.BasicModuleManager = module.NewBasicManagerFromManager(app.ModuleManager, map[string]module.AppModuleBasic{
		genutiltypes.ModuleName: genutil.NewAppModuleBasic(genutiltypes.DefaultMessageValidator),
		govtypes.ModuleName:     gov.NewAppModuleBasic([]govclient.ProposalHandler{}),
	})
	app.BasicModuleManager.RegisterLegacyAminoCodec(enc.Amino)
	app.BasicModuleManager.RegisterInterfaces(enc.InterfaceRegistry)

	// upgrade first: at a planned height it halts (or migrates) before
	// anything else runs; the ABCI++ pre-blocker then applies tx 0.
	app.ModuleManager.SetOrderPreBlockers(upgradetypes.ModuleName, authtypes.ModuleName)
	app.ModuleManager.SetOrderBeginBlockers(distrtypes.ModuleName, slashingtypes.ModuleName, evidencetypes.ModuleName,
		stakingtypes.ModuleName, authz.ModuleName)
	// gov before staking (simapp's order); actions before tss: signatures an
	// execution requests this block get their sessions opened by tss in the
	// same EndBlock.
	app.ModuleManager.SetOrderEndBlockers(banktypes.ModuleName, govtypes.ModuleName, stakingtypes.ModuleName,
		feegrant.ModuleName, actionstypes.ModuleName, tsstypes.ModuleName)
	genesisOrder := []string{
		authtypes.ModuleName, banktypes.ModuleName, distrtypes.ModuleName, stakingtypes.ModuleName,
		slashingtypes.ModuleName, govtypes.ModuleName, genutiltypes.ModuleName, evidencetypes.ModuleName,
		authz.ModuleName, feegrant.ModuleName, upgradetypes.ModuleName, consensustypes.ModuleName,
		tsstypes.ModuleName, pkptypes.ModuleName, actionstypes.ModuleName,
	}
	app.ModuleManager.SetOrderInitGenesis(genesisOrder...)
	app.ModuleManager.SetOrderExportGenesis(genesisOrder...)

	app.configurator = module.NewConfigurator(cdc, app.MsgServiceRouter(), app.GRPCQueryRouter())
	if err := app.ModuleManager.RegisterServices(app.configurator); err != nil {
		panic(err)
	}
	reflectionSvc, err := runtimeservices.NewReflectionService()
	if err != nil {
		panic(err)
	}
	reflectionv1.RegisterReflectionServiceServer(app.GRPCQueryRouter(), reflectionSvc)

	app.MountKVStores(keys)

	app.SetInitChainer(app.InitChainer)
	app.SetBeginBlocker(app.BeginBlocker)
	app.SetEndBlocker(app.EndBlocker)

	anteHandler, err := ante.NewAnteHandler(ante.HandlerOptions{
		AccountKeeper:   app.AccountKeeper,
		BankKeeper:      app.BankKeeper,
		FeegrantKeeper:  app.FeeGrantKeeper,
		SignModeHandler: enc.TxConfig.SignModeHandler(),
		SigGasConsumer:  ante.DefaultSigVerificationGasConsumer,
	})
	if err != nil {
		panic(err)
	}
	// The departure guard runs after the standard checks (signatures, fees),
	// so unsigned junk costs no state reads; then a fee-granted transaction
	// is marked so its protocol fees are sponsored too.
	app.SetAnteHandler(func(ctx sdk.Context, tx sdk.Tx, simulate bool) (sdk.Context, error) {
		newCtx, err := anteHandler(ctx, tx, simulate)
		if err != nil {
			return newCtx, err
		}
		if err := app.TSSKeeper.CheckDepartures(newCtx, tx.GetMsgs()); err != nil {
			return newCtx, err
		}
		return sponsor.Mark(newCtx, tx), nil
	})

	app.setUpgrades(home)

	app.setABCIPlusPlus(logger, appOpts)

	if loadLatest {
		if err := app.LoadLatestVersion(); err != nil {
			panic(fmt.Errorf("loading latest version: %w", err))
		}
	}
	return app
}

// blockedAddresses are module accounts that cannot receive funds by MsgSend.
func blockedAddresses() map[string]bool {
	out := make(map[string]bool, len(maccPerms))
	for acc := range maccPerms {
		out[authtypes.NewModuleAddress(acc).String()] = true
	}
	return out
}

// SetAddressPrefixes sets lit/litvaloper/litvalcons as the SDK's global prefixes.
// It is idempotent so tests and the CLI may both call it.
func SetAddressPrefixes() {
	cfg := sdk.GetConfig()
	if cfg.GetBech32AccountAddrPrefix() == Bech32Prefix {
		return
	}
	cfg.SetBech32PrefixForAccount(Bech32Prefix, Bech32Prefix+"pub")
	cfg.SetBech32PrefixForValidator(Bech32Prefix+"valoper", Bech32Prefix+"valoperpub")
	cfg.SetBech32PrefixForConsensusNode(Bech32Prefix+"valcons", Bech32Prefix+"valconspub")
	sdk.DefaultBondDenom = BondDenom
}

// Name returns the app name.
func (app *App) Name() string { return app.BaseApp.Name() }

// BeginBlocker runs the modules' begin blockers.
func (app *App) BeginBlocker(ctx sdk.Context) (sdk.BeginBlock, error) {
	return app.ModuleManager.BeginBlock(ctx)
}

// EndBlocker runs the modules' end blockers.
func (app *App) EndBlocker(ctx sdk.Context) (sdk.EndBlock, error) {
	return app.ModuleManager.EndBlock(ctx)
}

// InitChainer loads genesis.
func (app *App) InitChainer(ctx sdk.Context, req *abci.RequestInitChain) (*abci.ResponseInitChain, error) {
	var state map[string]json.RawMessage
	if err := json.Unmarshal(req.AppStateBytes, &state); err != nil {
		return nil, err
	}
	// Upgrades migrate each module from the version recorded here.
	if err := app.UpgradeKeeper.SetModuleVersionMap(ctx, app.ModuleManager.GetVersionMap()); err != nil {
		return nil, err
	}
	return app.ModuleManager.InitGenesis(ctx, app.appCodec, state)
}

// LoadHeight loads a particular height.
func (app *App) LoadHeight(height int64) error { return app.LoadVersion(height) }

// LegacyAmino returns the amino codec.
func (app *App) LegacyAmino() *codec.LegacyAmino { return app.legacyAmino }

// AppCodec returns the proto codec.
func (app *App) AppCodec() codec.Codec { return app.appCodec }

// InterfaceRegistry returns the interface registry.
func (app *App) InterfaceRegistry() codectypes.InterfaceRegistry { return app.interfaceRegistry }

// TxConfig returns the tx config.
func (app *App) TxConfig() client.TxConfig { return app.txConfig }

// DefaultGenesis returns the default genesis of every module, with the
// ulit denom metadata wallets and explorers read (1 LIT = 10^6 ulit).
func (app *App) DefaultGenesis() map[string]json.RawMessage {
	g := app.BasicModuleManager.DefaultGenesis(app.appCodec)
	if err := app.SetDenomMetadata(g); err != nil {
		panic(err)
	}
	return g
}

// SetDenomMetadata puts the ulit metadata in a genesis app state (litd init
// calls it on the state the SDK's init writes).
func (app *App) SetDenomMetadata(state map[string]json.RawMessage) error {
	var bank banktypes.GenesisState
	if err := app.appCodec.UnmarshalJSON(state[banktypes.ModuleName], &bank); err != nil {
		return err
	}
	bank.DenomMetadata = []banktypes.Metadata{DenomMetadata()}
	bz, err := app.appCodec.MarshalJSON(&bank)
	if err != nil {
		return err
	}
	state[banktypes.ModuleName] = bz
	return nil
}

// DenomMetadata describes ulit: base unit of the LIT token, 6 decimals.
func DenomMetadata() banktypes.Metadata {
	return banktypes.Metadata{
		Description: "The staking and fee token of litd.",
		DenomUnits: []*banktypes.DenomUnit{
			{Denom: BondDenom, Exponent: 0, Aliases: []string{"microlit"}},
			{Denom: "mlit", Exponent: 3, Aliases: []string{"millilit"}},
			{Denom: "lit", Exponent: 6},
		},
		Base:    BondDenom,
		Display: "lit",
		Name:    "Lit",
		Symbol:  "LIT",
	}
}

// AutoCliOpts returns the autocli options of every module.
func (app *App) AutoCliOpts() autocli.AppOptions {
	modules := make(map[string]appmodule.AppModule)
	for _, m := range app.ModuleManager.Modules {
		if mod, ok := m.(interface{ Name() string }); ok {
			if am, ok := m.(appmodule.AppModule); ok {
				modules[mod.Name()] = am
			}
		}
	}
	return autocli.AppOptions{
		Modules:               modules,
		ModuleOptions:         runtimeservices.ExtractAutoCLIOptions(app.ModuleManager.Modules),
		AddressCodec:          address.NewBech32Codec(Bech32Prefix),
		ValidatorAddressCodec: address.NewBech32Codec(Bech32Prefix + "valoper"),
		ConsensusAddressCodec: address.NewBech32Codec(Bech32Prefix + "valcons"),
	}
}

// RegisterAPIRoutes registers the REST (grpc-gateway) routes and Swagger.
func (app *App) RegisterAPIRoutes(apiSvr *api.Server, apiConfig config.APIConfig) {
	clientCtx := apiSvr.ClientCtx
	authtx.RegisterGRPCGatewayRoutes(clientCtx, apiSvr.GRPCGatewayRouter)
	cmtservice.RegisterGRPCGatewayRoutes(clientCtx, apiSvr.GRPCGatewayRouter)
	nodeservice.RegisterGRPCGatewayRoutes(clientCtx, apiSvr.GRPCGatewayRouter)
	app.BasicModuleManager.RegisterGRPCGatewayRoutes(clientCtx, apiSvr.GRPCGatewayRouter)
	if err := registerSwaggerSpec(apiSvr.Router, apiConfig.Swagger); err != nil {
		panic(err)
	}
	if err := server.RegisterSwaggerAPI(apiSvr.ClientCtx, apiSvr.Router, apiConfig.Swagger); err != nil {
		panic(err)
	}
}

// RegisterTxService registers the tx gRPC service.
func (app *App) RegisterTxService(clientCtx client.Context) {
	authtx.RegisterTxService(app.GRPCQueryRouter(), clientCtx, app.Simulate, app.interfaceRegistry)
	app.listenEarly(clientCtx)
}

// RegisterTendermintService registers the CometBFT gRPC service.
func (app *App) RegisterTendermintService(clientCtx client.Context) {
	cmtservice.RegisterTendermintService(clientCtx, app.GRPCQueryRouter(), app.interfaceRegistry, app.Query)
}

// RegisterNodeService registers the node gRPC service.
func (app *App) RegisterNodeService(clientCtx client.Context, cfg config.Config) {
	nodeservice.RegisterNodeService(clientCtx, app.GRPCQueryRouter(), cfg, app.CommitMultiStore().EarliestVersion)
}

// GetKey returns a store key (tests).
func (app *App) GetKey(name string) *storetypes.KVStoreKey { return app.keys[name] }
