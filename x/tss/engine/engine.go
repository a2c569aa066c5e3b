// Package engine is the off-chain TSS engine inside each validator: it runs
// tss-lib keygen and signing parties for the sessions the chain opens, seals
// point-to-point messages to their recipient, and hands everything to the
// vote extension. It never writes chain state; the chain accepts its output
// only through validated extensions. Nothing here is deterministic, and
// nothing here needs to be.
package engine

import (
	"context"
	"crypto/ecdh"
	"crypto/sha256"
	"slices"
	"sync"
	"time"

	"github.com/bnb-chain/tss-lib/v2/ecdsa/keygen"
	"github.com/cosmos/gogoproto/proto"

	"cosmossdk.io/log/v2"

	"github.com/litprotocol/litd/x/tss/keeper"
	"github.com/litprotocol/litd/x/tss/types"
)

// ResendAfterBlocks: an item not seen on chain this many blocks after it was
// sent (its vote missed the commit) is sent again. A protocol message or an
// Unconfirmed report then goes again every other block until a block carries
// it (messages) or its session closes, so proposers with a third of the power
// cannot keep leaving it out by proposing every third block; every other
// block, because a copy committed in block B is confirmed (Deliver) before
// ExtendVote(B+1), and a second copy would count as a replay. Other items go
// again every ResendAfterBlocks.
const ResendAfterBlocks = 3

// Snapshot is what the engine learns from state after each block.
type Snapshot struct {
	Height int64
	// Self is this node's validator operator address, "" if it is not one.
	Self    string
	EncKeys map[string][]byte
	// Operators maps the consensus address (raw bytes as a string) of every
	// party of an open session to its operator address, to name the author of
	// a precommit seen early (Early).
	Operators map[string]string
	Jobs      []keeper.Job
	// KeySets are the key sets whose shares must be kept (keeper.HeldKeySets);
	// the engine deletes its shares of any other up to LatestKeySetID, the
	// newest key set in state.
	KeySets        []types.KeySet
	LatestKeySetID uint64
}

// item is one entry waiting to go out in an extension.
type item struct {
	session uint64
	msg     *types.ProtocolMessage
	keygen  *types.KeygenResult
	sig     *types.SignatureResult
	blame   *types.Blame
	// unconfirmed reports a message taken early that no block committed.
	unconfirmed *types.Unconfirmed
	decrypt     *types.DecryptionShare
	size        int
	sentAt      int64 // 0 = never sent
	firstSent   int64
	hash        [32]byte
}

// Engine runs this validator's parties.
type Engine struct {
	log   log.Logger
	store store
	sched *scheduler
	enc   *ecdh.PrivateKey
	// encProof proves possession of enc for encProofFor (the validator it
	// was made for; a proof names its validator).
	encProof    []byte
	encProofFor string

	mu         sync.Mutex
	preParams  *keygen.LocalPreParams
	generating bool
	self       string
	encKeys    map[string][]byte
	firstSeen  int64
	// watermark is the highest height at which this validator joined a
	// session or saved a share, kept on disk: a node that replays older
	// blocks (its data was wiped or restored from an older snapshot) neither
	// joins their sessions again nor deletes shares while below it.
	watermark int64
	runs      map[uint64]*run
	outbox    []*item
	operators map[string]string
	// delivered is the height of the precommits whose committed tx 0 it
	// took last (Deliver).
	delivered int64
	// early holds the messages handed to parties from precommits (Early)
	// that no committed block has carried yet, by hash.
	early map[[32]byte]*earlyMsg
}

// New opens (creating if needed) the engine state under dir.
func New(dir string, logger log.Logger) (*Engine, error) {
	st, err := newStore(dir)
	if err != nil {
		return nil, err
	}
	enc, err := st.encKey()
	if err != nil {
		return nil, err
	}
	pre, err := st.preParams()
	if err != nil {
		return nil, err
	}
	watermark, err := st.watermark()
	if err != nil {
		return nil, err
	}
	registerMetrics()
	metricPreParamsReady.Set(boolGauge(pre != nil))
	return &Engine{
		log: logger.With("module", "tss-engine"), store: st, sched: newScheduler(cpuSlots()), enc: enc, preParams: pre, watermark: watermark,
		runs: map[uint64]*run{}, early: map[[32]byte]*earlyMsg{},
	}, nil
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// selfName is this validator's operator address ("" if none).
func (e *Engine) selfName() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.self
}

// PreParamsReady tells whether the Paillier pre-parameters exist.
func (e *Engine) PreParamsReady() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.preParams != nil
}

// generatePreParams makes the Paillier pre-parameters once, in the
// background (seconds to minutes), and caches them in the home.
func (e *Engine) generatePreParams() {
	e.log.Info("generating Paillier pre-parameters in the background; this validator joins DKG when they are ready")
	start := time.Now()
	p, err := keygen.GeneratePreParamsWithContext(context.Background())
	if err == nil {
		err = e.store.savePreParams(p)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.generating = false
	if err != nil {
		e.log.Error("pre-parameter generation failed; will retry", "err", err)
		return
	}
	e.preParams = p
	metricPreParamsReady.Set(1)
	e.log.Info("Paillier pre-parameters ready", "took", time.Since(start).String())
}

// ExtensionSection returns what is ready to report, within maxBytes. Before
// the pre-parameters exist it reports nothing (and starts making them), so
// the validator is not picked for DKG.
func (e *Engine) ExtensionSection(height int64, maxBytes int) *types.ExtensionSection {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.preParams == nil {
		if !e.generating {
			e.generating = true
			go e.generatePreParams()
		}
		return nil
	}
	sec := &types.ExtensionSection{}
	if e.self != "" {
		if e.encProofFor != e.self {
			proof, err := types.ProveEncKey(e.enc, e.self)
			if err != nil {
				e.log.Error("cannot sign the encryption key's proof of possession", "err", err)
				return nil
			}
			e.encProof, e.encProofFor = proof, e.self
		}
		sec.EncPubkey, sec.EncKeyProof = e.enc.PublicKey().Bytes(), e.encProof
	}
	budget := maxBytes - 64
	for _, it := range e.outbox {
		// Sent at this height already: this is a later consensus round of it,
		// and only one round's precommits are committed; send it again.
		wait := height-it.sentAt < ResendAfterBlocks
		if it.msg != nil || it.unconfirmed != nil {
			wait = height-it.firstSent < ResendAfterBlocks || height-it.sentAt < 2
		}
		if it.sentAt != 0 && it.sentAt != height && wait {
			continue
		}
		if it.size > budget || len(sec.Messages) >= keeper.MaxMessagesPerExtension || keeper.ResultCount(sec) >= keeper.MaxResultsPerExtension {
			continue
		}
		budget -= it.size
		it.sentAt = height
		if it.firstSent == 0 {
			it.firstSent = height
		}
		switch {
		case it.msg != nil:
			sec.Messages = append(sec.Messages, *it.msg)
		case it.keygen != nil:
			sec.KeygenResults = append(sec.KeygenResults, *it.keygen)
		case it.sig != nil:
			sec.SignatureResults = append(sec.SignatureResults, *it.sig)
		case it.blame != nil:
			sec.Blames = append(sec.Blames, *it.blame)
		case it.unconfirmed != nil:
			sec.Unconfirmed = append(sec.Unconfirmed, *it.unconfirmed)
		case it.decrypt != nil:
			sec.DecryptionShares = append(sec.DecryptionShares, *it.decrypt)
		}
	}
	return sec
}

func payloadHash(sessionID uint64, to string, payload []byte) [32]byte {
	h := sha256.New()
	h.Write(proto.EncodeVarint(sessionID))
	h.Write([]byte(to))
	h.Write([]byte{0})
	h.Write(payload)
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// enqueue adds an item for the next extensions; false if the session
// closed meanwhile.
func (e *Engine) enqueue(it *item) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.runs[it.session]; !ok {
		return false
	}
	e.outbox = append(e.outbox, it)
	return true
}

// noteRound records that r's party reached round n (keygen only, for the
// keygen_round gauge) while r still runs.
func (e *Engine) noteRound(r *run, n int) {
	if r.session.Type != types.SESSION_TYPE_KEYGEN {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.runs[r.session.Id] != r || n <= r.round {
		return
	}
	r.round = n
	e.setKeygenRound()
}

// setKeygenRound sets the keygen_round gauge to the furthest round of the
// keygen parties running (0 if none). Called with e.mu held.
func (e *Engine) setKeygenRound() {
	round := 0
	for _, r := range e.runs {
		if r.session.Type == types.SESSION_TYPE_KEYGEN {
			round = max(round, r.round)
		}
	}
	metricKeygenRound.Set(float64(round))
}

// Deliver takes the protocol messages the chain accepted in the block at
// height (from precommits at height-1): our own are confirmed (no resend),
// others' go to the party of their session.
func (e *Engine) Deliver(height int64, msgs []keeper.Delivered) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.delivered = height - 1
	for _, m := range msgs {
		if m.From == e.self {
			h := payloadHash(m.SessionID, m.To, m.Payload)
			for i, it := range e.outbox {
				if it.msg != nil && it.hash == h {
					e.outbox = append(e.outbox[:i], e.outbox[i+1:]...)
					break
				}
			}
			continue
		}
		if e.self == "" || (m.To != "" && m.To != e.self) {
			continue
		}
		e.confirmEarly(m)
		// A session is observed at the commit of the block that opens it, one
		// block before anyone's messages for it can arrive, so there is no
		// message for a party that should exist but does not.
		if r, ok := e.runs[m.SessionID]; ok {
			r.deliver(inMsg{Delivered: m, broadcast: m.To == ""})
		}
	}
}

// Observe reconciles running parties with the open sessions after a block.
func (e *Engine) Observe(s Snapshot) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.self, e.encKeys, e.operators = s.Self, s.EncKeys, s.Operators
	if e.firstSeen == 0 {
		e.firstSeen = max(s.Height, e.watermark+1)
	}
	open := map[uint64]bool{}
	// recorded are the decrypt sessions whose state already holds this
	// node's share: results have no delivery, so this is how their resending stops.
	recorded := map[uint64]bool{}
	byType := map[types.SessionType]int{types.SESSION_TYPE_KEYGEN: 0, types.SESSION_TYPE_SIGN: 0, types.SESSION_TYPE_RESHARE: 0, types.SESSION_TYPE_DECRYPT: 0}
	var joined int64 // the latest start height of a session joined now
	for _, j := range s.Jobs {
		open[j.Session.Id] = true
		byType[j.Session.Type]++
		if i := keeper.PartyIndex(j.Session, e.self); j.Session.Type == types.SESSION_TYPE_DECRYPT && i >= 0 && j.Session.Parties[i].Messages > 0 {
			recorded[j.Session.Id] = true
		}
		if _, running := e.runs[j.Session.Id]; running || e.self == "" || e.preParams == nil {
			continue
		}
		if keeper.PartyIndex(j.Session, e.self) < 0 {
			continue
		}
		// A session that began before this process saw the chain has history
		// we missed; joining it would only confuse the others. The chain
		// retries it without us.
		if j.Session.StartHeight < e.firstSeen {
			continue
		}
		r, err := e.startRun(j)
		if err != nil {
			e.log.Error("cannot start party", "session", j.Session.Id, "err", err)
			continue
		}
		e.runs[j.Session.Id] = r
		metricPartiesRunning.WithLabelValues(r.label).Inc()
		joined = max(joined, j.Session.StartHeight)
	}
	// One durable write for all the sessions joined after this block.
	e.raiseWatermark(joined)
	for id, r := range e.runs {
		if !open[id] {
			r.stop()
			delete(e.runs, id)
			metricPartiesRunning.WithLabelValues(r.label).Dec()
		}
	}
	for t, n := range byType {
		metricSessionsOpen.WithLabelValues(sessionLabel(t)).Set(float64(n))
	}
	e.setKeygenRound()
	kept := e.outbox[:0]
	for _, it := range e.outbox {
		if open[it.session] && (it.decrypt == nil || !recorded[it.session]) {
			kept = append(kept, it)
		}
	}
	e.outbox = kept
	e.expireEarly(s.Height)
	e.destroyRetiredShares(s)
}

// destroyRetiredShares deletes this validator's shares of key sets it no
// longer needs: retired by a reshare with no open session left on them, or
// made by an attempt it was dropped from. Called with e.mu held, after every
// block; a node that is not a validator, whose snapshot names no key set
// (state not loaded), or that replays blocks below its watermark deletes
// nothing, and no share of a key set newer than the state's is deleted.
func (e *Engine) destroyRetiredShares(s Snapshot) {
	if e.self == "" || len(s.KeySets) == 0 || s.Height <= e.watermark {
		return
	}
	ids, err := e.store.shareIDs()
	if err != nil {
		e.log.Error("cannot list key shares", "err", err)
		return
	}
	for _, id := range ids {
		// A share of a key set this state does not know yet is never deleted.
		keep := id > s.LatestKeySetID || slices.ContainsFunc(s.KeySets, func(ks types.KeySet) bool {
			return ks.Id == id && slices.Contains(ks.Participants, e.self)
		})
		if keep {
			continue
		}
		if err := e.store.deleteShare(id); err != nil {
			e.log.Error("cannot delete retired key share", "key_set", id, "err", err)
			continue
		}
		e.log.Info("deleted retired key share", "key_set", id)
	}
}

// raiseWatermark records durably that this validator took part at height h.
// Called with e.mu held.
func (e *Engine) raiseWatermark(h int64) {
	if h <= e.watermark {
		return
	}
	if err := e.store.saveWatermark(h); err != nil {
		e.log.Error("cannot save the engine's watermark", "err", err)
		return
	}
	e.watermark = h
}
