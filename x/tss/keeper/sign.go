package keeper

import (
	"context"
	"encoding/hex"
	"errors"
	"maps"
	"slices"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/tss/types"
)

func (k Keeper) startQueuedSigns(ctx context.Context) error {
	if _, err := k.ActiveKeySet(ctx); errors.Is(err, types.ErrNoActiveKeySet) {
		return nil
	} else if err != nil {
		return err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	open := 0
	err = k.OpenSessions.Walk(ctx, nil, func(id uint64) (bool, error) {
		s, err := k.Sessions.Get(ctx, id)
		if err == nil && s.Type == types.SESSION_TYPE_SIGN {
			open++
		}
		return false, err
	})
	if err != nil {
		return err
	}
	room := min(int(params.MaxOpenSignSessions)-open, MaxSessionsStartedPerBlock)
	var ids []uint64
	err = k.SignQueue.Walk(ctx, nil, func(id uint64) (bool, error) {
		if len(ids) >= room {
			return true, nil
		}
		ids = append(ids, id)
		return false, nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := k.SignQueue.Remove(ctx, id); err != nil {
			return err
		}
		sig, err := k.Signatures.Get(ctx, id)
		if err != nil {
			return err
		}
		if err := k.startSign(ctx, sig, nil); err != nil {
			return err
		}
	}
	return nil
}

// startSign opens a signing session for sig, leaving out exclude.
func (k Keeper) startSign(ctx context.Context, sig types.Signature, exclude []string) error {
	ks, err := k.ActiveKeySet(ctx)
	if err != nil {
		return err
	}
	attempt := sig.Attempts + 1
	signers, err := k.pickParties(ctx, ks.Participants, exclude, ks.Threshold, sig.Id+uint64(attempt))
	if err != nil {
		return err
	}
	if signers == nil {
		sig.Status = types.SIGNATURE_STATUS_FAILED
		sig.Error = "the key set has fewer than t+1 participants"
		return k.finishSignature(ctx, sig)
	}
	s, err := k.newSession(ctx, types.Session{
		Type: types.SESSION_TYPE_SIGN, KeySetId: ks.Id, Threshold: ks.Threshold, Parties: types.NewParties(signers), Attempt: attempt, SignatureId: sig.Id,
	})
	if err != nil {
		return err
	}
	sig.Attempts, sig.SessionId = attempt, s.Id
	return k.Signatures.Set(ctx, sig.Id, sig)
}

func (k Keeper) retrySign(ctx context.Context, s types.Session, silent []string) error {
	sig, err := k.Signatures.Get(ctx, s.SignatureId)
	if err != nil {
		return err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	if sig.Attempts >= params.MaxSignAttempts {
		sig.Status = types.SIGNATURE_STATUS_FAILED
		sig.Error = "every signing attempt expired before the signers finished"
		return k.finishSignature(ctx, sig)
	}
	return k.startSign(ctx, sig, silent)
}

func (k Keeper) applySignatureResult(ctx context.Context, author string, r types.SignatureResult) error {
	s, err := k.openSession(ctx, r.SessionId)
	if err != nil || s == nil || s.Type != types.SESSION_TYPE_SIGN {
		return err
	}
	i := PartyIndex(*s, author)
	if i < 0 {
		return nil
	}
	sig, err := k.Signatures.Get(ctx, s.SignatureId)
	if err != nil {
		return err
	}
	pub, err := types.ParseSignaturePubkey(sig.Pubkey)
	if err != nil {
		return err
	}
	digest, err := types.ParseDigest(sig.Digest)
	if err != nil {
		return err
	}
	rr, ss, rec, err := types.NormalizeSignature(pub, digest, r.R, r.S)
	if err != nil {
		// An honest signer's will follow; this one is pruned.
		return k.recordFault(ctx, s, i, "invalid signature")
	}
	sig.Status = types.SIGNATURE_STATUS_SIGNED
	sig.R, sig.S, sig.V = "0x"+hex.EncodeToString(rr[:]), "0x"+hex.EncodeToString(ss[:]), 27+uint32(rec)
	sig.SignedHeight = sdk.UnwrapSDKContext(ctx).BlockHeight()
	if err := k.closeSession(ctx, *s, types.SESSION_STATUS_COMPLETED); err != nil {
		return err
	}
	return k.finishSignature(ctx, sig)
}

// RequestSignature queues a signing request whose authorisation the caller
// has checked (x/actions: a permitted action, requester "action:<cid>"). It
// charges no fee: x/actions charges its own. The EndBlocker opens its session.
func (k Keeper) RequestSignature(ctx context.Context, tokenID []byte, tokenIDHex string, keyID uint64, digest, requester string) (uint64, error) {
	return k.requestSignature(ctx, tokenID, tokenIDHex, keyID, digest, requester, nil)
}

// RequestPaidSignature queues a signing request whose authorisation the
// caller has checked (x/pkp: an auth method's proof, requester
// "auth_method:<token id>:<Lit auth method id>") and charges payer (whoever submitted
// it) the sign fee, as MsgSign charges its requester.
func (k Keeper) RequestPaidSignature(ctx context.Context, tokenID []byte, tokenIDHex string, keyID uint64, digest, requester string, payer sdk.AccAddress) (uint64, error) {
	if payer.Empty() {
		return 0, errorsmod.Wrap(types.ErrInvalidAddress, "a paid signature request needs a payer")
	}
	return k.requestSignature(ctx, tokenID, tokenIDHex, keyID, digest, requester, payer)
}

// requestSignature checks the digest, the key set and the pending-request
// caps, charges payer the sign fee (nobody if payer is nil) and only then
// queues the request, so a refused request writes nothing.
func (k Keeper) requestSignature(ctx context.Context, tokenID []byte, tokenIDHex string, keyID uint64, digest, requester string, payer sdk.AccAddress) (uint64, error) {
	if _, err := types.ParseDigest(digest); err != nil {
		return 0, err
	}
	pubkey, err := k.DerivePubkey(ctx, keyID)
	if err != nil {
		return 0, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return 0, err
	}
	mine, total, err := k.pendingCounts(ctx, requester)
	if err != nil {
		return 0, err
	}
	if mine >= params.MaxQueuedSignaturesPerRequester {
		return 0, errorsmod.Wrapf(types.ErrQueueFull, "%s has %d signature requests pending, the limit is %d; wait for them to finish",
			requester, mine, params.MaxQueuedSignaturesPerRequester)
	}
	if total >= params.MaxQueuedSignatures {
		return 0, errorsmod.Wrapf(types.ErrQueueFull, "the chain has %d signature requests pending, the limit is %d; wait for them to finish",
			total, params.MaxQueuedSignatures)
	}
	if payer != nil {
		if err := k.payFee(ctx, payer, params.SignFee, "sign"); err != nil {
			return 0, err
		}
	}
	id, err := k.NextSignatureID.Next(ctx)
	if err != nil {
		return 0, err
	}
	sig := types.Signature{
		Id: id, TokenId: tokenIDHex, Digest: digest, Requester: requester, KeyId: keyID, Pubkey: "0x" + hex.EncodeToString(pubkey),
		RequestHeight: sdk.UnwrapSDKContext(ctx).BlockHeight(), Status: types.SIGNATURE_STATUS_PENDING,
	}
	if err := k.Signatures.Set(ctx, id, sig); err != nil {
		return 0, err
	}
	if err := k.SignaturesByPKP.Set(ctx, collections.Join(tokenID, id)); err != nil {
		return 0, err
	}
	if err := k.SignQueue.Set(ctx, id); err != nil {
		return 0, err
	}
	if err := k.PendingByRequester.Set(ctx, requester, mine+1); err != nil {
		return 0, err
	}
	if err := k.PendingCount.Set(ctx, total+1); err != nil {
		return 0, err
	}
	return id, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(
		&types.EventSignatureRequested{SignatureId: id, TokenId: tokenIDHex, Digest: digest, Requester: requester})
}

// payFee moves a sign or decrypt fee (what names it) from payer to the fee
// collector.
func (k Keeper) payFee(ctx context.Context, payer sdk.AccAddress, fee sdk.Coin, what string) error {
	if fee.IsZero() {
		return nil
	}
	if err := k.bank.SendCoinsFromAccountToModule(ctx, payer, k.feeCollector, sdk.NewCoins(fee)); err != nil {
		return errorsmod.Wrapf(types.ErrInsufficientFee, "%s fee %s: %v", what, fee, err)
	}
	return nil
}

// pendingCounts returns requester's pending signatures and everyone's: the
// requests that are queued or whose session is open (status PENDING).
func (k Keeper) pendingCounts(ctx context.Context, requester string) (mine, total uint64, err error) {
	mine, err = k.PendingByRequester.Get(ctx, requester)
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return 0, 0, err
	}
	total, err = k.PendingCount.Get(ctx)
	if err != nil && !errors.Is(err, collections.ErrNotFound) {
		return 0, 0, err
	}
	return mine, total, nil
}

// finishSignature stores sig, now SIGNED or FAILED, gives its requester's
// pending slot back and emits EventSignatureCompleted or EventSignatureFailed.
func (k Keeper) finishSignature(ctx context.Context, sig types.Signature) error {
	if err := k.Signatures.Set(ctx, sig.Id, sig); err != nil {
		return err
	}
	mine, total, err := k.pendingCounts(ctx, sig.Requester)
	if err != nil {
		return err
	}
	// The counts never go below zero, even if they were wrong.
	if mine <= 1 {
		err = k.PendingByRequester.Remove(ctx, sig.Requester)
	} else {
		err = k.PendingByRequester.Set(ctx, sig.Requester, mine-1)
	}
	if err != nil {
		return err
	}
	if err := k.PendingCount.Set(ctx, total-min(total, 1)); err != nil {
		return err
	}
	em := sdk.UnwrapSDKContext(ctx).EventManager()
	if sig.Status == types.SIGNATURE_STATUS_SIGNED {
		return em.EmitTypedEvent(&types.EventSignatureCompleted{SignatureId: sig.Id, TokenId: sig.TokenId, R: sig.R, S: sig.S, V: sig.V})
	}
	return em.EmitTypedEvent(&types.EventSignatureFailed{SignatureId: sig.Id, Error: sig.Error})
}

// countPending rebuilds the pending counts from the signatures (genesis).
func (k Keeper) countPending(ctx context.Context, sigs []types.Signature) error {
	byRequester := map[string]uint64{}
	var total uint64
	for _, s := range sigs {
		if s.Status == types.SIGNATURE_STATUS_PENDING {
			byRequester[s.Requester]++
			total++
		}
	}
	for _, r := range slices.Sorted(maps.Keys(byRequester)) {
		if err := k.PendingByRequester.Set(ctx, r, byRequester[r]); err != nil {
			return err
		}
	}
	return k.PendingCount.Set(ctx, total)
}

// signJob adds what a signer needs: the root key, the digest and the key id
// (all from x/tss's own state).
func (k Keeper) signJob(ctx context.Context, j *Job) error {
	ks, err := k.KeySets.Get(ctx, j.Session.KeySetId)
	if err != nil {
		return err
	}
	root, err := types.ParseRootPubkey(ks.Pubkey)
	if err != nil {
		return err
	}
	sig, err := k.Signatures.Get(ctx, j.Session.SignatureId)
	if err != nil {
		return err
	}
	if j.Digest, err = types.ParseDigest(sig.Digest); err != nil {
		return err
	}
	j.RootPubkey, j.KeyID = root.SerializeCompressed(), sig.KeyId
	return nil
}
