package keeper_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	"github.com/litprotocol/litd/x/tss/keeper"
	"github.com/litprotocol/litd/x/tss/types"
)

// ---------------------------------------------------------------- sign fee

func TestSignFee(t *testing.T) {
	// collected is what the fee collector received since the fixture (which
	// paid x/pkp's mint fee) was built.
	newFee := func(t *testing.T) (*fixture, func() sdk.Coins) {
		f := newFixture(t, true)
		base := f.bank.balance(f.ctx, "module:"+feeCollector)
		return f, func() sdk.Coins { return f.bank.balance(f.ctx, "module:"+feeCollector).Sub(base...) }
	}

	t.Run("charged once, to the fee collector", func(t *testing.T) {
		f, collected := newFee(t)
		require.True(t, collected().IsZero())
		f.mustSign(t, digest(1))
		require.Equal(t, sdk.NewCoins(types.DefaultSignFee), collected())
		require.Equal(t, ulit(100_000_000).Sub(types.DefaultSignFee), f.bank.balance(f.ctx, owner).Add(pkptypes.DefaultMintFee))

		// Opening, running and completing the session charges nothing more.
		f.endBlock(t)
		f.complete(t, 1)
		f.endBlock(t)
		require.Equal(t, sdk.NewCoins(types.DefaultSignFee), collected())
		require.Equal(t, ulit(100_000_000).Sub(types.DefaultSignFee), f.bank.balance(f.ctx, owner).Add(pkptypes.DefaultMintFee))
	})

	t.Run("the fee param decides", func(t *testing.T) {
		f, collected := newFee(t)
		f.setParams(t, func(p *types.Params) { p.SignFee = sdk.NewInt64Coin("ulit", 0) })
		f.mustSign(t, digest(1))
		require.True(t, collected().IsZero(), "a zero fee moves nothing")
		f.setParams(t, func(p *types.Params) { p.SignFee = sdk.NewInt64Coin("ulit", 7) })
		f.mustSign(t, digest(2))
		require.Equal(t, ulit(7), collected())
	})

	t.Run("signatures for Lit Actions are not charged here", func(t *testing.T) {
		f, collected := newFee(t)
		before := f.bank.balance(f.ctx, owner)
		id := ok[uint64](t)(f.k.RequestSignature(f.ctx, rawDigest(f.tok), f.tok, 1, digest(1), "action:Qm"))
		require.Equal(t, "action:Qm", f.signature(t, id).Requester)
		require.True(t, collected().IsZero())
		require.Equal(t, before, f.bank.balance(f.ctx, owner))
	})

	t.Run("insufficient funds: refused, nothing written", func(t *testing.T) {
		f, _ := newFee(t)
		tok := f.mint(t, &pkptypes.MsgMint{Creator: owner, PermittedAddresses: []pkptypes.PermittedAddress{{Address: poor, Scopes: signAny}}}).TokenId
		err := f.refused(t, types.ErrInsufficientFee, func() error { _, err := f.sign(poor, tok, digest(1)); return err })
		require.Contains(t, err.Error(), "sign fee 100000ulit")
		require.Equal(t, ulit(types.DefaultSignFee.Amount.Int64()-1), f.bank.balance(f.ctx, poor))

		// A denom the requester does not hold.
		f.setParams(t, func(p *types.Params) { p.SignFee = sdk.NewInt64Coin("uatom", 1) })
		_ = f.refused(t, types.ErrInsufficientFee, func() error { _, err := f.sign(owner, f.tok, digest(1)); return err })
	})

	t.Run("a refused request pays nothing", func(t *testing.T) {
		f, collected := newFee(t)
		_ = f.refused(t, types.ErrUnauthorized, func() error { _, err := f.sign(stranger, f.tok, digest(1)); return err })
		f.setParams(t, func(p *types.Params) { p.MaxQueuedSignaturesPerRequester = 1 })
		f.mustSign(t, digest(1))
		_ = f.refused(t, types.ErrQueueFull, func() error { _, err := f.sign(owner, f.tok, digest(2)); return err })
		require.Equal(t, sdk.NewCoins(types.DefaultSignFee), collected(), "only the accepted request paid")
	})
}

// ---------------------------------------------------------------- caps

func TestQueueCaps(t *testing.T) {
	const action = "action:QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
	f := newFixture(t, true)
	f.setParams(t, func(p *types.Params) {
		p.MaxQueuedSignatures, p.MaxQueuedSignaturesPerRequester, p.MaxSignAttempts = 4, 2, 1
	})
	requestAs := func(requester string, d string) (uint64, error) {
		f.fresh()
		return f.k.RequestSignature(f.ctx, rawDigest(f.tok), f.tok, 1, d, requester)
	}

	// Per requester: owner's third pending request is refused; others are not.
	f.mustSign(t, digest(1))
	f.mustSign(t, digest(2))
	err := f.refused(t, types.ErrQueueFull, func() error { _, err := f.sign(owner, f.tok, digest(3)); return err })
	require.Contains(t, err.Error(), owner+" has 2 signature requests pending, the limit is 2; wait for them to finish")
	ok[uint64](t)(requestAs(action, digest(4)))
	ok[uint64](t)(requestAs(action, digest(5)))
	err = f.refused(t, types.ErrQueueFull, func() error { _, err := requestAs(action, digest(6)); return err })
	require.Contains(t, err.Error(), action+" has 2 signature requests pending")
	by, total := f.pending(t)
	require.Equal(t, map[string]uint64{owner: 2, action: 2}, by)
	require.Equal(t, uint64(4), total)

	// Globally: four pending of all requesters fill the chain.
	err = f.refused(t, types.ErrQueueFull, func() error { _, err := f.sign(permSign, f.tok, digest(7)); return err })
	require.Contains(t, err.Error(), "the chain has 4 signature requests pending, the limit is 4; wait for them to finish")

	// An open session still counts: requested but not finished.
	f.endBlock(t)
	require.Len(t, f.openIDs(t), 4)
	require.Empty(t, f.queue(t))
	_ = f.refused(t, types.ErrQueueFull, func() error { _, err := f.sign(permSign, f.tok, digest(7)); return err })

	// A signed request gives its slot back (to everyone, and to its requester).
	f.complete(t, 1)
	by, total = f.pending(t)
	require.Equal(t, map[string]uint64{owner: 1, action: 2}, by)
	require.Equal(t, uint64(3), total)
	f.at(60)
	f.mustSign(t, digest(3))
	_ = f.refused(t, types.ErrQueueFull, func() error { _, err := f.sign(permSign, f.tok, digest(7)); return err })
	f.endBlock(t) // session 5 for signature 5, until height 160

	// So does a failed one (one attempt allowed): sessions 2, 3 and 4 expire.
	f.at(f.session(t, 2).DeadlineHeight)
	f.endBlock(t)
	for id := uint64(2); id <= 4; id++ {
		require.Equal(t, types.SIGNATURE_STATUS_FAILED, f.signature(t, id).Status)
	}
	by, total = f.pending(t)
	require.Equal(t, map[string]uint64{owner: 1}, by, "signature 5 is still open")
	require.Equal(t, uint64(1), total)
	ok[uint64](t)(f.sign(permSign, f.tok, digest(7)))
	ok[uint64](t)(requestAs(action, digest(6)))

	// The counts survive a genesis round trip (rebuilt from the signatures).
	gs := f.export(t)
	g := newFixture(t, false)
	require.NoError(t, g.k.InitGenesis(g.ctx, *gs))
	gBy, gTotal := g.pending(t)
	by, total = f.pending(t)
	require.Equal(t, by, gBy)
	require.Equal(t, total, gTotal)
	require.Equal(t, uint64(3), total)
}

// ---------------------------------------------------------------- pruning

func TestPruneSessions(t *testing.T) {
	f := newFixture(t, true)
	f.setParams(t, func(p *types.Params) { p.SessionRetentionBlocks = 10 })
	for i := range 3 {
		f.mustSign(t, digest(byte(i)))
	}
	f.endBlock(t) // sessions 1, 2, 3 serve signatures 1, 2, 3
	f.complete(t, 1)
	require.Equal(t, int64(42), f.session(t, 1).ClosedHeight)
	f.at(50)
	s2 := f.session(t, 2)
	f.apply(t, valAddr(s2.Parties[0].Validator), bcast(2, 2))
	require.Len(t, keys(t, f.ctx, f.k.SeenMessages), 2)
	f.complete(t, 2)
	require.Empty(t, keys(t, f.ctx, f.k.SeenMessages), "closing forgets the session's message digests")
	require.Equal(t, []collections.Pair[int64, uint64]{collections.Join(int64(42), uint64(1)), collections.Join(int64(50), uint64(2))},
		keys(t, f.ctx, f.k.ClosedSessions))

	f.at(51)
	f.endBlock(t)
	f.session(t, 1) // closed 9 blocks ago: kept
	f.at(52)
	f.endBlock(t)
	_, err := f.k.GetSession(f.ctx, 1)
	require.ErrorIs(t, err, types.ErrNotFound)
	_, err = f.q.Session(f.ctx, &types.QuerySessionRequest{Id: 1})
	requireCode(t, err, codes.NotFound)
	require.Contains(t, err.Error(), "session 1 was pruned: closed sessions are kept for 10 blocks (session_retention_blocks)")
	_, err = f.q.Session(f.ctx, &types.QuerySessionRequest{Id: 99})
	requireCode(t, err, codes.NotFound)
	require.NotContains(t, err.Error(), "pruned", "an id never issued")
	f.session(t, 2)

	f.at(60)
	f.endBlock(t)
	_, err = f.k.GetSession(f.ctx, 2)
	require.ErrorIs(t, err, types.ErrNotFound)

	// The open session stays; every signature stays, with its session id.
	require.Equal(t, types.SESSION_STATUS_OPEN, f.session(t, 3).Status)
	require.Equal(t, []uint64{3}, f.openIDs(t))
	require.Empty(t, keys(t, f.ctx, f.k.ClosedSessions))
	for id := uint64(1); id <= 3; id++ {
		sig := f.signature(t, id)
		require.Equal(t, id, sig.SessionId)
		require.Equal(t, map[bool]types.SignatureStatus{true: types.SIGNATURE_STATUS_SIGNED, false: types.SIGNATURE_STATUS_PENDING}[id < 3], sig.Status)
	}
	require.Len(t, ok[*types.QuerySignaturesResponse](t)(f.q.SignaturesByPKP(f.ctx, &types.QuerySignaturesByPKPRequest{TokenId: f.tok})).Signatures, 3)

	// What remains is a valid genesis, and imports to the same state.
	gs := f.export(t)
	require.NoError(t, gs.Validate())
	require.Len(t, gs.Sessions, 1)
	g := newFixture(t, false)
	require.NoError(t, g.k.InitGenesis(g.ctx, *gs))
	require.Equal(t, gs, g.export(t))
}

func TestPruneSessionsBounded(t *testing.T) {
	// 70 closed keygen sessions from genesis, closed at heights 10..16 with
	// later ids closed earlier, so (closed height, id) order is not id order.
	f := newFixture(t, true)
	gs := f.export(t)
	gs.Params.SessionRetentionBlocks = 100
	for id := uint64(1); id <= 70; id++ {
		gs.Sessions = append(gs.Sessions, types.Session{
			Id: id, Type: types.SESSION_TYPE_KEYGEN, Status: types.SESSION_STATUS_EXPIRED, KeySetId: 1, Threshold: 1,
			Parties: []types.Party{{Validator: ops()[0]}, {Validator: ops()[1]}}, StartHeight: 1, DeadlineHeight: 10,
			Attempt: uint32(id), ClosedHeight: 16 - int64(id)/10,
		})
	}
	gs.NextSessionId = 71
	g := newFixture(t, false)
	require.NoError(t, g.k.InitGenesis(g.ctx, *gs))
	var order []collections.Pair[int64, uint64]
	for _, s := range gs.Sessions {
		order = append(order, collections.Join(s.ClosedHeight, s.Id))
	}
	slices.SortFunc(order, func(a, b collections.Pair[int64, uint64]) int {
		if a.K1() != b.K1() {
			return int(a.K1() - b.K1())
		}
		return int(a.K2()) - int(b.K2())
	})
	require.Equal(t, order, keys(t, g.ctx, g.k.ClosedSessions))

	g.at(115) // due: closed at or before 15, i.e. ids 10..70 (61 sessions)
	g.endBlock(t)
	left := keys(t, g.ctx, g.k.ClosedSessions)
	require.Equal(t, order[61:], left)
	g.at(1000)
	g.endBlock(t)
	require.Empty(t, keys(t, g.ctx, g.k.ClosedSessions))
	require.Empty(t, g.export(t).Sessions)

	// More due than the per-block bound: the oldest 64 go first.
	h := newFixture(t, false)
	require.NoError(t, h.k.InitGenesis(h.ctx, *gs))
	h.at(1000)
	h.endBlock(t)
	require.Equal(t, order[keeper.MaxSessionsPrunedPerBlock:], keys(t, h.ctx, h.k.ClosedSessions))
	h.endBlock(t)
	require.Empty(t, keys(t, h.ctx, h.k.ClosedSessions))
}

// ---------------------------------------------------------------- params

func TestParamsBounds(t *testing.T) {
	f := newFixture(t, false)
	for _, tc := range []struct {
		name   string
		change func(*types.Params)
		ok     bool
	}{
		{"defaults", func(*types.Params) {}, true},
		{"zero fee", func(p *types.Params) { p.SignFee = sdk.NewInt64Coin("ulit", 0) }, true},
		{"fee in another denom", func(p *types.Params) { p.SignFee = sdk.NewInt64Coin("uatom", 5) }, true},
		{"fee without denom", func(p *types.Params) { p.SignFee = sdk.Coin{Amount: math.NewInt(1)} }, false},
		{"fee negative", func(p *types.Params) { p.SignFee = sdk.Coin{Denom: "ulit", Amount: math.NewInt(-1)} }, false},
		{"fee unset", func(p *types.Params) { p.SignFee = sdk.Coin{} }, false},
		{"queue at the bound", func(p *types.Params) { p.MaxQueuedSignatures = types.MaxQueuedSignaturesLimit }, true},
		{"queue 0", func(p *types.Params) { p.MaxQueuedSignatures = 0 }, false},
		{"queue over the bound", func(p *types.Params) { p.MaxQueuedSignatures = types.MaxQueuedSignaturesLimit + 1 }, false},
		{"per requester = global", func(p *types.Params) { p.MaxQueuedSignatures, p.MaxQueuedSignaturesPerRequester = 5, 5 }, true},
		{"per requester 0", func(p *types.Params) { p.MaxQueuedSignaturesPerRequester = 0 }, false},
		{"per requester > global", func(p *types.Params) { p.MaxQueuedSignatures, p.MaxQueuedSignaturesPerRequester = 5, 6 }, false},
		{"retention 1", func(p *types.Params) { p.SessionRetentionBlocks = 1 }, true},
		{"retention at the bound", func(p *types.Params) { p.SessionRetentionBlocks = types.MaxSessionRetentionBlocks }, true},
		{"retention 0", func(p *types.Params) { p.SessionRetentionBlocks = 0 }, false},
		{"retention over the bound", func(p *types.Params) { p.SessionRetentionBlocks = types.MaxSessionRetentionBlocks + 1 }, false},
		{"grace 1", func(p *types.Params) { p.EncKeyGraceBlocks = 1 }, true},
		{"grace 0", func(p *types.Params) { p.EncKeyGraceBlocks = 0 }, false},
		{"grace over the bound", func(p *types.Params) { p.EncKeyGraceBlocks = types.MaxTimeoutBlocks + 1 }, false},
		{"refresh never", func(p *types.Params) { p.RefreshEpochBlocks = 0 }, true},
		{"refresh 100", func(p *types.Params) { p.RefreshEpochBlocks = 100 }, true},
		{"refresh too often", func(p *types.Params) { p.RefreshEpochBlocks = 99 }, false},
		{"refresh over the bound", func(p *types.Params) { p.RefreshEpochBlocks = types.MaxSessionRetentionBlocks + 1 }, false},
		{"faults 0", func(p *types.Params) { p.MaxFaultsPerWindow = 0 }, false},
		{"faults 1001", func(p *types.Params) { p.MaxFaultsPerWindow = 1001 }, false},
		{"fault window 0", func(p *types.Params) { p.FaultWindowBlocks = 0 }, false},
		{"fault window 1", func(p *types.Params) { p.FaultWindowBlocks = 1 }, true},
		{"open decryptions 0", func(p *types.Params) { p.MaxOpenDecryptions = 0 }, false},
		{"open decryptions max", func(p *types.Params) { p.MaxOpenDecryptions = types.MaxOpenDecryptionsLimit }, true},
		{"open decryptions over", func(p *types.Params) { p.MaxOpenDecryptions = types.MaxOpenDecryptionsLimit + 1 }, false},
		{"per requester over total", func(p *types.Params) { p.MaxOpenDecryptionsPerRequester = p.MaxOpenDecryptions + 1 }, false},
		{"per requester 0", func(p *types.Params) { p.MaxOpenDecryptionsPerRequester = 0 }, false},
		{"decrypt fee 0", func(p *types.Params) { p.DecryptFee = sdk.NewInt64Coin("ulit", 0) }, true},
		{"decrypt fee invalid", func(p *types.Params) { p.DecryptFee = sdk.Coin{Denom: "", Amount: math.NewInt(1)} }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := types.DefaultParams()
			tc.change(&p)
			msg := &types.MsgUpdateParams{Authority: gov, Params: p}
			if tc.ok {
				ok[*types.MsgUpdateParamsResponse](t)(f.msgs.UpdateParams(f.ctx, msg))
				require.Equal(t, p, f.export(t).Params)
				return
			}
			_ = f.refused(t, types.ErrInvalidParams, func() error { _, err := f.msgs.UpdateParams(f.ctx, msg); return err })
			gs := types.DefaultGenesis()
			gs.Params = p
			require.ErrorIs(t, gs.Validate(), types.ErrInvalidParams)
		})
	}
	require.Equal(t, types.Params{
		KeygenTimeoutBlocks: 400, SignTimeoutBlocks: 100, MaxSignAttempts: 3, MaxOpenSignSessions: 16,
		SignFee: sdk.NewInt64Coin("ulit", 100_000), MaxQueuedSignatures: 256, MaxQueuedSignaturesPerRequester: 16, SessionRetentionBlocks: 1000,
		EncKeyGraceBlocks: 100, RefreshEpochBlocks: 172_800, MaxFaultsPerWindow: 3, FaultWindowBlocks: 1000,
		DecryptFee: sdk.NewInt64Coin("ulit", 10_000), MaxOpenDecryptions: 64, MaxOpenDecryptionsPerRequester: 8,
	}, types.DefaultParams())
}

// A chain from before decryption has params without its fields: the 1 → 2
// migration fills them with the defaults and leaves the rest alone.
func TestMigrate1to2FillsDecryptParams(t *testing.T) {
	f := newFixture(t, false)
	old := types.DefaultParams()
	old.SignFee = sdk.NewInt64Coin("ulit", 7)
	old.DecryptFee, old.MaxOpenDecryptions, old.MaxOpenDecryptionsPerRequester = sdk.Coin{}, 0, 0
	require.NoError(t, f.k.Params.Set(f.ctx, old))
	require.NoError(t, f.k.Migrate1to2(f.ctx))
	got, err := f.k.Params.Get(f.ctx)
	require.NoError(t, err)
	want := types.DefaultParams()
	want.SignFee = old.SignFee
	require.Equal(t, want, got)
	// Run again (a chain that set them by governance): nothing changes.
	require.NoError(t, f.k.Migrate1to2(f.ctx))
	again, err := f.k.Params.Get(f.ctx)
	require.NoError(t, err)
	require.Equal(t, got, again)
}
