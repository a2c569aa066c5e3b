package engine

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/log/v2"

	abcitypes "github.com/litprotocol/litd/app/abci/types"
	"github.com/litprotocol/litd/x/actions/types"
)

// Params bound a fetch report and a result apart, not together: a fetch
// report whose live result would not fit the extension goes without it (the
// result follows after the final run), rather than never going.
func TestFetchReportTooBigGoesWithoutLiveResult(t *testing.T) {
	p := types.DefaultParams()
	p.MaxResponseBytes, p.MaxLogBytes = 128<<10, 128<<10
	require.NoError(t, p.Validate())
	body := []byte(strings.Repeat("x", int(p.MaxFetchBodyBytes)))
	var fs []types.Fetch
	for range p.MaxFetches {
		fs = append(fs, types.Fetch{
			Request:  types.FetchRequest{Method: "POST", Url: "https://example.com/a", Body: body},
			Response: &types.FetchResponse{Status: 200, Body: body},
		})
	}
	res := types.Result{Response: strings.Repeat("r", int(p.MaxResponseBytes)), Logs: []string{strings.Repeat("l", int(p.MaxLogBytes))}}
	budget := (abcitypes.MaxExtensionBytes - 256) / 2
	with := &types.FetchReport{ExecutionId: 1, Fetches: fs, LiveResult: &res}
	require.Greater(t, with.Size(), budget)

	e := New(log.NewNopLogger(), Config{}, nil)
	e.ready[phaseKey{1, types.EXECUTION_STATUS_FETCHING}] = &report{fetch: with}
	sec := e.ExtensionSection(10, budget)
	require.NotNil(t, sec)
	require.Len(t, sec.FetchReports, 1)
	require.Equal(t, fs, sec.FetchReports[0].Fetches)
	require.Nil(t, sec.FetchReports[0].LiveResult)
	require.NotNil(t, with.LiveResult, "the stored report keeps it")

	// A small one goes with its live result.
	small := &types.FetchReport{ExecutionId: 2, Fetches: fs[:1], LiveResult: &types.Result{Response: "ok"}}
	e.ready[phaseKey{2, types.EXECUTION_STATUS_FETCHING}] = &report{fetch: small}
	sec = e.ExtensionSection(20, budget)
	require.NotNil(t, sec)
	for _, r := range sec.FetchReports {
		if r.ExecutionId == 2 {
			require.NotNil(t, r.LiveResult)
		}
	}
}
