package keeper

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/tss/types"
)

// Bounds on one extension section; a section over them is invalid.
const (
	MaxMessagesPerExtension = 512
	MaxResultsPerExtension  = 64
	MaxCulpritsPerBlame     = 16
)

// Delivered is a protocol message the chain accepted, for the local engine.
type Delivered struct {
	SessionID uint64
	From      string
	To        string // empty for a broadcast
	Payload   []byte
}

// ValidateSection checks what can be checked without state; VerifyVoteExtension
// and the proposal handlers call it, so it must be cheap and deterministic.
func ValidateSection(s *types.ExtensionSection) error {
	if s == nil {
		return nil
	}
	if len(s.EncPubkey) != 0 && (len(s.EncPubkey) != types.EncKeyLen || len(s.EncKeyProof) == 0) {
		return errors.New("enc_pubkey must be 65 bytes, with a proof of possession")
	}
	if len(s.EncKeyProof) > types.MaxEncKeyProofLen {
		return errors.New("enc_key_proof too long")
	}
	if len(s.Messages) > MaxMessagesPerExtension || ResultCount(s) > MaxResultsPerExtension {
		return errors.New("too many entries")
	}
	for _, d := range s.DecryptionShares {
		if d.SessionId == 0 || len(d.Sealed) == 0 || len(d.Sealed) > types.MaxSealedShareLen {
			return fmt.Errorf("decryption share without session, or sealed share not in [1, %d] bytes", types.MaxSealedShareLen)
		}
	}
	for _, u := range s.Unconfirmed {
		if u.SessionId == 0 || u.Validator == "" {
			return errors.New("unconfirmed report without session or validator")
		}
	}
	for _, b := range s.Blames {
		if b.SessionId == 0 || len(b.Culprits) == 0 || len(b.Culprits) > MaxCulpritsPerBlame {
			return errors.New("blame without session, or without or with too many culprits")
		}
	}
	for _, m := range s.Messages {
		if m.SessionId == 0 || len(m.Payload) == 0 {
			return errors.New("message without session or payload")
		}
	}
	return nil
}

// ResultCount is how many entries of a section count against
// MaxResultsPerExtension: everything but the protocol messages.
func ResultCount(s *types.ExtensionSection) int {
	return len(s.KeygenResults) + len(s.SignatureResults) + len(s.Blames) + len(s.Unconfirmed) + len(s.DecryptionShares)
}

// ApplySection applies one validator's section deterministically: it
// registers the encryption key, counts each party's messages, records keygen
// results (activating the key set when all parties agree) and accepts a
// signature once it verifies against the PKP key. Entries that do not fit
// state (unknown or closed session, author not a party) are skipped; a
// party's entry that breaks the session's rules (replayed, misaddressed,
// invalid or changed result) is pruned and recorded as its fault. It
// returns the messages for the local engine.
func (k Keeper) ApplySection(ctx context.Context, author sdk.ValAddress, sec *types.ExtensionSection) ([]Delivered, error) {
	if sec == nil {
		return nil, nil
	}
	authorStr, err := sdk.Bech32ifyAddressBytes(sdk.GetConfig().GetBech32ValidatorAddrPrefix(), author)
	if err != nil {
		return nil, err
	}
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	// A key is registered only with its author's proof of possession (so
	// nobody registers another validator's key as its own) and only if it is
	// a P-256 point; it is checked only when it changes.
	if len(sec.EncPubkey) > 0 {
		cur, err := k.EncKeys.Get(ctx, author)
		if err != nil && !errors.Is(err, collections.ErrNotFound) {
			return nil, err
		}
		if (err != nil || !slices.Equal(cur.Pubkey, sec.EncPubkey)) && types.VerifyEncKey(authorStr, sec.EncPubkey, sec.EncKeyProof) == nil {
			if err := k.EncKeys.Set(ctx, author, types.ValidatorEncKey{Validator: authorStr, Pubkey: sec.EncPubkey, Height: h}); err != nil {
				return nil, err
			}
			if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventEncKeyRegistered{Validator: authorStr}); err != nil {
				return nil, err
			}
		}
	}

	var delivered []Delivered
	for _, m := range sec.Messages {
		s, err := k.openSession(ctx, m.SessionId)
		if err != nil {
			return nil, err
		}
		if s == nil {
			continue // late for a closed session, or unknown: nothing to record it in
		}
		i := PartyIndex(*s, authorStr)
		if i < 0 {
			continue
		}
		reason, err := k.checkMessage(ctx, *s, authorStr, m)
		if err != nil {
			return nil, err
		}
		if reason != "" {
			if err := k.recordFault(ctx, s, i, reason); err != nil {
				return nil, err
			}
			continue
		}
		s.Parties[i].Messages++
		if err := k.Sessions.Set(ctx, s.Id, *s); err != nil {
			return nil, err
		}
		delivered = append(delivered, Delivered{SessionID: s.Id, From: authorStr, To: m.To, Payload: m.Payload})
	}
	for _, r := range sec.KeygenResults {
		s, err := k.openSession(ctx, r.SessionId)
		if err != nil {
			return nil, err
		}
		if s == nil || protocols[s.Type].keyReport == nil {
			continue
		}
		if err := protocols[s.Type].keyReport(k, ctx, s, authorStr, r); err != nil {
			return nil, err
		}
	}
	for _, r := range sec.SignatureResults {
		if err := k.applySignatureResult(ctx, authorStr, r); err != nil {
			return nil, err
		}
	}
	for _, b := range sec.Blames {
		if err := k.applyBlame(ctx, authorStr, b); err != nil {
			return nil, err
		}
	}
	for _, u := range sec.Unconfirmed {
		if err := k.applyUnconfirmed(ctx, authorStr, u); err != nil {
			return nil, err
		}
	}
	for _, d := range sec.DecryptionShares {
		if err := k.applyDecryptionShare(ctx, authorStr, d); err != nil {
			return nil, err
		}
	}
	return delivered, nil
}

// applyUnconfirmed records author's report that another party of an open
// session whose messages engines take early (sign) sent it a message early
// that no block committed (see splitParties). Each pair is recorded once; a
// report about a non-party, itself, or another protocol's session is ignored.
func (k Keeper) applyUnconfirmed(ctx context.Context, author string, u types.Unconfirmed) error {
	s, err := k.openSession(ctx, u.SessionId)
	if err != nil || s == nil || !protocols[s.Type].early {
		return err
	}
	i := PartyIndex(*s, author)
	if i < 0 || u.Validator == author || PartyIndex(*s, u.Validator) < 0 || slices.Contains(s.Parties[i].Unconfirmed, u.Validator) {
		return nil
	}
	s.Parties[i].Unconfirmed = append(s.Parties[i].Unconfirmed, u.Validator)
	return k.Sessions.Set(ctx, s.Id, *s)
}

// applyBlame records that author's engine named culprits in a session. A
// culprit is recorded as faulty ("blamed by N of M parties") and counted
// against its fault window once the accusers reach the blame quorum: more
// than a third of the session's parties and more than f = ⌊(N−1)/3⌋ of the
// key set's committee of N, so the validators a third of the committee may
// hold cannot get an honest party blamed, even in a small session; a retry
// leaves it out. In a sign session (messages taken early) the quorum is
// judged when the session expires, and only if its views did not split.
// Names that are not other parties of the session are ignored, each accuser
// counts once.
func (k Keeper) applyBlame(ctx context.Context, author string, b types.Blame) error {
	s, err := k.openSession(ctx, b.SessionId)
	if err != nil || s == nil || PartyIndex(*s, author) < 0 || protocols[s.Type].oneShot {
		return err
	}
	quorum, err := k.blameQuorum(ctx, *s)
	if err != nil {
		return err
	}
	changed := false
	for _, c := range b.Culprits {
		i := PartyIndex(*s, c)
		if i < 0 || c == author || slices.Contains(s.Parties[i].BlamedBy, author) {
			continue
		}
		p := &s.Parties[i]
		p.BlamedBy = append(p.BlamedBy, author)
		changed = true
		if len(p.BlamedBy) != quorum || protocols[s.Type].early {
			continue // not yet at the quorum, already past it, or judged at expiry
		}
		if err := noteFault(ctx, s, i, blameReason(*s, *p)); err != nil {
			return err
		}
		if err := k.notePenalty(ctx, c); err != nil {
			return err
		}
	}
	if !changed {
		return nil
	}
	return k.Sessions.Set(ctx, s.Id, *s)
}

// blameReason is the fault recorded for a party blamed by the quorum.
func blameReason(s types.Session, p types.Party) string {
	return fmt.Sprintf("blamed by %d of %d parties (tss-lib)", len(p.BlamedBy), len(s.Parties))
}

// blameQuorum is how many accusers make a culprit faulty in s (see applyBlame).
func (k Keeper) blameQuorum(ctx context.Context, s types.Session) (int, error) {
	ks, err := k.KeySets.Get(ctx, s.KeySetId)
	if err != nil {
		return 0, err
	}
	return max(len(s.Parties)/3, (len(ks.Participants)-1)/3) + 1, nil
}

// checkMessage returns why a party's message must be pruned, or "" to accept
// it (and remember it, so the same message again is a replay).
func (k Keeper) checkMessage(ctx context.Context, s types.Session, author string, m types.ProtocolMessage) (string, error) {
	switch {
	case protocols[s.Type].oneShot:
		return "protocol message in a session that has none", nil
	case m.To == author:
		return "message addressed to itself", nil
	case m.To != "" && PartyIndex(s, m.To) < 0:
		return "message addressed to a non-party", nil
	}
	key := collections.Join(s.Id, messageDigest(author, m))
	seen, err := k.SeenMessages.Has(ctx, key)
	if err != nil || seen {
		return "replayed message", err
	}
	return "", k.SeenMessages.Set(ctx, key)
}

func messageDigest(author string, m types.ProtocolMessage) []byte {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(author), []byte(m.To), m.Payload} {
		h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(part))))
		h.Write(part)
	}
	return h.Sum(nil)
}

// recordFault counts a pruned entry against party i of s and stores s.
func (k Keeper) recordFault(ctx context.Context, s *types.Session, i int, reason string) error {
	if err := noteFault(ctx, s, i, reason); err != nil {
		return err
	}
	return k.Sessions.Set(ctx, s.Id, *s)
}

// noteFault counts a fault against party i of s without storing s (the
// caller does); the first fault of a party in a session emits
// EventPartyFaulty.
func noteFault(ctx context.Context, s *types.Session, i int, reason string) error {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	p := &s.Parties[i]
	p.Faults++
	p.LastFault = fmt.Sprintf("%s (height %d)", reason, sdkCtx.BlockHeight())
	if p.Faults > 1 {
		return nil
	}
	return sdkCtx.EventManager().EmitTypedEvent(&types.EventPartyFaulty{SessionId: s.Id, Validator: p.Validator, Reason: reason})
}

// firstResult tells whether result is party i's first report in s. The same
// report again is normal (engines resend until the session closes); a
// different one is pruned and recorded ("changed keygen result").
func (k Keeper) firstResult(ctx context.Context, s *types.Session, i int, result string) (bool, error) {
	switch s.Parties[i].Result {
	case "":
		return true, nil
	case result:
		return false, nil
	default:
		return false, k.recordFault(ctx, s, i, "changed keygen result")
	}
}

// openSession loads a session if it is open, else nil.
func (k Keeper) openSession(ctx context.Context, id uint64) (*types.Session, error) {
	open, err := k.OpenSessions.Has(ctx, id)
	if err != nil || !open {
		return nil, err
	}
	s, err := k.Sessions.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return &s, nil
}
