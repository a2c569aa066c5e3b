// Shared setup of the tests that talk to a chain: endpoints and funded keys
// come from the environment e2e/tsclient (Go) sets before `npm test`.
import assert from "node:assert/strict";

import { Secp256k1Wallet } from "@cosmjs/amino";
import { fromHex } from "@cosmjs/encoding";
import { decodeTxRaw, DirectSecp256k1Wallet, OfflineSigner } from "@cosmjs/proto-signing";
import { DeliverTxResponse } from "@cosmjs/stargate";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { encodeBase58 } from "ethers";

import { LitClient } from "../src";

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run these tests through e2e/tsclient (make test)`);
  return v;
}

export const env = {
  get rpc() {
    return required("LITD_RPC");
  },
  get rest() {
    return required("LITD_REST");
  },
  get chainId() {
    return required("LITD_CHAIN_ID");
  },
  get keys() {
    return required("LITD_TEST_KEYS").split(",");
  },
};

/** A connected client and its address. */
export interface Account {
  readonly client: LitClient;
  readonly address: string;
  /** The sign mode its signer uses: a direct signer or a legacy amino-only signer. */
  readonly mode: "direct" | "amino";
}

/**
 * Connects the funded key `index` (LITD_TEST_KEYS) with a direct signer or
 * an amino-only signer (CosmJS then signs SIGN_MODE_LEGACY_AMINO_JSON).
 */
export async function account(index: number, mode: "direct" | "amino"): Promise<Account> {
  const key = fromHex(env.keys[index]);
  const signer: OfflineSigner =
    mode === "direct" ? await DirectSecp256k1Wallet.fromKey(key, "lit") : await Secp256k1Wallet.fromKey(key, "lit");
  const [{ address }] = await signer.getAccounts();
  const client = await LitClient.connectWithSigner(env.rpc, signer, { broadcastPollIntervalMs: 250 });
  return { client, address, mode };
}

const wantMode = { direct: SignMode.SIGN_MODE_DIRECT, amino: SignMode.SIGN_MODE_LEGACY_AMINO_JSON };

/**
 * Requires tx to be committed with code 0 and signed in acc's sign mode (read
 * back from the chain's tx index), so an amino test really went through amino.
 */
export async function assertCommitted(acc: Account, tx: DeliverTxResponse): Promise<void> {
  assert.equal(tx.code, 0, `tx ${tx.transactionHash} failed: ${tx.rawLog ?? ""} ${JSON.stringify(tx.events)}`);
  assert.ok(tx.height > 0);
  await assertSignMode(acc, tx.transactionHash);
}

export async function assertSignMode(acc: Account, hash: string): Promise<void> {
  const indexed = await acc.client.getTx(hash);
  assert.ok(indexed, `tx ${hash} not in the index`);
  const decoded = decodeTxRaw(indexed.tx);
  assert.equal(decoded.authInfo.signerInfos.length, 1);
  assert.equal(decoded.authInfo.signerInfos[0].modeInfo?.single?.mode, wantMode[acc.mode], `sign mode of ${hash}`);
}

/** A fresh random lit address (never funded) to permit or transfer to. */
export async function randomAddress(): Promise<string> {
  const w = await DirectSecp256k1Wallet.fromKey(crypto.getRandomValues(new Uint8Array(32)), "lit");
  return (await w.getAccounts())[0].address;
}

/** A random valid IPFS CIDv0 (Qm..., a sha2-256 multihash). */
export function randomCid(): string {
  return encodeBase58(Uint8Array.of(0x12, 0x20, ...crypto.getRandomValues(new Uint8Array(32))));
}

/**
 * Sends a module's MsgUpdateParams naming acc itself as authority. It is
 * gov's Msg, so the module refuses it (code, "invalid authority") — but only
 * after the ante handler verified the signature over the sign bytes the
 * chain derives from the tx, amino JSON included: a wrong amino encoding
 * fails CheckTx (code 4) and never reaches a block.
 */
export async function refusedUpdateParams(acc: Account, typeUrl: string, params: unknown, code: number): Promise<void> {
  const tx = await acc.client.signAndBroadcast(acc.address, [{ typeUrl, value: { authority: acc.address, params } }], {
    amount: [],
    gas: "300000",
  });
  assert.ok(tx.height > 0, "delivered in a block: the signature verified");
  assert.equal(tx.code, code, tx.rawLog);
  const indexed = await acc.client.getTx(tx.transactionHash);
  assert.equal(indexed?.code, code);
  assert.match(indexed?.rawLog ?? "", /invalid authority/);
  await assertSignMode(acc, tx.transactionHash);
}
