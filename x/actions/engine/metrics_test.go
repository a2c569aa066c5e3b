package engine

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/log/v2"

	"github.com/litprotocol/litd/x/actions/keeper"
	"github.com/litprotocol/litd/x/actions/types"
)

// runCount is how many runs of phase the shared histogram has seen, read
// through the default gatherer (so it also checks the registration).
func runCount(t *testing.T, phase string) uint64 {
	t.Helper()
	mfs, err := prometheus.DefaultGatherer.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != "litd_actions_run_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "phase" && l.GetValue() == phase {
					return m.GetHistogram().GetSampleCount()
				}
			}
		}
	}
	return 0
}

// waitReport observes one job and waits for the engine's report on it.
func waitReport(t *testing.T, e *Engine, height int64, j keeper.Job) *types.ExtensionSection {
	t.Helper()
	e.Observe(height, []keeper.Job{j})
	var sec *types.ExtensionSection
	require.Eventually(t, func() bool {
		sec = e.ExtensionSection(height, 1<<20)
		return sec != nil
	}, 30*time.Second, 20*time.Millisecond)
	return sec
}

// TestMetricsFetchesAndRuns drives real live and offline runs through the
// engine and checks the fetch and run metrics they move.
func TestMetricsFetchesAndRuns(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			fmt.Fprint(w, "fine")
		case "/big":
			fmt.Fprint(w, strings.Repeat("x", 4096))
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(20 * time.Second):
			}
		}
	}))
	defer srv.Close()
	// A port nobody listens on: the connection is refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := l.Addr().String()
	require.NoError(t, l.Close())

	e := New(log.NewNopLogger(), Config{AllowLoopbackFetch: true}, nil)
	New(log.NewNopLogger(), Config{}, nil) // a second engine in the process shares the collectors

	params := types.DefaultParams()
	params.MaxFetchBodyBytes = 1024
	exec := types.Execution{Id: 1, Cid: "QmTest", JsParams: "{}", Status: types.EXECUTION_STATUS_FETCHING, BlockTimeUnix: 1}
	code := fmt.Sprintf(`(async () => {
  const r = await fetch(%q);
  for (const u of [%q, %q, %q]) { try { await fetch(u); } catch (e) {} }
  Lit.Actions.setResponse({response: await r.text()});
})();`, srv.URL+"/ok", "http://10.0.0.1/", "http://"+closed+"/", srv.URL+"/big")

	fetches := testutil.ToFloat64(metricFetches)
	failures := map[string]float64{}
	for _, r := range fetchFailureReasons {
		failures[r] = testutil.ToFloat64(metricFetchFailures.WithLabelValues(r))
	}
	liveOK := testutil.ToFloat64(metricRuns.WithLabelValues("live", "ok"))
	offlineOK := testutil.ToFloat64(metricRuns.WithLabelValues("offline", "ok"))
	liveRuns, offlineRuns := runCount(t, "live"), runCount(t, "offline")

	sec := waitReport(t, e, 10, keeper.Job{Execution: exec, Code: code, Params: params})
	require.Len(t, sec.FetchReports, 1)
	transcript := sec.FetchReports[0].Fetches
	require.Len(t, transcript, 4)
	require.Contains(t, transcript[1].Error, "destination not allowed")
	require.Contains(t, transcript[3].Error, "fetch body too large")

	require.Equal(t, fetches+4, testutil.ToFloat64(metricFetches))
	for reason, want := range map[string]float64{"blocked": 1, "connect": 1, "too_large": 1, "timeout": 0, "canceled": 0, "dns": 0, "other": 0} {
		require.Equal(t, failures[reason]+want, testutil.ToFloat64(metricFetchFailures.WithLabelValues(reason)), reason)
	}
	require.Equal(t, liveOK+1, testutil.ToFloat64(metricRuns.WithLabelValues("live", "ok")))
	require.Equal(t, liveRuns+1, runCount(t, "live"))

	// The attested transcript is what this engine saw: the live run's result is reused, no run.
	exec.Status, exec.Fetches = types.EXECUTION_STATUS_RUNNING, transcript
	reused := runCount(t, "reused")
	sec = waitReport(t, e, 11, keeper.Job{Execution: exec, Code: code, Params: params})
	require.Len(t, sec.ResultReports, 1)
	require.Empty(t, sec.ResultReports[0].Result.Error)
	require.Equal(t, "fine", sec.ResultReports[0].Result.Response)
	require.Equal(t, reused+1, runCount(t, "reused"))
	require.Equal(t, offlineRuns, runCount(t, "offline"))

	// Another attested response: the offline run replays the transcript, a run but no live fetch.
	exec.Id, exec.Fetches = 3, append([]types.Fetch(nil), transcript...)
	exec.Fetches[0].Response = &types.FetchResponse{Status: 200, Body: []byte("attested")}
	sec = waitReport(t, e, 12, keeper.Job{Execution: exec, Code: code, Params: params})
	require.Len(t, sec.ResultReports, 1)
	require.Equal(t, "attested", sec.ResultReports[0].Result.Response)
	require.Equal(t, offlineOK+1, testutil.ToFloat64(metricRuns.WithLabelValues("offline", "ok")))
	require.Equal(t, offlineRuns+1, runCount(t, "offline"))
	require.Equal(t, fetches+4, testutil.ToFloat64(metricFetches), "offline runs make no live fetch")

	// A run that times out while its fetch hangs: outcome timeout; the worker's end cancels the fetch.
	liveTimeout := testutil.ToFloat64(metricRuns.WithLabelValues("live", "timeout"))
	params.TimeoutMs = 300
	exec = types.Execution{Id: 2, Cid: "QmSlow", JsParams: "{}", Status: types.EXECUTION_STATUS_FETCHING, BlockTimeUnix: 1}
	slow := fmt.Sprintf(`(async () => { await fetch(%q); })();`, srv.URL+"/slow")
	sec = waitReport(t, e, 13, keeper.Job{Execution: exec, Code: slow, Params: params})
	require.Len(t, sec.FetchReports, 1)
	require.Equal(t, liveTimeout+1, testutil.ToFloat64(metricRuns.WithLabelValues("live", "timeout")), "result %+v", sec.FetchReports[0].LiveResult)
	require.Eventually(t, func() bool {
		return testutil.ToFloat64(metricFetchFailures.WithLabelValues("canceled")) == failures["canceled"]+1
	}, 10*time.Second, 20*time.Millisecond, "the hung fetch ends with the run")
	require.Equal(t, fetches+5, testutil.ToFloat64(metricFetches))
}

func TestRunOutcome(t *testing.T) {
	for in, want := range map[string]string{
		"":                               "ok",
		"timeout: action did not finish": "timeout",
		"memory limit: the action used more than the 256 MiB its worker may have": "memory_limit",
		"worker crashed: the action's worker process ended without a result":      "worker_crashed",
		"fetch not attested: request 0 ...":                                       "fetch_not_attested",
		"exception: Error: boom":                                                  "exception",
		"something else":                                                          "other",
	} {
		require.Equal(t, want, runOutcome(in), in)
	}
}
