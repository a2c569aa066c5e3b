package types

import (
	"encoding/hex"
	"slices"
	"strings"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	pkptypes "github.com/litprotocol/litd/x/pkp/types"
)

// DefaultGenesis has no key set: the validators make one by DKG.
func DefaultGenesis() *GenesisState {
	return &GenesisState{Params: DefaultParams(), NextSessionId: 1, NextSignatureId: 1}
}

// Validate checks one key set.
func (ks KeySet) Validate() error {
	if ks.Id == 0 {
		return errorsmod.Wrap(ErrInvalidKeySet, "id must be >= 1")
	}
	if _, ok := KeySetStatus_name[int32(ks.Status)]; !ok || ks.Status == KEY_SET_STATUS_UNSPECIFIED {
		return errorsmod.Wrapf(ErrInvalidKeySet, "key set %d: status %d", ks.Id, ks.Status)
	}
	if ks.Status != KEY_SET_STATUS_KEYGEN || ks.Pubkey != "" {
		if _, err := ParseRootPubkey(ks.Pubkey); err != nil {
			return errorsmod.Wrapf(err, "key set %d", ks.Id)
		}
	}
	n := len(ks.Participants)
	if n < 2 || ks.Threshold < 1 || int(ks.Threshold) >= n {
		return errorsmod.Wrapf(ErrInvalidKeySet, "key set %d: need 2+ participants and 1 <= threshold < participants, got t=%d n=%d", ks.Id, ks.Threshold, n)
	}
	for i, p := range ks.Participants {
		if _, err := sdk.ValAddressFromBech32(p); err != nil {
			return errorsmod.Wrapf(ErrInvalidKeySet, "key set %d: participant %q: %v", ks.Id, p, err)
		}
		if slices.Contains(ks.Participants[:i], p) {
			return errorsmod.Wrapf(ErrInvalidKeySet, "key set %d: duplicate participant %s", ks.Id, p)
		}
	}
	return nil
}

// Validate rejects malformed key sets, ids out of order or beyond the
// sequences, and references to unknown records.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	if gs.NextSessionId == 0 || gs.NextSignatureId == 0 {
		return errorsmod.Wrap(ErrInvalidGenesis, "next ids start at 1")
	}
	var keySetIDs, sigIDs []uint64
	active := 0
	for _, ks := range gs.KeySets {
		keySetIDs = append(keySetIDs, ks.Id)
		if ks.Status == KEY_SET_STATUS_ACTIVE {
			active++
		}
	}
	if active > 1 {
		return errorsmod.Wrapf(ErrInvalidGenesis, "%d active key sets: one committee holds the key at a time", active)
	}
	for _, s := range gs.Signatures {
		sigIDs = append(sigIDs, s.Id)
	}
	var lastSession uint64
	for _, s := range gs.Sessions {
		if s.Id <= lastSession || s.Id >= gs.NextSessionId {
			return errorsmod.Wrapf(ErrInvalidGenesis, "session id %d out of order or not below next_session_id", s.Id)
		}
		_, knownType := SessionType_name[int32(s.Type)]
		_, knownStatus := SessionStatus_name[int32(s.Status)]
		if !knownType || !knownStatus || s.Type == SESSION_TYPE_UNSPECIFIED || s.Status == SESSION_STATUS_UNSPECIFIED || len(s.Parties) < 2 {
			return errorsmod.Wrapf(ErrInvalidGenesis, "session %d: type, status and 2+ parties are required", s.Id)
		}
		// closed_height keys the pruning index: 0 while open, set once closed.
		if open := s.Status == SESSION_STATUS_OPEN; open != (s.ClosedHeight == 0) || (!open && s.ClosedHeight < s.StartHeight) {
			return errorsmod.Wrapf(ErrInvalidGenesis, "session %d: closed_height %d does not fit status %s (start height %d)", s.Id, s.ClosedHeight, s.Status, s.StartHeight)
		}
		if !slices.Contains(keySetIDs, s.KeySetId) || (s.Type == SESSION_TYPE_SIGN && !slices.Contains(sigIDs, s.SignatureId)) ||
			(s.Type == SESSION_TYPE_RESHARE && !slices.Contains(keySetIDs, s.NewKeySetId)) {
			return errorsmod.Wrapf(ErrInvalidGenesis, "session %d refers to a missing key set or signature", s.Id)
		}
		lastSession = s.Id
	}
	var lastSig uint64
	for _, s := range gs.Signatures {
		if s.Id <= lastSig || s.Id >= gs.NextSignatureId {
			return errorsmod.Wrapf(ErrInvalidGenesis, "signature id %d out of order or not below next_signature_id", s.Id)
		}
		if _, err := ParseDigest(s.Digest); err != nil {
			return errorsmod.Wrapf(err, "signature %d", s.Id)
		}
		if _, err := ParseSignaturePubkey(s.Pubkey); err != nil {
			return errorsmod.Wrapf(err, "signature %d", s.Id)
		}
		// The requester keys the pending-request counts InitGenesis rebuilds.
		if _, known := SignatureStatus_name[int32(s.Status)]; !known || s.Status == SIGNATURE_STATUS_UNSPECIFIED || s.Requester == "" {
			return errorsmod.Wrapf(ErrInvalidGenesis, "signature %d: status and requester are required", s.Id)
		}
		if _, err := pkptypes.ParseTokenID(s.TokenId); err != nil {
			return errorsmod.Wrapf(err, "signature %d", s.Id)
		}
		lastSig = s.Id
	}
	for i, k := range gs.EncKeys {
		if _, err := sdk.ValAddressFromBech32(k.Validator); err != nil || ValidateEncPubkey(k.Pubkey) != nil {
			return errorsmod.Wrapf(ErrInvalidGenesis, "enc key %d: validator %q, %d-byte key (want a P-256 point)", i, k.Validator, len(k.Pubkey))
		}
		if slices.ContainsFunc(gs.EncKeys[:i], func(o ValidatorEncKey) bool { return o.Validator == k.Validator }) {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate enc key for %s", k.Validator)
		}
	}
	var last uint64
	for _, ks := range gs.KeySets {
		if err := ks.Validate(); err != nil {
			return err
		}
		if ks.Id <= last {
			return errorsmod.Wrapf(ErrInvalidGenesis, "key set ids must ascend: %d after %d", ks.Id, last)
		}
		last = ks.Id
	}
	return nil
}

// ParseDigest parses a 0x-hex 32-byte digest (lower case: the form stored).
func ParseDigest(s string) ([]byte, error) {
	if len(s) != 66 || s[:2] != "0x" || strings.ToLower(s) != s {
		return nil, ErrInvalidDigest
	}
	bz, err := hex.DecodeString(s[2:])
	if err != nil {
		return nil, ErrInvalidDigest
	}
	return bz, nil
}
