package keeper

import (
	"context"

	"github.com/litprotocol/litd/x/tss/types"
)

// Job is an open session with what a party needs from state to run it.
type Job struct {
	Session types.Session
	// RootPubkey (33 bytes) is the key set's root key, for signing.
	RootPubkey []byte
	// Digest and KeyID say what a sign session signs with which PKP key.
	Digest []byte
	KeyID  uint64
	// Ephemeral (the ciphertext's R) and RequesterKey (X25519) say what a
	// decrypt session computes and whom it seals the share to.
	Ephemeral    []byte
	RequesterKey []byte
}

// Jobs lists the open sessions for the engines (read-only).
func (k Keeper) Jobs(ctx context.Context) ([]Job, error) {
	sessions, err := k.OpenSessionsList(ctx)
	if err != nil {
		return nil, err
	}
	jobs := make([]Job, 0, len(sessions))
	for _, s := range sessions {
		j := Job{Session: s}
		if fill := protocols[s.Type].job; fill != nil {
			if err := fill(k, ctx, &j); err != nil {
				return nil, err
			}
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// HeldKeySets are the key sets whose shares their participants must keep: the
// active one, one being made (DKG or reshare target) and any an open session
// still uses. The engines delete every other share (retired generations).
func (k Keeper) HeldKeySets(ctx context.Context) ([]types.KeySet, error) {
	used := map[uint64]bool{}
	sessions, err := k.OpenSessionsList(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range sessions {
		used[s.KeySetId] = true
		if s.NewKeySetId != 0 {
			used[s.NewKeySetId] = true
		}
	}
	var out []types.KeySet
	err = k.KeySets.Walk(ctx, nil, func(id uint64, ks types.KeySet) (bool, error) {
		if ks.Status != types.KEY_SET_STATUS_RETIRED || used[id] {
			out = append(out, ks)
		}
		return false, nil
	})
	return out, err
}
