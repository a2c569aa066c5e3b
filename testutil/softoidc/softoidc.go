// Package softoidc is a software OpenID Connect issuer and session key for
// tests: it signs ID tokens (RS256 or ES256) as Google and other issuers do
// and gives its keys as JWKs for x/pkp params.
package softoidc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"

	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"

	pkptypes "github.com/litprotocol/litd/x/pkp/types"
)

var b64 = base64.RawURLEncoding

// Issuer signs ID tokens with one key.
type Issuer struct {
	Name string
	Kid  string
	rsa  *rsa.PrivateKey
	ec   *ecdsa.PrivateKey
}

// NewRS256 makes an issuer with a fresh 2048-bit RSA key.
func NewRS256(name, kid string) *Issuer {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return &Issuer{Name: name, Kid: kid, rsa: k}
}

// NewES256 makes an issuer with a P-256 key derived from seed.
func NewES256(name, kid, seed string) *Issuer {
	scalar := sha256.Sum256([]byte("oidc:" + seed))
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), scalar[:])
	if err != nil {
		panic(err)
	}
	return &Issuer{Name: name, Kid: kid, ec: k}
}

// JWK is the issuer's public key as its JWKS publishes it.
func (i *Issuer) JWK() pkptypes.JWK {
	if i.rsa != nil {
		return pkptypes.JWK{Kid: i.Kid, Kty: "RSA", Alg: "RS256", N: b64.EncodeToString(i.rsa.N.Bytes()),
			E: b64.EncodeToString(big.NewInt(int64(i.rsa.E)).Bytes())}
	}
	pt, err := i.ec.PublicKey.Bytes()
	if err != nil {
		panic(err)
	}
	return pkptypes.JWK{Kid: i.Kid, Kty: "EC", Alg: "ES256", Crv: "P-256", X: b64.EncodeToString(pt[1:33]), Y: b64.EncodeToString(pt[33:])}
}

// Params is the issuer as x/pkp params list it.
func (i *Issuer) Params() pkptypes.OIDCIssuer {
	return pkptypes.OIDCIssuer{Issuer: i.Name, Keys: []pkptypes.JWK{i.JWK()}}
}

// Alg is "RS256" or "ES256".
func (i *Issuer) Alg() string {
	if i.rsa != nil {
		return "RS256"
	}
	return "ES256"
}

// AuthMethod is the auth method of the identity (sub, aud) at this issuer
// for an OIDC type (6 Google, 100 any issuer).
func (i *Issuer) AuthMethod(authMethodType uint64, sub, aud string, scopes ...pkptypes.Scope) pkptypes.AuthMethod {
	id := pkptypes.OIDCAuthMethodID(authMethodType, i.Name, sub, aud)
	return pkptypes.AuthMethod{AuthMethodType: authMethodType, Id: "0x" + hex.EncodeToString(id), Scopes: scopes}
}

// Claims are an ID token's claims; tests change them to make wrong tokens.
type Claims map[string]any

// Claims for sub and aud, issued at now, expiring an hour later, carrying
// challenge as the nonce (0x-hex, as x/pkp wants it).
func (i *Issuer) Claims(sub, aud string, now int64, challenge []byte) Claims {
	return Claims{"iss": i.Name, "sub": sub, "aud": aud, "iat": now, "nbf": now - 5, "exp": now + 3600,
		"nonce": "0x" + hex.EncodeToString(challenge), "email": sub + "@example.com"}
}

// Token signs claims with the issuer's key under the header
// {alg, kid, typ: JWT}.
func (i *Issuer) Token(c Claims) string {
	return i.TokenWithHeader(map[string]any{"alg": i.Alg(), "kid": i.Kid, "typ": "JWT"}, c)
}

// TokenWithHeader signs claims under header as given.
func (i *Issuer) TokenWithHeader(header map[string]any, c Claims) string {
	h, err := json.Marshal(header)
	if err != nil {
		panic(err)
	}
	p, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	signing := b64.EncodeToString(h) + "." + b64.EncodeToString(p)
	digest := sha256.Sum256([]byte(signing))
	var sig []byte
	if i.rsa != nil {
		sig, err = rsa.SignPKCS1v15(rand.Reader, i.rsa, crypto.SHA256, digest[:])
	} else {
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, i.ec, digest[:])
		sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	}
	if err != nil {
		panic(err)
	}
	return signing + "." + b64.EncodeToString(sig)
}

// SessionKey is a secp256k1 session key as a wallet holds it.
type SessionKey struct{ Priv *secp256k1.PrivKey }

// NewSessionKey derives a session key from seed.
func NewSessionKey(seed string) SessionKey {
	return SessionKey{secp256k1.GenPrivKeyFromSecret([]byte("session:" + seed))}
}

// Pubkey is the 33-byte compressed public key, 0x-hex.
func (k SessionKey) Pubkey() string { return "0x" + hex.EncodeToString(k.Priv.PubKey().Bytes()) }

// Sign is the session key's proof over challenge: r ‖ s over
// sha256(challenge).
func (k SessionKey) Sign(challenge []byte) *pkptypes.AuthProof {
	sig, err := k.Priv.Sign(challenge)
	if err != nil {
		panic(err)
	}
	return &pkptypes.AuthProof{Session: &pkptypes.SessionSignature{Pubkey: k.Pubkey(), Signature: sig}}
}
