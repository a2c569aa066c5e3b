package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	abcitypes "github.com/litprotocol/litd/app/abci/types"
	"github.com/litprotocol/litd/testutil/network"
	"github.com/litprotocol/litd/x/actions/sandbox"
	actionstypes "github.com/litprotocol/litd/x/actions/types"
)

// fundAccounts creates n keys in node0's keyring and funds them from alice in one multi-send.
func fundAccounts(t *testing.T, prefix string, n int) []string {
	t.Helper()
	alice, err := net.KeyAddress(0, "alice")
	require.NoError(t, err)
	names := make([]string, n)
	args := []string{"bank", "multi-send", alice}
	for i := range names {
		names[i] = fmt.Sprintf("%s%d", prefix, i)
		addr, err := net.AddKey(0, names[i])
		require.NoError(t, err)
		args = append(args, addr)
	}
	res, err := net.Tx(0, "alice", append(args, "100000000ulit")...)
	require.NoError(t, err)
	require.Zero(t, res.Code, res.RawLog)
	return names
}

func pids(t *testing.T) []int {
	t.Helper()
	out := make([]int, len(net.Nodes))
	for i := range net.Nodes {
		pid, err := net.PID(i)
		require.NoError(t, err)
		require.True(t, network.Alive(pid), "node%d (pid %d) is not running", i, pid)
		out[i] = pid
	}
	return out
}

// resultDigests reads tx 0 of every block in [from, to] and returns, per validator address, the
// digests of the results it reported for execution id.
func resultDigests(t *testing.T, id uint64, from, to int64) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for h := from; h <= to; h++ {
		info, _, err := net.InjectedCommit(context.Background(), 0, h)
		require.NoError(t, err)
		for _, v := range info.Votes {
			if len(v.VoteExtension) == 0 {
				continue
			}
			ext, err := abcitypes.DecodeExtension(v.VoteExtension)
			require.NoError(t, err)
			if ext.Actions == nil {
				continue
			}
			var results []actionstypes.Result
			for _, r := range ext.Actions.ResultReports {
				if r.ExecutionId == id {
					results = append(results, r.Result)
				}
			}
			// A live run's result goes with its fetches (x/actions README).
			for _, r := range ext.Actions.FetchReports {
				if r.ExecutionId == id && r.LiveResult != nil {
					results = append(results, *r.LiveResult)
				}
			}
			for _, r := range results {
				d, err := actionstypes.ResultDigest(&r)
				require.NoError(t, err)
				addr := fmt.Sprintf("%X", v.Validator.Address)
				out[addr] = append(out[addr], d)
			}
		}
	}
	return out
}

// TestE2EActionsCannotHurtValidators: actions that would end a validator process that ran them
// itself (a 1 TiB ArrayBuffer, a 4 GiB string), a quadratic native call, an infinite loop, a
// promise storm and ten concurrent memory bombs from ten accounts all end FAILED with their
// reason, shortly after their fetch phase; every validator keeps its process, blocks keep
// coming, and a normal action right after completes.
func TestE2EActionsCannotHurtValidators(t *testing.T) {
	before := pids(t)
	h0, err := net.Height(context.Background(), 0)
	require.NoError(t, err)

	lim := sandbox.Limits{Timeout: 5 * time.Second, MaxHeapBytes: actionstypes.DefaultParams().MaxHeapBytes}
	timeout, memory := sandbox.TimeoutError(lim), sandbox.MemoryError(lim)
	hostile := []struct {
		name, code string
		want       []string // the failure is one of these (resource failures may differ by machine)
	}{
		{"1 TiB ArrayBuffer", `const b = new ArrayBuffer(2**40); Lit.Actions.setResponse({response: String(b.byteLength)});`, []string{memory}},
		{"4 GiB string", `const s = "a".repeat(2**32); Lit.Actions.setResponse({response: String(s.length)});`, []string{memory}},
		{"deep String()", `let a = []; for (let i = 0; i < 100000; i++) a = [a]; String(a);`, []string{memory, timeout}},
		{"infinite loop", `while (true) {}`, []string{timeout}},
		{"promise storm", `const f = () => Promise.resolve().then(f).then(f); f();`, []string{memory, timeout}},
	}
	const bombs = 10
	bomb := `let a = []; while (true) a.push(new Array(1e6).fill(1));`
	accounts := fundAccounts(t, "hostile", len(hostile)+bombs)

	ids := make([]uint64, len(hostile)+bombs)
	var wg sync.WaitGroup
	for i := range ids {
		code := bomb
		if i < len(hostile) {
			code = hostile[i].code
		}
		wg.Go(func() { ids[i] = executeAs(t, accounts[i], "--code", code) })
	}
	wg.Wait()

	type outcome struct {
		name string
		e    actionstypes.Execution
		want []string
	}
	var outcomes []outcome
	for i, id := range ids {
		name, want := fmt.Sprintf("bomb %d", i-len(hostile)), []string{memory, timeout}
		if i < len(hostile) {
			name, want = hostile[i].name, hostile[i].want
		}
		e := waitFinished(t, id, 4*time.Minute)
		t.Logf("%s: %s %q, requested at %d, fetch phase %d blocks, then FAILED %d blocks later", name, e.Status, e.Error,
			e.Height, e.FetchedHeight-e.Height, e.FinishedHeight-e.FetchedHeight)
		outcomes = append(outcomes, outcome{name, e, want})
	}
	for _, o := range outcomes {
		e := o.e
		require.Equal(t, actionstypes.EXECUTION_STATUS_FAILED, e.Status, o.name)
		require.Contains(t, o.want, e.Error, o.name)
		require.Empty(t, e.Result.Logs, o.name)
		require.NotZero(t, e.FetchedHeight, o.name)
		require.LessOrEqual(t, e.FinishedHeight-e.FetchedHeight, int64(10), "%s: FAILED within 10 blocks of its fetch phase", o.name)
		require.Less(t, e.FinishedHeight, e.DeadlineHeight, o.name)
		// The caller paid for the work: execution_fee, no fetch, no signature.
		require.Equal(t, actionstypes.DefaultParams().ExecutionFee, e.FeeCharged, o.name)
	}

	require.Equal(t, before, pids(t), "every validator keeps its process")
	h1, err := net.Height(context.Background(), 0)
	require.NoError(t, err)
	for i := range net.Nodes {
		require.NoError(t, net.WaitForHeight(i, h1+3, time.Minute), "node%d makes blocks", i)
	}
	t.Logf("blocks %d..%d while the hostile actions ran", h0, h1)

	// A normal action right after completes.
	e := waitFinished(t, executeAs(t, accounts[0], "--code", `Lit.Actions.setResponse({response: "still here"});`), 2*time.Minute)
	require.Equal(t, actionstypes.EXECUTION_STATUS_COMPLETED, e.Status, e.Error)
	require.Equal(t, "still here", e.Result.Response)
}

// TestE2ETimeoutIsAgreedAtOnce: every validator reports the same failed result for an action
// that times out (no logs, a fixed text), so it ends as soon as they report, not at its deadline.
func TestE2ETimeoutIsAgreedAtOnce(t *testing.T) {
	code := `let i = 0; while (true) { if (++i % 100000 === 0) console.log("still running", i); }`
	e := waitFinished(t, execute(t, upload(t, code), `{}`), 3*time.Minute)
	require.Equal(t, actionstypes.EXECUTION_STATUS_FAILED, e.Status)
	require.Equal(t, sandbox.TimeoutError(sandbox.Limits{Timeout: 5 * time.Second}), e.Error)
	require.Empty(t, e.Result.Logs)
	require.Equal(t, sandbox.RuntimeVersion, e.Result.Runtime)
	require.LessOrEqual(t, e.FinishedHeight-e.FetchedHeight, int64(5), "ended right after the validators reported, not at the deadline")

	// Every validator that reported, reported the same digest.
	byValidator := resultDigests(t, e.Id, e.Height, e.FinishedHeight)
	require.GreaterOrEqual(t, len(byValidator), 3, "more than 2/3 of the validators reported")
	for addr, ds := range byValidator {
		for _, d := range ds {
			require.Equal(t, e.ResultDigest, d, "validator %s", addr)
		}
	}
}

// TestE2EReplayAfterPermissionChange: an action that reads a PKP's permissions replays to the same
// digest after the owner changed them, because the reads are part of the recorded result.
func TestE2EReplayAfterPermissionChange(t *testing.T) {
	tokenID := mint(t, "alice")
	cid := upload(t, `(async () => {
  const all = await Lit.Actions.getPermittedActions({tokenId});
  const me = await Lit.Actions.isPermittedAction({tokenId, ipfsId: other});
  Lit.Actions.setResponse({response: JSON.stringify({all, me})});
})();`)
	other := "QmYCTciJdFNMNUPCHSNS6dKMmUAqkGQ9tQQeGgbELhQQcn"
	res, err := net.Tx(0, "alice", "pkp", "add-permitted-action", tokenID, other, "--scopes", "sign-anything")
	require.NoError(t, err)
	require.Zero(t, res.Code, res.RawLog)

	e := waitFinished(t, execute(t, cid, fmt.Sprintf(`{"tokenId":%q,"other":%q}`, tokenID, other)), 3*time.Minute)
	require.Equal(t, actionstypes.EXECUTION_STATUS_COMPLETED, e.Status, e.Error)
	require.Equal(t, fmt.Sprintf(`{"all":[%q],"me":true}`, other), e.Result.Response)
	require.Len(t, e.Result.Reads, 2)

	res, err = net.Tx(0, "alice", "pkp", "remove-permitted-action", tokenID, other)
	require.NoError(t, err)
	require.Zero(t, res.Code, res.RawLog)

	out, err := net.CLI(0, "query", "actions", "replay", fmt.Sprint(e.Id), "--output", "json")
	require.NoError(t, err, out)
	var replay actionstypes.ReplayReport
	require.NoError(t, enc.Codec.UnmarshalJSON([]byte(out), &replay), out)
	require.True(t, replay.Match, out)
	require.Equal(t, e.Result.Response, replay.Result.Response)
	require.False(t, replay.RuntimeDiffers)
}
