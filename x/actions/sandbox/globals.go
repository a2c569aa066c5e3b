package sandbox

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/url"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/dop251/goja"
	"golang.org/x/crypto/sha3"
)

// prelude builds the JS-facing globals on top of the natives in n.
const prelude = `(function (g, n) {
  'use strict';
  const fmt = (v) => {
    if (typeof v === 'string') return v;
    if (v instanceof Error) return String(v);
    if (typeof v === 'object' && v !== null) { try { return JSON.stringify(v); } catch (e) { return String(v); } }
    return String(v);
  };
  const log = (...a) => { n.log(a.map(fmt).join(' ')); };
  g.console = { log, info: log, warn: log, error: log, debug: log };
  class Headers {
    constructor(list) { this._h = list; }
    get(name) {
      name = String(name).toLowerCase();
      const v = this._h.filter((h) => h[0].toLowerCase() === name).map((h) => h[1]);
      return v.length ? v.join(', ') : null;
    }
    has(name) { return this.get(name) !== null; }
    forEach(f) { this._h.forEach((h) => f(h[1], h[0].toLowerCase(), this)); }
  }
  g.fetch = async (url, opts) => {
    const r = await n.fetch(String(url), opts === undefined || opts === null ? {} : opts);
    return {
      status: r.status, ok: r.status >= 200 && r.status < 300, url: String(url), headers: new Headers(r.headers),
      text: async () => r.text, json: async () => JSON.parse(r.text), arrayBuffer: async () => r.buffer.slice(0),
    };
  };
  const actions = {
    signEcdsa: async (o) => n.signEcdsa(o),
    setResponse: (o) => { n.setResponse(o); },
    getPermittedActions: async (o) => n.permittedActions(o),
    isPermittedAction: async (o) => n.isPermittedAction(o),
    pubkeyToTokenId: (o) => n.pubkeyToTokenId(o),
  };
  g.Lit = { Actions: actions };
  g.LitActions = actions;
  g.TextEncoder = class TextEncoder {
    get encoding() { return 'utf-8'; }
    encode(s) { return new Uint8Array(n.utf8(s === undefined ? '' : String(s))); }
  };
  g.crypto = { subtle: { digest: async (alg, data) => n.digest(alg, data) } };
})`

var reserved = map[string]bool{"Lit": true, "LitActions": true, "fetch": true, "console": true, "jsParams": true,
	"TextEncoder": true, "crypto": true}

// install sets jsParams and the sandbox globals.
func (s *state) install() error {
	vm := s.vm
	params := s.env.JSParams
	if strings.TrimSpace(params) == "" {
		params = "{}"
	}
	parse, _ := goja.AssertFunction(vm.Get("JSON").ToObject(vm).Get("parse"))
	v, err := parse(nil, vm.ToValue(params))
	if err != nil {
		return errorf(CodeInvalidParams, "jsParams is not valid JSON: %v", err)
	}
	obj, ok := v.(*goja.Object)
	if !ok || obj.ClassName() != "Object" {
		return errorf(CodeInvalidParams, "jsParams must be a JSON object")
	}
	for _, k := range obj.Keys() {
		if reserved[k] {
			return errorf(CodeInvalidParams, "jsParams key %q is reserved", k)
		}
		if err := vm.Set(k, obj.Get(k)); err != nil {
			return errorf(CodeInvalidParams, "jsParams key %q: %v", k, err)
		}
	}
	if err := vm.Set("jsParams", obj); err != nil {
		return err
	}
	n := vm.NewObject()
	if err := setAll(n, "log", s.log, "fetch", s.fetch, "signEcdsa", s.signEcdsa, "setResponse", s.setResponse,
		"permittedActions", s.permittedActions, "isPermittedAction", s.isPermittedAction,
		"pubkeyToTokenId", s.pubkeyToTokenId, "utf8", s.utf8, "digest", s.digest); err != nil {
		return err
	}
	fn, err := vm.RunScript("prelude.js", prelude)
	if err != nil {
		return err
	}
	call, _ := goja.AssertFunction(fn)
	_, err = call(nil, vm.GlobalObject(), n)
	return err
}

// setAll sets name/value pairs on o.
func setAll(o *goja.Object, kv ...any) error {
	for i := 0; i+1 < len(kv); i += 2 {
		if err := o.Set(kv[i].(string), kv[i+1]); err != nil {
			return err
		}
	}
	return nil
}

func (s *state) throw(format string, args ...any) {
	panic(s.vm.NewTypeError("%s", fmt.Sprintf(format, args...)))
}

// arg returns the first argument, which must be an object.
func (s *state) arg(c goja.FunctionCall, fn string) *goja.Object {
	o, ok := c.Argument(0).(*goja.Object)
	if !ok {
		s.throw("%s: expected an object argument", fn)
	}
	return o
}

func (s *state) str(o *goja.Object, fn, key string) string {
	v := o.Get(key)
	if v == nil {
		s.throw("%s: %s is required", fn, key)
	}
	str, ok := v.Export().(string)
	if !ok {
		s.throw("%s: %s must be a string", fn, key)
	}
	return str
}

// id is a string argument that names something (a token id, a CID, a key): at most max bytes.
func (s *state) id(o *goja.Object, fn, key string, max int) string {
	str := s.str(o, fn, key)
	if len(str) > max {
		s.throw("%s: %s is longer than %d bytes", fn, key, max)
	}
	return str
}

// bytesOf accepts a Uint8Array, an ArrayBuffer or an array of integers 0..255.
func (s *state) bytesOf(v goja.Value, fn, key string, maxLen int) []byte {
	if o, ok := v.(*goja.Object); ok {
		if l := o.Get("length"); l != nil && l.ToInteger() > int64(maxLen) {
			s.throw("%s: %s is longer than %d bytes", fn, key, maxLen)
		}
	}
	var out []byte
	switch x := exportOf(v).(type) {
	case []byte:
		out = append([]byte{}, x...)
	case goja.ArrayBuffer:
		out = append([]byte{}, x.Bytes()...)
	case []any:
		for _, e := range x {
			b, ok := e.(int64)
			if !ok || b < 0 || b > 255 {
				s.throw("%s: %s must contain integers 0..255", fn, key)
			}
			out = append(out, byte(b))
		}
	default:
		s.throw("%s: %s must be a Uint8Array, an ArrayBuffer or an array of bytes", fn, key)
	}
	if len(out) > maxLen {
		s.throw("%s: %s is longer than %d bytes", fn, key, maxLen)
	}
	return out
}

func exportOf(v goja.Value) any {
	if v == nil {
		return nil
	}
	return v.Export()
}

func (s *state) log(c goja.FunctionCall) goja.Value {
	if s.logsCut {
		return goja.Undefined()
	}
	line := c.Argument(0).String()
	// A line costs what it adds to the encoded result (a tag, its length, its bytes), so many short
	// lines cannot make a result larger than max_log_bytes says.
	cost := len(line) + 1 + len(binary.AppendUvarint(nil, uint64(len(line))))
	if s.logBytes+cost > s.lim.MaxLogBytes {
		s.logs = append(s.logs, "[logs truncated]")
		s.logsCut = true
		return goja.Undefined()
	}
	s.logBytes += cost
	s.logs = append(s.logs, line)
	return goja.Undefined()
}

func (s *state) setResponse(c goja.FunctionCall) goja.Value {
	r := s.str(s.arg(c, "setResponse"), "setResponse", "response")
	if len(r) > s.lim.MaxResponseBytes {
		s.fail(errorf(CodeResponseTooLarge, "response is %d bytes, more than %d", len(r), s.lim.MaxResponseBytes))
	}
	s.response = r
	return goja.Undefined()
}

func parsePubKey(h string) (*secp256k1.PublicKey, error) {
	b, err := hex.DecodeString(strings.TrimPrefix(strings.TrimPrefix(h, "0x"), "0X"))
	if err != nil {
		return nil, fmt.Errorf("not hex: %w", err)
	}
	return secp256k1.ParsePubKey(b)
}

func (s *state) signEcdsa(c goja.FunctionCall) goja.Value {
	o := s.arg(c, "signEcdsa")
	toSign := s.bytesOf(o.Get("toSign"), "signEcdsa", "toSign", 32)
	if len(toSign) != 32 {
		s.throw("signEcdsa: toSign must be 32 bytes, got %d", len(toSign))
	}
	pub := s.id(o, "signEcdsa", "publicKey", maxPubkeyBytes)
	if _, err := parsePubKey(pub); err != nil {
		s.throw("signEcdsa: publicKey: %v", err)
	}
	name := s.id(o, "signEcdsa", "sigName", maxSigNameBytes)
	if name == "" {
		s.throw("signEcdsa: sigName must not be empty")
	}
	for _, r := range s.signs {
		if r.SigName == name {
			s.throw("signEcdsa: sigName %q already used", name)
		}
	}
	if len(s.signs) >= s.lim.MaxSignatures {
		s.fail(errorf(CodeSignatureLimit, "more than %d signatures", s.lim.MaxSignatures))
	}
	s.signs = append(s.signs, SignRequest{SigName: name, PublicKey: pub, ToSign: toSign})
	return s.vm.ToValue(true)
}

// Permission reads are state reads on the validator and part of the result: maxReads bounds their
// number, MaxReadBytes what they add to the result, maxIDBytes a token id or CID an action passes.
const (
	maxReads     = 256
	MaxReadBytes = 32 << 10
	maxIDBytes   = 128
	// maxSigNameBytes bounds signEcdsa's sigName; maxPubkeyBytes a public key (0x + 65 bytes in hex).
	maxSigNameBytes = 64
	maxPubkeyBytes  = 2 + 2*65
)

func (s *state) read(r PermissionRead) {
	size := len(r.Op) + len(r.TokenID) + len(r.CID) + len(r.Error) + 8
	for _, c := range r.CIDs {
		size += len(c) + 2
	}
	if len(s.reads) >= maxReads || s.readBytes+size > MaxReadBytes {
		s.fail(errorf(CodeFetchLimit, "more than %d permission reads or %d bytes of their answers", maxReads, MaxReadBytes))
	}
	s.readBytes += size
	s.reads = append(s.reads, r)
	if r.Error != "" {
		s.throw("%s: %s", r.Op, r.Error)
	}
}

func (s *state) permittedActions(c goja.FunctionCall) goja.Value {
	id := s.id(s.arg(c, "getPermittedActions"), "getPermittedActions", "tokenId", maxIDBytes)
	if s.env.Permissions == nil {
		s.throw("getPermittedActions: permissions are not available")
	}
	cids, err := s.env.Permissions.PermittedActions(id)
	r := PermissionRead{Op: OpPermittedActions, TokenID: id, CIDs: cids}
	if err != nil {
		r = PermissionRead{Op: r.Op, TokenID: id, Error: err.Error()}
	}
	s.read(r)
	items := make([]any, len(cids))
	for i, c := range cids {
		items[i] = c
	}
	return s.vm.NewArray(items...)
}

func (s *state) isPermittedAction(c goja.FunctionCall) goja.Value {
	o := s.arg(c, "isPermittedAction")
	id, cid := s.id(o, "isPermittedAction", "tokenId", maxIDBytes), s.id(o, "isPermittedAction", "ipfsId", maxIDBytes)
	if s.env.Permissions == nil {
		s.throw("isPermittedAction: permissions are not available")
	}
	ok, err := s.env.Permissions.IsPermittedAction(id, cid)
	r := PermissionRead{Op: OpIsPermittedAction, TokenID: id, CID: cid, Permitted: ok}
	if err != nil {
		r = PermissionRead{Op: r.Op, TokenID: id, CID: cid, Error: err.Error()}
	}
	s.read(r)
	return s.vm.ToValue(ok)
}

// PubkeyToTokenID is keccak256 of the 65-byte uncompressed key as 0x-hex (compressed keys are accepted).
func PubkeyToTokenID(pubHex string) (string, error) {
	pk, err := parsePubKey(pubHex)
	if err != nil {
		return "", err
	}
	h := sha3.NewLegacyKeccak256()
	h.Write(pk.SerializeUncompressed())
	return "0x" + hex.EncodeToString(h.Sum(nil)), nil
}

func (s *state) pubkeyToTokenId(c goja.FunctionCall) goja.Value { //nolint:revive // Lit's name
	id, err := PubkeyToTokenID(s.id(s.arg(c, "pubkeyToTokenId"), "pubkeyToTokenId", "publicKey", maxPubkeyBytes))
	if err != nil {
		s.throw("pubkeyToTokenId: %v", err)
	}
	return s.vm.ToValue(id)
}

func (s *state) utf8(c goja.FunctionCall) goja.Value {
	return s.vm.ToValue(s.vm.NewArrayBuffer([]byte(c.Argument(0).String())))
}

func (s *state) digest(c goja.FunctionCall) goja.Value {
	alg := c.Argument(0)
	if o, ok := alg.(*goja.Object); ok {
		alg = o.Get("name")
	}
	var h hash.Hash
	switch strings.ToUpper(exportString(alg)) {
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		s.throw("digest: unsupported algorithm (SHA-256, SHA-384, SHA-512)")
	}
	h.Write(s.bytesOf(c.Argument(1), "digest", "data", s.lim.MaxFetchBodyBytes))
	return s.vm.ToValue(s.vm.NewArrayBuffer(h.Sum(nil)))
}

func exportString(v goja.Value) string {
	str, _ := exportOf(v).(string)
	return str
}

// MaxURLBytes and MaxRequestHeaderBytes bound what a fetch adds to a vote extension besides its bodies.
const (
	MaxURLBytes           = 2048
	MaxRequestHeaderBytes = 4096
)

// fetch starts a fetch on its own goroutine and returns a promise that run settles in issue order.
func (s *state) fetch(c goja.FunctionCall) goja.Value {
	rawURL := c.Argument(0).String()
	if len(rawURL) > MaxURLBytes {
		s.throw("fetch: URL is longer than %d bytes", MaxURLBytes)
	}
	if u, err := url.Parse(rawURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		s.throw("fetch: %q is not an absolute http(s) URL", rawURL)
	}
	req := FetchRequest{Method: "GET", URL: rawURL}
	opts, _ := c.Argument(1).(*goja.Object)
	if opts != nil {
		if m := opts.Get("method"); m != nil && !goja.IsUndefined(m) {
			req.Method = strings.ToUpper(m.String())
			if req.Method == "" || strings.ContainsAny(req.Method, " \t\r\n()<>@,;:\\\"/[]?={}") {
				s.throw("fetch: invalid method %q", req.Method)
			}
		}
		if h, ok := opts.Get("headers").(*goja.Object); ok {
			size := 0
			for _, k := range h.Keys() {
				v := h.Get(k).String()
				if size += len(k) + len(v); size > MaxRequestHeaderBytes {
					s.throw("fetch: request headers are longer than %d bytes", MaxRequestHeaderBytes)
				}
				req.Headers = append(req.Headers, Header{Name: k, Value: v})
			}
		}
		if b := opts.Get("body"); b != nil && !goja.IsUndefined(b) && !goja.IsNull(b) {
			if str, ok := b.Export().(string); ok {
				req.Body = []byte(str)
			} else {
				req.Body = s.bytesOf(b, "fetch", "body", s.lim.MaxFetchBodyBytes)
			}
			if len(req.Body) > s.lim.MaxFetchBodyBytes {
				s.throw("fetch: request body is longer than %d bytes", s.lim.MaxFetchBodyBytes)
			}
		}
	}
	if len(s.fetches) >= s.lim.MaxFetches {
		s.fail(errorf(CodeFetchLimit, "more than %d fetches", s.lim.MaxFetches))
	}
	promise, resolve, reject := s.vm.NewPromise()
	p := &pending{i: len(s.fetches), done: make(chan struct{}), resolve: resolve, reject: reject}
	s.fetches = append(s.fetches, Fetch{Request: req})
	s.queue = append(s.queue, p)
	fetcher := s.env.Fetcher
	go func() {
		defer close(p.done)
		defer func() {
			if r := recover(); r != nil {
				p.err = fmt.Errorf("fetcher panicked: %v", r)
			}
		}()
		if fetcher == nil {
			p.err = errors.New("fetch is not available")
			return
		}
		p.resp, p.err = fetcher.Fetch(s.ctx, p.i, req)
	}()
	return s.vm.ToValue(promise)
}

// settle records a finished fetch and resolves or rejects its promise (running the jobs that follow).
func (s *state) settle(p *pending) error {
	f := &s.fetches[p.i]
	if p.err == nil && len(p.resp.Body) > s.lim.MaxFetchBodyBytes {
		p.err = fmt.Errorf("fetch body too large: more than %d bytes", s.lim.MaxFetchBodyBytes)
	}
	if p.err != nil {
		f.Error = FetchError(p.err)
		if errors.Is(p.err, ErrNotAttested) {
			s.abort(errorf(CodeNotAttested, "%s", strings.TrimPrefix(f.Error, ErrNotAttested.Error()+": ")))
			return s.abortError()
		}
		return p.reject(s.vm.NewTypeError("fetch failed: %s", f.Error))
	}
	resp := p.resp
	f.Response = &resp
	headers := make([]any, len(resp.Headers))
	for i, h := range resp.Headers {
		headers[i] = s.vm.NewArray(h.Name, h.Value)
	}
	o := s.vm.NewObject()
	if err := setAll(o, "status", resp.Status, "headers", s.vm.NewArray(headers...), "text", string(resp.Body),
		"buffer", s.vm.NewArrayBuffer(append([]byte{}, resp.Body...))); err != nil {
		return err
	}
	return p.resolve(o)
}
