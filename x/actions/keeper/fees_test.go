package keeper_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/actions/keeper"
	"github.com/litprotocol/litd/x/actions/sandbox"
	"github.com/litprotocol/litd/x/actions/types"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

func coin(n int64) sdk.Coin { return sdk.NewInt64Coin("ulit", n) }

// Fees: the worst case is escrowed; at the end execution_fee + transcript entries × fee_per_fetch +
// requested signatures × fee_per_signature goes to the fee collector and the rest back to the caller,
// whatever the outcome (the validators did that work).
func TestExecutionFees(t *testing.T) {
	p := types.DefaultParams()
	escrow := p.MaxEscrow().Amount.Int64()
	require.Equal(t, int64(100_000+8*20_000+4*100_000), escrow)
	toSign := "0x" + strings.Repeat("ab", 32)

	for name, c := range map[string]struct {
		run          func(t *testing.T, f *fixture, id uint64, mgb string)
		status       types.ExecutionStatus
		fetches, sig int64
	}{
		"completed with two fetches": {func(t *testing.T, f *fixture, id uint64, _ string) {
			f.fetches(t, id, []types.Fetch{e0, e1a}, 0, 1, 2)
			f.result(t, id, types.Result{Response: "ok"}, 0, 1, 2)
		}, types.EXECUTION_STATUS_COMPLETED, 2, 0},
		"failed after one fetch": {func(t *testing.T, f *fixture, id uint64, _ string) {
			f.fetches(t, id, []types.Fetch{e0}, 0, 1, 2)
			f.result(t, id, types.Result{Error: "exception: boom"}, 0, 1, 2)
		}, types.EXECUTION_STATUS_FAILED, 1, 0},
		"deadline while fetching": {func(t *testing.T, f *fixture, id uint64, _ string) {
			f.endBlock(t, f.exec(t, id).DeadlineHeight)
		}, types.EXECUTION_STATUS_FAILED, 0, 0},
		"signed once": {func(t *testing.T, f *fixture, id uint64, mgb string) {
			f.fetches(t, id, nil, 0, 1, 2)
			f.result(t, id, types.Result{SignRequests: []types.SignRequest{{SigName: "s", PublicKey: mgb, ToSign: toSign}}}, 0, 1, 2)
			sid := f.exec(t, id).Result.SignRequests[0].SignatureId
			s := ok[tsstypes.Signature](t)(f.tss.Signatures.Get(f.ctx, sid))
			s.Status = tsstypes.SIGNATURE_STATUS_SIGNED
			require.NoError(t, f.tss.Signatures.Set(f.ctx, sid, s))
			f.endBlock(t, height+1)
		}, types.EXECUTION_STATUS_COMPLETED, 0, 1},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			cid := f.upload(t, hello)
			mgb := ok[*pkptypes.MsgMintResponse](t)(f.pkpMsgs.MintGrantBurn(f.ctx, &pkptypes.MsgMintGrantBurn{Creator: caller, ActionCid: cid}))
			start := f.bank.accounts[caller]
			id := f.execute(t, hello)
			require.Equal(t, start.Sub(coin(escrow)), f.bank.accounts[caller])
			require.Equal(t, sdk.NewCoins(coin(escrow)), f.bank.modules[types.ModuleName])
			collected := f.bank.modules[feeCollector]

			c.run(t, f, id, mgb.Pubkey)
			e := f.exec(t, id)
			require.Equal(t, c.status, e.Status)
			fee := 100_000 + c.fetches*20_000 + c.sig*100_000
			require.Equal(t, coin(fee), e.FeeCharged)
			require.Equal(t, coin(escrow), e.FeeEscrowed)
			require.Equal(t, collected.Add(coin(fee)), f.bank.modules[feeCollector], "the fee goes to the fee collector")
			require.Equal(t, start.Sub(coin(fee)), f.bank.accounts[caller], "the rest of the escrow comes back")
			require.True(t, f.bank.modules[types.ModuleName].IsZero(), "nothing stays in escrow")
		})
	}
}

func TestExecutionFeeInsufficientFunds(t *testing.T) {
	f := newFixture(t)
	cid := f.upload(t, hello)
	poor := mustBech32("lit", bytes.Repeat([]byte{9}, 20))
	f.bank.accounts[poor] = sdk.NewCoins(coin(types.DefaultParams().MaxEscrow().Amount.Int64() - 1))
	before, bank := f.snapshot(t), f.bank.accounts[poor]
	f.fresh()
	_, err := f.msgs.ExecuteAction(f.ctx, &types.MsgExecuteAction{Caller: poor, Cid: cid})
	require.ErrorIs(t, err, types.ErrInsufficientFee)
	require.ErrorContains(t, err, "escrow of 660000ulit")
	require.Equal(t, before, f.snapshot(t))
	require.Equal(t, bank, f.bank.accounts[poor])
	require.Empty(t, f.events(t))

	// Inline code is not stored either when the escrow fails.
	_, err = f.msgs.ExecuteAction(f.ctx, &types.MsgExecuteAction{Caller: poor, Code: "new code"})
	require.ErrorIs(t, err, types.ErrInsufficientFee)
	require.Equal(t, before, f.snapshot(t))

	// Zero fees: nothing is escrowed, nothing charged.
	f.setParams(t, func(p *types.Params) { p.ExecutionFee, p.FeePerFetch, p.FeePerSignature = coin(0), coin(0), coin(0) })
	id := ok[*types.MsgExecuteActionResponse](t)(f.msgs.ExecuteAction(f.ctx, &types.MsgExecuteAction{Caller: poor, Cid: cid})).ExecutionId
	require.Equal(t, bank, f.bank.accounts[poor])
	f.fetches(t, id, nil, 0, 1, 2)
	f.result(t, id, types.Result{Response: "free"}, 0, 1, 2)
	require.Equal(t, types.EXECUTION_STATUS_COMPLETED, f.exec(t, id).Status)
	require.Equal(t, bank, f.bank.accounts[poor])
}

// Caps: an account's open executions and the chain's; a refused request changes nothing; capacity
// returns when an execution ends.
func TestOpenExecutionCaps(t *testing.T) {
	f := newFixture(t)
	cid := f.upload(t, hello)
	f.setParams(t, func(p *types.Params) { p.MaxOpenExecutions, p.MaxOpenExecutionsPerAccount = 3, 2 })
	other := mustBech32("lit", bytes.Repeat([]byte{7}, 20))
	f.bank.accounts[other] = sdk.NewCoins(coin(1_000_000_000))
	exec := func(who string) (uint64, error) {
		f.fresh()
		r, err := f.msgs.ExecuteAction(f.ctx, &types.MsgExecuteAction{Caller: who, Cid: cid})
		if err != nil {
			return 0, err
		}
		return r.ExecutionId, nil
	}
	refused := func(who, msg string) {
		t.Helper()
		before, bank := f.snapshot(t), f.bank.accounts[who]
		_, err := exec(who)
		require.ErrorIs(t, err, types.ErrTooManyOpen)
		require.ErrorContains(t, err, msg)
		require.Equal(t, before, f.snapshot(t))
		require.Equal(t, bank, f.bank.accounts[who])
		require.Empty(t, f.events(t))
	}
	first := ok[uint64](t)(exec(caller))
	ok[uint64](t)(exec(caller))
	refused(caller, "has 2 open executions, the limit per account is 2")
	ok[uint64](t)(exec(other))
	refused(other, "the chain has 3 open executions, the limit is 3")
	require.Equal(t, uint64(2), ok[uint64](t)(f.k.OpenByCaller.Get(f.ctx, caller)))

	// The first one ends: its caller may open one again.
	f.fetches(t, first, nil, 0, 1, 2)
	f.result(t, first, types.Result{Response: "done"}, 0, 1, 2)
	require.Equal(t, uint64(1), ok[uint64](t)(f.k.OpenByCaller.Get(f.ctx, caller)))
	ok[uint64](t)(exec(caller))
	refused(caller, "per account")
}

// The EndBlocker looks at every open execution: the 65th is not starved behind 64 others.
func TestEndBlockerSeesEveryOpenExecution(t *testing.T) {
	f := newFixture(t)
	f.setParams(t, func(p *types.Params) { p.MaxOpenExecutions, p.MaxOpenExecutionsPerAccount = 100, 100 })
	var last uint64
	for range 70 {
		last = f.execute(t, hello)
	}
	f.endBlock(t, f.exec(t, last).DeadlineHeight)
	require.Equal(t, types.EXECUTION_STATUS_FAILED, f.exec(t, last).Status)
	require.False(t, ok[bool](t)(f.k.OpenByCaller.Has(f.ctx, caller)), "no open execution left to count")
}

// Pruning drops the transcript and logs of executions that requested no signature, after the
// retention window, and keeps everything verification needs.
func TestTranscriptPruning(t *testing.T) {
	f := newFixture(t)
	cid := f.upload(t, hello)
	mgb := ok[*pkptypes.MsgMintResponse](t)(f.pkpMsgs.MintGrantBurn(f.ctx, &pkptypes.MsgMintGrantBurn{Creator: caller, ActionCid: cid}))
	f.setParams(t, func(p *types.Params) { p.TranscriptRetentionBlocks = 10 })

	plain := f.execute(t, hello)
	f.fetches(t, plain, []types.Fetch{e0}, 0, 1, 2)
	f.result(t, plain, types.Result{Response: "r", Logs: []string{"a log"}}, 0, 1, 2)
	signed := f.execute(t, hello)
	f.fetches(t, signed, []types.Fetch{e0}, 0, 1, 2)
	f.result(t, signed, types.Result{Response: "s", Logs: []string{"kept"},
		SignRequests: []types.SignRequest{{SigName: "s", PublicKey: mgb.Pubkey, ToSign: "0x" + strings.Repeat("01", 32)}}}, 0, 1, 2)
	sid := f.exec(t, signed).Result.SignRequests[0].SignatureId
	require.Equal(t, signed, ok[uint64](t)(f.k.SignatureExecutions.Get(f.ctx, sid)))
	s := ok[tsstypes.Signature](t)(f.tss.Signatures.Get(f.ctx, sid))
	s.Status = tsstypes.SIGNATURE_STATUS_SIGNED
	require.NoError(t, f.tss.Signatures.Set(f.ctx, sid, s))
	f.endBlock(t, height)
	require.Equal(t, types.EXECUTION_STATUS_COMPLETED, f.exec(t, signed).Status)
	before := f.exec(t, plain)
	require.Equal(t, int64(height), before.FinishedHeight)

	f.endBlock(t, height+9)
	require.Equal(t, before, f.exec(t, plain), "kept until the window ends")
	f.endBlock(t, height+10)
	after := f.exec(t, plain)
	require.Equal(t, int64(height+10), after.PrunedHeight)
	require.Empty(t, after.Fetches)
	require.Empty(t, after.Result.Logs)
	require.Equal(t, "r", after.Result.Response)
	require.Equal(t, before.ResultDigest, after.ResultDigest)
	require.Equal(t, before.FeeCharged, after.FeeCharged)
	require.False(t, ok[bool](t)(f.k.PruneQueue.Has(f.ctx, collections.Join(int64(height+10), plain))))

	kept := f.exec(t, signed)
	require.Zero(t, kept.PrunedHeight)
	require.Len(t, kept.Fetches, 1)
	require.Equal(t, []string{"kept"}, kept.Result.Logs)
}

// Bounded work: at most MaxPrunedPerBlock transcripts a block.
func TestPruningIsBounded(t *testing.T) {
	f := newFixture(t)
	f.setParams(t, func(p *types.Params) {
		p.TranscriptRetentionBlocks, p.MaxOpenExecutions, p.MaxOpenExecutionsPerAccount = 1, 200, 200
	})
	for range keeper.MaxPrunedPerBlock + 6 {
		id := f.execute(t, hello)
		f.fetches(t, id, nil, 0, 1, 2)
		f.result(t, id, types.Result{Response: "x"}, 0, 1, 2)
	}
	count := func() (n int) {
		require.NoError(t, f.k.PruneQueue.Walk(f.ctx, nil, func(collections.Pair[int64, uint64]) (bool, error) { n++; return false, nil }))
		return n
	}
	require.Equal(t, keeper.MaxPrunedPerBlock+6, count())
	f.endBlock(t, height+1)
	require.Equal(t, 6, count())
	f.endBlock(t, height+2)
	require.Zero(t, count())
}

// Validators that saw the action fail for a resource (time, memory, a dead worker) may disagree on
// which: together they end it once they hold > 2/3 of the power. A result that could still win is
// never overridden.
func TestResourceFailuresAgree(t *testing.T) {
	lim := sandbox.Limits{Timeout: 5_000_000_000, MaxHeapBytes: 256 << 20}
	timeout := types.Result{Error: sandbox.TimeoutError(lim), Runtime: sandbox.RuntimeVersion}
	memory := types.Result{Error: sandbox.MemoryError(lim), Runtime: sandbox.RuntimeVersion}
	success := types.Result{Response: "fast machine"}

	f := newFixture(t)
	id := f.running(t, hello)
	f.result(t, id, timeout, 0)
	f.result(t, id, memory, 1)
	require.Equal(t, types.EXECUTION_STATUS_RUNNING, f.exec(t, id).Status)
	f.result(t, id, timeout, 2)
	e := f.exec(t, id)
	require.Equal(t, types.EXECUTION_STATUS_FAILED, e.Status)
	require.Equal(t, timeout.Error, e.Error, "the failure reported with the most power")
	require.Equal(t, digestOf(t, timeout), e.ResultDigest)

	// Two resource failures and one success: not > 2/3 either way; the fourth decides.
	f = newFixture(t)
	id = f.running(t, hello)
	f.result(t, id, timeout, 0)
	f.result(t, id, memory, 1)
	f.result(t, id, success, 2)
	require.Equal(t, types.EXECUTION_STATUS_RUNNING, f.exec(t, id).Status)
	f.result(t, id, memory, 3)
	require.Equal(t, types.EXECUTION_STATUS_FAILED, f.exec(t, id).Status)

	// A hostile reporter cannot choose what is recorded for a resource failure: a resource failure
	// with a payload, or with another text, is not counted at all.
	f = newFixture(t)
	id = f.running(t, hello)
	poisoned := timeout
	poisoned.Response, poisoned.Logs = "attacker's response", []string{"attacker's log"}
	f.result(t, id, poisoned, 0)
	f.result(t, id, types.Result{Error: timeout.Error + " (and more)"}, 0)
	require.Zero(t, f.pending(t, id).resultReporters, "not counted")
	f.result(t, id, timeout, 1)
	f.result(t, id, memory, 2)
	f.result(t, id, memory, 3)
	e = f.exec(t, id)
	require.Equal(t, types.EXECUTION_STATUS_FAILED, e.Status)
	require.Equal(t, &types.Result{Error: memory.Error, Runtime: sandbox.RuntimeVersion}, e.Result)

	// An exception is not a resource failure: it needs its own > 2/3.
	f = newFixture(t)
	id = f.running(t, hello)
	f.result(t, id, timeout, 0)
	f.result(t, id, types.Result{Error: "exception: Error: boom"}, 1)
	f.result(t, id, memory, 2)
	require.Equal(t, types.EXECUTION_STATUS_RUNNING, f.exec(t, id).Status)
}

type fakeReplayer struct{ match bool }

func (r fakeReplayer) Replay(_ context.Context, e types.Execution, _ string, _ types.Params) types.ReplayReport {
	return types.ReplayReport{ExecutionId: e.Id, RecordedDigest: e.ResultDigest, ReplayedDigest: e.ResultDigest, Match: r.match}
}

// Verify answers the seed's three checks for an action's signature, and says when a signature was
// not made by an action.
func TestVerify(t *testing.T) {
	f := newFixture(t)
	cid := f.upload(t, hello)
	mgb := ok[*pkptypes.MsgMintResponse](t)(f.pkpMsgs.MintGrantBurn(f.ctx, &pkptypes.MsgMintGrantBurn{Creator: caller, ActionCid: cid}))
	digest := bytes.Repeat([]byte{0x5a}, 32)
	toSign := "0x" + hex.EncodeToString(digest)

	// sign completes signature sid with the PKP's real key (root + delta, which tests may hold).
	sign := func(sid uint64, tokenID string) {
		t.Helper()
		p := ok[pkptypes.PKP](t)(f.pkp.GetPKP(f.ctx, ok[[]byte](t)(pkptypes.ParseTokenID(tokenID))))
		delta := tsstypes.DerivationDelta(rootPriv().PubKey(), p.KeyId)
		k := rootPriv().Key
		k.Add(&delta)
		compact := ecdsa.SignCompact(secp256k1.NewPrivateKey(&k), digest, false)
		s := ok[tsstypes.Signature](t)(f.tss.Signatures.Get(f.ctx, sid))
		s.Status, s.V = tsstypes.SIGNATURE_STATUS_SIGNED, uint32(compact[0])
		s.R, s.S = "0x"+hex.EncodeToString(compact[1:33]), "0x"+hex.EncodeToString(compact[33:])
		require.NoError(t, f.tss.Signatures.Set(f.ctx, sid, s))
	}

	id := f.running(t, hello)
	f.result(t, id, types.Result{Response: "signed", SignRequests: []types.SignRequest{{SigName: "s", PublicKey: mgb.Pubkey, ToSign: toSign}}}, 0, 1, 2)
	sid := f.exec(t, id).Result.SignRequests[0].SignatureId
	sign(sid, mgb.TokenId)

	f.k = f.k.WithReplayer(fakeReplayer{match: true})
	q := keeper.NewQuerier(f.k)
	resp := ok[*types.QueryVerifyResponse](t)(q.Verify(f.ctx, &types.QueryVerifyRequest{SignatureId: sid}))
	require.True(t, resp.Verified)
	require.True(t, resp.SignatureValid)
	require.Equal(t, mgb.EthAddress, resp.RecoveredAddress)
	require.Equal(t, mgb.EthAddress, resp.PkpEthAddress)
	require.True(t, resp.ActionMade)
	require.Equal(t, "action:"+cid, resp.Requester)
	require.Equal(t, id, resp.ExecutionId)
	require.Equal(t, cid, resp.ActionCid)
	require.True(t, resp.CidMatchesCode)
	require.Len(t, resp.CodeSha256, 64)
	require.True(t, resp.MintGrantBurn)
	require.True(t, resp.OnlyAction)
	require.True(t, resp.Replay.Match)

	// A replay that does not match fails verification; so does a node without replays.
	resp = ok[*types.QueryVerifyResponse](t)(keeper.NewQuerier(f.k.WithReplayer(fakeReplayer{})).Verify(f.ctx, &types.QueryVerifyRequest{SignatureId: sid}))
	require.False(t, resp.Verified)
	f.k = f.k.WithReplayer(nil)
	resp = ok[*types.QueryVerifyResponse](t)(keeper.NewQuerier(f.k).Verify(f.ctx, &types.QueryVerifyRequest{SignatureId: sid}))
	require.False(t, resp.Verified)
	require.Contains(t, resp.Replay.Error, "does not offer replays")

	// The owner's own signature on an ordinary PKP: valid, but not action-made.
	own := ok[*pkptypes.MsgMintResponse](t)(f.pkpMsgs.Mint(f.ctx, &pkptypes.MsgMint{Creator: caller}))
	tokenID := ok[[]byte](t)(pkptypes.ParseTokenID(own.TokenId))
	ownKey := ok[pkptypes.PKP](t)(f.pkp.GetPKP(f.ctx, tokenID)).KeyId
	ownSid := ok[uint64](t)(f.tss.RequestSignature(f.ctx, tokenID, own.TokenId, ownKey, toSign, caller))
	sign(ownSid, own.TokenId)
	resp = ok[*types.QueryVerifyResponse](t)(keeper.NewQuerier(f.k.WithReplayer(fakeReplayer{match: true})).Verify(f.ctx, &types.QueryVerifyRequest{SignatureId: ownSid}))
	require.True(t, resp.SignatureValid)
	require.Equal(t, own.EthAddress, resp.RecoveredAddress)
	require.False(t, resp.ActionMade)
	require.False(t, resp.MintGrantBurn)
	require.False(t, resp.Verified)
	require.Contains(t, resp.Replay.Error, "not made by an action")

	_, err := q.Verify(f.ctx, &types.QueryVerifyRequest{SignatureId: 999})
	requireCode(t, err, codes.NotFound)
	_, err = q.Verify(f.ctx, nil)
	requireCode(t, err, codes.InvalidArgument)
	pending := ok[uint64](t)(f.tss.RequestSignature(f.ctx, tokenID, own.TokenId, ownKey, toSign, caller))
	_, err = q.Verify(f.ctx, &types.QueryVerifyRequest{SignatureId: pending})
	requireCode(t, err, codes.FailedPrecondition)
}

// A reporter that leaves the validator set cannot get an honest execution failed as "not agreed":
// its report counts with the power it had, so the rule waits while any reporter's power changed.
func TestUnagreedWaitsWhenReportersLeft(t *testing.T) {
	f := newFixture(t)
	id := f.running(t, hello)
	junk := types.Result{Response: "junk"}
	honest := types.Result{Response: "honest"}
	apply := func(v int, r types.Result, total int64) {
		t.Helper()
		f.fresh()
		sec := types.ExtensionSection{ResultReports: []types.ResultReport{{ExecutionId: id, Result: r}}}
		require.NoError(t, f.k.ApplySection(f.ctx, vals[v], power, total, f.powerOf, &sec))
	}
	apply(3, junk, total)
	f.departed = map[int]bool{3: true} // now 3 validators, 30 in all
	apply(0, honest, 3*power)
	require.Equal(t, types.EXECUTION_STATUS_RUNNING, f.exec(t, id).Status, "not failed while a reporter left")
	apply(1, honest, 3*power)
	apply(2, honest, 3*power)
	e := f.exec(t, id)
	require.Equal(t, types.EXECUTION_STATUS_COMPLETED, e.Status, e.Error)
	require.Equal(t, "honest", e.Result.Response)
}
