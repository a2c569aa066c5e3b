package types

import (
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// DefaultMintFee is 1 LIT (10^6 ulit).
var DefaultMintFee = sdk.NewCoin("ulit", math.NewInt(1_000_000))

// DefaultParams returns the default x/pkp parameters.
func DefaultParams() Params {
	return Params{MintFee: DefaultMintFee}
}

// Validate checks the parameters; a zero fee is allowed.
func (p Params) Validate() error {
	if err := p.MintFee.Validate(); err != nil {
		return errorsmod.Wrapf(ErrInvalidParams, "mint fee: %v", err)
	}
	return nil
}
