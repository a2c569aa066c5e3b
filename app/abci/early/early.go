// Package early hands the engines what peers' precommits carry as soon as
// this node's CometBFT has verified them, one block before a committed tx 0
// delivers the same extensions: a party that answers in the very next
// extension makes one protocol round cost one block instead of two.
//
// The source is CometBFT's Vote event, published only after the vote set
// checked the vote: the validator address is the one at the vote's index,
// and the vote and extension signatures verify with that validator's key. It
// covers late precommits too (those that arrive after this node committed the
// height, during timeout_commit, which CometBFT adds to the last commit
// without calling VerifyVoteExtension). VerifyVoteExtension itself is not
// used: CometBFT calls it after checking the extension signature against the
// validator at the vote's index but before checking that the request's
// ValidatorAddress is that validator's, so any peer could relabel one
// validator's extension as another's there.
//
// Nothing here touches state; state changes only from committed tx 0.
package early

import (
	"bytes"
	"context"
	"fmt"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	cmttypes "github.com/cometbft/cometbft/types"

	"cosmossdk.io/log/v2"

	"github.com/litprotocol/litd/app/abci/ve"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// TSSEngine is the part of the TSS engine that takes early messages.
type TSSEngine interface {
	Early(consAddr []byte, height int64, sec *tsstypes.ExtensionSection)
}

// subscriber names the subscription in CometBFT's event bus.
const subscriber = "litd-early"

// capacity is the event bus buffer: a subscriber that falls this far behind
// is dropped by the bus (never blocks consensus) and resubscribed by the
// client; the votes it missed still arrive in tx 0.
const capacity = 512

// Listen subscribes to CometBFT's verified votes and hands the extensions of
// other validators' precommits to tss until ctx ends. self is this node's
// consensus address (its own extension is its engine's output).
func Listen(ctx context.Context, logger log.Logger, client rpcclient.EventsClient, self []byte, tss TSSEngine) error {
	events, err := client.Subscribe(ctx, subscriber, cmttypes.QueryForEvent(cmttypes.EventVote).String(), capacity)
	if err != nil {
		return fmt.Errorf("subscribe to votes: %w", err)
	}
	logger = logger.With("module", "early")
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-events:
				if !ok {
					return
				}
				data, ok := ev.Data.(cmttypes.EventDataVote)
				if ok {
					handle(logger, data.Vote, self, tss)
				}
			}
		}
	}()
	return nil
}

// handle passes on one verified vote's extension if it is another
// validator's non-empty precommit extension that passes the stateless checks.
func handle(logger log.Logger, v *cmttypes.Vote, self []byte, tss TSSEngine) {
	if v == nil || v.Type != cmtproto.PrecommitType || len(v.Extension) == 0 || bytes.Equal(v.ValidatorAddress, self) {
		return
	}
	ext, err := ve.Decode(v.Extension)
	if err != nil {
		// VoteSet accepted it (it checks signatures, not content); the
		// proposer prunes it from tx 0 and it never reaches state.
		logger.Debug("ignoring an invalid extension", "height", v.Height, "validator", v.ValidatorAddress.String(), "err", err)
		return
	}
	tss.Early(v.ValidatorAddress, v.Height, ext.Tss)
}
