package faults

import (
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/log/v2"
)

// A release build ignores LITD_FAULTS; only a -tags litd_faults build obeys.
func TestFromEnv(t *testing.T) {
	t.Setenv(EnvVar, ForgeTx0+","+Replay)
	in, err := FromEnv(log.NewNopLogger())
	require.NoError(t, err)
	require.Equal(t, built, in != nil)
	if built {
		require.True(t, in.has(ForgeTx0) && in.has(Replay) && !in.has(Malformed))
	}
	t.Setenv(EnvVar, "")
	in, err = FromEnv(log.NewNopLogger())
	require.NoError(t, err)
	require.Nil(t, in)
}
