import { fromBase64, toBase64 } from "@cosmjs/encoding";
import { AminoConverter, AminoConverters, AminoTypes, createDefaultAminoConverters } from "@cosmjs/stargate";

import { typeUrls } from "./registry";

/*
 * Legacy amino JSON for the lit Msgs, exactly as the chain renders a tx body
 * for SIGN_MODE_LEGACY_AMINO_JSON (cosmos-sdk x/tx/signing/aminojson):
 * snake_case proto field names; a field that is not set in the encoded
 * message is left out (empty strings, 0, false, empty lists) unless the
 * proto marks it amino.dont_omitempty; a sub-message is written when it is
 * present in the encoding (even as {}), never wrapped in {type, value};
 * uint64/int64 are decimal strings, uint32/int32 and enums JSON numbers,
 * bytes standard base64 (with padding); a
 * cosmos.Int (Coin.amount) is always written, "0" when empty. The top-level
 * message is {type: <amino.name>, value: ...}; names are the Msgs'
 * (amino.name) options, which x/<module>/types/codec.go registers.
 *
 * CosmJS signs amino by converting each Msg to amino JSON (toAmino) and
 * building the tx body from the signed JSON (fromAmino), so both directions
 * must round-trip and agree with what the chain derives from those bytes.
 */

/** How one proto field is rendered in amino JSON. */
type Kind =
  | "string"
  | "uint64"
  | "number" // uint32, int32 and enums
  | "bool"
  | "bytes"
  | "cosmosInt" // (cosmos_proto.scalar) = "cosmos.Int" with amino.dont_omitempty
  | { readonly repeated: Kind }
  // keep: gogoproto.nullable=false or amino.dont_omitempty, so always written
  | { readonly message: Schema; readonly keep: boolean };

/** Field list of a message: [proto JSON name (camelCase), amino name (snake_case), kind]. */
type Schema = ReadonlyArray<readonly [string, string, Kind]>;

const enumList: Kind = { repeated: "number" };

const coin: Schema = [
  ["denom", "denom", "string"],
  ["amount", "amount", "cosmosInt"],
];
const keepCoin: Kind = { message: coin, keep: true };

const permittedAction: Schema = [
  ["cid", "cid", "string"],
  ["scopes", "scopes", enumList],
];
const permittedAddress: Schema = [
  ["address", "address", "string"],
  ["scopes", "scopes", enumList],
];
const webAuthnSettings: Schema = [
  ["rpId", "rp_id", "string"],
  ["origins", "origins", { repeated: "string" }],
  ["requireUserVerification", "require_user_verification", "bool"],
];
const authMethod: Schema = [
  ["authMethodType", "auth_method_type", "uint64"],
  ["id", "id", "string"],
  ["userPubkey", "user_pubkey", "string"],
  ["scopes", "scopes", enumList],
  ["webauthn", "webauthn", { message: webAuthnSettings, keep: false }],
];
const webAuthnAssertion: Schema = [
  ["authenticatorData", "authenticator_data", "bytes"],
  ["clientDataJson", "client_data_json", "bytes"],
  ["signature", "signature", "bytes"],
];

const sessionSignature: Schema = [
  ["pubkey", "pubkey", "string"],
  ["signature", "signature", "bytes"],
];
const authProof: Schema = [
  ["webauthn", "webauthn", { message: webAuthnAssertion, keep: false }],
  ["jwt", "jwt", "string"],
  ["session", "session", { message: sessionSignature, keep: false }],
];
const authPresentation: Schema = [
  ["tokenId", "token_id", "string"],
  ["authMethodType", "auth_method_type", "uint64"],
  ["id", "id", "string"],
  ["proof", "proof", { message: authProof, keep: false }],
];
// Recursive: ALL and ANY nest conditions (gogoproto.nullable=false, so each
// element is written, {} when empty).
const accessCondition: Array<readonly [string, string, Kind]> = [
  ["type", "type", "number"],
  ["tokenId", "token_id", "string"],
  ["authMethodType", "auth_method_type", "uint64"],
  ["authMethodId", "auth_method_id", "string"],
  ["denom", "denom", "string"],
  ["amount", "amount", "string"],
  ["ipfsId", "ipfs_id", "string"],
];
accessCondition.push(["conditions", "conditions", { repeated: { message: accessCondition, keep: true } }]);
const ciphertextHeader: Schema = [
  ["version", "version", "number"],
  ["ephemeral", "ephemeral", "bytes"],
  ["proof", "proof", "bytes"],
  ["conditions", "conditions", { message: accessCondition, keep: true }],
  ["dataHash", "data_hash", "bytes"],
];
const jwk: Schema = [
  ["kid", "kid", "string"],
  ["kty", "kty", "string"],
  ["alg", "alg", "string"],
  ["n", "n", "string"],
  ["e", "e", "string"],
  ["crv", "crv", "string"],
  ["x", "x", "string"],
  ["y", "y", "string"],
];
const oidcIssuer: Schema = [
  ["issuer", "issuer", "string"],
  ["keys", "keys", { repeated: { message: jwk, keep: true } }],
];

const pkpParams: Schema = [
  ["mintFee", "mint_fee", keepCoin],
  ["oidcIssuers", "oidc_issuers", { repeated: { message: oidcIssuer, keep: true } }],
  ["maxSessionSeconds", "max_session_seconds", "uint64"],
];

const tssParams: Schema = [
  ["keygenTimeoutBlocks", "keygen_timeout_blocks", "uint64"],
  ["signTimeoutBlocks", "sign_timeout_blocks", "uint64"],
  ["maxSignAttempts", "max_sign_attempts", "number"],
  ["maxOpenSignSessions", "max_open_sign_sessions", "number"],
  ["signFee", "sign_fee", keepCoin],
  ["maxQueuedSignatures", "max_queued_signatures", "uint64"],
  ["maxQueuedSignaturesPerRequester", "max_queued_signatures_per_requester", "uint64"],
  ["sessionRetentionBlocks", "session_retention_blocks", "uint64"],
  ["encKeyGraceBlocks", "enc_key_grace_blocks", "uint64"],
  ["refreshEpochBlocks", "refresh_epoch_blocks", "uint64"],
  ["maxFaultsPerWindow", "max_faults_per_window", "number"],
  ["faultWindowBlocks", "fault_window_blocks", "uint64"],
  ["decryptFee", "decrypt_fee", keepCoin],
  ["maxOpenDecryptions", "max_open_decryptions", "uint64"],
  ["maxOpenDecryptionsPerRequester", "max_open_decryptions_per_requester", "uint64"],
];

const actionsParams: Schema = [
  ["maxCodeBytes", "max_code_bytes", "uint64"],
  ["maxJsParamsBytes", "max_js_params_bytes", "uint64"],
  ["maxResponseBytes", "max_response_bytes", "uint64"],
  ["maxFetches", "max_fetches", "number"],
  ["maxFetchBodyBytes", "max_fetch_body_bytes", "uint64"],
  ["maxSignatures", "max_signatures", "number"],
  ["timeoutMs", "timeout_ms", "uint64"],
  ["maxHeapBytes", "max_heap_bytes", "uint64"],
  ["maxCallStack", "max_call_stack", "number"],
  ["maxLogBytes", "max_log_bytes", "uint64"],
  ["executionTimeoutBlocks", "execution_timeout_blocks", "uint64"],
  ["executionFee", "execution_fee", keepCoin],
  ["feePerFetch", "fee_per_fetch", keepCoin],
  ["feePerSignature", "fee_per_signature", keepCoin],
  ["maxOpenExecutions", "max_open_executions", "number"],
  ["maxOpenExecutionsPerAccount", "max_open_executions_per_account", "number"],
  ["transcriptRetentionBlocks", "transcript_retention_blocks", "uint64"],
];

const owner = ["owner", "owner", "string"] as const;
const tokenId = ["tokenId", "token_id", "string"] as const;
const authority = ["authority", "authority", "string"] as const;

/** Every lit Msg: type URL, amino name (proto option amino.name), schema. */
const msgs: ReadonlyArray<readonly [string, string, Schema]> = [
  [
    typeUrls.MsgMint,
    "lit/pkp/MsgMint",
    [
      ["creator", "creator", "string"],
      ["permittedActions", "permitted_actions", { repeated: { message: permittedAction, keep: true } }],
      ["permittedAddresses", "permitted_addresses", { repeated: { message: permittedAddress, keep: true } }],
      ["authMethods", "auth_methods", { repeated: { message: authMethod, keep: true } }],
    ],
  ],
  [
    typeUrls.MsgMintGrantBurn,
    "lit/pkp/MsgMintGrantBurn",
    [
      ["creator", "creator", "string"],
      ["actionCid", "action_cid", "string"],
    ],
  ],
  [typeUrls.MsgTransfer, "lit/pkp/MsgTransfer", [owner, tokenId, ["recipient", "recipient", "string"]]],
  [typeUrls.MsgBurn, "lit/pkp/MsgBurn", [owner, tokenId]],
  [
    typeUrls.MsgAddPermittedAction,
    "lit/pkp/MsgAddPermittedAction",
    [owner, tokenId, ["actionCid", "action_cid", "string"], ["scopes", "scopes", enumList]],
  ],
  [typeUrls.MsgRemovePermittedAction, "lit/pkp/MsgRemovePermittedAction", [owner, tokenId, ["actionCid", "action_cid", "string"]]],
  [
    typeUrls.MsgAddPermittedAddress,
    "lit/pkp/MsgAddPermittedAddress",
    [owner, tokenId, ["address", "address", "string"], ["scopes", "scopes", enumList]],
  ],
  [typeUrls.MsgRemovePermittedAddress, "lit/pkp/MsgRemovePermittedAddress", [owner, tokenId, ["address", "address", "string"]]],
  [
    typeUrls.MsgAddAuthMethod,
    "lit/pkp/MsgAddAuthMethod",
    [owner, tokenId, ["authMethod", "auth_method", { message: authMethod, keep: true }]],
  ],
  [
    typeUrls.MsgRemoveAuthMethod,
    "lit/pkp/MsgRemoveAuthMethod",
    [owner, tokenId, ["authMethodType", "auth_method_type", "uint64"], ["id", "id", "string"]],
  ],
  [
    typeUrls.MsgAddAuthMethodScope,
    "lit/pkp/MsgAddAuthMethodScope",
    [owner, tokenId, ["authMethodType", "auth_method_type", "uint64"], ["id", "id", "string"], ["scope", "scope", "number"]],
  ],
  [
    typeUrls.MsgRemoveAuthMethodScope,
    "lit/pkp/MsgRemoveAuthMethodScope",
    [owner, tokenId, ["authMethodType", "auth_method_type", "uint64"], ["id", "id", "string"], ["scope", "scope", "number"]],
  ],
  [
    typeUrls.MsgSignWithAuthMethod,
    "lit/pkp/MsgSignWithAuthMethod",
    [
      ["submitter", "submitter", "string"],
      tokenId,
      ["authMethodType", "auth_method_type", "uint64"],
      ["id", "id", "string"],
      ["digest", "digest", "string"],
      ["message", "message", "bytes"],
      ["proof", "proof", { message: authProof, keep: false }],
    ],
  ],
  [
    typeUrls.MsgAuthorizeSessionKey,
    "lit/pkp/MsgAuthorizeSessionKey",
    [
      ["submitter", "submitter", "string"],
      ["tokenIds", "token_ids", { repeated: "string" }],
      ["authMethodType", "auth_method_type", "uint64"],
      ["id", "id", "string"],
      ["sessionPubkey", "session_pubkey", "string"],
      ["capabilities", "capabilities", enumList],
      ["expiresAt", "expires_at", "uint64"],
      ["proof", "proof", { message: authProof, keep: false }],
    ],
  ],
  [
    typeUrls.MsgRevokeSessionKey,
    "lit/pkp/MsgRevokeSessionKey",
    [
      ["sender", "sender", "string"],
      tokenId,
      ["sessionPubkey", "session_pubkey", "string"],
      ["proof", "proof", { message: authProof, keep: false }],
    ],
  ],
  [
    typeUrls.MsgDecrypt,
    "lit/pkp/MsgDecrypt",
    [
      ["requester", "requester", "string"],
      ["header", "header", { message: ciphertextHeader, keep: true }],
      ["requesterKey", "requester_key", "bytes"],
      ["authMethods", "auth_methods", { repeated: { message: authPresentation, keep: true } }],
      ["executionIds", "execution_ids", { repeated: "uint64" }],
    ],
  ],
  [typeUrls.PkpMsgUpdateParams, "lit/x/pkp/MsgUpdateParams", [authority, ["params", "params", { message: pkpParams, keep: true }]]],
  [
    typeUrls.MsgSign,
    "lit/tss/MsgSign",
    [["requester", "requester", "string"], tokenId, ["digest", "digest", "string"]],
  ],
  [typeUrls.TssMsgUpdateParams, "lit/x/tss/MsgUpdateParams", [authority, ["params", "params", { message: tssParams, keep: true }]]],
  [
    typeUrls.MsgUploadAction,
    "lit/actions/MsgUploadAction",
    [
      ["uploader", "uploader", "string"],
      ["code", "code", "string"],
    ],
  ],
  [
    typeUrls.MsgExecuteAction,
    "lit/actions/MsgExecuteAction",
    [
      ["caller", "caller", "string"],
      ["cid", "cid", "string"],
      ["code", "code", "string"],
      ["jsParams", "js_params", "string"],
      ["authMethods", "auth_methods", { repeated: { message: authPresentation, keep: true } }],
    ],
  ],
  [
    typeUrls.ActionsMsgUpdateParams,
    "lit/x/actions/MsgUpdateParams",
    [authority, ["params", "params", { message: actionsParams, keep: true }]],
  ],
];

function valueToAmino(kind: Kind, v: any): unknown {
  if (typeof kind === "object") {
    if ("repeated" in kind) {
      return v === undefined || v.length === 0 ? undefined : v.map((e: unknown) => valueToAmino(kind.repeated, e) ?? zeroAmino(kind.repeated));
    }
    if (v === undefined || v === null) return kind.keep ? toAminoJson(kind.message, {}) : undefined;
    return toAminoJson(kind.message, v);
  }
  switch (kind) {
    case "string":
      return v ? String(v) : undefined;
    case "uint64": {
      const n = BigInt(v ?? 0);
      return n === 0n ? undefined : n.toString();
    }
    case "number":
      return v ? Number(v) : undefined;
    case "bool":
      return v ? true : undefined;
    case "bytes":
      return v && v.length > 0 ? toBase64(v) : undefined;
    case "cosmosInt":
      return v ? String(v) : "0";
  }
}

/** An element of a list is always written, also when it is the zero value. */
function zeroAmino(kind: Kind): unknown {
  switch (kind) {
    case "string":
      return "";
    case "uint64":
      return "0";
    case "number":
      return 0;
    case "bool":
      return false;
    case "bytes":
      return "";
    default:
      return {};
  }
}

function toAminoJson(schema: Schema, value: any): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, amino, kind] of schema) {
    const v = valueToAmino(kind, value?.[key]);
    if (v !== undefined) out[amino] = v;
  }
  return out;
}

function valueFromAmino(kind: Kind, v: any): unknown {
  if (typeof kind === "object") {
    if ("repeated" in kind) return (v ?? []).map((e: unknown) => valueFromAmino(kind.repeated, e));
    if (v === undefined || v === null) return kind.keep ? fromAminoJson(kind.message, {}) : undefined;
    return fromAminoJson(kind.message, v);
  }
  switch (kind) {
    case "string":
      return v === undefined || v === null ? "" : String(v);
    case "uint64":
      return BigInt(v ?? 0);
    case "number":
      return Number(v ?? 0);
    case "bool":
      return Boolean(v);
    case "bytes":
      return v ? fromBase64(v) : new Uint8Array();
    case "cosmosInt":
      return v === undefined || v === null ? "0" : String(v);
  }
}

function fromAminoJson(schema: Schema, value: any): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, amino, kind] of schema) out[key] = valueFromAmino(kind, value?.[amino]);
  return out;
}

/** Amino names of the lit Msgs by type URL (the proto amino.name options). */
export const litAminoNames: Readonly<Record<string, string>> = Object.fromEntries(msgs.map(([url, name]) => [url, name]));

/** AminoConverters for every lit Msg, by type URL. */
export function createLitAminoConverters(): AminoConverters {
  return Object.fromEntries(
    msgs.map(([url, aminoType, schema]): [string, AminoConverter] => [
      url,
      {
        aminoType,
        toAmino: (value) => toAminoJson(schema, value),
        fromAmino: (value) => fromAminoJson(schema, value),
      },
    ]),
  );
}

/** AminoTypes with CosmJS's default converters plus every lit Msg. */
export function createLitAminoTypes(): AminoTypes {
  return new AminoTypes({ ...createDefaultAminoConverters(), ...createLitAminoConverters() });
}
