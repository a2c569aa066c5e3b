// Offline checks of the Registry and AminoTypes against proto/ and the
// chain's amino registrations; the chain tests prove the chain accepts them.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { createLitAminoTypes, createLitRegistry, executionHash, litAminoNames, litRegistryTypes, typeUrls } from "../src";
import { Scope } from "../src/generated/lit/pkp/v1/pkp";

const repo = join(__dirname, "..", "..");

/** Every Msg of proto/lit/<module>/v1/tx.proto with its amino.name: type URL -> amino name. */
function protoMsgs(): Map<string, string> {
  const out = new Map<string, string>();
  for (const mod of readdirSync(join(repo, "proto", "lit"))) {
    let src: string;
    try {
      src = readFileSync(join(repo, "proto", "lit", mod, "v1", "tx.proto"), "utf8");
    } catch {
      continue; // lit/abci has no tx.proto
    }
    const pkg = /^package ([\w.]+);/m.exec(src)![1];
    const rpcs = [...src.matchAll(/rpc \w+\((\w+)\)/g)].map((m) => m[1]);
    for (const msg of rpcs) {
      const body = new RegExp(`message ${msg} \\{([\\s\\S]*?)\\n\\}`).exec(src)![1];
      const name = /option \(amino\.name\) = "([^"]+)"/.exec(body);
      assert.ok(name, `${pkg}.${msg} has no amino.name`);
      out.set(`/${pkg}.${msg}`, name[1]);
    }
  }
  return out;
}

test("every Msg of proto/lit/*/v1/tx.proto is in the registry and the amino types, under its amino.name", () => {
  const want = protoMsgs();
  assert.ok(want.size >= 16, `found only ${want.size} Msgs`);
  assert.deepEqual(new Map(Object.entries(litAminoNames)), want);
  assert.deepEqual(new Set(litRegistryTypes.map(([url]) => url)), new Set(want.keys()));
  assert.deepEqual(new Set(Object.values(typeUrls)), new Set(want.keys()));
  const registry = createLitRegistry();
  for (const url of want.keys()) assert.ok(registry.lookupType(url), url);
  assert.ok(registry.lookupType("/cosmos.bank.v1beta1.MsgSend"), "CosmJS defaults are kept");
});

test("amino names match x/*/types/codec.go (the chain's legacy amino registrations)", () => {
  const registered = new Set<string>();
  for (const mod of ["pkp", "tss", "actions"]) {
    const src = readFileSync(join(repo, "x", mod, "types", "codec.go"), "utf8");
    for (const m of src.matchAll(/RegisterConcrete\(&(Msg\w+)\{\}, "([^"]+)"/g)) registered.add(m[2]);
  }
  assert.deepEqual(new Set(Object.values(litAminoNames)), registered);
});

test("amino JSON: snake_case, uint64 as strings, enums and uint32 as numbers, empty fields left out", () => {
  const amino = createLitAminoTypes();
  const mint = amino.toAmino({
    typeUrl: typeUrls.MsgMint,
    value: {
      creator: "lit1creator",
      permittedActions: [{ cid: "QmA", scopes: [Scope.SCOPE_SIGN_ANYTHING] }],
      permittedAddresses: [],
      authMethods: [
        { authMethodType: 2n ** 60n + 7n, id: "0xabc", userPubkey: "", scopes: [Scope.SCOPE_PERSONAL_SIGN, Scope.SCOPE_SIGN_ANYTHING] },
        { authMethodType: 0n, id: "", userPubkey: "", scopes: [] },
      ],
    },
  });
  assert.deepEqual(mint, {
    type: "lit/pkp/MsgMint",
    value: {
      creator: "lit1creator",
      permitted_actions: [{ cid: "QmA", scopes: [1] }],
      auth_methods: [{ auth_method_type: "1152921504606846983", id: "0xabc", scopes: [2, 1] }, {}],
    },
  });
  const params = amino.toAmino({
    typeUrl: typeUrls.TssMsgUpdateParams,
    value: { authority: "lit1gov", params: { keygenTimeoutBlocks: 0n, signTimeoutBlocks: 40n, maxSignAttempts: 3, maxOpenSignSessions: 0 } },
  });
  // sign_fee and decrypt_fee are amino.dont_omitempty: written even when unset, with amount "0".
  assert.deepEqual(params, {
    type: "lit/x/tss/MsgUpdateParams",
    value: {
      authority: "lit1gov",
      params: { sign_timeout_blocks: "40", max_sign_attempts: 3, sign_fee: { amount: "0" }, decrypt_fee: { amount: "0" } },
    },
  });
  const empty = amino.toAmino({ typeUrl: typeUrls.MsgAddAuthMethod, value: { owner: "", tokenId: "" } });
  assert.deepEqual(empty, { type: "lit/pkp/MsgAddAuthMethod", value: { auth_method: {} } }, "a non-nullable sub-message is always written");
});

test("amino round trip keeps every field of every Msg", () => {
  const amino = createLitAminoTypes();
  const registry = createLitRegistry();
  const coin = { denom: "ulit", amount: "1000000" };
  const samples: Record<string, Record<string, unknown>> = {
    [typeUrls.MsgMint]: {
      creator: "lit1a",
      permittedActions: [{ cid: "QmA", scopes: [1, 2] }],
      permittedAddresses: [{ address: "lit1b", scopes: [2] }],
      authMethods: [{ authMethodType: 6n, id: "x", userPubkey: "0x02", scopes: [1] }],
    },
    [typeUrls.MsgMintGrantBurn]: { creator: "lit1a", actionCid: "QmA" },
    [typeUrls.MsgTransfer]: { owner: "lit1a", tokenId: "0x01", recipient: "lit1b" },
    [typeUrls.MsgBurn]: { owner: "lit1a", tokenId: "0x01" },
    [typeUrls.MsgAddPermittedAction]: { owner: "lit1a", tokenId: "0x01", actionCid: "QmA", scopes: [1] },
    [typeUrls.MsgRemovePermittedAction]: { owner: "lit1a", tokenId: "0x01", actionCid: "QmA" },
    [typeUrls.MsgAddPermittedAddress]: { owner: "lit1a", tokenId: "0x01", address: "lit1b", scopes: [2] },
    [typeUrls.MsgRemovePermittedAddress]: { owner: "lit1a", tokenId: "0x01", address: "lit1b" },
    [typeUrls.MsgAddAuthMethod]: {
      owner: "lit1a",
      tokenId: "0x01",
      authMethod: {
        authMethodType: 3n, id: "0x02", userPubkey: "0xa5", scopes: [1, 2],
        webauthn: { rpId: "wallet.example", origins: ["https://wallet.example", "https://a.wallet.example"], requireUserVerification: true },
      },
    },
    [typeUrls.MsgRemoveAuthMethod]: { owner: "lit1a", tokenId: "0x01", authMethodType: 9n, id: "i" },
    [typeUrls.MsgAddAuthMethodScope]: { owner: "lit1a", tokenId: "0x01", authMethodType: 9n, id: "i", scope: 2 },
    [typeUrls.MsgRemoveAuthMethodScope]: { owner: "lit1a", tokenId: "0x01", authMethodType: 2n ** 64n - 1n, id: "0xab", scope: 1 },
    [typeUrls.MsgSignWithAuthMethod]: {
      submitter: "lit1a", tokenId: "0x01", authMethodType: 3n, id: "0x02", digest: "0x" + "cd".repeat(32),
      message: new Uint8Array([0x19, 0, 0xff]),
      proof: {
        webauthn: { authenticatorData: new Uint8Array(37).fill(7), clientDataJson: new TextEncoder().encode('{"type":"webauthn.get"}'), signature: new Uint8Array([0x30, 2]) },
        jwt: "eyJ.a<b>.c",
        session: { pubkey: "0x02" + "11".repeat(32), signature: new Uint8Array(64).fill(9) },
      },
    },
    [typeUrls.MsgAuthorizeSessionKey]: {
      submitter: "lit1a", tokenIds: ["0x01", "0x02"], authMethodType: 100n, id: "0x03", sessionPubkey: "0x03" + "22".repeat(32),
      capabilities: [1, 2], expiresAt: 1767225600n, proof: { jwt: "eyJ.b.c" },
    },
    [typeUrls.MsgRevokeSessionKey]: {
      sender: "lit1a", tokenId: "0x01", sessionPubkey: "0x02" + "11".repeat(32),
      proof: { session: { pubkey: "0x02" + "11".repeat(32), signature: new Uint8Array(64).fill(1) } },
    },
    [typeUrls.MsgDecrypt]: {
      requester: "lit1a",
      header: {
        version: 1, ephemeral: new Uint8Array(33).fill(2), proof: new Uint8Array(64).fill(3), dataHash: new Uint8Array(32).fill(4),
        conditions: {
          type: 6,
          conditions: [
            { type: 1, tokenId: "0x01" },
            { type: 7, conditions: [{ type: 4, denom: "ulit", amount: "5" }, { type: 5, ipfsId: "QmA" }] },
            { type: 3, tokenId: "0x02", authMethodType: 2n ** 64n - 1n, authMethodId: "0xab" },
          ],
        },
      },
      requesterKey: new Uint8Array(32).fill(5),
      authMethods: [{ tokenId: "0x01", authMethodType: 3n, id: "0x02", proof: { jwt: "eyJ.a.b" } }],
      executionIds: [1n, 2n ** 64n - 1n],
    },
    [typeUrls.PkpMsgUpdateParams]: {
      authority: "lit1g",
      params: {
        mintFee: coin, maxSessionSeconds: 3600n,
        oidcIssuers: [{ issuer: "https://issuer.example", keys: [{ kid: "k", kty: "EC", alg: "ES256", n: "", e: "", crv: "P-256", x: "eA", y: "eQ" }] }],
      },
    },
    [typeUrls.MsgSign]: { requester: "lit1a", tokenId: "0x01", digest: "0x" + "ab".repeat(32) },
    [typeUrls.TssMsgUpdateParams]: {
      authority: "lit1g",
      params: {
        keygenTimeoutBlocks: 1n, signTimeoutBlocks: 2n, maxSignAttempts: 3, maxOpenSignSessions: 4, signFee: coin,
        maxQueuedSignatures: 6n, maxQueuedSignaturesPerRequester: 7n, sessionRetentionBlocks: 8n, encKeyGraceBlocks: 9n,
        refreshEpochBlocks: 10n, maxFaultsPerWindow: 11, faultWindowBlocks: 12n, decryptFee: { denom: "ulit", amount: "13" },
        maxOpenDecryptions: 14n, maxOpenDecryptionsPerRequester: 15n,
      },
    },
    [typeUrls.MsgUploadAction]: { uploader: "lit1a", code: "Lit.Actions.setResponse({response: 1 < 2 && 3 > 2})" },
    [typeUrls.MsgExecuteAction]: {
      caller: "lit1a", cid: "QmA", code: "x", jsParams: '{"a":"<&>"}',
      authMethods: [
        { tokenId: "0x01", authMethodType: 3n, id: "0x02", proof: { jwt: "", webauthn: undefined, session: { pubkey: "0x02" + "11".repeat(32), signature: new Uint8Array(64).fill(3) } } },
        { tokenId: "0x02", authMethodType: 100n, id: "0x03", proof: { jwt: "eyJ.c.d", webauthn: undefined, session: undefined } },
      ],
    },
    [typeUrls.ActionsMsgUpdateParams]: {
      authority: "lit1g",
      params: {
        maxCodeBytes: 1n, maxJsParamsBytes: 2n, maxResponseBytes: 3n, maxFetches: 4, maxFetchBodyBytes: 5n, maxSignatures: 6,
        timeoutMs: 7n, maxHeapBytes: 8n, maxCallStack: 9, maxLogBytes: 10n, executionTimeoutBlocks: 11n, executionFee: coin,
        feePerFetch: { denom: "ulit", amount: "2" }, feePerSignature: { denom: "ulit", amount: "3" }, maxOpenExecutions: 15,
        maxOpenExecutionsPerAccount: 16, transcriptRetentionBlocks: 17n,
      },
    },
  };
  assert.deepEqual(new Set(Object.keys(samples)), new Set(Object.values(typeUrls)));
  for (const [typeUrl, value] of Object.entries(samples)) {
    const type = registry.lookupType(typeUrl) as { fromPartial(v: unknown): unknown };
    const want = type.fromPartial(value);
    const aminoMsg = amino.toAmino({ typeUrl, value: want });
    // Through JSON, as a remote amino signer sees it.
    const back = amino.fromAmino(JSON.parse(JSON.stringify(aminoMsg)));
    assert.equal(back.typeUrl, typeUrl);
    assert.deepEqual(type.fromPartial(back.value), want, typeUrl);
    // Every field set in the sample reaches the amino JSON.
    const leaves = JSON.stringify(aminoMsg.value);
    for (const k of Object.keys(value)) {
      const snake = k.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
      assert.ok(leaves.includes(`"${snake}"`), `${typeUrl}: ${snake} missing from ${leaves}`);
    }
  }
});

test("executionHash is x/pkp types.ExecutionHash (vector of TestExecutionHash)", () => {
  assert.equal(executionHash("lit1abc", "QmA", "", '{"n":1}'), "0xb28e3d7ffe090b8f7a277ff4f8b128829fc01fb7fb4f3762bd97b2dac7978c5a");
});
