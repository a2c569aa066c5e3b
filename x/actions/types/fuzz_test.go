package types_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"math/bits"
	"strings"
	"testing"

	"github.com/cosmos/btcutil/base58"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/litprotocol/litd/x/actions/types"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
)

// Fuzz targets for the IPFS CID computation and the module parameters. The
// seeds below are also committed under testdata/fuzz/<FuzzName>/.
//
//	go test -run '^$' -fuzz '^FuzzCID$' -fuzztime 60s ./x/actions/types

const (
	fuzzChunk   = 262144  // the fixed chunker size CID uses
	fuzzMaxData = 1 << 20 // CID must never panic up to here
)

// fuzzLeafCID is an independent encoding of a single-chunk file: the dag-pb
// node {Data: UnixFS{Type: File, Data: data, filesize: len(data)}}.
func fuzzLeafCID(data []byte) string {
	var unixfs []byte
	unixfs = protowire.AppendTag(unixfs, 1, protowire.VarintType)
	unixfs = protowire.AppendVarint(unixfs, 2) // File
	if len(data) > 0 {
		unixfs = protowire.AppendTag(unixfs, 2, protowire.BytesType)
		unixfs = protowire.AppendBytes(unixfs, data)
	}
	unixfs = protowire.AppendTag(unixfs, 3, protowire.VarintType)
	unixfs = protowire.AppendVarint(unixfs, uint64(len(data)))
	var node []byte
	node = protowire.AppendTag(node, 1, protowire.BytesType)
	node = protowire.AppendBytes(node, unixfs)
	sum := sha256.Sum256(node)
	return base58.Encode(append([]byte{0x12, 0x20}, sum[:]...))
}

type fuzzCIDSeed struct {
	data  []byte
	extra uint32 // the content is data repeated to len(data)+extra%(1 MiB+1) bytes, at most 1 MiB
}

// fuzzMod251 is one period of the "mod251" generator of testdata/cid_vectors.json
// (byte i = i*7 mod 251): repeated, it gives that generator's content.
func fuzzMod251() []byte {
	b := make([]byte, 251)
	for i := range b {
		b[i] = byte(i * 7 % 251)
	}
	return b
}

func fuzzCIDSeeds() []fuzzCIDSeed {
	return []fuzzCIDSeed{
		{[]byte{}, 0},                       // empty file
		{[]byte("hello world\n"), 0},        // one short leaf
		{[]byte("héllo wörld — 你好 🌍\n"), 0}, // UTF-8
		{fuzzMod251(), fuzzChunk - 1 - 251}, // one byte short of a chunk
		{fuzzMod251(), fuzzChunk - 251},     // exactly one chunk
		{fuzzMod251(), fuzzChunk + 1 - 251}, // a chunk and one byte: two leaves
		{[]byte("a"), 300000 - 1},           // 300000 × 'a'
		{fuzzMod251(), fuzzMaxData - 251},   // 1 MiB: four leaves
		{[]byte{0}, 3*fuzzChunk - 1},        // three chunks of zeros
	}
}

// fuzzContent builds the CID input of a seed.
func fuzzContent(data []byte, extra uint32) []byte {
	n := len(data) + int(extra%(fuzzMaxData+1))
	if n > fuzzMaxData {
		n = max(len(data), fuzzMaxData)
	}
	if len(data) == 0 || n == len(data) {
		return data
	}
	out := make([]byte, n)
	for i := 0; i < n; i += len(data) {
		copy(out[i:], data)
	}
	return out
}

func FuzzCID(f *testing.F) {
	for _, s := range fuzzCIDSeeds() {
		f.Add(s.data, s.extra)
	}
	f.Fuzz(func(t *testing.T, data []byte, extra uint32) {
		content := fuzzContent(data, extra)
		cid := types.CID(content)
		// Shape: a CIDv0, accepted by x/pkp.
		if len(cid) != 46 || !strings.HasPrefix(cid, "Qm") {
			t.Fatalf("CID of %d bytes is %q", len(content), cid)
		}
		if err := pkptypes.ValidateCID(cid); err != nil {
			t.Fatalf("CID %q of %d bytes rejected by x/pkp: %v", cid, len(content), err)
		}
		// Deterministic and a function of the content only.
		if again := types.CID(bytes.Clone(content)); again != cid {
			t.Fatalf("CID of the same %d bytes: %q then %q", len(content), cid, again)
		}
		// A single leaf matches an independent encoding.
		if len(content) <= fuzzChunk {
			if want := fuzzLeafCID(content); cid != want {
				t.Fatalf("CID of %d bytes is %q, want %q", len(content), cid, want)
			}
		}
		if len(content) == 0 {
			return
		}
		// Every byte counts, the last one (in the last chunk) included.
		flipped := bytes.Clone(content)
		flipped[len(flipped)-1] ^= 1
		if types.CID(flipped) == cid {
			t.Fatalf("flipping the last of %d bytes leaves the CID unchanged", len(content))
		}
		// So does the length across a chunk boundary.
		if len(content)%fuzzChunk == 0 && len(content) < fuzzMaxData {
			if types.CID(append(bytes.Clone(content), content[0])) == cid {
				t.Fatalf("one byte past %d bytes leaves the CID unchanged", len(content))
			}
		}
	})
}

type fuzzParamsSeed struct {
	maxCode, maxJSParams, maxResponse uint64
	maxFetches                        uint32
	maxFetchBody                      uint64
	maxSignatures                     uint32
	timeoutMs, maxHeap                uint64
	maxCallStack                      uint32
	maxLog, executionTimeoutBlocks    uint64
}

func fuzzParamsSeeds() []fuzzParamsSeed {
	d := types.DefaultParams()
	seed := func(change func(p *types.Params)) fuzzParamsSeed {
		p := d
		change(&p)
		return fuzzParamsSeed{p.MaxCodeBytes, p.MaxJsParamsBytes, p.MaxResponseBytes, p.MaxFetches, p.MaxFetchBodyBytes,
			p.MaxSignatures, p.TimeoutMs, p.MaxHeapBytes, p.MaxCallStack, p.MaxLogBytes, p.ExecutionTimeoutBlocks}
	}
	return []fuzzParamsSeed{
		seed(func(*types.Params) {}), // the defaults
		seed(func(p *types.Params) { // every bound at its edge
			p.MaxCodeBytes, p.MaxJsParamsBytes, p.MaxResponseBytes, p.MaxFetches = 1<<20, 64<<10, 256<<10, 1
			p.MaxFetchBodyBytes, p.MaxSignatures, p.TimeoutMs, p.MaxHeapBytes = 235<<10, 16, 60_000, 32<<20
			p.MaxCallStack, p.MaxLogBytes, p.ExecutionTimeoutBlocks = 10, 160<<10, 10
		}),
		seed(func(p *types.Params) { p.MaxCodeBytes = 0 }),
		seed(func(p *types.Params) { p.MaxJsParamsBytes = 64<<10 + 1 }),
		seed(func(p *types.Params) { p.MaxFetches, p.MaxFetchBodyBytes = 64, 16<<10+1 }), // over one vote extension
		seed(func(p *types.Params) { p.MaxFetches, p.MaxFetchBodyBytes = 8, 25<<10+1 }),  // 8 bytes over
		seed(func(p *types.Params) { p.MaxFetches, p.MaxFetchBodyBytes = 1, 236<<10 }),
		seed(func(p *types.Params) { p.MaxHeapBytes = 4<<30 + 1 }),
		seed(func(p *types.Params) { p.MaxResponseBytes, p.MaxLogBytes = 256<<10, 160<<10+1 }), // result over an extension
		seed(func(p *types.Params) { p.MaxFetches = 65 }),
		seed(func(p *types.Params) { p.MaxFetchBodyBytes = ^uint64(0) }),
		seed(func(p *types.Params) { p.TimeoutMs = 99 }),
		seed(func(p *types.Params) { p.MaxHeapBytes = 32<<20 - 1 }),
		seed(func(p *types.Params) { p.ExecutionTimeoutBlocks = 9 }),
		seed(func(p *types.Params) { p.ExecutionTimeoutBlocks = 1_000_001 }),
		seed(func(p *types.Params) { p.ExecutionTimeoutBlocks = 1 << 63 }),
		seed(func(p *types.Params) { *p = types.Params{} }),
	}
}

// fuzzParamsValid restates the documented bounds of Params.Validate (the fees, caps and retention
// keep their defaults here; keeper tests cover them).
func fuzzParamsValid(p types.Params) bool {
	fits := func() bool { // one execution's fetch report fits the actions half of a vote extension
		hi, lo := bits.Mul64(uint64(p.MaxFetches), 2*p.MaxFetchBodyBytes+10<<10)
		return hi == 0 && lo <= 480<<10
	}
	return p.MaxCodeBytes >= 1 && p.MaxCodeBytes <= 1<<20 &&
		p.MaxJsParamsBytes >= 1 && p.MaxJsParamsBytes <= 64<<10 &&
		p.MaxResponseBytes >= 1 && p.MaxResponseBytes <= 256<<10 && p.MaxLogBytes >= 1 && p.MaxLogBytes <= 256<<10 &&
		p.MaxResponseBytes+p.MaxLogBytes+64<<10 <= 480<<10 &&
		p.MaxFetches >= 1 && p.MaxFetches <= 64 && p.MaxFetchBodyBytes >= 1 && p.MaxFetchBodyBytes <= 256<<10 && fits() &&
		p.MaxSignatures >= 1 && p.MaxSignatures <= 16 &&
		p.TimeoutMs >= 100 && p.TimeoutMs <= 60_000 &&
		p.MaxHeapBytes >= 32<<20 && p.MaxHeapBytes <= 4<<30 && p.MaxCallStack >= 10 &&
		p.ExecutionTimeoutBlocks >= 10 && p.ExecutionTimeoutBlocks <= 1_000_000
}

func FuzzParamsValidate(f *testing.F) {
	for _, s := range fuzzParamsSeeds() {
		f.Add(s.maxCode, s.maxJSParams, s.maxResponse, s.maxFetches, s.maxFetchBody, s.maxSignatures,
			s.timeoutMs, s.maxHeap, s.maxCallStack, s.maxLog, s.executionTimeoutBlocks)
	}
	f.Fuzz(func(t *testing.T, maxCode, maxJSParams, maxResponse uint64, maxFetches uint32, maxFetchBody uint64,
		maxSignatures uint32, timeoutMs, maxHeap uint64, maxCallStack uint32, maxLog, executionTimeoutBlocks uint64,
	) {
		p := types.DefaultParams()
		p.MaxCodeBytes, p.MaxJsParamsBytes, p.MaxResponseBytes, p.MaxFetches = maxCode, maxJSParams, maxResponse, maxFetches
		p.MaxFetchBodyBytes, p.MaxSignatures, p.TimeoutMs, p.MaxHeapBytes = maxFetchBody, maxSignatures, timeoutMs, maxHeap
		p.MaxCallStack, p.MaxLogBytes, p.ExecutionTimeoutBlocks = maxCallStack, maxLog, executionTimeoutBlocks
		err := p.Validate()
		if want := fuzzParamsValid(p); want != (err == nil) {
			t.Fatalf("%+v: documented bounds say valid=%v, Validate says %v", p, want, err)
		}
		if err != nil && !errors.Is(err, types.ErrInvalidParams) {
			t.Fatalf("%+v: error %v is not ErrInvalidParams", p, err)
		}
		if err == nil {
			// Accepted params survive their own encoding.
			bz, merr := p.Marshal()
			var q types.Params
			uerr := q.Unmarshal(bz)
			bz2, _ := q.Marshal()
			if merr != nil || uerr != nil || !bytes.Equal(bz, bz2) || q.Validate() != nil {
				t.Fatalf("%+v does not round-trip: %v", p, merr)
			}
		}
	})
}
