export { createLitAminoConverters, createLitAminoTypes, litAminoNames } from "./amino";
export type { BlockTx, DecodedMsg, InjectedBlockTx, UserBlockTx } from "./blocks";
export { decodeBlockTxs, decodeVoteExtensions, injectedCommitTypeUrl, isInjectedTx } from "./blocks";
export type {
  DecryptionQueries,
  DecryptionRequest,
  DecryptOptions,
  Decrypted,
  EncryptOptions,
  LitClientOptions,
  LitQueries,
  MintedPkp,
  MintOptions,
  SignatureCompleted,
  WaitOptions,
} from "./client";
export {
  aminoUnsafeString,
  connectLitComet,
  digestHex,
  executionHash,
  LitClient,
  LitQueryClient,
  setupLitQueries,
  waitForDecryption,
} from "./client";
export type {
  AccessConditionInit,
  BadShare,
  CiphertextHeaderInit,
  Combined,
  EncryptedParts,
  RandomSource,
  RequesterKey,
  Share,
  ShareCandidate,
  ShareKeySet,
} from "./encryption";
export {
  checkCiphertext,
  CIPHERTEXT_VERSION,
  ciphertextFromJSON,
  ciphertextToJSON,
  combineShares,
  conditionsToJSON,
  decryptFromIdentity,
  DATA_SALT_SIZE,
  dataHashOf,
  decryptionHash,
  decryptWith,
  encodeConditions,
  encrypt,
  encryptToIdentity,
  identity,
  identityFromBytes,
  identityKey,
  identityOffset,
  MAX_CONDITION_DEPTH,
  MAX_CONDITIONS,
  NONCE_SIZE,
  NotEnoughSharesError,
  openShare,
  openShares,
  POINT_SIZE,
  PROOF_SIZE,
  requesterKey,
  SHARE_SIZE,
  shareInfo,
  validateConditions,
  verifyEphemeral,
  verifyShare,
  xCoord,
} from "./encryption";
export type { AbciEvent } from "./events";
export { decodeAttributeValue, eventAttributes, findEvents } from "./events";
export { createLitRegistry, litRegistryTypes, typeUrls } from "./registry";

// Generated types (ts-proto), one namespace per proto package file.
export * as actionsV1 from "./generated/lit/actions/v1/actions";
export * as actionsQueryV1 from "./generated/lit/actions/v1/query";
export * as actionsTxV1 from "./generated/lit/actions/v1/tx";
export * as actionsEventsV1 from "./generated/lit/actions/v1/events";
export * as pkpV1 from "./generated/lit/pkp/v1/pkp";
export * as pkpQueryV1 from "./generated/lit/pkp/v1/query";
export * as pkpTxV1 from "./generated/lit/pkp/v1/tx";
export * as pkpEventsV1 from "./generated/lit/pkp/v1/events";
export * as tssV1 from "./generated/lit/tss/v1/tss";
export * as tssQueryV1 from "./generated/lit/tss/v1/query";
export * as tssTxV1 from "./generated/lit/tss/v1/tx";
export * as tssEventsV1 from "./generated/lit/tss/v1/events";
export * as abciV1 from "./generated/lit/abci/v1/ve";
