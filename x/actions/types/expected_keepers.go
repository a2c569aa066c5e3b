package types

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"

	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// PKPKeeper answers whether an action may sign with a PKP, and who else may.
type PKPKeeper interface {
	GetPKP(ctx context.Context, tokenID []byte) (pkptypes.PKP, error)
	IsPermittedAction(ctx context.Context, tokenID []byte, cid string) (bool, []pkptypes.Scope, error)
	PermissionsOf(ctx context.Context, tokenID []byte) ([]pkptypes.PermittedAction, []pkptypes.PermittedAddress, []pkptypes.AuthMethod, error)
	// VerifyAuthPresentation checks an auth method presented to an
	// execution without writing; commit spends its nonce.
	VerifyAuthPresentation(ctx context.Context, p pkptypes.AuthPresentation, executionHash []byte) (pkptypes.VerifiedAuthMethod, func(context.Context) error, error)
}

// TSSKeeper makes and reports signatures.
type TSSKeeper interface {
	RequestSignature(ctx context.Context, tokenID []byte, tokenIDHex string, keyID uint64, digest, requester string) (uint64, error)
	SignatureStatus(ctx context.Context, id uint64) (done, failed bool, reason string, err error)
	GetSignature(ctx context.Context, id uint64) (tsstypes.Signature, error)
}

// BankKeeper moves execution fees: escrowed in the module account, then charged or refunded.
type BankKeeper interface {
	SendCoinsFromAccountToModule(ctx context.Context, from sdk.AccAddress, to string, amt sdk.Coins) error
	SendCoinsFromModuleToAccount(ctx context.Context, from string, to sdk.AccAddress, amt sdk.Coins) error
	SendCoinsFromModuleToModule(ctx context.Context, from, to string, amt sdk.Coins) error
}
