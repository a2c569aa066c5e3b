// Package sandbox runs Lit Actions (JavaScript) in goja. It is off-chain code: it may use
// goroutines, clocks and HTTP; the chain only sees its results. Validators never call Run in
// their own process: package worker runs it in a separate process with OS limits, since no
// in-process bound stops a single huge allocation (Go cannot recover from running out of memory).
//
// # API
//
//	res := sandbox.Run(ctx, sandbox.Env{Code, JSParams, Seed, Now, Limits, Fetcher, Permissions, Auth})
//	res.Response, res.Logs, res.SignRequests, res.Fetches, res.Error, res.Digest()
//
// The engine runs an action in the fetch phase with a *LiveFetcher (real HTTP) to collect
// res.Fetches, and in the final run with a TranscriptFetcher holding the attested fetches, offline
// (or reuses the live run's result when the attested transcript is exactly what it saw live).
//
// # Globals
//
//   - Lit.Actions (also LitActions):
//     signEcdsa({toSign, publicKey, sigName}) records a SignRequest of kind SignDigest (toSign: 32 bytes as a
//     Uint8Array, ArrayBuffer or array of numbers; publicKey: hex secp256k1 key; sigName unique) and
//     resolves to true;
//     ethPersonalSignMessageEcdsa({message, publicKey, sigName}) records one of kind SignPersonalMessage with
//     the message as it is (a string as its UTF-8, or bytes; at most MaxMessageBytes, 4 KiB, and 16 KiB for
//     all of a run's messages, beyond which the run fails with "signature limit"): the sandbox does not hash
//     it. The chain signs its EIP-191 hash (x/pkp's PersonalMessageDigest, ethers' hashMessage) and lets a
//     PKP's SCOPE_PERSONAL_SIGN allow it, where a SignDigest needs SCOPE_SIGN_ANYTHING;
//     setResponse({response}) sets the response string (last call wins);
//     the permission reads (Promises) getPermittedActions({tokenId}), isPermittedAction({tokenId, ipfsId}),
//     getPermittedAddresses({tokenId}), isPermittedAddress({tokenId, address}),
//     getPermittedAuthMethods({tokenId}) (objects {auth_method_type, id, user_pubkey}),
//     isPermittedAuthMethod({tokenId, authMethodType, userId}) and getPermittedAuthMethodScopes({tokenId,
//     authMethodType, userId, maxScopeId}) (maxScopeId booleans, default 100, at most 256: the i-th
//     tells whether the auth method has scope i, as Lit's contract answers) read Env.Permissions.
//     authMethodType is a positive integer (a number or a decimal string); userId is bytes (Uint8Array,
//     ArrayBuffer or array, at most 255, passed on as 0x-hex) or a string (at most MaxUserIDBytes, passed on
//     as it is). At most 256 reads per run; each read, with its arguments and its answer (or error), is
//     recorded in Result.Reads, in call order, and a replay answers them from the record
//     (RecordedPermissions), failing when the code asks something else. A Permissions error wrapping
//     ErrUnavailable (the validator could not read its state) is no answer: the run ends with CrashError
//     and nothing of it is recorded. A list read answers at most
//     MaxListedPermissions entries (Permissions fails the read of a PKP with more, so an action never sees
//     part of a list);
//     pubkeyToTokenId({publicKey}) returns 0x-hex keccak256 of the 65-byte uncompressed key.
//   - Lit.Auth, and LitAuth (Lit's global alias: the same object, a non-writable, non-configurable global):
//     Env.Auth, deeply frozen and not writable (assignments throw in strict code and are ignored otherwise): actionIpfsIds (the executing action's CID), authSigAddress (the account that signed
//     MsgExecuteAction, bech32), authSigAddressHex (the same 20 address bytes, 0x-hex; not the Ethereum
//     address of its key), authMethodContexts ([{authMethodType, userId, appId?, authMethodId?}], the auth
//     methods the chain verified for the caller). It comes from the execution record, so a replay sees it too.
//   - fetch(url, {method, headers, body}) returns a Promise of {status, ok, url, headers.get/has/forEach,
//     text(), json(), arrayBuffer()}; only absolute http(s) URLs (at most MaxURLBytes); request headers
//     as a plain object (at most MaxRequestHeaderBytes). The response headers are AttestedHeaders only
//     (the first Content-Type, when at most MaxAttestedHeaderBytes), in the live and the final run
//     alike: they are part of the attested transcript. A failed fetch's text is at most
//     MaxFetchErrorBytes (FetchError). Token ids, CIDs and addresses passed to the API are at most 128
//     bytes, sigName 64, and permission reads add at most MaxReadBytes to the result.
//   - console.log/info/warn/error/debug: arguments joined by spaces (objects as JSON), one Logs entry per
//     call; each line costs its length + 1 + the varint of its length (its protobuf size); once MaxLogBytes
//     would be exceeded, a last "[logs truncated]" entry is added and later output dropped.
//   - jsParams and each of its top-level keys as globals. A key that names a global the runtime already
//     has fails the run with "invalid params" before any key is set (IsReservedGlobal): the sandbox's
//     own (Lit, LitAuth, LitActions, fetch, console, jsParams, TextEncoder, crypto), goja's built-ins
//     (Object, JSON, undefined, ...) and what the global object inherits from Object.prototype
//     (__proto__, toString, ...). Whoever executes an action chooses its params, so they must not
//     replace what the action relies on. The list is fixed, so every validator refuses the same keys,
//     and x/actions refuses them in MsgExecuteAction already.
//   - TextEncoder.encode and crypto.subtle.digest (SHA-256/384/512), so actions can hash.
//
// There is no setTimeout and no other I/O. Math.random is ChaCha8 seeded with Env.Seed
// (float64(Uint64()>>11) / 2^53); Date.now() and new Date() return Env.Now. goja formats local-time
// Date methods with the process's time.Local, so validators must run in UTC (TZ=UTC) for those to agree.
//
// # Execution
//
// The script runs, then Run drives goja's job queue: each fetch runs on its own goroutine (so
// Promise.all fetches concurrently), but fetches are settled on the VM goroutine strictly in the order
// they were issued, each settlement running the promise jobs that follow. What the action observes is
// therefore independent of network timing, and Fetches lists requests in issue order. The run ends
// when no fetch is pending; a rejected promise nobody handled then fails the run ("exception:").
//
// # Limits and errors
//
// Every failure sets Result.Error to "<code>: <message>" (at most 1 KiB) with a code among: "syntax
// error", "invalid params", "exception", "timeout", "canceled", "memory limit", "worker crashed",
// "stack overflow", "fetch limit" (also for more than 256 permission reads), "signature limit",
// "response too large", "fetch not attested" (a replayed fetch differs from the transcript), "internal
// error". Limit breaches are not catchable by the action. A failed fetch (refused destination, body
// over MaxFetchBodyBytes, HTTP error) is an ordinary rejected promise with a TypeError.
//
// Failure results are deterministic, so validators agree on a failure as fast as on a success. The
// messages carry no sizes or timings measured at run time (TimeoutError, MemoryError and CrashError
// are the only texts of their codes). ResourceCodes (timeout, memory limit, worker crashed) strike
// wherever the machine happened to be: such a result keeps no logs and no reads. A failure the
// action causes (an exception, a limit it breaks) keeps the logs before it, which are deterministic.
//
// Timeout uses goja's Interrupt, checked between VM instructions. A single long native call (e.g.
// JSON.stringify of a deeply nested object) does not see it: Run then gives up on the VM after one
// second more and returns the same timeout error (the worker process then exits, ending it).
//
// Memory is not bounded here (MaxHeapBytes is for package worker, which sets RLIMIT_DATA).
//
// # Digest
//
// Result.Digest is SHA-256 over "litd/actions/sandbox/result/v1" followed by, with every length a
// big-endian uint64 and every string or byte field as length||bytes: Response; len(Logs) and each log;
// len(SignRequests) and for each SigName, PublicKey, ToSign, Kind, Message; len(Reads) and for each Op,
// TokenID, CID, Permitted (1 or 0), len(CIDs) and each CID, Error, Address, AuthMethodType, UserID,
// len(Addresses) and each address, len(AuthMethods) and for each Type, ID, UserPubkey, len(Scopes) and
// each scope; Error. Fetches and Env.Auth are not included (Auth is an input, like the code). (The chain
// votes on types.ResultDigest, the SHA-256 of the protobuf Result, which also carries the runtime version.)
//
// # LiveFetcher
//
// LiveFetcher resolves the host itself, refuses the request unless every resolved IP is public (see
// PublicIP) or, with AllowLoopback, a loopback address, and then dials those checked IPs, so DNS rebinding cannot reach an
// internal address; no socket is opened to a refused destination. Proxies from the environment are
// ignored, bodies are bounded ("fetch body too large") and so are the response's header lines (16 KiB),
// redirects (at most 5) go through the same check.
// Non-public includes the IPv6 forms that embed or translate to an IPv4 address (NAT64 64:ff9b::/96
// and 64:ff9b:1::/48, 6to4 2002::/16, Teredo 2001::/32, IPv4-compatible ::/96, IPv4-translated
// ::ffff:0:0:0/96) and site-local fec0::/10.
package sandbox
