package keeper

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"unicode/utf8"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/actions/sandbox"
	"github.com/litprotocol/litd/x/actions/types"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
)

type msgServer struct{ Keeper }

var _ types.MsgServer = msgServer{}

// NewMsgServerImpl returns the x/actions message server.
func NewMsgServerImpl(k Keeper) types.MsgServer { return msgServer{k} }

func (k Keeper) validateCode(code string, params types.Params) error {
	switch {
	case code == "":
		return errorsmod.Wrap(types.ErrInvalidCode, "empty")
	case uint64(len(code)) > params.MaxCodeBytes:
		return errorsmod.Wrapf(types.ErrInvalidCode, "%d bytes, over max_code_bytes %d", len(code), params.MaxCodeBytes)
	case !utf8.ValidString(code):
		return errorsmod.Wrap(types.ErrInvalidCode, "not UTF-8")
	}
	return nil
}

// store writes code under its CID unless it is there already; it returns the CID.
func (k Keeper) store(ctx context.Context, code, uploader string) (string, error) {
	cid := types.CID([]byte(code))
	has, err := k.Actions.Has(ctx, cid)
	if err != nil || has {
		return cid, err
	}
	a := types.Action{Cid: cid, Code: code, Uploader: uploader, Height: sdk.UnwrapSDKContext(ctx).BlockHeight()}
	if err := k.Actions.Set(ctx, cid, a); err != nil {
		return "", err
	}
	return cid, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(
		&types.EventActionUploaded{Cid: cid, Uploader: uploader, CodeBytes: uint64(len(code))})
}

// canonicalAccount parses an account address and renders it the one way
// state stores it (bech32 is case-insensitive; state and events are not).
func (k msgServer) canonicalAccount(field, s string) (string, error) {
	bz, err := k.addressCodec.StringToBytes(s)
	if err != nil {
		return "", errorsmod.Wrapf(types.ErrInvalidAddress, "%s: %v", field, err)
	}
	return k.addressCodec.BytesToString(bz)
}

// UploadAction stores code under its IPFS CIDv0; uploading twice is a no-op.
func (k msgServer) UploadAction(ctx context.Context, msg *types.MsgUploadAction) (*types.MsgUploadActionResponse, error) {
	uploader, err := k.canonicalAccount("uploader", msg.Uploader)
	if err != nil {
		return nil, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if err := k.validateCode(msg.Code, params); err != nil {
		return nil, err
	}
	cid, err := k.store(ctx, msg.Code, uploader)
	if err != nil {
		return nil, err
	}
	return &types.MsgUploadActionResponse{Cid: cid}, nil
}

// ExecuteAction opens an execution: validators run the action live for its
// fetches, then offline for its result.
func (k msgServer) ExecuteAction(ctx context.Context, msg *types.MsgExecuteAction) (*types.MsgExecuteActionResponse, error) {
	caller, err := k.canonicalAccount("caller", msg.Caller)
	if err != nil {
		return nil, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if (msg.Cid == "") == (msg.Code == "") {
		return nil, errorsmod.Wrap(types.ErrInvalidRequest, "give exactly one of cid and code")
	}
	jsParams := msg.JsParams
	if jsParams == "" {
		jsParams = "{}"
	}
	var obj map[string]json.RawMessage
	if uint64(len(jsParams)) > params.MaxJsParamsBytes {
		return nil, errorsmod.Wrapf(types.ErrInvalidJSParams, "%d bytes, over max_js_params_bytes %d", len(jsParams), params.MaxJsParamsBytes)
	}
	if err := json.Unmarshal([]byte(jsParams), &obj); err != nil || obj == nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidJSParams, "%v", err)
	}
	// Keys become globals of the run: one that names a global the runtime has (Object, __proto__,
	// Lit, LitAuth, ...) would replace it, and the sandbox fails the run on it; refuse it here.
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		if sandbox.IsReservedGlobal(key) {
			return nil, errorsmod.Wrapf(types.ErrInvalidJSParams, "key %q is reserved: it names a global of the runtime", key)
		}
	}
	cid := msg.Cid
	if cid != "" {
		if err := pkptypes.ValidateCID(cid); err != nil {
			return nil, err
		}
		if _, err := k.GetAction(ctx, cid); err != nil {
			return nil, err
		}
	} else if err := k.validateCode(msg.Code, params); err != nil {
		return nil, err
	}
	if err := k.checkCapacity(ctx, caller, params); err != nil {
		return nil, err
	}
	contexts, commits, err := k.verifyPresentations(ctx, caller, msg)
	if err != nil {
		return nil, err
	}
	// The worst-case fee is escrowed after every check and before any write.
	escrow := params.MaxEscrow()
	if escrow.IsPositive() {
		callerAddr, err := k.addressCodec.StringToBytes(caller)
		if err != nil {
			return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "caller: %v", err)
		}
		if err := k.bank.SendCoinsFromAccountToModule(ctx, callerAddr, types.ModuleName, sdk.NewCoins(escrow)); err != nil {
			return nil, errorsmod.Wrapf(types.ErrInsufficientFee, "escrow of %s (execution_fee + %d fetches + %d signatures): %v",
				escrow, params.MaxFetches, params.MaxSignatures, err)
		}
	}
	if msg.Code != "" {
		if cid, err = k.store(ctx, msg.Code, caller); err != nil {
			return nil, err
		}
	}
	id, err := k.NextExecutionID.Next(ctx)
	if err != nil {
		return nil, err
	}
	for _, commit := range commits {
		if err := commit(ctx); err != nil {
			return nil, err
		}
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	snapshot := params
	e := types.Execution{
		AuthMethodContexts: contexts,
		Id:                 id, Cid: cid, JsParams: jsParams, Caller: caller, Status: types.EXECUTION_STATUS_FETCHING,
		Height: sdkCtx.BlockHeight(), DeadlineHeight: sdkCtx.BlockHeight() + int64(params.ExecutionTimeoutBlocks),
		BlockTimeUnix: sdkCtx.BlockTime().Unix(), Params: &snapshot, FeeEscrowed: escrow,
		FeeCharged: sdk.NewCoin(escrow.Denom, math.ZeroInt()),
	}
	if err := k.Executions.Set(ctx, id, e); err != nil {
		return nil, err
	}
	if err := k.open(ctx, e); err != nil {
		return nil, err
	}
	return &types.MsgExecuteActionResponse{ExecutionId: id, Cid: cid}, sdkCtx.EventManager().EmitTypedEvent(
		&types.EventExecutionRequested{ExecutionId: id, Cid: cid, Caller: caller})
}

// verifyPresentations checks the auth methods msg presents to the action,
// at most pkptypes.MaxAuthPresentations and each (PKP, auth method) once,
// writing nothing: the returned commits spend their nonces.
func (k Keeper) verifyPresentations(ctx context.Context, caller string, msg *types.MsgExecuteAction) ([]types.AuthMethodContext, []func(context.Context) error, error) {
	if len(msg.AuthMethods) > pkptypes.MaxAuthPresentations {
		return nil, nil, errorsmod.Wrapf(types.ErrInvalidRequest, "%d auth methods presented, at most %d", len(msg.AuthMethods), pkptypes.MaxAuthPresentations)
	}
	hash := pkptypes.ExecutionHash(caller, msg.Cid, msg.Code, msg.JsParams)
	var contexts []types.AuthMethodContext
	var commits []func(context.Context) error
	var seen []string
	for i, p := range msg.AuthMethods {
		v, commit, err := k.pkp.VerifyAuthPresentation(ctx, p, hash)
		if err != nil {
			return nil, nil, errorsmod.Wrapf(err, "auth_methods[%d]", i)
		}
		key := v.TokenID + v.AuthMethodID
		if slices.Contains(seen, key) {
			return nil, nil, errorsmod.Wrapf(types.ErrInvalidRequest, "auth_methods[%d]: auth method %s on %s presented twice", i, v.AuthMethodID, v.TokenID)
		}
		seen = append(seen, key)
		contexts = append(contexts, types.AuthMethodContext{AuthMethodType: v.AuthMethodType, UserId: v.UserID, AppId: v.AppID, AuthMethodId: v.AuthMethodID})
		commits = append(commits, commit)
	}
	return contexts, commits, nil
}

// checkCapacity refuses an execution beyond max_open_executions or the caller's
// max_open_executions_per_account.
func (k Keeper) checkCapacity(ctx context.Context, caller string, params types.Params) error {
	mine, err := k.openBy(ctx, caller)
	if err != nil {
		return err
	}
	if mine >= uint64(params.MaxOpenExecutionsPerAccount) {
		return errorsmod.Wrapf(types.ErrTooManyOpen, "%s has %d open executions, the limit per account is %d; wait for one to finish",
			caller, mine, params.MaxOpenExecutionsPerAccount)
	}
	total, err := k.openCount(ctx)
	if err != nil {
		return err
	}
	if total >= uint64(params.MaxOpenExecutions) {
		return errorsmod.Wrapf(types.ErrTooManyOpen, "the chain has %d open executions, the limit is %d; try again in a few blocks",
			total, params.MaxOpenExecutions)
	}
	return nil
}

// openCount is the number of open executions, at most max_open_executions (the caps keep it so).
func (k Keeper) openCount(ctx context.Context) (uint64, error) {
	var n uint64
	err := k.OpenExecutions.Walk(ctx, nil, func(uint64) (bool, error) {
		n++
		return n > types.MaxOpenExecutions, nil
	})
	return n, err
}

// open marks e open and counts it against its caller.
func (k Keeper) open(ctx context.Context, e types.Execution) error {
	if err := k.OpenExecutions.Set(ctx, e.Id); err != nil {
		return err
	}
	n, err := k.openBy(ctx, e.Caller)
	if err != nil {
		return err
	}
	return k.OpenByCaller.Set(ctx, e.Caller, n+1)
}

// openBy is caller's number of open executions (0 when it has none).
func (k Keeper) openBy(ctx context.Context, caller string) (uint64, error) {
	n, err := k.OpenByCaller.Get(ctx, caller)
	if errors.Is(err, collections.ErrNotFound) {
		return 0, nil
	}
	return n, err
}

// UpdateParams sets new params; only the authority may.
func (k msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if msg.Authority != k.authority {
		return nil, errorsmod.Wrapf(types.ErrInvalidAuthority, "expected %s, got %s", k.authority, msg.Authority)
	}
	if err := msg.Params.Validate(); err != nil {
		return nil, err
	}
	return &types.MsgUpdateParamsResponse{}, k.Params.Set(ctx, msg.Params)
}
