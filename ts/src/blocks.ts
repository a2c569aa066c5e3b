import { sha256 } from "@cosmjs/crypto";
import { toHex } from "@cosmjs/encoding";
import { DecodedTxRaw, decodeTxRaw, Registry } from "@cosmjs/proto-signing";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { ExtendedCommitInfo } from "cosmjs-types/tendermint/abci/types";

import { VoteExtension } from "./generated/lit/abci/v1/ve";

/**
 * Type URL of the one message of the tx 0 a litd proposer injects: the
 * previous height's extended commit (every validator's vote extension,
 * which carries the threshold-signing and Lit Action traffic). It is a
 * TxRaw with that single message, empty auth_info and no signatures, so
 * decodeTxRaw reads it; it is no user's transaction.
 */
export const injectedCommitTypeUrl = "/tendermint.abci.ExtendedCommitInfo";

/** A decoded message of a user tx; value is undefined when the registry does not know typeUrl. */
export interface DecodedMsg {
  readonly typeUrl: string;
  readonly value: unknown;
}

interface BlockTxBase {
  /** Position in the block. */
  readonly index: number;
  /** Upper-case hex SHA-256 of the tx bytes, as CometBFT and the tx index name it. */
  readonly hash: string;
  readonly raw: Uint8Array;
  readonly tx: DecodedTxRaw;
}

/** A transaction a user signed. */
export interface UserBlockTx extends BlockTxBase {
  readonly injected: false;
  readonly messages: readonly DecodedMsg[];
}

/** The proposer's tx 0 with the previous height's extended commit. */
export interface InjectedBlockTx extends BlockTxBase {
  readonly injected: true;
  readonly commit: ExtendedCommitInfo;
}

export type BlockTx = UserBlockTx | InjectedBlockTx;

/**
 * Tells whether tx bytes are the proposer's injected extended commit: a
 * TxRaw with no auth info, no signatures and one message of type
 * injectedCommitTypeUrl (the chain's own test, less its canonical
 * re-encoding check, which only proposers need).
 */
export function isInjectedTx(raw: Uint8Array): boolean {
  let txRaw: TxRaw;
  try {
    txRaw = TxRaw.decode(raw);
  } catch {
    return false;
  }
  if (txRaw.authInfoBytes.length !== 0 || txRaw.signatures.length !== 0) return false;
  try {
    const { body } = decodeTxRaw(raw);
    return body.messages.length === 1 && body.messages[0].typeUrl === injectedCommitTypeUrl;
  } catch {
    return false;
  }
}

/**
 * Decodes every tx of a block (a CosmJS Block from getBlock, or a CometBFT
 * block from Comet38Client.block), tx 0 included, and marks the injected
 * extended commit. With a registry, user messages are decoded too.
 * Throws when a tx does not decode as a Cosmos TxRaw.
 */
export function decodeBlockTxs(block: { readonly txs: readonly Uint8Array[] }, registry?: Registry): BlockTx[] {
  return block.txs.map((raw, index): BlockTx => {
    const hash = toHex(sha256(raw)).toUpperCase();
    let tx: DecodedTxRaw;
    try {
      tx = decodeTxRaw(raw);
    } catch (e) {
      throw new Error(`tx ${index} (${hash}) is not a Cosmos TxRaw: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (isInjectedTx(raw)) {
      return { index, hash, raw, tx, injected: true, commit: ExtendedCommitInfo.decode(tx.body.messages[0].value) };
    }
    const messages = tx.body.messages.map((any) => ({
      typeUrl: any.typeUrl,
      value: registry?.lookupType(any.typeUrl) ? registry.decode(any) : undefined,
    }));
    return { index, hash, raw, tx, injected: false, messages };
  });
}

/**
 * Decodes the lit vote extensions of an injected commit: one entry per
 * validator vote, undefined where the vote carries no extension.
 */
export function decodeVoteExtensions(commit: ExtendedCommitInfo): Array<VoteExtension | undefined> {
  return commit.votes.map((v) => (v.voteExtension.length === 0 ? undefined : VoteExtension.decode(v.voteExtension)));
}
