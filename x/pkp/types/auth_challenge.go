package types

import (
	"crypto/sha256"
	"encoding/binary"
)

// authChallengeDomain separates litd's challenges from any other use of a
// credential.
const authChallengeDomain = "litd/auth/v1"

// AuthChallenge is what an auth method's proof must sign to authorise one
// request of purpose on the PKPs tokenIDs, at the auth method's current
// nonce on each (nonces, in the same order), on chain chainID:
//
//	sha256("litd/auth/v1" ‖ chain_id ‖ 0x00 ‖ purpose (1 byte) ‖
//	       auth_method_key (32) ‖ uint16_be(number of PKPs) ‖
//	       for each PKP: token_id (32) ‖ uint64_be(nonce) ‖
//	       payload)
//
// payload is SignPayload, SessionPayload, RevokePayload or ExecutionHash. Each part closes
// one replay: another chain, another kind of request, another auth method,
// another PKP, an earlier request, another digest or session.
func AuthChallenge(chainID string, purpose AuthPurpose, authMethodKey []byte, tokenIDs [][]byte, nonces []uint64, payload []byte) []byte {
	h := sha256.New()
	h.Write([]byte(authChallengeDomain))
	h.Write([]byte(chainID))
	h.Write([]byte{0, byte(purpose)})
	h.Write(authMethodKey)
	h.Write(binary.BigEndian.AppendUint16(nil, uint16(len(tokenIDs))))
	for i, id := range tokenIDs {
		h.Write(id)
		h.Write(binary.BigEndian.AppendUint64(nil, nonces[i]))
	}
	h.Write(payload)
	return h.Sum(nil)
}

// SignPayload is the AUTH_PURPOSE_SIGN payload: the 32-byte digest to sign.
func SignPayload(digest []byte) []byte { return digest }

// SessionPayload is the AUTH_PURPOSE_AUTHORIZE_SESSION payload:
// pubkey (33) ‖ uint64_be(expires_at) ‖ uint32_be(capability bits), bit c
// set for capability c (so order and repeats do not matter).
func SessionPayload(pubkey []byte, caps []SessionCapability, expiresAt int64) []byte {
	var bits uint32
	for _, c := range caps {
		bits |= 1 << uint(c)
	}
	out := append([]byte{}, pubkey...)
	out = binary.BigEndian.AppendUint64(out, uint64(expiresAt))
	return binary.BigEndian.AppendUint32(out, bits)
}

// RevokePayload is the AUTH_PURPOSE_REVOKE_SESSION payload: the session
// key's 33-byte public key.
func RevokePayload(pubkey []byte) []byte { return pubkey }

// ExecutionHash is the AUTH_PURPOSE_EXECUTE payload: what a Lit Action
// execution asks for, as MsgExecuteAction carries it —
// sha256(caller ‖ 0x00 ‖ cid ‖ 0x00 ‖ code ‖ 0x00 ‖ js_params) with caller
// the canonical (lower-case) bech32 address. A presentation is good for that
// caller, action and parameters only.
func ExecutionHash(caller, cid, code, jsParams string) []byte {
	h := sha256.Sum256([]byte(caller + "\x00" + cid + "\x00" + code + "\x00" + jsParams))
	return h[:]
}

// MaxAuthPresentations bounds the auth methods one execution presents.
const MaxAuthPresentations = 4

// VerifiedAuthMethod is an auth method whose presentation to an execution
// the chain verified (Lit.Auth.authMethodContexts).
type VerifiedAuthMethod struct {
	TokenID        string
	AuthMethodType uint64
	// UserID is the auth method's id on the PKP; AppID the passkey's RP ID or
	// the token's aud ("" for a session key of an OIDC identity).
	UserID, AppID string
	// AuthMethodID is Lit's auth method id, 0x-hex.
	AuthMethodID string
}
