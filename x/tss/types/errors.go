package types

import errorsmod "cosmossdk.io/errors"

// x/tss errors; codes are part of the public API and never change meaning.
var (
	ErrNoActiveKeySet   = errorsmod.Register(ModuleName, 2, "no active network root key")
	ErrInvalidKeySet    = errorsmod.Register(ModuleName, 3, "invalid key set")
	ErrInvalidGenesis   = errorsmod.Register(ModuleName, 4, "invalid genesis")
	ErrDerivationFault  = errorsmod.Register(ModuleName, 5, "key derivation produced the point at infinity")
	ErrInvalidDigest    = errorsmod.Register(ModuleName, 6, "invalid digest: want 32 bytes as 0x-hex")
	ErrUnauthorized     = errorsmod.Register(ModuleName, 7, "not permitted to sign with this pkp")
	ErrNotFound         = errorsmod.Register(ModuleName, 8, "not found")
	ErrInvalidParams    = errorsmod.Register(ModuleName, 9, "invalid params")
	ErrInvalidAuthority = errorsmod.Register(ModuleName, 10, "invalid authority")
	ErrInvalidAddress   = errorsmod.Register(ModuleName, 11, "invalid address")
	ErrInvalidSignature = errorsmod.Register(ModuleName, 12, "invalid signature")
	ErrInsufficientFee  = errorsmod.Register(ModuleName, 13, "insufficient funds for the sign or decrypt fee")
	ErrQueueFull        = errorsmod.Register(ModuleName, 14, "too many pending signature requests")
	ErrKeyAtRisk        = errorsmod.Register(ModuleName, 15, "unbonding would leave too few committee members to hand the root key on")
	ErrInvalidDecrypt   = errorsmod.Register(ModuleName, 16, "invalid decryption request")
	ErrDecryptBusy      = errorsmod.Register(ModuleName, 17, "too many decryptions being served")
	ErrNoPublicShares   = errorsmod.Register(ModuleName, 18, "the key set has no public shares to check decryption shares against")
)
