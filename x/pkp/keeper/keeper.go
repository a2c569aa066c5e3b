// Package keeper holds x/pkp state: PKP records, their owner, Ethereum address
// and auth method indexes, and their permissions.
package keeper

import (
	"context"
	"errors"
	"strings"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	"cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/pkp/types"
)

// Keeper is the x/pkp state. Token ids are the 32 raw bytes in keys.
type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	bank         types.BankKeeper
	tss          types.TSSKeeper
	// actions is shared by the keeper's copies, so SetActionsKeeper after
	// x/actions is built reaches the one the module serves with.
	actions *actionsRef
	// feeCollector is the module account that receives mint fees.
	feeCollector string
	// authority may update params (the gov module account).
	authority string

	Schema             collections.Schema
	Params             collections.Item[types.Params]
	PKPs               collections.Map[[]byte, types.PKP]
	ByOwner            collections.KeySet[collections.Pair[sdk.AccAddress, []byte]]
	ByEthAddress       collections.Map[[]byte, []byte]
	PermittedActions   collections.Map[collections.Pair[[]byte, string], types.PermittedAction]
	PermittedAddresses collections.Map[collections.Pair[[]byte, sdk.AccAddress], types.PermittedAddress]
	// AuthMethods is keyed by (token id, keccak256(type || id)).
	AuthMethods  collections.Map[collections.Pair[[]byte, []byte], types.AuthMethod]
	ByAuthMethod collections.KeySet[collections.Pair[[]byte, []byte]]
	NextKeyID    collections.Sequence
	// AuthMethodCounters is keyed like AuthMethods and kept when the auth
	// method is removed.
	AuthMethodCounters collections.Map[collections.Pair[[]byte, []byte], types.AuthMethodCounter]
	// SessionKeys: (token id, 33-byte session pubkey) -> session key.
	SessionKeys collections.Map[collections.Pair[[]byte, []byte], types.SessionKey]
}

// NewKeeper builds the x/pkp schema.
func NewKeeper(
	cdc codec.BinaryCodec, storeService store.KVStoreService, addressCodec address.Codec,
	bank types.BankKeeper, tss types.TSSKeeper, feeCollector, authority string,
) Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(errorsmod.Wrapf(err, "invalid x/pkp authority %q", authority))
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		cdc:          cdc,
		addressCodec: addressCodec,
		bank:         bank,
		tss:          tss,
		actions:      &actionsRef{},
		feeCollector: feeCollector,
		authority:    authority,

		Params:       collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		PKPs:         collections.NewMap(sb, types.PKPsKey, "pkps", collections.BytesKey, codec.CollValue[types.PKP](cdc)),
		ByOwner:      collections.NewKeySet(sb, types.PKPsByOwnerKey, "pkps_by_owner", collections.PairKeyCodec(sdk.AccAddressKey, collections.BytesKey)),
		ByEthAddress: collections.NewMap(sb, types.PKPsByEthAddressKey, "pkps_by_eth_address", collections.BytesKey, collections.BytesValue),
		PermittedActions: collections.NewMap(sb, types.PermittedActionsKey, "permitted_actions",
			collections.PairKeyCodec(collections.BytesKey, collections.StringKey), codec.CollValue[types.PermittedAction](cdc)),
		PermittedAddresses: collections.NewMap(sb, types.PermittedAddressesKey, "permitted_addresses",
			collections.PairKeyCodec(collections.BytesKey, sdk.AccAddressKey), codec.CollValue[types.PermittedAddress](cdc)),
		AuthMethods: collections.NewMap(sb, types.AuthMethodsKey, "auth_methods",
			collections.PairKeyCodec(collections.BytesKey, collections.BytesKey), codec.CollValue[types.AuthMethod](cdc)),
		ByAuthMethod: collections.NewKeySet(sb, types.PKPsByAuthMethodKey, "pkps_by_auth_method",
			collections.PairKeyCodec(collections.BytesKey, collections.BytesKey)),
		NextKeyID: collections.NewSequence(sb, types.NextKeyIDKey, "next_key_id"),
		AuthMethodCounters: collections.NewMap(sb, types.AuthMethodCountersKey, "auth_method_counters",
			collections.PairKeyCodec(collections.BytesKey, collections.BytesKey), codec.CollValue[types.AuthMethodCounter](cdc)),
		SessionKeys: collections.NewMap(sb, types.SessionKeysKey, "session_keys",
			collections.PairKeyCodec(collections.BytesKey, collections.BytesKey), codec.CollValue[types.SessionKey](cdc)),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

type actionsRef struct{ types.ActionsKeeper }

// SetActionsKeeper wires the executions action conditions read.
func (k Keeper) SetActionsKeeper(a types.ActionsKeeper) { k.actions.ActionsKeeper = a }

// Authority is the account allowed to update params.
func (k Keeper) Authority() string { return k.authority }

// GetPKP loads a PKP by raw token id; ErrPKPNotFound if absent.
func (k Keeper) GetPKP(ctx context.Context, tokenID []byte) (types.PKP, error) {
	p, err := k.PKPs.Get(ctx, tokenID)
	if errors.Is(err, collections.ErrNotFound) {
		return types.PKP{}, errorsmod.Wrapf(types.ErrPKPNotFound, "%s", types.FormatTokenID(tokenID))
	}
	return p, err
}

// View adds the derived Ethereum and bech32 addresses to a PKP.
func (k Keeper) View(p types.PKP) (types.PKPView, error) {
	pk, err := types.ParsePubkey(p.Pubkey)
	if err != nil {
		return types.PKPView{}, err
	}
	addr, err := k.addressCodec.BytesToString(types.AccAddress(pk))
	if err != nil {
		return types.PKPView{}, err
	}
	return types.PKPView{Pkp: p, EthAddress: types.EthAddressChecksum(types.EthAddressBytes(pk)), Address: addr}, nil
}

// IsPermittedAction tells whether the action with this CID may sign with the
// PKP, and with which scopes. x/tss and x/actions call it before signing.
func (k Keeper) IsPermittedAction(ctx context.Context, tokenID []byte, cid string) (bool, []types.Scope, error) {
	a, err := k.PermittedActions.Get(ctx, collections.Join(tokenID, cid))
	if errors.Is(err, collections.ErrNotFound) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, err
	}
	return true, a.Scopes, nil
}

// IsPermittedAddress tells whether an account may sign with the PKP. The
// owner of an unburned PKP always may, with every scope.
func (k Keeper) IsPermittedAddress(ctx context.Context, p types.PKP, tokenID []byte, addr sdk.AccAddress) (bool, []types.Scope, error) {
	if !p.Burned {
		owner, err := k.addressCodec.StringToBytes(p.Owner)
		if err != nil {
			return false, nil, err
		}
		if addr.Equals(sdk.AccAddress(owner)) {
			return true, []types.Scope{types.SCOPE_SIGN_ANYTHING, types.SCOPE_PERSONAL_SIGN}, nil
		}
	}
	a, err := k.PermittedAddresses.Get(ctx, collections.Join(tokenID, addr))
	if errors.Is(err, collections.ErrNotFound) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, err
	}
	return true, a.Scopes, nil
}

// IsPermittedAuthMethod tells whether the auth method (type, id) may act for
// the PKP, and with which scopes.
func (k Keeper) IsPermittedAuthMethod(ctx context.Context, tokenID []byte, authMethodType uint64, id string) (bool, []types.Scope, error) {
	am, ok, err := k.authMethod(ctx, tokenID, authMethodType, id)
	return ok, am.Scopes, err
}

// authMethod reads a PKP's auth method; ok is false when it does not permit it.
func (k Keeper) authMethod(ctx context.Context, tokenID []byte, authMethodType uint64, id string) (types.AuthMethod, bool, error) {
	am, err := k.AuthMethods.Get(ctx, collections.Join(tokenID, types.AuthMethodKey(authMethodType, id)))
	if errors.Is(err, collections.ErrNotFound) {
		return types.AuthMethod{}, false, nil
	}
	return am, err == nil, err
}

// AccountOf is the account an address a Lit Action passes names: a bech32
// account address, or the 0x Ethereum address of a PKP (whose account is
// derived from the same key). ok is false for a 0x address of no PKP: an
// account's Ethereum-style address is not its account address on this chain,
// so it names no account.
func (k Keeper) AccountOf(ctx context.Context, address string) (sdk.AccAddress, bool, error) {
	if !strings.HasPrefix(strings.ToLower(address), "0x") {
		addr, err := k.parseAccount("address", address)
		return addr, err == nil, err
	}
	eth, err := types.ParseEthAddress(address)
	if err != nil {
		return nil, false, err
	}
	tokenID, err := k.ByEthAddress.Get(ctx, eth)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	p, err := k.GetPKP(ctx, tokenID)
	if err != nil {
		return nil, false, err
	}
	pk, err := types.ParsePubkey(p.Pubkey)
	if err != nil {
		return nil, false, err
	}
	return types.AccAddress(pk), true, nil
}

// PermittedActionsUpTo, PermittedAddressesUpTo and AuthMethodsUpTo list at
// most limit of a PKP's permissions of one kind, in key order; more tells
// whether it has others. They read at most limit+1 entries, whatever the PKP
// holds.
func (k Keeper) PermittedActionsUpTo(ctx context.Context, tokenID []byte, limit int) ([]types.PermittedAction, bool, error) {
	return firstOf(ctx, k.PermittedActions, tokenID, limit)
}

// PermittedAddressesUpTo: see PermittedActionsUpTo.
func (k Keeper) PermittedAddressesUpTo(ctx context.Context, tokenID []byte, limit int) ([]types.PermittedAddress, bool, error) {
	return firstOf(ctx, k.PermittedAddresses, tokenID, limit)
}

// AuthMethodsUpTo: see PermittedActionsUpTo.
func (k Keeper) AuthMethodsUpTo(ctx context.Context, tokenID []byte, limit int) ([]types.AuthMethod, bool, error) {
	return firstOf(ctx, k.AuthMethods, tokenID, limit)
}

// firstOf lists at most limit values of m under tokenID, in key order, and
// whether there are more; a negative limit lists them all.
func firstOf[K, V any](ctx context.Context, m collections.Map[collections.Pair[[]byte, K], V], tokenID []byte, limit int) ([]V, bool, error) {
	var (
		out  []V
		more bool
	)
	err := m.Walk(ctx, collections.NewPrefixedPairRange[[]byte, K](tokenID), func(_ collections.Pair[[]byte, K], v V) (bool, error) {
		if len(out) == limit {
			more = true
			return true, nil
		}
		out = append(out, v)
		return false, nil
	})
	return out, more, err
}
