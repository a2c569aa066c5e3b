package keeper

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/litprotocol/litd/x/pkp/types"
)

// Querier serves the x/pkp gRPC queries.
type Querier struct{ Keeper }

var _ types.QueryServer = Querier{}

// NewQuerier returns the x/pkp query server.
func NewQuerier(k Keeper) Querier { return Querier{k} }

var errEmptyRequest = status.Error(codes.InvalidArgument, "empty request")

// grpcError maps typed module errors to gRPC codes clients can act on.
func grpcError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, types.ErrPKPNotFound):
		return status.Error(codes.NotFound, err.Error())
	case errors.Is(err, types.ErrInvalidTokenID), errors.Is(err, types.ErrInvalidPubkey),
		errors.Is(err, types.ErrInvalidEthAddress), errors.Is(err, types.ErrInvalidCID),
		errors.Is(err, types.ErrInvalidAddress), errors.Is(err, types.ErrInvalidAuthMethod),
		errors.Is(err, types.ErrInvalidSignRequest), errors.Is(err, types.ErrInvalidSessionKey):
		return status.Error(codes.InvalidArgument, err.Error())
	}
	return err
}

func (q Querier) view(ctx context.Context, tokenID []byte) (*types.QueryPKPResponse, error) {
	p, err := q.GetPKP(ctx, tokenID)
	if err != nil {
		return nil, grpcError(err)
	}
	v, err := q.View(p)
	if err != nil {
		return nil, err
	}
	return &types.QueryPKPResponse{Pkp: v}, nil
}

// Params returns the module parameters.
func (q Querier) Params(ctx context.Context, req *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	p, err := q.Keeper.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	return &types.QueryParamsResponse{Params: p}, nil
}

// PKP returns a PKP by token id.
func (q Querier) PKP(ctx context.Context, req *types.QueryPKPRequest) (*types.QueryPKPResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	tokenID, err := types.ParseTokenID(req.TokenId)
	if err != nil {
		return nil, grpcError(err)
	}
	return q.view(ctx, tokenID)
}

// PKPs lists every PKP by token id.
func (q Querier) PKPs(ctx context.Context, req *types.QueryPKPsRequest) (*types.QueryPKPsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	views, page, err := query.CollectionPaginate(ctx, q.Keeper.PKPs, req.Pagination,
		func(_ []byte, p types.PKP) (types.PKPView, error) { return q.View(p) })
	if err != nil {
		return nil, err
	}
	return &types.QueryPKPsResponse{Pkps: views, Pagination: page}, nil
}

// PKPByPubkey returns a PKP by its public key.
func (q Querier) PKPByPubkey(ctx context.Context, req *types.QueryPKPByPubkeyRequest) (*types.QueryPKPResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	pk, err := types.ParsePubkey(req.Pubkey)
	if err != nil {
		return nil, grpcError(err)
	}
	return q.view(ctx, types.TokenIDFromPubkey(pk))
}

// PKPByEthAddress returns a PKP by the Ethereum address of its key.
func (q Querier) PKPByEthAddress(ctx context.Context, req *types.QueryPKPByEthAddressRequest) (*types.QueryPKPResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	addr, err := types.ParseEthAddress(req.EthAddress)
	if err != nil {
		return nil, grpcError(err)
	}
	tokenID, err := q.ByEthAddress.Get(ctx, addr)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Errorf(codes.NotFound, "no pkp has ethereum address %s", req.EthAddress)
	}
	if err != nil {
		return nil, err
	}
	return q.view(ctx, tokenID)
}

// PKPsByOwner lists an account's PKPs by token id.
func (q Querier) PKPsByOwner(ctx context.Context, req *types.QueryPKPsByOwnerRequest) (*types.QueryPKPsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	owner, err := q.parseAccount("owner", req.Owner)
	if err != nil {
		return nil, grpcError(err)
	}
	views, page, err := query.CollectionPaginate(ctx, q.ByOwner, req.Pagination,
		func(key collections.Pair[sdk.AccAddress, []byte], _ collections.NoValue) (types.PKPView, error) {
			return q.viewOf(ctx, key.K2())
		}, query.WithCollectionPaginationPairPrefix[sdk.AccAddress, []byte](owner))
	if err != nil {
		return nil, err
	}
	return &types.QueryPKPsResponse{Pkps: views, Pagination: page}, nil
}

func (q Querier) viewOf(ctx context.Context, tokenID []byte) (types.PKPView, error) {
	p, err := q.GetPKP(ctx, tokenID)
	if err != nil {
		return types.PKPView{}, err
	}
	return q.View(p)
}

// PKPsByAuthMethod lists the PKPs an auth method is permitted on.
func (q Querier) PKPsByAuthMethod(ctx context.Context, req *types.QueryPKPsByAuthMethodRequest) (*types.QueryPKPsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	if err := types.ValidateAuthMethodRef(req.AuthMethodType, req.Id); err != nil {
		return nil, grpcError(err)
	}
	return q.pkpsByAuthMethodKey(ctx, types.AuthMethodKey(req.AuthMethodType, req.Id), req.Pagination)
}

// PKPsByAuthMethodId lists the PKPs an auth method is permitted on, by Lit's
// auth method id.
func (q Querier) PKPsByAuthMethodId(ctx context.Context, req *types.QueryPKPsByAuthMethodIdRequest) (*types.QueryPKPsResponse, error) { //nolint:revive // the RPC's name, as Lit spells it
	if req == nil {
		return nil, errEmptyRequest
	}
	key, err := hex.DecodeString(strings.TrimPrefix(strings.ToLower(req.AuthMethodId), "0x"))
	if err != nil || len(key) != 32 {
		return nil, grpcError(errorsmod.Wrap(types.ErrInvalidAuthMethod, "auth_method_id must be 32 bytes, 0x-hex (keccak256(abi.encode(uint256 type, bytes id)))"))
	}
	return q.pkpsByAuthMethodKey(ctx, key, req.Pagination)
}

func (q Querier) pkpsByAuthMethodKey(ctx context.Context, key []byte, pagination *query.PageRequest) (*types.QueryPKPsResponse, error) {
	views, page, err := query.CollectionPaginate(ctx, q.ByAuthMethod, pagination,
		func(k collections.Pair[[]byte, []byte], _ collections.NoValue) (types.PKPView, error) {
			return q.viewOf(ctx, k.K2())
		}, query.WithCollectionPaginationPairPrefix[[]byte, []byte](key))
	if err != nil {
		return nil, err
	}
	return &types.QueryPKPsResponse{Pkps: views, Pagination: page}, nil
}

// permissions lists a PKP's permissions in key order.
// PermissionsOf lists a PKP's permitted actions, addresses and auth methods (x/actions' verify).
func (k Keeper) PermissionsOf(ctx context.Context, tokenID []byte) ([]types.PermittedAction, []types.PermittedAddress, []types.AuthMethod, error) {
	return k.permissions(ctx, tokenID)
}

func (k Keeper) permissions(ctx context.Context, tokenID []byte) ([]types.PermittedAction, []types.PermittedAddress, []types.AuthMethod, error) {
	actions, _, err := firstOf(ctx, k.PermittedActions, tokenID, -1)
	if err != nil {
		return nil, nil, nil, err
	}
	addresses, _, err := firstOf(ctx, k.PermittedAddresses, tokenID, -1)
	if err != nil {
		return nil, nil, nil, err
	}
	auth, _, err := firstOf(ctx, k.AuthMethods, tokenID, -1)
	return actions, addresses, auth, err
}

// Permissions returns every permission of a PKP.
func (q Querier) Permissions(ctx context.Context, req *types.QueryPermissionsRequest) (*types.QueryPermissionsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	tokenID, err := types.ParseTokenID(req.TokenId)
	if err != nil {
		return nil, grpcError(err)
	}
	p, err := q.GetPKP(ctx, tokenID)
	if err != nil {
		return nil, grpcError(err)
	}
	actions, addresses, auth, err := q.permissions(ctx, tokenID)
	if err != nil {
		return nil, err
	}
	return &types.QueryPermissionsResponse{
		TokenId: p.TokenId, Owner: p.Owner, Burned: p.Burned,
		Actions: actions, Addresses: addresses, AuthMethods: auth,
	}, nil
}

// IsPermittedAction tells whether an action may sign with a PKP.
func (q Querier) IsPermittedAction(ctx context.Context, req *types.QueryIsPermittedActionRequest) (*types.QueryIsPermittedResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	tokenID, err := types.ParseTokenID(req.TokenId)
	if err != nil {
		return nil, grpcError(err)
	}
	if err := types.ValidateCID(req.ActionCid); err != nil {
		return nil, grpcError(err)
	}
	if _, err := q.GetPKP(ctx, tokenID); err != nil {
		return nil, grpcError(err)
	}
	ok, scopes, err := q.Keeper.IsPermittedAction(ctx, tokenID, req.ActionCid)
	if err != nil {
		return nil, err
	}
	return &types.QueryIsPermittedResponse{Permitted: ok, Scopes: scopes}, nil
}

// IsPermittedAddress tells whether an account may sign with a PKP.
func (q Querier) IsPermittedAddress(ctx context.Context, req *types.QueryIsPermittedAddressRequest) (*types.QueryIsPermittedResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	tokenID, err := types.ParseTokenID(req.TokenId)
	if err != nil {
		return nil, grpcError(err)
	}
	addr, err := q.parseAccount("address", req.Address)
	if err != nil {
		return nil, grpcError(err)
	}
	p, err := q.GetPKP(ctx, tokenID)
	if err != nil {
		return nil, grpcError(err)
	}
	ok, scopes, err := q.Keeper.IsPermittedAddress(ctx, p, tokenID, addr)
	if err != nil {
		return nil, err
	}
	return &types.QueryIsPermittedResponse{Permitted: ok, Scopes: scopes}, nil
}

// IsPermittedAuthMethod tells whether an auth method may act for a PKP.
func (q Querier) IsPermittedAuthMethod(ctx context.Context, req *types.QueryIsPermittedAuthMethodRequest) (*types.QueryIsPermittedResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	am, ok, err := q.authMethodOf(ctx, req.TokenId, req.AuthMethodType, req.Id)
	if err != nil || !ok {
		return &types.QueryIsPermittedResponse{}, err
	}
	return &types.QueryIsPermittedResponse{Permitted: true, Scopes: am.Scopes}, nil
}

// UserPubkeyForAuthMethod returns the user_pubkey a PKP stores with an auth
// method ("" when it has none or does not permit the method).
func (q Querier) UserPubkeyForAuthMethod(ctx context.Context, req *types.QueryUserPubkeyForAuthMethodRequest) (*types.QueryUserPubkeyForAuthMethodResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	am, _, err := q.authMethodOf(ctx, req.TokenId, req.AuthMethodType, req.Id)
	if err != nil {
		return nil, err
	}
	return &types.QueryUserPubkeyForAuthMethodResponse{UserPubkey: am.UserPubkey}, nil
}

// authMethodOf reads a PKP's auth method; ok is false when the PKP exists
// but does not permit it.
func (q Querier) authMethodOf(ctx context.Context, tokenIDHex string, typ uint64, id string) (types.AuthMethod, bool, error) {
	if err := types.ValidateAuthMethodRef(typ, id); err != nil {
		return types.AuthMethod{}, false, grpcError(err)
	}
	tokenID, err := types.ParseTokenID(tokenIDHex)
	if err != nil {
		return types.AuthMethod{}, false, grpcError(err)
	}
	if _, err := q.GetPKP(ctx, tokenID); err != nil {
		return types.AuthMethod{}, false, grpcError(err)
	}
	return q.authMethod(ctx, tokenID, typ, id)
}

// Provenance tells whether a PKP came from Mint/Grant/Burn and which action
// alone may sign with it.
func (q Querier) Provenance(ctx context.Context, req *types.QueryProvenanceRequest) (*types.QueryProvenanceResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	tokenID, err := types.ParseTokenID(req.TokenId)
	if err != nil {
		return nil, grpcError(err)
	}
	p, err := q.GetPKP(ctx, tokenID)
	if err != nil {
		return nil, grpcError(err)
	}
	actions, _, _, err := q.permissions(ctx, tokenID)
	if err != nil {
		return nil, err
	}
	resp := &types.QueryProvenanceResponse{
		TokenId: p.TokenId, MintGrantBurn: p.MintGrantBurn, Burned: p.Burned,
		MintedHeight: p.MintedHeight, Actions: actions,
	}
	if p.MintGrantBurn && len(actions) == 1 {
		resp.ActionCid = actions[0].Cid
	}
	return resp, nil
}
