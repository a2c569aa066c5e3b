package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/actions/types"
)

// InitGenesis validates and stores the genesis state.
func (k Keeper) InitGenesis(ctx context.Context, gs types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	if err := k.NextExecutionID.Set(ctx, gs.NextExecutionId); err != nil {
		return err
	}
	for _, a := range gs.Actions {
		if err := k.Actions.Set(ctx, a.Cid, a); err != nil {
			return err
		}
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	for _, e := range gs.Executions {
		// Reports of an unfinished execution are not exported, so it could
		// never finish: it ends failed, with the reason, and its escrow is
		// refunded (the module account's balance comes with x/bank's genesis).
		if e.Status != types.EXECUTION_STATUS_COMPLETED && e.Status != types.EXECUTION_STATUS_FAILED {
			e.Error = fmt.Sprintf("chain restarted from genesis while %s", e.Status)
			e.Status, e.FinishedHeight = types.EXECUTION_STATUS_FAILED, sdkCtx.BlockHeight()
			if e.FeeEscrowed.IsValid() && e.FeeEscrowed.IsPositive() {
				caller, err := k.addressCodec.StringToBytes(e.Caller)
				if err != nil {
					return err
				}
				if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, caller, sdk.NewCoins(e.FeeEscrowed)); err != nil {
					return fmt.Errorf("refunding execution %d's escrow: %w", e.Id, err)
				}
			}
		}
		if err := k.Executions.Set(ctx, e.Id, e); err != nil {
			return err
		}
		// The derived indexes are rebuilt, not exported.
		if e.Result != nil {
			for _, sr := range e.Result.SignRequests {
				if sr.SignatureId == 0 {
					continue
				}
				if err := k.SignatureExecutions.Set(ctx, sr.SignatureId, e.Id); err != nil {
					return err
				}
			}
		}
		if e.PrunedHeight == 0 && signatures(e) == 0 {
			at := e.FinishedHeight + int64(e.ParamsOr(types.DefaultParams()).TranscriptRetentionBlocks)
			if err := k.PruneQueue.Set(ctx, collections.Join(at, e.Id)); err != nil {
				return err
			}
		}
	}
	return nil
}

// ExportGenesis exports actions and executions; InitGenesis fails the ones
// that were unfinished, since their reports are transient.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	next, err := k.NextExecutionID.Peek(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: params, NextExecutionId: next}
	if err := k.Actions.Walk(ctx, nil, func(_ string, a types.Action) (bool, error) {
		gs.Actions = append(gs.Actions, a)
		return false, nil
	}); err != nil {
		return nil, err
	}
	err = k.Executions.Walk(ctx, nil, func(_ uint64, e types.Execution) (bool, error) {
		gs.Executions = append(gs.Executions, e)
		return false, nil
	})
	return gs, err
}
