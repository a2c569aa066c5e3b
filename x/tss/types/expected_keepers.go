package types

import (
	"context"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	pkptypes "github.com/litprotocol/litd/x/pkp/types"
)

// StakingKeeper gives the bonded validator set and maps consensus addresses
// (which sign votes and their extensions) to operators.
type StakingKeeper interface {
	GetBondedValidatorsByPower(ctx context.Context) ([]stakingtypes.Validator, error)
	GetValidatorByConsAddr(ctx context.Context, consAddr sdk.ConsAddress) (stakingtypes.Validator, error)
	GetValidator(ctx context.Context, addr sdk.ValAddress) (stakingtypes.Validator, error)
	PowerReduction(ctx context.Context) math.Int
	GetDelegation(ctx context.Context, delAddr sdk.AccAddress, valAddr sdk.ValAddress) (stakingtypes.Delegation, error)
}

// BankKeeper pays the sign fee.
type BankKeeper interface {
	SendCoinsFromAccountToModule(ctx context.Context, senderAddr sdk.AccAddress, recipientModule string, amt sdk.Coins) error
}

// PKPKeeper answers who may sign with a PKP.
type PKPKeeper interface {
	GetPKP(ctx context.Context, tokenID []byte) (pkptypes.PKP, error)
	IsPermittedAddress(ctx context.Context, p pkptypes.PKP, tokenID []byte, addr sdk.AccAddress) (bool, []pkptypes.Scope, error)
}
