package keeper

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

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

// dissenters are the keygen parties whose reported key (or public shares)
// differ from what at least k = n - f parties reported (none if nothing has
// that many).
func dissenters(s types.Session) ([]string, string) {
	const why = "reported a different key than the others"
	k := keptUp(len(s.Parties))
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
		return out, why
	}
	return nil, why
}

// maybeStartKeygen starts DKG once there is no key set and every bonded
// validator (at least two) has registered an encryption key, which it does
// only when its Paillier pre-parameters are ready. After enc_key_grace_blocks
// of waiting it starts without those that did not, provided the ones that did
// hold more than 2/3 of the bonded power: a validator that never registers
// cannot stall DKG, and no minority can start it alone.
func (k Keeper) maybeStartKeygen(ctx context.Context) error {
	if _, err := k.ActiveKeySet(ctx); !errors.Is(err, types.ErrNoActiveKeySet) {
		return err // the key exists (nil), or reading failed
	}
	latest, found, err := k.LatestKeySet(ctx)
	if err != nil || (found && latest.Status != types.KEY_SET_STATUS_RETIRED) {
		return err // DKG runs; a retired latest is an abandoned DKG
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
	ks := types.KeySet{Id: latest.Id + 1, Threshold: ThresholdFor(len(parties)), Participants: parties, Status: types.KEY_SET_STATUS_KEYGEN, Epoch: 1}
	s, err := k.newSession(ctx, types.Session{
		Type: types.SESSION_TYPE_KEYGEN, KeySetId: ks.Id, Threshold: ks.Threshold, Parties: types.NewParties(parties), Attempt: 1,
	})
	if err != nil {
		return err
	}
	ks.KeygenSessionId = s.Id
	return k.KeySets.Set(ctx, ks.Id, ks)
}

// retryKeygen restarts an expired DKG. It leaves out the silent (and named
// or blamed) parties only while the committee stays in its threshold band
// (ThresholdFor of the smaller committee is still the key's t): a retry never
// lowers the threshold and never leaves a committee with fewer spares than
// its size calls for, so a minority that makes honest parties fail cannot
// shrink it. Otherwise it waits: the same parties again, or, once some of
// them are no longer bonded, it abandons this key set and the next block
// starts a fresh DKG from the bonded set.
func (k Keeper) retryKeygen(ctx context.Context, s types.Session, leaveOut []string) error {
	ks, err := k.KeySets.Get(ctx, s.KeySetId)
	if err != nil {
		return err
	}
	bonded, err := k.bondedOperators(ctx)
	if err != nil {
		return err
	}
	keep, allBonded := retryCommittee(ks.Participants, leaveOut, bonded, ks.Threshold)
	switch {
	case keep != nil:
		ks.Participants = keep
	case !allBonded:
		return k.retireKeySet(ctx, ks)
	}
	next, err := k.newSession(ctx, types.Session{
		Type: types.SESSION_TYPE_KEYGEN, KeySetId: ks.Id, Threshold: ks.Threshold, Parties: types.NewParties(ks.Participants), Attempt: s.Attempt + 1,
	})
	if err != nil {
		return err
	}
	ks.KeygenSessionId = next.Id
	return k.KeySets.Set(ctx, ks.Id, ks)
}

// retryCommittee is the committee a retry may use: participants without
// leaveOut and without those no longer bonded, if that leaves the threshold
// band unchanged (ThresholdFor(len) == t, at least 2); else nil. allBonded
// tells whether every participant is still bonded (then waiting for them can
// work).
func retryCommittee(participants, leaveOut, bonded []string, t uint32) (keep []string, allBonded bool) {
	allBonded = true
	for _, p := range participants {
		switch {
		case !slices.Contains(bonded, p):
			allBonded = false
		case !slices.Contains(leaveOut, p):
			keep = append(keep, p)
		}
	}
	if len(keep) < 2 || ThresholdFor(len(keep)) != t {
		return nil, allBonded
	}
	return keep, allBonded
}

// keyResult is the Party.Result a key report records, "" if the report is
// invalid: the root key, 0x-hex, and when the report carries the n public
// shares, "/" and the hex sha256 of them, so the parties must agree on both.
func keyResult(r types.KeygenResult, n int) string {
	if _, err := secp256k1.ParsePubKey(r.Pubkey); err != nil || len(r.Pubkey) != 33 {
		return ""
	}
	result := "0x" + hex.EncodeToString(r.Pubkey)
	if len(r.PublicShares) == 0 {
		return result
	}
	if len(r.PublicShares) != n {
		return ""
	}
	h := sha256.New()
	for _, ps := range r.PublicShares {
		if _, err := secp256k1.ParsePubKey(ps); err != nil || len(ps) != types.PublicShareLen {
			return ""
		}
		h.Write(ps)
	}
	return result + "/" + hex.EncodeToString(h.Sum(nil))
}

// resultKey is the root key (0x-hex) of a recorded key result.
func resultKey(result string) string {
	key, _, _ := strings.Cut(result, "/")
	return key
}

// publicShares are a key report's public shares as KeySet stores them.
func publicShares(r types.KeygenResult) []string {
	out := make([]string, 0, len(r.PublicShares))
	for _, ps := range r.PublicShares {
		out = append(out, "0x"+hex.EncodeToString(ps))
	}
	return out
}

func (k Keeper) applyKeygenResult(ctx context.Context, s *types.Session, author string, r types.KeygenResult) error {
	i := PartyIndex(*s, author)
	if i < 0 {
		return nil
	}
	result := keyResult(r, len(s.Parties))
	if result == "" {
		return k.recordFault(ctx, s, i, "invalid keygen result")
	}
	if first, err := k.firstResult(ctx, s, i, result); !first || err != nil {
		return err
	}
	s.Parties[i].Result = result
	if err := k.Sessions.Set(ctx, s.Id, *s); err != nil {
		return err
	}
	for _, p := range s.Parties {
		if p.Result != s.Parties[i].Result {
			return nil // not all in yet, or a disagreement the deadline resolves
		}
	}
	ks, err := k.KeySets.Get(ctx, s.KeySetId)
	if err != nil {
		return err
	}
	ks.Pubkey, ks.Status, ks.ActivatedHeight = resultKey(result), types.KEY_SET_STATUS_ACTIVE, sdk.UnwrapSDKContext(ctx).BlockHeight()
	ks.PublicShares = publicShares(r)
	if err := k.KeySets.Set(ctx, ks.Id, ks); err != nil {
		return err
	}
	if err := k.closeSession(ctx, *s, types.SESSION_STATUS_COMPLETED); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventKeySetActivated{
		KeySetId: ks.Id, Pubkey: ks.Pubkey, Participants: ks.Participants, Threshold: ks.Threshold,
	})
}
