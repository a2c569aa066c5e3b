package app

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	"github.com/stretchr/testify/require"

	"github.com/cosmos/cosmos-sdk/baseapp"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/actions/sandbox"
	actionstypes "github.com/litprotocol/litd/x/actions/types"
	pkpkeeper "github.com/litprotocol/litd/x/pkp/keeper"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
)

// The reader answers every Lit.Actions permission read from real x/pkp state: addresses in both
// forms (bech32, and a PKP's 0x Ethereum address), auth methods by (type, id) with the id as a
// string or 0x-hex bytes, lists in Lit's shape with the owner first, and it bounds lists.
func TestPermissionReader(t *testing.T) {
	owner := sdk.AccAddress(secp256k1.GenPrivKeyFromSecret([]byte("owner")).PubKey().Address())
	friend := sdk.AccAddress(bytes.Repeat([]byte{7}, 20))
	a, ctx := newTestApp(t, owner)
	msgs := pkpkeeper.NewMsgServerImpl(a.PKPKeeper)
	mint := func(msg *pkptypes.MsgMint) *pkptypes.MsgMintResponse {
		msg.Creator = owner.String()
		res, err := msgs.Mint(ctx, msg)
		require.NoError(t, err)
		return res
	}
	signAny := []pkptypes.Scope{pkptypes.SCOPE_SIGN_ANYTHING}
	other := mint(&pkptypes.MsgMint{})
	otherPK, err := pkptypes.ParsePubkey(other.Pubkey)
	require.NoError(t, err)
	otherAddr := pkptypes.AccAddress(otherPK)
	cid := actionstypes.CID([]byte("action"))
	p := mint(&pkptypes.MsgMint{
		PermittedActions:   []pkptypes.PermittedAction{{Cid: cid, Scopes: signAny}},
		PermittedAddresses: []pkptypes.PermittedAddress{{Address: friend.String(), Scopes: signAny}, {Address: otherAddr.String(), Scopes: signAny}},
		AuthMethods: []pkptypes.AuthMethod{
			{AuthMethodType: 6, Id: "google:bob", Scopes: []pkptypes.Scope{pkptypes.SCOPE_SIGN_ANYTHING, pkptypes.SCOPE_PERSONAL_SIGN}},
			{AuthMethodType: 3, Id: "0x0102", UserPubkey: "0xa5", Scopes: []pkptypes.Scope{pkptypes.SCOPE_PERSONAL_SIGN}},
		},
	})
	r := permissionReader{pkp: a.PKPKeeper, ctx: func() (sdk.Context, error) { return ctx, nil }}
	var _ sandbox.Permissions = r

	cids, err := r.PermittedActions(p.TokenId)
	require.NoError(t, err)
	require.Equal(t, []string{cid}, cids)

	for addr, want := range map[string]bool{
		friend.String(): true, owner.String(): true, otherAddr.String(): true,
		other.EthAddress: true, // the PKP's Ethereum address names its account
		"0x" + fmt.Sprintf("%x", otherAddr.Bytes()):          false, // 0x is an Ethereum address, not account bytes
		"0x000000000000000000000000000000000000dEaD":         false,
		sdk.AccAddress(bytes.Repeat([]byte{8}, 20)).String(): false,
	} {
		ok, err := r.IsPermittedAddress(p.TokenId, addr)
		require.NoError(t, err, addr)
		require.Equal(t, want, ok, addr)
	}
	for _, bad := range []string{"0xzz", "0x1234", "lit1nope", ""} {
		_, err := r.IsPermittedAddress(p.TokenId, bad)
		require.Error(t, err, bad)
	}
	addrs, err := r.PermittedAddresses(p.TokenId)
	require.NoError(t, err)
	require.Equal(t, owner.String(), addrs[0], "the owner comes first, as in Lit")
	require.ElementsMatch(t, []string{owner.String(), friend.String(), otherAddr.String()}, addrs)

	for _, c := range []struct {
		typ  uint64
		id   string
		want bool
	}{{6, "google:bob", true}, {3, "0x0102", true}, {3, "0X0102", true}, {6, "google:eve", false}, {3, "0x0103", false}} {
		ok, err := r.IsPermittedAuthMethod(p.TokenId, c.typ, c.id)
		require.NoError(t, err)
		require.Equal(t, c.want, ok, c)
	}
	_, err = r.IsPermittedAuthMethod(p.TokenId, 0, "x")
	require.ErrorIs(t, err, pkptypes.ErrInvalidAuthMethod)
	ams, err := r.PermittedAuthMethods(p.TokenId)
	require.NoError(t, err)
	require.ElementsMatch(t, []sandbox.AuthMethod{
		{Type: 6, ID: "0x676f6f676c653a626f62"}, // "google:bob" as Lit's bytes id
		{Type: 3, ID: "0x0102", UserPubkey: "0xa5"},
	}, ams)
	scopes, err := r.AuthMethodScopes(p.TokenId, 6, "0x676f6f676c653a626f62") // the same auth method by its bytes
	require.NoError(t, err)
	require.Equal(t, []uint64{1, 2}, scopes)
	scopes, err = r.AuthMethodScopes(p.TokenId, 6, "google:eve")
	require.NoError(t, err)
	require.Empty(t, scopes)

	// An unknown or malformed PKP fails every read but isPermittedAction (false, as before).
	unknown := pkptypes.FormatTokenID(bytes.Repeat([]byte{9}, 32))
	for _, id := range []string{unknown, "0x01"} {
		_, err := r.PermittedActions(id)
		require.Error(t, err)
		require.NotErrorIs(t, err, sandbox.ErrUnavailable, "the state's answer")
		_, err = r.PermittedAddresses(id)
		require.Error(t, err)
		_, err = r.IsPermittedAddress(id, owner.String())
		require.Error(t, err)
		_, err = r.IsPermittedAuthMethod(id, 6, "google:bob")
		require.Error(t, err)
		_, err = r.PermittedAuthMethods(id)
		require.Error(t, err)
		_, err = r.AuthMethodScopes(id, 6, "google:bob")
		require.Error(t, err)
	}
	ok, err := r.IsPermittedAction(unknown, cid)
	require.NoError(t, err)
	require.False(t, ok)

	// Lists are bounded: a PKP with more than sandbox.MaxListedPermissions of a kind fails its list
	// read (and no more than one entry beyond the bound is read); the point reads still answer.
	for i := range sandbox.MaxListedPermissions {
		_, err := msgs.AddPermittedAction(ctx, &pkptypes.MsgAddPermittedAction{Owner: owner.String(), TokenId: other.TokenId,
			ActionCid: actionstypes.CID(fmt.Appendf(nil, "a%d", i)), Scopes: signAny})
		require.NoError(t, err)
		_, err = msgs.AddPermittedAddress(ctx, &pkptypes.MsgAddPermittedAddress{Owner: owner.String(), TokenId: other.TokenId,
			Address: sdk.AccAddress(fmt.Appendf(nil, "addr%016d", i)).String(), Scopes: signAny})
		require.NoError(t, err)
		_, err = msgs.AddAuthMethod(ctx, &pkptypes.MsgAddAuthMethod{Owner: owner.String(), TokenId: other.TokenId,
			AuthMethod: pkptypes.AuthMethod{AuthMethodType: 6, Id: fmt.Sprintf("user%d", i), Scopes: signAny}})
		require.NoError(t, err)
	}
	list, err := r.PermittedActions(other.TokenId)
	require.NoError(t, err)
	require.Len(t, list, sandbox.MaxListedPermissions)
	list, err = r.PermittedAddresses(other.TokenId)
	require.NoError(t, err)
	require.Len(t, list, sandbox.MaxListedPermissions+1, "the owner and the bound")
	ams, err = r.PermittedAuthMethods(other.TokenId)
	require.NoError(t, err)
	require.Len(t, ams, sandbox.MaxListedPermissions)

	_, err = msgs.AddPermittedAction(ctx, &pkptypes.MsgAddPermittedAction{Owner: owner.String(), TokenId: other.TokenId, ActionCid: cid, Scopes: signAny})
	require.NoError(t, err)
	_, err = msgs.AddPermittedAddress(ctx, &pkptypes.MsgAddPermittedAddress{Owner: owner.String(), TokenId: other.TokenId, Address: friend.String(), Scopes: signAny})
	require.NoError(t, err)
	_, err = msgs.AddAuthMethod(ctx, &pkptypes.MsgAddAuthMethod{Owner: owner.String(), TokenId: other.TokenId,
		AuthMethod: pkptypes.AuthMethod{AuthMethodType: 6, Id: "google:bob", Scopes: signAny}})
	require.NoError(t, err)
	_, err = r.PermittedActions(other.TokenId)
	require.EqualError(t, err, fmt.Sprintf("pkp %s has more than 128 permitted actions; ask isPermittedAction instead", other.TokenId))
	_, err = r.PermittedAddresses(other.TokenId)
	require.EqualError(t, err, fmt.Sprintf("pkp %s has more than 128 permitted addresses; ask isPermittedAddress instead", other.TokenId))
	_, err = r.PermittedAuthMethods(other.TokenId)
	require.EqualError(t, err, fmt.Sprintf("pkp %s has more than 128 auth methods; ask isPermittedAuthMethod instead", other.TokenId))
	require.NotErrorIs(t, err, sandbox.ErrUnavailable, "the state's answer")
	ok, err = r.IsPermittedAction(other.TokenId, cid)
	require.NoError(t, err)
	require.True(t, ok)

	// A burned PKP has no owner: it is neither listed nor permitted.
	_, err = msgs.Burn(ctx, &pkptypes.MsgBurn{Owner: owner.String(), TokenId: p.TokenId})
	require.NoError(t, err)
	addrs, err = r.PermittedAddresses(p.TokenId)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{friend.String(), otherAddr.String()}, addrs)
	ok, err = r.IsPermittedAddress(p.TokenId, owner.String())
	require.NoError(t, err)
	require.False(t, ok)
}

// The sandbox bounds an auth method id as x/pkp does.
func TestUserIDBoundIsPKPs(t *testing.T) {
	require.Equal(t, pkptypes.MaxAuthMethodFieldLength, sandbox.MaxUserIDBytes)
}

// The engine starts a block's runs from the Precommiter, before cms.Commit, and their reads ask for
// the state at that block's height: a read waits (up to commitWait) until the node has committed it,
// and answers what every other validator reads. One that is still not committed is no answer
// (sandbox.ErrUnavailable, which ends the run as a crash), never "cannot query with height in the
// future" shown to the action and recorded. (Red team finding: the early read's error was the answer.)
func TestPermissionReadWaitsForCommit(t *testing.T) {
	owner := sdk.AccAddress(secp256k1.GenPrivKeyFromSecret([]byte("owner")).PubKey().Address())
	a, ctx := newTestApp(t, owner)
	ctx.MultiStore().(storetypes.CacheMultiStore).Write()
	_, err := a.Commit() // block 1
	require.NoError(t, err)

	// Block 2 mints a PKP (and, in production, opens an execution at height 2).
	ctx = a.NewNextBlockContext(cmtproto.Header{ChainID: testChainID, Height: 2})
	cid := actionstypes.CID([]byte("action"))
	res, err := pkpkeeper.NewMsgServerImpl(a.PKPKeeper).Mint(ctx, &pkptypes.MsgMint{Creator: owner.String(),
		PermittedActions: []pkptypes.PermittedAction{{Cid: cid, Scopes: []pkptypes.Scope{pkptypes.SCOPE_SIGN_ANYTHING}}}})
	require.NoError(t, err)
	ctx.MultiStore().(storetypes.CacheMultiStore).Write()
	height := a.LastBlockHeight() + 1 // Execution.Height = the block's height

	// A read that is not committed in time is no answer.
	early := permissionReader{pkp: a.PKPKeeper, ctx: func() (sdk.Context, error) { return a.permissionContext(height, 20*time.Millisecond) }}
	_, err = early.PermittedActions(res.TokenId)
	require.ErrorIs(t, err, sandbox.ErrUnavailable)
	require.ErrorContains(t, err, "height 2 not committed")

	// The engine's reader, asked before Commit (as a worker started by the Precommiter asks), answers
	// once the block is committed.
	type answer struct {
		cids []string
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		cids, err := a.permissionsAt(height).PermittedActions(res.TokenId)
		got <- answer{cids, err}
	}()
	select {
	case r := <-got:
		t.Fatalf("answered before the commit: %v %v", r.cids, r.err)
	case <-time.After(100 * time.Millisecond):
	}
	_, err = a.Commit()
	require.NoError(t, err)
	select {
	case r := <-got:
		require.NoError(t, r.err)
		require.Equal(t, []string{cid}, r.cids)
	case <-time.After(commitWait):
		t.Fatal("no answer after the commit")
	}
}

// A read's gas meter is its own, not the node's query-gas-limit: a list read of a PKP filled with
// large auth methods answers (here: too many), where the query meter panics. A panic or a store error
// in a read is no answer either: sandbox.ErrUnavailable, never a panic out of the reader. (Red team
// finding: the out-of-gas panic reached the engine's goroutine and ended the validator.)
func TestPermissionReadGas(t *testing.T) {
	owner := sdk.AccAddress(secp256k1.GenPrivKeyFromSecret([]byte("owner")).PubKey().Address())
	a, ctx := newTestApp(t, owner)
	baseapp.SetQueryGasLimit(300_000)(a.BaseApp)
	msgs := pkpkeeper.NewMsgServerImpl(a.PKPKeeper)
	p, err := msgs.Mint(ctx, &pkptypes.MsgMint{Creator: owner.String()})
	require.NoError(t, err)
	pub := "0x" + strings.Repeat("ab", (pkptypes.MaxAuthMethodFieldLength-2)/2)
	for i := range sandbox.MaxListedPermissions + 1 {
		_, err := msgs.AddAuthMethod(ctx, &pkptypes.MsgAddAuthMethod{Owner: owner.String(), TokenId: p.TokenId,
			AuthMethod: pkptypes.AuthMethod{AuthMethodType: 7, Id: fmt.Sprintf("0x%0510x", i), UserPubkey: pub, Scopes: []pkptypes.Scope{pkptypes.SCOPE_SIGN_ANYTHING}}})
		require.NoError(t, err, i)
	}
	ctx.MultiStore().(storetypes.CacheMultiStore).Write()
	_, err = a.Commit()
	require.NoError(t, err)
	height := a.LastBlockHeight()

	_, err = a.permissionsAt(height).PermittedAuthMethods(p.TokenId)
	require.ErrorContains(t, err, "more than 128 auth methods")
	require.NotErrorIs(t, err, sandbox.ErrUnavailable, "an answer")

	// The query context's meter runs out within the read: no panic, no answer.
	query := permissionReader{pkp: a.PKPKeeper, ctx: func() (sdk.Context, error) { return a.CreateQueryContext(height, false) }}
	require.NotPanics(t, func() { _, err = query.PermittedAuthMethods(p.TokenId) })
	require.ErrorIs(t, err, sandbox.ErrUnavailable)
	require.ErrorContains(t, err, "ErrorOutOfGas")

	// A context that cannot be had (a pruned height, a store error) is no answer.
	broken := permissionReader{pkp: a.PKPKeeper, ctx: func() (sdk.Context, error) { return sdk.Context{}, errors.New("failed to load state") }}
	_, err = broken.IsPermittedAction(p.TokenId, "QmA")
	require.ErrorIs(t, err, sandbox.ErrUnavailable)
}
