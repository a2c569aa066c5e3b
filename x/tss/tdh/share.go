package tdh

import (
	"crypto/ecdh"
	"crypto/hpke"
	"fmt"
	"io"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// XCoord is a validator's Shamir x-coordinate in key set keySetID, built as
// litd's engine builds tss-lib party keys (x/tss/engine partyIDs):
// keySetID·2^160 + the 20 operator-address bytes as a big-endian integer. It
// is below 2^224 < n, so it is the very value tss-lib stores in Ks. Errors
// unless addr is 20 bytes, or if the result is 0 (not a usable coordinate).
func XCoord(keySetID uint64, addr []byte) (secp256k1.ModNScalar, error) {
	if len(addr) != 20 {
		return secp256k1.ModNScalar{}, fmt.Errorf("%w: operator address is %d bytes, want 20", ErrInvalidInput, len(addr))
	}
	var b [32]byte
	// 32 = 4 zero bytes ‖ 8 bytes keySetID ‖ 20 address bytes.
	for i := range 8 {
		b[4+i] = byte(keySetID >> (56 - 8*i))
	}
	copy(b[12:], addr)
	var x secp256k1.ModNScalar
	x.SetBytes(&b) // < 2^224: never overflows
	if x.IsZero() {
		return x, fmt.Errorf("%w: x-coordinate is 0", ErrInvalidInput)
	}
	return x, nil
}

// Share is one validator's decryption share with its DLEQ proof, so the
// requester can check it without trusting the validator.
type Share struct {
	D     []byte // x_i·R, 33-byte compressed
	Proof []byte // 64 bytes c ‖ z: Chaum–Pedersen proof that log_G(X_i) = log_R(D)
}

// ComputeShare is a validator's answer to a decryption request: D = x_i·R
// with a Chaum–Pedersen proof that it used the same x_i as its public share
// X_i = x_i·G. k is read from rand (crypto/rand.Reader if nil). The chain must
// have run VerifyEphemeral on R first.
//
// decred secp256k1 v4 offers no constant-time point multiplication, so x_i·G,
// x_i·R, k·G and k·R use the NonConst functions (variable time); the scalar
// arithmetic z = k + c·x_i (ModNScalar) is constant time.
func ComputeShare(rand io.Reader, xi *secp256k1.ModNScalar, ephemeral []byte) (Share, error) {
	rand = orCrypto(rand)
	if xi == nil || xi.IsZero() {
		return Share{}, fmt.Errorf("%w: zero or nil secret share", ErrInvalidInput)
	}
	R, err := parsePoint(ephemeral)
	if err != nil {
		return Share{}, fmt.Errorf("ephemeral: %w", err)
	}
	var RJ, XJ, DJ secp256k1.JacobianPoint
	R.AsJacobian(&RJ)
	secp256k1.ScalarBaseMultNonConst(xi, &XJ)
	secp256k1.ScalarMultNonConst(xi, &RJ, &DJ)
	X, D := compress(&XJ), compress(&DJ)
	proof, err := prove(rand, xi, func(k *secp256k1.ModNScalar) (secp256k1.ModNScalar, bool) {
		var AJ, BJ secp256k1.JacobianPoint
		secp256k1.ScalarBaseMultNonConst(k, &AJ)
		secp256k1.ScalarMultNonConst(k, &RJ, &BJ)
		return dleqChallenge(X, ephemeral, D, compress(&AJ), compress(&BJ))
	})
	if err != nil {
		return Share{}, err
	}
	return Share{D: D, Proof: proof}, nil
}

// VerifyShare checks s against the validator's public share X_i (33-byte
// compressed, from chain state) and R: A = z·G − c·X_i, B = z·R − c·D, and c
// must be the hash of them. A passing share is x_i·R for that validator's x_i.
func VerifyShare(publicShare, ephemeral []byte, s Share) error {
	X, err := parsePoint(publicShare)
	if err != nil {
		return fmt.Errorf("public share: %w", err)
	}
	R, err := parsePoint(ephemeral)
	if err != nil {
		return fmt.Errorf("ephemeral: %w", err)
	}
	D, err := parsePoint(s.D)
	if err != nil {
		return fmt.Errorf("share D: %w", err)
	}
	c, z, err := parseProof(s.Proof)
	if err != nil {
		return err
	}
	var RJ secp256k1.JacobianPoint
	R.AsJacobian(&RJ)
	A, B := recommit(&c, &z, nil, X), recommit(&c, &z, &RJ, D)
	if isInfinity(&A) || isInfinity(&B) {
		return fmt.Errorf("%w: DLEQ commitment is the point at infinity", ErrInvalidProof)
	}
	want, ok := dleqChallenge(publicShare, ephemeral, s.D, compress(&A), compress(&B))
	if !ok || !want.Equals(&c) {
		return fmt.Errorf("%w: DLEQ proof does not verify: D is not this validator's x_i·R", ErrInvalidProof)
	}
	return nil
}

func dleqChallenge(X, R, D, A, B []byte) (secp256k1.ModNScalar, bool) {
	return hashToScalar([]byte(tagDLEQ), X, R, D, A, B)
}

// Marshal encodes s in its fixed 97-byte wire form D ‖ c ‖ z (for a
// well-formed share; SealShare checks that).
func (s Share) Marshal() []byte {
	return append(append(make([]byte, 0, ShareSize), s.D...), s.Proof...)
}

// UnmarshalShare decodes the 97-byte form, strictly: exact length and D a
// valid compressed point. The proof is checked by VerifyShare.
func UnmarshalShare(bz []byte) (Share, error) {
	if len(bz) != ShareSize {
		return Share{}, fmt.Errorf("%w: share is %d bytes, want %d", ErrInvalidInput, len(bz), ShareSize)
	}
	if _, err := parsePoint(bz[:PointSize]); err != nil {
		return Share{}, fmt.Errorf("share D: %w", err)
	}
	return Share{
		D:     append([]byte(nil), bz[:PointSize]...),
		Proof: append([]byte(nil), bz[PointSize:]...),
	}, nil
}

// ShareInfo is the HPKE info binding a sealed share to its request and its
// author, so a sealed share cannot be replayed into another request or passed
// off as another validator's: "litd/enc/v1/share|<decryptionID>|<validator>".
func ShareInfo(decryptionID uint64, validator string) []byte {
	return fmt.Appendf(nil, "%s|%d|%s", tagShare, decryptionID, validator)
}

// SealShare seals s to the requester's 32-byte X25519 public key with HPKE
// (RFC 9180 base mode: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
// ChaCha20-Poly1305), so only the requester learns D_i, which the chain
// relays in public. The KEM's randomness comes from crypto/rand.
func SealShare(recipient []byte, info []byte, s Share) ([]byte, error) {
	if len(s.D) != PointSize || len(s.Proof) != ProofSize {
		return nil, fmt.Errorf("%w: malformed share (%d-byte D, %d-byte proof)", ErrInvalidInput, len(s.D), len(s.Proof))
	}
	if _, err := parsePoint(s.D); err != nil {
		return nil, fmt.Errorf("share D: %w", err)
	}
	pub, err := ecdh.X25519().NewPublicKey(recipient)
	if err != nil {
		return nil, fmt.Errorf("%w: recipient is not a 32-byte X25519 public key: %v", ErrInvalidInput, err)
	}
	hpub, err := hpke.NewDHKEMPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: recipient key: %v", ErrInvalidInput, err)
	}
	return hpke.Seal(hpub, hpke.HKDFSHA256(), hpke.ChaCha20Poly1305(), info, s.Marshal())
}

// OpenShare opens a sealed share with the requester's X25519 private key and
// the info it was sealed under; a wrong key, info or tampering fails.
func OpenShare(priv *ecdh.PrivateKey, info []byte, sealed []byte) (Share, error) {
	if priv == nil || priv.Curve() != ecdh.X25519() {
		return Share{}, fmt.Errorf("%w: need an X25519 private key", ErrInvalidInput)
	}
	hpriv, err := hpke.NewDHKEMPrivateKey(priv)
	if err != nil {
		return Share{}, fmt.Errorf("%w: %v", ErrInvalidInput, err)
	}
	pt, err := hpke.Open(hpriv, hpke.HKDFSHA256(), hpke.ChaCha20Poly1305(), info, sealed)
	if err != nil {
		return Share{}, fmt.Errorf("%w: %v", ErrOpenShare, err)
	}
	s, err := UnmarshalShare(pt)
	if err != nil {
		return Share{}, fmt.Errorf("%w: %v", ErrOpenShare, err)
	}
	return s, nil
}

// Candidate is one validator's response as the combiner sees it: the share
// it sent, and its x-coordinate and public share from chain state.
type Candidate struct {
	Validator   string
	X           secp256k1.ModNScalar // XCoord
	PublicShare []byte               // X_i, 33 bytes, from chain state
	Share       Share
}

// BadShare names a validator whose share Combine rejected, and why, so the
// requester can report it.
type BadShare struct {
	Validator string
	Err       error
}

// Combine recovers x·R from validators' shares. It verifies every candidate's
// DLEQ proof (bad lists, in input order, those that fail), then
// Lagrange-interpolates at 0 from the first threshold+1 valid ones:
// x·R = Σ λ_i·D_i, λ_i = Π_{j≠i} x_j/(x_j − x_i) mod n. It fails with
// ErrNotEnoughShares below threshold+1 valid shares and with ErrDuplicateX if
// two candidates share an x-coordinate.
func Combine(ephemeral []byte, threshold int, cands []Candidate) (xR *secp256k1.PublicKey, bad []BadShare, err error) {
	if threshold < 0 {
		return nil, nil, fmt.Errorf("%w: negative threshold %d", ErrInvalidInput, threshold)
	}
	if _, err := parsePoint(ephemeral); err != nil {
		return nil, nil, fmt.Errorf("ephemeral: %w", err)
	}
	for i := range cands {
		for j := range i {
			if cands[i].X.Equals(&cands[j].X) {
				return nil, nil, fmt.Errorf("%w: validators %q and %q", ErrDuplicateX, cands[j].Validator, cands[i].Validator)
			}
		}
	}
	var good []*Candidate
	var points []*secp256k1.PublicKey
	for i := range cands {
		c := &cands[i]
		if c.X.IsZero() {
			bad = append(bad, BadShare{c.Validator, fmt.Errorf("%w: x-coordinate is 0", ErrInvalidInput)})
			continue
		}
		if err := VerifyShare(c.PublicShare, ephemeral, c.Share); err != nil {
			bad = append(bad, BadShare{c.Validator, err})
			continue
		}
		if len(good) <= threshold {
			D, _ := parsePoint(c.Share.D) // verified above
			good = append(good, c)
			points = append(points, D)
		}
	}
	if len(good) < threshold+1 {
		return nil, bad, fmt.Errorf("%w: %d valid of %d needed (%d bad)", ErrNotEnoughShares, len(good), threshold+1, len(bad))
	}
	var sum secp256k1.JacobianPoint // point at infinity
	for i, ci := range good {
		lambda := new(secp256k1.ModNScalar).SetInt(1)
		for j, cj := range good {
			if j == i {
				continue
			}
			den := new(secp256k1.ModNScalar).NegateVal(&ci.X).Add(&cj.X) // x_j − x_i ≠ 0
			den.InverseNonConst()
			lambda.Mul(&cj.X).Mul(den)
		}
		var DJ, term secp256k1.JacobianPoint
		points[i].AsJacobian(&DJ)
		secp256k1.ScalarMultNonConst(lambda, &DJ, &term)
		var next secp256k1.JacobianPoint // AddNonConst's result must not alias an input
		secp256k1.AddNonConst(&sum, &term, &next)
		sum = next
	}
	xR, err = toPublicKey(&sum)
	if err != nil {
		return nil, bad, fmt.Errorf("%w: interpolated x·R is the point at infinity", ErrInvalidPoint)
	}
	return xR, bad, nil
}
