import { sha256 } from "@cosmjs/crypto";
import { fromHex, toHex, toUtf8 } from "@cosmjs/encoding";
import { EncodeObject, isOfflineDirectSigner, OfflineSigner } from "@cosmjs/proto-signing";
import {
  assertIsDeliverTxSuccess,
  createProtobufRpcClient,
  DeliverTxResponse,
  GasPrice,
  QueryClient,
  SigningStargateClient,
  SigningStargateClientOptions,
  StargateClient,
  StargateClientOptions,
  SignerData,
  StdFee,
} from "@cosmjs/stargate";
import { Comet38Client, HttpEndpoint } from "@cosmjs/tendermint-rpc";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";

import { createLitAminoTypes } from "./amino";
import { BlockTx, decodeBlockTxs } from "./blocks";
import {
  AccessConditionInit,
  BadShare,
  checkCiphertext,
  decryptionHash,
  decryptWith,
  encrypt,
  NotEnoughSharesError,
  openShares,
  RandomSource,
  RequesterKey,
  requesterKey as newRequesterKey,
} from "./encryption";
import { findEvents } from "./events";
import { Execution, ExecutionStatus } from "./generated/lit/actions/v1/actions";
import { QueryClientImpl as ActionsQueryClient } from "./generated/lit/actions/v1/query";
import { MsgExecuteActionResponse, MsgUploadActionResponse } from "./generated/lit/actions/v1/tx";
import {
  AccessCondition,
  AuthMethod,
  AuthPresentation,
  AuthProof,
  Ciphertext,
  PermittedAction,
  PermittedAddress,
  SessionCapability,
} from "./generated/lit/pkp/v1/pkp";
import { QueryAuthChallengeRequest, QueryAuthChallengeResponse, QueryClientImpl as PkpQueryClient } from "./generated/lit/pkp/v1/query";
import { MsgDecryptResponse, MsgMintResponse, MsgSignWithAuthMethodResponse } from "./generated/lit/pkp/v1/tx";
import { QueryClientImpl as TssQueryClient } from "./generated/lit/tss/v1/query";
import { MsgSignResponse } from "./generated/lit/tss/v1/tx";
import { DecryptionStatus, KeySet, SessionStatus, Signature, SignatureStatus } from "./generated/lit/tss/v1/tss";
import { createLitRegistry, typeUrls } from "./registry";

/**
 * Connects to a litd node's CometBFT RPC (http://host:26657). litd runs
 * CometBFT 0.39, which CosmJS's connectComet does not recognise: it falls
 * back to the Tendermint 0.37 client, whose blockResults has no
 * finalize-block events (where x/tss reports finished signatures). The 0.38
 * client speaks 0.39's RPC.
 */
export async function connectLitComet(endpoint: string | HttpEndpoint): Promise<Comet38Client> {
  return Comet38Client.connect(endpoint);
}

/** gRPC-over-ABCI query clients of the three lit modules. */
export interface LitQueries {
  readonly pkp: PkpQueryClient;
  readonly tss: TssQueryClient;
  readonly actions: ActionsQueryClient;
}

/** Lit query clients on a CosmJS QueryClient (ABCI queries through CometBFT RPC). */
export function setupLitQueries(base: QueryClient): LitQueries {
  const rpc = createProtobufRpcClient(base);
  return { pkp: new PkpQueryClient(rpc), tss: new TssQueryClient(rpc), actions: new ActionsQueryClient(rpc) };
}

/** Polling bounds of the wait helpers. */
export interface WaitOptions {
  /** Give up after this long (default 120 s). */
  readonly timeoutMs?: number;
  /** Ask again after this long (default 500 ms, about one litd block). */
  readonly pollMs?: number;
}

/** A signature's r, s, v as x/tss reports them in EventSignatureCompleted. */
export interface SignatureCompleted {
  readonly signatureId: bigint;
  readonly tokenId: string;
  /** 0x-hex, 32 bytes. */
  readonly r: string;
  /** 0x-hex, 32 bytes, low-S. */
  readonly s: string;
  /** 27 or 28, as Ethereum's ecrecover wants it. */
  readonly v: number;
}

/** Options of LitClient.encrypt. */
export interface EncryptOptions {
  /** The network root key (33 bytes) to encrypt to; default: the active key set's pubkey, read from the chain. */
  readonly root?: Uint8Array;
  /** Randomness (default crypto.getRandomValues); see RandomSource. */
  readonly random?: RandomSource;
}

/** What a decryption request's auth-method proofs sign over (AUTH_PURPOSE_DECRYPT). */
export interface DecryptionRequest {
  /** 0x-hex types.DecryptionHash: authChallenge's decryptionHash. */
  readonly decryptionHash: string;
  /** The X25519 public key the shares will be sealed to (MsgDecrypt.requester_key). */
  readonly requesterKey: Uint8Array;
}

/** Options of LitClient.decrypt. */
export interface DecryptOptions extends WaitOptions {
  /**
   * Auth methods for CONDITION_TYPE_PERMITTED_AUTH_METHOD: their proofs sign
   * the AUTH_PURPOSE_DECRYPT challenge of the request's decryptionHash, which
   * covers the requester key: pass a function, called with the hash of this
   * request once its key is made, or pass requesterKey too.
   */
  readonly authMethods?:
    | readonly AuthPresentation[]
    | ((req: DecryptionRequest) => Promise<readonly AuthPresentation[]> | readonly AuthPresentation[]);
  /** x/actions executions for CONDITION_TYPE_ACTION. */
  readonly executionIds?: ReadonlyArray<bigint | number>;
  readonly fee?: Fee;
  /** The X25519 key the shares are sealed to (default: a fresh one; use a fresh one per request). */
  readonly requesterKey?: RequesterKey;
}

/** A decrypted ciphertext. */
export interface Decrypted {
  readonly plaintext: Uint8Array;
  readonly decryptionId: bigint;
  /** Validators whose share did not open or failed its DLEQ proof (decryption succeeded without them). */
  readonly bad: readonly BadShare[];
}

const signatureCompletedEvent = "lit.tss.v1.EventSignatureCompleted";

async function poll<T>(what: string, opts: WaitOptions | undefined, step: () => Promise<T | undefined>): Promise<T> {
  const timeoutMs = opts?.timeoutMs ?? 120_000;
  const pollMs = opts?.pollMs ?? 500;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await step();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`${what}: not done after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** The x/tss queries a requester waits on. */
export type DecryptionQueries = Pick<TssQueryClient, "Decryption" | "KeySetByID" | "Session">;

/**
 * Polls a decryption until it is SERVED, then opens, verifies and combines
 * its shares and decrypts; while fewer than threshold+1 shares are valid and
 * the session is open it waits for more. Throws if the decryption FAILED,
 * was served for another ciphertext or by a key set of another root, or the
 * session closed without enough valid shares (naming the bad ones).
 */
export async function waitForDecryption(
  tss: DecryptionQueries,
  decryptionId: bigint | number,
  ciphertext: Ciphertext,
  privateKey: Uint8Array,
  opts?: WaitOptions,
): Promise<Omit<Decrypted, "decryptionId">> {
  checkCiphertext(ciphertext);
  const id = BigInt(decryptionId);
  const keySets = new Map<bigint, KeySet>();
  return poll(`decryption ${id}`, opts, async () => {
    const { decryption: d } = await tss.Decryption({ id });
    if (!d) return undefined;
    if (d.status === DecryptionStatus.DECRYPTION_STATUS_FAILED) throw new Error(`decryption ${id} failed: ${d.error}`);
    if (d.status !== DecryptionStatus.DECRYPTION_STATUS_SERVED) return undefined;
    if (toHex(d.ephemeral) !== toHex(ciphertext.header!.ephemeral)) throw new Error(`decryption ${id} is for another ciphertext (another R)`);
    let ks = keySets.get(d.keySetId);
    if (!ks) {
      const got = (await tss.KeySetByID({ id: d.keySetId })).keySet;
      if (!got) throw new Error(`key set ${d.keySetId} of decryption ${id} not found`);
      keySets.set(d.keySetId, (ks = got));
    }
    if (ks.pubkey.replace(/^0x/i, "").toLowerCase() !== toHex(ciphertext.root)) {
      throw new Error(`the ciphertext was encrypted to root 0x${toHex(ciphertext.root)}, but key set ${ks.id} (which served decryption ${id}) holds ${ks.pubkey}`);
    }
    try {
      const { xR, bad } = await openShares({ privateKey, decryptionId: id, ephemeral: d.ephemeral, threshold: d.threshold, keySet: ks, shares: d.shares });
      return { plaintext: decryptWith(ciphertext, xR), bad };
    } catch (e) {
      if (!(e instanceof NotEnoughSharesError)) throw e;
      // Some shares were bad: wait for more while the session is open.
      if (d.shares.length < ks.participants.length) {
        const { session } = await tss.Session({ id: d.sessionId });
        if (session?.status === SessionStatus.SESSION_STATUS_OPEN) return undefined;
      }
      throw new Error(`decryption ${id}: ${e.message}`, { cause: e });
    }
  });
}

/** Read-side helpers shared by LitClient and LitQueryClient. */
class LitReader {
  constructor(
    readonly query: LitQueries,
    private readonly comet: Comet38Client,
  ) {}

  async waitForSignature(signatureId: bigint | number, opts?: WaitOptions): Promise<Signature> {
    const id = BigInt(signatureId);
    return poll(`signature ${id}`, opts, async () => {
      const { signature } = await this.query.tss.Signature({ id });
      if (signature?.status === SignatureStatus.SIGNATURE_STATUS_SIGNED) return signature;
      if (signature?.status === SignatureStatus.SIGNATURE_STATUS_FAILED) {
        throw new Error(`signature ${id} failed: ${signature.error}`);
      }
      return undefined;
    });
  }

  async signatureCompletedEvents(height: number): Promise<SignatureCompleted[]> {
    const results = await this.comet.blockResults(height);
    return findEvents(results.finalizeBlockEvents, signatureCompletedEvent).map((a) => ({
      signatureId: BigInt(String(a.signature_id)),
      tokenId: String(a.token_id),
      r: String(a.r),
      s: String(a.s),
      v: Number(a.v),
    }));
  }

  async waitForActionResult(executionId: bigint | number, opts?: WaitOptions): Promise<Execution> {
    const id = BigInt(executionId);
    return poll(`execution ${id}`, { timeoutMs: 240_000, ...opts }, async () => {
      const { execution } = await this.query.actions.Execution({ id });
      if (execution?.status === ExecutionStatus.EXECUTION_STATUS_COMPLETED) return execution;
      if (execution?.status === ExecutionStatus.EXECUTION_STATUS_FAILED) {
        throw new Error(`execution ${id} failed: ${execution.error}`);
      }
      return undefined;
    });
  }

  async getBlockTxs(height: number | undefined, registry: ReturnType<typeof createLitRegistry>): Promise<BlockTx[]> {
    const { block } = await this.comet.block(height);
    return decodeBlockTxs(block, registry);
  }

  async networkRoot(): Promise<Uint8Array> {
    const { keySet } = await this.query.tss.KeySet({});
    if (!keySet?.pubkey) throw new Error("the chain has no active key set: no root key to encrypt to yet");
    return fromHex(keySet.pubkey.replace(/^0x/i, ""));
  }

  async encrypt(conditions: AccessConditionInit, plaintext: Uint8Array, opts: EncryptOptions = {}): Promise<Ciphertext> {
    return encrypt(opts.root ?? (await this.networkRoot()), conditions, plaintext, opts.random);
  }

  waitForDecryption(
    decryptionId: bigint | number,
    ciphertext: Ciphertext,
    privateKey: Uint8Array,
    opts?: WaitOptions,
  ): Promise<Omit<Decrypted, "decryptionId">> {
    return waitForDecryption(this.query.tss, decryptionId, ciphertext, privateKey, opts);
  }
}

/**
 * Read-only litd client: CosmJS's StargateClient on the right CometBFT
 * client, with the lit queries, the wait helpers and block decoding.
 */
export class LitQueryClient extends StargateClient {
  readonly lit: LitQueries;
  readonly registry = createLitRegistry();
  private readonly reader: LitReader;

  static override async connect(endpoint: string | HttpEndpoint, options: StargateClientOptions = {}): Promise<LitQueryClient> {
    return new LitQueryClient(await connectLitComet(endpoint), options);
  }

  protected constructor(comet: Comet38Client, options: StargateClientOptions) {
    super(comet, options);
    this.lit = setupLitQueries(this.forceGetQueryClient());
    this.reader = new LitReader(this.lit, comet);
  }

  /** See LitClient.waitForSignature. */
  waitForSignature(signatureId: bigint | number, opts?: WaitOptions): Promise<Signature> {
    return this.reader.waitForSignature(signatureId, opts);
  }

  /** See LitClient.signatureCompletedEvents. */
  signatureCompletedEvents(height: number): Promise<SignatureCompleted[]> {
    return this.reader.signatureCompletedEvents(height);
  }

  /** See LitClient.waitForActionResult. */
  waitForActionResult(executionId: bigint | number, opts?: WaitOptions): Promise<Execution> {
    return this.reader.waitForActionResult(executionId, opts);
  }

  /** See LitClient.getBlockTxs. */
  getBlockTxs(height?: number): Promise<BlockTx[]> {
    return this.reader.getBlockTxs(height, this.registry);
  }

  /** See LitClient.encrypt. */
  encrypt(conditions: AccessConditionInit, plaintext: Uint8Array, opts?: EncryptOptions): Promise<Ciphertext> {
    return this.reader.encrypt(conditions, plaintext, opts);
  }

  /** See LitClient.waitForDecryption. */
  waitForDecryption(decryptionId: bigint | number, ciphertext: Ciphertext, privateKey: Uint8Array, opts?: WaitOptions): Promise<Omit<Decrypted, "decryptionId">> {
    return this.reader.waitForDecryption(decryptionId, ciphertext, privateKey, opts);
  }
}

/** Options of LitClient: CosmJS's, with lit's registry, amino types and a gas price by default. */
export interface LitClientOptions extends SigningStargateClientOptions {
  /** Gas limit multiplier over simulation for fee "auto" (default 1.5). */
  readonly gasMultiplier?: number;
}

/** Initial permissions of a PKP minted with LitClient.mintPkp. */
export interface MintOptions {
  readonly permittedActions?: ReadonlyArray<Partial<PermittedAction>>;
  readonly permittedAddresses?: ReadonlyArray<Partial<PermittedAddress>>;
  readonly authMethods?: ReadonlyArray<Partial<AuthMethod>>;
}

/** A freshly minted PKP and the tx that minted it. */
export interface MintedPkp extends MsgMintResponse {
  readonly tx: DeliverTxResponse;
}

type Fee = StdFee | "auto" | number;

/** The first msg response of a successful tx, decoded. */
function response<T>(tx: DeliverTxResponse, typeUrl: string, decode: (b: Uint8Array) => T): T {
  assertIsDeliverTxSuccess(tx);
  const r = tx.msgResponses.find((m) => m.typeUrl === typeUrl);
  if (!r) throw new Error(`tx ${tx.transactionHash} has no ${typeUrl}`);
  return decode(r.value);
}

/**
 * Characters the chain's amino JSON (Go's encoding/json) escapes but a
 * CosmJS amino signer does not: U+2028, U+2029 (written \u2028, \u2029 by
 * Go), and lone UTF-16 surrogates (which reach the chain as U+FFFD). A string
 * with one of them gets different sign bytes on each side, so the chain
 * refuses the signature (code 4).
 */
const aminoUnsafe = /[\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The first string in value (deeply) that legacy amino signing cannot carry, if any. */
export function aminoUnsafeString(value: unknown): string | undefined {
  if (typeof value === "string") return aminoUnsafe.test(value) ? value : undefined;
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return undefined;
  for (const v of Object.values(value)) {
    const bad = aminoUnsafeString(v);
    if (bad !== undefined) return bad;
  }
  return undefined;
}

/** A 32-byte digest as the chain wants it: 0x-hex. */
export function digestHex(digest: string | Uint8Array): string {
  const bytes = typeof digest === "string" ? fromHex(digest.replace(/^0x/i, "")) : digest;
  if (bytes.length !== 32) throw new Error(`digest must be 32 bytes, got ${bytes.length}`);
  return "0x" + toHex(bytes);
}

/**
 * The payload an auth method presented to a Lit Action execution signs
 * over (x/pkp types.ExecutionHash): sha256(caller ‖ 0x00 ‖ cid ‖ 0x00 ‖ code
 * ‖ 0x00 ‖ jsParams), the fields as MsgExecuteAction carries them; 0x-hex,
 * for authChallenge's executionHash.
 */
export function executionHash(caller: string, cid: string, code: string, jsParams: string): string {
  return "0x" + toHex(sha256(toUtf8(`${caller}\0${cid}\0${code}\0${jsParams}`)));
}

/**
 * A wallet's litd client: CosmJS's SigningStargateClient with every lit Msg
 * in its registry and amino types (direct and legacy amino signers both
 * work), connected with the right CometBFT client, plus helpers for PKPs,
 * threshold signatures and Lit Actions. Helpers throw when the tx fails.
 */
export class LitClient extends SigningStargateClient {
  readonly lit: LitQueries;
  private readonly reader: LitReader;
  private readonly gasMultiplier: number;
  private readonly aminoOnly: boolean;

  static override async connectWithSigner(
    endpoint: string | HttpEndpoint,
    signer: OfflineSigner,
    options: LitClientOptions = {},
  ): Promise<LitClient> {
    return new LitClient(await connectLitComet(endpoint), signer, options);
  }

  /** Like connectWithSigner, on a Comet38Client you created. */
  static override createWithSigner(comet: Comet38Client, signer: OfflineSigner, options: LitClientOptions = {}): LitClient {
    return new LitClient(comet, signer, options);
  }

  protected constructor(comet: Comet38Client, signer: OfflineSigner, options: LitClientOptions) {
    super(comet, signer, {
      registry: createLitRegistry(),
      aminoTypes: createLitAminoTypes(),
      // litd's default minimum gas price is 0ulit; pass your node's.
      gasPrice: GasPrice.fromString("0ulit"),
      ...options,
    });
    this.gasMultiplier = options.gasMultiplier ?? 1.5;
    this.aminoOnly = !isOfflineDirectSigner(signer);
    this.lit = setupLitQueries(this.forceGetQueryClient());
    this.reader = new LitReader(this.lit, comet);
  }

  /**
   * CosmJS's sign, refusing up front what an amino-only signer would sign
   * into a signature the chain rejects (see aminoUnsafeString): use a direct
   * signer for such text.
   */
  override async sign(
    signerAddress: string,
    messages: readonly EncodeObject[],
    fee: StdFee,
    memo: string,
    explicitSignerData?: SignerData,
    timeoutHeight?: bigint,
  ): Promise<TxRaw> {
    if (this.aminoOnly) {
      const bad = aminoUnsafeString([memo, ...messages.map((m) => m.value)]);
      if (bad !== undefined) {
        throw new Error(
          `legacy amino signing cannot carry U+2028, U+2029 or lone surrogates (CosmJS and the chain's Go JSON escape them differently): ${JSON.stringify(bad.slice(0, 80))}; sign with a direct signer`,
        );
      }
    }
    return super.sign(signerAddress, messages, fee, memo, explicitSignerData, timeoutHeight);
  }

  /** Signs and broadcasts msgs and waits for the block; fee "auto" simulates with the gas multiplier. */
  async send(sender: string, msgs: readonly EncodeObject[], fee: Fee = "auto", memo = ""): Promise<DeliverTxResponse> {
    return this.signAndBroadcast(sender, msgs, fee === "auto" ? this.gasMultiplier : fee, memo);
  }

  /** Mints a PKP owned by sender (pays the mint fee), with optional initial permissions. */
  async mintPkp(sender: string, opts: MintOptions = {}, fee?: Fee): Promise<MintedPkp> {
    const tx = await this.send(sender, [
      {
        typeUrl: typeUrls.MsgMint,
        value: {
          creator: sender,
          permittedActions: opts.permittedActions ?? [],
          permittedAddresses: opts.permittedAddresses ?? [],
          authMethods: opts.authMethods ?? [],
        },
      },
    ], fee);
    return { ...response(tx, typeUrls.MsgMint + "Response", (b) => MsgMintResponse.decode(b)), tx };
  }

  /**
   * Mints a PKP, permits exactly the action with this IPFS CID and burns it in
   * one state transition: only that action can ever sign with the key.
   */
  async mintGrantBurn(sender: string, actionCid: string, fee?: Fee): Promise<MintedPkp> {
    const tx = await this.send(sender, [{ typeUrl: typeUrls.MsgMintGrantBurn, value: { creator: sender, actionCid } }], fee);
    return { ...response(tx, typeUrls.MsgMint + "Response", (b) => MsgMintResponse.decode(b)), tx };
  }

  /**
   * Asks the validators to sign a 32-byte digest with a PKP (pays the sign
   * fee); sender must own it or be permitted to sign anything with it. Wait
   * for r, s, v with waitForSignature.
   */
  async requestSignature(
    sender: string,
    tokenId: string,
    digest: string | Uint8Array,
    fee?: Fee,
  ): Promise<{ signatureId: bigint; tx: DeliverTxResponse }> {
    const tx = await this.send(sender, [{ typeUrl: typeUrls.MsgSign, value: { requester: sender, tokenId, digest: digestHex(digest) } }], fee);
    const { signatureId } = response(tx, typeUrls.MsgSign + "Response", (b) => MsgSignResponse.decode(b));
    return { signatureId, tx };
  }

  /**
   * Submits a signing request that one of a PKP's auth methods authorised
   * (x/pkp MsgSignWithAuthMethod): sender only relays it and pays the sign
   * fee. The request is either a 32-byte digest (scope sign-anything) or an
   * EIP-191 message (scope personal-sign; the chain hashes it). The proof —
   * a WebAuthn assertion, an OIDC ID token or a session key's signature —
   * must be over the challenge of lit.pkp.AuthChallenge (purpose
   * AUTH_PURPOSE_SIGN) for that digest (for a message, ethers' hashMessage
   * of it).
   */
  async signWithAuthMethod(
    sender: string,
    req: {
      readonly tokenId: string;
      readonly authMethodType: bigint;
      readonly id: string;
      readonly digest?: string | Uint8Array;
      readonly message?: Uint8Array;
      readonly proof: AuthProof;
    },
    fee?: Fee,
  ): Promise<{ signatureId: bigint; digest: string; tx: DeliverTxResponse }> {
    const value = {
      submitter: sender,
      tokenId: req.tokenId,
      authMethodType: req.authMethodType,
      id: req.id,
      digest: req.digest === undefined ? "" : digestHex(req.digest),
      message: req.message ?? new Uint8Array(),
      proof: req.proof,
    };
    const tx = await this.send(sender, [{ typeUrl: typeUrls.MsgSignWithAuthMethod, value }], fee);
    const r = response(tx, typeUrls.MsgSignWithAuthMethod + "Response", (b) => MsgSignWithAuthMethodResponse.decode(b));
    return { signatureId: r.signatureId, digest: r.digest, tx };
  }

  /**
   * The challenge an auth method's proof must sign for its next request
   * (lit.pkp.AuthChallenge; fields not given are empty): a passkey signs its
   * bytes, an OIDC token carries its hex as `nonce`, a session key signs
   * sha256 of its bytes.
   */
  async authChallenge(req: Parameters<typeof QueryAuthChallengeRequest.fromPartial>[0]): Promise<QueryAuthChallengeResponse> {
    return this.lit.pkp.AuthChallenge(QueryAuthChallengeRequest.fromPartial(req));
  }

  /**
   * Has an auth method's proof (a WebAuthn assertion or an OIDC token over
   * the challenge of lit.pkp.AuthChallenge with purpose
   * AUTH_PURPOSE_AUTHORIZE_SESSION) authorise a secp256k1 session key for
   * some PKPs until expiresAt (unix seconds); later signWithAuthMethod calls
   * carry `{ session: { pubkey, signature } }`, the session key's signature
   * over sha256(challenge), instead of a new prompt or login.
   */
  async authorizeSessionKey(
    sender: string,
    req: {
      readonly tokenIds: readonly string[];
      readonly authMethodType: bigint;
      readonly id: string;
      readonly sessionPubkey: string;
      readonly capabilities: readonly SessionCapability[];
      readonly expiresAt: bigint;
      readonly proof: AuthProof;
    },
    fee?: Fee,
  ): Promise<DeliverTxResponse> {
    const value = { submitter: sender, ...req, tokenIds: [...req.tokenIds], capabilities: [...req.capabilities] };
    return this.send(sender, [{ typeUrl: typeUrls.MsgAuthorizeSessionKey, value }], fee);
  }

  /**
   * Ends a session key: sender is the PKP's owner, or proof is the session's
   * auth method's (the session key's own signature included) over the
   * challenge with purpose AUTH_PURPOSE_REVOKE_SESSION.
   */
  async revokeSessionKey(
    sender: string,
    req: { readonly tokenId: string; readonly sessionPubkey: string; readonly proof?: AuthProof },
    fee?: Fee,
  ): Promise<DeliverTxResponse> {
    return this.send(sender, [{ typeUrl: typeUrls.MsgRevokeSessionKey, value: { sender, ...req } }], fee);
  }

  /**
   * Polls the signature record until it is SIGNED (returned: r, s, v,
   * signed_height, pubkey) or FAILED (thrown with the chain's reason).
   */
  waitForSignature(signatureId: bigint | number, opts?: WaitOptions): Promise<Signature> {
    return this.reader.waitForSignature(signatureId, opts);
  }

  /**
   * The EventSignatureCompleted events of a block (x/tss emits them when it
   * finalizes the block, not in a tx), with their JSON-quoted attributes decoded.
   */
  signatureCompletedEvents(height: number): Promise<SignatureCompleted[]> {
    return this.reader.signatureCompletedEvents(height);
  }

  /** Stores JavaScript under its IPFS CIDv0 and returns the CID. */
  async uploadAction(sender: string, code: string, fee?: Fee): Promise<{ cid: string; tx: DeliverTxResponse }> {
    const tx = await this.send(sender, [{ typeUrl: typeUrls.MsgUploadAction, value: { uploader: sender, code } }], fee);
    const { cid } = response(tx, typeUrls.MsgUploadAction + "Response", (b) => MsgUploadActionResponse.decode(b));
    return { cid, tx };
  }

  /**
   * Runs a Lit Action on the validators: an uploaded one by cid, or inline
   * code (uploaded first). jsParams' keys become the action's globals. The
   * worst-case fee is escrowed; wait for the outcome with waitForActionResult.
   */
  async executeAction(
    sender: string,
    action: {
      readonly cid?: string;
      readonly code?: string;
      readonly jsParams?: Record<string, unknown> | string;
      /** Auth methods presented to the action (Lit.Auth.authMethodContexts): proofs over the AUTH_PURPOSE_EXECUTE challenge of executionHash. */
      readonly authMethods?: readonly AuthPresentation[];
    },
    fee?: Fee,
  ): Promise<{ executionId: bigint; cid: string; tx: DeliverTxResponse }> {
    const jsParams = typeof action.jsParams === "string" ? action.jsParams : JSON.stringify(action.jsParams ?? {});
    const value = { caller: sender, cid: action.cid ?? "", code: action.code ?? "", jsParams, authMethods: [...(action.authMethods ?? [])] };
    const tx = await this.send(sender, [{ typeUrl: typeUrls.MsgExecuteAction, value }], fee);
    const r = response(tx, typeUrls.MsgExecuteAction + "Response", (b) => MsgExecuteActionResponse.decode(b));
    return { executionId: r.executionId, cid: r.cid, tx };
  }

  /**
   * Polls an execution until it is COMPLETED (returned: result.response,
   * result.signRequests with their signature ids, fees) or FAILED (thrown).
   */
  waitForActionResult(executionId: bigint | number, opts?: WaitOptions): Promise<Execution> {
    return this.reader.waitForActionResult(executionId, opts);
  }

  /** Every tx of a block (latest when height is undefined), decoded; tx 0 is marked injected. */
  getBlockTxs(height?: number): Promise<BlockTx[]> {
    return this.reader.getBlockTxs(height, this.registry);
  }

  /**
   * Encrypts plaintext under access conditions to the network root key,
   * offline once the root is known (read from the active key set unless
   * opts.root is given): the Ciphertext `litd tx pkp encrypt` writes;
   * ciphertextToJSON renders its file.
   */
  encrypt(conditions: AccessConditionInit, plaintext: Uint8Array, opts?: EncryptOptions): Promise<Ciphertext> {
    return this.reader.encrypt(conditions, plaintext, opts);
  }

  /**
   * Decrypts a ciphertext: makes a fresh X25519 key, sends MsgDecrypt (the
   * chain checks that sender meets the access conditions now, and charges
   * x/tss params.decrypt_fee), waits until validators have sealed their
   * shares to the key, opens them, checks each one's DLEQ proof against the
   * key set's public shares, combines threshold+1 valid ones and decrypts.
   * If fewer are valid it waits for more while the session is open. bad
   * names validators whose share was refused. Throws when the chain refuses
   * the request, the decryption fails, or too few valid shares arrive.
   */
  async decrypt(sender: string, ciphertext: Ciphertext, opts: DecryptOptions = {}): Promise<Decrypted & { tx: DeliverTxResponse }> {
    checkCiphertext(ciphertext);
    if (Array.isArray(opts.authMethods) && opts.authMethods.length > 0 && !opts.requesterKey) {
      throw new Error(
        "decrypt: auth-method proofs sign the request's decryptionHash, which covers the requester key: pass authMethods as a function of it, or pass requesterKey",
      );
    }
    const key = opts.requesterKey ?? newRequesterKey();
    // Its conditions are non-nullable on the chain: always encoded.
    const header = { ...ciphertext.header!, conditions: ciphertext.header!.conditions ?? AccessCondition.fromPartial({}) };
    const authMethods =
      typeof opts.authMethods === "function"
        ? await opts.authMethods({ decryptionHash: decryptionHash(sender, header, key.publicKey), requesterKey: key.publicKey })
        : (opts.authMethods ?? []);
    const value = {
      requester: sender,
      header,
      requesterKey: key.publicKey,
      authMethods: [...authMethods],
      executionIds: (opts.executionIds ?? []).map((id) => BigInt(id)),
    };
    const tx = await this.send(sender, [{ typeUrl: typeUrls.MsgDecrypt, value }], opts.fee);
    const { decryptionId } = response(tx, typeUrls.MsgDecrypt + "Response", (b) => MsgDecryptResponse.decode(b));
    const out = await this.reader.waitForDecryption(decryptionId, ciphertext, key.privateKey, opts);
    return { ...out, decryptionId, tx };
  }

  /**
   * Waits for the shares of a decryption you requested yourself (MsgDecrypt
   * with privateKey's public half as requester_key), then opens, verifies
   * and combines them and decrypts, as decrypt does.
   */
  waitForDecryption(decryptionId: bigint | number, ciphertext: Ciphertext, privateKey: Uint8Array, opts?: WaitOptions): Promise<Omit<Decrypted, "decryptionId">> {
    return this.reader.waitForDecryption(decryptionId, ciphertext, privateKey, opts);
  }
}
