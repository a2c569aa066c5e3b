// Package sandbox runs Lit Actions (JavaScript) in goja. It is off-chain code inside each
// validator: it may use goroutines, clocks and HTTP; the chain only sees its results.
//
// # API
//
//	res := sandbox.Run(ctx, sandbox.Env{Code, JSParams, Seed, Now, Limits, Fetcher, Permissions})
//	res.Response, res.Logs, res.SignRequests, res.Fetches, res.Error, res.Digest()
//
// The engine runs an action twice: in the fetch phase with a *LiveFetcher (real HTTP) to collect
// res.Fetches, and in the final run with a TranscriptFetcher holding the attested fetches, offline.
//
// # Globals
//
//   - Lit.Actions (also LitActions):
//     signEcdsa({toSign, publicKey, sigName}) records a SignRequest (toSign: 32 bytes as a Uint8Array,
//     ArrayBuffer or array of numbers; publicKey: hex secp256k1 key; sigName unique) and resolves to true;
//     setResponse({response}) sets the response string (last call wins);
//     getPermittedActions({tokenId}) and isPermittedAction({tokenId, ipfsId}) read Env.Permissions (Promises);
//     pubkeyToTokenId({publicKey}) returns 0x-hex keccak256 of the 65-byte uncompressed key.
//   - fetch(url, {method, headers, body}) returns a Promise of {status, ok, url, headers.get/has/forEach,
//     text(), json(), arrayBuffer()}; only absolute http(s) URLs; headers as a plain object.
//   - console.log/info/warn/error/debug: arguments joined by spaces (objects as JSON), one Logs entry per
//     call; once MaxLogBytes would be exceeded, a last "[logs truncated]" entry is added and later output dropped.
//   - jsParams and each of its top-level keys as globals (the reserved names Lit, LitActions, fetch,
//     console, jsParams, TextEncoder and crypto are rejected).
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
// Every failure sets Result.Error to "<code>: <message>" with a code among: "syntax error",
// "invalid params", "exception", "timeout", "canceled", "heap limit", "stack overflow", "fetch limit",
// "signature limit", "response too large", "fetch not attested" (a replayed fetch differs from the
// transcript), "internal error". Limit breaches are not catchable by the action. A failed fetch (refused
// destination, body over MaxFetchBodyBytes, HTTP error) is an ordinary rejected promise with a TypeError.
//
// Timeout uses goja's Interrupt, checked between VM instructions. A single long native call (e.g.
// JSON.stringify of a deeply nested object) does not see it: Run then gives up on the VM after one
// second more and returns the timeout error alone, leaving that goroutine to finish on its own.
//
// The heap limit is best-effort: a watchdog samples the process's live heap (runtime/metrics
// /gc/heap/live:bytes, updated at each GC) every 2 ms and interrupts the run when it grew by more than
// MaxHeapBytes since the start. Other goroutines' allocations count too, detection lags by up to a GC
// cycle, and one huge native allocation cannot be stopped. A hard bound needs a separate process.
//
// # Digest
//
// Result.Digest is SHA-256 over "litd/actions/sandbox/result/v1" followed by, with every length a
// big-endian uint64 and every string or byte field as length||bytes: Response; len(Logs) and each log;
// len(SignRequests) and for each SigName, PublicKey, ToSign; Error. Fetches are not included.
//
// # LiveFetcher
//
// LiveFetcher resolves the host itself, refuses the request unless every resolved IP is public (see
// PublicIP) or, with AllowLoopback, a loopback address, and then dials those checked IPs, so DNS rebinding cannot reach an
// internal address; no socket is opened to a refused destination. Proxies from the environment are
// ignored, bodies are bounded ("fetch body too large"), redirects (at most 5) go through the same check.
// Response headers are sorted by name.
package sandbox
