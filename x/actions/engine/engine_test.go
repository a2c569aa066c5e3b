package engine

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/log/v2"

	"github.com/litprotocol/litd/x/actions/keeper"
	"github.com/litprotocol/litd/x/actions/sandbox"
	"github.com/litprotocol/litd/x/actions/types"
)

// panicReads is state whose every read panics, as the SDK's stores do on an exhausted gas meter or a
// failed IAVL read.
type panicReads struct{ *sandbox.RecordedPermissions }

func (panicReads) IsPermittedAction(string, string) (bool, error) {
	panic("out of gas in location: ReadFlat")
}

// A panic on the validator's side of a run — reading state in the parent, or the engine's own code
// — ends that run with the canonical crash report; the engine (and the validator) goes on.
func TestValidatorSidePanicIsACrash(t *testing.T) {
	crash := sandbox.CrashError()
	code := `Lit.Actions.isPermittedAction({tokenId: '0x01', ipfsId: 'QmA'}).then(() => {}, () => {})`
	exec := types.Execution{Id: 1, Cid: "QmA", JsParams: "{}", Status: types.EXECUTION_STATUS_FETCHING, BlockTimeUnix: 1}
	job := keeper.Job{Execution: exec, Code: code, Params: types.DefaultParams()}

	for name, perms := range map[string]PermissionsAt{
		"state read":  func(int64) sandbox.Permissions { return panicReads{} },
		"engine code": func(int64) sandbox.Permissions { panic("bug") },
	} {
		t.Run(name, func(t *testing.T) {
			e := New(log.NewNopLogger(), Config{}, perms)
			sec := waitReport(t, e, 10, job)
			require.Len(t, sec.FetchReports, 1)
			live := sec.FetchReports[0].LiveResult
			require.NotNil(t, live)
			require.Equal(t, crash, live.Error)
			require.Empty(t, live.Reads)

			running := job
			running.Execution.Status = types.EXECUTION_STATUS_RUNNING
			running.Execution.Id = 2
			sec = waitReport(t, e, 11, running)
			require.Len(t, sec.ResultReports, 1)
			require.Equal(t, crash, sec.ResultReports[0].Result.Error)
		})
	}
}
