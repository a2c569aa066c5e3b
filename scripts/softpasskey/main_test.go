package main

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/litprotocol/litd/app"
	pkptypes "github.com/litprotocol/litd/x/pkp/types"
)

// What the walkthrough pastes into the CLI: a valid auth method, an
// assertion the chain's verifier accepts for it, and a session signature.
func TestWalkthroughOutputs(t *testing.T) {
	cdc := app.MakeEncodingConfig().Codec
	out := func(args ...string) []byte {
		var b bytes.Buffer
		require.NoError(t, run(&b, args))
		return b.Bytes()
	}
	var am pkptypes.AuthMethod
	require.NoError(t, cdc.UnmarshalJSON(out("auth-method", "--seed", "t"), &am))
	require.NoError(t, am.Validate())
	require.True(t, am.Webauthn.RequireUserVerification)

	challenge := bytes.Repeat([]byte{7}, 32)
	var proof pkptypes.AuthProof
	require.NoError(t, cdc.UnmarshalJSON(out("assert", "--seed", "t", "--challenge", "0x"+hex.EncodeToString(challenge), "--sign-count", "5"), &proof))
	count, err := am.VerifyWebAuthn(proof.Webauthn, challenge, 4)
	require.NoError(t, err)
	require.Equal(t, uint32(5), count)

	pub := strings.TrimSpace(string(out("session-pubkey", "--seed", "t")))
	require.NoError(t, cdc.UnmarshalJSON(out("session-sign", "--seed", "t", "--challenge", "0x"+hex.EncodeToString(challenge)), &proof))
	require.Equal(t, pub, proof.Session.Pubkey)
	require.NoError(t, pkptypes.VerifySessionSignature(must(pkptypes.ParseSessionPubkey(pub)), challenge, proof.Session.Signature))

	require.Error(t, run(&bytes.Buffer{}, []string{"assert", "--challenge", "0x12"}))
	require.Error(t, run(&bytes.Buffer{}, []string{"auth-method", "--scope", "everything"}))
	require.Error(t, run(&bytes.Buffer{}, nil))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
