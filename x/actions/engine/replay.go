package engine

import (
	"context"
	"sync"

	"github.com/litprotocol/litd/x/actions/sandbox"
	"github.com/litprotocol/litd/x/actions/types"
	"github.com/litprotocol/litd/x/actions/worker"
)

// Replay re-runs a finished execution offline in a worker process, from its record alone: the
// attested transcript, the permission reads of the accepted result, the params, seed and time
// of the request. It reports whether the result digest is the recorded one, and whether this
// sandbox is the runtime that recorded it.
func Replay(ctx context.Context, runner *worker.Runner, e types.Execution, code string, current types.Params) types.ReplayReport {
	out := types.ReplayReport{ExecutionId: e.Id, RecordedDigest: e.ResultDigest, ReplayRuntime: sandbox.RuntimeVersion}
	if out.Error = notReplayable(e); out.Error != "" {
		return out
	}
	out.RecordedRuntime = e.Result.Runtime
	out.RuntimeDiffers = e.Result.Runtime != sandbox.RuntimeVersion
	fetcher := &sandbox.TranscriptFetcher{Fetches: FromFetches(e.Fetches)}
	perms := &sandbox.RecordedPermissions{Reads: FromReads(e.Result.Reads)}
	res := ToResult(runner.Run(ctx, EnvFor(e, code, current, fetcher, perms)))
	if sandbox.IsResourceFailure(res.Error) && !sandbox.IsResourceFailure(e.Result.Error) {
		// The validators finished it; this machine ran out of time or memory: that proves nothing.
		out.Error, out.Result = "inconclusive: the replay hit a resource limit here ("+res.Error+"); replay it on a less loaded machine", res
		return out
	}
	digest, err := types.ResultDigest(&res)
	if err != nil {
		out.Error = err.Error()
		return out
	}
	out.ReplayedDigest, out.Match, out.Result = digest, digest == e.ResultDigest, res
	return out
}

// replayCacheSize bounds the replays a node remembers; replayQueue the ones waiting.
const (
	replayCacheSize = 1024
	replayQueue     = 16
	// replayNice is the scheduling priority of replay workers: consensus work comes first.
	replayNice = 19
)

// ReplayPending and ReplayBusy are the Error of a report whose replay has not run (yet).
const (
	ReplayPending = "replay scheduled on this node: ask again in a few seconds, or run `litd q actions replay` locally"
	ReplayBusy    = "this node's replay queue is full: ask again later, or run `litd q actions replay` locally"
)

// notReplayable says why e cannot be replayed ("" when it can).
func notReplayable(e types.Execution) string {
	switch {
	case e.ResultDigest == "" || e.Result == nil:
		return "execution has no accepted result yet (status " + e.Status.String() + ")"
	case e.PrunedHeight != 0:
		return "the transcript was pruned after the retention window"
	}
	return ""
}

// Replayer serves the Verify query's replays on a node without ever blocking it: a query gets the
// replay's report if this node has one, and otherwise schedules it on a single background worker
// (lowest CPU priority, a queue of 16) and says so. A finished execution never changes, so each is
// replayed once and remembered (the last 1024).
type Replayer struct {
	runner *worker.Runner
	queue  chan replayJob
	start  sync.Once

	mu      sync.Mutex
	done    map[uint64]types.ReplayReport
	order   []uint64
	pending map[uint64]bool
}

type replayJob struct {
	e       types.Execution
	code    string
	current types.Params
}

// NewReplayer returns a replayer whose workers are this executable; its background worker starts
// with the first replay.
func NewReplayer() *Replayer {
	return &Replayer{runner: &worker.Runner{Nice: replayNice}, queue: make(chan replayJob, replayQueue),
		done: map[uint64]types.ReplayReport{}, pending: map[uint64]bool{}}
}

func (r *Replayer) loop() {
	for j := range r.queue {
		rep := Replay(context.Background(), r.runner, j.e, j.code, j.current)
		r.mu.Lock()
		delete(r.pending, j.e.Id)
		if rep.Error == "" {
			r.remember(rep)
		}
		r.mu.Unlock()
	}
}

// remember caches rep (r.mu held).
func (r *Replayer) remember(rep types.ReplayReport) {
	if _, ok := r.done[rep.ExecutionId]; !ok {
		r.order = append(r.order, rep.ExecutionId)
		if len(r.order) > replayCacheSize {
			delete(r.done, r.order[0])
			r.order = r.order[1:]
		}
	}
	r.done[rep.ExecutionId] = rep
}

// Replay implements keeper.Replayer: it never waits for a worker.
func (r *Replayer) Replay(_ context.Context, e types.Execution, code string, current types.Params) types.ReplayReport {
	out := types.ReplayReport{ExecutionId: e.Id, RecordedDigest: e.ResultDigest}
	if out.Error = notReplayable(e); out.Error != "" {
		return out
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if rep, ok := r.done[e.Id]; ok && rep.RecordedDigest == e.ResultDigest {
		return rep
	}
	if r.pending[e.Id] {
		out.Error = ReplayPending
		return out
	}
	r.start.Do(func() { go r.loop() })
	select {
	case r.queue <- replayJob{e: e, code: code, current: current}:
		r.pending[e.Id] = true
		out.Error = ReplayPending
	default:
		out.Error = ReplayBusy
	}
	return out
}
