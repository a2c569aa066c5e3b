package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"sync"
	"time"
)

// ErrNotAttested is returned (wrapped) by TranscriptFetcher; Run turns it into a "fetch not attested:" failure.
var ErrNotAttested = errors.New("fetch not attested")

// ErrRunEnded is the recorded error of a fetch the run's end cut short. The action never sees it:
// live, the run ends as its deadline ends it (timeout); replayed from a transcript, it ends the
// run the same way, so an offline run reproduces the live one.
var ErrRunEnded = errors.New("fetch not completed: the run ended first")

// ErrDestinationNotAllowed and ErrBodyTooLarge are wrapped by LiveFetcher's errors, so callers (the engine's
// metrics) can tell why a fetch failed. The error text is what validators attest: keep it unchanged.
var (
	ErrDestinationNotAllowed = errors.New("destination not allowed")
	ErrBodyTooLarge          = errors.New("fetch body too large")
)

// TranscriptFetcher replays attested fetches: the i-th fetch must equal the i-th recorded request.
type TranscriptFetcher struct{ Fetches []Fetch }

// Fetch implements Fetcher.
func (t TranscriptFetcher) Fetch(_ context.Context, i int, req FetchRequest) (FetchResponse, error) {
	if i < 0 || i >= len(t.Fetches) {
		return FetchResponse{}, fmt.Errorf("%w: request %d (%s %s) is not in the transcript", ErrNotAttested, i, req.Method, req.URL)
	}
	f := t.Fetches[i]
	if !equalRequest(f.Request, req) {
		return FetchResponse{}, fmt.Errorf("%w: request %d (%s %s) differs from the attested request (%s %s)",
			ErrNotAttested, i, req.Method, req.URL, f.Request.Method, f.Request.URL)
	}
	if f.Error == ErrRunEnded.Error() {
		return FetchResponse{}, ErrRunEnded
	}
	if f.Error != "" {
		return FetchResponse{}, errors.New(f.Error)
	}
	if f.Response == nil {
		return FetchResponse{}, fmt.Errorf("%w: request %d has no attested response", ErrNotAttested, i)
	}
	return *f.Response, nil
}

func equalRequest(a, b FetchRequest) bool {
	return a.Method == b.Method && a.URL == b.URL && bytes.Equal(a.Body, b.Body) && slices.Equal(a.Headers, b.Headers)
}

// LiveFetcher performs real HTTP(S) requests. Unless AllowLoopback, it refuses any destination that
// resolves to a non-public address; the check runs on the resolved IPs right before dialing them (so
// DNS rebinding cannot bypass it), and it ignores proxy settings. Use it by pointer; do not copy.
type LiveFetcher struct {
	AllowLoopback bool
	MaxBodyBytes  int           // default 1 MiB
	Timeout       time.Duration // per fetch, default 10 s

	once   sync.Once
	client *http.Client
	// dial connects to an already-checked IP address; tests replace it to observe dials.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Fetch implements Fetcher.
func (f *LiveFetcher) Fetch(ctx context.Context, _ int, req FetchRequest) (FetchResponse, error) {
	f.once.Do(f.init)
	if u, err := url.Parse(req.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return FetchResponse{}, fmt.Errorf("unsupported URL %q: only http and https", req.URL)
	}
	var body io.Reader
	if len(req.Body) > 0 {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(ctx, req.Method, req.URL, body)
	if err != nil {
		return FetchResponse{}, err
	}
	for _, h := range req.Headers {
		hreq.Header.Add(h.Name, h.Value)
	}
	resp, err := f.client.Do(hreq)
	if err != nil {
		return FetchResponse{}, err
	}
	defer resp.Body.Close()
	limit := f.MaxBodyBytes
	if limit <= 0 {
		limit = 1 << 20
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		return FetchResponse{}, err
	}
	if len(b) > limit {
		return FetchResponse{}, fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, limit)
	}
	out := FetchResponse{Status: resp.StatusCode, Body: b}
	for _, k := range AttestedHeaders {
		if v := resp.Header.Get(k); v != "" && len(v) <= MaxAttestedHeaderBytes {
			out.Headers = append(out.Headers, Header{Name: k, Value: v})
		}
	}
	return out, nil
}

// AttestedHeaders are the response headers an action sees, in this order, in the live run and in the
// final run alike: they are part of the attested transcript. Others (Date, Set-Cookie, Server, request
// ids, caches' Age) differ between validators by nature and would make every fetch unattestable. Only
// the first value of each counts, and only when it has at most MaxAttestedHeaderBytes.
var AttestedHeaders = []string{"Content-Type"}

// Bounds of what a response adds to the transcript besides its body.
const (
	MaxAttestedHeaderBytes = 256
	// maxResponseHeaderBytes bounds all the header lines the HTTP client reads (Go's default is 10 MiB).
	maxResponseHeaderBytes = 16 << 10
	// MaxFetchErrorBytes bounds a failed fetch's error text in the transcript.
	MaxFetchErrorBytes = 512
)

func (f *LiveFetcher) init() {
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	if f.dial == nil {
		f.dial = (&net.Dialer{Timeout: 5 * time.Second}).DialContext
	}
	f.client = &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                  nil, // a proxy would be dialed instead of the checked destination
			DialContext:            f.dialContext,
			TLSHandshakeTimeout:    5 * time.Second,
			ResponseHeaderTimeout:  timeout,
			MaxResponseHeaderBytes: maxResponseHeaderBytes,
			MaxIdleConns:           16,
			IdleConnTimeout:        30 * time.Second,
		},
		CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("too many redirects")
			}
			return nil
		},
	}
}

// dialContext resolves the host, refuses non-public addresses, then dials the checked IPs themselves.
func (f *LiveFetcher) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	for _, ip := range ips {
		if allowed := PublicIP(ip) || (f.AllowLoopback && ip.Unmap().IsLoopback()); !allowed {
			return nil, fmt.Errorf("%w: %s resolves to non-public address %s", ErrDestinationNotAllowed, host, ip.Unmap())
		}
	}
	var first error
	for _, ip := range ips {
		c, err := f.dial(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		first = fmt.Errorf("no address for %s", host)
	}
	return nil, first
}

var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT (also some cloud metadata services)
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"), // documentation (TEST-NET-1..3)
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"), // reserved and broadcast
	// IPv6 forms that carry or translate to an IPv4 address (the gateway would reach it for us), and
	// ranges that are not global: NAT64 (well-known and local-use), 6to4, Teredo, IPv4-compatible
	// (::a.b.c.d, deprecated), site-local (deprecated, routed privately), discard-only, documentation.
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2002::/16"),
	netip.MustParsePrefix("2001::/32"),
	netip.MustParsePrefix("::/96"),
	netip.MustParsePrefix("::ffff:0:0:0/96"), // IPv4-translated (RFC 2765)
	netip.MustParsePrefix("fec0::/10"),
	netip.MustParsePrefix("100::/64"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// PublicIP reports whether ip is a destination LiveFetcher may reach without AllowLoopback: not loopback,
// private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10), unspecified,
// multicast, nor one of the reserved, translating or tunnelling ranges in nonPublic (NAT64, 6to4, Teredo,
// IPv4-compatible, site-local, documentation).
func PublicIP(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}
