// Package keeper holds x/tss state: network root key sets and the derivation
// of PKP keys from the active one.
package keeper

import (
	"context"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"

	"github.com/cosmos/cosmos-sdk/codec"

	"github.com/litprotocol/litd/x/tss/types"
)

// Keeper is the x/tss state.
type Keeper struct {
	Schema  collections.Schema
	KeySets collections.Map[uint64, types.KeySet]
}

// NewKeeper builds the x/tss schema.
func NewKeeper(cdc codec.BinaryCodec, storeService store.KVStoreService) Keeper {
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		KeySets: collections.NewMap(sb, types.KeySetsKey, "key_sets", collections.Uint64Key, codec.CollValue[types.KeySet](cdc)),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

// ActiveKeySet returns the newest active key set.
func (k Keeper) ActiveKeySet(ctx context.Context) (types.KeySet, error) {
	var found *types.KeySet
	err := k.KeySets.Walk(ctx, new(collections.Range[uint64]).Descending(), func(_ uint64, ks types.KeySet) (bool, error) {
		if ks.Status == types.KEY_SET_STATUS_ACTIVE {
			found = &ks
			return true, nil
		}
		return false, nil
	})
	if err != nil {
		return types.KeySet{}, err
	}
	if found == nil {
		return types.KeySet{}, types.ErrNoActiveKeySet
	}
	return *found, nil
}

// DerivePubkey returns the 65-byte uncompressed key of key id under the
// active root key (root + keccak256(root || key_id)·G).
func (k Keeper) DerivePubkey(ctx context.Context, keyID uint64) ([]byte, error) {
	ks, err := k.ActiveKeySet(ctx)
	if err != nil {
		return nil, err
	}
	root, err := types.ParseRootPubkey(ks.Pubkey)
	if err != nil {
		return nil, errorsmod.Wrapf(err, "stored key set %d", ks.Id)
	}
	child, err := types.DeriveChildPubkey(root, keyID)
	if err != nil {
		return nil, err
	}
	return child.SerializeUncompressed(), nil
}

// InitGenesis stores the genesis key sets.
func (k Keeper) InitGenesis(ctx context.Context, gs types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	for _, ks := range gs.KeySets {
		if err := k.KeySets.Set(ctx, ks.Id, ks); err != nil {
			return err
		}
	}
	return nil
}

// ExportGenesis returns every key set in id order.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	gs := types.DefaultGenesis()
	err := k.KeySets.Walk(ctx, nil, func(_ uint64, ks types.KeySet) (bool, error) {
		gs.KeySets = append(gs.KeySets, ks)
		return false, nil
	})
	return gs, err
}
