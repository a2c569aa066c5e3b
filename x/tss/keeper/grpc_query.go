package keeper

import (
	"context"
	"encoding/hex"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/litprotocol/litd/x/tss/types"
)

// Querier serves the x/tss gRPC queries.
type Querier struct{ Keeper }

var _ types.QueryServer = Querier{}

// NewQuerier returns the x/tss query server.
func NewQuerier(k Keeper) Querier { return Querier{k} }

// KeySet returns the active root key set.
func (q Querier) KeySet(ctx context.Context, req *types.QueryKeySetRequest) (*types.QueryKeySetResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	ks, err := q.ActiveKeySet(ctx)
	if errors.Is(err, types.ErrNoActiveKeySet) {
		return nil, status.Error(codes.NotFound, err.Error())
	}
	if err != nil {
		return nil, err
	}
	return &types.QueryKeySetResponse{KeySet: ks}, nil
}

// DerivedKey returns the public key of a key id under the active root.
func (q Querier) DerivedKey(ctx context.Context, req *types.QueryDerivedKeyRequest) (*types.QueryDerivedKeyResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	pk, err := q.DerivePubkey(ctx, req.KeyId)
	if errors.Is(err, types.ErrNoActiveKeySet) {
		return nil, status.Error(codes.NotFound, err.Error())
	}
	if err != nil {
		return nil, err
	}
	return &types.QueryDerivedKeyResponse{Pubkey: "0x" + hex.EncodeToString(pk)}, nil
}
