package keeper_test

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/stretchr/testify/require"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	"github.com/litprotocol/litd/x/tss/tdh"
	"github.com/litprotocol/litd/x/tss/types"
)

// dealer holds a 3-of-4 Shamir sharing of a root secret at the x-coordinates
// the engines use (tdh.XCoord of key set 1), as the key set's shares.
type dealer struct {
	root   *secp256k1.PublicKey
	shares map[string]secp256k1.ModNScalar
}

func newDealer(t *testing.T) dealer {
	t.Helper()
	coef := make([]secp256k1.ModNScalar, 3) // degree t = 2
	for i := range coef {
		var b [32]byte
		_, err := rand.Read(b[:])
		require.NoError(t, err)
		coef[i].SetBytes(&b)
	}
	d := dealer{root: secp256k1.NewPrivateKey(&coef[0]).PubKey(), shares: map[string]secp256k1.ModNScalar{}}
	for _, op := range ops() {
		x, err := tdh.XCoord(1, valAddr(op))
		require.NoError(t, err)
		var y secp256k1.ModNScalar // Horner: c2·x² + c1·x + c0
		for i := len(coef) - 1; i >= 0; i-- {
			y.Mul(&x).Add(&coef[i])
		}
		d.shares[op] = y
	}
	return d
}

// install makes key set 1 the dealer's, with its public shares.
func (d dealer) install(t *testing.T, f *fixture) {
	t.Helper()
	ks, err := f.k.KeySets.Get(f.ctx, 1)
	require.NoError(t, err)
	ks.Pubkey = "0x" + hex.EncodeToString(d.root.SerializeCompressed())
	ks.PublicShares = nil
	for _, op := range ks.Participants {
		x := d.shares[op]
		ks.PublicShares = append(ks.PublicShares, "0x"+hex.EncodeToString(secp256k1.NewPrivateKey(&x).PubKey().SerializeCompressed()))
	}
	require.NoError(t, f.k.KeySets.Set(f.ctx, 1, ks))
}

// encryptTo encrypts plaintext under conditions to the dealer's root.
func (d dealer) encryptTo(t *testing.T, c pkptypes.AccessCondition, plaintext []byte) (pkptypes.CiphertextHeader, *tdh.Encrypted, [32]byte) {
	t.Helper()
	h := sha256.Sum256(plaintext)
	header := pkptypes.CiphertextHeader{Version: 1, Conditions: c, DataHash: h[:]}
	id, err := header.Identity()
	require.NoError(t, err)
	e, err := tdh.Encrypt(rand.Reader, d.root, id, plaintext)
	require.NoError(t, err)
	header.Ephemeral, header.Proof = e.Ephemeral, e.Proof
	return header, e, id
}

// serve has validator op's engine compute, prove and seal its share.
func (d dealer) serve(t *testing.T, f *fixture, op string, dec types.Decryption) *types.ExtensionSection {
	t.Helper()
	x := d.shares[op]
	s, err := tdh.ComputeShare(rand.Reader, &x, dec.Ephemeral)
	require.NoError(t, err)
	sealed, err := tdh.SealShare(dec.RequesterKey, tdh.ShareInfo(dec.Id, op), s)
	require.NoError(t, err)
	return &types.ExtensionSection{DecryptionShares: []types.DecryptionShare{{SessionId: dec.SessionId, Sealed: sealed}}}
}

func (f *fixture) decrypt(requester string, header pkptypes.CiphertextHeader, key []byte) (uint64, error) {
	f.fresh()
	res, err := f.pkpMsgs.Decrypt(f.ctx, &pkptypes.MsgDecrypt{Requester: requester, Header: header, RequesterKey: key})
	if err != nil {
		return 0, err
	}
	return res.DecryptionId, nil
}

func TestDecryptOwnerOnly(t *testing.T) {
	f := newFixture(t, true)
	d := newDealer(t)
	d.install(t, f)
	plaintext := []byte("the owner's secret")
	header, e, id := d.encryptTo(t, pkptypes.AccessCondition{Type: pkptypes.CONDITION_TYPE_PKP_OWNER, TokenId: f.tok}, plaintext)
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)

	// A non-owner is refused; nothing is written, nothing is charged.
	before := f.bank.balance(f.ctx, stranger)
	_, err = f.decrypt(stranger, header, priv.PublicKey().Bytes())
	require.ErrorIs(t, err, pkptypes.ErrAccessDenied)
	require.Contains(t, err.Error(), "does not own pkp")
	require.Equal(t, before, f.bank.balance(f.ctx, stranger))
	next, err := f.k.NextDecryptionID.Peek(f.ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(1), next)
	open, err := f.k.OpenSessionsList(f.ctx)
	require.NoError(t, err)
	require.Empty(t, open)

	// The owner is served: the session's parties are the key set's four.
	before = f.bank.balance(f.ctx, owner)
	decID := ok[uint64](t)(f.decrypt(owner, header, priv.PublicKey().Bytes()))
	require.Equal(t, before.Sub(types.DefaultParams().DecryptFee), f.bank.balance(f.ctx, owner))
	dec := ok[types.Decryption](t)(f.k.GetDecryption(f.ctx, decID))
	require.Equal(t, types.DECRYPTION_STATUS_PENDING, dec.Status)
	require.Equal(t, id[:], dec.Identity)
	s := f.session(t, dec.SessionId)
	require.Equal(t, types.SESSION_TYPE_DECRYPT, s.Type)
	require.Equal(t, ops(), s.PartyValidators())
	jobs, err := f.k.Jobs(f.ctx)
	require.NoError(t, err)
	require.Len(t, jobs, 1)
	require.Equal(t, header.Ephemeral, jobs[0].Ephemeral)
	require.Equal(t, priv.PublicKey().Bytes(), jobs[0].RequesterKey)

	// Shares arrive: served at t+1 = 3, completed at 4.
	all := ops()
	for i, op := range all {
		f.apply(t, valAddr(op), d.serve(t, f, op, dec))
		dec = ok[types.Decryption](t)(f.k.GetDecryption(f.ctx, decID))
		require.Len(t, dec.Shares, i+1)
		if i < 2 {
			require.Equal(t, types.DECRYPTION_STATUS_PENDING, dec.Status)
		} else {
			require.Equal(t, types.DECRYPTION_STATUS_SERVED, dec.Status)
		}
		if i == 2 {
			served := ofType[*types.EventDecryptionServed](f.events(t))
			require.Len(t, served, 1)
			require.Equal(t, all[:3], served[0].Validators)
		}
	}
	require.Equal(t, types.SESSION_STATUS_COMPLETED, f.session(t, dec.SessionId).Status)

	// The requester opens, verifies, combines and decrypts.
	ks := ok[types.KeySet](t)(f.k.KeySets.Get(f.ctx, 1))
	xR, bad, err := dec.Open(priv, ks)
	require.NoError(t, err)
	require.Empty(t, bad)
	got, err := tdh.Decrypt(d.root, id, e, xR)
	require.NoError(t, err)
	require.Equal(t, plaintext, got)

	// Another key cannot open the sealed shares.
	other, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	_, bad, err = dec.Open(other, ks)
	require.ErrorIs(t, err, tdh.ErrNotEnoughShares)
	require.Len(t, bad, 4)

	// After a transfer the new owner is served and the old one refused.
	f.fresh()
	_, err = f.pkpMsgs.Transfer(f.ctx, &pkptypes.MsgTransfer{Owner: owner, TokenId: f.tok, Recipient: stranger})
	require.NoError(t, err)
	_, err = f.decrypt(owner, header, priv.PublicKey().Bytes())
	require.ErrorIs(t, err, pkptypes.ErrAccessDenied)
	_, err = f.decrypt(stranger, header, priv.PublicKey().Bytes())
	require.NoError(t, err)
}

func TestDecryptWrongShareIsNamed(t *testing.T) {
	f := newFixture(t, true)
	d := newDealer(t)
	d.install(t, f)
	header, e, id := d.encryptTo(t, pkptypes.AccessCondition{Type: pkptypes.CONDITION_TYPE_PKP_OWNER, TokenId: f.tok}, []byte("x"))
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	decID := ok[uint64](t)(f.decrypt(owner, header, priv.PublicKey().Bytes()))
	dec := ok[types.Decryption](t)(f.k.GetDecryption(f.ctx, decID))
	all := ops()
	// The first validator proves a share of another secret: its proof does
	// not hold against its public share.
	liar := all[0]
	saved := d.shares[liar]
	var wrong secp256k1.ModNScalar
	wrong.SetInt(7)
	d.shares[liar] = wrong
	f.apply(t, valAddr(liar), d.serve(t, f, liar, dec))
	d.shares[liar] = saved
	for _, op := range all[1:3] {
		f.apply(t, valAddr(op), d.serve(t, f, op, dec))
	}
	dec = ok[types.Decryption](t)(f.k.GetDecryption(f.ctx, decID))
	require.Equal(t, types.DECRYPTION_STATUS_SERVED, dec.Status)
	ks := ok[types.KeySet](t)(f.k.KeySets.Get(f.ctx, 1))
	_, bad, err := dec.Open(priv, ks)
	require.ErrorIs(t, err, tdh.ErrNotEnoughShares)
	require.Len(t, bad, 1)
	require.Equal(t, liar, bad[0].Validator)
	require.ErrorIs(t, bad[0].Err, tdh.ErrInvalidProof)
	// The fourth share makes t+1 valid ones.
	f.apply(t, valAddr(all[3]), d.serve(t, f, all[3], dec))
	dec = ok[types.Decryption](t)(f.k.GetDecryption(f.ctx, decID))
	xR, bad, err := dec.Open(priv, ks)
	require.NoError(t, err)
	require.Equal(t, liar, bad[0].Validator)
	got, err := tdh.Decrypt(d.root, id, e, xR)
	require.NoError(t, err)
	require.Equal(t, []byte("x"), got)
}

func TestDecryptSessionRules(t *testing.T) {
	f := newFixture(t, true)
	d := newDealer(t)
	d.install(t, f)
	header, _, _ := d.encryptTo(t, pkptypes.AccessCondition{Type: pkptypes.CONDITION_TYPE_PKP_OWNER, TokenId: f.tok}, []byte("y"))
	key := make([]byte, 32)
	key[0] = 9
	decID := ok[uint64](t)(f.decrypt(owner, header, key))
	dec := ok[types.Decryption](t)(f.k.GetDecryption(f.ctx, decID))
	all := ops()
	first := d.serve(t, f, all[0], dec)
	f.apply(t, valAddr(all[0]), first)
	// The same bytes again (an engine resends) count once; other bytes are a fault.
	f.apply(t, valAddr(all[0]), first)
	f.apply(t, valAddr(all[0]), d.serve(t, f, all[0], dec))
	dec = ok[types.Decryption](t)(f.k.GetDecryption(f.ctx, decID))
	require.Len(t, dec.Shares, 1)
	require.Equal(t, first.DecryptionShares[0].Sealed, dec.Shares[0].Sealed)
	s := f.session(t, dec.SessionId)
	require.Equal(t, uint32(1), s.Parties[0].Faults)
	require.Contains(t, s.Parties[0].LastFault, "changed decryption share")
	// A share from a non-party, or for another session, changes nothing.
	f.apply(t, sdk.ValAddress(bytes.Repeat([]byte{0xee}, 20)), d.serve(t, f, all[1], dec))
	require.Len(t, ok[types.Decryption](t)(f.k.GetDecryption(f.ctx, decID)).Shares, 1)

	// Only one share by the deadline: failed, the silent three recorded.
	f.at(s.DeadlineHeight)
	evs := f.endBlock(t)
	failed := ofType[*types.EventDecryptionFailed](evs)
	require.Len(t, failed, 1)
	require.Contains(t, failed[0].Error, "only 1 of the 3 shares")
	dec = ok[types.Decryption](t)(f.k.GetDecryption(f.ctx, decID))
	require.Equal(t, types.DECRYPTION_STATUS_FAILED, dec.Status)
	expired := ofType[*types.EventSessionExpired](evs)
	require.Len(t, expired, 1)
	require.Equal(t, all[1:], expired[0].Silent)

	// Pruned with its session, retention blocks later.
	f.at(s.DeadlineHeight + int64(types.DefaultParams().SessionRetentionBlocks))
	f.endBlock(t)
	_, err := f.k.GetDecryption(f.ctx, decID)
	require.ErrorIs(t, err, types.ErrNotFound)
	require.Contains(t, err.Error(), "pruned")
}

// A party that sends no share to a request the others served is not
// faulted (it was not needed; a validator that is down would otherwise be
// penalized for every decryption it could not see); one that sends none to
// a request that failed, even by one share, is.
func TestDecryptSilenceCountsOnlyWhenItFailed(t *testing.T) {
	f := newFixture(t, true)
	d := newDealer(t)
	d.install(t, f)
	header, _, _ := d.encryptTo(t, pkptypes.AccessCondition{Type: pkptypes.CONDITION_TYPE_PKP_OWNER, TokenId: f.tok}, []byte("z"))
	key := make([]byte, 32)
	key[0] = 9
	all := ops()
	served := ok[types.Decryption](t)(f.k.GetDecryption(f.ctx, ok[uint64](t)(f.decrypt(owner, header, key))))
	failed := ok[types.Decryption](t)(f.k.GetDecryption(f.ctx, ok[uint64](t)(f.decrypt(owner, header, key))))
	for _, op := range all[:3] { // all[3] is down: t+1 = 3 serve the first request
		f.apply(t, valAddr(op), d.serve(t, f, op, served))
	}
	for _, op := range all[:2] { // t = 2 shares: one short
		f.apply(t, valAddr(op), d.serve(t, f, op, failed))
	}

	f.at(f.session(t, failed.SessionId).DeadlineHeight)
	expired := ofType[*types.EventSessionExpired](f.endBlock(t))
	require.Len(t, expired, 2)
	for _, e := range expired {
		if e.SessionId == served.SessionId {
			require.Empty(t, e.Silent, "silent in a served decryption")
		} else {
			require.Equal(t, all[2:], e.Silent)
		}
	}
	s := f.session(t, served.SessionId)
	require.Zero(t, s.Parties[3].Faults, s.Parties[3].LastFault)
	require.Equal(t, uint32(1), f.session(t, failed.SessionId).Parties[3].Faults)
}

func TestDecryptCapsAndRefusals(t *testing.T) {
	f := newFixture(t, true)
	d := newDealer(t)
	header, _, _ := d.encryptTo(t, pkptypes.AccessCondition{Type: pkptypes.CONDITION_TYPE_PKP_OWNER, TokenId: f.tok}, []byte("z"))
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	key := priv.PublicKey().Bytes()
	// Key set without public shares.
	_, err = f.decrypt(owner, header, key)
	require.ErrorIs(t, err, types.ErrNoPublicShares)
	d.install(t, f)
	// Bad requester key, tampered proof, a header for another identity.
	_, err = f.decrypt(owner, header, make([]byte, 32))
	require.ErrorIs(t, err, types.ErrInvalidDecrypt)
	tampered := header
	tampered.Proof = append([]byte(nil), header.Proof...)
	tampered.Proof[40] ^= 1
	_, err = f.decrypt(owner, tampered, key)
	require.ErrorIs(t, err, pkptypes.ErrInvalidCiphertext)
	moved := header
	moved.DataHash = make([]byte, 32)
	_, err = f.decrypt(owner, moved, key)
	require.ErrorIs(t, err, pkptypes.ErrInvalidCiphertext)
	// A poor requester cannot pay the fee.
	f.fresh()
	_, err = f.pkpMsgs.Transfer(f.ctx, &pkptypes.MsgTransfer{Owner: owner, TokenId: f.tok, Recipient: poor})
	require.NoError(t, err)
	f.bank.set(f.ctx, poor, ulit(types.DefaultParams().DecryptFee.Amount.Int64()-1))
	_, err = f.decrypt(poor, header, key)
	require.ErrorIs(t, err, types.ErrInsufficientFee)
	f.bank.set(f.ctx, poor, ulit(1_000_000_000))
	// Per-requester cap.
	f.setParams(t, func(p *types.Params) { p.MaxOpenDecryptionsPerRequester = 2 })
	ok[uint64](t)(f.decrypt(poor, header, key))
	ok[uint64](t)(f.decrypt(poor, header, key))
	_, err = f.decrypt(poor, header, key)
	require.ErrorIs(t, err, types.ErrDecryptBusy)
	require.True(t, errorsmod.IsOf(err, types.ErrDecryptBusy))
}
