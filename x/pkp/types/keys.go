package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the x/pkp module name.
	ModuleName = "pkp"
	// StoreKey is the x/pkp store key.
	StoreKey = ModuleName
)

// Collection prefixes; never reuse a number.
var (
	ParamsKey             = collections.NewPrefix(0)
	PKPsKey               = collections.NewPrefix(1)
	PKPsByOwnerKey        = collections.NewPrefix(2)
	PKPsByEthAddressKey   = collections.NewPrefix(3)
	PermittedActionsKey   = collections.NewPrefix(4)
	PermittedAddressesKey = collections.NewPrefix(5)
	AuthMethodsKey        = collections.NewPrefix(6)
	PKPsByAuthMethodKey   = collections.NewPrefix(7)
	NextKeyIDKey          = collections.NewPrefix(8)
	AuthMethodCountersKey = collections.NewPrefix(9)
	SessionKeysKey        = collections.NewPrefix(10)
)
