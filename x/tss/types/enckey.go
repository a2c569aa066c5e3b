package types

import (
	"crypto/ecdh"
	"errors"
)

// encKeyProbe is a fixed X25519 scalar: its shared secret with a low-order point is zero.
var encKeyProbe = func() *ecdh.PrivateKey {
	k, err := ecdh.X25519().NewPrivateKey([]byte("litd/tss/enc-key-probe/v1 ......"))
	if err != nil {
		panic(err)
	}
	return k
}()

// ValidateEncPubkey checks a validator's X25519 encryption key: 32 bytes and not of low order
// (whose Diffie-Hellman result is zero whatever the other key, so HPKE to it is not secret).
func ValidateEncPubkey(b []byte) error {
	pub, err := ecdh.X25519().NewPublicKey(b)
	if err != nil {
		return err
	}
	if _, err := encKeyProbe.ECDH(pub); err != nil {
		return errors.New("low-order X25519 public key")
	}
	return nil
}
