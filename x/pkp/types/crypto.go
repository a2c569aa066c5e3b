package types

import (
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"golang.org/x/crypto/sha3"

	errorsmod "cosmossdk.io/errors"

	cosmossecp256k1 "github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	sdk "github.com/cosmos/cosmos-sdk/types"
)

// Keccak256 is Ethereum's hash.
func Keccak256(data ...[]byte) []byte {
	h := sha3.NewLegacyKeccak256()
	for _, d := range data {
		h.Write(d)
	}
	return h.Sum(nil)
}

// decodeHex accepts hex with or without one 0x prefix, in any case.
func decodeHex(s string) ([]byte, error) {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
	}
	return hex.DecodeString(s)
}

// ParsePubkey parses a 0x-hex secp256k1 public key, compressed (33 bytes) or
// uncompressed (65 bytes), and checks it is on the curve.
func ParsePubkey(s string) (*secp256k1.PublicKey, error) {
	bz, err := decodeHex(s)
	if err != nil {
		return nil, errorsmod.Wrapf(ErrInvalidPubkey, "not hex: %v", err)
	}
	return PubkeyFromBytes(bz)
}

// PubkeyFromBytes parses a 33- or 65-byte SEC1 secp256k1 public key.
func PubkeyFromBytes(bz []byte) (*secp256k1.PublicKey, error) {
	if len(bz) != 33 && len(bz) != 65 {
		return nil, errorsmod.Wrapf(ErrInvalidPubkey, "want 33 or 65 bytes, got %d", len(bz))
	}
	pk, err := secp256k1.ParsePubKey(bz)
	if err != nil {
		return nil, errorsmod.Wrap(ErrInvalidPubkey, err.Error())
	}
	return pk, nil
}

// PubkeyHex renders the 65-byte uncompressed form as 0x-hex, PKP's canonical form.
func PubkeyHex(pk *secp256k1.PublicKey) string {
	return "0x" + hex.EncodeToString(pk.SerializeUncompressed())
}

// TokenIDFromPubkey is keccak256 of the 65-byte uncompressed key, as Lit's PKPNFT does.
func TokenIDFromPubkey(pk *secp256k1.PublicKey) []byte {
	return Keccak256(pk.SerializeUncompressed())
}

// FormatTokenID renders a token id as lower-case 0x-hex.
func FormatTokenID(id []byte) string {
	return "0x" + hex.EncodeToString(id)
}

// ParseTokenID parses a 0x-hex token id (32 bytes).
func ParseTokenID(s string) ([]byte, error) {
	if s == "" {
		return nil, errorsmod.Wrap(ErrInvalidTokenID, "empty")
	}
	bz, err := decodeHex(s)
	if err != nil {
		return nil, errorsmod.Wrapf(ErrInvalidTokenID, "%q is not hex", s)
	}
	if len(bz) != 32 {
		return nil, errorsmod.Wrapf(ErrInvalidTokenID, "want 32 bytes, got %d", len(bz))
	}
	return bz, nil
}

// EthAddressBytes is the 20-byte Ethereum address of a key.
func EthAddressBytes(pk *secp256k1.PublicKey) []byte {
	return Keccak256(pk.SerializeUncompressed()[1:])[12:]
}

// EthAddressChecksum renders 20 address bytes with the EIP-55 checksum.
func EthAddressChecksum(addr []byte) string {
	lower := hex.EncodeToString(addr)
	hash := Keccak256([]byte(lower))
	out := []byte(lower)
	for i, c := range out {
		if c >= 'a' && c <= 'f' && (hash[i/2]>>(4*(1-uint(i%2))))&0xf >= 8 {
			out[i] = c - 'a' + 'A'
		}
	}
	return "0x" + string(out)
}

// ParseEthAddress parses a 0x-hex Ethereum address (any case).
func ParseEthAddress(s string) ([]byte, error) {
	bz, err := decodeHex(s)
	if err != nil || len(bz) != 20 || !strings.HasPrefix(strings.ToLower(s), "0x") {
		return nil, errorsmod.Wrapf(ErrInvalidEthAddress, "%q: want 0x and 40 hex digits", s)
	}
	return bz, nil
}

// AccAddress is the Cosmos account address of a key (ripemd160(sha256(compressed))).
func AccAddress(pk *secp256k1.PublicKey) sdk.AccAddress {
	cosmosPK := &cosmossecp256k1.PubKey{Key: pk.SerializeCompressed()}
	return sdk.AccAddress(cosmosPK.Address())
}

// PersonalMessageDigest is the EIP-191 (version 0x45) hash that
// personal_sign signs, as ethers' hashMessage computes it:
// keccak256("\x19Ethereum Signed Message:\n" ‖ decimal len(msg) ‖ msg).
func PersonalMessageDigest(msg []byte) []byte {
	return Keccak256([]byte("\x19Ethereum Signed Message:\n"+strconv.Itoa(len(msg))), msg)
}
