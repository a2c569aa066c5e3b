package e2e

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	actionsengine "github.com/litprotocol/litd/x/actions/engine"
	actionstypes "github.com/litprotocol/litd/x/actions/types"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// primeAction signs a number (as a 32-byte big-endian integer) only if it is prime.
const primeAction = `
(async () => {
  const n = number;
  let prime = n > 1;
  for (let i = 2; i * i <= n; i++) { if (n % i === 0) { prime = false; break; } }
  if (!prime) {
    Lit.Actions.setResponse({response: JSON.stringify({signed: false, reason: n + " is not prime"})});
    return;
  }
  const toSign = new Array(32).fill(0);
  let v = n;
  for (let i = 31; i >= 0 && v > 0; i--) { toSign[i] = v % 256; v = Math.floor(v / 256); }
  await Lit.Actions.signEcdsa({toSign, publicKey, sigName: "prime"});
  Lit.Actions.setResponse({response: JSON.stringify({signed: true, number: n})});
})();
`

func upload(t *testing.T, code string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "action.js")
	require.NoError(t, os.WriteFile(file, []byte(code), 0o600))
	offline, err := net.CLI(0, "query", "actions", "cid", file)
	require.NoError(t, err)
	res, err := net.Tx(0, "alice", "actions", "upload", file)
	require.NoError(t, err)
	require.Zero(t, res.Code, res.RawLog)
	cid := res.Attr("lit.actions.v1.EventActionUploaded", "cid")
	if cid == "" { // uploaded before by another test: the CID is the offline one
		cid = offline
	}
	require.True(t, strings.HasPrefix(cid, "Qm"), cid)
	require.Equal(t, offline, cid, "the chain and the offline CID agree")
	return cid
}

func execute(t *testing.T, cid, jsParams string) uint64 {
	t.Helper()
	return executeAs(t, "alice", cid, "--js-params", jsParams)
}

// executeAs runs `litd tx actions execute args...` as account from and returns the execution id.
func executeAs(t *testing.T, from string, args ...string) uint64 {
	t.Helper()
	res, err := net.Tx(0, from, append([]string{"actions", "execute"}, args...)...)
	require.NoError(t, err)
	require.Zero(t, res.Code, res.RawLog)
	id, err := strconv.ParseUint(res.Attr("lit.actions.v1.EventExecutionRequested", "execution_id"), 10, 64)
	require.NoError(t, err)
	return id
}

func queryExecution(t *testing.T, id uint64) actionstypes.Execution {
	return ask(t, tripleQuery[*actionstypes.QueryExecutionResponse]{
		cli: []string{"actions", "execution", fmt.Sprint(id)}, rest: fmt.Sprintf("/lit/actions/v1/executions/%d", id),
		grpc: func(ctx context.Context, c *grpc.ClientConn) (*actionstypes.QueryExecutionResponse, error) {
			return actionstypes.NewQueryClient(c).Execution(ctx, &actionstypes.QueryExecutionRequest{Id: id})
		},
		new: func() *actionstypes.QueryExecutionResponse { return new(actionstypes.QueryExecutionResponse) },
	}).Execution
}

// waitFinished polls an execution until it is completed or failed.
func waitFinished(t *testing.T, id uint64, timeout time.Duration) actionstypes.Execution {
	t.Helper()
	client := actionstypes.NewQueryClient(grpcConn(t))
	deadline := time.Now().Add(timeout)
	for {
		resp, err := client.Execution(context.Background(), &actionstypes.QueryExecutionRequest{Id: id})
		require.NoError(t, err)
		if s := resp.Execution.Status; s == actionstypes.EXECUTION_STATUS_COMPLETED || s == actionstypes.EXECUTION_STATUS_FAILED {
			return queryExecution(t, id)
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %d not finished after %s: %+v", id, timeout, resp.Execution)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func TestE2EPrimeActionMintGrantBurn(t *testing.T) {
	cid := upload(t, primeAction)
	res, err := net.Tx(0, "alice", "pkp", "mint-grant-burn", cid)
	require.NoError(t, err)
	require.Zero(t, res.Code, res.RawLog)
	tokenID := res.Attr("lit.pkp.v1.EventPKPMinted", "token_id")
	view := queryPKP(t, tokenID)

	prov := provenance(t, tokenID)
	require.True(t, prov.MintGrantBurn)
	require.Equal(t, cid, prov.ActionCid)

	// 7919 is prime: the action signs it with the MGB PKP.
	e := waitFinished(t, execute(t, cid, fmt.Sprintf(`{"number":7919,"publicKey":%q}`, view.Pkp.Pubkey)), 4*time.Minute)
	require.Equal(t, actionstypes.EXECUTION_STATUS_COMPLETED, e.Status, e.Error)
	require.Contains(t, e.Result.Response, `"signed":true`)
	require.Len(t, e.Result.SignRequests, 1)
	sr := e.Result.SignRequests[0]
	require.Empty(t, sr.Error)
	require.Equal(t, tokenID, sr.TokenId)
	want := make([]byte, 32)
	big.NewInt(7919).FillBytes(want)
	require.Equal(t, "0x"+fmt.Sprintf("%x", want), sr.ToSign)
	sig := querySignature(t, sr.SignatureId)
	require.Equal(t, tsstypes.SIGNATURE_STATUS_SIGNED, sig.Status)
	require.Equal(t, "action:"+cid, sig.Requester)
	verifyEthereumStyle(t, view, sig)

	// Anyone can re-run it from chain state alone and get the same bytes.
	id := e.Id
	out, err := net.CLI(0, "query", "actions", "replay", fmt.Sprint(id), "--output", "json")
	require.NoError(t, err, out)
	var replay actionstypes.ReplayReport
	require.NoError(t, enc.Codec.UnmarshalJSON([]byte(out), &replay), out)
	require.True(t, replay.Match)
	require.Equal(t, e.ResultDigest, replay.ReplayedDigest)
	require.Equal(t, e.Result.Response, replay.Result.Response)

	// One call answers the seed's three checks, over the CLI and REST alike.
	v := verify(t, sr.SignatureId, true)
	require.True(t, v.Verified, "%+v", v)
	require.True(t, v.SignatureValid)
	require.Equal(t, view.EthAddress, v.RecoveredAddress)
	require.Equal(t, view.EthAddress, v.PkpEthAddress)
	require.True(t, v.ActionMade)
	require.Equal(t, cid, v.ActionCid)
	require.True(t, v.CidMatchesCode)
	require.Equal(t, fmt.Sprintf("%x", sha256.Sum256([]byte(primeAction))), v.CodeSha256)
	require.True(t, v.MintGrantBurn)
	require.True(t, v.OnlyAction)
	require.True(t, v.Replay.Match)
	require.Equal(t, e.ResultDigest, v.Replay.RecordedDigest)
	require.Equal(t, e.Id, v.ExecutionId)

	// A signature the owner asked for directly is valid, but not made by an action.
	owned := mint(t, "alice")
	own := waitSigned(t, requestSign(t, "alice", owned, digestOf("owner signs")), 3*time.Minute)
	v = verify(t, own.Id, false)
	require.True(t, v.SignatureValid)
	require.Equal(t, queryPKP(t, owned).EthAddress, v.RecoveredAddress)
	require.False(t, v.ActionMade)
	require.False(t, v.MintGrantBurn)
	require.False(t, v.Verified)
	require.Contains(t, v.Replay.Error, "not made by an action")

	// 7917 = 7 * 1131: no signature, and the response says why.
	e = waitFinished(t, execute(t, cid, fmt.Sprintf(`{"number":7917,"publicKey":%q}`, view.Pkp.Pubkey)), 4*time.Minute)
	require.Equal(t, actionstypes.EXECUTION_STATUS_COMPLETED, e.Status, e.Error)
	require.Empty(t, e.Result.SignRequests)
	require.Contains(t, e.Result.Response, "7917 is not prime")
}

// verify asks the REST route (until the node's replay is done) and `litd q actions verify`, which
// replays locally and exits 1 unless verified; when verified, both give the same answer.
func verify(t *testing.T, sigID uint64, verified bool) *actionstypes.QueryVerifyResponse {
	t.Helper()
	var rest actionstypes.QueryVerifyResponse
	deadline := time.Now().Add(time.Minute)
	for {
		code, body := restGet(t, fmt.Sprintf("/lit/actions/v1/signatures/%d/verify", sigID))
		require.Equal(t, 200, code, string(body))
		rest = actionstypes.QueryVerifyResponse{}
		require.NoError(t, enc.Codec.UnmarshalJSON(body, &rest), string(body))
		if rest.Replay.Error != actionsengine.ReplayPending {
			break
		}
		require.True(t, time.Now().Before(deadline), "node replay still pending: %s", body)
		time.Sleep(500 * time.Millisecond)
	}
	out, err := net.CLI(0, "query", "actions", "verify", fmt.Sprint(sigID), "--output", "json")
	if !verified {
		require.ErrorContains(t, err, "is not verified")
		require.False(t, rest.Verified)
		return &rest
	}
	require.NoError(t, err, out)
	var cli actionstypes.QueryVerifyResponse
	require.NoError(t, enc.Codec.UnmarshalJSON([]byte(out), &cli), out)
	require.Equal(t, cli, rest, "the CLI's local replay and the node's agree")
	return &rest
}

func TestE2EActionPermissionDenied(t *testing.T) {
	cid := upload(t, primeAction)
	other := mint(t, "alice") // permits no action
	view := queryPKP(t, other)
	e := waitFinished(t, execute(t, cid, fmt.Sprintf(`{"number":13,"publicKey":%q}`, view.Pkp.Pubkey)), 4*time.Minute)
	require.Equal(t, actionstypes.EXECUTION_STATUS_COMPLETED, e.Status, e.Error)
	require.Len(t, e.Result.SignRequests, 1)
	require.Zero(t, e.Result.SignRequests[0].SignatureId)
	require.Contains(t, e.Result.SignRequests[0].Error, "does not permit action")
}

func TestE2EActionFetches(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		switch r.URL.Path {
		case "/price":
			fmt.Fprint(w, `{"price": 42}`)
		case "/a", "/b", "/c":
			fmt.Fprint(w, strings.TrimPrefix(r.URL.Path, "/"))
		case "/divergent":
			fmt.Fprintf(w, "you are caller %d", n) // every validator sees something else
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	// Identical responses are attested and used.
	code := fmt.Sprintf(`(async () => {
  const r = await fetch(%q);
  const j = await r.json();
  Lit.Actions.setResponse({response: "price=" + j.price});
})();`, srv.URL+"/price")
	e := waitFinished(t, execute(t, upload(t, code), `{}`), 4*time.Minute)
	require.Equal(t, actionstypes.EXECUTION_STATUS_COMPLETED, e.Status, e.Error)
	require.Equal(t, "price=42", e.Result.Response)
	require.Len(t, e.Fetches, 1)
	require.Empty(t, e.Fetches[0].Error)
	require.EqualValues(t, 200, e.Fetches[0].Response.Status)

	// Promise.all of 3 fetches, attested in one round.
	code = fmt.Sprintf(`(async () => {
  const rs = await Promise.all([%q, %q, %q].map(u => fetch(u).then(r => r.text())));
  Lit.Actions.setResponse({response: rs.join(",")});
})();`, srv.URL+"/a", srv.URL+"/b", srv.URL+"/c")
	e = waitFinished(t, execute(t, upload(t, code), `{}`), 4*time.Minute)
	require.Equal(t, actionstypes.EXECUTION_STATUS_COMPLETED, e.Status, e.Error)
	require.Equal(t, "a,b,c", e.Result.Response)
	require.Len(t, e.Fetches, 3)

	// A server that answers each validator differently: the fetch fails
	// with a clear error, the action sees it, the chain goes on.
	code = fmt.Sprintf(`(async () => {
  try { await fetch(%q); Lit.Actions.setResponse({response: "unexpected"}); }
  catch (e) { Lit.Actions.setResponse({response: "fetch failed: " + e.message}); }
})();`, srv.URL+"/divergent")
	e = waitFinished(t, execute(t, upload(t, code), `{}`), 4*time.Minute)
	require.Equal(t, actionstypes.EXECUTION_STATUS_COMPLETED, e.Status, e.Error)
	require.Len(t, e.Fetches, 1)
	require.Contains(t, e.Fetches[0].Error, "did not see the same response")
	require.Contains(t, e.Result.Response, "fetch failed:")
}

// TestE2EActionLimits: limits the action itself breaks, and fetches refused before any socket
// opens, end FAILED with their reason on every validator alike (resource exhaustion is
// TestE2EActionsCannotHurtValidators).
func TestE2EActionLimits(t *testing.T) {
	for _, tc := range []struct{ name, code, want string }{
		{"deep recursion", `function f(n) { return f(n + 1) + 1; } f(0);`, "stack overflow"},
		{"1000 fetches", `(async () => {
  let last;
  for (let i = 0; i < 1000; i++) { try { await fetch("http://127.0.0.1:1/"); } catch (e) { last = e; } }
  throw last;
})();`, "fetch limit"},
		{"huge response", `Lit.Actions.setResponse({response: "x".repeat(1 << 20)});`, "response too large"},
		{"throws", `throw new Error("boom");`, "boom"},
		{"cloud metadata", `(async () => { await fetch("http://169.254.169.254/latest/meta-data/"); })();`, "destination not allowed"},
		{"private network", `(async () => { await fetch("http://10.0.0.1/"); })();`, "destination not allowed"},
		{"NAT64 of loopback", `(async () => { await fetch("http://[64:ff9b::7f00:1]/"); })();`, "destination not allowed"},
		{"6to4 of a private address", `(async () => { await fetch("http://[2002:a00:1::1]/"); })();`, "destination not allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := waitFinished(t, execute(t, upload(t, tc.code), `{}`), 4*time.Minute)
			require.Equal(t, actionstypes.EXECUTION_STATUS_FAILED, e.Status)
			require.Contains(t, e.Error, tc.want)
		})
	}
}
