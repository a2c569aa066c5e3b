package types

import (
	"slices"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// DefaultMintFee is 1 LIT (10^6 ulit).
var DefaultMintFee = sdk.NewCoin("ulit", math.NewInt(1_000_000))

// DefaultMaxSessionSeconds is 7 days; MaxSessionSecondsLimit bounds what
// governance may set (one year). 0 disables session keys.
const (
	DefaultMaxSessionSeconds = 7 * 24 * 3600
	MaxSessionSecondsLimit   = 365 * 24 * 3600
)

// DefaultParams returns the default x/pkp parameters: no OIDC issuer (a
// chain adds Google's keys, or another issuer's, by governance).
func DefaultParams() Params {
	return Params{MintFee: DefaultMintFee, MaxSessionSeconds: DefaultMaxSessionSeconds}
}

// Validate checks the parameters; a zero fee is allowed.
func (p Params) Validate() error {
	if err := p.MintFee.Validate(); err != nil {
		return errorsmod.Wrapf(ErrInvalidParams, "mint fee: %v", err)
	}
	if p.MaxSessionSeconds > MaxSessionSecondsLimit {
		return errorsmod.Wrapf(ErrInvalidParams, "max_session_seconds is %d, at most %d (0 disables session keys)", p.MaxSessionSeconds, MaxSessionSecondsLimit)
	}
	if len(p.OidcIssuers) > MaxOIDCIssuers {
		return errorsmod.Wrapf(ErrInvalidParams, "%d oidc issuers, at most %d", len(p.OidcIssuers), MaxOIDCIssuers)
	}
	for i, o := range p.OidcIssuers {
		if err := o.Validate(); err != nil {
			return err
		}
		if slices.ContainsFunc(p.OidcIssuers[:i], func(q OIDCIssuer) bool { return q.Issuer == o.Issuer }) {
			return errorsmod.Wrapf(ErrInvalidParams, "oidc issuer %q appears twice", o.Issuer)
		}
	}
	return nil
}
