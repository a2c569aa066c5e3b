package e2e

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/litprotocol/litd/testutil/network"
	"github.com/litprotocol/litd/testutil/softauthn"
	"github.com/litprotocol/litd/testutil/softoidc"
	actionstypes "github.com/litprotocol/litd/x/actions/types"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
)

// setOIDCIssuers has governance set x/pkp's OIDC issuers, as a chain adds
// Google's keys or rotates them.
func setOIDCIssuers(t *testing.T, issuers ...pkptypes.OIDCIssuer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	params, err := pkptypes.NewQueryClient(grpcConn(t)).Params(ctx, &pkptypes.QueryParamsRequest{})
	require.NoError(t, err)
	p := params.Params
	p.OidcIssuers = issuers
	paramsJSON, err := enc.Codec.MarshalJSON(&p)
	require.NoError(t, err)
	msg := fmt.Sprintf(`{"@type":"/lit.pkp.v1.MsgUpdateParams","authority":%q,"params":%s}`,
		sdk.MustBech32ifyAddressBytes("lit", authtypes.NewModuleAddress("gov")), paramsJSON)
	file, err := network.ProposalFile(t.TempDir(), "Trust an OIDC issuer", msg)
	require.NoError(t, err)
	id, err := net.Propose("alice", "gov", "submit-proposal", file)
	require.NoError(t, err)
	require.NoError(t, net.WaitProposalPassed(id, network.LocalVotingPeriod+time.Minute))
	params, err = pkptypes.NewQueryClient(grpcConn(t)).Params(ctx, &pkptypes.QueryParamsRequest{})
	require.NoError(t, err)
	require.Equal(t, issuers, params.Params.OidcIssuers)
}

// TestE2EOIDCSigning: governance trusts a test OIDC issuer's key; a PKP
// whose only permission is an OIDC identity (type 100: issuer, user, app)
// signs for requests an account with no permission relays, each carrying an
// ID token whose nonce is the chain's challenge. Expired, wrong-audience,
// wrong-nonce and wrong-key tokens are refused and change nothing; the
// signature recovers to the PKP's address.
func TestE2EOIDCSigning(t *testing.T) {
	relayer := fund(t, "oidc-relayer", "10000000ulit")
	issuer := softoidc.NewRS256("https://issuer.litd.test", "e2e-1")
	setOIDCIssuers(t, issuer.Params())

	const sub, aud = "e2e-user", "litd-e2e-app"
	am := issuer.AuthMethod(pkptypes.OIDCAuthMethodType, sub, aud, pkptypes.SCOPE_SIGN_ANYTHING)
	amJSON, err := enc.Codec.MarshalJSON(&am)
	require.NoError(t, err)
	tokenID := mint(t, "alice", "--auth-methods", string(amJSON))
	mustTx(t, "alice", "pkp", "burn", tokenID)
	require.Equal(t, []pkptypes.AuthMethod{am}, queryPermissions(t, tokenID).AuthMethods, "the OIDC identity is the PKP's only permission")
	view := queryPKP(t, tokenID)

	typ := strconv.FormatUint(pkptypes.OIDCAuthMethodType, 10)
	signWith := func(token, digest string) network.TxResult {
		t.Helper()
		res, err := net.Tx(0, "oidc-relayer", "pkp", "sign-with-auth-method", tokenID, typ, am.Id, proofJSON(t, &pkptypes.AuthProof{Jwt: token}), "--digest", digest)
		require.NoError(t, err)
		return res
	}
	digest := digestOf("litd e2e: an OIDC login signs")
	_, ch := signChallenge(t, tokenID, pkptypes.OIDCAuthMethodType, am.Id, digest)
	now := time.Now().Unix()
	claims := func(change func(c softoidc.Claims)) string {
		c := issuer.Claims(sub, aud, now, ch)
		change(c)
		return issuer.Token(c)
	}
	stranger := softoidc.NewRS256(issuer.Name, issuer.Kid)
	for _, r := range []struct{ why, token, want string }{
		{"expired", claims(func(c softoidc.Claims) { c["exp"] = now - 120 }), "token expired"},
		{"wrong audience", claims(func(c softoidc.Claims) { c["aud"] = "another-app" }), "another user or another app"},
		{"wrong nonce", claims(func(c softoidc.Claims) { c["nonce"] = digest }), "is not the challenge"},
		{"wrong key", stranger.Token(stranger.Claims(sub, aud, now, ch)), "signature does not verify"},
	} {
		before, _ := signChallenge(t, tokenID, pkptypes.OIDCAuthMethodType, am.Id, digest)
		sigs := signaturesOf(t, tokenID)
		res := signWith(r.token, digest)
		require.Equal(t, uint32(23), res.Code, "%s: %s", r.why, res.RawLog)
		require.Equal(t, "pkp", res.Codespace)
		require.Contains(t, res.RawLog, "oidc token refused")
		require.Contains(t, res.RawLog, r.want, r.why)
		after, _ := signChallenge(t, tokenID, pkptypes.OIDCAuthMethodType, am.Id, digest)
		require.Equal(t, before, after, "%s: a refused token moved the nonce", r.why)
		require.Equal(t, sigs, signaturesOf(t, tokenID), "%s: a refused token queued a signature", r.why)
	}
	good := issuer.Token(issuer.Claims(sub, aud, now, ch))
	verifyAuthSigned(t, view, signWith(good, digest), relayer, digest)
	res := signWith(good, digest)
	require.Equal(t, uint32(23), res.Code, "replayed: %s", res.RawLog)
}

// TestE2ESessionKey: one passkey assertion authorises a secp256k1 session
// key for a passkey-only PKP; five signatures follow, each carrying only the
// session key's signature; after the session key revokes itself, and after
// another session's expiry, the session keys are refused.
func TestE2ESessionKey(t *testing.T) {
	relayer := fund(t, "session-relayer", "10000000ulit")
	passkey := softauthn.New("wallet.example", "e2e session passkey")
	am := passkey.AuthMethod([]string{passkeyOrigin}, pkptypes.SCOPE_SIGN_ANYTHING)
	amJSON, err := enc.Codec.MarshalJSON(&am)
	require.NoError(t, err)
	tokenID := mint(t, "alice", "--auth-methods", string(amJSON))
	mustTx(t, "alice", "pkp", "burn", tokenID)
	view := queryPKP(t, tokenID)
	q := pkptypes.NewQueryClient(grpcConn(t))

	authorize := func(key softoidc.SessionKey, expires int64) network.TxResult {
		t.Helper()
		caps := []pkptypes.SessionCapability{pkptypes.SESSION_CAPABILITY_SIGN}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := q.AuthChallenge(ctx, &pkptypes.QueryAuthChallengeRequest{Purpose: pkptypes.AUTH_PURPOSE_AUTHORIZE_SESSION, TokenIds: []string{tokenID},
			AuthMethodType: 3, Id: am.Id, SessionPubkey: key.Pubkey(), Capabilities: caps, ExpiresAt: expires})
		require.NoError(t, err)
		proof := &pkptypes.AuthProof{Webauthn: passkey.Assert(mustHex(t, res.Challenge), passkeyOrigin)}
		tx, err := net.Tx(0, "session-relayer", "pkp", "authorize-session-key", "3", am.Id, key.Pubkey(), strconv.FormatInt(expires, 10), proofJSON(t, proof),
			"--token-ids", tokenID, "--capabilities", "sign")
		require.NoError(t, err)
		return tx
	}
	sessionSign := func(key softoidc.SessionKey, digest string) network.TxResult {
		t.Helper()
		_, ch := webauthnChallenge(t, tokenID, am.Id, digest)
		res, err := net.Tx(0, "session-relayer", "pkp", "sign-with-auth-method", tokenID, "3", am.Id, proofJSON(t, key.Sign(ch)), "--digest", digest)
		require.NoError(t, err)
		return res
	}

	short, long := softoidc.NewSessionKey("e2e short"), softoidc.NewSessionKey("e2e long")
	shortExpiry := time.Now().Unix() + 20
	for _, s := range []struct {
		key     softoidc.SessionKey
		expires int64
	}{{short, shortExpiry}, {long, time.Now().Unix() + 600}} {
		res := authorize(s.key, s.expires)
		require.Zero(t, res.Code, res.RawLog)
		require.Equal(t, s.key.Pubkey(), res.Attr("lit.pkp.v1.EventSessionKeyAuthorized", "session_pubkey"))
	}
	prompts := passkey.SignCount

	// Five signatures with the session key only: no assertion.
	var digests []string
	var results []network.TxResult
	for i := range 5 {
		digests = append(digests, digestOf(fmt.Sprintf("litd e2e: session signature %d", i)))
		results = append(results, sessionSign(long, digests[i]))
		require.Equal(t, "session", results[i].Attr("lit.pkp.v1.EventSignedWithAuthMethod", "proof"))
	}
	for i, res := range results {
		verifyAuthSigned(t, view, res, relayer, digests[i])
	}
	require.Equal(t, prompts, passkey.SignCount, "no passkey prompt after the session was authorised")

	// The short session has expired by now (the five signatures take longer).
	for time.Now().Unix() < shortExpiry+5 {
		time.Sleep(time.Second)
	}
	res := sessionSign(short, digestOf("litd e2e: expired"))
	require.Equal(t, uint32(24), res.Code, res.RawLog)
	require.Contains(t, res.RawLog, "expired")

	// The long session revokes itself (the PKP has no owner).
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ch, err := q.AuthChallenge(ctx, &pkptypes.QueryAuthChallengeRequest{Purpose: pkptypes.AUTH_PURPOSE_REVOKE_SESSION, TokenIds: []string{tokenID},
		AuthMethodType: 3, Id: am.Id, SessionPubkey: long.Pubkey()})
	require.NoError(t, err)
	mustTx(t, "session-relayer", "pkp", "revoke-session-key", tokenID, long.Pubkey(), "--proof", proofJSON(t, long.Sign(mustHex(t, ch.Challenge))))
	res = sessionSign(long, digestOf("litd e2e: revoked"))
	require.Equal(t, uint32(24), res.Code, res.RawLog)
	require.Contains(t, res.RawLog, "no session key")
	keys, err := q.SessionKeys(ctx, &pkptypes.QuerySessionKeysRequest{TokenId: tokenID})
	require.NoError(t, err)
	require.Len(t, keys.SessionKeys, 1, "only the expired session is left")
	require.Equal(t, short.Pubkey(), keys.SessionKeys[0].Pubkey)
}

// authContextAction returns what it sees of its caller: Lit.Auth, and
// whether the first presented auth method is permitted on the PKP.
const authContextAction = `(async () => {
  const ctx = Lit.Auth.authMethodContexts;
  const permitted = ctx.length > 0 && await Lit.Actions.isPermittedAuthMethod({tokenId, authMethodType: ctx[0].authMethodType, userId: ctx[0].userId});
  Lit.Actions.setResponse({response: JSON.stringify({auth: Lit.Auth, permitted})});
})();
`

// TestE2EActionSeesPresentedAuthMethod: the caller of a Lit Action presents
// a PKP's passkey with the execution (an assertion over the execution's
// challenge); the action reads it, verified, in Lit.Auth.authMethodContexts
// along with its caller and CID, and checks it with isPermittedAuthMethod.
// The same presentation sent again is refused.
func TestE2EActionSeesPresentedAuthMethod(t *testing.T) {
	passkey := softauthn.New("wallet.example", "e2e action passkey")
	am := passkey.AuthMethod([]string{passkeyOrigin}, pkptypes.SCOPE_PERSONAL_SIGN)
	amJSON, err := enc.Codec.MarshalJSON(&am)
	require.NoError(t, err)
	tokenID := mint(t, "alice", "--auth-methods", string(amJSON))
	cid := upload(t, authContextAction)
	alice, err := net.KeyAddress(0, "alice")
	require.NoError(t, err)
	jsParams := fmt.Sprintf(`{"tokenId":%q}`, tokenID)

	hash := pkptypes.ExecutionHash(alice, cid, "", jsParams)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ch, err := pkptypes.NewQueryClient(grpcConn(t)).AuthChallenge(ctx, &pkptypes.QueryAuthChallengeRequest{Purpose: pkptypes.AUTH_PURPOSE_EXECUTE,
		TokenIds: []string{tokenID}, AuthMethodType: 3, Id: am.Id, ExecutionHash: "0x" + hex.EncodeToString(hash)})
	require.NoError(t, err)
	presentation := pkptypes.AuthPresentation{TokenId: tokenID, AuthMethodType: 3, Id: am.Id,
		Proof: &pkptypes.AuthProof{Webauthn: passkey.Assert(mustHex(t, ch.Challenge), passkeyOrigin)}}
	pJSON, err := enc.Codec.MarshalJSON(&presentation)
	require.NoError(t, err)
	args := []string{cid, "--js-params", jsParams, "--auth-methods", string(pJSON)}
	id := executeAs(t, "alice", args...)
	exec := waitFinished(t, id, 3*time.Minute)
	require.Equal(t, actionstypes.EXECUTION_STATUS_COMPLETED, exec.Status, exec.Error)
	var seen struct {
		Auth struct {
			ActionIpfsIds      []string `json:"actionIpfsIds"`
			AuthSigAddress     string   `json:"authSigAddress"`
			AuthMethodContexts []struct {
				AuthMethodType uint64 `json:"authMethodType"`
				UserID         string `json:"userId"`
				AppID          string `json:"appId"`
				AuthMethodID   string `json:"authMethodId"`
			} `json:"authMethodContexts"`
		} `json:"auth"`
		Permitted bool `json:"permitted"`
	}
	require.NoError(t, json.Unmarshal([]byte(exec.Result.Response), &seen), exec.Result.Response)
	require.Equal(t, []string{cid}, seen.Auth.ActionIpfsIds)
	require.Equal(t, alice, seen.Auth.AuthSigAddress)
	require.Len(t, seen.Auth.AuthMethodContexts, 1)
	c := seen.Auth.AuthMethodContexts[0]
	require.Equal(t, uint64(3), c.AuthMethodType)
	require.Equal(t, am.Id, c.UserID)
	require.Equal(t, "wallet.example", c.AppID)
	require.Equal(t, "0x"+hex.EncodeToString(pkptypes.AuthMethodKey(3, am.Id)), c.AuthMethodID)
	require.True(t, seen.Permitted)

	res, err := net.Tx(0, "alice", append([]string{"actions", "execute"}, args...)...)
	require.NoError(t, err)
	require.Equal(t, uint32(20), res.Code, "replayed presentation: %s", res.RawLog)
	require.Contains(t, res.RawLog, "wrong challenge")
}
