package types

import errorsmod "cosmossdk.io/errors"

// x/actions errors; codes are part of the public API and never change meaning.
var (
	ErrInvalidCode      = errorsmod.Register(ModuleName, 2, "invalid action code")
	ErrActionNotFound   = errorsmod.Register(ModuleName, 3, "action not found")
	ErrInvalidJSParams  = errorsmod.Register(ModuleName, 4, "invalid js_params: want a JSON object")
	ErrInvalidAddress   = errorsmod.Register(ModuleName, 5, "invalid address")
	ErrNotFound         = errorsmod.Register(ModuleName, 6, "not found")
	ErrInvalidParams    = errorsmod.Register(ModuleName, 7, "invalid params")
	ErrInvalidAuthority = errorsmod.Register(ModuleName, 8, "invalid authority")
	ErrInvalidGenesis   = errorsmod.Register(ModuleName, 9, "invalid genesis")
	ErrInvalidRequest   = errorsmod.Register(ModuleName, 10, "invalid request")
)

// Errors of paid, bounded work.
var (
	ErrInsufficientFee = errorsmod.Register(ModuleName, 11, "insufficient funds for the execution fee")
	ErrTooManyOpen     = errorsmod.Register(ModuleName, 12, "too many open executions")
)
