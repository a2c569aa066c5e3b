package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the x/tss module name.
	ModuleName = "tss"
	// StoreKey is the x/tss store key.
	StoreKey = ModuleName
)

// Collection prefixes; never reuse a number.
var KeySetsKey = collections.NewPrefix(1)
