package keeper_test

// Red-team tests of session keys and auth-method proofs: attacks that are
// refused (three were findings, now fixed).

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"

	"github.com/litprotocol/litd/testutil/softauthn"
	"github.com/litprotocol/litd/testutil/softoidc"
	"github.com/litprotocol/litd/x/pkp/keeper"
	"github.com/litprotocol/litd/x/pkp/types"
)

var rtSignCaps = []types.SessionCapability{types.SESSION_CAPABILITY_SIGN}

// authorizeBy is other's MsgAuthorizeSessionKey of k for auth method am,
// proven by authenticator a over the chain's challenge.
func (w passkeyWorld) authorizeBy(t *testing.T, a *softauthn.Authenticator, am types.AuthMethod, k softoidc.SessionKey,
	caps []types.SessionCapability, expires int64, tokens ...string,
) *types.MsgAuthorizeSessionKey {
	t.Helper()
	ch := w.challengeFor(t, &types.QueryAuthChallengeRequest{Purpose: types.AUTH_PURPOSE_AUTHORIZE_SESSION, TokenIds: tokens,
		AuthMethodType: am.AuthMethodType, Id: am.Id, SessionPubkey: k.Pubkey(), Capabilities: caps, ExpiresAt: expires})
	return &types.MsgAuthorizeSessionKey{Submitter: other, TokenIds: tokens, AuthMethodType: am.AuthMethodType, Id: am.Id,
		SessionPubkey: k.Pubkey(), Capabilities: caps, ExpiresAt: expires, Proof: &types.AuthProof{Webauthn: a.Assert(ch, webOrigin)}}
}

// sessionSignAs is a session-key signature request of digest for auth method am.
func (w passkeyWorld) sessionSignAs(t *testing.T, am types.AuthMethod, k softoidc.SessionKey, digest []byte) *types.MsgSignWithAuthMethod {
	t.Helper()
	ch := w.signChallenge(t, am, digest)
	return &types.MsgSignWithAuthMethod{Submitter: other, TokenId: w.tok, AuthMethodType: am.AuthMethodType, Id: am.Id,
		Digest: "0x" + hex.EncodeToString(digest), Proof: k.Sign(ch)}
}

// Refused (a red-team finding, fixed): params.max_session_seconds = 0
// disables live session keys too, and lowering it ends the sessions older
// than the new maximum, so governance can stop them chain-wide (say after a
// wallet's session-key storage leaks).
func TestDisablingSessionsEndsLiveOnes(t *testing.T) {
	w := newOIDCWorld(t)
	f := w.f
	k := newSessionKey(1)
	_, err := f.deliver(w.authorize(t, session{k, rtSignCaps, now + 7*24*3600, []string{w.tok}}))
	require.NoError(t, err)
	params := must(f.k.Params.Get(f.ctx))
	params.MaxSessionSeconds = 0
	_, err = f.deliver(&types.MsgUpdateParams{Authority: gov.String(), Params: params})
	require.NoError(t, err)
	w.refused(t, w.authorize(t, session{newSessionKey(2), rtSignCaps, now + 60, []string{w.tok}}), types.ErrInvalidSessionKey, "disabled")
	w.refused(t, w.sessionSign(t, k, w.tok, digestOf('d')), types.ErrInvalidSessionKey, "disabled")
	// Sessions allowed again for at most an hour: the two-hour-old key stays refused, a new one signs.
	params.MaxSessionSeconds = 3600
	_, err = f.deliver(&types.MsgUpdateParams{Authority: gov.String(), Params: params})
	require.NoError(t, err)
	f.ctx = f.ctx.WithBlockTime(time.Unix(now+2*3600, 0))
	w.refused(t, w.sessionSign(t, k, w.tok, digestOf('d')), types.ErrInvalidSessionKey, "max_session_seconds")
	fresh := newSessionKey(3)
	_, err = f.deliver(w.authorize(t, session{fresh, rtSignCaps, now + 2*3600 + 60, []string{w.tok}}))
	require.NoError(t, err)
	_, err = f.deliver(w.sessionSign(t, fresh, w.tok, digestOf('d')))
	require.NoError(t, err)
}

// Refused (a red-team finding, fixed): a session key authorised by an OIDC
// token ends with the trust in that token's issuer and key. Otherwise, when
// governance removes a compromised issuer, sessions its (possibly forged)
// tokens authorised would keep signing, and on a burned PKP nobody could
// revoke them.
func TestSessionEndsWithItsIssuer(t *testing.T) {
	w := newOIDCWorld(t)
	f := w.f
	// A burned PKP signed for only by the OIDC identity.
	tok := f.mint(t, &types.MsgMint{Creator: creator, AuthMethods: []types.AuthMethod{w.oidcAM}}).TokenId
	_, err := f.deliver(&types.MsgBurn{Owner: creator, TokenId: tok})
	require.NoError(t, err)
	// An attacker holding the issuer's (compromised) key authorises a week-long session.
	k := newSessionKey(9)
	expires := now + types.DefaultMaxSessionSeconds
	ch := w.challengeFor(t, &types.QueryAuthChallengeRequest{Purpose: types.AUTH_PURPOSE_AUTHORIZE_SESSION, TokenIds: []string{tok},
		AuthMethodType: types.OIDCAuthMethodType, Id: w.oidcAM.Id, SessionPubkey: k.Pubkey(), Capabilities: rtSignCaps, ExpiresAt: expires})
	_, err = f.deliver(&types.MsgAuthorizeSessionKey{Submitter: other, TokenIds: []string{tok}, AuthMethodType: types.OIDCAuthMethodType, Id: w.oidcAM.Id,
		SessionPubkey: k.Pubkey(), Capabilities: rtSignCaps, ExpiresAt: expires, Proof: &types.AuthProof{Jwt: w.iss.Token(w.iss.Claims("user-1", testAud, now, ch))}})
	require.NoError(t, err)
	// Governance reacts: the issuer is gone from params.
	params := must(f.k.Params.Get(f.ctx))
	params.OidcIssuers = params.OidcIssuers[1:]
	_, err = f.deliver(&types.MsgUpdateParams{Authority: gov.String(), Params: params})
	require.NoError(t, err)
	// The session key is refused from then on.
	f.ctx = f.ctx.WithBlockTime(time.Unix(now+60, 0))
	digest := digestOf('s')
	sch := w.challengeFor(t, &types.QueryAuthChallengeRequest{Purpose: types.AUTH_PURPOSE_SIGN, TokenIds: []string{tok},
		AuthMethodType: types.OIDCAuthMethodType, Id: w.oidcAM.Id, Digest: "0x" + hex.EncodeToString(digest)})
	w.refused(t, &types.MsgSignWithAuthMethod{Submitter: other, TokenId: tok, AuthMethodType: types.OIDCAuthMethodType, Id: w.oidcAM.Id,
		Digest: "0x" + hex.EncodeToString(digest), Proof: k.Sign(sch)}, types.ErrInvalidSessionKey, "no longer trust")
	// A key rotation that drops the signing key ends it too.
	params.OidcIssuers = []types.OIDCIssuer{w.iss.Params(), w.google.Params()}
	_, err = f.deliver(&types.MsgUpdateParams{Authority: gov.String(), Params: params})
	require.NoError(t, err)
	_, err = f.deliver(&types.MsgSignWithAuthMethod{Submitter: other, TokenId: tok, AuthMethodType: types.OIDCAuthMethodType, Id: w.oidcAM.Id,
		Digest: "0x" + hex.EncodeToString(digest), Proof: k.Sign(sch)})
	require.NoError(t, err, "trusted again")
	params.OidcIssuers[0] = softoidc.NewRS256(testIssuer, "k2").Params()
	_, err = f.deliver(&types.MsgUpdateParams{Authority: gov.String(), Params: params})
	require.NoError(t, err)
	sch = w.challengeFor(t, &types.QueryAuthChallengeRequest{Purpose: types.AUTH_PURPOSE_SIGN, TokenIds: []string{tok},
		AuthMethodType: types.OIDCAuthMethodType, Id: w.oidcAM.Id, Digest: "0x" + hex.EncodeToString(digest)})
	w.refused(t, &types.MsgSignWithAuthMethod{Submitter: other, TokenId: tok, AuthMethodType: types.OIDCAuthMethodType, Id: w.oidcAM.Id,
		Digest: "0x" + hex.EncodeToString(digest), Proof: k.Sign(sch)}, types.ErrInvalidSessionKey, `key "k1"`)
}

// Refused (a red-team finding, fixed): session keys are stored per (PKP,
// pubkey); another auth method of the PKP (a personal-sign-only passkey)
// cannot authorise a pubkey that the sign-anything passkey's session holds,
// which would end that session: only the owner and the session's own auth
// method may.
func TestOtherAuthMethodCannotReplaceSession(t *testing.T) {
	w := newOIDCWorld(t)
	f := w.f
	k := newSessionKey(1)
	_, err := f.deliver(w.authorizeBy(t, w.full, w.fullAM, k, rtSignCaps, now+3600, w.tok))
	require.NoError(t, err)
	_, err = f.deliver(w.sessionSignAs(t, w.fullAM, k, digestOf('a')))
	require.NoError(t, err)
	// The personal-sign passkey re-authorises the full passkey's session pubkey
	// (public: it is in events and queries) for itself, for a second.
	w.refused(t, w.authorizeBy(t, w.personal, w.perAM, k, []types.SessionCapability{types.SESSION_CAPABILITY_EXECUTE_ACTIONS}, now+1, w.tok),
		types.ErrInvalidSessionKey, "only its own auth method")
	_, err = f.deliver(w.sessionSignAs(t, w.fullAM, k, digestOf('b')))
	require.NoError(t, err)
}

// Refused: a session for 16 PKPs where one PKP's passkey settings differ
// (another origin) fails as a whole and writes nothing; the same assertion
// with the odd PKP left out is a different challenge.
func TestMultiPKPSessionWithDifferentSettingsRefused(t *testing.T) {
	w := newPasskeyWorld(t)
	f := w.f
	f.ctx = f.ctx.WithBlockTime(time.Unix(now, 0))
	f.bank.balances[creator] = ulit(100_000_000)
	tokens := []string{w.tok}
	for range types.MaxSessionPKPs - 2 {
		tokens = append(tokens, f.mint(t, &types.MsgMint{Creator: creator, AuthMethods: []types.AuthMethod{w.fullAM}}).TokenId)
	}
	odd := w.full.AuthMethod([]string{"https://other.wallet.example"}, types.SCOPE_SIGN_ANYTHING)
	tokens = append(tokens, f.mint(t, &types.MsgMint{Creator: creator, AuthMethods: []types.AuthMethod{odd}}).TokenId)
	require.Len(t, tokens, types.MaxSessionPKPs)
	m := w.authorizeBy(t, w.full, w.fullAM, newSessionKey(1), rtSignCaps, now+60, tokens...)
	w.refused(t, m, types.ErrInvalidAssertion, "origin")
	m.TokenIds = tokens[:len(tokens)-1]
	w.refused(t, m, types.ErrInvalidAssertion, "wrong challenge")
	m.TokenIds = append(tokens, tokens[0])
	w.refused(t, m, types.ErrInvalidSessionKey, "1 to 16")
}

// Refused: a proof made for one purpose is not accepted for another; a sign
// proof of one auth method is not accepted for a sibling auth method with the
// same credential; a burned PKP's former owner cannot revoke without a proof;
// an expired session cannot revoke itself; gas is charged before a failing
// token is rejected.
func TestProofPurposeAndRevocationRefused(t *testing.T) {
	w := newOIDCWorld(t)
	f := w.f
	k := newSessionKey(1)
	_, err := f.deliver(w.authorize(t, session{k, rtSignCaps, now + 100, []string{w.tok}}))
	require.NoError(t, err)
	digest := digestOf('p')
	signCh := w.signChallenge(t, w.fullAM, digest)
	// The session key's sign proof offered as a revocation.
	w.refused(t, &types.MsgRevokeSessionKey{Sender: other, TokenId: w.tok, SessionPubkey: k.Pubkey(), Proof: k.Sign(signCh)},
		types.ErrInvalidSessionKey, "does not verify")
	// A passkey sign assertion offered as a session authorisation.
	m := w.authorize(t, session{newSessionKey(2), rtSignCaps, now + 100, []string{w.tok}})
	m.Proof = &types.AuthProof{Webauthn: w.full.Assert(signCh, webOrigin)}
	w.refused(t, m, types.ErrInvalidAssertion, "wrong challenge")
	// The same authenticator registered as a second auth method (another id) on the PKP:
	// the full method's sign proof does not serve it.
	twin := w.full.AuthMethod([]string{webOrigin}, types.SCOPE_SIGN_ANYTHING)
	twin.Id = "0x" + hex.EncodeToString([]byte("twin"))
	_, err = f.deliver(&types.MsgAddAuthMethod{Owner: creator, TokenId: w.tok, AuthMethod: twin})
	require.NoError(t, err)
	w.refused(t, &types.MsgSignWithAuthMethod{Submitter: other, TokenId: w.tok, AuthMethodType: 3, Id: twin.Id, Digest: "0x" + hex.EncodeToString(digest),
		Proof: &types.AuthProof{Webauthn: w.full.Assert(signCh, webOrigin)}}, types.ErrInvalidAssertion, "wrong challenge")

	// Burned: the former owner needs a proof like anyone.
	_, err = f.deliver(&types.MsgBurn{Owner: creator, TokenId: w.tok})
	require.NoError(t, err)
	w.refused(t, &types.MsgRevokeSessionKey{Sender: creator, TokenId: w.tok, SessionPubkey: k.Pubkey()}, types.ErrUnauthorized, "needs a proof")
	// Expired: its own signature no longer revokes it (it is dead anyway).
	f.ctx = f.ctx.WithBlockTime(time.Unix(now+100, 0))
	rch := w.challengeFor(t, &types.QueryAuthChallengeRequest{Purpose: types.AUTH_PURPOSE_REVOKE_SESSION, TokenIds: []string{w.tok},
		AuthMethodType: 3, Id: w.fullAM.Id, SessionPubkey: k.Pubkey()})
	w.refused(t, &types.MsgRevokeSessionKey{Sender: other, TokenId: w.tok, SessionPubkey: k.Pubkey(), Proof: k.Sign(rch)}, types.ErrInvalidSessionKey, "expired")
	f.ctx = f.ctx.WithBlockTime(time.Unix(now, 0))

	// Gas first: a token that fails still costs JWTVerifyGas.
	f.ctx = f.ctx.WithGasMeter(storetypes.NewInfiniteGasMeter())
	ch := w.signChallenge(t, w.oidcAM, digest)
	before := f.ctx.GasMeter().GasConsumed()
	bad := w.iss.Claims("user-1", testAud, now, ch)
	bad["nonce"] = "0x00"
	_, err = f.deliver(&types.MsgSignWithAuthMethod{Submitter: other, TokenId: w.tok, AuthMethodType: types.OIDCAuthMethodType, Id: w.oidcAM.Id,
		Digest: "0x" + hex.EncodeToString(digest), Proof: &types.AuthProof{Jwt: w.iss.Token(bad)}})
	require.ErrorIs(t, err, types.ErrInvalidJWT)
	require.GreaterOrEqual(t, f.ctx.GasMeter().GasConsumed()-before, uint64(keeper.JWTVerifyGas))
}

// Refused: an identity trusted for type 100 cannot be presented as a Google
// (type 6) auth method on a PKP, even when the type-100 issuer is Google
// itself, and a type-6 token cannot serve a type-100 method with the same id.
func TestOIDCTypeConfusionRefused(t *testing.T) {
	w := newOIDCWorld(t)
	f := w.f
	digest := digestOf('g')
	// A type-6 auth method whose id is the type-100 identity's id.
	confused := types.AuthMethod{AuthMethodType: types.GoogleJWTAuthMethodType, Id: w.oidcAM.Id, Scopes: []types.Scope{types.SCOPE_SIGN_ANYTHING}}
	_, err := f.deliver(&types.MsgAddAuthMethod{Owner: creator, TokenId: w.tok, AuthMethod: confused})
	require.NoError(t, err)
	ch := w.signChallenge(t, confused, digest)
	w.refused(t, &types.MsgSignWithAuthMethod{Submitter: other, TokenId: w.tok, AuthMethodType: 6, Id: confused.Id, Digest: "0x" + hex.EncodeToString(digest),
		Proof: &types.AuthProof{Jwt: w.iss.Token(w.iss.Claims("user-1", testAud, now, ch))}}, types.ErrInvalidJWT, "is not Google's")
	// Google's token, for a type-100 method named by Google's type-6 id.
	g100 := types.AuthMethod{AuthMethodType: types.OIDCAuthMethodType, Id: w.googleAM.Id, Scopes: []types.Scope{types.SCOPE_SIGN_ANYTHING}}
	_, err = f.deliver(&types.MsgAddAuthMethod{Owner: creator, TokenId: w.tok, AuthMethod: g100})
	require.NoError(t, err)
	ch = w.signChallenge(t, g100, digest)
	w.refused(t, &types.MsgSignWithAuthMethod{Submitter: other, TokenId: w.tok, AuthMethodType: 100, Id: g100.Id, Digest: "0x" + hex.EncodeToString(digest),
		Proof: &types.AuthProof{Jwt: w.google.Token(w.google.Claims("1234567890", "client.apps.googleusercontent.com", now, ch))}}, types.ErrInvalidJWT, "another user or another app")
	// A personal-sign-only Google method cannot sign a raw digest, by token or by session.
	ch = w.signChallenge(t, w.googleAM, digest)
	w.refused(t, &types.MsgSignWithAuthMethod{Submitter: other, TokenId: w.tok, AuthMethodType: 6, Id: w.googleAM.Id, Digest: "0x" + hex.EncodeToString(digest),
		Proof: &types.AuthProof{Jwt: w.google.Token(w.google.Claims("1234567890", "client.apps.googleusercontent.com", now, ch))}}, types.ErrScopeNotPermitted, "")
}
