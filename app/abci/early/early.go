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
// A precommit's extension is authentic but not agreed on (a validator can
// give peers different extensions for the same vote), so the engine takes
// early only what a split view cannot turn against honest validators: sign
// sessions' messages (engine.Early). Nothing here touches state; state
// changes only from committed tx 0.
package early

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	cmtpubsub "github.com/cometbft/cometbft/libs/pubsub"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmttypes "github.com/cometbft/cometbft/types"

	"cosmossdk.io/log/v2"

	"github.com/litprotocol/litd/app/abci/ve"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// TSSEngine is the part of the TSS engine that takes early messages.
type TSSEngine interface {
	Early(consAddr []byte, height int64, sec *tsstypes.ExtensionSection)
}

// Bus is CometBFT's event bus (the in-process RPC client embeds it).
type Bus interface {
	Subscribe(ctx context.Context, subscriber string, query cmtpubsub.Query, outCapacity ...int) (cmttypes.Subscription, error)
	Unsubscribe(ctx context.Context, subscriber string, query cmtpubsub.Query) error
	IsRunning() bool
}

// subscriber names the subscription in CometBFT's event bus.
const subscriber = "litd-early"

// capacity is the subscription's buffer: the bus never waits for a
// subscriber; one that falls this far behind is dropped (and subscribed again
// here, with the same buffer). The votes it missed still arrive in tx 0.
const capacity = 512

// Listen subscribes to CometBFT's verified votes and hands the extensions of
// other validators' precommits to tss until ctx ends or the bus stops. self
// is this node's consensus address (its own extension is its engine's
// output).
func Listen(ctx context.Context, logger log.Logger, bus Bus, self []byte, tss TSSEngine) error {
	logger = logger.With("module", "early")
	query := cmttypes.QueryForEvent(cmttypes.EventVote)
	sub, err := bus.Subscribe(ctx, subscriber, query, capacity)
	if err != nil {
		return fmt.Errorf("subscribe to votes: %w", err)
	}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case msg := <-sub.Out():
				if data, ok := msg.Data().(cmttypes.EventDataVote); ok {
					handle(logger, data.Vote, self, tss)
				}
			case <-sub.Canceled():
				if errors.Is(sub.Err(), cmtpubsub.ErrUnsubscribed) {
					return
				}
				logger.Info("vote subscription dropped; subscribing again", "err", sub.Err())
				if sub = resubscribe(ctx, bus, query); sub == nil {
					logger.Error("cannot subscribe to votes again; protocol messages now come from committed blocks only")
					return
				}
			}
		}
	}()
	return nil
}

// resubscribe subscribes again; nil when ctx ends or the bus stops. A
// subscription dropped for falling behind stays registered under its name in
// CometBFT's pubsub server (v0.39 forgets only its delivery), so it is
// unsubscribed first, or every new Subscribe would be refused as a duplicate.
func resubscribe(ctx context.Context, bus Bus, query cmtpubsub.Query) cmttypes.Subscription {
	for wait := time.Millisecond; ; wait = min(2*wait, time.Second) {
		_ = bus.Unsubscribe(ctx, subscriber, query) // not subscribed: nothing to undo
		if sub, err := bus.Subscribe(ctx, subscriber, query, capacity); err == nil {
			return sub
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		if !bus.IsRunning() {
			return nil
		}
	}
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
