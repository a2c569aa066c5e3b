package keeper_test

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cosmos/btcutil/base58"
	"github.com/cosmos/gogoproto/proto"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/sha3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/comet"
	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"

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
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/litprotocol/litd/app"
	pkpkeeper "github.com/litprotocol/litd/x/pkp/keeper"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	"github.com/litprotocol/litd/x/tss/keeper"
	"github.com/litprotocol/litd/x/tss/types"
)

// ---------------------------------------------------------------- fixture

var (
	owner    = acc(1)
	permSign = acc(2) // permitted on f.tok with SIGN_ANYTHING
	permPers = acc(3) // permitted on f.tok with PERSONAL_SIGN only
	stranger = acc(4)
	poor     = acc(5) // holds less than the sign fee
	gov      = mustBech32("lit", authtypes.NewModuleAddress("gov"))
	signAny  = []pkptypes.Scope{pkptypes.SCOPE_SIGN_ANYTHING}
	unknown  = "0x" + strings.Repeat("ee", 32)
	vals     = newVals() // four validators in byte order
)

type val struct {
	op   string
	addr sdk.ValAddress
	cons []byte
}

func newVals() []val {
	out := make([]val, 4)
	for i := range out {
		bz := bytes.Repeat([]byte{0xa1 + byte(i)}, 20)
		out[i] = val{mustBech32("litvaloper", bz), bz, bytes.Repeat([]byte{0xc1 + byte(i)}, 20)}
	}
	return out
}

func mustBech32(prefix string, bz []byte) string {
	s, err := address.NewBech32Codec(prefix).BytesToString(bz)
	if err != nil {
		panic(err)
	}
	return s
}

func acc(b byte) string { return mustBech32("lit", bytes.Repeat([]byte{b}, 20)) }

// ops are the sorted operator addresses of the given validators (all if none).
func ops(idx ...int) []string {
	if len(idx) == 0 {
		idx = []int{0, 1, 2, 3}
	}
	var out []string
	for _, i := range idx {
		out = append(out, vals[i].op)
	}
	slices.Sort(out)
	return out
}

func valAddr(op string) sdk.ValAddress {
	for _, v := range vals {
		if v.op == op {
			return v.addr
		}
	}
	panic(op)
}

func digest(b byte) string { return "0x" + strings.Repeat(hex.EncodeToString([]byte{b}), 32) }

func rawDigest(d string) []byte {
	bz, err := hex.DecodeString(d[2:])
	if err != nil {
		panic(err)
	}
	return bz
}

func rootPriv() *secp256k1.PrivateKey {
	return secp256k1.PrivKeyFromBytes(bytes.Repeat([]byte{0x42}, 32))
}

func rootHex() string { return "0x" + hex.EncodeToString(rootPriv().PubKey().SerializeCompressed()) }

// childPriv is the PKP private key of key id, computed from the spec:
// root + keccak256(root_compressed || uint64_be(key_id)) mod n.
func childPriv(keyID uint64) *secp256k1.PrivateKey {
	root := rootPriv()
	h := sha3.NewLegacyKeccak256()
	h.Write(root.PubKey().SerializeCompressed())
	h.Write(binary.BigEndian.AppendUint64(nil, keyID))
	var k, delta secp256k1.ModNScalar
	delta.SetByteSlice(h.Sum(nil))
	k.Set(&root.Key).Add(&delta)
	return secp256k1.NewPrivateKey(&k)
}

// realSig signs d with priv and returns r, s (low S) as 32-byte slices.
func realSig(priv *secp256k1.PrivateKey, d string) (r, s []byte) {
	sig := ecdsa.Sign(priv, rawDigest(d))
	rs, ss := sig.R(), sig.S()
	rb, sb := rs.Bytes(), ss.Bytes()
	return rb[:], sb[:]
}

// fakeStaking bonds vals[bonded...]; consensus addresses map to all of vals.
// fakeStaking bonds vals[i] for i in bonded, each with 10 tokens unless tokens says otherwise.
type fakeStaking struct {
	bonded []int
	tokens map[int]int64
	// self and minSelf are each validator's self-delegation (default: all its
	// tokens) and min_self_delegation (default 0).
	self, minSelf map[int]int64
}

// GetDelegation knows only self-delegations, as shares equal to tokens.
func (s *fakeStaking) GetDelegation(_ context.Context, del sdk.AccAddress, val sdk.ValAddress) (stakingtypes.Delegation, error) {
	for i, v := range vals {
		if bytes.Equal(v.addr, val) && bytes.Equal(del, val) {
			self, ok := s.self[i]
			if !ok {
				self = 10
				if tok, ok := s.tokens[i]; ok {
					self = tok
				}
			}
			return stakingtypes.Delegation{DelegatorAddress: del.String(), ValidatorAddress: v.op, Shares: sdkmath.LegacyNewDec(self)}, nil
		}
	}
	return stakingtypes.Delegation{}, stakingtypes.ErrNoDelegation
}

func (s *fakeStaking) GetBondedValidatorsByPower(context.Context) ([]stakingtypes.Validator, error) {
	var out []stakingtypes.Validator
	for _, i := range s.bonded {
		tok, ok := s.tokens[i]
		if !ok {
			tok = 10
		}
		out = append(out, stakingtypes.Validator{OperatorAddress: vals[i].op, Tokens: sdkmath.NewInt(tok)})
	}
	return out, nil
}

// GetValidator knows the four validators: bonded ones with their tokens,
// others unbonded.
func (s *fakeStaking) GetValidator(_ context.Context, a sdk.ValAddress) (stakingtypes.Validator, error) {
	for i, v := range vals {
		if bytes.Equal(v.addr, a) {
			if !slices.Contains(s.bonded, i) {
				return stakingtypes.Validator{OperatorAddress: v.op, Status: stakingtypes.Unbonded}, nil
			}
			tok, ok := s.tokens[i]
			if !ok {
				tok = 10
			}
			val := stakingtypes.Validator{
				OperatorAddress: v.op, Tokens: sdkmath.NewInt(tok), DelegatorShares: sdkmath.LegacyNewDec(max(tok, 1)),
				Status: stakingtypes.Bonded, MinSelfDelegation: sdkmath.NewInt(s.minSelf[i]),
			}
			return val, nil
		}
	}
	return stakingtypes.Validator{}, stakingtypes.ErrNoValidatorFound
}

// PowerReduction is 1: a token is a unit of power.
func (s *fakeStaking) PowerReduction(context.Context) sdkmath.Int { return sdkmath.OneInt() }

func (s *fakeStaking) GetValidatorByConsAddr(_ context.Context, c sdk.ConsAddress) (stakingtypes.Validator, error) {
	for _, v := range vals {
		if bytes.Equal(v.cons, c) {
			return stakingtypes.Validator{OperatorAddress: v.op}, nil
		}
	}
	return stakingtypes.Validator{}, stakingtypes.ErrNoValidatorFound
}

// fakeBank keeps balances in its own store ("module:<name>" for module
// accounts), so a failed message or a branch rolls them back as with the real
// bank, and the raw-store checks see them.
type fakeBank struct{ key *storetypes.KVStoreKey }

const feeCollector = "fee_collector"

func (b fakeBank) balance(ctx context.Context, holder string) sdk.Coins {
	coins, err := sdk.ParseCoinsNormalized(string(sdk.UnwrapSDKContext(ctx).KVStore(b.key).Get([]byte(holder))))
	if err != nil {
		panic(err)
	}
	return coins
}

func (b fakeBank) GetBalance(ctx context.Context, addr sdk.AccAddress, denom string) sdk.Coin {
	return sdk.NewCoin(denom, b.balance(ctx, addr.String()).AmountOf(denom))
}

func (b fakeBank) set(ctx context.Context, holder string, coins sdk.Coins) {
	st := sdk.UnwrapSDKContext(ctx).KVStore(b.key)
	if coins.IsZero() {
		st.Delete([]byte(holder))
		return
	}
	st.Set([]byte(holder), []byte(coins.String()))
}

// all is every non-zero balance.
func (b fakeBank) all(ctx context.Context) map[string]sdk.Coins {
	out := map[string]sdk.Coins{}
	it := sdk.UnwrapSDKContext(ctx).KVStore(b.key).Iterator(nil, nil)
	for ; it.Valid(); it.Next() {
		out[string(it.Key())] = b.balance(ctx, string(it.Key()))
	}
	if err := it.Close(); err != nil {
		panic(err)
	}
	return out
}

func (b fakeBank) SendCoinsFromAccountToModule(ctx context.Context, from sdk.AccAddress, module string, amt sdk.Coins) error {
	left, neg := b.balance(ctx, from.String()).SafeSub(amt...)
	if neg {
		return errorsmod.Wrapf(sdkerrors.ErrInsufficientFunds, "%s < %s", b.balance(ctx, from.String()), amt)
	}
	b.set(ctx, from.String(), left)
	b.set(ctx, "module:"+module, b.balance(ctx, "module:"+module).Add(amt...))
	return nil
}

func ulit(n int64) sdk.Coins { return sdk.NewCoins(sdk.NewInt64Coin("ulit", n)) }

// lastCommit is a comet.BlockInfo whose last commit holds these votes.
type lastCommit []vote

type vote struct {
	addr []byte
	flag comet.BlockIDFlag
}

func (v vote) Validator() comet.Validator            { return v }
func (v vote) Address() []byte                       { return v.addr }
func (v vote) Power() int64                          { return 1 }
func (v vote) GetBlockIDFlag() comet.BlockIDFlag     { return v.flag }
func (c lastCommit) GetEvidence() comet.EvidenceList { return nil }
func (c lastCommit) GetValidatorsHash() []byte       { return nil }
func (c lastCommit) GetProposerAddress() []byte      { return nil }
func (c lastCommit) GetLastCommit() comet.CommitInfo { return c }
func (c lastCommit) Round() int32                    { return 0 }
func (c lastCommit) Votes() comet.VoteInfos          { return c }
func (c lastCommit) Len() int                        { return len(c) }
func (c lastCommit) Get(i int) comet.VoteInfo        { return c[i] }

type fixture struct {
	ctx     sdk.Context
	cdc     codec.Codec
	k       keeper.Keeper
	msgs    types.MsgServer
	q       keeper.Querier
	pkp     pkpkeeper.Keeper
	pkpMsgs pkptypes.MsgServer
	staking *fakeStaking
	bank    fakeBank
	tok     string // key id 1, owner's, permSign and permPers permitted
}

func newFixture(t *testing.T, withRoot bool) *fixture {
	t.Helper()
	app.SetAddressPrefixes()
	tssKey, pkpKey, bankKey := storetypes.NewKVStoreKey(types.StoreKey), storetypes.NewKVStoreKey(pkptypes.StoreKey), storetypes.NewKVStoreKey("bank")
	ctx := testutil.DefaultContextWithKeys(map[string]*storetypes.KVStoreKey{types.StoreKey: tssKey, pkptypes.StoreKey: pkpKey, "bank": bankKey}, nil, nil).
		WithBlockHeight(42).WithEventManager(sdk.NewEventManager())
	cdc := codec.NewProtoCodec(codectypes.NewInterfaceRegistry())
	f := &fixture{ctx: ctx, cdc: cdc, staking: &fakeStaking{bonded: []int{0, 1, 2, 3}}, bank: fakeBank{bankKey}}
	// Every account that may sign can pay many sign fees; poor cannot pay one.
	for _, a := range []string{owner, permSign, permPers, stranger} {
		f.bank.set(ctx, a, ulit(100_000_000))
	}
	f.bank.set(ctx, poor, ulit(types.DefaultSignFee.Amount.Int64()-1))
	f.k = keeper.NewKeeper(cdc, runtime.NewKVStoreService(tssKey), address.NewBech32Codec("lit"), f.staking, f.bank, feeCollector, gov)
	f.pkp = pkpkeeper.NewKeeper(cdc, runtime.NewKVStoreService(pkpKey), address.NewBech32Codec("lit"), f.bank, f.k, feeCollector, gov)
	f.k.SetPKPKeeper(f.pkp)
	f.msgs, f.q, f.pkpMsgs = keeper.NewMsgServerImpl(f.k), keeper.NewQuerier(f.k), pkpkeeper.NewMsgServerImpl(f.pkp)
	gs := types.DefaultGenesis()
	if withRoot {
		gs.KeySets = []types.KeySet{{Id: 1, Pubkey: rootHex(), Threshold: 2, Participants: ops(), Status: types.KEY_SET_STATUS_ACTIVE}}
	}
	require.NoError(t, f.k.InitGenesis(ctx, *gs))
	require.NoError(t, f.pkp.InitGenesis(ctx, *pkptypes.DefaultGenesis()))
	f.setLive(0, 1, 2, 3)
	if withRoot {
		f.tok = f.mint(t, &pkptypes.MsgMint{Creator: owner, PermittedAddresses: []pkptypes.PermittedAddress{
			{Address: permSign, Scopes: signAny}, {Address: permPers, Scopes: []pkptypes.Scope{pkptypes.SCOPE_PERSONAL_SIGN}},
		}}).TokenId
	}
	return f
}

func (f *fixture) mint(t *testing.T, msg *pkptypes.MsgMint) *pkptypes.MsgMintResponse {
	return ok[*pkptypes.MsgMintResponse](t)(f.pkpMsgs.Mint(f.ctx, msg))
}

// setLive puts vals[idx...] in the last commit as committed, the others as
// absent, plus a committed vote from a consensus address staking does not know.
func (f *fixture) setLive(idx ...int) {
	var c lastCommit
	for i, v := range vals {
		flag := comet.BlockIDFlagAbsent
		if slices.Contains(idx, i) {
			flag = comet.BlockIDFlagCommit
		}
		c = append(c, vote{v.cons, flag})
	}
	f.ctx = f.ctx.WithCometInfo(append(c, vote{bytes.Repeat([]byte{0xee}, 20), comet.BlockIDFlagCommit}))
}

func (f *fixture) setParams(t *testing.T, change func(*types.Params)) {
	t.Helper()
	p := types.DefaultParams()
	change(&p)
	_, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: gov, Params: p})
	require.NoError(t, err)
}

func (f *fixture) fresh() { f.ctx = f.ctx.WithEventManager(sdk.NewEventManager()) }

func (f *fixture) sign(requester, tok, d string) (uint64, error) {
	f.fresh()
	res, err := f.msgs.Sign(f.ctx, &types.MsgSign{Requester: requester, TokenId: tok, Digest: d})
	if err != nil {
		return 0, err
	}
	return res.SignatureId, nil
}

func (f *fixture) mustSign(t *testing.T, d string) uint64 {
	return ok[uint64](t)(f.sign(owner, f.tok, d))
}

func (f *fixture) endBlock(t *testing.T) []proto.Message {
	t.Helper()
	f.fresh()
	require.NoError(t, f.k.EndBlocker(f.ctx))
	return f.events(t)
}

func (f *fixture) at(h int64) { f.ctx = f.ctx.WithBlockHeight(h) }

func (f *fixture) apply(t *testing.T, author sdk.ValAddress, sec *types.ExtensionSection) []keeper.Delivered {
	f.fresh()
	return ok[[]keeper.Delivered](t)(f.k.ApplySection(f.ctx, author, sec))
}

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

func ofType[T proto.Message](evs []proto.Message) []T {
	var out []T
	for _, e := range evs {
		if v, ok := e.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// ok fails the test on err and returns v: ok[T](t)(call()).
func ok[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		require.NoError(t, err)
		return v
	}
}

func (f *fixture) session(t *testing.T, id uint64) types.Session {
	return ok[types.Session](t)(f.k.GetSession(f.ctx, id))
}

func (f *fixture) signature(t *testing.T, id uint64) types.Signature {
	return ok[types.Signature](t)(f.k.GetSignature(f.ctx, id))
}

func (f *fixture) keySet(t *testing.T) types.KeySet {
	return ok[types.KeySet](t)(f.k.KeySets.Get(f.ctx, 1))
}

func (f *fixture) export(t *testing.T) *types.GenesisState {
	return ok[*types.GenesisState](t)(f.k.ExportGenesis(f.ctx))
}

// raw is every key and value of every store (x/tss, x/pkp, bank).
func (f *fixture) raw(t *testing.T) map[string]string {
	t.Helper()
	ms, ok := f.ctx.MultiStore().(interface {
		StoreKeysByName() map[string]storetypes.StoreKey
	})
	require.True(t, ok, "%T", f.ctx.MultiStore())
	out := map[string]string{}
	for name, key := range ms.StoreKeysByName() {
		it := f.ctx.KVStore(key).Iterator(nil, nil)
		for ; it.Valid(); it.Next() {
			out[name+"/"+hex.EncodeToString(it.Key())] = hex.EncodeToString(it.Value())
		}
		require.NoError(t, it.Close())
	}
	return out
}

// refused runs call, which must fail with want, and requires that it wrote
// nothing to any store and emitted nothing.
func (f *fixture) refused(t *testing.T, want error, call func() error) error {
	t.Helper()
	before := f.raw(t)
	f.fresh()
	err := call()
	require.ErrorIs(t, err, want)
	require.Equal(t, before, f.raw(t), "refused (%v) but changed state", err)
	require.Empty(t, f.ctx.EventManager().Events())
	return err
}

// pending is the pending-request count of each requester, and of all.
func (f *fixture) pending(t *testing.T) (map[string]uint64, uint64) {
	t.Helper()
	by := map[string]uint64{}
	require.NoError(t, f.k.PendingByRequester.Walk(f.ctx, nil, func(r string, n uint64) (bool, error) { by[r] = n; return false, nil }))
	return by, ok[uint64](t)(f.k.PendingCount.Get(f.ctx))
}

func (f *fixture) openIDs(t *testing.T) []uint64 { return keys(t, f.ctx, f.k.OpenSessions) }
func (f *fixture) queue(t *testing.T) []uint64   { return keys(t, f.ctx, f.k.SignQueue) }

func keys[K any](t *testing.T, ctx context.Context, ks collections.KeySet[K]) []K {
	t.Helper()
	var out []K
	require.NoError(t, ks.Walk(ctx, nil, func(k K) (bool, error) { out = append(out, k); return false, nil }))
	return out
}

func parties(s types.Session) []string { return s.PartyValidators() }

func outsider(s types.Session) string {
	for _, op := range ops() {
		if !slices.Contains(parties(s), op) {
			return op
		}
	}
	panic("no outsider")
}

func bcast(session uint64, n int) *types.ExtensionSection {
	sec := &types.ExtensionSection{}
	for i := range n {
		sec.Messages = append(sec.Messages, types.ProtocolMessage{SessionId: session, Payload: fmt.Appendf(nil, "round %d", i)})
	}
	return sec
}

// complete has a party of sig's session submit the real signature.
func (f *fixture) complete(t *testing.T, sigID uint64) {
	t.Helper()
	sig := f.signature(t, sigID)
	s := f.session(t, sig.SessionId)
	p := ok[pkptypes.PKP](t)(f.pkp.GetPKP(f.ctx, rawDigest(sig.TokenId)))
	r, ss := realSig(childPriv(p.KeyId), sig.Digest)
	f.apply(t, valAddr(s.Parties[0].Validator), &types.ExtensionSection{SignatureResults: []types.SignatureResult{{SessionId: s.Id, R: r, S: ss}}})
	require.Equal(t, types.SIGNATURE_STATUS_SIGNED, f.signature(t, sigID).Status)
}

func requireCode(t *testing.T, err error, code codes.Code) {
	t.Helper()
	st, ok := status.FromError(err)
	require.True(t, ok, "not a gRPC status: %v", err)
	require.Equal(t, code, st.Code(), err.Error())
}

// ---------------------------------------------------------------- 1. signer choice

func TestThresholdFor(t *testing.T) {
	want := map[int]uint32{1: 1, 2: 1, 3: 1, 4: 2, 5: 3, 6: 3, 7: 4, 8: 5, 9: 5, 10: 6}
	for n := 1; n <= 10; n++ {
		require.Equal(t, want[n], keeper.ThresholdFor(n), "n=%d", n)
	}
}

func TestSignSessionSigners(t *testing.T) {
	t.Run("t+1 live parties, sorted", func(t *testing.T) {
		f := newFixture(t, true)
		d := digest(1)
		id := f.mustSign(t, d)
		evs := f.endBlock(t)
		require.Len(t, evs, 1)
		s := f.session(t, 1)
		p := parties(s)
		require.Len(t, p, 3)
		require.True(t, slices.IsSorted(p))
		require.Subset(t, ops(), p)
		require.Equal(t, types.Session{Id: 1, Type: types.SESSION_TYPE_SIGN, Status: types.SESSION_STATUS_OPEN, KeySetId: 1, Threshold: 2,
			Parties: s.Parties, StartHeight: 42, DeadlineHeight: 142, Attempt: 1, SignatureId: id}, s)
		require.Equal(t, &types.EventSessionStarted{SessionId: 1, Type: "SESSION_TYPE_SIGN", Parties: p, DeadlineHeight: 142, Attempt: 1, SignatureId: id}, evs[0])
		sig := f.signature(t, id)
		require.Equal(t, types.SIGNATURE_STATUS_PENDING, sig.Status)
		require.Equal(t, uint64(1), sig.SessionId)
		require.Equal(t, uint32(1), sig.Attempts)
		require.Empty(t, f.queue(t))
		require.Equal(t, []uint64{1}, f.openIDs(t))

		jobs := ok[[]keeper.Job](t)(f.k.Jobs(f.ctx))
		require.Len(t, jobs, 1)
		require.Equal(t, rootPriv().PubKey().SerializeCompressed(), jobs[0].RootPubkey)
		require.Equal(t, rawDigest(d), jobs[0].Digest)
		require.Equal(t, uint64(1), jobs[0].KeyID)
	})

	t.Run("a non-live validator is never chosen", func(t *testing.T) {
		for dead := range 4 {
			f := newFixture(t, true)
			live := slices.DeleteFunc([]int{0, 1, 2, 3}, func(i int) bool { return i == dead })
			f.setLive(live...)
			for i := range 4 {
				f.mustSign(t, digest(byte(i)))
			}
			f.endBlock(t)
			sessions := ok[[]types.Session](t)(f.k.OpenSessionsList(f.ctx))
			require.Len(t, sessions, 4)
			for _, s := range sessions {
				require.Equal(t, ops(live...), parties(s), "dead validator %d", dead)
			}
		}
	})

	t.Run("too few live: liveness is relaxed", func(t *testing.T) {
		f := newFixture(t, true)
		f.setLive(0)
		f.mustSign(t, digest(1))
		f.endBlock(t)
		require.Len(t, f.session(t, 1).Parties, 3)
	})

	// What e2e's kill test met: a signer dies mid-session while another
	// validator is penalized. The retry must not pick the dead one just
	// because the live ones include a penalized validator.
	t.Run("a retry after a signer went down picks the live ones, even one penalized", func(t *testing.T) {
		for i := range 4 {
			f := newFixture(t, true)
			penalized := vals[1].op
			require.NoError(t, f.k.FaultRecords.Set(f.ctx, penalized, types.FaultRecord{Validator: penalized, WindowStart: f.ctx.BlockHeight(), Count: 3}))
			f.setLive(0, 1, 2, 3)
			id := f.mustSign(t, digest(byte(i)))
			f.endBlock(t)
			s := f.session(t, f.signature(t, id).SessionId)
			require.Equal(t, ops(0, 2, 3), parties(s), "the penalized validator is left out while t+1 others are live")
			// vals[3] goes down after the first round: the others go on.
			for _, p := range []int{0, 2} {
				f.apply(t, vals[p].addr, bcast(s.Id, 2))
			}
			f.apply(t, vals[3].addr, bcast(s.Id, 1))
			f.setLive(0, 1, 2)
			f.at(s.DeadlineHeight)
			f.endBlock(t)
			retry := f.session(t, f.signature(t, id).SessionId)
			require.Equal(t, uint32(2), retry.Attempt)
			require.Equal(t, ops(0, 1, 2), parties(retry), "signature %d: the live validators, the penalized one among them", id)
		}
	})

	// Liveness is one block's votes, which a proposer can leave out; a
	// penalty is a record of failures. Before a request has excluded
	// anyone, a validator missing from the last commit is preferred to a
	// penalized one.
	t.Run("liveness is dropped before the penalty", func(t *testing.T) {
		f := newFixture(t, true)
		penalized := vals[1].op
		require.NoError(t, f.k.FaultRecords.Set(f.ctx, penalized, types.FaultRecord{Validator: penalized, WindowStart: f.ctx.BlockHeight(), Count: 3}))
		f.setLive(0, 1, 2)
		id := f.mustSign(t, digest(1))
		f.endBlock(t)
		require.Equal(t, ops(0, 2, 3), parties(f.session(t, f.signature(t, id).SessionId)))
	})

	t.Run("rotation differs between signature ids", func(t *testing.T) {
		f := newFixture(t, true)
		for i := range 4 {
			f.mustSign(t, digest(byte(i)))
		}
		f.endBlock(t)
		left := map[string]bool{}
		for id := uint64(1); id <= 4; id++ {
			s := f.session(t, id)
			require.Equal(t, id, s.SignatureId)
			left[outsider(s)] = true
		}
		require.Len(t, left, 4, "each of 4 consecutive ids leaves out a different participant")
	})
}

// ---------------------------------------------------------------- 2. MsgSign authorization

func TestSignAuthorization(t *testing.T) {
	f := newFixture(t, true)
	burned := f.mint(t, &pkptypes.MsgMint{Creator: owner}).TokenId
	_, err := f.pkpMsgs.Burn(f.ctx, &pkptypes.MsgBurn{Owner: owner, TokenId: burned})
	require.NoError(t, err)
	cid := sha256.Sum256([]byte("action"))
	mgb := ok[*pkptypes.MsgMintResponse](t)(f.pkpMsgs.MintGrantBurn(f.ctx, &pkptypes.MsgMintGrantBurn{Creator: owner, ActionCid: base58.Encode(append([]byte{0x12, 0x20}, cid[:]...))}))

	for _, tc := range []struct {
		name, requester, tok, digest string
		err                          error
	}{
		{"owner", owner, f.tok, digest(1), nil},
		{"permitted sign-anything", permSign, f.tok, digest(2), nil},
		{"token id in upper case", owner, strings.ToUpper(f.tok[2:]), digest(3), nil},
		{"personal-sign only", permPers, f.tok, digest(1), types.ErrUnauthorized},
		{"stranger", stranger, f.tok, digest(1), types.ErrUnauthorized},
		{"burned: former owner", owner, burned, digest(1), types.ErrUnauthorized},
		{"mint-grant-burn: creator", owner, mgb.TokenId, digest(1), types.ErrUnauthorized},
		{"digest without 0x", owner, f.tok, digest(1)[2:] + "00", types.ErrInvalidDigest},
		{"digest 31 bytes", owner, f.tok, digest(1)[:64], types.ErrInvalidDigest},
		{"digest 33 bytes", owner, f.tok, digest(1) + "11", types.ErrInvalidDigest},
		{"digest not hex", owner, f.tok, "0x" + strings.Repeat("zz", 32), types.ErrInvalidDigest},
		{"bad token id", owner, "0x1234", digest(1), pkptypes.ErrInvalidTokenID},
		{"empty token id", owner, "", digest(1), pkptypes.ErrInvalidTokenID},
		{"unknown pkp", owner, unknown, digest(1), pkptypes.ErrPKPNotFound},
		{"bad requester", "cosmos1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqnrql8a", f.tok, digest(1), types.ErrInvalidAddress},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, raw := f.export(t), f.raw(t)
			paid, collected := f.bank.balance(f.ctx, tc.requester), f.bank.balance(f.ctx, "module:"+feeCollector)
			id, err := f.sign(tc.requester, tc.tok, tc.digest)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				require.Equal(t, raw, f.raw(t), "no state change, no fee")
				require.Empty(t, f.ctx.EventManager().Events())
				return
			}
			require.NoError(t, err)
			fee := types.DefaultSignFee
			require.Equal(t, paid.Sub(fee), f.bank.balance(f.ctx, tc.requester), "the requester pays the sign fee")
			require.Equal(t, collected.Add(fee), f.bank.balance(f.ctx, "module:"+feeCollector), "to the fee collector")
			require.Equal(t, before.NextSignatureId, id)
			// The key that signs is fixed at the request: x/tss signs with and
			// verifies against it without asking x/pkp again.
			want := types.Signature{Id: id, TokenId: f.tok, Digest: tc.digest, Requester: tc.requester, RequestHeight: 42, Status: types.SIGNATURE_STATUS_PENDING,
				KeyId: 1, Pubkey: "0x" + hex.EncodeToString(childPriv(1).PubKey().SerializeUncompressed())}
			require.Equal(t, want, f.signature(t, id))
			require.Equal(t, []proto.Message{&types.EventSignatureRequested{SignatureId: id, TokenId: f.tok, Digest: tc.digest, Requester: tc.requester}}, f.events(t))
			require.Contains(t, f.queue(t), id)
			require.True(t, ok[bool](t)(f.k.SignaturesByPKP.Has(f.ctx, collections.Join(rawDigest(f.tok), id))))
		})
	}

	t.Run("no active key set", func(t *testing.T) {
		ks := f.keySet(t)
		ks.Status = types.KEY_SET_STATUS_KEYGEN
		require.NoError(t, f.k.KeySets.Set(f.ctx, 1, ks))
		before := f.export(t)
		_, err := f.sign(owner, f.tok, digest(9))
		require.ErrorIs(t, err, types.ErrNoActiveKeySet)
		require.Equal(t, before, f.export(t))
	})
}

func TestUpdateParams(t *testing.T) {
	f := newFixture(t, false)
	p := types.DefaultParams()
	p.MaxOpenSignSessions = 3
	_, err := f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: stranger, Params: p})
	require.ErrorIs(t, err, types.ErrInvalidAuthority)
	_, err = f.msgs.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: gov, Params: types.Params{}})
	require.ErrorIs(t, err, types.ErrInvalidParams)
	require.Equal(t, types.DefaultParams(), f.export(t).Params)
	f.setParams(t, func(q *types.Params) { *q = p })
	require.Equal(t, p, ok[*types.QueryParamsResponse](t)(f.q.Params(f.ctx, &types.QueryParamsRequest{})).Params)
}

// ---------------------------------------------------------------- 3. queue and limits

func TestSignQueue(t *testing.T) {
	f := newFixture(t, true)
	f.setParams(t, func(p *types.Params) { p.MaxOpenSignSessions, p.MaxSignAttempts = 2, 1 })
	for i := range 5 {
		f.mustSign(t, digest(byte(i)))
	}
	require.Equal(t, []uint64{1, 2, 3, 4, 5}, f.queue(t))
	require.Len(t, ofType[*types.EventSessionStarted](f.endBlock(t)), 2)
	require.Equal(t, []uint64{1, 2}, f.openIDs(t))
	require.Equal(t, []uint64{3, 4, 5}, f.queue(t))
	for id := uint64(3); id <= 5; id++ {
		sig := f.signature(t, id)
		require.Zero(t, sig.SessionId)
		require.Zero(t, sig.Attempts)
	}
	require.Empty(t, f.endBlock(t), "no free slot")

	// Completing one frees a slot for the next in the queue.
	f.complete(t, 1)
	evs := ofType[*types.EventSessionStarted](f.endBlock(t))
	require.Len(t, evs, 1)
	require.Equal(t, uint64(3), evs[0].SignatureId)
	require.Equal(t, []uint64{4, 5}, f.queue(t))

	// Expiring the two open ones with one attempt allowed fails them and frees both slots.
	f.at(142)
	evs2 := f.endBlock(t)
	require.Len(t, ofType[*types.EventSignatureFailed](evs2), 2)
	started := ofType[*types.EventSessionStarted](evs2)
	require.Len(t, started, 2)
	require.Equal(t, []uint64{4, 5}, []uint64{started[0].SignatureId, started[1].SignatureId})
	require.Empty(t, f.queue(t))
	require.Equal(t, types.SIGNATURE_STATUS_FAILED, f.signature(t, 2).Status)
	require.Equal(t, types.SIGNATURE_STATUS_FAILED, f.signature(t, 3).Status)
}

// ---------------------------------------------------------------- 4. expiry and retry

func TestExpiryAndRetry(t *testing.T) {
	f := newFixture(t, true)
	id := f.mustSign(t, digest(1))
	f.endBlock(t)
	s1 := f.session(t, 1)
	p := parties(s1)
	out := outsider(s1)
	f.apply(t, valAddr(p[0]), bcast(1, 2))
	f.apply(t, valAddr(p[1]), bcast(1, 2))
	f.apply(t, valAddr(p[2]), bcast(1, 1))
	f.apply(t, valAddr(p[2]), bcast(1, 1)) // a replay does not make a party less silent

	f.at(s1.DeadlineHeight - 1)
	require.Empty(t, f.endBlock(t))
	require.Equal(t, types.SESSION_STATUS_OPEN, f.session(t, 1).Status)

	// The party with fewer messages is silent and left out of attempt 2.
	f.at(s1.DeadlineHeight)
	evs := f.endBlock(t)
	require.Equal(t, types.SESSION_STATUS_EXPIRED, f.session(t, 1).Status)
	s2 := f.session(t, 2)
	want2 := ops()
	want2 = slices.DeleteFunc(want2, func(op string) bool { return op == p[2] })
	require.Equal(t, want2, parties(s2))
	require.ElementsMatch(t, []string{p[0], p[1], out}, parties(s2))
	silent := f.session(t, 1).Parties[2]
	require.Equal(t, uint32(2), silent.Faults, "the replay, then silence")
	require.Equal(t, fmt.Sprintf("silent until the deadline (height %d)", s1.DeadlineHeight), silent.LastFault)
	require.Equal(t, []proto.Message{
		&types.EventSessionExpired{SessionId: 1, Silent: []string{p[2]}},
		&types.EventSessionStarted{SessionId: 2, Type: "SESSION_TYPE_SIGN", Parties: parties(s2), DeadlineHeight: s1.DeadlineHeight + 100, Attempt: 2, SignatureId: id},
	}, evs)
	sig := f.signature(t, id)
	require.Equal(t, uint64(2), sig.SessionId)
	require.Equal(t, uint32(2), sig.Attempts)
	require.Equal(t, []uint64{2}, f.openIDs(t))

	// Attempt 2 expires with nobody silent; attempt 3 follows.
	f.at(s2.DeadlineHeight)
	evs = f.endBlock(t)
	require.Equal(t, &types.EventSessionExpired{SessionId: 2, Silent: []string{}}, evs[0])
	require.Equal(t, uint32(3), f.session(t, 3).Attempt)

	// After MaxSignAttempts (3) the signature fails.
	f.at(f.session(t, 3).DeadlineHeight)
	evs = f.endBlock(t)
	sig = f.signature(t, id)
	require.Equal(t, types.SIGNATURE_STATUS_FAILED, sig.Status)
	require.NotEmpty(t, sig.Error)
	require.Equal(t, uint32(3), sig.Attempts)
	require.Equal(t, []proto.Message{&types.EventSessionExpired{SessionId: 3, Silent: []string{}}, &types.EventSignatureFailed{SignatureId: id, Error: sig.Error}}, evs)
	done, failed, reason, err := f.k.SignatureStatus(f.ctx, id)
	require.NoError(t, err)
	require.Equal(t, []any{false, true, sig.Error}, []any{done, failed, reason})
	require.Empty(t, f.openIDs(t))
	f.at(f.ctx.BlockHeight() + 1000)
	require.Empty(t, f.endBlock(t))
}

// ---------------------------------------------------------------- 5. keygen

func register(t *testing.T, f *fixture, idx ...int) {
	t.Helper()
	for _, i := range idx {
		f.apply(t, vals[i].addr, encKeySection(t, vals[i].op, encKey(t)))
	}
}

func encKey(t *testing.T) *ecdh.PrivateKey {
	t.Helper()
	return ok[*ecdh.PrivateKey](t)(ecdh.P256().GenerateKey(rand.Reader))
}

// encKeySection registers key for validator with its proof of possession.
func encKeySection(t *testing.T, validator string, key *ecdh.PrivateKey) *types.ExtensionSection {
	t.Helper()
	proof := ok[[]byte](t)(types.ProveEncKey(key, validator))
	return &types.ExtensionSection{EncPubkey: key.PublicKey().Bytes(), EncKeyProof: proof}
}

func TestKeygenStart(t *testing.T) {
	t.Run("all bonded registered", func(t *testing.T) {
		f := newFixture(t, false)
		register(t, f, 3, 1, 0)
		require.Empty(t, f.endBlock(t), "one validator unregistered")
		register(t, f, 2)
		evs := f.endBlock(t)
		require.Equal(t, types.KeySet{Id: 1, Threshold: 2, Participants: ops(), Status: types.KEY_SET_STATUS_KEYGEN, KeygenSessionId: 1, Epoch: 1}, f.keySet(t))
		s := f.session(t, 1)
		require.Equal(t, types.SESSION_TYPE_KEYGEN, s.Type)
		require.Equal(t, ops(), parties(s))
		require.Equal(t, uint32(2), s.Threshold)
		require.Equal(t, int64(442), s.DeadlineHeight)
		require.Equal(t, []proto.Message{&types.EventSessionStarted{SessionId: 1, Type: "SESSION_TYPE_KEYGEN", Parties: ops(), DeadlineHeight: 442, Attempt: 1}}, evs)
		require.Empty(t, f.endBlock(t), "started once")

		// Keygen expiry: the party that reported no result while others did is left out.
		sec := bcast(1, 1)
		for _, op := range ops()[:3] {
			sec.KeygenResults = []types.KeygenResult{{SessionId: 1, Pubkey: rootPriv().PubKey().SerializeCompressed()}}
			f.apply(t, valAddr(op), sec)
		}
		f.apply(t, valAddr(ops()[3]), bcast(1, 1))
		f.at(442)
		evs = f.endBlock(t)
		require.Equal(t, []proto.Message{
			&types.EventPartyFaulty{SessionId: 1, Validator: ops()[3], Reason: "silent until the deadline"},
			&types.EventSessionExpired{SessionId: 1, Silent: ops()[3:]},
		}, evs[:2])
		s1 := f.session(t, 1)
		require.Equal(t, types.Party{Validator: ops()[3], Messages: 1, Faults: 1, LastFault: "silent until the deadline (height 442)"}, s1.Parties[3])
		// Leaving it out would make a 3-of-3 committee (another threshold band):
		// the retry waits for the same four with the same threshold.
		require.Equal(t, types.KeySet{Id: 1, Threshold: 2, Participants: ops(), Status: types.KEY_SET_STATUS_KEYGEN, KeygenSessionId: 2, Epoch: 1}, f.keySet(t))
		s2 := f.session(t, 2)
		require.Equal(t, ops(), parties(s2))
		require.Equal(t, uint32(2), s2.Attempt)
		require.Equal(t, uint32(2), s2.Threshold)

		// Once the silent validator has left the bonded set, waiting cannot
		// work: the key set is abandoned and a fresh DKG starts among the
		// bonded validators, with their committee's threshold.
		f.staking.bonded = []int{0, 1, 2}
		f.at(s2.DeadlineHeight)
		f.endBlock(t)
		abandoned := ok[types.KeySet](t)(f.k.KeySets.Get(f.ctx, 1))
		require.Equal(t, types.KEY_SET_STATUS_RETIRED, abandoned.Status)
		require.Equal(t, s2.DeadlineHeight, abandoned.RetiredHeight)
		fresh, _, err := f.k.LatestKeySet(f.ctx)
		require.NoError(t, err)
		require.EqualValues(t, 2, fresh.Id)
		require.Equal(t, types.KEY_SET_STATUS_KEYGEN, fresh.Status)
		require.Equal(t, ops(0, 1, 2), fresh.Participants)
		require.EqualValues(t, 1, fresh.Threshold)
		s3 := f.session(t, fresh.KeygenSessionId)
		require.Equal(t, ops(0, 1, 2), parties(s3))
		require.Equal(t, uint32(1), s3.Attempt)
	})

	t.Run("a validator that never registers does not stall DKG once > 2/3 of the power has", func(t *testing.T) {
		f := newFixture(t, false)
		register(t, f, 0, 1, 2)
		start := f.ctx.BlockHeight()
		require.Empty(t, f.endBlock(t), "waits for every bonded validator first")
		f.at(start + int64(types.DefaultParams().EncKeyGraceBlocks) - 1)
		require.Empty(t, f.endBlock(t), "within the grace period")
		f.at(start + int64(types.DefaultParams().EncKeyGraceBlocks))
		require.NotEmpty(t, f.endBlock(t))
		ks := f.keySet(t)
		require.Equal(t, ops(0, 1, 2), ks.Participants)
		require.Equal(t, uint32(1), ks.Threshold, "the committee is the 3 that registered")
		_, err := f.k.KeygenWaitSince.Get(f.ctx)
		require.ErrorIs(t, err, collections.ErrNotFound)
	})

	t.Run("a minority of the power never starts DKG alone", func(t *testing.T) {
		f := newFixture(t, false)
		f.staking.tokens = map[int]int64{0: 10, 1: 10, 2: 30, 3: 30} // 0 and 1 hold 1/4 of the power
		register(t, f, 0, 1)
		f.endBlock(t)
		f.at(f.ctx.BlockHeight() + 10*int64(types.DefaultParams().EncKeyGraceBlocks))
		require.Empty(t, f.endBlock(t))
		_, err := f.k.KeySets.Get(f.ctx, 1)
		require.ErrorIs(t, err, collections.ErrNotFound)
		// 0, 1 and 2 hold 50 of 80: still not more than 2/3.
		register(t, f, 2)
		f.at(f.ctx.BlockHeight() + 1)
		require.Empty(t, f.endBlock(t))
		// 0, 1 and 3 would; here everyone registers, and DKG starts at once.
		register(t, f, 3)
		f.at(f.ctx.BlockHeight() + 1)
		require.NotEmpty(t, f.endBlock(t))
		require.Equal(t, ops(), f.keySet(t).Participants)
	})

	t.Run("padding messages does not get an honest party blamed", func(t *testing.T) {
		f := newFixture(t, false)
		register(t, f, 0, 1, 2, 3)
		f.endBlock(t)
		s := f.session(t, 1)
		f.apply(t, valAddr(ops()[0]), bcast(1, 50)) // a party pads its count with fresh junk
		for _, op := range ops()[1:3] {
			f.apply(t, valAddr(op), bcast(1, 5))
		}
		f.apply(t, valAddr(ops()[3]), bcast(1, 2)) // and one really fell behind
		f.at(s.DeadlineHeight)
		evs := f.endBlock(t)
		require.Contains(t, evs, proto.Message(&types.EventSessionExpired{SessionId: 1, Silent: ops()[3:]}),
			"only the party behind those that kept up is silent, not the honest ones the padder outran")
		require.Equal(t, ops(), f.keySet(t).Participants, "and four stay four: the retry waits for it")
	})

	t.Run("invalid and unproven encryption keys are never registered", func(t *testing.T) {
		f := newFixture(t, false)
		v, other := vals[0], vals[1]
		key := encKey(t)
		good := encKeySection(t, v.op, key)
		notAPoint := append([]byte{4}, bytes.Repeat([]byte{1}, 64)...)
		identity := make([]byte, 65)
		for name, sec := range map[string]*types.ExtensionSection{
			"off the curve":           {EncPubkey: notAPoint, EncKeyProof: good.EncKeyProof},
			"the identity":            {EncPubkey: identity, EncKeyProof: good.EncKeyProof},
			"no proof":                {EncPubkey: good.EncPubkey},
			"a proof of another key":  {EncPubkey: encKey(t).PublicKey().Bytes(), EncKeyProof: good.EncKeyProof},
			"another validator's key": encKeySection(t, other.op, key), // copied with its owner's proof
			"a garbage proof":         {EncPubkey: good.EncPubkey, EncKeyProof: bytes.Repeat([]byte{0x30}, 70)},
		} {
			f.apply(t, v.addr, sec)
			has, err := f.k.EncKeys.Has(f.ctx, v.addr)
			require.NoError(t, err)
			require.False(t, has, name)
		}
		require.Error(t, types.ValidateEncPubkey(notAPoint))
		require.Error(t, types.ValidateEncPubkey(identity))
		require.Error(t, keeper.ValidateSection(&types.ExtensionSection{EncPubkey: good.EncPubkey}), "a key without proof does not pass the stateless check")
		require.Error(t, keeper.ValidateSection(&types.ExtensionSection{EncPubkey: good.EncPubkey[:33], EncKeyProof: good.EncKeyProof}), "compressed keys are not accepted")
		f.apply(t, v.addr, good)
		require.Equal(t, key.PublicKey().Bytes(), ok[types.ValidatorEncKey](t)(f.k.EncKeys.Get(f.ctx, v.addr)).Pubkey)
	})

	for _, tc := range []struct {
		name       string
		bonded     []int
		registered []int
	}{
		{"one bonded", []int{0}, []int{0}},
		{"none bonded", nil, []int{0, 1}},
		{"one of four unregistered, within the grace period", []int{0, 1, 2, 3}, []int{0, 1, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, false)
			f.staking.bonded = tc.bonded
			register(t, f, tc.registered...)
			require.Empty(t, f.endBlock(t))
			_, err := f.k.KeySets.Get(f.ctx, 1)
			require.ErrorIs(t, err, collections.ErrNotFound)
			require.Empty(t, f.export(t).Sessions)
		})
	}
}

// ---------------------------------------------------------------- 6. ApplySection

func TestApplyEncKey(t *testing.T) {
	f := newFixture(t, false)
	v := vals[0]
	s1, s2 := encKeySection(t, v.op, encKey(t)), encKeySection(t, v.op, encKey(t))
	k1, k2 := s1.EncPubkey, s2.EncPubkey
	f.apply(t, v.addr, s1)
	require.Equal(t, []proto.Message{&types.EventEncKeyRegistered{Validator: v.op}}, f.events(t))
	want := types.ValidatorEncKey{Validator: v.op, Pubkey: k1, Height: 42}
	encKey := func() types.ValidatorEncKey { return ok[types.ValidatorEncKey](t)(f.k.EncKeys.Get(f.ctx, v.addr)) }
	require.Equal(t, want, encKey())

	f.at(50)
	f.apply(t, v.addr, s1)
	require.Empty(t, f.events(t), "re-stating the key emits nothing")
	require.Equal(t, want, encKey(), "and rewrites nothing")

	f.apply(t, v.addr, s2)
	require.Len(t, f.events(t), 1)
	require.Equal(t, types.ValidatorEncKey{Validator: v.op, Pubkey: k2, Height: 50}, encKey())

	require.Nil(t, f.apply(t, v.addr, nil))
}

func TestApplyMessages(t *testing.T) {
	f := newFixture(t, true)
	f.mustSign(t, digest(1))
	f.mustSign(t, digest(2))
	f.endBlock(t)
	s1, s2 := f.session(t, 1), f.session(t, 2)
	f.complete(t, 2) // session 2 is closed
	var author, peer string
	for _, op := range parties(s1) {
		if slices.Contains(parties(s2), op) && author == "" {
			author = op
		} else if peer == "" {
			peer = op
		}
	}
	s2 = f.session(t, 2)
	msg := func(session uint64, to, payload string) types.ProtocolMessage {
		return types.ProtocolMessage{SessionId: session, To: to, Payload: []byte(payload)}
	}
	delivered := f.apply(t, valAddr(author), &types.ExtensionSection{Messages: []types.ProtocolMessage{
		msg(1, "", "a"), msg(1, peer, "b"), msg(1, outsider(s1), "to non-party"), msg(1, author, "to self"),
		msg(2, "", "closed session"), msg(99, "", "unknown session"),
	}})
	require.Equal(t, []keeper.Delivered{
		{SessionID: 1, From: author, Payload: []byte("a")},
		{SessionID: 1, From: author, To: peer, Payload: []byte("b")},
	}, delivered)
	// Misaddressed messages are pruned and recorded against their party; the
	// first fault in a session emits one event.
	require.Equal(t, []proto.Message{&types.EventPartyFaulty{SessionId: 1, Validator: author, Reason: "message addressed to a non-party"}}, f.events(t))
	// A non-party's message to the session is not counted.
	require.Empty(t, f.apply(t, valAddr(outsider(s1)), &types.ExtensionSection{Messages: []types.ProtocolMessage{msg(1, "", "x"), msg(1, author, "y")}}))
	for _, p := range f.session(t, 1).Parties {
		want, faults := uint32(0), uint32(0)
		if p.Validator == author {
			want, faults = 2, 2
			require.Equal(t, "message addressed to itself (height 42)", p.LastFault)
		}
		require.Equal(t, want, p.Messages, p.Validator)
		require.Equal(t, faults, p.Faults, p.Validator)
	}
	require.Equal(t, s2, f.session(t, 2))

	// A replay, from an old extension or twice in one, is pruned: not
	// delivered, not counted, recorded; the same payload to another
	// recipient, or from another party, is a different message.
	f.at(45)
	other := parties(s1)[slices.IndexFunc(parties(s1), func(op string) bool { return op != author && op != peer })]
	delivered = f.apply(t, valAddr(author), &types.ExtensionSection{Messages: []types.ProtocolMessage{
		msg(1, "", "a"), msg(1, peer, "b"), msg(1, other, "b"), msg(1, other, "b"),
	}})
	require.Equal(t, []keeper.Delivered{{SessionID: 1, From: author, To: other, Payload: []byte("b")}}, delivered)
	require.Empty(t, f.events(t), "only a party's first fault in a session emits an event")
	require.Equal(t, []keeper.Delivered{{SessionID: 1, From: peer, Payload: []byte("a")}},
		f.apply(t, valAddr(peer), &types.ExtensionSection{Messages: []types.ProtocolMessage{msg(1, "", "a")}}))
	s := f.session(t, 1)
	p := s.Parties[keeper.PartyIndex(s, author)]
	require.Equal(t, uint32(3), p.Messages)
	require.Equal(t, uint32(5), p.Faults)
	require.Equal(t, "replayed message (height 45)", p.LastFault)
	require.Equal(t, uint32(0), s.Parties[keeper.PartyIndex(s, peer)].Faults)
	require.Len(t, keys(t, f.ctx, f.k.SeenMessages), 4)

	// Closing the session forgets its digests.
	f.complete(t, 1)
	require.Empty(t, keys(t, f.ctx, f.k.SeenMessages))
}

func TestApplyKeygenResults(t *testing.T) {
	keygen := func(t *testing.T) *fixture {
		f := newFixture(t, false)
		register(t, f, 0, 1, 2, 3)
		f.endBlock(t)
		return f
	}
	key := rootPriv().PubKey()
	result := func(pub []byte) *types.ExtensionSection {
		return &types.ExtensionSection{KeygenResults: []types.KeygenResult{{SessionId: 1, Pubkey: pub}}}
	}
	p := ops()

	t.Run("all agree", func(t *testing.T) {
		f := keygen(t)
		f.apply(t, bytes.Repeat([]byte{0xa9}, 20), result(key.SerializeCompressed())) // not a party
		for _, op := range p[:3] {
			f.apply(t, valAddr(op), result(key.SerializeCompressed()))
		}
		f.apply(t, valAddr(p[3]), result(append([]byte{0x02}, bytes.Repeat([]byte{0xff}, 32)...))) // x >= field prime
		f.apply(t, valAddr(p[3]), result(key.SerializeUncompressed()))                             // not 33 bytes
		f.apply(t, valAddr(p[0]), result(key.SerializeCompressed()))                               // engines resend until the session closes
		s := f.session(t, 1)
		require.Equal(t, types.SESSION_STATUS_OPEN, s.Status)
		for i, party := range s.Parties {
			require.Equal(t, map[bool]string{true: rootHex(), false: ""}[i < 3], party.Result, party.Validator)
			require.Equal(t, map[bool]uint32{true: 0, false: 2}[i < 3], party.Faults, party.Validator)
		}
		require.Equal(t, "invalid keygen result (height 42)", s.Parties[3].LastFault)
		require.Equal(t, types.KEY_SET_STATUS_KEYGEN, f.keySet(t).Status)

		f.apply(t, valAddr(p[3]), result(key.SerializeCompressed()))
		require.Equal(t, []proto.Message{&types.EventKeySetActivated{KeySetId: 1, Pubkey: rootHex(), Participants: p, Threshold: 2}}, f.events(t))
		ks := f.keySet(t)
		require.Equal(t, types.KEY_SET_STATUS_ACTIVE, ks.Status)
		require.Equal(t, rootHex(), ks.Pubkey)
		require.Equal(t, types.SESSION_STATUS_COMPLETED, f.session(t, 1).Status)
		require.Empty(t, f.openIDs(t))
		require.Equal(t, childPriv(1).PubKey().SerializeUncompressed(), ok[[]byte](t)(f.k.DerivePubkey(f.ctx, 1)))
	})

	t.Run("a disagreement keeps the session open", func(t *testing.T) {
		f := keygen(t)
		for _, op := range p[:3] {
			f.apply(t, valAddr(op), result(key.SerializeCompressed()))
		}
		other := childPriv(7).PubKey().SerializeCompressed()
		f.apply(t, valAddr(p[3]), result(other))
		f.apply(t, valAddr(p[3]), result(key.SerializeCompressed())) // a result is final
		require.Equal(t, []proto.Message{&types.EventPartyFaulty{SessionId: 1, Validator: p[3], Reason: "changed keygen result"}}, f.events(t))
		s := f.session(t, 1)
		require.Equal(t, types.SESSION_STATUS_OPEN, s.Status)
		require.Equal(t, "0x"+hex.EncodeToString(other), s.Parties[3].Result)
		require.Equal(t, uint32(1), s.Parties[3].Faults)
		require.Equal(t, types.KEY_SET_STATUS_KEYGEN, f.keySet(t).Status)
		require.Empty(t, f.keySet(t).Pubkey)
	})
}

func TestApplySignatureResults(t *testing.T) {
	for _, highS := range []bool{false, true} {
		t.Run(map[bool]string{false: "low S", true: "high S"}[highS], func(t *testing.T) {
			f := newFixture(t, true)
			d := digest(7)
			id := f.mustSign(t, d)
			f.endBlock(t)
			s := f.session(t, 1)
			r, lowS := realSig(childPriv(1), d)
			sub := lowS
			if highS {
				var ss secp256k1.ModNScalar
				ss.SetByteSlice(lowS)
				ss.Negate()
				require.True(t, ss.IsOverHalfOrder())
				b := ss.Bytes()
				sub = b[:]
			}
			res := func(r, s []byte) *types.ExtensionSection {
				return &types.ExtensionSection{SignatureResults: []types.SignatureResult{{SessionId: 1, R: r, S: s}}}
			}
			otherR, otherS := realSig(rootPriv(), d)
			tampered := bytes.Clone(r)
			tampered[31] ^= 1
			before := f.export(t)
			f.apply(t, valAddr(outsider(s)), res(r, sub)) // valid, but not a party
			require.Equal(t, before, f.export(t))
			require.Empty(t, f.events(t))
			f.apply(t, valAddr(s.Parties[0].Validator), res(otherR, otherS)) // another key
			require.Equal(t, []proto.Message{&types.EventPartyFaulty{SessionId: 1, Validator: s.Parties[0].Validator, Reason: "invalid signature"}}, f.events(t))
			f.apply(t, valAddr(s.Parties[0].Validator), res(tampered, sub))
			require.Empty(t, f.events(t))
			require.Equal(t, types.SIGNATURE_STATUS_PENDING, f.signature(t, id).Status)
			require.Equal(t, uint32(2), f.session(t, 1).Parties[0].Faults)

			f.at(43)
			f.apply(t, valAddr(s.Parties[1].Validator), res(r, sub))
			sig := f.signature(t, id)
			require.Equal(t, types.SIGNATURE_STATUS_SIGNED, sig.Status)
			require.Equal(t, "0x"+hex.EncodeToString(r), sig.R)
			require.Equal(t, "0x"+hex.EncodeToString(lowS), sig.S, "normalized to low S")
			require.Contains(t, []uint32{27, 28}, sig.V)
			require.Equal(t, int64(43), sig.SignedHeight)
			rec, _, err := ecdsa.RecoverCompact(append([]byte{byte(sig.V)}, append(r, lowS...)...), rawDigest(d))
			require.NoError(t, err)
			p := ok[pkptypes.PKP](t)(f.pkp.GetPKP(f.ctx, rawDigest(f.tok)))
			require.Equal(t, p.Pubkey, "0x"+hex.EncodeToString(rec.SerializeUncompressed()))
			require.Equal(t, []proto.Message{&types.EventSignatureCompleted{SignatureId: id, TokenId: f.tok, R: sig.R, S: sig.S, V: sig.V}}, f.events(t))
			require.Equal(t, types.SESSION_STATUS_COMPLETED, f.session(t, 1).Status)
			require.Empty(t, f.openIDs(t))

			after := f.export(t)
			f.apply(t, valAddr(s.Parties[2].Validator), res(r, sub))
			require.Equal(t, after, f.export(t), "a late result changes nothing")
		})
	}
}

// ---------------------------------------------------------------- 7. stateless checks

func TestValidateSection(t *testing.T) {
	msgs := func(n int) []types.ProtocolMessage { return bcast(1, n).Messages }
	for _, tc := range []struct {
		name string
		sec  *types.ExtensionSection
		ok   bool
	}{
		{"nil", nil, true},
		{"empty", &types.ExtensionSection{}, true},
		{"enc key 65 with proof", &types.ExtensionSection{EncPubkey: make([]byte, 65), EncKeyProof: make([]byte, 72)}, true},
		{"enc key 65 without proof", &types.ExtensionSection{EncPubkey: make([]byte, 65)}, false},
		{"enc key 32", &types.ExtensionSection{EncPubkey: make([]byte, 32), EncKeyProof: make([]byte, 72)}, false},
		{"enc key 64", &types.ExtensionSection{EncPubkey: make([]byte, 64), EncKeyProof: make([]byte, 72)}, false},
		{"proof over 80", &types.ExtensionSection{EncPubkey: make([]byte, 65), EncKeyProof: make([]byte, 81)}, false},
		{"512 messages", &types.ExtensionSection{Messages: msgs(keeper.MaxMessagesPerExtension)}, true},
		{"513 messages", &types.ExtensionSection{Messages: msgs(keeper.MaxMessagesPerExtension + 1)}, false},
		{"64 results", &types.ExtensionSection{KeygenResults: make([]types.KeygenResult, 30), SignatureResults: make([]types.SignatureResult, 34)}, true},
		{"65 results", &types.ExtensionSection{KeygenResults: make([]types.KeygenResult, 30), SignatureResults: make([]types.SignatureResult, 35)}, false},
		{"message without session", &types.ExtensionSection{Messages: []types.ProtocolMessage{{Payload: []byte("x")}}}, false},
		{"message without payload", &types.ExtensionSection{Messages: []types.ProtocolMessage{{SessionId: 1}}}, false},
	} {
		err := keeper.ValidateSection(tc.sec)
		require.Equal(t, tc.ok, err == nil, "%s: %v", tc.name, err)
	}
}

func TestNormalizeSignature(t *testing.T) {
	d := rawDigest(digest(5))
	pub := childPriv(3).PubKey()
	r, s := realSig(childPriv(3), digest(5))
	rr, ss, rec, err := types.NormalizeSignature(pub, d, r, s)
	require.NoError(t, err)
	require.Equal(t, r, rr[:])
	require.Equal(t, s, ss[:])
	got, _, err := ecdsa.RecoverCompact(append([]byte{27 + rec}, append(rr[:], ss[:]...)...), d)
	require.NoError(t, err)
	require.True(t, got.IsEqual(pub))

	zero := make([]byte, 32)
	for _, tc := range []struct {
		name      string
		pub       *secp256k1.PublicKey
		digest, r []byte
		s         []byte
	}{
		{"zero r", pub, d, zero, s},
		{"zero s", pub, d, r, zero},
		{"empty r", pub, d, nil, s},
		{"r 33 bytes", pub, d, append([]byte{0}, r...), s},
		{"r >= n", pub, d, bytes.Repeat([]byte{0xff}, 32), s},
		{"digest 31 bytes", pub, d[:31], r, s},
		{"digest 33 bytes", pub, append(bytes.Clone(d), 0), r, s},
		{"other digest", pub, rawDigest(digest(6)), r, s},
		{"other key", childPriv(4).PubKey(), d, r, s},
	} {
		_, _, _, err := types.NormalizeSignature(tc.pub, tc.digest, tc.r, tc.s)
		require.ErrorIs(t, err, types.ErrInvalidSignature, tc.name)
	}
}

// ---------------------------------------------------------------- 8. genesis

// richState leaves sessions open, completed and expired, a queued signature,
// counted messages and registered enc keys.
func richState(t *testing.T) *fixture {
	f := newFixture(t, true)
	f.setParams(t, func(p *types.Params) { p.MaxOpenSignSessions = 2 })
	for i := range 4 {
		f.mustSign(t, digest(byte(i)))
	}
	f.endBlock(t)
	f.apply(t, valAddr(f.session(t, 1).Parties[0].Validator), bcast(1, 3))
	f.complete(t, 2)
	register(t, f, 0, 2)
	f.at(142)
	f.endBlock(t) // session 1 expires; 3 retries it, 4 opens for signature 3
	require.Equal(t, []uint64{3, 4}, f.openIDs(t))
	require.Equal(t, []uint64{4}, f.queue(t))
	return f
}

func (f *fixture) byPKP(t *testing.T) []collections.Pair[[]byte, uint64] {
	return keys(t, f.ctx, f.k.SignaturesByPKP)
}

func TestGenesisRoundTrip(t *testing.T) {
	f := richState(t)
	gs := f.export(t)
	require.NoError(t, gs.Validate())
	require.Len(t, gs.Sessions, 4)
	require.Len(t, gs.Signatures, 4)
	require.Len(t, gs.EncKeys, 2)
	require.Equal(t, uint64(5), gs.NextSessionId)
	require.Equal(t, uint64(5), gs.NextSignatureId)

	g := newFixture(t, false)
	require.NoError(t, g.k.InitGenesis(g.ctx, *gs))
	require.Equal(t, gs, g.export(t))
	require.Equal(t, f.openIDs(t), g.openIDs(t))
	require.Equal(t, f.queue(t), g.queue(t))
	require.Equal(t, f.byPKP(t), g.byPKP(t))
	require.Equal(t, keys(t, f.ctx, f.k.ClosedSessions), keys(t, g.ctx, g.k.ClosedSessions))
	require.Len(t, keys(t, g.ctx, g.k.ClosedSessions), 2)
	fBy, fTotal := f.pending(t)
	gBy, gTotal := g.pending(t)
	require.Equal(t, map[string]uint64{owner: 3}, fBy, "signature 2 is signed")
	require.Equal(t, []any{fBy, fTotal}, []any{gBy, gTotal})

	d := newFixture(t, false)
	require.Equal(t, types.DefaultGenesis(), d.export(t))
}

func TestGenesisValidate(t *testing.T) {
	f := richState(t)
	base := f.export(t)
	clone := func() *types.GenesisState {
		var c types.GenesisState
		f.cdc.MustUnmarshal(f.cdc.MustMarshal(base), &c)
		return &c
	}
	require.Equal(t, base, clone())
	for _, tc := range []struct {
		name   string
		change func(*types.GenesisState)
		err    error
	}{
		{"next session id 0", func(g *types.GenesisState) { g.NextSessionId, g.Sessions = 0, nil }, types.ErrInvalidGenesis},
		{"next signature id 0", func(g *types.GenesisState) { g.NextSignatureId, g.Signatures = 0, nil }, types.ErrInvalidGenesis},
		{"sessions out of order", func(g *types.GenesisState) { g.Sessions[0], g.Sessions[1] = g.Sessions[1], g.Sessions[0] }, types.ErrInvalidGenesis},
		{"duplicate session id", func(g *types.GenesisState) { g.Sessions[1].Id = 1 }, types.ErrInvalidGenesis},
		{"session id not below next", func(g *types.GenesisState) { g.NextSessionId = 4 }, types.ErrInvalidGenesis},
		{"session with one party", func(g *types.GenesisState) { g.Sessions[2].Parties = g.Sessions[2].Parties[:1] }, types.ErrInvalidGenesis},
		{"session without type", func(g *types.GenesisState) { g.Sessions[0].Type = 0 }, types.ErrInvalidGenesis},
		{"session status unknown", func(g *types.GenesisState) { g.Sessions[0].Status = 9 }, types.ErrInvalidGenesis},
		{"closed session without closed height", func(g *types.GenesisState) { g.Sessions[1].ClosedHeight = 0 }, types.ErrInvalidGenesis},
		{"session closed before it started", func(g *types.GenesisState) { g.Sessions[0].ClosedHeight = g.Sessions[0].StartHeight - 1 }, types.ErrInvalidGenesis},
		{"open session with closed height", func(g *types.GenesisState) { g.Sessions[2].ClosedHeight = 50 }, types.ErrInvalidGenesis},
		{"signature without requester", func(g *types.GenesisState) { g.Signatures[0].Requester = "" }, types.ErrInvalidGenesis},
		{"signature status unspecified", func(g *types.GenesisState) { g.Signatures[3].Status = 0 }, types.ErrInvalidGenesis},
		{"params: sign fee", func(g *types.GenesisState) { g.Params.SignFee = sdk.Coin{} }, types.ErrInvalidParams},
		{"params: queue", func(g *types.GenesisState) { g.Params.MaxQueuedSignatures = 0 }, types.ErrInvalidParams},
		{"params: queue per requester", func(g *types.GenesisState) { g.Params.MaxQueuedSignaturesPerRequester = 257 }, types.ErrInvalidParams},
		{"params: retention", func(g *types.GenesisState) { g.Params.SessionRetentionBlocks = 0 }, types.ErrInvalidParams},
		{"signatures out of order", func(g *types.GenesisState) { g.Signatures[2].Id = 1 }, types.ErrInvalidGenesis},
		{"duplicate signature id", func(g *types.GenesisState) { g.Signatures[1].Id = 1 }, types.ErrInvalidGenesis},
		{"bad digest", func(g *types.GenesisState) { g.Signatures[1].Digest = "0x1234" }, types.ErrInvalidDigest},
		{"enc key 31 bytes", func(g *types.GenesisState) { g.EncKeys[1].Pubkey = make([]byte, 31) }, types.ErrInvalidGenesis},
		{"enc key account address", func(g *types.GenesisState) { g.EncKeys[0].Validator = owner }, types.ErrInvalidGenesis},
		{"threshold = participants", func(g *types.GenesisState) { g.KeySets[0].Threshold = 4 }, types.ErrInvalidKeySet},
		{"threshold 0", func(g *types.GenesisState) { g.KeySets[0].Threshold = 0 }, types.ErrInvalidKeySet},
		{"duplicate participants", func(g *types.GenesisState) { g.KeySets[0].Participants[3] = g.KeySets[0].Participants[0] }, types.ErrInvalidKeySet},
		{"participant not valoper", func(g *types.GenesisState) { g.KeySets[0].Participants[1] = owner }, types.ErrInvalidKeySet},
		{"active key set, point off curve", func(g *types.GenesisState) { g.KeySets[0].Pubkey = "0x02" + strings.Repeat("ff", 32) }, types.ErrInvalidKeySet},
		{"active key set without pubkey", func(g *types.GenesisState) { g.KeySets[0].Pubkey = "" }, types.ErrInvalidKeySet},
		{"key set status unspecified", func(g *types.GenesisState) { g.KeySets[0].Status = 0 }, types.ErrInvalidKeySet},
		{"key set ids not ascending", func(g *types.GenesisState) { g.KeySets = append(g.KeySets, g.KeySets[0]) }, types.ErrInvalidGenesis},
		{"params: timeout", func(g *types.GenesisState) { g.Params.SignTimeoutBlocks = 9 }, types.ErrInvalidParams},
		{"params: timeout overflows height", func(g *types.GenesisState) { g.Params.SignTimeoutBlocks = math.MaxUint64 }, types.ErrInvalidParams},
		{"params: keygen timeout too long", func(g *types.GenesisState) { g.Params.KeygenTimeoutBlocks = types.MaxTimeoutBlocks + 1 }, types.ErrInvalidParams},
		{"params: attempts", func(g *types.GenesisState) { g.Params.MaxSignAttempts = 11 }, types.ErrInvalidParams},
		{"params: open sessions", func(g *types.GenesisState) { g.Params.MaxOpenSignSessions = 0 }, types.ErrInvalidParams},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gs := clone()
			tc.change(gs)
			require.ErrorIs(t, gs.Validate(), tc.err)
			g := newFixture(t, false)
			require.ErrorIs(t, g.k.InitGenesis(g.ctx, *gs), tc.err)
			require.Equal(t, types.DefaultGenesis(), g.export(t), "a rejected genesis writes nothing")
		})
	}
}

// ---------------------------------------------------------------- 9. queries

func TestQueryKeySetAndEncKeys(t *testing.T) {
	f := newFixture(t, false)
	_, err := f.q.KeySet(f.ctx, &types.QueryKeySetRequest{})
	requireCode(t, err, codes.NotFound)
	_, err = f.q.DerivedKey(f.ctx, &types.QueryDerivedKeyRequest{KeyId: 1})
	requireCode(t, err, codes.NotFound)
	status := func() *types.QueryStatusResponse {
		return ok[*types.QueryStatusResponse](t)(f.q.Status(f.ctx, &types.QueryStatusRequest{}))
	}
	register(t, f, 2, 0)
	require.Equal(t, &types.QueryStatusResponse{Phase: "waiting for validators", BondedValidators: 4,
		ReadyValidators: []string{vals[0].op, vals[2].op}, WaitingValidators: []string{vals[1].op, vals[3].op}}, status())

	register(t, f, 3, 1)
	f.endBlock(t)
	ks := f.keySet(t)
	f.apply(t, vals[1].addr, bcast(1, 2))
	require.Equal(t, &types.QueryStatusResponse{Phase: "dkg running", BondedValidators: 4, ReadyValidators: []string{vals[0].op, vals[1].op, vals[2].op, vals[3].op},
		KeySet: &ks, OpenKeygenSessions: 1, OpenSessions: []types.Session{f.session(t, 1)}}, status())
	require.Equal(t, uint32(2), status().OpenSessions[0].Parties[keeper.PartyIndex(f.session(t, 1), vals[1].op)].Messages, "progress per party")
	res := ok[*types.QueryKeySetResponse](t)(f.q.KeySet(f.ctx, &types.QueryKeySetRequest{}))
	require.Equal(t, f.keySet(t), res.KeySet)
	require.Equal(t, types.KEY_SET_STATUS_KEYGEN, res.KeySet.Status)

	enc := ok[*types.QueryEncKeysResponse](t)(f.q.EncKeys(f.ctx, &types.QueryEncKeysRequest{}))
	require.Len(t, enc.EncKeys, 4)
	for i, k := range enc.EncKeys { // in validator address order
		require.Equal(t, vals[i].op, k.Validator)
		require.Len(t, k.Pubkey, types.EncKeyLen)
		require.EqualValues(t, 42, k.Height)
	}
}

func TestQueries(t *testing.T) {
	f := newFixture(t, true)
	res := ok[*types.QueryKeySetResponse](t)(f.q.KeySet(f.ctx, &types.QueryKeySetRequest{}))
	require.Equal(t, types.KEY_SET_STATUS_ACTIVE, res.KeySet.Status)
	dk := ok[*types.QueryDerivedKeyResponse](t)(f.q.DerivedKey(f.ctx, &types.QueryDerivedKeyRequest{KeyId: 1}))
	require.Equal(t, ok[pkptypes.PKP](t)(f.pkp.GetPKP(f.ctx, rawDigest(f.tok))).Pubkey, dk.Pubkey)

	_, err := f.q.Signature(f.ctx, &types.QuerySignatureRequest{Id: 1})
	requireCode(t, err, codes.NotFound)
	_, err = f.q.Session(f.ctx, &types.QuerySessionRequest{Id: 1})
	requireCode(t, err, codes.NotFound)

	tok2 := f.mint(t, &pkptypes.MsgMint{Creator: owner}).TokenId
	f.mustSign(t, digest(1))
	ok[uint64](t)(f.sign(owner, tok2, digest(2)))
	f.mustSign(t, digest(3))
	f.mustSign(t, digest(4))
	sig := ok[*types.QuerySignatureResponse](t)(f.q.Signature(f.ctx, &types.QuerySignatureRequest{Id: 2}))
	require.Equal(t, tok2, sig.Signature.TokenId)

	byPKP := func(page *query.PageRequest) *types.QuerySignaturesResponse {
		return ok[*types.QuerySignaturesResponse](t)(f.q.SignaturesByPKP(f.ctx, &types.QuerySignaturesByPKPRequest{TokenId: f.tok, Pagination: page}))
	}
	ids := func(r *types.QuerySignaturesResponse) []uint64 {
		var out []uint64
		for _, s := range r.Signatures {
			out = append(out, s.Id)
		}
		return out
	}
	page1 := byPKP(&query.PageRequest{Limit: 2, CountTotal: true})
	require.Equal(t, []uint64{1, 3}, ids(page1))
	require.NotEmpty(t, page1.Pagination.NextKey)
	require.Equal(t, uint64(3), page1.Pagination.Total)
	page2 := byPKP(&query.PageRequest{Key: page1.Pagination.NextKey, Limit: 2})
	require.Equal(t, []uint64{4}, ids(page2))
	require.Empty(t, page2.Pagination.NextKey)
	_, err = f.q.SignaturesByPKP(f.ctx, &types.QuerySignaturesByPKPRequest{TokenId: "0x12"})
	requireCode(t, err, codes.InvalidArgument)

	st := ok[*types.QueryStatusResponse](t)(f.q.Status(f.ctx, &types.QueryStatusRequest{}))
	require.Equal(t, "active", st.Phase)
	require.Equal(t, uint32(4), st.QueuedSignatures)
	f.endBlock(t)
	f.complete(t, 2)
	st = ok[*types.QueryStatusResponse](t)(f.q.Status(f.ctx, &types.QueryStatusRequest{}))
	require.Equal(t, [3]uint32{0, 3, 0}, [3]uint32{st.OpenKeygenSessions, st.OpenSignSessions, st.QueuedSignatures})
	require.Equal(t, []types.Session{f.session(t, 1), f.session(t, 3), f.session(t, 4)}, st.OpenSessions)
	done, failed, _, err := f.k.SignatureStatus(f.ctx, 2)
	require.NoError(t, err)
	require.Equal(t, [2]bool{true, false}, [2]bool{done, failed})
	_, _, _, err = f.k.SignatureStatus(f.ctx, 99)
	require.ErrorIs(t, err, types.ErrNotFound)
	sessions := func(openOnly bool) *types.QuerySessionsResponse {
		return ok[*types.QuerySessionsResponse](t)(f.q.Sessions(f.ctx, &types.QuerySessionsRequest{OpenOnly: openOnly}))
	}
	require.Len(t, sessions(false).Sessions, 4)
	open := sessions(true)
	var openIDs []uint64
	for _, s := range open.Sessions {
		require.Equal(t, types.SESSION_STATUS_OPEN, s.Status)
		openIDs = append(openIDs, s.Id)
	}
	require.Equal(t, []uint64{1, 3, 4}, openIDs)
	one := ok[*types.QuerySessionResponse](t)(f.q.Session(f.ctx, &types.QuerySessionRequest{Id: 2}))
	require.Equal(t, types.SESSION_STATUS_COMPLETED, one.Session.Status)

	for name, call := range map[string]func() error{
		"Params":          func() error { _, err := f.q.Params(f.ctx, nil); return err },
		"KeySet":          func() error { _, err := f.q.KeySet(f.ctx, nil); return err },
		"DerivedKey":      func() error { _, err := f.q.DerivedKey(f.ctx, nil); return err },
		"Signature":       func() error { _, err := f.q.Signature(f.ctx, nil); return err },
		"SignaturesByPKP": func() error { _, err := f.q.SignaturesByPKP(f.ctx, nil); return err },
		"Session":         func() error { _, err := f.q.Session(f.ctx, nil); return err },
		"Sessions":        func() error { _, err := f.q.Sessions(f.ctx, nil); return err },
		"EncKeys":         func() error { _, err := f.q.EncKeys(f.ctx, nil); return err },
		"Status":          func() error { _, err := f.q.Status(f.ctx, nil); return err },
	} {
		t.Run(name, func(t *testing.T) { requireCode(t, call(), codes.InvalidArgument) })
	}
}
