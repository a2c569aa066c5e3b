package keeper

import (
	"context"
	"errors"
	"slices"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/comet"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	"github.com/litprotocol/litd/x/tss/types"
)

// ThresholdFor is tss-lib's t for n parties: ceil(2n/3) signers, so
// t = ceil(2n/3) - 1, and at least 1 (2 signers).
func ThresholdFor(n int) uint32 {
	t := (2*n+2)/3 - 1
	if t < 1 {
		t = 1
	}
	return uint32(t)
}

// newSession opens s (type, key set, threshold, parties, attempt and the
// type's own fields filled in by the caller): it assigns the id, the start
// and deadline heights, stores and indexes it and emits EventSessionStarted.
func (k Keeper) newSession(ctx context.Context, s types.Session) (types.Session, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return types.Session{}, err
	}
	id, err := k.NextSessionID.Next(ctx)
	if err != nil {
		return types.Session{}, err
	}
	timeout := params.SignTimeoutBlocks
	if s.Type != types.SESSION_TYPE_SIGN {
		timeout = params.KeygenTimeoutBlocks
	}
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	s.Id, s.Status, s.StartHeight, s.DeadlineHeight = id, types.SESSION_STATUS_OPEN, h, h+int64(timeout)
	if err := k.Sessions.Set(ctx, id, s); err != nil {
		return s, err
	}
	if err := k.OpenSessions.Set(ctx, id); err != nil {
		return s, err
	}
	return s, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventSessionStarted{
		SessionId: id, Type: s.Type.String(), Parties: partyNames(s.Parties), DeadlineHeight: s.DeadlineHeight, Attempt: s.Attempt, SignatureId: s.SignatureId,
	})
}

// partiesOf makes the parties of a new session.
func partiesOf(validators []string) []types.Party {
	out := make([]types.Party, 0, len(validators))
	for _, v := range validators {
		out = append(out, types.Party{Validator: v})
	}
	return out
}

func partyNames(ps []types.Party) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Validator)
	}
	return out
}

// silentParties are those a retry leaves out: they delivered fewer messages
// than the parties that kept up did, or reported no result while enough
// others did. "Kept up" is the k-th most active party, k = n - f with
// f = max(1, ⌊(n-1)/3⌋) the parties that may misbehave: a party that pads its
// own count (replays are pruned, but fresh junk is not) cannot make honest
// ones look silent, nor can f parties claiming a result early.
func silentParties(s types.Session) []string { return silentAmong(s.Parties, true) }

// silentAmong applies that rule to a group of parties that each send the
// same number of messages; withResults adds the result rule (a group that
// does not report results passes false).
func silentAmong(parties []types.Party, withResults bool) []string {
	n := len(parties)
	if n == 0 {
		return nil
	}
	k := max(1, n-max(1, (n-1)/3))
	counts := make([]uint32, 0, n)
	results := 0
	for _, p := range parties {
		counts = append(counts, p.Messages)
		if p.Result != "" {
			results++
		}
	}
	slices.Sort(counts)
	bar := counts[n-k] // the k-th largest
	var out []string
	for _, p := range parties {
		if p.Messages < bar || (withResults && results >= k && p.Result == "") {
			out = append(out, p.Validator)
		}
	}
	return out
}

// dissenters are the keygen parties whose reported key differs from one that
// at least k = n - f parties reported (none if no key has that many).
func dissenters(s types.Session) []string {
	if s.Type != types.SESSION_TYPE_KEYGEN {
		return nil
	}
	n := len(s.Parties)
	k := max(1, n-max(1, (n-1)/3))
	for _, cand := range s.Parties {
		agree := 0
		for _, p := range s.Parties {
			if cand.Result != "" && p.Result == cand.Result {
				agree++
			}
		}
		if agree < k {
			continue
		}
		var out []string
		for _, p := range s.Parties {
			if p.Result != "" && p.Result != cand.Result {
				out = append(out, p.Validator)
			}
		}
		return out
	}
	return nil
}

// closeSession stores s with status and this height as closed_height,
// forgets its message digests and indexes it in ClosedSessions; the record
// itself stays until pruneSessions deletes it session_retention_blocks later.
func (k Keeper) closeSession(ctx context.Context, s types.Session, status types.SessionStatus) error {
	s.Status, s.ClosedHeight = status, sdk.UnwrapSDKContext(ctx).BlockHeight()
	if err := k.Sessions.Set(ctx, s.Id, s); err != nil {
		return err
	}
	if err := k.SeenMessages.Clear(ctx, collections.NewPrefixedPairRange[uint64, []byte](s.Id)); err != nil {
		return err
	}
	if err := k.ClosedSessions.Set(ctx, collections.Join(s.ClosedHeight, s.Id)); err != nil {
		return err
	}
	return k.OpenSessions.Remove(ctx, s.Id)
}

func (k Keeper) expireSessions(ctx context.Context) error {
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	var expired []types.Session
	err := k.OpenSessions.Walk(ctx, nil, func(id uint64) (bool, error) {
		s, err := k.Sessions.Get(ctx, id)
		if err != nil {
			return true, err
		}
		if s.DeadlineHeight <= h {
			expired = append(expired, s)
		}
		return len(expired) >= MaxSessionsStartedPerBlock, nil
	})
	if err != nil {
		return err
	}
	for _, s := range expired {
		silent := silentParties(s)
		if s.Type == types.SESSION_TYPE_RESHARE {
			silent = silentInReshare(s)
		}
		for _, v := range silent {
			if err := noteFault(ctx, &s, PartyIndex(s, v), "silent until the deadline"); err != nil {
				return err
			}
			if err := k.notePenalty(ctx, v); err != nil {
				return err
			}
		}
		// A DKG party that reported another key than the k that agree is
		// named; parties blamed by more than a third (their fault was recorded
		// when the blame crossed that line) are left out of a retry too.
		leaveOut := slices.Clone(silent)
		for _, v := range dissenters(s) {
			if err := noteFault(ctx, &s, PartyIndex(s, v), "reported a different key than the others"); err != nil {
				return err
			}
			if err := k.notePenalty(ctx, v); err != nil {
				return err
			}
			leaveOut = append(leaveOut, v)
		}
		for _, p := range s.Parties {
			if blamed(s, p) && !slices.Contains(leaveOut, p.Validator) {
				leaveOut = append(leaveOut, p.Validator)
			}
		}
		// closeSession stores s with the faults.
		if err := k.closeSession(ctx, s, types.SESSION_STATUS_EXPIRED); err != nil {
			return err
		}
		if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventSessionExpired{SessionId: s.Id, Silent: silent}); err != nil {
			return err
		}
		switch s.Type {
		case types.SESSION_TYPE_KEYGEN:
			err = k.retryKeygen(ctx, s, leaveOut)
		case types.SESSION_TYPE_SIGN:
			err = k.retrySign(ctx, s, leaveOut)
		case types.SESSION_TYPE_RESHARE:
			err = k.retryReshare(ctx, s, leaveOut)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// retryKeygen restarts DKG without the silent parties. The threshold stays
// the committee's: a retry never lowers it, whoever made the session fail
// (a minority that gets honest parties dropped cannot get a key that fewer
// of them could use). When fewer than threshold + 1 parties would remain, the
// retry keeps the same parties and waits for them.
func (k Keeper) retryKeygen(ctx context.Context, s types.Session, silent []string) error {
	ks, err := k.KeySets.Get(ctx, s.KeySetId)
	if err != nil {
		return err
	}
	var parties []string
	for _, p := range ks.Participants {
		if !slices.Contains(silent, p) {
			parties = append(parties, p)
		}
	}
	if len(parties) < int(ks.Threshold)+1 {
		parties = ks.Participants
	}
	ks.Participants = parties
	next, err := k.newSession(ctx, types.Session{
		Type: types.SESSION_TYPE_KEYGEN, KeySetId: ks.Id, Threshold: ks.Threshold, Parties: partiesOf(parties), Attempt: s.Attempt + 1,
	})
	if err != nil {
		return err
	}
	ks.KeygenSessionId = next.Id
	return k.KeySets.Set(ctx, ks.Id, ks)
}

func (k Keeper) retrySign(ctx context.Context, s types.Session, silent []string) error {
	sig, err := k.Signatures.Get(ctx, s.SignatureId)
	if err != nil {
		return err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	if sig.Attempts >= params.MaxSignAttempts {
		sig.Status = types.SIGNATURE_STATUS_FAILED
		sig.Error = "every signing attempt expired before the signers finished"
		return k.finishSignature(ctx, sig)
	}
	return k.startSign(ctx, sig, silent)
}

// liveValidators are the operators whose vote is in the last commit.
func (k Keeper) liveValidators(ctx context.Context) ([]string, error) {
	info := sdk.UnwrapSDKContext(ctx).CometInfo()
	if info == nil || info.GetLastCommit() == nil {
		return nil, nil
	}
	votes := info.GetLastCommit().Votes()
	var out []string
	for i := 0; i < votes.Len(); i++ {
		v := votes.Get(i)
		if v.GetBlockIDFlag() != comet.BlockIDFlagCommit {
			continue
		}
		val, err := k.staking.GetValidatorByConsAddr(ctx, sdk.ConsAddress(v.Validator().Address()))
		if err != nil {
			continue // a validator that left the set since
		}
		out = append(out, val.GetOperator())
	}
	return out, nil
}

// pickSigners chooses t+1 signers deterministically: key-set participants
// live in the last commit and not excluded, rotated by signature id and
// attempt so load spreads; it relaxes liveness, then exclusion, when too few remain.
func pickSigners(participants, live, exclude []string, t uint32, rotation uint64) []string {
	need := int(t) + 1
	filter := func(useLive, useExclude bool) []string {
		var out []string
		for _, p := range participants {
			if (useLive && !slices.Contains(live, p)) || (useExclude && slices.Contains(exclude, p)) {
				continue
			}
			out = append(out, p)
		}
		return out
	}
	cands := filter(true, true)
	if len(cands) < need {
		cands = filter(false, true)
	}
	if len(cands) < need {
		cands = filter(false, false)
	}
	if len(cands) < need {
		return nil
	}
	start := int(rotation % uint64(len(cands)))
	out := make([]string, 0, need)
	for i := 0; i < need; i++ {
		out = append(out, cands[(start+i)%len(cands)])
	}
	slices.Sort(out)
	return out
}

// startSign opens a signing session for sig, leaving out exclude.
func (k Keeper) startSign(ctx context.Context, sig types.Signature, exclude []string) error {
	ks, err := k.ActiveKeySet(ctx)
	if err != nil {
		return err
	}
	live, err := k.liveValidators(ctx)
	if err != nil {
		return err
	}
	penalized, err := k.penalized(ctx)
	if err != nil {
		return err
	}
	attempt := sig.Attempts + 1
	signers := pickSigners(ks.Participants, live, append(slices.Clone(exclude), penalized...), ks.Threshold, sig.Id+uint64(attempt))
	if signers == nil {
		sig.Status = types.SIGNATURE_STATUS_FAILED
		sig.Error = "the key set has fewer than t+1 participants"
		return k.finishSignature(ctx, sig)
	}
	s, err := k.newSession(ctx, types.Session{
		Type: types.SESSION_TYPE_SIGN, KeySetId: ks.Id, Threshold: ks.Threshold, Parties: partiesOf(signers), Attempt: attempt, SignatureId: sig.Id,
	})
	if err != nil {
		return err
	}
	sig.Attempts, sig.SessionId = attempt, s.Id
	return k.Signatures.Set(ctx, sig.Id, sig)
}

func (k Keeper) startQueuedSigns(ctx context.Context) error {
	if _, err := k.ActiveKeySet(ctx); errors.Is(err, types.ErrNoActiveKeySet) {
		return nil
	} else if err != nil {
		return err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	open := 0
	err = k.OpenSessions.Walk(ctx, nil, func(id uint64) (bool, error) {
		s, err := k.Sessions.Get(ctx, id)
		if err == nil && s.Type == types.SESSION_TYPE_SIGN {
			open++
		}
		return false, err
	})
	if err != nil {
		return err
	}
	room := min(int(params.MaxOpenSignSessions)-open, MaxSessionsStartedPerBlock)
	var ids []uint64
	err = k.SignQueue.Walk(ctx, nil, func(id uint64) (bool, error) {
		if len(ids) >= room {
			return true, nil
		}
		ids = append(ids, id)
		return false, nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := k.SignQueue.Remove(ctx, id); err != nil {
			return err
		}
		sig, err := k.Signatures.Get(ctx, id)
		if err != nil {
			return err
		}
		if err := k.startSign(ctx, sig, nil); err != nil {
			return err
		}
	}
	return nil
}

// maybeStartKeygen starts DKG once there is no key set and every bonded
// validator (at least two) has registered an encryption key, which it does
// only when its Paillier pre-parameters are ready. After enc_key_grace_blocks
// of waiting it starts without those that did not, provided the ones that did
// hold more than 2/3 of the bonded power: a validator that never registers
// cannot stall DKG, and no minority can start it alone.
func (k Keeper) maybeStartKeygen(ctx context.Context) error {
	if _, found, err := k.LatestKeySet(ctx); err != nil || found {
		return err
	}
	bonded, err := k.staking.GetBondedValidatorsByPower(ctx)
	if err != nil {
		return err
	}
	var (
		parties                     []string
		registeredPower, totalPower = math.ZeroInt(), math.ZeroInt()
	)
	for _, v := range bonded {
		val, err := sdk.ValAddressFromBech32(v.GetOperator())
		if err != nil {
			return err
		}
		has, err := k.EncKeys.Has(ctx, val)
		if err != nil {
			return err
		}
		tokens := v.GetTokens()
		if tokens.IsNil() {
			tokens = math.ZeroInt()
		}
		totalPower = totalPower.Add(tokens)
		if has {
			parties = append(parties, v.GetOperator())
			registeredPower = registeredPower.Add(tokens)
		}
	}
	if len(bonded) < 2 {
		return nil
	}
	if len(parties) < len(bonded) {
		h := sdk.UnwrapSDKContext(ctx).BlockHeight()
		since, err := k.KeygenWaitSince.Get(ctx)
		if errors.Is(err, collections.ErrNotFound) {
			return k.KeygenWaitSince.Set(ctx, h)
		}
		if err != nil {
			return err
		}
		params, err := k.Params.Get(ctx)
		if err != nil {
			return err
		}
		if h-since < int64(params.EncKeyGraceBlocks) || len(parties) < 2 ||
			!registeredPower.MulRaw(3).GT(totalPower.MulRaw(2)) {
			return nil
		}
	}
	if err := k.KeygenWaitSince.Remove(ctx); err != nil {
		return err
	}
	slices.Sort(parties)
	ks := types.KeySet{Id: 1, Threshold: ThresholdFor(len(parties)), Participants: parties, Status: types.KEY_SET_STATUS_KEYGEN, Epoch: 1}
	s, err := k.newSession(ctx, types.Session{
		Type: types.SESSION_TYPE_KEYGEN, KeySetId: ks.Id, Threshold: ks.Threshold, Parties: partiesOf(parties), Attempt: 1,
	})
	if err != nil {
		return err
	}
	ks.KeygenSessionId = s.Id
	return k.KeySets.Set(ctx, ks.Id, ks)
}

// pkpPubkey returns the public key a sign session must verify against.
func (k Keeper) pkpPubkey(ctx context.Context, tokenIDHex string) ([]byte, error) {
	tokenID, err := pkptypes.ParseTokenID(tokenIDHex)
	if err != nil {
		return nil, err
	}
	p, err := k.pkp.GetPKP(ctx, tokenID)
	if err != nil {
		return nil, err
	}
	pk, err := pkptypes.ParsePubkey(p.Pubkey)
	if err != nil {
		return nil, err
	}
	return pk.SerializeUncompressed(), nil
}
