package keeper

import (
	"context"
	"errors"
	"slices"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/tss/types"
)

// committee is the committee the root key should have now, sorted: the
// members of the current one that are still bonded, and the bonded
// validators that joined, once they registered an encryption key, vote
// (are in the last commit) and are not penalized. A member is never dropped
// for a penalty or for being down (only by leaving the bonded set), so a
// restart does not move the key; a joiner that keeps failing reshares is not
// re-added until its fault window ends. missing are bonded validators without
// an encryption key yet (still making pre-parameters); bonded is every bonded
// operator.
func (k Keeper) committee(ctx context.Context, members []string) (want, missing, bonded []string, err error) {
	if bonded, err = k.bondedOperators(ctx); err != nil {
		return nil, nil, nil, err
	}
	penalized, err := k.penalized(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	live, err := k.liveValidators(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, op := range bonded {
		addr, err := sdk.ValAddressFromBech32(op)
		if err != nil {
			return nil, nil, nil, err
		}
		has, err := k.EncKeys.Has(ctx, addr)
		if err != nil {
			return nil, nil, nil, err
		}
		switch {
		case slices.Contains(members, op):
			want = append(want, op)
		case !has:
			missing = append(missing, op)
		case slices.Contains(live, op) && !slices.Contains(penalized, op):
			want = append(want, op)
		}
	}
	return want, missing, bonded, nil
}

// maybeStartReshare opens a reshare of the active root key when its
// committee is not the one the bonded set calls for (a validator joined,
// left or was jailed), or when refresh_epoch_blocks passed since
// it became active. One reshare runs at a time. Validators that bonded but
// have not registered an encryption key are waited for up to
// enc_key_grace_blocks, unless a member already left (then the key moves at
// once). The old side is t_old+1 bonded members, live ones first; if fewer
// than t_old+1 members are bonded the key cannot move and the chain waits
// (the departure guard keeps that from happening through undelegation).
func (k Keeper) maybeStartReshare(ctx context.Context) error {
	active, err := k.ActiveKeySet(ctx)
	if errors.Is(err, types.ErrNoActiveKeySet) {
		return nil
	} else if err != nil {
		return err
	}
	latest, _, err := k.LatestKeySet(ctx)
	if err != nil || latest.Status == types.KEY_SET_STATUS_RESHARING {
		return err // one reshare at a time
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	want, missing, bonded, err := k.committee(ctx, active.Participants)
	if err != nil {
		return err
	}
	changed := !slices.Equal(want, active.Participants)
	refresh := params.RefreshEpochBlocks > 0 && h-active.ActivatedHeight >= int64(params.RefreshEpochBlocks)
	if len(want) < 2 || (!changed && !refresh) {
		return k.KeygenWaitSince.Remove(ctx)
	}
	membersLeft := slices.ContainsFunc(active.Participants, func(p string) bool { return !slices.Contains(bonded, p) })
	if len(missing) > 0 && !membersLeft {
		since, err := k.KeygenWaitSince.Get(ctx)
		if errors.Is(err, collections.ErrNotFound) {
			return k.KeygenWaitSince.Set(ctx, h)
		}
		if err != nil {
			return err
		}
		if h-since < int64(params.EncKeyGraceBlocks) {
			return nil
		}
	}
	if err := k.KeygenWaitSince.Remove(ctx); err != nil {
		return err
	}
	target := types.KeySet{
		Id: latest.Id + 1, Pubkey: active.Pubkey, Threshold: ThresholdFor(len(want)), Participants: want,
		Status: types.KEY_SET_STATUS_RESHARING, Epoch: active.Epoch + 1, PreviousKeySetId: active.Id,
	}
	return k.startReshare(ctx, active, target, nil, 1)
}

// startReshare opens a reshare session from t_old+1 bonded members of
// source (not excluded; live ones first, rotated by attempt) to target's
// participants, and stores target pointing at it. If source has fewer than
// t_old+1 bonded members, target is abandoned: the key waits for them.
func (k Keeper) startReshare(ctx context.Context, source, target types.KeySet, exclude []string, attempt uint32) error {
	bonded, err := k.bondedOperators(ctx)
	if err != nil {
		return err
	}
	var cands []string
	for _, p := range source.Participants {
		if slices.Contains(bonded, p) {
			cands = append(cands, p)
		}
	}
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	old, err := k.pickParties(ctx, cands, exclude, source.Threshold, uint64(h)+uint64(attempt))
	if err != nil {
		return err
	}
	if old == nil {
		if attempt == 1 {
			return nil // a fresh target is not stored until the key can move
		}
		return k.retireKeySet(ctx, target)
	}
	parties := append(slices.Clone(old), target.Participants...)
	slices.Sort(parties)
	s, err := k.newSession(ctx, types.Session{
		Type: types.SESSION_TYPE_RESHARE, KeySetId: source.Id, Threshold: source.Threshold,
		Parties: types.NewParties(slices.Compact(parties)), Attempt: attempt,
		NewKeySetId: target.Id, NewThreshold: target.Threshold, OldCommittee: old, NewCommittee: target.Participants,
	})
	if err != nil {
		return err
	}
	target.KeygenSessionId = s.Id
	return k.KeySets.Set(ctx, target.Id, target)
}

// retireKeySet stores ks retired at this height: handed on by a reshare, or
// abandoned (a DKG or reshare target that never became active; the next
// EndBlocker starts over from the bonded set of then).
func (k Keeper) retireKeySet(ctx context.Context, ks types.KeySet) error {
	ks.Status, ks.RetiredHeight = types.KEY_SET_STATUS_RETIRED, sdk.UnwrapSDKContext(ctx).BlockHeight()
	return k.KeySets.Set(ctx, ks.Id, ks)
}

// retryReshare restarts an expired reshare. The new committee loses its
// silent (and blamed) members and those no longer bonded only while it stays
// in its threshold band (retryCommittee): a retry never lowers t_new and never
// leaves a committee with fewer spares than its size calls for. Otherwise the
// target is abandoned and the next block starts over from the bonded set of
// then (members that are still bonded are kept; joiners must be live and not
// penalized). The old side is picked again without the left-out parties.
func (k Keeper) retryReshare(ctx context.Context, s types.Session, leaveOut []string) error {
	source, err := k.KeySets.Get(ctx, s.KeySetId)
	if err != nil {
		return err
	}
	target, err := k.KeySets.Get(ctx, s.NewKeySetId)
	if err != nil {
		return err
	}
	if source.Status != types.KEY_SET_STATUS_ACTIVE || target.Status != types.KEY_SET_STATUS_RESHARING {
		return nil
	}
	bonded, err := k.bondedOperators(ctx)
	if err != nil {
		return err
	}
	keep, _ := retryCommittee(target.Participants, leaveOut, bonded, target.Threshold)
	if keep == nil {
		return k.retireKeySet(ctx, target) // abandoned; the next block starts over
	}
	target.Participants = keep
	return k.startReshare(ctx, source, target, leaveOut, s.Attempt+1)
}

// applyReshareResult takes a new-committee member's report that its new
// share is on disk. The key must be the root key itself (a member reporting
// another key is named: fault "reported a different key"). When every member
// of the new committee reported, the key moves at this height: the target
// becomes active and the source retired, and sessions still open on the
// source finish there (its holders keep the shares until they close).
func (k Keeper) applyReshareResult(ctx context.Context, s *types.Session, author string, r types.KeygenResult) error {
	i := PartyIndex(*s, author)
	if i < 0 {
		return nil
	}
	if !slices.Contains(s.NewCommittee, author) {
		return k.recordFault(ctx, s, i, "reshare result from outside the new committee")
	}
	source, err := k.KeySets.Get(ctx, s.KeySetId)
	if err != nil {
		return err
	}
	result := keyResult(r, len(s.NewCommittee))
	if result == "" {
		return k.recordFault(ctx, s, i, "invalid reshare result")
	}
	if first, err := k.firstResult(ctx, s, i, result); !first || err != nil {
		return err
	}
	if resultKey(result) != source.Pubkey {
		return k.recordFault(ctx, s, i, "reported a different key")
	}
	s.Parties[i].Result = result
	if err := k.Sessions.Set(ctx, s.Id, *s); err != nil {
		return err
	}
	for _, p := range s.NewCommittee {
		if s.Parties[PartyIndex(*s, p)].Result != result {
			return nil // not all in yet, or public shares the deadline resolves
		}
	}
	target, err := k.KeySets.Get(ctx, s.NewKeySetId)
	if err != nil {
		return err
	}
	target.Status, target.ActivatedHeight = types.KEY_SET_STATUS_ACTIVE, sdk.UnwrapSDKContext(ctx).BlockHeight()
	target.PublicShares = publicShares(r)
	if err := k.KeySets.Set(ctx, target.Id, target); err != nil {
		return err
	}
	if err := k.retireKeySet(ctx, source); err != nil {
		return err
	}
	if err := k.closeSession(ctx, *s, types.SESSION_STATUS_COMPLETED); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventKeySetReshared{
		OldKeySetId: source.Id, NewKeySetId: target.Id, Pubkey: target.Pubkey, Participants: target.Participants,
		Threshold: target.Threshold, Epoch: target.Epoch, SessionId: s.Id,
	})
}

// reshareDissenters are the new committee's members whose report (same key,
// other public shares) differs from what n - f of them reported: a retry
// leaves them out, so one member cannot stall every reshare by disagreeing.
func reshareDissenters(s types.Session) ([]string, string) {
	sub := s
	sub.Parties = nil
	for _, p := range s.Parties {
		if slices.Contains(s.NewCommittee, p.Validator) {
			sub.Parties = append(sub.Parties, p)
		}
	}
	return dissenters(sub)
}

// silentInReshare applies the silence rule within each group of parties that
// send the same number of messages (old side only, new side only, both; only
// in groups large enough for the rule to hold against f padders), the result
// rule within the new committee, and counts parties that sent nothing: the
// sides' counts differ, so one bar for all would make the smaller side look
// silent.
func silentInReshare(s types.Session) []string {
	var oldOnly, newOnly, both, newSide []types.Party
	for _, p := range s.Parties {
		inOld, inNew := slices.Contains(s.OldCommittee, p.Validator), slices.Contains(s.NewCommittee, p.Validator)
		switch {
		case inOld && inNew:
			both = append(both, p)
		case inOld:
			oldOnly = append(oldOnly, p)
		default:
			newOnly = append(newOnly, p)
		}
		if inNew {
			newSide = append(newSide, p)
		}
	}
	// The k-th most active rule is safe against f padders only in a group of
	// more than 3f; smaller groups rely on the rules below.
	f := faultBound(len(s.Parties))
	group := func(ps []types.Party) []string {
		if len(ps) <= 3*f {
			return nil
		}
		return silentAmong(ps)
	}
	out := append(append(group(oldOnly), group(newOnly)...), group(both)...)
	for _, v := range silentResults(newSide) {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	for _, v := range sentNothing(s.Parties) {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// notePenalty counts a silence against validator v in its fault window.
func (k Keeper) notePenalty(ctx context.Context, v string) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	rec, err := k.FaultRecords.Get(ctx, v)
	if errors.Is(err, collections.ErrNotFound) || (err == nil && h-rec.WindowStart >= int64(params.FaultWindowBlocks)) {
		rec, err = types.FaultRecord{Validator: v, WindowStart: h}, nil
	}
	if err != nil {
		return err
	}
	rec.Count++
	return k.FaultRecords.Set(ctx, v, rec)
}

// penaltyRecords returns the fault records whose window is open and whose
// count reached max_faults_per_window, in address order.
func (k Keeper) penaltyRecords(ctx context.Context) ([]types.FaultRecord, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	var out []types.FaultRecord
	err = k.FaultRecords.Walk(ctx, nil, func(_ string, rec types.FaultRecord) (bool, error) {
		if h-rec.WindowStart < int64(params.FaultWindowBlocks) && rec.Count >= params.MaxFaultsPerWindow {
			out = append(out, rec)
		}
		return false, nil
	})
	return out, err
}

// penalized are the validators penaltyRecords names.
func (k Keeper) penalized(ctx context.Context) ([]string, error) {
	recs, err := k.penaltyRecords(ctx)
	var out []string
	for _, r := range recs {
		out = append(out, r.Validator)
	}
	return out, err
}

// pruneFaultRecords deletes up to MaxSessionsPrunedPerBlock records whose
// window ended, so the map holds only validators silent recently.
func (k Keeper) pruneFaultRecords(ctx context.Context) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	var stale []string
	err = k.FaultRecords.Walk(ctx, nil, func(v string, rec types.FaultRecord) (bool, error) {
		if h-rec.WindowStart >= int64(params.FaultWindowBlocks) {
			stale = append(stale, v)
		}
		return len(stale) >= MaxSessionsPrunedPerBlock, nil
	})
	if err != nil {
		return err
	}
	for _, v := range stale {
		if err := k.FaultRecords.Remove(ctx, v); err != nil {
			return err
		}
	}
	return nil
}

// bondedOperators lists the bonded validators' operator addresses, sorted.
func (k Keeper) bondedOperators(ctx context.Context) ([]string, error) {
	vals, err := k.staking.GetBondedValidatorsByPower(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(vals))
	for _, v := range vals {
		out = append(out, v.GetOperator())
	}
	slices.Sort(out)
	return out, nil
}

// reshareTarget is the key set a running reshare deals the key to, or nil.
func (k Keeper) reshareTarget(ctx context.Context) (*types.KeySet, error) {
	latest, found, err := k.LatestKeySet(ctx)
	if err != nil || !found || latest.Status != types.KEY_SET_STATUS_RESHARING {
		return nil, err
	}
	return &latest, nil
}
