package e2e

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/stretchr/testify/require"

	txtypes "github.com/cosmos/cosmos-sdk/types/tx"

	abcitypes "github.com/litprotocol/litd/app/abci/types"
)

// TestE2ETx0IsAPlainTx reads tx 0 of recent blocks as a block explorer
// would: a standard Cosmos TxRaw with one message, the extended commit under
// CometBFT's own type URL, no auth info and no signatures. Sent back to a
// node as a transaction it is refused by CheckTx, and the chain goes on.
func TestE2ETx0IsAPlainTx(t *testing.T) {
	ctx := context.Background()
	h, err := net.Height(ctx, 0)
	require.NoError(t, err)
	var info abci.ExtendedCommitInfo
	for height := h - 5; height <= h; height++ {
		txs, err := net.BlockTxs(ctx, 0, height)
		require.NoError(t, err)
		require.NotEmpty(t, txs, "block %d has tx 0", height)
		var raw txtypes.TxRaw
		require.NoError(t, raw.Unmarshal(txs[0]), "block %d", height)
		require.Empty(t, raw.AuthInfoBytes)
		require.Empty(t, raw.Signatures)
		var body txtypes.TxBody
		require.NoError(t, body.Unmarshal(raw.BodyBytes))
		require.Len(t, body.Messages, 1)
		require.Equal(t, "/tendermint.abci.ExtendedCommitInfo", body.Messages[0].TypeUrl)
		var ok bool
		info, ok, err = abcitypes.DecodeInjected(txs[0])
		require.NoError(t, err)
		require.True(t, ok)
		require.Len(t, info.Votes, len(net.Nodes), "block %d's tx 0 carries every validator's vote", height)
	}

	// A tx 0 of our own making (a committed one is in CometBFT's cache):
	// CheckTx refuses it.
	info.Round++
	forged, err := abcitypes.EncodeInjected(info)
	require.NoError(t, err)
	var res struct {
		Code uint32 `json:"code"`
		Log  string `json:"log"`
	}
	require.NoError(t, net.RPCGet(ctx, 0, "/broadcast_tx_sync?tx=0x"+hex.EncodeToString(forged), &res))
	require.NotZero(t, res.Code, "tx 0 is no transaction anyone can submit")
	t.Logf("CheckTx: code %d, %s", res.Code, res.Log)
	require.NoError(t, net.WaitForHeight(0, h+3, time.Minute))
}

// TestE2EBinaryIsTrimmed checks that litd is built with -trimpath: no
// absolute path of this checkout appears in the binary (error texts and
// stack traces would otherwise carry them).
func TestE2EBinaryIsTrimmed(t *testing.T) {
	bin, err := os.ReadFile(net.Cfg.Bin)
	require.NoError(t, err)
	_, file, _, _ := runtime.Caller(0)
	repo := filepath.Dir(filepath.Dir(file))
	require.False(t, bytes.Contains(bin, []byte(repo+"/x/")), "the binary contains %s/x/...: build with -trimpath", repo)
}

// TestE2ELocalnetCORS: browser wallets and dapps on a developer's machine
// call the localnet's RPC and REST, so both answer cross-origin requests.
func TestE2ELocalnetCORS(t *testing.T) {
	node := net.Nodes[0]
	for _, url := range []string{
		fmt.Sprintf("http://127.0.0.1:%d/status", node.Ports.RPC),
		node.REST() + "/cosmos/base/tendermint/v1beta1/node_info",
	} {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		require.NoError(t, err)
		req.Header.Set("Origin", "http://localhost:3000")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, url)
		require.Contains(t, []string{"*", "http://localhost:3000"}, resp.Header.Get("Access-Control-Allow-Origin"), url)
	}
}
