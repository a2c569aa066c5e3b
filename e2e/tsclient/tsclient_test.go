package tsclient

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestTypeScriptClient runs `npm test` in ts/ (typecheck, then every test
// file) against node0, with the funded keys in LITD_TEST_KEYS.
func TestTypeScriptClient(t *testing.T) {
	node := net.Nodes[0]
	env := []string{
		"LITD_RPC=http://" + strings.TrimPrefix(node.RPC(), "tcp://"),
		"LITD_REST=" + node.REST(),
		"LITD_GRPC=" + node.GRPC(),
		"LITD_CHAIN_ID=" + net.Cfg.ChainID,
		"LITD_TEST_KEYS=" + strings.Join(keys, ","),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	start := time.Now()
	require.NoError(t, npm(ctx, env, "test"))
	t.Logf("npm test took %s", time.Since(start).Round(time.Second))
}

// TestGeneratedTypesAreCurrent regenerates the TypeScript types from proto/
// into a temporary directory with `make proto-gen-ts` (the pinned buf and
// ts-proto) and requires ts/src/generated to be identical, file for file
// and byte for byte.
func TestGeneratedTypesAreCurrent(t *testing.T) {
	tmp := t.TempDir()
	cmd := exec.Command("make", "-s", "proto-gen-ts", "TS_GEN_ROOT="+tmp)
	cmd.Dir = repoRoot()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	want := readTree(t, filepath.Join(repoRoot(), "ts", "src", "generated"))
	got := readTree(t, filepath.Join(tmp, "ts", "src", "generated"))
	require.NotEmpty(t, want)
	for name := range want {
		_, ok := got[name]
		require.True(t, ok, "%s is committed but proto/ no longer generates it: run make proto-gen-ts", name)
	}
	for name, b := range got {
		committed, ok := want[name]
		require.True(t, ok, "%s is generated but not committed: run make proto-gen-ts", name)
		require.True(t, bytes.Equal(committed, b), "%s differs from what proto/ generates: run make proto-gen-ts", name)
	}
}

// readTree maps every file under root (by relative path) to its content.
func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		if files[rel], err = os.ReadFile(path); err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		return nil
	})
	require.NoError(t, err)
	return files
}
