package keeper

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cosmossdk.io/collections"

	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/litprotocol/litd/x/actions/types"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
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

// Verify checks a signature's provenance: what it recovers to, which action made it, whether the
// PKP can only ever be used by that action, and whether a replay reproduces the recorded result.
func (q Querier) Verify(ctx context.Context, req *types.QueryVerifyRequest) (*types.QueryVerifyResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	sig, err := q.tss.GetSignature(ctx, req.SignatureId)
	if err != nil {
		if errors.Is(err, tsstypes.ErrNotFound) {
			return nil, status.Errorf(codes.NotFound, "signature %d not found", req.SignatureId)
		}
		return nil, err
	}
	if sig.Status != tsstypes.SIGNATURE_STATUS_SIGNED {
		return nil, status.Errorf(codes.FailedPrecondition, "signature %d is %s, not signed", req.SignatureId, sig.Status)
	}
	resp := &types.QueryVerifyResponse{SignatureId: sig.Id, TokenId: sig.TokenId, Digest: sig.Digest, R: sig.R, S: sig.S, V: sig.V,
		Requester: sig.Requester}
	tokenID, err := pkptypes.ParseTokenID(sig.TokenId)
	if err != nil {
		return nil, err
	}
	p, err := q.pkp.GetPKP(ctx, tokenID)
	if err != nil {
		return nil, err
	}
	pub, err := pkptypes.ParsePubkey(p.Pubkey)
	if err != nil {
		return nil, err
	}
	resp.PkpEthAddress = pkptypes.EthAddressChecksum(pkptypes.EthAddressBytes(pub))
	if rec, err := recoverSigner(sig); err == nil {
		resp.RecoveredAddress = pkptypes.EthAddressChecksum(pkptypes.EthAddressBytes(rec))
		resp.SignatureValid = rec.IsEqual(pub)
	}
	resp.MintGrantBurn = p.MintGrantBurn
	execID, err := q.SignatureExecutions.Get(ctx, sig.Id)
	if errors.Is(err, collections.ErrNotFound) {
		resp.Replay.Error = "not made by an action: requested by " + sig.Requester
		return resp, nil
	}
	if err != nil {
		return nil, err
	}
	e, err := q.GetExecution(ctx, execID)
	if err != nil {
		return nil, err
	}
	a, err := q.GetAction(ctx, e.Cid)
	if err != nil {
		return nil, err
	}
	code := sha256.Sum256([]byte(a.Code))
	resp.ExecutionId, resp.ActionCid, resp.CodeSha256 = e.Id, e.Cid, hex.EncodeToString(code[:])
	resp.ActionMade = sig.Requester == "action:"+e.Cid
	resp.CidMatchesCode = types.CID([]byte(a.Code)) == e.Cid
	actions, addrs, auths, err := q.pkp.PermissionsOf(ctx, tokenID)
	if err != nil {
		return nil, err
	}
	resp.OnlyAction = p.Burned && len(actions) == 1 && actions[0].Cid == e.Cid && len(addrs) == 0 && len(auths) == 0
	// An execution that requested a signature is never pruned: verification replays it.
	if q.replayer == nil {
		resp.Replay = types.ReplayReport{ExecutionId: e.Id, RecordedDigest: e.ResultDigest, Error: "this node does not offer replays; run `litd q actions replay` locally"}
	} else {
		params, err := q.Keeper.Params.Get(ctx)
		if err != nil {
			return nil, err
		}
		resp.Replay = q.replayer.Replay(ctx, e, a.Code, params)
	}
	resp.Verified = resp.AllChecks()
	return resp, nil
}

// recoverSigner is ecrecover: the public key that made (r, s) over the digest with recovery id v-27.
func recoverSigner(sig tsstypes.Signature) (*secp256k1.PublicKey, error) {
	digest, err := tsstypes.ParseDigest(sig.Digest)
	if err != nil {
		return nil, err
	}
	r, err := hex.DecodeString(strings.TrimPrefix(sig.R, "0x"))
	if err != nil || len(r) != 32 {
		return nil, fmt.Errorf("bad r")
	}
	s, err := hex.DecodeString(strings.TrimPrefix(sig.S, "0x"))
	if err != nil || len(s) != 32 || (sig.V != 27 && sig.V != 28) {
		return nil, fmt.Errorf("bad s or v")
	}
	compact := append(append([]byte{byte(sig.V)}, r...), s...)
	pub, _, err := ecdsa.RecoverCompact(compact, digest)
	return pub, err
}
