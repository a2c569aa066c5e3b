package types

import (
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/msgservice"
)

// RegisterLegacyAminoCodec registers the messages for amino JSON signing.
func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	cdc.RegisterConcrete(&MsgUploadAction{}, "lit/actions/MsgUploadAction", nil)
	cdc.RegisterConcrete(&MsgExecuteAction{}, "lit/actions/MsgExecuteAction", nil)
	cdc.RegisterConcrete(&MsgUpdateParams{}, "lit/x/actions/MsgUpdateParams", nil)
	cdc.RegisterConcrete(&Params{}, "lit/x/actions/Params", nil)
}

// RegisterInterfaces registers the messages with the interface registry.
func RegisterInterfaces(registry codectypes.InterfaceRegistry) {
	registry.RegisterImplementations((*sdk.Msg)(nil), &MsgUploadAction{}, &MsgExecuteAction{}, &MsgUpdateParams{})
	msgservice.RegisterMsgServiceDesc(registry, &_Msg_serviceDesc)
}
