package types

import (
	"encoding/binary"
	"encoding/hex"
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
	if len(AuthMethodIDBytes(a.Id)) == 0 {
		return errorsmod.Wrap(ErrInvalidAuthMethod, "id is empty")
	}
	if len(a.Id) > MaxAuthMethodFieldLength || len(a.UserPubkey) > MaxAuthMethodFieldLength {
		return errorsmod.Wrapf(ErrInvalidAuthMethod, "id and user_pubkey are limited to %d bytes", MaxAuthMethodFieldLength)
	}
	scopes, err := NormalizeScopes(a.Scopes)
	if err != nil {
		return err
	}
	if a.Webauthn != nil {
		if a.AuthMethodType != WebAuthnAuthMethodType {
			return errorsmod.Wrapf(ErrInvalidAuthMethod, "webauthn settings are only for auth method type %d (WebAuthn)", WebAuthnAuthMethodType)
		}
		if err := a.Webauthn.Validate(a.UserPubkey); err != nil {
			return err
		}
	}
	a.Scopes = scopes
	return nil
}

// AuthMethodIDBytes is the `bytes id` Lit's contracts take for an auth
// method id written as a string: 0x-prefixed hex is decoded (Lit's SDK
// writes ids that way, e.g. keccak256 of a WebAuthn credential id, or an
// Ethereum address), anything else is its UTF-8 bytes.
func AuthMethodIDBytes(id string) []byte {
	if len(id) >= 2 && (id[:2] == "0x" || id[:2] == "0X") {
		if b, err := hex.DecodeString(id[2:]); err == nil {
			return b
		}
	}
	return []byte(id)
}

// ValidateAuthMethodRef checks the (type, id) a message or query names an
// auth method by: both are required, and "0x" is an empty id.
func ValidateAuthMethodRef(authMethodType uint64, id string) error {
	if authMethodType == 0 || len(AuthMethodIDBytes(id)) == 0 {
		return errorsmod.Wrap(ErrInvalidAuthMethod, "auth method type and id are required")
	}
	return nil
}

// AuthMethodKey identifies an auth method exactly as Lit's PKPPermissions
// contract does (getAuthMethodId):
// keccak256(abi.encode(uint256 authMethodType, bytes id)), i.e. keccak256
// of type ‖ 0x40 (the offset of the bytes) ‖ len(id) ‖ id zero-padded to
// whole 32-byte words.
func AuthMethodKey(authMethodType uint64, id string) []byte {
	b := AuthMethodIDBytes(id)
	words := (len(b) + 31) / 32
	enc := make([]byte, 96+32*words)
	binary.BigEndian.PutUint64(enc[24:32], authMethodType)
	enc[63] = 0x40
	binary.BigEndian.PutUint64(enc[88:96], uint64(len(b)))
	copy(enc[96:], b)
	return Keccak256(enc)
}

// ActionCIDs lists the CIDs of the permitted actions, in query order.
func (r *QueryPermissionsResponse) ActionCIDs() []string {
	cids := make([]string, len(r.Actions))
	for i, a := range r.Actions {
		cids[i] = a.Cid
	}
	return cids
}
