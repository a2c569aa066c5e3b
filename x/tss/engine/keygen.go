package engine

import (
	"github.com/bnb-chain/tss-lib/v2/ecdsa/keygen"
	"github.com/bnb-chain/tss-lib/v2/tss"

	"github.com/litprotocol/litd/x/tss/keeper"
)

// startKeygen runs this node's DKG party with its pre-parameters.
func (e *Engine) startKeygen(r *run, _ keeper.Job) error {
	return e.startSingle(r, func(params *tss.Parameters, out chan<- tss.Message) (tss.Party, error) {
		end := make(chan *keygen.LocalPartySaveData, 1)
		go r.awaitKeygen(end)
		return keygen.NewLocalParty(params, out, end, *e.preParams), nil
	})
}

// awaitKeygen persists the share, then reports the root key: a validator
// never claims a key it could lose in a crash.
func (r *run) awaitKeygen(end <-chan *keygen.LocalPartySaveData) {
	select {
	case <-r.quit:
		return
	case data := <-end:
		if r.persistAndReport(r.session.KeySetId, r.session.PartyValidators(), data) {
			r.e.noteRound(r, keygenRounds)
		}
	}
}
