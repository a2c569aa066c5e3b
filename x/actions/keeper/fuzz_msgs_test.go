package keeper_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/reflect/protoreflect"

	errorsmod "cosmossdk.io/errors"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/actions/keeper"
	"github.com/litprotocol/litd/x/actions/types"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
)

// FuzzActionsMsgs feeds every x/actions Msg to the real message server, on
// the keeper tests' fixture (real x/pkp and x/tss with an active root key;
// hello uploaded, one execution open), and checks:
//
//  1. no panic;
//  2. a failing handler returns a registered x/actions (or, for a malformed
//     CID, x/pkp) error, never ABCI code 1 ("internal"), and leaves every
//     store exactly as it was;
//  3. after a success the exported genesis validates, open executions are
//     executions in an open status whose js_params is a JSON object, and the
//     message did what it says: UploadAction stores its code under CID(code);
//     ExecuteAction opens exactly one execution, of a stored action, due
//     execution_timeout_blocks later; UpdateParams comes from the authority.
//
// Input: two steps (sel, msg). (sel & 0x7f) % 4 picks the Msg type in
// actionsFuzzKinds order (3: no message) and msg is its protobuf encoding.
// Any string field of exactly two bytes "$<b>" is replaced by the value of
// actionsFuzzSymNames[b % len]: accounts, CIDs, code and js_params, some
// over the default limits. A successful first step is kept for the second
// (e.g. UpdateParams, then ExecuteAction).
//
//	FUZZTIME=60s bash scripts/fuzz.sh FuzzActionsMsgs
func FuzzActionsMsgs(f *testing.F) {
	actionsFuzzCheckKinds(f)
	for _, s := range actionsFuzzSeeds() {
		f.Add(s.sel1, s.msg1, s.sel2, s.msg2)
	}
	f.Fuzz(func(t *testing.T, sel1 byte, msg1 []byte, sel2 byte, msg2 []byte) {
		e := actionsFuzzEnv(t)
		// The world is never written: each input runs in a branch of it.
		run, _ := e.f.ctx.WithEventManager(sdk.NewEventManager()).WithGasMeter(storetypes.NewInfiniteGasMeter()).CacheContext()
		e.step(t, run, sel1, msg1)
		e.step(t, run, sel2, msg2)
	})
}

// actionsFuzzKinds is every Msg of lit.actions.v1.Msg, in the order sel picks them.
var actionsFuzzKinds = []func() sdk.Msg{
	func() sdk.Msg { return &types.MsgUploadAction{} },
	func() sdk.Msg { return &types.MsgExecuteAction{} },
	func() sdk.Msg { return &types.MsgUpdateParams{} },
}

func actionsFuzzCheckKinds(f *testing.F) {
	d, err := proto.HybridResolver.FindDescriptorByName("lit.actions.v1.Msg")
	require.NoError(f, err)
	methods := d.(protoreflect.ServiceDescriptor).Methods()
	var want, have []string
	for i := range methods.Len() {
		want = append(want, string(methods.Get(i).Input().FullName()))
	}
	for _, k := range actionsFuzzKinds {
		have = append(have, proto.MessageName(k()))
	}
	slices.Sort(want)
	slices.Sort(have)
	require.Equal(f, want, have, "FuzzActionsMsgs must cover every Msg of lit.actions.v1.Msg")
}

func actionsFuzzDeliver(msgs types.MsgServer, ctx sdk.Context, msg sdk.Msg) (proto.Message, error) {
	switch m := msg.(type) {
	case *types.MsgUploadAction:
		return msgs.UploadAction(ctx, m)
	case *types.MsgExecuteAction:
		return msgs.ExecuteAction(ctx, m)
	case *types.MsgUpdateParams:
		return msgs.UpdateParams(ctx, m)
	}
	panic(fmt.Sprintf("no handler for %T", msg))
}

// ---------------------------------------------------------------- symbols

var actionsFuzzSymNames = []string{
	"caller", "gov", "CALLER", "cosmos", "valoper", "",
	"helloCID", "otherCID", "badCID", "longCID",
	"hello", "code", "bigCode", "badUTF8",
	"{}", "obj", "null", "array", "broken", "bigParams", "dupKeys",
}

func actionsFuzzRef(name string) string {
	i := slices.Index(actionsFuzzSymNames, name)
	if i < 0 {
		panic("unknown fuzz symbol " + name)
	}
	return "$" + string(rune(i))
}

// fuzzResolveRefs replaces, in place, every settable string "$<b>" in v.
func fuzzResolveRefs(v reflect.Value, syms []string) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			fuzzResolveRefs(v.Elem(), syms)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fuzzResolveRefs(v.Field(i), syms)
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		for i := range v.Len() {
			fuzzResolveRefs(v.Index(i), syms)
		}
	case reflect.String:
		if s := v.String(); len(s) == 2 && s[0] == '$' {
			v.SetString(syms[int(s[1])%len(syms)])
		}
	}
}

// ---------------------------------------------------------------- environment

type actionsFuzzWorld struct {
	f    *fixture
	syms []string
}

var actionsFuzzCached *actionsFuzzWorld

// actionsFuzzEnv builds the world once per process (inputs never write to it).
func actionsFuzzEnv(t *testing.T) *actionsFuzzWorld {
	if actionsFuzzCached != nil {
		return actionsFuzzCached
	}
	f := newFixture(t)
	require.Equal(t, helloCID, f.upload(t, hello))
	f.execute(t, hello)
	values := map[string]string{
		"caller": caller, "gov": gov, "CALLER": strings.ToUpper(caller), "": "",
		"cosmos": mustBech32("cosmos", make([]byte, 20)), "valoper": mustBech32("litvaloper", make([]byte, 20)),
		"helloCID": helloCID, "otherCID": types.CID([]byte("never uploaded")), "badCID": "Qm123", "longCID": strings.Repeat("Qm", 65),
		"hello": hello, "code": "Lit.Actions.setResponse({response: 'x'})",
		"bigCode": strings.Repeat("/", int(types.DefaultParams().MaxCodeBytes)+1), "badUTF8": "a\xff\xfe",
		"{}": "{}", "obj": `{"n": 7, "s": "x"}`, "null": "null", "array": "[1]", "broken": `{"n":`,
		"bigParams": `{"s":"` + strings.Repeat("x", int(types.DefaultParams().MaxJsParamsBytes)) + `"}`,
		"dupKeys":   `{"a":1,"a":2}`,
	}
	e := &actionsFuzzWorld{f: f}
	for _, n := range actionsFuzzSymNames {
		v, ok := values[n]
		require.True(t, ok, n)
		e.syms = append(e.syms, v)
	}
	actionsFuzzCached = e
	return e
}

// fuzzDumpStores is every key and value of every store mounted in base, as
// seen from ctx (a branch of base).
func fuzzDumpStores(t *testing.T, base, ctx sdk.Context) map[string]string {
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

// fuzzRequireRegistered fails unless err carries a registered ABCI code of
// one of the codespaces.
func fuzzRequireRegistered(t *testing.T, err error, codespaces ...string) {
	t.Helper()
	space, code, _ := errorsmod.ABCIInfo(err, false)
	require.NotEqual(t, errorsmod.UndefinedCodespace, space, "unregistered error: %v", err)
	require.NotEqual(t, uint32(1), code, "internal error: %v", err)
	require.Contains(t, codespaces, space, "error from an unexpected codespace: %v", err)
}

// ---------------------------------------------------------------- one step

func (e *actionsFuzzWorld) step(t *testing.T, run sdk.Context, sel byte, raw []byte) {
	i := int(sel&0x7f) % (len(actionsFuzzKinds) + 1)
	if i == len(actionsFuzzKinds) {
		return
	}
	msg := actionsFuzzKinds[i]()
	if err := proto.Unmarshal(raw, msg); err != nil {
		return
	}
	fuzzResolveRefs(reflect.ValueOf(msg), e.syms)
	f, k := e.f, e.f.k

	before := fuzzDumpStores(t, f.ctx, run)
	pre, err := k.ExportGenesis(run)
	require.NoError(t, err)

	cache, write := run.CacheContext()
	res, err := actionsFuzzDeliver(f.msgs, cache, msg)
	if err != nil {
		// ExecuteAction reports x/pkp's ErrInvalidCID for a malformed CID.
		fuzzRequireRegistered(t, err, types.ModuleName, pkptypes.ModuleName)
		require.Equal(t, before, fuzzDumpStores(t, f.ctx, cache), "%T failed (%v) but changed state", msg, err)
		return
	}
	require.NotNil(t, res)
	write()
	actionsFuzzInvariants(t, k, run)
	post, err := k.ExportGenesis(run)
	require.NoError(t, err)
	accepted := func(code string) {
		require.NotEmpty(t, code)
		require.True(t, utf8.ValidString(code), "accepted code that is not UTF-8")
		require.LessOrEqual(t, uint64(len(code)), pre.Params.MaxCodeBytes, "accepted code over max_code_bytes")
	}

	switch m := msg.(type) {
	case *types.MsgUploadAction:
		_, err := sdk.AccAddressFromBech32(strings.ToLower(m.Uploader))
		require.NoError(t, err, "accepted uploader %q", m.Uploader)
		accepted(m.Code)
		cid := res.(*types.MsgUploadActionResponse).Cid
		require.Equal(t, types.CID([]byte(m.Code)), cid)
		a, err := k.GetAction(run, cid)
		require.NoError(t, err)
		require.Equal(t, m.Code, a.Code)
		require.Equal(t, pre.Executions, post.Executions)
	case *types.MsgExecuteAction:
		_, err := sdk.AccAddressFromBech32(strings.ToLower(m.Caller))
		require.NoError(t, err, "accepted caller %q", m.Caller)
		r := res.(*types.MsgExecuteActionResponse)
		if m.Cid != "" {
			require.Empty(t, m.Code)
			require.Equal(t, m.Cid, r.Cid)
			require.True(t, slices.ContainsFunc(pre.Actions, func(a types.Action) bool { return a.Cid == m.Cid }), "executed an action that was not stored")
		} else {
			accepted(m.Code)
			require.Equal(t, types.CID([]byte(m.Code)), r.Cid)
		}
		require.LessOrEqual(t, uint64(len(m.JsParams)), pre.Params.MaxJsParamsBytes, "accepted js_params over max_js_params_bytes")
		require.Equal(t, pre.NextExecutionId, r.ExecutionId)
		require.Equal(t, pre.NextExecutionId+1, post.NextExecutionId)
		require.Len(t, post.Executions, len(pre.Executions)+1)
		ex, err := k.GetExecution(run, r.ExecutionId)
		require.NoError(t, err)
		require.Equal(t, r.Cid, ex.Cid)
		require.Equal(t, types.EXECUTION_STATUS_FETCHING, ex.Status)
		require.Equal(t, run.BlockHeight(), ex.Height)
		open, err := k.OpenExecutions.Has(run, ex.Id)
		require.NoError(t, err)
		require.True(t, open)
		// The execution is due execution_timeout_blocks (>= 10) from now.
		require.Greater(t, ex.DeadlineHeight, ex.Height, "execution %d is past its deadline when opened", ex.Id)
		require.Equal(t, pre.Params.ExecutionTimeoutBlocks, uint64(ex.DeadlineHeight-ex.Height))
	case *types.MsgUpdateParams:
		require.Equal(t, gov, m.Authority)
		require.Equal(t, m.Params, post.Params)
		require.Equal(t, pre.Executions, post.Executions)
	default:
		t.Fatalf("unchecked success of %T", msg)
	}
}

// actionsFuzzInvariants: the genesis export validates, open executions exist
// and are open, and every execution's js_params is a JSON object.
func actionsFuzzInvariants(t *testing.T, k keeper.Keeper, ctx sdk.Context) {
	t.Helper()
	gs, err := k.ExportGenesis(ctx)
	require.NoError(t, err)
	require.NoError(t, gs.Validate())
	for _, ex := range gs.Executions {
		var obj map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(ex.JsParams), &obj), "execution %d js_params %q", ex.Id, ex.JsParams)
		require.NotNil(t, obj, "execution %d js_params %q", ex.Id, ex.JsParams)
	}
	require.NoError(t, k.OpenExecutions.Walk(ctx, nil, func(id uint64) (bool, error) {
		ex, err := k.GetExecution(ctx, id)
		require.NoError(t, err, "open execution %d", id)
		require.NotContains(t, []types.ExecutionStatus{types.EXECUTION_STATUS_COMPLETED, types.EXECUTION_STATUS_FAILED}, ex.Status, "open execution %d", id)
		return false, nil
	}))
}

// ---------------------------------------------------------------- seeds

type fuzzMsgSeed struct {
	sel1 byte
	msg1 []byte
	sel2 byte
	msg2 []byte
}

func actionsFuzzSel(msg sdk.Msg) byte {
	for i, k := range actionsFuzzKinds {
		if proto.MessageName(k()) == proto.MessageName(msg) {
			return byte(i)
		}
	}
	panic(fmt.Sprintf("%T is not a x/actions Msg", msg))
}

func fuzzEncode(msg sdk.Msg) []byte {
	bz, err := proto.Marshal(msg)
	if err != nil {
		panic(err)
	}
	return bz
}

func actionsFuzzSeeds() []fuzzMsgSeed {
	r := actionsFuzzRef
	none := byte(len(actionsFuzzKinds))
	var seeds []fuzzMsgSeed
	one := func(m sdk.Msg) { seeds = append(seeds, fuzzMsgSeed{actionsFuzzSel(m), fuzzEncode(m), none, nil}) }
	two := func(a, b sdk.Msg) {
		seeds = append(seeds, fuzzMsgSeed{actionsFuzzSel(a), fuzzEncode(a), actionsFuzzSel(b), fuzzEncode(b)})
	}
	upload := func(who, code string) *types.MsgUploadAction {
		return &types.MsgUploadAction{Uploader: r(who), Code: r(code)}
	}
	exec := func(who, cid, code, params string) *types.MsgExecuteAction {
		m := &types.MsgExecuteAction{Caller: r(who)}
		if cid != "" {
			m.Cid = r(cid)
		}
		if code != "" {
			m.Code = r(code)
		}
		if params != "" {
			m.JsParams = r(params)
		}
		return m
	}
	withParams := func(change func(*types.Params)) *types.MsgUpdateParams {
		p := types.DefaultParams()
		change(&p)
		return &types.MsgUpdateParams{Authority: r("gov"), Params: p}
	}

	for _, c := range [][2]string{
		{"caller", "code"}, {"CALLER", "hello"}, {"gov", "code"},
		{"caller", ""}, {"caller", "bigCode"}, {"caller", "badUTF8"}, {"cosmos", "code"}, {"valoper", "code"}, {"", "code"},
	} {
		one(upload(c[0], c[1]))
	}
	for _, c := range [][4]string{
		{"caller", "helloCID", "", ""}, {"caller", "helloCID", "", "obj"}, {"CALLER", "", "code", "{}"}, {"gov", "", "hello", "dupKeys"},
		{"caller", "otherCID", "", ""}, {"caller", "badCID", "", ""}, {"caller", "longCID", "", ""},
		{"caller", "helloCID", "code", ""}, {"caller", "", "", ""},
		{"caller", "", "bigCode", ""}, {"caller", "", "badUTF8", ""},
		{"caller", "helloCID", "", "null"}, {"caller", "helloCID", "", "array"}, {"caller", "helloCID", "", "broken"},
		{"caller", "helloCID", "", "bigParams"}, {"cosmos", "helloCID", "", ""}, {"", "helloCID", "", ""},
	} {
		one(exec(c[0], c[1], c[2], c[3]))
	}
	one(withParams(func(p *types.Params) { p.MaxCodeBytes = 1 << 20 }))
	one(&types.MsgUpdateParams{Authority: r("caller"), Params: types.DefaultParams()})
	one(&types.MsgUpdateParams{Authority: r("gov")})
	one(withParams(func(p *types.Params) { p.ExecutionTimeoutBlocks = 9 }))
	one(withParams(func(p *types.Params) { p.MaxFetches, p.MaxFetchBodyBytes = 64, 256*1024 }))
	one(withParams(func(p *types.Params) { p.TimeoutMs = 99 }))

	two(withParams(func(p *types.Params) { p.MaxCodeBytes = 4 }), upload("caller", "code"))
	two(withParams(func(p *types.Params) { p.MaxJsParamsBytes = 2 }), exec("caller", "helloCID", "", "obj"))
	two(withParams(func(p *types.Params) { p.ExecutionTimeoutBlocks = 10 }), exec("caller", "helloCID", "", ""))
	two(withParams(func(p *types.Params) { p.ExecutionTimeoutBlocks = 1 << 40 }), exec("caller", "", "code", ""))
	two(upload("caller", "code"), exec("gov", "", "code", "obj"))
	two(exec("caller", "", "code", ""), exec("caller", "helloCID", "", ""))
	seeds = append(seeds,
		fuzzMsgSeed{0, nil, none, nil},
		fuzzMsgSeed{1, []byte{0x0a, 0x02, '$', 0, 0x12, 0x02, '$', 6, 0x22, 0x01}, 0, []byte{0x12, 0x80}},
	)
	return seeds
}
