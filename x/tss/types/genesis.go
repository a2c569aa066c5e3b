package types

import (
	"slices"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// DefaultGenesis has no key set: the validators make one by DKG.
func DefaultGenesis() *GenesisState {
	return &GenesisState{}
}

// Validate checks one key set.
func (ks KeySet) Validate() error {
	if ks.Id == 0 {
		return errorsmod.Wrap(ErrInvalidKeySet, "id must be >= 1")
	}
	if _, ok := KeySetStatus_name[int32(ks.Status)]; !ok || ks.Status == KEY_SET_STATUS_UNSPECIFIED {
		return errorsmod.Wrapf(ErrInvalidKeySet, "key set %d: status %d", ks.Id, ks.Status)
	}
	if ks.Status == KEY_SET_STATUS_ACTIVE {
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

// Validate rejects malformed key sets and ids out of order.
func (gs GenesisState) Validate() error {
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
