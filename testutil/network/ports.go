package network

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// Test networks take their ports from [portLow, portHigh): below Linux's
// ephemeral range (32768–60999), so an outgoing connection cannot take a
// port between the moment it is chosen and the moment a node listens on it
// (asking the kernel for port 0 hands out exactly those ports), and below
// the localnet's ports (26656 and up).
const portLow, portHigh = 10000, 26000

// FreePorts gives node ports no other test process holds, for tests that run
// beside a localnet and each other.
func FreePorts(int) Ports {
	ps, err := FreeTCPPorts(5)
	if err != nil {
		panic(err)
	}
	return Ports{P2P: ps[0], RPC: ps[1], REST: ps[2], GRPC: ps[3], Prometheus: ps[4]}
}

// FreeTCPPorts returns n 127.0.0.1 ports that nothing listens on and that
// this process has claimed (see claimPort): e2e packages run in parallel, and
// a node binds its ports only seconds after they are chosen.
func FreeTCPPorts(n int) ([]int, error) {
	dir := filepath.Join(os.TempDir(), "litd-ports")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// One claim (this process's pid), linked into place for each port: no one
	// reads a half-written claim.
	claim, err := os.CreateTemp(dir, "claim-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.Remove(claim.Name()) }()
	_, werr := claim.WriteString(strconv.Itoa(os.Getpid()))
	if err := errors.Join(werr, claim.Close()); err != nil {
		return nil, err
	}
	span := portHigh - portLow
	start := rand.IntN(span)
	ps := make([]int, 0, n)
	for k := 0; k < span && len(ps) < n; k++ {
		p := portLow + (start+k)%span
		if listenable(p) && claimPort(dir, claim.Name(), p) {
			ps = append(ps, p)
		}
	}
	if len(ps) < n {
		return nil, fmt.Errorf("only %d free ports between %d and %d", len(ps), portLow, portHigh)
	}
	return ps, nil
}

func listenable(p int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}

// claimPort claims port p for this process by linking claim (its pid) to
// dir/<p>: the process whose pid is there has the port until it exits; a
// claim whose process is gone is taken over.
func claimPort(dir, claim string, p int) bool {
	path := filepath.Join(dir, strconv.Itoa(p))
	for range 2 {
		if os.Link(claim, path) == nil {
			return true
		}
		bz, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		pid, err := strconv.Atoi(string(bz))
		if err == nil && (pid == os.Getpid() || syscall.Kill(pid, 0) == nil) {
			return false // held by a live process, or already handed out by this one
		}
		_ = os.Remove(path)
	}
	return false
}
