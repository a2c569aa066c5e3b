// Package ve holds the ExtendVote and VerifyVoteExtension handlers: each
// validator's extension carries what its off-chain engines have ready.
package ve

import (
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"

	"cosmossdk.io/log/v2"

	sdk "github.com/cosmos/cosmos-sdk/types"

	abcitypes "github.com/litprotocol/litd/app/abci/types"
	actionskeeper "github.com/litprotocol/litd/x/actions/keeper"
	actionstypes "github.com/litprotocol/litd/x/actions/types"
	tsskeeper "github.com/litprotocol/litd/x/tss/keeper"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// TSSEngine is the part of the TSS engine ExtendVote needs.
type TSSEngine interface {
	ExtensionSection(height int64, maxBytes int) *tsstypes.ExtensionSection
}

// ActionsEngine is the part of the action engine ExtendVote needs.
type ActionsEngine interface {
	ExtensionSection(height int64, maxBytes int) *actionstypes.ExtensionSection
}

// Handler builds the vote-extension handlers.
type Handler struct {
	logger  log.Logger
	tss     TSSEngine     // nil on nodes without an engine
	actions ActionsEngine // nil on nodes without an engine
}

// NewHandler returns the vote-extension handler.
func NewHandler(logger log.Logger, tss TSSEngine, actions ActionsEngine) Handler {
	return Handler{logger: logger.With("module", "ve"), tss: tss, actions: actions}
}

// ExtendVoteHandler never fails and never blocks on work: it takes what the
// engine has ready, bounded in size; on any error or panic it sends an empty
// extension so consensus goes on.
func (h Handler) ExtendVoteHandler() sdk.ExtendVoteHandler {
	return func(_ sdk.Context, req *abci.RequestExtendVote) (resp *abci.ResponseExtendVote, err error) {
		defer func() {
			if r := recover(); r != nil {
				h.logger.Error("extend vote panicked; sending an empty extension", "height", req.Height, "panic", fmt.Sprint(r))
				resp, err = &abci.ResponseExtendVote{}, nil
			}
		}()
		// Actions report first (their results are small and unblock users);
		// TSS traffic takes the rest of the budget.
		var ext abcitypes.VoteExtension
		budget := abcitypes.MaxExtensionBytes - 256
		if h.actions != nil {
			ext.Actions = h.actions.ExtensionSection(req.Height, budget/2)
			budget -= ext.Actions.Size()
		}
		if h.tss != nil {
			ext.Tss = h.tss.ExtensionSection(req.Height, budget)
		}
		bz, err := ext.Marshal()
		if err == nil {
			// Peers reject an invalid extension together with the whole
			// precommit; never send one.
			err = Validate(bz)
		}
		if err != nil {
			h.logger.Error("cannot build vote extension; sending an empty one", "height", req.Height, "err", err, "bytes", len(bz))
			return &abci.ResponseExtendVote{}, nil
		}
		return &abci.ResponseExtendVote{VoteExtension: bz}, nil
	}
}

// VerifyVoteExtensionHandler is cheap and deterministic: it rejects only what
// does not decode, is over the size bound, or breaks the section bounds.
func (h Handler) VerifyVoteExtensionHandler() sdk.VerifyVoteExtensionHandler {
	return func(_ sdk.Context, req *abci.RequestVerifyVoteExtension) (*abci.ResponseVerifyVoteExtension, error) {
		if err := Validate(req.VoteExtension); err != nil {
			h.logger.Info("rejecting vote extension", "height", req.Height, "validator", fmt.Sprintf("%X", req.ValidatorAddress), "err", err)
			return &abci.ResponseVerifyVoteExtension{Status: abci.ResponseVerifyVoteExtension_REJECT}, nil
		}
		return &abci.ResponseVerifyVoteExtension{Status: abci.ResponseVerifyVoteExtension_ACCEPT}, nil
	}
}

// Validate is the stateless check shared by VerifyVoteExtension and the
// proposal handlers.
func Validate(bz []byte) error {
	_, err := Decode(bz)
	return err
}

// Decode parses an extension and applies the stateless checks to it.
func Decode(bz []byte) (*abcitypes.VoteExtension, error) {
	ext, err := abcitypes.DecodeExtension(bz)
	if err != nil {
		return nil, err
	}
	if err := tsskeeper.ValidateSection(ext.Tss); err != nil {
		return nil, err
	}
	if err := actionskeeper.ValidateSection(ext.Actions); err != nil {
		return nil, err
	}
	return ext, nil
}
