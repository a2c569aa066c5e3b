// Package types holds what the ABCI++ handlers share: the vote extension
// format and the encoding of the extended commit a proposer injects as tx 0.
package types

import (
	"bytes"
	"errors"

	abci "github.com/cometbft/cometbft/abci/types"

	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"
)

// MaxExtensionBytes bounds one validator's vote extension. CometBFT's
// consensus channel carries vote messages up to 1 MiB in all, so the
// extension leaves 4 KiB for the rest of the vote.
const MaxExtensionBytes = 1<<20 - 4096

// InjectedTypeURL names the one message of tx 0: the extended commit, as
// CometBFT's own protobuf type.
const InjectedTypeURL = "/tendermint.abci.ExtendedCommitInfo"

// EncodeInjected renders the extended commit as tx 0: a Cosmos TxRaw whose
// body holds one message, the commit, and nothing else (no auth info, no
// signatures). Standard decoders (CosmJS decodeTxRaw, block explorers) read
// it like any tx; no account can sign or pay for it, and the SDK's decoder
// refuses it (the type is no sdk.Msg), so it never enters a mempool.
func EncodeInjected(info abci.ExtendedCommitInfo) ([]byte, error) {
	bz, err := info.Marshal()
	if err != nil {
		return nil, err
	}
	return envelope(bz)
}

// envelope wraps a marshalled commit in the tx 0 TxRaw.
func envelope(commit []byte) ([]byte, error) {
	body, err := (&txtypes.TxBody{Messages: []*codectypes.Any{{TypeUrl: InjectedTypeURL, Value: commit}}}).Marshal()
	if err != nil {
		return nil, err
	}
	return (&txtypes.TxRaw{BodyBytes: body}).Marshal()
}

// injectedCommit returns the marshalled commit tx carries, if tx is exactly
// the envelope EncodeInjected makes (re-encoding it gives the same bytes, so
// nothing else can ride along; DecodeInjected checks the commit likewise).
func injectedCommit(tx []byte) ([]byte, bool) {
	var raw txtypes.TxRaw
	if raw.Unmarshal(tx) != nil || len(raw.AuthInfoBytes) != 0 || len(raw.Signatures) != 0 {
		return nil, false
	}
	var body txtypes.TxBody
	if body.Unmarshal(raw.BodyBytes) != nil || len(body.Messages) != 1 || body.Messages[0].TypeUrl != InjectedTypeURL {
		return nil, false
	}
	commit := body.Messages[0].Value
	canon, err := envelope(commit)
	if err != nil || !bytes.Equal(canon, tx) {
		return nil, false
	}
	return commit, true
}

// IsInjected tells whether tx is an injected extended commit.
func IsInjected(tx []byte) bool {
	_, ok := injectedCommit(tx)
	return ok
}

// DecodeInjected parses tx 0; ok is false when tx is not an injected commit.
func DecodeInjected(tx []byte) (info abci.ExtendedCommitInfo, ok bool, err error) {
	commit, ok := injectedCommit(tx)
	if !ok {
		return info, false, nil
	}
	if err := info.Unmarshal(commit); err != nil {
		return info, true, errors.Join(errors.New("injected extended commit does not decode"), err)
	}
	// Only the encoding EncodeInjected makes: no unknown fields or other
	// bytes ride along inside the commit either.
	if canon, err := info.Marshal(); err != nil || !bytes.Equal(canon, commit) {
		return info, true, errors.New("injected extended commit is not canonically encoded")
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
