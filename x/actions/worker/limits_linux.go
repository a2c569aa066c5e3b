package worker

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// limitSelf bounds this process. RLIMIT_DATA, not RLIMIT_AS: the Go runtime reserves far more
// address space than it uses, while RLIMIT_DATA counts what is really mapped writable; a failed
// allocation then ends the process (Go cannot recover from it), which the parent reports.
func limitSelf(memBytes, cpuSeconds uint64) error {
	base, err := vmData()
	if err != nil {
		return err
	}
	limits := []struct {
		res        int
		soft, hard uint64
	}{
		{unix.RLIMIT_DATA, base + memBytes, base + memBytes},
		{unix.RLIMIT_CPU, cpuSeconds, cpuSeconds + 1}, // SIGXCPU, then SIGKILL
		{unix.RLIMIT_NOFILE, 16, 16},                  // the pipes and the runtime's own; no sockets, no files
		{unix.RLIMIT_FSIZE, 0, 0},                     // writes no file
		{unix.RLIMIT_CORE, 0, 0},
	}
	for _, l := range limits {
		if err := unix.Setrlimit(l.res, &unix.Rlimit{Cur: l.soft, Max: l.hard}); err != nil {
			return fmt.Errorf("setrlimit %d: %w", l.res, err)
		}
	}
	return unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
}

// vmData is what the process has mapped writable so far (the Go runtime, package initialisation).
func vmData() (uint64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmData:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmData in /proc/self/status")
}
