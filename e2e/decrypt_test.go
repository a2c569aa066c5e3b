package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cosmos/cosmos-sdk/types/query"

	abcitypes "github.com/litprotocol/litd/app/abci/types"
	actionstypes "github.com/litprotocol/litd/x/actions/types"
	"github.com/litprotocol/litd/x/pkp/client/cli"
	"github.com/litprotocol/litd/x/tss/tdh"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// encryptFile runs the offline `tx pkp encrypt` (root given, no node asked)
// on plaintext and returns the ciphertext file.
func encryptFile(t *testing.T, plaintext []byte, condFlags ...string) string {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "plain.bin"), filepath.Join(dir, "cipher.json")
	require.NoError(t, os.WriteFile(in, plaintext, 0o600))
	args := append([]string{"tx", "pkp", "encrypt", in, "--root", rootKey, "--output-file", out, "--node", "tcp://127.0.0.1:1"}, condFlags...)
	_, err := net.CLI(0, args...)
	require.NoError(t, err)
	bz, err := os.ReadFile(out)
	require.NoError(t, err)
	require.NotContains(t, string(bz), string(plaintext), "the ciphertext holds the plaintext")
	return out
}

// decryptFile runs `tx pkp decrypt` as from and returns the plaintext, or
// the command's error.
func decryptFile(t *testing.T, from, file string, extra ...string) ([]byte, error) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "plain.out")
	args := append([]string{"tx", "pkp", "decrypt", file, "--from", from, "--yes", "--gas", "400000", "--output-file", out, "--timeout", "90s"}, extra...)
	if _, err := net.CLI(0, args...); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}

func decryptionCount(t *testing.T) int {
	t.Helper()
	resp, err := tsstypes.NewQueryClient(grpcConn(t)).Decryptions(context.Background(),
		&tsstypes.QueryDecryptionsRequest{Pagination: &query.PageRequest{CountTotal: true}})
	require.NoError(t, err)
	return int(resp.Pagination.Total)
}

// decryptionBetween returns requester's latest decryption requested in the
// heights [from, to].
func decryptionBetween(t *testing.T, requester string, from, to int64) tsstypes.Decryption {
	t.Helper()
	list, err := tsstypes.NewQueryClient(grpcConn(t)).Decryptions(context.Background(), &tsstypes.QueryDecryptionsRequest{})
	require.NoError(t, err)
	var dec tsstypes.Decryption
	for _, d := range list.Decryptions {
		if d.Requester == requester && d.RequestHeight >= from && d.RequestHeight <= to {
			dec = d
		}
	}
	require.NotZero(t, dec.Id, "%s's decryption in %v", requester, list.Decryptions)
	return dec
}

// TestE2EDecryptOwnerOfPKP: a file encrypted offline to "owner of PKP X"
// decrypts for X's owner only, and ownership moves with a transfer. The
// shares travel sealed: no block's tx 0 holds one in the clear.
func TestE2EDecryptOwnerOfPKP(t *testing.T) {
	bob := fund(t, "decrypt-bob", "50000000ulit")
	alice, err := net.KeyAddress(0, "alice")
	require.NoError(t, err)
	tok := mint(t, "alice")
	plaintext := append([]byte("litd threshold decryption\x00\xff"), bytes.Repeat([]byte{0xab}, 3000)...)
	file := encryptFile(t, plaintext, "--owner-of", tok)
	identity, err := net.CLI(0, "query", "pkp", "identity", file)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(identity, "0x") && len(identity) == 66, identity)

	// The owner decrypts; the request's key is kept to look at the shares.
	keyFile := filepath.Join(t.TempDir(), "x25519.key")
	from, err := net.Height(context.Background(), 0)
	require.NoError(t, err)
	got, err := decryptFile(t, "alice", file, "--key-file", keyFile)
	require.NoError(t, err)
	require.Equal(t, plaintext, got)
	to, err := net.Height(context.Background(), 0)
	require.NoError(t, err)

	// A non-owner is refused with a clear error and no share is made.
	before := decryptionCount(t)
	_, err = decryptFile(t, "decrypt-bob", file)
	require.ErrorContains(t, err, "access conditions not met")
	require.ErrorContains(t, err, "does not own pkp")
	require.Equal(t, before, decryptionCount(t), "a refused request made a decryption")

	// Every share sealed to alice's key opens with it, and its point appears
	// in no block's tx 0 while the sealed bytes do.
	dec := decryptionBetween(t, alice, from, to)
	require.Equal(t, tsstypes.DECRYPTION_STATUS_SERVED, dec.Status)
	require.Greater(t, len(dec.Shares), int(dec.Threshold))
	priv, err := cli.ReadKeyFile(keyFile)
	require.NoError(t, err)
	var points, sealed [][]byte
	for _, sh := range dec.Shares {
		s, err := tdh.OpenShare(priv, tdh.ShareInfo(dec.Id, sh.Validator), sh.Sealed)
		require.NoError(t, err, "share of %s", sh.Validator)
		points = append(points, s.D, s.D[1:]) // compressed, and its x coordinate alone
		sealed = append(sealed, sh.Sealed)
	}
	last := dec.Shares[len(dec.Shares)-1].Height
	seen := 0
	for h := dec.RequestHeight; h <= last+1; h++ {
		txs, err := net.BlockTxs(context.Background(), 0, h)
		require.NoError(t, err)
		if len(txs) == 0 {
			continue
		}
		for _, p := range points {
			require.False(t, bytes.Contains(txs[0], p), "block %d's tx 0 holds a decryption share in the clear", h)
		}
		info, ok, err := net.InjectedCommit(context.Background(), 0, h)
		require.NoError(t, err)
		require.True(t, ok)
		for _, v := range info.Votes {
			if len(v.VoteExtension) == 0 {
				continue
			}
			ext, err := abcitypes.DecodeExtension(v.VoteExtension)
			require.NoError(t, err)
			if ext.Tss == nil {
				continue
			}
			for _, d := range ext.Tss.DecryptionShares {
				for _, p := range points {
					require.False(t, bytes.Contains(d.Sealed, p))
				}
				for _, s := range sealed {
					if bytes.Equal(s, d.Sealed) {
						seen++
					}
				}
			}
		}
	}
	require.GreaterOrEqual(t, seen, len(sealed), "every sealed share came through a committed tx 0")

	// After a transfer, the new owner decrypts and the old one is refused.
	mustTx(t, "alice", "pkp", "transfer", tok, bob)
	got, err = decryptFile(t, "decrypt-bob", file)
	require.NoError(t, err)
	require.Equal(t, plaintext, got)
	_, err = decryptFile(t, "alice", file)
	require.ErrorContains(t, err, "does not own pkp")

	// A tampered ciphertext is refused by the chain (its proof binds R to
	// the conditions), before any share is made.
	bz, err := os.ReadFile(file)
	require.NoError(t, err)
	tampered := filepath.Join(t.TempDir(), "tampered.json")
	require.NoError(t, os.WriteFile(tampered, bytes.Replace(bz, []byte(tok[2:10]), []byte("00000000"), 1), 0o600))
	before = decryptionCount(t)
	_, err = decryptFile(t, "decrypt-bob", tampered)
	require.ErrorContains(t, err, "invalid ciphertext header")
	require.Equal(t, before, decryptionCount(t))
}

// TestE2EDecryptActionCondition: the condition is a Lit Action's result over
// an attested fetch; an execution that responded true for this ciphertext's
// identity opens it, one that responded false, or that another account ran,
// does not.
func TestE2EDecryptActionCondition(t *testing.T) {
	var open atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if open.Load() {
			fmt.Fprint(w, `{"released": true}`)
			return
		}
		fmt.Fprint(w, `{"released": false}`)
	}))
	defer srv.Close()
	code := fmt.Sprintf(`(async () => {
  const r = await fetch(%q);
  const j = await r.json();
  Lit.Actions.setResponse({response: j.released === true && decryptionId.length === 66 ? "true" : "false"});
})();`, srv.URL+"/embargo")
	cid := upload(t, code)
	plaintext := []byte("released only when the embargo server says so")
	file := encryptFile(t, plaintext, "--conditions", fmt.Sprintf(`{"type":"CONDITION_TYPE_ACTION","ipfs_id":%q}`, cid))
	identity, err := net.CLI(0, "query", "pkp", "identity", file)
	require.NoError(t, err)
	params := fmt.Sprintf(`{"decryptionId":%q}`, identity)

	// The server says no: the action responds false, decryption is refused.
	closed := waitFinished(t, execute(t, cid, params), 4*time.Minute)
	require.Equal(t, actionstypes.EXECUTION_STATUS_COMPLETED, closed.Status, closed.Error)
	require.Equal(t, "false", closed.Result.Response)
	_, err = decryptFile(t, "alice", file, "--execution-ids", fmt.Sprint(closed.Id))
	require.ErrorContains(t, err, "completed with response true")

	// The server says yes: the same action now responds true and opens it.
	open.Store(true)
	yes := waitFinished(t, execute(t, cid, params), 4*time.Minute)
	require.Equal(t, actionstypes.EXECUTION_STATUS_COMPLETED, yes.Status, yes.Error)
	require.Equal(t, "true", yes.Result.Response)
	require.Len(t, yes.Fetches, 1, "the answer came through an attested fetch")
	got, err := decryptFile(t, "alice", file, "--execution-ids", fmt.Sprintf("%d,%d", closed.Id, yes.Id))
	require.NoError(t, err)
	require.Equal(t, plaintext, got)

	// Another account cannot ride on alice's execution, and an execution
	// for another identity does not count.
	fund(t, "decrypt-carol", "50000000ulit")
	_, err = decryptFile(t, "decrypt-carol", file, "--execution-ids", fmt.Sprint(yes.Id))
	require.ErrorContains(t, err, "access conditions not met")
	other := waitFinished(t, execute(t, cid, fmt.Sprintf(`{"decryptionId":"0x%s"}`, strings.Repeat("00", 32))), 4*time.Minute)
	require.Equal(t, "true", other.Result.Response)
	_, err = decryptFile(t, "alice", file, "--execution-ids", fmt.Sprint(other.Id))
	require.ErrorContains(t, err, "access conditions not met")
}
