// Every x/pkp Msg a wallet sends, signed direct and (on another account)
// legacy amino, each committed with code 0 and its effect read back.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { pkpV1, typeUrls } from "../src";
import { Account, account, assertCommitted, randomAddress, randomCid, refusedUpdateParams } from "./env";

const { Scope } = pkpV1;

async function scenario(acc: Account): Promise<void> {
  const { client, address } = acc;
  const q = client.lit.pkp;
  const [cidA, cidB, cidC] = [randomCid(), randomCid(), randomCid()];
  const [friend, friend2, recipient] = await Promise.all([randomAddress(), randomAddress(), randomAddress()]);
  // An auth method type beyond 2^53 shows uint64 survives both encodings.
  const bigType = 2n ** 60n + 7n;

  // Mint with initial permissions of every kind.
  const pkp = await client.mintPkp(address, {
    permittedActions: [{ cid: cidA, scopes: [Scope.SCOPE_SIGN_ANYTHING] }],
    permittedAddresses: [{ address: friend, scopes: [Scope.SCOPE_PERSONAL_SIGN, Scope.SCOPE_SIGN_ANYTHING] }],
    authMethods: [
      { authMethodType: 1n, id: "0xabc", scopes: [Scope.SCOPE_SIGN_ANYTHING] },
      { authMethodType: bigType, id: "google:42", userPubkey: "0x02ab", scopes: [Scope.SCOPE_PERSONAL_SIGN] },
    ],
  });
  await assertCommitted(acc, pkp.tx);
  assert.match(pkp.tokenId, /^0x[0-9a-f]{64}$/);
  assert.match(pkp.pubkey, /^0x04[0-9a-f]{128}$/);
  const { pkp: view } = await q.PKP({ tokenId: pkp.tokenId });
  assert.equal(view?.pkp?.owner, address);
  assert.equal(view?.ethAddress, pkp.ethAddress);
  let perms = await q.Permissions({ tokenId: pkp.tokenId });
  assert.deepEqual(perms.actions, [{ cid: cidA, scopes: [Scope.SCOPE_SIGN_ANYTHING] }]);
  // The chain sorts scopes.
  assert.deepEqual(perms.addresses, [{ address: friend, scopes: [Scope.SCOPE_SIGN_ANYTHING, Scope.SCOPE_PERSONAL_SIGN] }]);
  assert.deepEqual(
    [...perms.authMethods].sort((a, b) => (a.authMethodType < b.authMethodType ? -1 : 1)),
    [
      { authMethodType: 1n, id: "0xabc", userPubkey: "", scopes: [Scope.SCOPE_SIGN_ANYTHING], webauthn: undefined },
      { authMethodType: bigType, id: "google:42", userPubkey: "0x02ab", scopes: [Scope.SCOPE_PERSONAL_SIGN], webauthn: undefined },
    ],
  );

  const tokenId = pkp.tokenId;
  const send = async (typeUrl: string, value: Record<string, unknown>) =>
    assertCommitted(acc, await client.send(address, [{ typeUrl, value: { owner: address, tokenId, ...value } }]));

  await send(typeUrls.MsgAddPermittedAction, { actionCid: cidB, scopes: [Scope.SCOPE_PERSONAL_SIGN] });
  assert.equal((await q.IsPermittedAction({ tokenId, actionCid: cidB })).permitted, true);

  await send(typeUrls.MsgRemovePermittedAction, { actionCid: cidA });
  assert.equal((await q.IsPermittedAction({ tokenId, actionCid: cidA })).permitted, false);

  await send(typeUrls.MsgAddPermittedAddress, { address: friend2, scopes: [Scope.SCOPE_SIGN_ANYTHING] });
  assert.equal((await q.IsPermittedAddress({ tokenId, address: friend2 })).permitted, true);

  await send(typeUrls.MsgRemovePermittedAddress, { address: friend });
  assert.equal((await q.IsPermittedAddress({ tokenId, address: friend })).permitted, false);

  await send(typeUrls.MsgAddAuthMethod, {
    authMethod: { authMethodType: 6n, id: "jwt:sub", userPubkey: "", scopes: [Scope.SCOPE_SIGN_ANYTHING, Scope.SCOPE_PERSONAL_SIGN] },
  });
  await send(typeUrls.MsgRemoveAuthMethod, { authMethodType: 1n, id: "0xabc" });
  await send(typeUrls.MsgRemoveAuthMethodScope, { authMethodType: 6n, id: "jwt:sub", scope: Scope.SCOPE_PERSONAL_SIGN });
  assert.deepEqual((await q.IsPermittedAuthMethod({ tokenId, authMethodType: 6n, id: "jwt:sub" })).scopes, [Scope.SCOPE_SIGN_ANYTHING]);
  await send(typeUrls.MsgAddAuthMethodScope, { authMethodType: 6n, id: "jwt:sub", scope: Scope.SCOPE_PERSONAL_SIGN });
  assert.equal((await q.UserPubkeyForAuthMethod({ tokenId, authMethodType: bigType, id: "google:42" })).userPubkey, "0x02ab");
  perms = await q.Permissions({ tokenId });
  assert.deepEqual(perms.actions, [{ cid: cidB, scopes: [Scope.SCOPE_PERSONAL_SIGN] }]);
  assert.deepEqual(perms.addresses, [{ address: friend2, scopes: [Scope.SCOPE_SIGN_ANYTHING] }]);
  assert.deepEqual(
    [...perms.authMethods].sort((a, b) => (a.authMethodType < b.authMethodType ? -1 : 1)),
    [
      { authMethodType: 6n, id: "jwt:sub", userPubkey: "", scopes: [Scope.SCOPE_SIGN_ANYTHING, Scope.SCOPE_PERSONAL_SIGN], webauthn: undefined },
      { authMethodType: bigType, id: "google:42", userPubkey: "0x02ab", scopes: [Scope.SCOPE_PERSONAL_SIGN], webauthn: undefined },
    ],
  );

  // Give it away: the recipient owns it, we no longer do.
  await send(typeUrls.MsgTransfer, { recipient });
  assert.equal((await q.PKP({ tokenId })).pkp?.pkp?.owner, recipient);
  assert.deepEqual(
    (await q.PKPsByOwner({ owner: recipient })).pkps.map((p) => p.pkp?.tokenId),
    [tokenId],
  );

  // Burn a second one.
  const second = await client.mintPkp(address);
  await assertCommitted(acc, second.tx);
  await assertCommitted(acc, await client.send(address, [{ typeUrl: typeUrls.MsgBurn, value: { owner: address, tokenId: second.tokenId } }]));
  const burned = (await q.PKP({ tokenId: second.tokenId })).pkp?.pkp;
  assert.equal(burned?.burned, true);
  assert.equal(burned?.owner, "");

  // Mint/Grant/Burn: burned from the start, exactly one action permitted.
  const mgb = await client.mintGrantBurn(address, cidC);
  await assertCommitted(acc, mgb.tx);
  const prov = await q.Provenance({ tokenId: mgb.tokenId });
  assert.equal(prov.mintGrantBurn, true);
  assert.equal(prov.actionCid, cidC);
  const mgbPerms = await q.Permissions({ tokenId: mgb.tokenId });
  assert.equal(mgbPerms.burned, true);
  assert.deepEqual(mgbPerms.actions, [{ cid: cidC, scopes: [Scope.SCOPE_SIGN_ANYTHING] }]);

  await refusedUpdateParams(acc, typeUrls.PkpMsgUpdateParams, { mintFee: { denom: "ulit", amount: "5" } }, 15);
}

describe("x/pkp", { concurrency: true }, () => {
  for (const [index, mode] of [
    [0, "direct"],
    [1, "amino"],
  ] as const) {
    it(`every pkp Msg, ${mode}`, async () => {
      await scenario(await account(index, mode));
    });
  }
});
