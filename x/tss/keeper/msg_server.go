package keeper

import (
	"context"
	"slices"

	errorsmod "cosmossdk.io/errors"

	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	"github.com/litprotocol/litd/x/tss/types"
)

type msgServer struct{ Keeper }

var _ types.MsgServer = msgServer{}

// NewMsgServerImpl returns the x/tss message server.
func NewMsgServerImpl(k Keeper) types.MsgServer { return msgServer{k} }

// Sign queues a signing request paid with the sign fee; the EndBlocker opens
// its session.
func (k msgServer) Sign(ctx context.Context, msg *types.MsgSign) (*types.MsgSignResponse, error) {
	requester, err := k.addressCodec.StringToBytes(msg.Requester)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "requester %q: %v", msg.Requester, err)
	}
	tokenID, err := pkptypes.ParseTokenID(msg.TokenId)
	if err != nil {
		return nil, err
	}
	if _, err := types.ParseDigest(msg.Digest); err != nil {
		return nil, err
	}
	p, err := k.pkp.GetPKP(ctx, tokenID)
	if err != nil {
		return nil, err
	}
	ok, scopes, err := k.pkp.IsPermittedAddress(ctx, p, tokenID, requester)
	if err != nil {
		return nil, err
	}
	// A raw digest can only be authorised by sign-anything: personal-sign
	// needs the message, which the chain does not see.
	if !ok || !slices.Contains(scopes, pkptypes.SCOPE_SIGN_ANYTHING) {
		return nil, errorsmod.Wrapf(types.ErrUnauthorized, "%s may not sign with %s", msg.Requester, p.TokenId)
	}
	canon, err := k.addressCodec.BytesToString(requester)
	if err != nil {
		return nil, err
	}
	id, err := k.requestSignature(ctx, tokenID, p.TokenId, p.KeyId, msg.Digest, canon, requester)
	if err != nil {
		return nil, err
	}
	return &types.MsgSignResponse{SignatureId: id}, nil
}

// UpdateParams sets new params; only the authority may.
func (k msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if msg.Authority != k.authority {
		return nil, errorsmod.Wrapf(types.ErrInvalidAuthority, "expected %s, got %s", k.authority, msg.Authority)
	}
	if err := msg.Params.Validate(); err != nil {
		return nil, err
	}
	return &types.MsgUpdateParamsResponse{}, k.Params.Set(ctx, msg.Params)
}
