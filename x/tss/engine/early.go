package engine

import (
	"github.com/litprotocol/litd/x/tss/keeper"
	"github.com/litprotocol/litd/x/tss/types"
)

// Early hands this node's parties the protocol messages in a peer's
// precommit at height, as soon as this node's CometBFT has verified that
// precommit (vote and extension signatures, and that the address is the
// validator's at its index). That is one block before the committed tx 0
// delivers the same messages: a party answers in the very next extension, so
// a protocol round costs one block instead of two.
//
// It changes nothing on chain. The chain counts and judges a message only
// from committed tx 0 (Deliver); here the message only reaches a party, which
// drops it when the committed copy arrives (pumpIn's dedup). A message seen
// here whose vote never reaches a committed block is simply sent again by its
// author (ResendAfterBlocks), since the author's own copy is confirmed only
// from tx 0. Its author is authenticated, so what it sends here may be blamed
// on it exactly as if it came from tx 0.
func (e *Engine) Early(consAddr []byte, height int64, sec *types.ExtensionSection) {
	if sec == nil || len(sec.Messages) == 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	from, ok := e.operators[string(consAddr)]
	if !ok || e.self == "" || from == e.self {
		return
	}
	for _, m := range sec.Messages {
		if m.To != "" && m.To != e.self {
			continue
		}
		r, ok := e.runs[m.SessionId]
		if !ok || keeper.PartyIndex(r.session, from) < 0 {
			continue
		}
		h := payloadHash(m.SessionId, from+"\x00"+m.To, m.Payload)
		if _, dup := e.early[h]; dup {
			continue
		}
		e.early[h] = height
		metricMessagesEarly.WithLabelValues(r.label).Inc()
		r.deliver(inMsg{Delivered: keeper.Delivered{SessionID: m.SessionId, From: from, To: m.To, Payload: m.Payload}, broadcast: m.To == ""})
	}
}

// confirmEarly notes that a committed block carried a message first seen
// early. Called with e.mu held.
func (e *Engine) confirmEarly(m keeper.Delivered) {
	delete(e.early, payloadHash(m.SessionID, m.From+"\x00"+m.To, m.Payload))
}

// expireEarly counts the messages seen early in precommits of heights below
// the block just committed that this block did not carry (their vote missed
// the commit, or the proposer left it out), and forgets them. Called with
// e.mu held, after each block.
func (e *Engine) expireEarly(height int64) {
	for h, seen := range e.early {
		if seen < height {
			metricMessagesEarlyUncommitted.Inc()
			delete(e.early, h)
		}
	}
}
