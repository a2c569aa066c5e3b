package app

import (
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
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
//
// Its errors are answers only when they are the state's: x/pkp's (a bad
// argument, an unknown PKP) and a list too long. Anything else — the height
// not committed in time or pruned, a store error, a panic (the SDK's stores
// panic on a failed read) — is this node's trouble: it wraps
// sandbox.ErrUnavailable, which ends the run as a crash instead of reaching
// the action or the result.
type permissionReader struct {
	pkp pkpkeeper.Keeper
	// ctx is the query context at the request height.
	ctx func() (sdk.Context, error)
}

var _ sandbox.Permissions = permissionReader{}

// commitWait bounds how long a permission read waits for its height to be
// committed, polling every commitPoll. The engine starts a block's runs from
// the Precommiter, before the block is committed, so a run's first read can
// come a little before the state it reads exists.
const (
	commitWait = 5 * time.Second
	commitPoll = 5 * time.Millisecond
)

// permissionsAt is the engine's reader for an execution of height.
func (app *App) permissionsAt(height int64) sandbox.Permissions {
	return permissionReader{pkp: app.PKPKeeper, ctx: func() (sdk.Context, error) { return app.permissionContext(height, commitWait) }}
}

// permissionContext is a query context at height once this node has committed
// it (waiting up to wait). Its gas meter is its own and infinite, not the
// node's query-gas-limit, which is for RPC: a run's reads are bounded by
// count instead (at most 256 a run, sandbox.MaxListedPermissions + 1 entries
// a list), and an out-of-gas panic would end a run on one node and not on
// another.
func (app *App) permissionContext(height int64, wait time.Duration) (sdk.Context, error) {
	if err := waitCommitted(app.LastBlockHeight, height, wait); err != nil {
		return sdk.Context{}, err
	}
	ctx, err := app.CreateQueryContext(height, false)
	if err != nil {
		return ctx, err
	}
	return ctx.WithGasMeter(storetypes.NewInfiniteGasMeter()), nil
}

// waitCommitted waits up to wait for last() to reach height.
func waitCommitted(last func() int64, height int64, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for last() < height {
		if time.Now().After(deadline) {
			return fmt.Errorf("height %d not committed within %v (last committed %d)", height, wait, last())
		}
		time.Sleep(commitPoll)
	}
	return nil
}

// read runs one read and keeps its answer, or turns what is no answer into
// sandbox.ErrUnavailable (see permissionReader).
func read[T any](do func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			var zero T
			v, err = zero, fmt.Errorf("%w: reading x/pkp state panicked: %T %v", sandbox.ErrUnavailable, r, r)
		}
	}()
	v, err = do()
	if err != nil && !isAnswer(err) {
		var zero T
		return zero, fmt.Errorf("%w: %w", sandbox.ErrUnavailable, err)
	}
	return v, err
}

// isAnswer: an error of x/pkp's codespace, or a list too long.
func isAnswer(err error) bool {
	var cs interface{ Codespace() string }
	var tooLong listTooLong
	return errors.As(err, &tooLong) || (errors.As(err, &cs) && cs.Codespace() == pkptypes.ModuleName)
}

// listTooLong is the answer to a list read of a PKP with more than
// sandbox.MaxListedPermissions entries.
type listTooLong string

func (e listTooLong) Error() string { return string(e) }

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
	return listTooLong(fmt.Sprintf("pkp %s has more than %d %s; ask %s instead", p.TokenId, sandbox.MaxListedPermissions, what, instead))
}

func (r permissionReader) IsPermittedAction(tokenIDHex, cid string) (bool, error) {
	return read(func() (bool, error) {
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
	})
}

func (r permissionReader) PermittedActions(tokenIDHex string) ([]string, error) {
	return read(func() ([]string, error) {
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
	})
}

// IsPermittedAddress: the owner of an unburned PKP is always permitted, as in
// Lit. address is bech32, or the 0x Ethereum address of a PKP
// (pkpkeeper.Keeper.AccountOf); another 0x address is not permitted.
func (r permissionReader) IsPermittedAddress(tokenIDHex, address string) (bool, error) {
	return read(func() (bool, error) {
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
	})
}

// PermittedAddresses lists the owner first (unless the PKP is burned), then
// the permitted addresses, as Lit does; bech32, as x/pkp stores them.
func (r permissionReader) PermittedAddresses(tokenIDHex string) ([]string, error) {
	return read(func() ([]string, error) {
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
	})
}

func (r permissionReader) IsPermittedAuthMethod(tokenIDHex string, authMethodType uint64, userID string) (bool, error) {
	return read(func() (bool, error) {
		_, ok, err := r.authMethod(tokenIDHex, authMethodType, userID)
		return ok, err
	})
}

// PermittedAuthMethods lists the auth methods as Lit does: each id as its
// bytes in 0x-hex (pkptypes.AuthMethodIDBytes), user_pubkey as stored.
func (r permissionReader) PermittedAuthMethods(tokenIDHex string) ([]sandbox.AuthMethod, error) {
	return read(func() ([]sandbox.AuthMethod, error) {
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
	})
}

func (r permissionReader) AuthMethodScopes(tokenIDHex string, authMethodType uint64, userID string) ([]uint64, error) {
	return read(func() ([]uint64, error) {
		scopes, _, err := r.authMethod(tokenIDHex, authMethodType, userID)
		if err != nil {
			return nil, err
		}
		out := make([]uint64, len(scopes))
		for i, s := range scopes {
			out[i] = uint64(s)
		}
		return out, nil
	})
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
