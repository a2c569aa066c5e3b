package app

import (
	"github.com/cosmos/cosmos-sdk/baseapp"
	sdk "github.com/cosmos/cosmos-sdk/types"
)

// guardedRouter is the message router x/gov and x/authz dispatch through:
// messages they run skip the ante handler, so the departure guard (an
// unbonding must not leave fewer than t+1 bonded root-key share holders)
// runs here, on each message as it executes, against the state of that
// moment. A proposal carrying MsgExec{MsgUndelegate} is covered this way.
type guardedRouter struct {
	baseapp.MessageRouter
	app *App
}

// Handler implements baseapp.MessageRouter.
func (r guardedRouter) Handler(msg sdk.Msg) baseapp.MsgServiceHandler {
	return r.guard(r.MessageRouter.Handler(msg))
}

// HandlerByTypeURL implements baseapp.MessageRouter.
func (r guardedRouter) HandlerByTypeURL(typeURL string) baseapp.MsgServiceHandler {
	return r.guard(r.MessageRouter.HandlerByTypeURL(typeURL))
}

func (r guardedRouter) guard(h baseapp.MsgServiceHandler) baseapp.MsgServiceHandler {
	if h == nil {
		return nil
	}
	return func(ctx sdk.Context, msg sdk.Msg) (*sdk.Result, error) {
		if err := r.app.TSSKeeper.CheckDepartures(ctx, []sdk.Msg{msg}); err != nil {
			return nil, err
		}
		return h(ctx, msg)
	}
}
