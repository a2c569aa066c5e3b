package types

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	fmt "fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	errorsmod "cosmossdk.io/errors"
)

// OIDC auth method types: Lit's Google JWT (6), whose id is Lit's
// keccak256(utf8("<sub>:<aud>")) and whose issuer is Google; and litd's
// generic OIDC type (100; Lit has none), any issuer in params, whose id is
// keccak256(utf8(iss) ‖ 0x00 ‖ utf8(sub) ‖ 0x00 ‖ utf8(aud)).
const (
	GoogleJWTAuthMethodType = 6
	OIDCAuthMethodType      = 100
)

// GoogleIssuers are the "iss" values Google's ID tokens carry.
var GoogleIssuers = []string{"https://accounts.google.com", "accounts.google.com"}

// Bounds on OIDC params and tokens: far above real issuers (Google: 2-3
// keys, ~1 KiB tokens), low enough that verifying stays cheap.
const (
	MaxJWTLength        = 8192
	MaxOIDCIssuers      = 16
	MaxOIDCKeys         = 8
	MaxOIDCIssuerLength = 256
	// MaxJWTClockSkew is how far "nbf" and "iat" may lie after the block
	// time: block time trails the wall clock by a block or two.
	MaxJWTClockSkew = 60
)

// IsOIDCAuthMethodType says whether auth methods of this type are proven
// by OIDC tokens.
func IsOIDCAuthMethodType(t uint64) bool {
	return t == GoogleJWTAuthMethodType || t == OIDCAuthMethodType
}

// OIDCAuthMethodID is the auth method id (bytes) of the identity (iss, sub,
// aud) for an OIDC auth method type.
func OIDCAuthMethodID(authMethodType uint64, iss, sub, aud string) []byte {
	if authMethodType == GoogleJWTAuthMethodType {
		return Keccak256([]byte(sub + ":" + aud))
	}
	return Keccak256([]byte(iss + "\x00" + sub + "\x00" + aud))
}

// Validate checks an issuer: a name, and 1 to MaxOIDCKeys usable keys with
// distinct kids.
func (o OIDCIssuer) Validate() error {
	if o.Issuer == "" || len(o.Issuer) > MaxOIDCIssuerLength || strings.ContainsRune(o.Issuer, 0) {
		return errorsmod.Wrapf(ErrInvalidParams, "oidc issuer name must be 1 to %d bytes without NUL", MaxOIDCIssuerLength)
	}
	if len(o.Keys) == 0 || len(o.Keys) > MaxOIDCKeys {
		return errorsmod.Wrapf(ErrInvalidParams, "oidc issuer %q has %d keys, want 1 to %d", o.Issuer, len(o.Keys), MaxOIDCKeys)
	}
	for i, k := range o.Keys {
		pub, err := k.PublicKey()
		if err != nil {
			return errorsmod.Wrapf(ErrInvalidParams, "oidc issuer %q key %d: %v", o.Issuer, i, err)
		}
		// Only here, not on every verification: the check takes milliseconds.
		if r, ok := pub.(*rsa.PublicKey); ok {
			if why := rsaModulusProblem(r.N); why != "" {
				return errorsmod.Wrapf(ErrInvalidParams, "oidc issuer %q key %d: RSA modulus %s", o.Issuer, i, why)
			}
		}
		if slices.ContainsFunc(o.Keys[:i], func(p JWK) bool { return p.Kid == k.Kid }) {
			return errorsmod.Wrapf(ErrInvalidParams, "oidc issuer %q: kid %q appears twice", o.Issuer, k.Kid)
		}
	}
	return nil
}

// PublicKey parses the key: RSA (RS256, 2048 to 4096 bits, odd exponent
// 3..2^31-1) or EC (ES256 on P-256).
func (k JWK) PublicKey() (crypto.PublicKey, error) {
	b64 := base64.RawURLEncoding.Strict()
	switch {
	case k.Kty == "RSA" && k.Alg == "RS256":
		n, err := b64.DecodeString(k.N)
		if err != nil || len(n) == 0 || n[0] == 0 {
			return nil, errorsmod.Wrap(ErrInvalidParams, "n must be base64url of a big-endian modulus without leading zeros")
		}
		e, err := b64.DecodeString(k.E)
		if err != nil || len(e) == 0 || len(e) > 4 || e[0] == 0 {
			return nil, errorsmod.Wrap(ErrInvalidParams, "e must be base64url of a big-endian exponent of at most 4 bytes")
		}
		mod := new(big.Int).SetBytes(n)
		exp := new(big.Int).SetBytes(e).Int64()
		if bits := mod.BitLen(); bits < 2048 || bits > 4096 {
			return nil, errorsmod.Wrapf(ErrInvalidParams, "RSA modulus is %d bits, want 2048 to 4096", bits)
		}
		if exp < 3 || exp > 1<<31-1 || exp%2 == 0 {
			return nil, errorsmod.Wrapf(ErrInvalidParams, "RSA exponent %d must be odd, 3 to 2^31-1", exp)
		}
		return &rsa.PublicKey{N: mod, E: int(exp)}, nil
	case k.Kty == "EC" && k.Alg == "ES256" && k.Crv == "P-256":
		x, errX := b64.DecodeString(k.X)
		y, errY := b64.DecodeString(k.Y)
		if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
			return nil, errorsmod.Wrap(ErrInvalidParams, "x and y must be base64url of 32 bytes each")
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), slices.Concat([]byte{4}, x, y))
		if err != nil {
			return nil, errorsmod.Wrapf(ErrInvalidParams, "not a P-256 point: %v", err)
		}
		return pub, nil
	}
	return nil, errorsmod.Wrapf(ErrInvalidParams, "key type %q alg %q crv %q: want RSA/RS256 or EC/ES256/P-256", k.Kty, k.Alg, k.Crv)
}

// jwtHeader and jwtClaims are the parts of a token that are checked.
type jwtHeader struct{ Alg, Kid string }

type jwtClaims struct {
	Iss, Sub, Nonce string
	Aud, Exp, Nbf   json.RawMessage
	Iat             json.RawMessage
}

// JWTIdentity is who a verified token names, and the issuer key (kid) that
// signed it.
type JWTIdentity struct{ Iss, Sub, Aud, Kid string }

// VerifyJWT checks an OIDC ID token for the auth method (authMethodType,
// id) at block time now (unix seconds): a compact JWS signed RS256 or ES256
// by a key of its issuer in issuers (the one its kid names; without a kid,
// the issuer's only key of that alg); for
// type 6 the issuer is Google's; "exp" after now, "nbf" and "iat" (when
// present) not after now + MaxJWTClockSkew; "nonce" = 0x-hex of challenge;
// and the auth method id is OIDCAuthMethodID of (iss, sub, aud), so "aud"
// is the app the auth method was made for. Pure.
func VerifyJWT(token string, issuers []OIDCIssuer, authMethodType uint64, id []byte, challenge []byte, now int64) (JWTIdentity, error) {
	refuse := func(format string, args ...any) (JWTIdentity, error) {
		return JWTIdentity{}, errorsmod.Wrapf(ErrInvalidJWT, format, args...)
	}
	if !IsOIDCAuthMethodType(authMethodType) {
		return refuse("auth method type %d is not proven by OIDC tokens (6 Google, %d any issuer in params)", authMethodType, OIDCAuthMethodType)
	}
	if len(token) > MaxJWTLength {
		return refuse("token is %d bytes, at most %d", len(token), MaxJWTLength)
	}
	const jwsChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
	if i := strings.IndexFunc(token, func(r rune) bool { return !strings.ContainsRune(jwsChars, r) }); i >= 0 {
		return refuse("a compact JWS is base64url and dots only (byte %d is not)", i)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return refuse("not a compact JWS (header.payload.signature)")
	}
	b64 := base64.RawURLEncoding.Strict()
	var header jwtHeader
	if err := decodeJWTPart(parts[0], []strictMember{{Name: "alg", Into: &header.Alg}, {Name: "kid", Into: &header.Kid},
		{Name: "crit", Refuse: "header extensions (crit) are not understood"}}); err != nil {
		return refuse("header: %v", err)
	}
	var claims jwtClaims
	if err := decodeJWTPart(parts[1], []strictMember{{Name: "iss", Into: &claims.Iss}, {Name: "sub", Into: &claims.Sub},
		{Name: "nonce", Into: &claims.Nonce}, {Name: "aud", Into: &claims.Aud}, {Name: "exp", Into: &claims.Exp},
		{Name: "nbf", Into: &claims.Nbf}, {Name: "iat", Into: &claims.Iat}}); err != nil {
		return refuse("payload: %v", err)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return refuse("signature is not base64url: %v", err)
	}
	if authMethodType == GoogleJWTAuthMethodType && !slices.Contains(GoogleIssuers, claims.Iss) {
		return refuse("issuer %q is not Google's %v (auth method type 6)", claims.Iss, GoogleIssuers)
	}
	i := slices.IndexFunc(issuers, func(o OIDCIssuer) bool { return o.Issuer == claims.Iss })
	if i < 0 {
		return refuse("issuer %q is not one the chain knows (params.oidc_issuers)", claims.Iss)
	}
	var keys []JWK
	for _, k := range issuers[i].Keys {
		if k.Alg == header.Alg && (header.Kid == "" || k.Kid == header.Kid) {
			keys = append(keys, k)
		}
	}
	switch {
	case len(keys) == 0:
		return refuse("issuer %q has no %s key with kid %q (rotated? params.oidc_issuers needs its new key)", claims.Iss, header.Alg, header.Kid)
	case len(keys) > 1:
		return refuse("the token names no kid and issuer %q has %d %s keys", claims.Iss, len(keys), header.Alg)
	}
	pub, err := keys[0].PublicKey()
	if err != nil {
		return refuse("%v", err)
	}
	hashed := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !verifyJWS(header.Alg, pub, hashed[:], sig) {
		return refuse("the signature does not verify with issuer %q's key %q", claims.Iss, keys[0].Kid)
	}
	aud, err := singleAudience(claims.Aud)
	if err != nil {
		return refuse("%v", err)
	}
	if claims.Sub == "" || strings.ContainsRune(claims.Sub, 0) || strings.ContainsRune(aud, 0) {
		return refuse("sub and aud must be non-empty and without NUL")
	}
	exp, err := numericDate(claims.Exp, true)
	if err != nil {
		return refuse("exp: %v", err)
	}
	if now >= exp {
		return refuse("token expired at %d; block time is %d", exp, now)
	}
	for _, c := range []struct {
		name string
		v    json.RawMessage
	}{{"nbf", claims.Nbf}, {"iat", claims.Iat}} {
		t, err := numericDate(c.v, false)
		if err != nil {
			return refuse("%s: %v", c.name, err)
		}
		if t > now+MaxJWTClockSkew {
			return refuse("%s %d is after block time %d", c.name, t, now)
		}
	}
	if want := "0x" + hex.EncodeToString(challenge); claims.Nonce != want {
		return refuse("nonce %q is not the challenge %q: the token was issued for another request (a replay, or one already accepted)", claims.Nonce, want)
	}
	if got := OIDCAuthMethodID(authMethodType, claims.Iss, claims.Sub, aud); !bytes.Equal(got, id) {
		return refuse("the token is for auth method id 0x%x (iss %q, sub %q, aud %q), not 0x%x: another user or another app (aud)",
			got, claims.Iss, claims.Sub, aud, id)
	}
	return JWTIdentity{Iss: claims.Iss, Sub: claims.Sub, Aud: aud, Kid: keys[0].Kid}, nil
}

// decodeJWTPart decodes a base64url JSON object strictly (decodeStrictObject).
func decodeJWTPart(part string, members []strictMember) error {
	bz, err := base64.RawURLEncoding.Strict().DecodeString(part)
	if err != nil {
		return err
	}
	return decodeStrictObject(bz, members)
}

func verifyJWS(alg string, pub crypto.PublicKey, hashed, sig []byte) bool {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return alg == "RS256" && rsa.VerifyPKCS1v15(k, crypto.SHA256, hashed, sig) == nil
	case *ecdsa.PublicKey:
		if alg != "ES256" || len(sig) != 64 {
			return false
		}
		return ecdsa.Verify(k, hashed, new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
	}
	return false
}

// singleAudience reads "aud": a string, or an array of exactly one.
func singleAudience(raw json.RawMessage) (string, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil && one != "" {
		return one, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err == nil && len(many) == 1 && many[0] != "" {
		return many[0], nil
	}
	return "", errorsmod.Wrap(ErrInvalidJWT, "aud must be one non-empty string (or an array of one)")
}

// numericDate reads a JWT NumericDate, a JSON number, as whole seconds;
// strings, fractions and exponents are refused (no floats in the state
// machine).
func numericDate(raw json.RawMessage, required bool) (int64, error) {
	if raw == nil {
		if required {
			return 0, errorsmod.Wrap(ErrInvalidJWT, "missing")
		}
		return 0, nil
	}
	v, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, errorsmod.Wrapf(ErrInvalidJWT, "%s is not whole seconds", raw)
	}
	return v, nil
}

// rsaModulusProblem says why n cannot be an RSA modulus (a product of two
// large primes), or "". A prime n lets anyone forge signatures from the
// public key; an even one or one with a small factor is a typo or worse.
// Deterministic (ProbablyPrime's bases derive from n), so fit for params
// validation.
func rsaModulusProblem(n *big.Int) string {
	if n.ProbablyPrime(20) {
		return "is prime: anyone could forge its signatures"
	}
	var r big.Int
	for p := int64(2); p < 1<<14; p++ {
		if big.NewInt(p).ProbablyPrime(1) && r.Mod(n, big.NewInt(p)).Sign() == 0 {
			return fmt.Sprintf("has the small factor %d", p)
		}
	}
	return ""
}
