package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/cosmos/btcutil/base58"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// cidOf is a syntactically valid CIDv0 for a test action name.
func cidOf(name string) string {
	h := sha256.Sum256([]byte(name))
	return base58.Encode(append([]byte{0x12, 0x20}, h[:]...))
}

func queryPKP(t *testing.T, tokenID string) pkptypes.PKPView {
	return ask(t, tripleQuery[*pkptypes.QueryPKPResponse]{
		cli:  []string{"pkp", "pkp", tokenID},
		rest: "/lit/pkp/v1/pkps/" + tokenID,
		grpc: func(ctx context.Context, c *grpc.ClientConn) (*pkptypes.QueryPKPResponse, error) {
			return pkptypes.NewQueryClient(c).PKP(ctx, &pkptypes.QueryPKPRequest{TokenId: tokenID})
		},
		new: func() *pkptypes.QueryPKPResponse { return new(pkptypes.QueryPKPResponse) },
	}).Pkp
}

func queryOwned(t *testing.T, owner string) []string {
	resp := ask(t, tripleQuery[*pkptypes.QueryPKPsResponse]{
		cli:  []string{"pkp", "pkps-by-owner", owner},
		rest: "/lit/pkp/v1/owners/" + owner + "/pkps",
		grpc: func(ctx context.Context, c *grpc.ClientConn) (*pkptypes.QueryPKPsResponse, error) {
			return pkptypes.NewQueryClient(c).PKPsByOwner(ctx, &pkptypes.QueryPKPsByOwnerRequest{Owner: owner})
		},
		new: func() *pkptypes.QueryPKPsResponse { return new(pkptypes.QueryPKPsResponse) },
	})
	var ids []string
	for _, v := range resp.Pkps {
		ids = append(ids, v.Pkp.TokenId)
	}
	return ids
}

func queryPermissions(t *testing.T, tokenID string) *pkptypes.QueryPermissionsResponse {
	return ask(t, tripleQuery[*pkptypes.QueryPermissionsResponse]{
		cli:  []string{"pkp", "permissions", tokenID},
		rest: "/lit/pkp/v1/pkps/" + tokenID + "/permissions",
		grpc: func(ctx context.Context, c *grpc.ClientConn) (*pkptypes.QueryPermissionsResponse, error) {
			return pkptypes.NewQueryClient(c).Permissions(ctx, &pkptypes.QueryPermissionsRequest{TokenId: tokenID})
		},
		new: func() *pkptypes.QueryPermissionsResponse { return new(pkptypes.QueryPermissionsResponse) },
	})
}

func isPermittedAction(t *testing.T, tokenID, cid string) bool {
	return ask(t, tripleQuery[*pkptypes.QueryIsPermittedResponse]{
		cli:  []string{"pkp", "is-permitted-action", tokenID, cid},
		rest: "/lit/pkp/v1/pkps/" + tokenID + "/actions/" + cid,
		grpc: func(ctx context.Context, c *grpc.ClientConn) (*pkptypes.QueryIsPermittedResponse, error) {
			return pkptypes.NewQueryClient(c).IsPermittedAction(ctx, &pkptypes.QueryIsPermittedActionRequest{TokenId: tokenID, ActionCid: cid})
		},
		new: func() *pkptypes.QueryIsPermittedResponse { return new(pkptypes.QueryIsPermittedResponse) },
	}).Permitted
}

func isPermittedAddress(t *testing.T, tokenID, addr string) bool {
	return ask(t, tripleQuery[*pkptypes.QueryIsPermittedResponse]{
		cli:  []string{"pkp", "is-permitted-address", tokenID, addr},
		rest: "/lit/pkp/v1/pkps/" + tokenID + "/addresses/" + addr,
		grpc: func(ctx context.Context, c *grpc.ClientConn) (*pkptypes.QueryIsPermittedResponse, error) {
			return pkptypes.NewQueryClient(c).IsPermittedAddress(ctx, &pkptypes.QueryIsPermittedAddressRequest{TokenId: tokenID, Address: addr})
		},
		new: func() *pkptypes.QueryIsPermittedResponse { return new(pkptypes.QueryIsPermittedResponse) },
	}).Permitted
}

func provenance(t *testing.T, tokenID string) *pkptypes.QueryProvenanceResponse {
	return ask(t, tripleQuery[*pkptypes.QueryProvenanceResponse]{
		cli:  []string{"pkp", "provenance", tokenID},
		rest: "/lit/pkp/v1/pkps/" + tokenID + "/provenance",
		grpc: func(ctx context.Context, c *grpc.ClientConn) (*pkptypes.QueryProvenanceResponse, error) {
			return pkptypes.NewQueryClient(c).Provenance(ctx, &pkptypes.QueryProvenanceRequest{TokenId: tokenID})
		},
		new: func() *pkptypes.QueryProvenanceResponse { return new(pkptypes.QueryProvenanceResponse) },
	})
}

// mint mints a PKP from `from` with extra CLI flags and returns its token id.
func mint(t *testing.T, from string, flags ...string) string {
	t.Helper()
	res, err := net.Tx(0, from, append([]string{"pkp", "mint"}, flags...)...)
	require.NoError(t, err)
	require.Zero(t, res.Code, res.RawLog)
	tokenID := res.Attr("lit.pkp.v1.EventPKPMinted", "token_id")
	require.True(t, strings.HasPrefix(tokenID, "0x") && len(tokenID) == 66, "token id %q", tokenID)
	return tokenID
}

func TestE2EPKPLifecycle(t *testing.T) {
	alice, err := net.KeyAddress(0, "alice")
	require.NoError(t, err)
	bob := fund(t, "bob", "10000000ulit")
	action := cidOf("lifecycle action")

	// Params and key set answer the same way everywhere.
	params := ask(t, tripleQuery[*pkptypes.QueryParamsResponse]{
		cli: []string{"pkp", "params"}, rest: "/lit/pkp/v1/params",
		grpc: func(ctx context.Context, c *grpc.ClientConn) (*pkptypes.QueryParamsResponse, error) {
			return pkptypes.NewQueryClient(c).Params(ctx, &pkptypes.QueryParamsRequest{})
		},
		new: func() *pkptypes.QueryParamsResponse { return new(pkptypes.QueryParamsResponse) },
	})
	require.Equal(t, "1000000ulit", params.Params.MintFee.String())
	keySet := ask(t, tripleQuery[*tsstypes.QueryKeySetResponse]{
		cli: []string{"tss", "key-set"}, rest: "/lit/tss/v1/key_set",
		grpc: func(ctx context.Context, c *grpc.ClientConn) (*tsstypes.QueryKeySetResponse, error) {
			return tsstypes.NewQueryClient(c).KeySet(ctx, &tsstypes.QueryKeySetRequest{})
		},
		new: func() *tsstypes.QueryKeySetResponse { return new(tsstypes.QueryKeySetResponse) },
	})
	require.Equal(t, rootKey, keySet.KeySet.Pubkey)
	require.Equal(t, tsstypes.KEY_SET_STATUS_ACTIVE, keySet.KeySet.Status)
	require.Len(t, keySet.KeySet.Participants, 4)
	require.EqualValues(t, 2, keySet.KeySet.Threshold, "3 of 4 validators sign")

	// Mint with an initial action and auth method.
	tokenID := mint(t, "alice",
		"--permitted-actions", fmt.Sprintf(`{"cid":%q,"scopes":["SCOPE_SIGN_ANYTHING"]}`, action),
		"--auth-methods", `{"auth_method_type":"5","id":"google-user-1","scopes":["SCOPE_PERSONAL_SIGN"]}`)
	view := queryPKP(t, tokenID)
	require.Equal(t, alice, view.Pkp.Owner)
	require.False(t, view.Pkp.Burned)

	// The key is the one x/tss derives for its key id, and token id = keccak256(pubkey).
	derived := ask(t, tripleQuery[*tsstypes.QueryDerivedKeyResponse]{
		cli: []string{"tss", "derived-key", fmt.Sprint(view.Pkp.KeyId)}, rest: fmt.Sprintf("/lit/tss/v1/derived_keys/%d", view.Pkp.KeyId),
		grpc: func(ctx context.Context, c *grpc.ClientConn) (*tsstypes.QueryDerivedKeyResponse, error) {
			return tsstypes.NewQueryClient(c).DerivedKey(ctx, &tsstypes.QueryDerivedKeyRequest{KeyId: view.Pkp.KeyId})
		},
		new: func() *tsstypes.QueryDerivedKeyResponse { return new(tsstypes.QueryDerivedKeyResponse) },
	})
	require.Equal(t, derived.Pubkey, view.Pkp.Pubkey)
	pub, err := hex.DecodeString(strings.TrimPrefix(view.Pkp.Pubkey, "0x"))
	require.NoError(t, err)
	require.Equal(t, tokenID, "0x"+hex.EncodeToString(pkptypes.Keccak256(pub)))
	require.Equal(t, strings.ToLower(view.EthAddress), "0x"+hex.EncodeToString(pkptypes.Keccak256(pub[1:])[12:]))

	// Lookups by pubkey and Ethereum address find the same PKP.
	byPub := ask(t, tripleQuery[*pkptypes.QueryPKPResponse]{
		cli: []string{"pkp", "pkp-by-pubkey", view.Pkp.Pubkey}, rest: "/lit/pkp/v1/pkps/by_pubkey/" + view.Pkp.Pubkey,
		grpc: func(ctx context.Context, c *grpc.ClientConn) (*pkptypes.QueryPKPResponse, error) {
			return pkptypes.NewQueryClient(c).PKPByPubkey(ctx, &pkptypes.QueryPKPByPubkeyRequest{Pubkey: view.Pkp.Pubkey})
		},
		new: func() *pkptypes.QueryPKPResponse { return new(pkptypes.QueryPKPResponse) },
	})
	require.Equal(t, tokenID, byPub.Pkp.Pkp.TokenId)
	byEth := ask(t, tripleQuery[*pkptypes.QueryPKPResponse]{
		cli: []string{"pkp", "pkp-by-eth-address", view.EthAddress}, rest: "/lit/pkp/v1/pkps/by_eth_address/" + view.EthAddress,
		grpc: func(ctx context.Context, c *grpc.ClientConn) (*pkptypes.QueryPKPResponse, error) {
			return pkptypes.NewQueryClient(c).PKPByEthAddress(ctx, &pkptypes.QueryPKPByEthAddressRequest{EthAddress: view.EthAddress})
		},
		new: func() *pkptypes.QueryPKPResponse { return new(pkptypes.QueryPKPResponse) },
	})
	require.Equal(t, tokenID, byEth.Pkp.Pkp.TokenId)
	byAuth := ask(t, tripleQuery[*pkptypes.QueryPKPsResponse]{
		cli: []string{"pkp", "pkps-by-auth-method", "5", "google-user-1"}, rest: "/lit/pkp/v1/auth_methods/5/google-user-1/pkps",
		grpc: func(ctx context.Context, c *grpc.ClientConn) (*pkptypes.QueryPKPsResponse, error) {
			return pkptypes.NewQueryClient(c).PKPsByAuthMethod(ctx, &pkptypes.QueryPKPsByAuthMethodRequest{AuthMethodType: 5, Id: "google-user-1"})
		},
		new: func() *pkptypes.QueryPKPsResponse { return new(pkptypes.QueryPKPsResponse) },
	})
	require.Len(t, byAuth.Pkps, 1)
	require.Equal(t, tokenID, byAuth.Pkps[0].Pkp.TokenId)

	// Lit's auth method id finds the PKP: a WebAuthn method whose id is, as
	// Lit's SDK writes it, keccak256("credential-raw-id:lit"); the query id
	// keccak256(abi.encode(uint256 3, bytes id)) was computed with ethers.
	webauthnID := "0xcfe40f8d6624c8ee6030a580f042e1ded05ef59433e5c1b2d87d2e60cb6dddf4"
	litID := "0x069846f984b7c928186443eb3d8d7840ad4f75efd9aa461ca9fdc155397a3d4a"
	mustTx(t, "alice", "pkp", "add-auth-method", tokenID, `{"auth_method_type":"3","id":"`+webauthnID+`","scopes":["SCOPE_SIGN_ANYTHING"]}`)
	byLitID := ask(t, tripleQuery[*pkptypes.QueryPKPsResponse]{
		cli: []string{"pkp", "pkps-by-auth-method-id", litID}, rest: "/lit/pkp/v1/auth_method_ids/" + litID + "/pkps",
		grpc: func(ctx context.Context, c *grpc.ClientConn) (*pkptypes.QueryPKPsResponse, error) {
			return pkptypes.NewQueryClient(c).PKPsByAuthMethodId(ctx, &pkptypes.QueryPKPsByAuthMethodIdRequest{AuthMethodId: litID})
		},
		new: func() *pkptypes.QueryPKPsResponse { return new(pkptypes.QueryPKPsResponse) },
	})
	require.Len(t, byLitID.Pkps, 1)
	require.Equal(t, tokenID, byLitID.Pkps[0].Pkp.TokenId)
	mustTx(t, "alice", "pkp", "remove-auth-method", tokenID, "3", webauthnID)
	all := ask(t, tripleQuery[*pkptypes.QueryPKPsResponse]{
		cli: []string{"pkp", "pkps"}, rest: "/lit/pkp/v1/pkps",
		grpc: func(ctx context.Context, c *grpc.ClientConn) (*pkptypes.QueryPKPsResponse, error) {
			return pkptypes.NewQueryClient(c).PKPs(ctx, &pkptypes.QueryPKPsRequest{})
		},
		new: func() *pkptypes.QueryPKPsResponse { return new(pkptypes.QueryPKPsResponse) },
	})
	require.NotEmpty(t, all.Pkps)
	require.Contains(t, queryOwned(t, alice), tokenID)

	perms := queryPermissions(t, tokenID)
	require.Len(t, perms.Actions, 1)
	require.Equal(t, action, perms.Actions[0].Cid)
	require.Len(t, perms.AuthMethods, 1)
	require.True(t, isPermittedAction(t, tokenID, action))
	require.False(t, isPermittedAction(t, tokenID, cidOf("other")))
	require.True(t, isPermittedAddress(t, tokenID, alice), "the owner is always permitted")
	require.False(t, isPermittedAddress(t, tokenID, bob))
	require.False(t, provenance(t, tokenID).MintGrantBurn)

	// A non-owner cannot change permissions, and nothing changes.
	failTx(t, 4, "bob", "pkp", "add-permitted-action", tokenID, cidOf("bob's action"), "--scopes", "sign-anything")
	failTx(t, 6, "alice", "pkp", "add-permitted-action", tokenID, "Qm123", "--scopes", "sign-anything")
	failTx(t, 8, "alice", "pkp", "add-permitted-action", tokenID, action, "--scopes", "sign-anything")
	require.Equal(t, perms, queryPermissions(t, tokenID))

	// The owner manages permissions.
	mustTx(t, "alice", "pkp", "add-permitted-address", tokenID, bob, "--scopes", "sign-anything")
	require.True(t, isPermittedAddress(t, tokenID, bob))
	mustTx(t, "alice", "pkp", "remove-permitted-address", tokenID, bob)
	require.False(t, isPermittedAddress(t, tokenID, bob))
	mustTx(t, "alice", "pkp", "add-permitted-action", tokenID, cidOf("second"), "--scopes", "personal-sign")
	mustTx(t, "alice", "pkp", "remove-permitted-action", tokenID, cidOf("second"))
	mustTx(t, "alice", "pkp", "add-auth-method", tokenID, `{"auth_method_type":"6","id":"jwt-sub","scopes":["SCOPE_SIGN_ANYTHING"]}`)
	mustTx(t, "alice", "pkp", "remove-auth-method", tokenID, "6", "jwt-sub")
	failTx(t, 9, "alice", "pkp", "remove-auth-method", tokenID, "6", "jwt-sub")
	require.Equal(t, perms, queryPermissions(t, tokenID))

	// Transfer moves ownership and the owner index.
	mustTx(t, "alice", "pkp", "transfer", tokenID, bob)
	require.NotContains(t, queryOwned(t, alice), tokenID)
	require.Equal(t, []string{tokenID}, queryOwned(t, bob))
	failTx(t, 4, "alice", "pkp", "burn", tokenID)

	// Burn: no owner, permissions frozen, the permitted action still permitted.
	mustTx(t, "bob", "pkp", "burn", tokenID)
	burned := queryPKP(t, tokenID)
	require.True(t, burned.Pkp.Burned)
	require.Empty(t, burned.Pkp.Owner)
	require.Empty(t, queryOwned(t, bob))
	failTx(t, 5, "bob", "pkp", "add-permitted-action", tokenID, cidOf("late"), "--scopes", "sign-anything")
	failTx(t, 5, "bob", "pkp", "transfer", tokenID, alice)
	require.True(t, isPermittedAction(t, tokenID, action))
	require.False(t, isPermittedAddress(t, tokenID, bob))
}

func TestE2EMintGrantBurn(t *testing.T) {
	alice, err := net.KeyAddress(0, "alice")
	require.NoError(t, err)
	action := cidOf("is-prime action")
	before := queryOwned(t, alice)

	res, err := net.Tx(0, "alice", "pkp", "mint-grant-burn", action)
	require.NoError(t, err)
	require.Zero(t, res.Code, res.RawLog)
	tokenID := res.Attr("lit.pkp.v1.EventPKPMinted", "token_id")
	require.Equal(t, "true", res.Attr("lit.pkp.v1.EventPKPMinted", "mint_grant_burn"))
	require.Equal(t, action, res.Attr("lit.pkp.v1.EventPermittedActionAdded", "cid"))
	require.Equal(t, tokenID, res.Attr("lit.pkp.v1.EventPKPBurned", "token_id"))

	prov := provenance(t, tokenID)
	require.True(t, prov.MintGrantBurn)
	require.True(t, prov.Burned)
	require.Equal(t, action, prov.ActionCid)
	require.Len(t, prov.Actions, 1)
	require.Equal(t, []pkptypes.Scope{pkptypes.SCOPE_SIGN_ANYTHING}, prov.Actions[0].Scopes)
	require.Equal(t, before, queryOwned(t, alice), "an MGB PKP is never owned")
	require.True(t, isPermittedAction(t, tokenID, action))
	require.False(t, isPermittedAddress(t, tokenID, alice))

	failTx(t, 5, "alice", "pkp", "add-permitted-action", tokenID, cidOf("evil"), "--scopes", "sign-anything")
	failTx(t, 5, "alice", "pkp", "remove-permitted-action", tokenID, action)
	failTx(t, 5, "alice", "pkp", "add-permitted-address", tokenID, alice, "--scopes", "sign-anything")
	require.Len(t, queryPermissions(t, tokenID).Actions, 1)

	failTx(t, 6, "alice", "pkp", "mint-grant-burn", "Qm123")
	failTx(t, 6, "alice", "pkp", "mint-grant-burn", "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi")
}

func TestE2EMintFeeAndErrors(t *testing.T) {
	fund(t, "carol", "5000ulit") // less than the 1 LIT mint fee
	failTx(t, 13, "carol", "pkp", "mint")
	carol, err := net.KeyAddress(0, "carol")
	require.NoError(t, err)
	require.Empty(t, queryOwned(t, carol))

	// Unknown and malformed ids are typed errors over REST too.
	status, body := restGet(t, "/lit/pkp/v1/pkps/0x"+strings.Repeat("ab", 32))
	require.Equal(t, http.StatusNotFound, status, string(body))
	require.Contains(t, string(body), "pkp not found")
	status, body = restGet(t, "/lit/pkp/v1/pkps/0x1234")
	require.Equal(t, http.StatusBadRequest, status, string(body))
	require.Contains(t, string(body), "invalid token id")
}
