package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/sha3"
)

// secp256k1 generator G, uncompressed.
const pubG = "0x0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798" +
	"483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"

var now = time.Date(2026, 1, 2, 3, 4, 5, 678e6, time.UTC)

func env(code string, params any) Env {
	p, _ := json.Marshal(params)
	if params == nil {
		p = nil
	}
	return Env{Code: code, JSParams: string(p), Now: now, Seed: [32]byte{1}, Fetcher: &LiveFetcher{AllowLoopback: true}}
}

func run(t *testing.T, e Env) Result {
	t.Helper()
	return Run(context.Background(), e)
}

const primeAction = `
const check = (n) => {
  if (!Number.isInteger(n) || n < 2) return 'it is not an integer >= 2';
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return 'it is divisible by ' + d;
  return '';
};
(async () => {
  const why = check(number);
  if (why) {
    Lit.Actions.setResponse({ response: JSON.stringify({ signed: false, reason: number + ' is not prime: ' + why }) });
    return;
  }
  // toSign = SHA-256 of the decimal string of the number.
  const toSign = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(String(number))));
  await Lit.Actions.signEcdsa({ toSign, publicKey, sigName: 'prime' });
  Lit.Actions.setResponse({ response: JSON.stringify({ signed: true, number }) });
})();
`

func TestPrime(t *testing.T) {
	res := run(t, env(primeAction, map[string]any{"number": 7919, "publicKey": pubG}))
	require.Empty(t, res.Error)
	sum := sha256.Sum256([]byte("7919"))
	require.Equal(t, []SignRequest{{SigName: "prime", PublicKey: pubG, ToSign: sum[:]}}, res.SignRequests)
	require.JSONEq(t, `{"signed":true,"number":7919}`, res.Response)

	res = run(t, env(primeAction, map[string]any{"number": 7917, "publicKey": pubG}))
	require.Empty(t, res.Error)
	require.Empty(t, res.SignRequests)
	require.JSONEq(t, `{"signed":false,"reason":"7917 is not prime: it is divisible by 3"}`, res.Response)
}

func TestResponseAndLogs(t *testing.T) {
	res := run(t, env(`
		Lit.Actions.setResponse({response: 'first'});
		console.log('hello', 42, {a: [1, 2]}, null, undefined);
		console.error(new Error('bad'));
		console.info(jsParams.x, x);
		Lit.Actions.setResponse({response: 'last'});
	`, map[string]any{"x": "y"}))
	require.Empty(t, res.Error)
	require.Equal(t, "last", res.Response)
	require.Equal(t, []string{`hello 42 {"a":[1,2]} null undefined`, "Error: bad", "y y"}, res.Logs)

	e := env(`for (let i = 0; i < 100; i++) console.log('0123456789')`, nil)
	e.Limits.MaxLogBytes = 50
	res = run(t, e)
	require.Empty(t, res.Error)
	require.Equal(t, []string{"0123456789", "0123456789", "0123456789", "0123456789", "[logs truncated]"}, res.Logs)

	res = run(t, env(`Lit.Actions.setResponse({response: 5})`, nil))
	require.Contains(t, res.Error, "exception: TypeError: setResponse: response must be a string")
}

// server answers /a, /b, /c only once all three requests are in flight (so they must be concurrent),
// and answers them in reverse order.
func concurrentServer(t *testing.T) *httptest.Server {
	var mu sync.Mutex
	arrived := map[string]chan struct{}{"/a": make(chan struct{}), "/b": make(chan struct{}), "/c": make(chan struct{})}
	all := make(chan struct{})
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		if n == 3 {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
		case <-time.After(time.Second):
			http.Error(w, "not concurrent", http.StatusTeapot)
			return
		}
		switch r.URL.Path { // reverse order: c, then b, then a
		case "/b":
			<-arrived["/c"]
		case "/a":
			<-arrived["/b"]
		}
		w.Header().Set("X-Path", r.URL.Path) // not attested: the action never sees it
		w.Header().Set("Content-Type", "application/json; p="+r.URL.Path)
		fmt.Fprintf(w, `{"path":%q,"method":%q,"q":%q}`, r.URL.Path, r.Method, r.Header.Get("X-Q"))
		close(arrived[r.URL.Path])
	}))
	t.Cleanup(srv.Close)
	return srv
}

const fetchAction = `
(async () => {
  const paths = ['/a', '/b', '/c'];
  const rs = await Promise.all(paths.map((p) => fetch(base + p, { method: 'post', headers: { 'X-Q': p }, body: 'hi' })
    .then((r) => { console.log('settled', p); return r; })));
  const out = [];
  for (const r of rs) {
    const j = await r.json();
    out.push([r.status, r.ok, r.headers.get('content-type'), r.headers.get('x-path'), j.path, j.method, j.q]);
  }
  console.log('random', Math.random());
  Lit.Actions.setResponse({ response: JSON.stringify(out) });
})();
`

func TestFetchAndReplay(t *testing.T) {
	srv := concurrentServer(t)
	e := env(fetchAction, map[string]any{"base": srv.URL})
	live := run(t, e)
	require.Empty(t, live.Error)
	require.Equal(t, `[[200,true,"application/json; p=/a",null,"/a","POST","/a"],[200,true,"application/json; p=/b",null,"/b","POST","/b"],`+
		`[200,true,"application/json; p=/c",null,"/c","POST","/c"]]`, live.Response)
	require.Len(t, live.Fetches, 3)
	// The server answered c, b, a; the action saw them settle in issue order.
	require.Equal(t, []string{"settled /a", "settled /b", "settled /c"}, live.Logs[:3])
	for i, p := range []string{"/a", "/b", "/c"} {
		f := live.Fetches[i]
		require.Equal(t, FetchRequest{Method: "POST", URL: srv.URL + p, Headers: []Header{{"X-Q", p}}, Body: []byte("hi")}, f.Request)
		require.Empty(t, f.Error)
		require.Equal(t, 200, f.Response.Status)
		require.Contains(t, string(f.Response.Body), `"path":"`+p+`"`)
	}
	srv.Close()

	// Offline replay against the transcript gives the same digest.
	e.Fetcher = TranscriptFetcher{Fetches: live.Fetches}
	replay := run(t, e)
	require.Empty(t, replay.Error)
	require.Equal(t, live.Digest(), replay.Digest())
	require.Equal(t, live.Response, replay.Response)

	// A different attested body changes the result.
	changed := append([]Fetch{}, live.Fetches...)
	resp := *changed[1].Response
	resp.Body = []byte(`{"path":"/x","method":"POST","q":"/b"}`)
	changed[1].Response = &resp
	e.Fetcher = TranscriptFetcher{Fetches: changed}
	res := run(t, e)
	require.Empty(t, res.Error)
	require.NotEqual(t, live.Digest(), res.Digest())
	require.Contains(t, res.Response, `"/x"`)

	// A request that differs from the attested one fails the run, the same way every time.
	changed[2].Request.URL += "?other"
	e.Fetcher = TranscriptFetcher{Fetches: changed}
	r1, r2 := run(t, e), run(t, e)
	require.True(t, strings.HasPrefix(r1.Error, "fetch not attested: request 2 (POST "), r1.Error)
	require.Equal(t, r1.Digest(), r2.Digest())

	// A missing entry as well; an attested failure replays as the same failure.
	e.Fetcher = TranscriptFetcher{Fetches: live.Fetches[:2]}
	require.Contains(t, run(t, e).Error, "fetch not attested: request 2 (POST "+srv.URL+"/c) is not in the transcript")
	failed := append([]Fetch{}, live.Fetches...)
	failed[0] = Fetch{Request: failed[0].Request, Error: "connection refused"}
	e.Fetcher = TranscriptFetcher{Fetches: failed}
	require.Equal(t, "exception: unhandled rejection: TypeError: fetch failed: connection refused", run(t, e).Error)
}

func TestDeterminism(t *testing.T) {
	code := `Lit.Actions.setResponse({response: JSON.stringify([Math.random(), Math.random(), Date.now(), new Date().toISOString()])})`
	a, b := run(t, env(code, nil)), run(t, env(code, nil))
	require.Empty(t, a.Error)
	require.Equal(t, a.Response, b.Response)
	require.Contains(t, a.Response, `,1767323045678,"2026-01-02T03:04:05.678Z"]`)
	e := env(code, nil)
	e.Seed[0] = 2
	c := run(t, e)
	require.NotEqual(t, a.Response, c.Response)
	require.Equal(t, a.Response[strings.Index(a.Response, ",1767"):], c.Response[strings.Index(c.Response, ",1767"):])
}

func TestPermissionsAndTokenID(t *testing.T) {
	e := env(`(async () => {
		const id = Lit.Actions.pubkeyToTokenId({publicKey});
		const id2 = Lit.Actions.pubkeyToTokenId({publicKey: compressed});
		const list = await Lit.Actions.getPermittedActions({tokenId: '0x01'});
		const yes = await Lit.Actions.isPermittedAction({tokenId: '0x01', ipfsId: 'QmB'});
		const no = await Lit.Actions.isPermittedAction({tokenId: '0x01', ipfsId: 'QmC'});
		let err = '';
		try { await Lit.Actions.getPermittedActions({tokenId: 'bad'}); } catch (e) { err = String(e); }
		Lit.Actions.setResponse({response: JSON.stringify({id, same: id === id2, list, isArray: Array.isArray(list), yes, no, err})});
	})()`, map[string]any{"publicKey": pubG, "compressed": "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"})
	e.Permissions = actionPerms(map[string][]string{"0x01": {"QmA", "QmB"}})
	res := run(t, e)
	require.Empty(t, res.Error)
	b, _ := hex.DecodeString(pubG[2:])
	h := sha3.NewLegacyKeccak256()
	h.Write(b)
	want := "0x" + hex.EncodeToString(h.Sum(nil))
	require.JSONEq(t, fmt.Sprintf(`{"id":%q,"same":true,"list":["QmA","QmB"],"isArray":true,"yes":true,"no":false,
		"err":"TypeError: getPermittedActions: no such pkp"}`, want), res.Response)

	e.Permissions = nil
	e.Code = `Lit.Actions.isPermittedAction({tokenId: '1', ipfsId: 'Qm'})`
	require.Equal(t, "exception: unhandled rejection: TypeError: isPermittedAction: permissions are not available", run(t, e).Error)
}

func TestSignEcdsaValidation(t *testing.T) {
	for code, want := range map[string]string{
		`Lit.Actions.signEcdsa({toSign: [1, 2], publicKey, sigName: 's'})`:                       "toSign must be 32 bytes, got 2",
		`Lit.Actions.signEcdsa({toSign: new Array(32).fill(256), publicKey, sigName: 's'})`:      "toSign must contain integers 0..255",
		`Lit.Actions.signEcdsa({toSign: 'x'.repeat(32), publicKey, sigName: 's'})`:               "toSign must be a Uint8Array",
		`Lit.Actions.signEcdsa({toSign: new Uint8Array(32), publicKey: '0x04ab', sigName: 's'})`: "publicKey: ",
		`Lit.Actions.signEcdsa({toSign: new Uint8Array(32), publicKey})`:                         "sigName is required",
		`(async () => { const a = {toSign: new Uint8Array(32), publicKey, sigName: 's'};
		   await Lit.Actions.signEcdsa(a); await Lit.Actions.signEcdsa(a); })()`: `sigName "s" already used`,
	} {
		res := run(t, env(code, map[string]any{"publicKey": pubG}))
		require.True(t, strings.HasPrefix(res.Error, "exception: "), res.Error)
		require.Contains(t, res.Error, want)
		require.Empty(t, res.SignRequests)
	}
}

// Hostile actions: each ends with its error code, without a panic, in bounded time.
func TestHostile(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hang.Close()
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer ok.Close()
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Repeat("x", 2000))
	}))
	defer big.Close()

	cases := []struct {
		name, code, want string
		limits           Limits
		max              time.Duration
	}{
		{"busy loop", `while (true) {}`, "timeout: the action did not finish within 300ms", Limits{Timeout: 300 * time.Millisecond}, 2 * time.Second},
		{"async busy loop", `(async () => { while (true) { await null; } })()`, "timeout: ", Limits{Timeout: 300 * time.Millisecond}, 2 * time.Second},
		{"hanging fetch", `fetch(hang)`, "timeout: ", Limits{Timeout: 300 * time.Millisecond}, 2 * time.Second},
		// Memory bombs need the worker process's hard limit: see package worker's tests.
		{"deep recursion", `function f(n) { return f(n + 1) + 1; } f(0)`, "stack overflow: call stack exceeded 2000 frames", Limits{}, 2 * time.Second},
		{"native recursion", `function f() { [1].forEach(f); } f()`, "stack overflow: ", Limits{MaxCallStack: 500}, 2 * time.Second},
		{"recursion caught", `function f() { f(); } try { f() } catch (e) {} Lit.Actions.setResponse({response: 'x'})`, "stack overflow: ", Limits{}, 2 * time.Second},
		{"1000 fetches", `for (let i = 0; i < 1000; i++) fetch(ok);`, "fetch limit: more than 50 fetches", Limits{}, 2 * time.Second},
		{"fetch limit caught", `(async () => { for (let i = 0; i < 1000; i++) { try { await fetch(ok) } catch (e) {} } })()`,
			"fetch limit: more than 3 fetches", Limits{MaxFetches: 3}, 2 * time.Second},
		{"signatures", `for (let i = 0; i < 20; i++) Lit.Actions.signEcdsa({toSign: new Uint8Array(32), publicKey: pub, sigName: 's' + i})`,
			"signature limit: more than 10 signatures", Limits{}, 2 * time.Second},
		{"huge response", `Lit.Actions.setResponse({response: 'x'.repeat(100000)})`,
			"response too large: response is 100000 bytes, more than 65536", Limits{}, 2 * time.Second},
		{"body over limit", `(async () => { await fetch(big) })()`,
			"exception: unhandled rejection: TypeError: fetch failed: fetch body too large: more than 1000 bytes", Limits{MaxFetchBodyBytes: 1000}, 2 * time.Second},
		{"syntax error", `let x = ;`, "syntax error: action.js: Line 1:9 Unexpected token ;", Limits{}, 2 * time.Second},
		{"thrown", "\nthrow new Error('boom')", "exception: Error: boom at action.js:2:7", Limits{}, 2 * time.Second},
		{"async thrown", `(async () => { await null; throw new RangeError('late') })()`, "exception: unhandled rejection: RangeError: late", Limits{}, 2 * time.Second},
		{"huge token id", `Lit.Actions.getPermittedActions({tokenId: 'x'.repeat(1 << 20)})`,
			"exception: unhandled rejection: TypeError: getPermittedActions: tokenId is longer than 128 bytes", Limits{}, 2 * time.Second},
		{"huge sigName", `Lit.Actions.signEcdsa({toSign: new Uint8Array(32), publicKey: pub, sigName: 's'.repeat(65)})`,
			"exception: unhandled rejection: TypeError: signEcdsa: sigName is longer than 64 bytes", Limits{}, 2 * time.Second},
		{"bad url", `fetch('file:///etc/passwd')`, `exception: unhandled rejection: TypeError: fetch: "file:///etc/passwd" is not an absolute http(s) URL`, Limits{}, 2 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := env(c.code, map[string]any{"hang": hang.URL, "ok": ok.URL, "big": big.URL, "pub": pubG})
			e.Fetcher = &LiveFetcher{AllowLoopback: true, MaxBodyBytes: 1 << 20}
			e.Limits = c.limits
			start := time.Now()
			res := run(t, e)
			require.Less(t, time.Since(start), c.max)
			match := false
			for _, w := range strings.Split(c.want, "|") {
				match = match || strings.HasPrefix(res.Error, w)
			}
			require.True(t, match, "got %q, want prefix %q", res.Error, c.want)
			require.Empty(t, res.Response)
			require.Empty(t, res.SignRequests)
		})
	}
}

// ctxFetcher holds every fetch until the run's context ends and then fails it
// with the context's error, as a live fetch cut by the deadline does.
type ctxFetcher struct{}

func (ctxFetcher) Fetch(ctx context.Context, _ int, _ FetchRequest) (FetchResponse, error) {
	<-ctx.Done()
	return FetchResponse{}, ctx.Err()
}

// A fetch that the run's deadline cuts short ends the run as a timeout, every
// time: the fetch failing (which an action could catch, or which rejects
// with a timing-dependent message) and the deadline happen together, and
// which is seen first must not change the result validators report. An
// offline run from that transcript (a validator's final run, a Verify
// replay) ends the same way, with a deadline it does not reach.
func TestDeadlineDuringFetchIsTimeout(t *testing.T) {
	for _, code := range []string{
		`(async () => { await fetch('https://example.com/') })()`,
		`(async () => { try { await fetch('https://example.com/') } catch (e) { Lit.Actions.setResponse({response: 'caught'}) } })()`,
	} {
		for range 50 {
			e := env(code, nil)
			e.Fetcher, e.Limits = ctxFetcher{}, Limits{Timeout: 20 * time.Millisecond}
			res := run(t, e)
			require.Equal(t, TimeoutError(e.Limits), res.Error, code)
			require.Empty(t, res.Response)
			require.Len(t, res.Fetches, 1)
			require.Equal(t, ErrRunEnded.Error(), res.Fetches[0].Error)

			offline := env(code, nil)
			offline.Fetcher, offline.Limits = TranscriptFetcher{Fetches: res.Fetches}, e.Limits
			require.Equal(t, res, run(t, offline), code)
		}
	}
}

func TestInvalidParams(t *testing.T) {
	for params, want := range map[string]string{
		`[1]`:                 "invalid params: jsParams must be a JSON object",
		`{"a":`:               "invalid params: jsParams is not valid JSON",
		`{"Lit":1}`:           `invalid params: jsParams key "Lit" is reserved`,
		`{"jsParams":{}}`:     `invalid params: jsParams key "jsParams" is reserved`,
		`null`:                "invalid params: jsParams must be a JSON object",
		`{"fetch":"x","a":1}`: `invalid params: jsParams key "fetch" is reserved`,
		`{"LitAuth":{}}`:      `invalid params: jsParams key "LitAuth" is reserved`,
		`{"__proto__":{}}`:    `invalid params: jsParams key "__proto__" is reserved`,
		`{"Object":1}`:        `invalid params: jsParams key "Object" is reserved`,
	} {
		e := env(`1`, nil)
		e.JSParams = params
		require.True(t, strings.HasPrefix(run(t, e).Error, want), params)
	}
}

func TestDigest(t *testing.T) {
	r := Result{Response: "r", Logs: []string{"a", "b"}, SignRequests: []SignRequest{{SigName: "s", PublicKey: "0x04", ToSign: []byte{1}}}}
	d := r.Digest()
	r2 := r
	r2.Fetches = []Fetch{{Error: "x"}}
	require.Equal(t, d, r2.Digest(), "fetches are not digested")
	for _, m := range []func(*Result){
		func(r *Result) { r.Response = "r2" },
		func(r *Result) { r.Logs = []string{"ab"} },
		func(r *Result) { r.Logs = []string{"a", "b", ""} },
		func(r *Result) { r.SignRequests = nil },
		func(r *Result) { r.SignRequests = []SignRequest{{SigName: "s", PublicKey: "0x04", ToSign: []byte{2}}} },
		func(r *Result) {
			r.SignRequests = []SignRequest{{SigName: "s", PublicKey: "0x04", ToSign: []byte{1}, Kind: SignPersonalMessage}}
		},
		func(r *Result) {
			r.SignRequests = []SignRequest{{SigName: "s", PublicKey: "0x04", ToSign: []byte{1}, Message: []byte{1}}}
		},
		func(r *Result) { r.Error = "exception: x" },
	} {
		c := r
		m(&c)
		require.NotEqual(t, d, c.Digest())
	}
	// Every field of a read and a sign request is digested: one field changed, another digest.
	digests := map[[32]byte]int{}
	for i, rd := range []PermissionRead{{}, {Op: "o"}, {TokenID: "t"}, {CID: "c"}, {Permitted: true}, {CIDs: []string{""}},
		{Error: "e"}, {Address: "a"}, {AuthMethodType: 1}, {UserID: "u"}, {Addresses: []string{""}},
		{AuthMethods: []AuthMethod{{}}}, {AuthMethods: []AuthMethod{{Type: 1}}}, {AuthMethods: []AuthMethod{{ID: "i"}}},
		{AuthMethods: []AuthMethod{{UserPubkey: "p"}}}, {Scopes: []uint64{0}}, {Scopes: []uint64{1}}} {
		digests[Result{Reads: []PermissionRead{rd}}.Digest()] = i
	}
	for i, sr := range []SignRequest{{}, {SigName: "s"}, {PublicKey: "p"}, {ToSign: []byte{1}}, {Kind: SignPersonalMessage},
		{Message: []byte{1}}} {
		digests[Result{SignRequests: []SignRequest{sr}}.Digest()] = 100 + i
	}
	require.Len(t, digests, 17+6)

	// The encoding documented in doc.go, written out by hand.
	u := func(n byte) string { return "\x00\x00\x00\x00\x00\x00\x00" + string([]byte{n}) }
	enc := "litd/actions/sandbox/result/v1" + u(1) + "r" + u(2) + u(1) + "a" + u(1) + "b" +
		u(1) + u(1) + "s" + u(4) + "0x04" + u(1) + "\x01" + u(0) + u(0) + u(0) + u(0)
	require.Equal(t, sha256.Sum256([]byte(enc)), d)
}

// A long native call ignores Interrupt: Run gives up on the VM after the grace period. Keep this test
// last: the abandoned goroutine keeps a CPU busy until the call returns.
func TestAbandonNativeCall(t *testing.T) {
	old := abandonGrace
	abandonGrace = 200 * time.Millisecond
	defer func() { abandonGrace = old }()
	e := env(`JSON.stringify(JSON.parse('{"a":'.repeat(50000) + '1' + '}'.repeat(50000)))`, nil)
	e.Limits.Timeout = time.Second // parse is done by then; stringify (quadratic in goja) takes many seconds
	start := time.Now()
	res := run(t, e)
	require.Less(t, time.Since(start), 2500*time.Millisecond)
	// The same text as any other timeout: validators agree however the run was stopped.
	require.Equal(t, "timeout: the action did not finish within 1s", res.Error)
	require.Equal(t, TimeoutError(e.Limits), res.Error)
}

// fakePKP is one PKP of fakePerms.
type fakePKP struct {
	actions, addresses []string
	authMethods        []AuthMethod
	scopes             map[string][]uint64 // by "type/userId"
}

// fakePerms answers permission reads from PKPs by token id; a list of an unknown PKP is an error.
type fakePerms map[string]fakePKP

func (m fakePerms) IsPermittedAction(tokenID, cid string) (bool, error) {
	return slices.Contains(m[tokenID].actions, cid), nil
}

func (m fakePerms) PermittedActions(tokenID string) ([]string, error) {
	p, ok := m[tokenID]
	if !ok {
		return nil, errors.New("no such pkp")
	}
	return p.actions, nil
}

func (m fakePerms) IsPermittedAddress(tokenID, address string) (bool, error) {
	return slices.Contains(m[tokenID].addresses, address), nil
}

func (m fakePerms) PermittedAddresses(tokenID string) ([]string, error) {
	p, ok := m[tokenID]
	if !ok {
		return nil, errors.New("no such pkp")
	}
	return p.addresses, nil
}

func (m fakePerms) IsPermittedAuthMethod(tokenID string, typ uint64, userID string) (bool, error) {
	_, ok := m[tokenID].scopes[fmt.Sprintf("%d/%s", typ, userID)]
	return ok, nil
}

func (m fakePerms) PermittedAuthMethods(tokenID string) ([]AuthMethod, error) {
	p, ok := m[tokenID]
	if !ok {
		return nil, errors.New("no such pkp")
	}
	return p.authMethods, nil
}

func (m fakePerms) AuthMethodScopes(tokenID string, typ uint64, userID string) ([]uint64, error) {
	return m[tokenID].scopes[fmt.Sprintf("%d/%s", typ, userID)], nil
}

// actionPerms are PKPs that permit actions only.
func actionPerms(cids map[string][]string) fakePerms {
	m := fakePerms{}
	for id, c := range cids {
		m[id] = fakePKP{actions: c}
	}
	return m
}

// Permission reads are recorded in call order with their answers; a replay answers from the
// record, so it matches whatever the PKP's permissions are today, and fails if the code reads
// something else.
func TestPermissionReadsRecorded(t *testing.T) {
	code := `(async () => {
  const a = await Lit.Actions.getPermittedActions({tokenId: '0x01'});
  const b = await Lit.Actions.isPermittedAction({tokenId: '0x01', ipfsId: 'QmB'});
  let c; try { await Lit.Actions.getPermittedActions({tokenId: '0x02'}) } catch (e) { c = e.message }
  Lit.Actions.setResponse({response: JSON.stringify([a, b, c])});
})()`
	e := env(code, nil)
	e.Permissions = actionPerms(map[string][]string{"0x01": {"QmA", "QmB"}})
	live := run(t, e)
	require.Empty(t, live.Error)
	require.Equal(t, `[["QmA","QmB"],true,"getPermittedActions: no such pkp"]`, live.Response)
	require.Equal(t, []PermissionRead{
		{Op: "getPermittedActions", TokenID: "0x01", CIDs: []string{"QmA", "QmB"}},
		{Op: "isPermittedAction", TokenID: "0x01", CID: "QmB", Permitted: true},
		{Op: "getPermittedActions", TokenID: "0x02", Error: "no such pkp"},
	}, live.Reads)

	// Today the PKP permits nothing: the replay still sees the recorded answers.
	e.Permissions = &RecordedPermissions{Reads: live.Reads}
	replay := run(t, e)
	require.Equal(t, live.Digest(), replay.Digest())

	// A changed read digest-differs: the record is part of the result.
	changed := append([]PermissionRead(nil), live.Reads...)
	changed[1].Permitted = false
	e.Permissions = &RecordedPermissions{Reads: changed}
	require.NotEqual(t, live.Digest(), run(t, e).Digest())

	// Code that reads something else than the record fails the replay.
	e.Code = strings.Replace(code, "ipfsId: 'QmB'", "ipfsId: 'QmC'", 1)
	e.Permissions = &RecordedPermissions{Reads: live.Reads}
	require.Contains(t, run(t, e).Error, "differs from the record")
}

// Permission reads are bounded in number and in the bytes their answers add to the result.
func TestPermissionReadBounds(t *testing.T) {
	many := make([]string, 100)
	for i := range many {
		many[i] = fmt.Sprintf("Qm%044d", i)
	}
	e := env(`(async () => { for (let i = 0; i < 100; i++) await Lit.Actions.getPermittedActions({tokenId: '0x01'}) })()`, nil)
	e.Permissions = actionPerms(map[string][]string{"0x01": many})
	res := run(t, e)
	require.Equal(t, "fetch limit: more than 256 permission reads or 32768 bytes of their answers", res.Error)
	e = env(`(async () => { for (let i = 0; i < 300; i++) await Lit.Actions.isPermittedAction({tokenId: '0x01', ipfsId: 'QmA'}) })()`, nil)
	e.Permissions = actionPerms(map[string][]string{})
	require.Equal(t, "fetch limit: more than 256 permission reads or 32768 bytes of their answers", run(t, e).Error)
}

// A resource failure keeps nothing that depends on where it struck: no logs, no reads. A failure
// the action causes (an exception) keeps the logs before it. Errors are bounded.
func TestFailureResults(t *testing.T) {
	e := env(`console.log('before'); Lit.Actions.isPermittedAction({tokenId: '0x01', ipfsId: 'QmA'}); while (true) {}`, nil)
	e.Permissions = actionPerms(map[string][]string{})
	e.Limits.Timeout = 200 * time.Millisecond
	res := run(t, e)
	require.Equal(t, TimeoutError(e.Limits), res.Error)
	require.Empty(t, res.Logs)
	require.Empty(t, res.Reads)
	require.True(t, IsResourceFailure(res.Error))

	res = run(t, env(`console.log('before'); throw new Error('x'.repeat(5000))`, nil))
	require.Equal(t, []string{"before"}, res.Logs)
	require.True(t, strings.HasPrefix(res.Error, "exception: Error: xxx"), res.Error)
	require.LessOrEqual(t, len(res.Error), 1024)
	require.False(t, IsResourceFailure(res.Error))
	require.False(t, IsResourceFailure("exception: timeout: not really"))
	require.True(t, IsResourceFailure(MemoryError(Limits{})))
	require.True(t, IsResourceFailure(CrashError()))
}
