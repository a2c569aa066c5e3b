package keeper

import (
	"context"
	"encoding/hex"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	"github.com/litprotocol/litd/x/tss/types"
)

// Querier serves the x/tss gRPC queries.
type Querier struct{ Keeper }

var _ types.QueryServer = Querier{}

// NewQuerier returns the x/tss query server.
func NewQuerier(k Keeper) Querier { return Querier{k} }

var errEmptyRequest = status.Error(codes.InvalidArgument, "empty request")

// grpcError maps typed module errors to gRPC codes.
func grpcError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, types.ErrNotFound), errors.Is(err, types.ErrNoActiveKeySet), errors.Is(err, pkptypes.ErrPKPNotFound):
		return status.Error(codes.NotFound, err.Error())
	case errors.Is(err, pkptypes.ErrInvalidTokenID):
		return status.Error(codes.InvalidArgument, err.Error())
	}
	return err
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

// KeySet returns the active root key set, or else the one DKG is producing.
func (q Querier) KeySet(ctx context.Context, req *types.QueryKeySetRequest) (*types.QueryKeySetResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	ks, err := q.ActiveKeySet(ctx)
	if errors.Is(err, types.ErrNoActiveKeySet) {
		latest, ok, lerr := q.LatestKeySet(ctx)
		if lerr != nil {
			return nil, lerr
		}
		if ok {
			return &types.QueryKeySetResponse{KeySet: latest}, nil
		}
	}
	if err != nil {
		return nil, grpcError(err)
	}
	resharing, err := q.reshareTarget(ctx)
	return &types.QueryKeySetResponse{KeySet: ks, Resharing: resharing}, err
}

// DerivedKey returns the public key of a key id under the active root.
func (q Querier) DerivedKey(ctx context.Context, req *types.QueryDerivedKeyRequest) (*types.QueryDerivedKeyResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	pk, err := q.DerivePubkey(ctx, req.KeyId)
	if err != nil {
		return nil, grpcError(err)
	}
	return &types.QueryDerivedKeyResponse{Pubkey: "0x" + hex.EncodeToString(pk)}, nil
}

// Signature returns a signing request and its signature once made.
func (q Querier) Signature(ctx context.Context, req *types.QuerySignatureRequest) (*types.QuerySignatureResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	s, err := q.GetSignature(ctx, req.Id)
	if err != nil {
		return nil, grpcError(err)
	}
	return &types.QuerySignatureResponse{Signature: s}, nil
}

// SignaturesByPKP lists a PKP's signing requests by id.
func (q Querier) SignaturesByPKP(ctx context.Context, req *types.QuerySignaturesByPKPRequest) (*types.QuerySignaturesResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	tokenID, err := pkptypes.ParseTokenID(req.TokenId)
	if err != nil {
		return nil, grpcError(err)
	}
	sigs, page, err := query.CollectionPaginate(ctx, q.Keeper.SignaturesByPKP, req.Pagination,
		func(key collections.Pair[[]byte, uint64], _ collections.NoValue) (types.Signature, error) {
			return q.Signatures.Get(ctx, key.K2())
		}, query.WithCollectionPaginationPairPrefix[[]byte, uint64](tokenID))
	if err != nil {
		return nil, err
	}
	return &types.QuerySignaturesResponse{Signatures: sigs, Pagination: page}, nil
}

// Session returns a protocol session.
func (q Querier) Session(ctx context.Context, req *types.QuerySessionRequest) (*types.QuerySessionResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	s, err := q.GetSession(ctx, req.Id)
	if err != nil {
		return nil, grpcError(err)
	}
	return &types.QuerySessionResponse{Session: s}, nil
}

// Sessions lists sessions by id, optionally only the open ones.
func (q Querier) Sessions(ctx context.Context, req *types.QuerySessionsRequest) (*types.QuerySessionsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	var (
		sessions []types.Session
		page     *query.PageResponse
		err      error
	)
	if req.OpenOnly {
		sessions, page, err = query.CollectionPaginate(ctx, q.OpenSessions, req.Pagination,
			func(id uint64, _ collections.NoValue) (types.Session, error) { return q.Keeper.Sessions.Get(ctx, id) })
	} else {
		sessions, page, err = query.CollectionPaginate(ctx, q.Keeper.Sessions, req.Pagination,
			func(_ uint64, s types.Session) (types.Session, error) { return s, nil })
	}
	if err != nil {
		return nil, err
	}
	return &types.QuerySessionsResponse{Sessions: sessions, Pagination: page}, nil
}

// EncKeys lists the registered validator encryption keys.
func (q Querier) EncKeys(ctx context.Context, req *types.QueryEncKeysRequest) (*types.QueryEncKeysResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	resp := &types.QueryEncKeysResponse{}
	err := q.Keeper.EncKeys.Walk(ctx, nil, func(_ sdk.ValAddress, k types.ValidatorEncKey) (bool, error) {
		resp.EncKeys = append(resp.EncKeys, k)
		return false, nil
	})
	return resp, err
}

// Status summarises DKG readiness, the key set, sessions and the queue.
func (q Querier) Status(ctx context.Context, req *types.QueryStatusRequest) (*types.QueryStatusResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	resp := &types.QueryStatusResponse{}
	bonded, err := q.staking.GetBondedValidatorsByPower(ctx)
	if err != nil {
		return nil, err
	}
	resp.BondedValidators = uint32(len(bonded))
	for _, v := range bonded {
		val, err := sdk.ValAddressFromBech32(v.GetOperator())
		if err != nil {
			return nil, err
		}
		has, err := q.Keeper.EncKeys.Has(ctx, val)
		if err != nil {
			return nil, err
		}
		if has {
			resp.ReadyValidators = append(resp.ReadyValidators, v.GetOperator())
		} else {
			resp.WaitingValidators = append(resp.WaitingValidators, v.GetOperator())
		}
	}
	ks, found, err := q.LatestKeySet(ctx)
	if err != nil {
		return nil, err
	}
	if active, err := q.ActiveKeySet(ctx); err == nil {
		ks, found = active, true
	}
	resp.Phase = "waiting for validators"
	if found {
		resp.KeySet = &ks
		resp.Phase = "dkg running"
		if ks.Status == types.KEY_SET_STATUS_ACTIVE {
			resp.Phase = "active"
		}
	}
	if resp.Resharing, err = q.reshareTarget(ctx); err != nil {
		return nil, err
	}
	if resp.Resharing != nil {
		resp.Phase = "resharing"
	}
	if resp.Penalized, err = q.penaltyRecords(ctx); err != nil {
		return nil, err
	}
	sessions, err := q.OpenSessionsList(ctx)
	if err != nil {
		return nil, err
	}
	resp.OpenSessions = sessions
	for _, s := range sessions {
		switch s.Type {
		case types.SESSION_TYPE_KEYGEN:
			resp.OpenKeygenSessions++
		case types.SESSION_TYPE_RESHARE:
			resp.OpenReshareSessions++
		case types.SESSION_TYPE_SIGN:
			resp.OpenSignSessions++
		case types.SESSION_TYPE_DECRYPT:
			resp.OpenDecryptSessions++
		}
	}
	err = q.SignQueue.Walk(ctx, nil, func(uint64) (bool, error) {
		resp.QueuedSignatures++
		return false, nil
	})
	return resp, err
}

// KeySetByID returns any key set, also a retired one.
func (q Querier) KeySetByID(ctx context.Context, req *types.QueryKeySetByIDRequest) (*types.QueryKeySetByIDResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	ks, err := q.KeySets.Get(ctx, req.Id)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, grpcError(errorsmod.Wrapf(types.ErrNotFound, "key set %d", req.Id))
	}
	if err != nil {
		return nil, err
	}
	return &types.QueryKeySetByIDResponse{KeySet: ks}, nil
}

// Decryption returns a decryption request and its sealed shares.
func (q Querier) Decryption(ctx context.Context, req *types.QueryDecryptionRequest) (*types.QueryDecryptionResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	d, err := q.GetDecryption(ctx, req.Id)
	if err != nil {
		return nil, grpcError(err)
	}
	return &types.QueryDecryptionResponse{Decryption: d}, nil
}

// Decryptions lists the kept decryption requests by id.
func (q Querier) Decryptions(ctx context.Context, req *types.QueryDecryptionsRequest) (*types.QueryDecryptionsResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	out, page, err := query.CollectionPaginate(ctx, q.Keeper.Decryptions, req.Pagination,
		func(_ uint64, d types.Decryption) (types.Decryption, error) { return d, nil })
	if err != nil {
		return nil, err
	}
	return &types.QueryDecryptionsResponse{Decryptions: out, Pagination: page}, nil
}
