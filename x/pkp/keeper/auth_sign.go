package keeper

import (
	"context"
	"encoding/hex"
	"errors"
	"slices"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/pkp/types"
)

// MaxPersonalMessageLength bounds the EIP-191 message of MsgSignWithAuthMethod.
const MaxPersonalMessageLength = 8192

// WebAuthnVerifyGas is charged for checking an assertion (JSON, hashes, a
// P-256 signature): what x/auth charges by default for verifying a
// secp256k1 transaction signature, about twice its P-256 cost.
const WebAuthnVerifyGas = 1000

// signRequest is the digest a MsgSignWithAuthMethod asks the PKP to sign and
// the scopes that allow it: a raw digest only sign-anything, a personal_sign
// message (hashed here, so the signer knows what it is) also personal-sign.
func signRequest(msg *types.MsgSignWithAuthMethod) ([]byte, []types.Scope, error) {
	switch {
	case msg.Digest != "" && len(msg.Message) > 0:
		return nil, nil, errorsmod.Wrap(types.ErrInvalidSignRequest, "give a digest or a message, not both")
	case msg.Digest != "":
		d, err := types.ParseDigest(msg.Digest)
		return d, []types.Scope{types.SCOPE_SIGN_ANYTHING}, err
	case len(msg.Message) > MaxPersonalMessageLength:
		return nil, nil, errorsmod.Wrapf(types.ErrInvalidSignRequest, "message is %d bytes, at most %d", len(msg.Message), MaxPersonalMessageLength)
	case len(msg.Message) > 0:
		return types.PersonalMessageDigest(msg.Message), []types.Scope{types.SCOPE_SIGN_ANYTHING, types.SCOPE_PERSONAL_SIGN}, nil
	}
	return nil, nil, errorsmod.Wrap(types.ErrInvalidSignRequest, "give a digest (scope sign-anything) or a non-empty EIP-191 message (scope personal-sign)")
}

// authMethodCounter is the replay state of an auth method on a PKP; zero
// before its first accepted request.
func (k Keeper) authMethodCounter(ctx context.Context, key collections.Pair[[]byte, []byte]) (types.AuthMethodCounter, error) {
	c, err := k.AuthMethodCounters.Get(ctx, key)
	if errors.Is(err, collections.ErrNotFound) {
		return types.AuthMethodCounter{}, nil
	}
	return c, err
}

// SignWithAuthMethod requests a PKP signature authorised by a WebAuthn
// assertion of one of the PKP's auth methods, not by the submitter, who
// needs no permission and pays the sign fee. The assertion's challenge
// commits to the chain, PKP, auth method, digest and the method's nonce; an
// accepted request advances the nonce and stores the sign count, so the
// same assertion is never accepted twice.
func (k msgServer) SignWithAuthMethod(ctx context.Context, msg *types.MsgSignWithAuthMethod) (*types.MsgSignWithAuthMethodResponse, error) {
	submitter, err := k.parseAccount("submitter", msg.Submitter)
	if err != nil {
		return nil, err
	}
	tokenID, err := types.ParseTokenID(msg.TokenId)
	if err != nil {
		return nil, err
	}
	digest, allowed, err := signRequest(msg)
	if err != nil {
		return nil, err
	}
	if err := types.ValidateAuthMethodRef(msg.AuthMethodType, msg.Id); err != nil {
		return nil, err
	}
	p, err := k.GetPKP(ctx, tokenID)
	if err != nil {
		return nil, err
	}
	authKey := types.AuthMethodKey(msg.AuthMethodType, msg.Id)
	key := collections.Join(tokenID, authKey)
	am, err := k.AuthMethods.Get(ctx, key)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, errorsmod.Wrapf(types.ErrPermissionNotFound, "auth method %d/%s is not permitted on %s", msg.AuthMethodType, msg.Id, p.TokenId)
	} else if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(am.Scopes, func(s types.Scope) bool { return slices.Contains(allowed, s) }) {
		return nil, errorsmod.Wrapf(types.ErrScopeNotPermitted, "auth method %d/%s has scopes %v; a raw digest needs SCOPE_SIGN_ANYTHING, a message SCOPE_PERSONAL_SIGN",
			am.AuthMethodType, am.Id, am.Scopes)
	}
	counter, err := k.authMethodCounter(ctx, key)
	if err != nil {
		return nil, err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	sdkCtx.GasMeter().ConsumeGas(WebAuthnVerifyGas, "webauthn assertion")
	challenge := types.WebAuthnChallenge(sdkCtx.ChainID(), tokenID, authKey, digest, counter.Nonce)
	signCount, err := am.VerifyWebAuthn(msg.Webauthn, challenge, counter.SignCount)
	if err != nil {
		return nil, err
	}
	canon, err := k.canonical(submitter)
	if err != nil {
		return nil, err
	}
	// x/tss checks its own limits and charges the fee last: a refusal there
	// writes nothing, so nothing is written here before it.
	digestHex := "0x" + hex.EncodeToString(digest)
	sigID, err := k.tss.RequestPaidSignature(ctx, tokenID, p.TokenId, p.KeyId, digestHex, "auth_method:0x"+hex.EncodeToString(authKey), submitter)
	if err != nil {
		return nil, err
	}
	ev := &types.EventSignedWithAuthMethod{
		TokenId: p.TokenId, AuthMethodType: am.AuthMethodType, Id: am.Id, Submitter: canon,
		SignatureId: sigID, Digest: digestHex, Nonce: counter.Nonce, SignCount: signCount,
	}
	counter = types.AuthMethodCounter{AuthMethodType: am.AuthMethodType, Id: am.Id, Nonce: counter.Nonce + 1, SignCount: signCount}
	if err := k.AuthMethodCounters.Set(ctx, key, counter); err != nil {
		return nil, err
	}
	return &types.MsgSignWithAuthMethodResponse{SignatureId: sigID, Digest: digestHex}, sdkCtx.EventManager().EmitTypedEvent(ev)
}

// WebAuthnChallenge is the challenge for the next MsgSignWithAuthMethod of
// digest by a WebAuthn auth method of a PKP.
func (q Querier) WebAuthnChallenge(ctx context.Context, req *types.QueryWebAuthnChallengeRequest) (*types.QueryWebAuthnChallengeResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	digest, err := types.ParseDigest(req.Digest)
	if err != nil {
		return nil, grpcError(err)
	}
	am, ok, err := q.authMethodOf(ctx, req.TokenId, req.AuthMethodType, req.Id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, status.Errorf(codes.NotFound, "auth method %d/%s is not permitted on %s", req.AuthMethodType, req.Id, req.TokenId)
	}
	if am.Webauthn == nil {
		return nil, status.Errorf(codes.FailedPrecondition, "auth method %d/%s has no webauthn settings", req.AuthMethodType, req.Id)
	}
	tokenID, err := types.ParseTokenID(req.TokenId)
	if err != nil {
		return nil, grpcError(err)
	}
	authKey := types.AuthMethodKey(req.AuthMethodType, req.Id)
	counter, err := q.authMethodCounter(ctx, collections.Join(tokenID, authKey))
	if err != nil {
		return nil, err
	}
	challenge := types.WebAuthnChallenge(sdk.UnwrapSDKContext(ctx).ChainID(), tokenID, authKey, digest, counter.Nonce)
	return &types.QueryWebAuthnChallengeResponse{Challenge: "0x" + hex.EncodeToString(challenge), Nonce: counter.Nonce, SignCount: counter.SignCount}, nil
}
