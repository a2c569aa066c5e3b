package types

import (
	errorsmod "cosmossdk.io/errors"

	pkptypes "github.com/litprotocol/litd/x/pkp/types"
)

// DefaultGenesis has no actions and no executions.
func DefaultGenesis() *GenesisState {
	return &GenesisState{Params: DefaultParams(), NextExecutionId: 1}
}

// Validate checks params, that every action sits under its own CID,
// execution ids, and that addresses are in the canonical form state uses.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	if gs.NextExecutionId == 0 {
		return errorsmod.Wrap(ErrInvalidGenesis, "next_execution_id starts at 1")
	}
	seen := map[string]bool{}
	for _, a := range gs.Actions {
		if want := CID([]byte(a.Code)); a.Cid != want {
			return errorsmod.Wrapf(ErrInvalidGenesis, "action %s: its code hashes to %s", a.Cid, want)
		}
		if seen[a.Cid] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate action %s", a.Cid)
		}
		if err := pkptypes.ValidateCanonicalAddress(a.Uploader); err != nil {
			return errorsmod.Wrapf(ErrInvalidGenesis, "action %s uploader: %v", a.Cid, err)
		}
		seen[a.Cid] = true
	}
	var last uint64
	for _, e := range gs.Executions {
		if e.Id <= last || e.Id >= gs.NextExecutionId {
			return errorsmod.Wrapf(ErrInvalidGenesis, "execution id %d out of order or not below next_execution_id", e.Id)
		}
		if !seen[e.Cid] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "execution %d of unknown action %s", e.Id, e.Cid)
		}
		if err := pkptypes.ValidateCanonicalAddress(e.Caller); err != nil {
			return errorsmod.Wrapf(ErrInvalidGenesis, "execution %d caller: %v", e.Id, err)
		}
		last = e.Id
	}
	return nil
}
