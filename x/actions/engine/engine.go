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
	"sync"
	"time"

	"cosmossdk.io/log/v2"

	"github.com/litprotocol/litd/x/actions/keeper"
	"github.com/litprotocol/litd/x/actions/sandbox"
	"github.com/litprotocol/litd/x/actions/types"
)

// ResendAfterBlocks: a report not yet reflected in state is sent again.
const ResendAfterBlocks = 3

// Config is the node-local policy (app.toml [actions]).
type Config struct {
	// AllowLoopbackFetch lets actions reach 127.0.0.0/8 and ::1 (local
	// networks and tests only); private and link-local stay refused.
	AllowLoopbackFetch bool
}

type phaseKey struct {
	id    uint64
	phase types.ExecutionStatus
}

type report struct {
	fetch  *types.FetchReport
	result *types.ResultReport
	sentAt int64
}

// Engine runs this validator's executions.
type Engine struct {
	log     log.Logger
	cfg     Config
	perms   sandbox.Permissions
	mu      sync.Mutex
	started map[phaseKey]bool
	ready   map[phaseKey]*report
}

// New returns an engine; perms answers permission reads of running actions.
func New(logger log.Logger, cfg Config, perms sandbox.Permissions) *Engine {
	registerMetrics()
	return &Engine{log: logger.With("module", "actions-engine"), cfg: cfg, perms: perms,
		started: map[phaseKey]bool{}, ready: map[phaseKey]*report{}}
}

// Seed is the execution's deterministic Math.random seed.
func Seed(e types.Execution) [32]byte {
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], e.Id)
	return sha256.Sum256(append(append([]byte("litd/actions/v1/seed|"), id[:]...), e.Cid...))
}

// EnvFor is the sandbox environment of an execution; replay uses it too.
func EnvFor(e types.Execution, code string, p types.Params, fetcher sandbox.Fetcher, perms sandbox.Permissions) sandbox.Env {
	return sandbox.Env{
		Code: code, JSParams: e.JsParams, Seed: Seed(e), Now: time.Unix(e.BlockTimeUnix, 0).UTC(),
		Fetcher: fetcher, Permissions: perms,
		Limits: sandbox.Limits{
			Timeout: time.Duration(p.TimeoutMs) * time.Millisecond, MaxHeapBytes: p.MaxHeapBytes,
			MaxCallStack: int(p.MaxCallStack), MaxResponseBytes: int(p.MaxResponseBytes), MaxFetches: int(p.MaxFetches),
			MaxFetchBodyBytes: int(p.MaxFetchBodyBytes), MaxSignatures: int(p.MaxSignatures), MaxLogBytes: int(p.MaxLogBytes),
		},
	}
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
}

func (e *Engine) run(k phaseKey, j keeper.Job) {
	ctx := context.Background()
	var rep report
	start := time.Now()
	var phase, outcome string
	switch k.phase {
	case types.EXECUTION_STATUS_FETCHING:
		live := &sandbox.LiveFetcher{AllowLoopback: e.cfg.AllowLoopbackFetch, MaxBodyBytes: int(j.Params.MaxFetchBodyBytes)}
		res := sandbox.Run(ctx, EnvFor(j.Execution, j.Code, j.Params, countingFetcher{live}, e.perms))
		rep.fetch = &types.FetchReport{ExecutionId: k.id, Fetches: ToFetches(res.Fetches)}
		phase, outcome = "live", runOutcome(res.Error)
	case types.EXECUTION_STATUS_RUNNING:
		fetcher := &sandbox.TranscriptFetcher{Fetches: FromFetches(j.Execution.Fetches)}
		res := sandbox.Run(ctx, EnvFor(j.Execution, j.Code, j.Params, fetcher, e.perms))
		rep.result = &types.ResultReport{ExecutionId: k.id, Result: ToResult(res)}
		phase, outcome = "offline", runOutcome(res.Error)
	default:
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

// ExtensionSection returns the reports ready to send, within maxBytes.
func (e *Engine) ExtensionSection(height int64, maxBytes int) *types.ExtensionSection {
	e.mu.Lock()
	defer e.mu.Unlock()
	sec := &types.ExtensionSection{}
	for _, rep := range e.ready {
		if rep.sentAt != 0 && height-rep.sentAt < ResendAfterBlocks {
			continue
		}
		size := 0
		if rep.fetch != nil {
			size = rep.fetch.Size()
		} else {
			size = rep.result.Size()
		}
		if size+sec.Size() > maxBytes || len(sec.FetchReports)+len(sec.ResultReports) >= keeper.MaxReportsPerExtension {
			continue
		}
		rep.sentAt = height
		if rep.fetch != nil {
			sec.FetchReports = append(sec.FetchReports, *rep.fetch)
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
		// Only status and body are attested: headers such as Date differ
		// between validators by nature.
		if f.Response != nil {
			out[i].Response = &types.FetchResponse{Status: uint32(f.Response.Status), Body: f.Response.Body}
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
	out := types.Result{Response: r.Response, Logs: r.Logs, Error: r.Error}
	for _, s := range r.SignRequests {
		out.SignRequests = append(out.SignRequests, types.SignRequest{SigName: s.SigName, PublicKey: s.PublicKey, ToSign: "0x" + hex.EncodeToString(s.ToSign)})
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
