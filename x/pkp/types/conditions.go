package types

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/tss/tdh"
)

// Bounds on access conditions: they are evaluated in DeliverTx, and each
// auth method or execution costs reads and a proof check.
const (
	MaxConditionDepth  = 4
	MaxConditions      = 16
	MaxDecryptAuths    = 4
	MaxDecryptActions  = 4
	CiphertextVersion  = 1
	ActionDecryptParam = "decryptionId"
)

// Validate checks a condition tree: known types, only the fields of each
// type set, at most MaxConditionDepth levels and MaxConditions nodes.
func (c AccessCondition) Validate() error {
	n := 0
	return c.validate(1, &n)
}

func (c AccessCondition) validate(depth int, n *int) error {
	*n++
	if depth > MaxConditionDepth || *n > MaxConditions {
		return errorsmod.Wrapf(ErrInvalidConditions, "at most %d levels and %d conditions", MaxConditionDepth, MaxConditions)
	}
	// set lists which optional fields are present, to refuse the ones a
	// type does not use (they would change the identity without meaning).
	tokenSet, authSet, balanceSet, actionSet, nested := c.TokenId != "", c.AuthMethodType != 0 || c.AuthMethodId != "",
		c.Denom != "" || c.Amount != "", c.IpfsId != "", len(c.Conditions) > 0
	onlyToken := !authSet && !balanceSet && !actionSet && !nested
	switch c.Type {
	case CONDITION_TYPE_PKP_OWNER, CONDITION_TYPE_PERMITTED_ADDRESS:
		if !onlyToken {
			return errorsmod.Wrapf(ErrInvalidConditions, "%s takes token_id only", c.Type)
		}
		return canonicalTokenID(c.TokenId)
	case CONDITION_TYPE_PERMITTED_AUTH_METHOD:
		if balanceSet || actionSet || nested || (c.AuthMethodId != "" && c.AuthMethodType == 0) {
			return errorsmod.Wrapf(ErrInvalidConditions, "%s takes token_id and optionally auth_method_type (and then auth_method_id)", c.Type)
		}
		// A hex id is its bytes (AuthMethodIDBytes): one spelling, 0x and lower case.
		if id := c.AuthMethodId; len(id) >= 2 && strings.EqualFold(id[:2], "0x") && string(AuthMethodIDBytes(id)) != id && id != "0x"+strings.ToLower(id[2:]) {
			return errorsmod.Wrapf(ErrInvalidConditions, "auth_method_id %q: write it as 0x%s", id, strings.ToLower(id[2:]))
		}
		return canonicalTokenID(c.TokenId)
	case CONDITION_TYPE_BALANCE:
		if tokenSet || authSet || actionSet || nested {
			return errorsmod.Wrapf(ErrInvalidConditions, "%s takes denom and amount only", c.Type)
		}
		if err := sdk.ValidateDenom(c.Denom); err != nil {
			return errorsmod.Wrapf(ErrInvalidConditions, "denom: %v", err)
		}
		if _, err := ConditionAmount(c.Amount); err != nil {
			return err
		}
		return nil
	case CONDITION_TYPE_ACTION:
		if tokenSet || authSet || balanceSet || nested {
			return errorsmod.Wrapf(ErrInvalidConditions, "%s takes ipfs_id only", c.Type)
		}
		return ValidateCID(c.IpfsId)
	case CONDITION_TYPE_ALL, CONDITION_TYPE_ANY:
		if tokenSet || authSet || balanceSet || actionSet || !nested {
			return errorsmod.Wrapf(ErrInvalidConditions, "%s takes conditions only, at least one", c.Type)
		}
		for _, sub := range c.Conditions {
			if err := sub.validate(depth+1, n); err != nil {
				return err
			}
		}
		return nil
	default:
		return errorsmod.Wrapf(ErrInvalidConditions, "unknown condition type %d", c.Type)
	}
}

// canonicalTokenID refuses a token id in any spelling but the one state uses
// (0x and lower-case hex): conditions are compared with state as written,
// and one spelling per condition keeps one identity per meaning.
func canonicalTokenID(s string) error {
	id, err := ParseTokenID(s)
	if err != nil {
		return err
	}
	if FormatTokenID(id) != s {
		return errorsmod.Wrapf(ErrInvalidConditions, "token_id %q: write it as %s", s, FormatTokenID(id))
	}
	return nil
}

// ConditionAmount parses a balance condition's amount: a canonical
// non-negative integer of at most 76 digits.
func ConditionAmount(s string) (math.Int, error) {
	amt, ok := math.NewIntFromString(s)
	if !ok || len(s) > 76 || amt.IsNegative() || amt.String() != s {
		return math.Int{}, errorsmod.Wrapf(ErrInvalidConditions, "amount %q: want a non-negative integer in base units, no sign or leading zeros", s)
	}
	return amt, nil
}

// Validate checks a header's shape and its proof of knowledge of r bound to
// its identity, and returns the identity: the key the ciphertext was
// encrypted to derives from it, and shares are only ever made for an R
// whose encryptor bound it to these conditions.
func (h CiphertextHeader) Validate() ([32]byte, error) {
	if h.Version != CiphertextVersion {
		return [32]byte{}, errorsmod.Wrapf(ErrInvalidCiphertext, "version %d; this chain reads version %d", h.Version, CiphertextVersion)
	}
	if err := h.Conditions.Validate(); err != nil {
		return [32]byte{}, err
	}
	id, err := h.Identity()
	if err != nil {
		return id, err
	}
	if err := tdh.VerifyEphemeral(h.Ephemeral, h.Proof, id); err != nil {
		return id, errorsmod.Wrapf(ErrInvalidCiphertext, "%v", err)
	}
	return id, nil
}

// Identity is the ciphertext's id: its conditions' canonical protobuf
// encoding and the plaintext's hash (tdh.Identity).
func (h CiphertextHeader) Identity() ([32]byte, error) {
	bz, err := h.Conditions.Marshal()
	if err != nil {
		return [32]byte{}, errorsmod.Wrapf(ErrInvalidConditions, "encode: %v", err)
	}
	id, err := tdh.Identity(bz, h.DataHash)
	if err != nil {
		return id, errorsmod.Wrapf(ErrInvalidCiphertext, "%v", err)
	}
	return id, nil
}

// DecryptionHash is the AUTH_PURPOSE_DECRYPT payload: one request, as
// MsgDecrypt carries it — sha256("litd/enc/v1/request" ‖ requester ‖ 0x00 ‖
// header (protobuf) ‖ requester_key), with requester the canonical bech32
// address. A proof copied into another request (another requester or key to
// seal to) does not verify.
func DecryptionHash(requester string, header CiphertextHeader, requesterKey []byte) ([]byte, error) {
	bz, err := header.Marshal()
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	h.Write([]byte("litd/enc/v1/request"))
	h.Write([]byte(requester))
	h.Write([]byte{0})
	h.Write(bz)
	h.Write(requesterKey)
	return h.Sum(nil), nil
}

// IdentityHex is an identity as actions and events spell it.
func IdentityHex(id [32]byte) string { return "0x" + hex.EncodeToString(id[:]) }

// DataSaltLen is the length of the random salt a ciphertext's data hash
// covers; the salt travels inside the AEAD, before the plaintext.
const DataSaltLen = 32

// DataHash is a ciphertext's data_hash: sha256("litd/enc/v1/data" ‖ salt ‖
// plaintext). The salt keeps the public header from confirming guesses of a
// low-entropy plaintext (a PIN), as an unsalted sha256(plaintext) would.
func DataHash(salt, plaintext []byte) []byte {
	h := sha256.New()
	h.Write([]byte("litd/enc/v1/data"))
	h.Write(salt)
	h.Write(plaintext)
	return h.Sum(nil)
}

// Encrypt encrypts plaintext to root under conditions, drawing from random
// (in this order) the data salt, then tdh.Encrypt's r, proof nonce and AEAD
// nonce: the AEAD seals salt ‖ plaintext to the identity of the conditions
// and DataHash(salt, plaintext). It needs no network.
func Encrypt(random io.Reader, root *secp256k1.PublicKey, conditions AccessCondition, plaintext []byte) (*Ciphertext, error) {
	if err := conditions.Validate(); err != nil {
		return nil, err
	}
	salt := make([]byte, DataSaltLen)
	if _, err := io.ReadFull(random, salt); err != nil {
		return nil, err
	}
	header := CiphertextHeader{Version: CiphertextVersion, Conditions: conditions, DataHash: DataHash(salt, plaintext)}
	id, err := header.Identity()
	if err != nil {
		return nil, err
	}
	e, err := tdh.Encrypt(random, root, id, append(salt, plaintext...))
	if err != nil {
		return nil, err
	}
	header.Ephemeral, header.Proof = e.Ephemeral, e.Proof
	return &Ciphertext{Header: header, Root: root.SerializeCompressed(), Nonce: e.Nonce, Ciphertext: e.Ciphertext}, nil
}

// Decrypt opens c with x·R, combined from a served decryption's shares, and
// checks the plaintext against the header's data hash.
func (c Ciphertext) Decrypt(xR *secp256k1.PublicKey) ([]byte, error) {
	root, err := secp256k1.ParsePubKey(c.Root)
	if err != nil {
		return nil, errorsmod.Wrapf(ErrInvalidCiphertext, "root: %v", err)
	}
	id, err := c.Header.Identity()
	if err != nil {
		return nil, err
	}
	out, err := tdh.Decrypt(root, id, &tdh.Encrypted{Ephemeral: c.Header.Ephemeral, Proof: c.Header.Proof, Nonce: c.Nonce, Ciphertext: c.Ciphertext}, xR)
	if err != nil {
		return nil, err
	}
	if len(out) < DataSaltLen || !bytes.Equal(DataHash(out[:DataSaltLen], out[DataSaltLen:]), c.Header.DataHash) {
		return nil, errorsmod.Wrap(ErrInvalidCiphertext, "the decrypted bytes do not match the ciphertext's data hash")
	}
	return out[DataSaltLen:], nil
}
