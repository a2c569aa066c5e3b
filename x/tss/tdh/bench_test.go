package tdh

import (
	"crypto/rand"
	"testing"
)

// 10. Costs of each step.

func benchSetup(b *testing.B) (*committee, *Encrypted, [32]byte) {
	c := newCommittee(b, 3, 2, 4)
	id := testID(b, "bench")
	e, err := Encrypt(rand.Reader, c.root, id, make([]byte, 1024))
	if err != nil {
		b.Fatal(err)
	}
	return c, e, id
}

func BenchmarkComputeShare(b *testing.B) {
	c, e, _ := benchSetup(b)
	for b.Loop() {
		if _, err := ComputeShare(rand.Reader, &c.shares[0], e.Ephemeral); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyShare(b *testing.B) {
	c, e, _ := benchSetup(b)
	s := c.candidates(b, e.Ephemeral)[0]
	for b.Loop() {
		if err := VerifyShare(s.PublicShare, e.Ephemeral, s.Share); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyEphemeral(b *testing.B) {
	_, e, id := benchSetup(b)
	for b.Loop() {
		if err := VerifyEphemeral(e.Ephemeral, e.Proof, id); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCombine3of4 includes verifying all four DLEQ proofs.
func BenchmarkCombine3of4(b *testing.B) {
	c, e, _ := benchSetup(b)
	cands := c.candidates(b, e.Ephemeral)
	for b.Loop() {
		if _, _, err := Combine(e.Ephemeral, 2, cands); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncrypt1KiB(b *testing.B) {
	c, _, id := benchSetup(b)
	pt := make([]byte, 1024)
	b.SetBytes(1024)
	for b.Loop() {
		if _, err := Encrypt(rand.Reader, c.root, id, pt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecrypt1KiB(b *testing.B) {
	c, e, id := benchSetup(b)
	xR := mulPoint(&c.x, e.Ephemeral)
	b.SetBytes(1024)
	for b.Loop() {
		if _, err := Decrypt(c.root, id, e, xR); err != nil {
			b.Fatal(err)
		}
	}
}
