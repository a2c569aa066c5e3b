package bench

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

// profChunk is the length of one /debug/pprof/profile request: the
// profile covers the phase rounded up to this.
const profChunk = 5 * time.Second

// cpuProfile records node0's CPU profile in consecutive profChunk requests
// to its CometBFT pprof server until finish is called or maxWall is
// covered; the chunks are merged into one profile.
type cpuProfile struct {
	stop, done chan struct{}
	prof       *profile.Profile
	wall       time.Duration
	err        error
}

func (c *chain) startProfile(maxWall time.Duration) *cpuProfile {
	p := &cpuProfile{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		start := time.Now()
		var parts []*profile.Profile
	chunks:
		for {
			secs := int(min(profChunk, maxWall-time.Since(start)) / time.Second)
			if secs < 1 {
				break
			}
			part, err := c.fetchProfile(secs)
			if err != nil {
				p.err = err
				return
			}
			parts = append(parts, part)
			select {
			case <-p.stop:
				break chunks
			default:
			}
		}
		p.wall = time.Since(start)
		if len(parts) == 0 {
			p.err = fmt.Errorf("no profile recorded (max %s)", maxWall)
			return
		}
		p.prof, p.err = profile.Merge(parts)
	}()
	return p
}

// finish waits for the chunk under way and returns the merged profile and
// the wall time it covers.
func (p *cpuProfile) finish() (*profile.Profile, time.Duration, error) {
	close(p.stop)
	<-p.done
	return p.prof, p.wall, p.err
}

func (c *chain) fetchProfile(secs int) (*profile.Profile, error) {
	client := http.Client{Timeout: time.Duration(secs)*time.Second + 30*time.Second}
	resp, err := client.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", c.pprof, secs))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return nil, fmt.Errorf("pprof %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	return profile.Parse(resp.Body)
}

// saveProfile writes p (gzipped proto, for `go tool pprof`) to file.
func saveProfile(p *profile.Profile, file string) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if err := p.Write(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// pprofTop is `go tool pprof -top -nodecount=n` of a saved profile.
func pprofTop(file string, n int) (string, error) {
	out, err := exec.Command("go", "tool", "pprof", "-top", fmt.Sprintf("-nodecount=%d", n), file).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go tool pprof: %w: %s", err, out)
	}
	return string(out), nil
}

// cpuClasses are the coarse owners node0's CPU samples are split into, by
// function-name prefix. A sample goes to the class of the frame nearest the
// leaf that has one (so math/big under tss-lib counts as tss-lib, IAVL under
// a keeper as store), except that samples in GC, allocation or the
// scheduler (gcFrames anywhere in the stack) count as runtime.
var cpuClasses = []struct {
	key, label string
	prefixes   []string
}{
	{"tsslib", "tss-lib (+ math/big it calls)", []string{"github.com/bnb-chain/tss-lib"}},
	{"goja", "goja (Lit Actions JS)", []string{"github.com/dop251/goja"}},
	{"p2p", "CometBFT p2p", []string{"github.com/cometbft/cometbft/p2p", "github.com/cometbft/cometbft/lp2p", "github.com/libp2p/"}},
	{"comet", "CometBFT consensus/state/mempool/RPC", []string{"github.com/cometbft/cometbft/"}},
	{"store", "SDK store / IAVL / DB", []string{
		"cosmossdk.io/store", "github.com/cosmos/iavl", "github.com/cosmos/cosmos-db",
		"github.com/cometbft/cometbft-db", "github.com/syndtr/goleveldb", "github.com/cockroachdb/pebble",
	}},
	{"litd", "litd code (app, x/, engines)", []string{"github.com/litprotocol/litd"}},
	{"sdk", "SDK other (baseapp, ante, modules)", []string{"github.com/cosmos/cosmos-sdk", "cosmossdk.io/"}},
	{"grpc", "gRPC / protobuf", []string{
		"google.golang.org/grpc", "google.golang.org/protobuf", "github.com/cosmos/gogoproto",
		"github.com/cosmos/cosmos-proto", "github.com/grpc-ecosystem",
	}},
	{"runtime", "Go runtime (GC, alloc, scheduler)", nil},
	{"other", "other (stdlib-only stacks)", nil},
}

var gcFrames = []string{
	"runtime.gcBgMarkWorker", "runtime.gcAssistAlloc", "runtime.mallocgc", "runtime.bgsweep",
	"runtime.bgscavenge", "runtime.gcStart", "runtime.schedule", "runtime.findRunnable",
	"runtime.sysmon", "runtime._GC", "runtime._System",
}

func isRuntime(fn string) bool {
	return strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal/runtime/") ||
		strings.HasPrefix(fn, "runtime/internal/")
}

// classify returns the cpuClasses key of one sample.
func classify(s *profile.Sample) string {
	var frames []string // leaf first, inlined frames included
	for _, loc := range s.Location {
		for _, ln := range loc.Line {
			if ln.Function != nil {
				frames = append(frames, ln.Function.Name)
			}
		}
	}
	for _, f := range frames {
		for _, g := range gcFrames {
			if strings.HasPrefix(f, g) {
				return "runtime"
			}
		}
	}
	for _, f := range frames {
		for _, cl := range cpuClasses {
			for _, p := range cl.prefixes {
				if strings.HasPrefix(f, p) {
					return cl.key
				}
			}
		}
	}
	for _, f := range frames {
		if !isRuntime(f) {
			return "other"
		}
	}
	return "runtime"
}

// cpuBreakdown sums a CPU profile's sampled time by class.
func cpuBreakdown(p *profile.Profile) (total time.Duration, by map[string]time.Duration, err error) {
	idx := -1
	for i, st := range p.SampleType {
		if st.Type == "cpu" && st.Unit == "nanoseconds" {
			idx = i
		}
	}
	if idx < 0 {
		return 0, nil, fmt.Errorf("no cpu/nanoseconds sample type in profile")
	}
	by = map[string]time.Duration{}
	for _, s := range p.Sample {
		d := time.Duration(s.Value[idx])
		by[classify(s)] += d
		total += d
	}
	return total, by, nil
}

// reportProfile finishes node0's profile, saves it in the benchmark's
// directory (kept with LITD_BENCH_KEEP=1), prints its top functions and its
// split by owner, and records the split for the summary.
func (c *chain) reportProfile(b *testing.B, prof *cpuProfile) {
	b.Helper()
	p, wall, err := prof.finish()
	if err != nil {
		b.Fatalf("node0 CPU profile: %v", err)
	}
	file := filepath.Join(c.dir, "node0-cpu-sign-burst.pb.gz")
	if err := saveProfile(p, file); err != nil {
		b.Fatal(err)
	}
	total, by, err := cpuBreakdown(p)
	if err != nil {
		b.Fatal(err)
	}
	// Printed, not logged: a benchmark's log is cut at 10 lines.
	sampled := time.Duration(p.DurationNanos) // the chunks' durations, without the gaps between them
	fmt.Printf("bench: node0 CPU profile of the %d-sign burst: %s wall, %s profiled, %.1f CPU-s sampled, saved as %s\n",
		burstSize, wall.Round(time.Second), sampled.Round(time.Second), seconds(total), file)
	if top, err := pprofTop(file, 15); err != nil {
		fmt.Printf("bench: %v\n", err)
	} else {
		fmt.Print(top)
	}
	fmt.Printf("bench: node0 CPU by owner (frame nearest the leaf; GC, allocation and scheduler first):\n")
	for _, cl := range cpuClasses {
		share := 0.0
		if total > 0 {
			share = 100 * seconds(by[cl.key]) / seconds(total)
		}
		fmt.Printf("  %-42s %5.1f%% %7.2f cpu-s\n", cl.label, share, seconds(by[cl.key]))
		record("net.prof."+cl.key, seconds(by[cl.key]))
	}
	record("net.prof.total", seconds(total))
	report(b, "net.prof.wall", "node0 CPU profile during the burst: time profiled", seconds(sampled), "prof-s")
	report(b, "net.prof.cpu", "node0 CPU profile: CPU sampled", seconds(total), "prof-cpu-s")
	report(b, "net.prof.cores", "node0 CPU profile: CPU sampled / time profiled", seconds(total)/seconds(sampled), "node0-cores")
}
