package engine

import (
	"regexp"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/litprotocol/litd/x/tss/types"
)

// Prometheus metrics of the engine (off-chain only; nothing in the state
// machine reads them). They are registered once per process in
// prometheus.DefaultRegisterer, which CometBFT's [instrumentation]
// Prometheus endpoint and the API server's /metrics?format=prometheus both
// serve. Every engine in a process updates the same collectors; a node runs
// one engine, so gauges describe that node.
var (
	metricPreParamsReady = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "litd", Subsystem: "tss", Name: "preparams_ready",
		Help: "1 once this validator's Paillier pre-parameters exist (it can join DKG), else 0.",
	})
	metricKeygenRound = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "litd", Subsystem: "tss", Name: "keygen_round",
		Help: "tss-lib keygen round of this node's DKG party (1-3 while exchanging messages, 4 once its share is saved), 0 when it runs none.",
	})
	metricSessionsOpen = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "litd", Subsystem: "tss", Name: "sessions_open",
		Help: "Open sessions on chain after the last block this node applied, by type.",
	}, []string{"type"})
	metricPartiesRunning = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "litd", Subsystem: "tss", Name: "parties_running",
		Help: "tss-lib parties this node runs, by session type.",
	}, []string{"type"})
	metricSignSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: "litd", Subsystem: "tss", Name: "sign_seconds",
		Help:    "Time from this node first seeing a sign session it is a party of to its party producing the signature.",
		Buckets: []float64{1, 2, 3, 5, 7.5, 10, 12.5, 15, 20, 30, 45, 60, 90, 120},
	})
	metricReshareSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: "litd", Subsystem: "tss", Name: "reshare_seconds",
		Help:    "Time from this node first seeing a reshare session it is on the new side of to its new share being on disk.",
		Buckets: []float64{5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600},
	})
	metricMessagesOut = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "litd", Subsystem: "tss", Name: "messages_out_total",
		Help: "Protocol messages this node's parties produced for its vote extensions (one per recipient of a point-to-point message), by session type.",
	}, []string{"type"})
	metricMessagesIn = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "litd", Subsystem: "tss", Name: "messages_in_total",
		Help: "Distinct protocol messages from other validators handed to this node's parties, by session type.",
	}, []string{"type"})
	metricMessagesEarly = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "litd", Subsystem: "tss", Name: "messages_early_total",
		Help: "Protocol messages handed to this node's parties from a peer's verified precommit, before a block committed them, by session type.",
	}, []string{"type"})
	metricMessagesEarlyUncommitted = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "litd", Subsystem: "tss", Name: "messages_early_uncommitted_total",
		Help: "Messages handed over early whose precommit the next block did not carry (late vote or left out by the proposer); their author sends them again.",
	})
	metricUnconfirmedReports = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "litd", Subsystem: "tss", Name: "unconfirmed_reports_total",
		Help: "Reports this node sent that a sign party's message it took early was never committed (a sender equivocating its vote extension, or votes that keep missing the commit).",
	})
	metricMessagesRejected = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "litd", Subsystem: "tss", Name: "messages_rejected_total",
		Help: "Incoming protocol messages a party could not use, by session type and reason (open: sealed message did not open; party: tss-lib rejected it).",
	}, []string{"type", "reason"})
)

var registerMetricsOnce sync.Once

// registerMetrics adds the engine's collectors to the default registry once
// per process. Unit tests create many engines; they share the collectors.
func registerMetrics() {
	registerMetricsOnce.Do(func() {
		prometheus.MustRegister(metricPreParamsReady, metricKeygenRound, metricSessionsOpen, metricPartiesRunning,
			metricSignSeconds, metricReshareSeconds, metricMessagesOut, metricMessagesIn, metricMessagesEarly,
			metricMessagesEarlyUncommitted, metricUnconfirmedReports, metricMessagesRejected)
		// Make the labelled series visible (at 0) before the first session.
		for _, t := range []string{sessionLabel(types.SESSION_TYPE_KEYGEN), sessionLabel(types.SESSION_TYPE_SIGN), sessionLabel(types.SESSION_TYPE_RESHARE), sessionLabel(types.SESSION_TYPE_DECRYPT)} {
			metricSessionsOpen.WithLabelValues(t)
			metricPartiesRunning.WithLabelValues(t)
			metricMessagesOut.WithLabelValues(t)
			metricMessagesIn.WithLabelValues(t)
			metricMessagesEarly.WithLabelValues(t)
		}
	})
}

// sessionLabel is a session type as a metric label: "keygen" or "sign".
func sessionLabel(t types.SessionType) string {
	switch t {
	case types.SESSION_TYPE_KEYGEN:
		return "keygen"
	case types.SESSION_TYPE_SIGN:
		return "sign"
	case types.SESSION_TYPE_RESHARE:
		return "reshare"
	case types.SESSION_TYPE_DECRYPT:
		return "decrypt"
	default:
		return "unknown"
	}
}

// keygenRounds is the number of tss-lib ECDSA keygen rounds; the last one
// sends nothing and ends with the share.
const keygenRounds = 4

var roundInType = regexp.MustCompile(`Round(\d+)`)

// messageRound is the tss-lib round a message belongs to, from its protobuf
// type name (e.g. binance.tsslib.ecdsa.keygen.KGRound2Message1), or 0.
func messageRound(typeName string) int {
	m := roundInType.FindStringSubmatch(typeName)
	if m == nil {
		return 0
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return 0
	}
	return n
}
