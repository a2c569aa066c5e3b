// Package network runs a local litd network of real `litd start` processes
// on 127.0.0.1: the layout `make localnet` creates and the e2e tests use.
package network

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/p2p"

	sdkmath "cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	abcitypes "github.com/litprotocol/litd/app/abci/types"
)

// Ports are one node's listen ports. Prometheus, when not 0, turns on
// CometBFT's [instrumentation] Prometheus endpoint (/metrics) there; Pprof,
// when not 0, its pprof server (rpc.pprof_laddr).
type Ports struct {
	P2P, RPC, REST, GRPC int
	Prometheus, Pprof    int
}

// LocalnetPorts gives node 0 the standard ports (RPC 26657, REST 1317,
// gRPC 9090, Prometheus 26660) and spaces the others after them.
func LocalnetPorts(i int) Ports {
	return Ports{P2P: 26656 + 100*i, RPC: 26657 + 100*i, REST: 1317 + i, GRPC: 9090 + i, Prometheus: 26660 + 100*i}
}

// Config describes a network.
type Config struct {
	Bin           string // path to the litd binary
	Dir           string // parent of node0..nodeN-1; wiped by Init
	Validators    int
	ChainID       string
	Ports         func(i int) Ports
	TimeoutCommit time.Duration
	// MutateGenesis edits the final genesis (as JSON) before it is shared.
	MutateGenesis func(n *Network, genesis map[string]any) error
	// PreParams are Paillier pre-parameter files given to nodes in order
	// (<home>/tss/preparams.json); a node without one generates its own.
	PreParams []string
}

// DefaultConfig is the `make localnet` layout: 4 validators with standard
// ports for node0 and the committed Paillier pre-parameter fixtures, so DKG
// starts within seconds instead of after minutes of prime generation.
func DefaultConfig(bin, dir string) Config {
	return Config{
		Bin: bin, Dir: dir, Validators: 4, ChainID: "litd-local", Ports: LocalnetPorts,
		TimeoutCommit: 300 * time.Millisecond, PreParams: FixturePreParams(),
	}
}

// FixturePreParams lists the committed pre-parameter files (testutil/fixtures).
func FixturePreParams() []string {
	_, file, _, _ := runtime.Caller(0)
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(file), "..", "fixtures", "preparams-*.json"))
	return matches
}

// Build compiles litd from this repository into out with extra go build
// flags (e.g. "-tags", "litd_faults").
func Build(out string, flags ...string) error {
	_, file, _, _ := runtime.Caller(0)
	args := append(append([]string{"build", "-trimpath"}, flags...), "-o", out, "./cmd/litd")
	cmd := exec.Command("go", args...)
	cmd.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, b)
	}
	return nil
}

// Binary is $LITD_BIN (what `make test` builds) or, when it is unset, a
// fresh build into dir/litd.
func Binary(dir string) (string, error) {
	if bin := os.Getenv("LITD_BIN"); bin != "" {
		return bin, nil
	}
	bin := filepath.Join(dir, "litd")
	return bin, Build(bin)
}

// Node is one validator process.
type Node struct {
	Index  int
	Home   string
	Ports  Ports
	NodeID string
	// ValAddr is the validator operator address (litvaloper...).
	ValAddr string
	// Bin, when set, is the binary StartNode runs for this node instead of
	// Cfg.Bin; Env is added to its environment (e2e/byzantine runs one node
	// from a -tags litd_faults build with LITD_FAULTS set).
	Bin  string
	Env  []string
	proc *process
}

// process is a started `litd start`: done closes when it has exited, and err
// says how.
type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // written before done closes
}

// RPC is the CometBFT RPC address as litd's --node flag wants it.
func (n *Node) RPC() string { return fmt.Sprintf("tcp://127.0.0.1:%d", n.Ports.RPC) }

// REST is the base URL of the SDK REST (grpc-gateway) server.
func (n *Node) REST() string { return fmt.Sprintf("http://127.0.0.1:%d", n.Ports.REST) }

// GRPC is the gRPC server address.
func (n *Node) GRPC() string { return fmt.Sprintf("127.0.0.1:%d", n.Ports.GRPC) }

// Metrics is the URL of the node's Prometheus endpoint ("" when it has none).
func (n *Node) Metrics() string {
	if n.Ports.Prometheus == 0 {
		return ""
	}
	return fmt.Sprintf("http://127.0.0.1:%d/metrics", n.Ports.Prometheus)
}

// Network is a set of nodes sharing a genesis.
type Network struct {
	Cfg   Config
	Nodes []*Node
}

// Alice is the funded account in node0's test keyring.
const Alice = "alice"

// SelfBond is each genesis validator's self-delegation.
const SelfBond = "10000000000ulit"

// run executes litd with args and returns its stdout.
func (n *Network) run(args ...string) (string, error) {
	cmd := exec.Command(n.Cfg.Bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("litd %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String()), nil
}

// CLI runs litd against node i's home and RPC; it is what a user types.
func (n *Network) CLI(i int, args ...string) (string, error) {
	node := n.Nodes[i]
	return n.run(append(args, "--home", node.Home)...)
}

// Init creates homes, keys, genesis and configs for every node.
func Init(cfg Config) (*Network, error) {
	if cfg.Validators < 1 {
		return nil, errors.New("need at least one validator")
	}
	if err := os.RemoveAll(cfg.Dir); err != nil {
		return nil, err
	}
	n := &Network{Cfg: cfg}
	kr := []string{"--keyring-backend", "test"}
	for range cfg.Validators {
		if _, err := n.newNode(); err != nil {
			return nil, err
		}
	}
	node0 := n.Nodes[0]
	if _, err := n.run(append([]string{"keys", "add", Alice, "--home", node0.Home}, kr...)...); err != nil {
		return nil, err
	}
	aliceAddr, err := n.run(append([]string{"keys", "show", Alice, "-a", "--home", node0.Home}, kr...)...)
	if err != nil {
		return nil, err
	}
	if _, err := n.run("genesis", "add-genesis-account", aliceAddr, "1000000000000ulit", "--home", node0.Home); err != nil {
		return nil, err
	}
	for _, node := range n.Nodes {
		addr, err := n.run(append([]string{"keys", "show", "validator", "-a", "--home", node.Home}, kr...)...)
		if err != nil {
			return nil, err
		}
		if _, err := n.run("genesis", "add-genesis-account", addr, "100000000000ulit", "--home", node0.Home); err != nil {
			return nil, err
		}
	}
	genesis := filepath.Join(node0.Home, "config", "genesis.json")
	if err := os.MkdirAll(filepath.Join(node0.Home, "config", "gentx"), 0o755); err != nil {
		return nil, err
	}
	for _, node := range n.Nodes {
		if node.Index != 0 {
			if err := copyFile(genesis, filepath.Join(node.Home, "config", "genesis.json")); err != nil {
				return nil, err
			}
		}
		gentx := filepath.Join(node0.Home, "config", "gentx", fmt.Sprintf("gentx-node%d.json", node.Index))
		if _, err := n.run(append([]string{"genesis", "gentx", "validator", SelfBond, "--chain-id", cfg.ChainID,
			"--home", node.Home, "--output-document", gentx}, kr...)...); err != nil {
			return nil, err
		}
	}
	if _, err := n.run("genesis", "collect-gentxs", "--home", node0.Home); err != nil {
		return nil, err
	}
	if err := mutateJSON(genesis, localGov); err != nil {
		return nil, err
	}
	if cfg.MutateGenesis != nil {
		if err := mutateJSON(genesis, func(g map[string]any) error { return cfg.MutateGenesis(n, g) }); err != nil {
			return nil, err
		}
	}
	if _, err := n.run("genesis", "validate", genesis, "--home", node0.Home); err != nil {
		return nil, err
	}
	for _, node := range n.Nodes {
		if node.Index != 0 {
			if err := copyFile(genesis, filepath.Join(node.Home, "config", "genesis.json")); err != nil {
				return nil, err
			}
		}
		if err := n.configure(node); err != nil {
			return nil, err
		}
		if node.Index < len(cfg.PreParams) {
			if err := os.MkdirAll(filepath.Join(node.Home, "tss"), 0o700); err != nil {
				return nil, err
			}
			if err := copyFile(cfg.PreParams[node.Index], filepath.Join(node.Home, "tss", "preparams.json")); err != nil {
				return nil, err
			}
		}
	}
	return n, nil
}

// LocalVotingPeriod is how long a governance proposal is open for votes on
// a local network (the chain default is 2 days; expedited ones take half).
const LocalVotingPeriod = 20 * time.Second

// localGov shortens governance periods so a proposal passes in under a
// minute on a local network.
func localGov(g map[string]any) error {
	params, ok := g["app_state"].(map[string]any)["gov"].(map[string]any)["params"].(map[string]any)
	if !ok {
		return errors.New("genesis has no gov params")
	}
	params["voting_period"] = LocalVotingPeriod.String()
	params["max_deposit_period"] = LocalVotingPeriod.String()
	params["expedited_voting_period"] = (LocalVotingPeriod / 2).String()
	return nil
}

// configure points every listener at 127.0.0.1 and peers the nodes.
func (n *Network) configure(node *Node) error {
	var peers []string
	for _, o := range n.Nodes {
		if o != node {
			peers = append(peers, fmt.Sprintf("%s@127.0.0.1:%d", o.NodeID, o.Ports.P2P))
		}
	}
	cfgDir := filepath.Join(node.Home, "config")
	comet := []tomlEdit{
		{"rpc", "laddr", quote(fmt.Sprintf("tcp://127.0.0.1:%d", node.Ports.RPC))},
		{"rpc", "pprof_laddr", quote(listenAddr(node.Ports.Pprof))},
		{"p2p", "laddr", quote(fmt.Sprintf("tcp://127.0.0.1:%d", node.Ports.P2P))},
		{"p2p", "persistent_peers", quote(strings.Join(peers, ","))},
		{"p2p", "allow_duplicate_ip", "true"},
		{"p2p", "addr_book_strict", "false"},
		{"consensus", "timeout_commit", quote(n.Cfg.TimeoutCommit.String())},
		// Browser wallets and dapps on a developer's machine call the RPC.
		{"rpc", "cors_allowed_origins", `["*"]`},
		{"", "proxy_app", quote(fmt.Sprintf("tcp://127.0.0.1:%d", node.Ports.RPC+1))},
	}
	if node.Ports.Prometheus != 0 {
		comet = append(comet,
			tomlEdit{"instrumentation", "prometheus", "true"},
			tomlEdit{"instrumentation", "prometheus_listen_addr", quote(listenAddr(node.Ports.Prometheus))})
	}
	if err := editTOML(filepath.Join(cfgDir, "config.toml"), comet); err != nil {
		return err
	}
	app := []tomlEdit{
		{"api", "enable", "true"},
		{"api", "swagger", "true"},
		{"api", "address", quote(fmt.Sprintf("tcp://127.0.0.1:%d", node.Ports.REST))},
		{"api", "enabled-unsafe-cors", "true"},
		{"grpc", "enable", "true"},
		{"grpc", "address", quote(fmt.Sprintf("127.0.0.1:%d", node.Ports.GRPC))},
		// Local networks fetch from servers on 127.0.0.1 (the e2e tests do).
		{"actions", "allow-loopback-fetch", "true"},
	}
	if err := editTOML(filepath.Join(cfgDir, "app.toml"), app); err != nil {
		return err
	}
	client := []tomlEdit{
		{"", "chain-id", quote(n.Cfg.ChainID)},
		{"", "keyring-backend", quote("test")},
		{"", "node", quote(node.RPC())},
		{"", "broadcast-mode", quote("sync")},
	}
	return editTOML(filepath.Join(cfgDir, "client.toml"), client)
}

// listenAddr is 127.0.0.1:port, or "" (off) for port 0.
func listenAddr(port int) string {
	if port == 0 {
		return ""
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}

// Start launches every node as a background `litd start` process in its own
// process group, logging to <home>/litd.log, with its pid in <home>/litd.pid,
// and waits until each answers on its RPC port: a node that exits at start
// (a port taken, a bad config) is an error naming it, with its log's end,
// rather than a network that runs short of a validator.
func (n *Network) Start() error {
	for _, node := range n.Nodes {
		if err := n.StartNode(node.Index); err != nil {
			return err
		}
	}
	for _, node := range n.Nodes {
		if err := n.waitRPC(node.Index, 2*time.Minute); err != nil {
			return err
		}
	}
	return nil
}

// waitRPC waits until node i's RPC answers, or fails once its process has
// exited or timeout has passed.
func (n *Network) waitRPC(i int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := n.Height(ctx, i)
		cancel()
		if err == nil {
			return nil
		}
		if exited, how := n.Exited(i); exited {
			return fmt.Errorf("node%d exited at start (%v):\n%s", i, how, n.logTail(i, 30))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("node%d's RPC did not answer in %s (%v):\n%s", i, timeout, err, n.logTail(i, 30))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// StartNode (re)starts node i.
func (n *Network) StartNode(i int) error {
	node := n.Nodes[i]
	logf, err := os.OpenFile(logFile(node.Home), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	bin := n.Cfg.Bin
	if node.Bin != "" {
		bin = node.Bin
	}
	cmd := exec.Command(bin, "start", "--home", node.Home, "--log_no_color")
	cmd.Env = append(os.Environ(), node.Env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return err
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	node.proc = p
	return os.WriteFile(pidFile(node.Home), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644)
}

// Exited tells whether node i's process, started by this Network, has ended
// on its own or by a signal, and how (its wait error; nil for exit 0).
func (n *Network) Exited(i int) (bool, error) {
	p := n.Nodes[i].proc
	if p == nil {
		return false, nil
	}
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Diagnostics describes every node for a failed test: whether its process
// runs or how it ended, and the last lines of its log.
func (n *Network) Diagnostics(lines int) string {
	var b strings.Builder
	for _, node := range n.Nodes {
		state := "running"
		switch exited, how := n.Exited(node.Index); {
		case node.proc == nil:
			state = "not running"
		case exited:
			state = fmt.Sprintf("exited (%v)", how)
		}
		fmt.Fprintf(&b, "--- node%d (%s), %s; the end of %s:\n%s\n", node.Index, node.ValAddr, state,
			logFile(node.Home), n.logTail(node.Index, lines))
	}
	return b.String()
}

// DiagnoseOnFailure logs Diagnostics when t (a *testing.T) has failed,
// before the test's temporary directories (and the logs in them) are removed.
func (n *Network) DiagnoseOnFailure(t interface {
	Cleanup(func())
	Failed() bool
	Log(...any)
}) {
	t.Cleanup(func() {
		if t.Failed() {
			t.Log("network at the failure:\n" + n.Diagnostics(40))
		}
	})
}

// logTail is the last lines of node i's log.
func (n *Network) logTail(i, lines int) string {
	bz, err := os.ReadFile(logFile(n.Nodes[i].Home))
	if err != nil {
		return err.Error()
	}
	all := strings.Split(strings.TrimRight(string(bz), "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

// Stop ends every node started by this process.
func (n *Network) Stop() {
	for _, node := range n.Nodes {
		_ = n.StopNode(node.Index)
	}
}

// StopNode stops node i (SIGTERM, then SIGKILL after 10 s) and waits for it.
func (n *Network) StopNode(i int) error { return n.signalNode(i, syscall.SIGTERM) }

// SignalNode sends sig to node i's process group without waiting (SIGSTOP
// and SIGCONT pause and resume it).
func (n *Network) SignalNode(i int, sig syscall.Signal) error {
	node := n.Nodes[i]
	if node.proc == nil {
		return fmt.Errorf("node%d is not running", i)
	}
	return syscall.Kill(-node.proc.cmd.Process.Pid, sig)
}

// KillNode kills node i with SIGKILL, as a crash would, and waits for it.
func (n *Network) KillNode(i int) error { return n.signalNode(i, syscall.SIGKILL) }

func (n *Network) signalNode(i int, sig syscall.Signal) error {
	node := n.Nodes[i]
	p := node.proc
	if p == nil {
		return nil
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, sig)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
	node.proc = nil
	return os.Remove(pidFile(node.Home))
}

func pidFile(home string) string { return filepath.Join(home, "litd.pid") }

func logFile(home string) string { return filepath.Join(home, "litd.log") }

// PID is node i's process id, as its pid file records it.
func (n *Network) PID(i int) (int, error) {
	bz, err := os.ReadFile(pidFile(n.Nodes[i].Home))
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(bz)))
}

// StopDir stops the nodes a previous Start left under dir (make localnet-stop):
// it signals each recorded process group and waits until the processes are gone.
func StopDir(dir string) ([]int, error) {
	files, err := filepath.Glob(filepath.Join(dir, "node*", "litd.pid"))
	if err != nil {
		return nil, err
	}
	var stopped []int
	for _, f := range files {
		bz, err := os.ReadFile(f)
		if err != nil {
			return stopped, err
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(bz)))
		if err != nil {
			return stopped, fmt.Errorf("%s: %w", f, err)
		}
		if err := stopPid(pid); err != nil {
			return stopped, err
		}
		stopped = append(stopped, pid)
		if err := os.Remove(f); err != nil {
			return stopped, err
		}
	}
	return stopped, nil
}

// Alive tells whether pid is a running process (a zombie awaiting its
// parent's wait is not).
func Alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// Field 3, after the parenthesised command name, is the state.
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

// stopPid stops a process group (SIGTERM, SIGKILL after 15 s) and waits
// until its leader has exited.
func stopPid(pid int) error {
	if err := syscall.Kill(-pid, syscall.SIGTERM); errors.Is(err, syscall.ESRCH) {
		return nil
	}
	for _, wait := range []struct {
		d    time.Duration
		kill bool
	}{{15 * time.Second, false}, {5 * time.Second, true}} {
		if wait.kill {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
		for deadline := time.Now().Add(wait.d); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if !Alive(pid) {
				return nil
			}
		}
	}
	return fmt.Errorf("process %d did not exit", pid)
}

// RPCGet fetches path (e.g. "/block?height=5") from node i's CometBFT RPC
// and decodes the JSON-RPC result into v.
func (n *Network) RPCGet(ctx context.Context, i int, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d%s", n.Nodes[i].Ports.RPC, path), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var body struct {
		Result json.RawMessage `json:"result"`
		Error  json.RawMessage `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return err
	}
	if len(body.Error) > 0 && string(body.Error) != "null" {
		return fmt.Errorf("rpc %s: %s", path, body.Error)
	}
	return json.Unmarshal(body.Result, v)
}

// Height returns node i's latest block height from its RPC /status.
func (n *Network) Height(ctx context.Context, i int) (int64, error) {
	var st struct {
		SyncInfo struct {
			LatestBlockHeight string `json:"latest_block_height"`
		} `json:"sync_info"`
	}
	if err := n.RPCGet(ctx, i, "/status", &st); err != nil {
		return 0, err
	}
	return strconv.ParseInt(st.SyncInfo.LatestBlockHeight, 10, 64)
}

// WaitForHeight waits until node i reaches height h.
func (n *Network) WaitForHeight(i int, h int64, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last int64
	var lastErr error
	for {
		got, err := n.Height(ctx, i)
		if err == nil && got >= h {
			return nil
		}
		last, lastErr = got, err
		select {
		case <-ctx.Done():
			return fmt.Errorf("node%d did not reach height %d in %s (at %d, last error %v); see %s",
				i, h, timeout, last, lastErr, logFile(n.Nodes[i].Home))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

type tomlEdit struct{ section, key, value string }

func quote(s string) string { return strconv.Quote(s) }

// editTOML sets keys in the SDK/CometBFT generated config files, which put
// one `key = value` per line under `[section]` headers.
func editTOML(path string, edits []tomlEdit) error {
	bz, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := strings.Split(string(bz), "\n")
	header := regexp.MustCompile(`^\s*\[([^\]]+)\]\s*$`)
	for _, e := range edits {
		section, done := "", false
		for i, line := range lines {
			if m := header.FindStringSubmatch(line); m != nil {
				section = m[1]
				continue
			}
			if section == e.section && regexp.MustCompile(`^\s*`+regexp.QuoteMeta(e.key)+`\s*=`).MatchString(line) {
				lines[i] = e.key + " = " + e.value
				done = true
				break
			}
		}
		if !done {
			return fmt.Errorf("%s: no key %q in section [%s]", path, e.key, e.section)
		}
	}
	return os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644)
}

func mutateJSON(path string, f func(map[string]any) error) error {
	bz, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var doc map[string]any
	if err := json.Unmarshal(bz, &doc); err != nil {
		return err
	}
	if err := f(doc); err != nil {
		return err
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o644)
}

func copyFile(src, dst string) error {
	bz, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, bz, 0o644)
}

// newNode appends node len(n.Nodes) with a fresh home, its node key and a
// "validator" key in its test keyring.
func (n *Network) newNode() (*Node, error) {
	i := len(n.Nodes)
	node := &Node{Index: i, Home: filepath.Join(n.Cfg.Dir, fmt.Sprintf("node%d", i)), Ports: n.Cfg.Ports(i)}
	kr := []string{"--keyring-backend", "test"}
	if _, err := n.run("init", fmt.Sprintf("node%d", i), "--chain-id", n.Cfg.ChainID, "--home", node.Home); err != nil {
		return nil, err
	}
	if _, err := n.run(append([]string{"keys", "add", "validator", "--home", node.Home}, kr...)...); err != nil {
		return nil, err
	}
	key, err := p2p.LoadNodeKey(filepath.Join(node.Home, "config", "node_key.json"))
	if err != nil {
		return nil, err
	}
	node.NodeID = string(key.ID())
	if node.ValAddr, err = n.run(append([]string{"keys", "show", "validator", "--bech", "val", "-a", "--home", node.Home}, kr...)...); err != nil {
		return nil, err
	}
	n.Nodes = append(n.Nodes, node)
	return node, nil
}

// AddNode creates node n.Nodes[len] as a full node that joins the running
// network: its own home and keys, node0's genesis, peers with every node, the
// next pre-parameter fixture. It is not a validator until CreateValidator.
func (n *Network) AddNode() (*Node, error) {
	node, err := n.newNode()
	if err != nil {
		return nil, err
	}
	i := node.Index
	if err := copyFile(filepath.Join(n.Nodes[0].Home, "config", "genesis.json"), filepath.Join(node.Home, "config", "genesis.json")); err != nil {
		return nil, err
	}
	if err := n.configure(node); err != nil {
		return nil, err
	}
	if i < len(n.Cfg.PreParams) {
		if err := os.MkdirAll(filepath.Join(node.Home, "tss"), 0o700); err != nil {
			return nil, err
		}
		if err := copyFile(n.Cfg.PreParams[i], filepath.Join(node.Home, "tss", "preparams.json")); err != nil {
			return nil, err
		}
	}
	return node, nil
}

// CreateValidator funds node i's "validator" key from Alice (through node
// 0) with amount and some fees and makes it a validator with a self-delegation of amount, signed and
// broadcast through node i (which must be running and caught up).
func (n *Network) CreateValidator(i int, amount string) error {
	node := n.Nodes[i]
	acc, err := n.KeyAddress(i, "validator")
	if err != nil {
		return err
	}
	bond, err := sdk.ParseCoinNormalized(amount)
	if err != nil {
		return err
	}
	// The bond and 1000 LIT for fees.
	res, err := n.Tx(0, Alice, "bank", "send", Alice, acc, bond.AddAmount(sdkmath.NewInt(1_000_000_000)).String())
	if err != nil {
		return err
	}
	if res.Code != 0 {
		return fmt.Errorf("funding %s: code %d: %s", acc, res.Code, res.RawLog)
	}
	// Node i signs with the account it must already see.
	funded, err := strconv.ParseInt(res.Height, 10, 64)
	if err != nil {
		return fmt.Errorf("funding tx height %q: %w", res.Height, err)
	}
	if err := n.WaitForHeight(i, funded+1, time.Minute); err != nil {
		return err
	}
	pubkey, err := n.run("comet", "show-validator", "--home", node.Home)
	if err != nil {
		return err
	}
	spec := fmt.Sprintf(`{"pubkey": %s, "amount": %q, "moniker": "node%d", "commission-rate": "0.1",
		"commission-max-rate": "0.2", "commission-max-change-rate": "0.01", "min-self-delegation": "1"}`, pubkey, amount, i)
	path := filepath.Join(node.Home, "validator.json")
	if err := os.WriteFile(path, []byte(spec), 0o600); err != nil {
		return err
	}
	res, err = n.Tx(i, "validator", "staking", "create-validator", path)
	if err != nil {
		return err
	}
	if res.Code != 0 {
		return fmt.Errorf("create-validator: code %d: %s", res.Code, res.RawLog)
	}
	return nil
}

// BlockTxs returns the transactions of node i's block at height h.
func (n *Network) BlockTxs(ctx context.Context, i int, h int64) ([][]byte, error) {
	var b struct {
		Block struct {
			Data struct {
				Txs [][]byte `json:"txs"`
			} `json:"data"`
		} `json:"block"`
	}
	err := n.RPCGet(ctx, i, fmt.Sprintf("/block?height=%d", h), &b)
	return b.Block.Data.Txs, err
}

// InjectedCommit is the extended commit that node i's block at height h
// injects as tx 0; false when the block has none.
func (n *Network) InjectedCommit(ctx context.Context, i int, h int64) (abci.ExtendedCommitInfo, bool, error) {
	txs, err := n.BlockTxs(ctx, i, h)
	if err != nil || len(txs) == 0 {
		return abci.ExtendedCommitInfo{}, false, err
	}
	return abcitypes.DecodeInjected(txs[0])
}
