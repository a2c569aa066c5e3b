// Package fuzzmsg is the harness of the Msg fuzz targets (FuzzPKPMsgs,
// FuzzTSSMsgs, FuzzActionsMsgs). An input is two steps (sel, msg): sel picks
// a Msg kind of the module and msg is its protobuf encoding, in which any
// string "$<b>" stands for a value of the module's world. A step delivers the
// Msg in a branch of the state; a failing handler must return a registered
// error and leave every store as it was. What a success must do, and the
// world, belong to each module's test.
package fuzzmsg

import (
	"encoding/hex"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/reflect/protoreflect"

	errorsmod "cosmossdk.io/errors"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
)

// Kinds is every Msg of a module's Msg service, in the order sel picks them
// ((sel & 0x7f) % (len+1); len picks no message).
type Kinds []func() sdk.Msg

// RequireCovers fails unless k holds exactly the inputs of service (e.g.
// "lit.pkp.v1.Msg").
func (k Kinds) RequireCovers(t testing.TB, service string) {
	t.Helper()
	d, err := proto.HybridResolver.FindDescriptorByName(protoreflect.FullName(service))
	require.NoError(t, err)
	methods := d.(protoreflect.ServiceDescriptor).Methods()
	var want, have []string
	for i := range methods.Len() {
		want = append(want, string(methods.Get(i).Input().FullName()))
	}
	for _, kind := range k {
		have = append(have, proto.MessageName(kind()))
	}
	slices.Sort(want)
	slices.Sort(have)
	require.Equal(t, want, have, "%s must cover every Msg of %s", t.Name(), service)
}

// None is the sel that picks no message.
func (k Kinds) None() byte { return byte(len(k)) }

// Sel is the sel that picks msg's kind.
func (k Kinds) Sel(msg sdk.Msg) byte {
	for i, kind := range k {
		if proto.MessageName(kind()) == proto.MessageName(msg) {
			return byte(i)
		}
	}
	panic(fmt.Sprintf("%T is not one of the fuzzed Msg kinds", msg))
}

// Decode is the Msg that sel picks, decoded from raw, with every "$<b>"
// replaced by syms[b % len(syms)]; false for no message or for bytes that do
// not decode.
func (k Kinds) Decode(sel byte, raw []byte, syms []string) (sdk.Msg, bool) {
	i := int(sel&0x7f) % (len(k) + 1)
	if i == len(k) {
		return nil, false
	}
	msg := k[i]()
	if err := proto.Unmarshal(raw, msg); err != nil {
		return nil, false
	}
	resolveRefs(reflect.ValueOf(msg), syms)
	return msg, true
}

// resolveRefs replaces, in place, every settable string "$<b>" in v.
func resolveRefs(v reflect.Value, syms []string) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			resolveRefs(v.Elem(), syms)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				resolveRefs(v.Field(i), syms)
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		for i := range v.Len() {
			resolveRefs(v.Index(i), syms)
		}
	case reflect.String:
		if s := v.String(); len(s) == 2 && s[0] == '$' {
			v.SetString(syms[int(s[1])%len(syms)])
		}
	}
}

// Symbols names the values that "$<b>" stands for, b indexing it.
type Symbols []string

// Ref is the two-byte string that stands for the named symbol.
func (s Symbols) Ref(name string) string {
	i := slices.Index(s, name)
	if i < 0 {
		panic("unknown fuzz symbol " + name)
	}
	return "$" + string(rune(i))
}

// Values is the value of every symbol, in order; it fails if vals lacks one.
func (s Symbols) Values(t testing.TB, vals map[string]string) []string {
	t.Helper()
	var out []string
	for _, n := range s {
		v, ok := vals[n]
		require.True(t, ok, n)
		out = append(out, v)
	}
	return out
}

// Seeds is the seed corpus of a fuzz target.
type Seeds struct {
	kinds Kinds
	list  []seed
}

// seed is one input: the arguments of the fuzz function.
type seed struct {
	sel1 byte
	msg1 []byte
	sel2 byte
	msg2 []byte
}

// NewSeeds is an empty corpus for a target whose sel picks from kinds.
func NewSeeds(kinds Kinds) *Seeds { return &Seeds{kinds: kinds} }

// One adds an input that delivers msg alone.
func (s *Seeds) One(msg sdk.Msg) { s.Raw(s.kinds.Sel(msg), Encode(msg), s.kinds.None(), nil) }

// Two adds an input that delivers a, then b.
func (s *Seeds) Two(a, b sdk.Msg) {
	s.Raw(s.kinds.Sel(a), Encode(a), s.kinds.Sel(b), Encode(b))
}

// Raw adds the input (sel1, msg1, sel2, msg2) as it is.
func (s *Seeds) Raw(sel1 byte, msg1 []byte, sel2 byte, msg2 []byte) {
	s.list = append(s.list, seed{sel1, msg1, sel2, msg2})
}

// AddTo adds every input to f's corpus.
func (s *Seeds) AddTo(f *testing.F) {
	for _, in := range s.list {
		f.Add(in.sel1, in.msg1, in.sel2, in.msg2)
	}
}

// Encode is msg's protobuf encoding.
func Encode(msg sdk.Msg) []byte {
	bz, err := proto.Marshal(msg)
	if err != nil {
		panic(err)
	}
	return bz
}

// Branch is a branch of ctx, with a fresh event manager and no gas limit, in
// which one input runs: the world in ctx is never written.
func Branch(ctx sdk.Context) sdk.Context {
	run, _ := ctx.WithEventManager(sdk.NewEventManager()).WithGasMeter(storetypes.NewInfiniteGasMeter()).CacheContext()
	return run
}

// Deliver runs deliver(msg) in a branch of run (itself a branch of base). If
// the handler fails, Deliver requires a registered error of one of
// codespaces and every store mounted in base unchanged, and returns the
// error. Otherwise it requires a response, writes the branch to run and
// returns the response.
func Deliver(t testing.TB, base, run sdk.Context, msg sdk.Msg, deliver func(sdk.Context, sdk.Msg) (proto.Message, error), codespaces ...string) (proto.Message, error) {
	t.Helper()
	before := dumpStores(t, base, run)
	cache, write := run.CacheContext()
	res, err := deliver(cache, msg)
	if err != nil {
		requireRegistered(t, err, codespaces...)
		require.Equal(t, before, dumpStores(t, base, cache), "%T failed (%v) but changed state", msg, err)
		return nil, err
	}
	require.NotNil(t, res)
	write()
	return res, nil
}

// dumpStores is every key and value of every store mounted in base, as seen
// from ctx (a branch of base).
func dumpStores(t testing.TB, base, ctx sdk.Context) map[string]string {
	t.Helper()
	ms, ok := base.MultiStore().(interface {
		StoreKeysByName() map[string]storetypes.StoreKey
	})
	require.True(t, ok, "%T", base.MultiStore())
	out := map[string]string{}
	for name, key := range ms.StoreKeysByName() {
		it := ctx.KVStore(key).Iterator(nil, nil)
		for ; it.Valid(); it.Next() {
			out[name+"/"+hex.EncodeToString(it.Key())] = hex.EncodeToString(it.Value())
		}
		require.NoError(t, it.Close())
	}
	return out
}

// requireRegistered fails unless err carries a registered ABCI code, other
// than 1 (internal), of one of the codespaces.
func requireRegistered(t testing.TB, err error, codespaces ...string) {
	t.Helper()
	space, code, _ := errorsmod.ABCIInfo(err, false)
	require.NotEqual(t, errorsmod.UndefinedCodespace, space, "unregistered error: %v", err)
	require.NotEqual(t, uint32(1), code, "internal error: %v", err)
	require.Contains(t, codespaces, space, "error from an unexpected codespace: %v", err)
}
