package types

import (
	"context"

	abci "github.com/cometbft/cometbft/abci/types"

	storetypes "github.com/cosmos/cosmos-sdk/store/v2/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
)

// TxRunner runs a block's transactions with the wrapped runner, but reports
// an injected tx 0 as a successful non-transaction instead of letting it fail
// to decode: clients and indexers see no failed tx.
type TxRunner struct{ Inner sdk.TxRunner }

// Run implements sdk.TxRunner.
func (r TxRunner) Run(ctx context.Context, ms storetypes.MultiStore, txs [][]byte, deliverTx sdk.DeliverTxFunc) ([]*abci.ExecTxResult, error) {
	if len(txs) == 0 || !IsInjected(txs[0]) {
		return r.Inner.Run(ctx, ms, txs, deliverTx)
	}
	shifted := func(tx []byte, memTx sdk.Tx, ms storetypes.MultiStore, i int, cache map[string]any) *abci.ExecTxResult {
		return deliverTx(tx, memTx, ms, i+1, cache)
	}
	rest, err := r.Inner.Run(ctx, ms, txs[1:], shifted)
	if err != nil {
		return nil, err
	}
	injected := &abci.ExecTxResult{Info: "litd: injected vote extensions (not a transaction)"}
	return append([]*abci.ExecTxResult{injected}, rest...), nil
}

// Unwrap exposes the wrapped runner to the SDK's parallel-runner checks.
func (r TxRunner) Unwrap() sdk.TxRunner { return r.Inner }
