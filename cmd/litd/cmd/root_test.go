package cmd

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The CLI's throwaway app must not touch the working directory: the upgrade
// keeper's upgrade-info.json lives under a node's home, which it has none of.
func TestRootCmdLeavesWorkingDirAlone(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	require.NotPanics(t, func() { NewRootCmd() })
	_, err := os.Stat(filepath.Join(dir, "data"))
	require.True(t, os.IsNotExist(err), "NewRootCmd created %s/data", dir)
	// Even a file named data, which the upgrade keeper could not read
	// through, changes nothing.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data"), nil, 0o600))
	require.NotPanics(t, func() { NewRootCmd() })
}
