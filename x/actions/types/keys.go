// Package types holds the x/actions state types, messages, errors and the
// canonical result digest that validators agree on.
package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the x/actions module name.
	ModuleName = "actions"
	// StoreKey is the x/actions store key.
	StoreKey = ModuleName
)

// Collection prefixes; never reuse a number.
var (
	ParamsKey          = collections.NewPrefix(0)
	ActionsKey         = collections.NewPrefix(1)
	ExecutionsKey      = collections.NewPrefix(2)
	OpenExecutionsKey  = collections.NewPrefix(3)
	NextExecutionIDKey = collections.NewPrefix(4)
	FetchReportsKey    = collections.NewPrefix(5)
	ReportersKey       = collections.NewPrefix(6)
	ResultVotesKey     = collections.NewPrefix(7)
	ResultCopiesKey    = collections.NewPrefix(8)
	QuorumHeightKey    = collections.NewPrefix(9)
	OpenByCallerKey    = collections.NewPrefix(10)
	PruneQueueKey      = collections.NewPrefix(11)
	SignatureExecKey   = collections.NewPrefix(12)
)
