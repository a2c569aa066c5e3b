package keeper_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cosmos/btcutil/base58"
	"github.com/cosmos/gogoproto/proto"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/sha3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	"github.com/cosmos/cosmos-sdk/types/query"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/litprotocol/litd/app"
	"github.com/litprotocol/litd/testutil/softauthn"
	"github.com/litprotocol/litd/testutil/softoidc"
	"github.com/litprotocol/litd/x/pkp/keeper"
	"github.com/litprotocol/litd/x/pkp/types"
	tsskeeper "github.com/litprotocol/litd/x/tss/keeper"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// ---------------------------------------------------------------- fixture

var (
	sign       = []types.Scope{types.SCOPE_SIGN_ANYTHING}
	cidA       = testCID("action a")
	cidB       = testCID("action b")
	am1        = types.AuthMethod{AuthMethodType: 1, Id: "github:alice", UserPubkey: "0xab", Scopes: sign}
	am2        = types.AuthMethod{AuthMethodType: 2, Id: "google:bob", Scopes: []types.Scope{types.SCOPE_PERSONAL_SIGN}}
	unknownTok = "0x" + strings.Repeat("ee", 32)
	// testChainID is the chain id WebAuthn challenges commit to in tests.
	testChainID = "litd-test"

	creator   = acc(1)
	other     = acc(2)
	poor      = acc(3) // one ulit short of the mint fee
	recipient = acc(4)
	addrP     = acc(5) // permitted on the world's PKPs
	addrQ     = acc(6) // permitted nowhere
	gov       = authtypes.NewModuleAddress("gov")
	badCIDs   = map[string]string{
		"short":           "Qm123",
		"cidv1":           "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
		"empty":           "",
		"wrong multihash": base58.Encode(append([]byte{0x11, 0x20}, bytes.Repeat([]byte{7}, 32)...)),
	}
	badScopes = map[string][]types.Scope{"empty": nil, "zero": {0}, "three": {3}, "one and three": {1, 3}}
	passkeyAM = softauthn.New("wallet.example", "keeper test").AuthMethod([]string{"https://wallet.example"}, types.SCOPE_SIGN_ANYTHING)
)

func acc(b byte) string {
	s, err := address.NewBech32Codec("lit").BytesToString(bytes.Repeat([]byte{b}, 20))
	if err != nil {
		panic(err)
	}
	return s
}

// testCID is the CIDv0 of a sha2-256 digest of s.
func testCID(s string) string {
	d := sha256.Sum256([]byte(s))
	return base58.Encode(append([]byte{0x12, 0x20}, d[:]...))
}

func keccak(data ...[]byte) []byte {
	h := sha3.NewLegacyKeccak256()
	for _, d := range data {
		h.Write(d)
	}
	return h.Sum(nil)
}

func rootPriv() *secp256k1.PrivateKey {
	return secp256k1.PrivKeyFromBytes(bytes.Repeat([]byte{0x42}, 32))
}

// childPubkey derives key id's pubkey on the private side: (root + delta)·G.
func childPubkey(keyID uint64) *secp256k1.PublicKey {
	root := rootPriv()
	delta := tsstypes.DerivationDelta(root.PubKey(), keyID)
	var k secp256k1.ModNScalar
	k.Set(&root.Key)
	k.Add(&delta)
	return secp256k1.NewPrivateKey(&k).PubKey()
}

// fakeBank is the only fake: balances per address, receipts per module.
type fakeBank struct{ balances, modules map[string]sdk.Coins }

func (b *fakeBank) SendCoinsFromAccountToModule(_ context.Context, from sdk.AccAddress, module string, amt sdk.Coins) error {
	left, neg := b.balances[from.String()].SafeSub(amt...)
	if neg {
		return errorsmod.Wrapf(sdkerrors.ErrInsufficientFunds, "%s < %s", b.balances[from.String()], amt)
	}
	b.balances[from.String()] = left
	b.modules[module] = b.modules[module].Add(amt...)
	return nil
}

func (b *fakeBank) GetBalance(_ context.Context, addr sdk.AccAddress, denom string) sdk.Coin {
	return sdk.NewCoin(denom, b.balances[addr.String()].AmountOf(denom))
}

// recordingService records the keys the keeper writes.
type recordingService struct {
	store.KVStoreService
	sets *[][]byte
}

func (s recordingService) OpenKVStore(ctx context.Context) store.KVStore {
	return recordingStore{s.KVStoreService.OpenKVStore(ctx), s.sets}
}

type recordingStore struct {
	store.KVStore
	sets *[][]byte
}

func (s recordingStore) Set(k, v []byte) error {
	*s.sets = append(*s.sets, bytes.Clone(k))
	return s.KVStore.Set(k, v)
}

type fixture struct {
	ctx   sdk.Context
	k     keeper.Keeper
	tss   tsskeeper.Keeper
	msgs  types.MsgServer
	q     keeper.Querier
	bank  *fakeBank
	store store.KVStoreService // the raw x/pkp store
	sets  *[][]byte            // keys written by the last delivered message
}

func ulit(n int64) sdk.Coins { return sdk.NewCoins(sdk.NewInt64Coin("ulit", n)) }

func newFixture(t *testing.T, withRootKey bool) *fixture {
	t.Helper()
	app.SetAddressPrefixes()
	pkpKey, tssKey := storetypes.NewKVStoreKey(types.StoreKey), storetypes.NewKVStoreKey(tsstypes.StoreKey)
	ctx := testutil.DefaultContextWithKeys(map[string]*storetypes.KVStoreKey{types.StoreKey: pkpKey, tsstypes.StoreKey: tssKey}, nil, nil).
		WithBlockHeight(42).WithEventManager(sdk.NewEventManager()).WithChainID(testChainID)
	cdc := codec.NewProtoCodec(codectypes.NewInterfaceRegistry())
	bank := &fakeBank{balances: map[string]sdk.Coins{creator: ulit(10_000_000), other: ulit(10_000_000), poor: ulit(999_999)}, modules: map[string]sdk.Coins{}}
	f := &fixture{
		ctx: ctx,
		// x/tss's staking keeper is only used for DKG and signing, not
		// derivation or signing requests; it charges the sign fee to bank.
		tss:   tsskeeper.NewKeeper(cdc, runtime.NewKVStoreService(tssKey), address.NewBech32Codec("lit"), nil, bank, "fee_collector", gov.String()),
		bank:  bank,
		store: runtime.NewKVStoreService(pkpKey),
		sets:  new([][]byte),
	}
	if withRootKey {
		valoper := func(b byte) string {
			s, err := address.NewBech32Codec("litvaloper").BytesToString(bytes.Repeat([]byte{b}, 20))
			require.NoError(t, err)
			return s
		}
		gs := tsstypes.DefaultGenesis()
		gs.KeySets = []tsstypes.KeySet{{
			Id: 1, Pubkey: rootHexCompressed(), Threshold: 1,
			Participants: []string{valoper(0xa1), valoper(0xa2)}, Status: tsstypes.KEY_SET_STATUS_ACTIVE,
			// Any points serve here: decryption shares are not combined.
			PublicShares: []string{rootHexCompressed(), rootHexCompressed()},
		}}
		require.NoError(t, f.tss.InitGenesis(ctx, *gs))
	}
	f.k = keeper.NewKeeper(cdc, recordingService{f.store, f.sets}, address.NewBech32Codec("lit"), f.bank, f.tss, "fee_collector", gov.String())
	f.msgs, f.q = keeper.NewMsgServerImpl(f.k), keeper.NewQuerier(f.k)
	require.NoError(t, f.k.InitGenesis(ctx, *types.DefaultGenesis()))
	return f
}

// deliver runs one message with a fresh event manager and write log.
func (f *fixture) deliver(msg sdk.Msg) (any, error) {
	f.ctx = f.ctx.WithEventManager(sdk.NewEventManager())
	*f.sets = nil
	// MsgFoo is served by the message server's method Foo.
	method := reflect.ValueOf(f.msgs).MethodByName(strings.TrimPrefix(proto.MessageName(msg), "lit.pkp.v1.Msg"))
	out := method.Call([]reflect.Value{reflect.ValueOf(f.ctx), reflect.ValueOf(msg)})
	err, _ := out[1].Interface().(error)
	return out[0].Interface(), err
}

func (f *fixture) mint(t *testing.T, msg proto.Message) *types.MsgMintResponse {
	t.Helper()
	res, err := f.deliver(msg)
	require.NoError(t, err)
	return res.(*types.MsgMintResponse)
}

// events parses the typed events of the last delivered message.
func (f *fixture) events(t *testing.T) []proto.Message {
	t.Helper()
	var out []proto.Message
	for _, e := range f.ctx.EventManager().Events() {
		m, err := sdk.ParseTypedEvent(abci.Event(e))
		require.NoError(t, err)
		out = append(out, m)
	}
	return out
}

func (f *fixture) eventTypes() []string {
	var out []string
	for _, e := range f.ctx.EventManager().Events() {
		out = append(out, e.Type)
	}
	return out
}

type snapshot struct {
	gs                *types.GenesisState
	raw               map[string]string
	balances, modules map[string]sdk.Coins
}

func (f *fixture) snapshot(t *testing.T) snapshot {
	t.Helper()
	gs, err := f.k.ExportGenesis(f.ctx)
	require.NoError(t, err)
	it, err := f.store.OpenKVStore(f.ctx).Iterator(nil, nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, it.Close()) }()
	raw := map[string]string{}
	for ; it.Valid(); it.Next() {
		raw[hex.EncodeToString(it.Key())] = hex.EncodeToString(it.Value())
	}
	return snapshot{gs, raw, maps.Clone(f.bank.balances), maps.Clone(f.bank.modules)}
}

// mut copies base and applies one change: the "malleate" of a table case.
func mut[T any](base T, change func(*T)) *T {
	c := base
	change(&c)
	return &c
}

func fullMint(from string) *types.MsgMint {
	return &types.MsgMint{
		Creator:            from,
		PermittedActions:   []types.PermittedAction{{Cid: cidA, Scopes: sign}},
		PermittedAddresses: []types.PermittedAddress{{Address: addrP, Scopes: sign}},
		AuthMethods:        []types.AuthMethod{am1},
	}
}

// world: tok (creator's, with cidA, addrP, am1), burned (same, then burned), mgb.
type world struct {
	f                *fixture
	tok, burned, mgb string
}

func newWorld(t *testing.T) world {
	f := newFixture(t, true)
	w := world{f: f, tok: f.mint(t, fullMint(creator)).TokenId, burned: f.mint(t, fullMint(creator)).TokenId}
	_, err := f.deliver(&types.MsgBurn{Owner: creator, TokenId: w.burned})
	require.NoError(t, err)
	w.mgb = f.mint(t, &types.MsgMintGrantBurn{Creator: creator, ActionCid: cidA}).TokenId
	return w
}

// ownerMsgs is one valid message of each owner-signed kind against world.tok.
func ownerMsgs(owner, tok string) []sdk.Msg {
	return []sdk.Msg{
		&types.MsgTransfer{Owner: owner, TokenId: tok, Recipient: recipient},
		&types.MsgBurn{Owner: owner, TokenId: tok},
		&types.MsgAddPermittedAction{Owner: owner, TokenId: tok, ActionCid: cidB, Scopes: sign},
		&types.MsgRemovePermittedAction{Owner: owner, TokenId: tok, ActionCid: cidA},
		&types.MsgAddPermittedAddress{Owner: owner, TokenId: tok, Address: addrQ, Scopes: sign},
		&types.MsgRemovePermittedAddress{Owner: owner, TokenId: tok, Address: addrP},
		&types.MsgAddAuthMethod{Owner: owner, TokenId: tok, AuthMethod: am2},
		&types.MsgRemoveAuthMethod{Owner: owner, TokenId: tok, AuthMethodType: am1.AuthMethodType, Id: am1.Id},
		&types.MsgAddAuthMethodScope{Owner: owner, TokenId: tok, AuthMethodType: am1.AuthMethodType, Id: am1.Id, Scope: types.SCOPE_PERSONAL_SIGN},
	}
}

// ---------------------------------------------------------------- queries used as assertions

func (f *fixture) pkp(t *testing.T, tok string) types.PKPView {
	t.Helper()
	res, err := f.q.PKP(f.ctx, &types.QueryPKPRequest{TokenId: tok})
	require.NoError(t, err)
	return res.Pkp
}

func tokensOf(res *types.QueryPKPsResponse) []string {
	var out []string
	for _, v := range res.Pkps {
		out = append(out, v.Pkp.TokenId)
	}
	return out
}

func (f *fixture) owned(t *testing.T, owner string) []string {
	t.Helper()
	res, err := f.q.PKPsByOwner(f.ctx, &types.QueryPKPsByOwnerRequest{Owner: owner})
	require.NoError(t, err)
	return tokensOf(res)
}

func (f *fixture) byAuth(t *testing.T, am types.AuthMethod) []string {
	t.Helper()
	res, err := f.q.PKPsByAuthMethod(f.ctx, &types.QueryPKPsByAuthMethodRequest{AuthMethodType: am.AuthMethodType, Id: am.Id})
	require.NoError(t, err)
	// Lit's auth method id finds the same PKPs.
	byID, err := f.q.PKPsByAuthMethodId(f.ctx, &types.QueryPKPsByAuthMethodIdRequest{AuthMethodId: "0x" + hex.EncodeToString(types.AuthMethodKey(am.AuthMethodType, am.Id))})
	require.NoError(t, err)
	require.Equal(t, tokensOf(res), tokensOf(byID))
	return tokensOf(res)
}

func (f *fixture) authMethod(t *testing.T, tok string, am types.AuthMethod) *types.QueryIsPermittedResponse {
	t.Helper()
	res, err := f.q.IsPermittedAuthMethod(f.ctx, &types.QueryIsPermittedAuthMethodRequest{TokenId: tok, AuthMethodType: am.AuthMethodType, Id: am.Id})
	require.NoError(t, err)
	return res
}

func (f *fixture) action(t *testing.T, tok, cid string) *types.QueryIsPermittedResponse {
	t.Helper()
	res, err := f.q.IsPermittedAction(f.ctx, &types.QueryIsPermittedActionRequest{TokenId: tok, ActionCid: cid})
	require.NoError(t, err)
	return res
}

func (f *fixture) address(t *testing.T, tok, addr string) *types.QueryIsPermittedResponse {
	t.Helper()
	res, err := f.q.IsPermittedAddress(f.ctx, &types.QueryIsPermittedAddressRequest{TokenId: tok, Address: addr})
	require.NoError(t, err)
	return res
}

func (f *fixture) perms(t *testing.T, tok string) *types.QueryPermissionsResponse {
	t.Helper()
	res, err := f.q.Permissions(f.ctx, &types.QueryPermissionsRequest{TokenId: tok})
	require.NoError(t, err)
	return res
}

func requireCode(t *testing.T, err error, code codes.Code) {
	t.Helper()
	st, ok := status.FromError(err)
	require.True(t, ok, "not a gRPC status: %v", err)
	require.Equal(t, code, st.Code(), err.Error())
}

// ---------------------------------------------------------------- messages: success

func TestMint(t *testing.T) {
	f := newFixture(t, true)

	res := f.mint(t, &types.MsgMint{Creator: creator})
	derived, err := f.tss.DerivePubkey(f.ctx, 1)
	require.NoError(t, err)
	require.Equal(t, childPubkey(1).SerializeUncompressed(), derived)
	require.Equal(t, "0x"+hex.EncodeToString(derived), res.Pubkey)
	require.Equal(t, "0x"+hex.EncodeToString(keccak(derived)), res.TokenId)
	require.Equal(t, types.EthAddressChecksum(keccak(derived[1:])[12:]), res.EthAddress)
	require.Equal(t, types.PKP{TokenId: res.TokenId, Pubkey: res.Pubkey, KeyId: 1, Owner: creator, MintedHeight: 42}, f.pkp(t, res.TokenId).Pkp)
	require.Equal(t, []string{"lit.pkp.v1.EventPKPMinted"}, f.eventTypes())
	require.Equal(t, &types.EventPKPMinted{TokenId: res.TokenId, Pubkey: res.Pubkey, KeyId: 1, Owner: creator, EthAddress: res.EthAddress}, f.events(t)[0])
	require.Equal(t, ulit(9_000_000), f.bank.balances[creator])
	require.Equal(t, ulit(1_000_000), f.bank.modules["fee_collector"])
	perms := f.perms(t, res.TokenId)
	require.Empty(t, perms.Actions)
	require.Empty(t, perms.Addresses)
	require.Empty(t, perms.AuthMethods)

	// The second mint derives key id 2, with initial permissions; scopes are normalized.
	msg := fullMint(creator)
	msg.PermittedActions = append(msg.PermittedActions, types.PermittedAction{Cid: cidB, Scopes: []types.Scope{2, 1, 2}})
	res2 := f.mint(t, msg)
	derived2, err := f.tss.DerivePubkey(f.ctx, 2)
	require.NoError(t, err)
	require.Equal(t, "0x"+hex.EncodeToString(derived2), res2.Pubkey)
	require.Equal(t, childPubkey(2).SerializeUncompressed(), derived2)
	require.NotEqual(t, res.TokenId, res2.TokenId)
	require.Equal(t, uint64(2), f.pkp(t, res2.TokenId).Pkp.KeyId)
	require.Equal(t, []string{"lit.pkp.v1.EventPKPMinted", "lit.pkp.v1.EventPermittedActionAdded", "lit.pkp.v1.EventPermittedActionAdded",
		"lit.pkp.v1.EventPermittedAddressAdded", "lit.pkp.v1.EventAuthMethodAdded"}, f.eventTypes())
	require.Equal(t, &types.EventPermittedActionAdded{TokenId: res2.TokenId, Cid: cidB, Scopes: []types.Scope{1, 2}}, f.events(t)[2])
	require.Equal(t, ulit(8_000_000), f.bank.balances[creator])
	require.Equal(t, ulit(2_000_000), f.bank.modules["fee_collector"])
	perms = f.perms(t, res2.TokenId)
	require.ElementsMatch(t, []types.PermittedAction{{Cid: cidA, Scopes: sign}, {Cid: cidB, Scopes: []types.Scope{1, 2}}}, perms.Actions)
	require.Equal(t, []types.PermittedAddress{{Address: addrP, Scopes: sign}}, perms.Addresses)
	require.Equal(t, []types.AuthMethod{am1}, perms.AuthMethods)
	require.Equal(t, []string{res2.TokenId}, f.byAuth(t, am1))
	require.ElementsMatch(t, []string{res.TokenId, res2.TokenId}, f.owned(t, creator))
}

func TestOwnerMsgs(t *testing.T) {
	checks := []struct {
		event string
		check func(t *testing.T, w world)
	}{
		{"EventPKPTransferred", func(t *testing.T, w world) {
			require.Equal(t, recipient, w.f.pkp(t, w.tok).Pkp.Owner)
			require.Empty(t, w.f.owned(t, creator))
			require.Equal(t, []string{w.tok}, w.f.owned(t, recipient))
			require.True(t, w.f.address(t, w.tok, recipient).Permitted)
			require.False(t, w.f.address(t, w.tok, creator).Permitted)
			require.Equal(t, &types.EventPKPTransferred{TokenId: w.tok, From: creator, To: recipient}, w.f.events(t)[0])
		}},
		{"EventPKPBurned", func(t *testing.T, w world) {
			p := w.f.pkp(t, w.tok).Pkp
			require.True(t, p.Burned)
			require.Empty(t, p.Owner)
			require.False(t, p.MintGrantBurn)
			require.Empty(t, w.f.owned(t, creator))
			require.False(t, w.f.address(t, w.tok, creator).Permitted)
			require.True(t, w.f.action(t, w.tok, cidA).Permitted, "permitted actions survive burning")
		}},
		{"EventPermittedActionAdded", func(t *testing.T, w world) {
			require.Equal(t, &types.QueryIsPermittedResponse{Permitted: true, Scopes: sign}, w.f.action(t, w.tok, cidB))
		}},
		{"EventPermittedActionRemoved", func(t *testing.T, w world) {
			require.False(t, w.f.action(t, w.tok, cidA).Permitted)
			require.True(t, w.f.action(t, w.burned, cidA).Permitted, "other PKPs keep theirs")
		}},
		{"EventPermittedAddressAdded", func(t *testing.T, w world) {
			require.Equal(t, &types.QueryIsPermittedResponse{Permitted: true, Scopes: sign}, w.f.address(t, w.tok, addrQ))
		}},
		{"EventPermittedAddressRemoved", func(t *testing.T, w world) {
			require.False(t, w.f.address(t, w.tok, addrP).Permitted)
		}},
		{"EventAuthMethodAdded", func(t *testing.T, w world) {
			require.Equal(t, []string{w.tok}, w.f.byAuth(t, am2))
		}},
		{"EventAuthMethodRemoved", func(t *testing.T, w world) {
			require.Equal(t, []string{w.burned}, w.f.byAuth(t, am1))
			require.Empty(t, w.f.perms(t, w.tok).AuthMethods)
		}},
		{"EventAuthMethodScopesChanged", func(t *testing.T, w world) {
			both := []types.Scope{types.SCOPE_SIGN_ANYTHING, types.SCOPE_PERSONAL_SIGN}
			require.Equal(t, &types.EventAuthMethodScopesChanged{TokenId: w.tok, AuthMethodType: am1.AuthMethodType, Id: am1.Id, Scopes: both}, w.f.events(t)[0])
			require.Equal(t, &types.QueryIsPermittedResponse{Permitted: true, Scopes: both}, w.f.authMethod(t, w.tok, am1))
			require.Equal(t, sign, w.f.authMethod(t, w.burned, am1).Scopes, "other PKPs keep theirs")
		}},
	}
	for i, c := range checks {
		t.Run(c.event, func(t *testing.T) {
			w := newWorld(t)
			msg := ownerMsgs(creator, w.tok)[i]
			balances := maps.Clone(w.f.bank.balances)
			_, err := w.f.deliver(msg)
			require.NoError(t, err)
			require.Equal(t, []string{"lit.pkp.v1." + c.event}, w.f.eventTypes())
			require.Equal(t, balances, w.f.bank.balances)
			c.check(t, w)
		})
	}
}

// Scopes of an auth method change one at a time; its last scope stays;
// every refusal changes nothing. user_pubkey is read per PKP.
func TestAuthMethodScopesAndUserPubkey(t *testing.T) {
	w := newWorld(t)
	scope := func(add bool, s types.Scope) error {
		var msg sdk.Msg = &types.MsgRemoveAuthMethodScope{Owner: creator, TokenId: w.tok, AuthMethodType: am1.AuthMethodType, Id: am1.Id, Scope: s}
		if add {
			msg = &types.MsgAddAuthMethodScope{Owner: creator, TokenId: w.tok, AuthMethodType: am1.AuthMethodType, Id: am1.Id, Scope: s}
		}
		_, err := w.f.deliver(msg)
		return err
	}
	require.ErrorIs(t, scope(false, types.SCOPE_SIGN_ANYTHING), types.ErrInvalidScopes, "the last scope stays")
	require.ErrorIs(t, scope(false, types.SCOPE_PERSONAL_SIGN), types.ErrPermissionNotFound)
	require.ErrorIs(t, scope(true, types.SCOPE_SIGN_ANYTHING), types.ErrDuplicatePermission)
	require.ErrorIs(t, scope(true, types.Scope(7)), types.ErrInvalidScopes)
	require.Equal(t, sign, w.f.authMethod(t, w.tok, am1).Scopes, "refusals changed nothing")
	require.NoError(t, scope(true, types.SCOPE_PERSONAL_SIGN))
	require.NoError(t, scope(false, types.SCOPE_SIGN_ANYTHING))
	require.Equal(t, []types.Scope{types.SCOPE_PERSONAL_SIGN}, w.f.authMethod(t, w.tok, am1).Scopes)
	_, err := w.f.deliver(&types.MsgAddAuthMethodScope{Owner: recipient, TokenId: w.tok, AuthMethodType: am1.AuthMethodType, Id: am1.Id, Scope: types.SCOPE_SIGN_ANYTHING})
	require.ErrorIs(t, err, types.ErrUnauthorized, "only the owner")
	_, err = w.f.deliver(&types.MsgAddAuthMethodScope{Owner: creator, TokenId: w.tok, AuthMethodType: 9, Id: "nobody", Scope: types.SCOPE_SIGN_ANYTHING})
	require.ErrorIs(t, err, types.ErrPermissionNotFound)
	require.False(t, w.f.authMethod(t, w.tok, types.AuthMethod{AuthMethodType: 9, Id: "nobody"}).Permitted)

	// user_pubkey: Lit's getUserPubkeyForAuthMethod, per PKP. Another owner
	// permitting the same auth method with another user_pubkey on their own
	// PKP (squatting) changes nothing for this one.
	userPubkey := func(tok string) string {
		res, err := w.f.q.UserPubkeyForAuthMethod(w.f.ctx, &types.QueryUserPubkeyForAuthMethodRequest{TokenId: tok, AuthMethodType: am1.AuthMethodType, Id: am1.Id})
		require.NoError(t, err)
		return res.UserPubkey
	}
	require.Equal(t, am1.UserPubkey, userPubkey(w.tok))
	squat := am1
	squat.UserPubkey = "0xcd"
	theirs := w.f.mint(t, &types.MsgMint{Creator: other, AuthMethods: []types.AuthMethod{squat}}).TokenId
	require.Equal(t, "0xcd", userPubkey(theirs))
	require.Equal(t, am1.UserPubkey, userPubkey(w.tok))
	require.Empty(t, userPubkey(w.mgb), "a PKP without the method")
}

func TestUpdateParams(t *testing.T) {
	f := newFixture(t, true)
	params := types.Params{MintFee: sdk.NewInt64Coin("ulit", 2_000_000), MaxSessionSeconds: 60,
		OidcIssuers: []types.OIDCIssuer{softoidc.NewES256("https://issuer.example", "k", "k").Params()}}
	_, err := f.deliver(&types.MsgUpdateParams{Authority: gov.String(), Params: params})
	require.NoError(t, err)
	require.Equal(t, &types.EventParamsUpdated{Params: &params}, f.events(t)[0])
	res, err := f.q.Params(f.ctx, &types.QueryParamsRequest{})
	require.NoError(t, err)
	require.Equal(t, params, res.Params)
	f.mint(t, &types.MsgMint{Creator: creator})
	require.Equal(t, ulit(8_000_000), f.bank.balances[creator])

	// A zero fee is allowed and charges nothing.
	_, err = f.deliver(&types.MsgUpdateParams{Authority: gov.String(), Params: types.Params{MintFee: sdk.NewInt64Coin("ulit", 0)}})
	require.NoError(t, err)
	f.mint(t, &types.MsgMintGrantBurn{Creator: poor, ActionCid: cidA})
	require.Equal(t, ulit(999_999), f.bank.balances[poor])
	require.Equal(t, ulit(2_000_000), f.bank.modules["fee_collector"])
}

// ---------------------------------------------------------------- messages: failures

func TestMsgFailuresChangeNothing(t *testing.T) {
	w := newWorld(t)
	type failCase struct {
		name string
		msg  sdk.Msg
		want error
	}
	var cases []failCase
	for _, c := range []struct {
		name, owner, tok string
		want             error
	}{
		{"wrong signer", other, w.tok, types.ErrUnauthorized},
		{"bad signer", "lit1notanaddress", w.tok, types.ErrInvalidAddress},
		{"unknown token", creator, unknownTok, types.ErrPKPNotFound},
		{"malformed token", creator, "0x1234", types.ErrInvalidTokenID},
		{"non-hex token", creator, "0x" + strings.Repeat("zz", 32), types.ErrInvalidTokenID},
		{"empty token", creator, "", types.ErrInvalidTokenID},
		{"burned by old owner", creator, w.burned, types.ErrPKPBurned},
		{"burned by other", other, w.burned, types.ErrPKPBurned},
		{"mgb by creator", creator, w.mgb, types.ErrPKPBurned},
		{"mgb by other", other, w.mgb, types.ErrPKPBurned},
	} {
		for _, m := range ownerMsgs(c.owner, c.tok) {
			cases = append(cases, failCase{c.name + "/" + proto.MessageName(m), m, c.want})
		}
	}

	mint := *fullMint(creator)
	mgb := types.MsgMintGrantBurn{Creator: creator, ActionCid: cidB}
	addAction := types.MsgAddPermittedAction{Owner: creator, TokenId: w.tok, ActionCid: cidB, Scopes: sign}
	rmAction := types.MsgRemovePermittedAction{Owner: creator, TokenId: w.tok, ActionCid: cidA}
	addAddr := types.MsgAddPermittedAddress{Owner: creator, TokenId: w.tok, Address: addrQ, Scopes: sign}
	rmAddr := types.MsgRemovePermittedAddress{Owner: creator, TokenId: w.tok, Address: addrP}
	addAuth := types.MsgAddAuthMethod{Owner: creator, TokenId: w.tok, AuthMethod: am2}
	rmAuth := types.MsgRemoveAuthMethod{Owner: creator, TokenId: w.tok, AuthMethodType: am1.AuthMethodType, Id: am1.Id}
	var manyActions []types.PermittedAction
	var manyAddrs []types.PermittedAddress
	var manyAuth []types.AuthMethod
	for i := range keeper.MaxInitialPermissions + 1 {
		manyActions = append(manyActions, types.PermittedAction{Cid: testCID(strconv.Itoa(i)), Scopes: sign})
		manyAddrs = append(manyAddrs, types.PermittedAddress{Address: acc(byte(100 + i)), Scopes: sign})
		manyAuth = append(manyAuth, types.AuthMethod{AuthMethodType: uint64(i + 1), Id: "x", Scopes: sign})
	}
	add := func(name string, msg sdk.Msg, want error) { cases = append(cases, failCase{name, msg, want}) }

	for name, cid := range badCIDs {
		add("mint action cid "+name, mut(mint, func(m *types.MsgMint) { m.PermittedActions = []types.PermittedAction{{Cid: cid, Scopes: sign}} }), types.ErrInvalidCID)
		add("mgb cid "+name, mut(mgb, func(m *types.MsgMintGrantBurn) { m.ActionCid = cid }), types.ErrInvalidCID)
		add("add action cid "+name, mut(addAction, func(m *types.MsgAddPermittedAction) { m.ActionCid = cid }), types.ErrInvalidCID)
		add("remove action cid "+name, mut(rmAction, func(m *types.MsgRemovePermittedAction) { m.ActionCid = cid }), types.ErrInvalidCID)
	}
	for name, s := range badScopes {
		add("mint action scopes "+name, mut(mint, func(m *types.MsgMint) { m.PermittedActions = []types.PermittedAction{{Cid: cidA, Scopes: s}} }), types.ErrInvalidScopes)
		add("mint address scopes "+name, mut(mint, func(m *types.MsgMint) { m.PermittedAddresses = []types.PermittedAddress{{Address: addrP, Scopes: s}} }), types.ErrInvalidScopes)
		add("mint auth scopes "+name, mut(mint, func(m *types.MsgMint) { m.AuthMethods = []types.AuthMethod{{AuthMethodType: 1, Id: "x", Scopes: s}} }), types.ErrInvalidScopes)
		add("add action scopes "+name, mut(addAction, func(m *types.MsgAddPermittedAction) { m.Scopes = s }), types.ErrInvalidScopes)
		add("add address scopes "+name, mut(addAddr, func(m *types.MsgAddPermittedAddress) { m.Scopes = s }), types.ErrInvalidScopes)
		add("add auth scopes "+name, mut(addAuth, func(m *types.MsgAddAuthMethod) { m.AuthMethod.Scopes = s }), types.ErrInvalidScopes)
	}
	for _, c := range []struct {
		name string
		am   types.AuthMethod
	}{
		{"type 0", types.AuthMethod{Id: "x", Scopes: sign}},
		{"empty id", types.AuthMethod{AuthMethodType: 1, Scopes: sign}},
		{"long id", types.AuthMethod{AuthMethodType: 1, Id: strings.Repeat("x", types.MaxAuthMethodFieldLength+1), Scopes: sign}},
		{"long user pubkey", types.AuthMethod{AuthMethodType: 1, Id: "x", UserPubkey: strings.Repeat("x", types.MaxAuthMethodFieldLength+1), Scopes: sign}},
		{"webauthn settings on type 1", *mut(passkeyAM, func(a *types.AuthMethod) { a.AuthMethodType = 1 })},
		{"webauthn without a key", *mut(passkeyAM, func(a *types.AuthMethod) { a.UserPubkey = "" })},
		{"webauthn origin of another site", *mut(passkeyAM, func(a *types.AuthMethod) {
			a.Webauthn = &types.WebAuthnSettings{RpId: "wallet.example", Origins: []string{"https://evil.example"}}
		})},
	} {
		add("mint auth "+c.name, mut(mint, func(m *types.MsgMint) { m.AuthMethods = []types.AuthMethod{c.am} }), types.ErrInvalidAuthMethod)
		add("add auth "+c.name, mut(addAuth, func(m *types.MsgAddAuthMethod) { m.AuthMethod = c.am }), types.ErrInvalidAuthMethod)
	}
	add("remove auth type 0", mut(rmAuth, func(m *types.MsgRemoveAuthMethod) { m.AuthMethodType = 0 }), types.ErrInvalidAuthMethod)
	add("remove auth empty id", mut(rmAuth, func(m *types.MsgRemoveAuthMethod) { m.Id = "" }), types.ErrInvalidAuthMethod)

	add("mint bad creator", mut(mint, func(m *types.MsgMint) { m.Creator = "lit1notanaddress" }), types.ErrInvalidAddress)
	add("mint creator other prefix", mut(mint, func(m *types.MsgMint) { m.Creator = "cosmos1qyqszqgpqyqszqgpqyqszqgpqyqszqgpjnp7du" }), types.ErrInvalidAddress)
	add("mint bad permitted address", mut(mint, func(m *types.MsgMint) {
		m.PermittedAddresses = []types.PermittedAddress{{Address: "lit1bad", Scopes: sign}}
	}), types.ErrInvalidAddress)
	add("mint insufficient fee", mut(mint, func(m *types.MsgMint) { m.Creator = poor }), types.ErrInsufficientMintFee)
	add("mint unfunded", mut(mint, func(m *types.MsgMint) { m.Creator = recipient }), types.ErrInsufficientMintFee)
	add("mint duplicate action", mut(mint, func(m *types.MsgMint) {
		m.PermittedActions = []types.PermittedAction{{Cid: cidA, Scopes: sign}, {Cid: cidA, Scopes: []types.Scope{2}}}
	}), types.ErrDuplicatePermission)
	add("mint duplicate address", mut(mint, func(m *types.MsgMint) {
		m.PermittedAddresses = []types.PermittedAddress{{Address: addrP, Scopes: sign}, {Address: addrP, Scopes: sign}}
	}), types.ErrDuplicatePermission)
	add("mint duplicate auth method", mut(mint, func(m *types.MsgMint) {
		m.AuthMethods = []types.AuthMethod{am1, *mut(am1, func(a *types.AuthMethod) { a.UserPubkey = "0xcd" })}
	}), types.ErrDuplicatePermission)
	add("mint too many actions", mut(mint, func(m *types.MsgMint) { m.PermittedActions = manyActions }), types.ErrTooManyPermissions)
	add("mint too many addresses", mut(mint, func(m *types.MsgMint) { m.PermittedAddresses = manyAddrs }), types.ErrTooManyPermissions)
	add("mint too many auth methods", mut(mint, func(m *types.MsgMint) { m.AuthMethods = manyAuth }), types.ErrTooManyPermissions)
	add("mgb bad creator", mut(mgb, func(m *types.MsgMintGrantBurn) { m.Creator = "" }), types.ErrInvalidAddress)
	add("mgb insufficient fee", mut(mgb, func(m *types.MsgMintGrantBurn) { m.Creator = poor }), types.ErrInsufficientMintFee)
	add("transfer bad recipient", &types.MsgTransfer{Owner: creator, TokenId: w.tok, Recipient: "lit1bad"}, types.ErrInvalidAddress)
	add("transfer to self", &types.MsgTransfer{Owner: creator, TokenId: w.tok, Recipient: creator}, types.ErrInvalidAddress)
	add("add existing action", mut(addAction, func(m *types.MsgAddPermittedAction) { m.ActionCid = cidA }), types.ErrDuplicatePermission)
	add("remove absent action", mut(rmAction, func(m *types.MsgRemovePermittedAction) { m.ActionCid = cidB }), types.ErrPermissionNotFound)
	add("add existing address", mut(addAddr, func(m *types.MsgAddPermittedAddress) { m.Address = addrP }), types.ErrDuplicatePermission)
	add("add bad address", mut(addAddr, func(m *types.MsgAddPermittedAddress) { m.Address = "lit1bad" }), types.ErrInvalidAddress)
	add("remove absent address", mut(rmAddr, func(m *types.MsgRemovePermittedAddress) { m.Address = addrQ }), types.ErrPermissionNotFound)
	add("remove bad address", mut(rmAddr, func(m *types.MsgRemovePermittedAddress) { m.Address = "" }), types.ErrInvalidAddress)
	add("add existing auth method", mut(addAuth, func(m *types.MsgAddAuthMethod) {
		m.AuthMethod = types.AuthMethod{AuthMethodType: am1.AuthMethodType, Id: am1.Id, Scopes: []types.Scope{2}}
	}), types.ErrDuplicatePermission)
	add("remove absent auth method", mut(rmAuth, func(m *types.MsgRemoveAuthMethod) { m.Id = am2.Id }), types.ErrPermissionNotFound)
	add("remove auth method of other type", mut(rmAuth, func(m *types.MsgRemoveAuthMethod) { m.AuthMethodType = 7 }), types.ErrPermissionNotFound)
	params := types.MsgUpdateParams{Authority: gov.String(), Params: types.Params{MintFee: sdk.NewInt64Coin("ulit", 5)}}
	add("params wrong authority", mut(params, func(m *types.MsgUpdateParams) { m.Authority = creator }), types.ErrInvalidAuthority)
	add("params negative fee", mut(params, func(m *types.MsgUpdateParams) { m.Params.MintFee = sdk.Coin{Denom: "ulit", Amount: math.NewInt(-1)} }), types.ErrInvalidParams)
	add("params empty denom", mut(params, func(m *types.MsgUpdateParams) { m.Params.MintFee = sdk.Coin{Amount: math.NewInt(1)} }), types.ErrInvalidParams)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := w.f.snapshot(t)
			_, err := w.f.deliver(c.msg)
			require.ErrorIs(t, err, c.want)
			require.Equal(t, before, w.f.snapshot(t))
			require.Empty(t, w.f.ctx.EventManager().Events())
		})
	}
}

func TestRootKeyNotReady(t *testing.T) {
	f := newFixture(t, false)
	for _, msg := range []sdk.Msg{&types.MsgMint{Creator: creator}, fullMint(creator), &types.MsgMintGrantBurn{Creator: creator, ActionCid: cidA}} {
		before := f.snapshot(t)
		_, err := f.deliver(msg)
		require.ErrorIs(t, err, types.ErrRootKeyNotReady)
		require.Equal(t, before, f.snapshot(t))
		require.Empty(t, f.bank.modules)
	}
}

// ---------------------------------------------------------------- Mint/Grant/Burn

func TestMintGrantBurn(t *testing.T) {
	f := newFixture(t, true)
	res := f.mint(t, &types.MsgMintGrantBurn{Creator: creator, ActionCid: cidA})
	tok := res.TokenId
	for _, k := range *f.sets {
		require.NotEqual(t, types.PKPsByOwnerKey.Bytes()[0], k[0], "Mint/Grant/Burn wrote an owner index entry: %x", k)
	}
	derived, err := f.tss.DerivePubkey(f.ctx, 1)
	require.NoError(t, err)
	require.Equal(t, "0x"+hex.EncodeToString(keccak(derived)), tok)

	require.Equal(t, []proto.Message{
		&types.EventPKPMinted{TokenId: tok, Pubkey: res.Pubkey, KeyId: 1, Owner: creator, EthAddress: res.EthAddress, MintGrantBurn: true},
		&types.EventPermittedActionAdded{TokenId: tok, Cid: cidA, Scopes: sign},
		&types.EventPKPBurned{TokenId: tok, Owner: creator},
	}, f.events(t))
	require.Equal(t, ulit(1_000_000), f.bank.modules["fee_collector"])

	require.Equal(t, types.PKP{TokenId: tok, Pubkey: res.Pubkey, KeyId: 1, Burned: true, MintGrantBurn: true, MintedHeight: 42}, f.pkp(t, tok).Pkp)
	require.Empty(t, f.owned(t, creator))
	for key := range f.snapshot(t).raw {
		require.False(t, strings.HasPrefix(key, "02"), "owner index entry %s", key)
	}

	require.Equal(t, &types.QueryPermissionsResponse{TokenId: tok, Burned: true, Actions: []types.PermittedAction{{Cid: cidA, Scopes: sign}}}, f.perms(t, tok))
	require.Equal(t, &types.QueryIsPermittedResponse{Permitted: true, Scopes: sign}, f.action(t, tok, cidA))
	require.False(t, f.action(t, tok, cidB).Permitted)
	require.False(t, f.address(t, tok, creator).Permitted)
	prov, err := f.q.Provenance(f.ctx, &types.QueryProvenanceRequest{TokenId: tok})
	require.NoError(t, err)
	require.Equal(t, &types.QueryProvenanceResponse{TokenId: tok, MintGrantBurn: true, Burned: true, ActionCid: cidA, MintedHeight: 42,
		Actions: []types.PermittedAction{{Cid: cidA, Scopes: sign}}}, prov)
	// That every owner message now fails with ErrPKPBurned, from anyone and
	// without a trace, is in TestMsgFailuresChangeNothing ("mgb by ...").
}

// ---------------------------------------------------------------- queries

func TestQueries(t *testing.T) {
	w := newWorld(t)
	f, ctx, q := w.f, w.f.ctx, w.f.q
	view := f.pkp(t, w.tok)
	pk, err := secp256k1.ParsePubKey(must(hex.DecodeString(view.Pkp.Pubkey[2:])))
	require.NoError(t, err)
	ethLower := "0x" + hex.EncodeToString(keccak(pk.SerializeUncompressed()[1:])[12:])
	require.Equal(t, ethLower, strings.ToLower(view.EthAddress))
	require.NotEqual(t, ethLower, view.EthAddress, "eth address is EIP-55 checksummed")
	require.Equal(t, types.AccAddress(pk).String(), view.Address)
	require.True(t, strings.HasPrefix(view.Address, "lit1"))

	t.Run("by pubkey and eth address", func(t *testing.T) {
		for _, key := range []string{view.Pkp.Pubkey, "0x" + hex.EncodeToString(pk.SerializeCompressed()), hex.EncodeToString(pk.SerializeCompressed())} {
			res, err := q.PKPByPubkey(ctx, &types.QueryPKPByPubkeyRequest{Pubkey: key})
			require.NoError(t, err, key)
			require.Equal(t, view, res.Pkp)
		}
		for _, eth := range []string{view.EthAddress, ethLower} {
			res, err := q.PKPByEthAddress(ctx, &types.QueryPKPByEthAddressRequest{EthAddress: eth})
			require.NoError(t, err, eth)
			require.Equal(t, view, res.Pkp)
		}
	})

	t.Run("pagination", func(t *testing.T) {
		var seen []string
		var key []byte
		for {
			res, err := q.PKPs(ctx, &types.QueryPKPsRequest{Pagination: &query.PageRequest{Key: key, Limit: 1}})
			require.NoError(t, err)
			require.Len(t, res.Pkps, 1)
			seen = append(seen, res.Pkps[0].Pkp.TokenId)
			if key = res.Pagination.NextKey; key == nil {
				break
			}
		}
		require.ElementsMatch(t, []string{w.tok, w.burned, w.mgb}, seen)
	})

	t.Run("permissions and provenance", func(t *testing.T) {
		require.Equal(t, &types.QueryPermissionsResponse{TokenId: w.tok, Owner: creator, Actions: []types.PermittedAction{{Cid: cidA, Scopes: sign}},
			Addresses: []types.PermittedAddress{{Address: addrP, Scopes: sign}}, AuthMethods: []types.AuthMethod{am1}}, f.perms(t, w.tok))
		require.ElementsMatch(t, []string{w.tok, w.burned}, f.byAuth(t, am1))
		require.Empty(t, f.byAuth(t, types.AuthMethod{AuthMethodType: 2, Id: am1.Id}))
		require.True(t, f.action(t, w.tok, cidA).Permitted)
		require.False(t, f.action(t, w.tok, cidB).Permitted)
		require.Equal(t, &types.QueryIsPermittedResponse{Permitted: true, Scopes: []types.Scope{1, 2}}, f.address(t, w.tok, creator))
		require.Equal(t, &types.QueryIsPermittedResponse{Permitted: true, Scopes: sign}, f.address(t, w.tok, addrP))
		require.False(t, f.address(t, w.tok, addrQ).Permitted)
		require.False(t, f.address(t, w.burned, creator).Permitted, "a burned PKP has no owner")
		require.True(t, f.address(t, w.burned, addrP).Permitted)
		prov, err := q.Provenance(ctx, &types.QueryProvenanceRequest{TokenId: w.tok})
		require.NoError(t, err)
		require.Equal(t, &types.QueryProvenanceResponse{TokenId: w.tok, MintedHeight: 42, Actions: []types.PermittedAction{{Cid: cidA, Scopes: sign}}}, prov)
	})

	// PKPsByOwner and IsPermittedAddress after Transfer and Burn: TestOwnerMsgs.

	t.Run("errors", func(t *testing.T) {
		errOf := func(_ any, err error) error { return err }
		g := secp256k1.PrivKeyFromBytes([]byte{1}).PubKey() // minted by nobody
		for code, errs := range map[codes.Code][]error{
			codes.InvalidArgument: {
				errOf(q.Params(ctx, nil)), errOf(q.PKP(ctx, nil)), errOf(q.PKPs(ctx, nil)), errOf(q.PKPByPubkey(ctx, nil)),
				errOf(q.PKPByEthAddress(ctx, nil)), errOf(q.PKPsByOwner(ctx, nil)), errOf(q.PKPsByAuthMethod(ctx, nil)),
				errOf(q.Permissions(ctx, nil)), errOf(q.IsPermittedAction(ctx, nil)), errOf(q.IsPermittedAddress(ctx, nil)),
				errOf(q.Provenance(ctx, nil)),
				errOf(q.PKP(ctx, &types.QueryPKPRequest{TokenId: "0x1234"})),
				errOf(q.PKPByPubkey(ctx, &types.QueryPKPByPubkeyRequest{Pubkey: "0xzz"})),
				errOf(q.PKPByPubkey(ctx, &types.QueryPKPByPubkeyRequest{Pubkey: "0x04" + strings.Repeat("01", 64)})),
				errOf(q.PKPByEthAddress(ctx, &types.QueryPKPByEthAddressRequest{EthAddress: ethLower[2:]})),
				errOf(q.PKPByEthAddress(ctx, &types.QueryPKPByEthAddressRequest{EthAddress: "0x1234"})),
				errOf(q.PKPsByOwner(ctx, &types.QueryPKPsByOwnerRequest{Owner: "lit1bad"})),
				errOf(q.PKPsByAuthMethod(ctx, &types.QueryPKPsByAuthMethodRequest{Id: "x"})),
				errOf(q.PKPsByAuthMethod(ctx, &types.QueryPKPsByAuthMethodRequest{AuthMethodType: 1})),
				errOf(q.PKPsByAuthMethodId(ctx, nil)),
				errOf(q.IsPermittedAuthMethod(ctx, nil)), errOf(q.UserPubkeyForAuthMethod(ctx, nil)),
				errOf(q.IsPermittedAuthMethod(ctx, &types.QueryIsPermittedAuthMethodRequest{TokenId: w.tok, Id: "x"})),
				errOf(q.IsPermittedAuthMethod(ctx, &types.QueryIsPermittedAuthMethodRequest{TokenId: "zz", AuthMethodType: 1, Id: "x"})),
				errOf(q.UserPubkeyForAuthMethod(ctx, &types.QueryUserPubkeyForAuthMethodRequest{TokenId: w.tok, AuthMethodType: 1, Id: "0x"})),
				errOf(q.UserPubkeyForAuthMethod(ctx, &types.QueryUserPubkeyForAuthMethodRequest{TokenId: "zz", AuthMethodType: 1, Id: "x"})),
				errOf(q.PKPsByAuthMethodId(ctx, &types.QueryPKPsByAuthMethodIdRequest{AuthMethodId: "0x1234"})),
				errOf(q.PKPsByAuthMethodId(ctx, &types.QueryPKPsByAuthMethodIdRequest{AuthMethodId: "0x" + strings.Repeat("zz", 32)})),
				errOf(q.Permissions(ctx, &types.QueryPermissionsRequest{})),
				errOf(q.IsPermittedAction(ctx, &types.QueryIsPermittedActionRequest{TokenId: w.tok, ActionCid: "Qm123"})),
				errOf(q.IsPermittedAddress(ctx, &types.QueryIsPermittedAddressRequest{TokenId: w.tok, Address: "x"})),
				errOf(q.Provenance(ctx, &types.QueryProvenanceRequest{TokenId: "zz"})),
			},
			codes.NotFound: {
				errOf(q.PKP(ctx, &types.QueryPKPRequest{TokenId: unknownTok})),
				errOf(q.PKPByPubkey(ctx, &types.QueryPKPByPubkeyRequest{Pubkey: hex.EncodeToString(g.SerializeCompressed())})),
				errOf(q.PKPByEthAddress(ctx, &types.QueryPKPByEthAddressRequest{EthAddress: types.EthAddressChecksum(types.EthAddressBytes(g))})),
				errOf(q.Permissions(ctx, &types.QueryPermissionsRequest{TokenId: unknownTok})),
				errOf(q.IsPermittedAction(ctx, &types.QueryIsPermittedActionRequest{TokenId: unknownTok, ActionCid: cidA})),
				errOf(q.IsPermittedAddress(ctx, &types.QueryIsPermittedAddressRequest{TokenId: unknownTok, Address: creator})),
				errOf(q.Provenance(ctx, &types.QueryProvenanceRequest{TokenId: unknownTok})),
			},
		} {
			for i, err := range errs {
				require.Error(t, err, "%s #%d", code, i)
				requireCode(t, err, code)
			}
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// ---------------------------------------------------------------- genesis

func TestGenesisRoundTrip(t *testing.T) {
	w := newWorld(t)
	_, err := w.f.deliver(&types.MsgAddAuthMethod{Owner: creator, TokenId: w.tok, AuthMethod: am2})
	require.NoError(t, err)
	_, err = w.f.deliver(&types.MsgUpdateParams{Authority: gov.String(), Params: types.Params{MintFee: sdk.NewInt64Coin("ulit", 7)}})
	require.NoError(t, err)
	gs, err := w.f.k.ExportGenesis(w.f.ctx)
	require.NoError(t, err)
	require.NoError(t, gs.Validate())
	require.Len(t, gs.Pkps, 3)
	require.Equal(t, uint64(4), gs.NextKeyId)
	require.Len(t, gs.PermittedActions, 3)
	require.Len(t, gs.PermittedAddresses, 2)
	require.Len(t, gs.AuthMethods, 3)

	g := newFixture(t, true)
	require.NoError(t, g.k.InitGenesis(g.ctx, *gs))
	again, err := g.k.ExportGenesis(g.ctx)
	require.NoError(t, err)
	require.Equal(t, gs, again)

	// The indexes are rebuilt, not only the records.
	require.Equal(t, []string{w.tok}, g.owned(t, creator))
	require.ElementsMatch(t, []string{w.tok, w.burned}, g.byAuth(t, am1))
	require.Equal(t, []string{w.tok}, g.byAuth(t, am2))
	for _, tok := range []string{w.tok, w.burned, w.mgb} {
		v := w.f.pkp(t, tok)
		res, err := g.q.PKPByEthAddress(g.ctx, &types.QueryPKPByEthAddressRequest{EthAddress: v.EthAddress})
		require.NoError(t, err)
		require.Equal(t, v, res.Pkp)
	}
	require.Equal(t, w.f.snapshot(t).raw, g.snapshot(t).raw)
	// Minting continues at key id 4.
	res := g.mint(t, &types.MsgMint{Creator: creator})
	require.Equal(t, uint64(4), g.pkp(t, res.TokenId).Pkp.KeyId)
}

func TestGenesisValidate(t *testing.T) {
	w := newWorld(t)
	require.NoError(t, types.DefaultGenesis().Validate())
	idx := func(gs *types.GenesisState, tok string) int {
		return slices.IndexFunc(gs.Pkps, func(p types.PKP) bool { return p.TokenId == tok })
	}
	otherKey := secp256k1.PrivKeyFromBytes([]byte{9}).PubKey()
	for _, c := range []struct {
		name   string
		change func(gs *types.GenesisState)
		want   error
	}{
		{"next key id 0", func(gs *types.GenesisState) { gs.NextKeyId = 0 }, types.ErrInvalidGenesis},
		{"bad params", func(gs *types.GenesisState) { gs.Params.MintFee = sdk.Coin{Denom: "ulit", Amount: math.NewInt(-1)} }, types.ErrInvalidParams},
		{"duplicate pkp", func(gs *types.GenesisState) { gs.Pkps = append(gs.Pkps, gs.Pkps[0]) }, types.ErrInvalidGenesis},
		{"duplicate key id", func(gs *types.GenesisState) { gs.Pkps[1].KeyId = gs.Pkps[0].KeyId }, types.ErrInvalidGenesis},
		{"key id >= next", func(gs *types.GenesisState) { gs.Pkps[0].KeyId = gs.NextKeyId }, types.ErrInvalidGenesis},
		{"token id not of pubkey", func(gs *types.GenesisState) { gs.Pkps[0].TokenId = unknownTok }, types.ErrInvalidTokenID},
		{"pubkey of other key", func(gs *types.GenesisState) { gs.Pkps[0].Pubkey = types.PubkeyHex(otherKey) }, types.ErrInvalidTokenID},
		{"compressed pubkey", func(gs *types.GenesisState) {
			gs.Pkps[0].Pubkey = "0x" + hex.EncodeToString(must(types.ParsePubkey(gs.Pkps[0].Pubkey)).SerializeCompressed())
		}, types.ErrInvalidPubkey},
		{"upper-case pubkey", func(gs *types.GenesisState) { gs.Pkps[0].Pubkey = "0x" + strings.ToUpper(gs.Pkps[0].Pubkey[2:]) }, types.ErrInvalidPubkey},
		{"pubkey not on curve", func(gs *types.GenesisState) { gs.Pkps[0].Pubkey = "0x04" + strings.Repeat("01", 64) }, types.ErrInvalidPubkey},
		{"bad owner", func(gs *types.GenesisState) { gs.Pkps[idx(gs, w.tok)].Owner = "lit1bad" }, types.ErrInvalidAddress},
		{"burned pkp with owner", func(gs *types.GenesisState) { gs.Pkps[idx(gs, w.burned)].Owner = creator }, types.ErrInvalidGenesis},
		{"mgb pkp not burned", func(gs *types.GenesisState) {
			p := &gs.Pkps[idx(gs, w.mgb)]
			p.Burned, p.Owner = false, creator
		}, types.ErrInvalidGenesis},
		{"bad cid", func(gs *types.GenesisState) { gs.PermittedActions[0].Action.Cid = "Qm123" }, types.ErrInvalidCID},
		{"bad action scopes", func(gs *types.GenesisState) { gs.PermittedActions[0].Action.Scopes = nil }, types.ErrInvalidScopes},
		{"duplicate action", func(gs *types.GenesisState) {
			gs.PermittedActions = append(gs.PermittedActions, gs.PermittedActions[0])
		}, types.ErrInvalidGenesis},
		{"action for unknown pkp", func(gs *types.GenesisState) { gs.PermittedActions[0].TokenId = unknownTok }, types.ErrInvalidGenesis},
		{"address for unknown pkp", func(gs *types.GenesisState) { gs.PermittedAddresses[0].TokenId = unknownTok }, types.ErrInvalidGenesis},
		{"auth method for unknown pkp", func(gs *types.GenesisState) { gs.AuthMethods[0].TokenId = unknownTok }, types.ErrInvalidGenesis},
		{"bad permitted address", func(gs *types.GenesisState) { gs.PermittedAddresses[0].Address.Address = "lit1bad" }, types.ErrInvalidAddress},
		{"duplicate address", func(gs *types.GenesisState) {
			gs.PermittedAddresses = append(gs.PermittedAddresses, gs.PermittedAddresses[0])
		}, types.ErrInvalidGenesis},
		{"bad auth method", func(gs *types.GenesisState) { gs.AuthMethods[0].AuthMethod.AuthMethodType = 0 }, types.ErrInvalidAuthMethod},
		{"duplicate auth method", func(gs *types.GenesisState) { gs.AuthMethods = append(gs.AuthMethods, gs.AuthMethods[0]) }, types.ErrInvalidGenesis},
		{"mgb with permitted address", func(gs *types.GenesisState) {
			gs.PermittedAddresses = append(gs.PermittedAddresses, types.GenesisPermittedAddress{TokenId: w.mgb, Address: types.PermittedAddress{Address: addrQ, Scopes: sign}})
		}, types.ErrInvalidGenesis},
		{"mgb with auth method", func(gs *types.GenesisState) {
			gs.AuthMethods = append(gs.AuthMethods, types.GenesisAuthMethod{TokenId: w.mgb, AuthMethod: am2})
		}, types.ErrInvalidGenesis},
		{"mgb with two actions", func(gs *types.GenesisState) {
			gs.PermittedActions = append(gs.PermittedActions, types.GenesisPermittedAction{TokenId: w.mgb, Action: types.PermittedAction{Cid: cidB, Scopes: sign}})
		}, types.ErrInvalidGenesis},
		{"mgb with no action", func(gs *types.GenesisState) {
			gs.PermittedActions = slices.DeleteFunc(gs.PermittedActions, func(a types.GenesisPermittedAction) bool { return a.TokenId == w.mgb })
		}, types.ErrInvalidGenesis},
	} {
		t.Run(c.name, func(t *testing.T) {
			gs, err := w.f.k.ExportGenesis(w.f.ctx)
			require.NoError(t, err)
			c.change(gs)
			require.ErrorIs(t, gs.Validate(), c.want)
			g := newFixture(t, true)
			before := g.snapshot(t)
			require.ErrorIs(t, g.k.InitGenesis(g.ctx, *gs), c.want)
			require.Equal(t, before, g.snapshot(t))
		})
	}
}

// TestAddressesAreCanonical: bech32 is case-insensitive, so an upper-case
// address names the same account; state stores and compares the lower-case form.
func TestAddressesAreCanonical(t *testing.T) {
	f := newFixture(t, true)
	tok := f.mint(t, &types.MsgMint{Creator: strings.ToUpper(creator)}).TokenId
	require.Equal(t, creator, f.pkp(t, tok).Pkp.Owner)

	_, err := f.deliver(&types.MsgAddPermittedAddress{Owner: creator, TokenId: tok, Address: strings.ToUpper(addrP), Scopes: sign})
	require.NoError(t, err)
	require.Equal(t, addrP, f.perms(t, tok).Addresses[0].Address)
	_, err = f.deliver(&types.MsgAddPermittedAddress{Owner: creator, TokenId: tok, Address: addrP, Scopes: sign})
	require.ErrorIs(t, err, types.ErrDuplicatePermission)

	_, err = f.deliver(&types.MsgRemovePermittedAddress{Owner: creator, TokenId: tok, Address: strings.ToUpper(addrP)})
	require.NoError(t, err)
	require.Equal(t, []proto.Message{&types.EventPermittedAddressRemoved{TokenId: tok, Address: addrP}}, f.events(t))
	_, err = f.deliver(&types.MsgAddPermittedAddress{Owner: creator, TokenId: tok, Address: addrP, Scopes: sign})
	require.NoError(t, err)

	_, err = f.deliver(&types.MsgTransfer{Owner: creator, TokenId: tok, Recipient: strings.ToUpper(recipient)})
	require.NoError(t, err)
	require.Equal(t, recipient, f.pkp(t, tok).Pkp.Owner)
	_, err = f.deliver(&types.MsgBurn{Owner: strings.ToUpper(recipient), TokenId: tok})
	require.NoError(t, err)
	require.Equal(t, []proto.Message{&types.EventPKPBurned{TokenId: tok, Owner: recipient}}, f.events(t), "events name the account as state does")

	mgb := f.mint(t, &types.MsgMintGrantBurn{Creator: strings.ToUpper(creator), ActionCid: cidA}).TokenId
	for _, ev := range f.events(t) {
		switch ev := ev.(type) {
		case *types.EventPKPMinted:
			require.Equal(t, creator, ev.Owner)
		case *types.EventPKPBurned:
			require.Equal(t, types.EventPKPBurned{TokenId: mgb, Owner: creator}, *ev)
		}
	}

	gs, err := f.k.ExportGenesis(f.ctx)
	require.NoError(t, err)
	gs.PermittedAddresses[0].Address.Address = strings.ToUpper(gs.PermittedAddresses[0].Address.Address)
	require.ErrorIs(t, gs.Validate(), types.ErrInvalidAddress)
}

func rootHexCompressed() string {
	return "0x" + hex.EncodeToString(rootPriv().PubKey().SerializeCompressed())
}
