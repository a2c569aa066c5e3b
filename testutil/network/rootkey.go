package network

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// DevRootPrivKey is a PUBLICLY KNOWN root key for local networks and tests,
// so PKPs can be minted before the validators have run DKG. Anyone can derive
// every PKP private key under it: never use it on a network that matters.
var DevRootPrivKey = func() *secp256k1.PrivateKey {
	seed := sha256.Sum256([]byte("litd dev root key: public, insecure, for local networks only"))
	return secp256k1.PrivKeyFromBytes(seed[:])
}()

// DevRootPubkey is DevRootPrivKey's public key as x/tss stores it.
func DevRootPubkey() string {
	return "0x" + hex.EncodeToString(DevRootPrivKey.PubKey().SerializeCompressed())
}

// WithDevRootKey is a MutateGenesis that installs an active x/tss key set
// with DevRootPubkey, held by the genesis validators.
func WithDevRootKey(n *Network, genesis map[string]any) error {
	var participants []any
	for _, node := range n.Nodes {
		participants = append(participants, node.ValAddr)
	}
	threshold := (2*len(n.Nodes)+2)/3 - 1 // ceil(2n/3) signers
	if threshold < 1 {
		threshold = 1
	}
	appState := genesis["app_state"].(map[string]any)
	appState["tss"] = map[string]any{"key_sets": []any{map[string]any{
		"id":           "1",
		"pubkey":       DevRootPubkey(),
		"threshold":    threshold,
		"participants": participants,
		"status":       "KEY_SET_STATUS_ACTIVE",
	}}}
	return nil
}
