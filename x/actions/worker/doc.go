// Package worker runs Lit Actions out of the validator's process, so that no action can end,
// exhaust or outlive it.
//
// # Process model
//
// Each run (a fetch-phase run, a final run, a replay) starts a fresh worker: the litd executable
// itself, as the hidden sub-command `litd actions-worker --memory-bytes N --cpu-seconds S`
// (ServeIfWorker dispatches it before litd builds any command). A worker runs exactly one action
// and exits; nothing is shared between runs. The engine runs at most app.toml's
// [actions] max-workers (default 4) at once; more wait for a slot.
//
// Before it reads anything, the worker limits itself (Linux):
//
//   - RLIMIT_DATA = what it has mapped at start + max_heap_bytes (param, default 256 MiB): a failed
//     allocation ends the process (Go cannot recover from it). RLIMIT_AS would be the wrong knob:
//     the Go runtime reserves far more address space than it uses.
//   - the Go heap's soft limit (debug.SetMemoryLimit) at 3/4 of that, so the collector works hard
//     before the hard limit strikes;
//   - RLIMIT_CPU = timeout + 2 s (SIGXCPU, then SIGKILL one second later);
//   - RLIMIT_NOFILE = 16 (its pipes and the runtime's own), RLIMIT_FSIZE = 0 (writes no file),
//     RLIMIT_CORE = 0, PR_SET_NO_NEW_PRIVS; GOMAXPROCS=1 and TZ=UTC in a clean environment.
//
// No child processes: nothing in the worker can start one (goja has no process, file or socket API,
// and the worker never execs). RLIMIT_NPROC is not used: it counts every thread of the user — the
// validator's own included — and the Go runtime needs threads; seccomp would be the next step.
//
// The worker has no network and no state: fetch() and the permission reads are requests to the
// parent over its stdin/stdout (length-prefixed JSON frames, at most 8 MiB), which the parent
// answers with the validator's SSRF-checked LiveFetcher (or the attested transcript) and its state
// at the execution's height. The parent bounds what it serves (max_fetches fetches, each index
// once; 1024 permission reads) and treats a broken frame as a crash. A fetcher that panics is a
// failed fetch, as in sandbox.Run.
//
// The parent kills the worker at the run's timeout + 1 s (a native call that ignores goja's
// interrupt), when the caller's context ends, and when the validator dies (Pdeathsig SIGKILL).
// Run returns only after the process is reaped and every fetch it started has returned.
//
// # Failure codes
//
// A worker that answers returns the sandbox's result (see package sandbox for its codes). One that
// does not yields a failed Result with a fixed text, identical on every validator:
//
//   - sandbox.TimeoutError: killed at the deadline, or by RLIMIT_CPU;
//   - sandbox.MemoryError: the Go runtime reported that a mapping was refused ("out of memory",
//     "cannot allocate memory"), or the process faulted (SIGSEGV/SIGBUS, which an allocation
//     refused at the wrong moment can cause);
//   - sandbox.CrashError: anything else (it could not start, broke the protocol, exited early), and a
//     permission read the parent could not serve: the state read panicked (recovered and logged with
//     Runner.Log) or failed with sandbox.ErrUnavailable. Such a read is never an answer to the worker;
//   - "canceled: ..." when the caller's context ended (the engine is shutting down).
//
// These three are sandbox.ResourceCodes: which of them strikes first can depend on the machine, so
// the chain ends an execution that > 2/3 of the power saw fail with any of them (x/actions
// README, "Results").
package worker
