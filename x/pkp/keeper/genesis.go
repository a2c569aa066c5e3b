package keeper

import (
	"context"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/pkp/types"
)

// InitGenesis validates and stores the genesis state.
func (k Keeper) InitGenesis(ctx context.Context, gs types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	if err := k.NextKeyID.Set(ctx, gs.NextKeyId); err != nil {
		return err
	}
	for _, p := range gs.Pkps {
		tokenID, err := types.ParseTokenID(p.TokenId)
		if err != nil {
			return err
		}
		if err := k.storePKP(ctx, p, tokenID); err != nil {
			return err
		}
	}
	for _, a := range gs.PermittedActions {
		tokenID, err := types.ParseTokenID(a.TokenId)
		if err != nil {
			return err
		}
		a.Action.Scopes, err = types.NormalizeScopes(a.Action.Scopes)
		if err != nil {
			return err
		}
		if err := k.PermittedActions.Set(ctx, collections.Join(tokenID, a.Action.Cid), a.Action); err != nil {
			return err
		}
	}
	for _, a := range gs.PermittedAddresses {
		tokenID, err := types.ParseTokenID(a.TokenId)
		if err != nil {
			return err
		}
		addr, err := k.parseAccount("permitted address", a.Address.Address)
		if err != nil {
			return err
		}
		a.Address.Scopes, err = types.NormalizeScopes(a.Address.Scopes)
		if err != nil {
			return err
		}
		if err := k.PermittedAddresses.Set(ctx, collections.Join(tokenID, addr), a.Address); err != nil {
			return err
		}
	}
	for _, a := range gs.AuthMethods {
		tokenID, err := types.ParseTokenID(a.TokenId)
		if err != nil {
			return err
		}
		am := a.AuthMethod
		if err := am.Validate(); err != nil {
			return err
		}
		if err := k.setAuthMethod(ctx, tokenID, am); err != nil {
			return err
		}
	}
	for _, c := range gs.AuthMethodCounters {
		tokenID, err := types.ParseTokenID(c.TokenId)
		if err != nil {
			return err
		}
		key := collections.Join(tokenID, types.AuthMethodKey(c.Counter.AuthMethodType, c.Counter.Id))
		if err := k.AuthMethodCounters.Set(ctx, key, c.Counter); err != nil {
			return err
		}
	}
	for _, sk := range gs.SessionKeys {
		tokenID, err := types.ParseTokenID(sk.TokenId)
		if err != nil {
			return err
		}
		pub, err := types.ParseSessionPubkey(sk.Pubkey)
		if err != nil {
			return err
		}
		if err := k.SessionKeys.Set(ctx, collections.Join(tokenID, pub), sk); err != nil {
			return err
		}
	}
	return nil
}

// ExportGenesis returns the whole module state in key order.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	next, err := k.NextKeyID.Peek(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: params, NextKeyId: next}
	err = k.PKPs.Walk(ctx, nil, func(_ []byte, p types.PKP) (bool, error) {
		gs.Pkps = append(gs.Pkps, p)
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	err = k.PermittedActions.Walk(ctx, nil, func(key collections.Pair[[]byte, string], a types.PermittedAction) (bool, error) {
		gs.PermittedActions = append(gs.PermittedActions, types.GenesisPermittedAction{TokenId: types.FormatTokenID(key.K1()), Action: a})
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	err = k.PermittedAddresses.Walk(ctx, nil, func(key collections.Pair[[]byte, sdk.AccAddress], a types.PermittedAddress) (bool, error) {
		gs.PermittedAddresses = append(gs.PermittedAddresses, types.GenesisPermittedAddress{TokenId: types.FormatTokenID(key.K1()), Address: a})
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	err = k.AuthMethods.Walk(ctx, nil, func(key collections.Pair[[]byte, []byte], a types.AuthMethod) (bool, error) {
		gs.AuthMethods = append(gs.AuthMethods, types.GenesisAuthMethod{TokenId: types.FormatTokenID(key.K1()), AuthMethod: a})
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	err = k.AuthMethodCounters.Walk(ctx, nil, func(key collections.Pair[[]byte, []byte], c types.AuthMethodCounter) (bool, error) {
		gs.AuthMethodCounters = append(gs.AuthMethodCounters, types.GenesisAuthMethodCounter{TokenId: types.FormatTokenID(key.K1()), Counter: c})
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	err = k.SessionKeys.Walk(ctx, nil, func(_ collections.Pair[[]byte, []byte], sk types.SessionKey) (bool, error) {
		gs.SessionKeys = append(gs.SessionKeys, sk)
		return false, nil
	})
	return gs, err
}
