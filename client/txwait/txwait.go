// Package txwait waits for a broadcast transaction to be in a block.
//
// It polls the node's tx index rather than subscribing to the Tx event: the
// SDK's `wait-tx` subscribes and then looks the hash up once, and CometBFT
// publishes the event before its indexer has written the tx, so a tx
// committed between the two is never seen (it failed one of our CI runs).
package txwait

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/tx"
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

// Broadcast signs and broadcasts msg as `tx` commands do, then waits for its
// block and returns the committed result; an error if it was refused or
// failed. shown is true (with a nil result) when nothing was broadcast
// (--generate-only, --dry-run, or the user declined): the output was
// printed instead.
func Broadcast(cmd *cobra.Command, clientCtx client.Context, msg sdk.Msg, timeout time.Duration) (res *sdk.TxResponse, shown bool, err error) {
	if clientCtx.GenerateOnly || clientCtx.Simulate {
		return nil, true, tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), msg)
	}
	var buf bytes.Buffer
	if err := tx.GenerateOrBroadcastTxCLI(clientCtx.WithOutput(&buf).WithOutputFormat(flags.OutputFormatJSON), cmd.Flags(), msg); err != nil {
		return nil, false, err
	}
	var sync sdk.TxResponse
	if err := clientCtx.Codec.UnmarshalJSON(buf.Bytes(), &sync); err != nil || sync.TxHash == "" {
		// Not a broadcast result (e.g. the user declined to sign): show what we got.
		return nil, true, clientCtx.PrintString(buf.String())
	}
	if sync.Code != 0 {
		return nil, false, fmt.Errorf("tx %s rejected (code %d, %s): %s", sync.TxHash, sync.Code, sync.Codespace, sync.RawLog)
	}
	cmd.PrintErrf("txhash: %s\n", sync.TxHash)
	res, err = Wait(clientCtx, sync.TxHash, timeout)
	if err != nil {
		return nil, false, err
	}
	if res.Code != 0 {
		return nil, false, fmt.Errorf("tx %s failed (code %d, %s): %s", res.TxHash, res.Code, res.Codespace, res.RawLog)
	}
	return res, false, nil
}

// EventUint reads attribute key of the first event of type typ in res as a
// uint64 (typed events quote their values).
func EventUint(res *sdk.TxResponse, typ, key string) (uint64, error) {
	for _, ev := range res.Events {
		if ev.Type != typ {
			continue
		}
		for _, a := range ev.Attributes {
			if a.Key == key {
				return strconv.ParseUint(strings.Trim(a.Value, `"`), 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("tx %s has no %s event with %s", res.TxHash, typ, key)
}
