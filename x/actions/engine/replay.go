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
	switch {
	case e.ResultDigest == "" || e.Result == nil:
		out.Error = "execution has no accepted result yet (status " + e.Status.String() + ")"
		return out
	case e.PrunedHeight != 0:
		out.Error = "the transcript was pruned after the retention window"
		return out
	}
	out.RecordedRuntime = e.Result.Runtime
	out.RuntimeDiffers = e.Result.Runtime != sandbox.RuntimeVersion
	fetcher := &sandbox.TranscriptFetcher{Fetches: FromFetches(e.Fetches)}
	perms := &sandbox.RecordedPermissions{Reads: FromReads(e.Result.Reads)}
	res := ToResult(runner.Run(ctx, EnvFor(e, code, current, fetcher, perms)))
	digest, err := types.ResultDigest(&res)
	if err != nil {
		out.Error = err.Error()
		return out
	}
	out.ReplayedDigest, out.Match, out.Result = digest, digest == e.ResultDigest, res
	return out
}

// replayCacheSize bounds the replays a node remembers.
const replayCacheSize = 1024

// Replayer serves the Verify query's replays on a node: one worker at a time, and each finished
// execution replayed once (its record never changes), so repeating a query costs nothing.
type Replayer struct {
	runner *worker.Runner
	slot   chan struct{}

	mu    sync.Mutex
	done  map[uint64]types.ReplayReport
	order []uint64
}

// NewReplayer returns a replayer whose workers are this executable.
func NewReplayer() *Replayer {
	return &Replayer{runner: &worker.Runner{}, slot: make(chan struct{}, 1), done: map[uint64]types.ReplayReport{}}
}

// Replay implements keeper.Replayer.
func (r *Replayer) Replay(ctx context.Context, e types.Execution, code string, current types.Params) types.ReplayReport {
	cacheable := e.ResultDigest != "" && e.PrunedHeight == 0 &&
		(e.Status == types.EXECUTION_STATUS_COMPLETED || e.Status == types.EXECUTION_STATUS_FAILED)
	r.mu.Lock()
	rep, ok := r.done[e.Id]
	r.mu.Unlock()
	if ok && cacheable && rep.RecordedDigest == e.ResultDigest {
		return rep
	}
	select {
	case r.slot <- struct{}{}:
		defer func() { <-r.slot }()
	case <-ctx.Done():
		return types.ReplayReport{ExecutionId: e.Id, RecordedDigest: e.ResultDigest, Error: "replay canceled: " + ctx.Err().Error()}
	}
	rep = Replay(ctx, r.runner, e, code, current)
	if cacheable && rep.Error == "" && ctx.Err() == nil {
		r.mu.Lock()
		if _, ok := r.done[e.Id]; !ok {
			r.order = append(r.order, e.Id)
			if len(r.order) > replayCacheSize {
				delete(r.done, r.order[0])
				r.order = r.order[1:]
			}
		}
		r.done[e.Id] = rep
		r.mu.Unlock()
	}
	return rep
}
