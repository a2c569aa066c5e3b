package types

import errorsmod "cosmossdk.io/errors"

// x/tss errors; codes are part of the public API and never change meaning.
var (
	ErrNoActiveKeySet  = errorsmod.Register(ModuleName, 2, "no active network root key")
	ErrInvalidKeySet   = errorsmod.Register(ModuleName, 3, "invalid key set")
	ErrInvalidGenesis  = errorsmod.Register(ModuleName, 4, "invalid genesis")
	ErrDerivationFault = errorsmod.Register(ModuleName, 5, "key derivation produced the point at infinity")
)
