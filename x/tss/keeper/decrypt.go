package keeper

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/tss/types"
)

// DecryptServedGraceBlocks is how long a served decryption's session stays
// open for the remaining parties' shares (spares for the requester if some
// share is wrong); those that sent none are not faulted (silentInDecrypt).
const DecryptServedGraceBlocks = 10

// RequestDecryption opens a decrypt session for a ciphertext whose access
// conditions the caller (x/pkp MsgDecrypt) found the requester to meet and
// whose ephemeral key's proof it checked: every participant of the active
// key set computes its share x_i·R and seals it to requesterKey. It charges
// payer the decrypt fee and refuses, writing nothing, when the key set has
// no public shares or too many decryptions are open.
func (k Keeper) RequestDecryption(ctx context.Context, requester string, payer sdk.AccAddress, ephemeral, identity, requesterKey []byte) (uint64, error) {
	if len(ephemeral) != 33 || len(identity) != 32 {
		return 0, errorsmod.Wrap(types.ErrInvalidDecrypt, "ephemeral must be 33 bytes and identity 32")
	}
	if err := types.ValidateRequesterKey(requesterKey); err != nil {
		return 0, err
	}
	ks, err := k.ActiveKeySet(ctx)
	if err != nil {
		return 0, err
	}
	if len(ks.PublicShares) != len(ks.Participants) {
		return 0, errorsmod.Wrapf(types.ErrNoPublicShares, "key set %d; it gets them at its next reshare", ks.Id)
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return 0, err
	}
	mine, total, err := k.openDecryptions(ctx, requester)
	if err != nil {
		return 0, err
	}
	if mine >= params.MaxOpenDecryptionsPerRequester {
		return 0, errorsmod.Wrapf(types.ErrDecryptBusy, "%s has %d decryptions being served, the limit is %d; wait for them to finish",
			requester, mine, params.MaxOpenDecryptionsPerRequester)
	}
	if total >= params.MaxOpenDecryptions {
		return 0, errorsmod.Wrapf(types.ErrDecryptBusy, "the chain is serving %d decryptions, the limit is %d; try again in a few blocks",
			total, params.MaxOpenDecryptions)
	}
	if err := k.payFee(ctx, payer, params.DecryptFee, "decrypt"); err != nil {
		return 0, err
	}
	id, err := k.NextDecryptionID.Next(ctx)
	if err != nil {
		return 0, err
	}
	s, err := k.newSession(ctx, types.Session{
		Type: types.SESSION_TYPE_DECRYPT, KeySetId: ks.Id, Threshold: ks.Threshold, Parties: types.NewParties(ks.Participants), Attempt: 1, DecryptionId: id,
	})
	if err != nil {
		return 0, err
	}
	d := types.Decryption{
		Id: id, Requester: requester, Ephemeral: ephemeral, Identity: identity, RequesterKey: requesterKey, KeySetId: ks.Id,
		Threshold: ks.Threshold, Status: types.DECRYPTION_STATUS_PENDING, RequestHeight: s.StartHeight, SessionId: s.Id,
	}
	if err := k.Decryptions.Set(ctx, id, d); err != nil {
		return 0, err
	}
	return id, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventDecryptionRequested{
		DecryptionId: id, Requester: requester, Identity: "0x" + hex.EncodeToString(identity), SessionId: s.Id,
	})
}

// openDecryptions counts the decryptions waiting for their t+1 shares (in
// open decrypt sessions, PENDING) of requester and of everyone: a served one
// no longer counts, even while late shares may still come.
// max_open_decryptions bounds the walk's decrypt sessions.
func (k Keeper) openDecryptions(ctx context.Context, requester string) (mine, total uint64, err error) {
	err = k.OpenSessions.Walk(ctx, nil, func(id uint64) (bool, error) {
		s, err := k.Sessions.Get(ctx, id)
		if err != nil || s.Type != types.SESSION_TYPE_DECRYPT {
			return err != nil, err
		}
		d, err := k.Decryptions.Get(ctx, s.DecryptionId)
		if err != nil || d.Status != types.DECRYPTION_STATUS_PENDING {
			return err != nil, err
		}
		total++
		if d.Requester == requester {
			mine++
		}
		return false, nil
	})
	return mine, total, err
}

// applyDecryptionShare records author's sealed share for an open decrypt
// session: the first one counts (an engine resends the same bytes until a
// block carries them), a different one is pruned as a fault. The request is
// served at t+1 shares; the session completes when every party delivered.
// The chain cannot open a share; the requester checks each one's proof and
// names a validator whose share is wrong.
func (k Keeper) applyDecryptionShare(ctx context.Context, author string, sh types.DecryptionShare) error {
	s, err := k.openSession(ctx, sh.SessionId)
	if err != nil || s == nil || s.Type != types.SESSION_TYPE_DECRYPT {
		return err
	}
	i := PartyIndex(*s, author)
	if i < 0 {
		return nil
	}
	d, err := k.Decryptions.Get(ctx, s.DecryptionId)
	if err != nil {
		return err
	}
	if j := slices.IndexFunc(d.Shares, func(o types.SealedShare) bool { return o.Validator == author }); j >= 0 {
		if slices.Equal(d.Shares[j].Sealed, sh.Sealed) {
			return nil
		}
		return k.recordFault(ctx, s, i, "changed decryption share")
	}
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	d.Shares = append(d.Shares, types.SealedShare{Validator: author, Sealed: sh.Sealed, Height: h})
	s.Parties[i].Messages++
	em := sdk.UnwrapSDKContext(ctx).EventManager()
	if len(d.Shares) == int(d.Threshold)+1 {
		d.Status, d.ServedHeight = types.DECRYPTION_STATUS_SERVED, h
		// The rest have DecryptServedGraceBlocks to follow: honest engines
		// answer in the same block, and a party that never does would hold
		// the session open until its full deadline.
		s.DeadlineHeight = min(s.DeadlineHeight, h+DecryptServedGraceBlocks)
		validators := make([]string, 0, len(d.Shares))
		for _, o := range d.Shares {
			validators = append(validators, o.Validator)
		}
		if err := em.EmitTypedEvent(&types.EventDecryptionServed{DecryptionId: d.Id, Validators: validators}); err != nil {
			return err
		}
	}
	if err := k.Decryptions.Set(ctx, d.Id, d); err != nil {
		return err
	}
	if len(d.Shares) == len(s.Parties) {
		return k.closeSession(ctx, *s, types.SESSION_STATUS_COMPLETED)
	}
	return k.Sessions.Set(ctx, s.Id, *s)
}

// finishDecryption follows an expired decrypt session (there is no retry:
// the requester may ask again): with at most t shares the request failed.
func (k Keeper) finishDecryption(ctx context.Context, s types.Session, _ []string) error {
	d, err := k.Decryptions.Get(ctx, s.DecryptionId)
	if err != nil || d.Status != types.DECRYPTION_STATUS_PENDING {
		return err
	}
	d.Status = types.DECRYPTION_STATUS_FAILED
	d.Error = fmt.Sprintf("only %d of the %d shares needed arrived before the deadline", len(d.Shares), d.Threshold+1)
	if err := k.Decryptions.Set(ctx, d.Id, d); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventDecryptionFailed{DecryptionId: d.Id, Error: d.Error})
}

// decryptJob adds what a party needs: the ciphertext's R, the request id and
// the requester's key.
func (k Keeper) decryptJob(ctx context.Context, j *Job) error {
	d, err := k.Decryptions.Get(ctx, j.Session.DecryptionId)
	if err != nil {
		return err
	}
	j.Ephemeral, j.RequesterKey = d.Ephemeral, d.RequesterKey
	return nil
}

// GetDecryption loads a decryption request; ErrNotFound if absent, saying so
// when it was pruned with its session.
func (k Keeper) GetDecryption(ctx context.Context, id uint64) (types.Decryption, error) {
	d, err := k.Decryptions.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		err = k.pruned(ctx, k.NextDecryptionID, "decryption", id)
	}
	return d, err
}
