package types

import (
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// DefaultSignFee is 0.1 LIT (10^5 ulit); x/pkp's mint fee is 1 LIT.
var DefaultSignFee = sdk.NewCoin("ulit", math.NewInt(100_000))

// DefaultParams: DKG for a handful of validators takes tens of seconds;
// signing 9 tss-lib rounds takes a few seconds; blocks are ~0.5 s apart.
func DefaultParams() Params {
	return Params{
		KeygenTimeoutBlocks:             400,
		SignTimeoutBlocks:               100,
		MaxSignAttempts:                 3,
		MaxOpenSignSessions:             16,
		SignFee:                         DefaultSignFee,
		MaxQueuedSignatures:             256,
		MaxQueuedSignaturesPerRequester: 16,
		SessionRetentionBlocks:          1000,
		EncKeyGraceBlocks:               100,
		// About a day of 0.5 s blocks.
		RefreshEpochBlocks: 172_800,
		MaxFaultsPerWindow: 3,
		FaultWindowBlocks:  1000,
		// A decryption costs each validator a scalar multiplication and a
		// proof (about a millisecond), far less than a signature.
		DecryptFee:                     sdk.NewCoin("ulit", math.NewInt(10_000)),
		MaxOpenDecryptions:             64,
		MaxOpenDecryptionsPerRequester: 8,
	}
}

// Upper bounds of the params.
const (
	// MaxTimeoutBlocks bounds the session timeouts (about 12 days of
	// 1-second blocks).
	MaxTimeoutBlocks = 1_000_000
	// MaxQueuedSignaturesLimit bounds max_queued_signatures.
	MaxQueuedSignaturesLimit = 100_000
	// MaxOpenDecryptionsLimit bounds max_open_decryptions: each open one is
	// a session every validator serves.
	MaxOpenDecryptionsLimit = 1024
	// MaxSessionRetentionBlocks bounds session_retention_blocks (about 115
	// days of 1-second blocks).
	MaxSessionRetentionBlocks = 10_000_000
)

// Validate checks the parameters; a zero sign fee is allowed.
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
	if err := p.SignFee.Validate(); err != nil {
		return errorsmod.Wrapf(ErrInvalidParams, "sign fee: %v", err)
	}
	if p.MaxQueuedSignatures < 1 || p.MaxQueuedSignatures > MaxQueuedSignaturesLimit {
		return errorsmod.Wrapf(ErrInvalidParams, "max_queued_signatures must be in [1, %d]", MaxQueuedSignaturesLimit)
	}
	if p.MaxQueuedSignaturesPerRequester < 1 || p.MaxQueuedSignaturesPerRequester > p.MaxQueuedSignatures {
		return errorsmod.Wrap(ErrInvalidParams, "max_queued_signatures_per_requester must be in [1, max_queued_signatures]")
	}
	if p.EncKeyGraceBlocks < 1 || p.EncKeyGraceBlocks > MaxTimeoutBlocks {
		return errorsmod.Wrapf(ErrInvalidParams, "enc_key_grace_blocks must be in [1, %d]", MaxTimeoutBlocks)
	}
	if p.RefreshEpochBlocks != 0 && (p.RefreshEpochBlocks < 100 || p.RefreshEpochBlocks > MaxSessionRetentionBlocks) {
		// A refresh costs a reshare; more often than every 100 blocks is all the validators would do.
		return errorsmod.Wrapf(ErrInvalidParams, "refresh_epoch_blocks must be 0 (never) or in [100, %d]", MaxSessionRetentionBlocks)
	}
	if p.MaxFaultsPerWindow < 1 || p.MaxFaultsPerWindow > 1000 {
		return errorsmod.Wrap(ErrInvalidParams, "max_faults_per_window must be in [1, 1000]")
	}
	if p.FaultWindowBlocks < 1 || p.FaultWindowBlocks > MaxSessionRetentionBlocks {
		return errorsmod.Wrapf(ErrInvalidParams, "fault_window_blocks must be in [1, %d]", MaxSessionRetentionBlocks)
	}
	if err := p.DecryptFee.Validate(); err != nil {
		return errorsmod.Wrapf(ErrInvalidParams, "decrypt fee: %v", err)
	}
	if p.MaxOpenDecryptions < 1 || p.MaxOpenDecryptions > MaxOpenDecryptionsLimit {
		return errorsmod.Wrapf(ErrInvalidParams, "max_open_decryptions must be in [1, %d]", MaxOpenDecryptionsLimit)
	}
	if p.MaxOpenDecryptionsPerRequester < 1 || p.MaxOpenDecryptionsPerRequester > p.MaxOpenDecryptions {
		return errorsmod.Wrap(ErrInvalidParams, "max_open_decryptions_per_requester must be in [1, max_open_decryptions]")
	}
	if p.SessionRetentionBlocks < 1 || p.SessionRetentionBlocks > MaxSessionRetentionBlocks {
		// The upper bound keeps closed height + retention far from int64 overflow.
		return errorsmod.Wrapf(ErrInvalidParams, "session_retention_blocks must be in [1, %d]", MaxSessionRetentionBlocks)
	}
	return nil
}
