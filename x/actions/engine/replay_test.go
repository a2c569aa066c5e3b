package engine

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/litprotocol/litd/x/actions/sandbox"
	"github.com/litprotocol/litd/x/actions/types"
	"github.com/litprotocol/litd/x/actions/worker"
)

// A replay reproduces the recorded digest from the record alone (transcript, reads, params), says
// when the runtime differs, refuses what it cannot replay, and a node replays each execution once.
func TestReplay(t *testing.T) {
	code := `(async () => {
  const ok = await Lit.Actions.isPermittedAction({tokenId: '0x01', ipfsId: 'QmX'});
  const r = await fetch('https://example.invalid/x');
  Lit.Actions.setResponse({response: ok + ' ' + (await r.text()) + ' ' + Math.random()});
})()`
	params := types.DefaultParams()
	e := types.Execution{Id: 7, Cid: "QmCode", JsParams: "{}", BlockTimeUnix: 1_700_000_000, Params: &params,
		Status: types.EXECUTION_STATUS_COMPLETED,
		Fetches: []types.Fetch{{Request: types.FetchRequest{Method: "GET", Url: "https://example.invalid/x"},
			Response: &types.FetchResponse{Status: 200, Body: []byte("attested")}}}}
	// What the validators computed: the same sandbox, reads answered as recorded.
	recorded := sandbox.Run(context.Background(), EnvFor(e, code, params, &sandbox.TranscriptFetcher{Fetches: FromFetches(e.Fetches)},
		&sandbox.RecordedPermissions{Reads: []sandbox.PermissionRead{{Op: "isPermittedAction", TokenID: "0x01", CID: "QmX", Permitted: true}}}))
	require.Empty(t, recorded.Error)
	res := ToResult(recorded)
	e.Result = &res
	e.ResultDigest = ok(t)(types.ResultDigest(&res))

	// Direct: the record alone reproduces the digest.
	direct := Replay(context.Background(), &worker.Runner{}, e, code, types.Params{})
	require.True(t, direct.Match, "%+v", direct)

	// A node's replayer never blocks its caller: first it schedules, then it answers.
	r := NewReplayer()
	rep := r.Replay(context.Background(), e, code, types.Params{})
	require.Equal(t, ReplayPending, rep.Error)
	require.Eventually(t, func() bool {
		rep = r.Replay(context.Background(), e, code, types.Params{})
		return rep.Error == ""
	}, 10*time.Second, 20*time.Millisecond)
	require.True(t, rep.Match, "%+v", rep)
	require.False(t, rep.RuntimeDiffers)
	require.Contains(t, rep.Result.Response, "true attested ")

	// Cached: the same answer at once, even with the worker unavailable.
	r.runner.Bin = "/nonexistent"
	start := time.Now()
	require.Equal(t, rep, r.Replay(context.Background(), e, code, types.Params{}))
	require.Less(t, time.Since(start), 10*time.Millisecond)

	// Another runtime recorded it: the report says so (and the digest differs with it).
	other := e
	res2 := res
	res2.Runtime = "litd-sandbox/1"
	other.Id, other.Result = 8, &res2
	other.ResultDigest = ok(t)(types.ResultDigest(&res2))
	rep = Replay(context.Background(), &worker.Runner{}, other, code, types.Params{})
	require.True(t, rep.RuntimeDiffers)
	require.False(t, rep.Match)
	require.Equal(t, "litd-sandbox/1", rep.RecordedRuntime)

	// A full queue says so at once.
	r.runner.Bin = "/nonexistent"
	busy := false
	for i := range 3 * replayQueue {
		x := e
		x.Id = uint64(1000 + i)
		busy = busy || r.Replay(context.Background(), x, code, types.Params{}).Error == ReplayBusy
	}
	require.True(t, busy)

	// A replay that runs out of time here while the validators finished proves nothing: inconclusive,
	// not a mismatch, and never remembered.
	slow := e
	slow.Id = 11
	slowParams := params
	slowParams.TimeoutMs = 100
	slow.Params = &slowParams
	rep = Replay(context.Background(), &worker.Runner{}, slow, `while (true) {}`, types.Params{})
	require.Contains(t, rep.Error, "inconclusive")
	require.False(t, rep.Match)

	// Nothing to replay yet, or pruned.
	open := e
	open.Id, open.ResultDigest, open.Result = 9, "", nil
	require.Contains(t, r.Replay(context.Background(), open, code, params).Error, "no accepted result")
	pruned := e
	pruned.Id, pruned.PrunedHeight = 10, 99
	require.Contains(t, r.Replay(context.Background(), pruned, code, params).Error, "pruned")
}

func ok(t *testing.T) func(string, error) string {
	return func(s string, err error) string {
		t.Helper()
		require.NoError(t, err)
		return s
	}
}

// Whatever an action logs, its encoded result stays within what the chain accepts for its params:
// a line costs its protobuf size, so many short lines cannot overshoot.
func TestResultSizeWithinParams(t *testing.T) {
	p := types.DefaultParams()
	p.MaxLogBytes, p.MaxResponseBytes = 160<<10, 256<<10
	p.TimeoutMs = 60_000 // a million iterations; this test is about sizes, and a loaded machine is slow
	require.NoError(t, p.Validate())
	for _, code := range []string{
		`for (let i = 0; i < 1e6; i++) console.log('')`,
		`for (let i = 0; i < 1e6; i++) console.log('x'.repeat(127))`,
		`for (let i = 0; i < 1e5; i++) console.log('x'.repeat(200)); Lit.Actions.setResponse({response: 'r'.repeat(256 << 10)})`,
	} {
		e := types.Execution{Id: 1, JsParams: "{}", Params: &p}
		res := ToResult(sandbox.Run(context.Background(), EnvFor(e, code, p, nil, nil)))
		require.Empty(t, res.Error)
		require.LessOrEqual(t, uint64(res.Size()), p.MaxResponseBytes+p.MaxLogBytes+types.ResultOverheadBytes, code)
	}
}
