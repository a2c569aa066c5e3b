package network

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	decredecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	pkptypes "github.com/litprotocol/litd/x/pkp/types"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// TxResult is the committed result of a transaction.
type TxResult struct {
	TxHash    string `json:"txhash"`
	Height    string `json:"height"`
	Code      uint32 `json:"code"`
	Codespace string `json:"codespace"`
	RawLog    string `json:"raw_log"`
	Events    []struct {
		Type       string `json:"type"`
		Attributes []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"attributes"`
	} `json:"events"`
}

// Attr returns the first value of key in the first event of type typ, with
// the JSON quoting of typed events removed.
func (r TxResult) Attr(typ, key string) string {
	for _, e := range r.Events {
		if e.Type != typ {
			continue
		}
		for _, a := range e.Attributes {
			if a.Key == key {
				if s, err := strconv.Unquote(a.Value); err == nil {
					return s
				}
				return a.Value
			}
		}
	}
	return ""
}

// Tx signs args (e.g. "pkp", "mint") with key `from` in node i's keyring,
// broadcasts through node i and waits until the tx is in a block. A tx
// rejected by CheckTx is returned with its code, like a committed failure.
func (n *Network) Tx(i int, from string, args ...string) (TxResult, error) {
	sync, err := n.broadcast(i, from, args...)
	if err != nil || sync.Code != 0 {
		return sync, err
	}
	return n.WaitTx(i, sync.TxHash)
}

// broadcast signs and broadcasts like Tx and returns the CheckTx result.
func (n *Network) broadcast(i int, from string, args ...string) (TxResult, error) {
	full := append([]string{"tx"}, args...)
	full = append(full, "--from", from, "--yes", "--output", "json", "--gas", "400000")
	out, err := n.CLI(i, full...)
	if err != nil {
		return TxResult{}, err
	}
	var sync TxResult
	if err := json.Unmarshal([]byte(out), &sync); err != nil {
		return TxResult{}, fmt.Errorf("decoding broadcast result %q: %w", out, err)
	}
	return sync, nil
}

// WaitTx waits, through node i's `query wait-tx`, until the tx with this hash
// is in a block, and returns its result.
func (n *Network) WaitTx(i int, hash string) (TxResult, error) {
	return n.waitTx(i, hash, time.Minute)
}

func (n *Network) waitTx(i int, hash string, timeout time.Duration) (TxResult, error) {
	out, err := n.CLI(i, "query", "wait-tx", hash, "--timeout", timeout.String(), "--output", "json")
	if err != nil {
		return TxResult{}, err
	}
	var res TxResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		return TxResult{}, fmt.Errorf("decoding tx result %q: %w", out, err)
	}
	return res, nil
}

// KeyAddress returns the bech32 address of a key in node i's test keyring.
func (n *Network) KeyAddress(i int, name string) (string, error) {
	out, err := n.CLI(i, "keys", "show", name, "-a", "--keyring-backend", "test")
	return strings.TrimSpace(out), err
}

// AddKey creates a key in node i's test keyring and returns its address.
func (n *Network) AddKey(i int, name string) (string, error) {
	if _, err := n.CLI(i, "keys", "add", name, "--keyring-backend", "test"); err != nil {
		return "", err
	}
	return n.KeyAddress(i, name)
}

// WaitForRootKey waits until DKG has produced an active root key and returns
// its 0x-hex compressed public key.
func (n *Network) WaitForRootKey(timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		out, err := n.CLI(0, "query", "tss", "key-set", "--output", "json")
		if err == nil {
			var resp struct {
				KeySet struct {
					Pubkey string `json:"pubkey"`
					Status string `json:"status"`
				} `json:"key_set"`
			}
			if json.Unmarshal([]byte(out), &resp) == nil && resp.KeySet.Status == "KEY_SET_STATUS_ACTIVE" {
				return resp.KeySet.Pubkey, nil
			}
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("no active root key after %s (last answer %q, %v)", timeout, out, err)
		}
		time.Sleep(time.Second)
	}
}

// WaitSigned polls signature id through q until it is SIGNED (returned) or
// FAILED (an error with its reason), or timeout passes.
func WaitSigned(q tsstypes.QueryClient, id uint64, timeout time.Duration) (tsstypes.Signature, error) {
	deadline := time.Now().Add(timeout)
	for {
		resp, err := q.Signature(context.Background(), &tsstypes.QuerySignatureRequest{Id: id})
		if err != nil {
			return tsstypes.Signature{}, err
		}
		switch resp.Signature.Status {
		case tsstypes.SIGNATURE_STATUS_SIGNED:
			return resp.Signature, nil
		case tsstypes.SIGNATURE_STATUS_FAILED:
			return resp.Signature, fmt.Errorf("signature %d failed: %s", id, resp.Signature.Error)
		}
		if time.Now().After(deadline) {
			return resp.Signature, fmt.Errorf("signature %d not signed after %s: %+v", id, timeout, resp.Signature)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// RecoverEthAddress is ecrecover(digest, v, r, s) of a completed signature:
// the 0x-hex (lower case) Ethereum address an Ethereum verifier attributes it to.
func RecoverEthAddress(sig tsstypes.Signature) (string, error) {
	var parts [3][]byte
	for i, h := range []string{sig.R, sig.S, sig.Digest} {
		bz, err := hex.DecodeString(strings.TrimPrefix(h, "0x"))
		if err != nil {
			return "", err
		}
		parts[i] = bz
	}
	recovered, _, err := decredecdsa.RecoverCompact(append([]byte{byte(sig.V)}, append(parts[0], parts[1]...)...), parts[2])
	if err != nil {
		return "", err
	}
	return "0x" + hex.EncodeToString(pkptypes.Keccak256(recovered.SerializeUncompressed()[1:])[12:]), nil
}

// Unbond has node i's validator undelegate its whole self-bond (SelfBond)
// through node i, with extra flags.
func (n *Network) Unbond(i int, extra ...string) (TxResult, error) {
	return n.Tx(i, "validator", append([]string{"staking", "unbond", n.Nodes[i].ValAddr, SelfBond}, extra...)...)
}

// UnbondAtOnce sends the unbondings of two validators concurrently, each
// through its own node, and tells which went through and which was refused
// (an error unless exactly one of each).
func (n *Network) UnbondAtOnce(a, b int) (left, refused int, refusal TxResult, err error) {
	pair := []int{a, b}
	results := make([]TxResult, 2)
	errs := make([]error, 2)
	parallel := func(f func(j, i int)) {
		var wg sync.WaitGroup
		for j, i := range pair {
			wg.Go(func() { f(j, i) })
		}
		wg.Wait()
	}
	parallel(func(j, i int) {
		results[j], errs[j] = n.broadcast(i, "validator", "staking", "unbond", n.Nodes[i].ValAddr, SelfBond)
	})
	if err := errors.Join(errs...); err != nil {
		return 0, 0, TxResult{}, err
	}
	// Both may pass CheckTx; the one that did not make it into the block
	// that took the other is checked again then and, refused, dropped from
	// the mempool: it is never included. A short wait finds that out while
	// the key has not moved yet (a reshare takes longer), and sent again it
	// is refused at once, as a user retrying would see.
	hashes := []string{results[0].TxHash, results[1].TxHash}
	parallel(func(j, i int) {
		if results[j].Code == 0 {
			results[j], errs[j] = n.waitTx(i, hashes[j], 10*time.Second)
		}
	})
	if errs[0] != nil && errs[1] != nil { // neither is in yet: a slow chain
		parallel(func(j, i int) { results[j], errs[j] = n.WaitTx(i, hashes[j]) })
	}
	for j, i := range pair {
		if errs[j] != nil {
			results[j], errs[j] = n.Unbond(i, "--note", "again after it left the mempool")
		}
	}
	if err := errors.Join(errs...); err != nil {
		return 0, 0, TxResult{}, err
	}
	switch {
	case results[0].Code == 0 && results[1].Code != 0:
		return a, b, results[1], nil
	case results[1].Code == 0 && results[0].Code != 0:
		return b, a, results[0], nil
	}
	return 0, 0, TxResult{}, fmt.Errorf("want one unbonding through and one refused, got %+v", results)
}

// Sign runs `litd tx tss sign tokenID digest` on node i as from (extra:
// more flags, e.g. --fee-granter), which waits for inclusion, and returns
// the signature request's id.
func (n *Network) Sign(i int, from, tokenID, digest string, extra ...string) (uint64, error) {
	args := append([]string{"tx", "tss", "sign", tokenID, digest, "--from", from, "--yes", "--output", "json", "--gas", "400000"}, extra...)
	out, err := n.CLI(i, args...)
	if err != nil {
		return 0, err
	}
	var resp struct {
		SignatureID string `json:"signature_id"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		return 0, fmt.Errorf("%q: %w", out, err)
	}
	return strconv.ParseUint(resp.SignatureID, 10, 64)
}
