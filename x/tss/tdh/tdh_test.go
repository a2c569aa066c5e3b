package tdh

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/stretchr/testify/require"
)

// 1. Full round trip: encrypt offline, 4 validators compute, seal and
// (requester) open shares, any 3 of 4 combine to x·R and decrypt; 2 do not.
func TestRoundTrip(t *testing.T) {
	c := newCommittee(t, 3, 2, 4)
	id := testID(t, "rt")
	plaintext := []byte("the secret the conditions guard")
	e, err := Encrypt(rand.Reader, c.root, id, plaintext)
	require.NoError(t, err)
	require.Len(t, e.Ephemeral, PointSize)
	require.Len(t, e.Proof, ProofSize)
	require.Len(t, e.Nonce, NonceSize)
	require.NoError(t, VerifyEphemeral(e.Ephemeral, e.Proof, id))

	requester, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	const decID = 42
	var cands []Candidate
	for _, cand := range c.candidates(t, e.Ephemeral) {
		require.NoError(t, VerifyShare(cand.PublicShare, e.Ephemeral, cand.Share))
		sealed, err := SealShare(requester.PublicKey().Bytes(), ShareInfo(decID, cand.Validator), cand.Share)
		require.NoError(t, err)
		require.NotContains(t, string(sealed), string(cand.Share.D)) // sealed, not in the clear
		opened, err := OpenShare(requester, ShareInfo(decID, cand.Validator), sealed)
		require.NoError(t, err)
		require.Equal(t, cand.Share, opened)
		cand.Share = opened
		cands = append(cands, cand)
	}

	want := mulPoint(&c.x, e.Ephemeral)
	for skip := range cands { // every 3-of-4 subset
		var sub []Candidate
		for i, cand := range cands {
			if i != skip {
				sub = append(sub, cand)
			}
		}
		xR, bad, err := Combine(e.Ephemeral, c.threshold, sub)
		require.NoError(t, err)
		require.Empty(t, bad)
		require.True(t, xR.IsEqual(want), "subset without %d", skip)
		got, err := Decrypt(c.root, id, e, xR)
		require.NoError(t, err)
		require.Equal(t, plaintext, got)
	}
	// All four: uses the first three.
	xR, bad, err := Combine(e.Ephemeral, c.threshold, cands)
	require.NoError(t, err)
	require.Empty(t, bad)
	require.True(t, xR.IsEqual(want))

	// Two shares of a threshold-2 key are not enough.
	_, bad, err = Combine(e.Ephemeral, c.threshold, cands[:2])
	require.ErrorIs(t, err, ErrNotEnoughShares)
	require.Empty(t, bad)

	// The same validator twice is refused.
	_, _, err = Combine(e.Ephemeral, c.threshold, []Candidate{cands[0], cands[1], cands[0]})
	require.ErrorIs(t, err, ErrDuplicateX)
}

// 3. Shares failing their DLEQ proof are named in bad (input order) and
// skipped; Combine succeeds from the remaining valid ones, fails below t+1.
func TestBadSharesAreNamedAndSkipped(t *testing.T) {
	c := newCommittee(t, 3, 2, 4)
	id := testID(t, "bad")
	e, err := Encrypt(rand.Reader, c.root, id, []byte("pt"))
	require.NoError(t, err)
	want := mulPoint(&c.x, e.Ephemeral)

	other := mustScalar(t)
	otherShare, err := ComputeShare(rand.Reader, &other, e.Ephemeral) // valid proof, for another x
	require.NoError(t, err)
	flipped := func(b []byte, i int) []byte { b = bytes.Clone(b); b[i] ^= 1; return b }

	corruptions := map[string]func(s Share) Share{
		"D replaced by another point": func(s Share) Share {
			return Share{D: pubOf(&other).SerializeCompressed(), Proof: s.Proof}
		},
		"D replaced by D+G": func(s Share) Share {
			one := new(secp256k1.ModNScalar).SetInt(1)
			d, _ := parsePoint(s.D)
			var dj, g, sum secp256k1.JacobianPoint
			d.AsJacobian(&dj)
			secp256k1.ScalarBaseMultNonConst(one, &g)
			secp256k1.AddNonConst(&dj, &g, &sum)
			return Share{D: compress(&sum), Proof: s.Proof}
		},
		"proof c altered":       func(s Share) Share { return Share{D: s.D, Proof: flipped(s.Proof, 31)} },
		"proof z altered":       func(s Share) Share { return Share{D: s.D, Proof: flipped(s.Proof, 63)} },
		"made with another x":   func(Share) Share { return otherShare },
		"garbage D":             func(s Share) Share { return Share{D: make([]byte, 33), Proof: s.Proof} },
		"short proof":           func(s Share) Share { return Share{D: s.D, Proof: s.Proof[:63]} },
		"proof of another ct R": nil, // filled below
	}
	e2, err := Encrypt(rand.Reader, c.root, id, []byte("pt"))
	require.NoError(t, err)
	corruptions["proof of another ct R"] = func(Share) Share {
		s, err := ComputeShare(rand.Reader, &c.shares[1], e2.Ephemeral)
		require.NoError(t, err)
		return s
	}

	// A validator holding x_1 forges D after fixing the challenge (the weak
	// Fiat–Shamir attack): a, b random, A = aG, B = bR, c over the honest D,
	// z = a + c·x_1, and D' = x_1·R + (a−b)/c·R satisfies B = zR − cD'. Only
	// hashing D (as the challenge does) makes c change with D'.
	corruptions["D forged after the challenge"] = func(Share) Share {
		a, bb := mustScalar(t), mustScalar(t)
		X := c.pubShares[1]
		honestD := mulPoint(&c.shares[1], e.Ephemeral).SerializeCompressed()
		A := pubOf(&a).SerializeCompressed()
		B := mulPoint(&bb, e.Ephemeral).SerializeCompressed()
		ch, _ := dleqChallenge(X, e.Ephemeral, honestD, A, B)
		z := new(secp256k1.ModNScalar).Mul2(&ch, &c.shares[1]).Add(&a)
		delta := new(secp256k1.ModNScalar).NegateVal(&bb).Add(&a).Mul(new(secp256k1.ModNScalar).InverseValNonConst(&ch))
		delta.Add(&c.shares[1]) // D' = (x_1 + (a−b)/c)·R
		return Share{D: mulPoint(delta, e.Ephemeral).SerializeCompressed(), Proof: appendProof(ch, *z)}
	}

	for name, corrupt := range corruptions {
		t.Run(name, func(t *testing.T) {
			cands := c.candidates(t, e.Ephemeral)
			cands[1].Share = corrupt(cands[1].Share)
			require.Error(t, VerifyShare(cands[1].PublicShare, e.Ephemeral, cands[1].Share))

			xR, bad, err := Combine(e.Ephemeral, c.threshold, cands)
			require.NoError(t, err)
			require.Len(t, bad, 1)
			require.Equal(t, c.names[1], bad[0].Validator)
			require.Error(t, bad[0].Err)
			require.True(t, xR.IsEqual(want))
			got, err := Decrypt(c.root, id, e, xR)
			require.NoError(t, err)
			require.Equal(t, []byte("pt"), got)

			// A second bad share leaves 2 valid of 3 needed.
			cands[3].Share = otherShare
			_, bad, err = Combine(e.Ephemeral, c.threshold, cands)
			require.ErrorIs(t, err, ErrNotEnoughShares)
			require.Equal(t, []string{c.names[1], c.names[3]}, []string{bad[0].Validator, bad[1].Validator})
			require.ErrorIs(t, bad[1].Err, ErrInvalidProof)
		})
	}
}

// 4. VerifyEphemeral accepts the encryptor's proof and nothing else.
func TestVerifyEphemeral(t *testing.T) {
	root := pubOf(new(secp256k1.ModNScalar).SetInt(7))
	idA, idB := testID(t, "A"), testID(t, "B")
	a, err := Encrypt(rand.Reader, root, idA, []byte("a"))
	require.NoError(t, err)
	b, err := Encrypt(rand.Reader, root, idB, []byte("b"))
	require.NoError(t, err)
	require.NoError(t, VerifyEphemeral(a.Ephemeral, a.Proof, idA))
	require.NoError(t, VerifyEphemeral(b.Ephemeral, b.Proof, idB))

	require.ErrorIs(t, VerifyEphemeral(a.Ephemeral, a.Proof, idB), ErrInvalidProof, "another id")
	require.ErrorIs(t, VerifyEphemeral(b.Ephemeral, a.Proof, idA), ErrInvalidProof, "another R")

	n := secp256k1.Params().N
	overN := make([]byte, 32)
	new(big.Int).Add(n, big.NewInt(1)).FillBytes(overN)
	zeroC := append(make([]byte, 32), a.Proof[32:]...)
	uncompressed := func() []byte { p, _ := parsePoint(a.Ephemeral); return p.SerializeUncompressed() }()
	offCurve := append([]byte{0x02}, bytes.Repeat([]byte{0}, 31)...) // x = 0: no y²=7
	offCurve = append(offCurve, 0x05)
	fieldP := secp256k1.Params().P.Bytes()

	bad := []struct {
		name       string
		eph, proof []byte
	}{
		{"nil", nil, nil},
		{"empty R", []byte{}, a.Proof},
		{"infinity 0x00", []byte{0}, a.Proof},
		{"infinity 33 zero bytes", make([]byte, 33), a.Proof},
		{"short R", a.Ephemeral[:32], a.Proof},
		{"long R", append(bytes.Clone(a.Ephemeral), 0), a.Proof},
		{"uncompressed R", uncompressed, a.Proof},
		{"bad prefix", append([]byte{0x04}, a.Ephemeral[1:]...), a.Proof},
		{"x not on curve", offCurve, a.Proof},
		{"x = p", append([]byte{0x02}, fieldP...), a.Proof},
		{"short proof", a.Ephemeral, a.Proof[:63]},
		{"long proof", a.Ephemeral, append(bytes.Clone(a.Proof), 0)},
		{"zero proof", a.Ephemeral, make([]byte, 64)},
		{"zero c", a.Ephemeral, zeroC},
		{"c = n+1", a.Ephemeral, append(bytes.Clone(overN), a.Proof[32:]...)},
		{"z = n+1", a.Ephemeral, append(bytes.Clone(a.Proof[:32]), overN...)},
		{"all 0xff", bytes.Repeat([]byte{0xff}, 33), bytes.Repeat([]byte{0xff}, 64)},
	}
	for _, tc := range bad {
		require.NotPanics(t, func() {
			require.Error(t, VerifyEphemeral(tc.eph, tc.proof, idA), tc.name)
		}, tc.name)
	}
	// z + n is the same scalar mod n but a second encoding: refused.
	zPlusN := new(big.Int).Add(new(big.Int).SetBytes(a.Proof[32:]), n)
	if zPlusN.BitLen() <= 256 {
		alt := append(bytes.Clone(a.Proof[:32]), zPlusN.FillBytes(make([]byte, 32))...)
		require.ErrorIs(t, VerifyEphemeral(a.Ephemeral, alt, idA), ErrInvalidProof)
	}
}

// 5. The substitution attack: a requester entitled to A (id_A) submits B's R
// under id_A. Without r_B no proof for (R_B, id_A) verifies, though x·R_B,
// if served, would decrypt B — which is why the chain checks the proof.
func TestSubstitutionAttack(t *testing.T) {
	c := newCommittee(t, 3, 1, 3)
	idA, idB := testID(t, "A"), testID(t, "B")
	a, err := Encrypt(rand.Reader, c.root, idA, []byte("A's data"))
	require.NoError(t, err)
	b, err := Encrypt(rand.Reader, c.root, idB, []byte("B's data"))
	require.NoError(t, err)

	// What the attacker has: A's proof, B's proof, any r it likes.
	require.Error(t, VerifyEphemeral(b.Ephemeral, a.Proof, idA))
	require.Error(t, VerifyEphemeral(b.Ephemeral, b.Proof, idA))
	for range 8 {
		guess := mustScalar(t)
		forged, err := proveEphemeral(rand.Reader, &guess, b.Ephemeral, idA)
		require.NoError(t, err)
		require.ErrorIs(t, VerifyEphemeral(b.Ephemeral, forged, idA), ErrInvalidProof)
	}

	// Why it matters: x·R_B does not depend on the id, so were it served for
	// A's request it would open B.
	xRB, _, err := Combine(b.Ephemeral, c.threshold, c.candidates(t, b.Ephemeral))
	require.NoError(t, err)
	got, err := Decrypt(c.root, idB, b, xRB)
	require.NoError(t, err)
	require.Equal(t, []byte("B's data"), got)
}

// 6. Decrypt fails with ErrDecrypt for a wrong root, id, x·R or any tampering.
func TestDecryptFailures(t *testing.T) {
	c := newCommittee(t, 3, 1, 3)
	id := testID(t, "dec")
	e, err := Encrypt(rand.Reader, c.root, id, []byte("payload"))
	require.NoError(t, err)
	xR := mulPoint(&c.x, e.Ephemeral)
	got, err := Decrypt(c.root, id, e, xR)
	require.NoError(t, err)
	require.Equal(t, []byte("payload"), got)

	otherRoot := pubOf(new(secp256k1.ModNScalar).SetInt(12345))
	_, err = Decrypt(otherRoot, id, e, xR)
	require.ErrorIs(t, err, ErrDecrypt)
	_, err = Decrypt(c.root, testID(t, "other"), e, xR)
	require.ErrorIs(t, err, ErrDecrypt)
	_, err = Decrypt(c.root, id, e, otherRoot)
	require.ErrorIs(t, err, ErrDecrypt)

	tamper := func(f func(*Encrypted)) *Encrypted {
		t2 := &Encrypted{bytes.Clone(e.Ephemeral), bytes.Clone(e.Proof), bytes.Clone(e.Nonce), bytes.Clone(e.Ciphertext)}
		f(t2)
		return t2
	}
	for name, bad := range map[string]*Encrypted{
		"ciphertext byte": tamper(func(x *Encrypted) { x.Ciphertext[0] ^= 1 }),
		"tag byte":        tamper(func(x *Encrypted) { x.Ciphertext[len(x.Ciphertext)-1] ^= 1 }),
		"truncated":       tamper(func(x *Encrypted) { x.Ciphertext = x.Ciphertext[:len(x.Ciphertext)-1] }),
		"empty":           tamper(func(x *Encrypted) { x.Ciphertext = nil }),
		"nonce":           tamper(func(x *Encrypted) { x.Nonce[0] ^= 1 }),
		"other R":         tamper(func(x *Encrypted) { x.Ephemeral = otherRoot.SerializeCompressed() }),
	} {
		_, err := Decrypt(c.root, id, bad, xR)
		require.ErrorIs(t, err, ErrDecrypt, name)
	}
	_, err = Decrypt(c.root, id, tamper(func(x *Encrypted) { x.Nonce = x.Nonce[:11] }), xR)
	require.ErrorIs(t, err, ErrInvalidInput)
	_, err = Decrypt(c.root, id, tamper(func(x *Encrypted) { x.Ephemeral = x.Ephemeral[:5] }), xR)
	require.ErrorIs(t, err, ErrInvalidPoint)
	_, err = Decrypt(nil, id, e, xR)
	require.ErrorIs(t, err, ErrInvalidInput)
}

// 7. A sealed share opens only with the requester's key and the same info.
func TestSealOpen(t *testing.T) {
	c := newCommittee(t, 3, 1, 3)
	e, err := Encrypt(rand.Reader, c.root, testID(t, "seal"), nil)
	require.NoError(t, err)
	s := c.candidates(t, e.Ephemeral)[0].Share
	requester, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	mallory, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	info := ShareInfo(9, "val0")
	require.Equal(t, "litd/enc/v1/share|9|val0", string(info))

	sealed, err := SealShare(requester.PublicKey().Bytes(), info, s)
	require.NoError(t, err)
	got, err := OpenShare(requester, info, sealed)
	require.NoError(t, err)
	require.Equal(t, s, got)

	_, err = OpenShare(mallory, info, sealed)
	require.ErrorIs(t, err, ErrOpenShare, "wrong key")
	_, err = OpenShare(requester, ShareInfo(10, "val0"), sealed)
	require.ErrorIs(t, err, ErrOpenShare, "other request")
	_, err = OpenShare(requester, ShareInfo(9, "val1"), sealed)
	require.ErrorIs(t, err, ErrOpenShare, "other validator")
	bad := bytes.Clone(sealed)
	bad[len(bad)-1] ^= 1
	_, err = OpenShare(requester, info, bad)
	require.ErrorIs(t, err, ErrOpenShare, "tampered")
	_, err = OpenShare(requester, info, sealed[:20])
	require.ErrorIs(t, err, ErrOpenShare, "truncated")

	p256, err := ecdh.P256().GenerateKey(rand.Reader)
	require.NoError(t, err)
	_, err = OpenShare(p256, info, sealed)
	require.ErrorIs(t, err, ErrInvalidInput)
	_, err = OpenShare(nil, info, sealed)
	require.ErrorIs(t, err, ErrInvalidInput)
	_, err = SealShare(requester.PublicKey().Bytes()[:31], info, s)
	require.ErrorIs(t, err, ErrInvalidInput)
	_, err = SealShare(requester.PublicKey().Bytes(), info, Share{D: s.D})
	require.ErrorIs(t, err, ErrInvalidInput)
}

func TestShareMarshal(t *testing.T) {
	c := newCommittee(t, 1, 1, 2)
	e, err := Encrypt(rand.Reader, c.root, testID(t, "m"), nil)
	require.NoError(t, err)
	s := c.candidates(t, e.Ephemeral)[0].Share
	bz := s.Marshal()
	require.Len(t, bz, ShareSize)
	got, err := UnmarshalShare(bz)
	require.NoError(t, err)
	require.Equal(t, s, got)
	bz[0] = 0x07 // not a compressed-point prefix
	_, err = UnmarshalShare(bz)
	require.ErrorIs(t, err, ErrInvalidPoint)
	_, err = UnmarshalShare(s.Marshal()[:96])
	require.ErrorIs(t, err, ErrInvalidInput)
	_, err = UnmarshalShare(append(s.Marshal(), 0))
	require.ErrorIs(t, err, ErrInvalidInput)
}

// XCoord must equal the engine's party key keySet·2^160 + address.
func TestXCoord(t *testing.T) {
	for _, keySet := range []uint64{0, 1, 3, 1 << 40, ^uint64(0)} {
		addr := randBytes(t, 20)
		x, err := XCoord(keySet, addr)
		require.NoError(t, err)
		want := new(big.Int).Lsh(new(big.Int).SetUint64(keySet), 160)
		want.Add(want, new(big.Int).SetBytes(addr))
		b := x.Bytes()
		require.Equal(t, want, new(big.Int).SetBytes(b[:]), "key set %d", keySet)
	}
	for _, n := range []int{0, 19, 21, 32} {
		_, err := XCoord(1, make([]byte, n))
		require.ErrorIs(t, err, ErrInvalidInput)
	}
	_, err := XCoord(0, make([]byte, 20))
	require.ErrorIs(t, err, ErrInvalidInput)
}

func TestIdentity(t *testing.T) {
	dh := sha256.Sum256([]byte("d"))
	id, err := Identity([]byte("cond"), dh[:])
	require.NoError(t, err)
	// Spec: sha256(tag ‖ u32be(len) ‖ conditions ‖ dataHash).
	msg := append([]byte("litd/enc/v1/id"), binary.BigEndian.AppendUint32(nil, 4)...)
	msg = append(append(msg, "cond"...), dh[:]...)
	require.Equal(t, sha256.Sum256(msg), id)
	// Moving a byte between conditions and hash changes the id.
	id2, err := Identity([]byte("con"), append([]byte("d"), dh[:31]...))
	require.NoError(t, err)
	require.NotEqual(t, id, id2)
	for _, n := range []int{0, 31, 33} {
		_, err := Identity(nil, make([]byte, n))
		require.ErrorIs(t, err, ErrInvalidInput)
	}
	_, err = IdentityKey(nil, id)
	require.ErrorIs(t, err, ErrInvalidInput)
}

// The guard IdentityKey and Combine rely on: G + (−G) is refused. (A root
// with root + h·G = ∞ cannot be built: h depends on root through a hash.)
func TestToPublicKeyRefusesInfinity(t *testing.T) {
	var g, negG, sum secp256k1.JacobianPoint
	one := new(secp256k1.ModNScalar).SetInt(1)
	secp256k1.ScalarBaseMultNonConst(one, &g)
	secp256k1.ScalarBaseMultNonConst(new(secp256k1.ModNScalar).NegateVal(one), &negG)
	secp256k1.AddNonConst(&g, &negG, &sum)
	_, err := toPublicKey(&sum)
	require.ErrorIs(t, err, ErrInvalidPoint)
}

// Combine with R = G recovers x·G = root: Σλ_i·x_i = x in the exponent.
func TestCombineRecoversRoot(t *testing.T) {
	c := newCommittee(t, 5, 3, 7)
	g := pubOf(new(secp256k1.ModNScalar).SetInt(1)).SerializeCompressed()
	cands := c.candidates(t, g)
	got, bad, err := Combine(g, c.threshold, cands[2:6])
	require.NoError(t, err)
	require.Empty(t, bad)
	require.True(t, got.IsEqual(c.root))
}

func TestComputeShareInputs(t *testing.T) {
	x := mustScalar(t)
	_, err := ComputeShare(rand.Reader, nil, pubOf(&x).SerializeCompressed())
	require.ErrorIs(t, err, ErrInvalidInput)
	_, err = ComputeShare(rand.Reader, new(secp256k1.ModNScalar), pubOf(&x).SerializeCompressed())
	require.ErrorIs(t, err, ErrInvalidInput)
	_, err = ComputeShare(rand.Reader, &x, make([]byte, 33))
	require.ErrorIs(t, err, ErrInvalidPoint)
	// A reader that never yields a valid scalar fails instead of looping.
	_, err = ComputeShare(bytes.NewReader(bytes.Repeat([]byte{0xff}, 32*maxDraws)), &x, pubOf(&x).SerializeCompressed())
	require.Error(t, err)
	_, err = ComputeShare(bytes.NewReader(nil), &x, pubOf(&x).SerializeCompressed())
	require.Error(t, err)
}
