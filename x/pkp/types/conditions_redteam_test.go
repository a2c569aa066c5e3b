package types_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/stretchr/testify/require"

	"github.com/litprotocol/litd/x/pkp/types"
)

// The header travels with every ciphertext and is published on chain in
// every MsgDecrypt: its data_hash must not let anyone test guesses of a
// low-entropy plaintext (a PIN) offline, as sha256(plaintext) did (red team
// finding): it covers a random salt that only the AEAD carries.
func TestRedteamDataHashRevealsLowEntropyPlaintext(t *testing.T) {
	priv, err := secp256k1.GeneratePrivateKey()
	require.NoError(t, err)
	secret := []byte("4821") // a 4-digit PIN
	c, err := types.Encrypt(rand.Reader, priv.PubKey(), types.AccessCondition{Type: types.CONDITION_TYPE_BALANCE, Denom: "ulit", Amount: "1"}, secret)
	require.NoError(t, err)

	// An observer with only the public header (no condition met, no share).
	var found []byte
	for pin := range 10000 {
		guess := fmt.Appendf(nil, "%04d", pin)
		if h := sha256.Sum256(guess); bytes.Equal(h[:], c.Header.DataHash) || bytes.Equal(types.DataHash(nil, guess), c.Header.DataHash) {
			found = guess
			break
		}
	}
	require.Nil(t, found, "the public header reveals the plaintext %q by brute force of data_hash", found)
}

// auth_method_id is held to one spelling as token_id is: "0xAB", "0xab" and
// "0XaB" all mean the auth method id byte 0xab (AuthMethodIDBytes), and only
// one of them is accepted, so one condition has one identity (red team).
func TestRedteamAuthMethodIDSpellingsAreOneMeaningManyIdentities(t *testing.T) {
	tok := "0x" + fmt.Sprintf("%064x", 1)
	ids := map[[32]byte]string{}
	for _, spelling := range []string{"0xab", "0xAB", "0XaB"} {
		c := types.AccessCondition{Type: types.CONDITION_TYPE_PERMITTED_AUTH_METHOD, TokenId: tok, AuthMethodType: 1, AuthMethodId: spelling}
		if err := c.Validate(); err != nil {
			continue // refused: one spelling
		}
		h := types.CiphertextHeader{Version: 1, Conditions: c, DataHash: make([]byte, 32)}
		id, err := h.Identity()
		require.NoError(t, err)
		ids[id] = spelling
	}
	require.Len(t, ids, 1, "one condition, %d accepted spellings with distinct identities: %v", len(ids), ids)
}
