package keeper

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRetryCommitteeKeepsTheBand: a retry may leave parties out only while
// the smaller committee has the same threshold (ThresholdFor), never down to
// a committee that needs all of its members.
func TestRetryCommitteeKeepsTheBand(t *testing.T) {
	v := []string{"a", "b", "c", "d", "e", "f", "g"}
	for _, tc := range []struct {
		name      string
		n         int
		leaveOut  []string
		bonded    []string
		keep      []string
		allBonded bool
	}{
		{"6 to 5 keeps t=3", 6, []string{"f"}, v, v[:5], true},
		{"6 to 4 would be t=2", 6, []string{"e", "f"}, v, nil, true},
		{"4 to 3 would be t=1", 4, []string{"d"}, v, nil, true},
		{"7 to 6 would be t=3", 7, []string{"g"}, v, nil, true},
		{"a departed party is left out too", 6, nil, v[:5], v[:5], false},
		{"departed beyond the band: nothing to retry with", 6, []string{"a"}, v[1:5], nil, false},
		{"nobody left out", 4, nil, v, v[:4], true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keep, all := retryCommittee(v[:tc.n], tc.leaveOut, tc.bonded, ThresholdFor(tc.n))
			require.Equal(t, tc.keep, keep)
			require.Equal(t, tc.allBonded, all)
		})
	}
}
