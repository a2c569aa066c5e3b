// Package actions is the x/actions module: Lit Actions stored by IPFS CID and
// executed by the validators, with attested fetches and PKP signing. See
// README.md for the spec.
package actions

import (
	"context"
	"encoding/json"
	"fmt"

	gwruntime "github.com/grpc-ecosystem/grpc-gateway/runtime"
	"github.com/spf13/cobra"
	"google.golang.org/grpc"

	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"
	"cosmossdk.io/core/appmodule"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"

	"github.com/litprotocol/litd/x/actions/client/cli"
	"github.com/litprotocol/litd/x/actions/keeper"
	"github.com/litprotocol/litd/x/actions/types"
)

var (
	_ module.HasGenesis       = AppModule{}
	_ module.AppModuleBasic   = AppModule{}
	_ appmodule.AppModule     = AppModule{}
	_ appmodule.HasServices   = AppModule{}
	_ appmodule.HasEndBlocker = AppModule{}
)

// ConsensusVersion is bumped on every state-breaking migration.
const ConsensusVersion = 1

// AppModule is the x/actions module.
type AppModule struct{ keeper keeper.Keeper }

// NewAppModule returns the x/actions module.
func NewAppModule(k keeper.Keeper) AppModule { return AppModule{keeper: k} }

// IsAppModule implements appmodule.AppModule.
func (AppModule) IsAppModule() {}

// IsOnePerModuleType implements depinject.OnePerModuleType.
func (AppModule) IsOnePerModuleType() {}

// Name returns the module name.
func (AppModule) Name() string { return types.ModuleName }

// RegisterLegacyAminoCodec registers amino names for JSON signing.
func (AppModule) RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	types.RegisterLegacyAminoCodec(cdc)
}

// RegisterInterfaces registers the module's messages.
func (AppModule) RegisterInterfaces(r codectypes.InterfaceRegistry) { types.RegisterInterfaces(r) }

// RegisterGRPCGatewayRoutes serves the queries over REST under /lit/actions/v1.
func (AppModule) RegisterGRPCGatewayRoutes(clientCtx client.Context, mux *gwruntime.ServeMux) {
	if err := types.RegisterQueryHandlerClient(context.Background(), mux, types.NewQueryClient(clientCtx)); err != nil {
		panic(err)
	}
}

// RegisterServices registers the Msg and Query services.
func (am AppModule) RegisterServices(registrar grpc.ServiceRegistrar) error {
	types.RegisterMsgServer(registrar, keeper.NewMsgServerImpl(am.keeper))
	types.RegisterQueryServer(registrar, keeper.NewQuerier(am.keeper))
	return nil
}

// EndBlock settles fetch phases, completes signed executions, fails late ones.
func (am AppModule) EndBlock(ctx context.Context) error { return am.keeper.EndBlocker(ctx) }

// DefaultGenesis returns the default genesis as JSON.
func (AppModule) DefaultGenesis(cdc codec.JSONCodec) json.RawMessage {
	return cdc.MustMarshalJSON(types.DefaultGenesis())
}

// ValidateGenesis validates a genesis as JSON.
func (AppModule) ValidateGenesis(cdc codec.JSONCodec, _ client.TxEncodingConfig, bz json.RawMessage) error {
	var gs types.GenesisState
	if err := cdc.UnmarshalJSON(bz, &gs); err != nil {
		return fmt.Errorf("failed to unmarshal %s genesis state: %w", types.ModuleName, err)
	}
	return gs.Validate()
}

// InitGenesis stores the genesis; invalid genesis stops the chain at start.
func (am AppModule) InitGenesis(ctx sdk.Context, cdc codec.JSONCodec, bz json.RawMessage) {
	var gs types.GenesisState
	cdc.MustUnmarshalJSON(bz, &gs)
	if err := am.keeper.InitGenesis(ctx, gs); err != nil {
		panic(err)
	}
}

// ExportGenesis exports the module state as JSON.
func (am AppModule) ExportGenesis(ctx sdk.Context, cdc codec.JSONCodec) json.RawMessage {
	gs, err := am.keeper.ExportGenesis(ctx)
	if err != nil {
		panic(err)
	}
	return cdc.MustMarshalJSON(gs)
}

// ConsensusVersion implements module.HasConsensusVersion.
func (AppModule) ConsensusVersion() uint64 { return ConsensusVersion }

// GetTxCmd adds `upload [file]`; autocli adds the rest.
func (AppModule) GetTxCmd() *cobra.Command { return cli.TxCmd() }

// GetQueryCmd adds `cid [file]` and `replay [id]`; autocli adds the rest.
func (AppModule) GetQueryCmd() *cobra.Command { return cli.QueryCmd() }

// AutoCLIOptions declares `litd tx actions ...` and `litd q actions ...`.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	pos := func(fields ...string) []*autocliv1.PositionalArgDescriptor {
		out := make([]*autocliv1.PositionalArgDescriptor, len(fields))
		for i, f := range fields {
			out[i] = &autocliv1.PositionalArgDescriptor{ProtoField: f}
		}
		return out
	}
	return &autocliv1.ModuleOptions{
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service:              types.Msg_serviceDesc.ServiceName,
			EnhanceCustomCommand: true,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "UploadAction", Skip: true}, // `upload [file]` is hand-written
				{
					RpcMethod: "ExecuteAction", Use: "execute [cid]",
					Short: "Run an uploaded action on the validators (or --code for inline code); js params with --js-params '{...}'",
					Long: "Validators run the action live (fetches are attested by > 2/3 of voting power), then offline on the attested\n" +
						"transcript; each Lit.Actions.signEcdsa on a PKP that permits this action's CID becomes a threshold signature.\n" +
						"Fee: execution_fee + max_fetches × fee_per_fetch + max_signatures × fee_per_signature is escrowed now; when\n" +
						"the execution ends, execution_fee + attested fetches × fee_per_fetch + requested signatures × fee_per_signature\n" +
						"is charged and the rest refunded (litd q actions params). An account may have max_open_executions_per_account\n" +
						"executions open at once. Follow it with: litd q actions execution [id]",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "cid", Optional: true}},
				},
				{RpcMethod: "UpdateParams", Skip: true}, // authority (gov) only
			},
		},
		Query: &autocliv1.ServiceCommandDescriptor{
			Service:              types.Query_serviceDesc.ServiceName,
			EnhanceCustomCommand: true,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show the execution limits, fees and caps"},
				{RpcMethod: "Action", Use: "action [cid]", Short: "Show an action's code", PositionalArgs: pos("cid")},
				{RpcMethod: "Execution", Use: "execution [id]", Short: "Show an execution: status, attested fetches, response, logs, signatures, error", PositionalArgs: pos("id")},
				{RpcMethod: "Executions", Use: "executions", Short: "List executions"},
				{RpcMethod: "Verify", Skip: true}, // `verify [signature-id]` is hand-written: it replays locally
			},
		},
	}
}
