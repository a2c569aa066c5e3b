// Package cli holds the x/pkp commands autocli cannot make: `encrypt`, which
// works offline, and `decrypt`, which sends MsgDecrypt with a fresh X25519
// key, waits for the sealed shares and decrypts locally.
package cli

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"

	"github.com/litprotocol/litd/client/txwait"
	"github.com/litprotocol/litd/x/pkp/types"
	"github.com/litprotocol/litd/x/tss/tdh"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

const (
	flagConditions   = "conditions"
	flagOwnerOf      = "owner-of"
	flagRoot         = "root"
	flagOutput       = "output-file"
	flagAuthMethods  = "auth-methods"
	flagExecutionIDs = "execution-ids"
	flagTimeout      = "timeout"
	flagKeyFile      = "key-file"
	flagDecryptionID = "decryption-id"
)

// QueryCmd is `litd q pkp`; autocli adds the gRPC queries to it.
func QueryCmd() *cobra.Command {
	cmd := &cobra.Command{Use: types.ModuleName, Short: "Query PKPs and their permissions", RunE: client.ValidateCmd}
	cmd.AddCommand(identityCmd())
	return cmd
}

func identityCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "identity [ciphertext-file]",
		Short: "Print a ciphertext's identity (offline): what an action condition's execution names in js_params.decryptionId",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx := client.GetClientContextFromCmd(cmd)
			c, err := readCiphertext(clientCtx, args[0])
			if err != nil {
				return err
			}
			id, err := c.Header.Identity()
			if err != nil {
				return err
			}
			return clientCtx.PrintString(types.IdentityHex(id) + "\n")
		},
	}
}

// readCiphertext reads a ciphertext file `encrypt` wrote.
func readCiphertext(clientCtx client.Context, path string) (*types.Ciphertext, error) {
	bz, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c types.Ciphertext
	if err := clientCtx.Codec.UnmarshalJSON(bz, &c); err != nil {
		return nil, fmt.Errorf("%s is not a litd ciphertext: %w", path, err)
	}
	return &c, nil
}

// TxCmd is `litd tx pkp`; autocli adds the other Msgs to it.
func TxCmd() *cobra.Command {
	cmd := &cobra.Command{Use: types.ModuleName, Short: "Programmable Key Pair transactions", RunE: client.ValidateCmd}
	cmd.AddCommand(EncryptCmd(), DecryptCmd())
	return cmd
}

// EncryptCmd is `litd tx pkp encrypt [file]`: offline, it needs only the
// network's root public key.
func EncryptCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "encrypt [file] (--owner-of 0x... | --conditions '{...}') [--root 0x...]",
		Short: "Encrypt a file to the network under access conditions (offline; nothing is sent)",
		Long: "Whoever meets the conditions later runs `litd tx pkp decrypt` and gets the bytes back; no validator ever\n" +
			"sees them. The key is derived from the network's root public key and the ciphertext's identity, which commits\n" +
			"to the conditions and the file's sha256, so changing a condition changes the key. Conditions are JSON\n" +
			"(x/pkp README, \"Encryption and access conditions\"), e.g.\n" +
			`  '{"type":"CONDITION_TYPE_PKP_OWNER","token_id":"0x..."}'` + "\n" +
			`  '{"type":"CONDITION_TYPE_ALL","conditions":[{"type":"CONDITION_TYPE_BALANCE","denom":"ulit","amount":"1000000"},` + "\n" +
			`     {"type":"CONDITION_TYPE_ACTION","ipfs_id":"Qm..."}]}'` + "\n" +
			"--owner-of T is short for the first. --root is the root key (litd q tss key-set → pubkey); without it the\n" +
			"command asks the node once. The ciphertext (JSON) goes to --output-file or stdout.",
		Example: "litd tx pkp encrypt secret.txt --owner-of 0x3f...c1 --root 0x02ab... --output-file secret.lit.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cmd.SilenceUsage = true
			clientCtx, err := client.GetClientQueryContext(cmd)
			if err != nil {
				return err
			}
			conditions, err := conditionsFromFlags(cmd, clientCtx)
			if err != nil {
				return err
			}
			plaintext, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			root, err := rootKey(cmd, clientCtx)
			if err != nil {
				return err
			}
			c, err := types.Encrypt(rand.Reader, root, conditions, plaintext)
			if err != nil {
				return err
			}
			out, err := clientCtx.Codec.MarshalJSON(c)
			if err != nil {
				return err
			}
			id, err := c.Header.Identity()
			if err != nil {
				return err
			}
			cmd.PrintErrf("identity: %s\n", types.IdentityHex(id))
			return writeOutput(cmd, append(out, '\n'))
		},
	}
	cmd.Flags().String(flagConditions, "", "access conditions as JSON (AccessCondition)")
	cmd.Flags().String(flagOwnerOf, "", "condition: the owner of this PKP (token id)")
	cmd.Flags().String(flagRoot, "", "the network root public key, 0x-hex 33 bytes (default: ask the node)")
	cmd.Flags().String(flagOutput, "", "write the ciphertext here instead of stdout")
	flags.AddQueryFlagsToCmd(cmd)
	return cmd
}

// DecryptCmd is `litd tx pkp decrypt [ciphertext-file]`.
func DecryptCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "decrypt [ciphertext-file]",
		Short: "Ask the validators for decryption shares (if you meet the conditions) and decrypt locally",
		Long: "Sends MsgDecrypt with a fresh X25519 key; the chain checks the ciphertext's conditions for the sender at\n" +
			"this height and charges the decrypt fee (litd q tss params). Each validator of the key set then seals its\n" +
			"share x_i·R, with a proof, to that key; the command waits for them, checks every proof against the\n" +
			"validator's public share, names any validator whose share is wrong, combines t+1 valid ones and decrypts.\n" +
			"The private key lives only in this process unless --key-file keeps it (0600): then, if the command stops before the\n" +
			"shares arrive, run it again with the same --key-file and --decryption-id N to open them without a new request.\n" +
			"Conditions on an auth method take --auth-methods '{\"token_id\",\"auth_method_type\",\"id\",\"proof\"}' (a proof over\n" +
			"`litd q pkp auth-challenge [type] [id] decrypt --token-ids T --decryption-hash H`); conditions on an action take\n" +
			"--execution-ids of executions you ran with js_params {\"decryptionId\": \"<identity>\"} (litd q pkp identity [file]).",
		Example: "litd tx pkp decrypt secret.lit.json --from alice --output-file secret.txt",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cmd.SilenceUsage = true
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			c, err := readCiphertext(clientCtx, args[0])
			if err != nil {
				return err
			}
			priv, err := requesterKey(cmd)
			if err != nil {
				return err
			}
			timeout, err := cmd.Flags().GetDuration(flagTimeout)
			if err != nil {
				return err
			}
			if id, _ := cmd.Flags().GetUint64(flagDecryptionID); id != 0 {
				return awaitAndDecrypt(cmd, clientCtx, c, id, priv, timeout)
			}
			msg := &types.MsgDecrypt{Requester: clientCtx.GetFromAddress().String(), Header: c.Header, RequesterKey: priv.PublicKey().Bytes()}
			if msg.ExecutionIds, err = executionIDs(cmd); err != nil {
				return err
			}
			for _, s := range flagStrings(cmd, flagAuthMethods) {
				var p types.AuthPresentation
				if err := clientCtx.Codec.UnmarshalJSON([]byte(s), &p); err != nil {
					return fmt.Errorf("--auth-methods %q: %w", s, err)
				}
				msg.AuthMethods = append(msg.AuthMethods, p)
			}
			res, shown, err := txwait.Broadcast(cmd, clientCtx, msg, timeout)
			if err != nil || shown {
				return err
			}
			id, err := txwait.EventUint(res, "lit.tss.v1.EventDecryptionRequested", "decryption_id")
			if err != nil {
				return err
			}
			cmd.PrintErrf("decryption_id: %d\n", id)
			return awaitAndDecrypt(cmd, clientCtx, c, id, priv, timeout)
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	cmd.Flags().String(flagOutput, "", "write the plaintext here instead of stdout")
	cmd.Flags().StringArray(flagAuthMethods, nil, "an auth method presentation as JSON (repeatable)")
	cmd.Flags().String(flagExecutionIDs, "", "comma-separated x/actions execution ids for action conditions")
	cmd.Flags().Duration(flagTimeout, 2*time.Minute, "how long to wait for inclusion and for the shares")
	cmd.Flags().String(flagKeyFile, "", "keep the request's X25519 private key in this file (created 0600 if absent)")
	cmd.Flags().Uint64(flagDecryptionID, 0, "open the shares of this earlier request (needs its --key-file) instead of sending one")
	return cmd
}

// awaitAndDecrypt waits for decryption id's shares, decrypts c and writes
// the plaintext.
func awaitAndDecrypt(cmd *cobra.Command, clientCtx client.Context, c *types.Ciphertext, id uint64, priv *ecdh.PrivateKey, timeout time.Duration) error {
	xR, err := AwaitShares(cmd, clientCtx, id, priv, timeout)
	if err != nil {
		return err
	}
	plaintext, err := c.Decrypt(xR)
	if err != nil {
		return err
	}
	return writeOutput(cmd, plaintext)
}

// requesterKey is the X25519 key of --key-file (made there if absent), or a
// fresh one kept in memory only.
func requesterKey(cmd *cobra.Command) (*ecdh.PrivateKey, error) {
	path, _ := cmd.Flags().GetString(flagKeyFile)
	if path == "" {
		return ecdh.X25519().GenerateKey(rand.Reader)
	}
	priv, err := ReadKeyFile(path)
	if !errors.Is(err, os.ErrNotExist) {
		return priv, err
	}
	if priv, err = ecdh.X25519().GenerateKey(rand.Reader); err != nil {
		return nil, err
	}
	return priv, os.WriteFile(path, []byte(hex.EncodeToString(priv.Bytes())+"\n"), 0o600)
}

// ReadKeyFile reads the X25519 private key `decrypt --key-file` wrote (hex);
// an error wrapping os.ErrNotExist if there is none.
func ReadKeyFile(path string) (*ecdh.PrivateKey, error) {
	bz, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	raw, err := hex.DecodeString(strings.TrimSpace(string(bz)))
	if err != nil {
		return nil, fmt.Errorf("--%s %s: want the hex X25519 private key `decrypt` wrote: %w", flagKeyFile, path, err)
	}
	return ecdh.X25519().NewPrivateKey(raw)
}

// AwaitShares polls decryption id until t+1 of its sealed shares open and
// verify, and returns their combination x·R. Validators whose share fails
// are named on stderr; with too few valid shares it waits for more while the
// session is open.
func AwaitShares(cmd *cobra.Command, clientCtx client.Context, id uint64, priv *ecdh.PrivateKey, timeout time.Duration) (*secp256k1.PublicKey, error) {
	q := tsstypes.NewQueryClient(clientCtx)
	deadline := time.Now().Add(timeout)
	var ks *tsstypes.KeySet
	named := map[string]bool{}
	for ; ; time.Sleep(300 * time.Millisecond) {
		resp, err := q.Decryption(cmd.Context(), &tsstypes.QueryDecryptionRequest{Id: id})
		if err != nil {
			return nil, err
		}
		d := resp.Decryption
		if d.Status == tsstypes.DECRYPTION_STATUS_FAILED {
			return nil, fmt.Errorf("decryption %d failed: %s", id, d.Error)
		}
		if len(d.Shares) > int(d.Threshold) {
			if ks == nil {
				k, err := q.KeySetByID(cmd.Context(), &tsstypes.QueryKeySetByIDRequest{Id: d.KeySetId})
				if err != nil {
					return nil, err
				}
				ks = &k.KeySet
			}
			xR, bad, err := d.Open(priv, *ks)
			for _, b := range bad {
				if !named[b.Validator] {
					named[b.Validator] = true
					cmd.PrintErrf("validator %s sent a wrong decryption share: %v\n", b.Validator, b.Err)
				}
			}
			if err == nil {
				return xR, nil
			}
			if !errors.Is(err, tdh.ErrNotEnoughShares) {
				return nil, err
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("decryption %d has %d shares (%d needed, %d wrong) after %s; check with: litd q tss decryption %d",
				id, len(d.Shares), d.Threshold+1, len(named), timeout, id)
		}
	}
}

// conditionsFromFlags reads --conditions or --owner-of.
func conditionsFromFlags(cmd *cobra.Command, clientCtx client.Context) (types.AccessCondition, error) {
	var c types.AccessCondition
	js, _ := cmd.Flags().GetString(flagConditions)
	owner, _ := cmd.Flags().GetString(flagOwnerOf)
	switch {
	case (js == "") == (owner == ""):
		return c, errors.New("give exactly one of --conditions and --owner-of")
	case owner != "":
		c = types.AccessCondition{Type: types.CONDITION_TYPE_PKP_OWNER, TokenId: strings.ToLower(owner)}
	default:
		if err := clientCtx.Codec.UnmarshalJSON([]byte(js), &c); err != nil {
			return c, fmt.Errorf("--conditions: %w", err)
		}
	}
	return c, c.Validate()
}

// rootKey is --root, or the active key set's root key from the node.
func rootKey(cmd *cobra.Command, clientCtx client.Context) (*secp256k1.PublicKey, error) {
	s, _ := cmd.Flags().GetString(flagRoot)
	if s == "" {
		resp, err := tsstypes.NewQueryClient(clientCtx).KeySet(cmd.Context(), &tsstypes.QueryKeySetRequest{})
		if err != nil {
			return nil, fmt.Errorf("no --root given and the node did not answer: %w", err)
		}
		s = resp.KeySet.Pubkey
	}
	return tsstypes.ParseRootPubkey(strings.ToLower(s))
}

func executionIDs(cmd *cobra.Command) ([]uint64, error) {
	s, _ := cmd.Flags().GetString(flagExecutionIDs)
	var out []uint64
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		id, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("--%s: %q is not an execution id", flagExecutionIDs, f)
		}
		out = append(out, id)
	}
	return out, nil
}

func flagStrings(cmd *cobra.Command, name string) []string {
	v, _ := cmd.Flags().GetStringArray(name)
	return v
}

// writeOutput writes bz to --output, or to stdout.
func writeOutput(cmd *cobra.Command, bz []byte) error {
	if path, _ := cmd.Flags().GetString(flagOutput); path != "" {
		return os.WriteFile(path, bz, 0o600)
	}
	_, err := cmd.OutOrStdout().Write(bz)
	return err
}
