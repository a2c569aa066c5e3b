package types

import "cosmossdk.io/collections"

const (
	// ModuleName is the x/tss module name.
	ModuleName = "tss"
	// StoreKey is the x/tss store key.
	StoreKey = ModuleName
)

// Collection prefixes; never reuse a number.
var (
	KeySetsKey            = collections.NewPrefix(1)
	ParamsKey             = collections.NewPrefix(2)
	SessionsKey           = collections.NewPrefix(3)
	OpenSessionsKey       = collections.NewPrefix(4)
	SignaturesKey         = collections.NewPrefix(5)
	SignaturesByPKPKey    = collections.NewPrefix(6)
	SignQueueKey          = collections.NewPrefix(7)
	EncKeysKey            = collections.NewPrefix(8)
	NextSessionIDKey      = collections.NewPrefix(9)
	NextSignatureIDKey    = collections.NewPrefix(10)
	SeenMessagesKey       = collections.NewPrefix(11)
	PendingByRequesterKey = collections.NewPrefix(12)
	PendingCountKey       = collections.NewPrefix(13)
	ClosedSessionsKey     = collections.NewPrefix(14)
	KeygenWaitSinceKey    = collections.NewPrefix(15)
	FaultRecordsKey       = collections.NewPrefix(16)
	SplitPairsKey         = collections.NewPrefix(17)
	DecryptionsKey        = collections.NewPrefix(18)
	NextDecryptionIDKey   = collections.NewPrefix(19)
)
