// Package tss is the x/tss module: the network root key made by DKG among
// the validators, PKP key derivation, and threshold signing sessions driven
// through vote extensions. See README.md for the spec.
package tss

import (
	"context"
	"encoding/json"
	"fmt"

	gwruntime "github.com/grpc-ecosystem/grpc-gateway/runtime"
	"github.com/spf13/cobra"

	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"
	"cosmossdk.io/core/appmodule"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"

	"github.com/litprotocol/litd/x/tss/client/cli"
	"github.com/litprotocol/litd/x/tss/keeper"
	"github.com/litprotocol/litd/x/tss/types"
)

var (
	_ module.HasGenesis       = AppModule{}
	_ module.AppModuleBasic   = AppModule{}
	_ appmodule.AppModule     = AppModule{}
	_ module.HasServices      = AppModule{}
	_ appmodule.HasEndBlocker = AppModule{}
)

// ConsensusVersion is bumped on every state-breaking migration.
const ConsensusVersion = 2

// AppModule is the x/tss module.
type AppModule struct {
	keeper keeper.Keeper
}

// NewAppModule returns the x/tss module.
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

// RegisterGRPCGatewayRoutes serves the queries over REST under /lit/tss/v1.
func (AppModule) RegisterGRPCGatewayRoutes(clientCtx client.Context, mux *gwruntime.ServeMux) {
	if err := types.RegisterQueryHandlerClient(context.Background(), mux, types.NewQueryClient(clientCtx)); err != nil {
		panic(err)
	}
}

// RegisterServices registers the Msg and Query services and the state
// migrations.
func (am AppModule) RegisterServices(cfg module.Configurator) {
	types.RegisterMsgServer(cfg.MsgServer(), keeper.NewMsgServerImpl(am.keeper))
	types.RegisterQueryServer(cfg.QueryServer(), keeper.NewQuerier(am.keeper))
	if err := cfg.RegisterMigration(types.ModuleName, 1, am.keeper.Migrate1to2); err != nil {
		panic(err)
	}
}

// EndBlock expires, retries and opens sessions.
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

// GetTxCmd is the hand-written `litd tx tss`: its sign command waits for the
// signature id, which autocli cannot.
func (AppModule) GetTxCmd() *cobra.Command { return cli.TxCmd() }

// AutoCLIOptions declares `litd q tss ...`.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	pos := func(fields ...string) []*autocliv1.PositionalArgDescriptor {
		out := make([]*autocliv1.PositionalArgDescriptor, len(fields))
		for i, f := range fields {
			out[i] = &autocliv1.PositionalArgDescriptor{ProtoField: f}
		}
		return out
	}
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.Query_serviceDesc.ServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show timeouts and limits of threshold sessions"},
				{RpcMethod: "KeySet", Use: "key-set", Short: "Show the network root key: participants, threshold, status, public key"},
				{RpcMethod: "DerivedKey", Use: "derived-key [key-id]", Short: "Show the public key that PKP key id derives from the active root key", PositionalArgs: pos("key_id")},
				{RpcMethod: "Signature", Use: "signature [id]", Short: "Show a signing request and, once made, its r, s, v", PositionalArgs: pos("id")},
				{RpcMethod: "SignaturesByPKP", Use: "signatures [token-id]", Short: "List a PKP's signing requests", PositionalArgs: pos("token_id")},
				{RpcMethod: "Session", Use: "session [id]", Short: "Show a DKG or signing session with each party's progress", PositionalArgs: pos("id")},
				{RpcMethod: "Sessions", Use: "sessions", Short: "List sessions (--open-only for running ones)"},
				{RpcMethod: "EncKeys", Use: "enc-keys", Short: "List the validators' registered message-encryption keys"},
				{RpcMethod: "KeySetByID", Use: "key-set-by-id [id]", Short: "Show any key set, also a retired one, with its participants' public shares", PositionalArgs: pos("id")},
				{RpcMethod: "Decryption", Use: "decryption [id]", Short: "Show a decryption request: status and the shares sealed to its requester", PositionalArgs: pos("id")},
				{RpcMethod: "Decryptions", Use: "decryptions", Short: "List the decryption requests still kept"},
				{
					RpcMethod: "Status", Use: "status",
					Short: "Show threshold progress: which validators are ready for DKG, the key set, open sessions with each party's messages and faults, queued signatures",
					Long: "A validator is ready once its Paillier pre-parameters exist (generated in the background at first start;\n" +
						"its log says when) and it has registered its encryption key through a vote extension. DKG starts when every\n" +
						"bonded validator is ready.",
				},
			},
		},
	}
}
