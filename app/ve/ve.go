// Package ve holds the ExtendVote and VerifyVoteExtension handlers. Every
// validator's extension is the channel through which off-chain engines
// (threshold signing, action execution) report to the chain; until an engine
// has something to say, the extension is empty.
package ve

import (
	abci "github.com/cometbft/cometbft/abci/types"

	"cosmossdk.io/log/v2"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// MaxExtensionBytes bounds one validator's extension; larger ones are rejected.
const MaxExtensionBytes = 1 << 20

// Handler builds the vote-extension handlers.
type Handler struct {
	logger log.Logger
}

// NewHandler returns the vote-extension handler.
func NewHandler(logger log.Logger) Handler {
	return Handler{logger: logger.With("module", "ve")}
}

// ExtendVoteHandler returns this validator's extension. No engine reports
// through it yet (DKG and signing join with x/tss sessions), so it is empty.
func (h Handler) ExtendVoteHandler() sdk.ExtendVoteHandler {
	return func(sdk.Context, *abci.RequestExtendVote) (*abci.ResponseExtendVote, error) {
		return &abci.ResponseExtendVote{}, nil
	}
}

// VerifyVoteExtensionHandler is cheap and deterministic: it rejects only
// extensions over the size bound.
func (h Handler) VerifyVoteExtensionHandler() sdk.VerifyVoteExtensionHandler {
	return func(_ sdk.Context, req *abci.RequestVerifyVoteExtension) (*abci.ResponseVerifyVoteExtension, error) {
		if len(req.VoteExtension) > MaxExtensionBytes {
			h.logger.Info("rejecting oversized vote extension", "height", req.Height, "bytes", len(req.VoteExtension))
			return &abci.ResponseVerifyVoteExtension{Status: abci.ResponseVerifyVoteExtension_REJECT}, nil
		}
		return &abci.ResponseVerifyVoteExtension{Status: abci.ResponseVerifyVoteExtension_ACCEPT}, nil
	}
}
