package keeper

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/litprotocol/litd/x/actions/types"
)

// Querier serves the x/actions gRPC queries.
type Querier struct{ Keeper }

var _ types.QueryServer = Querier{}

// NewQuerier returns the x/actions query server.
func NewQuerier(k Keeper) Querier { return Querier{k} }

var errEmptyRequest = status.Error(codes.InvalidArgument, "empty request")

func grpcError(err error) error {
	if errors.Is(err, types.ErrNotFound) || errors.Is(err, types.ErrActionNotFound) {
		return status.Error(codes.NotFound, err.Error())
	}
	return err
}

// Params returns the module parameters.
func (q Querier) Params(ctx context.Context, req *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	p, err := q.Keeper.Params.Get(ctx)
	return &types.QueryParamsResponse{Params: p}, err
}

// Action returns an action's code by CID.
func (q Querier) Action(ctx context.Context, req *types.QueryActionRequest) (*types.QueryActionResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	a, err := q.GetAction(ctx, req.Cid)
	if err != nil {
		return nil, grpcError(err)
	}
	return &types.QueryActionResponse{Action: a}, nil
}

// Execution returns an execution.
func (q Querier) Execution(ctx context.Context, req *types.QueryExecutionRequest) (*types.QueryExecutionResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	e, err := q.GetExecution(ctx, req.Id)
	if err != nil {
		return nil, grpcError(err)
	}
	return &types.QueryExecutionResponse{Execution: e}, nil
}

// Executions lists executions by id.
func (q Querier) Executions(ctx context.Context, req *types.QueryExecutionsRequest) (*types.QueryExecutionsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	es, page, err := query.CollectionPaginate(ctx, q.Keeper.Executions, req.Pagination,
		func(_ uint64, e types.Execution) (types.Execution, error) { return e, nil })
	if err != nil {
		return nil, err
	}
	return &types.QueryExecutionsResponse{Executions: es, Pagination: page}, nil
}
