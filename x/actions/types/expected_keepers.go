package types

import (
	"context"

	pkptypes "github.com/litprotocol/litd/x/pkp/types"
)

// PKPKeeper answers whether an action may sign with a PKP.
type PKPKeeper interface {
	GetPKP(ctx context.Context, tokenID []byte) (pkptypes.PKP, error)
	IsPermittedAction(ctx context.Context, tokenID []byte, cid string) (bool, []pkptypes.Scope, error)
}

// TSSKeeper makes and reports signatures.
type TSSKeeper interface {
	RequestSignature(ctx context.Context, tokenID []byte, tokenIDHex, digest, requester string) (uint64, error)
	SignatureStatus(ctx context.Context, id uint64) (done, failed bool, reason string, err error)
}
