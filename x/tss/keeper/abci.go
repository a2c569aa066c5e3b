package keeper

import (
	"context"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/tss/types"
)

// Bounds on the EndBlocker's work per block.
const (
	MaxSessionsStartedPerBlock = 16
	MaxSessionsPrunedPerBlock  = 64
)

// EndBlocker expires sessions past their deadline (retrying or failing
// them), starts DKG when the chain has no key, reshares it when the bonded
// set left the committee behind (or a refresh is due), opens queued signing sessions
// and prunes closed sessions past the retention. Each step does bounded work.
func (k Keeper) EndBlocker(ctx context.Context) error {
	if err := k.expireSessions(ctx); err != nil {
		return err
	}
	if err := k.maybeStartKeygen(ctx); err != nil {
		return err
	}
	if err := k.maybeStartReshare(ctx); err != nil {
		return err
	}
	if err := k.startQueuedSigns(ctx); err != nil {
		return err
	}
	if err := k.pruneFaultRecords(ctx); err != nil {
		return err
	}
	return k.pruneSessions(ctx)
}

// pruneSessions deletes up to MaxSessionsPrunedPerBlock sessions closed at
// least session_retention_blocks ago, oldest first (by closed height, then
// id). Their signatures stay: they are the product; a decrypt session's
// request and sealed shares go with it.
func (k Keeper) pruneSessions(ctx context.Context) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	// Validate bounds the retention to 10^7, so this cannot overflow.
	due := sdk.UnwrapSDKContext(ctx).BlockHeight() - int64(params.SessionRetentionBlocks)
	var keys []collections.Pair[int64, uint64]
	err = k.ClosedSessions.Walk(ctx, collections.NewPrefixUntilPairRange[int64, uint64](due), func(key collections.Pair[int64, uint64]) (bool, error) {
		keys = append(keys, key)
		return len(keys) >= MaxSessionsPrunedPerBlock, nil
	})
	if err != nil {
		return err
	}
	for _, key := range keys {
		if err := k.ClosedSessions.Remove(ctx, key); err != nil {
			return err
		}
		s, err := k.Sessions.Get(ctx, key.K2())
		if err != nil {
			return err
		}
		if err := k.Sessions.Remove(ctx, s.Id); err != nil {
			return err
		}
		// A decryption's sealed shares are of no use once its requester had
		// the retention window to read them.
		if s.Type == types.SESSION_TYPE_DECRYPT {
			if err := k.Decryptions.Remove(ctx, s.DecryptionId); err != nil {
				return err
			}
		}
	}
	return nil
}
