// Package cli holds the one hand-written x/tss command: `tx tss sign`, which
// waits for its transaction and prints the signature id (and, with --wait,
// the signature), since the id only exists once the tx is in a block.
package cli

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/tx"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/client/txwait"
	"github.com/litprotocol/litd/x/tss/types"
)

const (
	flagWait    = "wait"
	flagTimeout = "timeout"
)

// TxCmd is `litd tx tss`.
func TxCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:                        types.ModuleName,
		Short:                      "Threshold signing transactions",
		DisableFlagParsing:         true,
		SuggestionsMinimumDistance: 2,
		RunE:                       client.ValidateCmd,
	}
	cmd.AddCommand(SignCmd())
	return cmd
}

// SignCmd is `litd tx tss sign [token-id] [digest-hex]`.
func SignCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sign [token-id] [digest-hex]",
		Short: "Ask the validators to sign a 32-byte digest with a PKP; prints the signature id",
		Long: "The sender must own the PKP or be a permitted address with scope sign-anything. The command waits\n" +
			"until the transaction is in a block and prints signature_id; with --wait it also waits until t+1\n" +
			"validators have produced the signature and prints r, s and v (a normal secp256k1/Ethereum signature:\n" +
			"ecrecover(digest, v, r, s) is the PKP's Ethereum address). Later: litd q tss signature [id].",
		Example: "litd tx tss sign 0x3f...c1 0x$(printf 'hello' | sha256sum | cut -c1-64) --from alice --wait",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cmd.SilenceUsage = true // from here on, errors are about the request, not the usage
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			msg := &types.MsgSign{Requester: clientCtx.GetFromAddress().String(), TokenId: args[0], Digest: strings.ToLower(args[1])}
			if _, err := types.ParseDigest(msg.Digest); err != nil {
				return fmt.Errorf("digest %q: want 0x and 64 hex digits (a 32-byte hash)", args[1])
			}
			if clientCtx.GenerateOnly || clientCtx.Simulate {
				return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), msg)
			}
			var buf bytes.Buffer
			if err := tx.GenerateOrBroadcastTxCLI(clientCtx.WithOutput(&buf).WithOutputFormat(flags.OutputFormatJSON), cmd.Flags(), msg); err != nil {
				return err
			}
			var sync sdk.TxResponse
			if err := clientCtx.Codec.UnmarshalJSON(buf.Bytes(), &sync); err != nil || sync.TxHash == "" {
				// Not a broadcast result (e.g. the user declined to sign): show what we got.
				return clientCtx.PrintString(buf.String())
			}
			if sync.Code != 0 {
				return fmt.Errorf("tx %s rejected (code %d, %s): %s", sync.TxHash, sync.Code, sync.Codespace, sync.RawLog)
			}
			timeout, err := cmd.Flags().GetDuration(flagTimeout)
			if err != nil {
				return err
			}
			id, err := waitSignatureID(clientCtx, sync.TxHash, timeout)
			if err != nil {
				return err
			}
			cmd.PrintErrf("txhash: %s\n", sync.TxHash)
			if wait, _ := cmd.Flags().GetBool(flagWait); wait {
				return waitSigned(cmd, clientCtx, id, timeout)
			}
			return clientCtx.PrintProto(&types.MsgSignResponse{SignatureId: id})
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	cmd.Flags().Bool(flagWait, false, "also wait for the signature and print it")
	cmd.Flags().Duration(flagTimeout, 2*time.Minute, "how long to wait for inclusion (and, with --wait, for the signature)")
	return cmd
}

// waitSignatureID waits for the committed tx and reads the id from its event.
func waitSignatureID(clientCtx client.Context, hash string, timeout time.Duration) (uint64, error) {
	res, err := txwait.Wait(clientCtx, hash, timeout)
	if err != nil {
		return 0, err
	}
	if res.Code != 0 {
		return 0, fmt.Errorf("tx %s failed (code %d, %s): %s", hash, res.Code, res.Codespace, res.RawLog)
	}
	for _, ev := range res.Events {
		if ev.Type != "lit.tss.v1.EventSignatureRequested" {
			continue
		}
		for _, a := range ev.Attributes {
			if a.Key == "signature_id" {
				return strconv.ParseUint(strings.Trim(a.Value, `"`), 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("tx %s has no signature request event", hash)
}

func waitSigned(cmd *cobra.Command, clientCtx client.Context, id uint64, timeout time.Duration) error {
	q := types.NewQueryClient(clientCtx)
	deadline := time.Now().Add(timeout)
	for {
		resp, err := q.Signature(cmd.Context(), &types.QuerySignatureRequest{Id: id})
		if err != nil {
			return err
		}
		switch resp.Signature.Status {
		case types.SIGNATURE_STATUS_SIGNED:
			return clientCtx.PrintProto(&resp.Signature)
		case types.SIGNATURE_STATUS_FAILED:
			_ = clientCtx.PrintProto(&resp.Signature)
			return errors.New("signing failed: " + resp.Signature.Error)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("signature %d still %s after %s; check later with: litd q tss signature %d", id, resp.Signature.Status, timeout, id)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
