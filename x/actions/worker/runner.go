package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/litprotocol/litd/x/actions/sandbox"
)

// Command is the hidden litd sub-command that runs Serve.
const Command = "actions-worker"

// maxPermissionReads bounds the state reads one run may ask the parent for (the sandbox's own
// bound is lower; this one holds against any worker).
const maxPermissionReads = 1024

// Runner runs actions in worker processes, one fresh process per run.
type Runner struct {
	// Bin is the litd executable; empty means this process's own executable.
	Bin string
	// KillGrace is how long after Limits.Timeout the worker is killed if it has not answered
	// (a native call that ignores goja's interrupt). Default 1 s.
	KillGrace time.Duration
	// Nice, when positive, lowers the worker's CPU priority (replays that serve queries).
	Nice int
	// Log, when set, reports what failed on the validator's side of a run: a permission read that
	// panicked or could not read state, a fetcher that panicked (log.Logger's Error fits).
	Log func(msg string, keyvals ...any)
}

// Args are the worker's command line for limits l.
func Args(l sandbox.Limits) []string {
	l = l.WithDefaults()
	cpu := uint64(l.Timeout/time.Second) + 2
	return []string{Command, "--memory-bytes", fmt.Sprint(l.MaxHeapBytes), "--cpu-seconds", fmt.Sprint(cpu)}
}

// Run runs env in a new worker process and returns its result. It never panics, even when
// env.Permissions or env.Fetcher does; whatever the action does, it returns within Limits.Timeout +
// KillGrace (plus process start and exit, and a permission read's own wait), and the worker process
// is gone when it returns. A worker that dies or is killed yields a failed Result whose Error is
// sandbox.TimeoutError, MemoryError or CrashError, identical on every validator; so does a
// permission read that panics or fails with sandbox.ErrUnavailable (CrashError): the validator
// could not serve it, and the worker never sees that as an answer.
func (r *Runner) Run(ctx context.Context, env sandbox.Env) sandbox.Result {
	lim := env.Limits.WithDefaults()
	grace := r.KillGrace
	if grace <= 0 {
		grace = time.Second
	}
	bin := r.Bin
	if bin == "" {
		var err error
		if bin, err = os.Executable(); err != nil {
			return sandbox.Result{Error: sandbox.CrashError()}
		}
	}
	runCtx, cancel := context.WithTimeout(ctx, lim.Timeout+grace)
	defer cancel()
	cmd := exec.CommandContext(runCtx, bin, Args(lim)...)
	cmd.Env = []string{"TZ=UTC", "GOMAXPROCS=1"}
	// The worker dies with the validator; nothing outlives a run.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = time.Second
	stderr := &headBuffer{max: 4 << 10}
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return sandbox.Result{Error: sandbox.CrashError()}
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return sandbox.Result{Error: sandbox.CrashError()}
	}
	if err := cmd.Start(); err != nil {
		return sandbox.Result{Error: sandbox.CrashError()}
	}
	if r.Nice > 0 {
		_ = syscall.Setpriority(syscall.PRIO_PROCESS, cmd.Process.Pid, r.Nice)
	}
	p := &parent{env: env, lim: lim, in: &frameWriter{w: stdin}, ctx: runCtx, log: r.Log}
	frames := make(chan *frame)
	readErr := make(chan error, 1)
	go func() {
		for {
			f, err := readFrame(stdout)
			if err != nil {
				readErr <- err
				return
			}
			select {
			case frames <- f:
			case <-runCtx.Done():
				readErr <- runCtx.Err()
				return
			}
		}
	}()
	var (
		res    *sandbox.Result
		broken bool // the worker broke the protocol, or the validator could not serve it
	)
	if err := p.in.send(&frame{Job: &job{Code: env.Code, JSParams: env.JSParams, Seed: env.Seed, Now: env.Now, Limits: lim,
		Auth: env.Auth, HasFetcher: env.Fetcher != nil, HasPermissions: env.Permissions != nil}}); err == nil {
	loop:
		for {
			select {
			case f := <-frames:
				if f.Result != nil {
					res = f.Result
					break loop
				}
				if !p.serve(f) {
					broken = true
					break loop
				}
			case err := <-readErr:
				// End of output: the worker died (its exit says why). Anything else is a malformed frame.
				broken = !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && runCtx.Err() == nil
				break loop
			case <-runCtx.Done():
				break loop
			}
		}
	}
	_ = stdin.Close()
	if res == nil {
		_ = cmd.Process.Kill()
	}
	waitErr := cmd.Wait()
	timedOut := runCtx.Err() != nil
	cancel() // fetches still in flight end now
	p.wg.Wait()
	if res != nil {
		return *res
	}
	out := sandbox.Result{Fetches: p.completed()}
	switch {
	case ctx.Err() != nil:
		out.Error = fmt.Sprintf("%s: %v", sandbox.CodeCanceled, ctx.Err())
	case broken:
		out.Error = sandbox.CrashError()
	case timedOut || killedForCPU(waitErr):
		out.Error = sandbox.TimeoutError(lim)
	case outOfMemory(waitErr, stderr.Bytes()):
		out.Error = sandbox.MemoryError(lim)
	default:
		out.Error = sandbox.CrashError()
	}
	return out
}

// killedForCPU: RLIMIT_CPU sends SIGXCPU at the soft limit and SIGKILL at the hard one.
func killedForCPU(err error) bool {
	sig, ok := signalOf(err)
	return ok && (sig == syscall.SIGXCPU || sig == syscall.SIGKILL)
}

// outOfMemory: the Go runtime aborts with one of these when RLIMIT_DATA refuses a mapping, and
// sometimes faults instead.
func outOfMemory(err error, stderr []byte) bool {
	if sig, ok := signalOf(err); ok && (sig == syscall.SIGSEGV || sig == syscall.SIGBUS) {
		return true
	}
	for _, s := range []string{"out of memory", "cannot allocate memory", "failed to reserve", "mmap"} {
		if bytes.Contains(stderr, []byte(s)) {
			return true
		}
	}
	return false
}

func signalOf(err error) (syscall.Signal, bool) {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return 0, false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return 0, false
	}
	return ws.Signal(), true
}

// parent serves one worker's fetches and permission reads.
type parent struct {
	env sandbox.Env
	lim sandbox.Limits
	ctx context.Context

	in  *frameWriter
	log func(msg string, keyvals ...any)

	mu      sync.Mutex
	fetches []sandbox.Fetch
	asked   []bool
	done    []bool
	reads   int
	wg      sync.WaitGroup
}

// serve answers one request; false ends the run as a crash (a worker that breaks the protocol, a
// permission read the validator could not serve).
func (p *parent) serve(f *frame) bool {
	switch {
	case f.Fetch != nil:
		return p.fetch(f.Fetch)
	case f.Perm != nil:
		return p.perm(f.Perm)
	}
	return false
}

func (p *parent) fetch(c *fetchCall) bool {
	p.mu.Lock()
	// The sandbox issues fetches from their own goroutines: calls may arrive out of order, each once.
	if c.I < 0 || c.I >= p.lim.MaxFetches || (c.I < len(p.asked) && p.asked[c.I]) {
		p.mu.Unlock()
		return false
	}
	for len(p.fetches) <= c.I {
		p.fetches, p.done, p.asked = append(p.fetches, sandbox.Fetch{}), append(p.done, false), append(p.asked, false)
	}
	p.fetches[c.I].Request, p.asked[c.I] = c.Req, true
	p.mu.Unlock()
	if p.env.Fetcher == nil {
		return p.in.send(&frame{FetchReply: &fetchReply{I: c.I, Err: "fetch is not available"}}) == nil
	}
	p.wg.Go(func() {
		resp, err := p.fetchOne(c)
		if err != nil && p.ctx.Err() != nil {
			// The parent's own deadline cut the fetch: the run is over and the worker is being
			// stopped; its error must not reach the action (sandbox's settle, for the worker's deadline).
			return
		}
		reply := &fetchReply{I: c.I, Resp: resp}
		p.mu.Lock()
		if err != nil {
			reply.NotAttested = errors.Is(err, sandbox.ErrNotAttested)
			reply.Err = strings.TrimPrefix(err.Error(), sandbox.ErrNotAttested.Error()+": ")
			p.fetches[c.I].Error = sandbox.FetchError(err)
		} else {
			p.fetches[c.I].Response = &resp
		}
		p.done[c.I] = true
		p.mu.Unlock()
		_ = p.in.send(&frame{FetchReply: reply})
	})
	return true
}

// fetchOne is the fetcher's answer; a panic in it is a failed fetch (as in sandbox.Run), not the
// validator's end.
func (p *parent) fetchOne(c *fetchCall) (resp sandbox.FetchResponse, err error) {
	defer func() {
		if r := recover(); r != nil {
			p.logf("actions fetcher panicked", "url", c.Req.URL, "panic", r, "stack", string(debug.Stack()))
			resp, err = sandbox.FetchResponse{}, fmt.Errorf("fetcher panicked: %v", r)
		}
	}()
	return p.env.Fetcher.Fetch(p.ctx, c.I, c.Req)
}

func (p *parent) logf(msg string, keyvals ...any) {
	if p.log != nil {
		p.log(msg, keyvals...)
	}
}

// perm answers a permission read. A read that panics (the SDK's stores panic on a failed read or
// an exhausted gas meter) or fails with sandbox.ErrUnavailable ends the run (false): the answer
// would be this validator's trouble, not the state's.
func (p *parent) perm(c *permCall) (ok bool) {
	if p.reads++; p.reads > maxPermissionReads {
		return false
	}
	defer func() {
		if r := recover(); r != nil {
			p.logf("actions permission read panicked; the run ends as a crash", "op", c.Op, "token_id", c.TokenID,
				"panic", r, "stack", string(debug.Stack()))
			ok = false
		}
	}()
	reply := &permReply{Seq: c.Seq}
	var err error
	perms := p.env.Permissions
	switch {
	case perms == nil:
		err = errors.New("permissions are not available")
	case c.Op == sandbox.OpIsPermittedAction:
		reply.Permitted, err = perms.IsPermittedAction(c.TokenID, c.CID)
	case c.Op == sandbox.OpPermittedActions:
		reply.CIDs, err = perms.PermittedActions(c.TokenID)
	case c.Op == sandbox.OpIsPermittedAddress:
		reply.Permitted, err = perms.IsPermittedAddress(c.TokenID, c.Address)
	case c.Op == sandbox.OpPermittedAddresses:
		reply.Addresses, err = perms.PermittedAddresses(c.TokenID)
	case c.Op == sandbox.OpIsPermittedAuthMethod:
		reply.Permitted, err = perms.IsPermittedAuthMethod(c.TokenID, c.AuthMethodType, c.UserID)
	case c.Op == sandbox.OpPermittedAuthMethods:
		reply.AuthMethods, err = perms.PermittedAuthMethods(c.TokenID)
	case c.Op == sandbox.OpAuthMethodScopes:
		reply.Scopes, err = perms.AuthMethodScopes(c.TokenID, c.AuthMethodType, c.UserID)
	default:
		return false
	}
	if errors.Is(err, sandbox.ErrUnavailable) {
		p.logf("actions permission read failed; the run ends as a crash", "op", c.Op, "token_id", c.TokenID, "err", err)
		return false
	}
	if err != nil {
		reply.Err = err.Error()
	}
	return p.in.send(&frame{PermReply: reply}) == nil
}

// completed is the transcript up to the first fetch that had not finished when the worker died.
func (p *parent) completed() []sandbox.Fetch {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for n < len(p.done) && p.done[n] {
		n++
	}
	return append([]sandbox.Fetch(nil), p.fetches[:n]...)
}

// headBuffer keeps the first max bytes written: the Go runtime's crash report starts with the
// reason ("fatal error: out of memory ..."), followed by long stack dumps.
type headBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *headBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if room := t.max - len(t.buf); room > 0 {
		t.buf = append(t.buf, b[:min(room, len(b))]...)
	}
	return len(b), nil
}

// Bytes returns a copy of what is kept.
func (t *headBuffer) Bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]byte(nil), t.buf...)
}
