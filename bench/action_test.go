package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/litprotocol/litd/testutil/network"
	"github.com/litprotocol/litd/x/actions/sandbox"
	actionstypes "github.com/litprotocol/litd/x/actions/types"
	"github.com/litprotocol/litd/x/actions/worker"
)

// benchAction fetches a number from a local server and signs it with the
// PKP it is given: one attested fetch and one threshold signature.
const benchAction = `(async () => {
  const n = Number(await (await fetch(url)).text());
  const toSign = new Array(32).fill(0);
  for (let i = 31, v = n; i >= 0 && v > 0; i--, v = Math.floor(v / 256)) toSign[i] = v % 256;
  await Lit.Actions.signEcdsa({toSign, publicKey, sigName: "n"});
  Lit.Actions.setResponse({response: "signed " + n});
})();`

// actionEndToEnd uploads benchAction, Mint/Grant/Burns a PKP to it and runs
// it n times in a row. Per run it returns the wall time from submitting
// MsgExecuteAction to seeing COMPLETED (inclusion included), and the blocks
// from the execution's height to the height at which COMPLETED was seen.
func (c *chain) actionEndToEnd(b *testing.B, n int) (wall []time.Duration, blocks []int64) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "7919") }))
	defer srv.Close()
	file := filepath.Join(c.dir, "bench-action.js")
	if err := os.WriteFile(file, []byte(benchAction), 0o600); err != nil {
		b.Fatal(err)
	}
	res, err := c.Tx(0, network.Alice, "actions", "upload", file)
	if err != nil || res.Code != 0 {
		b.Fatalf("upload: %v %s", err, res.RawLog)
	}
	cid := res.Attr("lit.actions.v1.EventActionUploaded", "cid")
	res, err = c.Tx(0, network.Alice, "pkp", "mint-grant-burn", cid)
	if err != nil || res.Code != 0 {
		b.Fatalf("mint-grant-burn: %v %s", err, res.RawLog)
	}
	pubkey := res.Attr("lit.pkp.v1.EventPKPMinted", "pubkey")
	query := actionstypes.NewQueryClient(c.conn)
	for range n {
		begin := time.Now()
		res, err := c.Tx(0, network.Alice, "actions", "execute", cid,
			"--js-params", fmt.Sprintf(`{"url":%q,"publicKey":%q}`, srv.URL, pubkey))
		if err != nil || res.Code != 0 {
			b.Fatalf("execute: %v %s", err, res.RawLog)
		}
		id, err := strconv.ParseUint(res.Attr("lit.actions.v1.EventExecutionRequested", "execution_id"), 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		for {
			ctx, cancel := ctxTimeout(10 * time.Second)
			resp, err := query.Execution(ctx, &actionstypes.QueryExecutionRequest{Id: id})
			cancel()
			if err != nil {
				b.Fatal(err)
			}
			e := resp.Execution
			if e.Status == actionstypes.EXECUTION_STATUS_FAILED {
				b.Fatalf("execution %d failed: %s", id, e.Error)
			}
			if e.Status == actionstypes.EXECUTION_STATUS_COMPLETED {
				h, err := c.height()
				if err != nil {
					b.Fatal(err)
				}
				wall = append(wall, time.Since(begin))
				blocks = append(blocks, h-e.Height)
				break
			}
			if time.Since(begin) > 5*time.Minute {
				b.Fatalf("execution %d still %s after 5 minutes", id, e.Status)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return wall, blocks
}

// actionWorker measures what running an action out of process costs: the same trivial action run
// n times in process (sandbox.Run, as before the worker existed) and in fresh `litd
// actions-worker` processes (what validators do now), sequentially, with the CPU both spend.
func actionWorker(b *testing.B) {
	const n = 20
	bin := litdBin(b, b.TempDir())
	env := sandbox.Env{Code: `Lit.Actions.setResponse({response: "ok " + Math.random()})`, Now: time.Unix(1, 0).UTC()}
	measure := func(run func() sandbox.Result) (time.Duration, time.Duration) {
		start, cpu0 := time.Now(), selfCPU()+childCPU()
		for range n {
			if r := run(); r.Error != "" || r.Response == "" {
				b.Fatalf("action run: %+v", r)
			}
		}
		return time.Since(start) / n, (selfCPU() + childCPU() - cpu0) / n
	}
	inWall, inCPU := measure(func() sandbox.Result { return sandbox.Run(context.Background(), env) })
	runner := &worker.Runner{Bin: bin}
	wWall, wCPU := measure(func() sandbox.Result { return runner.Run(context.Background(), env) })
	report(b, "raw.action.inprocess", "trivial action in process (sandbox.Run): wall per run", millis(inWall), "inproc-ms")
	report(b, "raw.action.worker", "same action in a fresh litd actions-worker: wall per run", millis(wWall), "worker-ms")
	report(b, "raw.action.worker.start", "worker start-up cost per run (worker - in process)", millis(wWall-inWall), "start-ms")
	report(b, "raw.action.worker.cpu", "worker: CPU per run, parent and child", millis(wCPU), "worker-cpu-ms")
	report(b, "raw.action.inprocess.cpu", "in process: CPU per run", millis(inCPU), "inproc-cpu-ms")
}
