// Command litd is the litd node and client: `litd start` runs a validator,
// `litd tx pkp ...` and `litd q pkp ...` talk to a chain.
package main

import (
	"fmt"
	"os"
	"time"

	svrcmd "github.com/cosmos/cosmos-sdk/server/cmd"

	"github.com/litprotocol/litd/app"
	"github.com/litprotocol/litd/cmd/litd/cmd"
	"github.com/litprotocol/litd/x/actions/worker"
)

func main() {
	// Lit Actions' local-time Date methods read time.Local; every validator
	// must compute the same result, so the process runs in UTC.
	time.Local = time.UTC
	// A Lit Actions worker process (x/actions/worker) runs one action and exits; it never becomes a node.
	worker.ServeIfWorker()
	if err := svrcmd.Execute(cmd.NewRootCmd(), "LITD", app.DefaultNodeHome); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
