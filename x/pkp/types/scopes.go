package types

import (
	"slices"

	errorsmod "cosmossdk.io/errors"
)

// NormalizeScopes validates scopes and returns them sorted without
// duplicates; at least one known scope is required.
func NormalizeScopes(scopes []Scope) ([]Scope, error) {
	if len(scopes) == 0 {
		return nil, errorsmod.Wrap(ErrInvalidScopes, "at least one scope is required (1 sign-anything, 2 personal-sign)")
	}
	out := make([]Scope, 0, len(scopes))
	for _, s := range scopes {
		if s != SCOPE_SIGN_ANYTHING && s != SCOPE_PERSONAL_SIGN {
			return nil, errorsmod.Wrapf(ErrInvalidScopes, "unknown scope %d", s)
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out, nil
}

// MaxAuthMethodFieldLength bounds the free-form fields of an auth method.
const MaxAuthMethodFieldLength = 512

// Validate checks an auth method and normalizes its scopes in place.
func (a *AuthMethod) Validate() error {
	if a.AuthMethodType == 0 {
		return errorsmod.Wrap(ErrInvalidAuthMethod, "auth method type must be > 0")
	}
	if a.Id == "" {
		return errorsmod.Wrap(ErrInvalidAuthMethod, "id is empty")
	}
	if len(a.Id) > MaxAuthMethodFieldLength || len(a.UserPubkey) > MaxAuthMethodFieldLength {
		return errorsmod.Wrapf(ErrInvalidAuthMethod, "id and user_pubkey are limited to %d bytes", MaxAuthMethodFieldLength)
	}
	scopes, err := NormalizeScopes(a.Scopes)
	if err != nil {
		return err
	}
	a.Scopes = scopes
	return nil
}

// AuthMethodKey identifies an auth method as Lit does:
// keccak256(uint256 type || id).
func AuthMethodKey(authMethodType uint64, id string) []byte {
	var typ [32]byte
	for i := 0; i < 8; i++ {
		typ[31-i] = byte(authMethodType >> (8 * i))
	}
	return Keccak256(typ[:], []byte(id))
}

// ActionCIDs lists the CIDs of the permitted actions, in query order.
func (r *QueryPermissionsResponse) ActionCIDs() []string {
	cids := make([]string, len(r.Actions))
	for i, a := range r.Actions {
		cids[i] = a.Cid
	}
	return cids
}
