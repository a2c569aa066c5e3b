package sandbox

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// countingFetcher is a LiveFetcher whose dials are recorded.
func countingFetcher(allowLoopback bool) (*LiveFetcher, func() []string) {
	var mu sync.Mutex
	var dials []string
	f := &LiveFetcher{AllowLoopback: allowLoopback}
	f.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		dials = append(dials, addr)
		mu.Unlock()
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return f, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string{}, dials...) }
}

func TestLiveFetcherRefusesNonPublic(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "local") }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	local := "http://localhost:" + port + "/"

	f, dials := countingFetcher(false)
	for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", local, srv.URL,
		"http://[::1]:" + port + "/", "http://0.0.0.0:" + port + "/", "http://[fe80::1]/", "http://192.168.1.1/", "http://224.0.0.1/"} {
		_, err := f.Fetch(context.Background(), 0, FetchRequest{Method: "GET", URL: u})
		require.ErrorContains(t, err, "destination not allowed", u)
	}
	require.Empty(t, dials(), "a refused destination must never be dialed")

	// Through the sandbox: the refusal is a fetch failure the action sees.
	e := env(`(async () => {
		for (const u of urls) { try { await fetch(u); console.log('fetched', u); } catch (e) { console.log(String(e)); } }
	})()`, map[string]any{"urls": []string{"http://169.254.169.254/", "http://10.0.0.1/", local}})
	e.Fetcher = f
	res := Run(context.Background(), e)
	require.Empty(t, res.Error)
	require.Equal(t, []string{
		"TypeError: fetch failed: Get \"http://169.254.169.254/\": destination not allowed: 169.254.169.254 resolves to non-public address 169.254.169.254",
		"TypeError: fetch failed: Get \"http://10.0.0.1/\": destination not allowed: 10.0.0.1 resolves to non-public address 10.0.0.1",
	}, res.Logs[:2])
	require.Contains(t, res.Logs[2], "destination not allowed: localhost resolves to non-public address")
	require.Len(t, res.Fetches, 3)
	require.Contains(t, res.Fetches[0].Error, "destination not allowed")
	require.Empty(t, dials())

	// AllowLoopback opens loopback only: private and link-local stay refused.
	f, dials = countingFetcher(true)
	for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://192.168.1.1/", "http://[fe80::1]/"} {
		_, err := f.Fetch(context.Background(), 0, FetchRequest{Method: "GET", URL: u})
		require.ErrorContains(t, err, "destination not allowed", u)
	}
	require.Empty(t, dials(), "a refused destination must never be dialed")
	resp, err := f.Fetch(context.Background(), 0, FetchRequest{Method: "GET", URL: local})
	require.NoError(t, err)
	require.Equal(t, "local", string(resp.Body))
	require.NotEmpty(t, dials())
	e.Fetcher = f
	e.Code = `(async () => { Lit.Actions.setResponse({response: await (await fetch(urls[2])).text()}) })()`
	require.Equal(t, "local", Run(context.Background(), e).Response)
}

func TestLiveFetcher(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			fmt.Fprint(w, strings.Repeat("x", 101))
		case "/redirect":
			http.Redirect(w, r, "/exact", http.StatusFound)
		case "/long-type":
			w.Header().Set("Content-Type", strings.Repeat("t", MaxAttestedHeaderBytes+1))
			w.Header().Add("Content-Type", "second/value")
		case "/two-types":
			w.Header().Add("Content-Type", "first/value")
			w.Header().Add("Content-Type", "second/value")
		case "/huge-headers":
			w.Header().Set("X-Pad", strings.Repeat("p", 20<<10))
		default:
			w.Header().Add("B", "2")
			w.Header().Add("A", "1")
			w.Header().Add("Content-Type", "text/plain; charset=x")
			w.Header().Add("Date", "differs on every validator")
			w.WriteHeader(201)
			fmt.Fprint(w, strings.Repeat("y", 100))
		}
	}))
	defer srv.Close()
	f := &LiveFetcher{AllowLoopback: true, MaxBodyBytes: 100}
	_, err := f.Fetch(context.Background(), 0, FetchRequest{Method: "GET", URL: srv.URL + "/big"})
	require.EqualError(t, err, "fetch body too large: more than 100 bytes")
	resp, err := f.Fetch(context.Background(), 0, FetchRequest{Method: "GET", URL: srv.URL + "/redirect"})
	require.NoError(t, err)
	require.Equal(t, 201, resp.Status)
	require.Len(t, resp.Body, 100)
	var names []string
	for _, h := range resp.Headers {
		names = append(names, h.Name+"="+h.Value)
	}
	// Only the attested headers reach the action, in both runs.
	require.Equal(t, []string{"Content-Type=text/plain; charset=x"}, names)
	// The first value only, and only when short; a response whose header lines are huge fails.
	resp, err = f.Fetch(context.Background(), 0, FetchRequest{Method: "GET", URL: srv.URL + "/two-types"})
	require.NoError(t, err)
	require.Equal(t, []Header{{"Content-Type", "first/value"}}, resp.Headers)
	resp, err = f.Fetch(context.Background(), 0, FetchRequest{Method: "GET", URL: srv.URL + "/long-type"})
	require.NoError(t, err)
	require.Empty(t, resp.Headers)
	_, err = f.Fetch(context.Background(), 0, FetchRequest{Method: "GET", URL: srv.URL + "/huge-headers"})
	require.ErrorContains(t, err, "header")
	require.LessOrEqual(t, len(FetchError(fmt.Errorf("%s", strings.Repeat("e", 5000)))), MaxFetchErrorBytes)
	_, err = f.Fetch(context.Background(), 0, FetchRequest{Method: "GET", URL: "file:///etc/passwd"})
	require.ErrorContains(t, err, "only http and https")

	// Proxy settings are ignored: the proxy would be dialed instead of the checked destination.
	t.Setenv("HTTP_PROXY", "http://127.0.0.1:1")
	resp, err = (&LiveFetcher{AllowLoopback: true}).Fetch(context.Background(), 0, FetchRequest{Method: "GET", URL: srv.URL})
	require.NoError(t, err)
	require.Equal(t, 201, resp.Status)
}

func TestPublicIP(t *testing.T) {
	for ip, want := range map[string]bool{
		"8.8.8.8": true, "1.1.1.1": true, "2606:4700::1111": true,
		"127.0.0.1": false, "127.1.2.3": false, "::1": false, "10.0.0.1": false, "172.16.0.1": false, "172.31.255.255": false,
		"192.168.0.1": false, "169.254.169.254": false, "fe80::1": false, "fc00::1": false, "fd00::1": false,
		"0.0.0.0": false, "::": false, "224.0.0.1": false, "ff02::1": false, "100.100.100.200": false,
		"255.255.255.255": false, "::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "172.32.0.1": true,
		// Forms that embed or translate to an IPv4 address, and non-global IPv6 ranges.
		"64:ff9b::a00:1": false, "64:ff9b::7f00:1": false, "64:ff9b::808:808": false, // NAT64 (even of a public address)
		"64:ff9b:1::a00:1": false,                        // local-use NAT64
		"2002:7f00:1::1":   false, "2002:a00:1::": false, // 6to4
		"2001:0:4136:e378:8000:63bf:3fff:fdd2": false,                                       // Teredo
		"::7f00:1":                             false, "::a00:1": false, "::808:808": false, // IPv4-compatible
		"fec0::1": false, "feff::1": false, // site-local
		"2001:db8::1": false, "100::1": false, "192.0.2.1": false, "203.0.113.9": false,
		"2001:4860:4860::8888": true, "2a00:1450::1": true,
		"::ffff:0:7f00:1": false, "::ffff:0:a00:1": false, // IPv4-translated
	} {
		require.Equal(t, want, PublicIP(netip.MustParseAddr(ip)), ip)
	}
}
