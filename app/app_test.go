package app

import (
	"encoding/hex"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/client/flags"
	clienttx "github.com/cosmos/cosmos-sdk/client/tx"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"
	authsigning "github.com/cosmos/cosmos-sdk/x/auth/signing"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	"github.com/cosmos/cosmos-sdk/x/authz"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	"github.com/cosmos/cosmos-sdk/x/feegrant"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

const testChainID = "lit-app-test"

// newTestApp is the real app on an in-memory database, with the genesis of
// auth, bank (funded holds 100 LIT), feegrant, authz, gov, tss and pkp, and
// an active root key held by participants.
func newTestApp(t *testing.T, funded sdk.AccAddress, participants ...string) (*App, sdk.Context) {
	t.Helper()
	a := New(log.NewNopLogger(), dbm.NewMemDB(), true, simtestutil.AppOptionsMap{flags.FlagHome: t.TempDir()})
	ctx := a.NewNextBlockContext(cmtproto.Header{ChainID: testChainID, Height: 2, Time: time.Unix(1_800_000_000, 0)})
	gen := a.DefaultGenesis()
	var bank banktypes.GenesisState
	a.appCodec.MustUnmarshalJSON(gen[banktypes.ModuleName], &bank)
	bank.Balances = []banktypes.Balance{{Address: funded.String(), Coins: sdk.NewCoins(sdk.NewInt64Coin(BondDenom, 100_000_000))}}
	gen[banktypes.ModuleName] = a.appCodec.MustMarshalJSON(&bank)
	for _, name := range []string{authtypes.ModuleName, banktypes.ModuleName, feegrant.ModuleName, authz.ModuleName, "gov", tsstypes.ModuleName, pkptypes.ModuleName} {
		switch m := a.ModuleManager.Modules[name].(type) {
		case module.HasGenesis:
			m.InitGenesis(ctx, a.appCodec, gen[name])
		case module.HasABCIGenesis:
			m.InitGenesis(ctx, a.appCodec, gen[name])
		default:
			require.NoError(t, m.(interface {
				InitGenesis(sdk.Context, []byte) error
			}).InitGenesis(ctx, gen[name]), name)
		}
	}
	a.AccountKeeper.SetAccount(ctx, a.AccountKeeper.NewAccountWithAddress(ctx, funded))
	root := secp256k1.GenPrivKeyFromSecret([]byte("root")).PubKey().(*secp256k1.PubKey).Key
	require.NoError(t, a.TSSKeeper.KeySets.Set(ctx, 1, tsstypes.KeySet{Id: 1, Pubkey: "0x" + hex.EncodeToString(root), Threshold: 1,
		Status: tsstypes.KEY_SET_STATUS_ACTIVE, Participants: participants}))
	return a, ctx
}

// signTx builds a direct-mode tx whose fee granter is granter, signed by privs.
func signTx(t *testing.T, a *App, ctx sdk.Context, msgs []sdk.Msg, fee sdk.Coins, granter sdk.AccAddress, privs ...*secp256k1.PrivKey) sdk.Tx {
	t.Helper()
	b := a.txConfig.NewTxBuilder()
	require.NoError(t, b.SetMsgs(msgs...))
	b.SetFeeAmount(fee)
	b.SetGasLimit(1_000_000)
	b.SetFeeGranter(granter)
	sigs := make([]signing.SignatureV2, len(privs))
	for i, p := range privs {
		acc := a.AccountKeeper.GetAccount(ctx, sdk.AccAddress(p.PubKey().Address()))
		sigs[i] = signing.SignatureV2{PubKey: p.PubKey(), Data: &signing.SingleSignatureData{SignMode: signing.SignMode_SIGN_MODE_DIRECT}, Sequence: acc.GetSequence()}
	}
	require.NoError(t, b.SetSignatures(sigs...))
	for i, p := range privs {
		acc := a.AccountKeeper.GetAccount(ctx, sdk.AccAddress(p.PubKey().Address()))
		sd := authsigning.SignerData{ChainID: testChainID, AccountNumber: acc.GetAccountNumber(), Sequence: acc.GetSequence(), Address: acc.GetAddress().String(), PubKey: p.PubKey()}
		sig, err := clienttx.SignWithPrivKey(ctx, signing.SignMode_SIGN_MODE_DIRECT, sd, b, p, a.txConfig, acc.GetSequence())
		require.NoError(t, err)
		sigs[i] = sig
	}
	require.NoError(t, b.SetSignatures(sigs...))
	return b.GetTx()
}

// deliver runs the app's ante handler, then each message through the router
// on the ante's context, committing only if all succeed (as DeliverTx does).
func deliver(a *App, ctx sdk.Context, tx sdk.Tx) error {
	cache, write := ctx.CacheContext()
	newCtx, err := a.AnteHandler()(cache, tx, false)
	if err != nil {
		return err
	}
	for _, m := range tx.GetMsgs() {
		if _, err := a.MsgServiceRouter().Handler(m)(newCtx, m); err != nil {
			return err
		}
	}
	write()
	return nil
}

// A fee grant that allows only MsgExec pays no protocol fee of a message
// MsgExec runs: the grant's filter sees the inner MsgMint too.
func TestFeeGrantFilterSeesInsideMsgExec(t *testing.T) {
	gPriv, uPriv := secp256k1.GenPrivKeyFromSecret([]byte("granter")), secp256k1.GenPrivKeyFromSecret([]byte("user"))
	granter, user := sdk.AccAddress(gPriv.PubKey().Address()), sdk.AccAddress(uPriv.PubKey().Address())
	a, ctx := newTestApp(t, granter)
	a.AccountKeeper.SetAccount(ctx, a.AccountKeeper.NewAccountWithAddress(ctx, user))
	basic := &feegrant.BasicAllowance{SpendLimit: sdk.NewCoins(sdk.NewInt64Coin(BondDenom, 10_000_000))}
	allowed, err := feegrant.NewAllowedMsgAllowance(basic, []string{sdk.MsgTypeURL(&authz.MsgExec{})})
	require.NoError(t, err)
	require.NoError(t, a.FeeGrantKeeper.GrantAllowance(ctx, granter, user, allowed))
	fee := sdk.NewCoins(sdk.NewInt64Coin(BondDenom, 1000))

	mint := &pkptypes.MsgMint{Creator: user.String()}
	require.ErrorContains(t, deliver(a, ctx, signTx(t, a, ctx, []sdk.Msg{mint}, fee, granter, uPriv)), "message does not exist in allowed messages")
	anyMint, err := codectypes.NewAnyWithValue(mint)
	require.NoError(t, err)
	exec := &authz.MsgExec{Grantee: user.String(), Msgs: []*codectypes.Any{anyMint}}
	before := a.BankKeeper.GetBalance(ctx, granter, BondDenom)
	require.ErrorContains(t, deliver(a, ctx, signTx(t, a, ctx, []sdk.Msg{exec}, fee, granter, uPriv)), "message does not exist in allowed messages")
	require.Equal(t, before, a.BankKeeper.GetBalance(ctx, granter, BondDenom), "the granter paid nothing")

	// A grant whose filter also allows MsgMint pays the wrapped mint's fee.
	both, err := feegrant.NewAllowedMsgAllowance(basic, []string{sdk.MsgTypeURL(&authz.MsgExec{}), sdk.MsgTypeURL(mint)})
	require.NoError(t, err)
	uPriv2 := secp256k1.GenPrivKeyFromSecret([]byte("user2"))
	user2 := sdk.AccAddress(uPriv2.PubKey().Address())
	a.AccountKeeper.SetAccount(ctx, a.AccountKeeper.NewAccountWithAddress(ctx, user2))
	require.NoError(t, a.FeeGrantKeeper.GrantAllowance(ctx, granter, user2, both))
	mint2, err := codectypes.NewAnyWithValue(&pkptypes.MsgMint{Creator: user2.String()})
	require.NoError(t, err)
	exec2 := &authz.MsgExec{Grantee: user2.String(), Msgs: []*codectypes.Any{mint2}}
	require.NoError(t, deliver(a, ctx, signTx(t, a, ctx, []sdk.Msg{exec2}, fee, granter, uPriv2)))
	require.Equal(t, before.Amount.Int64()-1000-pkptypes.DefaultMintFee.Amount.Int64(), a.BankKeeper.GetBalance(ctx, granter, BondDenom).Amount.Int64())
}

// x/gov and x/authz dispatch through the guarded router: the departure
// guard sees what a proposal runs (here MsgExec{MsgUndelegate}), and so an
// unreadable committee (a participant that is no validator address) refuses
// the unbonding, while other messages pass.
func TestGovAndAuthzRouterRunsDepartureGuard(t *testing.T) {
	op := sdk.AccAddress(secp256k1.GenPrivKeyFromSecret([]byte("operator")).PubKey().Address())
	a, ctx := newTestApp(t, op, "not-a-validator-address")
	gov := authtypes.NewModuleAddress("gov")
	undelegate := &stakingtypes.MsgUndelegate{DelegatorAddress: op.String(), ValidatorAddress: sdk.ValAddress(op).String(), Amount: sdk.NewInt64Coin(BondDenom, 1)}
	exec := authz.NewMsgExec(gov, []sdk.Msg{undelegate})
	r := guardedRouter{MessageRouter: a.MsgServiceRouter(), app: a}
	_, err := r.Handler(&exec)(ctx, &exec)
	require.ErrorContains(t, err, "decoding bech32 failed", "the guard read the committee for the wrapped unbonding")
	_, err = r.HandlerByTypeURL(sdk.MsgTypeURL(undelegate))(ctx, undelegate)
	require.ErrorContains(t, err, "decoding bech32 failed")

	send := &banktypes.MsgSend{FromAddress: op.String(), ToAddress: gov.String(), Amount: sdk.NewCoins(sdk.NewInt64Coin(BondDenom, 1))}
	_, err = r.Handler(send)(ctx, send)
	require.ErrorContains(t, err, "is not allowed to receive funds", "no outflow from a validator: the guard lets it through to bank")
}
