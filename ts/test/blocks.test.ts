// Walks 55 consecutive blocks and decodes every tx with decodeBlockTxs,
// tx 0 (the proposer's injected extended commit) included.
import assert from "node:assert/strict";
import { test } from "node:test";

import { coins } from "@cosmjs/stargate";
import { decodeTxRaw } from "@cosmjs/proto-signing";

import { connectLitComet, decodeBlockTxs, decodeVoteExtensions, injectedCommitTypeUrl, isInjectedTx, LitQueryClient, tssV1 } from "../src";
import { account, assertCommitted, randomAddress } from "./env";

const walk = 55;

test(`decodeBlockTxs reads every tx of ${walk} consecutive blocks, tx 0 included`, { timeout: 180_000 }, async () => {
  const [direct, amino] = await Promise.all([account(6, "direct"), account(7, "amino")]);
  const to = await randomAddress();
  // Two user txs of ours to find in the walk, one per sign mode.
  const ours = new Map<string, string>();
  for (const acc of [direct, amino]) {
    const tx = await acc.client.sendTokens(acc.address, to, coins(1, "ulit"), "auto");
    await assertCommitted(acc, tx);
    ours.set(tx.transactionHash, acc.mode);
  }
  const comet = await connectLitComet(process.env.LITD_RPC!);
  // Vote extensions are on from height 2, so every block from 3 on has tx 0.
  let tip = (await comet.status()).syncInfo.latestBlockHeight;
  while (tip < walk + 2) {
    await new Promise((r) => setTimeout(r, 500));
    tip = (await comet.status()).syncInfo.latestBlockHeight;
  }
  const validators = (await comet.validatorsAll(tip)).validators.length;
  assert.equal(validators, 4);

  let userTxs = 0;
  const found = new Set<string>();
  for (let h = tip - walk + 1; h <= tip; h++) {
    const { block } = await comet.block(h);
    const txs = decodeBlockTxs(block, direct.client.registry);
    assert.equal(txs.length, block.txs.length);
    assert.ok(txs.length >= 1, `block ${h} has no tx 0`);

    const [tx0, ...rest] = txs;
    assert.equal(tx0.injected, true, `tx 0 of block ${h} is the injected commit`);
    if (!tx0.injected) continue;
    // The spec: a plain TxRaw CosmJS decodes, one Any, no auth info, no signatures.
    assert.equal(isInjectedTx(block.txs[0]), true);
    const plain = decodeTxRaw(block.txs[0]);
    assert.deepEqual(plain.body.messages.map((m) => m.typeUrl), [injectedCommitTypeUrl]);
    assert.equal(plain.signatures.length, 0);
    assert.equal(plain.authInfo.signerInfos.length, 0);
    assert.equal(tx0.commit.votes.length, validators, `block ${h}: one vote per validator`);
    const extensions = decodeVoteExtensions(tx0.commit);
    assert.ok(extensions.filter((e) => e !== undefined).length >= 3, `block ${h}: at least 3 of 4 extensions`);

    for (const tx of rest) {
      assert.equal(tx.injected, false, `block ${h} tx ${tx.index}: only tx 0 is injected`);
      if (tx.injected) continue;
      userTxs++;
      assert.equal(tx.tx.signatures.length, 1);
      assert.ok(tx.messages.length >= 1);
      for (const m of tx.messages) assert.notEqual(m.value, undefined, `block ${h}: ${m.typeUrl} decodes`);
      if (ours.has(tx.hash)) {
        found.add(tx.hash);
        assert.deepEqual(tx.messages.map((m) => m.typeUrl), ["/cosmos.bank.v1beta1.MsgSend"]);
      }
    }

    // The chain reports tx 0 as a successful non-transaction, not a failed tx.
    const results = await comet.blockResults(h);
    assert.equal(results.results.length, txs.length);
    assert.equal(results.results[0].code, 0, `block ${h}: tx 0 result ${results.results[0].log}`);
  }
  assert.ok(userTxs >= 2);
  // The read-only client decodes the same way and reads lit state.
  const reader = await LitQueryClient.connect(process.env.LITD_RPC!);
  const again = await reader.getBlockTxs(tip);
  assert.deepEqual(again.map((t) => [t.hash, t.injected]), decodeBlockTxs((await comet.block(tip)).block).map((t) => [t.hash, t.injected]));
  assert.equal((await reader.lit.tss.KeySet({})).keySet?.status, tssV1.KeySetStatus.KEY_SET_STATUS_ACTIVE);
  reader.disconnect();

  // Ours were committed just before the walk's last block: the walk saw them, at index >= 1.
  assert.deepEqual([...found].sort(), [...ours.keys()].sort());
  comet.disconnect();
});
