// Threshold signing from a wallet: mint a PKP, ask the validators to sign a
// digest (direct and amino), wait for r, s, v and verify with ethers that
// the signature recovers to the PKP's Ethereum address.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";

import { getAddress, recoverAddress, SigningKey } from "ethers";

import { digestHex, tssV1, typeUrls } from "../src";
import { account, refusedUpdateParams } from "./env";

describe("x/tss", { concurrency: true }, () => {
  for (const [index, mode] of [
    [2, "direct"],
    [3, "amino"],
  ] as const) {
    it(`mint, sign and verify with ethers, ${mode}`, async () => {
      const acc = await account(index, mode);
      const { client, address } = acc;
      const pkp = await client.mintPkp(address);
      const digest = createHash("sha256").update(`hello litd from a ${mode} wallet`).digest();

      const { signatureId, tx } = await client.requestSignature(address, pkp.tokenId, digest);
      assert.equal(tx.code, 0);
      const sig = await client.waitForSignature(signatureId, { timeoutMs: 180_000 });
      assert.equal(sig.status, tssV1.SignatureStatus.SIGNATURE_STATUS_SIGNED);
      assert.equal(sig.digest, digestHex(digest));
      assert.equal(sig.requester, address);
      assert.equal(sig.pubkey, pkp.pubkey);

      const ethSig = { r: sig.r, s: sig.s, v: sig.v };
      assert.equal(recoverAddress(digest, sig), getAddress(pkp.ethAddress), "the record itself is a SignatureLike");
      assert.equal(recoverAddress(digest, ethSig), getAddress(pkp.ethAddress));
      assert.equal(SigningKey.recoverPublicKey(digest, ethSig), pkp.pubkey);

      // The same r, s, v in the finalize-block event of the block that signed it.
      const events = await client.signatureCompletedEvents(Number(sig.signedHeight));
      const ev = events.find((e) => e.signatureId === signatureId);
      assert.ok(ev, `no EventSignatureCompleted for ${signatureId} at ${sig.signedHeight}: ${JSON.stringify(events, (_, v) => (typeof v === "bigint" ? v.toString() : v))}`);
      assert.deepEqual(ev, { signatureId, tokenId: pkp.tokenId, r: sig.r, s: sig.s, v: sig.v });

      // A digest that is not 32 bytes never leaves the wallet.
      await assert.rejects(client.requestSignature(address, pkp.tokenId, "0x1234"), /32 bytes/);

      await refusedUpdateParams(
        acc,
        typeUrls.TssMsgUpdateParams,
        { signTimeoutBlocks: 40n, maxSignAttempts: 3, signFee: { denom: "ulit", amount: "100000" }, faultWindowBlocks: 2n ** 62n },
        10,
      );
    });
  }
});
