package types

import (
	"math"
	"slices"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// DefaultGenesis has no PKPs; key ids start at 1.
func DefaultGenesis() *GenesisState {
	return &GenesisState{Params: DefaultParams(), NextKeyId: 1}
}

// ValidatePKP checks one PKP record on its own: canonical pubkey, matching
// token id, owner rules.
func ValidatePKP(p PKP) error {
	pk, err := ParsePubkey(p.Pubkey)
	if err != nil {
		return err
	}
	if p.Pubkey != PubkeyHex(pk) {
		return errorsmod.Wrapf(ErrInvalidPubkey, "pubkey of %s must be 0x-hex of the 65-byte uncompressed key in lower case", p.TokenId)
	}
	if want := FormatTokenID(TokenIDFromPubkey(pk)); p.TokenId != want {
		return errorsmod.Wrapf(ErrInvalidTokenID, "token id %s does not match its pubkey (want %s)", p.TokenId, want)
	}
	if p.Burned {
		if p.Owner != "" {
			return errorsmod.Wrapf(ErrInvalidGenesis, "burned pkp %s has an owner", p.TokenId)
		}
	} else if err := ValidateCanonicalAddress(p.Owner); err != nil {
		return errorsmod.Wrapf(err, "owner of %s", p.TokenId)
	}
	if p.MintGrantBurn && !p.Burned {
		return errorsmod.Wrapf(ErrInvalidGenesis, "mint/grant/burn pkp %s is not burned", p.TokenId)
	}
	return nil
}

// Validate rejects malformed records, duplicates and dangling permissions.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	if gs.NextKeyId == 0 {
		return errorsmod.Wrap(ErrInvalidGenesis, "next_key_id must be >= 1")
	}
	pkps := make(map[string]PKP, len(gs.Pkps))
	var keyIDs []uint64
	for _, p := range gs.Pkps {
		if err := ValidatePKP(p); err != nil {
			return err
		}
		if _, dup := pkps[p.TokenId]; dup {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate pkp %s", p.TokenId)
		}
		if slices.Contains(keyIDs, p.KeyId) {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate key id %d", p.KeyId)
		}
		if p.KeyId >= gs.NextKeyId {
			return errorsmod.Wrapf(ErrInvalidGenesis, "key id %d of %s is not below next_key_id %d", p.KeyId, p.TokenId, gs.NextKeyId)
		}
		pkps[p.TokenId] = p
		keyIDs = append(keyIDs, p.KeyId)
	}
	known := func(tokenID string) (PKP, error) {
		p, ok := pkps[tokenID]
		if !ok {
			return PKP{}, errorsmod.Wrapf(ErrInvalidGenesis, "permission for unknown pkp %s", tokenID)
		}
		return p, nil
	}
	mgbActions := map[string]int{}
	seen := map[string]bool{}
	for _, a := range gs.PermittedActions {
		p, err := known(a.TokenId)
		if err != nil {
			return err
		}
		if err := ValidateCID(a.Action.Cid); err != nil {
			return err
		}
		if _, err := NormalizeScopes(a.Action.Scopes); err != nil {
			return err
		}
		k := "action/" + a.TokenId + "/" + a.Action.Cid
		if seen[k] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate permitted action %s on %s", a.Action.Cid, a.TokenId)
		}
		seen[k] = true
		if p.MintGrantBurn {
			mgbActions[a.TokenId]++
		}
	}
	for _, a := range gs.PermittedAddresses {
		p, err := known(a.TokenId)
		if err != nil {
			return err
		}
		if err := ValidateCanonicalAddress(a.Address.Address); err != nil {
			return errorsmod.Wrapf(err, "permitted address on %s", a.TokenId)
		}
		if _, err := NormalizeScopes(a.Address.Scopes); err != nil {
			return err
		}
		if p.MintGrantBurn {
			return errorsmod.Wrapf(ErrInvalidGenesis, "mint/grant/burn pkp %s may only permit its action", a.TokenId)
		}
		k := "address/" + a.TokenId + "/" + a.Address.Address
		if seen[k] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate permitted address %s on %s", a.Address.Address, a.TokenId)
		}
		seen[k] = true
	}
	authKeys := map[string]bool{} // token id ‖ auth method key
	for _, a := range gs.AuthMethods {
		p, err := known(a.TokenId)
		if err != nil {
			return err
		}
		am := a.AuthMethod
		if err := am.Validate(); err != nil {
			return err
		}
		if p.MintGrantBurn {
			return errorsmod.Wrapf(ErrInvalidGenesis, "mint/grant/burn pkp %s may only permit its action", a.TokenId)
		}
		k := a.TokenId + string(AuthMethodKey(am.AuthMethodType, am.Id))
		if authKeys[k] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate auth method %d/%s on %s", am.AuthMethodType, am.Id, a.TokenId)
		}
		authKeys[k] = true
	}
	counterKeys := map[string]bool{}
	for _, c := range gs.AuthMethodCounters {
		p, err := known(c.TokenId)
		if err != nil {
			return err
		}
		if p.MintGrantBurn {
			return errorsmod.Wrapf(ErrInvalidGenesis, "mint/grant/burn pkp %s has an auth method counter", c.TokenId)
		}
		typ, id := c.Counter.AuthMethodType, c.Counter.Id
		if ValidateAuthMethodRef(typ, id) != nil || len(id) > MaxAuthMethodFieldLength {
			return errorsmod.Wrapf(ErrInvalidGenesis, "auth method counter %d/%q on %s: invalid auth method", typ, id, c.TokenId)
		}
		if c.Counter.Nonce == math.MaxUint64 {
			return errorsmod.Wrapf(ErrInvalidGenesis, "auth method counter %d/%s on %s: nonce at its maximum (the next would wrap to 0)", typ, id, c.TokenId)
		}
		k := c.TokenId + string(AuthMethodKey(typ, id))
		if counterKeys[k] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate auth method counter %d/%s on %s", typ, id, c.TokenId)
		}
		counterKeys[k] = true
	}
	perPKP := map[string]int{}
	for _, sk := range gs.SessionKeys {
		if _, err := known(sk.TokenId); err != nil {
			return err
		}
		if err := sk.Validate(); err != nil {
			return errorsmod.Wrapf(err, "session key on %s", sk.TokenId)
		}
		if !authKeys[sk.TokenId+string(AuthMethodKey(sk.AuthMethodType, sk.Id))] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "session key %s on %s: its auth method %d/%s is not on the PKP", sk.Pubkey, sk.TokenId, sk.AuthMethodType, sk.Id)
		}
		k := "session/" + sk.TokenId + "/" + sk.Pubkey
		if seen[k] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate session key %s on %s", sk.Pubkey, sk.TokenId)
		}
		seen[k] = true
		if perPKP[sk.TokenId]++; perPKP[sk.TokenId] > MaxSessionKeysPerPKP {
			return errorsmod.Wrapf(ErrInvalidGenesis, "%s has more than %d session keys", sk.TokenId, MaxSessionKeysPerPKP)
		}
	}
	for _, p := range gs.Pkps {
		if p.MintGrantBurn && mgbActions[p.TokenId] != 1 {
			return errorsmod.Wrapf(ErrInvalidGenesis, "mint/grant/burn pkp %s must permit exactly one action", p.TokenId)
		}
	}
	return nil
}

// ValidateCanonicalAddress accepts a bech32 account address only in the form
// state stores: lower case, as the address codec renders it.
func ValidateCanonicalAddress(s string) error {
	addr, err := sdk.AccAddressFromBech32(s)
	if err != nil {
		return errorsmod.Wrapf(ErrInvalidAddress, "%q: %v", s, err)
	}
	if addr.String() != s {
		return errorsmod.Wrapf(ErrInvalidAddress, "%q is not in canonical (lower-case) form", s)
	}
	return nil
}
