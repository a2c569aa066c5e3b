package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	actionstypes "github.com/litprotocol/litd/x/actions/types"
	"github.com/litprotocol/litd/x/pkp/client/cli"
	"github.com/litprotocol/litd/x/tss/tdh"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// restartAndCatchUp starts node i again and waits until it is at node0's height.
func restartAndCatchUp(t *testing.T, i int) {
	t.Helper()
	require.NoError(t, net.StartNode(i))
	h, err := net.Height(context.Background(), 0)
	require.NoError(t, err)
	require.NoError(t, net.WaitForHeight(i, h, 3*time.Minute))
}

// TestE2EKillDuringActionFetch kills a validator while the action's fetch is
// in flight: the other three hold > 2/3 of the power, attest the fetch and
// finish the execution; the killed node restarts and catches up.
func TestE2EKillDuringActionFetch(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-time.After(20 * time.Second):
		}
		fmt.Fprint(w, "slow but steady")
	}))
	defer srv.Close()
	code := fmt.Sprintf(`(async () => { Lit.Actions.setResponse({response: await (await fetch(%q)).text()}); })();`, srv.URL)
	id := execute(t, upload(t, code), `{}`)
	require.NoError(t, net.KillNode(3))
	close(release)

	e := waitFinished(t, id, 4*time.Minute)
	require.Equal(t, actionstypes.EXECUTION_STATUS_COMPLETED, e.Status, e.Error)
	require.Equal(t, "slow but steady", e.Result.Response)
	restartAndCatchUp(t, 3)
}

// TestE2EPauseSignerPastDeadline stops a signer (SIGSTOP) until its session's
// deadline passes: the request completes on a retry without it; resumed, the
// node catches up.
func TestE2EPauseSignerPastDeadline(t *testing.T) {
	tokenID := mint(t, "alice")
	view := queryPKP(t, tokenID)
	id := requestSign(t, "alice", tokenID, digestOf("pause one signer"))
	session, victim := signerOtherThanNode0(t, id)
	require.NoError(t, net.SignalNode(victim, syscall.SIGSTOP))
	resumed := false
	defer func() {
		if !resumed {
			_ = net.SignalNode(victim, syscall.SIGCONT)
		}
	}()
	t.Logf("paused node%d during session %d (deadline %d)", victim, session.Id, session.DeadlineHeight)

	signed := waitSigned(t, id, 5*time.Minute)
	verifyEthereumStyle(t, view, signed)
	require.Greater(t, signed.Attempts, uint32(1), "completed by a retry")

	require.NoError(t, net.SignalNode(victim, syscall.SIGCONT))
	resumed = true
	h, err := net.Height(context.Background(), 0)
	require.NoError(t, err)
	require.NoError(t, net.WaitForHeight(victim, h, 3*time.Minute))
}

// TestE2EKillDuringDecryption kills a validator (SIGKILL) just before a
// decryption is requested: the other three serve it (t+1 shares suffice),
// the owner reads the file and the node that was down is not faulted for
// it; restarted, the node catches up and serves the next request with a
// share that opens with the requester's key.
func TestE2EKillDuringDecryption(t *testing.T) {
	alice, err := net.KeyAddress(0, "alice")
	require.NoError(t, err)
	plaintext := []byte("one validator down, the file still opens")
	file := encryptFile(t, plaintext, "--owner-of", mint(t, "alice"))
	restarted := net.Nodes[3].ValAddr

	require.NoError(t, net.KillNode(3))
	from, err := net.Height(context.Background(), 0)
	require.NoError(t, err)
	got, err := decryptFile(t, "alice", file)
	require.NoError(t, err)
	require.Equal(t, plaintext, got)
	to, err := net.Height(context.Background(), 0)
	require.NoError(t, err)
	whileDown := decryptionBetween(t, alice, from, to).SessionId
	q := tsstypes.NewQueryClient(grpcConn(t))
	var closed *tsstypes.Session
	require.Eventually(t, func() bool {
		s, err := q.Session(context.Background(), &tsstypes.QuerySessionRequest{Id: whileDown})
		if err == nil && s.Session.Status != tsstypes.SESSION_STATUS_OPEN {
			closed = &s.Session
		}
		return closed != nil
	}, time.Minute, time.Second, "session %d never closed", whileDown)
	for _, p := range closed.Parties {
		require.False(t, p.Validator == restarted && p.Faults > 0, "the node that was down was faulted: %s", p.LastFault)
	}

	restartAndCatchUp(t, 3)
	keyFile := filepath.Join(t.TempDir(), "x25519.key")
	from, err = net.Height(context.Background(), 0)
	require.NoError(t, err)
	got, err = decryptFile(t, "alice", file, "--key-file", keyFile)
	require.NoError(t, err)
	require.Equal(t, plaintext, got)
	to, err = net.Height(context.Background(), 0)
	require.NoError(t, err)

	// The restarted node's share may follow the t+1 that served the request.
	priv, err := cli.ReadKeyFile(keyFile)
	require.NoError(t, err)
	var dec tsstypes.Decryption
	var share *tsstypes.SealedShare
	require.Eventually(t, func() bool {
		dec = decryptionBetween(t, alice, from, to)
		for _, sh := range dec.Shares {
			if sh.Validator == restarted {
				share = &sh
			}
		}
		return share != nil
	}, time.Minute, time.Second, "the restarted node served no share")
	_, err = tdh.OpenShare(priv, tdh.ShareInfo(dec.Id, share.Validator), share.Sealed)
	require.NoError(t, err, "the restarted node's share")
}
