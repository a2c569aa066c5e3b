package tdh

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/litprotocol/litd/x/tss/tdh/tdhtest"
)

// 9. Decoding and verifying attacker-supplied bytes never panics.

func FuzzUnmarshalShare(f *testing.F) {
	c := newCommittee(f, 1, 1, 2)
	e, err := Encrypt(rand.Reader, c.root, testID(f, "fuzz"), nil)
	if err != nil {
		f.Fatal(err)
	}
	valid := c.candidates(f, e.Ephemeral)[0].Share.Marshal()
	f.Add(valid)
	f.Add(valid[:96])
	f.Add(append(bytes.Clone(valid), 0))
	f.Add(make([]byte, ShareSize))
	f.Add(bytes.Repeat([]byte{0xff}, ShareSize))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, bz []byte) {
		s, err := UnmarshalShare(bz)
		if err != nil {
			return
		}
		if !bytes.Equal(s.Marshal(), bz) {
			t.Fatalf("round trip: %x != %x", s.Marshal(), bz)
		}
		_ = VerifyShare(c.pubShares[0], e.Ephemeral, s)
	})
}

func FuzzVerifyEphemeral(f *testing.F) {
	root := pubOf(new(secp256k1.ModNScalar).SetInt(7))
	id := testID(f, "fuzz")
	// Deterministic: fuzz workers are separate processes that rerun this setup.
	e, err := Encrypt(tdhtest.NewDetReader("fuzz"), root, id, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(e.Ephemeral, e.Proof, id[:])
	f.Add(e.Ephemeral, e.Proof, make([]byte, 32))
	f.Add(make([]byte, 33), make([]byte, 64), id[:])
	f.Add([]byte{0}, []byte{}, []byte{})
	f.Add(bytes.Repeat([]byte{0xff}, 33), bytes.Repeat([]byte{0xff}, 64), id[:])
	f.Fuzz(func(t *testing.T, eph, proof, idBytes []byte) {
		var fid [32]byte
		copy(fid[:], idBytes)
		err := VerifyEphemeral(eph, proof, fid)
		if err == nil && (!bytes.Equal(eph, e.Ephemeral) || !bytes.Equal(proof, e.Proof) || fid != id) {
			// Not impossible in principle (a new valid proof), but the
			// fuzzer cannot produce one without r: treat as a bug.
			t.Fatalf("accepted a proof that was not made by the encryptor")
		}
	})
}
