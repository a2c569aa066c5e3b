package bench

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/bnb-chain/tss-lib/v2/crypto"
	"github.com/bnb-chain/tss-lib/v2/ecdsa/keygen"
	"github.com/bnb-chain/tss-lib/v2/ecdsa/resharing"
	"github.com/bnb-chain/tss-lib/v2/tss"
	"google.golang.org/grpc/metadata"

	grpctypes "github.com/cosmos/cosmos-sdk/types/grpc"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/litprotocol/litd/testutil/network"
	"github.com/litprotocol/litd/x/tss/keeper"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// thresholdFor is x/tss's threshold for n share holders.
func thresholdFor(n int) int { return int(keeper.ThresholdFor(n)) }

// reshareName names a reshare by its sizes ("4to6"), with the thresholds
// when they are not x/tss's for those sizes (a retry keeps the threshold
// of a shrunk committee).
func reshareName(oldN, tOld, newN, tNew int) string {
	if tOld == thresholdFor(oldN) && tNew == thresholdFor(newN) {
		return fmt.Sprintf("%dto%d", oldN, newN)
	}
	return fmt.Sprintf("%dt%dto%dt%d", oldN, tOld, newN, tNew)
}

// rawKeys is one generation of shares of the raw root key: saves[i] is
// held by validator members[i] (an index 0..5, whose pre-parameters are
// fixture i), with threshold t; party keys are partyKey(gen, member).
type rawKeys struct {
	gen     int64
	t       int
	members []int
	saves   []*keygen.LocalPartySaveData
}

// rawReshareRun is one measured raw reshare.
type rawReshareRun struct {
	oldN, tOld, newN, tNew int
	oldSide, newMembers    []int
	wall, cpu              time.Duration
}

// Raw resharing state of the run: shares by (holders, threshold), the
// first generation reached for each; measurements by reshareName; which
// of them have a table row. The benchmarks run one at a time.
var (
	rawShares       = map[[2]int]rawKeys{}
	rawReshares     = map[string]rawReshareRun{}
	rawReshareShown = map[string]bool{}
	rawPre          []keygen.LocalPreParams
)

// setRawGenesis makes the raw keygen's shares the source of the reshares.
func setRawGenesis(saves []*keygen.LocalPartySaveData) {
	var members []int
	for v := range len(saves) {
		members = append(members, v)
	}
	rawShares[[2]int{len(saves), rawThreshold}] = rawKeys{t: rawThreshold, members: members, saves: saves}
}

// rawKeysOf returns shares of the raw root key for n holders with
// threshold t: the raw keygen's (4, t=2), or those a measured reshare
// from the keygen's produced.
func rawKeysOf(n, t int) (rawKeys, error) {
	if _, ok := rawShares[[2]int{rawParties, rawThreshold}]; !ok {
		pre, err := fixturePreParams(rawParties)
		if err != nil {
			return rawKeys{}, err
		}
		saves, err := rawKeygen(pre)
		if err != nil {
			return rawKeys{}, err
		}
		setRawGenesis(saves)
	}
	if k, ok := rawShares[[2]int{n, t}]; ok {
		return k, nil
	}
	if _, err := rawReshareOf(rawParties, rawThreshold, n, t); err != nil {
		return rawKeys{}, fmt.Errorf("making %d shares with t=%d: %w", n, t, err)
	}
	return rawShares[[2]int{n, t}], nil
}

// resize is the committee after members grow or shrink to n: joiners are
// the lowest free validator indexes; leavers are the second member on, as
// node1 and then node2 leave on the chain (node0 stays).
func resize(members []int, n int) []int {
	out := slices.Clone(members)
	for v := 0; len(out) < n; v++ {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	for len(out) > n && len(out) > 1 {
		out = slices.Delete(out, 1, 2)
	}
	slices.Sort(out)
	return out
}

// rawReshareOf measures, once per size, a reshare of the raw root key from
// oldN holders with threshold tOld to newN holders with threshold tNew, and
// checks the new shares (same root key, t+1 of them sign).
func rawReshareOf(oldN, tOld, newN, tNew int) (rawReshareRun, error) {
	name := reshareName(oldN, tOld, newN, tNew)
	if r, ok := rawReshares[name]; ok {
		return r, nil
	}
	src, err := rawKeysOf(oldN, tOld)
	if err != nil {
		return rawReshareRun{}, err
	}
	if rawPre == nil {
		if rawPre, err = fixturePreParams(len(network.FixturePreParams())); err != nil {
			return rawReshareRun{}, err
		}
	}
	next, run, err := rawReshare(src, resize(src.members, newN), tNew, rawPre)
	if err != nil {
		return rawReshareRun{}, fmt.Errorf("reshare %s: %w", name, err)
	}
	if err := checkReshared(next, src.saves[0], name); err != nil {
		return rawReshareRun{}, err
	}
	rawReshares[name] = run
	if _, ok := rawShares[[2]int{newN, tNew}]; !ok {
		rawShares[[2]int{newN, tNew}] = next
	}
	return run, nil
}

// rawReshare deals src's key to the validators newMembers with threshold
// tNew the way x/tss/engine does: the old side is the first t+1 members of
// src that stay (the chain takes t+1 bonded members), each on a deep copy
// of its share (resharing zeroes the old share in place); the new side is
// one fresh party per new member (key generation src.gen+1, so a validator
// on both sides runs two parties) on blank save data with its validator's
// pre-parameters; all with tss.NewReSharingParameters(old, new, t+1, t,
// n', t'), proofs on, messages as wire bytes. Wall and CPU time cover the
// parties from creation until every one of them ended.
func rawReshare(src rawKeys, newMembers []int, tNew int, pre []keygen.LocalPreParams) (rawKeys, rawReshareRun, error) {
	var oldSide []int
	for _, v := range src.members {
		if slices.Contains(newMembers, v) && len(oldSide) < src.t+1 {
			oldSide = append(oldSide, v)
		}
	}
	if len(oldSide) < src.t+1 {
		return rawKeys{}, rawReshareRun{}, fmt.Errorf("only %d of %v stay in %v, need t+1 = %d", len(oldSide), src.members, newMembers, src.t+1)
	}
	gen := src.gen + 1
	byKey := map[string]int{} // party key -> validator
	keysOf := func(gen int64, members []int) []*big.Int {
		var keys []*big.Int
		for _, v := range members {
			k := partyKey(gen, v)
			keys = append(keys, k)
			byKey[k.String()] = v
		}
		return keys
	}
	oldIDs, newIDs := partyIDs(keysOf(src.gen, oldSide)), partyIDs(keysOf(gen, newMembers))
	inputs := map[int]keygen.LocalPartySaveData{}
	for i, v := range src.members {
		if !slices.Contains(oldSide, v) {
			continue
		}
		c, err := cloneSave(src.saves[i])
		if err != nil {
			return rawKeys{}, rawReshareRun{}, err
		}
		inputs[v] = c
	}
	for _, v := range newMembers {
		if v >= len(pre) {
			return rawKeys{}, rawReshareRun{}, fmt.Errorf("validator %d has no pre-parameter fixture", v)
		}
	}
	oldCtx, newCtx := tss.NewPeerContext(oldIDs), tss.NewPeerContext(newIDs)
	params := func(self *tss.PartyID) *tss.ReSharingParameters {
		return tss.NewReSharingParameters(tss.S256(), oldCtx, newCtx, self, len(oldIDs), src.t, len(newIDs), tNew)
	}
	out := make(chan tss.Message, 4096)
	end := make(chan *keygen.LocalPartySaveData, len(oldIDs)+len(newIDs))
	start, cpu0 := time.Now(), selfCPU()
	// The new side first: it waits for the old side's first round.
	var parties []tss.Party
	for _, id := range newIDs {
		blank := keygen.NewLocalPartySaveData(len(newIDs))
		blank.LocalPreParams = pre[byKey[id.KeyInt().String()]]
		parties = append(parties, resharing.NewLocalParty(params(id), blank, out, end))
	}
	for _, id := range oldIDs {
		parties = append(parties, resharing.NewLocalParty(params(id), inputs[byKey[id.KeyInt().String()]], out, end))
	}
	got, err := runParties(parties, out, end, len(parties))
	run := rawReshareRun{oldN: len(src.members), tOld: src.t, newN: len(newMembers), tNew: tNew,
		oldSide: oldSide, newMembers: newMembers, wall: time.Since(start), cpu: selfCPU() - cpu0}
	if err != nil {
		return rawKeys{}, run, fmt.Errorf("resharing: %w", err)
	}
	next := rawKeys{gen: gen, t: tNew, members: newMembers, saves: make([]*keygen.LocalPartySaveData, len(newMembers))}
	for _, s := range got {
		if s.ShareID == nil {
			continue // an old-side party's end (its Xi is now zero)
		}
		i := slices.Index(newMembers, byKey[s.ShareID.String()])
		if i < 0 || partyKey(gen, newMembers[i]).Cmp(s.ShareID) != 0 || next.saves[i] != nil {
			return rawKeys{}, run, fmt.Errorf("unexpected new share id %s", s.ShareID)
		}
		next.saves[i] = s
	}
	for i, s := range next.saves {
		if s == nil {
			return rawKeys{}, run, fmt.Errorf("validator %d got no new share", newMembers[i])
		}
	}
	return next, run, nil
}

// cloneSave deep-copies save data through JSON, as the engine reads a fresh
// copy of its share from disk for every reshare.
func cloneSave(s *keygen.LocalPartySaveData) (keygen.LocalPartySaveData, error) {
	var c keygen.LocalPartySaveData
	bz, err := json.Marshal(s)
	if err != nil {
		return c, err
	}
	return c, json.Unmarshal(bz, &c)
}

// checkReshared verifies a new generation: every share holds the original
// root key and its own BigXj = xi·G, and t+1 of the shares (the last
// members, so joiners sign when there are any) make a signature that
// verifies.
func checkReshared(k rawKeys, orig *keygen.LocalPartySaveData, name string) error {
	for i, s := range k.saves {
		if s.ECDSAPub == nil || !s.ECDSAPub.Equals(orig.ECDSAPub) {
			return fmt.Errorf("reshare %s: validator %d holds a different public key", name, k.members[i])
		}
		if s.Xi == nil || !crypto.ScalarBaseMult(tss.S256(), s.Xi).Equals(s.BigXj[i]) {
			return fmt.Errorf("reshare %s: validator %d's share does not match its BigXj", name, k.members[i])
		}
	}
	var signers []int
	for i := len(k.saves) - k.t - 1; i < len(k.saves); i++ {
		signers = append(signers, i)
	}
	if err := rawSign(k.saves, k.t, signers, 7, rawDigest("reshare "+name, 0)); err != nil {
		return fmt.Errorf("signing with the shares of reshare %s: %w", name, err)
	}
	return nil
}

// reportRawReshare gives a raw reshare its table rows (once per size).
func reportRawReshare(b *testing.B, r rawReshareRun) {
	b.Helper()
	name := reshareName(r.oldN, r.tOld, r.newN, r.tNew)
	if rawReshareShown[name] {
		return
	}
	rawReshareShown[name] = true
	report(b, "raw.reshare."+name, fmt.Sprintf("reshare %d->%d (%d of %d, t=%d -> %d, t=%d), proofs on: wall",
		r.oldN, r.newN, len(r.oldSide), r.oldN, r.tOld, r.newN, r.tNew), seconds(r.wall), name+"-s")
	report(b, "raw.reshare."+name+".cpu", fmt.Sprintf("reshare %d->%d: CPU, all %d parties", r.oldN, r.newN, len(r.oldSide)+r.newN),
		seconds(r.cpu), name+"-cpu-s")
	b.Logf("reshare %d->%d: old side validators %v, new committee %v; the new shares hold the root key and %d of them signed",
		r.oldN, r.newN, r.oldSide, r.newMembers, r.tNew+1)
}

// chainReshare is one reshare session the chain ran.
type chainReshare struct {
	session                tsstypes.Session
	step                   string // the churn step it served
	oldN, tOld, newN, tNew int    // source key set holders and new committee
	blocks                 int64  // start_height -> closed_height
	span                   time.Duration
	startHeight, closedAt  int64
	completed              bool
}

func (r chainReshare) name() string { return reshareName(r.oldN, r.tOld, r.newN, r.tNew) }

// chainReshares are the reshare sessions BenchmarkNetwork saw, by id.
var chainReshares []chainReshare

// keySetAt is the key set query answered from the state after block h.
func (c *chain) keySetAt(h int64) (*tsstypes.QueryKeySetResponse, error) {
	ctx, cancel := ctxTimeout(10 * time.Second)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, grpctypes.GRPCBlockHeightHeader, strconv.FormatInt(h, 10))
	resp, err := c.tss.KeySet(ctx, &tsstypes.QueryKeySetRequest{})
	if err != nil {
		return nil, fmt.Errorf("key set at height %d: %w", h, err)
	}
	return resp, nil
}

// waitCommittee waits until the active key set's participants are want
// and no reshare runs, checking at every poll that the root key is root.
func (c *chain) waitCommittee(root string, want []string, timeout time.Duration) (tsstypes.KeySet, error) {
	want = slices.Sorted(slices.Values(want))
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := ctxTimeout(10 * time.Second)
		resp, err := c.tss.KeySet(ctx, &tsstypes.QueryKeySetRequest{})
		cancel()
		if err == nil {
			if resp.KeySet.Pubkey != root {
				return tsstypes.KeySet{}, fmt.Errorf("root key changed: %s, was %s", resp.KeySet.Pubkey, root)
			}
			if resp.Resharing == nil && slices.Equal(resp.KeySet.Participants, want) {
				return resp.KeySet, nil
			}
		}
		if time.Now().After(deadline) {
			st, _ := c.CLI(0, "query", "tss", "status", "--output", "json")
			return tsstypes.KeySet{}, fmt.Errorf("no key set of %v after %s: %v %v; status %s", want, timeout, resp, err, st)
		}
		time.Sleep(pollEvery)
	}
}

// reshareSessions lists the reshare sessions in the state now.
func (c *chain) reshareSessions() ([]tsstypes.Session, error) {
	ctx, cancel := ctxTimeout(30 * time.Second)
	defer cancel()
	resp, err := c.tss.Sessions(ctx, &tsstypes.QuerySessionsRequest{Pagination: &query.PageRequest{Limit: 10000}})
	if err != nil {
		return nil, err
	}
	var out []tsstypes.Session
	for _, s := range resp.Sessions {
		if s.Type == tsstypes.SESSION_TYPE_RESHARE {
			out = append(out, s)
		}
	}
	return out, nil
}

// readReshare measures a closed reshare session: its source key set (the
// active one after its start block) and, when it completed, that the key
// set it dealt to is active after its closing block with the same root.
func (c *chain) readReshare(s tsstypes.Session, root, step string) (chainReshare, error) {
	r := chainReshare{session: s, step: step, newN: len(s.NewCommittee), tNew: int(s.NewThreshold), tOld: int(s.Threshold),
		startHeight: s.StartHeight, closedAt: s.ClosedHeight, blocks: s.ClosedHeight - s.StartHeight,
		completed: s.Status == tsstypes.SESSION_STATUS_COMPLETED}
	src, err := c.keySetAt(s.StartHeight)
	if err != nil {
		return r, err
	}
	if src.KeySet.Id != s.KeySetId || src.KeySet.Pubkey != root {
		return r, fmt.Errorf("session %d: active key set at its start height %d is %d (%s), want %d (%s)",
			s.Id, s.StartHeight, src.KeySet.Id, src.KeySet.Pubkey, s.KeySetId, root)
	}
	r.oldN = len(src.KeySet.Participants)
	if r.completed {
		after, err := c.keySetAt(s.ClosedHeight)
		if err != nil {
			return r, err
		}
		ks := after.KeySet
		if ks.Id != s.NewKeySetId || ks.Pubkey != root || ks.ActivatedHeight != s.ClosedHeight || len(ks.Participants) != r.newN {
			return r, fmt.Errorf("session %d closed at %d but the active key set then is %d (%s, activated at %d, %d holders), want %d (%s, %d holders)",
				s.Id, s.ClosedHeight, ks.Id, ks.Pubkey, ks.ActivatedHeight, len(ks.Participants), s.NewKeySetId, root, r.newN)
		}
	}
	t0, err := c.blockTime(s.StartHeight)
	if err != nil {
		return r, err
	}
	t1, err := c.blockTime(s.ClosedHeight)
	if err != nil {
		return r, err
	}
	r.span = t1.Sub(t0)
	return r, nil
}

// collectReshares adds the closed reshare sessions not seen yet (sessions
// are pruned session_retention_blocks after closing, so each step collects
// its own) and returns their indexes. None may still be open.
func (c *chain) collectReshares(root, step string) ([]int, error) {
	ss, err := c.reshareSessions()
	if err != nil {
		return nil, err
	}
	var added []int
	slices.SortFunc(ss, func(a, b tsstypes.Session) int { return cmp.Compare(a.Id, b.Id) })
	for _, s := range ss {
		if slices.ContainsFunc(chainReshares, func(r chainReshare) bool { return r.session.Id == s.Id }) {
			continue
		}
		if s.Status == tsstypes.SESSION_STATUS_OPEN {
			return nil, fmt.Errorf("reshare session %d still open after the committee settled", s.Id)
		}
		r, err := c.readReshare(s, root, step)
		if err != nil {
			return nil, err
		}
		added = append(added, len(chainReshares))
		chainReshares = append(chainReshares, r)
	}
	return added, nil
}

// logOffsets are the node logs' sizes now, to scan only what follows.
func (c *chain) logOffsets() map[string]int64 {
	off := map[string]int64{}
	for _, node := range c.Nodes {
		if fi, err := os.Stat(filepath.Join(node.Home, "litd.log")); err == nil {
			off[node.Home] = fi.Size()
		}
	}
	return off
}

// logErrorsSince counts error lines written to every node log (joined
// nodes' from their start) after off, with a few examples.
func (c *chain) logErrorsSince(off map[string]int64, maxExamples int) (int, []string) {
	n := 0
	var examples []string
	for _, node := range c.Nodes {
		f, err := os.Open(filepath.Join(node.Home, "litd.log"))
		if err != nil {
			continue
		}
		if _, err := f.Seek(off[node.Home], io.SeekStart); err != nil {
			_ = f.Close()
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if line := sc.Text(); errLine.MatchString(line) {
				n++
				if len(examples) < maxExamples {
					examples = append(examples, fmt.Sprintf("node%d: %.300s", node.Index, line))
				}
			}
		}
		_ = f.Close()
	}
	return n, examples
}

// churnStep is one change of the validator set and the reshares it caused.
type churnStep struct {
	what     string
	wall     time.Duration // the change sent or committed -> key set of the new members active
	cpu      time.Duration // litd CPU of every running node meanwhile
	nodes    int           // litd processes running
	reshares []int         // indexes into chainReshares
}

// reshareChurn moves the root key through validator churn: two validators
// join (bonded one after the other, as soon as each node caught up), then
// node1 and node2 unbond, each once the key has moved after the previous
// change. The join step is timed from the second create-validator
// committed, each leave from just before its unbond is sent.
func (c *chain) reshareChurn(b *testing.B) (join churnStep, leaves []churnStep) {
	ks, err := c.keySet()
	if err != nil {
		b.Fatal(err)
	}
	root, members := ks.Pubkey, slices.Clone(ks.Participants)
	if n := len(chainReshares); n > 0 {
		b.Fatalf("%d reshares before the churn", n)
	}
	for range 2 {
		node, err := c.AddNode()
		if err != nil {
			b.Fatal(err)
		}
		if err := c.StartNode(node.Index); err != nil {
			b.Fatal(err)
		}
		h, err := c.height()
		if err != nil {
			b.Fatal(err)
		}
		if err := c.WaitForHeight(node.Index, h, 3*time.Minute); err != nil {
			b.Fatalf("node%d catching up: %v", node.Index, err)
		}
		if err := c.CreateValidator(node.Index, network.SelfBond); err != nil {
			b.Fatal(err)
		}
		members = append(members, node.ValAddr)
		fmt.Printf("bench: node%d (%s) bonded %s\n", node.Index, node.ValAddr, network.SelfBond)
	}
	step := func(what string, start time.Time, cpu0 time.Duration) churnStep {
		if _, err := c.waitCommittee(root, members, 10*time.Minute); err != nil {
			b.Fatal(err)
		}
		st := churnStep{what: what, wall: time.Since(start), cpu: c.nodeCPU() - cpu0, nodes: len(c.Nodes)}
		if st.reshares, err = c.collectReshares(root, what); err != nil {
			b.Fatal(err)
		}
		fmt.Printf("bench: %s: key set of %d active after %s, %d reshare session(s)\n", what, len(members), st.wall.Round(time.Second), len(st.reshares))
		return st
	}
	join = step("2 joins", time.Now(), c.nodeCPU())
	for _, i := range []int{1, 2} {
		val := c.Nodes[i].ValAddr
		start, cpu0 := time.Now(), c.nodeCPU()
		res, err := c.Unbond(i)
		if err != nil {
			b.Fatal(err)
		}
		if res.Code != 0 {
			b.Fatalf("node%d unbond: code %d: %s", i, res.Code, res.RawLog)
		}
		members = slices.DeleteFunc(members, func(m string) bool { return m == val })
		leaves = append(leaves, step(fmt.Sprintf("node%d leaves", i), start, cpu0))
	}
	if len(chainReshares) == 0 {
		b.Fatal("the churn ran no reshare session")
	}
	return join, leaves
}
