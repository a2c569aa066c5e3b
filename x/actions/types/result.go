package types

import (
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
