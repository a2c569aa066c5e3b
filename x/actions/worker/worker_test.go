package worker_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/litprotocol/litd/x/actions/sandbox"
	"github.com/litprotocol/litd/x/actions/worker"
)

// The test binary is its own worker: Runner starts os.Args[0] actions-worker ...
func TestMain(m *testing.M) {
	worker.ServeIfWorker()
	os.Exit(m.Run())
}

func runner() *worker.Runner { return &worker.Runner{Bin: os.Args[0]} }

type perms struct{ calls int }

func (p *perms) IsPermittedAction(tokenID, cid string) (bool, error) {
	p.calls++
	return cid == "QmOK", nil
}

func (p *perms) PermittedActions(tokenID string) ([]string, error) {
	p.calls++
	if tokenID == "0xbad" {
		return nil, fmt.Errorf("pkp %s not found", tokenID)
	}
	return []string{"QmOK", "QmOther"}, nil
}

func (p *perms) IsPermittedAddress(tokenID, address string) (bool, error) {
	p.calls++
	return address == "lit1ok", nil
}

func (p *perms) PermittedAddresses(tokenID string) ([]string, error) {
	p.calls++
	return []string{"lit1owner", "lit1ok"}, nil
}

func (p *perms) IsPermittedAuthMethod(tokenID string, typ uint64, userID string) (bool, error) {
	p.calls++
	return typ == 6 && userID == "0x0102", nil
}

func (p *perms) PermittedAuthMethods(tokenID string) ([]sandbox.AuthMethod, error) {
	p.calls++
	return []sandbox.AuthMethod{{Type: 6, ID: "0x0102", UserPubkey: "0xpk"}}, nil
}

func (p *perms) AuthMethodScopes(tokenID string, typ uint64, userID string) ([]uint64, error) {
	p.calls++
	return []uint64{2}, nil
}

func env(code string, lim sandbox.Limits) sandbox.Env {
	return sandbox.Env{Code: code, JSParams: `{"n": 3}`, Now: time.Unix(1700000000, 0).UTC(), Limits: lim}
}

// panicPerms is state that panics when read, as the SDK's stores do on an exhausted gas meter or a
// failed IAVL read; unavailablePerms state the validator cannot read (not committed yet, pruned).
type (
	panicPerms       struct{ *perms }
	unavailablePerms struct{ *perms }
	panicFetcher     struct{}
)

func (panicPerms) PermittedAuthMethods(string) ([]sandbox.AuthMethod, error) {
	panic("out of gas in location: ReadFlat; gasWanted: 300000, gasUsed: 300001")
}

func (unavailablePerms) PermittedAuthMethods(string) ([]sandbox.AuthMethod, error) {
	return nil, fmt.Errorf("%w: height 7 is not committed", sandbox.ErrUnavailable)
}

func (panicFetcher) Fetch(context.Context, int, sandbox.FetchRequest) (sandbox.FetchResponse, error) {
	panic("fetcher bug")
}

// logs collects what a Runner logs.
type logs struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logs) log(msg string, keyvals ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, fmt.Sprint(append([]any{msg}, keyvals...)...))
}

// A permission read the validator cannot serve — its state read panics, or it fails with
// sandbox.ErrUnavailable — ends the run with the canonical crash (a resource failure) and is logged;
// it never reaches the action (which would catch it here) and never escapes Run. (Red team finding:
// the panic escaped Run, and in the validator it ended litd.) A panicking fetcher is a failed fetch.
func TestUnservedPermissionReadIsACrash(t *testing.T) {
	code := `Lit.Actions.getPermittedAuthMethods({tokenId: '0x01'}).then(() => {}, (e) => Lit.Actions.setResponse({response: 'caught ' + e}))`
	for name, c := range map[string]struct {
		perms sandbox.Permissions
		log   string
	}{
		"panic":       {panicPerms{&perms{}}, "out of gas in location"},
		"unavailable": {unavailablePerms{&perms{}}, "height 7 is not committed"},
	} {
		t.Run(name, func(t *testing.T) {
			e := env(code, sandbox.Limits{Timeout: 5 * time.Second})
			e.Permissions = c.perms
			l := &logs{}
			r := runner()
			r.Log = l.log
			var res sandbox.Result
			require.NotPanics(t, func() { res = r.Run(context.Background(), e) })
			require.Equal(t, sandbox.CrashError(), res.Error)
			require.Empty(t, res.Response)
			require.Empty(t, res.Reads)
			require.Len(t, l.msgs, 1)
			require.Contains(t, l.msgs[0], c.log)
		})
	}

	e := env(`fetch('https://example.com/').then(() => {}, (e) => Lit.Actions.setResponse({response: String(e)}))`, sandbox.Limits{Timeout: 5 * time.Second})
	e.Fetcher = panicFetcher{}
	var res sandbox.Result
	require.NotPanics(t, func() { res = runner().Run(context.Background(), e) })
	require.Empty(t, res.Error)
	require.Equal(t, "TypeError: fetch failed: fetcher panicked: fetcher bug", res.Response)
}

// A run in a worker gives exactly the in-process result: fetches through the parent, permission
// reads through the parent, logs, response, signatures.
func TestWorkerMatchesInProcess(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"path":%q}`, r.URL.Path)
	}))
	defer srv.Close()
	code := `(async () => {
	  const [a, b] = await Promise.all([fetch(base + '/a'), fetch(base + '/b', {method: 'POST', body: 'x'})]);
	  const ok = await Lit.Actions.isPermittedAction({tokenId: '0x01', ipfsId: 'QmOK'});
	  const all = await Lit.Actions.getPermittedActions({tokenId: '0x01'});
	  let err = ''; try { await Lit.Actions.getPermittedActions({tokenId: '0xbad'}) } catch (e) { err = String(e) }
	  const auth = [
	    await Lit.Actions.isPermittedAddress({tokenId: '0x01', address: 'lit1ok'}),
	    await Lit.Actions.getPermittedAddresses({tokenId: '0x01'}),
	    await Lit.Actions.isPermittedAuthMethod({tokenId: '0x01', authMethodType: 6, userId: new Uint8Array([1, 2])}),
	    await Lit.Actions.getPermittedAuthMethods({tokenId: '0x01'}),
	    await Lit.Actions.getPermittedAuthMethodScopes({tokenId: '0x01', authMethodType: 6, userId: '0x0102', maxScopeId: 3}),
	    Lit.Auth,
	  ];
	  await Lit.Actions.ethPersonalSignMessageEcdsa({message: 'hi', publicKey: pub, sigName: 'p'});
	  console.log('n', n, Math.random(), new Date().toISOString(), a.headers.get('content-type'));
	  await Lit.Actions.signEcdsa({toSign: new Uint8Array(32).fill(n), publicKey: pub, sigName: 's'});
	  Lit.Actions.setResponse({response: JSON.stringify([(await a.json()).path, (await b.json()).path, ok, all, err, auth])});
	})()`
	code = "const base = " + strconv.Quote(srv.URL) + "; const pub = '0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';\n" + code
	e := env(code, sandbox.Limits{Timeout: 5 * time.Second})
	e.Fetcher = &sandbox.LiveFetcher{AllowLoopback: true}
	p := &perms{}
	e.Permissions = p
	e.Auth = sandbox.Auth{ActionIPFSIDs: []string{"QmA"}, AuthSigAddress: "lit1me", AuthSigAddressHex: "0x01",
		AuthMethodContexts: []sandbox.AuthMethodContext{{AuthMethodType: 6, UserID: "bob"}}}
	got := runner().Run(context.Background(), e)
	require.Empty(t, got.Error)
	require.Equal(t, `["/a","/b",true,["QmOK","QmOther"],"TypeError: getPermittedActions: pkp 0xbad not found",`+
		`[true,["lit1owner","lit1ok"],true,[{"auth_method_type":6,"id":"0x0102","user_pubkey":"0xpk"}],[false,false,true],`+
		`{"actionIpfsIds":["QmA"],"authSigAddress":"lit1me","authSigAddressHex":"0x01","authMethodContexts":[{"authMethodType":6,"userId":"bob"}]}]]`,
		got.Response)
	require.Len(t, got.Fetches, 2)
	require.Len(t, got.Reads, 8)
	require.Equal(t, 8, p.calls)
	require.Equal(t, []sandbox.SignRequest{
		{SigName: "p", PublicKey: "0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", Kind: sandbox.SignPersonalMessage, Message: []byte("hi")},
		{SigName: "s", PublicKey: "0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", ToSign: bytes32(3)},
	}, got.SignRequests)

	// In process, on the transcript and the recorded reads: the same digest.
	e.Fetcher = sandbox.TranscriptFetcher{Fetches: got.Fetches}
	e.Permissions = &sandbox.RecordedPermissions{Reads: got.Reads}
	want := sandbox.Run(context.Background(), e)
	require.Empty(t, want.Error)
	require.Equal(t, want.Digest(), got.Digest())
	require.Equal(t, want.Logs, got.Logs)
}

// Everything an action can do to exhaust its worker ends as a failed Result with a fixed text, in
// bounded time, and the test process (the "validator") is untouched.
func TestHostileActions(t *testing.T) {
	lim := sandbox.Limits{Timeout: 2 * time.Second, MaxHeapBytes: 128 << 20}
	timeout, memory := sandbox.TimeoutError(lim), sandbox.MemoryError(lim)
	cases := []struct {
		name, code string
		want       []string
	}{
		{"1 TiB ArrayBuffer", `console.log('x'); const b = new ArrayBuffer(2**40); Lit.Actions.setResponse({response: String(b.byteLength)})`, []string{memory}},
		{"4 GiB string", `const s = "a".repeat(2**32); Lit.Actions.setResponse({response: String(s.length)})`, []string{memory, "exception: RangeError"}},
		{"deep String()", `let a = []; for (let i = 0; i < 100000; i++) a = [a]; String(a)`, []string{timeout, memory, "stack overflow: "}},
		{"infinite loop", `console.log('before'); while (true) {}`, []string{timeout}},
		{"promise storm", `const f = () => Promise.resolve().then(f).then(f); f()`, []string{timeout, memory}},
		{"heap bomb", `let a = []; while (true) a.push(new Array(1e6).fill(1))`, []string{memory, timeout}},
		// 8 × 16 MiB reach the limit in well under a second on an idle core; on a
		// loaded 2-core machine (make test runs e2e networks beside it) the
		// worker may get too little CPU to fill them before its timeout.
		{"buffer bomb", `let a = []; while (true) a.push(new Uint8Array(16 << 20).fill(1))`, []string{memory, timeout}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			res := runner().Run(context.Background(), env(c.code, lim))
			took := time.Since(start)
			require.Less(t, took, lim.Timeout+3*time.Second, "took %v", took)
			ok := false
			for _, w := range c.want {
				ok = ok || strings.HasPrefix(res.Error, w)
			}
			require.True(t, ok, "got %q after %v, want one of %q", res.Error, took, c.want)
			require.Empty(t, res.Response)
			if sandbox.IsResourceFailure(res.Error) {
				require.Empty(t, res.Logs, "a resource failure keeps no logs: where it struck depends on the machine")
			}
			t.Logf("%s: %q in %v", c.name, res.Error, took)
		})
	}
}

// Ten memory bombs at once: each worker dies alone, each run reports the same memory failure.
func TestConcurrentBombs(t *testing.T) {
	lim := sandbox.Limits{Timeout: 5 * time.Second, MaxHeapBytes: 64 << 20}
	var wg sync.WaitGroup
	results := make([]sandbox.Result, 10)
	for i := range results {
		wg.Go(func() {
			results[i] = runner().Run(context.Background(), env(`let a = []; while (true) a.push(new Uint8Array(4 << 20).fill(1))`, lim))
		})
	}
	wg.Wait()
	for _, r := range results {
		require.Equal(t, sandbox.MemoryError(lim), r.Error)
	}
}

// A timeout has one text however the run was stopped: by goja's interrupt inside the worker, or by
// the parent killing a worker stuck in a native call.
func TestTimeoutTextIsFixed(t *testing.T) {
	lim := sandbox.Limits{Timeout: 500 * time.Millisecond}
	loop := runner().Run(context.Background(), env(`let i = 0; while (true) { if (i++ % 1000 == 0) console.log(i) }`, lim))
	native := runner().Run(context.Background(), env(`JSON.stringify(JSON.parse('{"a":'.repeat(50000) + '1' + '}'.repeat(50000)))`, lim))
	require.Equal(t, sandbox.TimeoutError(lim), loop.Error)
	require.Equal(t, sandbox.TimeoutError(lim), native.Error)
	require.Equal(t, loop.Digest(), native.Digest())
}

// A fetch the deadline cuts short ends a worker's run as a timeout, and an offline run in a worker
// from that transcript ends the same way (the recorded "not completed" crosses the pipe as itself).
func TestDeadlineCutFetchReplaysAsTimeout(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hang.Close()
	code := "const url = " + strconv.Quote(hang.URL) + `;
	(async () => { try { await fetch(url) } catch (e) { Lit.Actions.setResponse({response: 'caught: ' + e}) } })()`
	lim := sandbox.Limits{Timeout: 300 * time.Millisecond}
	e := env(code, lim)
	e.Fetcher = &sandbox.LiveFetcher{AllowLoopback: true}
	live := runner().Run(context.Background(), e)
	require.Equal(t, sandbox.TimeoutError(lim), live.Error)
	require.Empty(t, live.Response)

	// The transcript validators attest: this fetch, not completed.
	require.Len(t, live.Fetches, 1)
	require.Equal(t, sandbox.ErrRunEnded.Error(), live.Fetches[0].Error)
	e.Fetcher = sandbox.TranscriptFetcher{Fetches: live.Fetches}
	offline := runner().Run(context.Background(), e)
	require.Equal(t, sandbox.TimeoutError(lim), offline.Error)
	require.Empty(t, offline.Response)
}

// Canceling the caller's context ends the worker at once.
func TestCancel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	res := runner().Run(ctx, env(`while (true) {}`, sandbox.Limits{Timeout: 30 * time.Second}))
	require.Less(t, time.Since(start), 3*time.Second)
	require.True(t, strings.HasPrefix(res.Error, sandbox.CodeCanceled+": "), res.Error)
}

// A worker that cannot start is a crash result, not a panic.
func TestMissingBinary(t *testing.T) {
	res := (&worker.Runner{Bin: "/nonexistent/litd"}).Run(context.Background(), env(`1`, sandbox.Limits{}))
	require.Equal(t, sandbox.CrashError(), res.Error)
}

// The worker refuses to run without limits.
func TestMainUsage(t *testing.T) {
	require.Equal(t, 2, worker.Main([]string{"--memory-bytes", "0"}))
}

// BenchmarkWorkerStart is the cost of one run in a fresh worker process (a trivial action),
// beside the same action in process.
func BenchmarkWorkerStart(b *testing.B) {
	e := env(`Lit.Actions.setResponse({response: String(n)})`, sandbox.Limits{})
	b.Run("in-process", func(b *testing.B) {
		for b.Loop() {
			if r := sandbox.Run(context.Background(), e); r.Error != "" {
				b.Fatal(r.Error)
			}
		}
	})
	b.Run("worker", func(b *testing.B) {
		for b.Loop() {
			if r := runner().Run(context.Background(), e); r.Error != "" {
				b.Fatal(r.Error)
			}
		}
	})
}

func bytes32(b byte) []byte {
	out := make([]byte, 32)
	for i := range out {
		out[i] = b
	}
	return out
}
