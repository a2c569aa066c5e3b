// Package faults makes this validator misbehave on purpose, so the byzantine
// end-to-end tests (e2e/byzantine) can run a real node that sends bad vote
// extensions or forges tx 0 next to honest ones. It is inert unless the
// binary is built with `-tags litd_faults` AND LITD_FAULTS names the faults:
// a release build cannot be switched into it.
//
//	LITD_FAULTS=ve-replay,ve-misaddress litd start   # with a litd_faults build
//
// Faults:
//   - ve-malformed: every extension is bytes that do not decode;
//   - ve-oversized: every extension is one byte over MaxExtensionBytes;
//   - ve-replay: every extension also carries the TSS messages this node sent
//     at earlier heights;
//   - ve-misaddress: every TSS message is also sent addressed to a
//     validator that is not a party of its session;
//   - tx0-forge: as proposer, tx 0 carries an extension signature with one
//     bit flipped;
//   - tx0-omit: as proposer, tx 0 leaves out the extension that carries the
//     most TSS messages (its vote marked absent) whenever the rest still
//     hold more than 2/3 of the power: a valid block that does not commit
//     messages every validator already saw in that precommit.
package faults

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"cosmossdk.io/log/v2"

	sdk "github.com/cosmos/cosmos-sdk/types"

	abcitypes "github.com/litprotocol/litd/app/abci/types"
	"github.com/litprotocol/litd/app/abci/ve"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// EnvVar names the faults to inject.
const EnvVar = "LITD_FAULTS"

// Fault names.
const (
	Malformed  = "ve-malformed"
	Oversized  = "ve-oversized"
	Replay     = "ve-replay"
	Misaddress = "ve-misaddress"
	ForgeTx0   = "tx0-forge"
	OmitTx0    = "tx0-omit"
)

// NonParty is the recipient of misaddressed messages: a well-formed operator
// address no validator has.
var NonParty = sdk.ValAddress(make([]byte, 20))

// replayWindow bounds how many earlier messages ve-replay resends.
const replayWindow = 64

// Injector wraps the honest handlers.
type Injector struct {
	log    log.Logger
	faults []string

	mu   sync.Mutex
	sent []tsstypes.ProtocolMessage // the latest messages this node sent, for ve-replay
}

// New returns an injector for faults (names as in the package doc).
func New(logger log.Logger, faults []string) (*Injector, error) {
	for _, f := range faults {
		if !slices.Contains([]string{Malformed, Oversized, Replay, Misaddress, ForgeTx0, OmitTx0}, f) {
			return nil, fmt.Errorf("unknown fault %q", f)
		}
	}
	return &Injector{log: logger.With("module", "faults"), faults: faults}, nil
}

// FromEnv returns the injector LITD_FAULTS asks for; nil when the variable
// is empty or the binary was built without the litd_faults tag.
func FromEnv(logger log.Logger) (*Injector, error) {
	v := strings.TrimSpace(os.Getenv(EnvVar))
	if !built || v == "" {
		return nil, nil
	}
	in, err := New(logger, strings.Split(v, ","))
	if err == nil {
		in.log.Error("THIS VALIDATOR MISBEHAVES ON PURPOSE (test build)", "faults", v)
	}
	return in, err
}

func (in *Injector) has(f string) bool { return slices.Contains(in.faults, f) }

// ExtendVote corrupts the honest extension.
func (in *Injector) ExtendVote(next sdk.ExtendVoteHandler) sdk.ExtendVoteHandler {
	return func(ctx sdk.Context, req *abci.RequestExtendVote) (*abci.ResponseExtendVote, error) {
		resp, err := next(ctx, req)
		if err != nil || resp == nil {
			return resp, err
		}
		resp.VoteExtension = in.Corrupt(resp.VoteExtension)
		return resp, nil
	}
}

// Corrupt applies the extension faults to an honest extension.
func (in *Injector) Corrupt(bz []byte) []byte {
	switch {
	case in.has(Malformed):
		// Field 1 (tss) announcing more bytes than follow.
		return []byte{0x0a, 0xff, 0xff, 0xff, 0x07, 0x01}
	case in.has(Oversized):
		return append(bz, make([]byte, abcitypes.MaxExtensionBytes+1-len(bz))...)
	case !in.has(Replay) && !in.has(Misaddress):
		return bz
	}
	ext, err := abcitypes.DecodeExtension(bz)
	if err != nil || ext.Tss == nil {
		return bz
	}
	honest := slices.Clone(ext.Tss.Messages)
	var extra []tsstypes.ProtocolMessage
	if in.has(Misaddress) {
		for _, m := range honest {
			m.To = NonParty.String()
			extra = append(extra, m)
		}
	}
	in.mu.Lock()
	if in.has(Replay) {
		extra = append(extra, in.sent...)
	}
	in.sent = append(in.sent, honest...)
	in.sent = in.sent[max(0, len(in.sent)-replayWindow):]
	in.mu.Unlock()
	// Add what fits: the extension must still pass the stateless checks,
	// or peers would drop the whole precommit and nothing would reach state.
	for _, m := range extra {
		ext.Tss.Messages = append(ext.Tss.Messages, m)
		out, err := ext.Marshal()
		if err != nil || ve.Validate(out) != nil {
			ext.Tss.Messages = ext.Tss.Messages[:len(ext.Tss.Messages)-1]
			break
		}
	}
	out, err := ext.Marshal()
	if err != nil {
		return bz
	}
	return out
}

// PrepareProposal forges tx 0 of this node's proposals, or leaves an
// extension out of it.
func (in *Injector) PrepareProposal(next sdk.PrepareProposalHandler) sdk.PrepareProposalHandler {
	if !in.has(ForgeTx0) && !in.has(OmitTx0) {
		return next
	}
	return func(ctx sdk.Context, req *abci.RequestPrepareProposal) (*abci.ResponsePrepareProposal, error) {
		resp, err := next(ctx, req)
		if err != nil || len(resp.Txs) == 0 {
			return resp, err
		}
		if in.has(ForgeTx0) {
			if forged, ok := Forge(resp.Txs[0]); ok {
				resp.Txs[0] = forged
				in.log.Error("proposing a forged tx 0", "height", req.Height)
			}
			return resp, nil
		}
		if out, addr, msgs, ok := Omit(resp.Txs[0]); ok {
			resp.Txs[0] = out
			in.log.Error("leaving an extension out of tx 0", "height", req.Height, "validator", addr, "tss_messages", msgs)
		}
		return resp, nil
	}
}

// Omit marks absent the commit vote whose extension carries the most TSS
// messages, if the other commit votes still hold more than 2/3 of the power
// (else the block would not validate). It returns the new tx 0, that vote's
// validator address (hex) and its number of messages.
func Omit(tx0 []byte) ([]byte, string, int, bool) {
	info, ok, err := abcitypes.DecodeInjected(tx0)
	if !ok || err != nil {
		return nil, "", 0, false
	}
	var total, committed int64
	pick, most := -1, 0
	for i, v := range info.Votes {
		total += v.Validator.Power
		if v.BlockIdFlag != cmtproto.BlockIDFlagCommit {
			continue
		}
		committed += v.Validator.Power
		if ext, err := abcitypes.DecodeExtension(v.VoteExtension); err == nil && ext.Tss != nil && len(ext.Tss.Messages) > most {
			pick, most = i, len(ext.Tss.Messages)
		}
	}
	if pick < 0 || 3*(committed-info.Votes[pick].Validator.Power) <= 2*total {
		return nil, "", 0, false
	}
	v := &info.Votes[pick]
	v.BlockIdFlag, v.VoteExtension, v.ExtensionSignature = cmtproto.BlockIDFlagAbsent, nil, nil
	out, err := abcitypes.EncodeInjected(info)
	return out, fmt.Sprintf("%X", v.Validator.Address), most, err == nil
}

// Forge flips one bit of the first extension signature in an injected tx 0.
func Forge(tx0 []byte) ([]byte, bool) {
	info, ok, err := abcitypes.DecodeInjected(tx0)
	if !ok || err != nil {
		return nil, false
	}
	for i, v := range info.Votes {
		if v.BlockIdFlag == cmtproto.BlockIDFlagCommit && len(v.ExtensionSignature) > 0 {
			info.Votes[i].ExtensionSignature = slices.Clone(v.ExtensionSignature)
			info.Votes[i].ExtensionSignature[0] ^= 1
			out, err := abcitypes.EncodeInjected(info)
			return out, err == nil
		}
	}
	return nil, false
}
