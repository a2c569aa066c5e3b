package keeper

import (
	"context"
	"fmt"
	"slices"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/comet"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/tss/types"
)

// protocol is what the generic session life cycle (this file) needs from one
// threshold protocol; each protocol lives in its own file (keygen.go,
// sign.go, reshare.go, decrypt.go), and adding one means adding its row here.
type protocol struct {
	// timeout is a new session's deadline, in blocks.
	timeout func(types.Params) uint64
	// silent are the parties an expired session records as silent.
	silent func(types.Session) []string
	// named are other parties an expired session records as faulty, and why
	// (nil: none).
	named func(types.Session) ([]string, string)
	// retry follows an expired session, leaving leaveOut out.
	retry func(Keeper, context.Context, types.Session, []string) error
	// keyReport applies a party's KeygenResult ("my share of this key is on
	// disk"); nil: the protocol has none.
	keyReport func(Keeper, context.Context, *types.Session, string, types.KeygenResult) error
	// job adds to a Job what an engine needs beyond the session (nil: nothing).
	job func(Keeper, context.Context, *Job) error
	// oneShot: the protocol has no rounds (decrypt): its parties send no
	// protocol messages and blame no one, so a message or blame in one of its
	// sessions is junk (a message is pruned as a fault, a blame ignored).
	oneShot bool
	// early: engines take this protocol's messages early from verified
	// precommits, so parties' views may differ when a party equivocates its
	// extension. Blame is then judged only at expiry, and only if no party
	// reported an early message that was never committed (split).
	early bool
}

func keygenTimeout(p types.Params) uint64 { return p.KeygenTimeoutBlocks }

// protocols is the table; it is filled in init because its functions open
// sessions, which read it.
var protocols map[types.SessionType]protocol

func init() {
	protocols = map[types.SessionType]protocol{
		types.SESSION_TYPE_KEYGEN: {
			timeout: keygenTimeout, silent: silentParties, named: dissenters,
			retry: Keeper.retryKeygen, keyReport: Keeper.applyKeygenResult,
		},
		types.SESSION_TYPE_SIGN: {
			timeout: func(p types.Params) uint64 { return p.SignTimeoutBlocks }, silent: silentInSign,
			retry: Keeper.retrySign, job: Keeper.signJob, early: true,
		},
		types.SESSION_TYPE_RESHARE: {
			timeout: keygenTimeout, silent: silentInReshare, named: reshareDissenters,
			retry: Keeper.retryReshare, keyReport: Keeper.applyReshareResult,
		},
		types.SESSION_TYPE_DECRYPT: {
			timeout: func(p types.Params) uint64 { return p.SignTimeoutBlocks }, silent: silentInDecrypt,
			retry: Keeper.finishDecryption, job: Keeper.decryptJob, oneShot: true,
		},
	}
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
	timeout := protocols[s.Type].timeout(params)
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	s.Id, s.Status, s.StartHeight, s.DeadlineHeight = id, types.SESSION_STATUS_OPEN, h, h+int64(timeout)
	if err := k.Sessions.Set(ctx, id, s); err != nil {
		return s, err
	}
	if err := k.OpenSessions.Set(ctx, id); err != nil {
		return s, err
	}
	return s, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventSessionStarted{
		SessionId: id, Type: s.Type.String(), Parties: s.PartyValidators(), DeadlineHeight: s.DeadlineHeight, Attempt: s.Attempt, SignatureId: s.SignatureId,
	})
}

// faultBound is f = max(1, ⌊(n-1)/3⌋), the parties of n that may misbehave.
func faultBound(n int) int { return max(1, (n-1)/3) }

// keptUp is k = n - f (at least 1): that many parties agreeing, or keeping
// up, cannot all be ones that misbehave.
func keptUp(n int) int { return max(1, n-faultBound(n)) }

// silentParties are those a retry leaves out: they delivered fewer messages
// than the parties that kept up did, or reported no result while enough
// others did. "Kept up" is the k-th most active party, k = keptUp(n): a party
// that pads its own count (replays are pruned, but fresh junk is not) cannot
// make honest ones look silent, nor can f parties claiming a result early.
func silentParties(s types.Session) []string {
	behind, noResult := silentAmong(s.Parties), silentResults(s.Parties)
	var out []string
	for _, p := range s.Parties {
		if slices.Contains(behind, p.Validator) || slices.Contains(noResult, p.Validator) {
			out = append(out, p.Validator)
		}
	}
	return out
}

// silentInSign is silentParties unless the session is split (a party
// reported an early message that no block committed): the parties' views of
// the session may then differ, so falling behind says nothing, and only a
// party that sent nothing at all is silent (an honest signer always sends its
// first round, which depends on no one).
func silentInSign(s types.Session) []string {
	if splitParties(s) == nil {
		return silentParties(s)
	}
	return sentNothing(s.Parties)
}

// silentInDecrypt is nobody once the request was served (t+1 shares): the
// rest were not needed, a validator that was down is not faulted for every
// request it could not see, and one that withholds its share gains nothing
// it could not gain by sending a wrong one, which only the requester can
// tell. A request that failed faults every party that sent no share.
func silentInDecrypt(s types.Session) []string {
	silent := sentNothing(s.Parties)
	if len(s.Parties)-len(silent) > int(s.Threshold) {
		return nil
	}
	return silent
}

// sentNothing are the parties that delivered no message.
func sentNothing(parties []types.Party) []string {
	var out []string
	for _, p := range parties {
		if p.Messages == 0 {
			out = append(out, p.Validator)
		}
	}
	return out
}

// retryOutOfSplit are the parties of a split session that its retry leaves
// out, with no fault: those behind by the usual rule (a party that stalls is
// not let off by a report it files) and the reporters (whose view may be the
// one that differs). The parties they named stay: a reporter that lies could
// otherwise take out an honest party with it, and with 4 validators that
// leaves too few signers, so every exclusion is dropped. An equivocator that
// stays is caught when it splits sessions with more than f reporters
// (noteSplit), which penalizes it and so leaves it out of signer choice.
func retryOutOfSplit(s types.Session) []string {
	out := silentParties(s)
	for _, p := range s.Parties {
		if len(p.Unconfirmed) > 0 && !slices.Contains(out, p.Validator) {
			out = append(out, p.Validator)
		}
	}
	slices.Sort(out)
	return out
}

// splitParties are the parties that reported an early message no block
// committed and the parties they named, sorted; nil when none did. Each pair
// holds a validator that misbehaved: the sender gave peers different
// extensions, or the reporter lies.
func splitParties(s types.Session) []string {
	var out []string
	for _, p := range s.Parties {
		if len(p.Unconfirmed) > 0 {
			out = append(out, p.Validator)
			out = append(out, p.Unconfirmed...)
		}
	}
	if out == nil {
		return nil
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// noteSplit remembers the two sides of every unconfirmed-message report in
// the split session s and penalizes a validator that was a side with more
// than f = ⌊(N−1)/3⌋ distinct others of the committee of N within the fault
// window. Each pair holds a validator that misbehaved (an equivocating sender
// or a lying reporter), so an honest validator is only ever paired with the
// at most f faulty ones and never crosses the line, while one that
// equivocates or lies against more than f validators is the common element.
func (k Keeper) noteSplit(ctx context.Context, s *types.Session) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	ks, err := k.KeySets.Get(ctx, s.KeySetId)
	if err != nil {
		return err
	}
	f := faultBound(len(ks.Participants))
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	for _, p := range s.Parties {
		for _, q := range p.Unconfirmed {
			if err := k.SplitPairs.Set(ctx, collections.Join(p.Validator, q), h); err != nil {
				return err
			}
			if err := k.SplitPairs.Set(ctx, collections.Join(q, p.Validator), h); err != nil {
				return err
			}
		}
	}
	for _, v := range splitParties(*s) {
		var partners int
		var stale []collections.Pair[string, string]
		err := k.SplitPairs.Walk(ctx, collections.NewPrefixedPairRange[string, string](v),
			func(key collections.Pair[string, string], at int64) (bool, error) {
				if h-at >= int64(params.FaultWindowBlocks) {
					stale = append(stale, key)
				} else {
					partners++
				}
				return false, nil
			})
		if err != nil {
			return err
		}
		for _, key := range stale {
			if err := k.SplitPairs.Remove(ctx, key); err != nil {
				return err
			}
		}
		if partners <= f {
			continue
		}
		if err := noteFault(ctx, s, PartyIndex(*s, v), fmt.Sprintf("split sessions with %d validators, more than f = %d", partners, f)); err != nil {
			return err
		}
		if err := k.notePenalty(ctx, v); err != nil {
			return err
		}
	}
	return nil
}

// silentAmong applies the message rule to a group of parties that each send
// the same number of messages: those below the k-th most active.
func silentAmong(parties []types.Party) []string {
	n := len(parties)
	if n == 0 {
		return nil
	}
	counts := make([]uint32, 0, n)
	for _, p := range parties {
		counts = append(counts, p.Messages)
	}
	slices.Sort(counts)
	bar := counts[n-keptUp(n)] // the k-th largest
	var out []string
	for _, p := range parties {
		if p.Messages < bar {
			out = append(out, p.Validator)
		}
	}
	return out
}

// silentResults are the parties without a result when at least k = keptUp(n)
// of them reported one.
func silentResults(parties []types.Party) []string {
	results := 0
	for _, p := range parties {
		if p.Result != "" {
			results++
		}
	}
	if results < keptUp(len(parties)) {
		return nil
	}
	var out []string
	for _, p := range parties {
		if p.Result == "" {
			out = append(out, p.Validator)
		}
	}
	return out
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
		proto := protocols[s.Type]
		silent := proto.silent(s)
		for _, v := range silent {
			if err := noteFault(ctx, &s, PartyIndex(s, v), "silent until the deadline"); err != nil {
				return err
			}
			if err := k.notePenalty(ctx, v); err != nil {
				return err
			}
		}
		// Parties the protocol names (a DKG party that reported another key
		// than the n-f that agree) and parties blamed by more than a third
		// (their fault was recorded when the blame crossed that line, or is
		// now for a protocol that judges blame at expiry) are left out of a
		// retry too; so are, in a split session, the parties behind and the
		// reporters (retryOutOfSplit).
		split := splitParties(s)
		leaveOut := slices.Clone(silent)
		var named []string
		var why string
		if proto.named != nil {
			named, why = proto.named(s)
		}
		for _, v := range named {
			if err := noteFault(ctx, &s, PartyIndex(s, v), why); err != nil {
				return err
			}
			if err := k.notePenalty(ctx, v); err != nil {
				return err
			}
			leaveOut = append(leaveOut, v)
		}
		quorum, err := k.blameQuorum(ctx, s)
		if err != nil {
			return err
		}
		for i, p := range s.Parties {
			// Blame from views that may differ counts for nothing.
			if len(p.BlamedBy) < quorum || slices.Contains(leaveOut, p.Validator) || split != nil {
				continue
			}
			if proto.early {
				if err := noteFault(ctx, &s, i, blameReason(s, p)); err != nil {
					return err
				}
				if err := k.notePenalty(ctx, p.Validator); err != nil {
					return err
				}
			}
			leaveOut = append(leaveOut, p.Validator)
		}
		if split != nil {
			for _, v := range retryOutOfSplit(s) {
				if !slices.Contains(leaveOut, v) {
					leaveOut = append(leaveOut, v)
				}
			}
			if err := k.noteSplit(ctx, &s); err != nil {
				return err
			}
		}
		// closeSession stores s with the faults.
		if err := k.closeSession(ctx, s, types.SESSION_STATUS_EXPIRED); err != nil {
			return err
		}
		if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventSessionExpired{SessionId: s.Id, Silent: silent, Split: split != nil}); err != nil {
			return err
		}
		if err := proto.retry(k, ctx, s, leaveOut); err != nil {
			return err
		}
	}
	return nil
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

// pickParties chooses t+1 of candidates as pickSigners does, with this
// block's liveness and the penalized validators.
func (k Keeper) pickParties(ctx context.Context, candidates, exclude []string, t uint32, rotation uint64) ([]string, error) {
	live, err := k.liveValidators(ctx)
	if err != nil {
		return nil, err
	}
	penalized, err := k.penalized(ctx)
	if err != nil {
		return nil, err
	}
	return pickSigners(candidates, live, exclude, penalized, t, rotation), nil
}

// pickSigners chooses t+1 signers deterministically from participants,
// rotated by rotation (signature id + attempt) so load spreads. It prefers
// those live in the last commit, not excluded (they failed this request) and
// not penalized (they failed recently). When too few remain it drops
// liveness first (one block's votes: a slow validator, or one a proposer
// left out, may be missing), then the penalty while keeping liveness, then
// both; exclusions go last, again keeping liveness while t+1 live ones
// remain. So a signer that went down and was excluded is not picked again
// because another validator is penalized.
func pickSigners(participants, live, exclude, penalized []string, t uint32, rotation uint64) []string {
	need := int(t) + 1
	tiers := []struct{ live, exclude, penalized bool }{
		{true, true, true}, {false, true, true}, {true, true, false}, {false, true, false}, {true, false, false}, {false, false, false},
	}
	var cands []string
	for _, tier := range tiers {
		cands = cands[:0]
		for _, p := range participants {
			if (tier.live && !slices.Contains(live, p)) || (tier.exclude && slices.Contains(exclude, p)) ||
				(tier.penalized && slices.Contains(penalized, p)) {
				continue
			}
			cands = append(cands, p)
		}
		if len(cands) >= need {
			break
		}
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
