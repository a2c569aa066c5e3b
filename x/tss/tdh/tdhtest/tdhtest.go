// Package tdhtest holds the deterministic randomness of the x/tss/tdh test
// vectors, so every implementation checked against them (Go packages, the
// TypeScript client) draws the same bytes.
package tdhtest

import (
	"crypto/sha256"
	"encoding/binary"
)

// DetReader is the stream sha256(seed ‖ uint64_be(0)) ‖ sha256(seed ‖
// uint64_be(1)) ‖ …; never use it outside tests.
type DetReader struct {
	seed []byte
	ctr  uint64
	buf  []byte
}

// NewDetReader starts the stream of seed.
func NewDetReader(seed string) *DetReader { return &DetReader{seed: []byte(seed)} }

func (d *DetReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(d.buf) == 0 {
			h := sha256.Sum256(binary.BigEndian.AppendUint64(append([]byte(nil), d.seed...), d.ctr))
			d.ctr++
			d.buf = h[:]
		}
		c := copy(p[n:], d.buf)
		d.buf, n = d.buf[c:], n+c
	}
	return n, nil
}
