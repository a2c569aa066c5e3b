// Package preblock applies the injected extended commit at the start of each
// block, deterministically, and hands the accepted protocol messages and the
// open sessions to the local engine.
package preblock

import (
	"slices"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"cosmossdk.io/log/v2"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"

	abcitypes "github.com/litprotocol/litd/app/abci/types"
	actionskeeper "github.com/litprotocol/litd/x/actions/keeper"
	"github.com/litprotocol/litd/x/tss/engine"
	tsskeeper "github.com/litprotocol/litd/x/tss/keeper"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// Engine is the part of the TSS engine the pipeline feeds.
type Engine interface {
	Deliver(height int64, msgs []tsskeeper.Delivered)
	Observe(engine.Snapshot)
}

// ActionsEngine is the part of the action engine the pipeline feeds.
type ActionsEngine interface {
	Observe(height int64, jobs []actionskeeper.Job)
}

// Handler is the PreBlocker and the post-commit observer.
type Handler struct {
	logger   log.Logger
	mm       *module.Manager
	tss      tsskeeper.Keeper
	actions  actionskeeper.Keeper
	staking  tsstypes.StakingKeeper
	engine   Engine        // nil without a local engine
	actEng   ActionsEngine // nil without a local engine
	consAddr sdk.ConsAddress
}

// NewHandler returns the PreBlocker handler. consAddr is this node's
// validator consensus address (nil if it has none).
func NewHandler(logger log.Logger, mm *module.Manager, tss tsskeeper.Keeper, actions actionskeeper.Keeper, staking tsstypes.StakingKeeper,
	eng Engine, actEng ActionsEngine, consAddr sdk.ConsAddress,
) Handler {
	return Handler{
		logger: logger.With("module", "preblock"), mm: mm, tss: tss, actions: actions, staking: staking,
		engine: eng, actEng: actEng, consAddr: consAddr,
	}
}

// PreBlocker runs the modules' pre-blockers, then applies tx 0.
func (h Handler) PreBlocker() sdk.PreBlocker {
	return func(ctx sdk.Context, req *abci.RequestFinalizeBlock) (*sdk.ResponsePreBlock, error) {
		resp, err := h.mm.PreBlock(ctx)
		if err != nil {
			return nil, err
		}
		cp := ctx.ConsensusParams()
		if len(req.Txs) == 0 || cp.Abci == nil || !abcitypes.VoteExtensionsEnabled(cp.Abci.VoteExtensionsEnableHeight, req.Height) {
			return resp, nil
		}
		info, ok, err := abcitypes.DecodeInjected(req.Txs[0])
		if !ok {
			return resp, nil
		}
		if err != nil {
			// ProcessProposal rejects this; a block that has it anyway was
			// accepted by +2/3, so skipping is what every node does.
			h.logger.Error("skipping undecodable tx 0", "height", req.Height, "err", err)
			return resp, nil
		}
		delivered := h.Apply(ctx, info)
		if h.engine != nil {
			h.engine.Deliver(req.Height, delivered)
		}
		return resp, nil
	}
}

// Apply applies each validator's extension in commit order. Each applies in
// its own cache: one that fails leaves no partial state.
func (h Handler) Apply(ctx sdk.Context, info abci.ExtendedCommitInfo) []tsskeeper.Delivered {
	var all []tsskeeper.Delivered
	var total int64
	// Each vote's operator, resolved once; their power in this commit, for
	// rules that must know who is still here.
	operators := make([]sdk.ValAddress, len(info.Votes))
	powers := map[string]int64{}
	for i, v := range info.Votes {
		total += v.Validator.Power
		val, err := h.staking.GetValidatorByConsAddr(ctx, sdk.ConsAddress(v.Validator.Address))
		if err != nil {
			continue
		}
		if operators[i], err = sdk.ValAddressFromBech32(val.GetOperator()); err == nil {
			powers[val.GetOperator()] = v.Validator.Power
		}
	}
	powerOf := func(op sdk.ValAddress) int64 { return powers[op.String()] }
	for i, v := range info.Votes {
		operator := operators[i]
		if v.BlockIdFlag != cmtproto.BlockIDFlagCommit || len(v.VoteExtension) == 0 || len(operator) == 0 {
			continue
		}
		ext, err := abcitypes.DecodeExtension(v.VoteExtension)
		if err != nil {
			continue
		}
		cacheCtx, write := ctx.CacheContext()
		delivered, err := h.tss.ApplySection(cacheCtx, operator, ext.Tss)
		if err == nil {
			err = h.actions.ApplySection(cacheCtx, operator, v.Validator.Power, total, powerOf, ext.Actions)
		}
		if err != nil {
			h.logger.Error("cannot apply extension", "validator", operator.String(), "err", err)
			continue
		}
		write()
		all = append(all, delivered...)
	}
	return all
}

// Precommiter tells the engine, after each block, which sessions are open and
// what its parties need; it only reads state.
func (h Handler) Precommiter() sdk.Precommiter {
	return func(ctx sdk.Context) {
		if h.actEng != nil {
			jobs, err := h.actions.Jobs(ctx)
			if err != nil {
				h.logger.Error("cannot read executions for the engine", "height", ctx.BlockHeight(), "err", err)
			} else {
				h.actEng.Observe(ctx.BlockHeight(), jobs)
			}
		}
		if h.engine == nil {
			return
		}
		snap, err := h.snapshot(ctx)
		if err != nil {
			h.logger.Error("cannot read sessions for the engine", "height", ctx.BlockHeight(), "err", err)
			return
		}
		h.engine.Observe(snap)
	}
}

// operators maps the consensus address of each party of jobs to its
// operator address; an operator that is no longer a validator is left out.
func (h Handler) operators(ctx sdk.Context, jobs []tsskeeper.Job) (map[string]string, error) {
	var parties []string
	for _, j := range jobs {
		parties = append(parties, j.Session.PartyValidators()...)
	}
	slices.Sort(parties)
	ops := map[string]string{}
	for _, operator := range slices.Compact(parties) {
		addr, err := sdk.ValAddressFromBech32(operator)
		if err != nil {
			return nil, err
		}
		val, err := h.staking.GetValidator(ctx, addr)
		if err != nil {
			continue // gone from x/staking: it signs no precommits
		}
		cons, err := val.GetConsAddr()
		if err != nil {
			return nil, err
		}
		ops[string(cons)] = operator
	}
	return ops, nil
}

func (h Handler) snapshot(ctx sdk.Context) (engine.Snapshot, error) {
	snap := engine.Snapshot{Height: ctx.BlockHeight(), EncKeys: map[string][]byte{}}
	if len(h.consAddr) > 0 {
		if val, err := h.staking.GetValidatorByConsAddr(ctx, h.consAddr); err == nil {
			snap.Self = val.GetOperator()
		}
	}
	err := h.tss.EncKeys.Walk(ctx, nil, func(_ sdk.ValAddress, k tsstypes.ValidatorEncKey) (bool, error) {
		snap.EncKeys[k.Validator] = k.Pubkey
		return false, nil
	})
	if err != nil {
		return snap, err
	}
	if snap.Jobs, err = h.tss.Jobs(ctx); err != nil {
		return snap, err
	}
	if snap.Operators, err = h.operators(ctx, snap.Jobs); err != nil {
		return snap, err
	}
	if snap.KeySets, err = h.tss.HeldKeySets(ctx); err != nil {
		return snap, err
	}
	latest, _, err := h.tss.LatestKeySet(ctx)
	snap.LatestKeySetID = latest.Id
	return snap, err
}
