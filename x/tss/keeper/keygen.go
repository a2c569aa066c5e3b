package keeper

import (
	"context"
	"encoding/hex"
	"errors"
	"slices"

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

// dissenters are the keygen parties whose reported key differs from one that
// at least k = n - f parties reported (none if no key has that many).
func dissenters(s types.Session) ([]string, string) {
	const why = "reported a different key than the others"
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

func (k Keeper) applyKeygenResult(ctx context.Context, s *types.Session, author string, r types.KeygenResult) error {
	i := PartyIndex(*s, author)
	if i < 0 {
		return nil
	}
	result := "0x" + hex.EncodeToString(r.Pubkey)
	if _, err := secp256k1.ParsePubKey(r.Pubkey); err != nil || len(r.Pubkey) != 33 {
		return k.recordFault(ctx, s, i, "invalid keygen result")
	}
	switch s.Parties[i].Result {
	case "":
	case result:
		return nil // engines resend results until the session closes
	default:
		return k.recordFault(ctx, s, i, "changed keygen result")
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
	ks.Pubkey, ks.Status, ks.ActivatedHeight = s.Parties[i].Result, types.KEY_SET_STATUS_ACTIVE, sdk.UnwrapSDKContext(ctx).BlockHeight()
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
