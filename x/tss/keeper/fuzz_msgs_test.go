package keeper_test

import (
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/testutil/fuzzmsg"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	"github.com/litprotocol/litd/x/tss/keeper"
	"github.com/litprotocol/litd/x/tss/types"
)

// FuzzTSSMsgs feeds every x/tss Msg to the real message server, with real
// x/pkp state behind it (an active root key; owner's PKP on which permSign
// may sign anything and permPers only personal-sign; a burned PKP; a
// Mint/Grant/Burn PKP; stranger's PKP; poor's PKP, poor holding less than the
// sign fee) and one pending request of owner's, and checks:
//
//  1. no panic;
//  2. a failing handler returns a registered x/tss or x/pkp error (never ABCI
//     code 1, "internal") and leaves every store exactly as it was;
//  3. after a success the exported genesis validates, the signature indexes
//     and queue match the signatures, and the message was authorized by the
//     state before it: MsgSign comes from the owner of the unburned PKP or an
//     address permitted to sign anything with it, queues exactly one
//     pending request, counts it against its requester and moves exactly the
//     sign fee from the requester to the fee collector; MsgUpdateParams comes
//     from the authority.
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
	tssFuzzKinds.RequireCovers(f, "lit.tss.v1.Msg")
	tssFuzzSeeds().AddTo(f)
	f.Fuzz(func(t *testing.T, sel1 byte, msg1 []byte, sel2 byte, msg2 []byte) {
		e := tssFuzzEnv(t)
		// The world is never written: each input runs in a branch of it.
		run := fuzzmsg.Branch(e.f.ctx)
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
var tssFuzzKinds = fuzzmsg.Kinds{
	func() sdk.Msg { return &types.MsgSign{} },
	func() sdk.Msg { return &types.MsgUpdateParams{} },
}

// deliver hands msg to the message server.
func (e *tssFuzzWorld) deliver(ctx sdk.Context, msg sdk.Msg) (proto.Message, error) {
	msgs := e.f.msgs
	switch m := msg.(type) {
	case *types.MsgSign:
		return msgs.Sign(ctx, m)
	case *types.MsgUpdateParams:
		return msgs.UpdateParams(ctx, m)
	}
	panic(fmt.Sprintf("no handler for %T", msg))
}

// ---------------------------------------------------------------- symbols

var tssFuzzSymNames = fuzzmsg.Symbols{
	"owner", "permSign", "permPers", "stranger", "gov", "OWNER", "PERMSIGN", "cosmos", "valoper", "",
	"tok", "TOK", "0Xtok", "burned", "mgb", "strangerTok", "unknown", "shortTok",
	"d1", "d2", "D1", "d1no0x", "d31", "d33", "dNotHex", "poor", "poorTok",
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
	poorTok := f.mint(t, &pkptypes.MsgMint{Creator: owner}).TokenId
	_, err = f.pkpMsgs.Transfer(f.ctx, &pkptypes.MsgTransfer{Owner: owner, TokenId: poorTok, Recipient: poor})
	require.NoError(t, err)
	// One request already pending, so a lowered cap can refuse the next.
	f.mustSign(t, digest(0x77))
	values := map[string]string{
		"owner": owner, "permSign": permSign, "permPers": permPers, "stranger": stranger, "gov": gov,
		"OWNER": strings.ToUpper(owner), "PERMSIGN": strings.ToUpper(permSign),
		"cosmos": "cosmos1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqnrql8a", "valoper": vals[0].op, "": "",
		"tok": f.tok, "TOK": strings.ToUpper(f.tok[2:]), "0Xtok": "0X" + f.tok[2:], "burned": burned, "mgb": mgb.TokenId,
		"strangerTok": strangerTok, "unknown": unknown, "shortTok": f.tok[:64],
		"d1": digest(1), "d2": digest(0xab), "D1": strings.ToUpper(digest(0xab)), "d1no0x": digest(1)[2:] + "00",
		"d31": digest(1)[:64], "d33": digest(1) + "11", "dNotHex": "0x" + strings.Repeat("zz", 32),
		"poor": poor, "poorTok": poorTok,
	}
	e := &tssFuzzWorld{f: f, syms: tssFuzzSymNames.Values(t, values)}
	tssFuzzCached = e
	return e
}

// ---------------------------------------------------------------- one step

func (e *tssFuzzWorld) step(t *testing.T, run sdk.Context, sel byte, raw []byte) {
	msg, ok := tssFuzzKinds.Decode(sel, raw, e.syms)
	if !ok {
		return
	}
	f, k := e.f, e.f.k

	pre, err := k.ExportGenesis(run)
	require.NoError(t, err)
	preBank := f.bank.all(run)

	// MsgSign reports x/pkp's errors for a bad or unknown token id.
	res, err := fuzzmsg.Deliver(t, f.ctx, run, msg, e.deliver, types.ModuleName, pkptypes.ModuleName)
	if err != nil {
		return
	}
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
		derived, err := k.DerivePubkey(run, p.KeyId)
		require.NoError(t, err)
		require.Equal(t, types.Signature{
			Id: id, TokenId: p.TokenId, Digest: m.Digest, Requester: requester.String(),
			RequestHeight: run.BlockHeight(), Status: types.SIGNATURE_STATUS_PENDING,
			KeyId: p.KeyId, Pubkey: "0x" + hex.EncodeToString(derived),
		}, sig)
		queued, err := k.SignQueue.Has(run, id)
		require.NoError(t, err)
		require.True(t, queued)

		// Paid exactly the sign fee, to the fee collector, and nothing else moved.
		fee := sdk.NewCoins(pre.Params.SignFee)
		wantBank := maps.Clone(preBank)
		wantBank[requester.String()] = preBank[requester.String()].Sub(fee...)
		wantBank["module:"+feeCollector] = preBank["module:"+feeCollector].Add(fee...)
		maps.DeleteFunc(wantBank, func(_ string, c sdk.Coins) bool { return c.IsZero() })
		require.Equal(t, wantBank, f.bank.all(run))
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

	// The pending counts are what the pending signatures imply.
	wantPending, gotPending := map[string]uint64{}, map[string]uint64{}
	var total uint64
	for _, s := range gs.Signatures {
		if s.Status == types.SIGNATURE_STATUS_PENDING {
			wantPending[s.Requester]++
			total++
		}
	}
	require.NoError(t, k.PendingByRequester.Walk(ctx, nil, func(r string, n uint64) (bool, error) {
		gotPending[r] = n
		return false, nil
	}))
	require.Equal(t, wantPending, gotPending, "pending by requester")
	gotTotal, err := k.PendingCount.Get(ctx)
	require.NoError(t, err)
	require.Equal(t, total, gotTotal, "pending count")
}

// ---------------------------------------------------------------- seeds

func tssFuzzSeeds() *fuzzmsg.Seeds {
	r, none := tssFuzzSymNames.Ref, tssFuzzKinds.None()
	seeds := fuzzmsg.NewSeeds(tssFuzzKinds)
	one, two := seeds.One, seeds.Two
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

	one(sign("poor", "poorTok", "d1"))
	noFee, oneEach, bigFee := params, params, params
	noFee.SignFee = sdk.NewInt64Coin("ulit", 0)
	oneEach.MaxQueuedSignaturesPerRequester = 1
	bigFee.SignFee = sdk.NewInt64Coin("ulit", 1<<50)
	two(&types.MsgUpdateParams{Authority: r("gov"), Params: noFee}, sign("poor", "poorTok", "d1"))
	two(&types.MsgUpdateParams{Authority: r("gov"), Params: oneEach}, sign("owner", "tok", "d1"))
	two(&types.MsgUpdateParams{Authority: r("gov"), Params: oneEach}, sign("permSign", "tok", "d1"))
	two(&types.MsgUpdateParams{Authority: r("gov"), Params: bigFee}, sign("owner", "tok", "d1"))
	two(sign("owner", "tok", "d1"), sign("owner", "tok", "d1"))
	two(sign("permSign", "tok", "d1"), sign("stranger", "strangerTok", "d2"))
	two(&types.MsgUpdateParams{Authority: r("gov"), Params: params}, sign("owner", "tok", "d2"))
	seeds.Raw(0x80, fuzzmsg.Encode(sign("owner", "tok", "d1")), 0, fuzzmsg.Encode(sign("permSign", "tok", "d2")))
	seeds.Raw(0x80|1, fuzzmsg.Encode(&types.MsgUpdateParams{Authority: r("gov"), Params: params}), none, nil)
	seeds.Raw(0, nil, none, nil)
	seeds.Raw(0, []byte{0x0a, 0x02, '$', 0, 0x12, 0xff}, 1, []byte{0x12, 0x02, 0x08, 0x00})
	return seeds
}
