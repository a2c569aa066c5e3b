package types

import errorsmod "cosmossdk.io/errors"

// x/pkp errors; codes are part of the public API and never change meaning.
var (
	ErrInvalidTokenID      = errorsmod.Register(ModuleName, 2, "invalid token id")
	ErrPKPNotFound         = errorsmod.Register(ModuleName, 3, "pkp not found")
	ErrUnauthorized        = errorsmod.Register(ModuleName, 4, "not the owner of the pkp")
	ErrPKPBurned           = errorsmod.Register(ModuleName, 5, "pkp is burned: its permissions can never change")
	ErrInvalidCID          = errorsmod.Register(ModuleName, 6, "invalid IPFS CID")
	ErrInvalidScopes       = errorsmod.Register(ModuleName, 7, "invalid scopes")
	ErrDuplicatePermission = errorsmod.Register(ModuleName, 8, "permission already exists")
	ErrPermissionNotFound  = errorsmod.Register(ModuleName, 9, "permission not found")
	ErrInvalidAuthMethod   = errorsmod.Register(ModuleName, 10, "invalid auth method")
	ErrInvalidPubkey       = errorsmod.Register(ModuleName, 11, "invalid public key")
	ErrInvalidEthAddress   = errorsmod.Register(ModuleName, 12, "invalid ethereum address")
	ErrInsufficientMintFee = errorsmod.Register(ModuleName, 13, "insufficient funds for the mint fee")
	ErrRootKeyNotReady     = errorsmod.Register(ModuleName, 14, "network root key not ready: minting is possible once the validators have run DKG")
	ErrInvalidAuthority    = errorsmod.Register(ModuleName, 15, "invalid authority")
	ErrInvalidParams       = errorsmod.Register(ModuleName, 16, "invalid params")
	ErrInvalidAddress      = errorsmod.Register(ModuleName, 17, "invalid address")
	ErrInvalidGenesis      = errorsmod.Register(ModuleName, 18, "invalid genesis")
	ErrTooManyPermissions  = errorsmod.Register(ModuleName, 19, "too many permissions in one message")
	ErrInvalidAssertion    = errorsmod.Register(ModuleName, 20, "webauthn assertion refused")
	ErrScopeNotPermitted   = errorsmod.Register(ModuleName, 21, "the auth method's scopes do not permit this request")
	ErrInvalidSignRequest  = errorsmod.Register(ModuleName, 22, "invalid sign request")
	ErrInvalidJWT          = errorsmod.Register(ModuleName, 23, "oidc token refused")
	ErrInvalidSessionKey   = errorsmod.Register(ModuleName, 24, "session key refused")
	ErrInvalidAuthProof    = errorsmod.Register(ModuleName, 25, "invalid auth proof")
	ErrInvalidConditions   = errorsmod.Register(ModuleName, 26, "invalid access conditions")
	ErrInvalidCiphertext   = errorsmod.Register(ModuleName, 27, "invalid ciphertext header")
	ErrAccessDenied        = errorsmod.Register(ModuleName, 28, "access conditions not met")
)
