// Fee grants from a wallet: an app grants an allowance to a user who holds
// nothing; the user mints a PKP and has it sign, paying gas, mint fee and
// sign fee from the grant (StdFee.granter), signing direct or amino.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";

import { Secp256k1Wallet } from "@cosmjs/amino";
import { DirectSecp256k1Wallet, OfflineSigner } from "@cosmjs/proto-signing";
import { BasicAllowance } from "cosmjs-types/cosmos/feegrant/v1beta1/feegrant";
import { MsgGrantAllowance } from "cosmjs-types/cosmos/feegrant/v1beta1/tx";
import { getAddress, recoverAddress } from "ethers";

import { LitClient, tssV1 } from "../src";
import { Account, account, assertCommitted, env } from "./env";

describe("fee grants", () => {
  for (const mode of ["direct", "amino"] as const) {
    it(`a zero-balance ${mode} wallet mints and signs on a grant`, async () => {
      const granter = await account(8, "direct");
      const key = crypto.getRandomValues(new Uint8Array(32));
      const signer: OfflineSigner =
        mode === "direct" ? await DirectSecp256k1Wallet.fromKey(key, "lit") : await Secp256k1Wallet.fromKey(key, "lit");
      const [{ address: user }] = await signer.getAccounts();
      const client = await LitClient.connectWithSigner(env.rpc, signer, { broadcastPollIntervalMs: 250 });
      const acc: Account = { client, address: user, mode };

      const limit = 3_000_000n;
      const grant = {
        typeUrl: "/cosmos.feegrant.v1beta1.MsgGrantAllowance",
        value: MsgGrantAllowance.fromPartial({
          granter: granter.address,
          grantee: user,
          allowance: {
            typeUrl: "/cosmos.feegrant.v1beta1.BasicAllowance",
            value: BasicAllowance.encode(BasicAllowance.fromPartial({ spendLimit: [{ denom: "ulit", amount: limit.toString() }] })).finish(),
          },
        }),
      };
      await assertCommitted(granter, await granter.client.send(granter.address, [grant]));
      const before = BigInt((await granter.client.getBalance(granter.address, "ulit")).amount);

      const fee = { amount: [{ denom: "ulit", amount: "1000" }], gas: "400000", granter: granter.address };
      const pkp = await client.mintPkp(user, {}, fee);
      await assertCommitted(acc, pkp.tx);
      const digest = createHash("sha256").update(`granted ${mode}`).digest();
      const { signatureId, tx } = await client.requestSignature(user, pkp.tokenId, digest, fee);
      await assertCommitted(acc, tx);
      const sig = await client.waitForSignature(signatureId, { timeoutMs: 180_000 });
      assert.equal(sig.status, tssV1.SignatureStatus.SIGNATURE_STATUS_SIGNED);
      assert.equal(recoverAddress(digest, sig), getAddress(pkp.ethAddress));

      assert.equal((await client.getBalance(user, "ulit")).amount, "0", "the user still holds nothing");
      // Two gas fees, the 1 LIT mint fee and the 0.1 LIT sign fee, all from the granter.
      const spent = 2_000n + 1_000_000n + 100_000n;
      assert.equal(BigInt((await granter.client.getBalance(granter.address, "ulit")).amount), before - spent);
    });
  }
});
