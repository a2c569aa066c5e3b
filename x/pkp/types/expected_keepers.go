package types

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// BankKeeper pays the mint fee and reads balances for access conditions.
type BankKeeper interface {
	SendCoinsFromAccountToModule(ctx context.Context, senderAddr sdk.AccAddress, recipientModule string, amt sdk.Coins) error
	GetBalance(ctx context.Context, addr sdk.AccAddress, denom string) sdk.Coin
}

// ExecutionOutcome is what an access condition reads of a Lit Action
// execution.
type ExecutionOutcome struct {
	Cid, Caller, JsParams, Response string
	// Completed: the result was accepted and its signatures made.
	Completed bool
}

// ActionsKeeper is x/actions as access conditions read it; the app sets it
// after building x/actions (which itself reads x/pkp).
type ActionsKeeper interface {
	// ExecutionOutcome returns an execution's outcome; an error if it does
	// not exist.
	ExecutionOutcome(ctx context.Context, id uint64) (ExecutionOutcome, error)
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
	// RequestDecryption asks the key set's participants for decryption
	// shares of ephemeral, sealed to requesterKey, charging payer the
	// decrypt fee; a refused request writes nothing.
	RequestDecryption(ctx context.Context, requester string, payer sdk.AccAddress, ephemeral, identity, requesterKey []byte) (uint64, error)
}
