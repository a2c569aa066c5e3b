// Package bench measures litd's threshold signing against the raw cost of
// the protocol it runs, in one `go test -bench` run so the numbers compare:
//
//	LITD_BIN=build/litd go test -run '^$' -bench . -benchtime 1x -timeout 20m ./bench/
//
// Every Benchmark measures once (-benchtime 1x) and loops internally; the
// default ns/op is suppressed and each figure is a named metric
// (b.ReportMetric) and a row of the table the benchmarks log.
//
// BenchmarkRaw is tss-lib v2 alone, all parties in this process wired by
// channels (messages go through WireBytes/UpdateFromBytes, as on chain, but
// unsealed): 4-party keygen (n=4, t=2) with the committed Paillier
// pre-parameters (testutil/fixtures), then 3-of-4 signing exactly as
// x/tss/engine does it (signing.UpdatePublicKeyAndAdjustBigXj on a copy of
// the save data, signing.NewLocalPartyWithKDD with the PKP key id's delta),
// each signature verified against the derived key. Sign latency is
// p50/p95 (nearest rank) over LITD_BENCH_SIGNS sequential signatures
// (default 10); throughput is 40 signatures (the network's burst size)
// over LITD_BENCH_CONCURRENCY concurrent sessions (default 4). CPU seconds come
// from getrusage and do not grow when other work shares the machine, unlike
// wall time. BenchmarkRaw/ActionWorker runs one trivial action 20 times in
// process (sandbox.Run) and 20 times in fresh `litd actions-worker`
// processes (worker.Runner on LITD_BIN, as validators run every action),
// sequentially: wall time per run, the difference (the worker's start-up
// cost), and CPU per run of parent and reaped children (getrusage).
// BenchmarkRaw/Reshare reshares the keygen's root key with tss-lib's
// ecdsa/resharing exactly as x/tss/engine does, once per size: 4 -> 6 from
// the keygen's shares (old side t+1 = 3 of the 4, t=2; new committee of 6
// with t = ThresholdFor(6) = 3: the same 4 validators under new party ids
// plus 2 fresh ones), then 6 -> 4 from those six (new committee 4 with t=2:
// validators 0, 3, 4 and 5, as node1 and node2 leave on the chain; old
// side t+1 = 4 of the 6 with t=3: the first holders that stay, as the
// chain takes bonded ones, here those same four). Party keys are
// generation<<160 + validator, like the engine's keySet<<160 + operator
// address, so a validator on both sides runs two separate parties; the
// old side starts from a deep copy (JSON, as the engine reads its share
// from disk) of its share, the new side from blank save data with that
// validator's fixture pre-parameters, and all take
// tss.NewReSharingParameters(old, new, t_old+1, t_old, n_new, t_new) with
// proofs on (no SetNoProofMod/SetNoProofFac); messages go through
// WireBytes/UpdateFromBytes to the parties they name. Each reshare reports
// wall time and CPU seconds (getrusage, all parties) from creating the
// parties until all of them ended; outside the clock every new share is
// checked (the original root key, BigXj = xi·G) and the last t+1 of them
// sign once with KDD like the sign benchmarks.
//
// BenchmarkNetwork starts ONE real network (testutil/network: 4 `litd start`
// processes on free 127.0.0.1 ports, default genesis parameters but a
// per-requester signature cap that lets alice queue the burst, the fixture
// pre-parameters) from LITD_BIN, or from a binary it builds when LITD_BIN
// is unset, and measures in it, in order:
//   - idle block time: mean interval of CometBFT /block header times over 20
//     blocks after DKG, with nothing open;
//   - DKG: wall time from Start to WaitForRootKey (process boot included) and
//     from the first block to the root key; on chain, the keygen session's
//     start_height to the first height whose state holds the active key set
//     (found by historical gRPC queries), as blocks, as blocks × idle block
//     time, and as the difference of the two blocks' header times;
//   - mint vs send: LITD_BENCH_TXS (default 100) fresh accounts (keys made
//     in process, funded by one `litd tx bank multi-send` from alice) each
//     send exactly one tx per batch: a warm-up batch of bank sends (not
//     measured; it sets the accounts' public keys, which neither measured
//     batch should pay for), then one of bank sends (1ulit to node0's
//     validator) and one of `MsgMint`, the same way: every tx signed in
//     process (SIGN_MODE_DIRECT, explicit account number and sequence, no
//     fee) before the batch starts, then sent back to back, starting right
//     after a new block, through node0's gRPC BroadcastTx in sync mode (each
//     returns once CheckTx passed), and GetTx polled every 25 ms until all
//     are in. tx/s is n over first broadcast -> last tx seen in a block;
//     every tx must be committed with code 0 or the benchmark fails. Also
//     blocks used, most txs in one block, the CheckTx rate of the broadcasts
//     alone and gas used per tx; the summary's ratio mint/send compares
//     them. Both run on the idle chain, before the signing phases. One
//     account per tx because 100 txs from one account, sent in order, were
//     seen reordered in the proposer's mempool (gossip from several peers
//     plus recheck on a loaded machine), which fails the rest of the
//     account's txs in that block with "account sequence mismatch";
//   - sign latency: LITD_BENCH_SIGNS sequential `litd tx tss sign` requests
//     for one PKP, each from "submitted" (the sync broadcast returned: the
//     tx passed CheckTx) to SIGNED as seen by polling gRPC every 100 ms, as
//     wall time and as signed_height − request_height; blocks per round
//     from the p50 session as (closed_height − start_height − 1)/10 (9
//     tss-lib rounds and the result, each riding in one block's extensions
//     when a round costs one block); per session, a "bench:" line with the
//     messages/results that each committed tx 0 carried for it, from the
//     block after its start;
//   - throughput: 40 MsgSign in one tx (--generate-only, tx sign, tx
//     broadcast), from submitted to the last SIGNED, and the mean block time
//     from the request's block to the last signature's block (loaded).
//     Meanwhile node0 (the only node with rpc.pprof_laddr set, on a free
//     port) is CPU-profiled through CometBFT's /debug/pprof/profile in
//     consecutive 5 s requests from just before the broadcast until the
//     last SIGNED (at most 30 s of wall time; the short gaps between
//     requests are not sampled), merged into node0-cpu-sign-burst.pb.gz in
//     the benchmark directory; `go tool pprof -top -nodecount=15` of it is
//     printed, and each sample is given to an owner: GC, allocation or
//     scheduler frames anywhere in the stack make it Go runtime, otherwise
//     the frame nearest the leaf whose package is tss-lib, goja, CometBFT
//     p2p, other CometBFT, SDK store/IAVL/DB, litd, other SDK or
//     gRPC/protobuf decides (math/big under tss-lib counts as tss-lib), and
//     stdlib-only stacks are "other". The summary gives each owner's share
//     of node0's sampled CPU;
//   - action end to end: 1 attested fetch + 1 signature, 3 runs;
//   - decrypt: a 1 KiB file encrypted to "owner of a PKP" (`tx pkp
//     encrypt`), decrypted by its owner LITD_BENCH_SIGNS times: each
//     MsgDecrypt is prepared (`tx pkp decrypt --generate-only --key-file`)
//     and signed first, latency runs from CheckTx acceptance to t+1 sealed
//     shares in state (and blocks from request to served height), then the
//     shares are opened, checked and combined in process; the raw baseline
//     is t+1 holders of the raw keygen's shares computing, proving, sealing,
//     and the requester opening, combining and decrypting, in one process;
//   - health: expired sessions, sign retries and ERR lines in the node logs;
//   - reshare, after all the above (so they ran on the 4 genesis
//     validators): two nodes join (network.AddNode on free ports with
//     fixture pre-parameters 4 and 5, started, caught up to node0's
//     height, then network.CreateValidator with the genesis self-bond,
//     10000000000ulit, which funds the node's key through node0 and waits
//     until the new node has that block), one after the other; once the active
//     key set holds all six and no reshare runs, node1 and then node2
//     (never node0, which holds alice's key and serves the CLI) unbond
//     their whole self-bond with `litd tx staking unbond` from their own
//     homes, each once the key set without the previous leaver is active
//     (the chain refuses an unbonding that leaves fewer than t+1 bonded
//     share holders). Wall
//     times, to the key set of the new members active with no reshare
//     running (gRPC KeySet polled every 100 ms; every poll checks the root
//     public key is unchanged): from the second create-validator committed
//     (the joins), and from just before each `tx staking unbond` is sent
//     (each leave); for each leave also the litd CPU of all running nodes
//     (six: the leavers keep running as full nodes) over that wall time,
//     minus the idle rate measured above scaled from 4 nodes to 6. Then,
//     per reshare session the chain ran (type RESHARE from the gRPC
//     Sessions query after each step, ordered by id, expired attempts
//     included and marked): old -> new holders (old = participants of the
//     key set active after start_height, by a historical query: the key
//     set the session reshares, which it checks; new = new_committee; a
//     joiner usually bonds too late for its predecessor's reshare, so the
//     joins are typically 4 -> 5 and 5 -> 6), closed_height − start_height
//     in blocks, and the same span by the two blocks' header times. For a
//     completed session the key set active after closed_height must be its
//     new key set, activated at that height, with the root key. Also the
//     sessions' count, those with attempt > 1, those not completed, and
//     ERR lines written to all node logs during the churn (joiners' from
//     their start: CometBFT blocksync catching up logs some). Each
//     session's details and a few of those lines are printed as "bench:"
//     lines (benchmark logs are cut at 10 lines).
//
// BenchmarkRawChainReshares then (the network stopped) runs the raw
// reshare above for every size a completed chain reshare had and
// BenchmarkRaw/Reshare did not (e.g. 4 -> 5, 5 -> 6, 6 -> 5, 5 -> 4), with
// the chain's thresholds, checked the same way. The source of n shares is
// the first generation of n shares the run made (4: the keygen's;
// otherwise a measured raw reshare 4 -> n from the keygen's), and a
// shrinking committee drops its second member on, as node1 and node2
// leave.
//
// litd CPU seconds (utime+stime of the four processes from /proc) are
// reported per signature beside the raw CPU cost, and for the burst as cores
// busy. BenchmarkSummary also prints the targets of x/tss signing (sign p50
// ≤ 11 blocks and ≤ 5× raw; burst throughput ≥ 0.9× raw; DKG ≤ 1.2× raw
// keygen; action ≤ sign p50 + 3 blocks) as met or MISSED.
// LITD_BENCH_TIMEOUT_COMMIT (a Go duration) and LITD_BENCH_MAX_OPEN
// (max_open_sign_sessions) change the network's settings, to measure the
// defaults (x/tss README, "Message path and timing"). BenchmarkSummary prints
// the whole table and the ratios network/raw and loaded/idle; for resharing,
// each completed chain reshare's header-clock span over the raw reshare of
// the same sizes and thresholds (wall), a leave's litd CPU over the raw
// reshare's CPU when the leave ran exactly one reshare, and the joins' and
// the leaves' reshare sessions summed (expired attempts included) over raw
// 4 -> 6 and 6 -> 4 done in one reshare each. Set
// LITD_BENCH_KEEP=1 to keep the node homes and logs (their directory is
// logged, and the CPU profile). All processes run on the same machine: on 2 cores the four nodes
// share the CPU the raw benchmark had to itself, and other load on the
// machine inflates wall times, so compare within one run.
package bench
