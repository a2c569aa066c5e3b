package app

import (
	"context"
	"os"
	"path/filepath"

	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/rpc/client/local"
	"github.com/spf13/cast"

	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/baseapp"
	"github.com/cosmos/cosmos-sdk/baseapp/txnrunner"
	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	servertypes "github.com/cosmos/cosmos-sdk/server/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/app/abci/early"
	"github.com/litprotocol/litd/app/abci/faults"
	"github.com/litprotocol/litd/app/abci/preblock"
	"github.com/litprotocol/litd/app/abci/proposals"
	abcitypes "github.com/litprotocol/litd/app/abci/types"
	"github.com/litprotocol/litd/app/abci/ve"
	actionsengine "github.com/litprotocol/litd/x/actions/engine"
	"github.com/litprotocol/litd/x/tss/engine"
)

// setABCIPlusPlus wires the vote-extension pipeline, one small handler per
// phase: extend/verify (ve), prepare/process (proposals), apply (preblock).
// A node with a validator key also gets the off-chain TSS engine.
func (app *App) setABCIPlusPlus(logger log.Logger, appOpts servertypes.AppOptions) {
	consAddr, eng := app.startEngine(logger, appOpts)
	app.consAddr = consAddr
	if eng != nil && !cast.ToBool(appOpts.Get("grpc.enable")) && !cast.ToBool(appOpts.Get("api.enable")) {
		logger.Warn("gRPC and the API are disabled, so the SDK gives the app no CometBFT client: the TSS engine learns " +
			"protocol messages from committed blocks only, two blocks per round instead of one (enable [grpc])")
	}

	var (
		veEngine  ve.TSSEngine
		pbEngine  preblock.Engine
		veActions ve.ActionsEngine
		pbActions preblock.ActionsEngine
	)
	if eng != nil {
		app.TSSEngine, veEngine, pbEngine = eng, eng, eng
		cfg := actionsengine.Config{
			AllowLoopbackFetch: cast.ToBool(appOpts.Get("actions.allow-loopback-fetch")),
			MaxWorkers:         cast.ToInt(appOpts.Get("actions.max-workers")),
		}
		app.ActionsEngine = actionsengine.New(logger, cfg, app.permissionsAt)
		veActions, pbActions = app.ActionsEngine, app.ActionsEngine
	}
	voteExt := ve.NewHandler(logger, veEngine, veActions)
	dflt := baseapp.NewDefaultProposalHandler(app.Mempool(), app)
	props := proposals.NewHandler(logger, app.StakingKeeper, dflt.PrepareProposalHandler(), dflt.ProcessProposalHandler())
	extend, prepare := voteExt.ExtendVoteHandler(), props.PrepareProposalHandler()
	// Only a -tags litd_faults build honours LITD_FAULTS (e2e/byzantine).
	inj, err := faults.FromEnv(logger)
	if err != nil {
		panic(err)
	}
	if inj != nil {
		extend, prepare = inj.ExtendVote(extend), inj.PrepareProposal(prepare)
	}
	app.SetExtendVoteHandler(extend)
	app.SetVerifyVoteExtensionHandler(voteExt.VerifyVoteExtensionHandler())
	app.SetPrepareProposal(prepare)
	app.SetProcessProposal(props.ProcessProposalHandler())

	pb := preblock.NewHandler(logger, app.ModuleManager, app.TSSKeeper, app.ActionsKeeper, app.StakingKeeper, pbEngine, pbActions, consAddr)
	app.SetPreBlocker(pb.PreBlocker())
	app.SetPrecommiter(pb.Precommiter())

	app.SetBlockSTMTxRunner(abcitypes.TxRunner{Inner: txnrunner.NewDefaultRunner(app.txConfig.TxDecoder())})
}

// listenEarly lets the TSS engine take peers' messages from verified
// precommits (app/abci/early). The SDK hands the app its in-process CometBFT
// client only through RegisterTxService, when gRPC or the API is enabled.
func (app *App) listenEarly(clientCtx client.Context) {
	if app.TSSEngine == nil {
		return
	}
	node, ok := clientCtx.Client.(*local.Local)
	if !ok {
		app.Logger().Warn("no in-process CometBFT client; the TSS engine learns protocol messages from committed blocks only")
		return
	}
	if err := early.Listen(context.Background(), app.Logger(), node.EventBus, app.consAddr, app.TSSEngine); err != nil {
		app.Logger().Error("cannot listen to votes; the TSS engine learns protocol messages from committed blocks only", "err", err)
	}
}

// startEngine opens the TSS engine under <home>/tss when this node has a
// validator key. Key shares and pre-parameters live there, 0600.
func (app *App) startEngine(logger log.Logger, appOpts servertypes.AppOptions) (sdk.ConsAddress, *engine.Engine) {
	home := cast.ToString(appOpts.Get(flags.FlagHome))
	if home == "" {
		return nil, nil
	}
	keyFile := cast.ToString(appOpts.Get("priv_validator_key_file"))
	if keyFile == "" {
		keyFile = filepath.Join("config", "priv_validator_key.json")
	}
	if !filepath.IsAbs(keyFile) {
		keyFile = filepath.Join(home, keyFile)
	}
	if _, err := os.Stat(keyFile); err != nil {
		return nil, nil
	}
	stateFile := filepath.Join(home, "data", "priv_validator_state.json")
	pv := privval.LoadFilePVEmptyState(keyFile, stateFile)
	pub, err := pv.GetPubKey()
	if err != nil {
		logger.Error("cannot read validator key; TSS engine disabled", "err", err)
		return nil, nil
	}
	eng, err := engine.New(filepath.Join(home, "tss"), logger)
	if err != nil {
		logger.Error("cannot open TSS engine state; TSS engine disabled", "err", err)
		return nil, nil
	}
	return sdk.ConsAddress(pub.Address()), eng
}
