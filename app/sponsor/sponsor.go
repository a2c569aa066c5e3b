// Package sponsor lets a fee grant pay the protocol fees (PKP mint fee, sign
// fee) of its grantee's transactions, not only their gas fee: an app can give
// a user who holds no tokens a PKP and signatures, within one allowance.
//
// The ante handler marks a transaction whose fee is paid by a granter
// (Mark); while its messages run, Bank charges a module fee owed by the
// transaction's fee payer to the same allowance (UseGrantedFees, so spend
// limits, periods and allowed-message filters apply) and takes the coins from
// the granter. Everything else passes through to the bank keeper.
package sponsor

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/internal/authzmsgs"
)

// BankKeeper is the part of x/bank the sponsored modules use.
type BankKeeper interface {
	SendCoinsFromAccountToModule(ctx context.Context, from sdk.AccAddress, to string, amt sdk.Coins) error
	GetBalance(ctx context.Context, addr sdk.AccAddress, denom string) sdk.Coin
}

// FeegrantKeeper charges a fee allowance.
type FeegrantKeeper interface {
	UseGrantedFees(ctx context.Context, granter, grantee sdk.AccAddress, fee sdk.Coins, msgs []sdk.Msg) error
}

// grant is what Mark records for the running transaction.
type grant struct {
	granter, grantee sdk.AccAddress
	msgs             []sdk.Msg
}

type grantKey struct{}

// Mark records tx's fee grant in the context its messages run with; a
// transaction without a granter (or whose payer is its own granter) is
// returned unmarked.
func Mark(ctx sdk.Context, tx sdk.Tx) sdk.Context {
	feeTx, ok := tx.(sdk.FeeTx)
	if !ok {
		return ctx
	}
	granter, payer := sdk.AccAddress(feeTx.FeeGranter()), sdk.AccAddress(feeTx.FeePayer())
	if len(granter) == 0 || granter.Equals(payer) {
		return ctx
	}
	// A grant's allowed-message filter must also allow what MsgExec runs:
	// otherwise a grant for MsgExec alone would pay a MsgMint wrapped in one.
	// Messages that do not unpack never run; an empty list refuses the fee.
	msgs, err := authzmsgs.Flatten(tx.GetMsgs())
	if err != nil {
		msgs = nil
	}
	return ctx.WithValue(grantKey{}, grant{granter: granter, grantee: payer, msgs: msgs})
}

// Bank sends module fees on behalf of a marked transaction's fee payer.
type Bank struct {
	BankKeeper
	feegrant FeegrantKeeper
}

// NewBank wraps bank so that fees owed by a sponsored fee payer are charged
// to its grant.
func NewBank(bank BankKeeper, feegrant FeegrantKeeper) Bank {
	return Bank{BankKeeper: bank, feegrant: feegrant}
}

// SendCoinsFromAccountToModule pays amt from the granter when from is the fee
// payer of a marked transaction and the allowance covers it; the grant's
// error (expired, over the limit, message not allowed) is returned as is.
func (b Bank) SendCoinsFromAccountToModule(ctx context.Context, from sdk.AccAddress, to string, amt sdk.Coins) error {
	g, ok := ctx.Value(grantKey{}).(grant)
	if !ok || !g.grantee.Equals(from) {
		return b.BankKeeper.SendCoinsFromAccountToModule(ctx, from, to, amt)
	}
	if err := b.feegrant.UseGrantedFees(ctx, g.granter, g.grantee, amt, g.msgs); err != nil {
		return err
	}
	return b.BankKeeper.SendCoinsFromAccountToModule(ctx, g.granter, to, amt)
}
