package keeper_test

import (
	"crypto/ecdh"
	"crypto/rand"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	"github.com/litprotocol/litd/x/tss/tdh"
	"github.com/litprotocol/litd/x/tss/types"
)

// lowOrderX25519 is u = 1, a point of small order on Curve25519: any X25519
// with it yields the all-zero shared secret, which crypto/ecdh (and so HPKE)
// refuses. RequestDecryption only refuses the all-zero key.
func lowOrderX25519() []byte {
	k := make([]byte, 32)
	k[0] = 1
	return k
}

// Red team: a requester_key that is a low-order X25519 point was accepted by
// MsgDecrypt, but no engine can seal a share to it (tdh.SealShare fails, so
// startDecrypt errors and the engine sends nothing). At the deadline every
// party of the key set is recorded "silent until the deadline" and counted
// against its fault window (notePenalty). Three such requests (fee 3×decrypt
// fee, under the per-requester cap) put every validator of the key set into
// the penalized list for fault_window_blocks; the sessions also hold
// max_open_decryptions slots for sign_timeout_blocks instead of ~2 blocks.
func TestRedteamLowOrderRequesterKeyFramesEveryValidator(t *testing.T) {
	f := newFixture(t, true)
	d := newDealer(t)
	d.install(t, f)
	header, _, _ := d.encryptTo(t, pkptypes.AccessCondition{Type: pkptypes.CONDITION_TYPE_PKP_OWNER, TokenId: f.tok}, []byte("s"))
	key := lowOrderX25519()

	// What every honest engine does in startDecrypt: compute, then seal. The
	// seal fails for this key, so no share is ever queued.
	x := d.shares[ops()[0]]
	share, err := tdh.ComputeShare(rand.Reader, &x, header.Ephemeral)
	require.NoError(t, err)
	_, err = tdh.SealShare(key, tdh.ShareInfo(1, ops()[0]), share)
	require.Error(t, err, "HPKE refuses a low-order recipient")

	// The chain should refuse the key; it accepts it (and charges the fee).
	_, err = f.decrypt(owner, header, key)
	if err != nil {
		require.ErrorIs(t, err, types.ErrInvalidDecrypt)
		return
	}
	for range 2 {
		ok[uint64](t)(f.decrypt(owner, header, key))
	}
	dec := ok[types.Decryption](t)(f.k.GetDecryption(f.ctx, 1))
	s := f.session(t, dec.SessionId)

	f.at(s.DeadlineHeight)
	evs := f.endBlock(t)
	expired := ofType[*types.EventSessionExpired](evs)
	require.Len(t, expired, 3)
	st := ok[*types.QueryStatusResponse](t)(f.q.Status(f.ctx, &types.QueryStatusRequest{}))
	var penalized []string
	for _, r := range st.Penalized {
		penalized = append(penalized, r.Validator)
	}
	slices.Sort(penalized)
	// Consequence: with everyone penalized, signer choice drops the penalty
	// (pickSigners); when it dropped liveness with it, sign sessions picked
	// a validator that is offline and failed until retried.
	f.setLive(0, 1, 2)
	offlinePicked := 0
	for i := range 4 {
		sigID := f.mustSign(t, digest(byte(0x40+i)))
		f.endBlock(t)
		if slices.Contains(parties(f.session(t, f.signature(t, sigID).SessionId)), vals[3].op) {
			offlinePicked++
		}
	}
	t.Errorf("low-order requester_key accepted: no engine can seal to it; at the deadline silent = %v in each of %d sessions, "+
		"and after 3 requests the penalized validators are %v (the whole key set); then %d of 4 sign sessions picked the offline validator",
		expired[0].Silent, len(expired), penalized, offlinePicked)
}

// Red team: a decryption that was served (t+1 shares) keeps its session open
// until every party delivers or sign_timeout_blocks pass, and the caps count
// open decrypt sessions, not pending decryptions. With one validator offline
// (or one withholding its share on purpose) every decryption holds a slot for
// the whole timeout: capacity drops to max_open_decryptions per
// sign_timeout_blocks (64 per 100 blocks by default) and 8 requesters (or one
// requester with 8 accounts) can keep everyone else out.
func TestRedteamServedDecryptionsHoldSlotsUntilDeadline(t *testing.T) {
	f := newFixture(t, true)
	d := newDealer(t)
	d.install(t, f)
	f.setParams(t, func(p *types.Params) { p.MaxOpenDecryptions, p.MaxOpenDecryptionsPerRequester = 2, 2 })
	header, _, _ := d.encryptTo(t, pkptypes.AccessCondition{Type: pkptypes.CONDITION_TYPE_PKP_OWNER, TokenId: f.tok}, []byte("s"))
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	all := ops()
	for range 2 {
		id := ok[uint64](t)(f.decrypt(owner, header, priv.PublicKey().Bytes()))
		dec := ok[types.Decryption](t)(f.k.GetDecryption(f.ctx, id))
		for _, op := range all[:3] { // all[3] is offline
			f.apply(t, valAddr(op), d.serve(t, f, op, dec))
		}
		dec = ok[types.Decryption](t)(f.k.GetDecryption(f.ctx, id))
		require.Equal(t, types.DECRYPTION_STATUS_SERVED, dec.Status)
	}
	// Both requests are served; nobody needs more work from the chain, yet a
	// third request is refused as if the chain were busy.
	_, err = f.decrypt(owner, header, priv.PublicKey().Bytes())
	require.NoError(t, err, "served decryptions still count against max_open_decryptions for sign_timeout_blocks")
}

// Red team (low): a decrypt session has no protocol messages, but ApplySection
// accepts ProtocolMessages for it like for any session: they count as the
// party's deliveries (so a party that never sends its share is not "silent"
// at the deadline) and are handed to the engines, whose decrypt run never
// reads its inbox (held in memory until the session closes).
func TestRedteamProtocolMessageInDecryptSessionAvoidsSilence(t *testing.T) {
	f := newFixture(t, true)
	d := newDealer(t)
	d.install(t, f)
	header, _, _ := d.encryptTo(t, pkptypes.AccessCondition{Type: pkptypes.CONDITION_TYPE_PKP_OWNER, TokenId: f.tok}, []byte("s"))
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	id := ok[uint64](t)(f.decrypt(owner, header, priv.PublicKey().Bytes()))
	dec := ok[types.Decryption](t)(f.k.GetDecryption(f.ctx, id))
	all := ops()
	for _, op := range all[:2] {
		f.apply(t, valAddr(op), d.serve(t, f, op, dec))
	}
	// all[2] withholds its share but sends junk protocol messages.
	delivered := f.apply(t, valAddr(all[2]), bcast(dec.SessionId, 3))
	assert.Empty(t, delivered, "protocol messages for a decrypt session should be dropped, not relayed to the engines")
	s := f.session(t, dec.SessionId)
	f.at(s.DeadlineHeight)
	evs := f.endBlock(t)
	expired := ofType[*types.EventSessionExpired](evs)
	require.Len(t, expired, 1)
	require.Contains(t, expired[0].Silent, all[2], "a party that withheld its share escapes the silence rule by sending protocol messages")
}

// Red team (low): genesis accepted a decryption no session refers to (and any
// status/share count): it is never pruned (pruning goes through sessions),
// and a PENDING one never fails.
func TestRedteamGenesisOrphanDecryptionNeverPruned(t *testing.T) {
	f := newFixture(t, true)
	d := newDealer(t)
	d.install(t, f)
	header, _, _ := d.encryptTo(t, pkptypes.AccessCondition{Type: pkptypes.CONDITION_TYPE_PKP_OWNER, TokenId: f.tok}, []byte("s"))
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	id := ok[uint64](t)(f.decrypt(owner, header, priv.PublicKey().Bytes()))
	gs := f.export(t)
	dec := gs.Decryptions[0]
	// Drop its session: Validate still passes.
	gs.Sessions = slices.DeleteFunc(gs.Sessions, func(s types.Session) bool { return s.Id == dec.SessionId })
	// A SERVED status with no share at all also passes.
	gs.Decryptions[0].Status = types.DECRYPTION_STATUS_SERVED
	if gs.Validate() == nil {
		g := newFixture(t, false)
		require.NoError(t, g.k.InitGenesis(g.ctx, *gs))
		g.at(g.ctx.BlockHeight() + 10_000_000)
		g.endBlock(t)
		_, err = g.k.GetDecryption(g.ctx, id)
		t.Errorf("genesis accepted a SERVED decryption with 0 shares and no session; 10M blocks later it is still stored (GetDecryption err = %v)", err)
	}
}

// Red team (cosmetic): Query/Status counted open decrypt sessions as sign
// sessions (the switch's default branch).
func TestRedteamStatusCountsDecryptAsSign(t *testing.T) {
	f := newFixture(t, true)
	d := newDealer(t)
	d.install(t, f)
	header, _, _ := d.encryptTo(t, pkptypes.AccessCondition{Type: pkptypes.CONDITION_TYPE_PKP_OWNER, TokenId: f.tok}, []byte("s"))
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	ok[uint64](t)(f.decrypt(owner, header, priv.PublicKey().Bytes()))
	st := ok[*types.QueryStatusResponse](t)(f.q.Status(f.ctx, &types.QueryStatusRequest{}))
	require.Equal(t, uint32(0), st.OpenSignSessions, "no sign session is open, only a decrypt session")
}

// HELD: a validator that replays another validator's sealed share, or its
// own share of another decryption, is named by the requester (the HPKE info
// binds decryption id and author), and t+1 honest shares still decrypt.
func TestRedteamReplayedSharesAreNamed(t *testing.T) {
	f := newFixture(t, true)
	d := newDealer(t)
	d.install(t, f)
	header, e, id := d.encryptTo(t, pkptypes.AccessCondition{Type: pkptypes.CONDITION_TYPE_PKP_OWNER, TokenId: f.tok}, []byte("p"))
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	id1 := ok[uint64](t)(f.decrypt(owner, header, priv.PublicKey().Bytes()))
	id2 := ok[uint64](t)(f.decrypt(owner, header, priv.PublicKey().Bytes()))
	dec1 := ok[types.Decryption](t)(f.k.GetDecryption(f.ctx, id1))
	dec2 := ok[types.Decryption](t)(f.k.GetDecryption(f.ctx, id2))
	all := ops()
	// all[0] honest on dec2; all[1] replays all[0]'s share; all[2] replays its
	// own share of dec1 into dec2; all[3] honest.
	s0 := d.serve(t, f, all[0], dec2)
	f.apply(t, valAddr(all[0]), s0)
	f.apply(t, valAddr(all[1]), s0)
	s2old := d.serve(t, f, all[2], dec1)
	s2old.DecryptionShares[0].SessionId = dec2.SessionId
	f.apply(t, valAddr(all[2]), s2old)
	f.apply(t, valAddr(all[3]), d.serve(t, f, all[3], dec2))
	dec2 = ok[types.Decryption](t)(f.k.GetDecryption(f.ctx, id2))
	ks := ok[types.KeySet](t)(f.k.KeySets.Get(f.ctx, 1))
	_, bad, err := dec2.Open(priv, ks)
	require.ErrorIs(t, err, tdh.ErrNotEnoughShares)
	var named []string
	for _, b := range bad {
		named = append(named, b.Validator)
	}
	require.ElementsMatch(t, all[1:3], named)
	// (Two bad validators of 4 exceed f = 1.) Had all[2] been honest, its
	// share with the two honest ones decrypts.
	dec2.Shares = slices.DeleteFunc(dec2.Shares, func(s types.SealedShare) bool { return s.Validator == all[2] })
	dec2.Shares = append(dec2.Shares, types.SealedShare{Validator: all[2], Sealed: d.serve(t, f, all[2], dec2).DecryptionShares[0].Sealed})
	xR, _, err := dec2.Open(priv, ks)
	require.NoError(t, err)
	pt, err := tdh.Decrypt(d.root, id, e, xR)
	require.NoError(t, err)
	require.Equal(t, []byte("p"), pt)
}
