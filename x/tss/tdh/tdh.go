package tdh

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// Domain-separation tags: every hash in the scheme has its own, so no value
// can be reused in another role.
const (
	tagID     = "litd/enc/v1/id"
	tagOffset = "litd/enc/v1"
	tagAEAD   = "litd/enc/v1/aead"
	tagPoK    = "litd/enc/v1/pok"
	tagDLEQ   = "litd/enc/v1/dleq"
	tagShare  = "litd/enc/v1/share"
)

// Sizes of the encodings, fixed so that concatenations are unambiguous.
const (
	PointSize  = 33 // compressed secp256k1 point
	ProofSize  = 64 // c ‖ z
	NonceSize  = 12 // AES-GCM nonce
	ShareSize  = PointSize + ProofSize
	scalarSize = 32
)

// Sentinel errors, so callers (the chain, a client) can tell the failure
// classes apart with errors.Is; each is wrapped with the precise reason.
var (
	// ErrInvalidInput: a length or argument is wrong (nil key, 31-byte hash…).
	ErrInvalidInput = errors.New("tdh: invalid input")
	// ErrInvalidPoint: bytes that are not a 33-byte compressed curve point.
	ErrInvalidPoint = errors.New("tdh: invalid point")
	// ErrInvalidProof: a Schnorr or DLEQ proof does not verify.
	ErrInvalidProof = errors.New("tdh: invalid proof")
	// ErrNotEnoughShares: fewer than threshold+1 valid shares to combine.
	ErrNotEnoughShares = errors.New("tdh: not enough valid shares")
	// ErrDuplicateX: two candidates have the same x-coordinate.
	ErrDuplicateX = errors.New("tdh: duplicate x-coordinate")
	// ErrDecrypt: the ciphertext does not open under the derived key.
	ErrDecrypt = errors.New("tdh: decryption failed")
	// ErrOpenShare: a sealed share does not open or is malformed.
	ErrOpenShare = errors.New("tdh: cannot open sealed share")
)

// Identity derives the 32-byte identity a ciphertext is encrypted to from its
// access conditions (opaque bytes; the chain passes a canonical protobuf
// encoding) and the hash of the data. The length prefix keeps
// (conditions, dataHash) pairs from colliding.
func Identity(conditions, dataHash []byte) ([32]byte, error) {
	if len(dataHash) != 32 {
		return [32]byte{}, fmt.Errorf("%w: data hash is %d bytes, want 32", ErrInvalidInput, len(dataHash))
	}
	if uint64(len(conditions)) > math.MaxUint32 {
		return [32]byte{}, fmt.Errorf("%w: conditions too long", ErrInvalidInput)
	}
	h := sha256.New()
	h.Write([]byte(tagID))
	h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(conditions))))
	h.Write(conditions)
	h.Write(dataHash)
	var id [32]byte
	h.Sum(id[:0])
	return id, nil
}

// Offset is the public scalar h that shifts the root key to the identity key:
// sha256(root_compressed ‖ "litd/enc/v1" ‖ id) reduced mod n. Binding the root
// makes identity keys of different key sets unrelated. root must not be nil.
func Offset(root *secp256k1.PublicKey, id [32]byte) secp256k1.ModNScalar {
	h := sha256.New()
	h.Write(root.SerializeCompressed())
	h.Write([]byte(tagOffset))
	h.Write(id[:])
	var s secp256k1.ModNScalar
	s.SetByteSlice(h.Sum(nil)) // reduces mod n
	return s
}

// IdentityKey is the public key P_id = root + h·G a ciphertext for id is
// encrypted to: its secret x + h is never assembled, but (x+h)·R can be, from
// the validators' x·R and the public h·R.
func IdentityKey(root *secp256k1.PublicKey, id [32]byte) (*secp256k1.PublicKey, error) {
	if root == nil {
		return nil, fmt.Errorf("%w: nil root key", ErrInvalidInput)
	}
	h := Offset(root, id)
	var hG, rootJ, sum secp256k1.JacobianPoint
	secp256k1.ScalarBaseMultNonConst(&h, &hG)
	root.AsJacobian(&rootJ)
	secp256k1.AddNonConst(&rootJ, &hG, &sum)
	pk, err := toPublicKey(&sum)
	if err != nil {
		return nil, fmt.Errorf("%w: identity key is the point at infinity", ErrInvalidPoint)
	}
	return pk, nil
}

// Encrypted is one ciphertext's parts, as stored or sent by the encryptor.
type Encrypted struct {
	Ephemeral  []byte // R = r·G, 33-byte compressed
	Proof      []byte // 64 bytes c ‖ z: Schnorr proof of knowledge of r bound to id
	Nonce      []byte // 12 bytes, random
	Ciphertext []byte // AES-256-GCM(key, nonce, plaintext, aad = id ‖ R), tag appended
}

// Encrypt encrypts plaintext to the identity key of (root, id), offline.
// Randomness is read from rand (crypto/rand.Reader if nil) in this fixed
// order, so known-answer vectors are reproducible: r (32-byte blocks until
// one is in [1, n)), the proof nonce k (likewise; a fresh k is drawn in the
// ~2^-256 case that the challenge is 0), then the 12-byte AES-GCM nonce.
func Encrypt(rand io.Reader, root *secp256k1.PublicKey, id [32]byte, plaintext []byte) (*Encrypted, error) {
	rand = orCrypto(rand)
	pid, err := IdentityKey(root, id)
	if err != nil {
		return nil, err
	}
	r, err := randScalar(rand)
	if err != nil {
		return nil, err
	}
	defer r.Zero()
	var rG secp256k1.JacobianPoint
	secp256k1.ScalarBaseMultNonConst(&r, &rG)
	R := compress(&rG)
	proof, err := proveEphemeral(rand, &r, R, id)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, NonceSize)
	if _, err := io.ReadFull(rand, nonce); err != nil {
		return nil, fmt.Errorf("tdh: reading randomness: %w", err)
	}
	var pidJ, S secp256k1.JacobianPoint
	pid.AsJacobian(&pidJ)
	secp256k1.ScalarMultNonConst(&r, &pidJ, &S)
	key := aeadKey(compress(&S), R, id)
	aead, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	return &Encrypted{
		Ephemeral:  R,
		Proof:      proof,
		Nonce:      nonce,
		Ciphertext: aead.Seal(nil, nonce, plaintext, aad(id, R)),
	}, nil
}

// Decrypt opens e with x·R (from Combine): S = x·R + h·R = r·P_id, the AEAD
// key derived as in Encrypt. A wrong root, id, x·R or a tampered ciphertext
// all fail with ErrDecrypt. It does not check e.Proof (the chain did, before
// serving x·R).
func Decrypt(root *secp256k1.PublicKey, id [32]byte, e *Encrypted, xR *secp256k1.PublicKey) ([]byte, error) {
	if root == nil || e == nil || xR == nil {
		return nil, fmt.Errorf("%w: nil root, ciphertext or x·R", ErrInvalidInput)
	}
	if len(e.Nonce) != NonceSize {
		return nil, fmt.Errorf("%w: nonce is %d bytes, want %d", ErrInvalidInput, len(e.Nonce), NonceSize)
	}
	R, err := parsePoint(e.Ephemeral)
	if err != nil {
		return nil, fmt.Errorf("ephemeral: %w", err)
	}
	h := Offset(root, id)
	var RJ, hR, xRJ, S secp256k1.JacobianPoint
	R.AsJacobian(&RJ)
	secp256k1.ScalarMultNonConst(&h, &RJ, &hR)
	xR.AsJacobian(&xRJ)
	secp256k1.AddNonConst(&xRJ, &hR, &S)
	if isInfinity(&S) {
		return nil, fmt.Errorf("%w: shared point is the point at infinity", ErrDecrypt)
	}
	aead, err := newGCM(aeadKey(compress(&S), e.Ephemeral, id))
	if err != nil {
		return nil, err
	}
	pt, err := aead.Open(nil, e.Nonce, e.Ciphertext, aad(id, e.Ephemeral))
	if err != nil {
		return nil, fmt.Errorf("%w: ciphertext does not open (wrong root, id or x·R, or tampered)", ErrDecrypt)
	}
	return pt, nil
}

// VerifyEphemeral is the chain's check before it serves a decryption: R is a
// valid 33-byte compressed point and proof is a Schnorr proof of knowledge of
// log_G(R) bound to id. It stops a requester who satisfies one ciphertext's
// conditions from getting x·R for another ciphertext's R (see package doc).
func VerifyEphemeral(ephemeral, proof []byte, id [32]byte) error {
	R, err := parsePoint(ephemeral)
	if err != nil {
		return fmt.Errorf("ephemeral: %w", err)
	}
	c, z, err := parseProof(proof)
	if err != nil {
		return err
	}
	A := recommit(&c, &z, nil, R) // z·G − c·R
	if isInfinity(&A) {
		return fmt.Errorf("%w: commitment is the point at infinity", ErrInvalidProof)
	}
	want, ok := pokChallenge(ephemeral, compress(&A), id)
	if !ok || !want.Equals(&c) {
		return fmt.Errorf("%w: proof of knowledge of the ephemeral secret does not verify for this id", ErrInvalidProof)
	}
	return nil
}

// proveEphemeral is the Schnorr proof of knowledge of r = log_G(R) bound to
// id: k random, A = k·G, c = H2S(tagPoK ‖ R ‖ A ‖ id), z = k + c·r; c ‖ z.
func proveEphemeral(rand io.Reader, r *secp256k1.ModNScalar, R []byte, id [32]byte) ([]byte, error) {
	return prove(rand, r, func(k *secp256k1.ModNScalar) (secp256k1.ModNScalar, bool) {
		var AJ secp256k1.JacobianPoint
		secp256k1.ScalarBaseMultNonConst(k, &AJ)
		return pokChallenge(R, compress(&AJ), id)
	})
}

// prove makes a Fiat–Shamir proof c ‖ z of knowledge of secret: it draws a
// nonce k (a fresh one in the ~2^-256 case that challenge, which commits to
// k's points, is 0) and returns z = k + c·secret. The Schnorr proof of the
// ephemeral secret and the DLEQ proof of a share differ only in challenge.
func prove(rand io.Reader, secret *secp256k1.ModNScalar, challenge func(k *secp256k1.ModNScalar) (secp256k1.ModNScalar, bool)) ([]byte, error) {
	for {
		k, err := randScalar(rand)
		if err != nil {
			return nil, err
		}
		c, ok := challenge(&k)
		if !ok {
			k.Zero()
			continue
		}
		z := new(secp256k1.ModNScalar).Mul2(&c, secret).Add(&k)
		k.Zero()
		return appendProof(c, *z), nil
	}
}

// recommit is the commitment z·B − c·P that a proof (c, z) over base B (G
// when nil) and public point P must hash back to.
func recommit(c, z *secp256k1.ModNScalar, B *secp256k1.JacobianPoint, P *secp256k1.PublicKey) secp256k1.JacobianPoint {
	var PJ, zB, cP, out secp256k1.JacobianPoint
	P.AsJacobian(&PJ)
	if B == nil {
		secp256k1.ScalarBaseMultNonConst(z, &zB)
	} else {
		secp256k1.ScalarMultNonConst(z, B, &zB)
	}
	secp256k1.ScalarMultNonConst(new(secp256k1.ModNScalar).NegateVal(c), &PJ, &cP)
	secp256k1.AddNonConst(&zB, &cP, &out)
	return out
}

func pokChallenge(R, A []byte, id [32]byte) (secp256k1.ModNScalar, bool) {
	return hashToScalar([]byte(tagPoK), R, A, id[:])
}

// aeadKey is HKDF-SHA256(ikm = S compressed, salt = nil,
// info = tagAEAD ‖ R ‖ id), 32 bytes for AES-256-GCM.
func aeadKey(S, R []byte, id [32]byte) []byte {
	info := make([]byte, 0, len(tagAEAD)+PointSize+32)
	info = append(append(append(info, tagAEAD...), R...), id[:]...)
	key, err := hkdf.Key(sha256.New, S, nil, string(info), 32)
	if err != nil { // only on an impossible key length
		panic(err)
	}
	return key
}

func aad(id [32]byte, R []byte) []byte {
	return append(append(make([]byte, 0, 32+PointSize), id[:]...), R...)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// hashToScalar is H2S: sha256 of the parts, reduced mod n; false if it is 0
// (a zero challenge would make a proof independent of the secret).
func hashToScalar(parts ...[]byte) (secp256k1.ModNScalar, bool) {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	var s secp256k1.ModNScalar
	s.SetByteSlice(h.Sum(nil))
	return s, !s.IsZero()
}

// maxDraws bounds rejection sampling, so a broken reader (all 0xff, all 0)
// fails instead of looping; an honest one needs more than one draw with
// probability ~2^-128.
const maxDraws = 64

// randScalar reads 32-byte blocks from rand until one is in [1, n).
func randScalar(rand io.Reader) (secp256k1.ModNScalar, error) {
	var b [scalarSize]byte
	defer clear(b[:])
	for range maxDraws {
		if _, err := io.ReadFull(rand, b[:]); err != nil {
			return secp256k1.ModNScalar{}, fmt.Errorf("tdh: reading randomness: %w", err)
		}
		var s secp256k1.ModNScalar
		if overflow := s.SetBytes(&b); overflow == 0 && !s.IsZero() {
			return s, nil
		}
	}
	return secp256k1.ModNScalar{}, errors.New("tdh: randomness source yields no valid scalar")
}

func orCrypto(r io.Reader) io.Reader {
	if r == nil {
		return rand.Reader
	}
	return r
}

// parsePoint accepts only a 33-byte compressed point on the curve (which
// excludes the point at infinity, having no such encoding).
func parsePoint(b []byte) (*secp256k1.PublicKey, error) {
	if len(b) != PointSize {
		return nil, fmt.Errorf("%w: %d bytes, want %d compressed", ErrInvalidPoint, len(b), PointSize)
	}
	pk, err := secp256k1.ParsePubKey(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidPoint, err)
	}
	return pk, nil
}

// parseProof splits c ‖ z, rejecting non-canonical (≥ n) scalars so a proof
// has one encoding, and c = 0.
func parseProof(b []byte) (c, z secp256k1.ModNScalar, err error) {
	if len(b) != ProofSize {
		return c, z, fmt.Errorf("%w: proof is %d bytes, want %d", ErrInvalidProof, len(b), ProofSize)
	}
	if c.SetByteSlice(b[:scalarSize]) || z.SetByteSlice(b[scalarSize:]) {
		return c, z, fmt.Errorf("%w: proof scalar not below the group order", ErrInvalidProof)
	}
	if c.IsZero() {
		return c, z, fmt.Errorf("%w: zero challenge", ErrInvalidProof)
	}
	return c, z, nil
}

func appendProof(c, z secp256k1.ModNScalar) []byte {
	out := make([]byte, ProofSize)
	c.PutBytesUnchecked(out[:scalarSize])
	z.PutBytesUnchecked(out[scalarSize:])
	return out
}

func isInfinity(p *secp256k1.JacobianPoint) bool {
	return (p.X.IsZero() && p.Y.IsZero()) || p.Z.IsZero()
}

// toPublicKey converts a Jacobian point, refusing the point at infinity.
func toPublicKey(p *secp256k1.JacobianPoint) (*secp256k1.PublicKey, error) {
	if isInfinity(p) {
		return nil, fmt.Errorf("%w: point at infinity", ErrInvalidPoint)
	}
	a := *p
	a.ToAffine()
	return secp256k1.NewPublicKey(&a.X, &a.Y), nil
}

// compress serializes a point known not to be at infinity (a nonzero multiple
// of a valid point in a prime-order group).
func compress(p *secp256k1.JacobianPoint) []byte {
	pk, err := toPublicKey(p)
	if err != nil {
		panic("tdh: unexpected point at infinity")
	}
	return pk.SerializeCompressed()
}
