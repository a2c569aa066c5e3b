package bench

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/cosmos/cosmos-sdk/codec"
	grpctypes "github.com/cosmos/cosmos-sdk/types/grpc"
	"github.com/cosmos/cosmos-sdk/types/query"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/litprotocol/litd/app"
	abcitypes "github.com/litprotocol/litd/app/abci/types"
	"github.com/litprotocol/litd/testutil/network"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// pollEvery is how often the benchmark looks at chain state.
const pollEvery = 100 * time.Millisecond

// chain is the one network the network benchmarks share.
type chain struct {
	*network.Network
	dir  string
	conn *grpc.ClientConn
	tss  tsstypes.QueryClient
	txs  txtypes.ServiceClient
	enc  app.EncodingConfig
	// pprof is node0's CometBFT pprof server (host:port).
	pprof string
}

// litdBin returns LITD_BIN, or builds litd from the repository into dir.
func litdBin(b *testing.B, dir string) string {
	bin, err := network.Binary(dir)
	if err != nil {
		b.Fatalf("building litd: %v", err)
	}
	return bin
}

// newChain initialises (but does not start) a 4-validator network with the
// default genesis parameters (but the per-requester signature cap) on free
// ports; node0 also serves pprof.
func newChain(b *testing.B) *chain {
	dir, err := os.MkdirTemp("", "litd-bench-")
	if err != nil {
		b.Fatal(err)
	}
	cfg := network.DefaultConfig(litdBin(b, dir), filepath.Join(dir, "net"))
	cfg.ChainID = "litd-bench"
	if v := os.Getenv("LITD_BENCH_TIMEOUT_COMMIT"); v != "" {
		d, err := time.ParseDuration(v) // to choose the default
		if err != nil {
			b.Fatal(err)
		}
		cfg.TimeoutCommit = d
	}
	ports, err := network.FreeTCPPorts(1)
	if err != nil {
		b.Fatal(err)
	}
	pprofPort := ports[0]
	cfg.Ports = func(i int) network.Ports {
		p := network.FreePorts(i)
		if i == 0 {
			p.Pprof = pprofPort
		}
		return p
	}
	// The burst is one account's: it measures the network, not x/tss's
	// per-requester cap (max_queued_signatures_per_requester, default 16).
	cfg.MutateGenesis = func(_ *network.Network, g map[string]any) error {
		tss := g["app_state"].(map[string]any)["tss"].(map[string]any)["params"].(map[string]any)
		tss["max_queued_signatures_per_requester"] = fmt.Sprint(4 * burstSize)
		if v := os.Getenv("LITD_BENCH_MAX_OPEN"); v != "" {
			tss["max_open_sign_sessions"] = v // to measure the default
		}
		return nil
	}
	n, err := network.Init(cfg)
	if err != nil {
		b.Fatalf("init network: %v", err)
	}
	enc := app.MakeEncodingConfig()
	// For the txs the mint-vs-send batches build and sign in process.
	banktypes.RegisterInterfaces(enc.InterfaceRegistry)
	pkptypes.RegisterInterfaces(enc.InterfaceRegistry)
	conn, err := grpc.NewClient(n.Nodes[0].GRPC(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(codec.NewProtoCodec(enc.InterfaceRegistry).GRPCCodec())))
	if err != nil {
		b.Fatal(err)
	}
	return &chain{Network: n, dir: dir, conn: conn, tss: tsstypes.NewQueryClient(conn), txs: txtypes.NewServiceClient(conn),
		enc: enc, pprof: fmt.Sprintf("127.0.0.1:%d", pprofPort)}
}

// close stops the nodes; it keeps their homes and logs on failure or when
// LITD_BENCH_KEEP is set.
func (c *chain) close(b *testing.B) {
	_ = c.conn.Close()
	c.Stop()
	if b.Failed() || os.Getenv("LITD_BENCH_KEEP") != "" {
		fmt.Printf("bench: node homes and logs kept in %s\n", c.dir)
		return
	}
	_ = os.RemoveAll(c.dir)
}

func ctxTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

// blockTime is the header time of block h on node0 (CometBFT RPC /block).
func (c *chain) blockTime(h int64) (time.Time, error) {
	var blk struct {
		Block struct {
			Header struct {
				Time time.Time `json:"time"`
			} `json:"header"`
		} `json:"block"`
	}
	ctx, cancel := ctxTimeout(30 * time.Second)
	defer cancel()
	if err := c.RPCGet(ctx, 0, fmt.Sprintf("/block?height=%d", h), &blk); err != nil {
		return time.Time{}, err
	}
	if blk.Block.Header.Time.IsZero() {
		return time.Time{}, fmt.Errorf("no header time for block %d", h)
	}
	return blk.Block.Header.Time, nil
}

// blockInterval is the mean header-time interval between blocks from and to.
func (c *chain) blockInterval(from, to int64) (time.Duration, error) {
	if to <= from {
		return 0, fmt.Errorf("empty block range %d..%d", from, to)
	}
	t0, err := c.blockTime(from)
	if err != nil {
		return 0, err
	}
	t1, err := c.blockTime(to)
	if err != nil {
		return 0, err
	}
	return t1.Sub(t0) / time.Duration(to-from), nil
}

func (c *chain) height() (int64, error) {
	ctx, cancel := ctxTimeout(10 * time.Second)
	defer cancel()
	return c.Height(ctx, 0)
}

// activeAt tells whether the state after block h holds an active key set.
func (c *chain) activeAt(h int64) (bool, error) {
	ctx, cancel := ctxTimeout(10 * time.Second)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, grpctypes.GRPCBlockHeightHeader, strconv.FormatInt(h, 10))
	resp, err := c.tss.KeySet(ctx, &tsstypes.QueryKeySetRequest{})
	if err != nil {
		return false, fmt.Errorf("key set at height %d: %w", h, err)
	}
	return resp.KeySet.Status == tsstypes.KEY_SET_STATUS_ACTIVE, nil
}

// activationHeight is the first height in (lo, hi] whose state has the
// active key set, by binary search over historical queries.
func (c *chain) activationHeight(lo, hi int64) (int64, error) {
	if active, err := c.activeAt(hi); err != nil || !active {
		return 0, fmt.Errorf("key set not active at height %d (%v)", hi, err)
	}
	for lo+1 < hi {
		mid := (lo + hi) / 2
		active, err := c.activeAt(mid)
		if err != nil {
			return 0, err
		}
		if active {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, nil
}

// cliJSON runs litd against node0 and decodes its JSON output.
func (c *chain) cliJSON(v any, args ...string) error {
	out, err := c.CLI(0, args...)
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		return fmt.Errorf("decoding %q: %w", out, err)
	}
	return nil
}

type syncResult struct {
	TxHash string `json:"txhash"`
	Code   uint32 `json:"code"`
	RawLog string `json:"raw_log"`
}

func (r syncResult) err() error {
	if r.Code != 0 {
		return fmt.Errorf("tx %s rejected: code %d: %s", r.TxHash, r.Code, r.RawLog)
	}
	return nil
}

// signatureIDs waits for a tx to be committed and returns the signature ids
// its MsgSign requested, in order.
func (c *chain) signatureIDs(hash string, timeout time.Duration) ([]uint64, error) {
	return c.eventIDs(hash, "lit.tss.v1.EventSignatureRequested", "signature_id", timeout)
}

// eventIDs waits for a tx to be committed and returns the ids (attribute
// key) of its events of type typ, in order.
func (c *chain) eventIDs(hash, typ, key string, timeout time.Duration) ([]uint64, error) {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := ctxTimeout(10 * time.Second)
		resp, err := c.txs.GetTx(ctx, &txtypes.GetTxRequest{Hash: hash})
		cancel()
		if err == nil {
			if resp.TxResponse.Code != 0 {
				return nil, fmt.Errorf("tx %s failed: %s", hash, resp.TxResponse.RawLog)
			}
			var ids []uint64
			for _, e := range resp.TxResponse.Events {
				if e.Type != typ {
					continue
				}
				for _, a := range e.Attributes {
					if a.Key == key {
						id, err := strconv.ParseUint(strings.Trim(a.Value, `"`), 10, 64)
						if err != nil {
							return nil, err
						}
						ids = append(ids, id)
					}
				}
			}
			return ids, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("tx %s not committed after %s: %w", hash, timeout, err)
		}
		time.Sleep(pollEvery)
	}
}

// awaitSigned polls the signatures until every one is SIGNED and returns
// each one's final state and the time it was first seen signed.
func (c *chain) awaitSigned(ids []uint64, timeout time.Duration) ([]tsstypes.Signature, []time.Time, error) {
	sigs := make([]tsstypes.Signature, len(ids))
	seen := make([]time.Time, len(ids))
	left := len(ids)
	deadline := time.Now().Add(timeout)
	for left > 0 {
		for i, id := range ids {
			if !seen[i].IsZero() {
				continue
			}
			ctx, cancel := ctxTimeout(10 * time.Second)
			resp, err := c.tss.Signature(ctx, &tsstypes.QuerySignatureRequest{Id: id})
			cancel()
			if err != nil {
				continue
			}
			switch resp.Signature.Status {
			case tsstypes.SIGNATURE_STATUS_SIGNED:
				sigs[i], seen[i] = resp.Signature, time.Now()
				left--
			case tsstypes.SIGNATURE_STATUS_FAILED:
				return nil, nil, fmt.Errorf("signature %d failed: %s", id, resp.Signature.Error)
			}
		}
		if left > 0 {
			if time.Now().After(deadline) {
				return nil, nil, fmt.Errorf("%d of %d signatures not signed after %s", left, len(ids), timeout)
			}
			time.Sleep(pollEvery)
		}
	}
	return sigs, seen, nil
}

// mintPKP mints a PKP owned by alice and returns its token id.
func (c *chain) mintPKP() (string, error) {
	res, err := c.Tx(0, network.Alice, "pkp", "mint")
	if err != nil {
		return "", err
	}
	if res.Code != 0 {
		return "", fmt.Errorf("mint: code %d: %s", res.Code, res.RawLog)
	}
	return res.Attr("lit.pkp.v1.EventPKPMinted", "token_id"), nil
}

func netDigest(tag string, i int) string {
	h := sha256.Sum256(fmt.Appendf(nil, "litd bench %s %d", tag, i))
	return "0x" + hex.EncodeToString(h[:])
}

// prepareSign builds and signs, but does not send, one tx with a MsgSign
// per digest for tokenID, and returns the signed tx file. (`tx tss sign`
// itself waits for inclusion; sending a prepared tx with `tx broadcast`
// returns as soon as CheckTx passed, the moment latency is measured from.)
func (c *chain) prepareSign(tokenID string, digests []string) (string, error) {
	unsigned, err := c.CLI(0, "tx", "tss", "sign", tokenID, digests[0], "--from", network.Alice,
		"--generate-only", "--gas", strconv.Itoa(200000*len(digests)), "--output", "json")
	if err != nil {
		return "", err
	}
	var tx map[string]any
	if err := json.Unmarshal([]byte(unsigned), &tx); err != nil {
		return "", err
	}
	body, _ := tx["body"].(map[string]any)
	msgs, _ := body["messages"].([]any)
	if len(msgs) != 1 {
		return "", fmt.Errorf("unexpected generated tx %s", unsigned)
	}
	first, _ := msgs[0].(map[string]any)
	msgs = nil
	for _, d := range digests {
		m := map[string]any{}
		for k, v := range first {
			m[k] = v
		}
		m["digest"] = d
		msgs = append(msgs, m)
	}
	body["messages"] = msgs
	bz, err := json.Marshal(tx)
	if err != nil {
		return "", err
	}
	return c.signFile("sign", bz)
}

// prepare runs a `tx ... --generate-only` command (args) and signs its
// output like prepareSign; name names the files.
func (c *chain) prepare(name string, args ...string) (string, error) {
	unsigned, err := c.CLI(0, args...)
	if err != nil {
		return "", err
	}
	return c.signFile(name, []byte(unsigned))
}

// signFile signs an unsigned tx as alice and returns the signed tx file.
func (c *chain) signFile(name string, unsigned []byte) (string, error) {
	unsignedFile := filepath.Join(c.dir, name+"-unsigned.json")
	if err := os.WriteFile(unsignedFile, unsigned, 0o600); err != nil {
		return "", err
	}
	signed, err := c.CLI(0, "tx", "sign", unsignedFile, "--from", network.Alice, "--output", "json")
	if err != nil {
		return "", err
	}
	signedFile := filepath.Join(c.dir, name+"-signed.json")
	return signedFile, os.WriteFile(signedFile, []byte(signed), 0o600)
}

// broadcast sends a signed tx file and returns its hash once accepted.
func (c *chain) broadcast(file string) (string, error) {
	var res syncResult
	if err := c.cliJSON(&res, "tx", "broadcast", file, "--output", "json"); err != nil {
		return "", err
	}
	return res.TxHash, res.err()
}

// nodeCPU is the CPU time the running litd processes have used so far
// (utime+stime from /proc, USER_HZ = 100).
func (c *chain) nodeCPU() time.Duration {
	var total time.Duration
	for _, node := range c.Nodes {
		bz, err := os.ReadFile(filepath.Join(node.Home, "litd.pid"))
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + strings.TrimSpace(string(bz)) + "/stat")
		if err != nil {
			continue
		}
		i := strings.LastIndexByte(string(stat), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:])) // f[0] is field 3 (state)
		if len(f) < 13 {
			continue
		}
		utime, _ := strconv.ParseInt(f[11], 10, 64)
		stime, _ := strconv.ParseInt(f[12], 10, 64)
		total += time.Duration(utime+stime) * 10 * time.Millisecond
	}
	return total
}

// sessionStats counts sessions by type and status, and sign retries.
type sessionStats struct {
	keygen, keygenExpired, sign, signExpired, open int
}

func (c *chain) sessionStats() (sessionStats, error) {
	var st sessionStats
	ctx, cancel := ctxTimeout(30 * time.Second)
	defer cancel()
	resp, err := c.tss.Sessions(ctx, &tsstypes.QuerySessionsRequest{Pagination: &query.PageRequest{Limit: 10000}})
	if err != nil {
		return st, err
	}
	for _, s := range resp.Sessions {
		expired := s.Status == tsstypes.SESSION_STATUS_EXPIRED
		switch s.Type {
		case tsstypes.SESSION_TYPE_KEYGEN:
			st.keygen++
			if expired {
				st.keygenExpired++
			}
		case tsstypes.SESSION_TYPE_SIGN:
			st.sign++
			if expired {
				st.signExpired++
			}
		}
		if s.Status == tsstypes.SESSION_STATUS_OPEN {
			st.open++
		}
	}
	return st, nil
}

var (
	errLine        = regexp.MustCompile(`\b(ERR|ERROR|error)\b|panic:`)
	proposeTimeout = regexp.MustCompile(`Timed out .*step=RoundStepPropose`)
	extraRound     = regexp.MustCompile(`resetting proposal info .*round=[1-9]`)
)

// logStats is what the node logs say: error lines (all nodes, with a few
// examples) and, from node0's consensus log, heights still unfinished when
// their propose timeout fired (CometBFT logs every timer that fires, also
// one consensus then ignores) and heights that needed more than one round.
type logStats struct {
	errors                       int
	examples                     []string
	proposeTimeouts, extraRounds int
}

func (c *chain) scanLogs(maxExamples int) logStats {
	var st logStats
	for _, node := range c.Nodes {
		f, err := os.Open(filepath.Join(node.Home, "litd.log"))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if node.Index == 0 && proposeTimeout.MatchString(line) {
				st.proposeTimeouts++
			}
			if node.Index == 0 && extraRound.MatchString(line) {
				st.extraRounds++
			}
			if errLine.MatchString(line) {
				st.errors++
				if len(st.examples) < maxExamples {
					st.examples = append(st.examples, fmt.Sprintf("node%d: %.200s", node.Index, line))
				}
			}
		}
		_ = f.Close()
	}
	return st
}

// session returns session id.
func (c *chain) session(id uint64) (tsstypes.Session, error) {
	ctx, cancel := ctxTimeout(10 * time.Second)
	defer cancel()
	resp, err := c.tss.Session(ctx, &tsstypes.QuerySessionRequest{Id: id})
	if err != nil {
		return tsstypes.Session{}, err
	}
	return resp.Session, nil
}

// keySet returns the key set (active or being generated).
func (c *chain) keySet() (tsstypes.KeySet, error) {
	ctx, cancel := ctxTimeout(10 * time.Second)
	defer cancel()
	resp, err := c.tss.KeySet(ctx, &tsstypes.QueryKeySetRequest{})
	if err != nil {
		return tsstypes.KeySet{}, err
	}
	return resp.KeySet, nil
}

// timeline is what committed tx 0s carried for session s, block by block
// from its start: "messages/results" per block, e.g. "9/0 6/0 ... 0/3".
func (c *chain) timeline(s tsstypes.Session) (string, error) {
	var out []string
	for h := s.StartHeight + 1; h <= s.ClosedHeight; h++ {
		ctx, cancel := ctxTimeout(10 * time.Second)
		info, _, err := c.InjectedCommit(ctx, 0, h)
		cancel()
		if err != nil {
			return "", err
		}
		msgs, results := 0, 0
		for _, v := range info.Votes {
			ext, err := abcitypes.DecodeExtension(v.VoteExtension)
			if err != nil || ext.Tss == nil {
				continue
			}
			for _, m := range ext.Tss.Messages {
				if m.SessionId == s.Id {
					msgs++
				}
			}
			for _, r := range ext.Tss.SignatureResults {
				if r.SessionId == s.Id {
					results++
				}
			}
		}
		out = append(out, fmt.Sprintf("%d/%d", msgs, results))
	}
	return strings.Join(out, " "), nil
}
