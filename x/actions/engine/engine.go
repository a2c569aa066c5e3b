// Package engine runs Lit Actions off-chain inside each validator: a live run
// whose fetches it reports for attestation, then an offline run on the
// attested transcript whose result it reports. Only results that > 2/3 of
// voting power agree on reach state.
package engine

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"runtime/debug"
	"sync"
	"time"

	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/types/bech32"

	"github.com/litprotocol/litd/x/actions/keeper"
	"github.com/litprotocol/litd/x/actions/sandbox"
	"github.com/litprotocol/litd/x/actions/types"
	"github.com/litprotocol/litd/x/actions/worker"
)

// ResendAfterBlocks: a report not yet reflected in state is sent again.
const ResendAfterBlocks = 3

// Config is the node-local policy (app.toml [actions]).
type Config struct {
	// AllowLoopbackFetch lets actions reach 127.0.0.0/8 and ::1 (local
	// networks and tests only); private and link-local stay refused.
	AllowLoopbackFetch bool
	// MaxWorkers bounds the worker processes running at once (default 4);
	// further runs wait for a slot.
	MaxWorkers int
	// WorkerBin is the litd executable that runs workers (default: this one).
	WorkerBin string
}

// PermissionsAt answers permission reads from committed state at a height.
type PermissionsAt func(height int64) sandbox.Permissions

type phaseKey struct {
	id    uint64
	phase types.ExecutionStatus
}

type report struct {
	fetch  *types.FetchReport
	result *types.ResultReport
	sentAt int64
}

// liveRun is the fetch phase's run of an execution, kept until its final run: when the attested
// transcript is exactly what this validator saw, the final run would repeat it byte for byte
// (same code, params, seed, time, reads, fetch answers) and its result is reused instead.
type liveRun struct {
	fetches []types.Fetch
	result  types.Result
}

// Engine runs this validator's executions, each run in a worker process.
type Engine struct {
	log     log.Logger
	cfg     Config
	perms   PermissionsAt
	runner  *worker.Runner
	slots   chan struct{}
	mu      sync.Mutex
	started map[phaseKey]bool
	ready   map[phaseKey]*report
	live    map[uint64]*liveRun
}

// New returns an engine; perms answers permission reads of running actions.
func New(logger log.Logger, cfg Config, perms PermissionsAt) *Engine {
	registerMetrics()
	if cfg.MaxWorkers <= 0 {
		cfg.MaxWorkers = 4
	}
	if perms == nil {
		perms = func(int64) sandbox.Permissions { return nil }
	}
	logger = logger.With("module", "actions-engine")
	return &Engine{log: logger, cfg: cfg, perms: perms,
		runner: &worker.Runner{Bin: cfg.WorkerBin, Log: logger.Error}, slots: make(chan struct{}, cfg.MaxWorkers),
		started: map[phaseKey]bool{}, ready: map[phaseKey]*report{}, live: map[uint64]*liveRun{}}
}

// Seed is the execution's deterministic Math.random seed.
func Seed(e types.Execution) [32]byte {
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], e.Id)
	return sha256.Sum256(append(append([]byte("litd/actions/v1/seed|"), id[:]...), e.Cid...))
}

// EnvFor is the sandbox environment of an execution; replay uses it too. The limits are the params
// recorded at the request (p, the current params, only for executions recorded without them).
func EnvFor(e types.Execution, code string, p types.Params, fetcher sandbox.Fetcher, perms sandbox.Permissions) sandbox.Env {
	return sandbox.Env{
		Code: code, JSParams: e.JsParams, Seed: Seed(e), Now: time.Unix(e.BlockTimeUnix, 0).UTC(),
		Fetcher: fetcher, Permissions: perms, Limits: keeper.SandboxLimits(e.ParamsOr(p)), Auth: AuthFor(e),
	}
}

// AuthFor is the execution's Lit.Auth, from its record alone: its CID, its caller (bech32, and the
// same address bytes as 0x-hex) and the auth method contexts recorded with it.
func AuthFor(e types.Execution) sandbox.Auth {
	a := sandbox.Auth{ActionIPFSIDs: []string{e.Cid}, AuthSigAddress: e.Caller}
	if _, bz, err := bech32.DecodeAndConvert(e.Caller); err == nil {
		a.AuthSigAddressHex = "0x" + hex.EncodeToString(bz)
	}
	for _, c := range e.AuthMethodContexts {
		a.AuthMethodContexts = append(a.AuthMethodContexts, sandbox.AuthMethodContext{
			AuthMethodType: c.AuthMethodType, UserID: c.UserId, AppID: c.AppId, AuthMethodID: c.AuthMethodId})
	}
	return a
}

// Observe starts runs for executions that entered a phase and forgets
// phases that are over.
func (e *Engine) Observe(_ int64, jobs []keeper.Job) {
	e.mu.Lock()
	defer e.mu.Unlock()
	live := map[phaseKey]bool{}
	for _, j := range jobs {
		k := phaseKey{j.Execution.Id, j.Execution.Status}
		live[k] = true
		if e.started[k] {
			continue
		}
		e.started[k] = true
		go e.run(k, j)
	}
	for k := range e.started {
		if !live[k] {
			delete(e.started, k)
			delete(e.ready, k)
		}
	}
	for id := range e.live {
		if !live[phaseKey{id, types.EXECUTION_STATUS_FETCHING}] && !live[phaseKey{id, types.EXECUTION_STATUS_RUNNING}] {
			delete(e.live, id)
		}
	}
}

// runWorker runs env in a worker process once a slot is free (Config.MaxWorkers).
func (e *Engine) runWorker(ctx context.Context, env sandbox.Env) sandbox.Result {
	e.slots <- struct{}{}
	defer func() { <-e.slots }()
	return e.runner.Run(ctx, env)
}

func (e *Engine) run(k phaseKey, j keeper.Job) {
	start := time.Now()
	rep, phase, outcome := e.runPhase(k, j)
	if phase == "" {
		return
	}
	metricRunSeconds.WithLabelValues(phase).Observe(time.Since(start).Seconds())
	metricRuns.WithLabelValues(phase, outcome).Inc()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started[k] {
		e.ready[k] = &rep
	}
}

// runPhase runs the action for its phase and returns the report (phase "" when the phase runs
// nothing). A panic on the validator's side (a permission read, a fetcher, a bug) is logged and
// ends the run as sandbox.CrashError, a resource failure, never the validator process.
func (e *Engine) runPhase(k phaseKey, j keeper.Job) (rep report, phase, outcome string) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		e.log.Error("action run panicked; it ends as a crash", "execution", k.id, "phase", k.phase.String(),
			"panic", r, "stack", string(debug.Stack()))
		crash := ToResult(sandbox.Result{Error: sandbox.CrashError()})
		rep, outcome = report{}, runOutcome(crash.Error)
		if k.phase == types.EXECUTION_STATUS_FETCHING {
			rep.fetch, phase = &types.FetchReport{ExecutionId: k.id, LiveResult: &crash}, "live"
		} else {
			rep.result, phase = &types.ResultReport{ExecutionId: k.id, Result: crash}, "offline"
		}
	}()
	ctx := context.Background()
	perms := e.perms(j.Execution.Height)
	switch k.phase {
	case types.EXECUTION_STATUS_FETCHING:
		maxBody := j.Execution.ParamsOr(j.Params).MaxFetchBodyBytes
		live := &sandbox.LiveFetcher{AllowLoopback: e.cfg.AllowLoopbackFetch, MaxBodyBytes: int(maxBody)}
		res := e.runWorker(ctx, EnvFor(j.Execution, j.Code, j.Params, countingFetcher{live}, perms))
		fetches, result := ToFetches(res.Fetches), ToResult(res)
		// The result goes with the fetches: the chain counts it at once if
		// it attests exactly these fetches (keeper.voteLiveResults).
		rep.fetch = &types.FetchReport{ExecutionId: k.id, Fetches: fetches, LiveResult: &result}
		phase, outcome = "live", runOutcome(res.Error)
		e.mu.Lock()
		e.live[k.id] = &liveRun{fetches: fetches, result: result}
		e.mu.Unlock()
	case types.EXECUTION_STATUS_RUNNING:
		e.mu.Lock()
		lr := e.live[k.id]
		e.mu.Unlock()
		if lr != nil && types.SameFetches(lr.fetches, j.Execution.Fetches) {
			rep.result = &types.ResultReport{ExecutionId: k.id, Result: lr.result}
			phase, outcome = "reused", runOutcome(lr.result.Error)
			break
		}
		fetcher := &sandbox.TranscriptFetcher{Fetches: FromFetches(j.Execution.Fetches)}
		res := e.runWorker(ctx, EnvFor(j.Execution, j.Code, j.Params, fetcher, perms))
		rep.result = &types.ResultReport{ExecutionId: k.id, Result: ToResult(res)}
		phase, outcome = "offline", runOutcome(res.Error)
	}
	return rep, phase, outcome
}

// ExtensionSection returns the reports ready to send, within maxBytes.
func (e *Engine) ExtensionSection(height int64, maxBytes int) *types.ExtensionSection {
	e.mu.Lock()
	defer e.mu.Unlock()
	sec := &types.ExtensionSection{}
	for _, rep := range e.ready {
		if rep.sentAt != 0 && height-rep.sentAt < ResendAfterBlocks {
			continue
		}
		fetch := rep.fetch
		size := 0
		if fetch != nil {
			size = fetch.Size()
			if size+sec.Size() > maxBytes && fetch.LiveResult != nil {
				// Params bound fetches and results apart, not together: the
				// fetches go alone, and the result after the final run.
				bare := *fetch
				bare.LiveResult = nil
				fetch, size = &bare, bare.Size()
			}
		} else {
			size = rep.result.Size()
		}
		if size+sec.Size() > maxBytes || len(sec.FetchReports)+len(sec.ResultReports) >= keeper.MaxReportsPerExtension {
			continue
		}
		rep.sentAt = height
		if fetch != nil {
			sec.FetchReports = append(sec.FetchReports, *fetch)
		} else {
			sec.ResultReports = append(sec.ResultReports, *rep.result)
		}
	}
	if len(sec.FetchReports)+len(sec.ResultReports) == 0 {
		return nil
	}
	return sec
}

// ToFetches converts a sandbox transcript to its on-chain form.
func ToFetches(fs []sandbox.Fetch) []types.Fetch {
	out := make([]types.Fetch, len(fs))
	for i, f := range fs {
		out[i] = types.Fetch{Request: types.FetchRequest{Method: f.Request.Method, Url: f.Request.URL, Headers: toHeaders(f.Request.Headers), Body: f.Request.Body}, Error: f.Error}
		// Status, body and sandbox.AttestedHeaders are attested (the
		// live fetcher returns no other header).
		if f.Response != nil {
			out[i].Response = &types.FetchResponse{Status: uint32(f.Response.Status), Headers: toHeaders(f.Response.Headers), Body: f.Response.Body}
		}
	}
	return out
}

// FromFetches converts an attested transcript back for an offline run.
func FromFetches(fs []types.Fetch) []sandbox.Fetch {
	out := make([]sandbox.Fetch, len(fs))
	for i, f := range fs {
		out[i] = sandbox.Fetch{Request: sandbox.FetchRequest{Method: f.Request.Method, URL: f.Request.Url, Headers: fromHeaders(f.Request.Headers), Body: f.Request.Body}, Error: f.Error}
		if f.Response != nil {
			out[i].Response = &sandbox.FetchResponse{Status: int(f.Response.Status), Headers: fromHeaders(f.Response.Headers), Body: f.Response.Body}
		}
	}
	return out
}

// ToResult converts a sandbox result to what validators vote on.
func ToResult(r sandbox.Result) types.Result {
	out := types.Result{Response: r.Response, Logs: r.Logs, Error: r.Error, Runtime: sandbox.RuntimeVersion}
	for _, s := range r.SignRequests {
		sr := types.SignRequest{SigName: s.SigName, PublicKey: s.PublicKey, Kind: types.SignKind(s.Kind), Message: s.Message}
		if s.Kind == sandbox.SignDigest {
			sr.ToSign = "0x" + hex.EncodeToString(s.ToSign)
		}
		out.SignRequests = append(out.SignRequests, sr)
	}
	for _, rd := range r.Reads {
		pr := types.PermissionRead{Op: rd.Op, TokenId: rd.TokenID, Cid: rd.CID, Permitted: rd.Permitted, Cids: rd.CIDs, Error: rd.Error,
			Address: rd.Address, AuthMethodType: rd.AuthMethodType, UserId: rd.UserID, Addresses: rd.Addresses, Scopes: rd.Scopes}
		for _, a := range rd.AuthMethods {
			pr.AuthMethods = append(pr.AuthMethods, types.ReadAuthMethod{AuthMethodType: a.Type, Id: a.ID, UserPubkey: a.UserPubkey})
		}
		out.Reads = append(out.Reads, pr)
	}
	return out
}

// FromReads converts a recorded result's permission reads back for a replay.
func FromReads(rs []types.PermissionRead) []sandbox.PermissionRead {
	out := make([]sandbox.PermissionRead, len(rs))
	for i, r := range rs {
		out[i] = sandbox.PermissionRead{Op: r.Op, TokenID: r.TokenId, CID: r.Cid, Permitted: r.Permitted, CIDs: r.Cids, Error: r.Error,
			Address: r.Address, AuthMethodType: r.AuthMethodType, UserID: r.UserId, Addresses: r.Addresses, Scopes: r.Scopes}
		for _, a := range r.AuthMethods {
			out[i].AuthMethods = append(out[i].AuthMethods, sandbox.AuthMethod{Type: a.AuthMethodType, ID: a.Id, UserPubkey: a.UserPubkey})
		}
	}
	return out
}

func toHeaders(hs []sandbox.Header) []types.Header {
	out := make([]types.Header, len(hs))
	for i, h := range hs {
		out[i] = types.Header{Name: h.Name, Value: h.Value}
	}
	return out
}

func fromHeaders(hs []types.Header) []sandbox.Header {
	out := make([]sandbox.Header, len(hs))
	for i, h := range hs {
		out[i] = sandbox.Header{Name: h.Name, Value: h.Value}
	}
	return out
}
