package sponsor_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/tx"

	"github.com/litprotocol/litd/app/sponsor"
)

type sent struct {
	from sdk.AccAddress
	amt  sdk.Coins
}

type fakeBank struct{ sent []sent }

// GetBalance passes through Bank untouched; these tests do not read it.
func (b *fakeBank) GetBalance(_ context.Context, _ sdk.AccAddress, denom string) sdk.Coin {
	return sdk.NewCoin(denom, math.ZeroInt())
}

func (b *fakeBank) SendCoinsFromAccountToModule(_ context.Context, from sdk.AccAddress, _ string, amt sdk.Coins) error {
	b.sent = append(b.sent, sent{from, amt})
	return nil
}

type fakeGrants struct {
	used  sdk.Coins
	limit sdk.Coins
}

func (g *fakeGrants) UseGrantedFees(_ context.Context, _, _ sdk.AccAddress, fee sdk.Coins, _ []sdk.Msg) error {
	if !g.used.Add(fee...).IsAllLTE(g.limit) {
		return errors.New("fee limit exceeded")
	}
	g.used = g.used.Add(fee...)
	return nil
}

// feeTx is the part of a signed transaction Mark reads.
type feeTx struct {
	sdk.FeeTx
	granter, payer sdk.AccAddress
}

func (t feeTx) FeeGranter() []byte   { return t.granter }
func (t feeTx) FeePayer() []byte     { return t.payer }
func (t feeTx) GetMsgs() []sdk.Msg   { return []sdk.Msg{&tx.TxBody{}} }
func (t feeTx) GetFee() sdk.Coins    { return nil }
func (t feeTx) GetGas() uint64       { return 0 }
func (t feeTx) ValidateBasic() error { return nil }

func TestSponsoredFees(t *testing.T) {
	granter, user, other := sdk.AccAddress("granter_____________"), sdk.AccAddress("user________________"), sdk.AccAddress("other_______________")
	fee := sdk.NewCoins(sdk.NewInt64Coin("ulit", 100))
	bank, grants := &fakeBank{}, &fakeGrants{limit: sdk.NewCoins(sdk.NewInt64Coin("ulit", 150))}
	b := sponsor.NewBank(bank, grants)
	plain := sdk.Context{}.WithContext(context.Background())

	// Unmarked: the account pays.
	require.NoError(t, b.SendCoinsFromAccountToModule(plain, user, "fee_collector", fee))
	require.Equal(t, user, bank.sent[0].from)

	// A fee-granted transaction: the granter pays its fee payer's module fees,
	// charged to the allowance; another account in it pays its own.
	marked := sponsor.Mark(plain, feeTx{granter: granter, payer: user})
	require.NoError(t, b.SendCoinsFromAccountToModule(marked, user, "fee_collector", fee))
	require.Equal(t, granter, bank.sent[1].from)
	require.Equal(t, fee, grants.used)
	require.NoError(t, b.SendCoinsFromAccountToModule(marked, other, "fee_collector", fee))
	require.Equal(t, other, bank.sent[2].from)

	// Over the allowance: refused, nothing sent.
	require.ErrorContains(t, b.SendCoinsFromAccountToModule(marked, user, "fee_collector", fee), "fee limit exceeded")
	require.Len(t, bank.sent, 3)

	// Paying one's own fee is not a grant.
	self := sponsor.Mark(plain, feeTx{granter: user, payer: user})
	require.NoError(t, b.SendCoinsFromAccountToModule(self, user, "fee_collector", fee))
	require.Equal(t, user, bank.sent[3].from)
}
