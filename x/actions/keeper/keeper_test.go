package keeper_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cosmos/gogoproto/proto"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/comet"
	"cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	"github.com/cosmos/cosmos-sdk/types/query"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/litprotocol/litd/app"
	"github.com/litprotocol/litd/x/actions/keeper"
	"github.com/litprotocol/litd/x/actions/types"
	pkpkeeper "github.com/litprotocol/litd/x/pkp/keeper"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	tsskeeper "github.com/litprotocol/litd/x/tss/keeper"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// ---------------------------------------------------------------- fixture

const (
	hello    = "hello world\n"
	helloCID = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o" // ipfs-only-hash@4.0.0
	power    = 10                                               // each of the four validators
	total    = 40
	height   = 100
)

var (
	caller = mustBech32("lit", bytes.Repeat([]byte{1}, 20))
	gov    = mustBech32("lit", authtypes.NewModuleAddress("gov"))
	// feeCollector is the module account name fees go to.
	feeCollector = authtypes.FeeCollectorName
	blockTime    = time.Unix(1_700_000_000, 0).UTC()
	vals         = func() (out [4]sdk.ValAddress) {
		for i := range out {
			out[i] = bytes.Repeat([]byte{0xa1 + byte(i)}, 20)
		}
		return out
	}()
)

func mustBech32(prefix string, bz []byte) string {
	s, err := address.NewBech32Codec(prefix).BytesToString(bz)
	if err != nil {
		panic(err)
	}
	return s
}

// ok fails the test on err and returns v: ok[T](t)(call()).
func ok[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		require.NoError(t, err)
		return v
	}
}

// fakeStaking: x/tss only needs it for DKG and signing sessions.
type fakeStaking struct{}

func (fakeStaking) GetValidator(context.Context, sdk.ValAddress) (stakingtypes.Validator, error) {
	return stakingtypes.Validator{}, stakingtypes.ErrNoValidatorFound
}

func (fakeStaking) PowerReduction(context.Context) sdkmath.Int { return sdk.DefaultPowerReduction }

func (fakeStaking) GetDelegation(context.Context, sdk.AccAddress, sdk.ValAddress) (stakingtypes.Delegation, error) {
	return stakingtypes.Delegation{}, stakingtypes.ErrNoDelegation
}

func (fakeStaking) GetBondedValidatorsByPower(context.Context) ([]stakingtypes.Validator, error) {
	return nil, nil
}

func (fakeStaking) GetValidatorByConsAddr(context.Context, sdk.ConsAddress) (stakingtypes.Validator, error) {
	return stakingtypes.Validator{}, stakingtypes.ErrNoValidatorFound
}

// fakeBank pays every mint fee.
// fakeBank is the only fake: balances per account and per module account.
type fakeBank struct{ accounts, modules map[string]sdk.Coins }

func (b *fakeBank) GetBalance(_ context.Context, addr sdk.AccAddress, denom string) sdk.Coin {
	return sdk.NewCoin(denom, b.accounts[addr.String()].AmountOf(denom))
}

func newBank() *fakeBank {
	return &fakeBank{accounts: map[string]sdk.Coins{caller: ulit(1_000_000_000), gov: ulit(1_000_000_000)}, modules: map[string]sdk.Coins{}}
}

func ulit(n int64) sdk.Coins { return sdk.NewCoins(sdk.NewInt64Coin("ulit", n)) }

func ulit0() sdk.Coin { return sdk.NewInt64Coin("ulit", 0) }

func move(from, to map[string]sdk.Coins, fk, tk string, amt sdk.Coins) error {
	left, neg := from[fk].SafeSub(amt...)
	if neg {
		return errorsmod.Wrapf(sdkerrors.ErrInsufficientFunds, "%s < %s", from[fk], amt)
	}
	from[fk], to[tk] = left, to[tk].Add(amt...)
	return nil
}

func (b *fakeBank) SendCoinsFromAccountToModule(_ context.Context, from sdk.AccAddress, to string, amt sdk.Coins) error {
	return move(b.accounts, b.modules, from.String(), to, amt)
}

func (b *fakeBank) SendCoinsFromModuleToAccount(_ context.Context, from string, to sdk.AccAddress, amt sdk.Coins) error {
	return move(b.modules, b.accounts, from, to.String(), amt)
}

func (b *fakeBank) SendCoinsFromModuleToModule(_ context.Context, from, to string, amt sdk.Coins) error {
	return move(b.modules, b.modules, from, to, amt)
}

// commit is a comet.BlockInfo whose last commit has one vote per power.
type commit []int64

type vote struct {
	i     int
	power int64
}

func (v vote) Validator() comet.Validator        { return v }
func (v vote) Address() []byte                   { return bytes.Repeat([]byte{0xc1 + byte(v.i)}, 20) }
func (v vote) Power() int64                      { return v.power }
func (v vote) GetBlockIDFlag() comet.BlockIDFlag { return comet.BlockIDFlagCommit }
func (c commit) GetEvidence() comet.EvidenceList { return nil }
func (c commit) GetValidatorsHash() []byte       { return nil }
func (c commit) GetProposerAddress() []byte      { return nil }
func (c commit) GetLastCommit() comet.CommitInfo { return c }
func (c commit) Round() int32                    { return 0 }
func (c commit) Votes() comet.VoteInfos          { return c }
func (c commit) Len() int                        { return len(c) }
func (c commit) Get(i int) comet.VoteInfo        { return vote{i, c[i]} }
func rootPriv() *secp256k1.PrivateKey {
	return secp256k1.PrivKeyFromBytes(bytes.Repeat([]byte{0x42}, 32))
}
func (f *fixture) fresh()     { f.ctx = f.ctx.WithEventManager(sdk.NewEventManager()) }
func (f *fixture) at(h int64) { f.ctx = f.ctx.WithBlockHeight(h) }
func (f *fixture) exec(t *testing.T, id uint64) types.Execution {
	return ok[types.Execution](t)(f.k.GetExecution(f.ctx, id))
}

type fixture struct {
	ctx     sdk.Context
	k       keeper.Keeper
	msgs    types.MsgServer
	q       keeper.Querier
	tss     tsskeeper.Keeper
	pkpMsgs pkptypes.MsgServer
	pkp     pkpkeeper.Keeper
	store   store.KVStoreService
	bank    *fakeBank
	// departed marks validators no longer in the commit (powerOf gives them 0).
	departed map[int]bool
}

// newFixture wires real x/tss (active key set from rootPriv), x/pkp and
// x/actions keepers at height 100, with 4 validators of power 10 in the last commit.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	app.SetAddressPrefixes()
	keys := map[string]*storetypes.KVStoreKey{}
	for _, n := range []string{types.StoreKey, pkptypes.StoreKey, tsstypes.StoreKey} {
		keys[n] = storetypes.NewKVStoreKey(n)
	}
	ctx := testutil.DefaultContextWithKeys(keys, nil, nil).WithBlockHeight(height).WithBlockTime(blockTime).
		WithEventManager(sdk.NewEventManager()).WithCometInfo(commit{power, power, power, power})
	cdc := codec.NewProtoCodec(codectypes.NewInterfaceRegistry())
	ac := address.NewBech32Codec("lit")
	f := &fixture{ctx: ctx, store: runtime.NewKVStoreService(keys[types.StoreKey]), bank: newBank()}
	f.tss = tsskeeper.NewKeeper(cdc, runtime.NewKVStoreService(keys[tsstypes.StoreKey]), ac, fakeStaking{}, f.bank, feeCollector, gov)
	pkp := pkpkeeper.NewKeeper(cdc, runtime.NewKVStoreService(keys[pkptypes.StoreKey]), ac, f.bank, f.tss, feeCollector, gov)
	f.tss.SetPKPKeeper(pkp)
	f.pkp = pkp
	f.k = keeper.NewKeeper(cdc, f.store, ac, pkp, f.tss, f.bank, feeCollector, gov)
	f.msgs, f.q, f.pkpMsgs = keeper.NewMsgServerImpl(f.k), keeper.NewQuerier(f.k), pkpkeeper.NewMsgServerImpl(pkp)

	var ops []string
	for _, v := range vals {
		ops = append(ops, mustBech32("litvaloper", v))
	}
	slices.Sort(ops)
	tgs := tsstypes.DefaultGenesis()
	tgs.KeySets = []tsstypes.KeySet{{Id: 1, Pubkey: "0x" + hex.EncodeToString(rootPriv().PubKey().SerializeCompressed()),
		Threshold: 2, Participants: ops, Status: tsstypes.KEY_SET_STATUS_ACTIVE}}
	require.NoError(t, f.tss.InitGenesis(ctx, *tgs))
	require.NoError(t, pkp.InitGenesis(ctx, *pkptypes.DefaultGenesis()))
	require.NoError(t, f.k.InitGenesis(ctx, *types.DefaultGenesis()))
	return f
}

func (f *fixture) upload(t *testing.T, code string) string {
	t.Helper()
	f.fresh()
	return ok[*types.MsgUploadActionResponse](t)(f.msgs.UploadAction(f.ctx, &types.MsgUploadAction{Uploader: caller, Code: code})).Cid
}

func (f *fixture) execute(t *testing.T, code string) uint64 {
	t.Helper()
	f.fresh()
	return ok[*types.MsgExecuteActionResponse](t)(f.msgs.ExecuteAction(f.ctx, &types.MsgExecuteAction{Caller: caller, Code: code})).ExecutionId
}

func (f *fixture) setParams(t *testing.T, change func(*types.Params)) {
	t.Helper()
	p := types.DefaultParams()
	change(&p)
	_, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: gov, Params: p})
	require.NoError(t, err)
}

func (f *fixture) events(t *testing.T) []proto.Message {
	t.Helper()
	var out []proto.Message
	for _, e := range f.ctx.EventManager().Events() {
		m, err := sdk.ParseTypedEvent(abci.Event(e))
		require.NoError(t, err)
		out = append(out, m)
	}
	return out
}

func ofType[T proto.Message](evs []proto.Message) []T {
	var out []T
	for _, e := range evs {
		if v, ok := e.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

type snapshot struct {
	gs  *types.GenesisState
	raw map[string]string
}

// snapshot is the exported genesis plus every raw key of the x/actions store.
func (f *fixture) snapshot(t *testing.T) snapshot {
	t.Helper()
	it, err := f.store.OpenKVStore(f.ctx).Iterator(nil, nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, it.Close()) }()
	raw := map[string]string{}
	for ; it.Valid(); it.Next() {
		raw[hex.EncodeToString(it.Key())] = hex.EncodeToString(it.Value())
	}
	return snapshot{ok[*types.GenesisState](t)(f.k.ExportGenesis(f.ctx)), raw}
}

func (f *fixture) isOpen(t *testing.T, id uint64) bool {
	return ok[bool](t)(f.k.OpenExecutions.Has(f.ctx, id))
}

func requireCode(t *testing.T, err error, code codes.Code) {
	t.Helper()
	st, ok := status.FromError(err)
	require.True(t, ok, "not a gRPC status: %v", err)
	require.Equal(t, code, st.Code(), err.Error())
}

// ---------------------------------------------------------------- messages

func TestUploadAction(t *testing.T) {
	f := newFixture(t)
	require.Equal(t, helloCID, types.CID([]byte(hello)))
	require.Equal(t, helloCID, f.upload(t, hello))
	require.Equal(t, []proto.Message{&types.EventActionUploaded{Cid: helloCID, Uploader: caller, CodeBytes: 12}}, f.events(t))
	a := ok[types.Action](t)(f.k.GetAction(f.ctx, helloCID))
	require.Equal(t, types.Action{Cid: helloCID, Code: hello, Uploader: caller, Height: height}, a)

	// The second upload, by someone else at another height, is a no-op.
	before := f.snapshot(t)
	f.at(height + 5)
	f.fresh()
	res, err := f.msgs.UploadAction(f.ctx, &types.MsgUploadAction{Uploader: gov, Code: hello})
	require.NoError(t, err)
	require.Equal(t, helloCID, res.Cid)
	require.Empty(t, f.events(t))
	require.Equal(t, before, f.snapshot(t))
}

// TestAddressesAreCanonical: bech32 is case-insensitive; state and events
// name an account in its lower-case form whatever the sender typed.
func TestAddressesAreCanonical(t *testing.T) {
	f := newFixture(t)
	f.fresh()
	ok[*types.MsgUploadActionResponse](t)(f.msgs.UploadAction(f.ctx, &types.MsgUploadAction{Uploader: strings.ToUpper(caller), Code: hello}))
	require.Equal(t, []proto.Message{&types.EventActionUploaded{Cid: helloCID, Uploader: caller, CodeBytes: 12}}, f.events(t))
	require.Equal(t, caller, ok[types.Action](t)(f.k.GetAction(f.ctx, helloCID)).Uploader)

	f.fresh()
	id := ok[*types.MsgExecuteActionResponse](t)(f.msgs.ExecuteAction(f.ctx, &types.MsgExecuteAction{Caller: strings.ToUpper(caller), Cid: helloCID})).ExecutionId
	require.Equal(t, []proto.Message{&types.EventExecutionRequested{ExecutionId: id, Cid: helloCID, Caller: caller}}, f.events(t))
	require.Equal(t, caller, f.exec(t, id).Caller)
}

func TestUploadActionRejects(t *testing.T) {
	f := newFixture(t)
	f.setParams(t, func(p *types.Params) { p.MaxCodeBytes = 12 })
	for name, c := range map[string]struct {
		uploader, code string
		want           error
	}{
		"empty":          {caller, "", types.ErrInvalidCode},
		"over max":       {caller, hello + "!", types.ErrInvalidCode},
		"invalid UTF-8":  {caller, "a\xff\xfe", types.ErrInvalidCode},
		"bad uploader":   {"lit1bad", hello, types.ErrInvalidAddress},
		"no uploader":    {"", hello, types.ErrInvalidAddress},
		"wrong prefix":   {mustBech32("cosmos", bytes.Repeat([]byte{1}, 20)), hello, types.ErrInvalidAddress},
		"valoper prefix": {mustBech32("litvaloper", bytes.Repeat([]byte{1}, 20)), hello, types.ErrInvalidAddress},
	} {
		t.Run(name, func(t *testing.T) {
			before := f.snapshot(t)
			f.fresh()
			_, err := f.msgs.UploadAction(f.ctx, &types.MsgUploadAction{Uploader: c.uploader, Code: c.code})
			require.ErrorIs(t, err, c.want)
			require.Equal(t, before, f.snapshot(t))
			require.Empty(t, f.events(t))
		})
	}
	require.Equal(t, helloCID, f.upload(t, hello), "exactly max_code_bytes is accepted")
}

func TestExecuteAction(t *testing.T) {
	f := newFixture(t)
	cid := f.upload(t, hello)

	f.at(height + 1)
	f.fresh()
	res := ok[*types.MsgExecuteActionResponse](t)(f.msgs.ExecuteAction(f.ctx, &types.MsgExecuteAction{Caller: caller, Cid: cid, JsParams: `{"n": 7}`}))
	require.Equal(t, &types.MsgExecuteActionResponse{ExecutionId: 1, Cid: cid}, res)
	require.Equal(t, []proto.Message{&types.EventExecutionRequested{ExecutionId: 1, Cid: cid, Caller: caller}}, f.events(t))
	params := types.DefaultParams()
	escrow := params.MaxEscrow() // 0.1 + 8 × 0.02 + 4 × 0.1 LIT
	require.Equal(t, sdk.NewInt64Coin("ulit", 660_000), escrow)
	require.Equal(t, types.Execution{
		Id: 1, Cid: cid, JsParams: `{"n": 7}`, Caller: caller, Status: types.EXECUTION_STATUS_FETCHING,
		Height: height + 1, DeadlineHeight: height + 1 + 200, BlockTimeUnix: blockTime.Unix(),
		Params: &params, FeeEscrowed: escrow, FeeCharged: sdk.NewInt64Coin("ulit", 0),
	}, f.exec(t, 1))
	require.Equal(t, sdk.NewCoins(escrow), f.bank.modules[types.ModuleName], "the worst-case fee is escrowed")
	require.Equal(t, ulit(1_000_000_000).Sub(escrow), f.bank.accounts[caller])
	require.True(t, f.isOpen(t, 1))

	// Inline code is uploaded first, by the caller; js_params defaults to {}.
	f.setParams(t, func(p *types.Params) { p.ExecutionTimeoutBlocks = 17 })
	code := "Lit.Actions.setResponse({response: 'x'})"
	f.at(height + 2)
	f.fresh()
	res = ok[*types.MsgExecuteActionResponse](t)(f.msgs.ExecuteAction(f.ctx, &types.MsgExecuteAction{Caller: caller, Code: code}))
	inline := types.CID([]byte(code))
	require.Equal(t, &types.MsgExecuteActionResponse{ExecutionId: 2, Cid: inline}, res)
	require.Equal(t, []proto.Message{
		&types.EventActionUploaded{Cid: inline, Uploader: caller, CodeBytes: uint64(len(code))},
		&types.EventExecutionRequested{ExecutionId: 2, Cid: inline, Caller: caller},
	}, f.events(t))
	require.Equal(t, types.Action{Cid: inline, Code: code, Uploader: caller, Height: height + 2}, ok[types.Action](t)(f.k.GetAction(f.ctx, inline)))
	e := f.exec(t, 2)
	require.Equal(t, "{}", e.JsParams)
	require.Equal(t, int64(height+2+17), e.DeadlineHeight)

	// Inline code that is already stored is not uploaded again.
	f.fresh()
	res = ok[*types.MsgExecuteActionResponse](t)(f.msgs.ExecuteAction(f.ctx, &types.MsgExecuteAction{Caller: gov, Code: hello}))
	require.Equal(t, &types.MsgExecuteActionResponse{ExecutionId: 3, Cid: cid}, res)
	require.Equal(t, []proto.Message{&types.EventExecutionRequested{ExecutionId: 3, Cid: cid, Caller: gov}}, f.events(t))
	require.Equal(t, caller, ok[types.Action](t)(f.k.GetAction(f.ctx, cid)).Uploader)

	jobs := ok[[]keeper.Job](t)(f.k.Jobs(f.ctx))
	require.Len(t, jobs, 3)
	p := ok[types.Params](t)(f.k.Params.Get(f.ctx))
	require.Equal(t, keeper.Job{Execution: f.exec(t, 1), Code: hello, Params: p}, jobs[0])
	require.Equal(t, keeper.Job{Execution: e, Code: code, Params: p}, jobs[1])
}

func TestExecuteActionRejects(t *testing.T) {
	f := newFixture(t)
	cid := f.upload(t, hello)
	f.execute(t, hello)
	p := types.DefaultParams()
	atMax := `{"a":"` + strings.Repeat("x", int(p.MaxJsParamsBytes)-8) + `"}`
	require.Len(t, atMax, int(p.MaxJsParamsBytes))
	for name, c := range map[string]struct {
		msg  types.MsgExecuteAction
		want error
	}{
		"both cid and code":    {types.MsgExecuteAction{Caller: caller, Cid: cid, Code: hello}, types.ErrInvalidRequest},
		"neither":              {types.MsgExecuteAction{Caller: caller}, types.ErrInvalidRequest},
		"unknown cid":          {types.MsgExecuteAction{Caller: caller, Cid: types.CID([]byte("never uploaded"))}, types.ErrActionNotFound},
		"malformed cid":        {types.MsgExecuteAction{Caller: caller, Cid: "Qm123"}, pkptypes.ErrInvalidCID},
		"cidv1":                {types.MsgExecuteAction{Caller: caller, Cid: "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"}, pkptypes.ErrInvalidCID},
		"js_params array":      {types.MsgExecuteAction{Caller: caller, Cid: cid, JsParams: "[1]"}, types.ErrInvalidJSParams},
		"js_params number":     {types.MsgExecuteAction{Caller: caller, Cid: cid, JsParams: "1"}, types.ErrInvalidJSParams},
		"js_params not JSON":   {types.MsgExecuteAction{Caller: caller, Cid: cid, JsParams: "x"}, types.ErrInvalidJSParams},
		"js_params null":       {types.MsgExecuteAction{Caller: caller, Cid: cid, JsParams: "null"}, types.ErrInvalidJSParams},
		"js_params trailing":   {types.MsgExecuteAction{Caller: caller, Cid: cid, JsParams: "{} {}"}, types.ErrInvalidJSParams},
		"js_params too large":  {types.MsgExecuteAction{Caller: caller, Cid: cid, JsParams: atMax[:len(atMax)-2] + `x"}`}, types.ErrInvalidJSParams},
		"js_params LitAuth":    {types.MsgExecuteAction{Caller: caller, Cid: cid, JsParams: `{"LitAuth": {"authSigAddress": "lit1forged"}}`}, types.ErrInvalidJSParams},
		"js_params __proto__":  {types.MsgExecuteAction{Caller: caller, Cid: cid, JsParams: `{"a": 1, "__proto__": {}}`}, types.ErrInvalidJSParams},
		"js_params escaped":    {types.MsgExecuteAction{Caller: caller, Cid: cid, JsParams: `{"\u004fbject": 1}`}, types.ErrInvalidJSParams},
		"js_params Lit":        {types.MsgExecuteAction{Caller: caller, Cid: cid, JsParams: `{"Lit": 1}`}, types.ErrInvalidJSParams},
		"inline code too big":  {types.MsgExecuteAction{Caller: caller, Code: strings.Repeat("a", int(p.MaxCodeBytes)+1)}, types.ErrInvalidCode},
		"inline code not UTF8": {types.MsgExecuteAction{Caller: caller, Code: "\xff"}, types.ErrInvalidCode},
		"bad caller":           {types.MsgExecuteAction{Caller: "lit1bad", Cid: cid}, types.ErrInvalidAddress},
	} {
		t.Run(name, func(t *testing.T) {
			before := f.snapshot(t)
			f.fresh()
			_, err := f.msgs.ExecuteAction(f.ctx, &c.msg)
			require.ErrorIs(t, err, c.want)
			require.Equal(t, before, f.snapshot(t))
			require.Empty(t, f.events(t))
		})
	}
	_, err := f.msgs.ExecuteAction(f.ctx, &types.MsgExecuteAction{Caller: caller, Cid: cid, JsParams: atMax})
	require.NoError(t, err, "exactly max_js_params_bytes is accepted")
}

func TestUpdateParams(t *testing.T) {
	f := newFixture(t)
	p := types.DefaultParams()
	p.MaxFetches = 3
	_, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: caller, Params: p})
	require.ErrorIs(t, err, types.ErrInvalidAuthority)
	bad := p
	bad.TimeoutMs = 1
	_, err = f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: gov, Params: bad})
	require.ErrorIs(t, err, types.ErrInvalidParams)
	require.Equal(t, types.DefaultParams(), ok[types.Params](t)(f.k.Params.Get(f.ctx)))
	_, err = f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: gov, Params: p})
	require.NoError(t, err)
	require.Equal(t, p, ok[types.Params](t)(f.k.Params.Get(f.ctx)))
}

// ---------------------------------------------------------------- genesis

// world has two actions and three executions: completed, failed, open.
func newWorld(t *testing.T) *fixture {
	f := newFixture(t)
	f.setParams(t, func(p *types.Params) { p.MaxSignatures = 2 })
	done := f.running(t, hello)
	f.result(t, done, types.Result{Response: "42"}, 0, 1, 2)
	failed := f.running(t, "throw 1")
	f.result(t, failed, types.Result{Error: "exception: 1"}, 0, 1, 2)
	f.execute(t, hello)
	return f
}

func TestGenesisRoundTrip(t *testing.T) {
	f := newWorld(t)
	gs := ok[*types.GenesisState](t)(f.k.ExportGenesis(f.ctx))
	require.NoError(t, gs.Validate())
	require.Len(t, gs.Actions, 2)
	require.Len(t, gs.Executions, 3)
	require.Equal(t, uint64(4), gs.NextExecutionId)
	require.Equal(t, uint32(2), gs.Params.MaxSignatures)
	require.Equal(t, types.EXECUTION_STATUS_COMPLETED, gs.Executions[0].Status)

	g := newFixture(t)
	g.bank.modules[types.ModuleName] = f.bank.modules[types.ModuleName] // x/bank's genesis brings the escrow
	before := g.bank.accounts[caller]
	require.NoError(t, g.k.InitGenesis(g.ctx, *gs))
	require.Equal(t, before.Add(gs.Executions[2].FeeEscrowed), g.bank.accounts[caller], "the unfinished execution's escrow is refunded")
	// The unfinished execution cannot finish after a restart (its reports
	// are not exported): import ends it failed, saying why.
	want := *gs
	want.Executions = append([]types.Execution(nil), gs.Executions...)
	want.Executions[2].Status = types.EXECUTION_STATUS_FAILED
	want.Executions[2].Error = "chain restarted from genesis while EXECUTION_STATUS_FETCHING"
	want.Executions[2].FinishedHeight = g.ctx.BlockHeight()
	require.Equal(t, &want, ok[*types.GenesisState](t)(g.k.ExportGenesis(g.ctx)))
	open, err := g.k.OpenExecutions.Has(g.ctx, 3)
	require.NoError(t, err)
	require.False(t, open)
	require.Equal(t, uint64(4), g.execute(t, hello), "ids continue")
}

func TestGenesisValidate(t *testing.T) {
	f := newWorld(t)
	require.NoError(t, types.DefaultGenesis().Validate())
	for name, c := range map[string]struct {
		change func(gs *types.GenesisState)
		want   error
	}{
		"code does not match cid": {func(gs *types.GenesisState) { gs.Actions[0].Code += " " }, types.ErrInvalidGenesis},
		"cid of other code":       {func(gs *types.GenesisState) { gs.Actions[0].Cid = gs.Actions[1].Cid }, types.ErrInvalidGenesis},
		"duplicate action":        {func(gs *types.GenesisState) { gs.Actions = append(gs.Actions, gs.Actions[0]) }, types.ErrInvalidGenesis},
		"unknown action":          {func(gs *types.GenesisState) { gs.Executions[1].Cid = types.CID([]byte("other")) }, types.ErrInvalidGenesis},
		"ids out of order": {func(gs *types.GenesisState) {
			gs.Executions[0], gs.Executions[1] = gs.Executions[1], gs.Executions[0]
		}, types.ErrInvalidGenesis},
		"duplicate id":            {func(gs *types.GenesisState) { gs.Executions[1].Id = gs.Executions[0].Id }, types.ErrInvalidGenesis},
		"id 0":                    {func(gs *types.GenesisState) { gs.Executions[0].Id = 0 }, types.ErrInvalidGenesis},
		"id not below next":       {func(gs *types.GenesisState) { gs.NextExecutionId = 3 }, types.ErrInvalidGenesis},
		"next id 0":               {func(gs *types.GenesisState) { gs.NextExecutionId = 0 }, types.ErrInvalidGenesis},
		"bad params":              {func(gs *types.GenesisState) { gs.Params.MaxCodeBytes = 0 }, types.ErrInvalidParams},
		"uploader upper case":     {func(gs *types.GenesisState) { gs.Actions[0].Uploader = strings.ToUpper(gs.Actions[0].Uploader) }, types.ErrInvalidGenesis},
		"uploader not an address": {func(gs *types.GenesisState) { gs.Actions[0].Uploader = "lit1nope" }, types.ErrInvalidGenesis},
		"caller upper case":       {func(gs *types.GenesisState) { gs.Executions[0].Caller = strings.ToUpper(gs.Executions[0].Caller) }, types.ErrInvalidGenesis},
	} {
		t.Run(name, func(t *testing.T) {
			gs := ok[*types.GenesisState](t)(f.k.ExportGenesis(f.ctx))
			c.change(gs)
			require.ErrorIs(t, gs.Validate(), c.want)
			g := newFixture(t)
			before := g.snapshot(t)
			require.ErrorIs(t, g.k.InitGenesis(g.ctx, *gs), c.want)
			require.Equal(t, before, g.snapshot(t))
		})
	}
}

func TestParamsValidate(t *testing.T) {
	require.NoError(t, types.DefaultParams().Validate())
	for name, c := range map[string]struct {
		change func(*types.Params)
		valid  bool
	}{
		"max_code_bytes 0":           {func(p *types.Params) { p.MaxCodeBytes = 0 }, false},
		"max_code_bytes 1 MiB":       {func(p *types.Params) { p.MaxCodeBytes = 1 << 20 }, true},
		"max_code_bytes 1 MiB+1":     {func(p *types.Params) { p.MaxCodeBytes = 1<<20 + 1 }, false},
		"max_js_params_bytes 0":      {func(p *types.Params) { p.MaxJsParamsBytes = 0 }, false},
		"max_js_params_bytes 64 KiB": {func(p *types.Params) { p.MaxJsParamsBytes = 64 << 10 }, true},
		"max_js_params_bytes +1":     {func(p *types.Params) { p.MaxJsParamsBytes = 64<<10 + 1 }, false},
		"max_response_bytes 0":       {func(p *types.Params) { p.MaxResponseBytes = 0 }, false},
		"max_response_bytes 256 KiB": {func(p *types.Params) { p.MaxResponseBytes = 256 << 10 }, true},
		"max_response_bytes +1":      {func(p *types.Params) { p.MaxResponseBytes = 256<<10 + 1 }, false},
		"max_log_bytes 0":            {func(p *types.Params) { p.MaxLogBytes = 0 }, false},
		"max_log_bytes 256 KiB":      {func(p *types.Params) { p.MaxLogBytes = 256 << 10 }, true},
		"max_log_bytes +1":           {func(p *types.Params) { p.MaxLogBytes = 256<<10 + 1 }, false},
		"max_fetches 0":              {func(p *types.Params) { p.MaxFetches = 0 }, false},
		"max_fetches 32 x 2 KiB":     {func(p *types.Params) { p.MaxFetches, p.MaxFetchBodyBytes = 32, 2<<10 }, true},
		"max_fetches 65":             {func(p *types.Params) { p.MaxFetches, p.MaxFetchBodyBytes = 65, 1 }, false},
		"max_fetch_body 256 KiB x 4": {func(p *types.Params) { p.MaxFetches, p.MaxFetchBodyBytes = 4, 256<<10 }, false},
		"max_fetch_body 256 KiB+1":   {func(p *types.Params) { p.MaxFetches, p.MaxFetchBodyBytes = 1, 256<<10+1 }, false},
		"max_signatures 0":           {func(p *types.Params) { p.MaxSignatures = 0 }, false},
		"max_fetch_body 0":           {func(p *types.Params) { p.MaxFetchBodyBytes = 0 }, false},
		"max_signatures 16":          {func(p *types.Params) { p.MaxSignatures = 16 }, true},
		"max_signatures 17":          {func(p *types.Params) { p.MaxSignatures = 17 }, false},
		"timeout_ms 99":              {func(p *types.Params) { p.TimeoutMs = 99 }, false},
		"timeout_ms 100":             {func(p *types.Params) { p.TimeoutMs = 100 }, true},
		"timeout_ms 60000":           {func(p *types.Params) { p.TimeoutMs = 60_000 }, true},
		"timeout_ms 60001":           {func(p *types.Params) { p.TimeoutMs = 60_001 }, false},
		"max_heap_bytes 32 MiB":      {func(p *types.Params) { p.MaxHeapBytes = 32 << 20 }, true},
		"max_heap_bytes 32 MiB-1":    {func(p *types.Params) { p.MaxHeapBytes = 32<<20 - 1 }, false},
		"max_heap_bytes 4 GiB":       {func(p *types.Params) { p.MaxHeapBytes = 4 << 30 }, true},
		"max_heap_bytes 4 GiB+1":     {func(p *types.Params) { p.MaxHeapBytes = 4<<30 + 1 }, false},
		// One execution's fetch report must fit the actions half of a vote extension.
		"8 fetches of 24 KiB":           {func(p *types.Params) { p.MaxFetches, p.MaxFetchBodyBytes = 8, 24<<10 }, true},
		"8 fetches of 25 KiB":           {func(p *types.Params) { p.MaxFetches, p.MaxFetchBodyBytes = 8, 25<<10 }, true},
		"8 fetches of 25 KiB+1":         {func(p *types.Params) { p.MaxFetches, p.MaxFetchBodyBytes = 8, 25<<10+1 }, false},
		"8 fetches of 64 KiB (old)":     {func(p *types.Params) { p.MaxFetches, p.MaxFetchBodyBytes = 8, 64<<10 }, false},
		"1 fetch of 235 KiB":            {func(p *types.Params) { p.MaxFetches, p.MaxFetchBodyBytes = 1, 235<<10 }, true},
		"64 fetches of 1 KiB":           {func(p *types.Params) { p.MaxFetches, p.MaxFetchBodyBytes = 64, 1<<10 }, false},
		"zero fees":                     {func(p *types.Params) { p.ExecutionFee, p.FeePerFetch, p.FeePerSignature = ulit0(), ulit0(), ulit0() }, true},
		"fee in another denom":          {func(p *types.Params) { p.FeePerFetch = sdk.NewInt64Coin("stake", 1) }, false},
		"fee without denom":             {func(p *types.Params) { p.ExecutionFee = sdk.Coin{} }, false},
		"max_open_executions 0":         {func(p *types.Params) { p.MaxOpenExecutions = 0 }, false},
		"max_open_executions 1024":      {func(p *types.Params) { p.MaxOpenExecutions = 1024 }, true},
		"max_open_executions 1025":      {func(p *types.Params) { p.MaxOpenExecutions = 1025 }, false},
		"per account 0":                 {func(p *types.Params) { p.MaxOpenExecutionsPerAccount = 0 }, false},
		"per account over global":       {func(p *types.Params) { p.MaxOpenExecutions, p.MaxOpenExecutionsPerAccount = 4, 5 }, false},
		"retention 0":                   {func(p *types.Params) { p.TranscriptRetentionBlocks = 0 }, false},
		"retention max":                 {func(p *types.Params) { p.TranscriptRetentionBlocks = types.MaxTimeoutBlocks }, true},
		"retention over":                {func(p *types.Params) { p.TranscriptRetentionBlocks = types.MaxTimeoutBlocks + 1 }, false},
		"max_call_stack 10":             {func(p *types.Params) { p.MaxCallStack = 10 }, true},
		"max_call_stack 9":              {func(p *types.Params) { p.MaxCallStack = 9 }, false},
		"execution_timeout_blocks 10":   {func(p *types.Params) { p.ExecutionTimeoutBlocks = 10 }, true},
		"execution_timeout_blocks 9":    {func(p *types.Params) { p.ExecutionTimeoutBlocks = 9 }, false},
		"execution_timeout_blocks max":  {func(p *types.Params) { p.ExecutionTimeoutBlocks = types.MaxTimeoutBlocks }, true},
		"execution_timeout_blocks over": {func(p *types.Params) { p.ExecutionTimeoutBlocks = types.MaxTimeoutBlocks + 1 }, false},
		"execution_timeout_blocks 2^63": {func(p *types.Params) { p.ExecutionTimeoutBlocks = 1 << 63 }, false},
	} {
		p := types.DefaultParams()
		c.change(&p)
		if c.valid {
			require.NoError(t, p.Validate(), name)
		} else {
			require.ErrorIs(t, p.Validate(), types.ErrInvalidParams, name)
		}
	}
}

// ---------------------------------------------------------------- queries

func TestQueries(t *testing.T) {
	f := newWorld(t)
	ctx, q := f.ctx, f.q
	errOf := func(_ any, err error) error { return err }

	p := ok[*types.QueryParamsResponse](t)(q.Params(ctx, &types.QueryParamsRequest{}))
	require.Equal(t, ok[types.Params](t)(f.k.Params.Get(ctx)), p.Params)
	a := ok[*types.QueryActionResponse](t)(q.Action(ctx, &types.QueryActionRequest{Cid: helloCID}))
	require.Equal(t, types.Action{Cid: helloCID, Code: hello, Uploader: caller, Height: height}, a.Action)
	e := ok[*types.QueryExecutionResponse](t)(q.Execution(ctx, &types.QueryExecutionRequest{Id: 2}))
	require.Equal(t, f.exec(t, 2), e.Execution)
	require.Equal(t, "exception: 1", e.Execution.Error)

	var all []types.Execution
	var key []byte
	for page := 0; ; page++ {
		res := ok[*types.QueryExecutionsResponse](t)(q.Executions(ctx, &types.QueryExecutionsRequest{Pagination: &query.PageRequest{Key: key, Limit: 2, CountTotal: page == 0}}))
		if page == 0 {
			require.Equal(t, uint64(3), res.Pagination.Total)
		}
		require.LessOrEqual(t, len(res.Executions), 2)
		all = append(all, res.Executions...)
		if key = res.Pagination.NextKey; key == nil {
			break
		}
	}
	require.Equal(t, []types.Execution{f.exec(t, 1), f.exec(t, 2), f.exec(t, 3)}, all)
	rev := ok[*types.QueryExecutionsResponse](t)(q.Executions(ctx, &types.QueryExecutionsRequest{Pagination: &query.PageRequest{Limit: 1, Reverse: true}}))
	require.Equal(t, uint64(3), rev.Executions[0].Id)

	for code, errs := range map[codes.Code][]error{
		codes.InvalidArgument: {errOf(q.Params(ctx, nil)), errOf(q.Action(ctx, nil)), errOf(q.Execution(ctx, nil)), errOf(q.Executions(ctx, nil))},
		codes.NotFound: {
			errOf(q.Action(ctx, &types.QueryActionRequest{Cid: types.CID([]byte("nope"))})),
			errOf(q.Action(ctx, &types.QueryActionRequest{})),
			errOf(q.Execution(ctx, &types.QueryExecutionRequest{Id: 4})),
			errOf(q.Execution(ctx, &types.QueryExecutionRequest{})),
		},
	} {
		for i, err := range errs {
			require.Error(t, err, "%s #%d", code, i)
			requireCode(t, err, code)
		}
	}
}

// ---------------------------------------------------------------- pending state

// pending counts what x/actions holds for one execution while it is decided.
type pending struct {
	fetchReports, fetchReporters, resultReporters, votes, copies int
	quorum                                                       bool
}

func count[K, V any](t *testing.T, ctx context.Context, m collections.Map[K, V], r collections.Ranger[K]) int {
	t.Helper()
	n := 0
	require.NoError(t, m.Walk(ctx, r, func(K, V) (bool, error) { n++; return false, nil }))
	return n
}

func (f *fixture) pending(t *testing.T, id uint64) pending {
	t.Helper()
	return pending{
		fetchReports:    count(t, f.ctx, f.k.FetchReports, collections.NewPrefixedPairRange[uint64, sdk.ValAddress](id)),
		fetchReporters:  count(t, f.ctx, f.k.Reporters, collections.NewSuperPrefixedTripleRange[uint64, uint64, sdk.ValAddress](id, 1)),
		resultReporters: count(t, f.ctx, f.k.Reporters, collections.NewSuperPrefixedTripleRange[uint64, uint64, sdk.ValAddress](id, 2)),
		votes:           count(t, f.ctx, f.k.ResultVotes, collections.NewPrefixedPairRange[uint64, string](id)),
		copies:          count(t, f.ctx, f.k.ResultCopies, collections.NewPrefixedPairRange[uint64, string](id)),
		quorum:          ok[bool](t)(f.k.QuorumHeight.Has(f.ctx, id)),
	}
}
