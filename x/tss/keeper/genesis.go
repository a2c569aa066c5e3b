package keeper

import (
	"context"

	"cosmossdk.io/collections"

	sdk "github.com/cosmos/cosmos-sdk/types"

	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	"github.com/litprotocol/litd/x/tss/types"
)

// InitGenesis validates and stores the genesis state, rebuilding the indexes
// (open and closed sessions, signatures by PKP, the queue), the decryption
// requests and the
// pending-request counts.
func (k Keeper) InitGenesis(ctx context.Context, gs types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	if err := k.NextSessionID.Set(ctx, gs.NextSessionId); err != nil {
		return err
	}
	if err := k.NextSignatureID.Set(ctx, gs.NextSignatureId); err != nil {
		return err
	}
	if err := k.NextDecryptionID.Set(ctx, gs.NextDecryptionId); err != nil {
		return err
	}
	for _, d := range gs.Decryptions {
		if err := k.Decryptions.Set(ctx, d.Id, d); err != nil {
			return err
		}
	}
	for _, ks := range gs.KeySets {
		if err := k.KeySets.Set(ctx, ks.Id, ks); err != nil {
			return err
		}
	}
	for _, s := range gs.Sessions {
		if err := k.Sessions.Set(ctx, s.Id, s); err != nil {
			return err
		}
		var err error
		if s.Status == types.SESSION_STATUS_OPEN {
			err = k.OpenSessions.Set(ctx, s.Id)
		} else {
			err = k.ClosedSessions.Set(ctx, collections.Join(s.ClosedHeight, s.Id))
		}
		if err != nil {
			return err
		}
	}
	for _, s := range gs.Signatures {
		tokenID, err := pkptypes.ParseTokenID(s.TokenId)
		if err != nil {
			return err
		}
		if err := k.Signatures.Set(ctx, s.Id, s); err != nil {
			return err
		}
		if err := k.SignaturesByPKP.Set(ctx, collections.Join(tokenID, s.Id)); err != nil {
			return err
		}
		if s.Status == types.SIGNATURE_STATUS_PENDING && s.SessionId == 0 {
			if err := k.SignQueue.Set(ctx, s.Id); err != nil {
				return err
			}
		}
	}
	if err := k.countPending(ctx, gs.Signatures); err != nil {
		return err
	}
	for _, ek := range gs.EncKeys {
		val, err := sdk.ValAddressFromBech32(ek.Validator)
		if err != nil {
			return err
		}
		if err := k.EncKeys.Set(ctx, val, ek); err != nil {
			return err
		}
	}
	return nil
}

// ExportGenesis returns the whole module state in key order.
func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: params}
	if gs.NextSessionId, err = k.NextSessionID.Peek(ctx); err != nil {
		return nil, err
	}
	if gs.NextSignatureId, err = k.NextSignatureID.Peek(ctx); err != nil {
		return nil, err
	}
	if gs.NextDecryptionId, err = k.NextDecryptionID.Peek(ctx); err != nil {
		return nil, err
	}
	if err := k.Decryptions.Walk(ctx, nil, func(_ uint64, d types.Decryption) (bool, error) {
		gs.Decryptions = append(gs.Decryptions, d)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.KeySets.Walk(ctx, nil, func(_ uint64, ks types.KeySet) (bool, error) {
		gs.KeySets = append(gs.KeySets, ks)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Sessions.Walk(ctx, nil, func(_ uint64, s types.Session) (bool, error) {
		gs.Sessions = append(gs.Sessions, s)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Signatures.Walk(ctx, nil, func(_ uint64, s types.Signature) (bool, error) {
		gs.Signatures = append(gs.Signatures, s)
		return false, nil
	}); err != nil {
		return nil, err
	}
	err = k.EncKeys.Walk(ctx, nil, func(_ sdk.ValAddress, ek types.ValidatorEncKey) (bool, error) {
		gs.EncKeys = append(gs.EncKeys, ek)
		return false, nil
	})
	return gs, err
}

// Migrate1to2 gives a chain from before threshold decryption the params it
// adds (version 1 has none: their zero values would refuse every
// decryption). Key sets get public shares at their next reshare.
func (k Keeper) Migrate1to2(ctx sdk.Context) error {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	def := types.DefaultParams()
	if p.DecryptFee.Denom == "" {
		p.DecryptFee = def.DecryptFee
	}
	if p.MaxOpenDecryptions == 0 {
		p.MaxOpenDecryptions = def.MaxOpenDecryptions
	}
	if p.MaxOpenDecryptionsPerRequester == 0 {
		p.MaxOpenDecryptionsPerRequester = min(def.MaxOpenDecryptionsPerRequester, p.MaxOpenDecryptions)
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return k.Params.Set(ctx, p)
}
