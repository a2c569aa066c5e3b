package keeper_test

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/litprotocol/litd/testutil/softauthn"
	"github.com/litprotocol/litd/testutil/softoidc"
	"github.com/litprotocol/litd/x/actions/types"
	pkpkeeper "github.com/litprotocol/litd/x/pkp/keeper"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
)

// An execution presents a passkey of a PKP (or a session key it
// authorised for actions); the execution records it as verified, for
// Lit.Auth.authMethodContexts, and the auth method's nonce is spent.
func TestExecutionAuthPresentations(t *testing.T) {
	f := newFixture(t)
	passkey := softauthn.New("wallet.example", "presenter")
	am := passkey.AuthMethod([]string{"https://wallet.example"}, pkptypes.SCOPE_PERSONAL_SIGN)
	tok := ok[*pkptypes.MsgMintResponse](t)(f.pkpMsgs.Mint(f.ctx, &pkptypes.MsgMint{Creator: caller, AuthMethods: []pkptypes.AuthMethod{am}})).TokenId
	pq := pkpkeeper.NewQuerier(f.pkp)
	const code, params = "Lit.Actions.setResponse({response: JSON.stringify(Lit.Auth)})", `{"n":1}`
	challenge := func(hash []byte) []byte {
		res := ok[*pkptypes.QueryAuthChallengeResponse](t)(pq.AuthChallenge(f.ctx, &pkptypes.QueryAuthChallengeRequest{Purpose: pkptypes.AUTH_PURPOSE_EXECUTE,
			TokenIds: []string{tok}, AuthMethodType: 3, Id: am.Id, ExecutionHash: "0x" + hex.EncodeToString(hash)}))
		return ok[[]byte](t)(hex.DecodeString(res.Challenge[2:]))
	}
	hash := pkptypes.ExecutionHash(caller, "", code, params)
	present := func(proof *pkptypes.AuthProof) pkptypes.AuthPresentation {
		return pkptypes.AuthPresentation{TokenId: tok, AuthMethodType: 3, Id: am.Id, Proof: proof}
	}
	first := &types.MsgExecuteAction{Caller: caller, Code: code, JsParams: params,
		AuthMethods: []pkptypes.AuthPresentation{present(&pkptypes.AuthProof{Webauthn: passkey.Assert(challenge(hash), "https://wallet.example")})}}
	id := ok[*types.MsgExecuteActionResponse](t)(f.msgs.ExecuteAction(f.ctx, first)).ExecutionId
	want := types.AuthMethodContext{AuthMethodType: 3, UserId: am.Id, AppId: "wallet.example",
		AuthMethodId: "0x" + hex.EncodeToString(pkptypes.AuthMethodKey(3, am.Id))}
	require.Equal(t, []types.AuthMethodContext{want}, f.exec(t, id).AuthMethodContexts)

	refused := func(msg *types.MsgExecuteAction, want error, text string) {
		t.Helper()
		before := f.snapshot(t)
		nonce := ok[*pkptypes.QueryAuthChallengeResponse](t)(pq.AuthChallenge(f.ctx, &pkptypes.QueryAuthChallengeRequest{Purpose: pkptypes.AUTH_PURPOSE_EXECUTE,
			TokenIds: []string{tok}, AuthMethodType: 3, Id: am.Id, ExecutionHash: "0x" + hex.EncodeToString(hash)})).Nonces
		_, err := f.msgs.ExecuteAction(f.ctx, msg)
		require.ErrorIs(t, err, want)
		require.ErrorContains(t, err, text)
		require.Equal(t, before, f.snapshot(t))
		after := ok[*pkptypes.QueryAuthChallengeResponse](t)(pq.AuthChallenge(f.ctx, &pkptypes.QueryAuthChallengeRequest{Purpose: pkptypes.AUTH_PURPOSE_EXECUTE,
			TokenIds: []string{tok}, AuthMethodType: 3, Id: am.Id, ExecutionHash: "0x" + hex.EncodeToString(hash)})).Nonces
		require.Equal(t, nonce, after)
	}
	refused(first, pkptypes.ErrInvalidAssertion, "wrong challenge") // replayed
	other := *first
	other.JsParams = `{"n":2}` // the proof was for n = 1
	refused(&other, pkptypes.ErrInvalidAssertion, "wrong challenge")
	fresh := present(&pkptypes.AuthProof{Webauthn: passkey.Assert(challenge(hash), "https://wallet.example")})
	refused(&types.MsgExecuteAction{Caller: caller, Code: code, JsParams: params, AuthMethods: []pkptypes.AuthPresentation{fresh, fresh}},
		types.ErrInvalidRequest, "presented twice")
	refused(&types.MsgExecuteAction{Caller: caller, Code: code, JsParams: params, AuthMethods: make([]pkptypes.AuthPresentation, 5)},
		types.ErrInvalidRequest, "at most 4")
	refused(&types.MsgExecuteAction{Caller: caller, Code: code, JsParams: params, AuthMethods: []pkptypes.AuthPresentation{{TokenId: tok, AuthMethodType: 3, Id: am.Id}}},
		pkptypes.ErrInvalidAuthProof, "exactly one proof")

	// Session keys present the passkey only with the execute-actions capability.
	authorize := func(k softoidc.SessionKey, caps ...pkptypes.SessionCapability) {
		expires := blockTime.Unix() + 600
		res := ok[*pkptypes.QueryAuthChallengeResponse](t)(pq.AuthChallenge(f.ctx, &pkptypes.QueryAuthChallengeRequest{Purpose: pkptypes.AUTH_PURPOSE_AUTHORIZE_SESSION,
			TokenIds: []string{tok}, AuthMethodType: 3, Id: am.Id, SessionPubkey: k.Pubkey(), Capabilities: caps, ExpiresAt: expires}))
		_, err := f.pkpMsgs.AuthorizeSessionKey(f.ctx, &pkptypes.MsgAuthorizeSessionKey{Submitter: caller, TokenIds: []string{tok}, AuthMethodType: 3, Id: am.Id,
			SessionPubkey: k.Pubkey(), Capabilities: caps, ExpiresAt: expires,
			Proof: &pkptypes.AuthProof{Webauthn: passkey.Assert(ok[[]byte](t)(hex.DecodeString(res.Challenge[2:])), "https://wallet.example")}})
		require.NoError(t, err)
	}
	signer, executor := softoidc.NewSessionKey("sign only"), softoidc.NewSessionKey("executor")
	authorize(signer, pkptypes.SESSION_CAPABILITY_SIGN)
	authorize(executor, pkptypes.SESSION_CAPABILITY_EXECUTE_ACTIONS)
	refused(&types.MsgExecuteAction{Caller: caller, Code: code, JsParams: params, AuthMethods: []pkptypes.AuthPresentation{present(signer.Sign(challenge(hash)))}},
		pkptypes.ErrInvalidSessionKey, "not SESSION_CAPABILITY_EXECUTE_ACTIONS")
	id = ok[*types.MsgExecuteActionResponse](t)(f.msgs.ExecuteAction(f.ctx, &types.MsgExecuteAction{Caller: caller, Code: code, JsParams: params,
		AuthMethods: []pkptypes.AuthPresentation{present(executor.Sign(challenge(hash)))}})).ExecutionId
	require.Equal(t, []types.AuthMethodContext{want}, f.exec(t, id).AuthMethodContexts)
}
