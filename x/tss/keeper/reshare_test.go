package keeper_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/x/authz"
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
	target := keySetByID(t, f, 2)
	require.EqualValues(t, 2, target.Threshold)
	// The joiner stays silent in every attempt; the others take part.
	silentAttempt := func(target types.KeySet) {
		t.Helper()
		s := f.session(t, target.KeygenSessionId)
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
	}
	silentAttempt(target)
	// Without it the committee would be 3 of 3 (another threshold band), so the
	// target is abandoned, never a smaller committee with the same key, and the
	// same block starts over from the bonded set: the joiner is live and not
	// penalized yet, so it is in again.
	abandoned := keySetByID(t, f, 2)
	require.Equal(t, types.KEY_SET_STATUS_RETIRED, abandoned.Status)
	require.Zero(t, abandoned.ActivatedHeight, "abandoned, never active")
	require.EqualValues(t, 1, ok[types.KeySet](t)(f.k.ActiveKeySet(f.ctx)).Id, "the old committee still holds the key")
	fresh := keySetByID(t, f, 3)
	require.Equal(t, types.KEY_SET_STATUS_RESHARING, fresh.Status)
	require.Equal(t, ops(), fresh.Participants)
	require.EqualValues(t, 2, fresh.Threshold)
	require.EqualValues(t, 2, fresh.Epoch)

	// Silent again: from max_faults_per_window (3) silences on it is
	// penalized, and a penalized joiner is not added; the committee of the
	// members is what the active key set already has, so nothing runs.
	silentAttempt(fresh)
	silentAttempt(keySetByID(t, f, 4))
	status := ok[*types.QueryStatusResponse](t)(f.q.Status(f.ctx, &types.QueryStatusRequest{}))
	require.Len(t, status.Penalized, 1)
	require.Equal(t, vals[3].op, status.Penalized[0].Validator)
	require.Equal(t, types.KEY_SET_STATUS_RETIRED, keySetByID(t, f, 4).Status)
	_, err := f.k.KeySets.Get(f.ctx, 5)
	require.Error(t, err, "no reshare to a penalized joiner")
	require.Nil(t, status.Resharing)
	require.Empty(t, f.openIDs(t))
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

	// authz runs a granter's messages without the ante handler: the guard
	// unwraps MsgExec, also nested, and adds them to the outer ones.
	grantee := sdk.MustAccAddressFromBech32(acc(2))
	exec := authz.NewMsgExec(grantee, []sdk.Msg{undelegate(1, 10)})
	require.ErrorIs(t, f.k.CheckDepartures(f.ctx, []sdk.Msg{undelegate(0, 10), &exec}), types.ErrKeyAtRisk, "second departure inside MsgExec")
	nested := authz.NewMsgExec(grantee, []sdk.Msg{&exec})
	require.ErrorIs(t, f.k.CheckDepartures(f.ctx, []sdk.Msg{undelegate(0, 10), &nested}), types.ErrKeyAtRisk, "inside a nested MsgExec")
	one := authz.NewMsgExec(grantee, []sdk.Msg{undelegate(1, 10)})
	require.NoError(t, f.k.CheckDepartures(f.ctx, []sdk.Msg{&one}), "one departure through authz")

	// An earlier transaction of this block took validator 0's tokens: the next
	// departure is refused, further outflows from validator 0 are not.
	f.staking.tokens = map[int]int64{0: 0}
	require.ErrorIs(t, f.k.CheckDepartures(f.ctx, []sdk.Msg{undelegate(1, 10)}), types.ErrKeyAtRisk)
	require.NoError(t, f.k.CheckDepartures(f.ctx, []sdk.Msg{undelegate(0, 10)}))
	// Once validator 0 has left the bonded set, the same holds.
	f.staking.tokens, f.staking.bonded = nil, []int{1, 2, 3}
	require.ErrorIs(t, f.k.CheckDepartures(f.ctx, []sdk.Msg{undelegate(3, 10)}), types.ErrKeyAtRisk)
	f.staking.bonded = []int{0, 1, 2, 3}

	// The same validator spelled in upper case is the same validator.
	upper := func(i int, amount int64) sdk.Msg {
		return &stakingtypes.MsgUndelegate{DelegatorAddress: acc(1), ValidatorAddress: strings.ToUpper(vals[i].op), Amount: sdk.NewInt64Coin("ulit", amount)}
	}
	require.ErrorIs(t, f.k.CheckDepartures(f.ctx, []sdk.Msg{upper(0, 10), upper(1, 10)}), types.ErrKeyAtRisk)
	require.ErrorIs(t, f.k.CheckDepartures(f.ctx, []sdk.Msg{undelegate(0, 10), upper(1, 10)}), types.ErrKeyAtRisk)
	// Many small outflows add up (and cost one pass): 10 × 1 token of each of two validators.
	var many []sdk.Msg
	for range 10 {
		many = append(many, undelegate(0, 1), undelegate(1, 1))
	}
	require.ErrorIs(t, f.k.CheckDepartures(f.ctx, many), types.ErrKeyAtRisk)
	require.NoError(t, f.k.CheckDepartures(f.ctx, many[:18]), "9 of 10 tokens each: still bonded")

	// An operator undelegating below its min_self_delegation gets jailed by
	// x/staking: that is a departure too, power or not. So is raising the
	// minimum in the same transaction.
	self := func(i int, amount int64) sdk.Msg {
		return &stakingtypes.MsgUndelegate{DelegatorAddress: sdk.AccAddress(vals[i].addr).String(), ValidatorAddress: vals[i].op, Amount: sdk.NewInt64Coin("ulit", amount)}
	}
	f.staking.minSelf = map[int]int64{0: 5, 1: 5}
	require.NoError(t, f.k.CheckDepartures(f.ctx, []sdk.Msg{self(0, 5), self(1, 5)}), "5 of 10 left: at the minimum")
	require.ErrorIs(t, f.k.CheckDepartures(f.ctx, []sdk.Msg{self(0, 6), self(1, 6)}), types.ErrKeyAtRisk)
	require.NoError(t, f.k.CheckDepartures(f.ctx, []sdk.Msg{self(0, 6), undelegate(1, 6)}), "only one operator below its minimum")
	raise := func(i int, min int64) sdk.Msg {
		m := sdkmath.NewInt(min)
		return &stakingtypes.MsgEditValidator{ValidatorAddress: vals[i].op, MinSelfDelegation: &m}
	}
	require.ErrorIs(t, f.k.CheckDepartures(f.ctx, []sdk.Msg{raise(0, 10), self(0, 1), raise(1, 10), self(1, 1)}), types.ErrKeyAtRisk)
	f.staking.minSelf = nil

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

	// Everybody else reports the key; leaving the blamed party out would
	// change the threshold band (3 of 3), so the retry keeps all four, and the
	// blame counts against it (penalties).
	report(t, f, s.Id, rootBytes(), 0, 1, 2)
	f.at(s.DeadlineHeight)
	f.endBlock(t)
	ks := f.keySet(t)
	require.Equal(t, ops(), ks.Participants)
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
	require.Equal(t, ops(), f.keySet(t).Participants, "four stay four (threshold band); the dissenter's fault counts")
	require.EqualValues(t, 1, ok[types.FaultRecord](t)(f.k.FaultRecords.Get(f.ctx, vals[3].op)).Count)
}

// TestBlameQuorumCountsTheCommittee: in a session smaller than the committee,
// the accusers must also be more than the f a third of the committee may be
// (a reshare's old side; sign sessions judge the same quorum at expiry).
func TestBlameQuorumCountsTheCommittee(t *testing.T) {
	f := newFixture(t, true)
	ks := f.keySet(t)
	ks.Participants = append(ops(), mustBech32("litvaloper", bytes.Repeat([]byte{0xb1}, 20)),
		mustBech32("litvaloper", bytes.Repeat([]byte{0xb2}, 20)), mustBech32("litvaloper", bytes.Repeat([]byte{0xb3}, 20)))
	ks.Threshold = 4 // 7 members: f = 2
	require.NoError(t, f.k.KeySets.Set(f.ctx, ks.Id, ks))
	s := types.Session{Id: 1, Type: types.SESSION_TYPE_RESHARE, Status: types.SESSION_STATUS_OPEN, KeySetId: ks.Id, Threshold: 4,
		Parties: types.NewParties(ops()), StartHeight: 40, DeadlineHeight: 100, Attempt: 1}
	require.NoError(t, f.k.Sessions.Set(f.ctx, s.Id, s))
	require.NoError(t, f.k.OpenSessions.Set(f.ctx, s.Id))
	accused := vals[3].op
	blame(t, f, 0, s.Id, accused)
	blame(t, f, 1, s.Id, accused)
	s = f.session(t, s.Id)
	i := keeper.PartyIndex(s, accused)
	require.Len(t, s.Parties[i].BlamedBy, 2)
	require.Zero(t, s.Parties[i].Faults, "2 of a 4-party session, but no more than the f=2 of the 7-member committee")
	blame(t, f, 2, s.Id, accused)
	s = f.session(t, s.Id)
	require.EqualValues(t, 1, s.Parties[i].Faults)
	require.Contains(t, s.Parties[i].LastFault, "blamed by 3 of 4 parties")
}

// TestSignSessionsJudgedAtExpiry: engines take sign messages early from
// precommits, where a party may equivocate its extension, so a sign
// session's blame counts only at expiry, and only if no party reported an
// early message that no block committed. A split session records no blame
// and no relative silence (a party that sent nothing is still silent); its
// retry leaves out the reporters and the parties behind.
func TestSignSessionsJudgedAtExpiry(t *testing.T) {
	f := newFixture(t, true)
	start := func(d byte) (uint64, types.Session) {
		id := f.mustSign(t, digest(d))
		f.endBlock(t)
		return id, f.session(t, f.signature(t, id).SessionId)
	}
	idx := func(op string) int {
		for i, v := range vals {
			if v.op == op {
				return i
			}
		}
		t.Fatalf("unknown %s", op)
		return -1
	}

	// Views agree: two of three parties blame the third; nothing is recorded
	// until the deadline, then the fault and the penalty are, and the retry
	// leaves it out.
	id, s := start(1)
	a, b, c := s.Parties[0].Validator, s.Parties[1].Validator, s.Parties[2].Validator
	for _, p := range []string{a, b, c} {
		f.apply(t, valAddr(p), bcast(s.Id, 2))
	}
	blame(t, f, idx(a), s.Id, c)
	blame(t, f, idx(b), s.Id, c)
	s = f.session(t, s.Id)
	require.Len(t, s.Parties[2].BlamedBy, 2)
	require.Zero(t, s.Parties[2].Faults, "judged at expiry")
	f.at(s.DeadlineHeight)
	f.fresh()
	f.endBlock(t)
	s = f.session(t, s.Id)
	require.EqualValues(t, 1, s.Parties[2].Faults)
	require.Contains(t, s.Parties[2].LastFault, "blamed by 2 of 3 parties (tss-lib)")
	require.EqualValues(t, 1, ok[types.FaultRecord](t)(f.k.FaultRecords.Get(f.ctx, c)).Count)
	expired := ofType[*types.EventSessionExpired](f.events(t))
	require.Len(t, expired, 1)
	require.False(t, expired[0].Split)
	require.NotContains(t, parties(f.session(t, f.signature(t, id).SessionId)), c)
	f.complete(t, id)

	// Views may have split: a reports that b's early message was never
	// committed. The same blame, and c falling behind, count for nothing;
	// a party that sent nothing is still silent.
	f.at(f.ctx.BlockHeight() + 1)
	id, s = start(2)
	a, b, c = s.Parties[0].Validator, s.Parties[1].Validator, s.Parties[2].Validator
	f.apply(t, valAddr(a), bcast(s.Id, 3))
	f.apply(t, valAddr(b), bcast(s.Id, 3))
	f.apply(t, valAddr(c), bcast(s.Id, 1))
	blame(t, f, idx(a), s.Id, c)
	blame(t, f, idx(b), s.Id, c)
	report := func(from, about string, session uint64) {
		f.apply(t, valAddr(from), &types.ExtensionSection{Unconfirmed: []types.Unconfirmed{{SessionId: session, Validator: about}}})
	}
	report(a, b, s.Id)
	report(a, b, s.Id)           // once
	report(a, a, s.Id)           // about itself: ignored
	report(a, outsider(s), s.Id) // about a non-party: ignored
	report(outsider(s), b, s.Id) // from a non-party: ignored
	s = f.session(t, s.Id)
	require.Equal(t, []string{b}, s.Parties[0].Unconfirmed)
	for _, p := range s.Parties[1:] {
		require.Empty(t, p.Unconfirmed)
	}
	f.at(s.DeadlineHeight)
	f.fresh()
	f.endBlock(t)
	s = f.session(t, s.Id)
	for _, p := range s.Parties {
		require.Zero(t, p.Faults, "%s: %s", p.Validator, p.LastFault)
	}
	expired = ofType[*types.EventSessionExpired](f.events(t))
	require.Len(t, expired, 1)
	require.True(t, expired[0].Split)
	require.Empty(t, expired[0].Silent)
	require.Empty(t, ofType[*types.EventPartyFaulty](f.events(t)))
	retry := f.session(t, f.signature(t, id).SessionId)
	require.EqualValues(t, 2, retry.Attempt)
	f.complete(t, id)

	// In a split session a party that sent nothing is silent all the same.
	f.at(f.ctx.BlockHeight() + 1)
	id, s = start(3)
	a, b, c = s.Parties[0].Validator, s.Parties[1].Validator, s.Parties[2].Validator
	f.apply(t, valAddr(a), bcast(s.Id, 3))
	f.apply(t, valAddr(b), bcast(s.Id, 3))
	report(b, a, s.Id)
	f.at(s.DeadlineHeight)
	f.fresh()
	f.endBlock(t)
	expired = ofType[*types.EventSessionExpired](f.events(t))
	require.Len(t, expired, 1)
	require.True(t, expired[0].Split)
	require.Equal(t, []string{c}, expired[0].Silent)
	f.complete(t, id)

	// A party that stalls after its first round and files a report about
	// an honest one is not let off: the retry leaves it out (it is behind),
	// without a fault, and keeps the party it named.
	f.at(f.ctx.BlockHeight() + 1)
	id, s = start(4)
	a, b, c = s.Parties[0].Validator, s.Parties[1].Validator, s.Parties[2].Validator
	f.apply(t, valAddr(a), bcast(s.Id, 3))
	f.apply(t, valAddr(b), bcast(s.Id, 3))
	f.apply(t, valAddr(c), bcast(s.Id, 1))
	report(c, a, s.Id)
	f.at(s.DeadlineHeight)
	f.fresh()
	f.endBlock(t)
	retry = f.session(t, f.signature(t, id).SessionId)
	require.NotContains(t, parties(retry), c, "the staller is left out")
	require.Contains(t, parties(retry), a, "the party it named is not")
	f.complete(t, id)

	// Reports about other protocols' sessions are ignored (their messages
	// are never taken early).
	f2 := newFixture(t, false)
	register(t, f2, 0, 1, 2, 3)
	f2.endBlock(t)
	kg := f2.session(t, 1)
	f2.apply(t, vals[0].addr, &types.ExtensionSection{Unconfirmed: []types.Unconfirmed{{SessionId: kg.Id, Validator: vals[1].op}}})
	require.Empty(t, f2.session(t, kg.Id).Parties[0].Unconfirmed)

	// Reports are bounded and must name a session and a validator.
	require.Error(t, keeper.ValidateSection(&types.ExtensionSection{Unconfirmed: []types.Unconfirmed{{Validator: a}}}))
	require.Error(t, keeper.ValidateSection(&types.ExtensionSection{Unconfirmed: []types.Unconfirmed{{SessionId: 1}}}))
	many := make([]types.Unconfirmed, keeper.MaxResultsPerExtension+1)
	for i := range many {
		many[i] = types.Unconfirmed{SessionId: 1, Validator: a}
	}
	require.Error(t, keeper.ValidateSection(&types.ExtensionSection{Unconfirmed: many}))
}

// TestSplitsWithMoreThanFValidatorsPenalize: a validator that is a side of
// unconfirmed-message reports with more than f distinct others in the fault
// window is the common element of the pairs (an honest one can only be paired
// with the f faulty ones): it is faulted and its penalty counts; its partners
// are not.
func TestSplitsWithMoreThanFValidatorsPenalize(t *testing.T) {
	f := newFixture(t, true) // 4 members: f = 1
	liar := vals[0].op
	var named []string
	for d := byte(1); len(named) < 2; d++ {
		f.at(f.ctx.BlockHeight() + 1)
		id := f.mustSign(t, digest(d))
		f.endBlock(t)
		s := f.session(t, f.signature(t, id).SessionId)
		if keeper.PartyIndex(s, liar) < 0 {
			f.complete(t, id)
			continue
		}
		victim := ""
		for _, p := range parties(s) {
			if p != liar && !slices.Contains(named, p) {
				victim = p
				break
			}
		}
		for _, p := range parties(s) {
			f.apply(t, valAddr(p), bcast(s.Id, 2))
		}
		f.apply(t, valAddr(liar), &types.ExtensionSection{Unconfirmed: []types.Unconfirmed{{SessionId: s.Id, Validator: victim}}})
		named = append(named, victim)
		f.at(s.DeadlineHeight)
		f.fresh()
		f.endBlock(t)
		s = f.session(t, s.Id)
		faulty := ofType[*types.EventPartyFaulty](f.events(t))
		if len(named) == 1 {
			require.Empty(t, faulty, "one partner is within f")
		} else {
			require.Len(t, faulty, 1)
			require.Equal(t, liar, faulty[0].Validator)
			require.Equal(t, "split sessions with 2 validators, more than f = 1", faulty[0].Reason)
			require.EqualValues(t, 1, ok[types.FaultRecord](t)(f.k.FaultRecords.Get(f.ctx, liar)).Count)
		}
		for _, v := range named {
			_, err := f.k.FaultRecords.Get(f.ctx, v)
			require.Error(t, err, "%s was only paired with the liar", v)
		}
		f.complete(t, id)
	}
}
