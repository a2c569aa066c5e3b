// Package proposals holds PrepareProposal and ProcessProposal: the proposer
// injects the previous height's extended commit as tx 0, and every validator
// re-validates it the same way before accepting the block.
package proposals

import (
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmttypes "github.com/cometbft/cometbft/types"

	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/baseapp"
	sdk "github.com/cosmos/cosmos-sdk/types"

	abcitypes "github.com/litprotocol/litd/app/abci/types"
	"github.com/litprotocol/litd/app/abci/ve"
)

// Handler wraps the SDK's default proposal handlers.
type Handler struct {
	logger   log.Logger
	valStore baseapp.ValidatorStore
	prepare  sdk.PrepareProposalHandler
	process  sdk.ProcessProposalHandler
}

// NewHandler returns the proposal handler; prepare and process handle the
// ordinary transactions after tx 0.
func NewHandler(logger log.Logger, valStore baseapp.ValidatorStore, prepare sdk.PrepareProposalHandler, process sdk.ProcessProposalHandler) Handler {
	return Handler{logger: logger.With("module", "proposals"), valStore: valStore, prepare: prepare, process: process}
}

func enabled(ctx sdk.Context, height int64) bool {
	cp := ctx.ConsensusParams()
	return cp.Abci != nil && abcitypes.VoteExtensionsEnabled(cp.Abci.VoteExtensionsEnableHeight, height)
}

// Prune drops extensions that fail the stateless checks, marking their votes
// absent so their (now missing) extension signature is not checked.
func Prune(info abci.ExtendedCommitInfo) abci.ExtendedCommitInfo {
	out := info
	out.Votes = make([]abci.ExtendedVoteInfo, len(info.Votes))
	for i, v := range info.Votes {
		if v.BlockIdFlag == cmtproto.BlockIDFlagCommit && ve.Validate(v.VoteExtension) != nil {
			v.BlockIdFlag, v.VoteExtension, v.ExtensionSignature = cmtproto.BlockIDFlagAbsent, nil, nil
		}
		out.Votes[i] = v
	}
	return out
}

// PrepareProposalHandler injects the pruned, validated extended commit as tx
// 0. If it does not validate, the block carries no engine reports this time.
func (h Handler) PrepareProposalHandler() sdk.PrepareProposalHandler {
	return func(ctx sdk.Context, req *abci.RequestPrepareProposal) (resp *abci.ResponsePrepareProposal, err error) {
		if !enabled(ctx, req.Height) {
			return h.prepare(ctx, req)
		}
		info := Prune(req.LocalLastCommit)
		if err := baseapp.ValidateVoteExtensions(ctx, h.valStore, req.Height, ctx.ChainID(), info); err != nil {
			h.logger.Error("extended commit does not validate; proposing without it", "height", req.Height, "err", err)
			return h.prepare(ctx, req)
		}
		tx0, err := abcitypes.EncodeInjected(info)
		if err != nil {
			h.logger.Error("cannot encode extended commit; proposing without it", "height", req.Height, "err", err)
			return h.prepare(ctx, req)
		}
		// CometBFT counts each tx with its framing; tx 0 must fit with it.
		size := cmttypes.ComputeProtoSizeForTxs([]cmttypes.Tx{tx0})
		if size > req.MaxTxBytes {
			h.logger.Error("extended commit does not fit in the block; proposing without it", "height", req.Height, "bytes", size)
			return h.prepare(ctx, req)
		}
		inner := *req
		inner.MaxTxBytes -= size
		resp, err = h.prepare(ctx, &inner)
		if err != nil {
			return nil, err
		}
		resp.Txs = append([][]byte{tx0}, resp.Txs...)
		return resp, nil
	}
}

var reject = &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_REJECT}

// ProcessProposalHandler accepts an injected tx 0 only if it decodes, every
// extension in it passes the stateless checks, and the signatures and power
// validate exactly as the proposer's did. A panic rejects the block.
func (h Handler) ProcessProposalHandler() sdk.ProcessProposalHandler {
	return func(ctx sdk.Context, req *abci.RequestProcessProposal) (resp *abci.ResponseProcessProposal, err error) {
		defer func() {
			if r := recover(); r != nil {
				h.logger.Error("process proposal panicked; rejecting", "height", req.Height, "panic", fmt.Sprint(r))
				resp, err = reject, nil
			}
		}()
		if len(req.Txs) == 0 || !abcitypes.IsInjected(req.Txs[0]) {
			return h.process(ctx, req)
		}
		if !enabled(ctx, req.Height) {
			h.logger.Error("injected extended commit before vote extensions are enabled; rejecting", "height", req.Height)
			return reject, nil
		}
		info, _, err := abcitypes.DecodeInjected(req.Txs[0])
		if err != nil {
			h.logger.Error("rejecting proposal", "height", req.Height, "err", err)
			return reject, nil
		}
		for _, v := range info.Votes {
			if v.BlockIdFlag == cmtproto.BlockIDFlagCommit {
				if err := ve.Validate(v.VoteExtension); err != nil {
					h.logger.Error("rejecting proposal with an invalid extension", "height", req.Height, "err", err)
					return reject, nil
				}
			}
		}
		if err := baseapp.ValidateVoteExtensions(ctx, h.valStore, req.Height, ctx.ChainID(), info); err != nil {
			h.logger.Error("rejecting proposal whose extended commit does not validate", "height", req.Height, "err", err)
			return reject, nil
		}
		inner := *req
		inner.Txs = req.Txs[1:]
		return h.process(ctx, &inner)
	}
}
