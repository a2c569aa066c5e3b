package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	actionstypes "github.com/litprotocol/litd/x/actions/types"
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
