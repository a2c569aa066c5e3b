package sandbox

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"math"
	"net/url"
	"strconv"
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
    ethPersonalSignMessageEcdsa: async (o) => n.ethPersonalSignMessageEcdsa(o),
    setResponse: (o) => { n.setResponse(o); },
    getPermittedActions: async (o) => n.permittedActions(o),
    isPermittedAction: async (o) => n.isPermittedAction(o),
    getPermittedAddresses: async (o) => n.permittedAddresses(o),
    isPermittedAddress: async (o) => n.isPermittedAddress(o),
    getPermittedAuthMethods: async (o) => n.permittedAuthMethods(o),
    isPermittedAuthMethod: async (o) => n.isPermittedAuthMethod(o),
    getPermittedAuthMethodScopes: async (o) => n.authMethodScopes(o),
    pubkeyToTokenId: (o) => n.pubkeyToTokenId(o),
  };
  const freeze = (o) => {
    if (typeof o === 'object' && o !== null) { Object.values(o).forEach(freeze); Object.freeze(o); }
    return o;
  };
  g.Lit = { Actions: actions };
  // Lit.Auth is data the chain recorded: read-only, all the way down. LitAuth, Lit's global alias of it,
  // is the same object, and a non-writable, non-configurable global (no jsParams key may name it).
  const auth = freeze(JSON.parse(n.auth));
  Object.defineProperty(g.Lit, 'Auth', { value: auth, enumerable: true });
  Object.defineProperty(g, 'LitAuth', { value: auth, enumerable: true });
  g.LitActions = actions;
  g.TextEncoder = class TextEncoder {
    get encoding() { return 'utf-8'; }
    encode(s) { return new Uint8Array(n.utf8(s === undefined ? '' : String(s))); }
  };
  g.crypto = { subtle: { digest: async (alg, data) => n.digest(alg, data) } };
})`

// sandboxGlobals are the globals the sandbox itself defines (jsParams and the prelude's).
var sandboxGlobals = []string{"Lit", "LitAuth", "LitActions", "fetch", "console", "jsParams", "TextEncoder", "crypto"}

// builtinGlobals are the names a fresh goja runtime resolves on its global object: its own
// properties (the standard built-ins, and goja's GoError) and those of Object.prototype, which the
// global object inherits (__proto__ among them). TestReservedGlobals checks them against goja.
var builtinGlobals = []string{
	"Object", "Function", "Array", "String", "Number", "BigInt", "RegExp", "Date", "Boolean", "Proxy", "Reflect",
	"Error", "AggregateError", "TypeError", "ReferenceError", "SyntaxError", "RangeError", "EvalError", "URIError",
	"GoError", "eval", "Math", "JSON", "ArrayBuffer", "DataView", "Uint8Array", "Uint8ClampedArray", "Int8Array",
	"Uint16Array", "Int16Array", "Uint32Array", "Int32Array", "Float32Array", "Float64Array", "BigInt64Array",
	"BigUint64Array", "Symbol", "WeakSet", "WeakMap", "Map", "Set", "Promise", "globalThis", "NaN", "undefined",
	"Infinity", "isNaN", "parseInt", "parseFloat", "isFinite", "decodeURI", "decodeURIComponent", "encodeURI",
	"encodeURIComponent", "escape", "unescape",
	// Object.prototype
	"constructor", "toString", "toLocaleString", "valueOf", "hasOwnProperty", "isPrototypeOf",
	"propertyIsEnumerable", "__proto__",
}

var reserved = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range append(append([]string{}, sandboxGlobals...), builtinGlobals...) {
		m[k] = true
	}
	return m
}()

// IsReservedGlobal reports whether a jsParams key names a global the runtime already has (a standard
// built-in such as Object or JSON, __proto__, or one of the sandbox's: Lit, LitAuth, LitActions,
// fetch, console, jsParams, TextEncoder, crypto). Such a key would replace or shadow what the action
// relies on (a forged LitAuth, say), so the sandbox fails the run ("invalid params") and the chain
// refuses MsgExecuteAction: one fixed list, the same on every validator.
func IsReservedGlobal(key string) bool { return reserved[key] }

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
	keys := obj.Keys()
	for _, k := range keys {
		if IsReservedGlobal(k) {
			return errorf(CodeInvalidParams, "jsParams key %q is reserved", k)
		}
	}
	for _, k := range keys {
		if err := vm.Set(k, obj.Get(k)); err != nil {
			return errorf(CodeInvalidParams, "jsParams key %q: %v", k, err)
		}
	}
	if err := vm.Set("jsParams", obj); err != nil {
		return err
	}
	auth, err := authJSON(s.env.Auth)
	if err != nil {
		return err
	}
	n := vm.NewObject()
	if err := setAll(n, "log", s.log, "fetch", s.fetch, "signEcdsa", s.signEcdsa,
		"ethPersonalSignMessageEcdsa", s.ethPersonalSignMessageEcdsa, "setResponse", s.setResponse,
		"permittedActions", s.permittedActions, "isPermittedAction", s.isPermittedAction,
		"permittedAddresses", s.permittedAddresses, "isPermittedAddress", s.isPermittedAddress,
		"permittedAuthMethods", s.permittedAuthMethods, "isPermittedAuthMethod", s.isPermittedAuthMethod,
		"authMethodScopes", s.authMethodScopes, "auth", auth,
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

// authJSON is Lit.Auth as JSON (lists never null).
func authJSON(a Auth) (string, error) {
	if a.ActionIPFSIDs == nil {
		a.ActionIPFSIDs = []string{}
	}
	if a.AuthMethodContexts == nil {
		a.AuthMethodContexts = []AuthMethodContext{}
	}
	bz, err := json.Marshal(a)
	return string(bz), err
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
	const fn = "signEcdsa"
	o := s.arg(c, fn)
	toSign := s.bytesOf(o.Get("toSign"), fn, "toSign", 32)
	if len(toSign) != 32 {
		s.throw("%s: toSign must be 32 bytes, got %d", fn, len(toSign))
	}
	return s.sign(o, fn, SignRequest{Kind: SignDigest, ToSign: toSign})
}

// MaxMessageBytes bounds the message of one ethPersonalSignMessageEcdsa, maxMessagesBytes those of a run
// (they are part of the result).
const (
	MaxMessageBytes  = 4 << 10
	maxMessagesBytes = 16 << 10
)

// ethPersonalSignMessageEcdsa records the message as it is: the chain applies EIP-191 (the prefix and
// keccak256) when it turns the request into a signature, and checks the scope that allows.
func (s *state) ethPersonalSignMessageEcdsa(c goja.FunctionCall) goja.Value {
	const fn = "ethPersonalSignMessageEcdsa"
	o := s.arg(c, fn)
	v := o.Get("message")
	var msg []byte
	switch str, isStr := exportOf(v).(string); {
	case v == nil || goja.IsUndefined(v) || goja.IsNull(v):
		s.throw("%s: message is required", fn)
	case isStr:
		msg = []byte(str)
	default:
		msg = s.bytesOf(v, fn, "message", MaxMessageBytes)
	}
	if len(msg) > MaxMessageBytes {
		s.throw("%s: message is longer than %d bytes", fn, MaxMessageBytes)
	}
	r := s.sign(o, fn, SignRequest{Kind: SignPersonalMessage, Message: msg})
	if s.msgBytes += len(msg); s.msgBytes > maxMessagesBytes {
		s.fail(errorf(CodeSignatureLimit, "messages to sign of more than %d bytes", maxMessagesBytes))
	}
	return r
}

// sign checks publicKey and sigName and records r.
func (s *state) sign(o *goja.Object, fn string, r SignRequest) goja.Value {
	pub := s.id(o, fn, "publicKey", maxPubkeyBytes)
	if _, err := parsePubKey(pub); err != nil {
		s.throw("%s: publicKey: %v", fn, err)
	}
	name := s.id(o, fn, "sigName", maxSigNameBytes)
	if name == "" {
		s.throw("%s: sigName must not be empty", fn)
	}
	for _, prev := range s.signs {
		if prev.SigName == name {
			s.throw("%s: sigName %q already used", fn, name)
		}
	}
	if len(s.signs) >= s.lim.MaxSignatures {
		s.fail(errorf(CodeSignatureLimit, "more than %d signatures", s.lim.MaxSignatures))
	}
	r.SigName, r.PublicKey = name, pub
	s.signs = append(s.signs, r)
	return s.vm.ToValue(true)
}

// Permission reads are state reads on the validator and part of the result: maxReads bounds their
// number, MaxReadBytes what they add to the result, maxIDBytes a token id, CID or address an action
// passes, MaxUserIDBytes an auth method id (as x/pkp's MaxAuthMethodFieldLength), maxScopeID the
// maxScopeId of getPermittedAuthMethodScopes.
const (
	maxReads       = 256
	MaxReadBytes   = 32 << 10
	maxIDBytes     = 128
	MaxUserIDBytes = 512
	maxScopeID     = 256
	// defaultMaxScopeID is Lit's default maxScopeId.
	defaultMaxScopeID = 100
	// maxSigNameBytes bounds signEcdsa's sigName; maxPubkeyBytes a public key (0x + 65 bytes in hex).
	maxSigNameBytes = 64
	maxPubkeyBytes  = 2 + 2*65
)

// size is about what r adds to the encoded result (at least its bytes and their framing).
func (r PermissionRead) size() int {
	size := len(r.Op) + len(r.TokenID) + len(r.CID) + len(r.Error) + len(r.Address) + len(r.UserID) + 8
	if r.AuthMethodType != 0 {
		size += 11
	}
	for _, c := range r.CIDs {
		size += len(c) + 2
	}
	for _, a := range r.Addresses {
		size += len(a) + 2
	}
	for _, a := range r.AuthMethods {
		size += len(a.ID) + len(a.UserPubkey) + 20
	}
	size += 11 * len(r.Scopes)
	return size
}

// read records r, or its error (without answers), and throws that error to the action. A read the
// validator could not serve (ErrUnavailable) ends the run as a crash instead.
func (s *state) read(r PermissionRead, err error) {
	if errors.Is(err, ErrUnavailable) {
		s.fail(crashError())
	}
	if err != nil {
		r = r.failed(err)
	}
	size := r.size()
	if len(s.reads) >= maxReads || s.readBytes+size > MaxReadBytes {
		s.fail(errorf(CodeFetchLimit, "more than %d permission reads or %d bytes of their answers", maxReads, MaxReadBytes))
	}
	s.readBytes += size
	s.reads = append(s.reads, r)
	if r.Error != "" {
		s.throw("%s: %s", r.Op, r.Error)
	}
}

// permissions is Env.Permissions, or throws when a run has none.
func (s *state) permissions(fn string) Permissions {
	if s.env.Permissions == nil {
		s.throw("%s: permissions are not available", fn)
	}
	return s.env.Permissions
}

func (s *state) strings(list []string) goja.Value {
	items := make([]any, len(list))
	for i, x := range list {
		items[i] = x
	}
	return s.vm.NewArray(items...)
}

func (s *state) permittedActions(c goja.FunctionCall) goja.Value {
	const fn = "getPermittedActions"
	id := s.id(s.arg(c, fn), fn, "tokenId", maxIDBytes)
	cids, err := s.permissions(fn).PermittedActions(id)
	s.read(PermissionRead{Op: OpPermittedActions, TokenID: id, CIDs: cids}, err)
	return s.strings(cids)
}

func (s *state) isPermittedAction(c goja.FunctionCall) goja.Value {
	const fn = "isPermittedAction"
	o := s.arg(c, fn)
	id, cid := s.id(o, fn, "tokenId", maxIDBytes), s.id(o, fn, "ipfsId", maxIDBytes)
	ok, err := s.permissions(fn).IsPermittedAction(id, cid)
	s.read(PermissionRead{Op: OpIsPermittedAction, TokenID: id, CID: cid, Permitted: ok}, err)
	return s.vm.ToValue(ok)
}

func (s *state) permittedAddresses(c goja.FunctionCall) goja.Value {
	const fn = "getPermittedAddresses"
	id := s.id(s.arg(c, fn), fn, "tokenId", maxIDBytes)
	addrs, err := s.permissions(fn).PermittedAddresses(id)
	s.read(PermissionRead{Op: OpPermittedAddresses, TokenID: id, Addresses: addrs}, err)
	return s.strings(addrs)
}

func (s *state) isPermittedAddress(c goja.FunctionCall) goja.Value {
	const fn = "isPermittedAddress"
	o := s.arg(c, fn)
	id, addr := s.id(o, fn, "tokenId", maxIDBytes), s.id(o, fn, "address", maxIDBytes)
	ok, err := s.permissions(fn).IsPermittedAddress(id, addr)
	s.read(PermissionRead{Op: OpIsPermittedAddress, TokenID: id, Address: addr, Permitted: ok}, err)
	return s.vm.ToValue(ok)
}

func (s *state) permittedAuthMethods(c goja.FunctionCall) goja.Value {
	const fn = "getPermittedAuthMethods"
	id := s.id(s.arg(c, fn), fn, "tokenId", maxIDBytes)
	ams, err := s.permissions(fn).PermittedAuthMethods(id)
	s.read(PermissionRead{Op: OpPermittedAuthMethods, TokenID: id, AuthMethods: ams}, err)
	items := make([]any, len(ams))
	for i, a := range ams {
		// Lit's names; a type beyond 2^53 is a rounded number, as in Lit.
		o := s.vm.NewObject()
		if err := setAll(o, "auth_method_type", a.Type, "id", a.ID, "user_pubkey", a.UserPubkey); err != nil {
			panic(err)
		}
		items[i] = o
	}
	return s.vm.NewArray(items...)
}

func (s *state) isPermittedAuthMethod(c goja.FunctionCall) goja.Value {
	const fn = "isPermittedAuthMethod"
	o := s.arg(c, fn)
	id, typ, user := s.id(o, fn, "tokenId", maxIDBytes), s.authMethodType(o, fn), s.userID(o, fn)
	ok, err := s.permissions(fn).IsPermittedAuthMethod(id, typ, user)
	s.read(PermissionRead{Op: OpIsPermittedAuthMethod, TokenID: id, AuthMethodType: typ, UserID: user, Permitted: ok}, err)
	return s.vm.ToValue(ok)
}

// authMethodScopes answers as Lit's contract does: maxScopeId booleans, the i-th telling whether
// the auth method has scope i.
func (s *state) authMethodScopes(c goja.FunctionCall) goja.Value {
	const fn = "getPermittedAuthMethodScopes"
	o := s.arg(c, fn)
	id, typ, user := s.id(o, fn, "tokenId", maxIDBytes), s.authMethodType(o, fn), s.userID(o, fn)
	n := int64(defaultMaxScopeID)
	if v := o.Get("maxScopeId"); v != nil && !goja.IsUndefined(v) && !goja.IsNull(v) {
		x, ok := integer(v)
		if !ok || x < 0 || x > maxScopeID {
			s.throw("%s: maxScopeId must be an integer 0..%d", fn, maxScopeID)
		}
		n = x
	}
	scopes, err := s.permissions(fn).AuthMethodScopes(id, typ, user)
	s.read(PermissionRead{Op: OpAuthMethodScopes, TokenID: id, AuthMethodType: typ, UserID: user, Scopes: scopes}, err)
	items := make([]any, n)
	for i := range items {
		items[i] = false
	}
	for _, sc := range scopes {
		if sc < uint64(n) {
			items[sc] = true
		}
	}
	return s.vm.NewArray(items...)
}

// authMethodType is a positive integer, as a number or a decimal string (Lit's docs show both).
func (s *state) authMethodType(o *goja.Object, fn string) uint64 {
	v := o.Get("authMethodType")
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		s.throw("%s: authMethodType is required", fn)
	}
	if x, ok := integer(v); ok && x > 0 {
		return uint64(x)
	}
	if str, ok := v.Export().(string); ok {
		if t, err := strconv.ParseUint(str, 10, 64); err == nil && t > 0 {
			return t
		}
	}
	s.throw("%s: authMethodType must be a positive integer", fn)
	return 0
}

// integer is v when it is a JS number with an integer value (at most 2^53 in magnitude).
func integer(v goja.Value) (int64, bool) {
	switch x := v.Export().(type) {
	case int64:
		return x, true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) <= 1<<53 {
			return int64(x), true
		}
	}
	return 0, false
}

// userID is an auth method's id as x/pkp takes it: bytes (Uint8Array, ArrayBuffer or array) become
// 0x-hex, a string is passed as it is (0x-hex is its bytes, anything else its UTF-8).
func (s *state) userID(o *goja.Object, fn string) string {
	v := o.Get("userId")
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		s.throw("%s: userId is required", fn)
	}
	id, isStr := v.Export().(string)
	if !isStr {
		id = "0x" + hex.EncodeToString(s.bytesOf(v, fn, "userId", (MaxUserIDBytes-2)/2))
	}
	if id == "" || id == "0x" {
		s.throw("%s: userId must not be empty", fn)
	}
	if len(id) > MaxUserIDBytes {
		s.throw("%s: userId is longer than %d bytes", fn, MaxUserIDBytes)
	}
	return id
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
	switch {
	case p.err != nil && s.ctx.Err() != nil:
		// The run's end cut the fetch short. The run ends as a timeout (or
		// canceled) however soon the fetcher noticed, never as an exception
		// from the failed fetch: which of the two came first is a matter of
		// scheduling, and validators must report the same result.
		s.contextEnded()
		return s.abortError()
	case errors.Is(p.err, ErrRunEnded):
		// A replay reached the fetch the live run's deadline cut short.
		s.abort(timeoutError(s.lim))
		return s.abortError()
	}
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
