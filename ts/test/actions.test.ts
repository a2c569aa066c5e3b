// Lit Actions from a wallet: upload code (pinned by its IPFS CID), mint a
// PKP only that action can use, execute it, read its result and verify the
// signature it made; both sign modes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { getAddress, recoverAddress, toBeHex } from "ethers";

import { actionsV1, typeUrls } from "../src";
import { account, assertCommitted, refusedUpdateParams } from "./env";

// Signs a number (as a 32-byte big-endian integer) only if it is prime.
// Its `<`, `&&` and `>` must survive amino JSON (Go escapes them as \u003c...).
const primeAction = `
(async () => {
  const n = number;
  let prime = n > 1;
  for (let i = 2; i * i <= n && prime; i++) { if (n % i === 0) prime = false; }
  if (!prime) {
    Lit.Actions.setResponse({response: JSON.stringify({signed: false, reason: n + " is not prime"})});
    return;
  }
  const toSign = new Array(32).fill(0);
  let v = n;
  for (let i = 31; i >= 0 && v > 0; i--) { toSign[i] = v % 256; v = Math.floor(v / 256); }
  await Lit.Actions.signEcdsa({toSign, publicKey, sigName: "prime"});
  Lit.Actions.setResponse({response: JSON.stringify({signed: true, number: n})});
})();
`;

describe("x/actions", { concurrency: true }, () => {
  for (const [index, mode, number] of [
    [4, "direct", 7919],
    [5, "amino", 104729],
  ] as const) {
    it(`upload, mint-grant-burn, execute, verify, ${mode}`, async () => {
      const acc = await account(index, mode);
      const { client, address } = acc;
      // A comment makes each mode's code (and CID) its own; its characters
      // must reach the chain intact and, in amino, sign the same on both sides.
      const code = `// ${mode} wallet: é 😀 \b\f\u0001 "quoted" \\ <>&\n${primeAction}`;
      const { cid, tx: uploaded } = await client.uploadAction(address, code);
      await assertCommitted(acc, uploaded);
      assert.match(cid, /^Qm[1-9A-HJ-NP-Za-km-z]{44}$/);
      assert.equal((await client.lit.actions.Action({ cid })).action?.code, code, "the chain stores the code as sent");

      const pkp = await client.mintGrantBurn(address, cid);
      await assertCommitted(acc, pkp.tx);

      const run = await client.executeAction(address, { cid, jsParams: { number, publicKey: pkp.pubkey } });
      await assertCommitted(acc, run.tx);
      assert.equal(run.cid, cid);
      const execution = await client.waitForActionResult(run.executionId, { timeoutMs: 240_000 });
      assert.equal(execution.status, actionsV1.ExecutionStatus.EXECUTION_STATUS_COMPLETED);
      assert.deepEqual(JSON.parse(execution.result?.response ?? ""), { signed: true, number });
      assert.equal(execution.caller, address);

      const [req] = execution.result?.signRequests ?? [];
      assert.ok(req, "the action asked for one signature");
      assert.equal(req.tokenId, pkp.tokenId);
      assert.equal(req.toSign, toBeHex(number, 32));
      const sig = await client.waitForSignature(req.signatureId, { timeoutMs: 180_000 });
      assert.equal(sig.requester, `action:${cid}`);
      assert.equal(recoverAddress(req.toSign, { r: sig.r, s: sig.s, v: sig.v }), getAddress(pkp.ethAddress));

      // Inline code (the code field; uploaded on the way) that refuses a composite.
      const inline = await client.executeAction(address, { code: `/* ${mode} inline */ ${primeAction}`, jsParams: { number: 7917, publicKey: pkp.pubkey } });
      await assertCommitted(acc, inline.tx);
      assert.notEqual(inline.cid, cid);
      const refused = await client.waitForActionResult(inline.executionId, { timeoutMs: 240_000 });
      assert.deepEqual(JSON.parse(refused.result?.response ?? ""), { signed: false, reason: "7917 is not prime" });
      assert.deepEqual(refused.result?.signRequests, []);

      // U+2028 in amino JSON: Go escapes it, CosmJS's amino signers do not,
      // so LitClient refuses to sign it with an amino-only signer; direct works.
      const lineSep = `/* ${mode} \u2028 */ Lit.Actions.setResponse({response: "ok"});`;
      if (mode === "amino") {
        await assert.rejects(client.uploadAction(address, lineSep), /legacy amino signing cannot carry U\+2028/);
      } else {
        const sep = await client.uploadAction(address, lineSep);
        await assertCommitted(acc, sep.tx);
        assert.equal((await client.lit.actions.Action({ cid: sep.cid })).action?.code, lineSep);
      }

      await refusedUpdateParams(
        acc,
        typeUrls.ActionsMsgUpdateParams,
        { maxCodeBytes: 1n << 20n, maxFetches: 8, timeoutMs: 5000n, feePerFetch: { denom: "ulit", amount: "1" } },
        8,
      );
    });
  }
});
