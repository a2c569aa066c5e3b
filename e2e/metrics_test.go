package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	actionstypes "github.com/litprotocol/litd/x/actions/types"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// sample is one line of the Prometheus text format.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

var (
	sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$`)
	labelPair  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

// scrape reads node i's Prometheus endpoint (CometBFT's [instrumentation]).
func scrape(t *testing.T, i int) []sample {
	t.Helper()
	url := net.Nodes[i].Metrics()
	require.NotEmpty(t, url, "node%d has a Prometheus endpoint", i)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var out []sample
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m := sampleLine.FindStringSubmatch(line)
		require.NotNil(t, m, "unparsable metrics line %q", line)
		v, err := strconv.ParseFloat(m[3], 64)
		require.NoError(t, err, line)
		s := sample{name: m[1], labels: map[string]string{}, value: v}
		for _, l := range labelPair.FindAllStringSubmatch(m[2], -1) {
			s.labels[l[1]] = l[2]
		}
		out = append(out, s)
	}
	require.NoError(t, sc.Err())
	return out
}

// metric finds the sample of name whose labels include want (pairs of
// name, value); ok is false if there is none.
func metric(samples []sample, name string, want ...string) (float64, bool) {
next:
	for _, s := range samples {
		if s.name != name {
			continue
		}
		for i := 0; i+1 < len(want); i += 2 {
			if s.labels[want[i]] != want[i+1] {
				continue next
			}
		}
		return s.value, true
	}
	return 0, false
}

func mustMetric(t *testing.T, samples []sample, name string, want ...string) float64 {
	t.Helper()
	v, ok := metric(samples, name, want...)
	require.True(t, ok, "no sample %s%v", name, want)
	return v
}

// waitMetric scrapes node i until cond holds for the named sample.
func waitMetric(t *testing.T, i int, timeout time.Duration, cond func(float64) bool, name string, want ...string) float64 {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		v, ok := metric(scrape(t, i), name, want...)
		if ok && cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("node%d: %s%v = %v (present %v) after %s", i, name, want, v, ok, timeout)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestMetricsPrometheus scrapes the validators' CometBFT Prometheus endpoint
// after DKG, a signature and an action with a refused fetch, and finds the
// engines' metrics beside CometBFT's own.
func TestMetricsPrometheus(t *testing.T) {
	s := scrape(t, 0)
	require.Positive(t, mustMetric(t, s, "cometbft_consensus_height"), "CometBFT's own metrics are served too")
	require.Equal(t, 1.0, mustMetric(t, s, "litd_tss_preparams_ready"))
	require.Equal(t, 0.0, mustMetric(t, s, "litd_tss_keygen_round"), "DKG is over")
	require.Equal(t, 0.0, mustMetric(t, s, "litd_tss_sessions_open", "type", "keygen"))
	mustMetric(t, s, "litd_tss_sessions_open", "type", "sign")
	mustMetric(t, s, "litd_tss_parties_running", "type", "sign")
	require.Equal(t, 0.0, mustMetric(t, s, "litd_tss_sessions_open", "type", "reshare"), "no validator joined or left")
	mustMetric(t, s, "litd_tss_reshare_seconds_count")
	require.Positive(t, mustMetric(t, s, "litd_tss_messages_out_total", "type", "keygen"), "node0 took part in DKG")
	require.Positive(t, mustMetric(t, s, "litd_tss_messages_in_total", "type", "keygen"))

	// Sign until node0 is one of the signers (3 of the 4 sign each request).
	tokenID := mint(t, "alice")
	signedByNode0 := false
	for attempt := 0; attempt < 4 && !signedByNode0; attempt++ {
		id := requestSign(t, "alice", tokenID, digestOf(fmt.Sprintf("metrics %d", attempt)))
		sig := waitSigned(t, id, 3*time.Minute)
		session, err := tsstypes.NewQueryClient(grpcConn(t)).Session(context.Background(), &tsstypes.QuerySessionRequest{Id: sig.SessionId})
		require.NoError(t, err)
		for _, p := range session.Session.Parties {
			signedByNode0 = signedByNode0 || p.Validator == net.Nodes[0].ValAddr
		}
	}
	require.True(t, signedByNode0, "node0 signed one of 4 requests")
	count := waitMetric(t, 0, 30*time.Second, func(v float64) bool { return v >= 1 }, "litd_tss_sign_seconds_count")
	s = scrape(t, 0)
	sum := mustMetric(t, s, "litd_tss_sign_seconds_sum")
	require.Positive(t, sum)
	require.Less(t, sum/count, 120.0, "mean sign latency is seconds, not minutes")
	require.Equal(t, count, mustMetric(t, s, "litd_tss_sign_seconds_bucket", "le", "+Inf"))
	require.Positive(t, mustMetric(t, s, "litd_tss_messages_out_total", "type", "sign"))
	require.Positive(t, mustMetric(t, s, "litd_tss_messages_in_total", "type", "sign"))

	// An action whose fetch the SSRF policy refuses: every validator counts it.
	blockedBefore := mustMetric(t, s, "litd_actions_fetch_failures_total", "reason", "blocked")
	fetchesBefore := mustMetric(t, s, "litd_actions_fetches_total")
	code := `(async () => {
  try { await fetch("http://10.0.0.1/metrics-test"); } catch (e) { Lit.Actions.setResponse({response: "refused"}); }
})();`
	e := waitFinished(t, execute(t, upload(t, code), `{}`), 4*time.Minute)
	require.Equal(t, actionstypes.EXECUTION_STATUS_COMPLETED, e.Status, e.Error)
	require.Equal(t, "refused", e.Result.Response)
	waitMetric(t, 0, 30*time.Second, func(v float64) bool { return v >= blockedBefore+1 }, "litd_actions_fetch_failures_total", "reason", "blocked")
	s = scrape(t, 0)
	require.GreaterOrEqual(t, mustMetric(t, s, "litd_actions_fetches_total"), fetchesBefore+1)
	require.Positive(t, mustMetric(t, s, "litd_actions_runs_total", "phase", "live", "outcome", "ok"))
	mustMetric(t, s, "litd_actions_run_seconds_count", "phase", "live")
	// The attested transcript is what the validators saw live, so their live
	// results, sent with their fetches, decided it in the block that attested
	// them: no final run was needed.
	require.Equal(t, e.FetchedHeight, e.FinishedHeight)
}
