package keeper_test

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	"github.com/litprotocol/litd/testutil/softoidc"
	"github.com/litprotocol/litd/x/pkp/types"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

const (
	testIssuer = "https://issuer.example"
	testAud    = "app-123"
	now        = int64(1_767_225_600)
)

func newSessionKey(n int) softoidc.SessionKey {
	return softoidc.NewSessionKey(string(rune('a' + n)))
}

func sessionPubHex(k softoidc.SessionKey) string { return k.Pubkey() }

// oidcWorld extends the passkey world with an OIDC issuer in params and a
// PKP signed for by an OIDC identity (type 100) and a Google one (type 6).
type oidcWorld struct {
	passkeyWorld
	iss, google      *softoidc.Issuer
	oidcAM, googleAM types.AuthMethod
}

func newOIDCWorld(t *testing.T) oidcWorld {
	t.Helper()
	w := oidcWorld{passkeyWorld: newPasskeyWorld(t), iss: softoidc.NewRS256(testIssuer, "k1"),
		google: softoidc.NewES256("https://accounts.google.com", "g1", "google")}
	f := w.f
	f.ctx = f.ctx.WithBlockTime(time.Unix(now, 0))
	params := types.DefaultParams()
	params.OidcIssuers = []types.OIDCIssuer{w.iss.Params(), w.google.Params()}
	_, err := f.deliver(&types.MsgUpdateParams{Authority: gov.String(), Params: params})
	require.NoError(t, err)
	w.oidcAM = w.iss.AuthMethod(types.OIDCAuthMethodType, "user-1", testAud, types.SCOPE_SIGN_ANYTHING)
	w.googleAM = w.google.AuthMethod(types.GoogleJWTAuthMethodType, "1234567890", "client.apps.googleusercontent.com", types.SCOPE_PERSONAL_SIGN)
	for _, am := range []types.AuthMethod{w.oidcAM, w.googleAM} {
		_, err := f.deliver(&types.MsgAddAuthMethod{Owner: creator, TokenId: w.tok, AuthMethod: am})
		require.NoError(t, err)
	}
	return w
}

// challengeFor asks the chain for the challenge of req.
func (w passkeyWorld) challengeFor(t *testing.T, req *types.QueryAuthChallengeRequest) []byte {
	t.Helper()
	res, err := w.f.q.AuthChallenge(w.f.ctx, req)
	require.NoError(t, err)
	return must(hex.DecodeString(res.Challenge[2:]))
}

func (w passkeyWorld) signChallenge(t *testing.T, am types.AuthMethod, digest []byte) []byte {
	return w.challengeFor(t, &types.QueryAuthChallengeRequest{Purpose: types.AUTH_PURPOSE_SIGN, TokenIds: []string{w.tok},
		AuthMethodType: am.AuthMethodType, Id: am.Id, Digest: "0x" + hex.EncodeToString(digest)})
}

func TestSignWithOIDCToken(t *testing.T) {
	w := newOIDCWorld(t)
	f := w.f
	digest := digestOf('j')
	digestHex := "0x" + hex.EncodeToString(digest)
	ch := w.signChallenge(t, w.oidcAM, digest)
	msg := &types.MsgSignWithAuthMethod{Submitter: other, TokenId: w.tok, AuthMethodType: types.OIDCAuthMethodType, Id: w.oidcAM.Id, Digest: digestHex,
		Proof: &types.AuthProof{Jwt: w.iss.Token(w.iss.Claims("user-1", testAud, now, ch))}}
	with := func(change func(c softoidc.Claims)) *types.MsgSignWithAuthMethod {
		c := w.iss.Claims("user-1", testAud, now, ch)
		change(c)
		m := *msg
		m.Proof = &types.AuthProof{Jwt: w.iss.Token(c)}
		return &m
	}
	w.refused(t, with(func(c softoidc.Claims) { c["exp"] = now - 1 }), types.ErrInvalidJWT, "token expired")
	w.refused(t, with(func(c softoidc.Claims) { c["aud"] = "another-app" }), types.ErrInvalidJWT, "another user or another app")
	w.refused(t, with(func(c softoidc.Claims) { c["nonce"] = "0x00" }), types.ErrInvalidJWT, "nonce")
	stranger := softoidc.NewRS256(testIssuer, "k1")
	w.refused(t, &types.MsgSignWithAuthMethod{Submitter: other, TokenId: w.tok, AuthMethodType: types.OIDCAuthMethodType, Id: w.oidcAM.Id, Digest: digestHex,
		Proof: &types.AuthProof{Jwt: stranger.Token(stranger.Claims("user-1", testAud, now, ch))}}, types.ErrInvalidJWT, "signature does not verify")
	w.refused(t, &types.MsgSignWithAuthMethod{Submitter: other, TokenId: w.tok, AuthMethodType: types.OIDCAuthMethodType, Id: w.oidcAM.Id, Digest: digestHex,
		Proof: &types.AuthProof{Jwt: msg.Proof.Jwt, Webauthn: &types.WebAuthnAssertion{}}}, types.ErrInvalidAuthProof, "exactly one proof")

	res, err := f.deliver(msg)
	require.NoError(t, err)
	r := res.(*types.MsgSignWithAuthMethodResponse)
	sig, err := f.tss.Signatures.Get(f.ctx, r.SignatureId)
	require.NoError(t, err)
	require.Equal(t, digestHex, sig.Digest)
	require.Equal(t, tsstypes.SIGNATURE_STATUS_PENDING, sig.Status)
	ev := f.events(t)[1].(*types.EventSignedWithAuthMethod)
	require.Equal(t, "jwt", ev.Proof)
	// The same token again: its nonce is spent.
	w.refused(t, msg, types.ErrInvalidJWT, "nonce")

	t.Run("Google (type 6) signs personal messages", func(t *testing.T) {
		hashed := types.PersonalMessageDigest([]byte("hi"))
		ch := w.signChallenge(t, w.googleAM, hashed)
		_, err := f.deliver(&types.MsgSignWithAuthMethod{Submitter: other, TokenId: w.tok, AuthMethodType: 6, Id: w.googleAM.Id, Message: []byte("hi"),
			Proof: &types.AuthProof{Jwt: w.google.Token(w.google.Claims("1234567890", "client.apps.googleusercontent.com", now, ch))}})
		require.NoError(t, err)
	})
	t.Run("a key rotation by governance", func(t *testing.T) {
		rotated := softoidc.NewRS256(testIssuer, "k2")
		params := must(f.k.Params.Get(f.ctx))
		params.OidcIssuers[0] = rotated.Params()
		_, err := f.deliver(&types.MsgUpdateParams{Authority: gov.String(), Params: params})
		require.NoError(t, err)
		ch := w.signChallenge(t, w.oidcAM, digest)
		old := &types.MsgSignWithAuthMethod{Submitter: other, TokenId: w.tok, AuthMethodType: types.OIDCAuthMethodType, Id: w.oidcAM.Id, Digest: digestHex,
			Proof: &types.AuthProof{Jwt: w.iss.Token(w.iss.Claims("user-1", testAud, now, ch))}}
		w.refused(t, old, types.ErrInvalidJWT, `no RS256 key with kid "k1"`)
		old.Proof.Jwt = rotated.Token(rotated.Claims("user-1", testAud, now, ch))
		_, err = f.deliver(old)
		require.NoError(t, err)
	})
}

// session is a session key's authorisation by the full passkey.
type session struct {
	key     softoidc.SessionKey
	caps    []types.SessionCapability
	expires int64
	tokens  []string
}

func (w passkeyWorld) authorize(t *testing.T, s session) *types.MsgAuthorizeSessionKey {
	t.Helper()
	ch := w.challengeFor(t, &types.QueryAuthChallengeRequest{Purpose: types.AUTH_PURPOSE_AUTHORIZE_SESSION, TokenIds: s.tokens,
		AuthMethodType: 3, Id: w.fullAM.Id, SessionPubkey: s.key.Pubkey(), Capabilities: s.caps, ExpiresAt: s.expires})
	return &types.MsgAuthorizeSessionKey{Submitter: other, TokenIds: s.tokens, AuthMethodType: 3, Id: w.fullAM.Id, SessionPubkey: s.key.Pubkey(),
		Capabilities: s.caps, ExpiresAt: s.expires, Proof: &types.AuthProof{Webauthn: w.full.Assert(ch, webOrigin)}}
}

func (w passkeyWorld) sessionSign(t *testing.T, k softoidc.SessionKey, tok string, digest []byte) *types.MsgSignWithAuthMethod {
	t.Helper()
	ch := w.challengeFor(t, &types.QueryAuthChallengeRequest{Purpose: types.AUTH_PURPOSE_SIGN, TokenIds: []string{tok},
		AuthMethodType: 3, Id: w.fullAM.Id, Digest: "0x" + hex.EncodeToString(digest)})
	return &types.MsgSignWithAuthMethod{Submitter: other, TokenId: tok, AuthMethodType: 3, Id: w.fullAM.Id,
		Digest: "0x" + hex.EncodeToString(digest), Proof: k.Sign(ch)}
}

func TestSessionKeys(t *testing.T) {
	w := newPasskeyWorld(t)
	f := w.f
	f.ctx = f.ctx.WithBlockTime(time.Unix(now, 0))
	signCaps := []types.SessionCapability{types.SESSION_CAPABILITY_SIGN}
	// A second PKP of creator's with the same passkey.
	tok2 := f.mint(t, &types.MsgMint{Creator: creator, AuthMethods: []types.AuthMethod{w.fullAM}}).TokenId
	key := newSessionKey(1)
	s := session{key, signCaps, now + 3600, []string{w.tok, tok2}}

	t.Run("refusals change nothing", func(t *testing.T) {
		for _, c := range []struct {
			change func(m *types.MsgAuthorizeSessionKey)
			err    error
			text   string
		}{
			{func(m *types.MsgAuthorizeSessionKey) { m.ExpiresAt = now }, types.ErrInvalidSessionKey, "must be after block time"},
			{func(m *types.MsgAuthorizeSessionKey) { m.ExpiresAt = now + types.DefaultMaxSessionSeconds + 1 }, types.ErrInvalidSessionKey, "max_session_seconds"},
			{func(m *types.MsgAuthorizeSessionKey) { m.Capabilities = nil }, types.ErrInvalidSessionKey, "at least one capability"},
			{func(m *types.MsgAuthorizeSessionKey) { m.Capabilities = append(signCaps, signCaps...) }, types.ErrInvalidSessionKey, "twice"},
			{func(m *types.MsgAuthorizeSessionKey) { m.SessionPubkey = "0x02" + m.SessionPubkey[4:] + "00" }, types.ErrInvalidSessionKey, "33-byte"},
			{func(m *types.MsgAuthorizeSessionKey) { m.TokenIds = nil }, types.ErrInvalidSessionKey, "1 to 16 PKPs"},
			{func(m *types.MsgAuthorizeSessionKey) { m.TokenIds = []string{w.tok, w.tok} }, types.ErrInvalidTokenID, "named twice"},
			{func(m *types.MsgAuthorizeSessionKey) { m.TokenIds = []string{w.tok, unknownTok} }, types.ErrPKPNotFound, ""},
			{func(m *types.MsgAuthorizeSessionKey) { m.ExpiresAt++ }, types.ErrInvalidAssertion, "wrong challenge"},
			{func(m *types.MsgAuthorizeSessionKey) { m.SessionPubkey = newSessionKey(2).Pubkey() }, types.ErrInvalidAssertion, "wrong challenge"},
			{func(m *types.MsgAuthorizeSessionKey) { m.TokenIds = m.TokenIds[:1] }, types.ErrInvalidAssertion, "wrong challenge"},
			{func(m *types.MsgAuthorizeSessionKey) { m.Proof = key.Sign(make([]byte, 32)) }, types.ErrInvalidAuthProof, "cannot authorise another"},
		} {
			m := w.authorize(t, s)
			c.change(m)
			w.refused(t, m, c.err, c.text)
		}
	})

	first := w.authorize(t, s)
	_, err := f.deliver(first)
	require.NoError(t, err)
	ev := f.events(t)[0].(*types.EventSessionKeyAuthorized)
	require.Equal(t, []string{w.tok, tok2}, ev.TokenIds)
	require.Equal(t, "webauthn", ev.Proof)
	keys, err := f.q.SessionKeys(f.ctx, &types.QuerySessionKeysRequest{TokenId: tok2})
	require.NoError(t, err)
	require.Equal(t, []types.SessionKey{{TokenId: tok2, Pubkey: key.Pubkey(), AuthMethodType: 3, Id: w.fullAM.Id, Capabilities: signCaps, ExpiresAt: now + 3600, AuthorizedAt: now}}, keys.SessionKeys)

	// Five signatures with the session key alone, on both PKPs.
	for i := range 5 {
		tok := []string{w.tok, tok2}[i%2]
		res, err := f.deliver(w.sessionSign(t, key, tok, digestOf(byte('0'+i))))
		require.NoError(t, err, i)
		ev := f.events(t)[1].(*types.EventSignedWithAuthMethod)
		require.Equal(t, "session", ev.Proof)
		require.Equal(t, key.Pubkey(), ev.SessionPubkey)
		require.NotZero(t, res.(*types.MsgSignWithAuthMethodResponse).SignatureId)
	}
	replay := w.sessionSign(t, key, w.tok, digestOf('r'))
	_, err = f.deliver(replay)
	require.NoError(t, err)
	w.refused(t, replay, types.ErrInvalidSessionKey, "does not verify")

	t.Run("a session key only signs what it may", func(t *testing.T) {
		other := newSessionKey(3)
		w.refused(t, w.sessionSign(t, other, w.tok, digestOf('x')), types.ErrInvalidSessionKey, "no session key")
		forged := w.sessionSign(t, key, w.tok, digestOf('x'))
		forged.Digest = "0x" + hex.EncodeToString(digestOf('y'))
		w.refused(t, forged, types.ErrInvalidSessionKey, "does not verify")
		// An action-only session cannot sign.
		exec := newSessionKey(4)
		_, err := f.deliver(w.authorize(t, session{exec, []types.SessionCapability{types.SESSION_CAPABILITY_EXECUTE_ACTIONS}, now + 60, []string{w.tok}}))
		require.NoError(t, err)
		w.refused(t, w.sessionSign(t, exec, w.tok, digestOf('x')), types.ErrInvalidSessionKey, "not SESSION_CAPABILITY_SIGN")
		// Another PKP with the passkey, not named by the session.
		tok3 := f.mint(t, &types.MsgMint{Creator: creator, AuthMethods: []types.AuthMethod{w.fullAM}}).TokenId
		w.refused(t, w.sessionSign(t, key, tok3, digestOf('x')), types.ErrInvalidSessionKey, "no session key")
		// The scopes of the auth method still apply: personal-sign only.
		_, err = f.deliver(&types.MsgAddAuthMethodScope{Owner: creator, TokenId: tok2, AuthMethodType: 3, Id: w.fullAM.Id, Scope: types.SCOPE_PERSONAL_SIGN})
		require.NoError(t, err)
		_, err = f.deliver(&types.MsgRemoveAuthMethodScope{Owner: creator, TokenId: tok2, AuthMethodType: 3, Id: w.fullAM.Id, Scope: types.SCOPE_SIGN_ANYTHING})
		require.NoError(t, err)
		w.refused(t, w.sessionSign(t, key, tok2, digestOf('x')), types.ErrScopeNotPermitted, "")
	})

	t.Run("expiry", func(t *testing.T) {
		short := newSessionKey(5)
		_, err := f.deliver(w.authorize(t, session{short, signCaps, now + 10, []string{w.tok}}))
		require.NoError(t, err)
		m := w.sessionSign(t, short, w.tok, digestOf('e'))
		f.ctx = f.ctx.WithBlockTime(time.Unix(now+10, 0))
		defer func() { f.ctx = f.ctx.WithBlockTime(time.Unix(now, 0)) }()
		w.refused(t, m, types.ErrInvalidSessionKey, "expired")
	})

	t.Run("revocation", func(t *testing.T) {
		// By the owner.
		_, err := f.deliver(&types.MsgRevokeSessionKey{Sender: creator, TokenId: w.tok, SessionPubkey: key.Pubkey()})
		require.NoError(t, err)
		require.Equal(t, &types.EventSessionKeyRevoked{TokenId: w.tok, SessionPubkey: key.Pubkey(), By: creator}, f.events(t)[0])
		w.refused(t, w.sessionSign(t, key, w.tok, digestOf('v')), types.ErrInvalidSessionKey, "no session key")
		// Replaying the authorisation does not bring it back: the nonce moved on.
		w.refused(t, first, types.ErrInvalidAssertion, "wrong challenge")

		// By the auth method: the session key's own signature, sent by anyone.
		revokeCh := func(k softoidc.SessionKey, tok string) []byte {
			return w.challengeFor(t, &types.QueryAuthChallengeRequest{Purpose: types.AUTH_PURPOSE_REVOKE_SESSION, TokenIds: []string{tok},
				AuthMethodType: 3, Id: w.fullAM.Id, SessionPubkey: k.Pubkey()})
		}
		w.refused(t, &types.MsgRevokeSessionKey{Sender: other, TokenId: tok2, SessionPubkey: key.Pubkey()}, types.ErrUnauthorized, "needs a proof")
		stranger := newSessionKey(6)
		_, err = f.deliver(w.authorize(t, session{stranger, signCaps, now + 60, []string{tok2}}))
		require.NoError(t, err)
		w.refused(t, &types.MsgRevokeSessionKey{Sender: other, TokenId: tok2, SessionPubkey: key.Pubkey(), Proof: stranger.Sign(revokeCh(key, tok2))},
			types.ErrInvalidSessionKey, "only the session key being revoked")
		_, err = f.deliver(&types.MsgRevokeSessionKey{Sender: other, TokenId: tok2, SessionPubkey: key.Pubkey(), Proof: key.Sign(revokeCh(key, tok2))})
		require.NoError(t, err)
		require.Equal(t, &types.EventSessionKeyRevoked{TokenId: tok2, SessionPubkey: key.Pubkey(), By: "auth_method"}, f.events(t)[0])
		// By the auth method's passkey.
		_, err = f.deliver(&types.MsgRevokeSessionKey{Sender: other, TokenId: tok2, SessionPubkey: stranger.Pubkey(),
			Proof: &types.AuthProof{Webauthn: w.full.Assert(revokeCh(stranger, tok2), webOrigin)}})
		require.NoError(t, err)
		keys, err := f.q.SessionKeys(f.ctx, &types.QuerySessionKeysRequest{TokenId: tok2})
		require.NoError(t, err)
		require.Empty(t, keys.SessionKeys)
	})

	t.Run("removing the auth method ends its sessions for good", func(t *testing.T) {
		k := newSessionKey(7)
		_, err := f.deliver(w.authorize(t, session{k, signCaps, now + 60, []string{w.tok}}))
		require.NoError(t, err)
		_, err = f.deliver(&types.MsgRemoveAuthMethod{Owner: creator, TokenId: w.tok, AuthMethodType: 3, Id: w.fullAM.Id})
		require.NoError(t, err)
		require.Contains(t, f.events(t), &types.EventSessionKeyRevoked{TokenId: w.tok, SessionPubkey: k.Pubkey(), By: creator})
		_, err = f.deliver(&types.MsgAddAuthMethod{Owner: creator, TokenId: w.tok, AuthMethod: w.fullAM})
		require.NoError(t, err)
		w.refused(t, w.sessionSign(t, k, w.tok, digestOf('z')), types.ErrInvalidSessionKey, "no session key")
	})

	t.Run("at most 32 live per PKP; expired ones make room", func(t *testing.T) {
		tok4 := f.mint(t, &types.MsgMint{Creator: creator, AuthMethods: []types.AuthMethod{w.fullAM}}).TokenId
		for i := range types.MaxSessionKeysPerPKP {
			expires := now + 3600
			if i == 0 {
				expires = now + 5
			}
			_, err := f.deliver(w.authorize(t, session{newSessionKey(100 + i), signCaps, expires, []string{tok4}}))
			require.NoError(t, err, i)
		}
		w.refused(t, w.authorize(t, session{newSessionKey(99), signCaps, now + 60, []string{tok4}}), types.ErrInvalidSessionKey, "32 live session keys")
		// Re-authorising a key it holds takes no room.
		_, err := f.deliver(w.authorize(t, session{newSessionKey(101), signCaps, now + 7200, []string{tok4}}))
		require.NoError(t, err)
		f.ctx = f.ctx.WithBlockTime(time.Unix(now+5, 0))
		_, err = f.deliver(w.authorize(t, session{newSessionKey(99), signCaps, now + 60, []string{tok4}}))
		require.NoError(t, err)
		has, err := f.k.SessionKeys.Has(f.ctx, collections.Join(must(types.ParseTokenID(tok4)), must(types.ParseSessionPubkey(newSessionKey(100).Pubkey()))))
		require.NoError(t, err)
		require.False(t, has, "the expired key was pruned")
		f.ctx = f.ctx.WithBlockTime(time.Unix(now, 0))
	})

	t.Run("genesis", func(t *testing.T) {
		gs, err := f.k.ExportGenesis(f.ctx)
		require.NoError(t, err)
		require.NotEmpty(t, gs.SessionKeys)
		require.NoError(t, gs.Validate())
		g := newFixture(t, true)
		require.NoError(t, g.k.InitGenesis(g.ctx, *gs))
		again, err := g.k.ExportGenesis(g.ctx)
		require.NoError(t, err)
		require.Equal(t, gs, again)

		good := gs.SessionKeys[0]
		for name, sk := range map[string]types.SessionKey{
			"unknown pkp":       {TokenId: unknownTok, Pubkey: good.Pubkey, AuthMethodType: 3, Id: good.Id, Capabilities: signCaps, ExpiresAt: 1},
			"no auth method":    {TokenId: good.TokenId, Pubkey: good.Pubkey, AuthMethodType: 3, Id: "0xabcd", Capabilities: signCaps, ExpiresAt: 1},
			"duplicate":         good,
			"upper-case pubkey": {TokenId: good.TokenId, Pubkey: "0x02" + hex.EncodeToString(make([]byte, 32)), AuthMethodType: 3, Id: good.Id, Capabilities: signCaps, ExpiresAt: 1},
			"no capabilities":   {TokenId: good.TokenId, Pubkey: newSessionKey(50).Pubkey(), AuthMethodType: 3, Id: good.Id, ExpiresAt: 1},
			"no expiry":         {TokenId: good.TokenId, Pubkey: newSessionKey(50).Pubkey(), AuthMethodType: 3, Id: good.Id, Capabilities: signCaps},
		} {
			bad := *gs
			bad.SessionKeys = append([]types.SessionKey{}, gs.SessionKeys...)
			bad.SessionKeys = append(bad.SessionKeys, sk)
			require.Error(t, bad.Validate(), name)
		}
	})
}

func TestSessionKeysDisabled(t *testing.T) {
	w := newPasskeyWorld(t)
	f := w.f
	f.ctx = f.ctx.WithBlockTime(time.Unix(now, 0))
	params := types.DefaultParams()
	params.MaxSessionSeconds = 0
	_, err := f.deliver(&types.MsgUpdateParams{Authority: gov.String(), Params: params})
	require.NoError(t, err)
	w.refused(t, w.authorize(t, session{newSessionKey(1), []types.SessionCapability{types.SESSION_CAPABILITY_SIGN}, now + 60, []string{w.tok}}),
		types.ErrInvalidSessionKey, "disabled")
}

// A session authorised by an OIDC token.
func TestSessionKeyFromOIDCToken(t *testing.T) {
	w := newOIDCWorld(t)
	f := w.f
	k := newSessionKey(1)
	caps := []types.SessionCapability{types.SESSION_CAPABILITY_SIGN}
	ch := w.challengeFor(t, &types.QueryAuthChallengeRequest{Purpose: types.AUTH_PURPOSE_AUTHORIZE_SESSION, TokenIds: []string{w.tok},
		AuthMethodType: types.OIDCAuthMethodType, Id: w.oidcAM.Id, SessionPubkey: k.Pubkey(), Capabilities: caps, ExpiresAt: now + 600})
	_, err := f.deliver(&types.MsgAuthorizeSessionKey{Submitter: other, TokenIds: []string{w.tok}, AuthMethodType: types.OIDCAuthMethodType, Id: w.oidcAM.Id,
		SessionPubkey: k.Pubkey(), Capabilities: caps, ExpiresAt: now + 600, Proof: &types.AuthProof{Jwt: w.iss.Token(w.iss.Claims("user-1", testAud, now, ch))}})
	require.NoError(t, err)
	digest := digestOf('o')
	ch = w.signChallenge(t, w.oidcAM, digest)
	_, err = f.deliver(&types.MsgSignWithAuthMethod{Submitter: other, TokenId: w.tok, AuthMethodType: types.OIDCAuthMethodType, Id: w.oidcAM.Id,
		Digest: "0x" + hex.EncodeToString(digest), Proof: k.Sign(ch)})
	require.NoError(t, err)
	// The passkey's session key is not the OIDC method's.
	w.refused(t, &types.MsgSignWithAuthMethod{Submitter: other, TokenId: w.tok, AuthMethodType: 3, Id: w.fullAM.Id,
		Digest: "0x" + hex.EncodeToString(digest), Proof: k.Sign(w.signChallenge(t, w.fullAM, digest))}, types.ErrInvalidSessionKey, "belongs to auth method")
}
