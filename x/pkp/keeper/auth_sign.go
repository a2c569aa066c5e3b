package keeper

import (
	"context"
	"encoding/hex"
	"errors"
	"slices"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/litprotocol/litd/x/pkp/types"
)

// MaxPersonalMessageLength bounds the EIP-191 message of MsgSignWithAuthMethod.
const MaxPersonalMessageLength = 8192

// Gas charged before a proof is checked. A WebAuthn assertion (JSON, hashes,
// a P-256 signature) or a session signature costs what x/auth charges by
// default for a secp256k1 transaction signature, about twice its cost; an
// OIDC token three times that (an RSA-4096 verification and two JSON
// objects).
const (
	WebAuthnVerifyGas = 1000
	SessionVerifyGas  = 1000
	JWTVerifyGas      = 3000
)

// Proof kinds, as events name them.
const (
	proofWebAuthn = "webauthn"
	proofJWT      = "jwt"
	proofSession  = "session"
)

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

// proofKind names the one kind of proof p carries.
func proofKind(p *types.AuthProof) (string, error) {
	var kinds []string
	if p != nil && p.Webauthn != nil {
		kinds = append(kinds, proofWebAuthn)
	}
	if p != nil && p.Jwt != "" {
		kinds = append(kinds, proofJWT)
	}
	if p != nil && p.Session != nil {
		kinds = append(kinds, proofSession)
	}
	if len(kinds) != 1 {
		return "", errorsmod.Wrapf(types.ErrInvalidAuthProof, "give exactly one proof (webauthn, jwt or session), got %v", kinds)
	}
	return kinds[0], nil
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

// authTarget is an auth method on one PKP with its replay state.
type authTarget struct {
	tokenID []byte
	pkp     types.PKP
	am      types.AuthMethod
	counter types.AuthMethodCounter
}

// authTargets loads the auth method (typ, id) on each PKP: every PKP must
// exist, once, and permit the auth method.
func (k Keeper) authTargets(ctx context.Context, typ uint64, id string, tokenIDs []string) ([]authTarget, error) {
	if err := types.ValidateAuthMethodRef(typ, id); err != nil {
		return nil, err
	}
	authKey := types.AuthMethodKey(typ, id)
	out := make([]authTarget, 0, len(tokenIDs))
	for _, s := range tokenIDs {
		tokenID, err := types.ParseTokenID(s)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(out, func(t authTarget) bool { return string(t.tokenID) == string(tokenID) }) {
			return nil, errorsmod.Wrapf(types.ErrInvalidTokenID, "%s is named twice", s)
		}
		p, err := k.GetPKP(ctx, tokenID)
		if err != nil {
			return nil, err
		}
		am, ok, err := k.authMethod(ctx, tokenID, typ, id)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errorsmod.Wrapf(types.ErrPermissionNotFound, "auth method %d/%s is not permitted on %s", typ, id, p.TokenId)
		}
		counter, err := k.authMethodCounter(ctx, collections.Join(tokenID, authKey))
		if err != nil {
			return nil, err
		}
		out = append(out, authTarget{tokenID: tokenID, pkp: p, am: am, counter: counter})
	}
	return out, nil
}

// challenge is the AuthChallenge for a request on targets.
func challenge(ctx context.Context, purpose types.AuthPurpose, targets []authTarget, payload []byte) []byte {
	ids, nonces := make([][]byte, len(targets)), make([]uint64, len(targets))
	for i, t := range targets {
		ids[i], nonces[i] = t.tokenID, t.counter.Nonce
	}
	am := targets[0].am
	return types.AuthChallenge(sdk.UnwrapSDKContext(ctx).ChainID(), purpose, types.AuthMethodKey(am.AuthMethodType, am.Id), ids, nonces, payload)
}

// proofResult is what an accepted proof tells: the WebAuthn sign count to
// store, the session key that signed (if one did) and the application the
// credential belongs to (a passkey's RP ID, a token's aud), if known.
type proofResult struct {
	signCount uint32
	session   []byte
	appID     string
	// issuer and kid: the OIDC issuer and key of an accepted token.
	issuer, kid string
}

// verifyProof checks that proof (of kind) signs chal for the auth method of
// t, charging its gas first. A session proof must come from a live session
// key of that auth method on that PKP with capability need (or, when
// onlyPubkey is set, be that very key).
func (k Keeper) verifyProof(ctx context.Context, t authTarget, kind string, proof *types.AuthProof, chal []byte,
	need types.SessionCapability, onlyPubkey []byte,
) (proofResult, error) {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	res := proofResult{signCount: t.counter.SignCount}
	if t.am.Webauthn != nil {
		res.appID = t.am.Webauthn.RpId
	}
	switch kind {
	case proofWebAuthn:
		sdkCtx.GasMeter().ConsumeGas(WebAuthnVerifyGas, "webauthn assertion")
		count, err := t.am.VerifyWebAuthn(proof.Webauthn, chal, t.counter.SignCount)
		res.signCount = count
		return res, err
	case proofJWT:
		sdkCtx.GasMeter().ConsumeGas(JWTVerifyGas, "oidc token")
		params, err := k.Params.Get(ctx)
		if err != nil {
			return res, err
		}
		who, err := types.VerifyJWT(proof.Jwt, params.OidcIssuers, t.am.AuthMethodType, types.AuthMethodIDBytes(t.am.Id), chal, sdkCtx.BlockTime().Unix())
		res.appID, res.issuer, res.kid = who.Aud, who.Iss, who.Kid
		return res, err
	}
	sdkCtx.GasMeter().ConsumeGas(SessionVerifyGas, "session signature")
	pub, err := types.ParseSessionPubkey(proof.Session.Pubkey)
	if err != nil {
		return res, err
	}
	if onlyPubkey != nil && string(pub) != string(onlyPubkey) {
		return res, errorsmod.Wrap(types.ErrInvalidSessionKey, "only the session key being revoked, or a WebAuthn or OIDC proof, may revoke it")
	}
	s, err := k.SessionKeys.Get(ctx, collections.Join(t.tokenID, pub))
	if errors.Is(err, collections.ErrNotFound) {
		return res, errorsmod.Wrapf(types.ErrInvalidSessionKey, "no session key %s on %s (never authorised, revoked, or its auth method removed)", proof.Session.Pubkey, t.pkp.TokenId)
	} else if err != nil {
		return res, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return res, err
	}
	now := sdkCtx.BlockTime().Unix()
	switch {
	case s.AuthMethodType != t.am.AuthMethodType || string(types.AuthMethodIDBytes(s.Id)) != string(types.AuthMethodIDBytes(t.am.Id)):
		return res, errorsmod.Wrapf(types.ErrInvalidSessionKey, "session key %s belongs to auth method %d/%s", s.Pubkey, s.AuthMethodType, s.Id)
	case now >= s.ExpiresAt:
		return res, errorsmod.Wrapf(types.ErrInvalidSessionKey, "session key %s expired at %d; block time is %d", s.Pubkey, s.ExpiresAt, now)
	case params.MaxSessionSeconds == 0:
		return res, errorsmod.Wrap(types.ErrInvalidSessionKey, "session keys are disabled on this chain (params.max_session_seconds = 0)")
	case uint64(now-s.AuthorizedAt) >= params.MaxSessionSeconds:
		return res, errorsmod.Wrapf(types.ErrInvalidSessionKey, "session key %s was authorised at %d, params.max_session_seconds (%d) ago or more", s.Pubkey, s.AuthorizedAt, params.MaxSessionSeconds)
	case s.Issuer != "" && !issuerTrusts(params.OidcIssuers, s.Issuer, s.Kid):
		return res, errorsmod.Wrapf(types.ErrInvalidSessionKey, "session key %s was authorised by a token of issuer %q key %q, which params.oidc_issuers no longer trust", s.Pubkey, s.Issuer, s.Kid)
	case need != types.SESSION_CAPABILITY_UNSPECIFIED && !s.Allows(need):
		return res, errorsmod.Wrapf(types.ErrInvalidSessionKey, "session key %s has capabilities %v, not %s", s.Pubkey, s.Capabilities, need)
	}
	res.session = pub
	return res, types.VerifySessionSignature(pub, chal, proof.Session.Signature)
}

// issuerTrusts says whether issuers still hold issuer's key kid.
func issuerTrusts(issuers []types.OIDCIssuer, issuer, kid string) bool {
	i := slices.IndexFunc(issuers, func(o types.OIDCIssuer) bool { return o.Issuer == issuer })
	return i >= 0 && slices.ContainsFunc(issuers[i].Keys, func(k types.JWK) bool { return k.Kid == kid })
}

// advance stores t's counter after an accepted request: the nonce moves on
// and the WebAuthn sign count is the one just accepted.
func (k Keeper) advance(ctx context.Context, t authTarget, signCount uint32) error {
	return k.AuthMethodCounters.Set(ctx, collections.Join(t.tokenID, types.AuthMethodKey(t.am.AuthMethodType, t.am.Id)),
		types.AuthMethodCounter{AuthMethodType: t.am.AuthMethodType, Id: t.am.Id, Nonce: t.counter.Nonce + 1, SignCount: signCount})
}

// SignWithAuthMethod requests a PKP signature authorised by a proof of one
// of the PKP's auth methods (a WebAuthn assertion, an OIDC token, or a
// session key's signature), not by the submitter, who needs no permission
// and pays the sign fee. The proof's challenge commits to the chain, PKP,
// auth method, digest and the method's nonce; an accepted request advances
// the nonce, so the same proof is never accepted twice.
func (k msgServer) SignWithAuthMethod(ctx context.Context, msg *types.MsgSignWithAuthMethod) (*types.MsgSignWithAuthMethodResponse, error) {
	submitter, err := k.parseAccount("submitter", msg.Submitter)
	if err != nil {
		return nil, err
	}
	digest, allowed, err := signRequest(msg)
	if err != nil {
		return nil, err
	}
	kind, err := proofKind(msg.Proof)
	if err != nil {
		return nil, err
	}
	targets, err := k.authTargets(ctx, msg.AuthMethodType, msg.Id, []string{msg.TokenId})
	if err != nil {
		return nil, err
	}
	t := targets[0]
	if !slices.ContainsFunc(t.am.Scopes, func(s types.Scope) bool { return slices.Contains(allowed, s) }) {
		return nil, errorsmod.Wrapf(types.ErrScopeNotPermitted, "auth method %d/%s has scopes %v; a raw digest needs SCOPE_SIGN_ANYTHING, a message SCOPE_PERSONAL_SIGN",
			t.am.AuthMethodType, t.am.Id, t.am.Scopes)
	}
	chal := challenge(ctx, types.AUTH_PURPOSE_SIGN, targets, types.SignPayload(digest))
	proved, err := k.verifyProof(ctx, t, kind, msg.Proof, chal, types.SESSION_CAPABILITY_SIGN, nil)
	if err != nil {
		return nil, err
	}
	canon, err := k.canonical(submitter)
	if err != nil {
		return nil, err
	}
	// x/tss checks its own limits and charges the fee last: a refusal there
	// writes nothing, so nothing is written here before it.
	// The requester, which x/tss caps queued requests by, names the PKP too:
	// anyone may put a victim's auth method id on their own PKP, and must
	// not fill the victim's queue with it.
	digestHex := "0x" + hex.EncodeToString(digest)
	requester := "auth_method:" + t.pkp.TokenId + ":0x" + hex.EncodeToString(types.AuthMethodKey(t.am.AuthMethodType, t.am.Id))
	sigID, err := k.tss.RequestPaidSignature(ctx, t.tokenID, t.pkp.TokenId, t.pkp.KeyId, digestHex, requester, submitter)
	if err != nil {
		return nil, err
	}
	if err := k.advance(ctx, t, proved.signCount); err != nil {
		return nil, err
	}
	ev := &types.EventSignedWithAuthMethod{
		TokenId: t.pkp.TokenId, AuthMethodType: t.am.AuthMethodType, Id: t.am.Id, Submitter: canon,
		SignatureId: sigID, Digest: digestHex, Nonce: t.counter.Nonce, SignCount: proved.signCount, Proof: kind,
	}
	if proved.session != nil {
		ev.SessionPubkey = "0x" + hex.EncodeToString(proved.session)
	}
	return &types.MsgSignWithAuthMethodResponse{SignatureId: sigID, Digest: digestHex}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(ev)
}

// sessionRequest is a validated session to authorise.
type sessionRequest struct {
	pubkey []byte
	caps   []types.SessionCapability
}

// validateSession checks a session's key, capabilities and expiry against
// the block time and params.
func (k Keeper) validateSession(ctx context.Context, pubkeyHex string, caps []types.SessionCapability, expiresAt int64) (sessionRequest, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return sessionRequest{}, err
	}
	if params.MaxSessionSeconds == 0 {
		return sessionRequest{}, errorsmod.Wrap(types.ErrInvalidSessionKey, "session keys are disabled on this chain (params.max_session_seconds = 0)")
	}
	pub, err := types.ParseSessionPubkey(pubkeyHex)
	if err != nil {
		return sessionRequest{}, err
	}
	if err := types.ValidateSessionCapabilities(caps); err != nil {
		return sessionRequest{}, err
	}
	now := sdk.UnwrapSDKContext(ctx).BlockTime().Unix()
	if expiresAt <= now || uint64(expiresAt-now) > params.MaxSessionSeconds {
		return sessionRequest{}, errorsmod.Wrapf(types.ErrInvalidSessionKey, "expires_at %d must be after block time %d and at most params.max_session_seconds (%d) later",
			expiresAt, now, params.MaxSessionSeconds)
	}
	sorted := slices.Clone(caps)
	slices.Sort(sorted)
	return sessionRequest{pubkey: pub, caps: sorted}, nil
}

// AuthorizeSessionKey stores a session key for each named PKP after one
// WebAuthn or OIDC proof of the auth method over a challenge committing to
// the key, its capabilities, its expiry and the method's nonce on every PKP.
func (k msgServer) AuthorizeSessionKey(ctx context.Context, msg *types.MsgAuthorizeSessionKey) (*types.MsgAuthorizeSessionKeyResponse, error) {
	submitter, err := k.parseAccount("submitter", msg.Submitter)
	if err != nil {
		return nil, err
	}
	if len(msg.TokenIds) == 0 || len(msg.TokenIds) > types.MaxSessionPKPs {
		return nil, errorsmod.Wrapf(types.ErrInvalidSessionKey, "a session names 1 to %d PKPs, got %d", types.MaxSessionPKPs, len(msg.TokenIds))
	}
	req, err := k.validateSession(ctx, msg.SessionPubkey, msg.Capabilities, msg.ExpiresAt)
	if err != nil {
		return nil, err
	}
	kind, err := proofKind(msg.Proof)
	if err != nil {
		return nil, err
	}
	if kind == proofSession {
		return nil, errorsmod.Wrap(types.ErrInvalidAuthProof, "a session key cannot authorise another: give a webauthn or jwt proof")
	}
	targets, err := k.authTargets(ctx, msg.AuthMethodType, msg.Id, msg.TokenIds)
	if err != nil {
		return nil, err
	}
	chal := challenge(ctx, types.AUTH_PURPOSE_AUTHORIZE_SESSION, targets, types.SessionPayload(req.pubkey, req.caps, msg.ExpiresAt))
	proofs := make([]proofResult, len(targets))
	for i, t := range targets {
		if proofs[i], err = k.verifyProof(ctx, t, kind, msg.Proof, chal, types.SESSION_CAPABILITY_UNSPECIFIED, nil); err != nil {
			return nil, err
		}
	}
	// Check room on every PKP before writing anything.
	for _, t := range targets {
		if err := k.makeRoomForSession(ctx, t, req.pubkey, false); err != nil {
			return nil, err
		}
	}
	canon, err := k.canonical(submitter)
	if err != nil {
		return nil, err
	}
	pubHex := "0x" + hex.EncodeToString(req.pubkey)
	now := sdk.UnwrapSDKContext(ctx).BlockTime().Unix()
	tokenIDs := make([]string, len(targets))
	for i, t := range targets {
		tokenIDs[i] = t.pkp.TokenId
		if err := k.makeRoomForSession(ctx, t, req.pubkey, true); err != nil {
			return nil, err
		}
		s := types.SessionKey{TokenId: t.pkp.TokenId, Pubkey: pubHex, AuthMethodType: t.am.AuthMethodType, Id: t.am.Id, Capabilities: req.caps,
			ExpiresAt: msg.ExpiresAt, AuthorizedAt: now, Issuer: proofs[i].issuer, Kid: proofs[i].kid}
		if err := k.SessionKeys.Set(ctx, collections.Join(t.tokenID, req.pubkey), s); err != nil {
			return nil, err
		}
		if err := k.advance(ctx, t, proofs[i].signCount); err != nil {
			return nil, err
		}
	}
	return &types.MsgAuthorizeSessionKeyResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventSessionKeyAuthorized{
		TokenIds: tokenIDs, AuthMethodType: targets[0].am.AuthMethodType, Id: targets[0].am.Id, SessionPubkey: pubHex,
		Capabilities: req.caps, ExpiresAt: msg.ExpiresAt, Submitter: canon, Proof: kind,
	})
}

// makeRoomForSession makes sure t's PKP can hold the session key pubkey for
// t's auth method (replacing its own key takes no room; another auth
// method's is refused): with prune set it removes the PKP's expired session
// keys; without, it only checks that enough of them are live or expired to
// fit.
func (k Keeper) makeRoomForSession(ctx context.Context, t authTarget, pubkey []byte, prune bool) error {
	now := sdk.UnwrapSDKContext(ctx).BlockTime().Unix()
	authKey := types.AuthMethodKey(t.am.AuthMethodType, t.am.Id)
	var expired [][]byte
	live, replacing := 0, false
	tokenID := t.tokenID
	rng := collections.NewPrefixedPairRange[[]byte, []byte](tokenID)
	err := k.SessionKeys.Walk(ctx, rng, func(key collections.Pair[[]byte, []byte], s types.SessionKey) (bool, error) {
		switch {
		case string(key.K2()) == string(pubkey) && string(types.AuthMethodKey(s.AuthMethodType, s.Id)) != string(authKey):
			return true, errorsmod.Wrapf(types.ErrInvalidSessionKey, "session key %s belongs to auth method %d/%s on %s: only its own auth method may authorise it again",
				s.Pubkey, s.AuthMethodType, s.Id, t.pkp.TokenId)
		case string(key.K2()) == string(pubkey):
			replacing = true
		case now >= s.ExpiresAt:
			expired = append(expired, key.K2())
		default:
			live++
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	if !replacing && live >= types.MaxSessionKeysPerPKP {
		return errorsmod.Wrapf(types.ErrInvalidSessionKey, "the PKP already has %d live session keys, the most it may hold: revoke one or wait for one to expire", live)
	}
	if !prune {
		return nil
	}
	for _, pk := range expired {
		if err := k.SessionKeys.Remove(ctx, collections.Join(tokenID, pk)); err != nil {
			return err
		}
	}
	return nil
}

// RevokeSessionKey deletes a PKP's session key: its owner may, or anyone
// with a proof of the session's auth method (the session key's own
// signature included) over the revocation challenge.
func (k msgServer) RevokeSessionKey(ctx context.Context, msg *types.MsgRevokeSessionKey) (*types.MsgRevokeSessionKeyResponse, error) {
	sender, err := k.parseAccount("sender", msg.Sender)
	if err != nil {
		return nil, err
	}
	tokenID, err := types.ParseTokenID(msg.TokenId)
	if err != nil {
		return nil, err
	}
	pub, err := types.ParseSessionPubkey(msg.SessionPubkey)
	if err != nil {
		return nil, err
	}
	p, err := k.GetPKP(ctx, tokenID)
	if err != nil {
		return nil, err
	}
	key := collections.Join(tokenID, pub)
	s, err := k.SessionKeys.Get(ctx, key)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, errorsmod.Wrapf(types.ErrInvalidSessionKey, "no session key %s on %s", msg.SessionPubkey, p.TokenId)
	} else if err != nil {
		return nil, err
	}
	canon, err := k.canonical(sender)
	if err != nil {
		return nil, err
	}
	by := canon
	if p.Burned || p.Owner != canon {
		if msg.Proof == nil {
			return nil, errorsmod.Wrapf(types.ErrUnauthorized, "%s is not the owner of %s: revoking needs a proof of the session's auth method", canon, p.TokenId)
		}
		kind, err := proofKind(msg.Proof)
		if err != nil {
			return nil, err
		}
		targets, err := k.authTargets(ctx, s.AuthMethodType, s.Id, []string{p.TokenId})
		if err != nil {
			return nil, err
		}
		chal := challenge(ctx, types.AUTH_PURPOSE_REVOKE_SESSION, targets, types.RevokePayload(pub))
		proved, err := k.verifyProof(ctx, targets[0], kind, msg.Proof, chal, types.SESSION_CAPABILITY_UNSPECIFIED, pub)
		if err != nil {
			return nil, err
		}
		if err := k.advance(ctx, targets[0], proved.signCount); err != nil {
			return nil, err
		}
		by = "auth_method"
	}
	if err := k.SessionKeys.Remove(ctx, key); err != nil {
		return nil, err
	}
	return &types.MsgRevokeSessionKeyResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(
		&types.EventSessionKeyRevoked{TokenId: p.TokenId, SessionPubkey: s.Pubkey, By: by})
}

// removeSessionsOf deletes the session keys of an auth method on a PKP (its
// removal ends them; re-adding it must not bring them back).
func (k Keeper) removeSessionsOf(ctx context.Context, p types.PKP, tokenID, authKey []byte, by string) error {
	var gone []types.SessionKey
	rng := collections.NewPrefixedPairRange[[]byte, []byte](tokenID)
	err := k.SessionKeys.Walk(ctx, rng, func(_ collections.Pair[[]byte, []byte], s types.SessionKey) (bool, error) {
		if string(types.AuthMethodKey(s.AuthMethodType, s.Id)) == string(authKey) {
			gone = append(gone, s)
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	em := sdk.UnwrapSDKContext(ctx).EventManager()
	for _, s := range gone {
		pub, err := types.ParseSessionPubkey(s.Pubkey)
		if err != nil {
			return err
		}
		if err := k.SessionKeys.Remove(ctx, collections.Join(tokenID, pub)); err != nil {
			return err
		}
		if err := em.EmitTypedEvent(&types.EventSessionKeyRevoked{TokenId: p.TokenId, SessionPubkey: s.Pubkey, By: by}); err != nil {
			return err
		}
	}
	return nil
}

// AuthChallenge is the challenge for an auth method's next request of a
// purpose, with the nonces and sign counts it commits to.
func (q Querier) AuthChallenge(ctx context.Context, req *types.QueryAuthChallengeRequest) (*types.QueryAuthChallengeResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	var payload []byte
	switch req.Purpose {
	case types.AUTH_PURPOSE_SIGN:
		digest, err := types.ParseDigest(req.Digest)
		if err != nil {
			return nil, grpcError(err)
		}
		payload = types.SignPayload(digest)
	case types.AUTH_PURPOSE_AUTHORIZE_SESSION, types.AUTH_PURPOSE_REVOKE_SESSION:
		pub, err := types.ParseSessionPubkey(req.SessionPubkey)
		if err != nil {
			return nil, grpcError(err)
		}
		payload = types.RevokePayload(pub)
		if req.Purpose == types.AUTH_PURPOSE_AUTHORIZE_SESSION {
			if err := types.ValidateSessionCapabilities(req.Capabilities); err != nil {
				return nil, grpcError(err)
			}
			payload = types.SessionPayload(pub, req.Capabilities, req.ExpiresAt)
		}
	case types.AUTH_PURPOSE_EXECUTE, types.AUTH_PURPOSE_DECRYPT:
		field, given := "execution_hash", req.ExecutionHash
		if req.Purpose == types.AUTH_PURPOSE_DECRYPT {
			field, given = "decryption_hash", req.DecryptionHash
		}
		hash, err := hex.DecodeString(strings.TrimPrefix(given, "0x"))
		if err != nil || len(hash) != 32 {
			return nil, status.Errorf(codes.InvalidArgument, "%s must be 0x and 64 hex digits", field)
		}
		payload = hash
	default:
		return nil, status.Errorf(codes.InvalidArgument, "purpose must be AUTH_PURPOSE_SIGN, AUTH_PURPOSE_AUTHORIZE_SESSION, AUTH_PURPOSE_REVOKE_SESSION, AUTH_PURPOSE_EXECUTE or AUTH_PURPOSE_DECRYPT")
	}
	if n := len(req.TokenIds); n == 0 || n > types.MaxSessionPKPs || (n > 1 && req.Purpose != types.AUTH_PURPOSE_AUTHORIZE_SESSION) {
		return nil, status.Errorf(codes.InvalidArgument, "name one PKP (a session: 1 to %d), got %d", types.MaxSessionPKPs, n)
	}
	targets, err := q.authTargets(ctx, req.AuthMethodType, req.Id, req.TokenIds)
	if err != nil {
		if errors.Is(err, types.ErrPermissionNotFound) {
			return nil, status.Error(codes.NotFound, err.Error())
		}
		return nil, grpcError(err)
	}
	res := &types.QueryAuthChallengeResponse{Challenge: "0x" + hex.EncodeToString(challenge(ctx, req.Purpose, targets, payload))}
	for _, t := range targets {
		res.Nonces = append(res.Nonces, t.counter.Nonce)
		res.SignCounts = append(res.SignCounts, t.counter.SignCount)
	}
	return res, nil
}

// SessionKeys lists a PKP's session keys by public key.
func (q Querier) SessionKeys(ctx context.Context, req *types.QuerySessionKeysRequest) (*types.QuerySessionKeysResponse, error) {
	if req == nil {
		return nil, errEmptyRequest
	}
	tokenID, err := types.ParseTokenID(req.TokenId)
	if err != nil {
		return nil, grpcError(err)
	}
	if _, err := q.GetPKP(ctx, tokenID); err != nil {
		return nil, grpcError(err)
	}
	keys, page, err := query.CollectionPaginate(ctx, q.Keeper.SessionKeys, req.Pagination,
		func(_ collections.Pair[[]byte, []byte], s types.SessionKey) (types.SessionKey, error) { return s, nil },
		query.WithCollectionPaginationPairPrefix[[]byte, []byte](tokenID))
	if err != nil {
		return nil, err
	}
	return &types.QuerySessionKeysResponse{SessionKeys: keys, Pagination: page}, nil
}

// VerifyAuthPresentation checks an auth method presented to a Lit Action
// execution (x/actions MsgExecuteAction): a proof of an auth method
// permitted on the PKP (a session key needs SESSION_CAPABILITY_EXECUTE_ACTIONS)
// over the challenge with purpose AUTH_PURPOSE_EXECUTE and executionHash
// (types.ExecutionHash). It writes nothing: commit spends the nonce, and the
// caller runs it once every check of the execution has passed.
func (k Keeper) VerifyAuthPresentation(ctx context.Context, p types.AuthPresentation, executionHash []byte) (types.VerifiedAuthMethod, func(context.Context) error, error) {
	return k.verifyPresentation(ctx, types.AUTH_PURPOSE_EXECUTE, types.SESSION_CAPABILITY_EXECUTE_ACTIONS, p, executionHash)
}

// verifyPresentation checks a proof of an auth method permitted on p's PKP
// over the challenge of purpose with payload; a session key needs
// capability. It writes nothing: the returned commit spends the nonce.
func (k Keeper) verifyPresentation(ctx context.Context, purpose types.AuthPurpose, capability types.SessionCapability, p types.AuthPresentation,
	payload []byte,
) (types.VerifiedAuthMethod, func(context.Context) error, error) {
	kind, err := proofKind(p.Proof)
	if err != nil {
		return types.VerifiedAuthMethod{}, nil, err
	}
	targets, err := k.authTargets(ctx, p.AuthMethodType, p.Id, []string{p.TokenId})
	if err != nil {
		return types.VerifiedAuthMethod{}, nil, err
	}
	t := targets[0]
	proved, err := k.verifyProof(ctx, t, kind, p.Proof, challenge(ctx, purpose, targets, payload), capability, nil)
	if err != nil {
		return types.VerifiedAuthMethod{}, nil, err
	}
	v := types.VerifiedAuthMethod{
		TokenID: t.pkp.TokenId, AuthMethodType: t.am.AuthMethodType, UserID: t.am.Id, AppID: proved.appID,
		AuthMethodID: "0x" + hex.EncodeToString(types.AuthMethodKey(t.am.AuthMethodType, t.am.Id)),
	}
	return v, func(ctx context.Context) error { return k.advance(ctx, t, proved.signCount) }, nil
}
