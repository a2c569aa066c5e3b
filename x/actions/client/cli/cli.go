// Package cli holds the x/actions commands autocli cannot make: upload from
// a file, the offline CID, and replay of an execution from chain state.
package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/tx"

	"github.com/litprotocol/litd/x/actions/engine"
	"github.com/litprotocol/litd/x/actions/types"
	"github.com/litprotocol/litd/x/actions/worker"
)

// TxCmd is `litd tx actions`; autocli adds `execute` to it.
func TxCmd() *cobra.Command {
	cmd := &cobra.Command{Use: types.ModuleName, Short: "Lit Actions transactions", RunE: client.ValidateCmd}
	cmd.AddCommand(uploadCmd())
	return cmd
}

// QueryCmd is `litd q actions`; autocli adds the gRPC queries to it.
func QueryCmd() *cobra.Command {
	cmd := &cobra.Command{Use: types.ModuleName, Short: "Query Lit Actions and executions", RunE: client.ValidateCmd}
	cmd.AddCommand(cidCmd(), replayCmd(), verifyCmd())
	return cmd
}

func uploadCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "upload [file]",
		Short: "Store a JavaScript file as a Lit Action under its IPFS CIDv0",
		Long:  "The CID is the one `ipfs add` (and Lit's SDK) give for the same bytes; `litd q actions cid [file]` computes it offline.",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			code, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), &types.MsgUploadAction{Uploader: clientCtx.GetFromAddress().String(), Code: string(code)})
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

func cidCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "cid [file]",
		Short: "Print the IPFS CIDv0 of a file (offline; same as `ipfs add --only-hash`)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bz, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			cmd.Println(types.CID(bz))
			return nil
		},
	}
}

func replayCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "replay [execution-id]",
		Short: "Re-run a finished execution offline from chain state and check it reproduces the recorded result",
		Long: "Reads the action's code, js params, frozen time, params, attested fetch transcript and recorded permission\n" +
			"reads from the chain, runs the action locally in the same sandbox the validators use (a worker process, no\n" +
			"network), and compares the result digest with the one > 2/3 of voting power agreed on. Exits with an error\n" +
			"if they differ, and says so when this litd's sandbox runtime is not the one that recorded the result.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientQueryContext(cmd)
			if err != nil {
				return err
			}
			var id uint64
			if _, err := fmt.Sscan(args[0], &id); err != nil {
				return fmt.Errorf("execution id %q: %w", args[0], err)
			}
			out, err := replayLocally(cmd.Context(), types.NewQueryClient(clientCtx), id)
			if err != nil {
				return err
			}
			if err := clientCtx.PrintProto(&out); err != nil {
				return err
			}
			switch {
			case out.Error != "":
				return fmt.Errorf("execution %d cannot be replayed: %s", id, out.Error)
			case !out.Match && out.RuntimeDiffers:
				return fmt.Errorf("replay of execution %d does not reproduce the recorded result; it was recorded by %s and replayed by %s",
					id, out.RecordedRuntime, out.ReplayRuntime)
			case !out.Match:
				return fmt.Errorf("replay of execution %d does not reproduce the recorded result", id)
			}
			return nil
		},
	}
	flags.AddQueryFlagsToCmd(cmd)
	return cmd
}

func verifyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify [signature-id]",
		Short: "Check where a signature came from: signer, action, Mint/Grant/Burn, and a replay",
		Long: "Answers, for an x/tss signature: the Ethereum address it recovers to and whether that is the PKP's; whether\n" +
			"a Lit Action's execution requested it (not an account), the action's CID and the SHA-256 of its code; whether\n" +
			"the PKP was minted by Mint/Grant/Burn with that action as the only thing that may ever use it; and whether an\n" +
			"offline replay of the execution reproduces the result > 2/3 of the validators agreed on. verified is true when\n" +
			"all hold. The node answers the first checks (also GET /lit/actions/v1/signatures/{id}/verify); the replay runs\n" +
			"here, in a worker process, from the chain's record (--node-replay takes the node's replay instead). Exits with\n" +
			"an error when the signature is not verified.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientQueryContext(cmd)
			if err != nil {
				return err
			}
			var id uint64
			if _, err := fmt.Sscan(args[0], &id); err != nil {
				return fmt.Errorf("signature id %q: %w", args[0], err)
			}
			q := types.NewQueryClient(clientCtx)
			resp, err := q.Verify(cmd.Context(), &types.QueryVerifyRequest{SignatureId: id})
			if err != nil {
				return err
			}
			if nodeReplay, _ := cmd.Flags().GetBool(flagNodeReplay); !nodeReplay && resp.ExecutionId != 0 {
				if resp.Replay, err = replayLocally(cmd.Context(), q, resp.ExecutionId); err != nil {
					return err
				}
				resp.Verified = resp.AllChecks()
			}
			if err := clientCtx.PrintProto(resp); err != nil {
				return err
			}
			if !resp.Verified {
				return fmt.Errorf("signature %d is not verified as made by a Mint/Grant/Burn action", id)
			}
			return nil
		},
	}
	cmd.Flags().Bool(flagNodeReplay, false, "use the node's replay (it may still be scheduled) instead of replaying here")
	flags.AddQueryFlagsToCmd(cmd)
	return cmd
}

const flagNodeReplay = "node-replay"

// replayLocally replays execution id in a worker process of this litd, from the chain's record.
func replayLocally(ctx context.Context, q types.QueryClient, id uint64) (types.ReplayReport, error) {
	ex, err := q.Execution(ctx, &types.QueryExecutionRequest{Id: id})
	if err != nil {
		return types.ReplayReport{}, err
	}
	act, err := q.Action(ctx, &types.QueryActionRequest{Cid: ex.Execution.Cid})
	if err != nil {
		return types.ReplayReport{}, err
	}
	params, err := q.Params(ctx, &types.QueryParamsRequest{})
	if err != nil {
		return types.ReplayReport{}, err
	}
	return engine.Replay(ctx, &worker.Runner{}, ex.Execution, act.Action.Code, params.Params), nil
}
