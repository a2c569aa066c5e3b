// Package cli holds the one hand-written x/tss command: `tx tss sign`, which
// waits for its transaction and prints the signature id (and, with --wait,
// the signature), since the id only exists once the tx is in a block.
package cli

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"

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
			timeout, err := cmd.Flags().GetDuration(flagTimeout)
			if err != nil {
				return err
			}
			res, shown, err := txwait.Broadcast(cmd, clientCtx, msg, timeout)
			if err != nil || shown {
				return err
			}
			id, err := txwait.EventUint(res, "lit.tss.v1.EventSignatureRequested", "signature_id")
			if err != nil {
				return err
			}
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
