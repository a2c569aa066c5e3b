package keeper

import (
	"context"
	"errors"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/litprotocol/litd/internal/authzmsgs"
	"github.com/litprotocol/litd/x/tss/types"
)

// CheckDepartures refuses a transaction whose staking messages would take
// members of the active key set's committee out of the bonded set (consensus
// power 0, or jailed because the operator's self-delegation falls below its
// min_self_delegation) while that leaves fewer than t+1 members bonded: a
// validator outside the bonded set sends no vote extensions, so t+1 bonded
// members are what a reshare needs to hand the key on. Departures made earlier
// in the block are in the state it reads; the transaction's own messages are
// added up per validator, in one pass. Addresses are compared as bytes (a
// bech32 string may be spelled in upper case). Not covered: jailing for
// downtime or double signing, and falling out of the top max_validators; see
// the README.
func (k Keeper) CheckDepartures(ctx context.Context, msgs []sdk.Msg) error {
	active, err := k.ActiveKeySet(ctx)
	if errors.Is(err, types.ErrNoActiveKeySet) {
		return nil
	} else if err != nil {
		return err
	}
	d := departures{out: map[string]math.Int{}, selfOut: map[string]math.Int{}, minSelf: map[string]math.Int{}}
	if err := d.addMsgs(msgs); err != nil {
		return err
	}
	if len(d.out) == 0 {
		return nil
	}
	before, after, first := 0, 0, ""
	for _, p := range active.Participants {
		val, err := sdk.ValAddressFromBech32(p)
		if err != nil {
			return err
		}
		stays, staysAfter, err := k.memberStays(ctx, val, d)
		if err != nil {
			return err
		}
		if stays {
			before++
		}
		if staysAfter {
			after++
		}
		if stays && !staysAfter && first == "" {
			first = p
		}
	}
	if after < before && after < int(active.Threshold)+1 {
		return errorsmod.Wrapf(types.ErrKeyAtRisk,
			"%s holds a share of the root key; unbonding it now would leave %d bonded members of the committee, fewer than the %d a reshare needs to hand the key on. Wait until the running reshare completes (litd q tss status) or undelegate less",
			first, after, active.Threshold+1)
	}
	return nil
}

// departures adds up what a transaction takes from validators, keyed by
// validator address bytes: all outflows, the operators' own outflows, and
// new min_self_delegation values.
type departures struct {
	out, selfOut, minSelf map[string]math.Int
}

// addMsgs adds up the staking messages, also those an authz MsgExec runs on
// a granter's behalf (they bypass the ante handler).
func (d departures) addMsgs(msgs []sdk.Msg) error {
	flat, err := authzmsgs.Flatten(msgs)
	if err != nil {
		return err
	}
	for _, m := range flat {
		switch m := m.(type) {
		case *stakingtypes.MsgUndelegate:
			d.add(m.DelegatorAddress, m.ValidatorAddress, m.Amount.Amount)
		case *stakingtypes.MsgBeginRedelegate:
			d.add(m.DelegatorAddress, m.ValidatorSrcAddress, m.Amount.Amount)
		case *stakingtypes.MsgEditValidator:
			if val, err := sdk.ValAddressFromBech32(m.ValidatorAddress); err == nil && m.MinSelfDelegation != nil && !m.MinSelfDelegation.IsNil() {
				d.minSelf[string(val)] = *m.MinSelfDelegation
			}
		}
	}
	return nil
}

func (d departures) add(delegator, validator string, amount math.Int) {
	val, err := sdk.ValAddressFromBech32(validator)
	if err != nil || amount.IsNil() || !amount.IsPositive() {
		return // the message fails on its own
	}
	key := string(val)
	d.out[key] = amount.Add(orZero(d.out[key]))
	if del, err := sdk.AccAddressFromBech32(delegator); err == nil && string(del) == key {
		d.selfOut[key] = amount.Add(orZero(d.selfOut[key]))
	}
}

func orZero(i math.Int) math.Int {
	if i.IsNil() {
		return math.ZeroInt()
	}
	return i
}

// memberStays tells whether a member is bonded (not jailed, with power) now,
// and whether it still is after the transaction's outflows.
func (k Keeper) memberStays(ctx context.Context, val sdk.ValAddress, d departures) (now, after bool, err error) {
	v, err := k.staking.GetValidator(ctx, val)
	if errors.Is(err, stakingtypes.ErrNoValidatorFound) {
		return false, false, nil
	} else if err != nil {
		return false, false, err
	}
	reduction := k.staking.PowerReduction(ctx)
	tokens := v.GetTokens()
	now = v.IsBonded() && !v.IsJailed() && sdk.TokensToConsensusPower(tokens, reduction) > 0
	out, selfOut, newMin := orZero(d.out[string(val)]), orZero(d.selfOut[string(val)]), d.minSelf[string(val)]
	if !now || (out.IsZero() && newMin.IsNil()) {
		return now, now, nil
	}
	after = sdk.TokensToConsensusPower(tokens.Sub(math.MinInt(tokens, out)), reduction) > 0
	if after && (selfOut.IsPositive() || !newMin.IsNil()) {
		// x/staking jails a validator whose operator undelegates below its
		// min_self_delegation.
		minSelf := v.MinSelfDelegation
		if !newMin.IsNil() && (minSelf.IsNil() || newMin.GT(minSelf)) {
			minSelf = newMin
		}
		self := math.ZeroInt()
		if del, err := k.staking.GetDelegation(ctx, sdk.AccAddress(val), val); err == nil {
			self = v.TokensFromShares(del.Shares).TruncateInt()
		} else if !errors.Is(err, stakingtypes.ErrNoDelegation) {
			return false, false, err
		}
		if selfOut.IsPositive() && !minSelf.IsNil() && self.Sub(math.MinInt(self, selfOut)).LT(minSelf) {
			after = false
		}
	}
	return now, after, nil
}
