package types

import (
	"strings"

	"github.com/cosmos/btcutil/base58"

	errorsmod "cosmossdk.io/errors"
)

// MaxCIDLength bounds a CID string before it is decoded.
const MaxCIDLength = 128

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// ValidateCID checks that s is an IPFS CIDv0: base58btc of a sha2-256
// multihash (0x12 0x20 + 32 bytes), the "Qm..." form `ipfs add` prints.
func ValidateCID(s string) error {
	if s == "" {
		return errorsmod.Wrap(ErrInvalidCID, "empty")
	}
	if len(s) > MaxCIDLength {
		return errorsmod.Wrapf(ErrInvalidCID, "longer than %d characters", MaxCIDLength)
	}
	// The base58 decoder indexes a 256-entry table by rune: only its
	// alphabet may reach it.
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(base58Alphabet, rune(s[i])) {
			return errorsmod.Wrapf(ErrInvalidCID, "%q is not base58", s)
		}
	}
	bz := base58.Decode(s)
	if len(bz) != 34 || bz[0] != 0x12 || bz[1] != 0x20 || base58.Encode(bz) != s {
		return errorsmod.Wrapf(ErrInvalidCID, "%q is not a CIDv0 (Qm..., sha2-256 multihash)", s)
	}
	return nil
}
