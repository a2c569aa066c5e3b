package engine

import (
	"os"
	"testing"

	"github.com/litprotocol/litd/x/actions/worker"
)

// The test binary is its own actions worker (the engine starts os.Executable()).
func TestMain(m *testing.M) {
	worker.ServeIfWorker()
	os.Exit(m.Run())
}
