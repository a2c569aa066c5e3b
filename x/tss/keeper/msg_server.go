package keeper

import (
	"context"
	"slices"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

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
	id, err := k.requestSignature(ctx, tokenID, p.TokenId, msg.Digest, canon, requester)
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

// RequestSignature queues a signing request whose authorisation the caller
// has checked (x/actions: a permitted action, requester "action:<cid>"). It
// charges no fee: x/actions charges its own. The EndBlocker opens its session.
func (k Keeper) RequestSignature(ctx context.Context, tokenID []byte, tokenIDHex, digest, requester string) (uint64, error) {
	return k.requestSignature(ctx, tokenID, tokenIDHex, digest, requester, nil)
}

// requestSignature checks the digest, the key set and the pending-request
// caps, charges payer the sign fee (nobody if payer is nil) and only then
// queues the request, so a refused request writes nothing.
func (k Keeper) requestSignature(ctx context.Context, tokenID []byte, tokenIDHex, digest, requester string, payer sdk.AccAddress) (uint64, error) {
	if _, err := types.ParseDigest(digest); err != nil {
		return 0, err
	}
	if _, err := k.ActiveKeySet(ctx); err != nil {
		return 0, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return 0, err
	}
	mine, total, err := k.pendingCounts(ctx, requester)
	if err != nil {
		return 0, err
	}
	if mine >= params.MaxQueuedSignaturesPerRequester {
		return 0, errorsmod.Wrapf(types.ErrQueueFull, "%s has %d signature requests pending, the limit is %d; wait for them to finish",
			requester, mine, params.MaxQueuedSignaturesPerRequester)
	}
	if total >= params.MaxQueuedSignatures {
		return 0, errorsmod.Wrapf(types.ErrQueueFull, "the chain has %d signature requests pending, the limit is %d; wait for them to finish",
			total, params.MaxQueuedSignatures)
	}
	if payer != nil {
		if err := k.paySignFee(ctx, payer, params.SignFee); err != nil {
			return 0, err
		}
	}
	id, err := k.NextSignatureID.Next(ctx)
	if err != nil {
		return 0, err
	}
	sig := types.Signature{
		Id: id, TokenId: tokenIDHex, Digest: digest, Requester: requester,
		RequestHeight: sdk.UnwrapSDKContext(ctx).BlockHeight(), Status: types.SIGNATURE_STATUS_PENDING,
	}
	if err := k.Signatures.Set(ctx, id, sig); err != nil {
		return 0, err
	}
	if err := k.SignaturesByPKP.Set(ctx, collections.Join(tokenID, id)); err != nil {
		return 0, err
	}
	if err := k.SignQueue.Set(ctx, id); err != nil {
		return 0, err
	}
	if err := k.PendingByRequester.Set(ctx, requester, mine+1); err != nil {
		return 0, err
	}
	if err := k.PendingCount.Set(ctx, total+1); err != nil {
		return 0, err
	}
	return id, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(
		&types.EventSignatureRequested{SignatureId: id, TokenId: tokenIDHex, Digest: digest, Requester: requester})
}

// paySignFee moves the sign fee from payer to the fee collector.
func (k Keeper) paySignFee(ctx context.Context, payer sdk.AccAddress, fee sdk.Coin) error {
	if fee.IsZero() {
		return nil
	}
	if err := k.bank.SendCoinsFromAccountToModule(ctx, payer, k.feeCollector, sdk.NewCoins(fee)); err != nil {
		return errorsmod.Wrapf(types.ErrInsufficientFee, "sign fee %s: %v", fee, err)
	}
	return nil
}
