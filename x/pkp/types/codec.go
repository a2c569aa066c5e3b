package types

import (
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/msgservice"
)

// RegisterLegacyAminoCodec registers the messages for amino JSON signing.
func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	cdc.RegisterConcrete(&MsgMint{}, "lit/pkp/MsgMint", nil)
	cdc.RegisterConcrete(&MsgMintGrantBurn{}, "lit/pkp/MsgMintGrantBurn", nil)
	cdc.RegisterConcrete(&MsgTransfer{}, "lit/pkp/MsgTransfer", nil)
	cdc.RegisterConcrete(&MsgBurn{}, "lit/pkp/MsgBurn", nil)
	cdc.RegisterConcrete(&MsgAddPermittedAction{}, "lit/pkp/MsgAddPermittedAction", nil)
	cdc.RegisterConcrete(&MsgRemovePermittedAction{}, "lit/pkp/MsgRemovePermittedAction", nil)
	cdc.RegisterConcrete(&MsgAddPermittedAddress{}, "lit/pkp/MsgAddPermittedAddress", nil)
	cdc.RegisterConcrete(&MsgRemovePermittedAddress{}, "lit/pkp/MsgRemovePermittedAddress", nil)
	cdc.RegisterConcrete(&MsgAddAuthMethod{}, "lit/pkp/MsgAddAuthMethod", nil)
	cdc.RegisterConcrete(&MsgRemoveAuthMethod{}, "lit/pkp/MsgRemoveAuthMethod", nil)
	cdc.RegisterConcrete(&MsgAddAuthMethodScope{}, "lit/pkp/MsgAddAuthMethodScope", nil)
	cdc.RegisterConcrete(&MsgRemoveAuthMethodScope{}, "lit/pkp/MsgRemoveAuthMethodScope", nil)
	cdc.RegisterConcrete(&MsgSignWithAuthMethod{}, "lit/pkp/MsgSignWithAuthMethod", nil)
	cdc.RegisterConcrete(&MsgAuthorizeSessionKey{}, "lit/pkp/MsgAuthorizeSessionKey", nil)
	cdc.RegisterConcrete(&MsgRevokeSessionKey{}, "lit/pkp/MsgRevokeSessionKey", nil)
	cdc.RegisterConcrete(&MsgDecrypt{}, "lit/pkp/MsgDecrypt", nil)
	cdc.RegisterConcrete(&MsgUpdateParams{}, "lit/x/pkp/MsgUpdateParams", nil)
	cdc.RegisterConcrete(&Params{}, "lit/x/pkp/Params", nil)
}

// RegisterInterfaces registers the messages with the interface registry.
func RegisterInterfaces(registry codectypes.InterfaceRegistry) {
	registry.RegisterImplementations((*sdk.Msg)(nil),
		&MsgMint{},
		&MsgMintGrantBurn{},
		&MsgTransfer{},
		&MsgBurn{},
		&MsgAddPermittedAction{},
		&MsgRemovePermittedAction{},
		&MsgAddPermittedAddress{},
		&MsgRemovePermittedAddress{},
		&MsgAddAuthMethod{},
		&MsgRemoveAuthMethod{},
		&MsgAddAuthMethodScope{},
		&MsgRemoveAuthMethodScope{},
		&MsgSignWithAuthMethod{},
		&MsgAuthorizeSessionKey{},
		&MsgRevokeSessionKey{},
		&MsgDecrypt{},
		&MsgUpdateParams{},
	)
	msgservice.RegisterMsgServiceDesc(registry, &_Msg_serviceDesc)
}
