package keeper

import (
	"context"
	"errors"
	"slices"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/litprotocol/litd/x/tss/types"
)

// CheckDepartures refuses staking messages that would take a member of the
// active key set's committee out of the bonded set (its consensus power to 0)
// while that leaves fewer than t+1 members bonded: a validator outside the
// bonded set sends no vote extensions, so t+1 bonded members are what a
// reshare needs to hand the key on. Departures already made in this block
// (earlier transactions) and in this transaction count. Jailing is not a
// message and is not covered: see the README.
func (k Keeper) CheckDepartures(ctx context.Context, msgs []sdk.Msg) error {
	active, err := k.ActiveKeySet(ctx)
	if errors.Is(err, types.ErrNoActiveKeySet) {
		return nil
	} else if err != nil {
		return err
	}
	var flows []outflow
	for _, m := range msgs {
		var val string
		var amount math.Int
		switch m := m.(type) {
		case *stakingtypes.MsgUndelegate:
			val, amount = m.ValidatorAddress, m.Amount.Amount
		case *stakingtypes.MsgBeginRedelegate:
			val, amount = m.ValidatorSrcAddress, m.Amount.Amount
		default:
			continue
		}
		if !slices.Contains(active.Participants, val) || amount.IsNil() || !amount.IsPositive() {
			continue
		}
		flows = append(flows, outflow{val, amount})
		stayingBefore, err := k.stayingMembers(ctx, active.Participants, flows[:len(flows)-1])
		if err != nil {
			return err
		}
		stayingAfter, err := k.stayingMembers(ctx, active.Participants, flows)
		if err != nil {
			return err
		}
		if len(stayingAfter) < len(stayingBefore) && len(stayingAfter) < int(active.Threshold)+1 {
			return errorsmod.Wrapf(types.ErrKeyAtRisk,
				"%s holds a share of the root key; unbonding it now would leave %d bonded members of the committee, fewer than the %d a reshare needs to hand the key on. Wait until the running reshare completes (litd q tss status) or undelegate less",
				val, len(stayingAfter), active.Threshold+1)
		}
	}
	return nil
}

// outflow is tokens a message takes from a validator.
type outflow struct {
	val    string
	amount math.Int
}

// stayingMembers are the members bonded, not jailed and with consensus power
// after the outflows are taken from their tokens.
func (k Keeper) stayingMembers(ctx context.Context, members []string, flows []outflow) ([]string, error) {
	reduction := k.staking.PowerReduction(ctx)
	var out []string
	for _, p := range members {
		addr, err := sdk.ValAddressFromBech32(p)
		if err != nil {
			return nil, err
		}
		v, err := k.staking.GetValidator(ctx, addr)
		if errors.Is(err, stakingtypes.ErrNoValidatorFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		tokens := v.GetTokens()
		for _, f := range flows {
			if f.val == p {
				tokens = tokens.Sub(math.MinInt(tokens, f.amount))
			}
		}
		if v.IsBonded() && !v.IsJailed() && sdk.TokensToConsensusPower(tokens, reduction) > 0 {
			out = append(out, p)
		}
	}
	return out, nil
}
