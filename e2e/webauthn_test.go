package e2e

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/litprotocol/litd/testutil/network"
	"github.com/litprotocol/litd/testutil/softauthn"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

const passkeyOrigin = "https://wallet.example"

// signChallenge asks the chain, over CLI, REST and gRPC, for the challenge
// of auth method (typ, id)'s next request to sign digest on a PKP.
func signChallenge(t *testing.T, tokenID string, typ uint64, id, digest string) (*pkptypes.QueryAuthChallengeResponse, []byte) {
	t.Helper()
	res := ask(t, tripleQuery[*pkptypes.QueryAuthChallengeResponse]{
		cli:  []string{"pkp", "auth-challenge", fmt.Sprint(typ), id, "sign", "--token-ids", tokenID, "--digest", digest},
		rest: fmt.Sprintf("/lit/pkp/v1/auth_methods/%d/%s/challenge?purpose=1&token_ids=%s&digest=%s", typ, id, tokenID, digest),
		grpc: func(ctx context.Context, c *grpc.ClientConn) (*pkptypes.QueryAuthChallengeResponse, error) {
			return pkptypes.NewQueryClient(c).AuthChallenge(ctx, &pkptypes.QueryAuthChallengeRequest{
				Purpose: pkptypes.AUTH_PURPOSE_SIGN, TokenIds: []string{tokenID}, AuthMethodType: typ, Id: id, Digest: digest})
		},
		new: func() *pkptypes.QueryAuthChallengeResponse { return new(pkptypes.QueryAuthChallengeResponse) },
	})
	return res, mustHex(t, res.Challenge)
}

// webauthnChallenge is signChallenge for a passkey (type 3).
func webauthnChallenge(t *testing.T, tokenID, id, digest string) (*pkptypes.QueryAuthChallengeResponse, []byte) {
	t.Helper()
	return signChallenge(t, tokenID, pkptypes.WebAuthnAuthMethodType, id, digest)
}

// proofJSON is the CLI's form of a proof (protobuf JSON: base64 bytes).
func proofJSON(t *testing.T, p *pkptypes.AuthProof) string {
	t.Helper()
	bz, err := enc.Codec.MarshalJSON(p)
	require.NoError(t, err)
	return string(bz)
}

// verifyAuthSigned requires res to be an accepted MsgSignWithAuthMethod from
// submitter for digest whose signature, once made, recovers to the PKP's
// address.
func verifyAuthSigned(t *testing.T, view pkptypes.PKPView, res network.TxResult, submitter, digest string) {
	t.Helper()
	require.Zero(t, res.Code, res.RawLog)
	require.Equal(t, submitter, res.Attr("lit.pkp.v1.EventSignedWithAuthMethod", "submitter"))
	require.Equal(t, digest, res.Attr("lit.pkp.v1.EventSignedWithAuthMethod", "digest"))
	sigID, err := strconv.ParseUint(res.Attr("lit.pkp.v1.EventSignedWithAuthMethod", "signature_id"), 10, 64)
	require.NoError(t, err)
	sig := waitSigned(t, sigID, 3*time.Minute)
	require.Equal(t, digest, sig.Digest)
	verifyEthereumStyle(t, view, sig)
	addr, err := network.RecoverEthAddress(sig)
	require.NoError(t, err)
	require.Equal(t, strings.ToLower(view.EthAddress), addr)
}

// signaturesOf is the number of signature requests a PKP has had.
func signaturesOf(t *testing.T, tokenID string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := tsstypes.NewQueryClient(grpcConn(t)).SignaturesByPKP(ctx, &tsstypes.QuerySignaturesByPKPRequest{TokenId: tokenID})
	require.NoError(t, err)
	return len(res.Signatures)
}

// TestE2EWebAuthnRelayedSigning: a PKP whose only permission is a passkey
// (its owner burned it) signs for requests that an account with no
// permission relays and pays for, each carrying an assertion of a software
// authenticator over the chain's challenge. Replayed, wrong-origin,
// wrong-challenge and lowered-counter assertions are refused and change
// nothing; an account holding nothing submits with a fee grant; every
// signature recovers to the PKP's address.
func TestE2EWebAuthnRelayedSigning(t *testing.T) {
	relayer := fund(t, "passkey-relayer", "10000000ulit")
	passkey := softauthn.New("wallet.example", "e2e passkey")
	am := passkey.AuthMethod([]string{passkeyOrigin}, pkptypes.SCOPE_SIGN_ANYTHING)
	amJSON, err := enc.Codec.MarshalJSON(&am)
	require.NoError(t, err)
	tokenID := mint(t, "alice", "--auth-methods", string(amJSON))
	mustTx(t, "alice", "pkp", "burn", tokenID)
	perms := queryPermissions(t, tokenID)
	require.True(t, perms.Burned)
	require.Empty(t, perms.Owner)
	require.Empty(t, perms.Actions)
	require.Empty(t, perms.Addresses)
	require.Equal(t, []pkptypes.AuthMethod{am}, perms.AuthMethods, "the passkey is the PKP's only permission")
	require.False(t, isPermittedAddress(t, tokenID, relayer))
	view := queryPKP(t, tokenID)
	id := am.Id

	signWith := func(from string, as *pkptypes.WebAuthnAssertion, flags ...string) network.TxResult {
		t.Helper()
		res, err := net.Tx(0, from, append([]string{"pkp", "sign-with-auth-method", tokenID, "3", id, proofJSON(t, &pkptypes.AuthProof{Webauthn: as})}, flags...)...)
		require.NoError(t, err)
		return res
	}
	// refused requires the request to fail with x/pkp ErrInvalidAssertion
	// (code 20) naming why, leaving the nonce, the sign count and the PKP's
	// signatures as they were.
	refused := func(why string, as *pkptypes.WebAuthnAssertion, digest string) {
		t.Helper()
		before, _ := webauthnChallenge(t, tokenID, id, digest)
		sigs := signaturesOf(t, tokenID)
		res := signWith("passkey-relayer", as, "--digest", digest)
		require.Equal(t, uint32(20), res.Code, "%s: %s", why, res.RawLog)
		require.Equal(t, "pkp", res.Codespace)
		require.Contains(t, res.RawLog, "webauthn assertion refused")
		require.Contains(t, res.RawLog, why)
		after, _ := webauthnChallenge(t, tokenID, id, digest)
		require.Equal(t, before, after, "a refused assertion moved the nonce or sign count")
		require.Equal(t, sigs, signaturesOf(t, tokenID), "a refused assertion queued a signature")
	}
	verified := func(res network.TxResult, submitter, digest string) {
		t.Helper()
		verifyAuthSigned(t, view, res, submitter, digest)
	}

	digest := digestOf("litd e2e: a passkey signs")
	first, ch := webauthnChallenge(t, tokenID, id, digest)
	require.Equal(t, []uint64{0}, first.Nonces)
	assertion := passkey.Assert(ch, passkeyOrigin)
	verified(signWith("passkey-relayer", assertion, "--digest", digest), relayer, digest)
	next, ch := webauthnChallenge(t, tokenID, id, digest)
	require.Equal(t, []uint64{1}, next.Nonces)
	require.Equal(t, []uint32{passkey.SignCount}, next.SignCounts)

	refused("wrong challenge", assertion, digest) // replayed
	refused(`origin "https://evil.example" is not one of`, passkey.Assert(ch, "https://evil.example"), digest)
	_, other := webauthnChallenge(t, tokenID, id, digestOf("something else"))
	refused("wrong challenge", passkey.Assert(other, passkeyOrigin), digest)
	good := passkey.SignCount
	passkey.SignCount = 0 // a clone of the authenticator from before the first request
	refused("sign count 1 is not above the last accepted 1", passkey.Assert(ch, passkeyOrigin), digest)
	passkey.SignCount = good

	// The passkey's holder, with an account that holds nothing, submits the
	// next request itself: alice's fee grant pays the gas and sign fees. It
	// is an EIP-191 message, from a file: the chain signs ethers'
	// hashMessage of it.
	alice, err := net.KeyAddress(0, "alice")
	require.NoError(t, err)
	holder, err := net.AddKey(0, "passkey-holder")
	require.NoError(t, err)
	mustTx(t, "alice", "feegrant", "grant", alice, holder, "--spend-limit", "200000ulit")
	message := "hello from a passkey"
	file := filepath.Join(t.TempDir(), "message.txt")
	require.NoError(t, os.WriteFile(file, []byte(message), 0o600))
	hashed := "0x" + hex.EncodeToString(pkptypes.PersonalMessageDigest([]byte(message)))
	_, ch = webauthnChallenge(t, tokenID, id, hashed)
	verified(signWith("passkey-holder", passkey.Assert(ch, passkeyOrigin), "--message", file, "--fee-granter", alice, "--fees", "1000ulit"), holder, hashed)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bal, err := banktypes.NewQueryClient(grpcConn(t)).AllBalances(ctx, &banktypes.QueryAllBalancesRequest{Address: holder})
	require.NoError(t, err)
	require.True(t, bal.Balances.IsZero(), "the holder still holds nothing: %s", bal.Balances)
}
