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
	return &GenesisState{Params: DefaultParams(), NextSessionId: 1, NextSignatureId: 1, NextDecryptionId: 1}
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
	if len(ks.PublicShares) != 0 && len(ks.PublicShares) != n {
		return errorsmod.Wrapf(ErrInvalidKeySet, "key set %d: %d public shares for %d participants", ks.Id, len(ks.PublicShares), n)
	}
	for _, ps := range ks.PublicShares {
		if _, err := ParseRootPubkey(ps); err != nil {
			return errorsmod.Wrapf(err, "key set %d public share", ks.Id)
		}
	}
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
	if gs.NextSessionId == 0 || gs.NextSignatureId == 0 || gs.NextDecryptionId == 0 {
		return errorsmod.Wrap(ErrInvalidGenesis, "next ids start at 1")
	}
	var keySetIDs, sigIDs, decIDs []uint64
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
	var lastDec uint64
	for _, d := range gs.Decryptions {
		if d.Id <= lastDec || d.Id >= gs.NextDecryptionId {
			return errorsmod.Wrapf(ErrInvalidGenesis, "decryption id %d out of order or not below next_decryption_id", d.Id)
		}
		if err := d.Validate(); err != nil {
			return errorsmod.Wrapf(ErrInvalidGenesis, "decryption %d: %v", d.Id, err)
		}
		decIDs = append(decIDs, d.Id)
		lastDec = d.Id
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
			(s.Type == SESSION_TYPE_RESHARE && !slices.Contains(keySetIDs, s.NewKeySetId)) ||
			(s.Type == SESSION_TYPE_DECRYPT && !slices.Contains(decIDs, s.DecryptionId)) {
			return errorsmod.Wrapf(ErrInvalidGenesis, "session %d refers to a missing key set, signature or decryption", s.Id)
		}
		lastSession = s.Id
	}
	for _, d := range gs.Decryptions {
		i := slices.IndexFunc(gs.Sessions, func(s Session) bool { return s.Id == d.SessionId })
		if i < 0 || gs.Sessions[i].Type != SESSION_TYPE_DECRYPT || gs.Sessions[i].DecryptionId != d.Id {
			return errorsmod.Wrapf(ErrInvalidGenesis, "decryption %d: session %d is not its decrypt session", d.Id, d.SessionId)
		}
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

// Validate checks one decryption request's shape (genesis).
func (d Decryption) Validate() error {
	if _, err := sdk.AccAddressFromBech32(d.Requester); err != nil {
		return errorsmod.Wrapf(ErrInvalidDecrypt, "requester: %v", err)
	}
	if len(d.Ephemeral) != 33 || len(d.Identity) != 32 || len(d.RequesterKey) != RequesterKeyLen {
		return errorsmod.Wrap(ErrInvalidDecrypt, "ephemeral (33 bytes), identity (32) and requester_key (32) are required")
	}
	if _, known := DecryptionStatus_name[int32(d.Status)]; !known || d.Status == DECRYPTION_STATUS_UNSPECIFIED || d.SessionId == 0 {
		return errorsmod.Wrap(ErrInvalidDecrypt, "status and session are required")
	}
	if served := len(d.Shares) > int(d.Threshold); served != (d.Status == DECRYPTION_STATUS_SERVED) {
		return errorsmod.Wrapf(ErrInvalidDecrypt, "status %s with %d shares of threshold %d", d.Status, len(d.Shares), d.Threshold)
	}
	for i, sh := range d.Shares {
		if _, err := sdk.ValAddressFromBech32(sh.Validator); err != nil || len(sh.Sealed) == 0 || len(sh.Sealed) > MaxSealedShareLen {
			return errorsmod.Wrapf(ErrInvalidDecrypt, "share %d: validator %q, %d sealed bytes", i, sh.Validator, len(sh.Sealed))
		}
		if slices.ContainsFunc(d.Shares[:i], func(o SealedShare) bool { return o.Validator == sh.Validator }) {
			return errorsmod.Wrapf(ErrInvalidDecrypt, "two shares from %s", sh.Validator)
		}
	}
	return nil
}
