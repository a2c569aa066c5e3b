package types

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
)

// ResultDigest is sha256 of the result's protobuf encoding, which is
// deterministic (ordered fields, no maps): what validators vote on.
func ResultDigest(r *Result) (string, error) {
	bz, err := r.Marshal()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(bz)
	return "0x" + hex.EncodeToString(sum[:]), nil
}

// FetchDigest identifies one transcript entry (request and what was seen).
func FetchDigest(f *Fetch) (string, error) {
	bz, err := f.Marshal()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(bz)
	return string(sum[:]), nil
}

// SameFetches tells whether two transcripts are entry for entry the same
// bytes: a live run whose transcript is the attested one is what the final
// run against it repeats.
func SameFetches(a, b []Fetch) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, errX := a[i].Marshal()
		y, errY := b[i].Marshal()
		if errX != nil || errY != nil || !bytes.Equal(x, y) {
			return false
		}
	}
	return true
}
