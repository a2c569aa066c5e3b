package keeper

import (
	"context"
	"errors"
	"maps"
	"slices"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/tss/types"
)

// pendingCounts returns requester's pending signatures and everyone's: the
// requests that are queued or whose session is open (status PENDING).
func (k Keeper) pendingCounts(ctx context.Context, requester string) (mine, total uint64, err error) {
	mine, err = k.PendingByRequester.Get(ctx, requester)
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return 0, 0, err
	}
	total, err = k.PendingCount.Get(ctx)
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return 0, 0, err
	}
	return mine, total, nil
}

// finishSignature stores sig, now SIGNED or FAILED, gives its requester's
// pending slot back and emits EventSignatureCompleted or EventSignatureFailed.
func (k Keeper) finishSignature(ctx context.Context, sig types.Signature) error {
	if err := k.Signatures.Set(ctx, sig.Id, sig); err != nil {
		return err
	}
	mine, total, err := k.pendingCounts(ctx, sig.Requester)
	if err != nil {
		return err
	}
	// The counts never go below zero, even if they were wrong.
	if mine <= 1 {
		err = k.PendingByRequester.Remove(ctx, sig.Requester)
	} else {
		err = k.PendingByRequester.Set(ctx, sig.Requester, mine-1)
	}
	if err != nil {
		return err
	}
	if err := k.PendingCount.Set(ctx, total-min(total, 1)); err != nil {
		return err
	}
	em := sdk.UnwrapSDKContext(ctx).EventManager()
	if sig.Status == types.SIGNATURE_STATUS_SIGNED {
		return em.EmitTypedEvent(&types.EventSignatureCompleted{SignatureId: sig.Id, TokenId: sig.TokenId, R: sig.R, S: sig.S, V: sig.V})
	}
	return em.EmitTypedEvent(&types.EventSignatureFailed{SignatureId: sig.Id, Error: sig.Error})
}

// countPending rebuilds the pending counts from the signatures (genesis).
func (k Keeper) countPending(ctx context.Context, sigs []types.Signature) error {
	byRequester := map[string]uint64{}
	var total uint64
	for _, s := range sigs {
		if s.Status == types.SIGNATURE_STATUS_PENDING {
			byRequester[s.Requester]++
			total++
		}
	}
	for _, r := range slices.Sorted(maps.Keys(byRequester)) {
		if err := k.PendingByRequester.Set(ctx, r, byRequester[r]); err != nil {
			return err
		}
	}
	return k.PendingCount.Set(ctx, total)
}
