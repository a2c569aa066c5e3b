package preblock_test

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/hex"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"
	"cosmossdk.io/log/v2"
	sdkmath "cosmossdk.io/math"

	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/address"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/runtime"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/litprotocol/litd/app/abci/preblock"
	abcitypes "github.com/litprotocol/litd/app/abci/types"
	actionskeeper "github.com/litprotocol/litd/x/actions/keeper"
	actionstypes "github.com/litprotocol/litd/x/actions/types"
	"github.com/litprotocol/litd/x/tss/engine"
	tsskeeper "github.com/litprotocol/litd/x/tss/keeper"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

const (
	enableHeight = 2
	height       = 10
	session      = 7
)

func consAddr(i byte) []byte { return bytes.Repeat([]byte{0xc0 + i}, 20) }

func valoper(i byte) string {
	s, err := address.NewBech32Codec("litvaloper").BytesToString(bytes.Repeat([]byte{0xa0 + i}, 20))
	if err != nil {
		panic(err)
	}
	return s
}

// fakeStaking knows validators 0..3 (4 is unknown).
type fakeStaking struct{}

func (fakeStaking) GetValidator(context.Context, sdk.ValAddress) (stakingtypes.Validator, error) {
	return stakingtypes.Validator{}, stakingtypes.ErrNoValidatorFound
}

func (fakeStaking) PowerReduction(context.Context) sdkmath.Int { return sdk.DefaultPowerReduction }

func (fakeStaking) GetDelegation(context.Context, sdk.AccAddress, sdk.ValAddress) (stakingtypes.Delegation, error) {
	return stakingtypes.Delegation{}, stakingtypes.ErrNoDelegation
}

func (fakeStaking) GetBondedValidatorsByPower(context.Context) ([]stakingtypes.Validator, error) {
	return nil, nil
}

func (fakeStaking) GetValidatorByConsAddr(_ context.Context, a sdk.ConsAddress) (stakingtypes.Validator, error) {
	for i := range byte(4) {
		if bytes.Equal(a, consAddr(i)) {
			return stakingtypes.Validator{OperatorAddress: valoper(i)}, nil
		}
	}
	return stakingtypes.Validator{}, stakingtypes.ErrNoValidatorFound
}

type fakeEngine struct {
	delivered [][]tsskeeper.Delivered
	observed  []engine.Snapshot
}

// Deliver records the blocks that delivered messages (every applied tx 0
// calls it, with what it accepted).
func (e *fakeEngine) Deliver(_ int64, d []tsskeeper.Delivered) {
	if len(d) > 0 {
		e.delivered = append(e.delivered, d)
	}
}
func (e *fakeEngine) Observe(s engine.Snapshot) { e.observed = append(e.observed, s) }

type fixture struct {
	ctx     sdk.Context
	tss     tsskeeper.Keeper
	actions actionskeeper.Keeper
	store   storetypes.StoreKey
	eng     *fakeEngine
	h       preblock.Handler
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	if cfg := sdk.GetConfig(); cfg.GetBech32ValidatorAddrPrefix() != "litvaloper" {
		cfg.SetBech32PrefixForAccount("lit", "litpub")
		cfg.SetBech32PrefixForValidator("litvaloper", "litvaloperpub")
	}
	key, actKey := storetypes.NewKVStoreKey(tsstypes.StoreKey), storetypes.NewKVStoreKey(actionstypes.StoreKey)
	ctx := testutil.DefaultContextWithKeys(map[string]*storetypes.KVStoreKey{tsstypes.StoreKey: key, actionstypes.StoreKey: actKey}, nil, nil).
		WithBlockHeight(height).WithEventManager(sdk.NewEventManager()).
		WithConsensusParams(cmtproto.ConsensusParams{Abci: &cmtproto.ABCIParams{VoteExtensionsEnableHeight: enableHeight}})
	cdc := codec.NewProtoCodec(codectypes.NewInterfaceRegistry())
	tss := tsskeeper.NewKeeper(cdc, runtime.NewKVStoreService(key), address.NewBech32Codec("lit"), fakeStaking{}, nil, "fee_collector", "lit1gov")
	require.NoError(t, tss.InitGenesis(ctx, *tsstypes.DefaultGenesis()))
	s := tsstypes.Session{Id: session, Type: tsstypes.SESSION_TYPE_KEYGEN, Status: tsstypes.SESSION_STATUS_OPEN, KeySetId: 1, Threshold: 1, StartHeight: 5, DeadlineHeight: 100}
	for i := range byte(3) {
		s.Parties = append(s.Parties, tsstypes.Party{Validator: valoper(i)})
	}
	require.NoError(t, tss.Sessions.Set(ctx, session, s))
	require.NoError(t, tss.OpenSessions.Set(ctx, session))
	f := &fixture{ctx: ctx, tss: tss, store: key, eng: &fakeEngine{},
		actions: actionskeeper.NewKeeper(cdc, runtime.NewKVStoreService(actKey), address.NewBech32Codec("lit"), nil, tss, nil, "fee_collector", "lit1gov")}
	f.h = f.handler(f.eng, consAddr(0))
	return f
}

// handler builds the PreBlocker with the real keepers; eng may be nil.
func (f *fixture) handler(eng preblock.Engine, self sdk.ConsAddress) preblock.Handler {
	return preblock.NewHandler(log.NewNopLogger(), module.NewManager(), f.tss, f.actions, fakeStaking{}, eng, nil, self)
}

// raw dumps the x/tss store.
func (f *fixture) raw(t *testing.T) map[string]string {
	t.Helper()
	it := f.ctx.KVStore(f.store).Iterator(nil, nil)
	defer func() { _ = it.Close() }()
	out := map[string]string{}
	for ; it.Valid(); it.Next() {
		out[hex.EncodeToString(it.Key())] = hex.EncodeToString(it.Value())
	}
	return out
}

func (f *fixture) preBlock(t *testing.T, h int64, txs ...[]byte) {
	t.Helper()
	var resp *sdk.ResponsePreBlock
	var err error
	require.NotPanics(t, func() {
		resp, err = f.h.PreBlocker()(f.ctx, &abci.RequestFinalizeBlock{Height: h, Txs: txs})
	})
	require.NoError(t, err)
	require.NotNil(t, resp)
}

func ext(t *testing.T, sec *tsstypes.ExtensionSection) []byte {
	t.Helper()
	bz, err := (&abcitypes.VoteExtension{Tss: sec}).Marshal()
	require.NoError(t, err)
	return bz
}

func vote(i byte, flag cmtproto.BlockIDFlag, ext []byte) abci.ExtendedVoteInfo {
	return abci.ExtendedVoteInfo{Validator: abci.Validator{Address: consAddr(i), Power: 10}, BlockIdFlag: flag, VoteExtension: ext, ExtensionSignature: []byte("sig")}
}

func inject(t *testing.T, votes ...abci.ExtendedVoteInfo) []byte {
	t.Helper()
	tx0, err := abcitypes.EncodeInjected(abci.ExtendedCommitInfo{Votes: votes})
	require.NoError(t, err)
	return tx0
}

// key is a valid (not low-order) X25519 public key for validator b.
// encPrivs are validators' P-256 encryption keys, made once per test binary.
var encPrivs = map[byte]*ecdh.PrivateKey{}

func encPriv(b byte) *ecdh.PrivateKey {
	if encPrivs[b] == nil {
		k, err := ecdh.P256().GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		encPrivs[b] = k
	}
	return encPrivs[b]
}

func key(b byte) []byte { return encPriv(b).PublicKey().Bytes() }

// proof is validator b's proof of possession of key(b).
func proof(b byte) []byte {
	p, err := tsstypes.ProveEncKey(encPriv(b), valoper(b))
	if err != nil {
		panic(err)
	}
	return p
}

func bcast(p string) tsstypes.ProtocolMessage {
	return tsstypes.ProtocolMessage{SessionId: session, Payload: []byte(p)}
}

func TestPreBlockerAppliesInCommitOrder(t *testing.T) {
	f := newFixture(t)
	commit := []abci.ExtendedVoteInfo{
		// validator 1 comes first in the commit, so its messages go first.
		vote(1, cmtproto.BlockIDFlagCommit, ext(t, &tsstypes.ExtensionSection{EncPubkey: key(1), EncKeyProof: proof(1), Messages: []tsstypes.ProtocolMessage{bcast("b1")}})),
		vote(0, cmtproto.BlockIDFlagCommit, ext(t, &tsstypes.ExtensionSection{EncPubkey: key(0), EncKeyProof: proof(0), Messages: []tsstypes.ProtocolMessage{
			bcast("a1"),
			{SessionId: session, To: valoper(2), Payload: []byte("a->c")},
			{SessionId: 99, Payload: []byte("unknown session")},
			{SessionId: session, To: valoper(0), Payload: []byte("to itself")},
			{SessionId: session, To: valoper(3), Payload: []byte("to a non-party")},
		}})),
		vote(2, cmtproto.BlockIDFlagAbsent, ext(t, &tsstypes.ExtensionSection{EncPubkey: key(2), EncKeyProof: proof(2), Messages: []tsstypes.ProtocolMessage{bcast("absent")}})),
		vote(2, cmtproto.BlockIDFlagNil, ext(t, &tsstypes.ExtensionSection{EncPubkey: key(2), EncKeyProof: proof(2), Messages: []tsstypes.ProtocolMessage{bcast("nil")}})),
		vote(3, cmtproto.BlockIDFlagCommit, []byte{0xff, 0xff}), // does not decode
		vote(4, cmtproto.BlockIDFlagCommit, ext(t, &tsstypes.ExtensionSection{EncPubkey: key(4), EncKeyProof: proof(4), Messages: []tsstypes.ProtocolMessage{bcast("unknown")}})),
		vote(3, cmtproto.BlockIDFlagCommit, nil), // empty extension
	}
	f.preBlock(t, height, inject(t, commit...), []byte{0x0a, 0x00})

	want := []tsskeeper.Delivered{
		{SessionID: session, From: valoper(1), Payload: []byte("b1")},
		{SessionID: session, From: valoper(0), Payload: []byte("a1")},
		{SessionID: session, From: valoper(0), To: valoper(2), Payload: []byte("a->c")},
	}
	require.Equal(t, [][]tsskeeper.Delivered{want}, f.eng.delivered)

	s, err := f.tss.Sessions.Get(f.ctx, session)
	require.NoError(t, err)
	require.Equal(t, []uint32{2, 1, 0}, []uint32{s.Parties[0].Messages, s.Parties[1].Messages, s.Parties[2].Messages})

	var registered []string
	require.NoError(t, f.tss.EncKeys.Walk(f.ctx, nil, func(_ sdk.ValAddress, k tsstypes.ValidatorEncKey) (bool, error) {
		registered = append(registered, k.Validator)
		require.Equal(t, int64(height), k.Height)
		return false, nil
	}))
	require.ElementsMatch(t, []string{valoper(0), valoper(1)}, registered)

	// Precommiter hands the engine what the block left behind.
	f.h.Precommiter()(f.ctx)
	require.Len(t, f.eng.observed, 1)
	snap := f.eng.observed[0]
	require.Equal(t, int64(height), snap.Height)
	require.Equal(t, valoper(0), snap.Self)
	require.Equal(t, map[string][]byte{valoper(0): key(0), valoper(1): key(1)}, snap.EncKeys)
	require.Len(t, snap.Jobs, 1)
	require.Equal(t, s, snap.Jobs[0].Session)

	// Without an engine the state is applied all the same.
	g := newFixture(t)
	g.h = g.handler(nil, nil)
	g.preBlock(t, height, inject(t, commit...))
	g.h.Precommiter()(g.ctx)
	require.Equal(t, f.raw(t), g.raw(t))
}

func TestPreBlockerIgnoresWhatIsNotAnInjectedCommit(t *testing.T) {
	valid := inject(t, vote(0, cmtproto.BlockIDFlagCommit, ext(t, &tsstypes.ExtensionSection{EncPubkey: key(0), EncKeyProof: proof(0), Messages: []tsstypes.ProtocolMessage{bcast("a")}})))
	prefix := inject(t)
	for _, c := range []struct {
		name string
		h    int64
		txs  [][]byte
	}{
		{"no txs", height, nil},
		{"ordinary txs", height, [][]byte{{0x0a, 0x01, 0x02}, valid}},
		{"tx0 does not decode", height, [][]byte{append(bytes.Clone(prefix), 0xff)}},
		{"tx0 truncated", height, [][]byte{valid[:len(valid)-3]}},
		{"tx0 is the bare prefix", height, [][]byte{prefix}},
		{"before the enable height", enableHeight, [][]byte{valid}},
		{"first height", 1, [][]byte{valid}},
		{"only invalid votes", height, [][]byte{inject(t,
			vote(0, cmtproto.BlockIDFlagAbsent, ext(t, &tsstypes.ExtensionSection{EncPubkey: key(0), EncKeyProof: proof(0)})),
			vote(4, cmtproto.BlockIDFlagCommit, ext(t, &tsstypes.ExtensionSection{EncPubkey: key(4), EncKeyProof: proof(4)})),
			vote(1, cmtproto.BlockIDFlagCommit, []byte("garbage")))}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			before := f.raw(t)
			f.preBlock(t, c.h, c.txs...)
			require.Equal(t, before, f.raw(t))
			require.Empty(t, f.eng.delivered)
			require.Empty(t, f.ctx.EventManager().Events())
		})
	}
}

// A validator's extension applies in its own cache: one that fails to apply
// leaves no partial state, and the others still apply.
func TestApplyIsolatesFailures(t *testing.T) {
	f := newFixture(t)
	// Session 8 is listed open but its record is missing, so applying a
	// message for it fails after the enc key was already written.
	require.NoError(t, f.tss.OpenSessions.Set(f.ctx, 8))
	info := abci.ExtendedCommitInfo{Votes: []abci.ExtendedVoteInfo{
		vote(0, cmtproto.BlockIDFlagCommit, ext(t, &tsstypes.ExtensionSection{EncPubkey: key(0), EncKeyProof: proof(0), Messages: []tsstypes.ProtocolMessage{{SessionId: 8, Payload: []byte{1}}}})),
		vote(1, cmtproto.BlockIDFlagCommit, ext(t, &tsstypes.ExtensionSection{EncPubkey: key(1), EncKeyProof: proof(1), Messages: []tsstypes.ProtocolMessage{bcast("b")}})),
	}}
	got := f.h.Apply(f.ctx, info)
	require.Equal(t, []tsskeeper.Delivered{{SessionID: session, From: valoper(1), Payload: []byte("b")}}, got)
	op0, err := sdk.ValAddressFromBech32(valoper(0))
	require.NoError(t, err)
	_, err = f.tss.EncKeys.Get(f.ctx, op0)
	require.ErrorIs(t, err, collections.ErrNotFound, "validator 0's enc key was rolled back")
	require.Len(t, f.ctx.EventManager().Events(), 1, "only validator 1's registration event")
}
