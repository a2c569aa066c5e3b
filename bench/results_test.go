package bench

import (
	"cmp"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// row is one line of the summary table.
type row struct {
	bench, label, unit string
	value              float64
}

// results holds every figure of the run, by key, for the summary and ratios.
var results struct {
	sync.Mutex
	byKey map[string]float64
	rows  []row
}

// report records a figure under key, as a benchmark metric (unit must have
// no spaces) and as a logged table row.
func report(b *testing.B, key, label string, value float64, unit string) {
	b.Helper()
	b.ReportMetric(value, unit)
	b.ReportMetric(0, "ns/op") // one measurement, not a per-op time
	results.Lock()
	defer results.Unlock()
	if results.byKey == nil {
		results.byKey = map[string]float64{}
	}
	results.byKey[key] = value
	results.rows = append(results.rows, row{bench: b.Name(), label: label, unit: unit, value: value})
	b.Logf("%-58s %10s %s", label, format(value), unit)
}

// record stores a figure for the summary's ratios without a table row.
func record(key string, value float64) {
	results.Lock()
	defer results.Unlock()
	if results.byKey == nil {
		results.byKey = map[string]float64{}
	}
	results.byKey[key] = value
}

// result returns a recorded figure.
func result(key string) (float64, bool) {
	results.Lock()
	defer results.Unlock()
	v, ok := results.byKey[key]
	return v, ok
}

func format(v float64) string {
	switch {
	case v == math.Trunc(v) && math.Abs(v) < 1e6:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case math.Abs(v) >= 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
}

// table renders every recorded row, grouped by benchmark.
func table() string {
	results.Lock()
	defer results.Unlock()
	var sb strings.Builder
	last := ""
	for _, r := range results.rows {
		if r.bench != last {
			fmt.Fprintf(&sb, "\n  %s\n", r.bench)
			last = r.bench
		}
		fmt.Fprintf(&sb, "    %-58s %10s %s\n", r.label, format(r.value), r.unit)
	}
	return sb.String()
}

// percentile is the nearest-rank q-quantile (q in (0,1]) of xs.
func percentile[T cmp.Ordered](xs []T, q float64) T {
	if len(xs) == 0 {
		var zero T
		return zero
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(i, 0)]
}

func seconds(d time.Duration) float64 { return d.Seconds() }
func millis(d time.Duration) float64  { return float64(d) / float64(time.Millisecond) }

// envInt reads a positive integer setting.
func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// selfCPU is this process's user+system CPU time.
func selfCPU() time.Duration { return rusage(syscall.RUSAGE_SELF) }

// childCPU is the CPU time of this process's reaped children (action workers).
func childCPU() time.Duration { return rusage(syscall.RUSAGE_CHILDREN) }

func rusage(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAvg is the 1-minute load average, or "?".
func loadAvg() string {
	bz, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(bz)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}
