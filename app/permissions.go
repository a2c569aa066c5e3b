package app

import (
	"encoding/hex"
	"fmt"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/actions/sandbox"
	pkpkeeper "github.com/litprotocol/litd/x/pkp/keeper"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
)

// permissionReader answers a running action's permission reads from x/pkp's
// committed state at the execution's request height (off-chain, read-only), so
// every validator reads the same whenever it runs the action. The node must
// keep that height (pruning keep-recent >= execution_timeout_blocks). A list
// read reads at most sandbox.MaxListedPermissions + 1 entries and fails for a
// PKP that has more, so a PKP with many permissions costs a bounded read and
// never hands an action part of a list.
type permissionReader struct {
	pkp pkpkeeper.Keeper
	// ctx is the query context at the request height.
	ctx func() (sdk.Context, error)
}

var _ sandbox.Permissions = permissionReader{}

// pkpOf is the query context and the PKP a read names.
func (r permissionReader) pkpOf(tokenIDHex string) (sdk.Context, pkptypes.PKP, []byte, error) {
	ctx, err := r.ctx()
	if err != nil {
		return ctx, pkptypes.PKP{}, nil, err
	}
	tokenID, err := pkptypes.ParseTokenID(tokenIDHex)
	if err != nil {
		return ctx, pkptypes.PKP{}, nil, err
	}
	p, err := r.pkp.GetPKP(ctx, tokenID)
	return ctx, p, tokenID, err
}

// tooMany is the error of a list read of a PKP with more than sandbox.MaxListedPermissions entries.
func tooMany(p pkptypes.PKP, what, instead string) error {
	return fmt.Errorf("pkp %s has more than %d %s; ask %s instead", p.TokenId, sandbox.MaxListedPermissions, what, instead)
}

func (r permissionReader) IsPermittedAction(tokenIDHex, cid string) (bool, error) {
	ctx, err := r.ctx()
	if err != nil {
		return false, err
	}
	tokenID, err := pkptypes.ParseTokenID(tokenIDHex)
	if err != nil {
		return false, err
	}
	ok, _, err := r.pkp.IsPermittedAction(ctx, tokenID, cid)
	return ok, err
}

func (r permissionReader) PermittedActions(tokenIDHex string) ([]string, error) {
	ctx, p, tokenID, err := r.pkpOf(tokenIDHex)
	if err != nil {
		return nil, err
	}
	actions, more, err := r.pkp.PermittedActionsUpTo(ctx, tokenID, sandbox.MaxListedPermissions)
	if err != nil {
		return nil, err
	}
	if more {
		return nil, tooMany(p, "permitted actions", "isPermittedAction")
	}
	cids := make([]string, len(actions))
	for i, a := range actions {
		cids[i] = a.Cid
	}
	return cids, nil
}

// IsPermittedAddress: the owner of an unburned PKP is always permitted, as in
// Lit. address is bech32, or the 0x Ethereum address of a PKP
// (pkpkeeper.Keeper.AccountOf); another 0x address is not permitted.
func (r permissionReader) IsPermittedAddress(tokenIDHex, address string) (bool, error) {
	ctx, p, tokenID, err := r.pkpOf(tokenIDHex)
	if err != nil {
		return false, err
	}
	addr, known, err := r.pkp.AccountOf(ctx, address)
	if err != nil || !known {
		return false, err
	}
	ok, _, err := r.pkp.IsPermittedAddress(ctx, p, tokenID, addr)
	return ok, err
}

// PermittedAddresses lists the owner first (unless the PKP is burned), then
// the permitted addresses, as Lit does; bech32, as x/pkp stores them.
func (r permissionReader) PermittedAddresses(tokenIDHex string) ([]string, error) {
	ctx, p, tokenID, err := r.pkpOf(tokenIDHex)
	if err != nil {
		return nil, err
	}
	addresses, more, err := r.pkp.PermittedAddressesUpTo(ctx, tokenID, sandbox.MaxListedPermissions)
	if err != nil {
		return nil, err
	}
	if more {
		return nil, tooMany(p, "permitted addresses", "isPermittedAddress")
	}
	out := make([]string, 0, len(addresses)+1)
	if !p.Burned {
		out = append(out, p.Owner)
	}
	for _, a := range addresses {
		out = append(out, a.Address)
	}
	return out, nil
}

func (r permissionReader) IsPermittedAuthMethod(tokenIDHex string, authMethodType uint64, userID string) (bool, error) {
	_, ok, err := r.authMethod(tokenIDHex, authMethodType, userID)
	return ok, err
}

// PermittedAuthMethods lists the auth methods as Lit does: each id as its
// bytes in 0x-hex (pkptypes.AuthMethodIDBytes), user_pubkey as stored.
func (r permissionReader) PermittedAuthMethods(tokenIDHex string) ([]sandbox.AuthMethod, error) {
	ctx, p, tokenID, err := r.pkpOf(tokenIDHex)
	if err != nil {
		return nil, err
	}
	ams, more, err := r.pkp.AuthMethodsUpTo(ctx, tokenID, sandbox.MaxListedPermissions)
	if err != nil {
		return nil, err
	}
	if more {
		return nil, tooMany(p, "auth methods", "isPermittedAuthMethod")
	}
	out := make([]sandbox.AuthMethod, len(ams))
	for i, am := range ams {
		out[i] = sandbox.AuthMethod{Type: am.AuthMethodType, ID: "0x" + hex.EncodeToString(pkptypes.AuthMethodIDBytes(am.Id)), UserPubkey: am.UserPubkey}
	}
	return out, nil
}

func (r permissionReader) AuthMethodScopes(tokenIDHex string, authMethodType uint64, userID string) ([]uint64, error) {
	scopes, _, err := r.authMethod(tokenIDHex, authMethodType, userID)
	if err != nil {
		return nil, err
	}
	out := make([]uint64, len(scopes))
	for i, s := range scopes {
		out[i] = uint64(s)
	}
	return out, nil
}

// authMethod is whether the PKP permits the auth method, and its scopes.
func (r permissionReader) authMethod(tokenIDHex string, authMethodType uint64, userID string) ([]pkptypes.Scope, bool, error) {
	if err := pkptypes.ValidateAuthMethodRef(authMethodType, userID); err != nil {
		return nil, false, err
	}
	ctx, _, tokenID, err := r.pkpOf(tokenIDHex)
	if err != nil {
		return nil, false, err
	}
	ok, scopes, err := r.pkp.IsPermittedAuthMethod(ctx, tokenID, authMethodType, userID)
	return scopes, ok, err
}
