package cmd

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/types/errors"
	authtx "github.com/cosmos/cosmos-sdk/x/auth/tx"
)

// waitTxPoll is how often wait-tx asks the node's tx index; blocks come every
// ~0.5 s on a localnet and every few seconds on a real network.
const waitTxPoll = 250 * time.Millisecond

// waitTxCmd replaces the SDK's `query wait-tx`, which subscribes to the Tx
// event and then looks the hash up once: CometBFT publishes the event before
// its indexer has written the tx, so a tx committed between the two is never
// seen and the command times out (hit by our e2e suite). Polling the index
// until the deadline has no such window.
func waitTxCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "wait-tx [hash]",
		Aliases: []string{"event-query-tx-for"},
		Short:   "Wait for a transaction to be included in a block",
		Long: `Waits until the transaction with the given hash is in a block and prints its
result (code, events, gas), like "query tx". The hash is the argument, or is
read from the JSON of a "tx" command on stdin. Fails after --timeout.`,
		Example: `litd q wait-tx 0A1B...
litd tx bank send alice litd1... 1ulit --yes --output json | litd q wait-tx --timeout 30s`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientQueryContext(cmd)
			if err != nil {
				return err
			}
			timeout, err := cmd.Flags().GetDuration(flagTimeout)
			if err != nil {
				return err
			}
			hash, err := txHashArg(cmd.InOrStdin(), args)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			clientCtx = clientCtx.WithCmdContext(ctx)
			for {
				res, err := authtx.QueryTx(clientCtx, hash)
				if err == nil {
					return clientCtx.PrintProto(res)
				}
				select {
				case <-ctx.Done():
					return errors.ErrLogic.Wrapf("timed out after %s waiting for transaction %s to be included in a block (last answer: %v)", timeout, hash, err)
				case <-time.After(waitTxPoll):
				}
			}
		},
	}
	cmd.Flags().Duration(flagTimeout, 15*time.Second, "The maximum time to wait for the transaction to be included in a block")
	flags.AddQueryFlagsToCmd(cmd)
	return cmd
}

const flagTimeout = "timeout"

// txHashArg returns the upper-case hex hash from args, or from the `txhash`
// field of a broadcast result on stdin.
func txHashArg(stdin io.Reader, args []string) (string, error) {
	raw := ""
	if len(args) == 1 {
		raw = args[0]
	} else {
		in, err := io.ReadAll(stdin)
		if err != nil {
			return "", err
		}
		var res struct {
			TxHash string `json:"txhash"`
		}
		if err := json.Unmarshal(in, &res); err != nil || res.TxHash == "" {
			return "", fmt.Errorf("no hash argument and no JSON with a txhash on stdin: %q", strings.TrimSpace(string(in)))
		}
		raw = res.TxHash
	}
	bz, err := hex.DecodeString(raw)
	if err != nil || len(bz) != 32 {
		return "", fmt.Errorf("invalid transaction hash %q: want 64 hex digits", raw)
	}
	return strings.ToUpper(raw), nil
}
