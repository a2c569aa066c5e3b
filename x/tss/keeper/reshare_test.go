package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/litprotocol/litd/x/tss/keeper"
	"github.com/litprotocol/litd/x/tss/types"
)

// threeOfFour makes the active key set validators 0-2 (t=1) while all four
// are bonded, live and registered: validator 3 has joined.
func threeOfFour(t *testing.T) *fixture {
	f := newFixture(t, true)
	ks := f.keySet(t)
	ks.Participants, ks.Threshold, ks.Epoch, ks.ActivatedHeight = ops(0, 1, 2), 1, 1, 10
	require.NoError(t, f.k.KeySets.Set(f.ctx, ks.Id, ks))
	register(t, f, 0, 1, 2, 3)
	return f
}

func rootBytes() []byte { return rootPriv().PubKey().SerializeCompressed() }

func report(t *testing.T, f *fixture, session uint64, pubkey []byte, idx ...int) {
	t.Helper()
	for _, i := range idx {
		f.apply(t, vals[i].addr, &types.ExtensionSection{KeygenResults: []types.KeygenResult{{SessionId: session, Pubkey: pubkey}}})
	}
}

func keySetByID(t *testing.T, f *fixture, id uint64) types.KeySet {
	return ok[types.KeySet](t)(f.k.KeySets.Get(f.ctx, id))
}

func TestReshareWhenAValidatorJoins(t *testing.T) {
	f := threeOfFour(t)
	derived := ok[[]byte](t)(f.k.DerivePubkey(f.ctx, 1))
	sigID := f.mustSign(t, digest(1))
	f.endBlock(t) // the sign session opens on key set 1; the reshare too
	target := keySetByID(t, f, 2)
	require.Equal(t, types.KeySet{
		Id: 2, Pubkey: rootHex(), Threshold: 2, Participants: ops(), Status: types.KEY_SET_STATUS_RESHARING,
		KeygenSessionId: target.KeygenSessionId, Epoch: 2, PreviousKeySetId: 1,
	}, target, "same root key, the new committee's threshold")
	s := f.session(t, target.KeygenSessionId)
	require.Equal(t, types.SESSION_TYPE_RESHARE, s.Type)
	require.EqualValues(t, 1, s.KeySetId)
	require.EqualValues(t, 1, s.Threshold)
	require.EqualValues(t, 2, s.NewKeySetId)
	require.EqualValues(t, 2, s.NewThreshold)
	require.Len(t, s.OldCommittee, 2, "t_old+1 old members")
	require.Subset(t, ops(0, 1, 2), s.OldCommittee)
	require.Equal(t, ops(), s.NewCommittee)
	require.Equal(t, ops(), parties(s))
	status := ok[*types.QueryStatusResponse](t)(f.q.Status(f.ctx, &types.QueryStatusRequest{}))
	require.Equal(t, "resharing", status.Phase)
	require.EqualValues(t, 1, status.OpenReshareSessions)
	require.Equal(t, &target, ok[*types.QueryKeySetResponse](t)(f.q.KeySet(f.ctx, &types.QueryKeySetRequest{})).Resharing)

	// Signing still uses the old committee; nothing else opens a second reshare.
	require.EqualValues(t, 1, f.session(t, f.signature(t, sigID).SessionId).KeySetId)
	f.endBlock(t)
	require.Equal(t, []uint64{1, 2}, keys(t, f.ctx, f.k.OpenSessions))

	// A new member reporting another key is named; an old-only member's
	// report is a fault; results are counted only from the new committee.
	other := childPriv(5).PubKey().SerializeCompressed()
	report(t, f, s.Id, other, 3)
	s = f.session(t, s.Id)
	require.Contains(t, s.Parties[keeper.PartyIndex(s, vals[3].op)].LastFault, "reported a different key")
	require.Empty(t, s.Parties[keeper.PartyIndex(s, vals[3].op)].Result)
	report(t, f, s.Id, rootBytes(), 0, 1, 2)
	require.Equal(t, types.KEY_SET_STATUS_RESHARING, keySetByID(t, f, 2).Status, "not every new member reported yet")
	f.fresh()
	report(t, f, s.Id, rootBytes(), 3)
	evs := ofType[*types.EventKeySetReshared](f.events(t))
	require.Len(t, evs, 1)
	require.Equal(t, types.EventKeySetReshared{OldKeySetId: 1, NewKeySetId: 2, Pubkey: rootHex(), Participants: ops(), Threshold: 2, Epoch: 2, SessionId: s.Id}, *evs[0])

	// The switch happened at this height, in one step.
	active := ok[types.KeySet](t)(f.k.ActiveKeySet(f.ctx))
	require.EqualValues(t, 2, active.Id)
	require.Equal(t, f.ctx.BlockHeight(), active.ActivatedHeight)
	retired := keySetByID(t, f, 1)
	require.Equal(t, types.KEY_SET_STATUS_RETIRED, retired.Status)
	require.Equal(t, f.ctx.BlockHeight(), retired.RetiredHeight)
	require.Equal(t, types.SESSION_STATUS_COMPLETED, f.session(t, s.Id).Status)
	require.Equal(t, derived, ok[[]byte](t)(f.k.DerivePubkey(f.ctx, 1)), "every PKP keeps its key")

	// The sign session opened before the switch finishes on the retired key
	// set, whose holders keep it while the session is open.
	held := ok[[]types.KeySet](t)(f.k.HeldKeySets(f.ctx))
	require.Len(t, held, 2)
	f.complete(t, sigID)
	held = ok[[]types.KeySet](t)(f.k.HeldKeySets(f.ctx))
	require.Equal(t, []types.KeySet{active}, held, "nobody keeps the retired generation once unused")
	// New requests go to the new committee (any t+1 = 3 of 4).
	next := f.mustSign(t, digest(2))
	f.endBlock(t)
	ns := f.session(t, f.signature(t, next).SessionId)
	require.EqualValues(t, 2, ns.KeySetId)
	require.Len(t, ns.Parties, 3)
}

func TestReshareRetryNeverLowersTheThreshold(t *testing.T) {
	f := threeOfFour(t)
	f.endBlock(t)
	s := f.session(t, keySetByID(t, f, 2).KeygenSessionId)
	// Everybody but validator 3 takes part; 3 stays silent.
	for _, op := range parties(s) {
		if op != vals[3].op {
			f.apply(t, valAddr(op), bcast(s.Id, 3))
		}
	}
	f.at(s.DeadlineHeight)
	evs := f.endBlock(t)
	expired := ofType[*types.EventSessionExpired](evs)
	require.Len(t, expired, 1)
	require.Equal(t, []string{vals[3].op}, expired[0].Silent)
	target := keySetByID(t, f, 2)
	require.Equal(t, types.KEY_SET_STATUS_RESHARING, target.Status)
	require.Equal(t, ops(0, 1, 2), target.Participants, "the silent joiner is left out")
	require.EqualValues(t, 2, target.Threshold, "the threshold stays the 4-member committee's")
	retry := f.session(t, target.KeygenSessionId)
	require.EqualValues(t, 2, retry.Attempt)
	require.EqualValues(t, 2, retry.NewThreshold)
	require.Equal(t, ops(0, 1, 2), retry.NewCommittee)

	// Two more silent: fewer than t+1 = 3 would remain, so the target is
	// abandoned (never a smaller committee with the same key) and the next
	// block starts over from the bonded set.
	for _, op := range parties(retry) {
		if op == vals[0].op {
			f.apply(t, valAddr(op), bcast(retry.Id, 3))
		}
	}
	f.at(retry.DeadlineHeight)
	f.endBlock(t)
	require.Equal(t, types.KEY_SET_STATUS_RETIRED, keySetByID(t, f, 2).Status)
	require.Zero(t, keySetByID(t, f, 2).ActivatedHeight, "abandoned, never active")
	active := ok[types.KeySet](t)(f.k.ActiveKeySet(f.ctx))
	require.EqualValues(t, 1, active.Id, "the old committee still holds the key")
	fresh := keySetByID(t, f, 3)
	require.Equal(t, types.KEY_SET_STATUS_RESHARING, fresh.Status)
	require.EqualValues(t, 2, fresh.Epoch)
	require.Equal(t, ops(), fresh.Participants, "from the bonded set of now: validator 3 is live and not penalized yet")
	require.EqualValues(t, 2, fresh.Threshold)
}

func TestReshareWhenAMemberLeaves(t *testing.T) {
	f := newFixture(t, true) // 4 members, t=2
	register(t, f, 0, 1, 2, 3)
	f.endBlock(t)
	_, found, err := f.k.LatestKeySet(f.ctx)
	require.NoError(t, err)
	require.True(t, found)
	require.EqualValues(t, 1, ok[types.KeySet](t)(f.k.ActiveKeySet(f.ctx)).Id, "nothing changed, nothing to do")
	require.Empty(t, f.openIDs(t))

	f.staking.bonded = []int{0, 1, 2}
	f.endBlock(t)
	target := keySetByID(t, f, 2)
	require.Equal(t, ops(0, 1, 2), target.Participants)
	require.EqualValues(t, 1, target.Threshold, "⌈2·3/3⌉−1")
	s := f.session(t, target.KeygenSessionId)
	require.Len(t, s.OldCommittee, 3, "t_old+1 = 3 of the bonded old members")
	require.NotContains(t, s.OldCommittee, vals[3].op, "an unbonded member sends no extensions")
}

func TestReshareWaitsForJoinersOnlyWhileNobodyLeft(t *testing.T) {
	f := newFixture(t, true)
	ks := f.keySet(t)
	ks.Participants, ks.Threshold = ops(0, 1, 2), 1
	require.NoError(t, f.k.KeySets.Set(f.ctx, ks.Id, ks))
	register(t, f, 0, 1, 2) // validator 3 bonded, no encryption key yet
	f.endBlock(t)
	require.Empty(t, f.openIDs(t), "a joiner without a key is waited for")
	p := ok[types.Params](t)(f.k.Params.Get(f.ctx))
	f.at(f.ctx.BlockHeight() + int64(p.EncKeyGraceBlocks))
	f.endBlock(t)
	require.Empty(t, f.openIDs(t), "still nothing to reshare to: the joiner has no key")

	// A joiner that is not live (not in the last commit) is not added either.
	register(t, f, 3)
	f.setLive(0, 1, 2)
	f.endBlock(t)
	require.Empty(t, f.openIDs(t))
	f.setLive(0, 1, 2, 3)
	f.endBlock(t)
	require.Len(t, f.openIDs(t), 1)
	require.Equal(t, ops(), keySetByID(t, f, 2).Participants)
}

func TestRefreshReshareToTheSameCommittee(t *testing.T) {
	f := newFixture(t, true)
	register(t, f, 0, 1, 2, 3)
	f.setParams(t, func(p *types.Params) { p.RefreshEpochBlocks = 100 })
	ks := f.keySet(t)
	ks.ActivatedHeight = f.ctx.BlockHeight()
	require.NoError(t, f.k.KeySets.Set(f.ctx, ks.Id, ks))
	f.at(ks.ActivatedHeight + 99)
	f.endBlock(t)
	require.Empty(t, f.openIDs(t))
	f.at(ks.ActivatedHeight + 100)
	f.endBlock(t)
	target := keySetByID(t, f, 2)
	require.Equal(t, ops(), target.Participants, "a refresh keeps the committee")
	require.EqualValues(t, 2, target.Threshold)
	s := f.session(t, target.KeygenSessionId)
	require.Equal(t, ops(), s.NewCommittee)
	require.Len(t, s.OldCommittee, 3)
}

func TestDepartureGuard(t *testing.T) {
	f := newFixture(t, true) // 4 members, t=2: three must stay bonded
	undelegate := func(i int, amount int64) sdk.Msg {
		return &stakingtypes.MsgUndelegate{DelegatorAddress: acc(1), ValidatorAddress: vals[i].op, Amount: sdk.NewInt64Coin("ulit", amount)}
	}
	require.NoError(t, f.k.CheckDepartures(f.ctx, []sdk.Msg{undelegate(0, 10)}), "three stay")
	require.NoError(t, f.k.CheckDepartures(f.ctx, []sdk.Msg{undelegate(0, 9), undelegate(1, 9)}), "partial undelegations keep both bonded")
	err := f.k.CheckDepartures(f.ctx, []sdk.Msg{undelegate(0, 10), undelegate(1, 10)})
	require.ErrorIs(t, err, types.ErrKeyAtRisk, "two leaving in one transaction")
	require.Contains(t, err.Error(), "leave 2 bonded members of the committee, fewer than the 3 a reshare needs")
	redelegate := &stakingtypes.MsgBeginRedelegate{DelegatorAddress: acc(1), ValidatorSrcAddress: vals[1].op, ValidatorDstAddress: vals[2].op, Amount: sdk.NewInt64Coin("ulit", 10)}
	require.ErrorIs(t, f.k.CheckDepartures(f.ctx, []sdk.Msg{undelegate(0, 10), redelegate}), types.ErrKeyAtRisk)

	// An earlier transaction of this block took validator 0's tokens: the next
	// departure is refused, further outflows from validator 0 are not.
	f.staking.tokens = map[int]int64{0: 0}
	require.ErrorIs(t, f.k.CheckDepartures(f.ctx, []sdk.Msg{undelegate(1, 10)}), types.ErrKeyAtRisk)
	require.NoError(t, f.k.CheckDepartures(f.ctx, []sdk.Msg{undelegate(0, 10)}))
	// Once validator 0 has left the bonded set, the same holds.
	f.staking.tokens, f.staking.bonded = nil, []int{1, 2, 3}
	require.ErrorIs(t, f.k.CheckDepartures(f.ctx, []sdk.Msg{undelegate(3, 10)}), types.ErrKeyAtRisk)
	// Other messages and non-members pass.
	require.NoError(t, f.k.CheckDepartures(f.ctx, []sdk.Msg{&stakingtypes.MsgDelegate{DelegatorAddress: acc(1), ValidatorAddress: vals[1].op, Amount: sdk.NewCoin("ulit", sdkmath.NewInt(5))}}))
	ks := f.keySet(t)
	ks.Participants, ks.Threshold = ops(1, 2), 1
	require.NoError(t, f.k.KeySets.Set(f.ctx, ks.Id, ks))
	require.NoError(t, f.k.CheckDepartures(f.ctx, []sdk.Msg{undelegate(3, 10)}), "validator 3 holds no share")
}

func TestPenaltiesExcludeRepeatedlySilentSigners(t *testing.T) {
	f := newFixture(t, true)
	f.setParams(t, func(p *types.Params) { p.MaxFaultsPerWindow, p.FaultWindowBlocks = 2, 500 })
	silentOnce := func() string {
		id := f.mustSign(t, digest(byte(f.ctx.BlockHeight())))
		f.endBlock(t)
		s := f.session(t, f.signature(t, id).SessionId)
		quiet := s.Parties[0].Validator
		for _, p := range s.Parties[1:] {
			f.apply(t, valAddr(p.Validator), bcast(s.Id, 2))
		}
		f.at(s.DeadlineHeight)
		f.endBlock(t)
		f.complete(t, id)
		return quiet
	}
	first := silentOnce()
	start := f.ctx.BlockHeight() // its first silence opens its window
	status := ok[*types.QueryStatusResponse](t)(f.q.Status(f.ctx, &types.QueryStatusRequest{}))
	require.Empty(t, status.Penalized, "one silence is no penalty")
	// Make the same validator silent again by picking it explicitly.
	for {
		if q := silentOnce(); q == first {
			break
		}
	}
	status = ok[*types.QueryStatusResponse](t)(f.q.Status(f.ctx, &types.QueryStatusRequest{}))
	require.Len(t, status.Penalized, 1)
	require.Equal(t, first, status.Penalized[0].Validator)
	require.GreaterOrEqual(t, status.Penalized[0].Count, uint32(2))
	require.Equal(t, start, status.Penalized[0].WindowStart)

	// It is left out of signer choice while the window lasts ...
	for range 4 {
		id := f.mustSign(t, digest(byte(f.ctx.BlockHeight()+1)))
		f.endBlock(t)
		require.NotContains(t, parties(f.session(t, f.signature(t, id).SessionId)), first)
		f.complete(t, id)
		f.at(f.ctx.BlockHeight() + 1)
	}
	// ... and no longer afterwards; its record is pruned.
	f.at(start + 500)
	f.endBlock(t)
	status = ok[*types.QueryStatusResponse](t)(f.q.Status(f.ctx, &types.QueryStatusRequest{}))
	require.Empty(t, status.Penalized)
	_, err := f.k.FaultRecords.Get(f.ctx, first)
	require.Error(t, err, "pruned")
}

func TestGenesisOneActiveKeySet(t *testing.T) {
	gs := types.DefaultGenesis()
	ks := types.KeySet{Id: 1, Pubkey: rootHex(), Threshold: 2, Participants: ops(), Status: types.KEY_SET_STATUS_ACTIVE}
	ks2 := ks
	ks2.Id = 2
	gs.KeySets = []types.KeySet{ks, ks2}
	require.ErrorIs(t, gs.Validate(), types.ErrInvalidGenesis)
	ks2.Status = types.KEY_SET_STATUS_RETIRED
	gs.KeySets = []types.KeySet{ks, ks2}
	require.NoError(t, gs.Validate())
	ks2.Pubkey = ""
	gs.KeySets = []types.KeySet{ks, ks2}
	require.Error(t, gs.Validate(), "a reshared or retired key set carries the root key")
}

func blame(t *testing.T, f *fixture, accuser int, session uint64, culprits ...string) {
	t.Helper()
	f.apply(t, vals[accuser].addr, &types.ExtensionSection{Blames: []types.Blame{{SessionId: session, Culprits: culprits}}})
}

func TestBlameNeedsMoreThanAThird(t *testing.T) {
	f := newFixture(t, false)
	register(t, f, 0, 1, 2, 3)
	f.endBlock(t) // DKG among all four
	s := f.session(t, 1)
	accused := vals[3].op
	i := keeper.PartyIndex(s, accused)

	// One accuser of four is not enough, however often it repeats itself, and
	// names that are not other parties count for nothing.
	f.fresh()
	blame(t, f, 0, s.Id, accused, vals[0].op, acc(9))
	blame(t, f, 0, s.Id, accused)
	s = f.session(t, s.Id)
	require.Equal(t, []string{vals[0].op}, s.Parties[i].BlamedBy)
	require.Zero(t, s.Parties[i].Faults)
	require.Zero(t, s.Parties[keeper.PartyIndex(s, vals[0].op)].Faults, "self-accusation ignored")
	require.Empty(t, ofType[*types.EventPartyFaulty](f.events(t)))

	// A second accuser: 2 of 4 is more than a third.
	f.fresh()
	blame(t, f, 1, s.Id, accused)
	s = f.session(t, s.Id)
	require.EqualValues(t, 1, s.Parties[i].Faults)
	require.Contains(t, s.Parties[i].LastFault, "blamed by 2 of 4 parties (tss-lib)")
	faulty := ofType[*types.EventPartyFaulty](f.events(t))
	require.Len(t, faulty, 1)
	require.Equal(t, accused, faulty[0].Validator)
	rec := ok[types.FaultRecord](t)(f.k.FaultRecords.Get(f.ctx, accused))
	require.EqualValues(t, 1, rec.Count)
	// A third accuser adds its name but no second fault.
	blame(t, f, 2, s.Id, accused)
	s = f.session(t, s.Id)
	require.Len(t, s.Parties[i].BlamedBy, 3)
	require.EqualValues(t, 1, s.Parties[i].Faults)

	// Everybody else reports the key; the blamed party is left out of the
	// retry with the same threshold.
	report(t, f, s.Id, rootBytes(), 0, 1, 2)
	f.at(s.DeadlineHeight)
	f.endBlock(t)
	ks := f.keySet(t)
	require.Equal(t, ops(0, 1, 2), ks.Participants)
	require.EqualValues(t, 2, ks.Threshold)

	// Blames are bounded in a section.
	var many []string
	for range keeper.MaxCulpritsPerBlame + 1 {
		many = append(many, accused)
	}
	require.Error(t, keeper.ValidateSection(&types.ExtensionSection{Blames: []types.Blame{{SessionId: 1, Culprits: many}}}))
	require.Error(t, keeper.ValidateSection(&types.ExtensionSection{Blames: []types.Blame{{SessionId: 1}}}))
}

func TestKeygenDissenterIsNamed(t *testing.T) {
	f := newFixture(t, false)
	register(t, f, 0, 1, 2, 3)
	f.endBlock(t)
	s := f.session(t, 1)
	other := childPriv(5).PubKey().SerializeCompressed()
	report(t, f, s.Id, rootBytes(), 0, 1, 2)
	report(t, f, s.Id, other, 3)
	require.Equal(t, types.KEY_SET_STATUS_KEYGEN, f.keySet(t).Status, "no agreement of all")
	f.at(s.DeadlineHeight)
	evs := f.endBlock(t)
	faulty := ofType[*types.EventPartyFaulty](evs)
	require.Len(t, faulty, 1)
	require.Equal(t, vals[3].op, faulty[0].Validator)
	require.Equal(t, "reported a different key than the others", faulty[0].Reason)
	require.Equal(t, ops(0, 1, 2), f.keySet(t).Participants, "the dissenter is left out of the retry")
}
