package bench

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bnb-chain/tss-lib/v2/ecdsa/keygen"

	sdk "github.com/cosmos/cosmos-sdk/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	pkptypes "github.com/litprotocol/litd/x/pkp/types"
)

// The benchmarks run in this order: raw tss-lib first (before any litd
// process exists), then the network, which is stopped before raw resharing
// of the sizes its reshares had, then the summary.

// burstSize is how many MsgSign the throughput measurement puts in one tx,
// and how many signatures the raw throughput measurement makes.
const burstSize = 40

// signExchanges is what a sign session exchanges through extensions after
// its parties start: tss-lib's 9 message rounds, then the signature result.
const signExchanges = 10

// maxProfile caps the wall time node0's CPU profile covers.
const maxProfile = 30 * time.Second

func BenchmarkRaw(b *testing.B) {
	signs := envInt(b, "LITD_BENCH_SIGNS", 10)
	conc := envInt(b, "LITD_BENCH_CONCURRENCY", 4)

	var saves []*keygen.LocalPartySaveData
	keys := func(b *testing.B) []*keygen.LocalPartySaveData {
		if saves != nil {
			return saves
		}
		pre, err := fixturePreParams(rawParties)
		if err != nil {
			b.Fatal(err)
		}
		start, cpu0 := time.Now(), selfCPU()
		s, err := rawKeygen(pre)
		if err != nil {
			b.Fatal(err)
		}
		took, cpu := time.Since(start), selfCPU()-cpu0
		report(b, "raw.keygen", "keygen n=4 t=2 (fixture pre-params): wall", seconds(took), "s")
		report(b, "raw.keygen.cpu", "keygen: CPU, all 4 parties", seconds(cpu), "cpu-s")
		report(b, "raw.keygen.cores", "keygen: CPU / wall (under 1.5 = machine busy)", seconds(cpu)/seconds(took), "cores")
		saves = s
		setRawGenesis(s)
		return saves
	}

	b.Run("Keygen", func(b *testing.B) { keys(b) })

	b.Run("SignLatency", func(b *testing.B) {
		saves := keys(b)
		var lat []time.Duration
		cpu0 := selfCPU()
		for i := range signs {
			start := time.Now()
			if err := rawSign(saves, rawThreshold, signersFor(i), uint64(i+1), rawDigest("latency", i)); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
		cpu := selfCPU() - cpu0
		var busy time.Duration
		for _, l := range lat {
			busy += l
		}
		report(b, "raw.sign.p50", "3-of-4 sign with KDD, sequential: p50", millis(percentile(lat, 0.5)), "p50-ms")
		report(b, "raw.sign.p95", "3-of-4 sign with KDD, sequential: p95", millis(percentile(lat, 0.95)), "p95-ms")
		report(b, "raw.sign.cpu", "sign: CPU per signature, 3 parties", seconds(cpu)/float64(signs), "cpu-s/sig")
		report(b, "raw.sign.cores", "sign: CPU / wall (under 1.5 = machine busy)", seconds(cpu)/seconds(busy), "cores")
		report(b, "raw.sign.n", "sign: sequential signatures", float64(signs), "sigs")
	})

	b.Run("SignThroughput", func(b *testing.B) {
		saves := keys(b)
		jobs := make(chan int)
		errc := make(chan error, 1)
		var wg sync.WaitGroup
		start, cpu0 := time.Now(), selfCPU()
		for range conc {
			wg.Go(func() {
				for i := range jobs {
					if err := rawSign(saves, rawThreshold, signersFor(i), uint64(1000+i), rawDigest("throughput", i)); err != nil {
						select {
						case errc <- err:
						default:
						}
					}
				}
			})
		}
		for i := range burstSize {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		took, cpu := time.Since(start), selfCPU()-cpu0
		select {
		case err := <-errc:
			b.Fatal(err)
		default:
		}
		report(b, "raw.throughput", "sign throughput, concurrent sessions", float64(burstSize)/took.Seconds(), "sig/s")
		report(b, "raw.throughput.cores", "sign throughput: CPU / wall (cores busy)", seconds(cpu)/seconds(took), "cores")
		report(b, "raw.throughput.k", "sign throughput: concurrent sessions", float64(conc), "sessions")
		report(b, "raw.throughput.n", "sign throughput: signatures", float64(burstSize), "sigs")
	})

	b.Run("ActionWorker", actionWorker)

	b.Run("Decrypt", func(b *testing.B) { rawDecrypt(b, keys(b), signs) })

	// The root key reshared 4 -> 6 from the keygen's shares, then 6 -> 4 from
	// the six: what the chain's churn does, each in one reshare.
	b.Run("Reshare", func(b *testing.B) {
		keys(b)
		for _, s := range [][2]int{{4, 6}, {6, 4}} {
			run, err := rawReshareOf(s[0], thresholdFor(s[0]), s[1], thresholdFor(s[1]))
			if err != nil {
				b.Fatal(err)
			}
			reportRawReshare(b, run)
		}
	})
}

func BenchmarkNetwork(b *testing.B) {
	signs := envInt(b, "LITD_BENCH_SIGNS", 10)
	c := newChain(b)
	defer c.close(b)
	fmt.Printf("bench: network of %d validators in %s\n", len(c.Nodes), c.dir) // a parent benchmark's log is not shown

	start := time.Now()
	if err := c.Start(); err != nil {
		b.Fatal(err)
	}
	if err := c.WaitForHeight(0, 1, 2*time.Minute); err != nil {
		b.Fatal(err)
	}
	firstBlock := time.Now()
	if _, err := c.WaitForRootKey(10 * time.Minute); err != nil {
		b.Fatal(err)
	}
	rootKey := time.Now()
	dkgCPU := c.nodeCPU()

	var idle time.Duration
	var idleCores float64
	b.Run("BlockTimeIdle", func(b *testing.B) {
		h0, err := c.height()
		if err != nil {
			b.Fatal(err)
		}
		cpu0, t0 := c.nodeCPU(), time.Now()
		if err := c.WaitForHeight(0, h0+20, 2*time.Minute); err != nil {
			b.Fatal(err)
		}
		idleCores = seconds(c.nodeCPU()-cpu0) / time.Since(t0).Seconds()
		if idle, err = c.blockInterval(h0, h0+20); err != nil {
			b.Fatal(err)
		}
		report(b, "net.block.idle", "block time, idle (20 blocks after DKG)", millis(idle), "ms")
		report(b, "net.cpu.idle", "litd CPU while idle, 4 nodes", idleCores, "cores")
	})

	b.Run("DKG", func(b *testing.B) {
		ks, err := c.keySet()
		if err != nil {
			b.Fatal(err)
		}
		first, err := c.session(1)
		if err != nil {
			b.Fatal(err)
		}
		last, err := c.session(ks.KeygenSessionId)
		if err != nil {
			b.Fatal(err)
		}
		h, err := c.height()
		if err != nil {
			b.Fatal(err)
		}
		// /status counts a block once it is stored, before the app has
		// committed its state: query one below.
		active, err := c.activationHeight(first.StartHeight, h-1)
		if err != nil {
			b.Fatal(err)
		}
		blocks := active - first.StartHeight
		tStart, err := c.blockTime(first.StartHeight)
		if err != nil {
			b.Fatal(err)
		}
		tActive, err := c.blockTime(active)
		if err != nil {
			b.Fatal(err)
		}
		span := tActive.Sub(tStart)
		report(b, "net.dkg.start", "DKG: Start -> WaitForRootKey (boot included), wall", seconds(rootKey.Sub(start)), "boot-to-key-s")
		report(b, "net.dkg.first", "DKG: first block -> WaitForRootKey, wall", seconds(rootKey.Sub(firstBlock)), "first-block-to-key-s")
		report(b, "net.dkg.blocks", "DKG: keygen start_height -> key set active", float64(blocks), "session-blocks")
		report(b, "net.dkg.est", "DKG: those blocks x idle block time", seconds(time.Duration(blocks)*idle), "session-est-s")
		report(b, "net.dkg.session", "DKG: same span by block header times", seconds(span), "session-s")
		report(b, "net.dkg.blocktime", "block time during DKG", millis(span/time.Duration(max(blocks, 1))), "block-ms")
		report(b, "net.dkg.attempts", "DKG: keygen attempts", float64(last.Attempt), "attempts")
		report(b, "net.dkg.cpu", "litd CPU from boot to root key, 4 nodes", seconds(dkgCPU), "cpu-s")
		b.Logf("keygen session %d started at height %d; key set %d active at height %d", first.Id, first.StartHeight, ks.Id, active)
	})

	b.Run("MintVsSend", func(b *testing.B) {
		n := envInt(b, "LITD_BENCH_TXS", 100)
		to, err := c.KeyAddress(0, "validator")
		if err != nil {
			b.Fatal(err)
		}
		ss, err := c.fundSenders(n, "3000000ulit") // the mint fee is 1 LIT
		if err != nil {
			b.Fatal(err)
		}
		send := func(s *sender) sdk.Msg {
			return &banktypes.MsgSend{FromAddress: s.addr, ToAddress: to, Amount: sdk.NewCoins(sdk.NewInt64Coin("ulit", 1))}
		}
		mint := func(s *sender) sdk.Msg { return &pkptypes.MsgMint{Creator: s.addr} }
		for _, k := range []struct {
			key, name string
			gas       uint64
			msg       func(*sender) sdk.Msg
		}{
			{"", "warm-up send (sets the public keys)", 200000, send},
			{"send", "bank send", 200000, send},
			{"mint", "pkp mint", 400000, mint},
		} {
			txs, err := c.prepareBatch(ss, k.gas, k.msg)
			if err != nil {
				b.Fatalf("%s: %v", k.name, err)
			}
			res, err := c.runBatch(txs, 2*time.Minute)
			if err != nil {
				b.Fatalf("%s: %v", k.name, err)
			}
			for _, s := range ss {
				s.seq++
			}
			if k.key == "" {
				continue
			}
			what := fmt.Sprintf("%s x%d", k.name, n)
			report(b, "net."+k.key+".tps", what+": first broadcast -> last in a block", res.tps(), k.key+"-tx/s")
			report(b, "net."+k.key+".blocks", what+": blocks used", res.blocks(), k.key+"-blocks")
			report(b, "net."+k.key+".perblock", what+": most in one block", float64(res.perBlock), k.key+"-max-per-block")
			report(b, "net."+k.key+".checktx", what+": sync broadcasts (CheckTx) alone", float64(n)/res.broadcast.Seconds(), k.key+"-checktx/s")
			report(b, "net."+k.key+".gas", what+": gas used per tx", float64(res.gasUsed)/float64(n), k.key+"-gas/tx")
		}
	})

	var tokenID string
	pkp := func(b *testing.B) string {
		if tokenID == "" {
			var err error
			if tokenID, err = c.mintPKP(); err != nil {
				b.Fatal(err)
			}
		}
		return tokenID
	}

	b.Run("SignLatency", func(b *testing.B) {
		token := pkp(b)
		var wall, submit []time.Duration
		var blocks, sessionBlocks []int64
		retries := 0
		cpu0, t0 := c.nodeCPU(), time.Now()
		for i := range signs {
			file, err := c.prepareSign(token, []string{netDigest("sequential", i)})
			if err != nil {
				b.Fatal(err)
			}
			begin := time.Now()
			hash, err := c.broadcast(file)
			if err != nil {
				b.Fatal(err)
			}
			accepted := time.Now()
			ids, err := c.signatureIDs(hash, time.Minute)
			if err != nil {
				b.Fatal(err)
			}
			sigs, seen, err := c.awaitSigned(ids, 5*time.Minute)
			if err != nil {
				b.Fatal(err)
			}
			submit = append(submit, accepted.Sub(begin))
			wall = append(wall, seen[0].Sub(accepted))
			blocks = append(blocks, sigs[0].SignedHeight-sigs[0].RequestHeight)
			retries += int(sigs[0].Attempts) - 1
			sess, err := c.session(sigs[0].SessionId)
			if err != nil {
				b.Fatal(err)
			}
			sessionBlocks = append(sessionBlocks, sess.ClosedHeight-sess.StartHeight)
			if tl, err := c.timeline(sess); err == nil {
				fmt.Printf("bench: sign %d: session %d, messages/results committed per block from its start: %s\n", i, sess.Id, tl)
			}
		}
		cpu := seconds(c.nodeCPU()-cpu0) - idleCores*time.Since(t0).Seconds()
		report(b, "net.sign.p50", "sign, sequential: submitted -> SIGNED p50", millis(percentile(wall, 0.5)), "p50-ms")
		report(b, "net.sign.p95", "sign, sequential: submitted -> SIGNED p95", millis(percentile(wall, 0.95)), "p95-ms")
		report(b, "net.sign.blocks.p50", "sign, sequential: request -> signed height p50", float64(percentile(blocks, 0.5)), "p50-blocks")
		report(b, "net.sign.blocks.p95", "sign, sequential: request -> signed height p95", float64(percentile(blocks, 0.95)), "p95-blocks")
		// A session opened in block S starts its parties at S's commit; the
		// first round rides in S+1's extensions and the result in S+10's,
		// committed in S+11: one block per round is (S+11 - S - 1)/10 = 1.
		report(b, "net.sign.round.blocks", "sign: blocks per round, p50 session ((closed - start - 1)/10)",
			float64(percentile(sessionBlocks, 0.5)-1)/signExchanges, "blocks/round")
		report(b, "net.sign.submit", "sign: `litd tx broadcast` run time (not in latency) p50", millis(percentile(submit, 0.5)), "cli-ms")
		report(b, "net.sign.cpu", "sign: litd CPU per signature above idle, 4 nodes", cpu/float64(signs), "cpu-s/sig")
		report(b, "net.sign.retries", "sign: retried sessions (attempts > 1)", float64(retries), "retries")
		report(b, "net.sign.n", "sign: sequential requests", float64(signs), "sigs")
	})

	b.Run("SignThroughput", func(b *testing.B) {
		token := pkp(b)
		var digests []string
		for i := range burstSize {
			digests = append(digests, netDigest("burst", i))
		}
		file, err := c.prepareSign(token, digests)
		if err != nil {
			b.Fatal(err)
		}
		prof := c.startProfile(maxProfile)
		cpu0, t0 := c.nodeCPU(), time.Now()
		hash, err := c.broadcast(file)
		if err != nil {
			b.Fatal(err)
		}
		accepted := time.Now()
		ids, err := c.signatureIDs(hash, time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		if len(ids) != burstSize {
			b.Fatalf("tx requested %d signatures, want %d", len(ids), burstSize)
		}
		sigs, seen, err := c.awaitSigned(ids, 10*time.Minute)
		if err != nil {
			b.Fatal(err)
		}
		cpu := seconds(c.nodeCPU()-cpu0) - idleCores*time.Since(t0).Seconds()
		c.reportProfile(b, prof)
		var lat []time.Duration
		var lastSigned int64
		retries := 0
		for i, s := range sigs {
			lat = append(lat, seen[i].Sub(accepted))
			lastSigned = max(lastSigned, s.SignedHeight)
			retries += int(s.Attempts) - 1
		}
		total := slices.Max(lat)
		loaded, err := c.blockInterval(sigs[0].RequestHeight, lastSigned)
		if err != nil {
			b.Fatal(err)
		}
		burst := fmt.Sprintf("%d MsgSign in one tx", burstSize)
		report(b, "net.throughput", burst+": submitted -> last SIGNED", float64(burstSize)/total.Seconds(), "sig/s")
		report(b, "net.burst.s", burst+": wall to last SIGNED", seconds(total), "s")
		report(b, "net.burst.blocks", burst+": request -> last signed height", float64(lastSigned-sigs[0].RequestHeight), "blocks")
		report(b, "net.burst.p50", burst+": per-request latency p50", millis(percentile(lat, 0.5)), "p50-ms")
		report(b, "net.block.loaded", "block time while signing the burst", millis(loaded), "ms")
		report(b, "net.burst.cpu", burst+": litd CPU per signature above idle", cpu/float64(burstSize), "cpu-s/sig")
		report(b, "net.burst.cores", burst+": litd CPU / wall, 4 nodes (cores busy)", cpu/total.Seconds()+idleCores, "cores")
		report(b, "net.burst.retries", burst+": retried sessions (attempts > 1)", float64(retries), "retries")
	})

	b.Run("ActionEndToEnd", func(b *testing.B) {
		wall, blocks := c.actionEndToEnd(b, 3)
		report(b, "net.action.p50", "action (1 attested fetch + 1 signature): submit -> COMPLETED p50", millis(percentile(wall, 0.5)), "p50-ms")
		report(b, "net.action.blocks.p50", "action: execution height -> completed p50", float64(percentile(blocks, 0.5)), "p50-blocks")
	})

	b.Run("Decrypt", func(b *testing.B) { netDecrypt(b, c, signs) })

	b.Run("Health", func(b *testing.B) {
		st, err := c.sessionStats()
		if err != nil {
			b.Fatal(err)
		}
		logs := c.scanLogs(2)
		report(b, "net.sessions.sign", "sign sessions opened", float64(st.sign), "sign-sessions")
		report(b, "net.sessions.sign.expired", "sign sessions expired", float64(st.signExpired), "sign-expired")
		report(b, "net.sessions.keygen.expired", "keygen sessions expired", float64(st.keygenExpired), "keygen-expired")
		report(b, "net.sessions.open", "sessions still open at the end", float64(st.open), "open")
		report(b, "net.log.errors", "error lines in the 4 node logs", float64(logs.errors), "log-errors")
		report(b, "net.consensus.propose-timeouts", "heights slower than timeout_propose 3 s (node0 log)", float64(logs.proposeTimeouts), "slow-heights")
		report(b, "net.consensus.extra-rounds", "heights needing round > 0 (node0 log)", float64(logs.extraRounds), "extra-rounds")
		for _, e := range logs.examples {
			b.Logf("log: %s", e)
		}
	})

	// Last, so the phases above run on the 4 genesis validators: two
	// validators join, then node1 and node2 leave, one at a time.
	b.Run("Reshare", func(b *testing.B) {
		off := c.logOffsets()
		join, leaves := c.reshareChurn(b)
		sum := func(steps ...churnStep) (total time.Duration) {
			for _, st := range steps {
				for _, k := range st.reshares {
					total += chainReshares[k].span
				}
			}
			return total
		}
		record("net.reshare.join.sum", seconds(sum(join)))
		record("net.reshare.leave.sum", seconds(sum(leaves...)))
		report(b, "net.reshare.join.wall", "2 joins: 2nd create-validator -> key set of 6 active, wall", seconds(join.wall), "join-s")
		for i, l := range leaves {
			// Idle CPU measured on 4 nodes, scaled to the nodes running now.
			cpu := seconds(l.cpu) - idleCores*float64(l.nodes)/4*l.wall.Seconds()
			report(b, fmt.Sprintf("net.reshare.leave%d.wall", i+1), l.what+": unbond sent -> key set without it, wall",
				seconds(l.wall), fmt.Sprintf("leave%d-s", i+1))
			report(b, fmt.Sprintf("net.reshare.leave%d.cpu", i+1), fmt.Sprintf("%s: litd CPU above idle, %d nodes", l.what, l.nodes),
				cpu, fmt.Sprintf("leave%d-cpu-s", i+1))
			if len(l.reshares) == 1 && chainReshares[l.reshares[0]].completed {
				record(fmt.Sprintf("net.reshare.%d.cpu", l.reshares[0]+1), cpu)
			}
		}
		retries, expired := 0, 0
		for k, r := range chainReshares {
			s := r.session
			what := fmt.Sprintf("reshare %d: %d->%d (session %d, attempt %d", k+1, r.oldN, r.newN, s.Id, s.Attempt)
			if !r.completed {
				what += ", " + strings.TrimPrefix(s.Status.String(), "SESSION_STATUS_")
				expired++
			}
			what += ")"
			if s.Attempt > 1 {
				retries++
			}
			report(b, fmt.Sprintf("net.reshare.%d.blocks", k+1), what+": blocks", float64(r.blocks), fmt.Sprintf("r%d-blocks", k+1))
			report(b, fmt.Sprintf("net.reshare.%d.s", k+1), fmt.Sprintf("reshare %d: start -> closed by block header times", k+1),
				seconds(r.span), fmt.Sprintf("r%d-s", k+1))
			// Benchmark logs are cut at 10 lines: the details go to stdout.
			fmt.Printf("bench: reshare %d (%s): session %d attempt %d, old side %d of %d holders (t=%d) -> %d (t=%d), heights %d..%d, %s, %s\n",
				k+1, r.step, s.Id, s.Attempt, len(s.OldCommittee), r.oldN, r.tOld, r.newN, r.tNew, r.startHeight, r.closedAt,
				r.span.Round(time.Millisecond), s.Status)
		}
		errs, examples := c.logErrorsSince(off, 5)
		report(b, "net.reshare.n", "reshare sessions (all attempts)", float64(len(chainReshares)), "reshares")
		report(b, "net.reshare.retries", "reshare sessions with attempt > 1", float64(retries), "reshare-retries")
		report(b, "net.reshare.expired", "reshare sessions not completed", float64(expired), "reshare-expired")
		report(b, "net.reshare.log.errors", "error lines in the node logs during the churn", float64(errs), "churn-log-errors")
		for _, e := range examples {
			fmt.Printf("bench: churn log: %s\n", e)
		}
	})
}

// BenchmarkRawChainReshares runs raw resharing for each size the chain's
// reshares had that BenchmarkRaw did not (after the network stopped, so it
// has the machine to itself, like BenchmarkRaw).
func BenchmarkRawChainReshares(b *testing.B) {
	if len(chainReshares) == 0 {
		b.Skip("no reshare ran on a chain (BenchmarkNetwork)")
	}
	for _, r := range chainReshares {
		if !r.completed {
			continue
		}
		run, err := rawReshareOf(r.oldN, r.tOld, r.newN, r.tNew)
		if err != nil {
			b.Fatal(err)
		}
		reportRawReshare(b, run)
	}
}

// BenchmarkSummary prints the ratios and the whole table; it runs last.
func BenchmarkSummary(b *testing.B) {
	ratio := func(label, num, den, unit string) {
		n, ok1 := result(num)
		d, ok2 := result(den)
		if !ok1 || !ok2 || d == 0 {
			b.Logf("%-58s %10s", label, "n/a")
			return
		}
		report(b, "ratio."+unit, label, n/d, unit)
	}
	ratio("network sign p50 / raw sign p50", "net.sign.p50", "raw.sign.p50", "sign-p50-x")
	ratio("network sign p95 / raw sign p95", "net.sign.p95", "raw.sign.p95", "sign-p95-x")
	ratio("network throughput / raw throughput", "net.throughput", "raw.throughput", "throughput-x")
	ratio("network DKG (session, header clock) / raw keygen", "net.dkg.session", "raw.keygen", "dkg-x")
	ratio("network DKG (Start -> root key) / raw keygen", "net.dkg.start", "raw.keygen", "dkg-boot-x")
	ratio("loaded block time / idle block time", "net.block.loaded", "net.block.idle", "block-time-x")
	ratio("action end to end p50 / network sign p50", "net.action.p50", "net.sign.p50", "action-vs-sign-x")
	ratio("network decrypt p50 / raw in-process decrypt p50", "net.decrypt.p50", "raw.decrypt.p50", "decrypt-p50-x")
	ratio("action run in a fresh worker / in process (wall)", "raw.action.worker", "raw.action.inprocess", "worker-vs-inproc-x")
	ratio("worker start-up per run / idle block time", "raw.action.worker.start", "net.block.idle", "worker-start-vs-block-x")
	ratio("litd CPU per signature (burst) / raw CPU per signature", "net.burst.cpu", "raw.sign.cpu", "cpu-per-sig-x")
	ratio("pkp mint tx/s / bank send tx/s (same method and network)", "net.mint.tps", "net.send.tps", "mint-vs-send-x")
	ratio("pkp mint blocks used / bank send blocks used", "net.mint.blocks", "net.send.blocks", "mint-vs-send-blocks-x")
	for k, r := range chainReshares {
		if r.completed {
			ratio(fmt.Sprintf("network reshare %d (%d->%d, header clock) / raw %d->%d", k+1, r.oldN, r.newN, r.oldN, r.newN),
				fmt.Sprintf("net.reshare.%d.s", k+1), "raw.reshare."+r.name(), fmt.Sprintf("reshare-%d-%s-x", k+1, r.name()))
		}
	}
	for k, r := range chainReshares {
		if _, ok := result(fmt.Sprintf("net.reshare.%d.cpu", k+1)); ok {
			ratio(fmt.Sprintf("litd CPU of reshare %d (%d->%d, a leave) / raw CPU", k+1, r.oldN, r.newN),
				fmt.Sprintf("net.reshare.%d.cpu", k+1), "raw.reshare."+r.name()+".cpu", fmt.Sprintf("reshare-%d-cpu-x", k+1))
		}
	}
	ratio("network joins 4->6, sum of their reshares / raw 4->6", "net.reshare.join.sum", "raw.reshare.4to6", "reshare-joins-vs-4to6-x")
	ratio("network leaves 6->4, sum of their reshares / raw 6->4", "net.reshare.leave.sum", "raw.reshare.6to4", "reshare-leaves-vs-6to4-x")
	for _, cl := range cpuClasses {
		ratio("node0 CPU share: "+cl.label, "net.prof."+cl.key, "net.prof.total", "cpu-share-"+cl.key)
	}
	// The targets of signing at one round per block (x/tss README, "Message
	// path and timing").
	target := func(label, key string, limit float64, atMost bool) {
		v, ok := result(key)
		if !ok {
			b.Logf("target: %s: n/a", label)
			return
		}
		op, verdict := ">=", "MISSED"
		if atMost {
			op = "<="
		}
		if (atMost && v <= limit) || (!atMost && v >= limit) {
			verdict = "met"
		}
		report(b, "target."+key, fmt.Sprintf("target: %s %s %.3g: %s", label, op, limit, verdict), v, "target")
	}
	target("sign p50 in blocks", "net.sign.blocks.p50", 11, true)
	target("sign p50 / raw sign p50", "ratio.sign-p50-x", 5, true)
	target("burst throughput / raw throughput", "ratio.throughput-x", 0.9, false)
	target("network DKG / raw keygen", "ratio.dkg-x", 1.2, true)
	if a, ok := result("net.action.blocks.p50"); ok {
		if s, ok := result("net.sign.blocks.p50"); ok {
			report(b, "action.extra.blocks", "action p50 blocks - sign p50 blocks", a-s, "extra-blocks")
			target("action p50 - sign p50, blocks", "action.extra.blocks", 3, true)
		}
	}
}

// TestMain prints the whole table after the benchmarks (benchmark logs are
// cut at 10 lines each).
func TestMain(m *testing.M) {
	start, load := time.Now(), loadAvg()
	code := m.Run()
	if t := table(); t != "" {
		fmt.Printf("\nlitd benchmark summary: one run, %s, load average %s at start and %s at the end on %d CPUs;\n"+
			"wall times are indicative when the machine is shared (compare CPU seconds).%s\n",
			time.Since(start).Round(time.Second), load, loadAvg(), runtime.NumCPU(), t)
	}
	os.Exit(code)
}
