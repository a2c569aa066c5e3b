import { GeneratedType, Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes } from "@cosmjs/stargate";

import * as actionsTx from "./generated/lit/actions/v1/tx";
import * as pkpTx from "./generated/lit/pkp/v1/tx";
import * as tssTx from "./generated/lit/tss/v1/tx";

/** Type URLs of every lit Msg (proto/lit/{pkp,tss,actions}/v1/tx.proto). */
export const typeUrls = {
  MsgMint: "/lit.pkp.v1.MsgMint",
  MsgMintGrantBurn: "/lit.pkp.v1.MsgMintGrantBurn",
  MsgTransfer: "/lit.pkp.v1.MsgTransfer",
  MsgBurn: "/lit.pkp.v1.MsgBurn",
  MsgAddPermittedAction: "/lit.pkp.v1.MsgAddPermittedAction",
  MsgRemovePermittedAction: "/lit.pkp.v1.MsgRemovePermittedAction",
  MsgAddPermittedAddress: "/lit.pkp.v1.MsgAddPermittedAddress",
  MsgRemovePermittedAddress: "/lit.pkp.v1.MsgRemovePermittedAddress",
  MsgAddAuthMethod: "/lit.pkp.v1.MsgAddAuthMethod",
  MsgRemoveAuthMethod: "/lit.pkp.v1.MsgRemoveAuthMethod",
  MsgAddAuthMethodScope: "/lit.pkp.v1.MsgAddAuthMethodScope",
  MsgRemoveAuthMethodScope: "/lit.pkp.v1.MsgRemoveAuthMethodScope",
  MsgSignWithAuthMethod: "/lit.pkp.v1.MsgSignWithAuthMethod",
  MsgAuthorizeSessionKey: "/lit.pkp.v1.MsgAuthorizeSessionKey",
  MsgRevokeSessionKey: "/lit.pkp.v1.MsgRevokeSessionKey",
  MsgDecrypt: "/lit.pkp.v1.MsgDecrypt",
  PkpMsgUpdateParams: "/lit.pkp.v1.MsgUpdateParams",
  MsgSign: "/lit.tss.v1.MsgSign",
  TssMsgUpdateParams: "/lit.tss.v1.MsgUpdateParams",
  MsgUploadAction: "/lit.actions.v1.MsgUploadAction",
  MsgExecuteAction: "/lit.actions.v1.MsgExecuteAction",
  ActionsMsgUpdateParams: "/lit.actions.v1.MsgUpdateParams",
} as const;

/** Every lit Msg with its generated (ts-proto) codec, keyed by type URL. */
export const litRegistryTypes: ReadonlyArray<[string, GeneratedType]> = [
  [typeUrls.MsgMint, pkpTx.MsgMint],
  [typeUrls.MsgMintGrantBurn, pkpTx.MsgMintGrantBurn],
  [typeUrls.MsgTransfer, pkpTx.MsgTransfer],
  [typeUrls.MsgBurn, pkpTx.MsgBurn],
  [typeUrls.MsgAddPermittedAction, pkpTx.MsgAddPermittedAction],
  [typeUrls.MsgRemovePermittedAction, pkpTx.MsgRemovePermittedAction],
  [typeUrls.MsgAddPermittedAddress, pkpTx.MsgAddPermittedAddress],
  [typeUrls.MsgRemovePermittedAddress, pkpTx.MsgRemovePermittedAddress],
  [typeUrls.MsgAddAuthMethod, pkpTx.MsgAddAuthMethod],
  [typeUrls.MsgRemoveAuthMethod, pkpTx.MsgRemoveAuthMethod],
  [typeUrls.MsgAddAuthMethodScope, pkpTx.MsgAddAuthMethodScope],
  [typeUrls.MsgRemoveAuthMethodScope, pkpTx.MsgRemoveAuthMethodScope],
  [typeUrls.MsgSignWithAuthMethod, pkpTx.MsgSignWithAuthMethod],
  [typeUrls.MsgAuthorizeSessionKey, pkpTx.MsgAuthorizeSessionKey],
  [typeUrls.MsgRevokeSessionKey, pkpTx.MsgRevokeSessionKey],
  [typeUrls.MsgDecrypt, pkpTx.MsgDecrypt],
  [typeUrls.PkpMsgUpdateParams, pkpTx.MsgUpdateParams],
  [typeUrls.MsgSign, tssTx.MsgSign],
  [typeUrls.TssMsgUpdateParams, tssTx.MsgUpdateParams],
  [typeUrls.MsgUploadAction, actionsTx.MsgUploadAction],
  [typeUrls.MsgExecuteAction, actionsTx.MsgExecuteAction],
  [typeUrls.ActionsMsgUpdateParams, actionsTx.MsgUpdateParams],
];

/**
 * A CosmJS Registry that knows CosmJS's default Msgs (bank, staking, ...)
 * and every lit Msg: pass it to SigningStargateClient, or use LitClient.
 */
export function createLitRegistry(): Registry {
  return new Registry([...defaultRegistryTypes, ...litRegistryTypes]);
}
