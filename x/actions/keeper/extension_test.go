package keeper_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/actions/engine"
	"github.com/litprotocol/litd/x/actions/keeper"
	"github.com/litprotocol/litd/x/actions/sandbox"
	"github.com/litprotocol/litd/x/actions/types"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// ---------------------------------------------------------------- helpers

func got(url, body string) types.Fetch {
	return types.Fetch{Request: types.FetchRequest{Method: "GET", Url: url}, Response: &types.FetchResponse{Status: 200, Body: []byte(body)}}
}

func refused(url, err string) types.Fetch {
	return types.Fetch{Request: types.FetchRequest{Method: "POST", Url: url, Body: []byte("q")}, Error: err}
}

var (
	e0  = got("https://a.example/0", "zero")
	e1a = got("https://a.example/1", "one")
	e1b = got("https://a.example/1", "uno") // same request, another response
	e2  = refused("https://b.example/", "dial tcp: connection refused")
)

// powerOf is the fixture's commit: the four validators at power 10, unless f.departed says otherwise.
func (f *fixture) powerOf(v sdk.ValAddress) int64 {
	for i, val := range vals {
		if val.Equals(v) && !f.departed[i] {
			return power
		}
	}
	return 0
}

func (f *fixture) apply(t *testing.T, v int, sec types.ExtensionSection) {
	t.Helper()
	f.fresh()
	require.NoError(t, f.k.ApplySection(f.ctx, vals[v], power, total, f.powerOf, &sec))
}

// fetches has each validator in vs report the transcript fs.
func (f *fixture) fetches(t *testing.T, id uint64, fs []types.Fetch, vs ...int) {
	t.Helper()
	for _, v := range vs {
		f.apply(t, v, types.ExtensionSection{FetchReports: []types.FetchReport{{ExecutionId: id, Fetches: fs}}})
	}
}

// result has each validator in vs report r (a fresh copy each time: the
// keeper fills the sign requests of the accepted one in place).
func (f *fixture) result(t *testing.T, id uint64, r types.Result, vs ...int) {
	t.Helper()
	for _, v := range vs {
		c := r
		c.SignRequests = slices.Clone(r.SignRequests)
		f.apply(t, v, types.ExtensionSection{ResultReports: []types.ResultReport{{ExecutionId: id, Result: c}}})
	}
}

// running opens an execution of code and attests an empty transcript.
func (f *fixture) running(t *testing.T, code string) uint64 {
	t.Helper()
	id := f.execute(t, code)
	f.fetches(t, id, nil, 0, 1, 2)
	require.Equal(t, types.EXECUTION_STATUS_RUNNING, f.exec(t, id).Status)
	return id
}

func (f *fixture) endBlock(t *testing.T, h int64) {
	t.Helper()
	f.at(h)
	f.fresh()
	require.NoError(t, f.k.EndBlocker(f.ctx))
}

func digestOf(t *testing.T, r types.Result) string { return ok[string](t)(types.ResultDigest(&r)) }

func requireNotAttested(t *testing.T, want types.Fetch, have types.Fetch) {
	t.Helper()
	require.Equal(t, want.Request, have.Request)
	require.Nil(t, have.Response)
	require.True(t, strings.HasPrefix(have.Error, "fetch not attested: "), have.Error)
}

// ---------------------------------------------------------------- ValidateSection

func TestValidateSection(t *testing.T) {
	sec := func(fetches, results int) *types.ExtensionSection {
		s := &types.ExtensionSection{}
		for i := range fetches {
			s.FetchReports = append(s.FetchReports, types.FetchReport{ExecutionId: uint64(i + 1)})
		}
		for i := range results {
			s.ResultReports = append(s.ResultReports, types.ResultReport{ExecutionId: uint64(i + 1)})
		}
		return s
	}
	require.NoError(t, keeper.ValidateSection(nil))
	require.NoError(t, keeper.ValidateSection(sec(0, 0)))
	require.NoError(t, keeper.ValidateSection(sec(64, 0)))
	require.NoError(t, keeper.ValidateSection(sec(0, 64)))
	require.NoError(t, keeper.ValidateSection(sec(32, 32)))
	require.ErrorContains(t, keeper.ValidateSection(sec(65, 0)), "too many")
	require.ErrorContains(t, keeper.ValidateSection(sec(0, 65)), "too many")
	require.ErrorContains(t, keeper.ValidateSection(sec(33, 32)), "too many")
	s := sec(2, 2)
	s.FetchReports[1].ExecutionId = 0
	require.ErrorContains(t, keeper.ValidateSection(s), "fetch report without execution")
	s = sec(2, 2)
	s.ResultReports[1].ExecutionId = 0
	require.ErrorContains(t, keeper.ValidateSection(s), "result report without execution")
}

// ---------------------------------------------------------------- fetch attestation

func TestFetchAttestation(t *testing.T) {
	t.Run("three identical reports decide at once", func(t *testing.T) {
		f := newFixture(t)
		id := f.execute(t, hello)
		tr := []types.Fetch{e0, e2}
		f.fetches(t, id, tr, 0, 1)
		require.Equal(t, types.EXECUTION_STATUS_FETCHING, f.exec(t, id).Status, "20/40 is not > 2/3")
		require.Equal(t, pending{fetchReports: 2, fetchReporters: 2}, f.pending(t, id))
		f.fetches(t, id, tr, 2)
		e := f.exec(t, id)
		require.Equal(t, types.EXECUTION_STATUS_RUNNING, e.Status)
		require.Equal(t, tr, e.Fetches)
		require.Equal(t, []proto.Message{&types.EventFetchesAttested{ExecutionId: id, Attested: 2}}, f.events(t))
		require.Equal(t, pending{fetchReporters: 3}, f.pending(t, id))
		require.True(t, f.isOpen(t, id))
	})

	// v0, v1 see [e0 e1a e2]; v2 sees [e0 e1b e2].
	split := func(t *testing.T) (*fixture, uint64) {
		f := newFixture(t)
		id := f.execute(t, hello)
		f.fetches(t, id, []types.Fetch{e0, e1a, e2}, 0, 1)
		f.fetches(t, id, []types.Fetch{e0, e1b, e2}, 2)
		require.Equal(t, types.EXECUTION_STATUS_FETCHING, f.exec(t, id).Status)
		require.Equal(t, int64(height), ok[int64](t)(f.k.QuorumHeight.Get(f.ctx, id)))
		return f, id
	}
	t.Run("2 vs 1 settles after settleBlocks", func(t *testing.T) {
		f, id := split(t)
		for _, h := range []int64{height, height + 1, height + 2} {
			f.endBlock(t, h)
			require.Equal(t, types.EXECUTION_STATUS_FETCHING, f.exec(t, id).Status, "height %d", h)
		}
		f.endBlock(t, height+3)
		e := f.exec(t, id)
		require.Equal(t, types.EXECUTION_STATUS_RUNNING, e.Status)
		require.Len(t, e.Fetches, 2, "the transcript ends at the first undecided entry")
		require.Equal(t, e0, e.Fetches[0])
		requireNotAttested(t, e1a, e.Fetches[1])
		require.Equal(t, []proto.Message{&types.EventFetchesAttested{ExecutionId: id, Attested: 1, Failed: 1}}, f.events(t))
		require.Equal(t, pending{fetchReporters: 3}, f.pending(t, id))
	})
	t.Run("2 vs 1, the fourth agrees", func(t *testing.T) {
		f, id := split(t)
		f.at(height + 1)
		f.fetches(t, id, []types.Fetch{e0, e1a, e2}, 3)
		e := f.exec(t, id)
		require.Equal(t, types.EXECUTION_STATUS_RUNNING, e.Status)
		require.Equal(t, []types.Fetch{e0, e1a, e2}, e.Fetches)
	})
	t.Run("2 vs 1, the fourth disagrees", func(t *testing.T) {
		f, id := split(t)
		f.at(height + 1)
		f.fetches(t, id, []types.Fetch{e0, e1b, e2}, 3)
		e := f.exec(t, id)
		require.Equal(t, types.EXECUTION_STATUS_RUNNING, e.Status, "everyone reported: no reason to wait")
		require.Len(t, e.Fetches, 2)
		requireNotAttested(t, e1a, e.Fetches[1])
	})

	t.Run("entry 0 agrees, entry 1 splits 2/2", func(t *testing.T) {
		f := newFixture(t)
		id := f.execute(t, hello)
		f.fetches(t, id, []types.Fetch{e0, e1a}, 0, 1)
		f.fetches(t, id, []types.Fetch{e0, e1b}, 2)
		require.Equal(t, types.EXECUTION_STATUS_FETCHING, f.exec(t, id).Status)
		f.fetches(t, id, []types.Fetch{e0, e1b}, 3)
		e := f.exec(t, id)
		require.Equal(t, types.EXECUTION_STATUS_RUNNING, e.Status)
		require.Len(t, e.Fetches, 2)
		require.Equal(t, e0, e.Fetches[0])
		requireNotAttested(t, e1a, e.Fetches[1])
		require.Equal(t, []proto.Message{&types.EventFetchesAttested{ExecutionId: id, Attested: 1, Failed: 1}}, f.events(t))
	})

	t.Run("a validator counts once", func(t *testing.T) {
		f := newFixture(t)
		id := f.execute(t, hello)
		// Twice in one section, then again with another transcript and more power.
		f.apply(t, 0, types.ExtensionSection{FetchReports: []types.FetchReport{{ExecutionId: id, Fetches: []types.Fetch{e0}}, {ExecutionId: id, Fetches: []types.Fetch{e0}}}})
		f.fetches(t, id, []types.Fetch{e1a}, 0)
		f.fresh()
		require.NoError(t, f.k.ApplySection(f.ctx, vals[0], total, total, f.powerOf, &types.ExtensionSection{FetchReports: []types.FetchReport{{ExecutionId: id, Fetches: []types.Fetch{e0}}}}))
		require.Equal(t, int64(power), ok[int64](t)(f.k.Reporters.Get(f.ctx, joinReporter(id, 1, 0))))
		require.Equal(t, pending{fetchReports: 1, fetchReporters: 1}, f.pending(t, id))
		f.fetches(t, id, []types.Fetch{e0}, 1)
		require.Equal(t, types.EXECUTION_STATUS_FETCHING, f.exec(t, id).Status)
		f.fetches(t, id, []types.Fetch{e0}, 2)
		e := f.exec(t, id)
		require.Equal(t, types.EXECUTION_STATUS_RUNNING, e.Status)
		require.Equal(t, []types.Fetch{e0}, e.Fetches, "v0's first report stands")
	})

	t.Run("reports over the params are ignored", func(t *testing.T) {
		f := newFixture(t)
		id := f.execute(t, hello)
		p := types.DefaultParams()
		var nine []types.Fetch
		for i := range p.MaxFetches + 1 {
			nine = append(nine, got(fmt.Sprintf("https://a.example/%d", i), "x"))
		}
		big := got("https://a.example/big", strings.Repeat("b", int(p.MaxFetchBodyBytes)+1))
		f.fetches(t, id, nine, 0, 1, 2, 3)
		f.fetches(t, id, []types.Fetch{e0, big}, 0, 1, 2, 3)
		require.Equal(t, types.EXECUTION_STATUS_FETCHING, f.exec(t, id).Status)
		require.Equal(t, pending{}, f.pending(t, id))
		// At the limits they count (and the same validators were not marked as reporters).
		atMax := slices.Clone(nine[:p.MaxFetches])
		atMax[3] = got("https://a.example/max", strings.Repeat("m", int(p.MaxFetchBodyBytes)))
		f.fetches(t, id, atMax, 0, 1, 2)
		e := f.exec(t, id)
		require.Equal(t, types.EXECUTION_STATUS_RUNNING, e.Status)
		require.Equal(t, atMax, e.Fetches)
	})

	t.Run("reports for unknown, closed or running executions are ignored", func(t *testing.T) {
		f := newFixture(t)
		running := f.running(t, hello)
		closed := f.running(t, "closed")
		f.result(t, closed, types.Result{Response: "done"}, 0, 1, 2)
		fetching := f.execute(t, "fetching")
		before := f.snapshot(t)
		for _, id := range []uint64{running, closed, 99} {
			f.fetches(t, id, []types.Fetch{e0}, 0, 1, 2, 3)
		}
		for _, id := range []uint64{fetching, closed, 99} {
			f.result(t, id, types.Result{Response: "early"}, 0, 1, 2, 3)
		}
		require.Equal(t, before, f.snapshot(t))
		require.Empty(t, f.events(t))
	})
}

func joinReporter(id, phase uint64, v int) collections.Triple[uint64, uint64, sdk.ValAddress] {
	return collections.Join3(id, phase, vals[v])
}

func joinDigest(id uint64, d string) collections.Pair[uint64, string] { return collections.Join(id, d) }

// ---------------------------------------------------------------- results

func TestResults(t *testing.T) {
	r := types.Result{Response: `{"ok":true}`, Logs: []string{"hello"}}
	t.Run("three identical results are accepted", func(t *testing.T) {
		f := newFixture(t)
		id := f.running(t, hello)
		want := digestOf(t, r)
		f.result(t, id, r, 0, 1)
		require.Equal(t, types.EXECUTION_STATUS_RUNNING, f.exec(t, id).Status)
		require.Equal(t, int64(2*power), ok[int64](t)(f.k.ResultVotes.Get(f.ctx, joinDigest(id, want))))
		require.Equal(t, pending{fetchReporters: 3, resultReporters: 2, votes: 1, copies: 1}, f.pending(t, id))
		f.result(t, id, r, 2)
		e := f.exec(t, id)
		require.Equal(t, types.EXECUTION_STATUS_COMPLETED, e.Status)
		require.Equal(t, want, e.ResultDigest)
		require.Equal(t, &r, e.Result)
		require.Empty(t, e.Error)
		require.Equal(t, []proto.Message{
			&types.EventExecutionResult{ExecutionId: id, ResultDigest: want},
			&types.EventExecutionFinished{ExecutionId: id, Status: "EXECUTION_STATUS_COMPLETED"},
		}, f.events(t))
		require.False(t, f.isOpen(t, id))
		require.Equal(t, pending{}, f.pending(t, id))
		require.Empty(t, ok[[]keeper.Job](t)(f.k.Jobs(f.ctx)))
	})

	t.Run("a 2/1 split with one report missing stays running", func(t *testing.T) {
		f := newFixture(t)
		id := f.running(t, hello)
		r2 := types.Result{Response: `{"ok":false}`}
		f.result(t, id, r, 0, 1)
		f.result(t, id, r2, 2)
		require.Equal(t, types.EXECUTION_STATUS_RUNNING, f.exec(t, id).Status)
		require.Equal(t, pending{fetchReporters: 3, resultReporters: 3, votes: 2, copies: 2}, f.pending(t, id))
		f.endBlock(t, height+1)
		require.Equal(t, types.EXECUTION_STATUS_RUNNING, f.exec(t, id).Status)
		jobs := ok[[]keeper.Job](t)(f.k.Jobs(f.ctx))
		require.Len(t, jobs, 1)
		require.Equal(t, id, jobs[0].Execution.Id)
	})

	t.Run("a 2/2 split fails at once: no result can be agreed", func(t *testing.T) {
		f := newFixture(t)
		id := f.running(t, hello)
		r2 := types.Result{Response: `{"ok":false}`}
		f.result(t, id, r, 0, 1)
		f.result(t, id, r2, 2)
		f.result(t, id, r2, 3)
		e := f.exec(t, id)
		require.Equal(t, types.EXECUTION_STATUS_FAILED, e.Status)
		require.True(t, strings.HasPrefix(e.Error, "results not agreed: "), e.Error)
		require.Empty(t, e.ResultDigest)
		require.Equal(t, []proto.Message{&types.EventExecutionFinished{ExecutionId: id, Status: "EXECUTION_STATUS_FAILED", Error: e.Error}}, f.events(t))
		require.False(t, f.isOpen(t, id))
		require.Equal(t, pending{}, f.pending(t, id))
	})

	t.Run("an agreed error fails the execution", func(t *testing.T) {
		f := newFixture(t)
		id := f.running(t, hello)
		bad := types.Result{Logs: []string{"about to throw"}, Error: "exception: boom"}
		f.result(t, id, bad, 0, 1, 2)
		e := f.exec(t, id)
		require.Equal(t, types.EXECUTION_STATUS_FAILED, e.Status)
		require.Equal(t, "exception: boom", e.Error)
		require.Equal(t, &bad, e.Result)
		require.Equal(t, digestOf(t, bad), e.ResultDigest)
		require.Equal(t, []proto.Message{&types.EventExecutionFinished{ExecutionId: id, Status: "EXECUTION_STATUS_FAILED", Error: "exception: boom"}}, f.events(t))
		require.False(t, f.isOpen(t, id))
	})

	t.Run("results over the params are ignored", func(t *testing.T) {
		f := newFixture(t)
		id := f.running(t, hello)
		p := types.DefaultParams()
		sr := types.SignRequest{SigName: "s", PublicKey: "0x04", ToSign: "0x00"}
		for _, over := range []types.Result{
			{Response: strings.Repeat("r", int(p.MaxResponseBytes)+1)},
			{SignRequests: slices.Repeat([]types.SignRequest{sr}, int(p.MaxSignatures)+1)},
			{Error: strings.Repeat("e", 4097)},
			{Logs: []string{strings.Repeat("l", int(p.MaxLogBytes)), strings.Repeat("l", 1025)}},
		} {
			f.result(t, id, over, 0, 1, 2, 3)
		}
		require.Equal(t, types.EXECUTION_STATUS_RUNNING, f.exec(t, id).Status)
		require.Equal(t, pending{fetchReporters: 3}, f.pending(t, id))
		atMax := types.Result{Response: strings.Repeat("r", int(p.MaxResponseBytes))}
		f.result(t, id, atMax, 0, 1, 2)
		require.Equal(t, types.EXECUTION_STATUS_COMPLETED, f.exec(t, id).Status)
	})

	t.Run("exactly 2/3 is not enough", func(t *testing.T) {
		f := newFixture(t)
		id := f.running(t, hello)
		for v := range 3 {
			f.fresh()
			sec := types.ExtensionSection{ResultReports: []types.ResultReport{{ExecutionId: id, Result: r}}}
			require.NoError(t, f.k.ApplySection(f.ctx, vals[v], power, 3*power, f.powerOf, &sec))
			want := types.EXECUTION_STATUS_RUNNING
			if v == 2 {
				want = types.EXECUTION_STATUS_COMPLETED
			}
			require.Equal(t, want, f.exec(t, id).Status, "%d of 30", (v+1)*power)
		}
	})

	t.Run("a validator counts once", func(t *testing.T) {
		f := newFixture(t)
		id := f.running(t, hello)
		f.apply(t, 0, types.ExtensionSection{ResultReports: []types.ResultReport{{ExecutionId: id, Result: r}, {ExecutionId: id, Result: r}}})
		f.result(t, id, r, 0, 0)
		require.Equal(t, int64(power), ok[int64](t)(f.k.ResultVotes.Get(f.ctx, joinDigest(id, digestOf(t, r)))))
		f.result(t, id, r, 1)
		require.Equal(t, types.EXECUTION_STATUS_RUNNING, f.exec(t, id).Status)
		f.result(t, id, r, 2)
		require.Equal(t, types.EXECUTION_STATUS_COMPLETED, f.exec(t, id).Status)
	})
}

// TestReportAfterDuplicateCounts: engines resend a report every 3 blocks while
// the execution stays in its phase, next to fresh reports for other
// executions. A resent (duplicate) report must not cost the others.
func TestReportAfterDuplicateCounts(t *testing.T) {
	f := newFixture(t)
	stuck, fresh := f.execute(t, hello), f.execute(t, "other")
	run := f.running(t, "run")
	f.fetches(t, stuck, []types.Fetch{e0}, 0)
	f.apply(t, 0, types.ExtensionSection{
		FetchReports:  []types.FetchReport{{ExecutionId: stuck, Fetches: []types.Fetch{e0}}, {ExecutionId: fresh}},
		ResultReports: []types.ResultReport{{ExecutionId: run, Result: types.Result{Response: "r"}}},
	})
	require.Equal(t, pending{fetchReports: 1, fetchReporters: 1}, f.pending(t, fresh))
	require.Equal(t, 1, f.pending(t, run).resultReporters)
}

// ---------------------------------------------------------------- signing

func TestSigning(t *testing.T) {
	toSign := "0x" + strings.Repeat("ab", 32)
	setup := func(t *testing.T) (f *fixture, cid string, mgb, other, personal *pkptypes.MsgMintResponse) {
		f = newFixture(t)
		cid = f.upload(t, hello)
		mint := func(msg *pkptypes.MsgMintGrantBurn) *pkptypes.MsgMintResponse {
			return ok[*pkptypes.MsgMintResponse](t)(f.pkpMsgs.MintGrantBurn(f.ctx, msg))
		}
		mgb = mint(&pkptypes.MsgMintGrantBurn{Creator: caller, ActionCid: cid})
		other = mint(&pkptypes.MsgMintGrantBurn{Creator: caller, ActionCid: types.CID([]byte("other"))})
		personal = ok[*pkptypes.MsgMintResponse](t)(f.pkpMsgs.Mint(f.ctx, &pkptypes.MsgMint{Creator: caller,
			PermittedActions: []pkptypes.PermittedAction{{Cid: cid, Scopes: []pkptypes.Scope{pkptypes.SCOPE_PERSONAL_SIGN}}}}))
		return
	}
	sigs := func(t *testing.T, f *fixture) []tsstypes.Signature {
		var out []tsstypes.Signature
		require.NoError(t, f.tss.Signatures.Walk(f.ctx, nil, func(_ uint64, s tsstypes.Signature) (bool, error) {
			out = append(out, s)
			return false, nil
		}))
		return out
	}
	mark := func(t *testing.T, f *fixture, id uint64, st tsstypes.SignatureStatus, reason string) {
		s := ok[tsstypes.Signature](t)(f.tss.Signatures.Get(f.ctx, id))
		s.Status, s.Error = st, reason
		require.NoError(t, f.tss.Signatures.Set(f.ctx, id, s))
	}

	t.Run("permitted and denied, then signed", func(t *testing.T) {
		f, cid, mgb, other, _ := setup(t)
		id := f.running(t, hello)
		r := types.Result{Response: "signed", SignRequests: []types.SignRequest{
			{SigName: "sig1", PublicKey: mgb.Pubkey, ToSign: toSign},
			{SigName: "sig2", PublicKey: other.Pubkey, ToSign: toSign},
		}}
		want := digestOf(t, r)
		f.result(t, id, r, 0, 1, 2)
		s := sigs(t, f)
		require.Len(t, s, 1)
		require.NotZero(t, s[0].Id)
		require.Equal(t, tsstypes.Signature{Id: s[0].Id, TokenId: mgb.TokenId, Digest: toSign, Requester: "action:" + cid,
			RequestHeight: height, Status: tsstypes.SIGNATURE_STATUS_PENDING, KeyId: s[0].KeyId, Pubkey: mgb.Pubkey}, s[0])
		e := f.exec(t, id)
		require.Equal(t, types.EXECUTION_STATUS_SIGNING, e.Status)
		require.Equal(t, want, e.ResultDigest)
		srs := e.Result.SignRequests
		require.Equal(t, types.SignRequest{SigName: "sig1", PublicKey: mgb.Pubkey, ToSign: toSign, TokenId: mgb.TokenId, SignatureId: s[0].Id}, srs[0])
		require.Equal(t, other.TokenId, srs[1].TokenId)
		require.Zero(t, srs[1].SignatureId)
		require.True(t, strings.HasPrefix(srs[1].Error, "permission denied"), srs[1].Error)
		require.Equal(t, []*types.EventExecutionResult{{ExecutionId: id, ResultDigest: want, Signatures: 1}},
			ofType[*types.EventExecutionResult](f.events(t)))
		require.Empty(t, ofType[*types.EventExecutionFinished](f.events(t)))
		require.True(t, f.isOpen(t, id))
		require.Equal(t, pending{}, f.pending(t, id))
		require.Empty(t, ok[[]keeper.Job](t)(f.k.Jobs(f.ctx)), "engines have nothing to run while signing")

		f.endBlock(t, height+1)
		require.Equal(t, types.EXECUTION_STATUS_SIGNING, f.exec(t, id).Status)
		mark(t, f, s[0].Id, tsstypes.SIGNATURE_STATUS_SIGNED, "")
		f.endBlock(t, height+2)
		require.Equal(t, types.EXECUTION_STATUS_COMPLETED, f.exec(t, id).Status)
		require.Equal(t, []proto.Message{&types.EventExecutionFinished{ExecutionId: id, Status: "EXECUTION_STATUS_COMPLETED"}}, f.events(t))
		require.False(t, f.isOpen(t, id))
	})

	t.Run("signature failed", func(t *testing.T) {
		f, _, mgb, _, _ := setup(t)
		id := f.running(t, hello)
		f.result(t, id, types.Result{SignRequests: []types.SignRequest{{SigName: "sig1", PublicKey: mgb.Pubkey, ToSign: toSign}}}, 0, 1, 2)
		sid := f.exec(t, id).Result.SignRequests[0].SignatureId
		require.NotZero(t, sid)
		mark(t, f, sid, tsstypes.SIGNATURE_STATUS_FAILED, "every attempt expired")
		f.endBlock(t, height+1)
		e := f.exec(t, id)
		require.Equal(t, types.EXECUTION_STATUS_FAILED, e.Status)
		require.Equal(t, fmt.Sprintf(`signature "sig1" (%d) failed: every attempt expired`, sid), e.Error)
		require.Equal(t, []proto.Message{&types.EventExecutionFinished{ExecutionId: id, Status: "EXECUTION_STATUS_FAILED", Error: e.Error}}, f.events(t))
		require.False(t, f.isOpen(t, id))
	})

	t.Run("nothing permitted completes at once", func(t *testing.T) {
		f, _, mgb, other, personal := setup(t)
		id := f.running(t, hello)
		f.result(t, id, types.Result{SignRequests: []types.SignRequest{
			{SigName: "other action", PublicKey: other.Pubkey, ToSign: toSign},
			{SigName: "personal scope", PublicKey: personal.Pubkey, ToSign: toSign},
			{SigName: "short digest", PublicKey: mgb.Pubkey, ToSign: "0x1234"},
			{SigName: "bad key", PublicKey: "0xzz", ToSign: toSign},
		}}, 0, 1, 2)
		e := f.exec(t, id)
		require.Equal(t, types.EXECUTION_STATUS_COMPLETED, e.Status)
		require.Empty(t, sigs(t, f))
		srs := e.Result.SignRequests
		require.True(t, strings.HasPrefix(srs[0].Error, "permission denied"), srs[0].Error)
		require.True(t, strings.HasPrefix(srs[1].Error, "permission denied"), srs[1].Error)
		require.Equal(t, []string{other.TokenId, personal.TokenId, mgb.TokenId, ""}, []string{srs[0].TokenId, srs[1].TokenId, srs[2].TokenId, srs[3].TokenId})
		for _, sr := range srs {
			require.NotEmpty(t, sr.Error, sr.SigName)
			require.Zero(t, sr.SignatureId, sr.SigName)
		}
		require.Equal(t, []proto.Message{
			&types.EventExecutionResult{ExecutionId: id, ResultDigest: e.ResultDigest},
			&types.EventExecutionFinished{ExecutionId: id, Status: "EXECUTION_STATUS_COMPLETED"},
		}, f.events(t))
	})
}

// An action's sign requests need the scope their kind allows, on a result the real sandbox
// computed: a PKP that permits the action for personal messages only gets no signature over a raw
// digest (signEcdsa), and one over a personal message (ethPersonalSignMessageEcdsa) whose digest
// is ethers' hashMessage; sign-anything allows both.
func TestSignScopesByKind(t *testing.T) {
	const code = `(async () => {
  await Lit.Actions.signEcdsa({toSign: new Uint8Array(32).fill(7), publicKey: personal, sigName: 'raw'});
  await Lit.Actions.ethPersonalSignMessageEcdsa({message: 'hello world', publicKey: personal, sigName: 'message'});
  await Lit.Actions.ethPersonalSignMessageEcdsa({message: new Uint8Array([0, 255]), publicKey: anything, sigName: 'bytes'});
  await Lit.Actions.signEcdsa({toSign: new Uint8Array(32).fill(7), publicKey: anything, sigName: 'raw anything'});
})()`
	f := newFixture(t)
	cid := f.upload(t, code)
	personal := ok[*pkptypes.MsgMintResponse](t)(f.pkpMsgs.Mint(f.ctx, &pkptypes.MsgMint{Creator: caller,
		PermittedActions: []pkptypes.PermittedAction{{Cid: cid, Scopes: []pkptypes.Scope{pkptypes.SCOPE_PERSONAL_SIGN}}}}))
	anything := ok[*pkptypes.MsgMintResponse](t)(f.pkpMsgs.MintGrantBurn(f.ctx, &pkptypes.MsgMintGrantBurn{Creator: caller, ActionCid: cid}))
	f.fresh()
	id := ok[*types.MsgExecuteActionResponse](t)(f.msgs.ExecuteAction(f.ctx, &types.MsgExecuteAction{Caller: caller, Cid: cid,
		JsParams: fmt.Sprintf(`{"personal": %q, "anything": %q}`, personal.Pubkey, anything.Pubkey)})).ExecutionId
	f.fetches(t, id, nil, 0, 1, 2)
	e := f.exec(t, id)
	r := engine.ToResult(sandbox.Run(context.Background(), engine.EnvFor(e, code, *e.Params, nil, nil)))
	require.Empty(t, r.Error)
	f.result(t, id, r, 0, 1, 2)

	e = f.exec(t, id)
	require.Equal(t, types.EXECUTION_STATUS_SIGNING, e.Status)
	srs := e.Result.SignRequests
	require.Len(t, srs, 4)
	// Vectors from ethers 6.17.0: hashMessage('hello world'), hashMessage(new Uint8Array([0, 255])).
	hashMessage := map[string]string{
		"message": "0xd9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68",
		"bytes":   "0x3638684d567df701dae9863c5df728a585cc74ce3859707edadcb509eb220f74",
	}
	raw := "0x" + strings.Repeat("07", 32)

	require.Equal(t, types.SIGN_KIND_DIGEST, srs[0].Kind)
	require.Zero(t, srs[0].SignatureId)
	require.Equal(t, raw, srs[0].ToSign)
	require.Equal(t, fmt.Sprintf("permission denied: pkp %s permits action %s with scopes [SCOPE_PERSONAL_SIGN]; a raw digest (signEcdsa) "+
		"needs SCOPE_SIGN_ANYTHING, a personal message (ethPersonalSignMessageEcdsa) SCOPE_PERSONAL_SIGN or SCOPE_SIGN_ANYTHING",
		personal.TokenId, cid), srs[0].Error)
	want := map[string]struct{ token, digest string }{
		"message":      {personal.TokenId, hashMessage["message"]},
		"bytes":        {anything.TokenId, hashMessage["bytes"]},
		"raw anything": {anything.TokenId, raw},
	}
	for _, sr := range srs[1:] {
		require.Empty(t, sr.Error, sr.SigName)
		require.NotZero(t, sr.SignatureId, sr.SigName)
		require.Equal(t, want[sr.SigName].digest, sr.ToSign, sr.SigName)
		sig := ok[tsstypes.Signature](t)(f.tss.Signatures.Get(f.ctx, sr.SignatureId))
		require.Equal(t, want[sr.SigName].token, sig.TokenId, sr.SigName)
		require.Equal(t, want[sr.SigName].digest, sig.Digest, sr.SigName)
		require.Equal(t, "action:"+cid, sig.Requester)
	}
	require.Equal(t, types.SIGN_KIND_PERSONAL_MESSAGE, srs[1].Kind)
	require.Equal(t, []byte("hello world"), srs[1].Message)
	// The digest voted on is the reported result's, without the digests the chain filled in.
	require.Equal(t, digestOf(t, r), e.ResultDigest)
}

// ---------------------------------------------------------------- deadline

func TestDeadline(t *testing.T) {
	f := newFixture(t)
	cid := f.upload(t, hello)
	mgb := ok[*pkptypes.MsgMintResponse](t)(f.pkpMsgs.MintGrantBurn(f.ctx, &pkptypes.MsgMintGrantBurn{Creator: caller, ActionCid: cid}))
	fetching, running, signing := f.execute(t, hello), f.running(t, hello), f.running(t, hello)
	deadline := f.exec(t, fetching).DeadlineHeight
	require.Equal(t, int64(height+200), deadline)

	f.at(deadline - 1)
	f.fetches(t, fetching, []types.Fetch{e1a}, 0, 1)
	f.fetches(t, fetching, []types.Fetch{e1b}, 2) // quorum now, undecided for 3 blocks
	f.result(t, running, types.Result{Response: "a"}, 0, 1)
	f.result(t, running, types.Result{Response: "b"}, 2) // validator 3 never reports: "a" could still win
	f.result(t, signing, types.Result{SignRequests: []types.SignRequest{{PublicKey: mgb.Pubkey, ToSign: "0x" + strings.Repeat("01", 32)}}}, 0, 1, 2)
	ids := map[uint64]types.ExecutionStatus{fetching: types.EXECUTION_STATUS_FETCHING, running: types.EXECUTION_STATUS_RUNNING, signing: types.EXECUTION_STATUS_SIGNING}
	f.endBlock(t, deadline-1)
	for id, st := range ids {
		require.Equal(t, st, f.exec(t, id).Status)
		require.True(t, f.isOpen(t, id))
	}
	require.NotEqual(t, pending{}, f.pending(t, fetching))
	require.NotEqual(t, pending{}, f.pending(t, running))

	f.endBlock(t, deadline)
	var finished []*types.EventExecutionFinished
	for id, st := range ids {
		e := f.exec(t, id)
		require.Equal(t, types.EXECUTION_STATUS_FAILED, e.Status)
		require.Equal(t, "deadline passed while "+st.String(), e.Error)
		require.False(t, f.isOpen(t, id))
		require.Equal(t, pending{}, f.pending(t, id))
		finished = append(finished, &types.EventExecutionFinished{ExecutionId: id, Status: "EXECUTION_STATUS_FAILED", Error: e.Error})
	}
	require.ElementsMatch(t, finished, ofType[*types.EventExecutionFinished](f.events(t)))
	require.Empty(t, f.exec(t, fetching).Fetches)
	require.Empty(t, ok[[]keeper.Job](t)(f.k.Jobs(f.ctx)))
}

// A validator's live result sent with its fetches counts as its result when
// the chain attests exactly those fetches: an agreed result lands in the
// block that attests the transcript. A live result over a transcript that is
// not the attested one counts for nothing, and its reporter reports after
// its final run, as before (once: the live one that counted is its vote).
func TestLiveResultsCountWithTheAttestedTranscript(t *testing.T) {
	res := types.Result{Response: "done"}
	report := func(f *fixture, id uint64, v int, fs []types.Fetch, r types.Result) {
		f.apply(t, v, types.ExtensionSection{FetchReports: []types.FetchReport{{ExecutionId: id, Fetches: fs, LiveResult: &r}}})
	}
	t.Run("agreed in the attesting block", func(t *testing.T) {
		f := newFixture(t)
		id := f.execute(t, hello)
		tr := []types.Fetch{e0}
		report(f, id, 0, tr, res)
		report(f, id, 1, tr, res)
		require.Equal(t, types.EXECUTION_STATUS_FETCHING, f.exec(t, id).Status)
		report(f, id, 2, tr, res)
		e := f.exec(t, id)
		require.Equal(t, types.EXECUTION_STATUS_COMPLETED, e.Status, "attested and decided in one block")
		require.Equal(t, digestOf(t, res), e.ResultDigest)
		require.Equal(t, tr, e.Fetches)
	})
	t.Run("a live result over another transcript does not count", func(t *testing.T) {
		f := newFixture(t)
		id := f.execute(t, hello)
		report(f, id, 0, []types.Fetch{e0, e1a}, res)
		report(f, id, 1, []types.Fetch{e0, e1a}, res)
		report(f, id, 2, []types.Fetch{e0, e1b}, types.Result{Response: "other"})
		report(f, id, 3, []types.Fetch{e0, e1a}, res)
		e := f.exec(t, id)
		// Entry 1 is decided by three (v0, v1, v3): their live results count;
		// v2's does not, and v2 still reports after its final run.
		require.Equal(t, types.EXECUTION_STATUS_COMPLETED, e.Status)
		require.Equal(t, digestOf(t, res), e.ResultDigest)
	})
	t.Run("live results that do not agree wait for final runs", func(t *testing.T) {
		f := newFixture(t)
		id := f.execute(t, hello)
		tr := []types.Fetch{e0}
		report(f, id, 0, tr, res)
		report(f, id, 1, tr, types.Result{Response: "nondeterministic"})
		report(f, id, 2, tr, res)
		e := f.exec(t, id)
		require.Equal(t, types.EXECUTION_STATUS_RUNNING, e.Status, "20 of 40 for one result is not > 2/3")
		f.result(t, id, res, 1) // v1 already voted (its live result): not counted again
		require.Equal(t, types.EXECUTION_STATUS_RUNNING, f.exec(t, id).Status)
		f.result(t, id, res, 3)
		require.Equal(t, types.EXECUTION_STATUS_COMPLETED, f.exec(t, id).Status)
	})
}
