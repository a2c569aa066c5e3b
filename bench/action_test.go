package bench

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/litprotocol/litd/testutil/network"
	actionstypes "github.com/litprotocol/litd/x/actions/types"
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
