package types

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
)

// Encryption keys are P-256: HPKE seals point-to-point protocol messages to
// them (DHKEM(P-256, HKDF-SHA256)), and the same scalar signs an ECDSA proof
// of possession, which X25519 cannot.
const (
	// EncKeyLen is an uncompressed P-256 point.
	EncKeyLen = 65
	// MaxEncKeyProofLen bounds the ASN.1 ECDSA signature (at most 72 bytes for P-256).
	MaxEncKeyProofLen = 80
)

// encKeyProofDigest is what a proof of possession signs: the key bound to the
// validator that registers it, so nobody can register another's key as theirs.
func encKeyProofDigest(validator string, pub []byte) []byte {
	h := sha256.New()
	h.Write([]byte("litd/tss/enc-key/v1|" + validator + "|"))
	h.Write(pub)
	return h.Sum(nil)
}

// ProveEncKey signs the proof of possession of priv for validator.
func ProveEncKey(priv *ecdh.PrivateKey, validator string) ([]byte, error) {
	sk, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), priv.Bytes())
	if err != nil {
		return nil, err
	}
	return ecdsa.SignASN1(rand.Reader, sk, encKeyProofDigest(validator, priv.PublicKey().Bytes()))
}

// ValidateEncPubkey checks that b is a P-256 point (P-256 has prime order:
// no small-subgroup points, and the identity is refused).
func ValidateEncPubkey(b []byte) error {
	_, err := ecdh.P256().NewPublicKey(b)
	return err
}

// VerifyEncKey checks a registration: a valid key and validator's proof of
// possession of it.
func VerifyEncKey(validator string, pub, proof []byte) error {
	if err := ValidateEncPubkey(pub); err != nil {
		return err
	}
	pk, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), pub)
	if err != nil {
		return err
	}
	if !ecdsa.VerifyASN1(pk, encKeyProofDigest(validator, pub), proof) {
		return errors.New("no valid proof of possession of the encryption key")
	}
	return nil
}
