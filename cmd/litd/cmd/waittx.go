package cmd

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"

	"github.com/litprotocol/litd/client/txwait"
)

// waitTxCmd replaces the SDK's `query wait-tx`, which can miss a committed
// tx (see package txwait).
func waitTxCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "wait-tx [hash]",
		Aliases: []string{"event-query-tx-for"},
		Short:   "Wait for a transaction to be included in a block",
		Long: `Waits until the transaction with the given hash is in a block and prints its
result (code, events, gas), like "query tx". The hash is the argument, or is
read from the JSON of a "tx" command on stdin. Fails after --timeout.`,
		Example: `litd q wait-tx 0A1B...
litd tx bank send alice lit1... 1ulit --yes --output json | litd q wait-tx --timeout 30s`,
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
			res, err := txwait.Wait(clientCtx, hash, timeout)
			if err != nil {
				return err
			}
			return clientCtx.PrintProto(res)
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
