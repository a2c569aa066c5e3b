// gen_vectors.mjs regenerates cid_vectors.json, the reference CIDv0 vectors
// checked by x/actions/types/cid_test.go.
//
// The reference implementation is the npm package ipfs-only-hash@4.0.0 (the
// one Lit's SDK uses; it wraps ipfs-unixfs-importer 7.x with its defaults:
// fixed 262144-byte chunker, balanced layout, 174 links per node, dag-pb
// leaves, CIDv0). Install it in a temporary directory OUTSIDE the repository
// and run this script from that directory (the package is resolved from the
// current working directory):
//
//   cd "$(mktemp -d)"
//   npm init -y >/dev/null
//   npm i ipfs-only-hash@4.0.0
//   node /path/to/litd/x/actions/types/testdata/gen_vectors.mjs \
//     > /path/to/litd/x/actions/types/testdata/cid_vectors.json
//
// Inputs are generated deterministically; the Go test rebuilds each input
// with the same generator (see "generators" in the output):
//   text    the UTF-8 encoding of the vector's "text" field
//   mod251  `length` bytes, byte i = (i*7) mod 251
//   repeat  `length` copies of the single byte in the vector's "byte" field

import { createRequire } from 'node:module'
import path from 'node:path'

const require = createRequire(path.join(process.cwd(), 'noop.js'))
const Hash = require('ipfs-only-hash')
const version = require('ipfs-only-hash/package.json').version

const CHUNK = 262144

function mod251 (n) {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = (i * 7) % 251
  return b
}

function repeat (byte, n) {
  return new Uint8Array(n).fill(byte)
}

const specs = [
  { name: 'empty', generator: 'text', text: '' },
  { name: 'hello_ascii', generator: 'text', text: 'hello world\n' },
  { name: 'utf8_multibyte', generator: 'text', text: 'héllo wörld — 你好 🌍\n' },
  { name: 'one_byte', generator: 'mod251', length: 1 },
  { name: 'chunk_minus_1', generator: 'mod251', length: CHUNK - 1 },
  { name: 'exact_chunk', generator: 'mod251', length: CHUNK },
  { name: 'chunk_plus_1', generator: 'mod251', length: CHUNK + 1 },
  { name: 'a_300000', generator: 'repeat', byte: 0x61, length: 300000 },
  { name: 'one_mib', generator: 'mod251', length: 1048576 },
  { name: 'exact_174_chunks', generator: 'mod251', length: 174 * CHUNK },
  { name: 'two_level_175_chunks_plus_7', generator: 'mod251', length: 175 * CHUNK + 7 }
]

const vectors = []
for (const s of specs) {
  let data
  switch (s.generator) {
    case 'text': data = new TextEncoder().encode(s.text); break
    case 'mod251': data = mod251(s.length); break
    case 'repeat': data = repeat(s.byte, s.length); break
    default: throw new Error(`unknown generator ${s.generator}`)
  }
  const cid = await Hash.of(data)
  const v = { name: s.name, generator: s.generator }
  if (s.text !== undefined) v.text = s.text
  if (s.byte !== undefined) v.byte = s.byte
  v.length = data.length
  v.cid = cid
  vectors.push(v)
}

const out = {
  reference: `ipfs-only-hash@${version} (npm), default options: CIDv0, fixed 262144-byte chunks, balanced layout, 174 links per node, dag-pb UnixFS leaves`,
  generators: {
    text: 'UTF-8 encoding of the "text" field',
    mod251: '"length" bytes, byte i = (i*7) mod 251',
    repeat: '"length" copies of the byte value in the "byte" field'
  },
  regenerate: 'see the header comment of gen_vectors.mjs',
  vectors
}
process.stdout.write(JSON.stringify(out, null, 2) + '\n')
