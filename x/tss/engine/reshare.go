package engine

import (
	"fmt"
	"slices"
	"time"

	"github.com/bnb-chain/tss-lib/v2/ecdsa/keygen"
	"github.com/bnb-chain/tss-lib/v2/ecdsa/resharing"
	"github.com/bnb-chain/tss-lib/v2/tss"

	"github.com/litprotocol/litd/x/tss/keeper"
)

// Reshare payloads start with one routing byte, since a validator can be on
// both sides and tss-lib needs to know which side sent a message and which it
// is for. A sender can only mislabel its own messages.
const (
	fromNewSide byte = 1 << iota
	toOldSide
	toNewSide
)

// startReshare starts this node's parties of a reshare session: on the old
// side with its share of the old key set, on the new side with a blank share
// and its pre-parameters. Called with e.mu held.
func (e *Engine) startReshare(r *run, _ keeper.Job) error {
	s := r.session
	oldIDs, oldBy, err := partyIDs(s.OldCommittee, s.KeySetId)
	if err != nil {
		return err
	}
	newIDs, newBy, err := partyIDs(s.NewCommittee, s.NewKeySetId)
	if err != nil {
		return err
	}
	r.oldBy, r.newBy = oldBy, newBy
	oldCtx, newCtx := tss.NewPeerContext(oldIDs), tss.NewPeerContext(newIDs)
	params := func(self *tss.PartyID) *tss.ReSharingParameters {
		return tss.NewReSharingParameters(tss.S256(), oldCtx, newCtx, self, len(oldIDs), int(s.Threshold), len(newIDs), int(s.NewThreshold))
	}
	out := make(chan tss.Message, 256)
	if slices.Contains(s.OldCommittee, e.self) {
		// A fresh copy from disk: resharing zeroes the old share in place.
		share, err := e.store.share(s.KeySetId)
		if err != nil {
			return fmt.Errorf("no key share for key set %d: %w", s.KeySetId, err)
		}
		end := make(chan *keygen.LocalPartySaveData, 1)
		r.oldID = oldBy[e.self]
		r.old = resharing.NewLocalParty(params(r.oldID), *share, out, end)
		go func() {
			select {
			case <-r.quit:
			case <-end:
				e.log.Info("reshare: old side done", "session", s.Id, "key_set", s.KeySetId)
			}
		}()
	}
	if slices.Contains(s.NewCommittee, e.self) {
		blank := keygen.NewLocalPartySaveData(len(newIDs))
		blank.LocalPreParams = *e.preParams
		end := make(chan *keygen.LocalPartySaveData, 1)
		r.newID = newBy[e.self]
		r.neu = resharing.NewLocalParty(params(r.newID), blank, out, end)
		go func() {
			select {
			case <-r.quit:
			case data := <-end:
				if r.persistAndReport(s.NewKeySetId, s.NewCommittee, data) {
					metricReshareSeconds.Observe(time.Since(r.started).Seconds())
				}
			}
		}()
	}
	go r.pumpOut(out)
	go r.pumpIn()
	// The new side waits for the old side's first round; start it first.
	for _, p := range []tss.Party{r.neu, r.old} {
		if p == nil {
			continue
		}
		go r.start(p)
	}
	e.log.Info("joined reshare", "session", s.Id, "old_side", r.old != nil, "new_side", r.neu != nil,
		"from_key_set", s.KeySetId, "to_key_set", s.NewKeySetId)
	return nil
}

// sendReshare routes one outgoing reshare message: to this node's other side
// directly, to every other recipient through the chain (broadcast once, or
// sealed to each recipient).
func (r *run) sendReshare(wire []byte, routing *tss.MessageRouting) {
	fromNew := r.newID != nil && routing.From.KeyInt().Cmp(r.newID.KeyInt()) == 0
	flags := toNewSide
	switch {
	case routing.IsToOldAndNewCommittees:
		flags = toOldSide | toNewSide
	case routing.IsToOldCommittee:
		flags = toOldSide
	}
	other, otherID := r.neu, r.newID
	if fromNew {
		flags |= fromNewSide
		other, otherID = r.old, r.oldID
	}
	framed := append([]byte{flags}, wire...)
	toSelf := func(id *tss.PartyID) bool { return otherID != nil && id.KeyInt().Cmp(otherID.KeyInt()) == 0 }
	if other != nil && slices.ContainsFunc(routing.To, toSelf) {
		r.e.mu.Lock()
		self := r.e.self
		r.deliver(inMsg{Delivered: keeper.Delivered{SessionID: r.session.Id, From: self, Payload: framed}, local: other, broadcast: routing.IsBroadcast})
		r.e.mu.Unlock()
	}
	if routing.IsBroadcast {
		r.enqueueMsg("", framed)
		return
	}
	for _, to := range routing.To {
		if !toSelf(to) {
			r.sealAndEnqueue(to.Id, framed)
		}
	}
}

// updateReshare hands an incoming reshare message to the party (or parties)
// of this node it is for.
func (r *run) updateReshare(m inMsg, payload []byte) {
	if len(payload) < 2 {
		metricMessagesRejected.WithLabelValues(r.label, "party").Inc()
		r.blame(m.From)
		return
	}
	flags, wire := payload[0], payload[1:]
	by := r.oldBy
	if flags&fromNewSide != 0 {
		by = r.newBy
	}
	from, ok := by[m.From]
	if !ok {
		// It claims a side it is not on.
		metricMessagesRejected.WithLabelValues(r.label, "party").Inc()
		r.blame(m.From)
		return
	}
	var targets []tss.Party
	switch {
	case m.local != nil:
		targets = []tss.Party{m.local}
	default:
		if flags&toOldSide != 0 && r.old != nil {
			targets = append(targets, r.old)
		}
		if flags&toNewSide != 0 && r.neu != nil {
			targets = append(targets, r.neu)
		}
	}
	for _, p := range targets {
		r.update(p, wire, from, m.broadcast, m.From)
	}
}
