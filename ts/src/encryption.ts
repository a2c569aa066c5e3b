/*
 * Threshold encryption to litd's network root key (x/tss/tdh), byte for byte
 * as the Go reference: x/tss/tdh (tdh.go, share.go, doc.go) and x/pkp/types
 * (conditions.go). Known-answer vectors: x/tss/tdh/testdata/vectors.json and
 * x/pkp/types/testdata/conditions_vector.json (ts/test/encryption.test.ts).
 *
 * Anyone encrypts offline to the identity key P = root + h·G of
 * id = identity(conditions, sha256(plaintext)); decrypting needs x·R, which
 * t+1 validators provide as DLEQ-proven shares x_i·R sealed (HPKE) to the
 * requester once the chain found the requester to meet the conditions
 * (x/pkp MsgDecrypt). LitClient.decrypt runs the whole exchange.
 *
 * Primitives: @noble/curves (secp256k1, X25519), @noble/hashes (SHA-256,
 * HKDF), @noble/ciphers (AES-256-GCM), @hpke/* (RFC 9180 HPKE base mode,
 * DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305).
 */
import { fromBase64, fromBech32, fromHex, toBase64, toHex, toUtf8 } from "@cosmjs/encoding";
import { Chacha20Poly1305 } from "@hpke/chacha20poly1305";
import { CipherSuite, HkdfSha256 } from "@hpke/core";
import { DhkemX25519HkdfSha256 } from "@hpke/dhkem-x25519";
import { gcm } from "@noble/ciphers/aes.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";

import { AccessCondition, Ciphertext, CiphertextHeader, ConditionType } from "./generated/lit/pkp/v1/pkp";

// Domain-separation tags (tdh.go).
const tagID = "litd/enc/v1/id";
const tagOffset = "litd/enc/v1";
const tagAEAD = "litd/enc/v1/aead";
const tagPoK = "litd/enc/v1/pok";
const tagDLEQ = "litd/enc/v1/dleq";
const tagShare = "litd/enc/v1/share";
const tagRequest = "litd/enc/v1/request";

/** Sizes of the encodings (tdh.go). */
export const POINT_SIZE = 33;
export const PROOF_SIZE = 64;
export const NONCE_SIZE = 12;
export const SHARE_SIZE = POINT_SIZE + PROOF_SIZE;
/** The ciphertext version this client writes and reads (types.CiphertextVersion). */
export const CIPHERTEXT_VERSION = 1;
/** Bounds of a condition tree (types.MaxConditionDepth, MaxConditions). */
export const MAX_CONDITION_DEPTH = 4;
export const MAX_CONDITIONS = 16;

/**
 * A source of random bytes: n bytes per call, successive calls reading on in
 * one stream. Encryption reads, in this order (as tdh.Encrypt): r (32-byte
 * blocks until one is in [1, n)), the proof nonce k (likewise), then the
 * 12-byte AES-GCM nonce. Default: crypto.getRandomValues.
 */
export type RandomSource = (n: number) => Uint8Array;

/** AccessCondition or a partial one (missing fields are empty), as ts-proto's fromPartial takes it. */
export type AccessConditionInit = Parameters<typeof AccessCondition.fromPartial>[0];
/** CiphertextHeader or a partial one. */
export type CiphertextHeaderInit = Parameters<typeof CiphertextHeader.fromPartial>[0];

const Point = secp256k1.Point;
type Pt = InstanceType<typeof Point>;
const Fn = Point.Fn;
const N = Fn.ORDER;

function secureRandom(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

function toBigInt(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt("0x" + toHex(b));
}

function scalarBytes(s: bigint): Uint8Array {
  return fromHex(s.toString(16).padStart(64, "0"));
}

function checkLength(b: Uint8Array, n: number, what: string): void {
  if (!(b instanceof Uint8Array) || b.length !== n) {
    throw new Error(`${what} is ${b instanceof Uint8Array ? b.length : typeof b} bytes, want ${n}`);
  }
}

/** A 33-byte compressed point on the curve (not infinity, which has no such encoding). */
function parsePoint(b: Uint8Array, what: string): Pt {
  checkLength(b, POINT_SIZE, what);
  try {
    return Point.fromBytes(b);
  } catch (e) {
    throw new Error(`${what} is not a compressed secp256k1 point: ${(e as Error).message}`);
  }
}

/** sha256 of the parts, mod n (hashToScalar); 0 is the caller's to refuse. */
function hashToScalar(...parts: Uint8Array[]): bigint {
  return toBigInt(sha256(concat(...parts))) % N;
}

/** 32-byte blocks until one is in [1, n) (randScalar), at most 64 draws. */
function randScalar(random: RandomSource): bigint {
  for (let i = 0; i < 64; i++) {
    const b = random(32);
    checkLength(b, 32, "random source output");
    const s = toBigInt(b);
    if (s > 0n && s < N) return s;
  }
  throw new Error("tdh: randomness source yields no valid scalar");
}

/** c ‖ z, both below n and c ≠ 0 (parseProof). */
function parseProof(proof: Uint8Array): [bigint, bigint] {
  checkLength(proof, PROOF_SIZE, "proof");
  const c = toBigInt(proof.subarray(0, 32));
  const z = toBigInt(proof.subarray(32));
  if (c >= N || z >= N) throw new Error("proof scalar not below the group order");
  if (c === 0n) throw new Error("proof has a zero challenge");
  return [c, z];
}

/** Public-scalar multiplication (0 allowed). */
function mulPublic(p: Pt, s: bigint): Pt {
  return p.multiplyUnsafe(Fn.create(s));
}

function utf8(s: string): Uint8Array {
  return toUtf8(s);
}

// ---- identity -------------------------------------------------------------

/**
 * The identity of opaque conditions bytes and a 32-byte data hash
 * (tdh.Identity): sha256("litd/enc/v1/id" ‖ uint32_be(len) ‖ conditions ‖ dataHash).
 */
export function identityFromBytes(conditions: Uint8Array, dataHash: Uint8Array): Uint8Array {
  checkLength(dataHash, 32, "data hash");
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, conditions.length, false);
  return sha256(concat(utf8(tagID), len, conditions, dataHash));
}

/** The protobuf encoding of a condition tree, the bytes its identity hashes. */
export function encodeConditions(conditions: AccessConditionInit): Uint8Array {
  return AccessCondition.encode(AccessCondition.fromPartial(conditions ?? {})).finish();
}

/**
 * A ciphertext's 32-byte identity (types.CiphertextHeader.Identity): its
 * conditions' protobuf encoding and the plaintext's sha256.
 */
export function identity(conditions: AccessConditionInit, dataHash: Uint8Array): Uint8Array {
  return identityFromBytes(encodeConditions(conditions), dataHash);
}

/** The public scalar h = sha256(root ‖ "litd/enc/v1" ‖ id) mod n (tdh.Offset). */
export function identityOffset(root: Uint8Array, id: Uint8Array): bigint {
  parsePoint(root, "root");
  checkLength(id, 32, "identity");
  return hashToScalar(root, utf8(tagOffset), id);
}

function identityPoint(root: Uint8Array, id: Uint8Array): Pt {
  const h = identityOffset(root, id);
  const P = parsePoint(root, "root").add(mulPublic(Point.BASE, h));
  if (P.is0()) throw new Error("identity key is the point at infinity");
  return P;
}

/** The identity key P = root + h·G a ciphertext for id is encrypted to (tdh.IdentityKey), compressed. */
export function identityKey(root: Uint8Array, id: Uint8Array): Uint8Array {
  return identityPoint(root, id).toBytes(true);
}

// ---- encryption -----------------------------------------------------------

/** A ciphertext's parts as tdh.Encrypt returns them. */
export interface EncryptedParts {
  /** R = r·G, 33 bytes. */
  readonly ephemeral: Uint8Array;
  /** c ‖ z, 64 bytes: Schnorr proof of knowledge of r bound to the identity. */
  readonly proof: Uint8Array;
  readonly nonce: Uint8Array;
  /** AES-256-GCM ciphertext with its 16-byte tag appended. */
  readonly ciphertext: Uint8Array;
}

function aeadKey(S: Uint8Array, R: Uint8Array, id: Uint8Array): Uint8Array {
  return hkdf(sha256, S, undefined, concat(utf8(tagAEAD), R, id), 32);
}

/**
 * Encrypts plaintext to the identity key of (root, id), offline
 * (tdh.Encrypt). Use encrypt, which derives id from conditions and the
 * plaintext; this is the step below it, for other identities.
 */
export function encryptToIdentity(root: Uint8Array, id: Uint8Array, plaintext: Uint8Array, random: RandomSource = secureRandom): EncryptedParts {
  const P = identityPoint(root, id);
  const r = randScalar(random);
  const R = Point.BASE.multiply(r).toBytes(true);
  let proof: Uint8Array | undefined;
  while (!proof) {
    // Schnorr PoK bound to id (proveEphemeral): A = k·G, c = H2S(tagPoK ‖ R ‖ A ‖ id), z = k + c·r.
    const k = randScalar(random);
    const A = Point.BASE.multiply(k).toBytes(true);
    const c = hashToScalar(utf8(tagPoK), R, A, id);
    if (c === 0n) continue;
    proof = concat(scalarBytes(c), scalarBytes(Fn.add(k, Fn.mul(c, r))));
  }
  const nonce = random(NONCE_SIZE);
  checkLength(nonce, NONCE_SIZE, "random source output");
  const S = P.multiply(r).toBytes(true);
  const ciphertext = gcm(aeadKey(S, R, id), nonce, concat(id, R)).encrypt(plaintext);
  return { ephemeral: R, proof, nonce: Uint8Array.from(nonce), ciphertext };
}

/**
 * Opens parts with x·R (tdh.Decrypt): S = x·R + h·R, the AEAD key derived as
 * in encryption. A wrong root, id, x·R or a tampered ciphertext all throw.
 */
export function decryptFromIdentity(root: Uint8Array, id: Uint8Array, parts: Omit<EncryptedParts, "proof">, xR: Uint8Array): Uint8Array {
  checkLength(parts.nonce, NONCE_SIZE, "nonce");
  const R = parsePoint(parts.ephemeral, "ephemeral");
  const h = identityOffset(root, id);
  const S = parsePoint(xR, "x·R").add(mulPublic(R, h));
  if (S.is0()) throw new Error("tdh: decryption failed: shared point is the point at infinity");
  try {
    return gcm(aeadKey(S.toBytes(true), parts.ephemeral, id), parts.nonce, concat(id, parts.ephemeral)).decrypt(parts.ciphertext);
  } catch {
    throw new Error("tdh: decryption failed: ciphertext does not open (wrong root, id or x·R, or tampered)");
  }
}

/**
 * Checks that proof is a Schnorr proof of knowledge of log_G(ephemeral)
 * bound to id (tdh.VerifyEphemeral, the chain's check before it serves a
 * decryption); throws if not.
 */
export function verifyEphemeral(ephemeral: Uint8Array, proof: Uint8Array, id: Uint8Array): void {
  const R = parsePoint(ephemeral, "ephemeral");
  const [c, z] = parseProof(proof);
  const A = mulPublic(Point.BASE, z).add(mulPublic(R, Fn.neg(c)));
  if (A.is0()) throw new Error("proof commitment is the point at infinity");
  if (hashToScalar(utf8(tagPoK), ephemeral, A.toBytes(true), id) !== c) {
    throw new Error("proof of knowledge of the ephemeral secret does not verify for this identity");
  }
}

/**
 * Encrypts plaintext to the network root key under access conditions,
 * offline: the Ciphertext `litd tx pkp encrypt` writes (ciphertextToJSON
 * renders its file). root is the active key set's 33-byte pubkey
 * (LitClient.encrypt reads it). The conditions are checked as the chain
 * will check them (validateConditions): a ciphertext under conditions the
 * chain refuses could never be decrypted.
 */
export function encrypt(root: Uint8Array, conditions: AccessConditionInit, plaintext: Uint8Array, random: RandomSource = secureRandom): Ciphertext {
  const conds = AccessCondition.fromPartial(conditions ?? {});
  validateConditions(conds);
  parsePoint(root, "root");
  // The salt comes first from the random stream, then encryptToIdentity's draws (types.Encrypt).
  const salt = random(DATA_SALT_SIZE);
  const dataHash = dataHashOf(salt, plaintext);
  const id = identity(conds, dataHash);
  const e = encryptToIdentity(root, id, concat(salt, plaintext), random);
  return {
    header: { version: CIPHERTEXT_VERSION, ephemeral: e.ephemeral, proof: e.proof, conditions: conds, dataHash },
    root: Uint8Array.from(root),
    nonce: e.nonce,
    ciphertext: e.ciphertext,
  };
}

/** The salt a ciphertext's data hash covers; the AEAD carries it before the plaintext. */
export const DATA_SALT_SIZE = 32;

/**
 * A ciphertext's data_hash (types.DataHash): sha256("litd/enc/v1/data" ‖
 * salt ‖ plaintext). The salt keeps the public header from confirming
 * guesses of a low-entropy plaintext.
 */
export function dataHashOf(salt: Uint8Array, plaintext: Uint8Array): Uint8Array {
  return sha256(concat(utf8("litd/enc/v1/data"), salt, plaintext));
}

/** A header with its non-nullable conditions present (the chain's Go types always encode it). */
function fullHeader(header: CiphertextHeaderInit | undefined): CiphertextHeader {
  const h = CiphertextHeader.fromPartial(header ?? {});
  h.conditions ??= AccessCondition.fromPartial({});
  return h;
}

/** Throws unless c is shaped as the chain and decryptWith need it. */
export function checkCiphertext(c: Ciphertext): void {
  const h = c.header;
  if (!h) throw new Error("ciphertext has no header");
  if (h.version !== CIPHERTEXT_VERSION) throw new Error(`ciphertext version ${h.version}; this client reads version ${CIPHERTEXT_VERSION}`);
  parsePoint(h.ephemeral, "header.ephemeral");
  checkLength(h.proof, PROOF_SIZE, "header.proof");
  checkLength(h.dataHash, 32, "header.data_hash");
  parsePoint(c.root, "root");
  checkLength(c.nonce, NONCE_SIZE, "nonce");
  if (c.ciphertext.length < 16) throw new Error("ciphertext is shorter than its 16-byte tag");
}

/**
 * Decrypts a ciphertext with x·R (from combineShares or openShares), and
 * checks that the plaintext hashes to the header's data_hash.
 */
export function decryptWith(ciphertext: Ciphertext, xR: Uint8Array): Uint8Array {
  checkCiphertext(ciphertext);
  const header = fullHeader(ciphertext.header);
  const id = identity(header.conditions!, header.dataHash);
  const opened = decryptFromIdentity(ciphertext.root, id, { ...ciphertext, ephemeral: header.ephemeral }, xR);
  const salt = opened.subarray(0, DATA_SALT_SIZE);
  const plaintext = opened.subarray(DATA_SALT_SIZE);
  if (opened.length < DATA_SALT_SIZE || !equalBytes(dataHashOf(salt, plaintext), header.dataHash)) {
    throw new Error("decrypted plaintext does not match the header's data_hash");
  }
  return Uint8Array.from(plaintext);
}

/**
 * The AUTH_PURPOSE_DECRYPT payload of one request (types.DecryptionHash):
 * sha256("litd/enc/v1/request" ‖ requester ‖ 0x00 ‖ header (protobuf) ‖
 * requesterKey), requester the canonical bech32 address; 0x-hex, as
 * authChallenge's decryptionHash takes it.
 */
export function decryptionHash(requester: string, header: CiphertextHeaderInit, requesterKey: Uint8Array): string {
  const bz = CiphertextHeader.encode(fullHeader(header)).finish();
  return "0x" + toHex(sha256(concat(utf8(tagRequest), utf8(requester), Uint8Array.of(0), bz, requesterKey)));
}

// ---- conditions -----------------------------------------------------------

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

function base58Decode(s: string): Uint8Array | undefined {
  let n = 0n;
  for (const ch of s) {
    const d = base58Alphabet.indexOf(ch);
    if (d < 0) return undefined;
    n = n * 58n + BigInt(d);
  }
  let hex = n === 0n ? "" : n.toString(16);
  if (hex.length % 2) hex = "0" + hex;
  const zeros = /^1*/.exec(s)![0].length;
  return concat(new Uint8Array(zeros), fromHex(hex));
}

function checkTokenId(s: string): void {
  // The chain takes one spelling, the one state uses: 0x and lower-case hex.
  if (!/^0x[0-9a-f]{64}$/.test(s)) throw new Error(`invalid conditions: token_id ${JSON.stringify(s)}: want 0x and 64 lower-case hex digits`);
}

/**
 * Checks a condition tree as the chain does (types.AccessCondition.Validate):
 * known types, only the fields of each type set, at most 4 levels and 16
 * conditions; token ids 0x and 64 lower-case hex digits, a valid denom and a canonical
 * non-negative integer amount, a CIDv0 ipfs_id. Throws the first problem.
 */
export function validateConditions(conditions: AccessConditionInit): void {
  let n = 0;
  const walk = (c: AccessCondition, depth: number): void => {
    n++;
    if (depth > MAX_CONDITION_DEPTH || n > MAX_CONDITIONS) {
      throw new Error(`invalid conditions: at most ${MAX_CONDITION_DEPTH} levels and ${MAX_CONDITIONS} conditions`);
    }
    const tokenSet = c.tokenId !== "";
    const authSet = c.authMethodType !== 0n || c.authMethodId !== "";
    const balanceSet = c.denom !== "" || c.amount !== "";
    const actionSet = c.ipfsId !== "";
    const nested = c.conditions.length > 0;
    const name = ConditionType[c.type] ?? String(c.type);
    const bad = (what: string) => new Error(`invalid conditions: ${name} takes ${what}`);
    switch (c.type) {
      case ConditionType.CONDITION_TYPE_PKP_OWNER:
      case ConditionType.CONDITION_TYPE_PERMITTED_ADDRESS:
        if (authSet || balanceSet || actionSet || nested) throw bad("token_id only");
        return checkTokenId(c.tokenId);
      case ConditionType.CONDITION_TYPE_PERMITTED_AUTH_METHOD:
        if (balanceSet || actionSet || nested || (c.authMethodId !== "" && c.authMethodType === 0n)) {
          throw bad("token_id and optionally auth_method_type (and then auth_method_id)");
        }
        // A hex id is its bytes: one spelling, 0x and lower case (as the chain requires).
        if (/^0[xX]([0-9a-fA-F]{2})*$/.test(c.authMethodId) && c.authMethodId !== "0x" + c.authMethodId.slice(2).toLowerCase()) {
          throw new Error(`invalid conditions: auth_method_id ${JSON.stringify(c.authMethodId)}: write it as 0x${c.authMethodId.slice(2).toLowerCase()}`);
        }
        return checkTokenId(c.tokenId);
      case ConditionType.CONDITION_TYPE_BALANCE:
        if (tokenSet || authSet || actionSet || nested) throw bad("denom and amount only");
        if (!/^[a-zA-Z][a-zA-Z0-9/:._-]{2,127}$/.test(c.denom)) throw new Error(`invalid conditions: denom ${JSON.stringify(c.denom)}`);
        if (!/^(0|[1-9][0-9]*)$/.test(c.amount) || c.amount.length > 76) {
          throw new Error(`invalid conditions: amount ${JSON.stringify(c.amount)}: want a non-negative integer in base units, no sign or leading zeros`);
        }
        return;
      case ConditionType.CONDITION_TYPE_ACTION: {
        if (tokenSet || authSet || balanceSet || nested) throw bad("ipfs_id only");
        const bz = c.ipfsId.length <= 128 ? base58Decode(c.ipfsId) : undefined;
        if (!bz || bz.length !== 34 || bz[0] !== 0x12 || bz[1] !== 0x20) {
          throw new Error(`invalid conditions: ${JSON.stringify(c.ipfsId)} is not a CIDv0 (Qm..., sha2-256 multihash)`);
        }
        return;
      }
      case ConditionType.CONDITION_TYPE_ALL:
      case ConditionType.CONDITION_TYPE_ANY:
        if (tokenSet || authSet || balanceSet || actionSet || !nested) throw bad("conditions only, at least one");
        for (const sub of c.conditions) walk(sub, depth + 1);
        return;
      default:
        throw new Error(`invalid conditions: unknown condition type ${c.type}`);
    }
  };
  walk(AccessCondition.fromPartial(conditions ?? {}), 1);
}

// ---- the ciphertext file (codec.ProtoMarshalJSON) -------------------------

/** A string as Go's encoding/json writes it (it escapes <, >, &, U+2028, U+2029; invalid UTF-16 becomes U+FFFD). */
function goString(s: string): string {
  const wellFormed = s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
  return JSON.stringify(wellFormed).replace(/[<>&\u2028\u2029]/g, (ch) => "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0"));
}

function goBytes(b: Uint8Array | undefined): string {
  // A field the protobuf decoder found empty is a nil slice: null.
  return b && b.length > 0 ? `"${toBase64(b)}"` : "null";
}

function goEnum(t: ConditionType): string {
  const name = ConditionType[t];
  return name !== undefined && t !== ConditionType.UNRECOGNIZED ? `"${name}"` : String(t);
}

function conditionJSON(c: AccessCondition): string {
  return (
    `{"type":${goEnum(c.type)},"token_id":${goString(c.tokenId)},"auth_method_type":"${BigInt.asUintN(64, c.authMethodType)}",` +
    `"auth_method_id":${goString(c.authMethodId)},"denom":${goString(c.denom)},"amount":${goString(c.amount)},` +
    `"ipfs_id":${goString(c.ipfsId)},"conditions":[${c.conditions.map(conditionJSON).join(",")}]}`
  );
}

/** An AccessCondition as codec.ProtoMarshalJSON renders it (compact, every field written). */
export function conditionsToJSON(conditions: AccessConditionInit): string {
  return conditionJSON(AccessCondition.fromPartial(conditions ?? {}));
}

/**
 * The ciphertext file `litd tx pkp encrypt` writes and `litd tx pkp decrypt`
 * reads: codec.ProtoMarshalJSON of lit.pkp.v1.Ciphertext, byte for byte
 * (snake_case names, every field written, bytes base64 or null when empty,
 * uint64 as strings, enums by name).
 */
export function ciphertextToJSON(c: Ciphertext): string {
  const h = fullHeader(c.header);
  return (
    `{"header":{"version":${h.version >>> 0},"ephemeral":${goBytes(h.ephemeral)},"proof":${goBytes(h.proof)},` +
    `"conditions":${conditionJSON(h.conditions!)},"data_hash":${goBytes(h.dataHash)}},` +
    `"root":${goBytes(c.root)},"nonce":${goBytes(c.nonce)},"ciphertext":${goBytes(c.ciphertext)}}`
  );
}

type Json = Record<string, unknown>;

/** Reads one message's fields, by proto name or JSON (camelCase) name, refusing unknown ones as Go's jsonpb does. */
function fields(v: unknown, path: string, names: readonly string[]): (name: string) => unknown {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error(`${path}: want a JSON object`);
  const o = v as Json;
  const camel = (s: string) => s.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
  const known = new Map<string, string>();
  for (const n of names) {
    known.set(n, n);
    known.set(camel(n), n);
  }
  const seen = new Set<string>();
  for (const k of Object.keys(o)) {
    const n = known.get(k);
    if (n === undefined) throw new Error(`${path}: unknown field ${JSON.stringify(k)}`);
    if (seen.has(n)) throw new Error(`${path}: field ${n} given twice`);
    seen.add(n);
  }
  return (name) => o[name] ?? o[camel(name)];
}

function readBytes(v: unknown, path: string): Uint8Array {
  if (v === undefined || v === null) return new Uint8Array();
  if (typeof v !== "string") throw new Error(`${path}: want base64`);
  // jsonpb reads standard or URL-safe base64.
  const std = v.replace(/-/g, "+").replace(/_/g, "/");
  try {
    return fromBase64(std);
  } catch {
    throw new Error(`${path}: not base64`);
  }
}

function readString(v: unknown, path: string): string {
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw new Error(`${path}: want a string`);
  return v;
}

function readUint(v: unknown, path: string, bits: 32 | 64): bigint {
  if (v === undefined || v === null) return 0n;
  const s = typeof v === "number" ? (Number.isSafeInteger(v) ? String(v) : "") : typeof v === "string" ? v : "";
  if (!/^[0-9]+$/.test(s) || BigInt(s) >= 1n << BigInt(bits)) throw new Error(`${path}: want a uint${bits}`);
  return BigInt(s);
}

function readConditionType(v: unknown, path: string): ConditionType {
  if (v === undefined || v === null) return ConditionType.CONDITION_TYPE_UNSPECIFIED;
  if (typeof v === "string" && v !== "UNRECOGNIZED" && v in ConditionType && typeof ConditionType[v as keyof typeof ConditionType] === "number") {
    return ConditionType[v as keyof typeof ConditionType];
  }
  if (typeof v === "number" && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) return v;
  throw new Error(`${path}: unknown condition type ${JSON.stringify(v)}`);
}

function readCondition(v: unknown, path: string, depth = 0): AccessCondition {
  if (depth > 100) throw new Error(`${path}: conditions nested too deep`);
  const f = fields(v, path, ["type", "token_id", "auth_method_type", "auth_method_id", "denom", "amount", "ipfs_id", "conditions"]);
  const subs = f("conditions") ?? [];
  if (!Array.isArray(subs)) throw new Error(`${path}.conditions: want a list`);
  return {
    type: readConditionType(f("type"), `${path}.type`),
    tokenId: readString(f("token_id"), `${path}.token_id`),
    authMethodType: readUint(f("auth_method_type"), `${path}.auth_method_type`, 64),
    authMethodId: readString(f("auth_method_id"), `${path}.auth_method_id`),
    denom: readString(f("denom"), `${path}.denom`),
    amount: readString(f("amount"), `${path}.amount`),
    ipfsId: readString(f("ipfs_id"), `${path}.ipfs_id`),
    conditions: subs.map((s, i) => readCondition(s, `${path}.conditions[${i}]`, depth + 1)),
  };
}

/**
 * Reads a ciphertext file (ciphertextToJSON's or the CLI's JSON, as text or
 * parsed), as the CLI reads it: proto or camelCase field names, unknown
 * fields refused. It does not check lengths or the version (checkCiphertext
 * and decryptWith do).
 */
export function ciphertextFromJSON(json: string | unknown): Ciphertext {
  const v = typeof json === "string" ? JSON.parse(json) : json;
  const f = fields(v, "ciphertext", ["header", "root", "nonce", "ciphertext"]);
  const hv = f("header");
  const h = fields(hv ?? {}, "header", ["version", "ephemeral", "proof", "conditions", "data_hash"]);
  const cv = h("conditions");
  return {
    header: {
      version: Number(readUint(h("version"), "header.version", 32)),
      ephemeral: readBytes(h("ephemeral"), "header.ephemeral"),
      proof: readBytes(h("proof"), "header.proof"),
      conditions: cv === undefined || cv === null ? AccessCondition.fromPartial({}) : readCondition(cv, "header.conditions"),
      dataHash: readBytes(h("data_hash"), "header.data_hash"),
    },
    root: readBytes(f("root"), "root"),
    nonce: readBytes(f("nonce"), "nonce"),
    ciphertext: readBytes(f("ciphertext"), "ciphertext"),
  };
}

// ---- decryption shares ----------------------------------------------------

/** An X25519 key pair the validators seal their shares to; make a fresh one per request. */
export interface RequesterKey {
  readonly privateKey: Uint8Array;
  /** 32 bytes: MsgDecrypt.requester_key. */
  readonly publicKey: Uint8Array;
}

/** A fresh X25519 key pair (or the one of a given 32-byte private key). */
export function requesterKey(privateKey: Uint8Array = secureRandom(32)): RequesterKey {
  checkLength(privateKey, 32, "X25519 private key");
  return { privateKey: Uint8Array.from(privateKey), publicKey: x25519.getPublicKey(privateKey) };
}

/** One validator's decryption share D = x_i·R with its DLEQ proof c ‖ z (tdh.Share). */
export interface Share {
  readonly d: Uint8Array;
  readonly proof: Uint8Array;
}

/** A validator whose share was refused, and why. */
export interface BadShare {
  readonly validator: string;
  readonly error: string;
}

/** Fewer than threshold+1 valid shares; bad names the validators whose shares were refused. */
export class NotEnoughSharesError extends Error {
  constructor(
    readonly valid: number,
    readonly needed: number,
    readonly bad: readonly BadShare[],
  ) {
    super(
      `tdh: not enough valid shares: ${valid} valid of ${needed} needed (${bad.length} bad` +
        (bad.length ? `: ${bad.map((b) => `${b.validator}: ${b.error}`).join("; ")}` : "") +
        ")",
    );
    this.name = "NotEnoughSharesError";
  }
}

/** The 20 bytes of a bech32 operator address (any prefix), or 20 bytes as given. */
function operatorBytes(validator: string | Uint8Array): Uint8Array {
  // An explicit limit (BIP-173's 90): @cosmjs/encoding 0.39's default, Infinity, is refused by @scure/base 2.
  const addr = typeof validator === "string" ? fromBech32(validator, 90).data : validator;
  checkLength(addr, 20, "operator address");
  return addr;
}

/**
 * A validator's Shamir x-coordinate in a key set (tdh.XCoord):
 * keySetId·2^160 + the 20 operator-address bytes.
 */
export function xCoord(keySetId: bigint | number, validator: string | Uint8Array): bigint {
  const ks = BigInt(keySetId);
  if (ks < 0n || ks >= 1n << 64n) throw new Error(`key set id ${ks} is not a uint64`);
  const x = (ks << 160n) + toBigInt(operatorBytes(validator));
  if (x === 0n) throw new Error("x-coordinate is 0");
  return x;
}

/** The HPKE info a share is sealed under (tdh.ShareInfo): "litd/enc/v1/share|<decryption id>|<validator>". */
export function shareInfo(decryptionId: bigint | number, validator: string): Uint8Array {
  return utf8(`${tagShare}|${BigInt(decryptionId)}|${validator}`);
}

let suite: CipherSuite | undefined;
function hpke(): CipherSuite {
  return (suite ??= new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() }));
}

/**
 * Opens one sealed share (tdh.OpenShare: HPKE base mode, enc ‖ ciphertext,
 * no aad) with the requester's X25519 private key; throws if it does not
 * open under this decryption id and validator, or is not D ‖ c ‖ z with D a
 * valid point. The DLEQ proof is checked by verifyShare.
 */
export async function openShare(privateKey: Uint8Array, decryptionId: bigint | number, validator: string, sealed: Uint8Array): Promise<Share> {
  checkLength(privateKey, 32, "X25519 private key");
  const s = hpke();
  const encSize = s.kem.encSize;
  if (sealed.length < encSize) throw new Error(`sealed share is ${sealed.length} bytes, shorter than HPKE's ${encSize}-byte enc`);
  let pt: Uint8Array;
  try {
    const recipientKey = await s.kem.deserializePrivateKey(privateKey);
    pt = new Uint8Array(
      await s.open({ recipientKey, enc: sealed.slice(0, encSize), info: shareInfo(decryptionId, validator) }, sealed.slice(encSize)),
    );
  } catch (e) {
    throw new Error(`cannot open sealed share: ${(e as Error).message}`);
  }
  checkLength(pt, SHARE_SIZE, "opened share");
  const d = pt.slice(0, POINT_SIZE);
  parsePoint(d, "share D");
  return { d, proof: pt.slice(POINT_SIZE) };
}

/**
 * Checks a share against the validator's public share X_i (tdh.VerifyShare):
 * A = z·G − c·X_i, B = z·R − c·D, and c must be H2S(tagDLEQ ‖ X_i ‖ R ‖ D ‖ A ‖ B).
 * Throws unless D is that validator's x_i·R.
 */
export function verifyShare(publicShare: Uint8Array, ephemeral: Uint8Array, share: Share): void {
  const X = parsePoint(publicShare, "public share");
  const R = parsePoint(ephemeral, "ephemeral");
  const D = parsePoint(share.d, "share D");
  const [c, z] = parseProof(share.proof);
  const negC = Fn.neg(c);
  const A = mulPublic(Point.BASE, z).add(mulPublic(X, negC));
  const B = mulPublic(R, z).add(mulPublic(D, negC));
  if (A.is0() || B.is0()) throw new Error("DLEQ commitment is the point at infinity");
  if (hashToScalar(utf8(tagDLEQ), publicShare, ephemeral, share.d, A.toBytes(true), B.toBytes(true)) !== c) {
    throw new Error("DLEQ proof does not verify: D is not this validator's x_i·R");
  }
}

/** One validator's response as the combiner sees it (tdh.Candidate). */
export interface ShareCandidate {
  readonly validator: string;
  /** Its x-coordinate (xCoord). */
  readonly x: bigint;
  /** X_i, 33 bytes, from chain state. */
  readonly publicShare: Uint8Array;
  readonly share: Share;
}

/** x·R (33-byte compressed) and the validators whose shares were refused. */
export interface Combined {
  readonly xR: Uint8Array;
  readonly bad: readonly BadShare[];
}

/**
 * Recovers x·R from validators' shares (tdh.Combine): verifies every
 * candidate's DLEQ proof (bad lists, in input order, those that fail), then
 * Lagrange-interpolates at 0 from the first threshold+1 valid ones. Throws
 * NotEnoughSharesError below threshold+1 valid shares, and if two
 * candidates share an x-coordinate.
 */
export function combineShares(ephemeral: Uint8Array, threshold: number, candidates: readonly ShareCandidate[]): Combined {
  if (!Number.isInteger(threshold) || threshold < 0) throw new Error(`invalid threshold ${threshold}`);
  parsePoint(ephemeral, "ephemeral");
  for (let i = 0; i < candidates.length; i++) {
    for (let j = 0; j < i; j++) {
      if (Fn.create(candidates[i].x) === Fn.create(candidates[j].x)) {
        throw new Error(`duplicate x-coordinate: validators ${candidates[j].validator} and ${candidates[i].validator}`);
      }
    }
  }
  const bad: BadShare[] = [];
  const good: { x: bigint; D: Pt }[] = [];
  for (const c of candidates) {
    const x = Fn.create(c.x);
    if (x === 0n) {
      bad.push({ validator: c.validator, error: "x-coordinate is 0" });
      continue;
    }
    try {
      verifyShare(c.publicShare, ephemeral, c.share);
    } catch (e) {
      bad.push({ validator: c.validator, error: (e as Error).message });
      continue;
    }
    if (good.length <= threshold) good.push({ x, D: Point.fromBytes(c.share.d) });
  }
  if (good.length < threshold + 1) throw new NotEnoughSharesError(good.length, threshold + 1, bad);
  let sum = Point.ZERO;
  for (let i = 0; i < good.length; i++) {
    let lambda = 1n;
    for (let j = 0; j < good.length; j++) {
      if (j !== i) lambda = Fn.mul(lambda, Fn.div(good[j].x, Fn.sub(good[j].x, good[i].x)));
    }
    sum = sum.add(mulPublic(good[i].D, lambda));
  }
  if (sum.is0()) throw new Error("interpolated x·R is the point at infinity");
  return { xR: sum.toBytes(true), bad };
}

/** The key set a decryption's shares are checked against (lit.tss.v1.KeySet's fields). */
export interface ShareKeySet {
  readonly id: bigint;
  /** Operator addresses, in the order of publicShares. */
  readonly participants: readonly string[];
  /** 0x-hex (or bare hex) 33-byte x_i·G. */
  readonly publicShares: readonly string[];
}

/**
 * Opens, verifies and combines a decryption's sealed shares
 * (lit.tss.v1.Decryption.shares): each is opened with the requester's
 * private key under shareInfo(decryptionId, validator), checked against the
 * validator's public share in keySet, and threshold+1 valid ones combine to
 * x·R (decryptWith opens the ciphertext with it). bad names, in input order,
 * validators whose share does not open, is malformed, fails its DLEQ proof
 * or who are not in the key set. Throws NotEnoughSharesError (with bad)
 * below threshold+1 valid shares.
 */
export async function openShares(req: {
  readonly privateKey: Uint8Array;
  readonly decryptionId: bigint | number;
  /** The ciphertext's R (Decryption.ephemeral). */
  readonly ephemeral: Uint8Array;
  /** t: t+1 shares are needed (Decryption.threshold). */
  readonly threshold: number;
  readonly keySet: ShareKeySet;
  readonly shares: ReadonlyArray<{ readonly validator: string; readonly sealed: Uint8Array }>;
}): Promise<Combined> {
  const { keySet } = req;
  if (keySet.participants.length !== keySet.publicShares.length) {
    throw new Error(`key set ${keySet.id} has ${keySet.participants.length} participants but ${keySet.publicShares.length} public shares`);
  }
  const bad: { i: number; b: BadShare }[] = [];
  const cands: { i: number; c: ShareCandidate }[] = [];
  const seen = new Set<string>();
  for (const [i, s] of req.shares.entries()) {
    const fail = (error: string) => bad.push({ i, b: { validator: s.validator, error } });
    const p = keySet.participants.indexOf(s.validator);
    if (p < 0) {
      fail(`not a participant of key set ${keySet.id}`);
      continue;
    }
    if (seen.has(s.validator)) {
      fail("second share of the same validator");
      continue;
    }
    seen.add(s.validator);
    try {
      const publicShare = fromHex(keySet.publicShares[p].replace(/^0x/i, ""));
      const share = await openShare(req.privateKey, req.decryptionId, s.validator, s.sealed);
      cands.push({ i, c: { validator: s.validator, x: xCoord(keySet.id, s.validator), publicShare, share } });
    } catch (e) {
      fail((e as Error).message);
    }
  }
  // combineShares names DLEQ failures; merge them back into input order.
  const merge = (more: readonly BadShare[]): BadShare[] => {
    const all = [...bad];
    for (const b of more) all.push({ i: cands.find((c) => c.c.validator === b.validator)!.i, b });
    return all.sort((a, b) => a.i - b.i).map((x) => x.b);
  };
  try {
    const out = combineShares(req.ephemeral, req.threshold, cands.map((c) => c.c));
    return { xR: out.xR, bad: merge(out.bad) };
  } catch (e) {
    if (e instanceof NotEnoughSharesError) throw new NotEnoughSharesError(e.valid, e.needed, merge(e.bad));
    throw e;
  }
}
