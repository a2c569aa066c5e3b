package types

import (
	"encoding/hex"
	"slices"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	errorsmod "cosmossdk.io/errors"

	cosmossecp "github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
)

// Bounds on session keys: PKPs one session may name, live sessions per PKP
// (a new one first drops the PKP's expired sessions).
const (
	MaxSessionPKPs       = 16
	MaxSessionKeysPerPKP = 32
)

// ParseSessionPubkey parses a session key: 0x-hex of a 33-byte compressed
// secp256k1 public key on the curve.
func ParseSessionPubkey(s string) ([]byte, error) {
	bz, err := decodeHex(s)
	if err != nil || len(bz) != 33 {
		return nil, errorsmod.Wrap(ErrInvalidSessionKey, "session pubkey must be 0x-hex of a 33-byte compressed secp256k1 public key")
	}
	if _, err := secp256k1.ParsePubKey(bz); err != nil {
		return nil, errorsmod.Wrapf(ErrInvalidSessionKey, "session pubkey: %v", err)
	}
	return bz, nil
}

// ValidateSessionCapabilities requires known capabilities, each once.
func ValidateSessionCapabilities(caps []SessionCapability) error {
	if len(caps) == 0 {
		return errorsmod.Wrap(ErrInvalidSessionKey, "a session key needs at least one capability")
	}
	for i, c := range caps {
		if _, ok := SessionCapability_name[int32(c)]; !ok || c == SESSION_CAPABILITY_UNSPECIFIED {
			return errorsmod.Wrapf(ErrInvalidSessionKey, "unknown session capability %d", c)
		}
		if slices.Contains(caps[:i], c) {
			return errorsmod.Wrapf(ErrInvalidSessionKey, "session capability %s appears twice", c)
		}
	}
	return nil
}

// Validate checks a stored session key.
func (s SessionKey) Validate() error {
	if _, err := ParseTokenID(s.TokenId); err != nil {
		return err
	}
	pub, err := ParseSessionPubkey(s.Pubkey)
	if err != nil {
		return err
	}
	if s.Pubkey != "0x"+hex.EncodeToString(pub) {
		return errorsmod.Wrapf(ErrInvalidSessionKey, "pubkey %q is not in canonical form (0x, lower-case hex)", s.Pubkey)
	}
	if err := ValidateAuthMethodRef(s.AuthMethodType, s.Id); err != nil {
		return err
	}
	if s.AuthorizedAt <= 0 || s.ExpiresAt <= s.AuthorizedAt {
		return errorsmod.Wrap(ErrInvalidSessionKey, "authorized_at must be a positive unix time before expires_at")
	}
	if s.Issuer == "" && s.Kid != "" {
		return errorsmod.Wrap(ErrInvalidSessionKey, "a kid needs its issuer")
	}
	return ValidateSessionCapabilities(s.Capabilities)
}

// Allows says whether the session key has capability c.
func (s SessionKey) Allows(c SessionCapability) bool { return slices.Contains(s.Capabilities, c) }

// VerifySessionSignature checks a session key's signature: 64 bytes r ‖ s,
// low s, over sha256(challenge), as Cosmos secp256k1 keys sign.
func VerifySessionSignature(pubkey, challenge, sig []byte) error {
	if !(&cosmossecp.PubKey{Key: pubkey}).VerifySignature(challenge, sig) {
		return errorsmod.Wrap(ErrInvalidSessionKey, "the session key's signature does not verify over the challenge (64 bytes r ‖ s, low s, over sha256(challenge))")
	}
	return nil
}
