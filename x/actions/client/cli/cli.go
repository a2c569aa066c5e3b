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
	"github.com/litprotocol/litd/x/actions/sandbox"
	"github.com/litprotocol/litd/x/actions/types"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
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
	cmd.AddCommand(cidCmd(), replayCmd())
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

// chainPermissions answers permission reads from a node, as the validators
// did from their state.
type chainPermissions struct {
	ctx   context.Context
	query pkptypes.QueryClient
}

func (p chainPermissions) IsPermittedAction(tokenID, cid string) (bool, error) {
	resp, err := p.query.IsPermittedAction(p.ctx, &pkptypes.QueryIsPermittedActionRequest{TokenId: tokenID, ActionCid: cid})
	if err != nil {
		return false, err
	}
	return resp.Permitted, nil
}

func (p chainPermissions) PermittedActions(tokenID string) ([]string, error) {
	resp, err := p.query.Permissions(p.ctx, &pkptypes.QueryPermissionsRequest{TokenId: tokenID})
	if err != nil {
		return nil, err
	}
	return resp.ActionCIDs(), nil
}

func replayCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "replay [execution-id]",
		Short: "Re-run a finished execution offline from chain state and check it reproduces the recorded result",
		Long: "Reads the action's code, js params, frozen time and attested fetch transcript from the chain, runs the action\n" +
			"locally in the same sandbox the validators use (no network), and compares the result digest with the one\n" +
			"> 2/3 of voting power agreed on. Exits with an error if they differ.",
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
			q := types.NewQueryClient(clientCtx)
			ex, err := q.Execution(cmd.Context(), &types.QueryExecutionRequest{Id: id})
			if err != nil {
				return err
			}
			e := ex.Execution
			if e.ResultDigest == "" {
				return fmt.Errorf("execution %d has no accepted result yet (status %s)", id, e.Status)
			}
			act, err := q.Action(cmd.Context(), &types.QueryActionRequest{Cid: e.Cid})
			if err != nil {
				return err
			}
			params, err := q.Params(cmd.Context(), &types.QueryParamsRequest{})
			if err != nil {
				return err
			}
			perms := chainPermissions{ctx: cmd.Context(), query: pkptypes.NewQueryClient(clientCtx)}
			env := engine.EnvFor(e, act.Action.Code, params.Params, &sandbox.TranscriptFetcher{Fetches: engine.FromFetches(e.Fetches)}, perms)
			res := engine.ToResult(sandbox.Run(cmd.Context(), env))
			digest, err := types.ResultDigest(&res)
			if err != nil {
				return err
			}
			out := &types.ReplayReport{ExecutionId: id, RecordedDigest: e.ResultDigest, ReplayedDigest: digest, Match: digest == e.ResultDigest, Result: res}
			if err := clientCtx.PrintProto(out); err != nil {
				return err
			}
			if !out.Match {
				return fmt.Errorf("replay of execution %d does not reproduce the recorded result", id)
			}
			return nil
		},
	}
	flags.AddQueryFlagsToCmd(cmd)
	return cmd
}
