// A passkey signs with a PKP: a software WebAuthn authenticator (node:crypto
// P-256, the bytes a browser and authenticator produce) authorises requests
// that another account relays and pays for, signed direct and amino; ethers
// recovers the PKP's address from the threshold signatures.
import assert from "node:assert/strict";
import { createHash, generateKeyPairSync, sign } from "node:crypto";
import { describe, it } from "node:test";

import { Secp256k1, sha256 } from "@cosmjs/crypto";
import { toHex } from "@cosmjs/encoding";
import { getAddress, getBytes, hashMessage, keccak256, recoverAddress, toUtf8Bytes } from "ethers";

import { pkpV1 } from "../src";
import { account, assertSignMode } from "./env";

const origin = "https://wallet.example";

/** One WebAuthn credential, as a platform authenticator holds it. */
class SoftAuthenticator {
  readonly rawId = crypto.getRandomValues(new Uint8Array(16));
  private readonly keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
  private signCount = 0;

  constructor(readonly rpId: string) {}

  /** The credential public key as a COSE_Key: what Lit stores as user_pubkey. */
  coseKey(): Uint8Array {
    const { x, y } = this.keys.publicKey.export({ format: "jwk" });
    const [bx, by] = [Buffer.from(x!, "base64url"), Buffer.from(y!, "base64url")];
    return Uint8Array.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20, ...bx, 0x22, 0x58, 0x20, ...by]);
  }

  /** Lit's WebAuthn auth method id (WebAuthnProvider): keccak256("<rawId, base64url>:lit"). */
  authMethodId(): string {
    return keccak256(toUtf8Bytes(`${Buffer.from(this.rawId).toString("base64url")}:lit`));
  }

  /** navigator.credentials.get({publicKey: {challenge, rpId}}) on origin, user verified. */
  assert(challenge: Uint8Array, at: string): pkpV1.WebAuthnAssertion {
    this.signCount++;
    const clientDataJson = Buffer.from(
      JSON.stringify({ type: "webauthn.get", challenge: Buffer.from(challenge).toString("base64url"), origin: at, crossOrigin: false }),
    );
    const count = Buffer.alloc(4);
    count.writeUInt32BE(this.signCount);
    const authenticatorData = Buffer.concat([createHash("sha256").update(this.rpId).digest(), Buffer.from([0x05]), count]);
    const signed = Buffer.concat([authenticatorData, createHash("sha256").update(clientDataJson).digest()]);
    const signature = sign("sha256", signed, { key: this.keys.privateKey, dsaEncoding: "der" });
    return { authenticatorData, clientDataJson, signature };
  }
}

describe("x/pkp WebAuthn", () => {
  it("a passkey authorises personal_sign messages that another account relays, direct and amino", async () => {
    const owner = await account(9, "direct");
    const passkey = new SoftAuthenticator("wallet.example");
    const id = passkey.authMethodId();
    const pkp = await owner.client.mintPkp(owner.address, {
      authMethods: [
        {
          authMethodType: 3n,
          id,
          userPubkey: "0x" + toHex(passkey.coseKey()),
          scopes: [pkpV1.Scope.SCOPE_PERSONAL_SIGN],
          webauthn: { rpId: passkey.rpId, origins: [origin], requireUserVerification: true },
        },
      ],
    });
    assert.equal(pkp.tx.code, 0);
    const { tokenId } = pkp;

    for (const mode of ["direct", "amino"] as const) {
      const relayer = await account(10, mode);
      assert.notEqual(relayer.address, owner.address);
      const message = `hello from a passkey, relayed ${mode}`;
      const digest = hashMessage(message);
      const { challenge, nonces } = await relayer.client.authChallenge({
        purpose: pkpV1.AuthPurpose.AUTH_PURPOSE_SIGN, tokenIds: [tokenId], authMethodType: 3n, id, digest,
      });
      assert.deepEqual(nonces, [mode === "direct" ? 0n : 1n]);
      const res = await relayer.client.signWithAuthMethod(relayer.address, {
        tokenId,
        authMethodType: 3n,
        id,
        message: toUtf8Bytes(message),
        proof: { webauthn: passkey.assert(getBytes(challenge), origin), jwt: "", session: undefined },
      });
      await assertSignMode(relayer, res.tx.transactionHash);
      assert.equal(res.digest, digest, "the chain hashes the message as ethers' hashMessage does");
      const sig = await relayer.client.waitForSignature(res.signatureId, { timeoutMs: 180_000 });
      assert.equal(recoverAddress(digest, sig), getAddress(pkp.ethAddress));
    }

    // A raw digest needs sign-anything, which this passkey does not have.
    const raw = createHash("sha256").update("raw").digest();
    const { challenge } = await owner.client.authChallenge({
      purpose: pkpV1.AuthPurpose.AUTH_PURPOSE_SIGN, tokenIds: [tokenId], authMethodType: 3n, id, digest: "0x" + toHex(raw),
    });
    await assert.rejects(
      owner.client.signWithAuthMethod(owner.address, {
        tokenId, authMethodType: 3n, id, digest: raw,
        proof: { webauthn: passkey.assert(getBytes(challenge), origin), jwt: "", session: undefined },
      }),
      /scopes do not permit this request/,
    );
  });

  it("one passkey assertion authorises a session key; its signatures alone then sign", async () => {
    const owner = await account(9, "direct");
    const relayer = await account(10, "direct");
    const passkey = new SoftAuthenticator("wallet.example");
    const id = passkey.authMethodId();
    const pkp = await owner.client.mintPkp(owner.address, {
      authMethods: [
        {
          authMethodType: 3n, id, userPubkey: "0x" + toHex(passkey.coseKey()), scopes: [pkpV1.Scope.SCOPE_PERSONAL_SIGN],
          webauthn: { rpId: passkey.rpId, origins: [origin], requireUserVerification: true },
        },
      ],
    });
    const { tokenId } = pkp;
    const session = await Secp256k1.makeKeypair(crypto.getRandomValues(new Uint8Array(32)));
    const sessionPubkey = "0x" + toHex(Secp256k1.compressPubkey(session.pubkey));
    const capabilities = [pkpV1.SessionCapability.SESSION_CAPABILITY_SIGN];
    const expiresAt = BigInt(Math.floor(Date.now() / 1000) + 600);
    const auth = await relayer.client.authChallenge({
      purpose: pkpV1.AuthPurpose.AUTH_PURPOSE_AUTHORIZE_SESSION, tokenIds: [tokenId], authMethodType: 3n, id,
      sessionPubkey, capabilities, expiresAt,
    });
    const tx = await relayer.client.authorizeSessionKey(relayer.address, {
      tokenIds: [tokenId], authMethodType: 3n, id, sessionPubkey, capabilities, expiresAt,
      proof: { webauthn: passkey.assert(getBytes(auth.challenge), origin), jwt: "", session: undefined },
    });
    assert.equal(tx.code, 0, tx.rawLog);

    const message = "signed by a session key";
    const digest = hashMessage(message);
    const { challenge } = await relayer.client.authChallenge({
      purpose: pkpV1.AuthPurpose.AUTH_PURPOSE_SIGN, tokenIds: [tokenId], authMethodType: 3n, id, digest,
    });
    const sig = await Secp256k1.createSignature(sha256(getBytes(challenge)), session.privkey);
    const res = await relayer.client.signWithAuthMethod(relayer.address, {
      tokenId, authMethodType: 3n, id, message: toUtf8Bytes(message),
      proof: { jwt: "", webauthn: undefined, session: { pubkey: sessionPubkey, signature: sig.toFixedLength().slice(0, 64) } },
    });
    const signature = await relayer.client.waitForSignature(res.signatureId, { timeoutMs: 180_000 });
    assert.equal(recoverAddress(digest, signature), getAddress(pkp.ethAddress));
  });
});
