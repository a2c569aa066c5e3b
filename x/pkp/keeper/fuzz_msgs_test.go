package keeper_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"
	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/codec/address"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/testutil/fuzzmsg"
	"github.com/litprotocol/litd/testutil/softauthn"
	"github.com/litprotocol/litd/testutil/softoidc"
	"github.com/litprotocol/litd/x/pkp/keeper"
	"github.com/litprotocol/litd/x/pkp/types"
	"github.com/litprotocol/litd/x/tss/tdh"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// FuzzPKPMsgs feeds every x/pkp Msg to the real message server, on the
// world of the keeper tests (creator's PKP with an action, an address, an
// auth method and a WebAuthn passkey; a burned one; a Mint/Grant/Burn one;
// other's PKP; an active root key), and checks:
//
//  1. no panic;
//  2. a failing handler returns a registered x/pkp error (never ABCI code 1,
//     "internal") and leaves every store, and the bank, exactly as it was;
//  3. after a success the exported genesis validates, every index matches its
//     records, mint fees are conserved, and the message was authorized by the
//     state before it (owner messages come from the owner of an unburned PKP,
//     params from the authority, signing requests from a WebAuthn auth
//     method of the PKP with a scope for them, advancing its nonce).
//
// Input: two steps (sel, msg). (sel & 0x7f) % 17 picks the Msg type in
// pkpFuzzKinds order (16: no message) and msg is its protobuf encoding; the
// top bit of sel1 first takes the root key out of service (KEYGEN). Any
// string field of exactly two bytes "$<b>" is replaced by the value of
// pkpFuzzSymNames[b % len]: addresses, token ids and CIDs of the world, so
// that mutations reach authorization and duplicate checks instead of
// stopping at bech32 decoding. A successful first step is kept for the
// second (e.g. UpdateParams, then Mint).
//
//	FUZZTIME=60s bash scripts/fuzz.sh FuzzPKPMsgs
func FuzzPKPMsgs(f *testing.F) {
	pkpFuzzKinds.RequireCovers(f, "lit.pkp.v1.Msg")
	pkpFuzzSeeds().AddTo(f)
	f.Fuzz(func(t *testing.T, sel1 byte, msg1 []byte, sel2 byte, msg2 []byte) {
		e := pkpFuzzEnv(t)
		*e.w.f.sets = nil
		e.w.f.bank.balances, e.w.f.bank.modules = maps.Clone(e.balances), maps.Clone(e.modules)
		// The world is never written: each input runs in a branch of it.
		run := fuzzmsg.Branch(e.w.f.ctx)
		if sel1&0x80 != 0 {
			// The root key is being regenerated: no key can be derived.
			ks, err := e.w.f.tss.KeySets.Get(run, 1)
			require.NoError(t, err)
			ks.Status = tsstypes.KEY_SET_STATUS_KEYGEN
			require.NoError(t, e.w.f.tss.KeySets.Set(run, 1, ks))
		}
		e.step(t, run, sel1, msg1)
		e.step(t, run, sel2, msg2)
	})
}

// pkpFuzzKinds is every Msg of lit.pkp.v1.Msg, in the order sel picks them.
var pkpFuzzKinds = fuzzmsg.Kinds{
	func() sdk.Msg { return &types.MsgMint{} },
	func() sdk.Msg { return &types.MsgMintGrantBurn{} },
	func() sdk.Msg { return &types.MsgTransfer{} },
	func() sdk.Msg { return &types.MsgBurn{} },
	func() sdk.Msg { return &types.MsgAddPermittedAction{} },
	func() sdk.Msg { return &types.MsgRemovePermittedAction{} },
	func() sdk.Msg { return &types.MsgAddPermittedAddress{} },
	func() sdk.Msg { return &types.MsgRemovePermittedAddress{} },
	func() sdk.Msg { return &types.MsgAddAuthMethod{} },
	func() sdk.Msg { return &types.MsgRemoveAuthMethod{} },
	func() sdk.Msg { return &types.MsgAddAuthMethodScope{} },
	func() sdk.Msg { return &types.MsgRemoveAuthMethodScope{} },
	func() sdk.Msg { return &types.MsgSignWithAuthMethod{} },
	func() sdk.Msg { return &types.MsgUpdateParams{} },
	func() sdk.Msg { return &types.MsgAuthorizeSessionKey{} },
	func() sdk.Msg { return &types.MsgRevokeSessionKey{} },
	func() sdk.Msg { return &types.MsgDecrypt{} },
}

// deliver hands msg to the message server.
func (e *pkpFuzzWorld) deliver(ctx sdk.Context, msg sdk.Msg) (proto.Message, error) {
	msgs := e.w.f.msgs
	switch m := msg.(type) {
	case *types.MsgMint:
		return msgs.Mint(ctx, m)
	case *types.MsgMintGrantBurn:
		return msgs.MintGrantBurn(ctx, m)
	case *types.MsgTransfer:
		return msgs.Transfer(ctx, m)
	case *types.MsgBurn:
		return msgs.Burn(ctx, m)
	case *types.MsgAddPermittedAction:
		return msgs.AddPermittedAction(ctx, m)
	case *types.MsgRemovePermittedAction:
		return msgs.RemovePermittedAction(ctx, m)
	case *types.MsgAddPermittedAddress:
		return msgs.AddPermittedAddress(ctx, m)
	case *types.MsgRemovePermittedAddress:
		return msgs.RemovePermittedAddress(ctx, m)
	case *types.MsgAddAuthMethod:
		return msgs.AddAuthMethod(ctx, m)
	case *types.MsgRemoveAuthMethod:
		return msgs.RemoveAuthMethod(ctx, m)
	case *types.MsgAddAuthMethodScope:
		return msgs.AddAuthMethodScope(ctx, m)
	case *types.MsgRemoveAuthMethodScope:
		return msgs.RemoveAuthMethodScope(ctx, m)
	case *types.MsgSignWithAuthMethod:
		return msgs.SignWithAuthMethod(ctx, m)
	case *types.MsgUpdateParams:
		return msgs.UpdateParams(ctx, m)
	case *types.MsgAuthorizeSessionKey:
		return msgs.AuthorizeSessionKey(ctx, m)
	case *types.MsgRevokeSessionKey:
		return msgs.RevokeSessionKey(ctx, m)
	case *types.MsgDecrypt:
		return msgs.Decrypt(ctx, m)
	}
	panic(fmt.Sprintf("no handler for %T", msg))
}

// ---------------------------------------------------------------- symbols

// pkpFuzzSymNames name the values "$<b>" stands for; pkpFuzzEnv fills them in.
var pkpFuzzSymNames = fuzzmsg.Symbols{
	"creator", "other", "poor", "recipient", "addrP", "addrQ", "gov", "CREATOR", "ADDRP", "cosmos", "lit32", "",
	"tok", "burned", "mgb", "otherTok", "next", "unknownTok", "TOK", "0Xtok", "shortTok",
	"cidA", "cidB", "cidC", "badCID", "longCID",
	"am1", "am2", "long", "passkey", "session", "otherSession",
}

// fuzzSession is the session key the passkey authorised (sign) on
// otherTok in the world; fuzzOtherSession is authorised nowhere.
var fuzzSession, fuzzOtherSession = softoidc.NewSessionKey("fuzz"), softoidc.NewSessionKey("fuzz other")

// fuzzPasskey is the WebAuthn credential permitted (sign-anything) on the
// world's tok and otherTok.
func fuzzPasskey() (*softauthn.Authenticator, types.AuthMethod) {
	a := softauthn.New("wallet.example", "fuzz passkey")
	return a, a.AuthMethod([]string{webOrigin}, types.SCOPE_SIGN_ANYTHING)
}

// ---------------------------------------------------------------- environment

type pkpFuzzWorld struct {
	w                 world
	syms              []string
	balances, modules map[string]sdk.Coins
}

var pkpFuzzCached *pkpFuzzWorld

// pkpFuzzEnv builds the world once per process (inputs never write to it).
func pkpFuzzEnv(t *testing.T) *pkpFuzzWorld {
	if pkpFuzzCached != nil {
		return pkpFuzzCached
	}
	w := newWorld(t)
	w.f.ctx = w.f.ctx.WithBlockTime(time.Unix(now, 0))
	authn, passkey := fuzzPasskey()
	otherTok := w.f.mint(t, &types.MsgMint{Creator: other, PermittedActions: []types.PermittedAction{{Cid: cidB, Scopes: sign}},
		AuthMethods: []types.AuthMethod{passkey}}).TokenId
	_, err := w.f.deliver(&types.MsgAddAuthMethod{Owner: creator, TokenId: w.tok, AuthMethod: passkey})
	require.NoError(t, err)
	_, err = w.f.deliver(fuzzAuthorize(authn, passkey, otherTok, fuzzSession, 0))
	require.NoError(t, err)
	next, err := w.f.k.NextKeyID.Peek(w.f.ctx)
	require.NoError(t, err)
	lit32, err := address.NewBech32Codec("lit").BytesToString(bytes.Repeat([]byte{9}, 32))
	require.NoError(t, err)
	vals := map[string]string{
		"creator": creator, "other": other, "poor": poor, "recipient": recipient, "addrP": addrP, "addrQ": addrQ,
		"gov": gov.String(), "CREATOR": strings.ToUpper(creator), "ADDRP": strings.ToUpper(addrP),
		"cosmos": "cosmos1qyqszqgpqyqszqgpqyqszqgpqyqszqgpjnp7du", "lit32": lit32, "": "",
		"tok": w.tok, "burned": w.burned, "mgb": w.mgb, "otherTok": otherTok,
		"next":       types.FormatTokenID(types.TokenIDFromPubkey(childPubkey(next))),
		"unknownTok": unknownTok, "TOK": strings.ToUpper(w.tok[2:]), "0Xtok": "0X" + w.tok[2:], "shortTok": w.tok[:64],
		"cidA": cidA, "cidB": cidB, "cidC": testCID("action c"), "badCID": "Qm123", "longCID": strings.Repeat("Qm", 65),
		"am1": am1.Id, "am2": am2.Id, "long": strings.Repeat("x", types.MaxAuthMethodFieldLength+1), "passkey": passkey.Id,
		"session": fuzzSession.Pubkey(), "otherSession": fuzzOtherSession.Pubkey(),
	}
	e := &pkpFuzzWorld{w: w, syms: pkpFuzzSymNames.Values(t, vals), balances: maps.Clone(w.f.bank.balances), modules: maps.Clone(w.f.bank.modules)}
	pkpFuzzCached = e
	return e
}

func pkpFuzzCoinsTotal(m map[string]sdk.Coins) sdk.Coins {
	var total sdk.Coins
	for _, c := range m {
		total = total.Add(c...)
	}
	return total
}

// ---------------------------------------------------------------- one step

func (e *pkpFuzzWorld) step(t *testing.T, run sdk.Context, sel byte, raw []byte) {
	msg, ok := pkpFuzzKinds.Decode(sel, raw, e.syms)
	if !ok {
		return
	}
	f, k := e.w.f, e.w.f.k

	balances, modules := maps.Clone(f.bank.balances), maps.Clone(f.bank.modules)
	pre, err := k.ExportGenesis(run)
	require.NoError(t, err)

	// x/tss refuses signing requests with its own errors (no root key, fee,
	// queue caps).
	res, err := fuzzmsg.Deliver(t, f.ctx, run, msg, e.deliver, types.ModuleName, tsstypes.ModuleName)
	if err != nil {
		require.Equal(t, balances, f.bank.balances, "%T failed (%v) but moved coins", msg, err)
		require.Equal(t, modules, f.bank.modules, "%T failed (%v) but moved coins", msg, err)
		return
	}
	pkpFuzzInvariants(t, k, run)
	require.True(t, pkpFuzzCoinsTotal(balances).Add(pkpFuzzCoinsTotal(modules)...).Equal(pkpFuzzCoinsTotal(f.bank.balances).Add(pkpFuzzCoinsTotal(f.bank.modules)...)), "coins created or destroyed")
	post, err := k.ExportGenesis(run)
	require.NoError(t, err)
	canon := func(s string) string {
		bz, err := sdk.AccAddressFromBech32(strings.ToLower(s))
		require.NoError(t, err, "accepted address %q", s)
		return bz.String()
	}

	switch m := msg.(type) {
	case *types.MsgMint, *types.MsgMintGrantBurn:
		r := res.(*types.MsgMintResponse)
		require.Equal(t, pre.NextKeyId+1, post.NextKeyId)
		tokenID, err := types.ParseTokenID(r.TokenId)
		require.NoError(t, err)
		p, err := k.GetPKP(run, tokenID)
		require.NoError(t, err)
		require.Equal(t, pre.NextKeyId, p.KeyId)
		require.Equal(t, r.Pubkey, p.Pubkey)
		payer := ""
		if mm, ok := m.(*types.MsgMint); ok {
			payer = canon(mm.Creator)
			require.Equal(t, payer, p.Owner)
			require.False(t, p.Burned || p.MintGrantBurn)
		} else {
			payer = canon(m.(*types.MsgMintGrantBurn).Creator)
			require.True(t, p.Burned && p.MintGrantBurn)
			require.Empty(t, p.Owner)
		}
		fee := sdk.NewCoins(pre.Params.MintFee)
		require.True(t, modules["fee_collector"].Add(fee...).Equal(f.bank.modules["fee_collector"]), "mint fee %s not collected", fee)
		require.True(t, balances[payer].Equal(f.bank.balances[payer].Add(fee...)), "mint fee %s not paid by %s", fee, payer)
	case *types.MsgUpdateParams:
		require.Equal(t, gov.String(), m.Authority)
		require.Equal(t, m.Params, post.Params)
	case *types.MsgSignWithAuthMethod:
		// Authorised by an auth method the PKP had before, with a scope for
		// the request, by a proof it can make (a passkey with settings, or
		// a live session key of it that may sign); its nonce went up by one;
		// the submitter paid.
		tok := types.FormatTokenID(must(types.ParseTokenID(m.TokenId)))
		am := pkpFuzzAuthMethod(t, pre, tok, m.AuthMethodType, m.Id)
		switch {
		case m.Proof.Webauthn != nil:
			require.NotNil(t, am.Webauthn)
		case m.Proof.Session != nil:
			s := pkpFuzzSession(t, pre, tok, m.Proof.Session.Pubkey)
			require.Equal(t, types.AuthMethodKey(am.AuthMethodType, am.Id), types.AuthMethodKey(s.AuthMethodType, s.Id))
			require.Contains(t, s.Capabilities, types.SESSION_CAPABILITY_SIGN)
			require.Less(t, run.BlockTime().Unix(), s.ExpiresAt)
		default:
			require.True(t, types.IsOIDCAuthMethodType(am.AuthMethodType))
			require.NotEmpty(t, pre.Params.OidcIssuers)
		}
		if m.Digest != "" {
			require.Contains(t, am.Scopes, types.SCOPE_SIGN_ANYTHING, "a raw digest without sign-anything")
		}
		require.Equal(t, pkpFuzzNonce(pre, tok, m.AuthMethodType, m.Id)+1, pkpFuzzNonce(post, tok, m.AuthMethodType, m.Id))
		fee := tsstypes.DefaultParams().SignFee
		submitter := canon(m.Submitter)
		require.True(t, balances[submitter].Equal(f.bank.balances[submitter].Add(fee)), "sign fee %s not paid by %s", fee, submitter)
		require.NotZero(t, res.(*types.MsgSignWithAuthMethodResponse).SignatureId)
	case *types.MsgDecrypt:
		// The header's proof binds R to its conditions; the requester paid
		// the decrypt fee; x/tss serves exactly this request; x/pkp state
		// did not change (no auth method was presented here).
		id, err := m.Header.Identity()
		require.NoError(t, err)
		require.NoError(t, tdh.VerifyEphemeral(m.Header.Ephemeral, m.Header.Proof, id))
		requester := canon(m.Requester)
		fee := tsstypes.DefaultParams().DecryptFee
		require.True(t, balances[requester].Equal(f.bank.balances[requester].Add(fee)), "decrypt fee %s not paid by %s", fee, requester)
		dec, err := e.w.f.tss.GetDecryption(run, res.(*types.MsgDecryptResponse).DecryptionId)
		require.NoError(t, err)
		require.Equal(t, requester, dec.Requester)
		require.Equal(t, id[:], dec.Identity)
		require.Equal(t, m.Header.Ephemeral, dec.Ephemeral)
		require.Equal(t, pre, post)
	case *types.MsgAuthorizeSessionKey:
		// Every PKP had the auth method; each now holds the key; each nonce
		// went up by one; no coins moved.
		require.Nil(t, m.Proof.Session, "a session key authorised another")
		for _, tokHex := range m.TokenIds {
			tok := types.FormatTokenID(must(types.ParseTokenID(tokHex)))
			pkpFuzzAuthMethod(t, pre, tok, m.AuthMethodType, m.Id)
			s := pkpFuzzSession(t, post, tok, m.SessionPubkey)
			require.Equal(t, m.ExpiresAt, s.ExpiresAt)
			require.Equal(t, pkpFuzzNonce(pre, tok, m.AuthMethodType, m.Id)+1, pkpFuzzNonce(post, tok, m.AuthMethodType, m.Id))
		}
		require.Equal(t, balances, f.bank.balances)
	case *types.MsgRevokeSessionKey:
		// The key was there and is gone; unless the PKP's owner sent it,
		// the auth method proved it and spent a nonce.
		tok := types.FormatTokenID(must(types.ParseTokenID(m.TokenId)))
		s := pkpFuzzSession(t, pre, tok, m.SessionPubkey)
		require.False(t, slices.ContainsFunc(post.SessionKeys, func(o types.SessionKey) bool { return o.TokenId == tok && o.Pubkey == s.Pubkey }))
		i := slices.IndexFunc(pre.Pkps, func(p types.PKP) bool { return p.TokenId == tok })
		if p := pre.Pkps[i]; p.Burned || p.Owner != canon(m.Sender) {
			require.Equal(t, pkpFuzzNonce(pre, tok, s.AuthMethodType, s.Id)+1, pkpFuzzNonce(post, tok, s.AuthMethodType, s.Id))
		}
	case interface {
		GetOwner() string
		GetTokenId() string
	}:
		// Authorized by the state before the message.
		tokenID, err := types.ParseTokenID(m.GetTokenId())
		require.NoError(t, err)
		var p *types.PKP
		for i := range pre.Pkps {
			if pre.Pkps[i].TokenId == types.FormatTokenID(tokenID) {
				p = &pre.Pkps[i]
			}
		}
		require.NotNil(t, p, "%T succeeded on unknown pkp %s", msg, m.GetTokenId())
		require.False(t, p.Burned, "%T succeeded on burned pkp %s", msg, p.TokenId)
		require.Equal(t, p.Owner, canon(m.GetOwner()), "%T succeeded from a non-owner", msg)
		require.Equal(t, pre.NextKeyId, post.NextKeyId)
		if _, ok := m.(*types.MsgBurn); ok {
			p, err := k.GetPKP(run, tokenID)
			require.NoError(t, err)
			require.True(t, p.Burned)
		}
		if tr, ok := m.(*types.MsgTransfer); ok {
			p, err := k.GetPKP(run, tokenID)
			require.NoError(t, err)
			require.Equal(t, canon(tr.Recipient), p.Owner)
		}
	default:
		t.Fatalf("unchecked success of %T", msg)
	}
}

// pkpFuzzAuthMethod is the auth method (typ, id) of tok in gs, which must exist.
func pkpFuzzAuthMethod(t *testing.T, gs *types.GenesisState, tok string, typ uint64, id string) types.AuthMethod {
	t.Helper()
	key := types.AuthMethodKey(typ, id)
	i := slices.IndexFunc(gs.AuthMethods, func(a types.GenesisAuthMethod) bool {
		return a.TokenId == tok && bytes.Equal(types.AuthMethodKey(a.AuthMethod.AuthMethodType, a.AuthMethod.Id), key)
	})
	require.GreaterOrEqual(t, i, 0, "auth method %d/%s not on %s", typ, id, tok)
	return gs.AuthMethods[i].AuthMethod
}

// pkpFuzzSession is the session key pubkey (any hex case) of tok in gs,
// which must exist.
func pkpFuzzSession(t *testing.T, gs *types.GenesisState, tok, pubkey string) types.SessionKey {
	t.Helper()
	pub, err := types.ParseSessionPubkey(pubkey)
	require.NoError(t, err)
	i := slices.IndexFunc(gs.SessionKeys, func(s types.SessionKey) bool { return s.TokenId == tok && s.Pubkey == "0x"+hex.EncodeToString(pub) })
	require.GreaterOrEqual(t, i, 0, "no session key %s on %s", pubkey, tok)
	return gs.SessionKeys[i]
}

// pkpFuzzNonce is the nonce of auth method (typ, id) on tok in gs.
func pkpFuzzNonce(gs *types.GenesisState, tok string, typ uint64, id string) uint64 {
	key := types.AuthMethodKey(typ, id)
	for _, c := range gs.AuthMethodCounters {
		if c.TokenId == tok && bytes.Equal(types.AuthMethodKey(c.Counter.AuthMethodType, c.Counter.Id), key) {
			return c.Counter.Nonce
		}
	}
	return 0
}

// fuzzAuthorize is the passkey's authorisation of a signing session key on
// tok (whose passkey nonce is nonce), valid for an hour of the world's time.
func fuzzAuthorize(a *softauthn.Authenticator, am types.AuthMethod, tok string, k softoidc.SessionKey, nonce uint64) *types.MsgAuthorizeSessionKey {
	caps := []types.SessionCapability{types.SESSION_CAPABILITY_SIGN}
	pub := must(types.ParseSessionPubkey(k.Pubkey()))
	ch := types.AuthChallenge(testChainID, types.AUTH_PURPOSE_AUTHORIZE_SESSION, types.AuthMethodKey(am.AuthMethodType, am.Id),
		[][]byte{must(types.ParseTokenID(tok))}, []uint64{nonce}, types.SessionPayload(pub, caps, now+3600))
	return &types.MsgAuthorizeSessionKey{Submitter: other, TokenIds: []string{tok}, AuthMethodType: am.AuthMethodType, Id: am.Id,
		SessionPubkey: k.Pubkey(), Capabilities: caps, ExpiresAt: now + 3600, Proof: &types.AuthProof{Webauthn: a.Assert(ch, webOrigin)}}
}

// pkpFuzzInvariants: the genesis export validates and every index is exactly
// what its records imply.
func pkpFuzzInvariants(t *testing.T, k keeper.Keeper, ctx sdk.Context) {
	t.Helper()
	gs, err := k.ExportGenesis(ctx)
	require.NoError(t, err)
	require.NoError(t, gs.Validate())

	wantOwner, wantEth := map[string]bool{}, map[string]string{}
	for _, p := range gs.Pkps {
		tokenID, err := types.ParseTokenID(p.TokenId)
		require.NoError(t, err)
		pk, err := types.ParsePubkey(p.Pubkey)
		require.NoError(t, err)
		wantEth[hex.EncodeToString(types.EthAddressBytes(pk))] = hex.EncodeToString(tokenID)
		if !p.Burned {
			owner, err := sdk.AccAddressFromBech32(p.Owner)
			require.NoError(t, err)
			wantOwner[hex.EncodeToString(owner)+"/"+hex.EncodeToString(tokenID)] = true
		}
	}
	gotOwner, gotEth := map[string]bool{}, map[string]string{}
	require.NoError(t, k.ByOwner.Walk(ctx, nil, func(key collections.Pair[sdk.AccAddress, []byte]) (bool, error) {
		gotOwner[hex.EncodeToString(key.K1())+"/"+hex.EncodeToString(key.K2())] = true
		return false, nil
	}))
	require.NoError(t, k.ByEthAddress.Walk(ctx, nil, func(eth, tokenID []byte) (bool, error) {
		gotEth[hex.EncodeToString(eth)] = hex.EncodeToString(tokenID)
		return false, nil
	}))
	require.Equal(t, wantOwner, gotOwner, "owner index")
	require.Equal(t, wantEth, gotEth, "eth address index")

	wantAuth, gotAuth := map[string]bool{}, map[string]bool{}
	require.NoError(t, k.AuthMethods.Walk(ctx, nil, func(key collections.Pair[[]byte, []byte], am types.AuthMethod) (bool, error) {
		require.Equal(t, types.AuthMethodKey(am.AuthMethodType, am.Id), key.K2(), "auth method stored under another key")
		wantAuth[hex.EncodeToString(key.K2())+"/"+hex.EncodeToString(key.K1())] = true
		return false, nil
	}))
	require.NoError(t, k.ByAuthMethod.Walk(ctx, nil, func(key collections.Pair[[]byte, []byte]) (bool, error) {
		gotAuth[hex.EncodeToString(key.K1())+"/"+hex.EncodeToString(key.K2())] = true
		return false, nil
	}))
	require.Equal(t, wantAuth, gotAuth, "auth method index")

	require.NoError(t, k.AuthMethodCounters.Walk(ctx, nil, func(key collections.Pair[[]byte, []byte], c types.AuthMethodCounter) (bool, error) {
		require.Equal(t, types.AuthMethodKey(c.AuthMethodType, c.Id), key.K2(), "auth method counter stored under another key")
		return false, nil
	}))
	require.NoError(t, k.PermittedActions.Walk(ctx, nil, func(key collections.Pair[[]byte, string], a types.PermittedAction) (bool, error) {
		require.Equal(t, key.K2(), a.Cid, "permitted action stored under another cid")
		return false, nil
	}))
	require.NoError(t, k.PermittedAddresses.Walk(ctx, nil, func(key collections.Pair[[]byte, sdk.AccAddress], a types.PermittedAddress) (bool, error) {
		require.Equal(t, key.K2().String(), a.Address, "permitted address stored under another address")
		return false, nil
	}))
}

// ---------------------------------------------------------------- seeds

// pkpFuzzSeeds: each Msg valid and invalid on its own, and pairs whose first
// message changes what the second may do.
func pkpFuzzSeeds() *fuzzmsg.Seeds {
	r, sel, none := pkpFuzzSymNames.Ref, pkpFuzzKinds.Sel, pkpFuzzKinds.None()
	seeds := fuzzmsg.NewSeeds(pkpFuzzKinds)
	one, two := seeds.One, seeds.Two
	am := func(typ uint64, id string, scopes ...types.Scope) types.AuthMethod {
		return types.AuthMethod{AuthMethodType: typ, Id: id, UserPubkey: "0xab", Scopes: scopes}
	}
	fullMint := &types.MsgMint{
		Creator:            r("creator"),
		PermittedActions:   []types.PermittedAction{{Cid: r("cidA"), Scopes: sign}, {Cid: r("cidC"), Scopes: []types.Scope{2, 1, 2}}},
		PermittedAddresses: []types.PermittedAddress{{Address: r("addrP"), Scopes: sign}, {Address: r("lit32"), Scopes: []types.Scope{2}}},
		AuthMethods:        []types.AuthMethod{am(1, r("am1"), 1), am(7, "x", 2)},
	}
	params := types.Params{MintFee: sdk.NewInt64Coin("ulit", 5)}

	// Mint and Mint/Grant/Burn.
	one(&types.MsgMint{Creator: r("creator")})
	one(fullMint)
	one(&types.MsgMint{Creator: r("CREATOR"), PermittedAddresses: []types.PermittedAddress{{Address: r("ADDRP"), Scopes: sign}}})
	one(&types.MsgMint{Creator: r("poor")})
	one(&types.MsgMint{Creator: r("cosmos")})
	one(&types.MsgMint{Creator: r("creator"), PermittedActions: []types.PermittedAction{{Cid: r("badCID"), Scopes: sign}}})
	one(&types.MsgMint{Creator: r("creator"), PermittedActions: []types.PermittedAction{{Cid: r("cidA"), Scopes: sign}, {Cid: r("cidA"), Scopes: sign}}})
	one(&types.MsgMint{Creator: r("creator"), PermittedAddresses: []types.PermittedAddress{{Address: r("addrP"), Scopes: sign}, {Address: r("ADDRP"), Scopes: sign}}})
	one(&types.MsgMint{Creator: r("creator"), PermittedAddresses: []types.PermittedAddress{{Address: r("addrP"), Scopes: []types.Scope{3}}}})
	one(&types.MsgMint{Creator: r("creator"), AuthMethods: []types.AuthMethod{am(1, r("long"), 1)}})
	one(&types.MsgMint{Creator: r("creator"), AuthMethods: []types.AuthMethod{am(0, "x", 1)}})
	one(&types.MsgMint{Creator: r("creator"), AuthMethods: []types.AuthMethod{am(1, r("am1"), 1), am(1, r("am1"), 2)}})
	one(&types.MsgMintGrantBurn{Creator: r("other"), ActionCid: r("cidA")})
	one(&types.MsgMintGrantBurn{Creator: r("creator"), ActionCid: r("longCID")})
	one(&types.MsgMintGrantBurn{Creator: r(""), ActionCid: r("cidB")})

	// Owner messages: valid on tok, and from every wrong signer or on every
	// wrong token.
	for _, m := range ownerMsgs(r("creator"), r("tok")) {
		one(m)
	}
	for _, c := range [][2]string{
		{"other", "tok"}, {"CREATOR", "TOK"}, {"creator", "0Xtok"}, {"creator", "burned"}, {"creator", "mgb"},
		{"creator", "otherTok"}, {"other", "otherTok"}, {"creator", "unknownTok"}, {"creator", "shortTok"}, {"", "tok"},
	} {
		for _, m := range ownerMsgs(r(c[0]), r(c[1])) {
			one(m)
		}
	}
	one(&types.MsgTransfer{Owner: r("creator"), TokenId: r("tok"), Recipient: r("creator")})
	one(&types.MsgTransfer{Owner: r("creator"), TokenId: r("tok"), Recipient: r("CREATOR")})
	one(&types.MsgTransfer{Owner: r("creator"), TokenId: r("tok"), Recipient: r("cosmos")})
	one(&types.MsgAddPermittedAction{Owner: r("creator"), TokenId: r("tok"), ActionCid: r("cidA"), Scopes: sign})
	one(&types.MsgAddPermittedAction{Owner: r("creator"), TokenId: r("tok"), ActionCid: r("cidB")})
	one(&types.MsgRemovePermittedAction{Owner: r("creator"), TokenId: r("tok"), ActionCid: r("cidB")})
	one(&types.MsgAddPermittedAddress{Owner: r("creator"), TokenId: r("tok"), Address: r("ADDRP"), Scopes: sign})
	one(&types.MsgAddPermittedAddress{Owner: r("creator"), TokenId: r("tok"), Address: r("lit32"), Scopes: []types.Scope{2, 1}})
	one(&types.MsgRemovePermittedAddress{Owner: r("creator"), TokenId: r("tok"), Address: r("ADDRP")})
	one(&types.MsgRemovePermittedAddress{Owner: r("creator"), TokenId: r("tok"), Address: r("addrQ")})
	one(&types.MsgAddAuthMethod{Owner: r("creator"), TokenId: r("tok"), AuthMethod: am(1, r("am1"), 2)})
	one(&types.MsgAddAuthMethod{Owner: r("creator"), TokenId: r("tok"), AuthMethod: am(1, r("long"), 1)})
	one(&types.MsgRemoveAuthMethod{Owner: r("creator"), TokenId: r("tok"), AuthMethodType: 2, Id: r("am1")})
	one(&types.MsgRemoveAuthMethod{Owner: r("creator"), TokenId: r("tok"), AuthMethodType: 0, Id: r("am1")})

	// Decryption: the owner of tok, a stranger, a balance, nested and
	// tampered headers (encrypted to the world's root; tok is key id 1).
	tokHex := types.FormatTokenID(types.TokenIDFromPubkey(childPubkey(1)))
	owned := types.AccessCondition{Type: types.CONDITION_TYPE_PKP_OWNER, TokenId: tokHex}
	rich := types.AccessCondition{Type: types.CONDITION_TYPE_BALANCE, Denom: "ulit", Amount: "5000000"}
	reqKey := bytes.Repeat([]byte{7}, 32)
	for _, c := range []types.AccessCondition{owned, rich, {Type: types.CONDITION_TYPE_ANY, Conditions: []types.AccessCondition{rich, owned}},
		{Type: types.CONDITION_TYPE_ALL, Conditions: []types.AccessCondition{owned, {Type: types.CONDITION_TYPE_ACTION, IpfsId: cidA}}}} {
		h := fuzzHeader(c, []byte("fuzz plaintext"))
		one(&types.MsgDecrypt{Requester: r("creator"), Header: h, RequesterKey: reqKey})
		one(&types.MsgDecrypt{Requester: r("poor"), Header: h, RequesterKey: reqKey})
	}
	tampered := fuzzHeader(owned, []byte("fuzz plaintext"))
	tampered.Proof[0] ^= 1
	one(&types.MsgDecrypt{Requester: r("creator"), Header: tampered, RequesterKey: reqKey})
	one(&types.MsgDecrypt{Requester: r("creator"), Header: fuzzHeader(owned, nil), RequesterKey: reqKey[:31]})

	// Signing with the passkey: a valid request (tok is key id 1 of the
	// world's root key), then it replayed, and wrong ones.
	passkey, passkeyAM := fuzzPasskey()
	tok := types.TokenIDFromPubkey(childPubkey(1))
	digest := bytes.Repeat([]byte{0xd1}, 32)
	challenge := types.AuthChallenge(testChainID, types.AUTH_PURPOSE_SIGN, types.AuthMethodKey(passkeyAM.AuthMethodType, passkeyAM.Id), [][]byte{tok}, []uint64{0}, digest)
	signReq := &types.MsgSignWithAuthMethod{Submitter: r("other"), TokenId: r("tok"), AuthMethodType: 3, Id: r("passkey"),
		Digest: "0x" + hex.EncodeToString(digest), Proof: &types.AuthProof{Webauthn: passkey.Assert(challenge, webOrigin)}}
	withReq := func(change func(*types.MsgSignWithAuthMethod)) *types.MsgSignWithAuthMethod {
		c := proto.Clone(signReq).(*types.MsgSignWithAuthMethod)
		change(c)
		return c
	}
	one(signReq)
	two(signReq, signReq)
	one(withReq(func(m *types.MsgSignWithAuthMethod) { m.Submitter = r("recipient") }))
	one(withReq(func(m *types.MsgSignWithAuthMethod) { m.Digest, m.Message = "", []byte("hello world") }))
	one(withReq(func(m *types.MsgSignWithAuthMethod) {
		m.Proof.Webauthn = passkey.Assert(challenge, "https://evil.example")
	}))
	one(withReq(func(m *types.MsgSignWithAuthMethod) { m.AuthMethodType, m.Id = 1, r("am1") }))
	one(withReq(func(m *types.MsgSignWithAuthMethod) { m.TokenId = r("burned") }))
	two(&types.MsgRemoveAuthMethodScope{Owner: r("creator"), TokenId: r("tok"), AuthMethodType: 3, Id: r("passkey"), Scope: types.SCOPE_SIGN_ANYTHING}, signReq)
	two(&types.MsgRemoveAuthMethod{Owner: r("creator"), TokenId: r("tok"), AuthMethodType: 3, Id: r("passkey")}, signReq)
	two(&types.MsgTransfer{Owner: r("creator"), TokenId: r("tok"), Recipient: r("other")}, signReq)

	// Session keys: the world's session on otherTok (passkey nonce 1 there)
	// signs and is revoked by its owner or by itself; a new session on tok.
	otherTok := types.TokenIDFromPubkey(childPubkey(4))
	sessionSign := &types.MsgSignWithAuthMethod{Submitter: r("creator"), TokenId: r("otherTok"), AuthMethodType: 3, Id: r("passkey"),
		Digest: "0x" + hex.EncodeToString(digest), Proof: fuzzSession.Sign(types.AuthChallenge(testChainID, types.AUTH_PURPOSE_SIGN,
			types.AuthMethodKey(passkeyAM.AuthMethodType, passkeyAM.Id), [][]byte{otherTok}, []uint64{1}, digest))}
	one(sessionSign)
	two(sessionSign, sessionSign)
	revokeSelf := &types.MsgRevokeSessionKey{Sender: r("creator"), TokenId: r("otherTok"), SessionPubkey: r("session"),
		Proof: fuzzSession.Sign(types.AuthChallenge(testChainID, types.AUTH_PURPOSE_REVOKE_SESSION, types.AuthMethodKey(passkeyAM.AuthMethodType, passkeyAM.Id),
			[][]byte{otherTok}, []uint64{1}, types.RevokePayload(must(types.ParseSessionPubkey(fuzzSession.Pubkey())))))}
	one(revokeSelf)
	two(revokeSelf, sessionSign)
	one(&types.MsgRevokeSessionKey{Sender: r("other"), TokenId: r("otherTok"), SessionPubkey: r("session")})
	one(&types.MsgRevokeSessionKey{Sender: r("creator"), TokenId: r("otherTok"), SessionPubkey: r("session")})
	one(&types.MsgRevokeSessionKey{Sender: r("other"), TokenId: r("otherTok"), SessionPubkey: r("otherSession")})
	two(&types.MsgRemoveAuthMethod{Owner: r("other"), TokenId: r("otherTok"), AuthMethodType: 3, Id: r("passkey")}, sessionSign)
	authorize := fuzzAuthorize(passkey, passkeyAM, types.FormatTokenID(tok), fuzzOtherSession, 0)
	authorize.Submitter, authorize.TokenIds[0], authorize.SessionPubkey = r("other"), r("tok"), r("otherSession")
	one(authorize)
	two(authorize, authorize)
	two(authorize, signReq)
	two(&types.MsgUpdateParams{Authority: r("gov"), Params: types.Params{MintFee: params.MintFee}}, authorize)

	// Params.
	one(&types.MsgUpdateParams{Authority: r("gov"), Params: params})
	one(&types.MsgUpdateParams{Authority: r("gov"), Params: types.Params{MintFee: sdk.NewInt64Coin("ulit", 0)}})
	one(&types.MsgUpdateParams{Authority: r("creator"), Params: params})
	one(&types.MsgUpdateParams{Authority: r("gov"), Params: types.Params{MintFee: sdk.Coin{Denom: "ulit", Amount: math.NewInt(-1)}}})
	one(&types.MsgUpdateParams{Authority: r("gov"), Params: types.Params{MintFee: sdk.Coin{Denom: "", Amount: math.NewInt(1)}}})

	// Pairs: the first message changes what the second may do.
	two(&types.MsgUpdateParams{Authority: r("gov"), Params: types.Params{MintFee: sdk.NewInt64Coin("ulit", 0)}}, &types.MsgMint{Creator: r("recipient")})
	two(&types.MsgUpdateParams{Authority: r("gov"), Params: types.Params{MintFee: sdk.NewInt64Coin("ulit", 1<<40)}}, &types.MsgMintGrantBurn{Creator: r("creator"), ActionCid: r("cidA")})
	two(&types.MsgUpdateParams{Authority: r("gov"), Params: types.Params{MintFee: sdk.NewInt64Coin("uatom", 1)}}, fullMint)
	two(&types.MsgMint{Creator: r("creator")}, &types.MsgAddPermittedAddress{Owner: r("creator"), TokenId: r("next"), Address: r("addrQ"), Scopes: sign})
	two(fullMint, &types.MsgBurn{Owner: r("creator"), TokenId: r("next")})
	two(&types.MsgMintGrantBurn{Creator: r("creator"), ActionCid: r("cidB")}, &types.MsgRemovePermittedAction{Owner: r("creator"), TokenId: r("next"), ActionCid: r("cidB")})
	two(&types.MsgTransfer{Owner: r("creator"), TokenId: r("tok"), Recipient: r("other")}, &types.MsgBurn{Owner: r("other"), TokenId: r("tok")})
	two(&types.MsgTransfer{Owner: r("creator"), TokenId: r("tok"), Recipient: r("other")}, &types.MsgTransfer{Owner: r("creator"), TokenId: r("tok"), Recipient: r("creator")})
	two(&types.MsgBurn{Owner: r("creator"), TokenId: r("tok")}, &types.MsgAddPermittedAction{Owner: r("creator"), TokenId: r("tok"), ActionCid: r("cidB"), Scopes: sign})
	two(&types.MsgRemoveAuthMethod{Owner: r("creator"), TokenId: r("tok"), AuthMethodType: 1, Id: r("am1")}, &types.MsgAddAuthMethod{Owner: r("other"), TokenId: r("otherTok"), AuthMethod: am(1, r("am1"), 1)})
	two(&types.MsgRemovePermittedAddress{Owner: r("creator"), TokenId: r("tok"), Address: r("addrP")}, &types.MsgAddPermittedAddress{Owner: r("creator"), TokenId: r("tok"), Address: r("ADDRP"), Scopes: sign})
	two(&types.MsgAddAuthMethod{Owner: r("creator"), TokenId: r("tok"), AuthMethod: am(2, r("am2"), 2)}, &types.MsgAddAuthMethod{Owner: r("creator"), TokenId: r("tok"), AuthMethod: am(2, r("am2"), 1)})

	// Raw bytes that are not, or not quite, a message.
	seeds.Raw(0, nil, none, nil)
	seeds.Raw(0x80|sel(fullMint), fuzzmsg.Encode(fullMint), sel(&types.MsgMintGrantBurn{}), fuzzmsg.Encode(&types.MsgMintGrantBurn{Creator: r("other"), ActionCid: r("cidA")}))
	seeds.Raw(0x80|sel(&types.MsgBurn{}), fuzzmsg.Encode(&types.MsgBurn{Owner: r("creator"), TokenId: r("tok")}), none, nil)
	seeds.Raw(2, []byte{0x0a, 0xff}, 3, []byte{0x12, 0x02, '$', 12})
	seeds.Raw(9, []byte{0x18, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, none, nil)
	return seeds
}

// fuzzHeader encrypts plaintext under c to the world's root key.
func fuzzHeader(c types.AccessCondition, plaintext []byte) types.CiphertextHeader {
	sum := sha256.Sum256(plaintext)
	h := types.CiphertextHeader{Version: types.CiphertextVersion, Conditions: c, DataHash: sum[:]}
	id, err := h.Identity()
	if err != nil {
		panic(err)
	}
	e, err := tdh.Encrypt(rand.Reader, rootPriv().PubKey(), id, plaintext)
	if err != nil {
		panic(err)
	}
	h.Ephemeral, h.Proof = e.Ephemeral, e.Proof
	return h
}
