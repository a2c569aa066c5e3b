package engine

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/hpke"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/bnb-chain/tss-lib/v2/common"
	"github.com/bnb-chain/tss-lib/v2/ecdsa/keygen"
	"github.com/bnb-chain/tss-lib/v2/ecdsa/signing"
	"github.com/bnb-chain/tss-lib/v2/tss"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/tss/keeper"
	"github.com/litprotocol/litd/x/tss/types"
)

// run is one tss-lib party of one session.
type run struct {
	e       *Engine
	session types.Session
	party   tss.Party
	ids     tss.SortedPartyIDs
	byAddr  map[string]*tss.PartyID
	quit    chan struct{}
	once    sync.Once
	inbox   chan keeper.Delivered
	seen    map[[32]byte]bool
	// started is when this node first saw the session (sign latency).
	started time.Time
	// label is the session type for metrics; round is the furthest tss-lib
	// round the party sent messages for (keygen; guarded by e.mu).
	label string
	round int
}

// partyIDs maps operator addresses to tss-lib party ids keyed by the
// address bytes, so every validator derives the same ordering.
func partyIDs(parties []types.Party) (tss.SortedPartyIDs, map[string]*tss.PartyID, error) {
	var ids tss.UnSortedPartyIDs
	byAddr := map[string]*tss.PartyID{}
	for _, p := range parties {
		bz, err := sdk.ValAddressFromBech32(p.Validator)
		if err != nil {
			return nil, nil, err
		}
		id := tss.NewPartyID(p.Validator, p.Validator, new(big.Int).SetBytes(bz))
		ids = append(ids, id)
		byAddr[p.Validator] = id
	}
	return tss.SortPartyIDs(ids), byAddr, nil
}

// startRun creates and starts the party for a job. Called with e.mu held.
func (e *Engine) startRun(j keeper.Job) (*run, error) {
	ids, byAddr, err := partyIDs(j.Session.Parties)
	if err != nil {
		return nil, err
	}
	r := &run{
		e: e, session: j.Session, ids: ids, byAddr: byAddr,
		quit: make(chan struct{}), inbox: make(chan keeper.Delivered, 4096), seen: map[[32]byte]bool{},
		started: time.Now(), label: sessionLabel(j.Session.Type),
	}
	params := tss.NewParameters(tss.S256(), tss.NewPeerContext(ids), byAddr[e.self], len(ids), int(j.Session.Threshold))
	out := make(chan tss.Message, 256)
	switch j.Session.Type {
	case types.SESSION_TYPE_KEYGEN:
		end := make(chan *keygen.LocalPartySaveData, 1)
		r.party = keygen.NewLocalParty(params, out, end, *e.preParams)
		go r.awaitKeygen(end)
	case types.SESSION_TYPE_SIGN:
		share, err := e.store.share(j.Session.KeySetId)
		if err != nil {
			return nil, fmt.Errorf("no key share for key set %d: %w", j.Session.KeySetId, err)
		}
		root, err := secp256k1.ParsePubKey(j.RootPubkey)
		if err != nil {
			return nil, err
		}
		child, err := types.DeriveChildPubkey(root, j.KeyID)
		if err != nil {
			return nil, err
		}
		d := types.DerivationDelta(root, j.KeyID)
		deltaBytes := d.Bytes()
		delta := new(big.Int).SetBytes(deltaBytes[:])
		//nolint:staticcheck // tss-lib takes the child key as raw coordinates
		childPk := ecdsa.PublicKey{Curve: tss.S256(), X: child.X(), Y: child.Y()}
		keys := []keygen.LocalPartySaveData{*share}
		if err := signing.UpdatePublicKeyAndAdjustBigXj(delta, keys, &childPk, tss.S256()); err != nil {
			return nil, err
		}
		end := make(chan *common.SignatureData, 1)
		r.party = signing.NewLocalPartyWithKDD(new(big.Int).SetBytes(j.Digest), params, keys[0], delta, out, end, 32)
		go r.awaitSignature(end)
	default:
		return nil, fmt.Errorf("unknown session type %s", j.Session.Type)
	}
	go r.pumpOut(out)
	go r.pumpIn()
	go func() {
		if err := r.party.Start(); err != nil {
			e.log.Error("party start failed", "session", j.Session.Id, "err", err)
		}
	}()
	e.log.Info("joined session", "session", j.Session.Id, "type", j.Session.Type.String(), "parties", len(ids))
	return r, nil
}

func (r *run) stop() { r.once.Do(func() { close(r.quit) }) }

// deliver queues a message for the party; called with e.mu held.
func (r *run) deliver(m keeper.Delivered) {
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
			h := payloadHash(m.SessionID, m.To, m.Payload)
			if r.seen[h] {
				continue
			}
			r.seen[h] = true
			from, ok := r.byAddr[m.From]
			if !ok {
				continue
			}
			metricMessagesIn.WithLabelValues(r.label).Inc()
			payload := m.Payload
			if m.To != "" {
				priv, err := hpke.NewDHKEMPrivateKey(r.e.enc)
				if err == nil {
					payload, err = hpke.Open(priv, hpke.HKDFSHA256(), hpke.ChaCha20Poly1305(), sealInfo(m.SessionID, m.From, m.To), m.Payload)
				}
				if err != nil {
					metricMessagesRejected.WithLabelValues(r.label, "open").Inc()
					r.e.log.Error("cannot open sealed message", "session", m.SessionID, "from", m.From, "err", err)
					continue
				}
			}
			if _, err := r.party.UpdateFromBytes(payload, from, m.To == ""); err != nil {
				metricMessagesRejected.WithLabelValues(r.label, "party").Inc()
				r.e.log.Error("party rejected message", "session", m.SessionID, "from", m.From, "err", err)
			}
		}
	}
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
	pub, err := ecdh.X25519().NewPublicKey(key)
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

// awaitKeygen persists the share, then reports the root key: a validator
// never claims a key it could lose in a crash.
func (r *run) awaitKeygen(end <-chan *keygen.LocalPartySaveData) {
	select {
	case <-r.quit:
		return
	case data := <-end:
		if err := r.e.store.saveShare(r.session.KeySetId, data); err != nil {
			r.e.log.Error("cannot persist key share; not reporting keygen success", "session", r.session.Id, "err", err)
			return
		}
		pub := secp256k1.NewPublicKey(fieldVal(data.ECDSAPub.X()), fieldVal(data.ECDSAPub.Y()))
		res := &types.KeygenResult{SessionId: r.session.Id, Pubkey: pub.SerializeCompressed()}
		r.e.log.Info("keygen done; share persisted", "session", r.session.Id, "key_set", r.session.KeySetId)
		r.e.noteRound(r, keygenRounds)
		r.e.enqueue(&item{session: r.session.Id, keygen: res, size: res.Size() + 8})
	}
}

func (r *run) awaitSignature(end <-chan *common.SignatureData) {
	select {
	case <-r.quit:
		return
	case sig := <-end:
		took := time.Since(r.started)
		metricSignSeconds.Observe(took.Seconds())
		res := &types.SignatureResult{SessionId: r.session.Id, R: sig.R, S: sig.S}
		r.e.log.Info("signature done", "session", r.session.Id, "took", took.Round(time.Millisecond).String())
		r.e.enqueue(&item{session: r.session.Id, sig: res, size: res.Size() + 8})
	}
}

func fieldVal(x *big.Int) *secp256k1.FieldVal {
	var f secp256k1.FieldVal
	f.SetByteSlice(x.Bytes())
	return &f
}
