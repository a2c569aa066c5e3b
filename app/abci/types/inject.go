// Package types holds what the ABCI++ handlers share: the vote extension
// format and the encoding of the extended commit a proposer injects as tx 0.
package types

import (
	"bytes"
	"errors"

	abci "github.com/cometbft/cometbft/abci/types"
)

// MaxExtensionBytes bounds one validator's vote extension. CometBFT's
// consensus channel carries vote messages up to 1 MiB in all, so the
// extension leaves 4 KiB for the rest of the vote.
const MaxExtensionBytes = 1<<20 - 4096

// injectedPrefix starts tx 0 when it carries the extended commit. A protobuf
// Cosmos tx starts with field tag 0x0a, never 0x00, so the two cannot be confused.
var injectedPrefix = []byte("\x00litd/ve/v1\x00")

// EncodeInjected renders the extended commit as tx 0.
func EncodeInjected(info abci.ExtendedCommitInfo) ([]byte, error) {
	bz, err := info.Marshal()
	if err != nil {
		return nil, err
	}
	return append(bytes.Clone(injectedPrefix), bz...), nil
}

// IsInjected tells whether tx is an injected extended commit.
func IsInjected(tx []byte) bool { return bytes.HasPrefix(tx, injectedPrefix) }

// DecodeInjected parses tx 0; ok is false when tx is not an injected commit.
func DecodeInjected(tx []byte) (info abci.ExtendedCommitInfo, ok bool, err error) {
	if !IsInjected(tx) {
		return info, false, nil
	}
	if err := info.Unmarshal(tx[len(injectedPrefix):]); err != nil {
		return info, true, errors.Join(errors.New("injected extended commit does not decode"), err)
	}
	return info, true, nil
}

// DecodeExtension parses and bounds one vote extension. Empty is valid.
func DecodeExtension(bz []byte) (*VoteExtension, error) {
	if len(bz) > MaxExtensionBytes {
		return nil, errors.New("vote extension over the size bound")
	}
	var ext VoteExtension
	if err := ext.Unmarshal(bz); err != nil {
		return nil, err
	}
	return &ext, nil
}

// VoteExtensionsEnabled tells whether the commit for height h-1 carries
// extensions, i.e. whether block h must be able to carry them.
func VoteExtensionsEnabled(enableHeight, h int64) bool {
	return enableHeight > 0 && h > enableHeight
}
