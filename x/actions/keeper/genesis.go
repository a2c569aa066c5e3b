package keeper

import (
	"context"

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
	for _, e := range gs.Executions {
		if err := k.Executions.Set(ctx, e.Id, e); err != nil {
			return err
		}
	}
	return nil
}

// ExportGenesis exports actions and finished executions. Open executions are
// exported as they stand but not reopened: their reports are transient.
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
