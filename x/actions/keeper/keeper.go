// Package keeper holds x/actions state: action code by CID, executions, and
// the validators' fetch and result reports until > 2/3 of voting power agree.
package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	"cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/actions/types"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
)

// Keeper is the x/actions state.
type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	pkp          types.PKPKeeper
	tss          types.TSSKeeper
	bank         types.BankKeeper
	feeCollector string
	authority    string
	// replayer re-runs executions for the Verify query (off-chain; nil: not offered).
	replayer Replayer

	Schema          collections.Schema
	Params          collections.Item[types.Params]
	Actions         collections.Map[string, types.Action]
	Executions      collections.Map[uint64, types.Execution]
	OpenExecutions  collections.KeySet[uint64]
	NextExecutionID collections.Sequence
	// FetchReports are the live transcripts validators reported, per execution.
	FetchReports collections.Map[collections.Pair[uint64, sdk.ValAddress], types.FetchReport]
	// Reporters records each validator's power once per execution and phase
	// (phase 1 fetch, 2 result), so nobody is counted twice.
	Reporters collections.Map[collections.Triple[uint64, uint64, sdk.ValAddress], int64]
	// ResultVotes sums the power behind each result digest; ResultCopies keeps one copy.
	ResultVotes  collections.Map[collections.Pair[uint64, string], int64]
	ResultCopies collections.Map[collections.Pair[uint64, string], types.Result]
	// QuorumHeight is when > 2/3 of power had reported fetches.
	QuorumHeight collections.Map[uint64, int64]
	// OpenByCaller counts each account's open executions (max_open_executions_per_account).
	OpenByCaller collections.Map[string, uint64]
	// PruneQueue holds (height, id): the execution's transcript is pruned at that height.
	PruneQueue collections.KeySet[collections.Pair[int64, uint64]]
	// SignatureExecutions maps an x/tss signature id to the execution that requested it.
	SignatureExecutions collections.Map[uint64, uint64]
}

// Replayer reports whether an offline replay of an execution (in a worker process) reproduces the
// recorded result. It is node-local, never part of the state machine, and must not block: queries
// run under CometBFT's ABCI lock, so it answers from what it has and replays in the background.
type Replayer interface {
	Replay(ctx context.Context, e types.Execution, code string, params types.Params) types.ReplayReport
}

// NewKeeper builds the x/actions schema.
func NewKeeper(cdc codec.BinaryCodec, storeService store.KVStoreService, addressCodec address.Codec, pkp types.PKPKeeper,
	tss types.TSSKeeper, bank types.BankKeeper, feeCollector, authority string,
) Keeper {
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		cdc: cdc, addressCodec: addressCodec, pkp: pkp, tss: tss, bank: bank, feeCollector: feeCollector, authority: authority,
		Params:          collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Actions:         collections.NewMap(sb, types.ActionsKey, "actions", collections.StringKey, codec.CollValue[types.Action](cdc)),
		Executions:      collections.NewMap(sb, types.ExecutionsKey, "executions", collections.Uint64Key, codec.CollValue[types.Execution](cdc)),
		OpenExecutions:  collections.NewKeySet(sb, types.OpenExecutionsKey, "open_executions", collections.Uint64Key),
		NextExecutionID: collections.NewSequence(sb, types.NextExecutionIDKey, "next_execution_id"),
		FetchReports: collections.NewMap(sb, types.FetchReportsKey, "fetch_reports",
			collections.PairKeyCodec(collections.Uint64Key, sdk.ValAddressKey), codec.CollValue[types.FetchReport](cdc)),
		Reporters: collections.NewMap(sb, types.ReportersKey, "reporters",
			collections.TripleKeyCodec(collections.Uint64Key, collections.Uint64Key, sdk.ValAddressKey), collections.Int64Value),
		ResultVotes: collections.NewMap(sb, types.ResultVotesKey, "result_votes",
			collections.PairKeyCodec(collections.Uint64Key, collections.StringKey), collections.Int64Value),
		ResultCopies: collections.NewMap(sb, types.ResultCopiesKey, "result_copies",
			collections.PairKeyCodec(collections.Uint64Key, collections.StringKey), codec.CollValue[types.Result](cdc)),
		QuorumHeight: collections.NewMap(sb, types.QuorumHeightKey, "quorum_height", collections.Uint64Key, collections.Int64Value),
		OpenByCaller: collections.NewMap(sb, types.OpenByCallerKey, "open_by_caller", collections.StringKey, collections.Uint64Value),
		PruneQueue: collections.NewKeySet(sb, types.PruneQueueKey, "prune_queue",
			collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key)),
		SignatureExecutions: collections.NewMap(sb, types.SignatureExecKey, "signature_executions", collections.Uint64Key, collections.Uint64Value),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

// WithReplayer returns the keeper with r serving the Verify query's replay.
func (k Keeper) WithReplayer(r Replayer) Keeper {
	k.replayer = r
	return k
}

// GetAction loads an action by CID.
func (k Keeper) GetAction(ctx context.Context, cid string) (types.Action, error) {
	a, err := k.Actions.Get(ctx, cid)
	if errors.Is(err, collections.ErrNotFound) {
		return a, errorsmod.Wrapf(types.ErrActionNotFound, "%s", cid)
	}
	return a, err
}

// GetExecution loads an execution by id.
func (k Keeper) GetExecution(ctx context.Context, id uint64) (types.Execution, error) {
	e, err := k.Executions.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return e, errorsmod.Wrapf(types.ErrNotFound, "execution %d", id)
	}
	return e, err
}

// ExecutionOutcome is an execution as x/pkp's access conditions read it.
func (k Keeper) ExecutionOutcome(ctx context.Context, id uint64) (pkptypes.ExecutionOutcome, error) {
	e, err := k.GetExecution(ctx, id)
	if err != nil {
		return pkptypes.ExecutionOutcome{}, err
	}
	out := pkptypes.ExecutionOutcome{Cid: e.Cid, Caller: e.Caller, JsParams: e.JsParams, Completed: e.Status == types.EXECUTION_STATUS_COMPLETED}
	if e.Result != nil {
		out.Response = e.Result.Response
	}
	return out, nil
}

// Job is an open execution with its code, for the engines.
type Job struct {
	Execution types.Execution
	Code      string
	Params    types.Params
}

// Jobs lists the open executions in the fetch or run phase (read-only).
func (k Keeper) Jobs(ctx context.Context) ([]Job, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	var jobs []Job
	err = k.OpenExecutions.Walk(ctx, nil, func(id uint64) (bool, error) {
		e, err := k.Executions.Get(ctx, id)
		if err != nil {
			return true, err
		}
		if e.Status != types.EXECUTION_STATUS_FETCHING && e.Status != types.EXECUTION_STATUS_RUNNING {
			return false, nil
		}
		a, err := k.Actions.Get(ctx, e.Cid)
		if err != nil {
			return true, err
		}
		jobs = append(jobs, Job{Execution: e, Code: a.Code, Params: params})
		return false, nil
	})
	return jobs, err
}
