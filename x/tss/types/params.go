package types

import errorsmod "cosmossdk.io/errors"

// DefaultParams: DKG for a handful of validators takes tens of seconds;
// signing 9 tss-lib rounds takes a few seconds; blocks are ~0.5 s apart.
func DefaultParams() Params {
	return Params{
		KeygenTimeoutBlocks: 400,
		SignTimeoutBlocks:   100,
		MaxSignAttempts:     3,
		MaxOpenSignSessions: 8,
	}
}

// MaxTimeoutBlocks bounds the session timeouts (about 12 days of 1-second
// blocks).
const MaxTimeoutBlocks = 1_000_000

// Validate checks the parameters.
func (p Params) Validate() error {
	if p.KeygenTimeoutBlocks < 10 || p.SignTimeoutBlocks < 10 || p.KeygenTimeoutBlocks > MaxTimeoutBlocks || p.SignTimeoutBlocks > MaxTimeoutBlocks {
		// The upper bound keeps height + timeout far from int64 overflow.
		return errorsmod.Wrapf(ErrInvalidParams, "keygen_timeout_blocks and sign_timeout_blocks must be in [10, %d]", MaxTimeoutBlocks)
	}
	if p.MaxSignAttempts < 1 || p.MaxSignAttempts > 10 {
		return errorsmod.Wrap(ErrInvalidParams, "max_sign_attempts must be in [1, 10]")
	}
	if p.MaxOpenSignSessions < 1 || p.MaxOpenSignSessions > 64 {
		return errorsmod.Wrap(ErrInvalidParams, "max_open_sign_sessions must be in [1, 64]")
	}
	return nil
}
