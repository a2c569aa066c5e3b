package engine

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/litprotocol/litd/x/actions/sandbox"
)

// Prometheus metrics of the engine (off-chain only; nothing in the state
// machine reads them), registered once per process in
// prometheus.DefaultRegisterer, which CometBFT's [instrumentation]
// Prometheus endpoint and the API server's /metrics?format=prometheus serve.
var (
	metricFetches = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "litd", Subsystem: "actions", Name: "fetches_total",
		Help: "Live HTTP fetches this validator made for actions in the FETCHING phase.",
	})
	metricFetchFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "litd", Subsystem: "actions", Name: "fetch_failures_total",
		Help: "Live fetches that got no response, by reason: blocked (SSRF policy), timeout, canceled (the run ended first), too_large, dns, connect, other.",
	}, []string{"reason"})
	metricRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "litd", Subsystem: "actions", Name: "runs_total",
		Help: "Action runs this validator finished, by phase (live: FETCHING, offline: RUNNING, reused: RUNNING answered with the live run's result because the attested transcript is what this validator saw) and outcome (ok or the error code, e.g. timeout, exception).",
	}, []string{"phase", "outcome"})
	metricRunSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "litd", Subsystem: "actions", Name: "run_seconds",
		Help:    "Wall time of one action run, fetches included, by phase.",
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
	}, []string{"phase"})
)

// Fetch failure reasons (the reason label).
var fetchFailureReasons = []string{"blocked", "timeout", "canceled", "too_large", "dns", "connect", "other"}

var registerMetricsOnce sync.Once

// registerMetrics adds the engine's collectors to the default registry once
// per process; every engine in the process shares them.
func registerMetrics() {
	registerMetricsOnce.Do(func() {
		prometheus.MustRegister(metricFetches, metricFetchFailures, metricRuns, metricRunSeconds)
		for _, r := range fetchFailureReasons {
			metricFetchFailures.WithLabelValues(r)
		}
	})
}

// fetchFailureReason classifies a live fetch error into a low-cardinality label.
func fetchFailureReason(err error) string {
	var (
		netErr net.Error
		dnsErr *net.DNSError
		opErr  *net.OpError
	)
	switch {
	case errors.Is(err, sandbox.ErrDestinationNotAllowed):
		return "blocked"
	case errors.Is(err, sandbox.ErrBodyTooLarge):
		return "too_large"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.As(err, &dnsErr):
		return "dns"
	case errors.As(err, &opErr):
		return "connect"
	default:
		return "other"
	}
}

// countingFetcher counts the live fetches of a run and why they failed.
type countingFetcher struct{ inner sandbox.Fetcher }

// Fetch implements sandbox.Fetcher.
func (c countingFetcher) Fetch(ctx context.Context, i int, req sandbox.FetchRequest) (sandbox.FetchResponse, error) {
	resp, err := c.inner.Fetch(ctx, i, req)
	metricFetches.Inc()
	if err != nil {
		metricFetchFailures.WithLabelValues(fetchFailureReason(err)).Inc()
	}
	return resp, err
}

// runCodes are the sandbox's error codes; an outcome label is one of them
// with "_" for " " (e.g. memory_limit), so the label set stays closed.
var runCodes = []string{
	sandbox.CodeTimeout, sandbox.CodeCanceled, sandbox.CodeMemory, sandbox.CodeCrashed, sandbox.CodeStackOverflow, sandbox.CodeFetchLimit,
	sandbox.CodeNotAttested, sandbox.CodeSignatureLimit, sandbox.CodeResponseTooLarge, sandbox.CodeException,
	sandbox.CodeSyntax, sandbox.CodeInvalidParams, sandbox.CodeInternal,
}

// runOutcome is the outcome label of a run's Result.Error ("" is ok).
func runOutcome(resultErr string) string {
	if resultErr == "" {
		return "ok"
	}
	code, _, _ := strings.Cut(resultErr, ":")
	if slices.Contains(runCodes, code) {
		return strings.ReplaceAll(code, " ", "_")
	}
	return "other"
}
