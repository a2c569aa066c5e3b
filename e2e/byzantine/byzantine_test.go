// Package byzantine runs one validator from a `-tags litd_faults` build
// (app/abci/faults) next to three honest ones on its own 4-validator
// network, and switches its misbehaviour by restarting it with LITD_FAULTS:
// replayed and misaddressed TSS messages are pruned and recorded against it
// in the session; malformed and oversized extensions never reach state and
// leave it silent (and recorded so) in its sessions; its forged tx 0 blocks
// are rejected; the extensions it leaves out of its valid blocks' tx 0 were
// taken early by the honest engines but count for nothing until committed. Through all of it the chain goes on,
// every node computes the same state, and once honest again it signs.
package byzantine

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/cosmos/cosmos-sdk/codec"

	"github.com/litprotocol/litd/app"
	"github.com/litprotocol/litd/app/abci/faults"
	abcitypes "github.com/litprotocol/litd/app/abci/types"
	"github.com/litprotocol/litd/testutil/network"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

const byz = 3 // the misbehaving node

type suite struct {
	t     *testing.T
	n     *network.Network
	q     tsstypes.QueryClient
	token string
	signs int
}

func TestE2EByzantineValidator(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real litd processes")
	}
	dir := t.TempDir()
	bin, err := network.Binary(dir)
	require.NoError(t, err)
	cfg := network.DefaultConfig(bin, filepath.Join(dir, "net"))
	cfg.ChainID = "litd-byzantine"
	cfg.Ports = network.FreePorts
	cfg.MutateGenesis = func(_ *network.Network, g map[string]any) error {
		appState := g["app_state"].(map[string]any)
		appState["tss"].(map[string]any)["params"].(map[string]any)["sign_timeout_blocks"] = "30"
		appState["slashing"].(map[string]any)["params"].(map[string]any)["signed_blocks_window"] = "10000"
		return nil
	}
	n, err := network.Init(cfg)
	require.NoError(t, err)
	n.DiagnoseOnFailure(t)
	defer n.Stop()
	n.Nodes[byz].Bin = filepath.Join(dir, "litd-faults")
	require.NoError(t, network.Build(n.Nodes[byz].Bin, "-tags", "litd_faults"))
	require.NoError(t, n.Start())
	_, err = n.WaitForRootKey(5 * time.Minute)
	require.NoError(t, err)

	conn, err := grpc.NewClient(n.Nodes[0].GRPC(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(codec.NewProtoCodec(app.MakeEncodingConfig().InterfaceRegistry).GRPCCodec())))
	require.NoError(t, err)
	defer func() { _ = conn.Close() }()
	s := &suite{t: t, n: n, q: tsstypes.NewQueryClient(conn)}
	res, err := n.Tx(0, network.Alice, "pkp", "mint")
	require.NoError(t, err)
	require.Zero(t, res.Code, res.RawLog)
	s.token = res.Attr("lit.pkp.v1.EventPKPMinted", "token_id")

	t.Run("replayed messages", func(t *testing.T) {
		s.t = t
		s.restart(faults.Replay)
		p := s.signWithByzantineParty()
		require.NotZero(t, p.Faults)
		require.Regexp(t, `^replayed message \(height \d+\)$`, p.LastFault)
		s.requireInSync()
	})
	t.Run("misaddressed messages", func(t *testing.T) {
		s.t = t
		s.restart(faults.Misaddress)
		p := s.signWithByzantineParty()
		require.NotZero(t, p.Faults)
		require.Regexp(t, `^message addressed to a non-party \(height \d+\)$`, p.LastFault)
		s.requireInSync()
	})
	for _, f := range []string{faults.Malformed, faults.Oversized} {
		t.Run(f+" extensions", func(t *testing.T) {
			s.t = t
			s.restart(f)
			s.requireExtensionsPruned()
			p := s.silentInExpiredSession()
			require.Regexp(t, `^silent until the deadline \(height \d+\)$`, p.LastFault)
			s.requireInSync()
		})
	}
	t.Run("forged tx 0", func(t *testing.T) {
		s.t = t
		s.restart(faults.ForgeTx0)
		s.requireForgedBlocksRejected()
		s.requireInSync()
	})
	t.Run("extensions left out of tx 0", func(t *testing.T) {
		s.t = t
		s.restart(faults.OmitTx0)
		s.requireOmittedMessagesChangeNothing()
		s.requireInSync()
	})
	t.Run("honest again", func(t *testing.T) {
		s.t = t
		s.restart("")
		p := s.signWithByzantineParty()
		require.Zero(t, p.Faults)
		s.requireInSync()
	})
	s.t = t
	s.requireHonestPartiesClean()
}

// restart restarts the byzantine node with LITD_FAULTS=faults and waits
// until it has caught up.
func (s *suite) restart(f string) {
	s.t.Helper()
	require.NoError(s.t, s.n.StopNode(byz))
	s.n.Nodes[byz].Env = []string{faults.EnvVar + "=" + f}
	require.NoError(s.t, s.n.StartNode(byz))
	h := s.height(0)
	require.NoError(s.t, s.n.WaitForHeight(byz, h+2, 3*time.Minute))
	s.t.Logf("node%d restarted with %s=%q at height %d", byz, faults.EnvVar, f, h)
}

func (s *suite) height(i int) int64 {
	s.t.Helper()
	h, err := s.n.Height(context.Background(), i)
	require.NoError(s.t, err)
	return h
}

// sign requests a signature with `litd tx tss sign`, which waits for the tx
// and prints the signature id.
func (s *suite) sign() uint64 {
	s.t.Helper()
	s.signs++
	digest := fmt.Sprintf("0x%064x", s.signs)
	out, err := s.n.CLI(0, "tx", "tss", "sign", s.token, digest, "--from", network.Alice, "--yes", "--output", "json")
	require.NoError(s.t, err)
	var resp struct {
		SignatureID uint64 `json:"signature_id,string"`
	}
	require.NoError(s.t, json.Unmarshal([]byte(out), &resp), out)
	require.NotZero(s.t, resp.SignatureID, out)
	return resp.SignatureID
}

func (s *suite) waitSigned(id uint64) tsstypes.Signature {
	s.t.Helper()
	deadline := time.Now().Add(4 * time.Minute)
	for {
		resp, err := s.q.Signature(context.Background(), &tsstypes.QuerySignatureRequest{Id: id})
		require.NoError(s.t, err)
		sig := resp.Signature
		require.NotEqual(s.t, tsstypes.SIGNATURE_STATUS_FAILED, sig.Status, sig.Error)
		if sig.Status == tsstypes.SIGNATURE_STATUS_SIGNED {
			return sig
		}
		require.True(s.t, time.Now().Before(deadline), "signature %d not signed: %+v", id, sig)
		time.Sleep(300 * time.Millisecond)
	}
}

// signWithByzantineParty signs until a completed session had the byzantine
// node as a party, and returns its party record.
func (s *suite) signWithByzantineParty() tsstypes.Party {
	s.t.Helper()
	for range 8 {
		sig := s.waitSigned(s.sign())
		resp, err := s.q.Session(context.Background(), &tsstypes.QuerySessionRequest{Id: sig.SessionId})
		require.NoError(s.t, err)
		for _, p := range resp.Session.Parties {
			if p.Validator == s.n.Nodes[byz].ValAddr {
				s.t.Logf("session %d: node%d sent %d messages, %d faults (%s)", resp.Session.Id, byz, p.Messages, p.Faults, p.LastFault)
				return p
			}
		}
	}
	s.t.Fatalf("node%d was in none of 8 signing sessions", byz)
	return tsstypes.Party{}
}

// flagCommit is CometBFT's BlockIDFlagCommit: a precommit for the block
// (nil precommits carry no extension).
const flagCommit = 2

type block struct {
	Block struct {
		Header struct {
			AppHash         string `json:"app_hash"`
			ProposerAddress string `json:"proposer_address"`
		} `json:"header"`
		Data struct {
			Txs [][]byte `json:"txs"`
		} `json:"data"`
		LastCommit struct {
			Signatures []struct {
				BlockIDFlag      int    `json:"block_id_flag"`
				ValidatorAddress string `json:"validator_address"`
			} `json:"signatures"`
		} `json:"last_commit"`
	} `json:"block"`
}

func (s *suite) block(i int, h int64) block {
	s.t.Helper()
	var b block
	require.NoError(s.t, s.n.RPCGet(context.Background(), i, fmt.Sprintf("/block?height=%d", h), &b))
	return b
}

// tx0 is the extended commit injected in node0's block h; false when the
// block has none.
func (s *suite) tx0(h int64) (abci.ExtendedCommitInfo, bool) {
	s.t.Helper()
	info, ok, err := s.n.InjectedCommit(context.Background(), 0, h)
	require.NoError(s.t, err)
	return info, ok
}

// log is node i's log so far.
func (s *suite) log(i int) string {
	s.t.Helper()
	b, err := os.ReadFile(filepath.Join(s.n.Nodes[i].Home, "litd.log"))
	require.NoError(s.t, err)
	return string(b)
}

// consAddr is node i's consensus address as CometBFT prints it.
func (s *suite) consAddr(i int) string {
	s.t.Helper()
	var st struct {
		ValidatorInfo struct {
			Address string `json:"address"`
		} `json:"validator_info"`
	}
	require.NoError(s.t, s.n.RPCGet(context.Background(), i, "/status", &st))
	return st.ValidatorInfo.Address
}

// requireInSync: the chain advances on every node, and every node stored
// the same app hash for the same recent blocks (a node whose state diverged
// would stop at the first block whose header disagrees with it).
func (s *suite) requireInSync() {
	s.t.Helper()
	h := s.height(0) + 3
	for i := range s.n.Nodes {
		require.NoError(s.t, s.n.WaitForHeight(i, h, 2*time.Minute), "node%d", i)
	}
	for height := h - 2; height <= h; height++ {
		want := s.block(0, height).Block.Header.AppHash
		for i := 1; i < len(s.n.Nodes); i++ {
			require.Equal(s.t, want, s.block(i, height).Block.Header.AppHash, "node%d at height %d", i, height)
		}
	}
}

// requireExtensionsPruned: no extension of the byzantine node reaches
// state. Peers reject its precommits in VerifyVoteExtension (and log why);
// a precommit that arrives during timeout_commit is added to the last
// commit by CometBFT without that check, so proposers prune it from tx 0.
func (s *suite) requireExtensionsPruned() {
	s.t.Helper()
	from := s.height(0) + 1
	require.NoError(s.t, s.n.WaitForHeight(0, from+12, 2*time.Minute))
	addr := s.consAddr(byz)
	injected := 0
	for h := from + 1; h <= from+12; h++ {
		info, ok := s.tx0(h)
		if !ok {
			continue
		}
		injected++
		for _, v := range info.Votes {
			if strings.EqualFold(hex.EncodeToString(v.Validator.Address), addr) {
				require.Empty(s.t, v.VoteExtension, "block %d applies an extension from node%d", h, byz)
			}
		}
	}
	require.Greater(s.t, injected, 6)
	// Its precommits are verified (and refused) once it votes again; on a
	// loaded machine a restarted node may still be switching from block sync
	// to consensus after the blocks above.
	rejected := regexp.MustCompile(`rejecting vote extension.*validator=` + addr)
	deadline := time.Now().Add(2 * time.Minute)
	for !rejected.MatchString(s.log(0)) {
		require.True(s.t, time.Now().Before(deadline), "node0 never rejected an extension from node%d", byz)
		time.Sleep(time.Second)
	}
}

// silentInExpiredSession signs until a request's first session had the
// byzantine node as a party (its vote still counts for liveness, so it can
// be picked): the session expires with it recorded as faulty, and the retry
// without it signs. It returns the byzantine party's record.
func (s *suite) silentInExpiredSession() tsstypes.Party {
	s.t.Helper()
	for range 6 {
		id := s.sign()
		sig := s.waitSigned(id)
		resp, err := s.q.Sessions(context.Background(), &tsstypes.QuerySessionsRequest{})
		require.NoError(s.t, err)
		for _, sess := range resp.Sessions {
			if sess.SignatureId != id {
				continue
			}
			for _, p := range sess.Parties {
				if p.Validator != s.n.Nodes[byz].ValAddr {
					continue
				}
				require.Equal(s.t, tsstypes.SESSION_STATUS_EXPIRED, sess.Status, "a session with node%d cannot complete", byz)
				require.Greater(s.t, sig.Attempts, uint32(1))
				s.t.Logf("signature %d: session %d expired with node%d silent; attempt %d signed", id, sess.Id, byz, sig.Attempts)
				return p
			}
		}
	}
	s.t.Fatalf("node%d was in none of 6 signing sessions", byz)
	return tsstypes.Party{}
}

// requireForgedBlocksRejected: while the byzantine node forges tx 0, none of
// the blocks committed has it as proposer; honest nodes rejected its
// proposals in ProcessProposal; it still votes on the others' blocks.
func (s *suite) requireForgedBlocksRejected() {
	s.t.Helper()
	from := s.height(0) + 1
	require.NoError(s.t, s.n.WaitForHeight(0, from+20, 3*time.Minute))
	addr := s.consAddr(byz)
	voted := 0
	for h := from + 1; h <= from+20; h++ {
		b := s.block(0, h)
		require.NotEqual(s.t, addr, b.Block.Header.ProposerAddress, "block %d was proposed by the forger", h)
		for _, sig := range b.Block.LastCommit.Signatures {
			if sig.ValidatorAddress == addr && sig.BlockIDFlag == flagCommit {
				voted++
			}
		}
	}
	require.Greater(s.t, voted, 10, "the forger still votes")
	forged, rejected := strings.Count(s.log(byz), "proposing a forged tx 0"), 0
	for i := range byz {
		rejected += strings.Count(s.log(i), "rejecting proposal whose extended commit does not validate")
	}
	s.t.Logf("node%d forged tx 0 in %d proposals; honest nodes rejected %d", byz, forged, rejected)
	require.Positive(s.t, forged, "the forger had a turn to propose")
	require.GreaterOrEqual(s.t, rejected, forged, "every honest node rejects every forged proposal it sees")
}

// requireOmittedMessagesChangeNothing: while the byzantine proposer leaves
// the extension with the most TSS messages out of its blocks' tx 0, the
// honest engines still take those messages early from the verified
// precommits (app/abci/early) and the sessions complete; a message seen early
// but not committed advances no state: every party's message count in a
// session is what committed tx 0s carried for it, never more.
func (s *suite) requireOmittedMessagesChangeNothing() {
	s.t.Helper()
	omitted := func() int { return strings.Count(s.log(byz), "leaving an extension out of tx 0") }
	before, uncommitted := omitted(), s.earlyUncommitted()
	var sessions []tsstypes.Session
	for range 4 {
		sig := s.waitSigned(s.sign())
		resp, err := s.q.Session(context.Background(), &tsstypes.QuerySessionRequest{Id: sig.SessionId})
		require.NoError(s.t, err)
		require.Equal(s.t, tsstypes.SESSION_STATUS_COMPLETED, resp.Session.Status)
		sessions = append(sessions, resp.Session)
	}
	require.Greater(s.t, omitted(), before, "node%d left extensions out of its proposals", byz)
	require.Greater(s.t, s.earlyUncommitted(), uncommitted, "honest engines took messages early that the next block did not commit")

	operator := map[string]string{}
	for i, node := range s.n.Nodes {
		operator[strings.ToUpper(s.consAddr(i))] = node.ValAddr
	}
	for _, sess := range sessions {
		// Messages for this session in committed tx 0s, by author: through
		// the block before it closed, and through the closing block.
		upTo := func(last int64) map[string]uint32 {
			out := map[string]uint32{}
			for h := sess.StartHeight + 1; h <= last; h++ {
				info, _ := s.tx0(h)
				for _, v := range info.Votes {
					ext, err := abcitypes.DecodeExtension(v.VoteExtension)
					if v.BlockIdFlag != flagCommit || err != nil || ext.Tss == nil {
						continue
					}
					for _, m := range ext.Tss.Messages {
						if m.SessionId == sess.Id {
							out[operator[strings.ToUpper(hex.EncodeToString(v.Validator.Address))]]++
						}
					}
				}
			}
			return out
		}
		before, through := upTo(sess.ClosedHeight-1), upTo(sess.ClosedHeight)
		for _, p := range sess.Parties {
			require.GreaterOrEqual(s.t, p.Messages, before[p.Validator], "session %d: %s", sess.Id, p.Validator)
			require.LessOrEqual(s.t, p.Messages, through[p.Validator], "session %d: %s counts more than committed blocks carried", sess.Id, p.Validator)
		}
		s.t.Logf("session %d (heights %d..%d): state counts match committed tx 0", sess.Id, sess.StartHeight, sess.ClosedHeight)
	}
}

// earlyUncommitted sums, over the honest nodes, the messages their engines
// took early from a precommit that the next block did not carry.
func (s *suite) earlyUncommitted() float64 {
	s.t.Helper()
	line := regexp.MustCompile(`(?m)^litd_tss_messages_early_uncommitted_total (\S+)$`)
	total := 0.0
	for i := range byz {
		resp, err := http.Get(s.n.Nodes[i].Metrics())
		require.NoError(s.t, err)
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		require.NoError(s.t, err)
		m := line.FindSubmatch(body)
		require.NotNil(s.t, m, "node%d exports litd_tss_messages_early_uncommitted_total", i)
		v, err := strconv.ParseFloat(string(m[1]), 64)
		require.NoError(s.t, err)
		total += v
	}
	return total
}

// requireHonestPartiesClean: no honest validator was ever recorded as faulty
// (the engines' resends are never taken for replays).
func (s *suite) requireHonestPartiesClean() {
	s.t.Helper()
	resp, err := s.q.Sessions(context.Background(), &tsstypes.QuerySessionsRequest{})
	require.NoError(s.t, err)
	require.NotEmpty(s.t, resp.Sessions)
	for _, sess := range resp.Sessions {
		for _, p := range sess.Parties {
			if p.Validator != s.n.Nodes[byz].ValAddr {
				require.Zero(s.t, p.Faults, "session %d: %s: %s", sess.Id, p.Validator, p.LastFault)
			}
		}
	}
}
