// Package governance runs a chain people govern, on its own network of real
// litd processes: a fee grant lets an account that holds nothing mint a PKP
// and have it sign (the granter pays gas, mint and sign fees, within the
// allowance); a governance proposal changes x/pkp's mint fee and the new fee
// applies; and a software-upgrade proposal halts every node at its height
// with the upgrade's name in the log, after which the release that has a
// handler for it (the binary `make build` makes) continues the chain. The
// network starts on the previous release: this repository built without an
// upgrade handler.
package governance

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/litprotocol/litd/testutil/network"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

const upgradeName = "v0.2.0" // app.UpgradeName of this release

type suite struct {
	t     *testing.T
	n     *network.Network
	tss   tsstypes.QueryClient
	pkp   pkptypes.QueryClient
	alice string
	gov   string
}

func TestE2EGovernance(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real litd processes")
	}
	dir := t.TempDir()
	newBin, err := network.Binary(dir)
	require.NoError(t, err)
	// The previous release: the same code without a handler for the upgrade.
	oldBin := filepath.Join(dir, "litd-previous")
	require.NoError(t, network.Build(oldBin, "-ldflags", "-X github.com/litprotocol/litd/app.UpgradeName="))

	cfg := network.DefaultConfig(oldBin, filepath.Join(dir, "net"))
	cfg.ChainID = "litd-gov"
	cfg.Ports = network.FreePorts
	cfg.MutateGenesis = func(_ *network.Network, g map[string]any) error {
		appState := g["app_state"].(map[string]any)
		appState["tss"].(map[string]any)["params"].(map[string]any)["sign_timeout_blocks"] = "40"
		appState["slashing"].(map[string]any)["params"].(map[string]any)["signed_blocks_window"] = "10000"
		return nil
	}
	n, err := network.Init(cfg)
	require.NoError(t, err)
	n.DiagnoseOnFailure(t)
	defer n.Stop()
	require.NoError(t, n.Start())
	_, err = n.WaitForRootKey(5 * time.Minute)
	require.NoError(t, err)
	conn, err := grpc.NewClient(n.Nodes[0].GRPC(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer func() { _ = conn.Close() }()
	alice, err := n.KeyAddress(0, network.Alice)
	require.NoError(t, err)
	s := &suite{t: t, n: n, tss: tsstypes.NewQueryClient(conn), pkp: pkptypes.NewQueryClient(conn), alice: alice,
		gov: sdk.MustBech32ifyAddressBytes("lit", authtypes.NewModuleAddress("gov"))}

	t.Run("fee grant pays a zero-balance account's mint and signature", s.feeGrant)
	t.Run("gov proposal changes the pkp mint fee", s.govParams)
	t.Run("software upgrade halts, the next release continues", func(t *testing.T) { s.upgrade(t, newBin) })
}

func (s *suite) feeGrant(t *testing.T) {
	bob, err := s.n.AddKey(0, "bob")
	require.NoError(t, err)
	// Gas fees (2000) + mint fee (1 LIT) + sign fee (0.1 LIT) fit in 1.2 LIT.
	limit := int64(1_200_000)
	res, err := s.n.Tx(0, network.Alice, "feegrant", "grant", s.alice, bob, "--spend-limit", fmt.Sprintf("%dulit", limit))
	require.NoError(t, err)
	require.Zero(t, res.Code, res.RawLog)
	aliceBefore := s.balance(s.alice)

	// Without the granter, bob cannot pay even the gas fee.
	res, err = s.n.Tx(0, "bob", "pkp", "mint", "--fees", "1000ulit")
	require.NoError(t, err)
	require.NotZero(t, res.Code, "bob holds nothing")

	res, err = s.n.Tx(0, "bob", "pkp", "mint", "--fee-granter", s.alice, "--fees", "1000ulit")
	require.NoError(t, err)
	require.Zero(t, res.Code, res.RawLog)
	token := res.Attr("lit.pkp.v1.EventPKPMinted", "token_id")
	view, err := s.pkp.PKP(context.Background(), &pkptypes.QueryPKPRequest{TokenId: token})
	require.NoError(t, err)
	require.Equal(t, bob, view.Pkp.Pkp.Owner, "bob owns the PKP")

	id, err := s.n.Sign(0, "bob", token, "0x"+strings.Repeat("ab", 32), "--fee-granter", s.alice, "--fees", "1000ulit")
	require.NoError(t, err)
	sig, err := network.WaitSigned(s.tss, id, 3*time.Minute)
	require.NoError(t, err)
	addr, err := network.RecoverEthAddress(sig)
	require.NoError(t, err)
	require.Equal(t, strings.ToLower(view.Pkp.EthAddress), addr, "the signature recovers to the PKP's address")

	require.Zero(t, s.balance(bob), "bob still holds nothing")
	spent := pkptypes.DefaultMintFee.Amount.Int64() + tsstypes.DefaultSignFee.Amount.Int64() + 2000
	require.Equal(t, aliceBefore-spent, s.balance(s.alice), "alice paid both gas fees, the mint fee and the sign fee")
	require.Equal(t, limit-spent, s.allowance(bob), "all of it charged to the allowance")

	// What is left (98000 ulit) does not cover another mint: refused (the
	// allowance pays only that transaction's gas fee) and bob mints nothing.
	res, err = s.n.Tx(0, "bob", "pkp", "mint", "--fee-granter", s.alice, "--fees", "1000ulit")
	require.NoError(t, err)
	require.NotZero(t, res.Code)
	require.Contains(t, res.RawLog, "fee limit exceeded")
	pkps, err := s.pkp.PKPsByOwner(context.Background(), &pkptypes.QueryPKPsByOwnerRequest{Owner: bob})
	require.NoError(t, err)
	require.Len(t, pkps.Pkps, 1)
}

func (s *suite) govParams(t *testing.T) {
	newFee := sdk.NewInt64Coin("ulit", 2_500_000)
	msg := fmt.Sprintf(`{"@type":"/lit.pkp.v1.MsgUpdateParams","authority":%q,"params":{"mint_fee":{"denom":%q,"amount":%q}}}`,
		s.gov, newFee.Denom, newFee.Amount.String())
	s.pass(t, s.propose(t, "gov", "submit-proposal", s.proposalFile(t, msg)))

	params, err := s.pkp.Params(context.Background(), &pkptypes.QueryParamsRequest{})
	require.NoError(t, err)
	require.Equal(t, newFee, params.Params.MintFee)
	before := s.balance(s.alice)
	res, err := s.n.Tx(0, network.Alice, "pkp", "mint")
	require.NoError(t, err)
	require.Zero(t, res.Code, res.RawLog)
	require.Equal(t, before-newFee.Amount.Int64(), s.balance(s.alice), "the new mint fee is charged")
}

func (s *suite) upgrade(t *testing.T, newBin string) {
	// Plan the upgrade ~50 s ahead: the proposal needs the 20 s voting period.
	h0, err := s.n.Height(context.Background(), 0)
	require.NoError(t, err)
	time.Sleep(5 * time.Second)
	h1, err := s.n.Height(context.Background(), 0)
	require.NoError(t, err)
	height := h1 + max(40, (h1-h0)*10)
	id := s.propose(t, "upgrade", "software-upgrade", upgradeName, "--upgrade-height", fmt.Sprint(height),
		"--title", "Upgrade to "+upgradeName, "--summary", "e2e", "--deposit", "10000000ulit", "--no-validate")
	s.pass(t, id)

	// Every node halts at the height, naming the upgrade.
	needed := fmt.Sprintf("UPGRADE %q NEEDED at height: %d", upgradeName, height)
	require.Eventually(t, func() bool {
		for _, node := range s.n.Nodes {
			if !strings.Contains(s.log(node), needed) {
				return false
			}
		}
		return true
	}, 3*time.Minute, time.Second, "every node logs %q", needed)
	// CometBFT has stored block H but the app refused to execute it: the
	// chain stays there.
	halted, err := s.n.Height(context.Background(), 0)
	require.NoError(t, err)
	require.Equal(t, height, halted)
	time.Sleep(3 * time.Second)
	still, err := s.n.Height(context.Background(), 0)
	require.NoError(t, err)
	require.Equal(t, halted, still, "halted")

	// The next release has the handler: it migrates and the chain goes on.
	s.n.Stop()
	for i, node := range s.n.Nodes {
		node.Bin = newBin
		require.NoError(t, s.n.StartNode(i))
	}
	require.NoError(t, s.n.WaitForHeight(0, height+3, 2*time.Minute))
	require.Contains(t, s.log(s.n.Nodes[0]), "applying upgrade")
	out, err := s.n.CLI(0, "query", "upgrade", "applied", upgradeName, "--output", "json")
	require.NoError(t, err)
	var applied struct {
		Height string `json:"height"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &applied), out)
	require.Equal(t, fmt.Sprint(height), applied.Height)

	// State survived: the PKPs still sign.
	res, err := s.n.Tx(0, network.Alice, "pkp", "mint")
	require.NoError(t, err)
	require.Zero(t, res.Code, res.RawLog)
}

// propose submits a governance proposal (tx args after the module name),
// has every validator vote yes and returns its id.
func (s *suite) propose(t *testing.T, args ...string) string {
	t.Helper()
	id, err := s.n.Propose(network.Alice, args...)
	require.NoError(t, err)
	return id
}

// pass waits until proposal id has passed and been executed.
func (s *suite) pass(t *testing.T, id string) {
	t.Helper()
	require.NoError(t, s.n.WaitProposalPassed(id, network.LocalVotingPeriod+time.Minute))
}

// proposalFile writes a proposal with one message for `tx gov submit-proposal`.
func (s *suite) proposalFile(t *testing.T, msg string) string {
	path, err := network.ProposalFile(t.TempDir(), "Raise the PKP mint fee", msg)
	require.NoError(t, err)
	return path
}

func (s *suite) balance(addr string) int64 {
	out, err := s.n.CLI(0, "query", "bank", "balance", addr, "ulit", "--output", "json")
	require.NoError(s.t, err, out)
	var resp struct {
		Balance struct {
			Amount string `json:"amount"`
		} `json:"balance"`
	}
	require.NoError(s.t, json.Unmarshal([]byte(out), &resp), out)
	if resp.Balance.Amount == "" {
		return 0
	}
	v, err := strconv.ParseInt(resp.Balance.Amount, 10, 64)
	require.NoError(s.t, err)
	return v
}

// allowance is what is left of alice's basic allowance to grantee, in ulit.
func (s *suite) allowance(grantee string) int64 {
	out, err := s.n.CLI(0, "query", "feegrant", "grant", s.alice, grantee, "--output", "json")
	require.NoError(s.t, err, out)
	var resp struct {
		Allowance struct {
			Allowance struct {
				Value struct {
					SpendLimit []sdk.Coin `json:"spend_limit"`
				} `json:"value"`
			} `json:"allowance"`
		} `json:"allowance"`
	}
	require.NoError(s.t, json.Unmarshal([]byte(out), &resp), out)
	return sdk.Coins(resp.Allowance.Allowance.Value.SpendLimit).AmountOf("ulit").Int64()
}

func (s *suite) log(node *network.Node) string {
	bz, err := os.ReadFile(filepath.Join(node.Home, "litd.log"))
	require.NoError(s.t, err)
	return string(bz)
}
