// Package authzmsgs lists the messages a transaction really runs: its own and
// those authz MsgExec runs for a granter, at any depth. Checks that look at a
// transaction's messages before they execute (the departure guard, fee-grant
// filters on protocol fees) must see the inner ones too: MsgExec dispatches
// them without the ante handler.
package authzmsgs

import (
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/x/authz"
)

// Flatten returns msgs with every MsgExec followed by the messages it runs
// (the MsgExec itself stays in the list). Nesting is bounded by the tx
// decoder's depth limit.
func Flatten(msgs []sdk.Msg) ([]sdk.Msg, error) {
	out := make([]sdk.Msg, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, m)
		exec, ok := m.(*authz.MsgExec)
		if !ok {
			continue
		}
		inner, err := exec.GetMessages()
		if err != nil {
			return nil, err
		}
		flat, err := Flatten(inner)
		if err != nil {
			return nil, err
		}
		out = append(out, flat...)
	}
	return out, nil
}
