package types

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// BankKeeper pays the mint fee.
type BankKeeper interface {
	SendCoinsFromAccountToModule(ctx context.Context, senderAddr sdk.AccAddress, recipientModule string, amt sdk.Coins) error
}

// TSSKeeper is x/tss as x/pkp uses it.
type TSSKeeper interface {
	// DerivePubkey returns the 65-byte uncompressed public key for key id.
	// Any error means no key can be derived now; minting reports it under
	// ErrRootKeyNotReady with the source's own message.
	DerivePubkey(ctx context.Context, keyID uint64) ([]byte, error)
	// RequestPaidSignature queues a request, already authorised by x/pkp, to
	// sign digest (0x-hex, lower case) with the PKP's key, charging payer the
	// sign fee; a refused request writes nothing.
	RequestPaidSignature(ctx context.Context, tokenID []byte, tokenIDHex string, keyID uint64, digest, requester string, payer sdk.AccAddress) (uint64, error)
}
