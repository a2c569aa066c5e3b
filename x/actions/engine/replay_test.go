package engine

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/litprotocol/litd/x/actions/sandbox"
	"github.com/litprotocol/litd/x/actions/types"
	"github.com/litprotocol/litd/x/actions/worker"
)

// A replay reproduces the recorded digest from the record alone (transcript, reads, params), says
// when the runtime differs, refuses what it cannot replay, and a node replays each execution once.
func TestReplay(t *testing.T) {
	code := `(async () => {
  const ok = await Lit.Actions.isPermittedAction({tokenId: '0x01', ipfsId: 'QmX'});
  const r = await fetch('https://example.invalid/x');
  Lit.Actions.setResponse({response: ok + ' ' + (await r.text()) + ' ' + Math.random()});
})()`
	params := types.DefaultParams()
	e := types.Execution{Id: 7, Cid: "QmCode", JsParams: "{}", BlockTimeUnix: 1_700_000_000, Params: &params,
		Status: types.EXECUTION_STATUS_COMPLETED,
		Fetches: []types.Fetch{{Request: types.FetchRequest{Method: "GET", Url: "https://example.invalid/x"},
			Response: &types.FetchResponse{Status: 200, Body: []byte("attested")}}}}
	// What the validators computed: the same sandbox, reads answered as recorded.
	recorded := sandbox.Run(context.Background(), EnvFor(e, code, params, &sandbox.TranscriptFetcher{Fetches: FromFetches(e.Fetches)},
		&sandbox.RecordedPermissions{Reads: []sandbox.PermissionRead{{Op: "isPermittedAction", TokenID: "0x01", CID: "QmX", Permitted: true}}}))
	require.Empty(t, recorded.Error)
	res := ToResult(recorded)
	e.Result = &res
	e.ResultDigest = ok(t)(types.ResultDigest(&res))

	// Direct: the record alone reproduces the digest.
	direct := Replay(context.Background(), &worker.Runner{}, e, code, types.Params{})
	require.True(t, direct.Match, "%+v", direct)

	// A node's replayer never blocks its caller: first it schedules, then it answers.
	r := NewReplayer()
	rep := r.Replay(context.Background(), e, code, types.Params{})
	require.Equal(t, ReplayPending, rep.Error)
	require.Eventually(t, func() bool {
		rep = r.Replay(context.Background(), e, code, types.Params{})
		return rep.Error == ""
	}, 10*time.Second, 20*time.Millisecond)
	require.True(t, rep.Match, "%+v", rep)
	require.False(t, rep.RuntimeDiffers)
	require.Contains(t, rep.Result.Response, "true attested ")

	// Cached: the same answer at once, even with the worker unavailable.
	r.runner.Bin = "/nonexistent"
	start := time.Now()
	require.Equal(t, rep, r.Replay(context.Background(), e, code, types.Params{}))
	require.Less(t, time.Since(start), 500*time.Millisecond, "a lookup, not a run (on a loaded machine a goroutine can wait tens of ms)")

	// Another runtime recorded it: the report says so (and the digest differs with it).
	other := e
	res2 := res
	res2.Runtime = "litd-sandbox/1"
	other.Id, other.Result = 8, &res2
	other.ResultDigest = ok(t)(types.ResultDigest(&res2))
	rep = Replay(context.Background(), &worker.Runner{}, other, code, types.Params{})
	require.True(t, rep.RuntimeDiffers)
	require.False(t, rep.Match)
	require.Equal(t, "litd-sandbox/1", rep.RecordedRuntime)

	// A full queue says so at once.
	r.runner.Bin = "/nonexistent"
	busy := false
	for i := range 3 * replayQueue {
		x := e
		x.Id = uint64(1000 + i)
		busy = busy || r.Replay(context.Background(), x, code, types.Params{}).Error == ReplayBusy
	}
	require.True(t, busy)

	// A replay that runs out of time here while the validators finished proves nothing: inconclusive,
	// not a mismatch, and never remembered.
	slow := e
	slow.Id = 11
	slowParams := params
	slowParams.TimeoutMs = 100
	slow.Params = &slowParams
	rep = Replay(context.Background(), &worker.Runner{}, slow, `while (true) {}`, types.Params{})
	require.Contains(t, rep.Error, "inconclusive")
	require.False(t, rep.Match)

	// Nothing to replay yet, or pruned.
	open := e
	open.Id, open.ResultDigest, open.Result = 9, "", nil
	require.Contains(t, r.Replay(context.Background(), open, code, params).Error, "no accepted result")
	pruned := e
	pruned.Id, pruned.PrunedHeight = 10, 99
	require.Contains(t, r.Replay(context.Background(), pruned, code, params).Error, "pruned")
}

func ok(t *testing.T) func(string, error) string {
	return func(s string, err error) string {
		t.Helper()
		require.NoError(t, err)
		return s
	}
}

// Whatever an action logs, its encoded result stays within what the chain accepts for its params:
// a line costs its protobuf size, so many short lines cannot overshoot.
func TestResultSizeWithinParams(t *testing.T) {
	p := types.DefaultParams()
	p.MaxLogBytes, p.MaxResponseBytes, p.MaxSignatures = 160<<10, 256<<10, 16
	p.TimeoutMs = 60_000 // a million iterations; this test is about sizes, and a loaded machine is slow
	require.NoError(t, p.Validate())
	for _, code := range []string{
		`for (let i = 0; i < 1e6; i++) console.log('')`,
		`for (let i = 0; i < 1e6; i++) console.log('x'.repeat(127))`,
		`for (let i = 0; i < 1e5; i++) console.log('x'.repeat(200)); Lit.Actions.setResponse({response: 'r'.repeat(256 << 10)})`,
		// The most reads (just under sandbox.MaxReadBytes), signatures and personal messages a run may have.
		`(async () => {
  const pub = '0x04' + '79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798' + '483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8';
  for (let i = 0; i < 48; i++) await Lit.Actions.isPermittedAuthMethod({tokenId: 't'.repeat(128), authMethodType: 2**53, userId: 'u'.repeat(512)});
  for (let i = 0; i < 16; i++) await Lit.Actions.ethPersonalSignMessageEcdsa({message: 'm'.repeat(1024), publicKey: pub, sigName: String(i).padStart(64, 's')});
  for (let i = 0; i < 1e5; i++) console.log('x'.repeat(200)); Lit.Actions.setResponse({response: 'r'.repeat(256 << 10)});
})()`,
	} {
		e := types.Execution{Id: 1, JsParams: "{}", Params: &p}
		res := ToResult(sandbox.Run(context.Background(), EnvFor(e, code, p, nil, pkpState{permitted: true})))
		require.Empty(t, res.Error)
		require.LessOrEqual(t, uint64(res.Size()), p.MaxResponseBytes+p.MaxLogBytes+types.ResultOverheadBytes, code)
	}
}

// pkpState answers permission reads like a PKP's state at the request height would.
type pkpState struct{ permitted bool }

func (p pkpState) IsPermittedAction(string, string) (bool, error)  { return p.permitted, nil }
func (p pkpState) PermittedActions(string) ([]string, error)       { return []string{"QmX"}, nil }
func (p pkpState) IsPermittedAddress(string, string) (bool, error) { return p.permitted, nil }
func (p pkpState) PermittedAddresses(string) ([]string, error) {
	return []string{"lit1owner", "lit1friend"}, nil
}

func (p pkpState) IsPermittedAuthMethod(string, uint64, string) (bool, error) {
	return p.permitted, nil
}

func (p pkpState) PermittedAuthMethods(string) ([]sandbox.AuthMethod, error) {
	return []sandbox.AuthMethod{{Type: 6, ID: "0x626f62", UserPubkey: "0x04"}}, nil
}

func (p pkpState) AuthMethodScopes(string, uint64, string) ([]uint64, error) {
	if !p.permitted {
		return nil, nil
	}
	return []uint64{1, 2}, nil
}

// Every kind of permission read, recorded in the live run (in a worker, state answering), goes
// through the chain's record (types.Result) and replays identically from it once the PKP's
// permissions have changed; so does Lit.Auth, from the execution record.
func TestReplayRecordedReads(t *testing.T) {
	code := `(async () => {
  const A = Lit.Actions, t = '0x01', user = {authMethodType: 6, userId: new Uint8Array([98, 111, 98])};
  const out = [
    await A.isPermittedAction({tokenId: t, ipfsId: 'QmX'}), await A.getPermittedActions({tokenId: t}),
    await A.isPermittedAddress({tokenId: t, address: 'lit1friend'}), await A.getPermittedAddresses({tokenId: t}),
    await A.isPermittedAuthMethod({tokenId: t, ...user}), await A.getPermittedAuthMethods({tokenId: t}),
    await A.getPermittedAuthMethodScopes({tokenId: t, ...user, maxScopeId: 3}), Lit.Auth,
  ];
  await A.ethPersonalSignMessageEcdsa({message: 'hello world', publicKey: '0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798', sigName: 'p'});
  A.setResponse({response: JSON.stringify(out)});
})()`
	params := types.DefaultParams()
	caller := "lit1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5nefpuv"
	e := types.Execution{Id: 9, Cid: "QmCode", Caller: caller, JsParams: "{}", BlockTimeUnix: 1_700_000_000, Params: &params,
		Status:             types.EXECUTION_STATUS_COMPLETED,
		AuthMethodContexts: []types.AuthMethodContext{{AuthMethodType: 6, UserId: "bob", AppId: "app"}}}
	live := (&worker.Runner{}).Run(context.Background(), EnvFor(e, code, params, nil, pkpState{permitted: true}))
	require.Empty(t, live.Error)
	require.Len(t, live.Reads, 7)
	require.Equal(t, `[true,["QmX"],true,["lit1owner","lit1friend"],true,[{"auth_method_type":6,"id":"0x626f62","user_pubkey":"0x04"}],`+
		`[false,true,true],{"actionIpfsIds":["QmCode"],"authSigAddress":"`+caller+`","authSigAddressHex":"0x0102030405060708090a0b0c0d0e0f1011121314",`+
		`"authMethodContexts":[{"authMethodType":6,"userId":"bob","appId":"app"}]}]`, live.Response)
	res := ToResult(live)
	require.Equal(t, types.PermissionRead{Op: "isPermittedAuthMethod", TokenId: "0x01", AuthMethodType: 6, UserId: "0x626f62", Permitted: true}, res.Reads[4])
	require.Equal(t, []types.SignRequest{{SigName: "p", PublicKey: "0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
		Kind: types.SIGN_KIND_PERSONAL_MESSAGE, Message: []byte("hello world")}}, res.SignRequests)
	// Through the chain's encoding and back.
	bz, err := res.Marshal()
	require.NoError(t, err)
	var stored types.Result
	require.NoError(t, stored.Unmarshal(bz))
	e.Result = &stored
	e.ResultDigest = ok(t)(types.ResultDigest(&res))

	rep := Replay(context.Background(), &worker.Runner{}, e, code, types.Params{})
	require.True(t, rep.Match, "%+v", rep)
	require.Equal(t, live.Response, rep.Result.Response)

	// Today the PKP permits nothing: a live run answers otherwise, the replay still matches.
	now := (&worker.Runner{}).Run(context.Background(), EnvFor(e, code, params, nil, pkpState{}))
	require.NotEqual(t, live.Response, now.Response)
	require.True(t, Replay(context.Background(), &worker.Runner{}, e, code, types.Params{}).Match)

	// Lit.Auth is part of the record: another caller does not replay.
	other := e
	other.Caller = "lit1zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3dxjagl"
	require.False(t, Replay(context.Background(), &worker.Runner{}, other, code, types.Params{}).Match)
}
