package types

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// BankKeeper pays the mint fee.
type BankKeeper interface {
	SendCoinsFromAccountToModule(ctx context.Context, senderAddr sdk.AccAddress, recipientModule string, amt sdk.Coins) error
}

// KeySource derives PKP public keys from the network root key (x/tss). Any
// error means no key can be derived now; minting reports it under
// ErrRootKeyNotReady with the source's own message.
type KeySource interface {
	// DerivePubkey returns the 65-byte uncompressed public key for key id.
	DerivePubkey(ctx context.Context, keyID uint64) ([]byte, error)
}
