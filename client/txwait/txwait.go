// Package txwait waits for a broadcast transaction to be in a block.
//
// It polls the node's tx index rather than subscribing to the Tx event: the
// SDK's `wait-tx` subscribes and then looks the hash up once, and CometBFT
// publishes the event before its indexer has written the tx, so a tx
// committed between the two is never seen (it failed one of our CI runs).
package txwait

import (
	"context"
	"fmt"
	"time"

	"github.com/cosmos/cosmos-sdk/client"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtx "github.com/cosmos/cosmos-sdk/x/auth/tx"
)

// poll is how often the index is asked; blocks come every ~0.5 s on a
// localnet and every few seconds on a real network.
const poll = 250 * time.Millisecond

// Wait returns the committed result of the tx with this upper-case hex hash,
// or an error once timeout has passed without it.
func Wait(clientCtx client.Context, hash string, timeout time.Duration) (*sdk.TxResponse, error) {
	ctx, cancel := context.WithTimeout(clientCtx.GetCmdContextWithFallback(), timeout)
	defer cancel()
	clientCtx = clientCtx.WithCmdContext(ctx)
	for {
		res, err := authtx.QueryTx(clientCtx, hash)
		if err == nil {
			return res, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("timed out after %s waiting for transaction %s to be included in a block (last answer: %w)", timeout, hash, err)
		case <-time.After(poll):
		}
	}
}
