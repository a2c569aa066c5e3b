package engine

import (
	"crypto/rand"
	"fmt"
	"math/big"

	"github.com/bnb-chain/tss-lib/v2/tss"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/litprotocol/litd/x/tss/keeper"
	"github.com/litprotocol/litd/x/tss/tdh"
	"github.com/litprotocol/litd/x/tss/types"
)

// startDecrypt computes this node's decryption share x_i·R of the session's
// ciphertext with its share of the session's key set, proves it (DLEQ
// against x_i·G) and queues it sealed to the requester: one scalar
// multiplication and a proof, done at once, with no rounds and no peers.
func (e *Engine) startDecrypt(r *run, j keeper.Job) error {
	share, err := e.store.share(j.Session.KeySetId)
	if err != nil {
		return fmt.Errorf("no key share for key set %d: %w", j.Session.KeySetId, err)
	}
	// tss-lib leaves a reshared Xi unreduced (a sum of t+1 shares, up to
	// 2n), and SetByteSlice would truncate its 33 bytes: reduce it first.
	var xi secp256k1.ModNScalar
	if xi.SetByteSlice(new(big.Int).Mod(share.Xi, tss.S256().Params().N).Bytes()); xi.IsZero() {
		return fmt.Errorf("key share of key set %d is zero", j.Session.KeySetId)
	}
	s, err := tdh.ComputeShare(rand.Reader, &xi, j.Ephemeral)
	xi.Zero()
	if err != nil {
		return err
	}
	sealed, err := tdh.SealShare(j.RequesterKey, tdh.ShareInfo(j.Session.DecryptionId, e.self), s)
	if err != nil {
		return err
	}
	d := &types.DecryptionShare{SessionId: j.Session.Id, Sealed: sealed}
	// Called with e.mu held, before the run is registered: queue directly.
	e.outbox = append(e.outbox, &item{session: j.Session.Id, decrypt: d, size: d.Size() + 8})
	metricMessagesOut.WithLabelValues(r.label).Inc()
	e.log.Info("decryption share sealed", "session", j.Session.Id, "decryption", j.Session.DecryptionId)
	return nil
}
