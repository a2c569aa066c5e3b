package tdh

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/hex"
	"math/big"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/stretchr/testify/require"
)

// x25519LowOrder are the Curve25519 points of small order as 32-byte
// little-endian X25519 public keys (libsodium's blocklist: 0, 1, the two of
// order 8, p-1, p, p+1), each also with the high bit set (RFC 7748 masks it).
func x25519LowOrder() [][]byte {
	var out [][]byte
	for _, h := range []string{
		"0000000000000000000000000000000000000000000000000000000000000000",
		"0100000000000000000000000000000000000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
		"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
		"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	} {
		le, err := hex.DecodeString(h)
		if err != nil {
			panic(err)
		}
		out = append(out, le)
		hi := append([]byte(nil), le...)
		hi[31] |= 0x80
		out = append(out, hi)
	}
	return out
}

// Why the chain refuses low-order requester keys (x/tss/keeper TestRedteamLowOrderRequesterKey...): HPKE
// sealing to any small-order X25519 key fails, so an engine asked to seal a
// decryption share to one sends nothing. The chain (RequestDecryption)
// refuses only the all-zero key, i.e. 1 of these 14 encodings.
func TestRedteamSealShareFailsForLowOrderRecipients(t *testing.T) {
	xi := mustScalar(t)
	R := pubOf(ptrScalar(mustScalar(t))).SerializeCompressed()
	s, err := ComputeShare(rand.Reader, &xi, R)
	require.NoError(t, err)
	for _, k := range x25519LowOrder() {
		_, err := ecdh.X25519().NewPublicKey(k)
		require.NoError(t, err, "crypto/ecdh parses %x as a public key", k)
		_, err = SealShare(k, ShareInfo(1, "v"), s)
		require.Error(t, err, "sealing to low-order %x", k)
	}
	// A check the chain could run (deterministic, no randomness): X25519
	// with a fixed scalar refuses exactly the small-order points.
	fixed, err := ecdh.X25519().NewPrivateKey(make([]byte, 32))
	require.NoError(t, err)
	for _, k := range x25519LowOrder() {
		pub, _ := ecdh.X25519().NewPublicKey(k)
		_, err := fixed.ECDH(pub)
		require.Error(t, err)
	}
}

func ptrScalar(s secp256k1.ModNScalar) *secp256k1.ModNScalar { return &s }

// HELD: a compressed point whose x is given as x+p (x ≥ p, same point) is
// refused, so R and D have one encoding; so are proofs with c or z ≥ n.
func TestRedteamNonCanonicalEncodingsRefused(t *testing.T) {
	id := testID(t, "nc")
	root := pubOf(ptrScalar(mustScalar(t)))
	var e *Encrypted
	var xPlusP []byte
	pField := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(0x1000003d1))
	for range 2000 { // find an R whose x < 2^256 - p so x+p fits in 32 bytes
		var err error
		e, err = Encrypt(rand.Reader, root, id, []byte("m"))
		require.NoError(t, err)
		x := new(big.Int).SetBytes(e.Ephemeral[1:])
		if x.BitLen() <= 32 {
			xPlusP = append([]byte{e.Ephemeral[0]}, new(big.Int).Add(x, pField).FillBytes(make([]byte, 32))...)
			break
		}
	}
	if xPlusP == nil {
		// x < 2^32 happens with probability 2^-224; build one by hand instead.
		for x := int64(1); ; x++ {
			enc := append([]byte{2}, big.NewInt(x).FillBytes(make([]byte, 32))...)
			if _, err := parsePoint(enc); err == nil {
				xPlusP = append([]byte{2}, new(big.Int).Add(big.NewInt(x), pField).FillBytes(make([]byte, 32))...)
				break
			}
		}
	}
	_, err := parsePoint(xPlusP)
	require.ErrorIs(t, err, ErrInvalidPoint, "x+p encoding of a valid point")

	e, err = Encrypt(rand.Reader, root, id, []byte("m"))
	require.NoError(t, err)
	require.NoError(t, VerifyEphemeral(e.Ephemeral, e.Proof, id))
	n := secp256k1.Params().N
	for _, off := range []int{0, 32} {
		bad := append([]byte(nil), e.Proof...)
		v := new(big.Int).Add(new(big.Int).SetBytes(bad[off:off+32]), n)
		if v.BitLen() > 256 {
			continue
		}
		v.FillBytes(bad[off : off+32])
		require.ErrorIs(t, VerifyEphemeral(e.Ephemeral, bad, id), ErrInvalidProof, "scalar+n at %d", off)
	}
	// Another identity, or a related ephemeral R+G, cannot reuse the proof.
	require.ErrorIs(t, VerifyEphemeral(e.Ephemeral, e.Proof, testID(t, "other")), ErrInvalidProof)
	R, err := parsePoint(e.Ephemeral)
	require.NoError(t, err)
	var RJ, G, sum secp256k1.JacobianPoint
	R.AsJacobian(&RJ)
	secp256k1.ScalarBaseMultNonConst(new(secp256k1.ModNScalar).SetInt(1), &G)
	secp256k1.AddNonConst(&RJ, &G, &sum)
	require.ErrorIs(t, VerifyEphemeral(compress(&sum), e.Proof, id), ErrInvalidProof)
}
