// Package keeper holds x/tss state: root key sets, protocol sessions with
// per-party progress, signing requests and validators' encryption keys. All
// of it changes only through messages, the EndBlocker and validated vote
// extensions; the engines that run tss-lib live off-chain.
package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	"cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"

	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/tss/types"
)

// Keeper is the x/tss state.
type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	staking      types.StakingKeeper
	pkp          types.PKPKeeper
	bank         types.BankKeeper
	feeCollector string
	authority    string

	Schema          collections.Schema
	Params          collections.Item[types.Params]
	KeySets         collections.Map[uint64, types.KeySet]
	Sessions        collections.Map[uint64, types.Session]
	OpenSessions    collections.KeySet[uint64]
	Signatures      collections.Map[uint64, types.Signature]
	SignaturesByPKP collections.KeySet[collections.Pair[[]byte, uint64]]
	// SignQueue holds signature ids waiting for a free signing slot.
	SignQueue collections.KeySet[uint64]
	EncKeys   collections.Map[sdk.ValAddress, types.ValidatorEncKey]
	// SeenMessages holds, per open session, the digest of every protocol
	// message accepted in it, so a replay is pruned; closing the session
	// clears them.
	SeenMessages collections.KeySet[collections.Pair[uint64, []byte]]
	// PendingByRequester counts each requester's pending signatures (queued
	// or with an open session); a requester with none has no entry.
	PendingByRequester collections.Map[string, uint64]
	// PendingCount is the number of pending signatures of all requesters.
	PendingCount collections.Item[uint64]
	// ClosedSessions indexes closed sessions by (closed height, id), so the
	// EndBlocker prunes the ones past the retention in order.
	ClosedSessions collections.KeySet[collections.Pair[int64, uint64]]
	// KeygenWaitSince is the height from which the chain has waited for every
	// bonded validator's encryption key before its first DKG.
	KeygenWaitSince collections.Item[int64]
	// FaultRecords counts each validator's silences in its current fault
	// window (penalties).
	FaultRecords collections.Map[string, types.FaultRecord]
	// SplitPairs holds, per validator and partner, the last height at which
	// they were the two sides of an unconfirmed-message report in a split
	// sign session (noteSplit).
	SplitPairs      collections.Map[collections.Pair[string, string], int64]
	NextSessionID   collections.Sequence
	NextSignatureID collections.Sequence
	// Decryptions are the decryption requests with their sealed shares,
	// pruned with their session.
	Decryptions      collections.Map[uint64, types.Decryption]
	NextDecryptionID collections.Sequence
}

// NewKeeper builds the x/tss schema. MsgSign pays the sign fee through bank
// to the feeCollector module account. The PKP keeper is set later with
// SetPKPKeeper because x/pkp derives its keys from this keeper.
func NewKeeper(cdc codec.BinaryCodec, storeService store.KVStoreService, addressCodec address.Codec, staking types.StakingKeeper,
	bank types.BankKeeper, feeCollector, authority string,
) Keeper {
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		cdc:          cdc,
		addressCodec: addressCodec,
		staking:      staking,
		bank:         bank,
		feeCollector: feeCollector,
		authority:    authority,

		Params:             collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		KeySets:            collections.NewMap(sb, types.KeySetsKey, "key_sets", collections.Uint64Key, codec.CollValue[types.KeySet](cdc)),
		Sessions:           collections.NewMap(sb, types.SessionsKey, "sessions", collections.Uint64Key, codec.CollValue[types.Session](cdc)),
		OpenSessions:       collections.NewKeySet(sb, types.OpenSessionsKey, "open_sessions", collections.Uint64Key),
		Signatures:         collections.NewMap(sb, types.SignaturesKey, "signatures", collections.Uint64Key, codec.CollValue[types.Signature](cdc)),
		SignaturesByPKP:    collections.NewKeySet(sb, types.SignaturesByPKPKey, "signatures_by_pkp", collections.PairKeyCodec(collections.BytesKey, collections.Uint64Key)),
		SignQueue:          collections.NewKeySet(sb, types.SignQueueKey, "sign_queue", collections.Uint64Key),
		EncKeys:            collections.NewMap(sb, types.EncKeysKey, "enc_keys", sdk.ValAddressKey, codec.CollValue[types.ValidatorEncKey](cdc)),
		SeenMessages:       collections.NewKeySet(sb, types.SeenMessagesKey, "seen_messages", collections.PairKeyCodec(collections.Uint64Key, collections.BytesKey)),
		PendingByRequester: collections.NewMap(sb, types.PendingByRequesterKey, "pending_by_requester", collections.StringKey, collections.Uint64Value),
		PendingCount:       collections.NewItem(sb, types.PendingCountKey, "pending_count", collections.Uint64Value),
		ClosedSessions:     collections.NewKeySet(sb, types.ClosedSessionsKey, "closed_sessions", collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key)),
		KeygenWaitSince:    collections.NewItem(sb, types.KeygenWaitSinceKey, "keygen_wait_since", collections.Int64Value),
		FaultRecords:       collections.NewMap(sb, types.FaultRecordsKey, "fault_records", collections.StringKey, codec.CollValue[types.FaultRecord](cdc)),
		SplitPairs: collections.NewMap(sb, types.SplitPairsKey, "split_pairs",
			collections.PairKeyCodec(collections.StringKey, collections.StringKey), collections.Int64Value),
		NextSessionID:    collections.NewSequence(sb, types.NextSessionIDKey, "next_session_id"),
		NextSignatureID:  collections.NewSequence(sb, types.NextSignatureIDKey, "next_signature_id"),
		Decryptions:      collections.NewMap(sb, types.DecryptionsKey, "decryptions", collections.Uint64Key, codec.CollValue[types.Decryption](cdc)),
		NextDecryptionID: collections.NewSequence(sb, types.NextDecryptionIDKey, "next_decryption_id"),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

// SetPKPKeeper wires the PKP permissions MsgSign checks.
func (k *Keeper) SetPKPKeeper(pk types.PKPKeeper) { k.pkp = pk }

// ActiveKeySet returns the newest active key set.
func (k Keeper) ActiveKeySet(ctx context.Context) (types.KeySet, error) {
	var found *types.KeySet
	err := k.KeySets.Walk(ctx, new(collections.Range[uint64]).Descending(), func(_ uint64, ks types.KeySet) (bool, error) {
		if ks.Status == types.KEY_SET_STATUS_ACTIVE {
			found = &ks
			return true, nil
		}
		return false, nil
	})
	if err != nil {
		return types.KeySet{}, err
	}
	if found == nil {
		return types.KeySet{}, types.ErrNoActiveKeySet
	}
	return *found, nil
}

// LatestKeySet returns the newest key set in any status.
func (k Keeper) LatestKeySet(ctx context.Context) (types.KeySet, bool, error) {
	var found *types.KeySet
	err := k.KeySets.Walk(ctx, new(collections.Range[uint64]).Descending(), func(_ uint64, ks types.KeySet) (bool, error) {
		found = &ks
		return true, nil
	})
	if err != nil || found == nil {
		return types.KeySet{}, false, err
	}
	return *found, true, nil
}

// DerivePubkey returns the 65-byte uncompressed key of key id under the
// active root key (root + keccak256(root || key_id)·G).
func (k Keeper) DerivePubkey(ctx context.Context, keyID uint64) ([]byte, error) {
	ks, err := k.ActiveKeySet(ctx)
	if err != nil {
		return nil, err
	}
	root, err := types.ParseRootPubkey(ks.Pubkey)
	if err != nil {
		return nil, errorsmod.Wrapf(err, "stored key set %d", ks.Id)
	}
	child, err := types.DeriveChildPubkey(root, keyID)
	if err != nil {
		return nil, err
	}
	return child.SerializeUncompressed(), nil
}

// GetSession loads a session; ErrNotFound if absent, saying so when the id
// was issued (sessions are deleted only by pruning).
func (k Keeper) GetSession(ctx context.Context, id uint64) (types.Session, error) {
	s, err := k.Sessions.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		err = k.pruned(ctx, k.NextSessionID, "session", id)
	}
	return s, err
}

// pruned is ErrNotFound for an id that is not in state: never issued by seq,
// or, if it was, pruned with its closed session session_retention_blocks
// after it closed (sessions, and what goes with them, are deleted only so).
func (k Keeper) pruned(ctx context.Context, seq collections.Sequence, what string, id uint64) error {
	next, err := seq.Peek(ctx)
	if err != nil {
		return err
	}
	if id == 0 || id >= next {
		return errorsmod.Wrapf(types.ErrNotFound, "%s %d", what, id)
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	return errorsmod.Wrapf(types.ErrNotFound, "%s %d was pruned: closed sessions are kept for %d blocks (session_retention_blocks) after they close",
		what, id, params.SessionRetentionBlocks)
}

// GetSignature loads a signature request; ErrNotFound if absent.
func (k Keeper) GetSignature(ctx context.Context, id uint64) (types.Signature, error) {
	s, err := k.Signatures.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return s, errorsmod.Wrapf(types.ErrNotFound, "signature %d", id)
	}
	return s, err
}

// OpenSessionsList returns the open sessions in id order, for the engines.
func (k Keeper) OpenSessionsList(ctx context.Context) ([]types.Session, error) {
	var out []types.Session
	err := k.OpenSessions.Walk(ctx, nil, func(id uint64) (bool, error) {
		s, err := k.Sessions.Get(ctx, id)
		if err != nil {
			return true, err
		}
		out = append(out, s)
		return false, nil
	})
	return out, err
}

// PartyIndex is the index of validator among a session's parties, or -1.
func PartyIndex(s types.Session, validator string) int {
	for i, p := range s.Parties {
		if p.Validator == validator {
			return i
		}
	}
	return -1
}

// SignatureStatus tells x/actions whether a signature it requested is done.
func (k Keeper) SignatureStatus(ctx context.Context, id uint64) (done, failed bool, reason string, err error) {
	s, err := k.GetSignature(ctx, id)
	if err != nil {
		return false, false, "", err
	}
	return s.Status == types.SIGNATURE_STATUS_SIGNED, s.Status == types.SIGNATURE_STATUS_FAILED, s.Error, nil
}
