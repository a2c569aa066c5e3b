package engine

import (
	"crypto/ecdh"
	"crypto/hpke"
	"crypto/sha256"
	"fmt"
	"math/big"
	"slices"
	"sync"
	"time"

	"github.com/bnb-chain/tss-lib/v2/crypto"
	"github.com/bnb-chain/tss-lib/v2/ecdsa/keygen"
	"github.com/bnb-chain/tss-lib/v2/tss"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/tss/keeper"
	"github.com/litprotocol/litd/x/tss/tdh"
	"github.com/litprotocol/litd/x/tss/types"
)

// run is this node's part in one session: one tss-lib party, or for a
// reshare one on each side it belongs to.
type run struct {
	e       *Engine
	session types.Session
	party   tss.Party
	ids     tss.SortedPartyIDs
	byAddr  map[string]*tss.PartyID
	// Reshare sessions: this node's party on the old and on the new side (nil
	// where it is not on that side), its ids there, and every party's ids.
	old, neu     tss.Party
	oldID, newID *tss.PartyID
	oldBy, newBy map[string]*tss.PartyID
	quit         chan struct{}
	once         sync.Once
	inbox        chan inMsg
	seen         map[[32]byte]bool
	// started is when this node first saw the session (sign latency).
	started time.Time
	// label is the session type for metrics; round is the furthest tss-lib
	// round the party sent messages for (keygen; guarded by e.mu).
	label string
	round int
	// blamed are the culprits this run already reported (pumpIn only).
	blamed []string
	// unconfirmed are the senders already reported for a message taken
	// early that no block committed (guarded by e.mu).
	unconfirmed map[string]bool
	// slots holds the digest of the first message each sender sent each of
	// this run's parties per tss-lib message type and kind (pumpIn only).
	slots map[string][32]byte
}

// inMsg is a message for this run's parties: from the chain, or from this
// node's other side of a reshare (local names the one party it is for).
type inMsg struct {
	keeper.Delivered
	local     tss.Party
	broadcast bool
}

// partyIDs maps operator addresses to tss-lib party ids whose key is
// keySet·2^160 + the 20 address bytes: every validator derives the same
// ordering, and a validator on both sides of a reshare (old key set, new key
// set) has two distinct ids, as tss-lib requires. The key is the Shamir
// x-coordinate stored in the share (Ks), so signing uses the same ids.
func partyIDs(validators []string, keySet uint64) (tss.SortedPartyIDs, map[string]*tss.PartyID, error) {
	var ids tss.UnSortedPartyIDs
	byAddr := map[string]*tss.PartyID{}
	for _, v := range validators {
		bz, err := sdk.ValAddressFromBech32(v)
		if err != nil {
			return nil, nil, err
		}
		x, err := tdh.XCoord(keySet, bz)
		if err != nil {
			return nil, nil, err
		}
		key := x.Bytes()
		id := tss.NewPartyID(v, v, new(big.Int).SetBytes(key[:]))
		ids = append(ids, id)
		byAddr[v] = id
	}
	return tss.SortPartyIDs(ids), byAddr, nil
}

// starters start this node's part in a session of each type: one function
// per protocol, in its own file (keygen.go, sign.go, reshare.go,
// decrypt.go). A starter
// builds r's parties, starts the pumps and the parties. Called with e.mu held.
var starters = map[types.SessionType]func(e *Engine, r *run, j keeper.Job) error{
	types.SESSION_TYPE_KEYGEN:  (*Engine).startKeygen,
	types.SESSION_TYPE_SIGN:    (*Engine).startSign,
	types.SESSION_TYPE_RESHARE: (*Engine).startReshare,
	types.SESSION_TYPE_DECRYPT: (*Engine).startDecrypt,
}

// startRun creates and starts this node's part in a job. Called with e.mu held.
func (e *Engine) startRun(j keeper.Job) (*run, error) {
	start, ok := starters[j.Session.Type]
	if !ok {
		return nil, fmt.Errorf("unknown session type %s", j.Session.Type)
	}
	r := &run{
		e: e, session: j.Session,
		quit: make(chan struct{}), inbox: make(chan inMsg, 4096), seen: map[[32]byte]bool{}, unconfirmed: map[string]bool{},
		slots:   map[string][32]byte{},
		started: time.Now(), label: sessionLabel(j.Session.Type),
	}
	if err := start(e, r, j); err != nil {
		return nil, err
	}
	return r, nil
}

// startSingle wires and starts a keygen or sign run's one party: its ids and
// parameters, made by newParty, then the pumps and the party.
func (e *Engine) startSingle(r *run, newParty func(params *tss.Parameters, out chan<- tss.Message) (tss.Party, error)) error {
	ids, byAddr, err := partyIDs(r.session.PartyValidators(), r.session.KeySetId)
	if err != nil {
		return err
	}
	r.ids, r.byAddr = ids, byAddr
	params := tss.NewParameters(tss.S256(), tss.NewPeerContext(ids), byAddr[e.self], len(ids), int(r.session.Threshold))
	out := make(chan tss.Message, 256)
	if r.party, err = newParty(params, out); err != nil {
		return err
	}
	go r.pumpOut(out)
	go r.pumpIn()
	go r.start(r.party)
	e.log.Info("joined session", "session", r.session.Id, "type", r.session.Type.String(), "parties", len(ids))
	return nil
}

func (r *run) stop() { r.once.Do(func() { close(r.quit) }) }

// start runs party p's first round in the session's turn (scheduler).
func (r *run) start(p tss.Party) {
	r.e.sched.do(r.session.Id, r.quit, func() {
		if err := p.Start(); err != nil {
			r.e.log.Error("party start failed", "session", r.session.Id, "type", r.label, "err", err)
		}
	})
}

// deliver queues a message for the party; called with e.mu held.
func (r *run) deliver(m inMsg) {
	select {
	case r.inbox <- m:
	default:
		r.e.log.Error("party inbox full; dropping message", "session", r.session.Id)
	}
}

// sealInfo binds a sealed message to its session and both parties.
func sealInfo(session uint64, from, to string) []byte {
	return fmt.Appendf(nil, "litd/tss/v1|%d|%s|%s", session, from, to)
}

func (r *run) pumpIn() {
	for {
		select {
		case <-r.quit:
			return
		case m := <-r.inbox:
			h := inboundHash(m.Delivered)
			if r.seen[h] {
				continue
			}
			r.seen[h] = true
			from, ok := r.byAddr[m.From]
			if !ok && r.session.Type != types.SESSION_TYPE_RESHARE {
				continue
			}
			metricMessagesIn.WithLabelValues(r.label).Inc()
			payload := m.Payload
			if m.To != "" && m.local == nil {
				priv, err := hpke.NewDHKEMPrivateKey(r.e.enc)
				if err == nil {
					payload, err = hpke.Open(priv, hpke.HKDFSHA256(), hpke.ChaCha20Poly1305(), sealInfo(m.SessionID, m.From, m.To), m.Payload)
				}
				if err != nil {
					metricMessagesRejected.WithLabelValues(r.label, "open").Inc()
					r.e.log.Error("cannot open sealed message", "session", m.SessionID, "from", m.From, "err", err)
					r.blame(m.From) // the chain authenticated its sender
					continue
				}
			}
			if r.session.Type == types.SESSION_TYPE_RESHARE {
				r.updateReshare(m, payload)
				continue
			}
			r.update(r.party, payload, from, m.To == "", m.From)
		}
	}
}

// rejected counts and logs a message a party refused, and reports the
// culprits tss-lib named (once per culprit and session) for the chain's blame.
func (r *run) rejected(from string, err *tss.Error) {
	metricMessagesRejected.WithLabelValues(r.label, "party").Inc()
	r.e.log.Error("party rejected message", "session", r.session.Id, "type", r.label, "from", from, "err", err)
	var culprits []string
	for _, c := range err.Culprits() {
		if c != nil {
			culprits = append(culprits, c.Id)
		}
	}
	r.blame(culprits...)
}

// update hands one message from sender (party id from) to party p. Bytes
// that are not a tss-lib message are the chain-authenticated sender's fault:
// it is blamed, so junk cannot pad its message count unnoticed.
func (r *run) update(p tss.Party, wire []byte, from *tss.PartyID, broadcast bool, sender string) {
	msg, err := tss.ParseWireMessage(wire, from, broadcast)
	if err != nil {
		metricMessagesRejected.WithLabelValues(r.label, "party").Inc()
		r.e.log.Error("not a tss-lib message", "session", r.session.Id, "type", r.label, "from", sender, "err", err)
		r.blame(sender)
		return
	}
	// tss-lib keeps the last message a sender sent per round, so a sender
	// that sends two different ones could have parties compute with
	// different values. Only the first counts; a second, different one is
	// the sender's fault, and every party that sees both blames it.
	slot := fmt.Sprintf("%s|%s|%s|%t", p.PartyID().KeyInt(), sender, msg.Type(), broadcast)
	digest := sha256.Sum256(wire)
	if first, ok := r.slots[slot]; ok {
		if first != digest {
			metricMessagesRejected.WithLabelValues(r.label, "party").Inc()
			r.e.log.Error("a second, different message for the same round", "session", r.session.Id, "type", msg.Type(), "from", sender)
			r.blame(sender)
		}
		return
	}
	r.slots[slot] = digest
	// A message that completes a round makes Update compute the next one.
	r.e.sched.do(r.session.Id, r.quit, func() {
		if _, err := p.Update(msg); err != nil {
			r.rejected(sender, err)
		}
	})
}

// blame reports culprits (other parties, once each per session) in this
// node's extensions; the chain counts them once enough parties agree.
func (r *run) blame(culprits ...string) {
	self := r.e.selfName()
	var fresh []string
	for _, c := range culprits {
		if c != self && !slices.Contains(r.blamed, c) && !slices.Contains(fresh, c) {
			fresh = append(fresh, c)
		}
	}
	if len(fresh) == 0 || len(fresh) > keeper.MaxCulpritsPerBlame {
		return
	}
	r.blamed = append(r.blamed, fresh...)
	b := &types.Blame{SessionId: r.session.Id, Culprits: fresh}
	r.e.enqueue(&item{session: r.session.Id, blame: b, size: b.Size() + 8})
}

func (r *run) pumpOut(out <-chan tss.Message) {
	for {
		select {
		case <-r.quit:
			return
		case msg := <-out:
			wire, routing, err := msg.WireBytes()
			if err != nil {
				r.e.log.Error("cannot encode message", "session", r.session.Id, "err", err)
				continue
			}
			r.e.noteRound(r, messageRound(msg.Type()))
			if r.session.Type == types.SESSION_TYPE_RESHARE {
				r.sendReshare(wire, routing)
				continue
			}
			if routing.IsBroadcast || len(routing.To) == 0 {
				r.enqueueMsg("", wire)
				continue
			}
			for _, to := range routing.To {
				r.sealAndEnqueue(to.Id, wire)
			}
		}
	}
}

func (r *run) sealAndEnqueue(to string, wire []byte) {
	r.e.mu.Lock()
	key := r.e.encKeys[to]
	from := r.e.self
	r.e.mu.Unlock()
	pub, err := ecdh.P256().NewPublicKey(key)
	if err != nil {
		r.e.log.Error("recipient has no encryption key", "session", r.session.Id, "to", to)
		return
	}
	hpub, err := hpke.NewDHKEMPublicKey(pub)
	if err != nil {
		r.e.log.Error("bad recipient key", "to", to, "err", err)
		return
	}
	sealed, err := hpke.Seal(hpub, hpke.HKDFSHA256(), hpke.ChaCha20Poly1305(), sealInfo(r.session.Id, from, to), wire)
	if err != nil {
		r.e.log.Error("seal failed", "to", to, "err", err)
		return
	}
	r.enqueueMsg(to, sealed)
}

func (r *run) enqueueMsg(to string, payload []byte) {
	m := &types.ProtocolMessage{SessionId: r.session.Id, To: to, Payload: payload}
	if r.e.enqueue(&item{session: r.session.Id, msg: m, size: m.Size() + 8, hash: payloadHash(r.session.Id, to, payload)}) {
		metricMessagesOut.WithLabelValues(r.label).Inc()
	}
}

// pubkeyOf is a tss-lib point (root key, public share) as a secp256k1 key.
func pubkeyOf(p *crypto.ECPoint) *secp256k1.PublicKey {
	var x, y secp256k1.FieldVal
	x.SetByteSlice(p.X().Bytes())
	y.SetByteSlice(p.Y().Bytes())
	return secp256k1.NewPublicKey(&x, &y)
}

// persistAndReport saves a new share of keySet, held by participants,
// durably and only then queues the report of the root key it belongs to and
// of every participant's public share; false if the save failed.
func (r *run) persistAndReport(keySet uint64, participants []string, data *keygen.LocalPartySaveData) bool {
	shares, err := publicShares(keySet, participants, data)
	if err != nil {
		r.e.log.Error("key share data does not fit the key set; not reporting success", "session", r.session.Id, "key_set", keySet, "err", err)
		return false
	}
	if err := r.e.store.saveShare(keySet, data); err != nil {
		r.e.log.Error("cannot persist key share; not reporting success", "session", r.session.Id, "key_set", keySet, "err", err)
		return false
	}
	pub := pubkeyOf(data.ECDSAPub)
	res := &types.KeygenResult{SessionId: r.session.Id, Pubkey: pub.SerializeCompressed(), PublicShares: shares}
	r.e.log.Info("share persisted", "session", r.session.Id, "type", r.label, "key_set", keySet)
	r.e.enqueue(&item{session: r.session.Id, keygen: res, size: res.Size() + 8})
	return true
}

// publicShares are the participants' x_i·G from a party's share data, in the
// order of participants (the key set's), compressed.
func publicShares(keySet uint64, participants []string, data *keygen.LocalPartySaveData) ([][]byte, error) {
	_, byAddr, err := partyIDs(participants, keySet)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, 0, len(participants))
	for _, p := range participants {
		key := byAddr[p].KeyInt()
		j := slices.IndexFunc(data.Ks, func(k *big.Int) bool { return k.Cmp(key) == 0 })
		if j < 0 || j >= len(data.BigXj) || data.BigXj[j] == nil {
			return nil, fmt.Errorf("no public share for %s", p)
		}
		out = append(out, pubkeyOf(data.BigXj[j]).SerializeCompressed())
	}
	return out, nil
}
