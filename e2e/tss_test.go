package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bnb-chain/tss-lib/v2/tss"
	decredecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	"github.com/litprotocol/litd/testutil/network"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

func digestOf(s string) string {
	h := sha256.Sum256([]byte(s))
	return "0x" + hex.EncodeToString(h[:])
}

// sign runs `litd tx tss sign` on node0 and returns the signature id.
func sign(from, tokenID, digest string) (uint64, error) { return net.Sign(0, from, tokenID, digest) }

// requestSign signs and requires success.
func requestSign(t *testing.T, from, tokenID, digest string) uint64 {
	t.Helper()
	id, err := sign(from, tokenID, digest)
	require.NoError(t, err)
	return id
}

// signRejected requires `tx tss sign` to fail with x/tss error code 7 (unauthorized).
func signRejected(t *testing.T, from, tokenID, digest string) {
	t.Helper()
	_, err := sign(from, tokenID, digest)
	require.Error(t, err)
	require.Contains(t, err.Error(), "(code 7, tss)")
	require.Contains(t, err.Error(), "not permitted to sign with this pkp")
}

func querySignature(t *testing.T, id uint64) tsstypes.Signature {
	return ask(t, tripleQuery[*tsstypes.QuerySignatureResponse]{
		cli: []string{"tss", "signature", fmt.Sprint(id)}, rest: fmt.Sprintf("/lit/tss/v1/signatures/%d", id),
		grpc: func(ctx context.Context, c *grpc.ClientConn) (*tsstypes.QuerySignatureResponse, error) {
			return tsstypes.NewQueryClient(c).Signature(ctx, &tsstypes.QuerySignatureRequest{Id: id})
		},
		new: func() *tsstypes.QuerySignatureResponse { return new(tsstypes.QuerySignatureResponse) },
	}).Signature
}

// waitSigned waits for a signature over gRPC, then reads it over all three
// interfaces.
func waitSigned(t *testing.T, id uint64, timeout time.Duration) tsstypes.Signature {
	t.Helper()
	_, err := network.WaitSigned(tsstypes.NewQueryClient(grpcConn(t)), id, timeout)
	require.NoError(t, err)
	return querySignature(t, id)
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	bz, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	require.NoError(t, err)
	return bz
}

// verifyEthereumStyle checks a signature the way an Ethereum verifier would:
// the standard library's ECDSA verify against the PKP's key, low S, and
// ecrecover(digest, v, r, s) = the PKP's Ethereum address.
func verifyEthereumStyle(t *testing.T, view pkptypes.PKPView, sig tsstypes.Signature) {
	t.Helper()
	pub := mustHex(t, view.Pkp.Pubkey)
	digest, r, s := mustHex(t, sig.Digest), mustHex(t, sig.R), mustHex(t, sig.S)
	require.Len(t, r, 32)
	require.Len(t, s, 32)
	curve := tss.S256()
	//nolint:staticcheck // the standard library verifies secp256k1 only through the raw-coordinate API
	key := &ecdsa.PublicKey{Curve: curve, X: new(big.Int).SetBytes(pub[1:33]), Y: new(big.Int).SetBytes(pub[33:])}
	require.True(t, ecdsa.Verify(key, digest, new(big.Int).SetBytes(r), new(big.Int).SetBytes(s)), "standard ECDSA verify")
	halfN := new(big.Int).Rsh(curve.Params().N, 1)
	require.True(t, new(big.Int).SetBytes(s).Cmp(halfN) <= 0, "s is low")
	require.Contains(t, []uint32{27, 28}, sig.V)
	recovered, _, err := decredecdsa.RecoverCompact(append([]byte{byte(sig.V)}, append(r, s...)...), digest)
	require.NoError(t, err)
	addr := pkptypes.Keccak256(recovered.SerializeUncompressed()[1:])[12:]
	require.Equal(t, strings.ToLower(view.EthAddress), "0x"+hex.EncodeToString(addr), "ecrecover gives the PKP's address")
}

func TestE2ESignAndVerify(t *testing.T) {
	status := ask(t, tripleQuery[*tsstypes.QueryStatusResponse]{
		cli: []string{"tss", "status"}, rest: "/lit/tss/v1/status",
		grpc: func(ctx context.Context, c *grpc.ClientConn) (*tsstypes.QueryStatusResponse, error) {
			return tsstypes.NewQueryClient(c).Status(ctx, &tsstypes.QueryStatusRequest{})
		},
		new: func() *tsstypes.QueryStatusResponse { return new(tsstypes.QueryStatusResponse) },
	})
	require.Equal(t, "active", status.Phase)
	require.EqualValues(t, 4, status.BondedValidators)
	require.Len(t, status.ReadyValidators, 4)
	require.Empty(t, status.WaitingValidators)

	first, second := mint(t, "alice"), mint(t, "alice")
	v1, v2 := queryPKP(t, first), queryPKP(t, second)
	require.NotEqual(t, v1.Pkp.Pubkey, v2.Pkp.Pubkey, "two PKPs from one root have different keys")

	digest := digestOf("litd e2e: sign me")
	id1 := requestSign(t, "alice", first, digest)
	id2 := requestSign(t, "alice", second, digest)
	sig1, sig2 := waitSigned(t, id1, 3*time.Minute), waitSigned(t, id2, 3*time.Minute)
	require.Equal(t, digest, sig1.Digest)
	verifyEthereumStyle(t, v1, sig1)
	verifyEthereumStyle(t, v2, sig2)
	require.NotEqual(t, sig1.R, sig2.R)

	byPKP := ask(t, tripleQuery[*tsstypes.QuerySignaturesResponse]{
		cli: []string{"tss", "signatures", first}, rest: "/lit/tss/v1/pkps/" + first + "/signatures",
		grpc: func(ctx context.Context, c *grpc.ClientConn) (*tsstypes.QuerySignaturesResponse, error) {
			return tsstypes.NewQueryClient(c).SignaturesByPKP(ctx, &tsstypes.QuerySignaturesByPKPRequest{TokenId: first})
		},
		new: func() *tsstypes.QuerySignaturesResponse { return new(tsstypes.QuerySignaturesResponse) },
	})
	require.Len(t, byPKP.Signatures, 1)
	require.Equal(t, id1, byPKP.Signatures[0].Id)

	session := ask(t, tripleQuery[*tsstypes.QuerySessionResponse]{
		cli: []string{"tss", "session", fmt.Sprint(sig1.SessionId)}, rest: fmt.Sprintf("/lit/tss/v1/sessions/%d", sig1.SessionId),
		grpc: func(ctx context.Context, c *grpc.ClientConn) (*tsstypes.QuerySessionResponse, error) {
			return tsstypes.NewQueryClient(c).Session(ctx, &tsstypes.QuerySessionRequest{Id: sig1.SessionId})
		},
		new: func() *tsstypes.QuerySessionResponse { return new(tsstypes.QuerySessionResponse) },
	}).Session
	require.Equal(t, tsstypes.SESSION_STATUS_COMPLETED, session.Status)
	require.Len(t, session.Parties, 3, "t+1 = 3 of 4 validators sign")
}

func TestE2ESignAuthorization(t *testing.T) {
	owned := mint(t, "alice")
	dave := fund(t, "dave", "10000000ulit")
	digest := digestOf("not yours")

	signRejected(t, "dave", owned, digest)

	// A permitted address may sign; after removal it may not.
	mustTx(t, "alice", "pkp", "add-permitted-address", owned, dave, "--scopes", "sign-anything")
	requestSign(t, "dave", owned, digest)
	mustTx(t, "alice", "pkp", "remove-permitted-address", owned, dave)
	signRejected(t, "dave", owned, digest)

	// Burned, with no permitted action or address: nobody can sign.
	mustTx(t, "alice", "pkp", "burn", owned)
	for _, who := range []string{"alice", "dave"} {
		signRejected(t, who, owned, digest)
	}
	// A Mint/Grant/Burn PKP: only its action may sign, no account.
	mgb, err := net.Tx(0, "alice", "pkp", "mint-grant-burn", cidOf("only the action"))
	require.NoError(t, err)
	require.NoError(t, err)
	signRejected(t, "alice", mgb.Attr("lit.pkp.v1.EventPKPMinted", "token_id"), digest)

	// A malformed digest is refused before anything is signed or sent.
	_, err = sign("alice", mint(t, "alice"), "0x1234")
	require.ErrorContains(t, err, "want 0x and 64 hex digits")

	// --wait prints the finished signature.
	out, err := net.CLI(0, "tx", "tss", "sign", mint(t, "alice"), digest, "--from", "alice", "--yes", "--wait", "--output", "json")
	require.NoError(t, err)
	var done tsstypes.Signature
	require.NoError(t, enc.Codec.UnmarshalJSON([]byte(out), &done), out)
	require.Equal(t, tsstypes.SIGNATURE_STATUS_SIGNED, done.Status)
}

// TestE2EConcurrentSigns puts 20 sign requests in one transaction and waits
// for all of them.
func TestE2EConcurrentSigns(t *testing.T) {
	tokenID := mint(t, "alice")
	view := queryPKP(t, tokenID)
	dir := t.TempDir()
	unsigned, err := net.CLI(0, "tx", "tss", "sign", tokenID, digestOf("concurrent 0"), "--from", "alice",
		"--generate-only", "--gas", "4000000", "--output", "json")
	require.NoError(t, err)
	var tx map[string]any
	require.NoError(t, json.Unmarshal([]byte(unsigned), &tx))
	body := tx["body"].(map[string]any)
	first := body["messages"].([]any)[0].(map[string]any)
	var msgs []any
	for i := 0; i < 20; i++ {
		m := map[string]any{}
		for k, v := range first {
			m[k] = v
		}
		m["digest"] = digestOf(fmt.Sprintf("concurrent %d", i))
		msgs = append(msgs, m)
	}
	body["messages"] = msgs
	bz, err := json.Marshal(tx)
	require.NoError(t, err)
	unsignedFile := filepath.Join(dir, "unsigned.json")
	require.NoError(t, os.WriteFile(unsignedFile, bz, 0o600))
	signed, err := net.CLI(0, "tx", "sign", unsignedFile, "--from", "alice", "--output", "json")
	require.NoError(t, err)
	signedFile := filepath.Join(dir, "signed.json")
	require.NoError(t, os.WriteFile(signedFile, []byte(signed), 0o600))
	out, err := net.CLI(0, "tx", "broadcast", signedFile, "--output", "json")
	require.NoError(t, err)
	var sync struct {
		TxHash string `json:"txhash"`
		Code   uint32 `json:"code"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &sync))
	require.Zero(t, sync.Code, out)
	res, err := net.WaitTx(0, sync.TxHash)
	require.NoError(t, err)
	require.Zero(t, res.Code, res.RawLog)
	var ids []uint64
	for _, e := range res.Events {
		if e.Type != "lit.tss.v1.EventSignatureRequested" {
			continue
		}
		for _, a := range e.Attributes {
			if a.Key == "signature_id" {
				id, err := strconv.ParseUint(strings.Trim(a.Value, `"`), 10, 64)
				require.NoError(t, err)
				ids = append(ids, id)
			}
		}
	}
	require.Len(t, ids, 20)
	start := time.Now()
	for _, id := range ids {
		verifyEthereumStyle(t, view, waitSigned(t, id, 8*time.Minute))
	}
	t.Logf("20 signatures in one tx completed %s after inclusion", time.Since(start).Round(time.Second))
}

// signerOtherThanNode0 waits until signature id has a session and returns it
// with the index of one of its signers that is not node0 (the CLI's node).
func signerOtherThanNode0(t *testing.T, id uint64) (tsstypes.Session, int) {
	t.Helper()
	sig := querySignature(t, id)
	for sig.SessionId == 0 {
		time.Sleep(200 * time.Millisecond)
		sig = querySignature(t, id)
	}
	session, err := tsstypes.NewQueryClient(grpcConn(t)).Session(context.Background(), &tsstypes.QuerySessionRequest{Id: sig.SessionId})
	require.NoError(t, err)
	victim := -1
	for _, p := range session.Session.Parties {
		for _, node := range net.Nodes {
			if node.ValAddr == p.Validator && node.Index != 0 {
				victim = node.Index
			}
		}
	}
	require.NotEqual(t, -1, victim, "some signer other than node0")
	return session.Session, victim
}

// TestE2EKillSignerMidSigning kills one signer of a running session with
// SIGKILL: the request completes on a retry without it; restarted, the
// validator later signs again with its persisted share.
func TestE2EKillSignerMidSigning(t *testing.T) {
	tokenID := mint(t, "alice")
	view := queryPKP(t, tokenID)
	id := requestSign(t, "alice", tokenID, digestOf("kill one signer"))
	session, victim := signerOtherThanNode0(t, id)
	require.NoError(t, net.KillNode(victim))
	t.Logf("killed node%d (%s) during session %d", victim, net.Nodes[victim].ValAddr, session.Id)

	signed := waitSigned(t, id, 5*time.Minute)
	verifyEthereumStyle(t, view, signed)
	require.Greater(t, signed.Attempts, uint32(1), "completed by a retry")
	retry, err := tsstypes.NewQueryClient(grpcConn(t)).Session(context.Background(), &tsstypes.QuerySessionRequest{Id: signed.SessionId})
	require.NoError(t, err)
	for _, p := range retry.Session.Parties {
		require.NotEqual(t, net.Nodes[victim].ValAddr, p.Validator, "the retry leaves the dead signer out")
	}

	require.NoError(t, net.StartNode(victim))
	h, err := net.Height(context.Background(), 0)
	require.NoError(t, err)
	require.NoError(t, net.WaitForHeight(victim, h, 3*time.Minute))
	// Sign until a completed session includes the restarted validator.
	for i := 0; i < 8; i++ {
		sid := requestSign(t, "alice", tokenID, digestOf(fmt.Sprintf("after restart %d", i)))
		done := waitSigned(t, sid, 5*time.Minute)
		verifyEthereumStyle(t, view, done)
		s, err := tsstypes.NewQueryClient(grpcConn(t)).Session(context.Background(), &tsstypes.QuerySessionRequest{Id: done.SessionId})
		require.NoError(t, err)
		for _, p := range s.Session.Parties {
			if p.Validator == net.Nodes[victim].ValAddr && p.Messages > 0 {
				t.Logf("restarted node%d signed again in session %d", victim, s.Session.Id)
				return
			}
		}
	}
	t.Fatalf("restarted node%d never took part in a completed signing session", victim)
}
