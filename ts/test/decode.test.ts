// Offline checks of decodeBlockTxs and event decoding on hand-made bytes.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Any } from "cosmjs-types/google/protobuf/any";
import { AuthInfo, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { ExtendedCommitInfo } from "cosmjs-types/tendermint/abci/types";

import { abciV1, aminoUnsafeString, createLitRegistry, decodeAttributeValue, decodeBlockTxs, decodeVoteExtensions, eventAttributes, injectedCommitTypeUrl, typeUrls } from "../src";
import { MsgSign } from "../src/generated/lit/tss/v1/tx";

const extension = abciV1.VoteExtension.fromPartial({ tss: {} });
const commit = ExtendedCommitInfo.fromPartial({
  round: 1,
  votes: [
    { validator: { address: new Uint8Array(20).fill(1), power: 10n }, voteExtension: abciV1.VoteExtension.encode(extension).finish(), blockIdFlag: 2 },
    { validator: { address: new Uint8Array(20).fill(2), power: 10n }, voteExtension: new Uint8Array(), blockIdFlag: 2 },
  ],
});

function txRaw(messages: Any[], authInfo?: AuthInfo, signatures: Uint8Array[] = []): Uint8Array {
  return TxRaw.encode({
    bodyBytes: TxBody.encode(TxBody.fromPartial({ messages })).finish(),
    authInfoBytes: authInfo ? AuthInfo.encode(authInfo).finish() : new Uint8Array(),
    signatures,
  }).finish();
}

const injected = txRaw([{ typeUrl: injectedCommitTypeUrl, value: ExtendedCommitInfo.encode(commit).finish() }]);
const sign = txRaw(
  [{ typeUrl: typeUrls.MsgSign, value: MsgSign.encode({ requester: "lit1x", tokenId: "0x01", digest: "0x02" }).finish() }],
  AuthInfo.fromPartial({ signerInfos: [{ sequence: 3n }], fee: { gasLimit: 1n } }),
  [new Uint8Array(64)],
);

test("decodeBlockTxs marks the injected commit and decodes user messages", () => {
  const [tx0, tx1] = decodeBlockTxs({ txs: [injected, sign] }, createLitRegistry());
  assert.equal(tx0.injected, true);
  assert.equal(tx0.index, 0);
  assert.match(tx0.hash, /^[0-9A-F]{64}$/);
  if (tx0.injected) {
    assert.deepEqual(tx0.commit, commit);
    assert.deepEqual(decodeVoteExtensions(tx0.commit), [extension, undefined]);
  }
  assert.equal(tx1.injected, false);
  if (!tx1.injected) assert.deepEqual(tx1.messages, [{ typeUrl: typeUrls.MsgSign, value: { requester: "lit1x", tokenId: "0x01", digest: "0x02" } }]);
});

test("a signed tx carrying the commit type is a user tx, not the injected one", () => {
  const forged = txRaw([{ typeUrl: injectedCommitTypeUrl, value: new Uint8Array() }], AuthInfo.fromPartial({ signerInfos: [{}] }), [new Uint8Array(64)]);
  const [tx] = decodeBlockTxs({ txs: [forged] });
  assert.equal(tx.injected, false);
  if (!tx.injected) assert.deepEqual(tx.messages, [{ typeUrl: injectedCommitTypeUrl, value: undefined }]);
});

test("bytes that are no TxRaw (the old \\0litd/ve/v1\\0 prefix) throw with the tx index", () => {
  const old = new Uint8Array([0, ...new TextEncoder().encode("litd/ve/v1"), 0, 1, 2]);
  assert.throws(() => decodeBlockTxs({ txs: [old] }), /tx 0 .* is not a Cosmos TxRaw/);
});

test("typed event attributes are JSON", () => {
  assert.equal(decodeAttributeValue('"0xab"'), "0xab");
  assert.equal(decodeAttributeValue('"5"'), "5");
  assert.equal(decodeAttributeValue("27"), 27);
  assert.equal(decodeAttributeValue("EndBlock"), "EndBlock");
  assert.deepEqual(
    eventAttributes({ type: "lit.tss.v1.EventSignatureCompleted", attributes: [{ key: "signature_id", value: '"7"' }, { key: "v", value: "28" }, { key: "mode", value: "EndBlock" }] }),
    { signature_id: "7", v: 28, mode: "EndBlock" },
  );
});

test("aminoUnsafeString finds what CosmJS's amino signers and Go's JSON would escape differently", () => {
  assert.equal(aminoUnsafeString({ a: ["ok é 😀 <>& \b"], b: 5n, c: new Uint8Array([0xe2, 0x80, 0xa8]) }), undefined);
  assert.equal(aminoUnsafeString({ a: [{ code: "x\u2028y" }] }), "x\u2028y");
  assert.equal(aminoUnsafeString("\u2029"), "\u2029");
  assert.equal(aminoUnsafeString("lone \ud800 high"), "lone \ud800 high");
  assert.equal(aminoUnsafeString("lone \udc00 low"), "lone \udc00 low");
  assert.equal(aminoUnsafeString("pair \ud83d\ude00"), undefined);
});
