// Threshold decryption from a wallet against the chain: a file encrypted
// offline to "owner of a PKP" decrypts for its owner (direct signer), is
// refused to anyone else, and opens for the new owner (amino signer) after a
// transfer. The shares are sealed to a key made for each request; the client
// checks every share's proof and names none as wrong.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ciphertextFromJSON, ciphertextToJSON, pkpV1, typeUrls } from "../src";
import { account, assertCommitted } from "./env";

describe("threshold decryption", () => {
  it("owner of a PKP: the owner decrypts, a stranger is refused, a transfer moves it (direct and amino)", async () => {
    const [owner, other] = await Promise.all([account(11, "direct"), account(12, "amino")]);
    const pkp = await owner.client.mintPkp(owner.address);
    const plaintext = new TextEncoder().encode("for the owner of the PKP, whoever that is");
    const c = await owner.client.encrypt({ type: pkpV1.ConditionType.CONDITION_TYPE_PKP_OWNER, tokenId: pkp.tokenId }, plaintext);
    const file = ciphertextFromJSON(ciphertextToJSON(c)); // what `litd tx pkp encrypt` writes and reads

    const mine = await owner.client.decrypt(owner.address, file, { timeoutMs: 120_000 });
    assert.deepEqual(mine.plaintext, plaintext);
    assert.deepEqual(mine.bad, []);
    await assertCommitted(owner, mine.tx);

    await assert.rejects(other.client.decrypt(other.address, file, { timeoutMs: 60_000 }), /access conditions not met/);

    const tx = await owner.client.signAndBroadcast(
      owner.address,
      [{ typeUrl: typeUrls.MsgTransfer, value: { owner: owner.address, tokenId: pkp.tokenId, recipient: other.address } }],
      "auto",
    );
    await assertCommitted(owner, tx);
    const theirs = await other.client.decrypt(other.address, file, { timeoutMs: 120_000 });
    assert.deepEqual(theirs.plaintext, plaintext);
    await assertCommitted(other, theirs.tx);
    await assert.rejects(owner.client.decrypt(owner.address, file, { timeoutMs: 60_000 }), /does not own pkp/);
  });
});
