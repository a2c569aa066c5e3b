// Offline checks of threshold encryption against the Go reference: the
// x/tss/tdh known-answer vector, the x/pkp conditions/ciphertext-file vector
// with Go-sealed shares, and Shamir combination. No chain needed.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { makeSignDoc, serializeSignDoc } from "@cosmjs/amino";
import { fromHex, fromUtf8, toBech32, toHex, toUtf8 } from "@cosmjs/encoding";
import { Chacha20Poly1305 } from "@hpke/chacha20poly1305";
import { CipherSuite, HkdfSha256 } from "@hpke/core";
import { DhkemX25519HkdfSha256 } from "@hpke/dhkem-x25519";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";

import {
  AccessConditionInit,
  ciphertextFromJSON,
  ciphertextToJSON,
  combineShares,
  conditionsToJSON,
  createLitAminoTypes,
  decryptFromIdentity,
  decryptionHash,
  DecryptionQueries,
  decryptWith,
  DATA_SALT_SIZE,
  dataHashOf,
  encodeConditions,
  encrypt,
  encryptToIdentity,
  identity,
  identityFromBytes,
  identityKey,
  identityOffset,
  NotEnoughSharesError,
  openShare,
  openShares,
  pkpTxV1,
  pkpV1,
  tssV1,
  RandomSource,
  requesterKey,
  ShareCandidate,
  shareInfo,
  typeUrls,
  validateConditions,
  verifyEphemeral,
  verifyShare,
  waitForDecryption,
  xCoord,
} from "../src";

const { AccessCondition, CiphertextHeader, ConditionType } = pkpV1;
const repo = join(__dirname, "..", "..");
const Point = secp256k1.Point;
const Fn = Point.Fn;

const hex = (b: Uint8Array) => toHex(b);
const big = (b: Uint8Array) => BigInt("0x" + toHex(b));
const scalar32 = (s: bigint) => fromHex(s.toString(16).padStart(64, "0"));

/** The Go vectors' randomness: sha256(seed ‖ uint64_be(0)) ‖ sha256(seed ‖ uint64_be(1)) ‖ … */
function detStream(seed: string): RandomSource {
  let ctr = 0n;
  let buf = new Uint8Array();
  return (n) => {
    const out = new Uint8Array(n);
    for (let off = 0; off < n; ) {
      if (buf.length === 0) {
        const c = new Uint8Array(8);
        new DataView(c.buffer).setBigUint64(0, ctr++, false);
        buf = sha256(new Uint8Array([...toUtf8(seed), ...c]));
      }
      const k = Math.min(n - off, buf.length);
      out.set(buf.subarray(0, k), off);
      buf = buf.subarray(k);
      off += k;
    }
    return out;
  };
}

function readJSON(...path: string[]): any {
  return JSON.parse(readFileSync(join(repo, ...path), "utf8"));
}

test("x/tss/tdh known-answer vector: identity, offset, identity key, ephemeral, proof, nonce, ciphertext", () => {
  const v = readJSON("x", "tss", "tdh", "testdata", "vectors.json");
  const rootSecret = big(fromHex(v.root_secret));
  const root = Point.BASE.multiply(rootSecret).toBytes(true);
  assert.equal(hex(root), v.root);
  const plaintext = fromHex(v.plaintext_hex);

  const id = identityFromBytes(fromHex(v.conditions_hex), fromHex(v.data_hash));
  assert.equal(hex(id), v.id);
  assert.equal(hex(scalar32(identityOffset(root, id))), v.offset);
  assert.equal(hex(identityKey(root, id)), v.identity_key);

  const e = encryptToIdentity(root, id, plaintext, detStream(v.rand_seed));
  assert.equal(hex(e.ephemeral), v.ephemeral);
  assert.equal(hex(e.proof), v.proof);
  assert.equal(hex(e.nonce), v.nonce);
  assert.equal(hex(e.ciphertext), v.ciphertext);

  // The documented stream order: r, then the proof's k (z = k + c·r), then the nonce.
  const r = big(fromHex(v.r));
  assert.equal(hex(Point.BASE.multiply(r).toBytes(true)), v.ephemeral);
  const c = big(e.proof.subarray(0, 32));
  assert.equal(big(e.proof.subarray(32)), Fn.add(big(fromHex(v.pok_k)), Fn.mul(c, r)));
  const shared = Point.fromBytes(identityKey(root, id)).multiply(r).toBytes(true);
  assert.equal(hex(shared), v.shared_point);
  const key = hkdf(sha256, shared, undefined, new Uint8Array([...toUtf8("litd/enc/v1/aead"), ...e.ephemeral, ...id]), 32);
  assert.equal(hex(key), v.aead_key);

  verifyEphemeral(e.ephemeral, e.proof, id);
  assert.throws(() => verifyEphemeral(e.ephemeral, e.proof, sha256(id)), /does not verify/);

  // The combiner's path: x·R with x the root secret.
  const xR = Point.fromBytes(e.ephemeral).multiply(rootSecret).toBytes(true);
  assert.deepEqual(decryptFromIdentity(root, id, e, xR), plaintext);
  const tampered = Uint8Array.from(e.ciphertext);
  tampered[0] ^= 1;
  assert.throws(() => decryptFromIdentity(root, id, { ...e, ciphertext: tampered }, xR), /decryption failed/);
  assert.throws(() => decryptFromIdentity(root, sha256(id), e, xR), /decryption failed/);
});

const cv = readJSON("x", "pkp", "types", "testdata", "conditions_vector.json");

/** The tree of conditions_vector_test.go's cvConditions. */
const tree: AccessConditionInit = {
  type: ConditionType.CONDITION_TYPE_ALL,
  conditions: [
    { type: ConditionType.CONDITION_TYPE_PKP_OWNER, tokenId: "0x" + "a1".repeat(32) },
    { type: ConditionType.CONDITION_TYPE_BALANCE, denom: "ulit", amount: "1000" },
    {
      type: ConditionType.CONDITION_TYPE_ANY,
      conditions: [
        { type: ConditionType.CONDITION_TYPE_ACTION, ipfsId: "QmYCTciJdFNMNUPCHSNS6dKMmUAqkGQ9tQQeGgbELhQQcn" },
        {
          type: ConditionType.CONDITION_TYPE_PERMITTED_AUTH_METHOD,
          tokenId: "0x" + "b2".repeat(32),
          authMethodType: 6n,
          authMethodId: "0xabcdef0123456789",
        },
      ],
    },
  ],
};

test("conditions vector: protobuf bytes, identity, header, decryption hash and the CLI's ciphertext file match Go", () => {
  const root = fromHex(cv.root);
  const plaintext = fromHex(cv.plaintext_hex);
  assert.equal(hex(encodeConditions(tree)), cv.conditions_hex);
  // The data hash covers the salt, the first 32 bytes of the random stream (types.Encrypt).
  const salt = detStream(cv.rand_seed)(DATA_SALT_SIZE);
  assert.equal(hex(dataHashOf(salt, plaintext)), cv.data_hash);
  assert.notEqual(hex(sha256(plaintext)), cv.data_hash, "the public header does not confirm a guess of the plaintext");
  assert.equal(hex(identity(tree, dataHashOf(salt, plaintext))), cv.identity);
  validateConditions(tree);

  const ct = encrypt(root, tree, plaintext, detStream(cv.rand_seed));
  assert.equal(hex(CiphertextHeader.encode(ct.header!).finish()), cv.header_hex);
  assert.equal(ciphertextToJSON(ct), cv.ciphertext_json);
  assert.equal(decryptionHash(cv.requester, ct.header!, fromHex(cv.requester_key)), "0x" + cv.decryption_hash);
  // The header as MsgDecrypt carries it after a JSON round trip hashes the same.
  assert.equal(decryptionHash(cv.requester, ciphertextFromJSON(cv.ciphertext_json).header!, fromHex(cv.requester_key)), "0x" + cv.decryption_hash);

  // The CLI's file reads back to the same ciphertext, and decrypts.
  const back = ciphertextFromJSON(cv.ciphertext_json);
  assert.deepEqual(back, ct);
  assert.equal(ciphertextToJSON(back), cv.ciphertext_json);
  const xR = Point.fromBytes(back.header!.ephemeral).multiply(big(fromHex(cv.root_secret))).toBytes(true);
  assert.deepEqual(decryptWith(back, xR), plaintext);
  // Pretty-printed or camelCase, it reads the same.
  assert.deepEqual(ciphertextFromJSON(JSON.stringify(JSON.parse(cv.ciphertext_json), null, 2)), ct);
  const camel = cv.ciphertext_json.replace(/"data_hash"/, '"dataHash"').replace(/"token_id"/g, '"tokenId"');
  assert.deepEqual(ciphertextFromJSON(camel), ct);

  // The zero Ciphertext: empty bytes are null, every default written.
  const empty = ciphertextFromJSON(cv.empty_ciphertext_json);
  assert.equal(ciphertextToJSON(empty), cv.empty_ciphertext_json);
  assert.equal(ciphertextToJSON({ header: undefined, root: new Uint8Array(), nonce: new Uint8Array(), ciphertext: new Uint8Array() }), cv.empty_ciphertext_json);

  // Strings as Go's encoding/json escapes them, uint64 beyond 2^53.
  const escape = {
    type: ConditionType.CONDITION_TYPE_PERMITTED_AUTH_METHOD,
    tokenId: "0x" + "c3".repeat(32),
    authMethodType: 2n ** 64n - 1n,
    authMethodId: '<a&b>\u2028\u2029"\\/\n\t\b\f\x01\x7fé€😀',
  };
  assert.equal(conditionsToJSON(escape), cv.escape_condition_json);
  assert.deepEqual(JSON.parse(cv.escape_condition_json).auth_method_id, escape.authMethodId);

  // Unknown fields are refused, as Go's jsonpb refuses them.
  assert.throws(() => ciphertextFromJSON(cv.ciphertext_json.replace('"nonce"', '"nonse"')), /unknown field "nonse"/);
  assert.throws(() => ciphertextFromJSON(cv.ciphertext_json.replace('"CONDITION_TYPE_ALL"', '"CONDITION_TYPE_SOME"')), /unknown condition type/);
  // A tampered header does not decrypt: its identity changes.
  const other = ciphertextFromJSON(cv.ciphertext_json.replace('"amount":"1000"', '"amount":"1001"'));
  assert.throws(() => decryptWith(other, xR), /decryption failed/);
});

test("validateConditions refuses what the chain refuses", () => {
  const token = "0x" + "ab".repeat(32);
  const ok: AccessConditionInit[] = [
    { type: ConditionType.CONDITION_TYPE_PERMITTED_ADDRESS, tokenId: token },
    { type: ConditionType.CONDITION_TYPE_PERMITTED_AUTH_METHOD, tokenId: token },
    { type: ConditionType.CONDITION_TYPE_BALANCE, denom: "ibc/ABC", amount: "0" },
  ];
  for (const c of ok) validateConditions(c);
  const leaf = { type: ConditionType.CONDITION_TYPE_PKP_OWNER, tokenId: token };
  const nest = (d: number): AccessConditionInit => (d === 1 ? leaf : { type: ConditionType.CONDITION_TYPE_ANY, conditions: [nest(d - 1)] });
  validateConditions(nest(4));
  const bad: [AccessConditionInit, RegExp][] = [
    [{}, /unknown condition type 0/],
    [{ type: ConditionType.CONDITION_TYPE_PKP_OWNER, tokenId: "0x01" }, /64 lower-case hex digits/],
    [{ type: ConditionType.CONDITION_TYPE_PKP_OWNER, tokenId: token.toUpperCase().replace("0X", "0x") }, /lower-case/],
    [{ type: ConditionType.CONDITION_TYPE_PKP_OWNER, tokenId: token, denom: "ulit" }, /token_id only/],
    [{ type: ConditionType.CONDITION_TYPE_PERMITTED_AUTH_METHOD, tokenId: token, authMethodId: "x" }, /optionally auth_method_type/],
    [{ type: ConditionType.CONDITION_TYPE_PERMITTED_AUTH_METHOD, tokenId: token, authMethodType: 1n, authMethodId: "0xAB" }, /write it as 0xab/],
    [{ type: ConditionType.CONDITION_TYPE_BALANCE, denom: "ulit", amount: "01" }, /no sign or leading zeros/],
    [{ type: ConditionType.CONDITION_TYPE_BALANCE, denom: "u", amount: "1" }, /denom/],
    [{ type: ConditionType.CONDITION_TYPE_ACTION, ipfsId: "QmYCTciJdFNMNUPCHSNS6dKMmUAqkGQ9tQQeGgbELhQQc" }, /CIDv0/],
    [{ type: ConditionType.CONDITION_TYPE_ALL, conditions: [] }, /at least one/],
    [nest(5), /at most 4 levels/],
    [{ type: ConditionType.CONDITION_TYPE_ALL, conditions: Array(16).fill(leaf) }, /16 conditions/],
  ];
  for (const [c, re] of bad) assert.throws(() => validateConditions(c), re, JSON.stringify(c, (_, v) => (typeof v === "bigint" ? String(v) : v)));
  assert.throws(() => encrypt(fromHex(cv.root), bad.find(([, re]) => re.source.includes("leading zeros"))![0], new Uint8Array([1])), /leading zeros/, "encrypt refuses conditions the chain would refuse");
});

test("Go-sealed shares: HPKE opens them, the DLEQ of the good one verifies, the corrupted one's validator is named", async () => {
  const s = cv.shares;
  const key = requesterKey(fromHex(s.recipient_private_key));
  assert.equal(hex(key.publicKey), s.recipient_public_key);
  const ephemeral = fromHex(s.ephemeral);
  for (const v of s.shares) {
    assert.equal(new TextDecoder().decode(shareInfo(BigInt(s.decryption_id), v.validator)), v.info);
    assert.equal(xCoord(BigInt(s.key_set_id), v.validator), big(fromHex(v.x_coord)));
    assert.equal(xCoord(BigInt(s.key_set_id), fromHex(v.operator_address_hex)), big(fromHex(v.x_coord)));
    const share = await openShare(key.privateKey, s.decryption_id, v.validator, fromHex(v.sealed));
    assert.equal(hex(share.d) + hex(share.proof), v.share);
    if (v.valid) verifyShare(fromHex(v.public_share), ephemeral, share);
    else assert.throws(() => verifyShare(fromHex(v.public_share), ephemeral, share), /DLEQ proof does not verify/);
    // Bound to its request and its validator.
    await assert.rejects(openShare(key.privateKey, s.decryption_id + 1, v.validator, fromHex(v.sealed)), /cannot open/);
    await assert.rejects(openShare(requesterKey().privateKey, s.decryption_id, v.validator, fromHex(v.sealed)), /cannot open/);
  }
  const [good, corrupt] = s.shares;
  const keySet = { id: BigInt(s.key_set_id), participants: s.shares.map((v: any) => v.validator), publicShares: s.shares.map((v: any) => "0x" + v.public_share) };
  const sealed = (v: any) => ({ validator: v.validator, sealed: fromHex(v.sealed) });
  const req = { privateKey: key.privateKey, decryptionId: s.decryption_id, ephemeral, keySet };
  // Threshold 0: one valid share is x·R itself.
  const out = await openShares({ ...req, threshold: 0, shares: [sealed(corrupt), sealed(good)] });
  assert.equal(hex(out.xR), good.share.slice(0, 66));
  assert.deepEqual(out.bad.map((b) => b.validator), [corrupt.validator]);
  assert.match(out.bad[0].error, /DLEQ/);
  // Threshold 1 with one valid share: not enough, naming the bad one.
  await assert.rejects(openShares({ ...req, threshold: 1, shares: [sealed(good), sealed(corrupt)] }), (e: unknown) => {
    assert.ok(e instanceof NotEnoughSharesError);
    assert.deepEqual(e.bad.map((b) => b.validator), [corrupt.validator]);
    return true;
  });
  // A share from outside the key set, or sealed for another validator, is named too.
  const stranger = { validator: "litvaloper1stranger", sealed: fromHex(good.sealed) };
  const swapped = { validator: corrupt.validator, sealed: fromHex(good.sealed) };
  const out2 = await openShares({ ...req, threshold: 0, shares: [stranger, swapped, sealed(good)] });
  assert.deepEqual(out2.bad.map((b) => b.validator), [stranger.validator, corrupt.validator]);
  assert.match(out2.bad[0].error, /not a participant/);
  assert.match(out2.bad[1].error, /cannot open/);
});

/** A validator's DLEQ-proven share x_i·R (tdh.ComputeShare), for the tests. */
function computeShare(xi: bigint, ephemeral: Uint8Array) {
  const R = Point.fromBytes(ephemeral);
  const X = Point.BASE.multiply(xi).toBytes(true);
  const D = R.multiply(xi).toBytes(true);
  const k = big(secp256k1.utils.randomSecretKey());
  const A = Point.BASE.multiply(k).toBytes(true);
  const B = R.multiply(k).toBytes(true);
  const c = big(sha256(new Uint8Array([...toUtf8("litd/enc/v1/dleq"), ...X, ...ephemeral, ...D, ...A, ...B]))) % Fn.ORDER;
  return { publicShare: X, share: { d: D, proof: new Uint8Array([...scalar32(c), ...scalar32(Fn.add(k, Fn.mul(c, xi)))]) } };
}

/** A key set made in the test: secret x Shamir-shared (degree threshold) at XCoord x-coordinates. */
function committee(threshold: number, n: number, keySetId: bigint) {
  const randScalar = () => big(secp256k1.utils.randomSecretKey());
  const x = randScalar();
  const coeffs = [x, ...Array.from({ length: threshold }, randScalar)];
  const members = Array.from({ length: n }, () => {
    const validator = toBech32("litvaloper", crypto.getRandomValues(new Uint8Array(20)));
    const xc = xCoord(keySetId, validator);
    const xi = coeffs.reduceRight((acc, a) => Fn.add(Fn.mul(acc, xc), a), 0n);
    return { validator, xc, xi };
  });
  return {
    x,
    root: Point.BASE.multiply(x).toBytes(true),
    members,
    /** Every member's DLEQ-proven share of R. */
    candidates: (R: Uint8Array): ShareCandidate[] => members.map((m) => ({ validator: m.validator, x: m.xc, ...computeShare(m.xi, R) })),
    keySet: (publicShares: Uint8Array[]) => ({
      id: keySetId,
      pubkey: "0x" + hex(Point.BASE.multiply(x).toBytes(true)),
      threshold,
      participants: members.map((m) => m.validator),
      publicShares: publicShares.map((p) => "0x" + hex(p)),
    }),
  };
}

const hpkeSuite = new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() });

/** Seals candidates' shares to a requester key as validators do (tdh.SealShare: enc ‖ ct, info ShareInfo). */
async function sealShares(cands: readonly ShareCandidate[], recipient: Uint8Array, decryptionId: bigint) {
  const recipientPublicKey = await hpkeSuite.kem.deserializePublicKey(recipient);
  return Promise.all(
    cands.map(async (c) => {
      const pt = new Uint8Array([...c.share.d, ...c.share.proof]);
      const { enc, ct } = await hpkeSuite.seal({ recipientPublicKey, info: shareInfo(decryptionId, c.validator) }, pt);
      return { validator: c.validator, sealed: new Uint8Array([...new Uint8Array(enc), ...new Uint8Array(ct)]), height: 10n };
    }),
  );
}

const ownerCondition = { type: ConditionType.CONDITION_TYPE_PKP_OWNER, tokenId: "0x" + "01".repeat(32) };

test("Shamir: any 3 of 4 shares at XCoord x-coordinates combine to x·R and decrypt; 2 do not; bad shares are named", async () => {
  const c = committee(2, 4, 5n);
  const plaintext = toUtf8("what the conditions guard");
  const ct = encrypt(c.root, ownerCondition, plaintext);
  const R = ct.header!.ephemeral;
  const want = hex(Point.fromBytes(R).multiply(c.x).toBytes(true));
  const cands = c.candidates(R);

  for (let skip = 0; skip < 4; skip++) {
    const sub = cands.filter((_, i) => i !== skip);
    const { xR, bad } = combineShares(R, 2, sub);
    assert.equal(hex(xR), want, `without ${skip}`);
    assert.deepEqual(bad, []);
    assert.deepEqual(decryptWith(ct, xR), plaintext);
  }
  assert.equal(hex(combineShares(R, 2, cands).xR), want);
  assert.throws(() => combineShares(R, 2, cands.slice(0, 2)), NotEnoughSharesError);
  assert.throws(() => combineShares(R, 2, [cands[0], cands[1], cands[0]]), /duplicate x-coordinate/);
  // A wrong x·R does not decrypt.
  assert.throws(() => decryptWith(ct, combineShares(R, 1, cands.slice(0, 2)).xR), /decryption failed/);

  // One validator sends another's D: named, and the other three still combine.
  const forged = { ...cands[1], share: cands[2].share };
  const { xR, bad } = combineShares(R, 2, [cands[0], forged, cands[2], cands[3]]);
  assert.equal(hex(xR), want);
  assert.deepEqual(bad.map((b) => b.validator), [forged.validator]);
  assert.throws(() => combineShares(R, 2, [cands[0], forged, cands[2]]), (e: unknown) => e instanceof NotEnoughSharesError && e.bad[0].validator === forged.validator);

  // The whole requester path with shares sealed by an RFC 9180 implementation.
  const key = requesterKey();
  const shares = await sealShares(cands, key.publicKey, 12n);
  const keySet = c.keySet(cands.map((x) => x.publicShare));
  const opened = await openShares({ privateKey: key.privateKey, decryptionId: 12n, ephemeral: R, threshold: 2, keySet, shares: shares.slice(1) });
  assert.deepEqual(opened.bad, []);
  assert.deepEqual(decryptWith(ct, opened.xR), plaintext);
});

test("waitForDecryption: waits while pending and, with a bad share, for more while the session is open; fails closed", async () => {
  const { DecryptionStatus, SessionStatus, Decryption, KeySet } = tssV1;
  const c = committee(1, 3, 9n);
  const plaintext = toUtf8("served by x/tss");
  const ct = encrypt(c.root, ownerCondition, plaintext);
  const R = ct.header!.ephemeral;
  const cands = c.candidates(R);
  const key = requesterKey();
  const id = 21n;
  const forged = { ...cands[0], share: cands[1].share }; // validator 0 relays validator 1's D
  const [bad0, good1, good2] = await sealShares([forged, cands[1], cands[2]], key.publicKey, id);
  const keySet = KeySet.fromPartial(c.keySet(cands.map((x) => x.publicShare)));
  const base = { id, ephemeral: R, keySetId: 9n, threshold: 1, sessionId: 4n, requesterKey: key.publicKey };
  const served = (shares: typeof bad0[]) => Decryption.fromPartial({ ...base, status: DecryptionStatus.DECRYPTION_STATUS_SERVED, shares });

  const fake = (states: ReturnType<typeof Decryption.fromPartial>[], session = SessionStatus.SESSION_STATUS_OPEN, ks = keySet) => {
    let i = 0;
    const tss = {
      calls: 0,
      Decryption: async ({ id: got }: { id: bigint }) => {
        assert.equal(got, id);
        tss.calls++;
        return { decryption: states[Math.min(i++, states.length - 1)] };
      },
      KeySetByID: async ({ id: got }: { id: bigint }) => (got === ks.id ? { keySet: ks } : { keySet: undefined }),
      Session: async () => ({ session: tssV1.Session.fromPartial({ id: 4n, status: session }) }),
    };
    return tss;
  };
  const opts = { pollMs: 1, timeoutMs: 5_000 };
  const pending = Decryption.fromPartial({ ...base, status: DecryptionStatus.DECRYPTION_STATUS_PENDING });

  // Pending, then served with one bad and one good share (t+1 = 2: not enough, session open), then a third.
  const tss = fake([pending, served([bad0, good1]), served([bad0, good1, good2])]);
  const out = await waitForDecryption(tss as unknown as DecryptionQueries, id, ct, key.privateKey, opts);
  assert.deepEqual(out.plaintext, plaintext);
  assert.deepEqual(out.bad.map((b) => b.validator), [forged.validator]);
  assert.equal(tss.calls, 3);

  // The session closed with only one valid share: the bad validator is named.
  await assert.rejects(
    waitForDecryption(fake([served([bad0, good1])], SessionStatus.SESSION_STATUS_COMPLETED) as unknown as DecryptionQueries, id, ct, key.privateKey, opts),
    new RegExp(`not enough valid shares.*${forged.validator}`),
  );
  // The chain gave up.
  const failed = Decryption.fromPartial({ ...base, status: DecryptionStatus.DECRYPTION_STATUS_FAILED, error: "only 1 of the 2 shares needed arrived" });
  await assert.rejects(waitForDecryption(fake([failed]) as unknown as DecryptionQueries, id, ct, key.privateKey, opts), /failed: only 1 of the 2/);
  // A key set of another root cannot serve this ciphertext.
  const otherRoot = KeySet.fromPartial({ ...keySet, pubkey: "0x" + hex(Point.BASE.multiply(7n).toBytes(true)) });
  await assert.rejects(
    waitForDecryption(fake([served([good1, good2])], SessionStatus.SESSION_STATUS_OPEN, otherRoot) as unknown as DecryptionQueries, id, ct, key.privateKey, opts),
    /encrypted to root/,
  );
  // Still pending at the deadline.
  await assert.rejects(waitForDecryption(fake([pending]) as unknown as DecryptionQueries, id, ct, key.privateKey, { pollMs: 1, timeoutMs: 20 }), /not done after 20 ms/);
});

test("MsgDecrypt amino JSON: snake_case, bytes base64, enums as numbers, execution ids as strings, the header and its conditions always written", () => {
  const amino = createLitAminoTypes();
  const header = CiphertextHeader.fromPartial({
    version: 1,
    ephemeral: new Uint8Array([2, 1]),
    proof: new Uint8Array([3]),
    conditions: { type: ConditionType.CONDITION_TYPE_ANY, conditions: [{ type: ConditionType.CONDITION_TYPE_BALANCE, denom: "ulit", amount: "5" }, {}] },
    dataHash: new Uint8Array([4]),
  });
  const msg = amino.toAmino({
    typeUrl: typeUrls.MsgDecrypt,
    value: { requester: "lit1r", header, requesterKey: new Uint8Array([9, 9]), authMethods: [], executionIds: [3n, 2n ** 63n] },
  });
  assert.deepEqual(msg, {
    type: "lit/pkp/MsgDecrypt",
    value: {
      requester: "lit1r",
      header: {
        version: 1,
        ephemeral: "AgE=",
        proof: "Aw==",
        conditions: { type: 7, conditions: [{ type: 4, denom: "ulit", amount: "5" }, {}] },
        data_hash: "BA==",
      },
      requester_key: "CQk=",
      execution_ids: ["3", "9223372036854775808"],
    },
  });
  const empty = amino.toAmino({ typeUrl: typeUrls.MsgDecrypt, value: { requester: "lit1r" } });
  assert.deepEqual(msg.value.header.conditions.conditions[1], {}, "an empty nested condition is written as {}");
  assert.deepEqual(empty.value, { requester: "lit1r", header: { conditions: {} } });
  assert.deepEqual(AccessCondition.fromPartial(amino.fromAmino(msg).value.header.conditions), header.conditions);
});

test("MsgDecrypt amino JSON is the chain's (x/tx aminojson rendering in the conditions vector)", () => {
  const amino = createLitAminoTypes();
  const header = encrypt(fromHex(cv.root), tree, fromHex(cv.plaintext_hex), detStream(cv.rand_seed)).header!;
  const value = pkpTxV1.MsgDecrypt.fromPartial({
    requester: cv.requester,
    header,
    requesterKey: fromHex(cv.requester_key),
    authMethods: [
      { tokenId: "0x" + "b2".repeat(32), authMethodType: 6n, id: "0xabcdef0123456789", proof: { jwt: "eyJ.a<b>.c" } },
      { tokenId: "0x" + "a1".repeat(32), authMethodType: 3n, id: "0x02", proof: { session: { pubkey: "0x02" + "11".repeat(32), signature: new Uint8Array(64).fill(9) } } },
    ],
    executionIds: [1n, 2n ** 63n],
  });
  const msg = amino.toAmino({ typeUrl: typeUrls.MsgDecrypt, value });
  // What CosmJS signs (keys sorted; &, <, > escaped as the chain's encoder escapes them) carries the chain's rendering verbatim.
  const signed = fromUtf8(serializeSignDoc(makeSignDoc([msg], { amount: [], gas: "200000" }, "litd-1", "", 1, 2)));
  assert.ok(signed.includes(`"msgs":[${cv.msg_decrypt_amino_json}]`), signed);
  // And back, through JSON as a remote amino signer sees it.
  const back = amino.fromAmino(JSON.parse(cv.msg_decrypt_amino_json));
  assert.deepEqual(pkpTxV1.MsgDecrypt.fromPartial(back.value), value);
});
