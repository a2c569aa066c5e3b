package tdh

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/stretchr/testify/require"
)

func mustScalar(t testing.TB) secp256k1.ModNScalar {
	t.Helper()
	s, err := randScalar(rand.Reader)
	require.NoError(t, err)
	return s
}

func pubOf(s *secp256k1.ModNScalar) *secp256k1.PublicKey {
	var p secp256k1.JacobianPoint
	secp256k1.ScalarBaseMultNonConst(s, &p)
	pk, err := toPublicKey(&p)
	if err != nil {
		panic(err)
	}
	return pk
}

func mulPoint(s *secp256k1.ModNScalar, pointBytes []byte) *secp256k1.PublicKey {
	pk, err := parsePoint(pointBytes)
	if err != nil {
		panic(err)
	}
	var pj, out secp256k1.JacobianPoint
	pk.AsJacobian(&pj)
	secp256k1.ScalarMultNonConst(s, &pj, &out)
	res, err := toPublicKey(&out)
	if err != nil {
		panic(err)
	}
	return res
}

func randBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

func testID(t testing.TB, label string) [32]byte {
	t.Helper()
	dh := sha256.Sum256([]byte("data " + label))
	id, err := Identity([]byte("conditions "+label), dh[:])
	require.NoError(t, err)
	return id
}

// committee is a test key set: a secret x Shamir-shared (degree threshold)
// at XCoord(keySet, addr) x-coordinates, computed in the test.
type committee struct {
	x         secp256k1.ModNScalar
	root      *secp256k1.PublicKey
	threshold int
	names     []string
	xs        []secp256k1.ModNScalar // x-coordinates
	shares    []secp256k1.ModNScalar // x_i = f(x-coordinate)
	pubShares [][]byte               // X_i compressed
}

func newCommittee(t testing.TB, keySet uint64, threshold, n int) *committee {
	t.Helper()
	c := &committee{x: mustScalar(t), threshold: threshold}
	c.root = pubOf(&c.x)
	coeffs := []secp256k1.ModNScalar{c.x}
	for range threshold {
		coeffs = append(coeffs, mustScalar(t))
	}
	for i := range n {
		xc, err := XCoord(keySet, randBytes(t, 20))
		require.NoError(t, err)
		// Horner: f(xc) = ((a_t·xc + a_{t-1})·xc + …) + a_0
		var y secp256k1.ModNScalar
		for j := len(coeffs) - 1; j >= 0; j-- {
			y.Mul(&xc).Add(&coeffs[j])
		}
		c.names = append(c.names, fmt.Sprintf("val%d", i))
		c.xs = append(c.xs, xc)
		c.shares = append(c.shares, y)
		c.pubShares = append(c.pubShares, pubOf(&y).SerializeCompressed())
	}
	return c
}

// candidates computes every member's share of R (a ComputeShare per member).
func (c *committee) candidates(t testing.TB, ephemeral []byte) []Candidate {
	t.Helper()
	var out []Candidate
	for i := range c.names {
		s, err := ComputeShare(rand.Reader, &c.shares[i], ephemeral)
		require.NoError(t, err)
		out = append(out, Candidate{Validator: c.names[i], X: c.xs[i], PublicShare: c.pubShares[i], Share: s})
	}
	return out
}
