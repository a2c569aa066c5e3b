package engine

import (
	"github.com/litprotocol/litd/x/tss/keeper"
	"github.com/litprotocol/litd/x/tss/types"
)

// UnconfirmedAfterBlocks: a message taken early that no block committed this
// many blocks after its precommit is reported (types.Unconfirmed). An honest
// author's message that missed the commit is sent again after
// ResendAfterBlocks, so this leaves room for two misses.
const UnconfirmedAfterBlocks = 10

// earlyCutoff: no message is taken early this close to a session's deadline,
// so a report about it reaches the chain before the session is judged: the
// report goes out in the next extension and is committed in the block after,
// and a report whose vote misses the commit twice is sent again each time
// after ResendAfterBlocks.
const earlyCutoff = UnconfirmedAfterBlocks + 2 + 2*ResendAfterBlocks

// earlyMsg is a message handed to a party before a block committed it.
type earlyMsg struct {
	height  int64 // of the precommit that carried it
	session uint64
	from    string
	counted bool // in messages_early_uncommitted_total
}

// Early hands this node's sign parties the protocol messages in a peer's
// precommit at height, as soon as this node's CometBFT has verified that
// precommit (vote and extension signatures, and that the address is the
// validator's at its index). That is one block before the committed tx 0
// delivers the same messages: a party answers in the very next extension, so
// a protocol round costs one block instead of two.
//
// It changes nothing on chain: the chain counts and judges a message only
// from committed tx 0 (Deliver), and the party drops the committed copy of a
// message it already has (pumpIn's dedup). An honest author whose precommit
// missed the commit sends the message again (ResendAfterBlocks).
//
// But a precommit's extension is not agreed on: a validator can give peers
// different extensions for the same vote (CometBFT keeps the first it sees),
// so parties that take messages early may see different sessions. Hence
// only sign sessions take them: a split view there costs a retry, which the
// chain handles (x/tss README, "Message path and timing"), while keygen and
// reshare decide key material and committees and wait for committed blocks.
// A message taken early that no block commits within UnconfirmedAfterBlocks
// is reported (types.Unconfirmed), which tells the chain that the session's
// views may have split.
func (e *Engine) Early(consAddr []byte, height int64, sec *types.ExtensionSection) {
	if sec == nil || len(sec.Messages) == 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	from, ok := e.operators[string(consAddr)]
	// A committed tx 0 already carried precommits of this height, if at all
	// (Deliver): taking one now would leave an entry nothing confirms.
	if !ok || e.self == "" || from == e.self || height <= e.delivered {
		return
	}
	for _, m := range sec.Messages {
		if m.To != "" && m.To != e.self {
			continue
		}
		r, ok := e.runs[m.SessionId]
		if !ok || r.session.Type != types.SESSION_TYPE_SIGN || height > r.session.DeadlineHeight-earlyCutoff ||
			keeper.PartyIndex(r.session, from) < 0 {
			continue
		}
		d := keeper.Delivered{SessionID: m.SessionId, From: from, To: m.To, Payload: m.Payload}
		h := inboundHash(d)
		if _, dup := e.early[h]; dup {
			continue
		}
		e.early[h] = &earlyMsg{height: height, session: m.SessionId, from: from}
		metricMessagesEarly.WithLabelValues(r.label).Inc()
		r.deliver(inMsg{Delivered: d, broadcast: m.To == ""})
	}
}

// confirmEarly notes that a committed block carried a message first seen
// early. Called with e.mu held.
func (e *Engine) confirmEarly(m keeper.Delivered) {
	delete(e.early, inboundHash(m))
}

// inboundHash identifies a message from another validator by session,
// sender, recipient and payload: the same message taken early and delivered
// from tx 0 has the same hash. The sender is part of it because tss-lib's
// acknowledgements are byte-identical whoever sends them.
func inboundHash(m keeper.Delivered) [32]byte {
	return payloadHash(m.SessionID, m.From+"\x00"+m.To, m.Payload)
}

// expireEarly runs after the block at height: it counts the messages taken
// early from precommits below height that this block did not carry, and
// reports those that no block committed within UnconfirmedAfterBlocks (once
// per session and sender). Called with e.mu held.
func (e *Engine) expireEarly(height int64) {
	for h, m := range e.early {
		if !m.counted && m.height < height {
			metricMessagesEarlyUncommitted.Inc()
			m.counted = true
		}
		r, open := e.runs[m.session]
		switch {
		case !open:
			delete(e.early, h)
		case m.height <= height-UnconfirmedAfterBlocks:
			delete(e.early, h)
			r.reportUnconfirmed(m.from)
		}
	}
}

// reportUnconfirmed queues, once per sender, the report that a message from
// it was taken early and never committed. Called with e.mu held.
func (r *run) reportUnconfirmed(from string) {
	if r.unconfirmed[from] {
		return
	}
	r.unconfirmed[from] = true
	u := &types.Unconfirmed{SessionId: r.session.Id, Validator: from}
	r.e.log.Error("a message taken early from a precommit was never committed: the sender gave peers different vote extensions, "+
		"or its votes keep missing the commit", "session", r.session.Id, "from", from)
	metricUnconfirmedReports.Inc()
	r.e.outbox = append(r.e.outbox, &item{session: r.session.Id, unconfirmed: u, size: u.Size() + 8})
}
