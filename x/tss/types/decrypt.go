package types

import (
	"bytes"
	"crypto/ecdh"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	errorsmod "cosmossdk.io/errors"

	"github.com/cosmos/cosmos-sdk/types/bech32"

	"github.com/litprotocol/litd/x/tss/tdh"
)

// RequesterKeyLen is the length of an X25519 public key, the key decryption
// shares are sealed to.
const RequesterKeyLen = 32

// ValidateRequesterKey refuses a requester key that HPKE cannot seal to: not
// 32 bytes, or an X25519 point of small order (all-zero shared secret).
// Deterministic: it is one X25519 with a fixed scalar. An accepted key makes
// every honest engine's seal succeed, so a requester cannot get the
// validators recorded as silent.
func ValidateRequesterKey(key []byte) error {
	pub, err := ecdh.X25519().NewPublicKey(key)
	if err != nil {
		return errorsmod.Wrapf(ErrInvalidDecrypt, "requester_key: want a 32-byte X25519 public key: %v", err)
	}
	if _, err := requesterKeyProbe.ECDH(pub); err != nil {
		return errorsmod.Wrapf(ErrInvalidDecrypt, "requester_key is a small-order X25519 point: %v", err)
	}
	return nil
}

// requesterKeyProbe is a fixed X25519 scalar; any non-zero one finds the
// small-order points (their shared secret is all zeros for every scalar).
var requesterKeyProbe = func() *ecdh.PrivateKey {
	k, err := ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{0x42}, 32))
	if err != nil {
		panic(err)
	}
	return k
}()

// MaxSealedShareLen bounds one sealed decryption share in a vote extension:
// HPKE's 32-byte encapsulated key, the 97-byte share and proof, and the
// 16-byte tag take 145 bytes.
const MaxSealedShareLen = 256

// PublicShareLen is a compressed public key share x_i·G.
const PublicShareLen = 33

// Open is the requester's side of a served decryption: it opens every
// sealed share with priv (the X25519 key requester_key belongs to), checks
// each one's DLEQ proof against its validator's public share in ks (the
// decryption's key set), and combines t+1 valid ones into x·R. bad names the
// validators whose share did not open or did not verify.
func (d Decryption) Open(priv *ecdh.PrivateKey, ks KeySet) (*secp256k1.PublicKey, []tdh.BadShare, error) {
	if ks.Id != d.KeySetId || len(ks.PublicShares) != len(ks.Participants) {
		return nil, nil, fmt.Errorf("key set %d with public shares is needed, got key set %d with %d", d.KeySetId, ks.Id, len(ks.PublicShares))
	}
	var (
		cands []tdh.Candidate
		bad   []tdh.BadShare
	)
	for _, sh := range d.Shares {
		i := slices.Index(ks.Participants, sh.Validator)
		if i < 0 {
			bad = append(bad, tdh.BadShare{Validator: sh.Validator, Err: errors.New("not a participant of the key set")})
			continue
		}
		// The address bytes, whatever the process's bech32 config (a client
		// library need not set the chain's prefixes).
		_, val, err := bech32.DecodeAndConvert(sh.Validator)
		if err != nil {
			return nil, nil, err
		}
		x, err := tdh.XCoord(ks.Id, val)
		if err != nil {
			return nil, nil, err
		}
		pub, err := hex.DecodeString(strings.TrimPrefix(ks.PublicShares[i], "0x"))
		if err != nil {
			return nil, nil, err
		}
		s, err := tdh.OpenShare(priv, tdh.ShareInfo(d.Id, sh.Validator), sh.Sealed)
		if err != nil {
			bad = append(bad, tdh.BadShare{Validator: sh.Validator, Err: err})
			continue
		}
		cands = append(cands, tdh.Candidate{Validator: sh.Validator, X: x, PublicShare: pub, Share: s})
	}
	xR, more, err := tdh.Combine(d.Ephemeral, int(d.Threshold), cands)
	return xR, append(bad, more...), err
}
