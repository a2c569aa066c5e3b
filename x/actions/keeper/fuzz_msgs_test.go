package keeper_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/testutil/fuzzmsg"
	"github.com/litprotocol/litd/x/actions/keeper"
	"github.com/litprotocol/litd/x/actions/sandbox"
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
	actionsFuzzKinds.RequireCovers(f, "lit.actions.v1.Msg")
	actionsFuzzSeeds().AddTo(f)
	f.Fuzz(func(t *testing.T, sel1 byte, msg1 []byte, sel2 byte, msg2 []byte) {
		e := actionsFuzzEnv(t)
		// The world is never written: each input runs in a branch of it.
		run := fuzzmsg.Branch(e.f.ctx)
		e.step(t, run, sel1, msg1)
		e.step(t, run, sel2, msg2)
	})
}

// actionsFuzzKinds is every Msg of lit.actions.v1.Msg, in the order sel picks them.
var actionsFuzzKinds = fuzzmsg.Kinds{
	func() sdk.Msg { return &types.MsgUploadAction{} },
	func() sdk.Msg { return &types.MsgExecuteAction{} },
	func() sdk.Msg { return &types.MsgUpdateParams{} },
}

// deliver hands msg to the message server.
func (e *actionsFuzzWorld) deliver(ctx sdk.Context, msg sdk.Msg) (proto.Message, error) {
	msgs := e.f.msgs
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

var actionsFuzzSymNames = fuzzmsg.Symbols{
	"caller", "gov", "CALLER", "cosmos", "valoper", "",
	"helloCID", "otherCID", "badCID", "longCID",
	"hello", "code", "bigCode", "badUTF8",
	"{}", "obj", "null", "array", "broken", "bigParams", "dupKeys",
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
	e := &actionsFuzzWorld{f: f, syms: actionsFuzzSymNames.Values(t, values)}
	actionsFuzzCached = e
	return e
}

// ---------------------------------------------------------------- one step

func (e *actionsFuzzWorld) step(t *testing.T, run sdk.Context, sel byte, raw []byte) {
	msg, ok := actionsFuzzKinds.Decode(sel, raw, e.syms)
	if !ok {
		return
	}
	f, k := e.f, e.f.k

	pre, err := k.ExportGenesis(run)
	require.NoError(t, err)

	// ExecuteAction reports x/pkp's ErrInvalidCID for a malformed CID.
	res, err := fuzzmsg.Deliver(t, f.ctx, run, msg, e.deliver, types.ModuleName, pkptypes.ModuleName)
	if err != nil {
		return
	}
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
		var obj map[string]json.RawMessage
		_ = json.Unmarshal([]byte(m.JsParams), &obj) // "" is {}
		for k := range obj {
			require.False(t, sandbox.IsReservedGlobal(k), "accepted js_params with the reserved key %q", k)
		}
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

func actionsFuzzSeeds() *fuzzmsg.Seeds {
	r, none := actionsFuzzSymNames.Ref, actionsFuzzKinds.None()
	seeds := fuzzmsg.NewSeeds(actionsFuzzKinds)
	one, two := seeds.One, seeds.Two
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
	seeds.Raw(0, nil, none, nil)
	seeds.Raw(1, []byte{0x0a, 0x02, '$', 0, 0x12, 0x02, '$', 6, 0x22, 0x01}, 0, []byte{0x12, 0x80})
	return seeds
}
