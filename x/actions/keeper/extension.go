package keeper

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/actions/sandbox"
	"github.com/litprotocol/litd/x/actions/types"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
)

const (
	phaseFetch uint64 = 1
	phaseRun   uint64 = 2
	// settleBlocks: once > 2/3 of power reported fetches, wait this many
	// blocks for the rest before deciding undecided entries.
	settleBlocks = 3
	// MaxReportsPerExtension bounds one section.
	MaxReportsPerExtension = 64
)

// ValidateSection is the stateless check VerifyVoteExtension runs.
func ValidateSection(s *types.ExtensionSection) error {
	if s == nil {
		return nil
	}
	if len(s.FetchReports)+len(s.ResultReports) > MaxReportsPerExtension {
		return errors.New("too many action reports")
	}
	for _, r := range s.FetchReports {
		if r.ExecutionId == 0 {
			return errors.New("fetch report without execution")
		}
	}
	for _, r := range s.ResultReports {
		if r.ExecutionId == 0 {
			return errors.New("result report without execution")
		}
	}
	return nil
}

// supermajority: more than 2/3 of total.
func supermajority(power, total int64) bool { return total > 0 && power*3 > total*2 }

// PowerOf is a validator's voting power in the commit being applied (0 when it is not in it).
type PowerOf func(sdk.ValAddress) int64

// ApplySection records one validator's reports (power = its voting power,
// total = the commit's, powerOf = everyone's in that commit) and advances
// executions whose phase reached > 2/3 agreement. Reports that do not fit
// state or params are skipped.
func (k Keeper) ApplySection(ctx context.Context, author sdk.ValAddress, power, total int64, powerOf PowerOf, sec *types.ExtensionSection) error {
	if sec == nil {
		return nil
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	for _, r := range sec.FetchReports {
		e, ok, err := k.openIn(ctx, r.ExecutionId, types.EXECUTION_STATUS_FETCHING)
		if err != nil {
			return err
		}
		if !ok || !fetchesWithin(r.Fetches, e.ParamsOr(params)) {
			continue
		}
		// A repeated report is skipped, not the rest of the section.
		if fresh, err := k.record(ctx, r.ExecutionId, phaseFetch, author, power); err != nil {
			return err
		} else if !fresh {
			continue
		}
		if err := k.FetchReports.Set(ctx, collections.Join(r.ExecutionId, author), r); err != nil {
			return err
		}
		if err := k.maybeSettleFetches(ctx, e, total, powerOf); err != nil {
			return err
		}
	}
	for _, r := range sec.ResultReports {
		e, ok, err := k.openIn(ctx, r.ExecutionId, types.EXECUTION_STATUS_RUNNING)
		if err != nil {
			return err
		}
		if !ok || !resultWithin(&r.Result, e.ParamsOr(params)) {
			continue
		}
		if err := k.voteResult(ctx, e, author, power, total, powerOf, r.Result); err != nil {
			return err
		}
	}
	return nil
}

// voteResult counts author's result for the running execution e (once per
// author) and accepts the result that more than 2/3 of the power reported, or
// fails the execution when no result can win any more (never without
// powerOf: maybeFailUnagreed cannot tell then who is still to report).
func (k Keeper) voteResult(ctx context.Context, e types.Execution, author sdk.ValAddress, power, total int64, powerOf PowerOf, r types.Result) error {
	if fresh, err := k.record(ctx, e.Id, phaseRun, author, power); err != nil || !fresh {
		return err
	}
	digest, err := types.ResultDigest(&r)
	if err != nil {
		return err
	}
	key := collections.Join(e.Id, digest)
	votes, err := k.ResultVotes.Get(ctx, key)
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return err
	}
	votes += power
	if err := k.ResultVotes.Set(ctx, key, votes); err != nil {
		return err
	}
	if has, err := k.ResultCopies.Has(ctx, key); err != nil {
		return err
	} else if !has {
		if err := k.ResultCopies.Set(ctx, key, r); err != nil {
			return err
		}
	}
	if supermajority(votes, total) {
		return k.acceptResult(ctx, e, r, digest)
	}
	tally, err := k.tallyResults(ctx, e.Id)
	if err != nil {
		return err
	}
	if supermajority(tally.resource, total) {
		// Which limit struck first depends on each machine; that one did is what they agree on.
		return k.acceptResult(ctx, e, tally.topResource, tally.topResourceDigest)
	}
	return k.maybeFailUnagreed(ctx, e, tally, total, powerOf)
}

// resultTally sums an execution's result votes: the most power behind one digest, and the power
// behind resource failures (sandbox.ResourceCodes) together, with the one of them reported with
// the most power (the lowest digest on a tie). When resource failures together hold > 2/3 of the
// power, validators that saw the action finish hold < 1/3: no other result could still win.
type resultTally struct {
	best, resource    int64
	topResourcePower  int64
	topResource       types.Result
	topResourceDigest string
}

func (k Keeper) tallyResults(ctx context.Context, id uint64) (resultTally, error) {
	var t resultTally
	err := k.ResultVotes.Walk(ctx, collections.NewPrefixedPairRange[uint64, string](id),
		func(key collections.Pair[uint64, string], power int64) (bool, error) {
			t.best = max(t.best, power)
			r, err := k.ResultCopies.Get(ctx, key)
			if err != nil {
				return true, err
			}
			if !sandbox.IsResourceFailure(r.Error) {
				return false, nil
			}
			t.resource += power
			if power > t.topResourcePower {
				t.topResourcePower, t.topResource, t.topResourceDigest = power, r, key.K2()
			}
			return false, nil
		})
	return t, err
}

// maybeFailUnagreed ends an execution whose validators can no longer agree on a result: no digest,
// even with every vote not yet cast, can reach > 2/3 of the power, nor can resource failures together
// (an action that sits at a limit can finish on some machines and not on others). Without this it
// would wait for its deadline. Reports count with the power they were made with, so the rule
// applies only while every reporter still has that power in this commit: a reporter that left (or
// whose power changed) would make the power still missing look smaller than it is.
func (k Keeper) maybeFailUnagreed(ctx context.Context, e types.Execution, t resultTally, total int64, powerOf PowerOf) error {
	var reported int64
	unchanged := true
	rng := collections.NewSuperPrefixedTripleRange[uint64, uint64, sdk.ValAddress](e.Id, phaseRun)
	err := k.Reporters.Walk(ctx, rng, func(key collections.Triple[uint64, uint64, sdk.ValAddress], p int64) (bool, error) {
		reported += p
		unchanged = powerOf != nil && powerOf(key.K3()) == p
		return !unchanged, nil
	})
	if err != nil || !unchanged {
		return err
	}
	missing := max(total-reported, 0)
	if supermajority(t.best+missing, total) || supermajority(t.resource+missing, total) {
		return nil
	}
	e.Error = "results not agreed: no result was computed by validators with more than 2/3 of the voting power " +
		"(an action at the edge of a limit can finish on some validators and not on others)"
	return k.finish(ctx, e, types.EXECUTION_STATUS_FAILED)
}

// fetchesWithin: at most max_fetches entries, each within its bodies and types.FetchOverheadBytes,
// so a report that params allow always fits in a vote extension.
func fetchesWithin(fs []types.Fetch, p types.Params) bool {
	if len(fs) > int(p.MaxFetches) {
		return false
	}
	for _, f := range fs {
		if f.Response != nil && uint64(len(f.Response.Body)) > p.MaxFetchBodyBytes ||
			uint64(len(f.Request.Body)) > p.MaxFetchBodyBytes ||
			uint64(f.Size()) > 2*p.MaxFetchBodyBytes+types.FetchOverheadBytes {
			return false
		}
	}
	return true
}

// resultWithin: a result within the params (and so within a vote extension). A resource failure
// must be canonical.
func resultWithin(r *types.Result, p types.Params) bool {
	logBytes := 0
	for _, l := range r.Logs {
		logBytes += len(l)
	}
	if sandbox.IsResourceFailure(r.Error) && !canonicalResourceFailure(r, p) {
		return false
	}
	return uint64(len(r.Response)) <= p.MaxResponseBytes && uint64(logBytes) <= p.MaxLogBytes+1024 &&
		len(r.SignRequests) <= int(p.MaxSignatures) && len(r.Error) <= 4096 && len(r.Reads) <= MaxReads &&
		len(r.Runtime) <= 128 && uint64(r.Size()) <= p.MaxResponseBytes+p.MaxLogBytes+types.ResultOverheadBytes
}

// MaxReads bounds the permission reads a result may carry (the sandbox allows 256).
const MaxReads = 256

// openIn loads an execution if it is open and in status.
func (k Keeper) openIn(ctx context.Context, id uint64, status types.ExecutionStatus) (types.Execution, bool, error) {
	open, err := k.OpenExecutions.Has(ctx, id)
	if err != nil || !open {
		return types.Execution{}, false, err
	}
	e, err := k.Executions.Get(ctx, id)
	return e, err == nil && e.Status == status, err
}

// record notes author's report for a phase; false if it already reported.
func (k Keeper) record(ctx context.Context, id, phase uint64, author sdk.ValAddress, power int64) (bool, error) {
	key := collections.Join3(id, phase, author)
	has, err := k.Reporters.Has(ctx, key)
	if err != nil || has {
		return false, err
	}
	return true, k.Reporters.Set(ctx, key, power)
}

func (k Keeper) reportedPower(ctx context.Context, id, phase uint64) (int64, error) {
	var sum int64
	rng := collections.NewSuperPrefixedTripleRange[uint64, uint64, sdk.ValAddress](id, phase)
	err := k.Reporters.Walk(ctx, rng, func(_ collections.Triple[uint64, uint64, sdk.ValAddress], p int64) (bool, error) {
		sum += p
		return false, nil
	})
	return sum, err
}

// maybeSettleFetches decides the transcript once > 2/3 of power reported and
// either every entry has a > 2/3 winner, everyone reported, or settleBlocks
// passed. Entries are decided in order; the first without a winner fails
// with a clear error and ends the transcript.
func (k Keeper) maybeSettleFetches(ctx context.Context, e types.Execution, total int64, powerOf PowerOf) error {
	reported, err := k.reportedPower(ctx, e.Id, phaseFetch)
	if err != nil || !supermajority(reported, total) {
		return err
	}
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	quorum, err := k.QuorumHeight.Get(ctx, e.Id)
	if errors.Is(err, collections.ErrNotFound) {
		quorum = h
		err = k.QuorumHeight.Set(ctx, e.Id, h)
	}
	if err != nil {
		return err
	}
	type vote struct {
		digest string
		fetch  types.Fetch
		power  int64
	}
	var byIndex [][]vote
	var lives []liveResult
	err = k.FetchReports.Walk(ctx, collections.NewPrefixedPairRange[uint64, sdk.ValAddress](e.Id),
		func(key collections.Pair[uint64, sdk.ValAddress], r types.FetchReport) (bool, error) {
			power, err := k.Reporters.Get(ctx, collections.Join3(e.Id, phaseFetch, key.K2()))
			if err != nil {
				return true, err
			}
			if r.LiveResult != nil {
				lives = append(lives, liveResult{author: key.K2(), power: power, fetches: r.Fetches, result: *r.LiveResult})
			}
			for i, f := range r.Fetches {
				d, err := types.FetchDigest(&f)
				if err != nil {
					return true, err
				}
				if i == len(byIndex) {
					byIndex = append(byIndex, nil)
				}
				j := slices.IndexFunc(byIndex[i], func(v vote) bool { return v.digest == d })
				if j < 0 {
					byIndex[i] = append(byIndex[i], vote{digest: d, fetch: f})
					j = len(byIndex[i]) - 1
				}
				byIndex[i][j].power += power
			}
			return false, nil
		})
	if err != nil {
		return err
	}
	var transcript []types.Fetch
	decided := true
	for _, votes := range byIndex {
		w := slices.IndexFunc(votes, func(v vote) bool { return supermajority(v.power, total) })
		if w < 0 {
			decided = false
			transcript = append(transcript, types.Fetch{
				Request: votes[0].fetch.Request,
				Error:   "fetch not attested: validators with more than 2/3 of voting power did not see the same response",
			})
			break
		}
		transcript = append(transcript, votes[w].fetch)
	}
	if !decided && reported < total && h < quorum+settleBlocks {
		return nil
	}
	e.Fetches, e.Status, e.FetchedHeight = transcript, types.EXECUTION_STATUS_RUNNING, h
	if err := k.Executions.Set(ctx, e.Id, e); err != nil {
		return err
	}
	if err := k.clearFetchReports(ctx, e.Id); err != nil {
		return err
	}
	failed := uint32(0)
	if !decided {
		failed = 1
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventFetchesAttested{
		ExecutionId: e.Id, Attested: uint32(len(transcript)) - failed, Failed: failed,
	}); err != nil {
		return err
	}
	return k.voteLiveResults(ctx, e, lives, total, powerOf)
}

// liveResult is a reporter's live-run result, sent with its fetches.
type liveResult struct {
	author  sdk.ValAddress
	power   int64
	fetches []types.Fetch
	result  types.Result
}

// voteLiveResults counts, for the execution e that just became RUNNING, the
// live-run results of the reporters whose fetches are exactly the attested
// transcript: their final run would repeat the live run byte for byte
// (seeded randomness, frozen clock, reads at the request height), so this is
// the result they would report a block later. Others report after their
// final run, as before. powerOf nil (the EndBlocker) never fails the
// execution here; the reports to come decide.
func (k Keeper) voteLiveResults(ctx context.Context, e types.Execution, lives []liveResult, total int64, powerOf PowerOf) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	for _, l := range lives {
		if !types.SameFetches(l.fetches, e.Fetches) || !resultWithin(&l.result, e.ParamsOr(params)) {
			continue
		}
		cur, ok, err := k.openIn(ctx, e.Id, types.EXECUTION_STATUS_RUNNING)
		if err != nil || !ok {
			return err // accepted (or failed) by an earlier one
		}
		if err := k.voteResult(ctx, cur, l.author, l.power, total, powerOf, l.result); err != nil {
			return err
		}
	}
	return nil
}

func (k Keeper) clearFetchReports(ctx context.Context, id uint64) error {
	if err := k.FetchReports.Clear(ctx, collections.NewPrefixedPairRange[uint64, sdk.ValAddress](id)); err != nil {
		return err
	}
	return k.QuorumHeight.Remove(ctx, id)
}

// acceptResult stores the agreed result and turns each permitted sign
// request into an x/tss signing request.
func (k Keeper) acceptResult(ctx context.Context, e types.Execution, r types.Result, digest string) error {
	e.ResultDigest = digest
	if r.Error != "" {
		e.Result, e.Error = &r, r.Error
		return k.finish(ctx, e, types.EXECUTION_STATUS_FAILED)
	}
	pending := 0
	for i := range r.SignRequests {
		sr := &r.SignRequests[i]
		id, tokenHex, err := k.requestSignature(ctx, e.Cid, sr)
		sr.TokenId, sr.SignatureId = tokenHex, id
		if err != nil {
			sr.Error = err.Error()
			continue
		}
		if err := k.SignatureExecutions.Set(ctx, id, e.Id); err != nil {
			return err
		}
		pending++
	}
	e.Result = &r
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventExecutionResult{
		ExecutionId: e.Id, ResultDigest: digest, Signatures: uint32(pending),
	}); err != nil {
		return err
	}
	if pending == 0 {
		return k.finish(ctx, e, types.EXECUTION_STATUS_COMPLETED)
	}
	e.Status = types.EXECUTION_STATUS_SIGNING
	if err := k.Executions.Set(ctx, e.Id, e); err != nil {
		return err
	}
	return k.clearVotes(ctx, e.Id)
}

// signScopes is, per kind of sign request, the digest it signs and the
// scopes of which the action needs one: a raw digest needs sign-anything; a
// personal message is signed as its EIP-191 hash, which personal-sign (or
// sign-anything) allows.
func signScopes(sr *types.SignRequest) (string, []pkptypes.Scope, error) {
	switch sr.Kind {
	case types.SIGN_KIND_DIGEST:
		return sr.ToSign, []pkptypes.Scope{pkptypes.SCOPE_SIGN_ANYTHING}, nil
	case types.SIGN_KIND_PERSONAL_MESSAGE:
		digest := "0x" + hex.EncodeToString(pkptypes.PersonalMessageDigest(sr.Message))
		return digest, []pkptypes.Scope{pkptypes.SCOPE_SIGN_ANYTHING, pkptypes.SCOPE_PERSONAL_SIGN}, nil
	}
	return "", nil, fmt.Errorf("unknown sign request kind %d", sr.Kind)
}

// requestSignature checks that the PKP with sr's public key permits the
// action with a scope that allows sr (signScopes) and asks x/tss to sign. For
// a personal message it records the digest signed in sr.ToSign.
func (k Keeper) requestSignature(ctx context.Context, cid string, sr *types.SignRequest) (uint64, string, error) {
	digest, allowed, err := signScopes(sr)
	if err != nil {
		return 0, "", err
	}
	if sr.Kind == types.SIGN_KIND_PERSONAL_MESSAGE {
		sr.ToSign = digest
	}
	pk, err := pkptypes.ParsePubkey(sr.PublicKey)
	if err != nil {
		return 0, "", err
	}
	tokenID := pkptypes.TokenIDFromPubkey(pk)
	tokenHex := pkptypes.FormatTokenID(tokenID)
	p, err := k.pkp.GetPKP(ctx, tokenID)
	if err != nil {
		return 0, tokenHex, err
	}
	ok, scopes, err := k.pkp.IsPermittedAction(ctx, tokenID, cid)
	if err != nil {
		return 0, tokenHex, err
	}
	if !ok {
		return 0, tokenHex, fmt.Errorf("permission denied: pkp %s does not permit action %s to sign", tokenHex, cid)
	}
	if !slices.ContainsFunc(scopes, func(s pkptypes.Scope) bool { return slices.Contains(allowed, s) }) {
		return 0, tokenHex, fmt.Errorf("permission denied: pkp %s permits action %s with scopes %v; a raw digest (signEcdsa) needs "+
			"SCOPE_SIGN_ANYTHING, a personal message (ethPersonalSignMessageEcdsa) SCOPE_PERSONAL_SIGN or SCOPE_SIGN_ANYTHING", tokenHex, cid, scopes)
	}
	id, err := k.tss.RequestSignature(ctx, tokenID, tokenHex, p.KeyId, digest, "action:"+cid)
	return id, tokenHex, err
}

func (k Keeper) clearVotes(ctx context.Context, id uint64) error {
	if err := k.ResultVotes.Clear(ctx, collections.NewPrefixedPairRange[uint64, string](id)); err != nil {
		return err
	}
	if err := k.ResultCopies.Clear(ctx, collections.NewPrefixedPairRange[uint64, string](id)); err != nil {
		return err
	}
	return k.Reporters.Clear(ctx, collections.NewPrefixedTripleRange[uint64, uint64, sdk.ValAddress](id))
}

// finish closes an execution: it settles the fee, drops the reports and schedules the
// transcript's pruning when nothing needs it for verification (no signature was requested).
func (k Keeper) finish(ctx context.Context, e types.Execution, status types.ExecutionStatus) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	e.Status, e.FinishedHeight = status, sdkCtx.BlockHeight()
	k.settleFee(sdkCtx, &e)
	if err := k.Executions.Set(ctx, e.Id, e); err != nil {
		return err
	}
	if err := k.OpenExecutions.Remove(ctx, e.Id); err != nil {
		return err
	}
	if err := k.release(ctx, e.Caller); err != nil {
		return err
	}
	if signatures(e) == 0 {
		retention := int64(e.ParamsOr(types.DefaultParams()).TranscriptRetentionBlocks)
		if err := k.PruneQueue.Set(ctx, collections.Join(e.FinishedHeight+retention, e.Id)); err != nil {
			return err
		}
	}
	if err := k.clearFetchReports(ctx, e.Id); err != nil {
		return err
	}
	if err := k.clearVotes(ctx, e.Id); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventExecutionFinished{
		ExecutionId: e.Id, Status: status.String(), Error: e.Error,
	})
}

// EndBlocker settles fetch phases that waited long enough, completes
// executions whose signatures exist, fails those past their deadline, and
// prunes transcripts past their retention. It looks at every open execution
// (max_open_executions bounds them), so none waits behind others.
func (k Keeper) EndBlocker(ctx context.Context) error {
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	var open []types.Execution
	err := k.OpenExecutions.Walk(ctx, nil, func(id uint64) (bool, error) {
		e, err := k.Executions.Get(ctx, id)
		if err != nil {
			return true, err
		}
		open = append(open, e)
		return len(open) >= types.MaxOpenExecutions, nil
	})
	if err != nil {
		return err
	}
	if err := k.prune(ctx, h); err != nil {
		return err
	}
	total := lastCommitPower(ctx)
	for _, e := range open {
		if e.DeadlineHeight <= h {
			e.Error = fmt.Sprintf("deadline passed while %s", e.Status)
			if err := k.finish(ctx, e, types.EXECUTION_STATUS_FAILED); err != nil {
				return err
			}
			continue
		}
		switch e.Status {
		case types.EXECUTION_STATUS_FETCHING:
			err = k.maybeSettleFetches(ctx, e, total, nil)
		case types.EXECUTION_STATUS_SIGNING:
			err = k.checkSignatures(ctx, e)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (k Keeper) checkSignatures(ctx context.Context, e types.Execution) error {
	for _, sr := range e.Result.SignRequests {
		if sr.SignatureId == 0 {
			continue
		}
		done, failed, reason, err := k.tss.SignatureStatus(ctx, sr.SignatureId)
		if err != nil {
			return err
		}
		if failed {
			e.Error = fmt.Sprintf("signature %q (%d) failed: %s", sr.SigName, sr.SignatureId, reason)
			return k.finish(ctx, e, types.EXECUTION_STATUS_FAILED)
		}
		if !done {
			return nil
		}
	}
	return k.finish(ctx, e, types.EXECUTION_STATUS_COMPLETED)
}

func lastCommitPower(ctx context.Context) int64 {
	info := sdk.UnwrapSDKContext(ctx).CometInfo()
	if info == nil || info.GetLastCommit() == nil {
		return 0
	}
	votes := info.GetLastCommit().Votes()
	var total int64
	for i := 0; i < votes.Len(); i++ {
		total += votes.Get(i).Validator().Power()
	}
	return total
}

// SandboxLimits are the sandbox's limits under params p (the engines run with them; the chain
// checks reports against them).
func SandboxLimits(p types.Params) sandbox.Limits {
	return sandbox.Limits{
		Timeout: time.Duration(p.TimeoutMs) * time.Millisecond, MaxHeapBytes: p.MaxHeapBytes,
		MaxCallStack: int(p.MaxCallStack), MaxResponseBytes: int(p.MaxResponseBytes), MaxFetches: int(p.MaxFetches),
		MaxFetchBodyBytes: int(p.MaxFetchBodyBytes), MaxSignatures: int(p.MaxSignatures), MaxLogBytes: int(p.MaxLogBytes),
	}
}

// canonicalResourceFailure: a resource failure is its fixed text and nothing else (the runtime
// aside), so the result the chain records for one is never a reporter's choice.
func canonicalResourceFailure(r *types.Result, p types.Params) bool {
	lim := SandboxLimits(p)
	return r.Response == "" && len(r.Logs) == 0 && len(r.Reads) == 0 && len(r.SignRequests) == 0 &&
		(r.Error == sandbox.TimeoutError(lim) || r.Error == sandbox.MemoryError(lim) || r.Error == sandbox.CrashError())
}
