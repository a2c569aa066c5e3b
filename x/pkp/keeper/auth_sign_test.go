package keeper_test

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/testutil/softauthn"
	"github.com/litprotocol/litd/x/pkp/keeper"
	"github.com/litprotocol/litd/x/pkp/types"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

const webOrigin = "https://wallet.example"

// passkeyWorld: a PKP of creator's whose signers are two WebAuthn
// credentials, full (sign-anything) and personal (personal-sign only).
// other relays their requests: it is neither owner nor permitted.
type passkeyWorld struct {
	f              *fixture
	tok            string
	full, personal *softauthn.Authenticator
	fullAM, perAM  types.AuthMethod
}

func newPasskeyWorld(t *testing.T) passkeyWorld {
	t.Helper()
	f := newFixture(t, true)
	w := passkeyWorld{f: f, full: softauthn.New("wallet.example", "full"), personal: softauthn.New("wallet.example", "personal")}
	w.fullAM = w.full.AuthMethod([]string{webOrigin}, types.SCOPE_SIGN_ANYTHING)
	w.perAM = w.personal.AuthMethod([]string{webOrigin}, types.SCOPE_PERSONAL_SIGN)
	w.tok = f.mint(t, &types.MsgMint{Creator: creator, AuthMethods: []types.AuthMethod{w.fullAM, w.perAM, am1}}).TokenId
	return w
}

// challenge asks the chain, as a wallet does, for the challenge of the next
// request of digest.
func (w passkeyWorld) challenge(t *testing.T, am types.AuthMethod, digest []byte) (*types.QueryAuthChallengeResponse, []byte) {
	t.Helper()
	res, err := w.f.q.AuthChallenge(w.f.ctx, &types.QueryAuthChallengeRequest{Purpose: types.AUTH_PURPOSE_SIGN,
		TokenIds: []string{w.tok}, AuthMethodType: am.AuthMethodType, Id: am.Id, Digest: "0x" + hex.EncodeToString(digest)})
	require.NoError(t, err)
	return res, must(hex.DecodeString(res.Challenge[2:]))
}

// request is other's MsgSignWithAuthMethod of digest (or message, if
// given), with an assertion of a over the chain's current challenge.
func (w passkeyWorld) request(t *testing.T, a *softauthn.Authenticator, am types.AuthMethod, digest []byte, message string) *types.MsgSignWithAuthMethod {
	t.Helper()
	_, ch := w.challenge(t, am, digest)
	msg := &types.MsgSignWithAuthMethod{Submitter: other, TokenId: w.tok, AuthMethodType: am.AuthMethodType, Id: am.Id,
		Proof: &types.AuthProof{Webauthn: a.Assert(ch, webOrigin)}}
	if message != "" {
		msg.Message = []byte(message)
	} else {
		msg.Digest = "0x" + hex.EncodeToString(digest)
	}
	return msg
}

// state is everything a signing request may change: x/pkp's store and
// export, x/tss's export, balances.
type state struct {
	pkp snapshot
	tss *tsstypes.GenesisState
}

func (w passkeyWorld) state(t *testing.T) state {
	t.Helper()
	gs, err := w.f.tss.ExportGenesis(w.f.ctx)
	require.NoError(t, err)
	return state{w.f.snapshot(t), gs}
}

// refused requires msg to fail with want, mentioning text, and change nothing.
func (w passkeyWorld) refused(t *testing.T, msg sdk.Msg, want error, text string) {
	t.Helper()
	before := w.state(t)
	_, err := w.f.deliver(msg)
	require.ErrorIs(t, err, want)
	require.ErrorContains(t, err, text)
	require.Equal(t, before, w.state(t))
	require.Empty(t, w.f.ctx.EventManager().Events())
}

func digestOf(b byte) []byte { return []byte(strings.Repeat(string(rune(b)), 32)) }

func TestSignWithAuthMethod(t *testing.T) {
	w := newPasskeyWorld(t)
	f := w.f
	digest := digestOf('d')
	signFee := tsstypes.DefaultParams().SignFee
	fullKey := types.AuthMethodKey(w.fullAM.AuthMethodType, w.fullAM.Id)

	first := w.request(t, w.full, w.fullAM, digest, "")
	res, err := f.deliver(first)
	require.NoError(t, err)
	r := res.(*types.MsgSignWithAuthMethodResponse)
	digestHex := "0x" + hex.EncodeToString(digest)
	require.Equal(t, digestHex, r.Digest)

	// x/tss queued the request for the PKP's key, as MsgSign does; the
	// relayer paid the fee.
	sig, err := f.tss.Signatures.Get(f.ctx, r.SignatureId)
	require.NoError(t, err)
	p := f.pkp(t, w.tok).Pkp
	require.Equal(t, tsstypes.SIGNATURE_STATUS_PENDING, sig.Status)
	require.Equal(t, w.tok, sig.TokenId)
	require.Equal(t, digestHex, sig.Digest)
	require.Equal(t, p.KeyId, sig.KeyId)
	require.Equal(t, "auth_method:"+w.tok+":0x"+hex.EncodeToString(fullKey), sig.Requester)
	require.Equal(t, ulit(10_000_000).Sub(signFee), f.bank.balances[other])
	require.Equal(t, ulit(1_000_000).Add(signFee), f.bank.modules["fee_collector"])
	require.Equal(t, []proto.Message{
		&tsstypes.EventSignatureRequested{SignatureId: r.SignatureId, TokenId: w.tok, Digest: digestHex, Requester: sig.Requester},
		&types.EventSignedWithAuthMethod{TokenId: w.tok, AuthMethodType: 3, Id: w.fullAM.Id, Submitter: other, SignatureId: r.SignatureId,
			Digest: digestHex, Nonce: 0, SignCount: 1, Proof: "webauthn"},
	}, f.events(t))

	// The nonce moved on: the challenge for the same digest is another.
	next, _ := w.challenge(t, w.fullAM, digest)
	require.Equal(t, []uint64{1}, next.Nonces)
	require.Equal(t, []uint32{1}, next.SignCounts)
	counter, err := f.k.AuthMethodCounters.Get(f.ctx, collections.Join(must(types.ParseTokenID(w.tok)), fullKey))
	require.NoError(t, err)
	require.Equal(t, types.AuthMethodCounter{AuthMethodType: 3, Id: w.fullAM.Id, Nonce: 1, SignCount: 1}, counter)

	t.Run("refusals change nothing", func(t *testing.T) {
		_, ch := w.challenge(t, w.fullAM, digest)
		with := func(change func(m *types.MsgSignWithAuthMethod)) *types.MsgSignWithAuthMethod {
			m := &types.MsgSignWithAuthMethod{Submitter: other, TokenId: w.tok, AuthMethodType: 3, Id: w.fullAM.Id, Digest: digestHex,
				Proof: &types.AuthProof{Webauthn: w.full.Assert(ch, webOrigin)}}
			change(m)
			return m
		}
		w.refused(t, first, types.ErrInvalidAssertion, "wrong challenge") // replayed
		w.refused(t, with(func(m *types.MsgSignWithAuthMethod) { m.Proof.Webauthn = w.full.Assert(ch, "https://evil.example") }), types.ErrInvalidAssertion, "origin")
		w.refused(t, with(func(m *types.MsgSignWithAuthMethod) { m.Digest = "0x" + hex.EncodeToString(digestOf('e')) }), types.ErrInvalidAssertion, "wrong challenge")
		w.refused(t, with(func(m *types.MsgSignWithAuthMethod) {
			w.full.SignCount = 0 // a clone of the authenticator from before the first request
			m.Proof.Webauthn = w.full.Assert(ch, webOrigin)
		}), types.ErrInvalidAssertion, "sign count 1 is not above the last accepted 1")
		w.full.SignCount = 5
		w.refused(t, with(func(m *types.MsgSignWithAuthMethod) { m.Proof.Webauthn.Signature[10]++ }), types.ErrInvalidAssertion, "signature does not verify")
		w.refused(t, with(func(m *types.MsgSignWithAuthMethod) { m.Proof = nil }), types.ErrInvalidAuthProof, "give exactly one proof")
		stranger := softauthn.New("wallet.example", "stranger")
		stranger.SignCount = 100
		w.refused(t, with(func(m *types.MsgSignWithAuthMethod) { m.Proof.Webauthn = stranger.Assert(ch, webOrigin) }), types.ErrInvalidAssertion, "signature does not verify")
		// The submitter cannot pay the sign fee: x/tss refuses and the nonce
		// is not spent.
		w.refused(t, with(func(m *types.MsgSignWithAuthMethod) { m.Submitter = recipient }), tsstypes.ErrInsufficientFee, "sign fee")
		w.refused(t, with(func(m *types.MsgSignWithAuthMethod) { m.Submitter = "lit1bad" }), types.ErrInvalidAddress, "submitter")
		w.refused(t, with(func(m *types.MsgSignWithAuthMethod) { m.TokenId = unknownTok }), types.ErrPKPNotFound, unknownTok)
		w.refused(t, with(func(m *types.MsgSignWithAuthMethod) { m.TokenId = "0x12" }), types.ErrInvalidTokenID, "32 bytes")
		w.refused(t, with(func(m *types.MsgSignWithAuthMethod) { m.Id = w.full.AuthMethodID()[:10] }), types.ErrPermissionNotFound, "is not permitted on")
		w.refused(t, with(func(m *types.MsgSignWithAuthMethod) { m.AuthMethodType = 0 }), types.ErrInvalidAuthMethod, "type and id are required")
		w.refused(t, with(func(m *types.MsgSignWithAuthMethod) { m.AuthMethodType, m.Id = am1.AuthMethodType, am1.Id }), types.ErrInvalidAuthMethod, "has no webauthn settings")
		w.refused(t, with(func(m *types.MsgSignWithAuthMethod) { m.Message = []byte("x") }), types.ErrInvalidSignRequest, "not both")
		w.refused(t, with(func(m *types.MsgSignWithAuthMethod) { m.Digest = "" }), types.ErrInvalidSignRequest, "give a digest")
		w.refused(t, with(func(m *types.MsgSignWithAuthMethod) { m.Digest = digestHex[2:] }), types.ErrInvalidSignRequest, "want 0x and 64 hex digits")
		w.refused(t, with(func(m *types.MsgSignWithAuthMethod) {
			m.Digest, m.Message = "", make([]byte, keeper.MaxPersonalMessageLength+1)
		}), types.ErrInvalidSignRequest, "at most 8192")
		// The right assertion still works after all that.
		_, err := f.deliver(with(func(*types.MsgSignWithAuthMethod) {}))
		require.NoError(t, err)
	})

	t.Run("personal-sign only signs EIP-191 messages", func(t *testing.T) {
		// ethers.hashMessage("hello world") (x/pkp/types TestPersonalMessageDigest).
		hashed := must(hex.DecodeString("d9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68"))
		raw := w.request(t, w.personal, w.perAM, hashed, "")
		w.refused(t, raw, types.ErrScopeNotPermitted, "a raw digest needs SCOPE_SIGN_ANYTHING")
		res, err := f.deliver(w.request(t, w.personal, w.perAM, hashed, "hello world"))
		require.NoError(t, err)
		r := res.(*types.MsgSignWithAuthMethodResponse)
		require.Equal(t, "0x"+hex.EncodeToString(hashed), r.Digest)
		sig, err := f.tss.Signatures.Get(f.ctx, r.SignatureId)
		require.NoError(t, err)
		require.Equal(t, r.Digest, sig.Digest)
		// Sign-anything covers messages too.
		_, err = f.deliver(w.request(t, w.full, w.fullAM, hashed, "hello world"))
		require.NoError(t, err)
	})

	t.Run("the counter outlives the auth method, and removal spends a nonce", func(t *testing.T) {
		before, _ := w.challenge(t, w.fullAM, digest)
		withheld := w.request(t, w.full, w.fullAM, digest, "") // made, never sent
		for _, m := range []sdk.Msg{
			&types.MsgRemoveAuthMethod{Owner: creator, TokenId: w.tok, AuthMethodType: 3, Id: w.fullAM.Id},
			&types.MsgAddAuthMethod{Owner: creator, TokenId: w.tok, AuthMethod: w.fullAM},
		} {
			_, err := f.deliver(m)
			require.NoError(t, err)
		}
		after, _ := w.challenge(t, w.fullAM, digest)
		require.Equal(t, before.Nonces[0]+1, after.Nonces[0])
		require.Equal(t, before.SignCounts, after.SignCounts)
		w.refused(t, first, types.ErrInvalidAssertion, "wrong challenge")
		w.refused(t, withheld, types.ErrInvalidAssertion, "wrong challenge")
	})

	t.Run("a burned PKP's auth methods still sign", func(t *testing.T) {
		_, err := f.deliver(&types.MsgBurn{Owner: creator, TokenId: w.tok})
		require.NoError(t, err)
		_, err = f.deliver(w.request(t, w.full, w.fullAM, digestOf('b'), ""))
		require.NoError(t, err)
	})

	t.Run("no root key", func(t *testing.T) {
		ks, err := f.tss.KeySets.Get(f.ctx, 1)
		require.NoError(t, err)
		ks.Status = tsstypes.KEY_SET_STATUS_KEYGEN
		require.NoError(t, f.tss.KeySets.Set(f.ctx, 1, ks))
		w.refused(t, w.request(t, w.full, w.fullAM, digest, ""), tsstypes.ErrNoActiveKeySet, "")
	})
}

func TestAuthChallengeQuery(t *testing.T) {
	w := newPasskeyWorld(t)
	q, ctx := w.f.q, w.f.ctx
	digest := digestOf('d')
	res, ch := w.challenge(t, w.fullAM, digest)
	tokenID := must(types.ParseTokenID(w.tok))
	require.Equal(t, types.AuthChallenge(testChainID, types.AUTH_PURPOSE_SIGN, types.AuthMethodKey(3, w.fullAM.Id), [][]byte{tokenID}, []uint64{0}, digest), ch)
	require.Equal(t, []uint64{0}, res.Nonces)
	require.Equal(t, []uint32{0}, res.SignCounts)
	// Ids are matched as Lit matches them: 0x-hex in any case.
	upper, err := q.AuthChallenge(ctx, &types.QueryAuthChallengeRequest{Purpose: types.AUTH_PURPOSE_SIGN, TokenIds: []string{strings.ToUpper(w.tok[2:])}, AuthMethodType: 3,
		Id: "0x" + strings.ToUpper(w.fullAM.Id[2:]), Digest: "0x" + strings.ToUpper(hex.EncodeToString(digest))})
	require.NoError(t, err)
	require.Equal(t, res, upper)

	req := func(tok string, typ uint64, id, digest string) *types.QueryAuthChallengeRequest {
		return &types.QueryAuthChallengeRequest{Purpose: types.AUTH_PURPOSE_SIGN, TokenIds: []string{tok}, AuthMethodType: typ, Id: id, Digest: digest}
	}
	d := "0x" + hex.EncodeToString(digest)
	session := func(change func(r *types.QueryAuthChallengeRequest)) *types.QueryAuthChallengeRequest {
		r := &types.QueryAuthChallengeRequest{Purpose: types.AUTH_PURPOSE_AUTHORIZE_SESSION, TokenIds: []string{w.tok}, AuthMethodType: 3, Id: w.fullAM.Id,
			SessionPubkey: sessionPubHex(newSessionKey(1)), Capabilities: []types.SessionCapability{types.SESSION_CAPABILITY_SIGN}, ExpiresAt: 100}
		change(r)
		return r
	}
	_, err = q.AuthChallenge(ctx, session(func(*types.QueryAuthChallengeRequest) {}))
	require.NoError(t, err)
	for _, c := range []struct {
		code string
		reqs []*types.QueryAuthChallengeRequest
	}{
		{"InvalidArgument", []*types.QueryAuthChallengeRequest{nil, req(w.tok, 3, w.fullAM.Id, "0x12"), req("0x12", 3, w.fullAM.Id, d), req(w.tok, 0, w.fullAM.Id, d),
			{TokenIds: []string{w.tok}, AuthMethodType: 3, Id: w.fullAM.Id, Digest: d}, // no purpose
			{Purpose: types.AUTH_PURPOSE_SIGN, AuthMethodType: 3, Id: w.fullAM.Id, Digest: d},
			{Purpose: types.AUTH_PURPOSE_SIGN, TokenIds: []string{w.tok, w.tok}, AuthMethodType: 3, Id: w.fullAM.Id, Digest: d},
			session(func(r *types.QueryAuthChallengeRequest) { r.TokenIds = []string{w.tok, strings.ToUpper(w.tok)} }),
			session(func(r *types.QueryAuthChallengeRequest) { r.SessionPubkey = "0x02" }),
			session(func(r *types.QueryAuthChallengeRequest) { r.Capabilities = nil }),
			session(func(r *types.QueryAuthChallengeRequest) { r.Capabilities = []types.SessionCapability{9} }),
		}},
		{"NotFound", []*types.QueryAuthChallengeRequest{req(unknownTok, 3, w.fullAM.Id, d), req(w.tok, 3, "0xabcd", d)}},
	} {
		for i, r := range c.reqs {
			_, err := q.AuthChallenge(ctx, r)
			require.Error(t, err, "%s #%d", c.code, i)
			require.Contains(t, err.Error(), "code = "+c.code, "%s #%d: %v", c.code, i, err)
		}
	}
}

func TestAuthMethodCountersGenesis(t *testing.T) {
	w := newPasskeyWorld(t)
	f := w.f
	_, err := f.deliver(w.request(t, w.full, w.fullAM, digestOf('d'), ""))
	require.NoError(t, err)
	// Removed, its counter stays in the export.
	_, err = f.deliver(&types.MsgRemoveAuthMethod{Owner: creator, TokenId: w.tok, AuthMethodType: 3, Id: w.fullAM.Id})
	require.NoError(t, err)
	gs, err := f.k.ExportGenesis(f.ctx)
	require.NoError(t, err)
	require.Equal(t, []types.GenesisAuthMethodCounter{{TokenId: w.tok, Counter: types.AuthMethodCounter{AuthMethodType: 3, Id: w.fullAM.Id, Nonce: 2, SignCount: 1}}},
		gs.AuthMethodCounters)
	require.NoError(t, gs.Validate())

	g := newFixture(t, true)
	require.NoError(t, g.k.InitGenesis(g.ctx, *gs))
	again, err := g.k.ExportGenesis(g.ctx)
	require.NoError(t, err)
	require.Equal(t, gs, again)
	require.Equal(t, f.snapshot(t).raw, g.snapshot(t).raw)

	mgb := f.mint(t, &types.MsgMintGrantBurn{Creator: creator, ActionCid: cidA}).TokenId
	gs, err = f.k.ExportGenesis(f.ctx)
	require.NoError(t, err)
	good := gs.AuthMethodCounters[0]
	for name, c := range map[string]types.GenesisAuthMethodCounter{
		"unknown pkp":     {TokenId: unknownTok, Counter: good.Counter},
		"mint/grant/burn": {TokenId: mgb, Counter: good.Counter},
		"type 0":          {TokenId: good.TokenId, Counter: types.AuthMethodCounter{Id: good.Counter.Id}},
		"empty id":        {TokenId: good.TokenId, Counter: types.AuthMethodCounter{AuthMethodType: 3, Id: "0x"}},
		"duplicate":       {TokenId: good.TokenId, Counter: types.AuthMethodCounter{AuthMethodType: 3, Id: strings.ToUpper(good.Counter.Id), Nonce: 9}},
	} {
		bad := *gs
		bad.AuthMethodCounters = []types.GenesisAuthMethodCounter{good, c}
		require.ErrorIs(t, bad.Validate(), types.ErrInvalidGenesis, name)
	}
}
