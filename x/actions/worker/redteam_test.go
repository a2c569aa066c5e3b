package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/litprotocol/litd/x/actions/sandbox"
)

// panicPerms is state that panics when read, as the SDK's stores do on an
// out-of-gas meter (query-gas-limit) or an IAVL read error.
type panicPerms struct{ *perms }

func (panicPerms) PermittedAuthMethods(string) ([]sandbox.AuthMethod, error) {
	panic("out of gas in location: ReadFlat; gasWanted: 300000, gasUsed: 300001")
}

// FINDING (medium): Runner.Run says it never panics, but it serves a worker's
// permission read (parent.perm, runner.go:248) on its own goroutine without a
// recover: a panic in the state read escapes Run. In the validator, Run runs
// on the engine's goroutine (engine.run), so the panic ends the litd process.
// Any account triggers the read from an action it executes.
func TestPermissionReadPanicEscapesRunnerFinding(t *testing.T) {
	e := env(`Lit.Actions.getPermittedAuthMethods({tokenId: '0x01'}).then(() => {}, () => {})`, sandbox.Limits{Timeout: 5 * time.Second})
	e.Permissions = panicPerms{&perms{}}
	require.Panics(t, func() { runner().Run(context.Background(), e) })
}
