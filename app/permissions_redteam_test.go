package app

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/actions/sandbox"
	pkpkeeper "github.com/litprotocol/litd/x/pkp/keeper"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
)

// FINDING (medium): the engine starts an execution's live run from the
// Precommiter (app/abci/preblock Precommiter -> Engine.Observe -> go run),
// which baseapp.Commit calls *before* app.cms.Commit(); the run's permission
// reads ask for state at the execution's height, which is exactly the block
// being committed. A worker that reaches its first read before the commit
// finishes (a small state commits slowly, a fast machine starts workers
// quickly) gets "cannot query with height in the future", which the sandbox
// records in the result and throws as a catchable TypeError. Validators then
// disagree on the result depending on their timing, and the action itself can
// branch on it. This test replays that window: the reader exactly as
// abci.go builds it, at the height being committed, before and after Commit.
func TestPermissionReadBeforeCommitFinding(t *testing.T) {
	owner := sdk.AccAddress(secp256k1.GenPrivKeyFromSecret([]byte("owner")).PubKey().Address())
	a, ctx := newTestApp(t, owner)
	ctx.MultiStore().(storetypes.CacheMultiStore).Write()
	_, err := a.Commit() // block 1
	require.NoError(t, err)

	// Block 2 mints a PKP (and, in production, opens an execution at height 2).
	ctx = a.NewNextBlockContext(cmtproto.Header{ChainID: testChainID, Height: 2})
	res, err := pkpkeeper.NewMsgServerImpl(a.PKPKeeper).Mint(ctx, &pkptypes.MsgMint{Creator: owner.String()})
	require.NoError(t, err)
	ctx.MultiStore().(storetypes.CacheMultiStore).Write()
	height := a.LastBlockHeight() + 1 // Execution.Height = the block's height
	r := permissionReader{pkp: a.PKPKeeper, ctx: func() (sdk.Context, error) { return a.CreateQueryContext(height, false) }}

	// What a worker started by the Precommiter sees until cms.Commit returns:
	_, err = r.PermittedActions(res.TokenId)
	require.ErrorContains(t, err, "cannot query with height in the future")
	_, err = a.Commit()
	require.NoError(t, err)
	// ... and after it: the answer every other validator got.
	_, err = r.PermittedActions(res.TokenId)
	require.NoError(t, err)
}

// FINDING (medium, with a node setting): a permission read runs with the
// query context's gas meter (app.toml query-gas-limit, which operators set to
// protect RPC). A list read of a PKP with many large permissions consumes
// ~0.5M gas and the gas meter panics; nothing between the reader and the
// engine goroutine recovers (worker.parent.perm, see the worker test), so any
// account can crash such validators by executing an action that reads a PKP
// it filled itself — and again after restart, while the execution is open.
func TestPermissionReadOutOfGasPanicsFinding(t *testing.T) {
	owner := sdk.AccAddress(secp256k1.GenPrivKeyFromSecret([]byte("owner")).PubKey().Address())
	a, ctx := newTestApp(t, owner)
	msgs := pkpkeeper.NewMsgServerImpl(a.PKPKeeper)
	p, err := msgs.Mint(ctx, &pkptypes.MsgMint{Creator: owner.String()})
	require.NoError(t, err)
	pub := "0x" + strings.Repeat("ab", (pkptypes.MaxAuthMethodFieldLength-2)/2)
	for i := range sandbox.MaxListedPermissions + 1 {
		_, err := msgs.AddAuthMethod(ctx, &pkptypes.MsgAddAuthMethod{Owner: owner.String(), TokenId: p.TokenId,
			AuthMethod: pkptypes.AuthMethod{AuthMethodType: 7, Id: fmt.Sprintf("0x%0510x", i), UserPubkey: pub, Scopes: []pkptypes.Scope{pkptypes.SCOPE_SIGN_ANYTHING}}})
		require.NoError(t, err, i)
	}
	unlimited := ctx.WithGasMeter(storetypes.NewInfiniteGasMeter())
	r := permissionReader{pkp: a.PKPKeeper, ctx: func() (sdk.Context, error) { return unlimited, nil }}
	_, err = r.PermittedAuthMethods(p.TokenId)
	require.ErrorContains(t, err, "more than 128 auth methods")
	t.Logf("one list read consumed %d gas", unlimited.GasMeter().GasConsumed())

	limited := permissionReader{pkp: a.PKPKeeper, ctx: func() (sdk.Context, error) {
		return ctx.WithGasMeter(storetypes.NewGasMeter(300_000)), nil
	}}
	require.Panics(t, func() { _, _ = limited.PermittedAuthMethods(p.TokenId) }, "an out-of-gas panic, not an error")
}
