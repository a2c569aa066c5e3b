package worker

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"

	"github.com/litprotocol/litd/x/actions/sandbox"
)

// Serve is the worker process: it puts its OS limits in place (memBytes of data on top of what the
// process uses when it starts, cpuSeconds of CPU time, no files, no core dumps, no new privileges)
// before it reads anything, then reads one job from in, runs it and writes the result to out. It
// returns the process exit status; the caller exits with it, which also ends a run the sandbox had
// to abandon.
func Serve(memBytes, cpuSeconds uint64, in io.Reader, out io.Writer) int {
	if err := limitSelf(memBytes, cpuSeconds); err != nil {
		fmt.Fprintln(os.Stderr, "actions worker: cannot set limits:", err)
		return 2
	}
	// The Go heap gets most of the data limit; the collector works hard before the hard limit hits.
	debug.SetMemoryLimit(int64(memBytes) * 3 / 4)
	f, err := readFrame(in)
	if err != nil || f.Job == nil {
		fmt.Fprintln(os.Stderr, "actions worker: no job:", err)
		return 2
	}
	j := f.Job
	c := &client{out: &frameWriter{w: out}, fetches: map[int]chan *fetchReply{}, perms: map[uint64]chan *permReply{}}
	go c.readReplies(in)
	env := sandbox.Env{Code: j.Code, JSParams: j.JSParams, Seed: j.Seed, Now: j.Now, Limits: j.Limits, Auth: j.Auth}
	if j.HasFetcher {
		env.Fetcher = c
	}
	if j.HasPermissions {
		env.Permissions = c
	}
	res := sandbox.Run(context.Background(), env)
	if err := c.out.send(&frame{Result: &res}); err != nil {
		fmt.Fprintln(os.Stderr, "actions worker: cannot write the result:", err)
		return 2
	}
	return 0
}

// client forwards fetches and permission reads to the parent, which owns the network and the state.
type client struct {
	out *frameWriter

	mu      sync.Mutex
	fetches map[int]chan *fetchReply
	perms   map[uint64]chan *permReply
	seq     uint64
}

// readReplies hands each reply to its caller. The parent gone means the run is over: exit.
func (c *client) readReplies(in io.Reader) {
	for {
		f, err := readFrame(in)
		if err != nil {
			os.Exit(3)
		}
		c.mu.Lock()
		switch {
		case f.FetchReply != nil:
			if ch, ok := c.fetches[f.FetchReply.I]; ok {
				ch <- f.FetchReply
				delete(c.fetches, f.FetchReply.I)
			}
		case f.PermReply != nil:
			if ch, ok := c.perms[f.PermReply.Seq]; ok {
				ch <- f.PermReply
				delete(c.perms, f.PermReply.Seq)
			}
		}
		c.mu.Unlock()
	}
}

// Fetch implements sandbox.Fetcher.
func (c *client) Fetch(ctx context.Context, i int, req sandbox.FetchRequest) (sandbox.FetchResponse, error) {
	ch := make(chan *fetchReply, 1)
	c.mu.Lock()
	c.fetches[i] = ch
	c.mu.Unlock()
	if err := c.out.send(&frame{Fetch: &fetchCall{I: i, Req: req}}); err != nil {
		return sandbox.FetchResponse{}, err
	}
	select {
	case r := <-ch:
		switch {
		case r.NotAttested:
			return sandbox.FetchResponse{}, fmt.Errorf("%w: %s", sandbox.ErrNotAttested, r.Err)
		case r.Err == sandbox.ErrRunEnded.Error(): // a replayed fetch the live run's deadline cut short
			return sandbox.FetchResponse{}, sandbox.ErrRunEnded
		case r.Err != "":
			return sandbox.FetchResponse{}, errors.New(r.Err)
		}
		return r.Resp, nil
	case <-ctx.Done():
		return sandbox.FetchResponse{}, ctx.Err()
	}
}

func (c *client) perm(call permCall) (*permReply, error) {
	ch := make(chan *permReply, 1)
	c.mu.Lock()
	c.seq++
	call.Seq = c.seq
	c.perms[call.Seq] = ch
	c.mu.Unlock()
	if err := c.out.send(&frame{Perm: &call}); err != nil {
		return nil, err
	}
	r := <-ch
	if r.Err != "" {
		return nil, errors.New(r.Err)
	}
	return r, nil
}

// IsPermittedAction implements sandbox.Permissions.
func (c *client) IsPermittedAction(tokenID, cid string) (bool, error) {
	r, err := c.perm(permCall{Op: sandbox.OpIsPermittedAction, TokenID: tokenID, CID: cid})
	if err != nil {
		return false, err
	}
	return r.Permitted, nil
}

// PermittedActions implements sandbox.Permissions.
func (c *client) PermittedActions(tokenID string) ([]string, error) {
	r, err := c.perm(permCall{Op: sandbox.OpPermittedActions, TokenID: tokenID})
	if err != nil {
		return nil, err
	}
	return r.CIDs, nil
}

// IsPermittedAddress implements sandbox.Permissions.
func (c *client) IsPermittedAddress(tokenID, address string) (bool, error) {
	r, err := c.perm(permCall{Op: sandbox.OpIsPermittedAddress, TokenID: tokenID, Address: address})
	if err != nil {
		return false, err
	}
	return r.Permitted, nil
}

// PermittedAddresses implements sandbox.Permissions.
func (c *client) PermittedAddresses(tokenID string) ([]string, error) {
	r, err := c.perm(permCall{Op: sandbox.OpPermittedAddresses, TokenID: tokenID})
	if err != nil {
		return nil, err
	}
	return r.Addresses, nil
}

// IsPermittedAuthMethod implements sandbox.Permissions.
func (c *client) IsPermittedAuthMethod(tokenID string, authMethodType uint64, userID string) (bool, error) {
	r, err := c.perm(permCall{Op: sandbox.OpIsPermittedAuthMethod, TokenID: tokenID, AuthMethodType: authMethodType, UserID: userID})
	if err != nil {
		return false, err
	}
	return r.Permitted, nil
}

// PermittedAuthMethods implements sandbox.Permissions.
func (c *client) PermittedAuthMethods(tokenID string) ([]sandbox.AuthMethod, error) {
	r, err := c.perm(permCall{Op: sandbox.OpPermittedAuthMethods, TokenID: tokenID})
	if err != nil {
		return nil, err
	}
	return r.AuthMethods, nil
}

// AuthMethodScopes implements sandbox.Permissions.
func (c *client) AuthMethodScopes(tokenID string, authMethodType uint64, userID string) ([]uint64, error) {
	r, err := c.perm(permCall{Op: sandbox.OpAuthMethodScopes, TokenID: tokenID, AuthMethodType: authMethodType, UserID: userID})
	if err != nil {
		return nil, err
	}
	return r.Scopes, nil
}

// Main is `litd actions-worker --memory-bytes N --cpu-seconds S` (hidden; started by Runner, never
// by hand): it parses the limits and runs Serve on stdin and stdout.
func Main(args []string) int {
	fs := flag.NewFlagSet(Command, flag.ContinueOnError)
	mem := fs.Uint64("memory-bytes", 0, "data the action may map on top of the worker's own")
	cpu := fs.Uint64("cpu-seconds", 0, "CPU time of the worker")
	if err := fs.Parse(args); err != nil || *mem == 0 || *cpu == 0 {
		fmt.Fprintln(os.Stderr, "usage: litd actions-worker --memory-bytes N --cpu-seconds S (started by the validator, not by hand)")
		return 2
	}
	return Serve(*mem, *cpu, os.Stdin, os.Stdout)
}

// ServeIfWorker makes this process a worker when it was started as one (os.Args[1] == Command) and
// never returns then. litd's main calls it first; so do test binaries that are their own workers.
func ServeIfWorker() {
	if len(os.Args) > 1 && os.Args[1] == Command {
		os.Exit(Main(os.Args[2:]))
	}
}
