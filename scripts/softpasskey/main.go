// Command softpasskey is a software passkey and session key for trying
// litd's auth methods from a shell (the x/pkp README walkthrough): it prints
// the auth method of a WebAuthn credential derived from --seed, assertions
// of it over a challenge exactly as a browser and authenticator make them,
// and a session key's public key and signatures. Demos and tests only: the
// keys are derived from the seed.
//
//	softpasskey auth-method [--scope personal-sign|sign-anything]  the auth method JSON for --auth-methods
//	softpasskey assert --challenge 0x... --sign-count N             {"webauthn": ...} for sign-with-auth-method
//	softpasskey session-pubkey                                      the session key's 0x-hex public key
//	softpasskey session-sign --challenge 0x...                      {"session": ...} signed by the session key
//
// Common flags: --seed, --rp-id (wallet.example), --origin (https://wallet.example).
package main

import (
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cosmos/gogoproto/proto"

	"github.com/litprotocol/litd/app"
	"github.com/litprotocol/litd/testutil/softauthn"
	"github.com/litprotocol/litd/testutil/softoidc"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
)

func main() {
	if err := run(os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "softpasskey:", err)
		os.Exit(2)
	}
}

func run(out io.Writer, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("want a command: auth-method, assert, session-pubkey or session-sign")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	seed := fs.String("seed", "litd demo passkey", "derives the credential and session keys")
	rpID := fs.String("rp-id", "wallet.example", "relying party id")
	origin := fs.String("origin", "https://wallet.example", "web origin of the page")
	scope := fs.String("scope", "personal-sign", "auth-method: personal-sign or sign-anything")
	challenge := fs.String("challenge", "", "assert, session-sign: the challenge, 0x-hex (litd q pkp auth-challenge)")
	count := fs.Uint("sign-count", 1, "assert: the authenticator's counter, above the chain's sign_counts")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	passkey := softauthn.New(*rpID, *seed)
	session := softoidc.NewSessionKey(*seed)
	ch := func() ([]byte, error) {
		bz, err := hex.DecodeString(strings.TrimPrefix(*challenge, "0x"))
		if err != nil || len(bz) != 32 {
			return nil, fmt.Errorf("--challenge must be 0x and 64 hex digits")
		}
		return bz, nil
	}
	switch args[0] {
	case "auth-method":
		scopes := map[string]pkptypes.Scope{"personal-sign": pkptypes.SCOPE_PERSONAL_SIGN, "sign-anything": pkptypes.SCOPE_SIGN_ANYTHING}
		s, ok := scopes[*scope]
		if !ok {
			return fmt.Errorf("--scope must be personal-sign or sign-anything")
		}
		am := passkey.AuthMethod([]string{*origin}, s)
		am.Webauthn.RequireUserVerification = true
		return printJSON(out, &am)
	case "assert":
		bz, err := ch()
		if err != nil {
			return err
		}
		passkey.SignCount = uint32(*count) - 1 // Assert counts up first
		return printJSON(out, &pkptypes.AuthProof{Webauthn: passkey.Assert(bz, *origin)})
	case "session-pubkey":
		_, err := fmt.Fprintln(out, session.Pubkey())
		return err
	case "session-sign":
		bz, err := ch()
		if err != nil {
			return err
		}
		return printJSON(out, session.Sign(bz))
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// printJSON prints m as the CLI reads it (protobuf JSON).
func printJSON(out io.Writer, m proto.Message) error {
	bz, err := app.MakeEncodingConfig().Codec.MarshalJSON(m)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, string(bz))
	return err
}
