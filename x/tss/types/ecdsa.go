package types

import (
	"bytes"
	"encoding/hex"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	errorsmod "cosmossdk.io/errors"
)

// NormalizeSignature checks (r, s) against pubkey and digest and returns the
// low-S form with its recovery id (0 or 1), the form Ethereum accepts.
func NormalizeSignature(pub *secp256k1.PublicKey, digest, rBytes, sBytes []byte) (r, s [32]byte, recovery byte, err error) {
	if len(digest) != 32 || len(rBytes) == 0 || len(rBytes) > 32 || len(sBytes) == 0 || len(sBytes) > 32 {
		return r, s, 0, ErrInvalidSignature
	}
	var rs, ss secp256k1.ModNScalar
	if rs.SetByteSlice(rBytes) || ss.SetByteSlice(sBytes) || rs.IsZero() || ss.IsZero() {
		return r, s, 0, ErrInvalidSignature
	}
	if ss.IsOverHalfOrder() {
		ss.Negate()
	}
	if !ecdsa.NewSignature(&rs, &ss).Verify(digest, pub) {
		return r, s, 0, ErrInvalidSignature
	}
	r, s = rs.Bytes(), ss.Bytes()
	want := pub.SerializeCompressed()
	for rec := byte(0); rec < 2; rec++ {
		compact := append([]byte{27 + rec}, append(r[:], s[:]...)...)
		got, _, err := ecdsa.RecoverCompact(compact, digest)
		if err == nil && bytes.Equal(got.SerializeCompressed(), want) {
			return r, s, rec, nil
		}
	}
	return r, s, 0, ErrInvalidSignature
}

// ParseSignaturePubkey parses a signature request's 0x-hex uncompressed key.
func ParseSignaturePubkey(s string) (*secp256k1.PublicKey, error) {
	bz, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(bz) != 65 {
		return nil, errorsmod.Wrapf(ErrInvalidSignature, "signature request key %q: want 0x and 65 bytes of hex", s)
	}
	return secp256k1.ParsePubKey(bz)
}
