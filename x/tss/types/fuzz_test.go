package types_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/litprotocol/litd/x/tss/types"
)

// Fuzz targets for the pure checks behind MsgSign and signature results. The
// seeds below are also committed under testdata/fuzz/<FuzzName>/.
//
//	go test -run '^$' -fuzz '^FuzzNormalizeSignature$' -fuzztime 60s ./x/tss/types

func fuzzParseDigestSeeds() []string {
	return []string{
		"0x" + strings.Repeat("ab", 32),
		"0x" + strings.Repeat("AB", 32), // upper-case hex: rejected (digests are stored lower case)
		"0X" + strings.Repeat("ab", 32), // upper-case prefix: rejected
		strings.Repeat("ab", 33),        // no prefix, right length
		"0x" + strings.Repeat("ab", 31),
		"0x" + strings.Repeat("ab", 33),
		"0x" + strings.Repeat("zz", 32),
		"0x" + strings.Repeat("a", 63) + "\u00e9"[:1],
		"",
	}
}

func FuzzParseDigest(f *testing.F) {
	for _, s := range fuzzParseDigestSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		bz, err := types.ParseDigest(s)
		// Lower case only: the stored form, so equal digests are equal strings.
		valid := len(s) == 66 && strings.HasPrefix(s, "0x") && strings.ToLower(s) == s
		if valid {
			_, herr := hex.DecodeString(s[2:])
			valid = herr == nil
		}
		if valid != (err == nil) {
			t.Fatalf("%q: valid=%v, err=%v", s, valid, err)
		}
		if err != nil {
			if bz != nil || !errors.Is(err, types.ErrInvalidDigest) {
				t.Fatalf("%q: %x, %v", s, bz, err)
			}
			return
		}
		if len(bz) != 32 || s[2:] != hex.EncodeToString(bz) {
			t.Fatalf("%q parsed to %x", s, bz)
		}
		canon := "0x" + hex.EncodeToString(bz)
		if again, err := types.ParseDigest(canon); err != nil || !bytes.Equal(again, bz) {
			t.Fatalf("canonical %q parses to %x, %v", canon, again, err)
		}
	})
}

// fuzzKey is the fixed signer; fuzzOther signs what must be rejected.
var (
	fuzzKey   = secp256k1.PrivKeyFromBytes(bytes.Repeat([]byte{0x42}, 32))
	fuzzOther = secp256k1.PrivKeyFromBytes(bytes.Repeat([]byte{0x43}, 32))
)

// Modes of FuzzNormalizeSignature. With fuzzSign the fuzzed r and s are
// replaced by a real signature of the (hashed, if not 32 bytes) digest, so
// the accepting path is exercised; the other bits vary its encoding.
const (
	fuzzSign        = 1 << iota // sign the digest with fuzzKey
	fuzzHighS                   // negate s: the high-S twin, also valid
	fuzzTrim                    // strip leading zero bytes of r and s
	fuzzWrongKey                // sign with another key: must be rejected
	fuzzSwapRS                  // pass (s, r): must be rejected (but for a 2^-128 chance)
	fuzzTruncDigest             // pass only 31 bytes of the digest: must be rejected
)

type fuzzSigSeed struct {
	digest, r, s []byte
	mode         byte
}

func fuzzSigSeeds() []fuzzSigSeed {
	d := sha256.Sum256([]byte("hello"))
	n := bytes.Repeat([]byte{0xff}, 32) // above the group order
	return []fuzzSigSeed{
		{d[:], nil, nil, fuzzSign},
		{d[:], nil, nil, fuzzSign | fuzzHighS},
		{d[:], nil, nil, fuzzSign | fuzzTrim},
		{[]byte("not 32 bytes: hashed first"), nil, nil, fuzzSign | fuzzHighS | fuzzTrim},
		{make([]byte, 32), nil, nil, fuzzSign}, // the zero digest
		{d[:], nil, nil, fuzzSign | fuzzWrongKey},
		{d[:], nil, nil, fuzzSign | fuzzSwapRS},
		{d[:], nil, nil, fuzzSign | fuzzTruncDigest},
		{d[:], []byte{1}, []byte{1}, 0},                                       // tiny r and s
		{d[:], make([]byte, 32), []byte{1}, 0},                                // r = 0
		{d[:], n, []byte{1}, 0},                                               // r >= N
		{d[:], append([]byte{0}, bytes.Repeat([]byte{1}, 32)...), n, 0},       // 33-byte r
		{d[:16], bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32), 0}, // short digest
		{nil, nil, nil, 0},
	}
}

func trimZeros(b []byte) []byte {
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

func FuzzNormalizeSignature(f *testing.F) {
	for _, s := range fuzzSigSeeds() {
		f.Add(s.digest, s.r, s.s, s.mode)
	}
	pub := fuzzKey.PubKey()
	f.Fuzz(func(t *testing.T, digest, rIn, sIn []byte, mode byte) {
		mustAccept, mustReject := false, false
		if mode&fuzzSign != 0 {
			if len(digest) != 32 {
				h := sha256.Sum256(digest)
				digest = h[:]
			}
			key := fuzzKey
			if mode&fuzzWrongKey != 0 {
				key = fuzzOther
			}
			sig := ecdsa.Sign(key, digest)
			r, s := sig.R(), sig.S()
			if mode&fuzzHighS != 0 {
				s.Negate()
			}
			rb, sb := r.Bytes(), s.Bytes()
			rIn, sIn = rb[:], sb[:]
			if mode&fuzzTrim != 0 {
				rIn, sIn = trimZeros(rIn), trimZeros(sIn)
			}
			mustAccept = mode&(fuzzWrongKey|fuzzSwapRS|fuzzTruncDigest) == 0
			mustReject = !mustAccept
			if mode&fuzzSwapRS != 0 {
				rIn, sIn = sIn, rIn
			}
			if mode&fuzzTruncDigest != 0 {
				digest = digest[:31]
			}
		}
		rOrig, sOrig, dOrig := bytes.Clone(rIn), bytes.Clone(sIn), bytes.Clone(digest)
		r, s, rec, err := types.NormalizeSignature(pub, digest, rIn, sIn)
		if !bytes.Equal(rIn, rOrig) || !bytes.Equal(sIn, sOrig) || !bytes.Equal(digest, dOrig) {
			t.Fatal("inputs modified")
		}
		if err != nil {
			if !errors.Is(err, types.ErrInvalidSignature) {
				t.Fatalf("error %v is not ErrInvalidSignature", err)
			}
			if mustAccept {
				t.Fatalf("valid signature (mode %#x) rejected: digest %x r %x s %x", mode, digest, rIn, sIn)
			}
			return
		}
		if mustReject {
			t.Fatalf("invalid signature (mode %#x) accepted: digest %x r %x s %x", mode, digest, rIn, sIn)
		}
		// Accepting ⇒ (r, s) verifies with decred's ECDSA, s is low, r is the
		// input's and s the input's or its negation, and the recovery id
		// recovers the key.
		var rs, ss, sInScalar secp256k1.ModNScalar
		if rs.SetBytes(&r) != 0 || ss.SetBytes(&s) != 0 || rs.IsZero() || ss.IsZero() {
			t.Fatalf("accepted r %x s %x out of range", r, s)
		}
		if !ecdsa.NewSignature(&rs, &ss).Verify(digest, pub) {
			t.Fatalf("accepted r %x s %x does not verify", r, s)
		}
		if ss.IsOverHalfOrder() {
			t.Fatalf("accepted s %x is high", s)
		}
		if len(digest) != 32 || !bytes.Equal(trimZeros(r[:]), trimZeros(bytes.Clone(rIn))) {
			t.Fatalf("r %x from input r %x (digest %d bytes)", r, rIn, len(digest))
		}
		sInScalar.SetByteSlice(sIn)
		if !sInScalar.Equals(&ss) && !sInScalar.Negate().Equals(&ss) {
			t.Fatalf("s %x is neither input s %x nor its negation", s, sIn)
		}
		if rec > 1 {
			t.Fatalf("recovery id %d", rec)
		}
		compact := append([]byte{27 + rec}, append(r[:], s[:]...)...)
		got, _, err := ecdsa.RecoverCompact(compact, digest)
		if err != nil || !got.IsEqual(pub) {
			t.Fatalf("recovery id %d does not recover the key: %v", rec, err)
		}
		if mode&fuzzSign != 0 {
			// The same recovery id as decred's own compact signature.
			if want := ecdsa.SignCompact(fuzzKey, digest, false)[0] - 27; want != rec {
				t.Fatalf("recovery id %d, decred says %d", rec, want)
			}
		}
		// Normalizing the output again is the identity.
		r2, s2, rec2, err := types.NormalizeSignature(pub, digest, r[:], s[:])
		if err != nil || r2 != r || s2 != s || rec2 != rec {
			t.Fatalf("normalizing again: %x %x %d %v", r2, s2, rec2, err)
		}
	})
}
