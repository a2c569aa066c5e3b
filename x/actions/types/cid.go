package types

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/cosmos/btcutil/base58"
)

// IPFS CIDv0 computation, matching `ipfs add` (kubo defaults) and the npm
// package ipfs-only-hash@4.0.0 used by Lit's SDK:
//
//   - the content is imported as a UnixFS file, split by the fixed-size
//     chunker into chunks of cidChunkSize bytes;
//   - every chunk becomes a dag-pb leaf node (no raw leaves in CIDv0) whose
//     UnixFS Data is {Type: File, Data: chunk, filesize: len(chunk)};
//   - leaves are assembled with the balanced layout, at most cidMaxLinks
//     links per node; an internal node is a dag-pb node whose links point to
//     its children and whose UnixFS Data is {Type: File, filesize: sum,
//     blocksizes: [filesize of each child]};
//   - a file of a single chunk is that one leaf node; the empty file is a
//     single leaf with no data;
//   - the CIDv0 is base58btc(multihash sha2-256 of the root node's bytes).
//
// This is a small, dependency-free encoder for exactly this case (boxo's
// importer does not build alongside tss-lib's go-log v1 in this module).
// cid_test.go checks it against vectors from ipfs-only-hash@4.0.0.

const (
	// cidChunkSize is the fixed chunker size (chunker.DefaultBlockSize).
	cidChunkSize = 262144
	// cidMaxLinks is the balanced layout's links per node
	// (helpers.DefaultLinksPerBlock).
	cidMaxLinks = 174

	unixfsTypeFile = 2

	multihashSHA256 = 0x12
	sha256Len       = 32
)

// dagNode is an encoded dag-pb node together with what its parent needs.
type dagNode struct {
	mh       []byte // multihash (sha2-256) of the encoded node
	tsize    uint64 // encoded size of the node plus the tsize of its children
	filesize uint64 // number of file bytes below this node
}

// CID returns the IPFS CIDv0 ("Qm...") that `ipfs add` (CIDv0, dag-pb leaves,
// 256 KiB fixed chunks, balanced layout of 174 links per node) gives for data.
func CID(data []byte) string {
	// Leaves: one per chunk; the empty file is a single empty leaf.
	var level []dagNode
	for off := 0; off == 0 || off < len(data); off += cidChunkSize {
		end := min(off+cidChunkSize, len(data))
		size := uint64(end - off)
		level = append(level, newDagNode(nil, encodeUnixFSFile(data[off:end], size, nil), size))
	}

	// Balanced layout: group each level into parents of up to cidMaxLinks
	// children until a single root is left. A file of one chunk is that leaf.
	for len(level) > 1 {
		parents := make([]dagNode, 0, (len(level)+cidMaxLinks-1)/cidMaxLinks)
		for i := 0; i < len(level); i += cidMaxLinks {
			parents = append(parents, newParent(level[i:min(i+cidMaxLinks, len(level))]))
		}
		level = parents
	}

	return base58.Encode(level[0].mh)
}

// newParent builds an internal node linking to children.
func newParent(children []dagNode) dagNode {
	var filesize uint64
	blocksizes := make([]uint64, len(children))
	for i, c := range children {
		blocksizes[i] = c.filesize
		filesize += c.filesize
	}
	return newDagNode(children, encodeUnixFSFile(nil, filesize, blocksizes), filesize)
}

// newDagNode encodes a dag-pb PBNode and hashes it; filesize is the number
// of file bytes the node covers.
//
//	message PBLink { optional bytes Hash = 1; optional string Name = 2; optional uint64 Tsize = 3; }
//	message PBNode { repeated PBLink Links = 2; optional bytes Data = 1; }
//
// dag-pb's canonical form writes Links (field 2) before Data (field 1). Each
// link has an empty Name, which is written (as go-merkledag and js-ipld-dag-pb
// do), followed by its Tsize.
func newDagNode(children []dagNode, unixfsData []byte, filesize uint64) dagNode {
	var buf []byte
	var tsize uint64
	for _, c := range children {
		var link []byte
		link = appendBytesField(link, 1, c.mh)
		link = appendBytesField(link, 2, nil) // Name ""
		link = appendVarintField(link, 3, c.tsize)
		buf = appendBytesField(buf, 2, link)
		tsize += c.tsize
	}
	buf = appendBytesField(buf, 1, unixfsData)

	sum := sha256.Sum256(buf)
	mh := make([]byte, 0, 2+sha256Len)
	mh = append(mh, multihashSHA256, sha256Len)
	mh = append(mh, sum[:]...)

	return dagNode{mh: mh, tsize: uint64(len(buf)) + tsize, filesize: filesize}
}

// encodeUnixFSFile encodes the UnixFS Data message of a file node:
//
//	message Data { required DataType Type = 1; optional bytes Data = 2;
//	               optional uint64 filesize = 3; repeated uint64 blocksizes = 4; }
//
// Data is omitted when empty (the empty file and internal nodes); filesize is
// always written; blocksizes are unpacked (proto2).
func encodeUnixFSFile(chunk []byte, filesize uint64, blocksizes []uint64) []byte {
	buf := make([]byte, 0, len(chunk)+16+len(blocksizes)*4)
	buf = appendVarintField(buf, 1, unixfsTypeFile)
	if len(chunk) > 0 {
		buf = appendBytesField(buf, 2, chunk)
	}
	buf = appendVarintField(buf, 3, filesize)
	for _, bs := range blocksizes {
		buf = appendVarintField(buf, 4, bs)
	}
	return buf
}

func appendVarintField(buf []byte, field int, v uint64) []byte {
	buf = binary.AppendUvarint(buf, uint64(field)<<3) // wire type 0
	return binary.AppendUvarint(buf, v)
}

func appendBytesField(buf []byte, field int, b []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(field)<<3|2) // wire type 2
	buf = binary.AppendUvarint(buf, uint64(len(b)))
	return append(buf, b...)
}
