package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestE2EWaitTx checks litd's own `query wait-tx`: it finds a tx that is
// already indexed (the case the SDK's subscribe-then-look-once version could
// miss), and fails with a clear error on an unknown or malformed hash.
func TestE2EWaitTx(t *testing.T) {
	res, err := net.Tx(0, "alice", "pkp", "mint")
	require.NoError(t, err)
	require.Zero(t, res.Code, res.RawLog)

	again, err := net.WaitTx(1, res.TxHash)
	require.NoError(t, err)
	require.Equal(t, res.Height, again.Height)
	require.Equal(t, res.Attr("lit.pkp.v1.EventPKPMinted", "token_id"), again.Attr("lit.pkp.v1.EventPKPMinted", "token_id"))
	out, err := net.CLI(1, "query", "wait-tx", res.TxHash, "--output", "json")
	require.NoError(t, err)
	var full struct {
		Timestamp string          `json:"timestamp"`
		Tx        json.RawMessage `json:"tx"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &full))
	require.NotEmpty(t, full.Timestamp, "the result carries the block time, like query tx")
	require.Contains(t, string(full.Tx), "/lit.pkp.v1.MsgMint")

	unknown := strings.Repeat("AB", 32)
	_, err = net.CLI(0, "query", "wait-tx", unknown, "--timeout", "2s")
	require.ErrorContains(t, err, "timed out after 2s waiting for transaction "+unknown)
	_, err = net.CLI(0, "query", "wait-tx", "not-a-hash")
	require.ErrorContains(t, err, "invalid transaction hash")
}
