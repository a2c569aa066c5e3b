package keeper_test

import (
	"encoding/hex"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/reflect/protoreflect"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	"github.com/litprotocol/litd/x/tss/keeper"
	"github.com/litprotocol/litd/x/tss/types"
)

// FuzzTSSMsgs feeds every x/tss Msg to the real message server, with real
// x/pkp state behind it (an active root key; owner's PKP on which permSign
// may sign anything and permPers only personal-sign; a burned PKP; a
// Mint/Grant/Burn PKP; stranger's PKP), and checks:
//
//  1. no panic;
//  2. a failing handler returns a registered x/tss or x/pkp error (never ABCI
//     code 1, "internal") and leaves every store exactly as it was;
//  3. after a success the exported genesis validates, the signature indexes
//     and queue match the signatures, and the message was authorized by the
//     state before it: MsgSign comes from the owner of the unburned PKP or an
//     address permitted to sign anything with it, and queues exactly one
//     pending request; MsgUpdateParams comes from the authority.
//
// Input: two steps (sel, msg). (sel & 0x7f) % 3 picks the Msg type in
// tssFuzzKinds order (2: no message) and msg is its protobuf encoding; the
// top bit of sel1 first takes the root key out of service (KEYGEN). Any
// string field of exactly two bytes "$<b>" is replaced by the value of
// tssFuzzSymNames[b % len]: accounts, token ids and digests, so that
// mutations reach the permission checks. A successful first step is kept for
// the second.
//
//	FUZZTIME=60s bash scripts/fuzz.sh FuzzTSSMsgs
func FuzzTSSMsgs(f *testing.F) {
	tssFuzzCheckKinds(f)
	for _, s := range tssFuzzSeeds() {
		f.Add(s.sel1, s.msg1, s.sel2, s.msg2)
	}
	f.Fuzz(func(t *testing.T, sel1 byte, msg1 []byte, sel2 byte, msg2 []byte) {
		e := tssFuzzEnv(t)
		// The world is never written: each input runs in a branch of it.
		run, _ := e.f.ctx.WithEventManager(sdk.NewEventManager()).WithGasMeter(storetypes.NewInfiniteGasMeter()).CacheContext()
		if sel1&0x80 != 0 {
			ks, err := e.f.k.KeySets.Get(run, 1)
			require.NoError(t, err)
			ks.Status = types.KEY_SET_STATUS_KEYGEN
			require.NoError(t, e.f.k.KeySets.Set(run, 1, ks))
		}
		e.step(t, run, sel1, msg1)
		e.step(t, run, sel2, msg2)
	})
}

// tssFuzzKinds is every Msg of lit.tss.v1.Msg, in the order sel picks them.
var tssFuzzKinds = []func() sdk.Msg{
	func() sdk.Msg { return &types.MsgSign{} },
	func() sdk.Msg { return &types.MsgUpdateParams{} },
}

func tssFuzzCheckKinds(f *testing.F) {
	d, err := proto.HybridResolver.FindDescriptorByName("lit.tss.v1.Msg")
	require.NoError(f, err)
	methods := d.(protoreflect.ServiceDescriptor).Methods()
	var want, have []string
	for i := range methods.Len() {
		want = append(want, string(methods.Get(i).Input().FullName()))
	}
	for _, k := range tssFuzzKinds {
		have = append(have, proto.MessageName(k()))
	}
	slices.Sort(want)
	slices.Sort(have)
	require.Equal(f, want, have, "FuzzTSSMsgs must cover every Msg of lit.tss.v1.Msg")
}

func tssFuzzDeliver(msgs types.MsgServer, ctx sdk.Context, msg sdk.Msg) (proto.Message, error) {
	switch m := msg.(type) {
	case *types.MsgSign:
		return msgs.Sign(ctx, m)
	case *types.MsgUpdateParams:
		return msgs.UpdateParams(ctx, m)
	}
	panic(fmt.Sprintf("no handler for %T", msg))
}

// ---------------------------------------------------------------- symbols

var tssFuzzSymNames = []string{
	"owner", "permSign", "permPers", "stranger", "gov", "OWNER", "PERMSIGN", "cosmos", "valoper", "",
	"tok", "TOK", "0Xtok", "burned", "mgb", "strangerTok", "unknown", "shortTok",
	"d1", "d2", "D1", "d1no0x", "d31", "d33", "dNotHex",
}

func tssFuzzRef(name string) string {
	i := slices.Index(tssFuzzSymNames, name)
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

type tssFuzzWorld struct {
	f    *fixture
	syms []string
}

var tssFuzzCached *tssFuzzWorld

// tssFuzzEnv builds the world once per process (inputs never write to it).
func tssFuzzEnv(t *testing.T) *tssFuzzWorld {
	if tssFuzzCached != nil {
		return tssFuzzCached
	}
	f := newFixture(t, true)
	burned := f.mint(t, &pkptypes.MsgMint{Creator: owner}).TokenId
	_, err := f.pkpMsgs.Burn(f.ctx, &pkptypes.MsgBurn{Owner: owner, TokenId: burned})
	require.NoError(t, err)
	strangerTok := f.mint(t, &pkptypes.MsgMint{Creator: owner}).TokenId
	_, err = f.pkpMsgs.Transfer(f.ctx, &pkptypes.MsgTransfer{Owner: owner, TokenId: strangerTok, Recipient: stranger})
	require.NoError(t, err)
	mgb, err := f.pkpMsgs.MintGrantBurn(f.ctx, &pkptypes.MsgMintGrantBurn{Creator: owner, ActionCid: "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"})
	require.NoError(t, err)
	values := map[string]string{
		"owner": owner, "permSign": permSign, "permPers": permPers, "stranger": stranger, "gov": gov,
		"OWNER": strings.ToUpper(owner), "PERMSIGN": strings.ToUpper(permSign),
		"cosmos": "cosmos1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqnrql8a", "valoper": vals[0].op, "": "",
		"tok": f.tok, "TOK": strings.ToUpper(f.tok[2:]), "0Xtok": "0X" + f.tok[2:], "burned": burned, "mgb": mgb.TokenId,
		"strangerTok": strangerTok, "unknown": unknown, "shortTok": f.tok[:64],
		"d1": digest(1), "d2": digest(0xab), "D1": strings.ToUpper(digest(0xab)), "d1no0x": digest(1)[2:] + "00",
		"d31": digest(1)[:64], "d33": digest(1) + "11", "dNotHex": "0x" + strings.Repeat("zz", 32),
	}
	e := &tssFuzzWorld{f: f}
	for _, n := range tssFuzzSymNames {
		v, ok := values[n]
		require.True(t, ok, n)
		e.syms = append(e.syms, v)
	}
	tssFuzzCached = e
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

func (e *tssFuzzWorld) step(t *testing.T, run sdk.Context, sel byte, raw []byte) {
	i := int(sel&0x7f) % (len(tssFuzzKinds) + 1)
	if i == len(tssFuzzKinds) {
		return
	}
	msg := tssFuzzKinds[i]()
	if err := proto.Unmarshal(raw, msg); err != nil {
		return
	}
	fuzzResolveRefs(reflect.ValueOf(msg), e.syms)
	f, k := e.f, e.f.k

	before := fuzzDumpStores(t, f.ctx, run)
	pre, err := k.ExportGenesis(run)
	require.NoError(t, err)

	cache, write := run.CacheContext()
	res, err := tssFuzzDeliver(f.msgs, cache, msg)
	if err != nil {
		// MsgSign reports x/pkp's errors for a bad or unknown token id.
		fuzzRequireRegistered(t, err, types.ModuleName, pkptypes.ModuleName)
		require.Equal(t, before, fuzzDumpStores(t, f.ctx, cache), "%T failed (%v) but changed state", msg, err)
		return
	}
	require.NotNil(t, res)
	write()
	tssFuzzInvariants(t, k, run)
	post, err := k.ExportGenesis(run)
	require.NoError(t, err)

	switch m := msg.(type) {
	case *types.MsgSign:
		// Authorized by the state before the message.
		requester, err := sdk.AccAddressFromBech32(strings.ToLower(m.Requester))
		require.NoError(t, err, "accepted requester %q", m.Requester)
		tokenID, err := pkptypes.ParseTokenID(m.TokenId)
		require.NoError(t, err)
		p, err := f.pkp.GetPKP(run, tokenID)
		require.NoError(t, err)
		permitted := !p.Burned && p.Owner == requester.String()
		if !permitted {
			ok, scopes, err := f.pkp.IsPermittedAddress(run, p, tokenID, requester)
			require.NoError(t, err)
			permitted = ok && slices.Contains(scopes, pkptypes.SCOPE_SIGN_ANYTHING)
		}
		require.True(t, permitted, "%s signed with %s (owner %q, burned %v) without sign-anything", m.Requester, p.TokenId, p.Owner, p.Burned)
		_, err = k.ActiveKeySet(run)
		require.NoError(t, err)

		// Exactly one pending request, queued, as asked.
		id := res.(*types.MsgSignResponse).SignatureId
		require.Equal(t, pre.NextSignatureId, id)
		require.Equal(t, pre.NextSignatureId+1, post.NextSignatureId)
		require.Len(t, post.Signatures, len(pre.Signatures)+1)
		sig, err := k.GetSignature(run, id)
		require.NoError(t, err)
		require.Equal(t, types.Signature{
			Id: id, TokenId: p.TokenId, Digest: m.Digest, Requester: requester.String(),
			RequestHeight: run.BlockHeight(), Status: types.SIGNATURE_STATUS_PENDING,
		}, sig)
		queued, err := k.SignQueue.Has(run, id)
		require.NoError(t, err)
		require.True(t, queued)
		require.Equal(t, pre.Sessions, post.Sessions)
		require.Equal(t, pre.KeySets, post.KeySets)
	case *types.MsgUpdateParams:
		require.Equal(t, gov, m.Authority)
		require.Equal(t, m.Params, post.Params)
		require.Equal(t, pre.Signatures, post.Signatures)
	default:
		t.Fatalf("unchecked success of %T", msg)
	}
}

// tssFuzzInvariants: the genesis export validates, and the per-PKP index and
// the sign queue are exactly what the signatures imply.
func tssFuzzInvariants(t *testing.T, k keeper.Keeper, ctx sdk.Context) {
	t.Helper()
	gs, err := k.ExportGenesis(ctx)
	require.NoError(t, err)
	require.NoError(t, gs.Validate())

	wantByPKP, wantQueue := map[string]bool{}, map[uint64]bool{}
	for _, s := range gs.Signatures {
		tokenID, err := pkptypes.ParseTokenID(s.TokenId)
		require.NoError(t, err)
		require.Equal(t, pkptypes.FormatTokenID(tokenID), s.TokenId, "token id stored in non-canonical form")
		wantByPKP[fmt.Sprintf("%x/%d", tokenID, s.Id)] = true
		if s.Status == types.SIGNATURE_STATUS_PENDING && s.SessionId == 0 {
			wantQueue[s.Id] = true
		}
	}
	gotByPKP, gotQueue := map[string]bool{}, map[uint64]bool{}
	require.NoError(t, k.SignaturesByPKP.Walk(ctx, nil, func(key collections.Pair[[]byte, uint64]) (bool, error) {
		gotByPKP[fmt.Sprintf("%x/%d", key.K1(), key.K2())] = true
		return false, nil
	}))
	require.NoError(t, k.SignQueue.Walk(ctx, nil, func(id uint64) (bool, error) {
		gotQueue[id] = true
		return false, nil
	}))
	require.Equal(t, wantByPKP, gotByPKP, "signatures by pkp")
	require.Equal(t, wantQueue, gotQueue, "sign queue")
}

// ---------------------------------------------------------------- seeds

type fuzzMsgSeed struct {
	sel1 byte
	msg1 []byte
	sel2 byte
	msg2 []byte
}

func tssFuzzSel(msg sdk.Msg) byte {
	for i, k := range tssFuzzKinds {
		if proto.MessageName(k()) == proto.MessageName(msg) {
			return byte(i)
		}
	}
	panic(fmt.Sprintf("%T is not a x/tss Msg", msg))
}

func fuzzEncode(msg sdk.Msg) []byte {
	bz, err := proto.Marshal(msg)
	if err != nil {
		panic(err)
	}
	return bz
}

func tssFuzzSeeds() []fuzzMsgSeed {
	r := tssFuzzRef
	none := byte(len(tssFuzzKinds))
	var seeds []fuzzMsgSeed
	one := func(m sdk.Msg) { seeds = append(seeds, fuzzMsgSeed{tssFuzzSel(m), fuzzEncode(m), none, nil}) }
	two := func(a, b sdk.Msg) {
		seeds = append(seeds, fuzzMsgSeed{tssFuzzSel(a), fuzzEncode(a), tssFuzzSel(b), fuzzEncode(b)})
	}
	sign := func(req, tok, d string) *types.MsgSign {
		return &types.MsgSign{Requester: r(req), TokenId: r(tok), Digest: r(d)}
	}
	params := types.DefaultParams()
	params.MaxOpenSignSessions = 3

	for _, c := range [][3]string{
		{"owner", "tok", "d1"}, {"permSign", "tok", "d2"}, {"OWNER", "TOK", "d1"}, {"PERMSIGN", "0Xtok", "d1"},
		{"stranger", "strangerTok", "d1"},
		{"permPers", "tok", "d1"}, {"stranger", "tok", "d1"}, {"owner", "strangerTok", "d1"}, {"owner", "burned", "d1"},
		{"owner", "mgb", "d1"}, {"owner", "unknown", "d1"}, {"owner", "shortTok", "d1"}, {"owner", "", "d1"},
		{"cosmos", "tok", "d1"}, {"valoper", "tok", "d1"}, {"", "tok", "d1"},
		{"owner", "tok", "D1"}, {"owner", "tok", "d1no0x"}, {"owner", "tok", "d31"}, {"owner", "tok", "d33"},
		{"owner", "tok", "dNotHex"}, {"owner", "tok", ""},
	} {
		one(sign(c[0], c[1], c[2]))
	}
	one(&types.MsgUpdateParams{Authority: r("gov"), Params: params})
	one(&types.MsgUpdateParams{Authority: r("owner"), Params: params})
	one(&types.MsgUpdateParams{Authority: r("gov"), Params: types.Params{}})
	one(&types.MsgUpdateParams{Authority: r("gov"), Params: types.Params{KeygenTimeoutBlocks: 10, SignTimeoutBlocks: 9, MaxSignAttempts: 1, MaxOpenSignSessions: 1}})
	one(&types.MsgUpdateParams{Authority: r("gov"), Params: types.Params{KeygenTimeoutBlocks: 10, SignTimeoutBlocks: 10, MaxSignAttempts: 11, MaxOpenSignSessions: 64}})

	two(sign("owner", "tok", "d1"), sign("owner", "tok", "d1"))
	two(sign("permSign", "tok", "d1"), sign("stranger", "strangerTok", "d2"))
	two(&types.MsgUpdateParams{Authority: r("gov"), Params: params}, sign("owner", "tok", "d2"))
	seeds = append(seeds,
		fuzzMsgSeed{0x80, fuzzEncode(sign("owner", "tok", "d1")), 0, fuzzEncode(sign("permSign", "tok", "d2"))},
		fuzzMsgSeed{0x80 | 1, fuzzEncode(&types.MsgUpdateParams{Authority: r("gov"), Params: params}), none, nil},
		fuzzMsgSeed{0, nil, none, nil},
		fuzzMsgSeed{0, []byte{0x0a, 0x02, '$', 0, 0x12, 0xff}, 1, []byte{0x12, 0x02, 0x08, 0x00}},
	)
	return seeds
}
