package types

import (
	"encoding/binary"
	"encoding/hex"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"golang.org/x/crypto/sha3"

	errorsmod "cosmossdk.io/errors"
)

// DerivationDelta is the additive tweak of key id under root:
// delta = keccak256(root_compressed(33) || uint64_be(key_id)) mod n.
// tss-lib signs for the child key with this delta (NewLocalPartyWithKDD).
func DerivationDelta(root *secp256k1.PublicKey, keyID uint64) secp256k1.ModNScalar {
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], keyID)
	h := sha3.NewLegacyKeccak256()
	h.Write(root.SerializeCompressed())
	h.Write(id[:])
	var delta secp256k1.ModNScalar
	delta.SetByteSlice(h.Sum(nil)) // reduces mod n
	return delta
}

// DeriveChildPubkey returns root + delta·G for key id.
func DeriveChildPubkey(root *secp256k1.PublicKey, keyID uint64) (*secp256k1.PublicKey, error) {
	delta := DerivationDelta(root, keyID)
	var tweak, base, sum secp256k1.JacobianPoint
	secp256k1.ScalarBaseMultNonConst(&delta, &tweak)
	root.AsJacobian(&base)
	secp256k1.AddNonConst(&base, &tweak, &sum)
	if (sum.X.IsZero() && sum.Y.IsZero()) || sum.Z.IsZero() {
		return nil, ErrDerivationFault
	}
	sum.ToAffine()
	return secp256k1.NewPublicKey(&sum.X, &sum.Y), nil
}

// ParseRootPubkey parses a 0x-hex 33-byte compressed public key.
func ParseRootPubkey(s string) (*secp256k1.PublicKey, error) {
	if len(s) != 2+66 || s[:2] != "0x" {
		return nil, errorsmod.Wrap(ErrInvalidKeySet, "pubkey must be 0x and 66 hex digits (33-byte compressed key)")
	}
	bz, err := hex.DecodeString(s[2:])
	if err != nil {
		return nil, errorsmod.Wrapf(ErrInvalidKeySet, "pubkey: %v", err)
	}
	pk, err := secp256k1.ParsePubKey(bz)
	if err != nil {
		return nil, errorsmod.Wrapf(ErrInvalidKeySet, "pubkey: %v", err)
	}
	return pk, nil
}
