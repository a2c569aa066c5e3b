package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/actions/types"
)

// MaxPrunedPerBlock bounds the transcripts the EndBlocker prunes in one block.
const MaxPrunedPerBlock = 64

// signatures counts the signatures an execution requested from x/tss.
func signatures(e types.Execution) uint32 {
	if e.Result == nil {
		return 0
	}
	var n uint32
	for _, sr := range e.Result.SignRequests {
		if sr.SignatureId != 0 {
			n++
		}
	}
	return n
}

// settleFee pays the fee collector for the work done (execution_fee, each transcript entry, each
// requested signature: validators did that work whatever the outcome) and refunds the rest of
// the escrow to the caller. It runs in a cached context: a failed transfer (a genesis that did not
// fund the escrow) leaves the fee unsettled, never halts the chain.
func (k Keeper) settleFee(ctx sdk.Context, e *types.Execution) {
	if !e.FeeEscrowed.IsValid() || !e.FeeEscrowed.IsPositive() {
		return
	}
	fee := e.ParamsOr(types.DefaultParams()).Fee(uint32(len(e.Fetches)), signatures(*e))
	if fee.Denom != e.FeeEscrowed.Denom || fee.Amount.GT(e.FeeEscrowed.Amount) {
		fee = e.FeeEscrowed
	}
	refund := e.FeeEscrowed.Sub(fee)
	caller, err := k.addressCodec.StringToBytes(e.Caller)
	if err != nil {
		return
	}
	cache, write := ctx.CacheContext()
	if fee.IsPositive() {
		if err := k.bank.SendCoinsFromModuleToModule(cache, types.ModuleName, k.feeCollector, sdk.NewCoins(fee)); err != nil {
			ctx.Logger().Error("cannot charge the execution fee", "execution", e.Id, "err", err)
			return
		}
	}
	if refund.IsPositive() {
		if err := k.bank.SendCoinsFromModuleToAccount(cache, types.ModuleName, caller, sdk.NewCoins(refund)); err != nil {
			ctx.Logger().Error("cannot refund the execution fee", "execution", e.Id, "err", err)
			return
		}
	}
	write()
	e.FeeCharged = fee
}

// release uncounts one open execution of caller.
func (k Keeper) release(ctx context.Context, caller string) error {
	n, err := k.openBy(ctx, caller)
	if err != nil {
		return err
	}
	if n <= 1 {
		return k.OpenByCaller.Remove(ctx, caller)
	}
	return k.OpenByCaller.Set(ctx, caller, n-1)
}

// prune drops the fetch transcript and logs of executions whose retention ended at or before
// height h, at most MaxPrunedPerBlock a block. Only executions without signatures are queued:
// verification replays the ones that signed, so those keep everything. The response, the result
// digest and the fee stay.
func (k Keeper) prune(ctx context.Context, h int64) error {
	var due []collections.Pair[int64, uint64]
	rng := new(collections.Range[collections.Pair[int64, uint64]]).EndInclusive(collections.Join(h, uint64(1<<64-1)))
	err := k.PruneQueue.Walk(ctx, rng, func(key collections.Pair[int64, uint64]) (bool, error) {
		due = append(due, key)
		return len(due) >= MaxPrunedPerBlock, nil
	})
	if err != nil {
		return err
	}
	for _, key := range due {
		if err := k.PruneQueue.Remove(ctx, key); err != nil {
			return err
		}
		e, err := k.Executions.Get(ctx, key.K2())
		if errors.Is(err, collections.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		e.Fetches, e.PrunedHeight = nil, h
		if e.Result != nil {
			e.Result.Logs, e.Result.Reads = nil, nil
		}
		if err := k.Executions.Set(ctx, e.Id, e); err != nil {
			return err
		}
	}
	return nil
}
