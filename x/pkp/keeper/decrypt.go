package keeper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/pkp/types"
)

// ConditionReadGas is charged per condition evaluated, before its reads: a
// store read or two, and for an action, decoding its js_params.
const ConditionReadGas = 2000

// decryptEnv is what access conditions are evaluated against: the
// requester, the auth methods it proved, the executions it named.
type decryptEnv struct {
	requester      sdk.AccAddress
	requesterCanon string
	identity       string
	auths          []types.VerifiedAuthMethod
	executions     []uint64
}

// Decrypt serves MsgDecrypt: it checks the header (shape, conditions, the
// proof binding R to the identity), verifies every presented auth method
// over the request's hash, evaluates the conditions at this height, and only
// then asks x/tss for shares sealed to requester_key, charging the decrypt
// fee; a refusal writes nothing and no share is ever made for it.
func (k msgServer) Decrypt(ctx context.Context, msg *types.MsgDecrypt) (*types.MsgDecryptResponse, error) {
	requester, err := k.parseAccount("requester", msg.Requester)
	if err != nil {
		return nil, err
	}
	canon, err := k.canonical(requester)
	if err != nil {
		return nil, err
	}
	if len(msg.AuthMethods) > types.MaxDecryptAuths || len(msg.ExecutionIds) > types.MaxDecryptActions {
		return nil, errorsmod.Wrapf(types.ErrInvalidConditions, "at most %d auth methods and %d executions per request", types.MaxDecryptAuths, types.MaxDecryptActions)
	}
	id, err := msg.Header.Validate()
	if err != nil {
		return nil, err
	}
	env := decryptEnv{requester: requester, requesterCanon: canon, identity: types.IdentityHex(id), executions: msg.ExecutionIds}
	hash, err := types.DecryptionHash(canon, msg.Header, msg.RequesterKey)
	if err != nil {
		return nil, err
	}
	var commits []func(context.Context) error
	for _, p := range msg.AuthMethods {
		v, commit, err := k.verifyPresentation(ctx, types.AUTH_PURPOSE_DECRYPT, types.SESSION_CAPABILITY_DECRYPT, p, hash)
		if err != nil {
			return nil, err
		}
		env.auths, commits = append(env.auths, v), append(commits, commit)
	}
	ok, why, err := k.holds(ctx, env, msg.Header.Conditions)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errorsmod.Wrapf(types.ErrAccessDenied, "%s", why)
	}
	decID, err := k.tss.RequestDecryption(ctx, canon, requester, msg.Header.Ephemeral, id[:], msg.RequesterKey)
	if err != nil {
		return nil, err
	}
	for _, commit := range commits {
		if err := commit(ctx); err != nil {
			return nil, err
		}
	}
	return &types.MsgDecryptResponse{DecryptionId: decID}, nil
}

// holds evaluates c for env; when it does not hold, why says which
// condition failed.
func (k Keeper) holds(ctx context.Context, env decryptEnv, c types.AccessCondition) (bool, string, error) {
	sdk.UnwrapSDKContext(ctx).GasMeter().ConsumeGas(ConditionReadGas, "access condition")
	switch c.Type {
	case types.CONDITION_TYPE_ALL, types.CONDITION_TYPE_ANY:
		var whys []string
		for _, sub := range c.Conditions {
			ok, why, err := k.holds(ctx, env, sub)
			if err != nil {
				return false, "", err
			}
			if ok && c.Type == types.CONDITION_TYPE_ANY {
				return true, "", nil
			}
			if !ok && c.Type == types.CONDITION_TYPE_ALL {
				return false, why, nil
			}
			whys = append(whys, why)
		}
		if c.Type == types.CONDITION_TYPE_ALL {
			return true, "", nil
		}
		return false, fmt.Sprintf("none of %d conditions holds: %v", len(whys), whys), nil
	case types.CONDITION_TYPE_PKP_OWNER, types.CONDITION_TYPE_PERMITTED_ADDRESS:
		tokenID, err := types.ParseTokenID(c.TokenId)
		if err != nil {
			return false, "", err
		}
		p, err := k.PKPs.Get(ctx, tokenID)
		if errors.Is(err, collections.ErrNotFound) {
			return false, fmt.Sprintf("pkp %s does not exist", c.TokenId), nil
		} else if err != nil {
			return false, "", err
		}
		if c.Type == types.CONDITION_TYPE_PKP_OWNER {
			if p.Owner != env.requesterCanon {
				return false, fmt.Sprintf("%s does not own pkp %s", env.requesterCanon, c.TokenId), nil
			}
			return true, "", nil
		}
		has, err := k.PermittedAddresses.Has(ctx, collections.Join(tokenID, env.requester))
		if err != nil {
			return false, "", err
		}
		if !has {
			return false, fmt.Sprintf("%s is not a permitted address of pkp %s", env.requesterCanon, c.TokenId), nil
		}
		return true, "", nil
	case types.CONDITION_TYPE_PERMITTED_AUTH_METHOD:
		// Each presentation was verified as permitted on its PKP now.
		for _, a := range env.auths {
			if a.TokenID == c.TokenId && (c.AuthMethodType == 0 || a.AuthMethodType == c.AuthMethodType) &&
				(c.AuthMethodId == "" || string(types.AuthMethodIDBytes(a.UserID)) == string(types.AuthMethodIDBytes(c.AuthMethodId))) {
				return true, "", nil
			}
		}
		return false, fmt.Sprintf("no presented auth method is permitted on pkp %s with type %d and id %q", c.TokenId, c.AuthMethodType, c.AuthMethodId), nil
	case types.CONDITION_TYPE_BALANCE:
		want, err := types.ConditionAmount(c.Amount)
		if err != nil {
			return false, "", err
		}
		if have := k.bank.GetBalance(ctx, env.requester, c.Denom); have.Amount.LT(want) {
			return false, fmt.Sprintf("%s holds %s%s, the condition needs %s", env.requesterCanon, have.Amount, c.Denom, c.Amount), nil
		}
		return true, "", nil
	case types.CONDITION_TYPE_ACTION:
		return k.actionHolds(ctx, env, c.IpfsId)
	}
	return false, "", errorsmod.Wrapf(types.ErrInvalidConditions, "unknown condition type %d", c.Type)
}

// actionHolds: one of the named executions ran action cid for the
// requester with js_params naming this ciphertext's identity
// ({"decryptionId": "0x…"}), completed, and responded true — the action
// decided for this ciphertext and this caller, not for another.
func (k Keeper) actionHolds(ctx context.Context, env decryptEnv, cid string) (bool, string, error) {
	if k.actions.ActionsKeeper == nil {
		return false, "", errorsmod.Wrap(types.ErrInvalidConditions, "action conditions are not available on this node")
	}
	for _, id := range env.executions {
		out, err := k.actions.ExecutionOutcome(ctx, id)
		if err != nil {
			return false, "", err
		}
		if out.Cid != cid || out.Caller != env.requesterCanon || !out.Completed || out.Response != "true" {
			continue
		}
		var params map[string]json.RawMessage
		if json.Unmarshal([]byte(out.JsParams), &params) != nil {
			continue
		}
		var named string
		if json.Unmarshal(params[types.ActionDecryptParam], &named) == nil && named == env.identity {
			return true, "", nil
		}
	}
	return false, fmt.Sprintf("no named execution of %s by %s completed with response true and js_params.%s = %s",
		cid, env.requesterCanon, types.ActionDecryptParam, env.identity), nil
}
