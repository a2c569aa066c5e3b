package engine

import (
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"time"

	"github.com/bnb-chain/tss-lib/v2/common"
	"github.com/bnb-chain/tss-lib/v2/ecdsa/keygen"
	"github.com/bnb-chain/tss-lib/v2/ecdsa/signing"
	"github.com/bnb-chain/tss-lib/v2/tss"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/litprotocol/litd/x/tss/keeper"
	"github.com/litprotocol/litd/x/tss/types"
)

// startSign runs this node's signing party with its share of the session's
// key set, adjusted to the PKP's derived key (key derivation delta).
func (e *Engine) startSign(r *run, j keeper.Job) error {
	return e.startSingle(r, func(params *tss.Parameters, out chan<- tss.Message) (tss.Party, error) {
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
		go r.awaitSignature(end)
		return signing.NewLocalPartyWithKDD(new(big.Int).SetBytes(j.Digest), params, keys[0], delta, out, end, 32), nil
	})
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
