package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/dop251/goja"
)

// Error codes: every failed run has Result.Error = "<code>: <message>".
const (
	CodeTimeout          = "timeout"
	CodeCanceled         = "canceled"
	CodeMemory           = "memory limit"
	CodeCrashed          = "worker crashed"
	CodeStackOverflow    = "stack overflow"
	CodeFetchLimit       = "fetch limit"
	CodeNotAttested      = "fetch not attested"
	CodeSignatureLimit   = "signature limit"
	CodeResponseTooLarge = "response too large"
	CodeException        = "exception"
	CodeSyntax           = "syntax error"
	CodeInvalidParams    = "invalid params"
	CodeInternal         = "internal error"
)

// ResourceCodes are the failures whose exact kind depends on the machine (load, memory layout):
// validators may disagree on which of them ended a run, never on the run having failed for one.
var ResourceCodes = []string{CodeTimeout, CodeMemory, CodeCrashed}

// IsResourceFailure reports whether a Result.Error is one of ResourceCodes.
func IsResourceFailure(errText string) bool {
	for _, c := range ResourceCodes {
		if strings.HasPrefix(errText, c+": ") {
			return true
		}
	}
	return false
}

// maxErrorBytes bounds Result.Error: a failure is a code and a short message.
const maxErrorBytes = 1024

// Limits bound one run. A zero field takes its value from DefaultLimits.
type Limits struct {
	Timeout           time.Duration // wall time of the whole run, fetches included
	MaxHeapBytes      uint64        // memory of the worker process (enforced by package worker, not by Run)
	MaxCallStack      int           // JS call depth
	MaxResponseBytes  int           // size of the setResponse string
	MaxFetches        int           // fetch() calls
	MaxFetchBodyBytes int           // request and response body of one fetch
	MaxSignatures     int           // signEcdsa() calls
	MaxLogBytes       int           // console output as encoded in the result: each line costs its bytes + 1 + its length varint
}

// DefaultLimits are used for every zero field of Env.Limits.
func DefaultLimits() Limits {
	return Limits{
		Timeout:           30 * time.Second,
		MaxHeapBytes:      256 << 20,
		MaxCallStack:      2000,
		MaxResponseBytes:  64 << 10,
		MaxFetches:        50,
		MaxFetchBodyBytes: 1 << 20,
		MaxSignatures:     10,
		MaxLogBytes:       64 << 10,
	}
}

// WithDefaults fills every zero field from DefaultLimits.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	def(&l.Timeout, d.Timeout)
	def(&l.MaxHeapBytes, d.MaxHeapBytes)
	def(&l.MaxCallStack, d.MaxCallStack)
	def(&l.MaxResponseBytes, d.MaxResponseBytes)
	def(&l.MaxFetches, d.MaxFetches)
	def(&l.MaxFetchBodyBytes, d.MaxFetchBodyBytes)
	def(&l.MaxSignatures, d.MaxSignatures)
	def(&l.MaxLogBytes, d.MaxLogBytes)
	return l
}

func def[T int | uint64 | time.Duration](p *T, d T) {
	if *p <= 0 {
		*p = d
	}
}

// Header is one HTTP header line.
type Header struct{ Name, Value string }

// FetchRequest is a request as the action issued it (method upper-cased, GET by default).
type FetchRequest struct {
	Method  string
	URL     string
	Headers []Header
	Body    []byte
}

// FetchResponse is what a Fetcher returns.
type FetchResponse struct {
	Status  int
	Headers []Header
	Body    []byte
}

// Fetch is one transcript entry: exactly one of Response and Error is set.
type Fetch struct {
	Request  FetchRequest
	Response *FetchResponse
	Error    string
}

// SignKind is what a SignRequest asks the PKP to sign; the values are types.SignKind's.
type SignKind int32

const (
	// SignDigest is Lit.Actions.signEcdsa: ToSign, 32 bytes, signed as given.
	SignDigest SignKind = 0
	// SignPersonalMessage is Lit.Actions.ethPersonalSignMessageEcdsa: Message, whose EIP-191 hash the
	// chain (not the sandbox) computes and signs.
	SignPersonalMessage SignKind = 1
)

// SignRequest is one Lit.Actions.signEcdsa or ethPersonalSignMessageEcdsa call.
type SignRequest struct {
	SigName   string
	PublicKey string // as the action gave it (0x-hex); validated as a secp256k1 point
	Kind      SignKind
	ToSign    []byte // SignDigest: 32 bytes
	Message   []byte // SignPersonalMessage: at most MaxMessageBytes
}

// Fetcher performs the i-th fetch of a run. It is called on its own goroutine.
type Fetcher interface {
	Fetch(ctx context.Context, i int, req FetchRequest) (FetchResponse, error)
}

// Permissions answers the permission reads of Lit.Actions. A list has at most
// MaxListedPermissions entries: an implementation fails the read of a PKP that has more, so an
// action never sees part of a list. An error is an answer (recorded, thrown to the action), the
// same on every validator: a bad argument, an unknown PKP. A failure to read at all wraps
// ErrUnavailable instead.
type Permissions interface {
	IsPermittedAction(tokenID, cid string) (bool, error)
	PermittedActions(tokenID string) ([]string, error)
	IsPermittedAddress(tokenID, address string) (bool, error)
	PermittedAddresses(tokenID string) ([]string, error)
	// userID is an auth method id as x/pkp takes it: 0x-hex bytes, or any other string as its UTF-8.
	IsPermittedAuthMethod(tokenID string, authMethodType uint64, userID string) (bool, error)
	PermittedAuthMethods(tokenID string) ([]AuthMethod, error)
	// AuthMethodScopes lists the scope ids the auth method has on the PKP (none if it is not permitted).
	AuthMethodScopes(tokenID string, authMethodType uint64, userID string) ([]uint64, error)
}

// ErrUnavailable marks (wrapped) a Permissions error that is no answer: the validator could not read
// the state (its height not committed yet or pruned, a store failure). It says nothing about the PKP and
// differs between validators, so the run ends with CrashError, a resource failure that keeps no reads,
// instead of showing it to the action or recording it.
var ErrUnavailable = errors.New("permission state unavailable")

// MaxListedPermissions bounds the entries of a list read (getPermittedActions, getPermittedAddresses
// besides the owner, getPermittedAuthMethods).
const MaxListedPermissions = 128

// AuthMethod is one entry of getPermittedAuthMethods: ID is the id's bytes, 0x-hex.
type AuthMethod struct {
	Type       uint64
	ID         string
	UserPubkey string
}

// Auth is Lit.Auth: who asked for the run, as the chain recorded it with the execution.
type Auth struct {
	// ActionIPFSIDs holds the CID of the executing action.
	ActionIPFSIDs []string `json:"actionIpfsIds"`
	// AuthSigAddress is the account that signed MsgExecuteAction (bech32); AuthSigAddressHex the same
	// 20 address bytes as 0x-hex (not the Ethereum address of the account's key).
	AuthSigAddress    string `json:"authSigAddress"`
	AuthSigAddressHex string `json:"authSigAddressHex"`
	// AuthMethodContexts are the auth methods the chain verified for the caller.
	AuthMethodContexts []AuthMethodContext `json:"authMethodContexts"`
}

// AuthMethodContext is one entry of Lit.Auth.authMethodContexts.
type AuthMethodContext struct {
	AuthMethodType uint64 `json:"authMethodType"`
	UserID         string `json:"userId"`
	AppID          string `json:"appId,omitempty"`
	AuthMethodID   string `json:"authMethodId,omitempty"`
}

// Env is everything a run depends on.
type Env struct {
	Code        string
	JSParams    string   // JSON object (or empty); each key becomes a global, the object is `jsParams`
	Seed        [32]byte // seeds Math.random
	Now         time.Time
	Limits      Limits
	Fetcher     Fetcher     // nil: every fetch fails
	Permissions Permissions // nil: permission reads fail
	Auth        Auth        // Lit.Auth
}

// The permission reads an action can make (PermissionRead.Op), named after their Lit.Actions calls.
const (
	OpIsPermittedAction     = "isPermittedAction"
	OpPermittedActions      = "getPermittedActions"
	OpIsPermittedAddress    = "isPermittedAddress"
	OpPermittedAddresses    = "getPermittedAddresses"
	OpIsPermittedAuthMethod = "isPermittedAuthMethod"
	OpPermittedAuthMethods  = "getPermittedAuthMethods"
	OpAuthMethodScopes      = "getPermittedAuthMethodScopes"
)

// PermissionRead is one permission read of a run and its answer, in call order. The final run's reads
// are part of its result, so a replay answers them from the record instead of from today's state.
// Op names the call; TokenID, CID, Address, AuthMethodType and UserID are its arguments (those it
// has), the other fields its answer.
type PermissionRead struct {
	Op             string
	TokenID        string
	CID            string // isPermittedAction
	Permitted      bool   // isPermitted*
	CIDs           []string
	Error          string
	Address        string // isPermittedAddress
	AuthMethodType uint64 // isPermittedAuthMethod, getPermittedAuthMethodScopes
	UserID         string // as AuthMethodType
	Addresses      []string
	AuthMethods    []AuthMethod
	Scopes         []uint64
}

// readKey is what identifies a read: its call and arguments.
type readKey struct {
	op, tokenID, cid, address string
	authMethodType            uint64
	userID                    string
}

func (r PermissionRead) key() readKey {
	return readKey{r.Op, r.TokenID, r.CID, r.Address, r.AuthMethodType, r.UserID}
}

// failed is the read with its arguments and err instead of an answer.
func (r PermissionRead) failed(err error) PermissionRead {
	return PermissionRead{Op: r.Op, TokenID: r.TokenID, CID: r.CID, Address: r.Address, AuthMethodType: r.AuthMethodType,
		UserID: r.UserID, Error: err.Error()}
}

// Result of a run. On failure Error is set and Response and SignRequests are empty; Logs and Reads
// are kept for failures the action caused (an exception, a limit) and dropped for resource failures
// (see ResourceCodes), whose failure point is not the same on every machine.
type Result struct {
	Response     string
	Logs         []string
	SignRequests []SignRequest
	Reads        []PermissionRead
	Fetches      []Fetch
	Error        string
}

// Digest is SHA-256 over the encoding documented in doc.go (Fetches are not included).
func (r Result) Digest() [32]byte {
	h := sha256.New()
	u := func(x uint64) { _ = binary.Write(h, binary.BigEndian, x) }
	n := func(x int) { u(uint64(x)) }
	b := func(s []byte) { n(len(s)); h.Write(s) }
	h.Write([]byte("litd/actions/sandbox/result/v1"))
	b([]byte(r.Response))
	n(len(r.Logs))
	for _, l := range r.Logs {
		b([]byte(l))
	}
	n(len(r.SignRequests))
	for _, s := range r.SignRequests {
		b([]byte(s.SigName))
		b([]byte(s.PublicKey))
		b(s.ToSign)
		n(int(s.Kind))
		b(s.Message)
	}
	n(len(r.Reads))
	for _, rd := range r.Reads {
		b([]byte(rd.Op))
		b([]byte(rd.TokenID))
		b([]byte(rd.CID))
		if rd.Permitted {
			n(1)
		} else {
			n(0)
		}
		n(len(rd.CIDs))
		for _, c := range rd.CIDs {
			b([]byte(c))
		}
		b([]byte(rd.Error))
		b([]byte(rd.Address))
		u(rd.AuthMethodType)
		b([]byte(rd.UserID))
		n(len(rd.Addresses))
		for _, a := range rd.Addresses {
			b([]byte(a))
		}
		n(len(rd.AuthMethods))
		for _, a := range rd.AuthMethods {
			u(a.Type)
			b([]byte(a.ID))
			b([]byte(a.UserPubkey))
		}
		n(len(rd.Scopes))
		for _, sc := range rd.Scopes {
			u(sc)
		}
	}
	b([]byte(r.Error))
	var d [32]byte
	copy(d[:], h.Sum(nil))
	return d
}

// TimeoutError is the one failure text of a run that hit Limits.Timeout, however it was stopped
// (interrupt, abandoned native call, killed worker), so validators agree on it byte for byte.
func TimeoutError(l Limits) string { return timeoutError(l).Error() }

func timeoutError(l Limits) *runError {
	return errorf(CodeTimeout, "the action did not finish within %v", l.WithDefaults().Timeout)
}

// MemoryError is the failure text of a run whose worker ran out of memory.
func MemoryError(l Limits) string {
	return errorf(CodeMemory, "the action used more than the %d MiB its worker may have", l.WithDefaults().MaxHeapBytes>>20).Error()
}

// CrashError is the failure text of a run whose worker ended without a result for another reason.
func CrashError() string { return crashError().Error() }

func crashError() *runError {
	return errorf(CodeCrashed, "the action's worker process ended without a result")
}

// FetchError is a failed fetch's text as the transcript keeps it: at most MaxFetchErrorBytes.
func FetchError(err error) string { return truncate(err.Error(), MaxFetchErrorBytes) }

// truncate cuts s to at most n bytes, dropping a rune the cut split.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

type runError struct{ code, msg string }

func (e *runError) Error() string { return e.code + ": " + e.msg }

func errorf(code, format string, args ...any) *runError {
	return &runError{code: code, msg: fmt.Sprintf(format, args...)}
}

// abandonGrace is how long Run waits for the VM to unwind after an interrupt before giving up on it.
var abandonGrace = time.Second

// pending is one fetch in flight.
type pending struct {
	i               int
	done            chan struct{}
	resp            FetchResponse
	err             error
	resolve, reject func(any) error
}

type state struct {
	ctx context.Context
	env Env
	lim Limits
	vm  *goja.Runtime

	mu       sync.Mutex
	abortErr *runError
	aborted  chan struct{}

	response   string
	logs       []string
	logBytes   int
	logsCut    bool
	signs      []SignRequest
	msgBytes   int
	reads      []PermissionRead
	readBytes  int
	fetches    []Fetch
	queue      []*pending
	rejections []*goja.Promise
}

// Run executes env.Code and returns its result. It never panics and returns within about
// Limits.Timeout (plus a one-second grace period if a native call ignores the interrupt).
func Run(ctx context.Context, env Env) Result {
	lim := env.Limits.WithDefaults()
	ctx, cancel := context.WithTimeout(ctx, lim.Timeout)
	defer cancel()
	s := &state{ctx: ctx, env: env, lim: lim, vm: goja.New(), aborted: make(chan struct{})}
	out := make(chan Result, 1)
	go func() { out <- s.exec() }()
	select {
	case r := <-out:
		return r
	case <-ctx.Done():
		s.contextEnded()
	case <-s.aborted:
	}
	select {
	case r := <-out:
		return r
	case <-time.After(abandonGrace):
		// A native call ignored the interrupt; the run is abandoned (a worker process exits after it).
		return Result{Error: s.abortError().Error()}
	}
}

// abort records the first fatal error and interrupts the VM. Safe from any goroutine.
func (s *state) abort(err *runError) {
	s.mu.Lock()
	if s.abortErr == nil {
		s.abortErr = err
		close(s.aborted)
	}
	s.mu.Unlock()
	s.vm.Interrupt(err)
}

func (s *state) abortError() *runError {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.abortErr
}

// contextEnded aborts the run because its context ended: a timeout at the
// run's deadline, canceled when the caller gave up.
func (s *state) contextEnded() {
	if errors.Is(s.ctx.Err(), context.DeadlineExceeded) {
		s.abort(timeoutError(s.lim))
	} else {
		s.abort(errorf(CodeCanceled, "%v", s.ctx.Err()))
	}
}

// fail aborts the run from native code on the VM goroutine.
func (s *state) fail(err *runError) {
	s.abort(err)
	panic(s.vm.NewGoError(err))
}

func (s *state) exec() (res Result) {
	defer func() {
		if r := recover(); r != nil {
			res = Result{Error: fmt.Sprintf("%s: panic: %v", CodeInternal, r)}
		}
	}()
	prg, err := goja.Compile("action.js", s.env.Code, false)
	if err != nil {
		return s.result(errorf(CodeSyntax, "%s", strings.TrimPrefix(err.Error(), "SyntaxError: ")))
	}
	return s.result(s.run(prg))
}

func (s *state) run(prg *goja.Program) error {
	vm := s.vm
	rng := rand.NewChaCha8(s.env.Seed)
	vm.SetRandSource(func() float64 { return float64(rng.Uint64()>>11) / (1 << 53) })
	now := s.env.Now
	vm.SetTimeSource(func() time.Time { return now })
	vm.SetMaxCallStackSize(s.lim.MaxCallStack)
	vm.SetPromiseRejectionTracker(func(p *goja.Promise, op goja.PromiseRejectionOperation) {
		if op == goja.PromiseRejectionReject {
			s.rejections = append(s.rejections, p)
			return
		}
		for i, q := range s.rejections {
			if q == p {
				s.rejections = append(s.rejections[:i], s.rejections[i+1:]...)
				break
			}
		}
	})
	if err := s.install(); err != nil {
		return err
	}
	if _, err := vm.RunProgram(prg); err != nil {
		return err
	}
	// Drive the job queue: settle fetches in the order they were issued, so the order in which
	// the action observes them (and so its result) does not depend on network timing.
	for len(s.queue) > 0 {
		p := s.queue[0]
		select {
		case <-p.done:
		case <-s.aborted:
			return s.abortError()
		}
		s.queue = s.queue[1:]
		if err := s.settle(p); err != nil {
			return err
		}
	}
	for _, p := range s.rejections {
		if p.State() == goja.PromiseStateRejected {
			return errorf(CodeException, "unhandled rejection: %s", p.Result().String())
		}
	}
	return nil
}

// result turns the end of a run into a Result.
func (s *state) result(err error) Result {
	for i := range s.fetches {
		if f := &s.fetches[i]; f.Response == nil && f.Error == "" {
			f.Error = ErrRunEnded.Error()
		}
	}
	res := Result{Logs: s.logs, Fetches: s.fetches, Reads: s.reads}
	var (
		re *runError
		ex *goja.Exception
		so *goja.StackOverflowError
	)
	switch abortErr := s.abortError(); {
	case abortErr != nil:
		re = abortErr
	case err == nil:
		res.Response, res.SignRequests = s.response, s.signs
		return res
	case errors.As(err, &re):
	case errors.As(err, &so):
		re = errorf(CodeStackOverflow, "call stack exceeded %d frames", s.lim.MaxCallStack)
	case errors.As(err, &ex):
		re = errorf(CodeException, "%s", ex.Error())
	default:
		re = errorf(CodeInternal, "%v", err)
	}
	res.Error = truncate(re.Error(), maxErrorBytes)
	if IsResourceFailure(res.Error) || re.code == CodeCanceled {
		// Where a timeout struck depends on the machine: keep nothing that ran before it.
		res.Logs, res.Reads = nil, nil
	}
	return res
}

// RecordedPermissions answers permission reads from a run's record, in order: a replay sees what
// the validators saw at the execution's height, whatever the PKP's permissions are today. A read
// that differs from the record fails, and so does the replay.
type RecordedPermissions struct {
	Reads []PermissionRead
	next  int
}

// take answers the next read, which must have the call and arguments of want.
func (p *RecordedPermissions) take(want PermissionRead) (PermissionRead, error) {
	if p.next >= len(p.Reads) {
		return PermissionRead{}, fmt.Errorf("permission read %d (%s %s) is not in the record", p.next, want.Op, want.TokenID)
	}
	r := p.Reads[p.next]
	p.next++
	if r.key() != want.key() {
		return PermissionRead{}, fmt.Errorf("permission read %d (%s %s) differs from the record (%s %s)", p.next-1, want.Op, want.TokenID, r.Op, r.TokenID)
	}
	if r.Error != "" {
		return r, errors.New(r.Error)
	}
	return r, nil
}

// IsPermittedAction implements Permissions.
func (p *RecordedPermissions) IsPermittedAction(tokenID, cid string) (bool, error) {
	r, err := p.take(PermissionRead{Op: OpIsPermittedAction, TokenID: tokenID, CID: cid})
	return r.Permitted, err
}

// PermittedActions implements Permissions.
func (p *RecordedPermissions) PermittedActions(tokenID string) ([]string, error) {
	r, err := p.take(PermissionRead{Op: OpPermittedActions, TokenID: tokenID})
	return r.CIDs, err
}

// IsPermittedAddress implements Permissions.
func (p *RecordedPermissions) IsPermittedAddress(tokenID, address string) (bool, error) {
	r, err := p.take(PermissionRead{Op: OpIsPermittedAddress, TokenID: tokenID, Address: address})
	return r.Permitted, err
}

// PermittedAddresses implements Permissions.
func (p *RecordedPermissions) PermittedAddresses(tokenID string) ([]string, error) {
	r, err := p.take(PermissionRead{Op: OpPermittedAddresses, TokenID: tokenID})
	return r.Addresses, err
}

// IsPermittedAuthMethod implements Permissions.
func (p *RecordedPermissions) IsPermittedAuthMethod(tokenID string, authMethodType uint64, userID string) (bool, error) {
	r, err := p.take(PermissionRead{Op: OpIsPermittedAuthMethod, TokenID: tokenID, AuthMethodType: authMethodType, UserID: userID})
	return r.Permitted, err
}

// PermittedAuthMethods implements Permissions.
func (p *RecordedPermissions) PermittedAuthMethods(tokenID string) ([]AuthMethod, error) {
	r, err := p.take(PermissionRead{Op: OpPermittedAuthMethods, TokenID: tokenID})
	return r.AuthMethods, err
}

// AuthMethodScopes implements Permissions.
func (p *RecordedPermissions) AuthMethodScopes(tokenID string, authMethodType uint64, userID string) ([]uint64, error) {
	r, err := p.take(PermissionRead{Op: OpAuthMethodScopes, TokenID: tokenID, AuthMethodType: authMethodType, UserID: userID})
	return r.Scopes, err
}

// RuntimeVersion names this sandbox and its JavaScript engine. Every result records it, and a
// replay says when its own differs. Change it with any change that can change a result.
const RuntimeVersion = "litd-sandbox/5 goja/v0.0.0-20260917113740-793a2a65c13b"
