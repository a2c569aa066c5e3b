package keeper

import (
	"context"
	"errors"
	"slices"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/pkp/types"
)

// MaxInitialPermissions bounds each list of initial permissions in MsgMint.
const MaxInitialPermissions = 16

type msgServer struct{ Keeper }

var _ types.MsgServer = msgServer{}

// NewMsgServerImpl returns the x/pkp message server.
func NewMsgServerImpl(k Keeper) types.MsgServer { return msgServer{k} }

// parseAccount decodes a bech32 account address with a typed error naming
// the field.
func (k Keeper) parseAccount(field, s string) (sdk.AccAddress, error) {
	bz, err := k.addressCodec.StringToBytes(s)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "%s %q: %v", field, s, err)
	}
	return bz, nil
}

// canonical renders address bytes the one way state stores them (bech32 is
// case-insensitive; state and comparisons are not).
func (k Keeper) canonical(addr sdk.AccAddress) (string, error) {
	return k.addressCodec.BytesToString(addr)
}

// initialPermissions is MsgMint's permissions after validation.
type initialPermissions struct {
	actions   []types.PermittedAction
	addresses []types.PermittedAddress
	addrBytes []sdk.AccAddress
	auth      []types.AuthMethod
}

func (k Keeper) validateInitialPermissions(msg *types.MsgMint) (initialPermissions, error) {
	var out initialPermissions
	if len(msg.PermittedActions) > MaxInitialPermissions || len(msg.PermittedAddresses) > MaxInitialPermissions || len(msg.AuthMethods) > MaxInitialPermissions {
		return out, errorsmod.Wrapf(types.ErrTooManyPermissions, "at most %d of each kind", MaxInitialPermissions)
	}
	for _, a := range msg.PermittedActions {
		if err := types.ValidateCID(a.Cid); err != nil {
			return out, err
		}
		scopes, err := types.NormalizeScopes(a.Scopes)
		if err != nil {
			return out, err
		}
		if slices.ContainsFunc(out.actions, func(o types.PermittedAction) bool { return o.Cid == a.Cid }) {
			return out, errorsmod.Wrapf(types.ErrDuplicatePermission, "action %s listed twice", a.Cid)
		}
		out.actions = append(out.actions, types.PermittedAction{Cid: a.Cid, Scopes: scopes})
	}
	for _, a := range msg.PermittedAddresses {
		addr, err := k.parseAccount("permitted address", a.Address)
		if err != nil {
			return out, err
		}
		scopes, err := types.NormalizeScopes(a.Scopes)
		if err != nil {
			return out, err
		}
		if slices.ContainsFunc(out.addrBytes, func(o sdk.AccAddress) bool { return o.Equals(addr) }) {
			return out, errorsmod.Wrapf(types.ErrDuplicatePermission, "address %s listed twice", a.Address)
		}
		canon, err := k.canonical(addr)
		if err != nil {
			return out, err
		}
		out.addrBytes = append(out.addrBytes, addr)
		out.addresses = append(out.addresses, types.PermittedAddress{Address: canon, Scopes: scopes})
	}
	for _, am := range msg.AuthMethods {
		if err := am.Validate(); err != nil {
			return out, err
		}
		if slices.ContainsFunc(out.auth, func(o types.AuthMethod) bool { return o.AuthMethodType == am.AuthMethodType && o.Id == am.Id }) {
			return out, errorsmod.Wrapf(types.ErrDuplicatePermission, "auth method %d/%s listed twice", am.AuthMethodType, am.Id)
		}
		out.auth = append(out.auth, am)
	}
	return out, nil
}

// newPKP derives the next key and checks nothing collides, without writing.
func (k Keeper) newPKP(ctx context.Context) (types.PKP, []byte, error) {
	keyID, err := k.NextKeyID.Peek(ctx)
	if err != nil {
		return types.PKP{}, nil, err
	}
	raw, err := k.tss.DerivePubkey(ctx, keyID)
	if err != nil {
		return types.PKP{}, nil, errorsmod.Wrap(types.ErrRootKeyNotReady, err.Error())
	}
	pk, err := types.PubkeyFromBytes(raw)
	if err != nil {
		return types.PKP{}, nil, err
	}
	tokenID := types.TokenIDFromPubkey(pk)
	has, err := k.PKPs.Has(ctx, tokenID)
	if err != nil {
		return types.PKP{}, nil, err
	}
	if has {
		return types.PKP{}, nil, errorsmod.Wrapf(types.ErrInvalidTokenID, "derived key for id %d already minted", keyID)
	}
	p := types.PKP{
		TokenId:      types.FormatTokenID(tokenID),
		Pubkey:       types.PubkeyHex(pk),
		KeyId:        keyID,
		MintedHeight: sdk.UnwrapSDKContext(ctx).BlockHeight(),
	}
	return p, tokenID, nil
}

// payMintFee moves the mint fee from payer to the fee collector.
func (k Keeper) payMintFee(ctx context.Context, payer sdk.AccAddress) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	if params.MintFee.IsZero() {
		return nil
	}
	if err := k.bank.SendCoinsFromAccountToModule(ctx, payer, k.feeCollector, sdk.NewCoins(params.MintFee)); err != nil {
		return errorsmod.Wrapf(types.ErrInsufficientMintFee, "mint fee %s: %v", params.MintFee, err)
	}
	return nil
}

// storePKP writes a PKP record and its indexes.
func (k Keeper) storePKP(ctx context.Context, p types.PKP, tokenID []byte) error {
	pk, err := types.ParsePubkey(p.Pubkey)
	if err != nil {
		return err
	}
	if err := k.PKPs.Set(ctx, tokenID, p); err != nil {
		return err
	}
	if err := k.ByEthAddress.Set(ctx, types.EthAddressBytes(pk), tokenID); err != nil {
		return err
	}
	if p.Burned {
		return nil
	}
	owner, err := k.addressCodec.StringToBytes(p.Owner)
	if err != nil {
		return err
	}
	return k.ByOwner.Set(ctx, collections.Join(sdk.AccAddress(owner), tokenID))
}

func (k Keeper) setAuthMethod(ctx context.Context, tokenID []byte, am types.AuthMethod) error {
	key := types.AuthMethodKey(am.AuthMethodType, am.Id)
	if err := k.AuthMethods.Set(ctx, collections.Join(tokenID, key), am); err != nil {
		return err
	}
	return k.ByAuthMethod.Set(ctx, collections.Join(key, tokenID))
}

func mintedEvent(p types.PKP, owner string) (*types.EventPKPMinted, error) {
	pk, err := types.ParsePubkey(p.Pubkey)
	if err != nil {
		return nil, err
	}
	return &types.EventPKPMinted{
		TokenId: p.TokenId, Pubkey: p.Pubkey, KeyId: p.KeyId, Owner: owner,
		EthAddress: types.EthAddressChecksum(types.EthAddressBytes(pk)), MintGrantBurn: p.MintGrantBurn,
	}, nil
}

func mintResponse(ev *types.EventPKPMinted) *types.MsgMintResponse {
	return &types.MsgMintResponse{TokenId: ev.TokenId, Pubkey: ev.Pubkey, EthAddress: ev.EthAddress}
}

// Mint creates a PKP owned by the creator with optional initial permissions.
func (k msgServer) Mint(ctx context.Context, msg *types.MsgMint) (*types.MsgMintResponse, error) {
	creator, err := k.parseAccount("creator", msg.Creator)
	if err != nil {
		return nil, err
	}
	perms, err := k.validateInitialPermissions(msg)
	if err != nil {
		return nil, err
	}
	p, tokenID, err := k.newPKP(ctx)
	if err != nil {
		return nil, err
	}
	if p.Owner, err = k.canonical(creator); err != nil {
		return nil, err
	}
	ev, err := mintedEvent(p, p.Owner)
	if err != nil {
		return nil, err
	}
	// All input is valid: from here on, write.
	if err := k.payMintFee(ctx, creator); err != nil {
		return nil, err
	}
	if _, err := k.NextKeyID.Next(ctx); err != nil {
		return nil, err
	}
	if err := k.storePKP(ctx, p, tokenID); err != nil {
		return nil, err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	if err := sdkCtx.EventManager().EmitTypedEvent(ev); err != nil {
		return nil, err
	}
	for _, a := range perms.actions {
		if err := k.PermittedActions.Set(ctx, collections.Join(tokenID, a.Cid), a); err != nil {
			return nil, err
		}
		if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventPermittedActionAdded{TokenId: p.TokenId, Cid: a.Cid, Scopes: a.Scopes}); err != nil {
			return nil, err
		}
	}
	for i, a := range perms.addresses {
		if err := k.PermittedAddresses.Set(ctx, collections.Join(tokenID, perms.addrBytes[i]), a); err != nil {
			return nil, err
		}
		if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventPermittedAddressAdded{TokenId: p.TokenId, Address: a.Address, Scopes: a.Scopes}); err != nil {
			return nil, err
		}
	}
	for _, am := range perms.auth {
		if err := k.setAuthMethod(ctx, tokenID, am); err != nil {
			return nil, err
		}
		if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventAuthMethodAdded{TokenId: p.TokenId, AuthMethodType: am.AuthMethodType, Id: am.Id, Scopes: am.Scopes}); err != nil {
			return nil, err
		}
	}
	return mintResponse(ev), nil
}

// MintGrantBurn mints a PKP, permits exactly one action with SignAnything and
// burns it in one state transition. No owner index entry is ever written: the
// PKP never exists as an account-controlled key.
func (k msgServer) MintGrantBurn(ctx context.Context, msg *types.MsgMintGrantBurn) (*types.MsgMintResponse, error) {
	creator, err := k.parseAccount("creator", msg.Creator)
	if err != nil {
		return nil, err
	}
	if err := types.ValidateCID(msg.ActionCid); err != nil {
		return nil, err
	}
	p, tokenID, err := k.newPKP(ctx)
	if err != nil {
		return nil, err
	}
	p.Burned, p.MintGrantBurn = true, true
	creatorStr, err := k.canonical(creator)
	if err != nil {
		return nil, err
	}
	ev, err := mintedEvent(p, creatorStr)
	if err != nil {
		return nil, err
	}
	if err := k.payMintFee(ctx, creator); err != nil {
		return nil, err
	}
	if _, err := k.NextKeyID.Next(ctx); err != nil {
		return nil, err
	}
	if err := k.storePKP(ctx, p, tokenID); err != nil {
		return nil, err
	}
	action := types.PermittedAction{Cid: msg.ActionCid, Scopes: []types.Scope{types.SCOPE_SIGN_ANYTHING}}
	if err := k.PermittedActions.Set(ctx, collections.Join(tokenID, msg.ActionCid), action); err != nil {
		return nil, err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvents(
		ev,
		&types.EventPermittedActionAdded{TokenId: p.TokenId, Cid: action.Cid, Scopes: action.Scopes},
		&types.EventPKPBurned{TokenId: p.TokenId, Owner: creatorStr},
	); err != nil {
		return nil, err
	}
	return mintResponse(ev), nil
}

// ownedPKP validates signer and token id, then loads a PKP the signer owns
// and that is not burned.
func (k Keeper) ownedPKP(ctx context.Context, owner, tokenIDHex string) (types.PKP, []byte, sdk.AccAddress, error) {
	addr, err := k.parseAccount("owner", owner)
	if err != nil {
		return types.PKP{}, nil, nil, err
	}
	tokenID, err := types.ParseTokenID(tokenIDHex)
	if err != nil {
		return types.PKP{}, nil, nil, err
	}
	p, err := k.GetPKP(ctx, tokenID)
	if err != nil {
		return types.PKP{}, nil, nil, err
	}
	if p.Burned {
		return types.PKP{}, nil, nil, errorsmod.Wrapf(types.ErrPKPBurned, "%s", p.TokenId)
	}
	if canon, err := k.canonical(addr); err != nil || p.Owner != canon {
		return types.PKP{}, nil, nil, errorsmod.Wrapf(types.ErrUnauthorized, "%s is owned by %s, not %s", p.TokenId, p.Owner, owner)
	}
	return p, tokenID, addr, nil
}

// Transfer gives a PKP to another account.
func (k msgServer) Transfer(ctx context.Context, msg *types.MsgTransfer) (*types.MsgTransferResponse, error) {
	recipient, err := k.parseAccount("recipient", msg.Recipient)
	if err != nil {
		return nil, err
	}
	p, tokenID, owner, err := k.ownedPKP(ctx, msg.Owner, msg.TokenId)
	if err != nil {
		return nil, err
	}
	if owner.Equals(recipient) {
		return nil, errorsmod.Wrap(types.ErrInvalidAddress, "recipient already owns the pkp")
	}
	if err := k.ByOwner.Remove(ctx, collections.Join(owner, tokenID)); err != nil {
		return nil, err
	}
	if p.Owner, err = k.canonical(recipient); err != nil {
		return nil, err
	}
	if err := k.storePKP(ctx, p, tokenID); err != nil {
		return nil, err
	}
	from, err := k.canonical(owner)
	if err != nil {
		return nil, err
	}
	return &types.MsgTransferResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(
		&types.EventPKPTransferred{TokenId: p.TokenId, From: from, To: p.Owner})
}

// Burn removes the owner for good; permitted actions keep signing.
func (k msgServer) Burn(ctx context.Context, msg *types.MsgBurn) (*types.MsgBurnResponse, error) {
	p, tokenID, owner, err := k.ownedPKP(ctx, msg.Owner, msg.TokenId)
	if err != nil {
		return nil, err
	}
	if err := k.ByOwner.Remove(ctx, collections.Join(owner, tokenID)); err != nil {
		return nil, err
	}
	p.Owner, p.Burned = "", true
	if err := k.PKPs.Set(ctx, tokenID, p); err != nil {
		return nil, err
	}
	ownerStr, err := k.canonical(owner)
	if err != nil {
		return nil, err
	}
	return &types.MsgBurnResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(
		&types.EventPKPBurned{TokenId: p.TokenId, Owner: ownerStr})
}

// AddPermittedAction lets an action (by IPFS CID) sign with the PKP.
func (k msgServer) AddPermittedAction(ctx context.Context, msg *types.MsgAddPermittedAction) (*types.MsgAddPermittedActionResponse, error) {
	if err := types.ValidateCID(msg.ActionCid); err != nil {
		return nil, err
	}
	scopes, err := types.NormalizeScopes(msg.Scopes)
	if err != nil {
		return nil, err
	}
	p, tokenID, _, err := k.ownedPKP(ctx, msg.Owner, msg.TokenId)
	if err != nil {
		return nil, err
	}
	key := collections.Join(tokenID, msg.ActionCid)
	has, err := k.PermittedActions.Has(ctx, key)
	if err != nil {
		return nil, err
	}
	if has {
		return nil, errorsmod.Wrapf(types.ErrDuplicatePermission, "action %s already permitted on %s", msg.ActionCid, p.TokenId)
	}
	if err := k.PermittedActions.Set(ctx, key, types.PermittedAction{Cid: msg.ActionCid, Scopes: scopes}); err != nil {
		return nil, err
	}
	return &types.MsgAddPermittedActionResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(
		&types.EventPermittedActionAdded{TokenId: p.TokenId, Cid: msg.ActionCid, Scopes: scopes})
}

// RemovePermittedAction revokes an action's right to sign.
func (k msgServer) RemovePermittedAction(ctx context.Context, msg *types.MsgRemovePermittedAction) (*types.MsgRemovePermittedActionResponse, error) {
	if err := types.ValidateCID(msg.ActionCid); err != nil {
		return nil, err
	}
	p, tokenID, _, err := k.ownedPKP(ctx, msg.Owner, msg.TokenId)
	if err != nil {
		return nil, err
	}
	key := collections.Join(tokenID, msg.ActionCid)
	has, err := k.PermittedActions.Has(ctx, key)
	if err != nil {
		return nil, err
	}
	if !has {
		return nil, errorsmod.Wrapf(types.ErrPermissionNotFound, "action %s is not permitted on %s", msg.ActionCid, p.TokenId)
	}
	if err := k.PermittedActions.Remove(ctx, key); err != nil {
		return nil, err
	}
	return &types.MsgRemovePermittedActionResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(
		&types.EventPermittedActionRemoved{TokenId: p.TokenId, Cid: msg.ActionCid})
}

// AddPermittedAddress lets another account sign with the PKP.
func (k msgServer) AddPermittedAddress(ctx context.Context, msg *types.MsgAddPermittedAddress) (*types.MsgAddPermittedAddressResponse, error) {
	addr, err := k.parseAccount("address", msg.Address)
	if err != nil {
		return nil, err
	}
	scopes, err := types.NormalizeScopes(msg.Scopes)
	if err != nil {
		return nil, err
	}
	p, tokenID, _, err := k.ownedPKP(ctx, msg.Owner, msg.TokenId)
	if err != nil {
		return nil, err
	}
	key := collections.Join(tokenID, addr)
	has, err := k.PermittedAddresses.Has(ctx, key)
	if err != nil {
		return nil, err
	}
	if has {
		return nil, errorsmod.Wrapf(types.ErrDuplicatePermission, "address %s already permitted on %s", msg.Address, p.TokenId)
	}
	canon, err := k.canonical(addr)
	if err != nil {
		return nil, err
	}
	if err := k.PermittedAddresses.Set(ctx, key, types.PermittedAddress{Address: canon, Scopes: scopes}); err != nil {
		return nil, err
	}
	return &types.MsgAddPermittedAddressResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(
		&types.EventPermittedAddressAdded{TokenId: p.TokenId, Address: canon, Scopes: scopes})
}

// RemovePermittedAddress revokes an account's right to sign.
func (k msgServer) RemovePermittedAddress(ctx context.Context, msg *types.MsgRemovePermittedAddress) (*types.MsgRemovePermittedAddressResponse, error) {
	addr, err := k.parseAccount("address", msg.Address)
	if err != nil {
		return nil, err
	}
	p, tokenID, _, err := k.ownedPKP(ctx, msg.Owner, msg.TokenId)
	if err != nil {
		return nil, err
	}
	key := collections.Join(tokenID, addr)
	has, err := k.PermittedAddresses.Has(ctx, key)
	if err != nil {
		return nil, err
	}
	if !has {
		return nil, errorsmod.Wrapf(types.ErrPermissionNotFound, "address %s is not permitted on %s", msg.Address, p.TokenId)
	}
	if err := k.PermittedAddresses.Remove(ctx, key); err != nil {
		return nil, err
	}
	canon, err := k.canonical(addr)
	if err != nil {
		return nil, err
	}
	return &types.MsgRemovePermittedAddressResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(
		&types.EventPermittedAddressRemoved{TokenId: p.TokenId, Address: canon})
}

// AddAuthMethod lets an external credential sign with the PKP.
func (k msgServer) AddAuthMethod(ctx context.Context, msg *types.MsgAddAuthMethod) (*types.MsgAddAuthMethodResponse, error) {
	am := msg.AuthMethod
	if err := am.Validate(); err != nil {
		return nil, err
	}
	p, tokenID, _, err := k.ownedPKP(ctx, msg.Owner, msg.TokenId)
	if err != nil {
		return nil, err
	}
	key := collections.Join(tokenID, types.AuthMethodKey(am.AuthMethodType, am.Id))
	has, err := k.AuthMethods.Has(ctx, key)
	if err != nil {
		return nil, err
	}
	if has {
		return nil, errorsmod.Wrapf(types.ErrDuplicatePermission, "auth method %d/%s already on %s", am.AuthMethodType, am.Id, p.TokenId)
	}
	if err := k.setAuthMethod(ctx, tokenID, am); err != nil {
		return nil, err
	}
	return &types.MsgAddAuthMethodResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(
		&types.EventAuthMethodAdded{TokenId: p.TokenId, AuthMethodType: am.AuthMethodType, Id: am.Id, Scopes: am.Scopes})
}

// RemoveAuthMethod revokes an auth method.
func (k msgServer) RemoveAuthMethod(ctx context.Context, msg *types.MsgRemoveAuthMethod) (*types.MsgRemoveAuthMethodResponse, error) {
	if err := types.ValidateAuthMethodRef(msg.AuthMethodType, msg.Id); err != nil {
		return nil, err
	}
	p, tokenID, _, err := k.ownedPKP(ctx, msg.Owner, msg.TokenId)
	if err != nil {
		return nil, err
	}
	authKey := types.AuthMethodKey(msg.AuthMethodType, msg.Id)
	key := collections.Join(tokenID, authKey)
	am, has, err := k.authMethod(ctx, tokenID, msg.AuthMethodType, msg.Id)
	if err != nil {
		return nil, err
	}
	if !has {
		return nil, errorsmod.Wrapf(types.ErrPermissionNotFound, "auth method %d/%s is not on %s", msg.AuthMethodType, msg.Id, p.TokenId)
	}
	if err := k.AuthMethods.Remove(ctx, key); err != nil {
		return nil, err
	}
	if err := k.ByAuthMethod.Remove(ctx, collections.Join(authKey, tokenID)); err != nil {
		return nil, err
	}
	if err := k.removeSessionsOf(ctx, p, tokenID, authKey, p.Owner); err != nil {
		return nil, err
	}
	// Spend a nonce: a proof made before the removal but never sent must
	// not work if the owner adds the auth method again.
	counter, err := k.authMethodCounter(ctx, key)
	if err != nil {
		return nil, err
	}
	if err := k.advance(ctx, authTarget{tokenID: tokenID, pkp: p, am: am, counter: counter}, counter.SignCount); err != nil {
		return nil, err
	}
	return &types.MsgRemoveAuthMethodResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(
		&types.EventAuthMethodRemoved{TokenId: p.TokenId, AuthMethodType: msg.AuthMethodType, Id: msg.Id})
}

// AddAuthMethodScope permits a permitted auth method one more scope.
func (k msgServer) AddAuthMethodScope(ctx context.Context, msg *types.MsgAddAuthMethodScope) (*types.MsgAuthMethodScopeResponse, error) {
	return k.changeAuthMethodScope(ctx, msg.Owner, msg.TokenId, msg.AuthMethodType, msg.Id, func(scopes []types.Scope) ([]types.Scope, error) {
		if slices.Contains(scopes, msg.Scope) {
			return nil, errorsmod.Wrapf(types.ErrDuplicatePermission, "the auth method already has scope %s", msg.Scope)
		}
		return types.NormalizeScopes(append(slices.Clone(scopes), msg.Scope))
	})
}

// RemoveAuthMethodScope takes a scope from a permitted auth method; its last
// scope stays (remove the auth method instead).
func (k msgServer) RemoveAuthMethodScope(ctx context.Context, msg *types.MsgRemoveAuthMethodScope) (*types.MsgAuthMethodScopeResponse, error) {
	return k.changeAuthMethodScope(ctx, msg.Owner, msg.TokenId, msg.AuthMethodType, msg.Id, func(scopes []types.Scope) ([]types.Scope, error) {
		i := slices.Index(scopes, msg.Scope)
		if i < 0 {
			return nil, errorsmod.Wrapf(types.ErrPermissionNotFound, "the auth method has no scope %s", msg.Scope)
		}
		if len(scopes) == 1 {
			return nil, errorsmod.Wrap(types.ErrInvalidScopes, "that is the auth method's last scope: remove the auth method instead")
		}
		return slices.Delete(slices.Clone(scopes), i, i+1), nil
	})
}

// changeAuthMethodScope applies change to the scopes of a PKP's auth method,
// writes them and emits EventAuthMethodScopesChanged.
func (k msgServer) changeAuthMethodScope(ctx context.Context, owner, tokenIDHex string, typ uint64, id string,
	change func([]types.Scope) ([]types.Scope, error),
) (*types.MsgAuthMethodScopeResponse, error) {
	if err := types.ValidateAuthMethodRef(typ, id); err != nil {
		return nil, err
	}
	p, tokenID, _, err := k.ownedPKP(ctx, owner, tokenIDHex)
	if err != nil {
		return nil, err
	}
	key := collections.Join(tokenID, types.AuthMethodKey(typ, id))
	am, err := k.AuthMethods.Get(ctx, key)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, errorsmod.Wrapf(types.ErrPermissionNotFound, "auth method %d/%s is not on %s", typ, id, p.TokenId)
	} else if err != nil {
		return nil, err
	}
	scopes, err := change(am.Scopes)
	if err != nil {
		return nil, err
	}
	am.Scopes = scopes
	if err := k.AuthMethods.Set(ctx, key, am); err != nil {
		return nil, err
	}
	return &types.MsgAuthMethodScopeResponse{Scopes: scopes}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(
		&types.EventAuthMethodScopesChanged{TokenId: p.TokenId, AuthMethodType: typ, Id: am.Id, Scopes: scopes})
}

// UpdateParams sets new params; only the authority may.
func (k msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if msg.Authority != k.authority {
		return nil, errorsmod.Wrapf(types.ErrInvalidAuthority, "expected %s, got %s", k.authority, msg.Authority)
	}
	if err := msg.Params.Validate(); err != nil {
		return nil, err
	}
	if err := k.Params.Set(ctx, msg.Params); err != nil {
		return nil, err
	}
	return &types.MsgUpdateParamsResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(
		&types.EventParamsUpdated{Params: &msg.Params})
}
