package proposals_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/crypto/ed25519"
	cryptoenc "github.com/cometbft/cometbft/crypto/encoding"
	"github.com/cometbft/cometbft/libs/protoio"
	cmtprotocrypto "github.com/cometbft/cometbft/proto/tendermint/crypto"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/core/comet"
	"cosmossdk.io/core/header"
	"cosmossdk.io/log/v2"

	"github.com/cosmos/cosmos-sdk/baseapp"
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/mempool"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"
	authtx "github.com/cosmos/cosmos-sdk/x/auth/tx"

	"github.com/litprotocol/litd/app/abci/proposals"
	abcitypes "github.com/litprotocol/litd/app/abci/types"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

const (
	chainID      = "lit-test-1"
	enableHeight = 2
	height       = 10 // the block being proposed; its extended commit is for 9
	round        = 1
)

// ---------------------------------------------------------------- fixture

type validator struct {
	priv  ed25519.PrivKey
	power int64
}

func (v validator) addr() []byte { return v.priv.PubKey().Address() }

// vals are sorted by power, as CometBFT orders commit votes.
var vals = func() []validator {
	out := make([]validator, 5) // the 5th is not in the validator set
	for i, p := range []int64{40, 30, 20, 10, 40} {
		out[i] = validator{ed25519.GenPrivKeyFromSecret([]byte{byte(i)}), p}
	}
	return out
}()

type valStore map[string]cmtprotocrypto.PublicKey

func (s valStore) GetPubKeyByConsAddr(_ context.Context, a sdk.ConsAddress) (cmtprotocrypto.PublicKey, error) {
	pk, ok := s[string(a)]
	if !ok {
		return pk, errors.New("unknown validator")
	}
	return pk, nil
}

func newValStore(t *testing.T) valStore {
	s := valStore{}
	for _, v := range vals {
		pk, err := cryptoenc.PubKeyToProto(v.priv.PubKey())
		require.NoError(t, err)
		s[string(v.addr())] = pk
	}
	return s
}

// comet.BlockInfo whose LastCommit mirrors a commit's validators and powers.
type blockInfo struct{ last commitInfo }
type commitInfo struct {
	round int32
	votes voteInfos
}
type (
	voteInfos []abci.ExtendedVoteInfo
	voteInfo  struct{ v abci.ExtendedVoteInfo }
	valInfo   struct{ v abci.Validator }
)

func (b blockInfo) GetEvidence() comet.EvidenceList  { return nil }
func (b blockInfo) GetValidatorsHash() []byte        { return nil }
func (b blockInfo) GetProposerAddress() []byte       { return nil }
func (b blockInfo) GetLastCommit() comet.CommitInfo  { return b.last }
func (c commitInfo) Round() int32                    { return c.round }
func (c commitInfo) Votes() comet.VoteInfos          { return c.votes }
func (v voteInfos) Len() int                         { return len(v) }
func (v voteInfos) Get(i int) comet.VoteInfo         { return voteInfo{v[i]} }
func (v voteInfo) Validator() comet.Validator        { return valInfo{v.v.Validator} }
func (v voteInfo) GetBlockIDFlag() comet.BlockIDFlag { return comet.BlockIDFlag(v.v.BlockIdFlag) }
func (v valInfo) Address() []byte                    { return v.v.Address }
func (v valInfo) Power() int64                       { return v.v.Power }
func lastCommitOf(info abci.ExtendedCommitInfo) blockInfo {
	return blockInfo{commitInfo{info.Round, append(voteInfos(nil), info.Votes...)}}
}

func sign(t *testing.T, v validator, ext []byte, h int64, r int32, chain string) []byte {
	t.Helper()
	bz, err := protoio.MarshalDelimited(&cmtproto.CanonicalVoteExtension{Extension: ext, Height: h, Round: int64(r), ChainId: chain})
	require.NoError(t, err)
	sig, err := v.priv.Sign(bz)
	require.NoError(t, err)
	return sig
}

func encode(t *testing.T, sec *tsstypes.ExtensionSection) []byte {
	t.Helper()
	bz, err := (&abcitypes.VoteExtension{Tss: sec}).Marshal()
	require.NoError(t, err)
	return bz
}

func msgExt(t *testing.T, tag string) []byte {
	return encode(t, &tsstypes.ExtensionSection{Messages: []tsstypes.ProtocolMessage{{SessionId: 3, Payload: []byte(tag)}}})
}

// commit is the extended commit for height h-1 of vals[0:4] with the given
// extensions (nil: an empty one), each signed correctly.
func commit(t *testing.T, h int64, exts ...[]byte) abci.ExtendedCommitInfo {
	t.Helper()
	info := abci.ExtendedCommitInfo{Round: round}
	for i, v := range vals[:4] {
		vote := abci.ExtendedVoteInfo{Validator: abci.Validator{Address: v.addr(), Power: v.power}, BlockIdFlag: cmtproto.BlockIDFlagCommit}
		if i < len(exts) {
			vote.VoteExtension = exts[i]
		}
		if h > enableHeight {
			vote.ExtensionSignature = sign(t, v, vote.VoteExtension, h-1, round, chainID)
		}
		info.Votes = append(info.Votes, vote)
	}
	return info
}

func validCommit(t *testing.T) abci.ExtendedCommitInfo {
	return commit(t, height, msgExt(t, "a"), nil, msgExt(t, "c"), encode(t, &tsstypes.ExtensionSection{EncPubkey: make([]byte, 65), EncKeyProof: make([]byte, 70)}))
}

func ctxAt(h int64, last abci.ExtendedCommitInfo) sdk.Context {
	return sdk.NewContext(nil, cmtproto.Header{}, false, log.NewNopLogger()).
		WithChainID(chainID).
		WithConsensusParams(cmtproto.ConsensusParams{Abci: &cmtproto.ABCIParams{VoteExtensionsEnableHeight: enableHeight}}).
		WithHeaderInfo(header.Info{Height: h, ChainID: chainID}).
		WithCometInfo(lastCommitOf(last))
}

// inner records what the wrapped default handlers see.
type inner struct {
	prepared  *abci.RequestPrepareProposal
	processed *abci.RequestProcessProposal
	status    abci.ResponseProcessProposal_ProposalStatus
}

func newHandler(t *testing.T) (proposals.Handler, *inner) {
	in := &inner{status: abci.ResponseProcessProposal_ACCEPT}
	prepare := func(_ sdk.Context, req *abci.RequestPrepareProposal) (*abci.ResponsePrepareProposal, error) {
		in.prepared = req
		return &abci.ResponsePrepareProposal{Txs: req.Txs}, nil
	}
	process := func(_ sdk.Context, req *abci.RequestProcessProposal) (*abci.ResponseProcessProposal, error) {
		in.processed = req
		return &abci.ResponseProcessProposal{Status: in.status}, nil
	}
	return proposals.NewHandler(log.NewNopLogger(), newValStore(t), prepare, process), in
}

// envelope wraps commit bytes as tx 0 does, whatever they are.
func envelope(t *testing.T, commit []byte) []byte {
	t.Helper()
	body := mustMarshal(t, &txtypes.TxBody{Messages: []*codectypes.Any{{TypeUrl: abcitypes.InjectedTypeURL, Value: commit}}})
	return mustMarshal(t, &txtypes.TxRaw{BodyBytes: body})
}

func mustMarshal(t *testing.T, m interface{ Marshal() ([]byte, error) }) []byte {
	t.Helper()
	bz, err := m.Marshal()
	require.NoError(t, err)
	return bz
}

func inject(t *testing.T, info abci.ExtendedCommitInfo) []byte {
	t.Helper()
	tx0, err := abcitypes.EncodeInjected(info)
	require.NoError(t, err)
	return tx0
}

var mempoolTxs = [][]byte{{0x0a, 0x01, 'x'}, {0x0a, 0x01, 'y'}}

const maxTxBytes = 1 << 20

// ---------------------------------------------------------------- PrepareProposal

func TestPrepareProposal(t *testing.T) {
	bad := encode(t, &tsstypes.ExtensionSection{EncPubkey: make([]byte, 31)})
	for _, c := range []struct {
		name    string
		h       int64
		commit  abci.ExtendedCommitInfo
		pruned  []int // votes PrepareProposal must mark absent
		noInjct bool
	}{
		{name: "before the enable height", h: enableHeight - 1, commit: commit(t, enableHeight-1), noInjct: true},
		{name: "at the enable height", h: enableHeight, commit: commit(t, enableHeight), noInjct: true},
		{name: "first height with extensions", h: enableHeight + 1, commit: commit(t, enableHeight+1, msgExt(t, "a"))},
		{name: "valid commit", h: height, commit: validCommit(t)},
		{name: "invalid extension pruned", h: height, commit: commit(t, height, msgExt(t, "a"), nil, msgExt(t, "c"), bad), pruned: []int{3}},
		{name: "pruning leaves < 2/3", h: height, commit: commit(t, height, bad, bad, msgExt(t, "c")), noInjct: true},
		{name: "wrong signature", h: height, commit: func() abci.ExtendedCommitInfo {
			c := validCommit(t)
			c.Votes[0].ExtensionSignature = sign(t, vals[0], c.Votes[0].VoteExtension, height, round, chainID)
			return c
		}(), noInjct: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, in := newHandler(t)
			req := &abci.RequestPrepareProposal{Height: c.h, MaxTxBytes: maxTxBytes, Txs: mempoolTxs, LocalLastCommit: c.commit}
			resp, err := h.PrepareProposalHandler()(ctxAt(c.h, c.commit), req)
			require.NoError(t, err)
			require.NotNil(t, in.prepared)
			if c.noInjct {
				require.Equal(t, mempoolTxs, resp.Txs)
				require.Equal(t, int64(maxTxBytes), in.prepared.MaxTxBytes)
				return
			}
			require.Len(t, resp.Txs, len(mempoolTxs)+1)
			require.Equal(t, mempoolTxs, resp.Txs[1:])
			tx0 := resp.Txs[0]
			used := req.MaxTxBytes - in.prepared.MaxTxBytes
			require.GreaterOrEqual(t, used, int64(len(tx0)))
			require.LessOrEqual(t, used, cmttypes.ComputeProtoSizeForTxs([]cmttypes.Tx{tx0}))
			got, ok, err := abcitypes.DecodeInjected(tx0)
			require.NoError(t, err)
			require.True(t, ok)
			want := c.commit
			want.Votes = append([]abci.ExtendedVoteInfo(nil), c.commit.Votes...)
			for _, i := range c.pruned {
				want.Votes[i].BlockIdFlag, want.Votes[i].VoteExtension, want.Votes[i].ExtensionSignature = cmtproto.BlockIDFlagAbsent, nil, nil
			}
			require.Equal(t, want, got)
			require.Equal(t, cmtproto.BlockIDFlagCommit, c.commit.Votes[3].BlockIdFlag, "the request's commit is not modified")

			// Every validator accepts what an honest proposer built.
			pp, err := h.ProcessProposalHandler()(ctxAt(c.h, c.commit), &abci.RequestProcessProposal{Height: c.h, Txs: resp.Txs})
			require.NoError(t, err)
			require.Equal(t, abci.ResponseProcessProposal_ACCEPT, pp.Status)
			require.Equal(t, mempoolTxs, in.processed.Txs)
		})
	}

}

// txVerifier decodes with the SDK's tx decoder, as BaseApp does first.
type txVerifier struct{ decode sdk.TxDecoder }

func (v txVerifier) PrepareProposalVerifyTx(sdk.Tx) ([]byte, error)    { return nil, nil }
func (v txVerifier) ProcessProposalVerifyTx(bz []byte) (sdk.Tx, error) { return v.decode(bz) }
func (v txVerifier) TxDecode(bz []byte) (sdk.Tx, error)                { return nil, nil }
func (v txVerifier) TxEncode(sdk.Tx) ([]byte, error)                   { return nil, nil }

// CometBFT panics the proposer (consensus/state.go createProposalBlock) when
// PrepareProposal returns txs that fail Txs.Validate(MaxTxBytes), which counts
// each tx's proto size, not its length.
func TestPrepareProposalFitsMaxTxBytes(t *testing.T) {
	info := validCommit(t)
	tx0 := inject(t, info)
	tx0Size := cmttypes.ComputeProtoSizeForTxs([]cmttypes.Tx{tx0})
	overhead := tx0Size - int64(len(tx0)) // tag and length prefix
	// The SDK's default handler with the default no-op mempool fills the budget it is given.
	dflt := baseapp.NewDefaultProposalHandler(mempool.NoOpMempool{}, txVerifier{})
	h := proposals.NewHandler(log.NewNopLogger(), newValStore(t), dflt.PrepareProposalHandler(), nil)
	for _, c := range []struct {
		name string
		max  int64
		txs  [][]byte
	}{
		// The inner budget is 100+overhead; one tx of that proto size fills it.
		{"mempool fills the rest exactly", tx0Size + 100, [][]byte{make([]byte, 100+overhead-2)}},
		{"tx0 alone over the budget", tx0Size - 1, [][]byte{make([]byte, 10)}},
		// A negative budget wraps to a huge uint64 in the SDK's tx selector.
		{"tx0 over twice the budget", int64(len(tx0)) / 2, [][]byte{make([]byte, 10)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, err := h.PrepareProposalHandler()(ctxAt(height, info), &abci.RequestPrepareProposal{Height: height, MaxTxBytes: c.max, Txs: c.txs, LocalLastCommit: info})
			require.NoError(t, err)
			require.NoError(t, cmttypes.ToTxs(resp.Txs).Validate(c.max))
		})
	}
}

// ---------------------------------------------------------------- ProcessProposal

func TestProcessProposal(t *testing.T) {
	valid := validCommit(t)
	tx0 := inject(t, valid)
	a, b := mempoolTxs[0], mempoolTxs[1]

	t.Run("accepts a correct injection", func(t *testing.T) {
		h, in := newHandler(t)
		resp, err := h.ProcessProposalHandler()(ctxAt(height, valid), &abci.RequestProcessProposal{Height: height, Txs: [][]byte{tx0, a, b}})
		require.NoError(t, err)
		require.Equal(t, abci.ResponseProcessProposal_ACCEPT, resp.Status)
		require.Equal(t, [][]byte{a, b}, in.processed.Txs)
		in.status = abci.ResponseProcessProposal_REJECT // the inner verdict on the other txs stands
		resp, err = h.ProcessProposalHandler()(ctxAt(height, valid), &abci.RequestProcessProposal{Height: height, Txs: [][]byte{tx0, a, b}})
		require.NoError(t, err)
		require.Equal(t, abci.ResponseProcessProposal_REJECT, resp.Status)
	})

	t.Run("no injection goes to the inner handler", func(t *testing.T) {
		for _, txs := range [][][]byte{nil, {a, b}} {
			h, in := newHandler(t)
			resp, err := h.ProcessProposalHandler()(ctxAt(height, valid), &abci.RequestProcessProposal{Height: height, Txs: txs})
			require.NoError(t, err)
			require.Equal(t, abci.ResponseProcessProposal_ACCEPT, resp.Status)
			require.Equal(t, txs, in.processed.Txs)
		}
	})

	mut := func(change func(*abci.ExtendedCommitInfo)) []byte {
		c := validCommit(t)
		change(&c)
		return inject(t, c)
	}
	resign := func(c *abci.ExtendedCommitInfo, i int, ext []byte) {
		c.Votes[i].VoteExtension, c.Votes[i].ExtensionSignature = ext, sign(t, vals[i], ext, height-1, c.Round, chainID)
	}
	early := commit(t, enableHeight)
	for _, c := range []struct {
		name string
		h    int64
		last abci.ExtendedCommitInfo // the LastCommit CometBFT reports; valid if zero
		tx0  []byte
	}{
		{name: "tx0 does not decode", tx0: envelope(t, []byte{0xff, 0xff})},
		{name: "tx0's commit truncated", tx0: envelope(t, mustMarshal(t, &valid)[:10])},
		{name: "extension fails the stateless checks", tx0: mut(func(c *abci.ExtendedCommitInfo) {
			resign(c, 2, encode(t, &tsstypes.ExtensionSection{Messages: []tsstypes.ProtocolMessage{{SessionId: 0, Payload: []byte{1}}}}))
		})},
		{name: "invalid extension of a small validator", tx0: mut(func(c *abci.ExtendedCommitInfo) { resign(c, 3, []byte{0xff}) })},
		{name: "signed for another height", tx0: mut(func(c *abci.ExtendedCommitInfo) {
			c.Votes[1].ExtensionSignature = sign(t, vals[1], c.Votes[1].VoteExtension, height-2, round, chainID)
		})},
		{name: "signed for another round", tx0: mut(func(c *abci.ExtendedCommitInfo) {
			c.Votes[1].ExtensionSignature = sign(t, vals[1], c.Votes[1].VoteExtension, height-1, round+1, chainID)
		})},
		{name: "signed for another chain", tx0: mut(func(c *abci.ExtendedCommitInfo) {
			c.Votes[3].ExtensionSignature = sign(t, vals[3], c.Votes[3].VoteExtension, height-1, round, "other-chain")
		})},
		{name: "signature of another extension", tx0: mut(func(c *abci.ExtendedCommitInfo) { c.Votes[0].VoteExtension = msgExt(t, "forged") })},
		{name: "signature by another validator", tx0: mut(func(c *abci.ExtendedCommitInfo) {
			c.Votes[3].ExtensionSignature = sign(t, vals[2], c.Votes[3].VoteExtension, height-1, round, chainID)
		})},
		{name: "signature missing", tx0: mut(func(c *abci.ExtendedCommitInfo) { c.Votes[2].ExtensionSignature = nil })},
		{name: "duplicated vote", tx0: mut(func(c *abci.ExtendedCommitInfo) { c.Votes[1] = c.Votes[0] })},
		{name: "votes not sorted by power", tx0: mut(func(c *abci.ExtendedCommitInfo) { c.Votes[0], c.Votes[1] = c.Votes[1], c.Votes[0] })},
		{name: "vote missing", tx0: mut(func(c *abci.ExtendedCommitInfo) { c.Votes = c.Votes[:3] })},
		{name: "power differs from LastCommit", tx0: mut(func(c *abci.ExtendedCommitInfo) { c.Votes[3].Validator.Power = 11 })},
		{name: "validator not in LastCommit", tx0: mut(func(c *abci.ExtendedCommitInfo) {
			c.Votes[0].Validator.Address = vals[4].addr() // same power, validly signed, but not who voted
			c.Votes[0].ExtensionSignature = sign(t, vals[4], c.Votes[0].VoteExtension, height-1, round, chainID)
		})},
		{name: "round differs from LastCommit", tx0: mut(func(c *abci.ExtendedCommitInfo) {
			c.Round = round + 1
			for i := range c.Votes {
				resign(c, i, c.Votes[i].VoteExtension)
			}
		})},
		{name: "less than 2/3 extensions", tx0: mut(func(c *abci.ExtendedCommitInfo) {
			for _, i := range []int{0, 2} {
				c.Votes[i].BlockIdFlag, c.Votes[i].VoteExtension, c.Votes[i].ExtensionSignature = cmtproto.BlockIDFlagAbsent, nil, nil
			}
		})},
		{name: "injection before the enable height", h: enableHeight, last: early, tx0: inject(t, early)},
		{name: "injection long before the enable height", h: 1, last: early, tx0: inject(t, early)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.h == 0 {
				c.h, c.last = height, valid
			}
			h, in := newHandler(t)
			var resp *abci.ResponseProcessProposal
			var err error
			require.NotPanics(t, func() {
				resp, err = h.ProcessProposalHandler()(ctxAt(c.h, c.last), &abci.RequestProcessProposal{Height: c.h, Txs: [][]byte{c.tx0, a}})
			})
			require.NoError(t, err)
			require.Equal(t, abci.ResponseProcessProposal_REJECT, resp.Status)
			require.Nil(t, in.processed, "the inner handler is not consulted")
		})
	}

	t.Run("malicious proposer flips a byte of an extension", func(t *testing.T) {
		h, _ := newHandler(t)
		ext := valid.Votes[0].VoteExtension
		at := bytes.Index(tx0, ext)
		require.Positive(t, at)
		for i := range ext {
			for _, x := range []byte{0x01, 0x80, 0xff} {
				forged := bytes.Clone(tx0)
				forged[at+i] ^= x
				resp, err := h.ProcessProposalHandler()(ctxAt(height, valid), &abci.RequestProcessProposal{Height: height, Txs: [][]byte{forged}})
				require.NoError(t, err)
				require.Equal(t, abci.ResponseProcessProposal_REJECT, resp.Status, "byte %d ^ %#x", i, x)
			}
		}
	})

	t.Run("any byte flip of tx0 neither errors nor panics", func(t *testing.T) {
		h, _ := newHandler(t)
		for i := range tx0 {
			forged := bytes.Clone(tx0)
			forged[i] ^= 0xa5
			require.NotPanics(t, func() {
				_, err := h.ProcessProposalHandler()(ctxAt(height, valid), &abci.RequestProcessProposal{Height: height, Txs: [][]byte{forged}})
				require.NoError(t, err)
			})
		}
	})

	t.Run("panicking inner handler rejects", func(t *testing.T) {
		h := proposals.NewHandler(log.NewNopLogger(), newValStore(t), nil, func(sdk.Context, *abci.RequestProcessProposal) (*abci.ResponseProcessProposal, error) {
			panic("boom")
		})
		resp, err := h.ProcessProposalHandler()(ctxAt(height, valid), &abci.RequestProcessProposal{Height: height, Txs: [][]byte{tx0}})
		require.NoError(t, err)
		require.Equal(t, abci.ResponseProcessProposal_REJECT, resp.Status)
	})

	// Only tx 0 is ever read as the extended commit. Anywhere else it is an
	// ordinary tx that the inner handler judges; with a real mempool the SDK's
	// default handler rejects it because it does not decode as a Cosmos tx.
	t.Run("injection not at position 0", func(t *testing.T) {
		dflt := baseapp.NewDefaultProposalHandler(mempool.NewSenderNonceMempool(), txVerifier{authtx.DefaultTxDecoder(codec.NewProtoCodec(codectypes.NewInterfaceRegistry()))})
		real := proposals.NewHandler(log.NewNopLogger(), newValStore(t), nil, dflt.ProcessProposalHandler())
		for _, txs := range [][][]byte{{a, tx0}, {tx0, tx0}} {
			h, in := newHandler(t)
			_, err := h.ProcessProposalHandler()(ctxAt(height, valid), &abci.RequestProcessProposal{Height: height, Txs: txs})
			require.NoError(t, err)
			require.Contains(t, in.processed.Txs, tx0, "handed to the inner handler as an ordinary tx")

			resp, err := real.ProcessProposalHandler()(ctxAt(height, valid), &abci.RequestProcessProposal{Height: height, Txs: txs})
			require.NoError(t, err)
			require.Equal(t, abci.ResponseProcessProposal_REJECT, resp.Status)
		}
		resp, err := real.ProcessProposalHandler()(ctxAt(height, valid), &abci.RequestProcessProposal{Height: height, Txs: [][]byte{tx0}})
		require.NoError(t, err)
		require.Equal(t, abci.ResponseProcessProposal_ACCEPT, resp.Status, "tx 0 alone is never shown to the default handler")
	})
}
