package types_test

// Red-team tests of VerifyJWT and OIDC params: attacks that are refused,
// and properties that are documented.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/litprotocol/litd/testutil/softoidc"
	"github.com/litprotocol/litd/x/pkp/types"
)

var rtB64 = base64.RawURLEncoding

// rtSigner signs raw header and payload JSON (so tests can write JSON that
// encoding/json would never produce: duplicate keys, odd spellings).
type rtSigner struct {
	ec  *ecdsa.PrivateKey
	rsa *rsa.PrivateKey
	jwk types.JWK
}

func newRTES256(kid string) rtSigner {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	pt, _ := k.PublicKey.Bytes()
	return rtSigner{ec: k, jwk: types.JWK{Kid: kid, Kty: "EC", Alg: "ES256", Crv: "P-256", X: rtB64.EncodeToString(pt[1:33]), Y: rtB64.EncodeToString(pt[33:])}}
}

func (s rtSigner) sign(header, payload string) string {
	in := rtB64.EncodeToString([]byte(header)) + "." + rtB64.EncodeToString([]byte(payload))
	d := sha256.Sum256([]byte(in))
	var sig []byte
	if s.ec != nil {
		r, ss, err := ecdsa.Sign(rand.Reader, s.ec, d[:])
		if err != nil {
			panic(err)
		}
		sig = append(r.FillBytes(make([]byte, 32)), ss.FillBytes(make([]byte, 32))...)
	} else {
		var err error
		sig, err = rsa.SignPKCS1v15(rand.Reader, s.rsa, crypto.SHA256, d[:])
		if err != nil {
			panic(err)
		}
	}
	return in + "." + rtB64.EncodeToString(sig)
}

func rtNonce() string { return "0x" + hex.EncodeToString(testChallenge) }

// Refused (a red-team finding, fixed): claims and header members are read
// spelled exactly and at most once. encoding/json alone matches names
// case-insensitively with Unicode folding ("ſub" is "sub") and keeps the
// last duplicate, so an issuer that lets users name a custom claim could
// issue a token that the chain reads as "mallory" and every other verifier
// as "alice".
func TestJWTClaimNamesAreExact(t *testing.T) {
	iss := "https://idp.example"
	s := newRTES256("k1")
	issuers := []types.OIDCIssuer{{Issuer: iss, Keys: []types.JWK{s.jwk}}}
	header := `{"alg":"ES256","kid":"k1","typ":"JWT"}`
	for _, c := range []struct{ name, payload, want string }{
		{"long s", `{"iss":%q,"sub":"alice","aud":"app","exp":%d,"nonce":%q,"ſub":"mallory"}`, `the name is "sub"`},
		{"upper case", `{"iss":%q,"sub":"alice","aud":"app","exp":%d,"nonce":%q,"SUB":"mallory"}`, `the name is "sub"`},
		{"duplicate", `{"iss":%q,"sub":"alice","aud":"app","exp":%d,"nonce":%q,"sub":"mallory"}`, "appears twice"},
		{"Sub", `{"iss":%q,"sub":"alice","aud":"app","exp":%d,"nonce":%q,"Sub":"mallory"}`, `the name is "sub"`},
	} {
		tok := s.sign(header, fmt.Sprintf(c.payload, iss, blockTime+3600, rtNonce()))
		for _, sub := range []string{"alice", "mallory"} {
			_, err := types.VerifyJWT(tok, issuers, types.OIDCAuthMethodType, types.OIDCAuthMethodID(types.OIDCAuthMethodType, iss, sub, "app"), testChallenge, blockTime)
			require.ErrorIs(t, err, types.ErrInvalidJWT, c.name)
			require.ErrorContains(t, err, c.want, c.name)
		}
	}
	alice := types.OIDCAuthMethodID(types.OIDCAuthMethodType, iss, "alice", "app")
	// A crit header is refused, also behind a case-folded twin.
	tok := s.sign(`{"alg":"ES256","kid":"k1","crit":["exp"],"cRit":[]}`, fmt.Sprintf(`{"iss":%q,"sub":"alice","aud":"app","exp":%d,"nonce":%q}`, iss, blockTime+3600, rtNonce()))
	_, err := types.VerifyJWT(tok, issuers, types.OIDCAuthMethodType, alice, testChallenge, blockTime)
	require.ErrorContains(t, err, "crit")
	// exp as a JSON string is not a NumericDate.
	tok = s.sign(`{"alg":"ES256","kid":"k1"}`, fmt.Sprintf(`{"iss":%q,"sub":"alice","aud":"app","exp":"%d","nonce":%q}`, iss, blockTime+3600, rtNonce()))
	_, err = types.VerifyJWT(tok, issuers, types.OIDCAuthMethodType, alice, testChallenge, blockTime)
	require.ErrorContains(t, err, "not whole seconds")
	// The well-formed token is accepted.
	tok = s.sign(header, fmt.Sprintf(`{"iss":%q,"sub":"alice","aud":"app","exp":%d,"nonce":%q,"email":"a@b"}`, iss, blockTime+3600, rtNonce()))
	_, err = types.VerifyJWT(tok, issuers, types.OIDCAuthMethodType, alice, testChallenge, blockTime)
	require.NoError(t, err)
}

// Refused: an issuer the chain trusts for type 100 cannot mint tokens
// accepted as Google's (type 6): the token's iss selects the keys, so a
// token claiming Google's iss must carry Google's signature; and a token of
// the other issuer is refused for type 6 by its iss.
func TestJWTIssuerCannotImpersonateGoogle(t *testing.T) {
	google := softoidc.NewES256("https://accounts.google.com", "g1", "google")
	evil := softoidc.NewES256("https://evil.example", "g1", "evil") // same kid on purpose
	issuers := []types.OIDCIssuer{google.Params(), evil.Params()}
	id6 := types.OIDCAuthMethodID(types.GoogleJWTAuthMethodType, "", "victim", "app")
	// evil signs a token naming Google's iss.
	c := evil.Claims("victim", "app", blockTime, testChallenge)
	c["iss"] = "https://accounts.google.com"
	_, err := types.VerifyJWT(evil.Token(c), issuers, types.GoogleJWTAuthMethodType, id6, testChallenge, blockTime)
	require.ErrorContains(t, err, "signature does not verify")
	// evil's own token for type 6.
	_, err = types.VerifyJWT(evil.Token(evil.Claims("victim", "app", blockTime, testChallenge)), issuers, types.GoogleJWTAuthMethodType, id6, testChallenge, blockTime)
	require.ErrorContains(t, err, "is not Google's")
	// Type 6 and 100 ids never name the same auth method: the key hashes the type.
	id100 := types.OIDCAuthMethodID(types.OIDCAuthMethodType, "https://accounts.google.com", "victim", "app")
	require.NotEqual(t, types.AuthMethodKey(6, "0x"+hex.EncodeToString(id6)), types.AuthMethodKey(100, "0x"+hex.EncodeToString(id6)))
	require.NotEqual(t, id6, id100)
	// Type 100 ids cannot collide through NUL: sub, aud and iss refuse it.
	n := softoidc.NewES256("https://n.example", "n", "n")
	c = n.Claims("a\x00b", "app", blockTime, testChallenge)
	_, err = types.VerifyJWT(n.Token(c), []types.OIDCIssuer{n.Params()}, types.OIDCAuthMethodType,
		types.OIDCAuthMethodID(types.OIDCAuthMethodType, n.Name, "a\x00b", "app"), testChallenge, blockTime)
	require.ErrorContains(t, err, "without NUL")
}

// Informational: type 6 ids (Lit's keccak256("sub:aud")) do not separate sub
// from aud, so (sub "a:b", aud "c") and (sub "a", aud "b:c") are one auth
// method. Harmless with Google's numeric subs and colon-free client ids; a
// property of Lit's convention that litd must keep for compatibility.
func TestGoogleIDColonAmbiguity(t *testing.T) {
	require.Equal(t, types.OIDCAuthMethodID(6, "", "a:b", "c"), types.OIDCAuthMethodID(6, "", "a", "b:c"))
}

// A token is malleable without its issuer through ES256's s -> n-s: one
// request can ride in two txs, and the nonce accepts only the first (keeper
// tests), as the README says. CR/LF inside the base64url signature (which
// Go's decoder skips even in Strict mode) is refused: a token is base64url
// and dots only.
func TestJWTMalleability(t *testing.T) {
	es := softoidc.NewES256("https://es.example", "es-1", "es")
	issuers := []types.OIDCIssuer{es.Params()}
	id := types.OIDCAuthMethodID(types.OIDCAuthMethodType, es.Name, testSub, testAud)
	tok := es.Token(es.Claims(testSub, testAud, blockTime, testChallenge))
	parts := strings.Split(tok, ".")
	sig, _ := rtB64.DecodeString(parts[2])
	s := new(big.Int).SetBytes(sig[32:])
	s.Sub(elliptic.P256().Params().N, s)
	high := parts[0] + "." + parts[1] + "." + rtB64.EncodeToString(append(sig[:32:32], s.FillBytes(make([]byte, 32))...))
	nl := parts[0] + "." + parts[1] + "." + parts[2][:10] + "\r\n" + parts[2][10:]
	for _, v := range []string{tok, high} {
		_, err := types.VerifyJWT(v, issuers, types.OIDCAuthMethodType, id, testChallenge, blockTime)
		require.NoError(t, err)
	}
	require.NotEqual(t, tok, high)
	_, err := types.VerifyJWT(nl, issuers, types.OIDCAuthMethodType, id, testChallenge, blockTime)
	require.ErrorContains(t, err, "base64url")
}

// Refused (a red-team finding, fixed): params validation refuses RSA keys
// that cannot be a real issuer's: a prime modulus (anyone computes
// d = e^-1 mod (n-1) from the public key and forges every identity's
// tokens), an even one, or one with a small factor.
func TestOIDCParamsRefuseForgeableRSAKey(t *testing.T) {
	p, err := rand.Prime(rand.Reader, 2048)
	require.NoError(t, err)
	e := rtB64.EncodeToString(big.NewInt(65537).Bytes())
	params := types.DefaultParams()
	with := func(n *big.Int) error {
		params.OidcIssuers = []types.OIDCIssuer{{Issuer: "https://prime.example", Keys: []types.JWK{{Kid: "p", Kty: "RSA", Alg: "RS256", N: rtB64.EncodeToString(n.Bytes()), E: e}}}}
		return params.Validate()
	}
	require.ErrorContains(t, with(p), "is prime")
	even := new(big.Int).SetBit(p, 0, 0)
	require.ErrorContains(t, with(even), "small factor 2")
	q, err := rand.Prime(rand.Reader, 2048-13)
	require.NoError(t, err)
	require.ErrorContains(t, with(new(big.Int).Mul(q, big.NewInt(8191))), "small factor 8191")
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	require.NoError(t, with(k.N))
}

// Refused: alg confusion and key-selection tricks.
func TestJWTAlgAndKidTricks(t *testing.T) {
	rs := softoidc.NewRS256("https://rs.example", "k")
	issuers := []types.OIDCIssuer{rs.Params()}
	id := types.OIDCAuthMethodID(types.OIDCAuthMethodType, rs.Name, testSub, testAud)
	claims := rs.Claims(testSub, testAud, blockTime, testChallenge)
	for name, hdr := range map[string]map[string]any{
		"ES256 against an RSA kid": {"alg": "ES256", "kid": "k"},
		"HS256":                    {"alg": "HS256", "kid": "k"},
		"lower-case rs256":         {"alg": "rs256", "kid": "k"},
		"none":                     {"alg": "none"},
		"embedded jwk":             {"alg": "RS256", "kid": "x", "jwk": map[string]string{"kty": "RSA"}},
	} {
		_, err := types.VerifyJWT(rs.TokenWithHeader(hdr, claims), issuers, types.OIDCAuthMethodType, id, testChallenge, blockTime)
		require.Error(t, err, name)
	}
	// An HMAC made with the RSA public key as secret is refused: no HS alg at all.
	_, err := types.VerifyJWT(rs.TokenWithHeader(map[string]any{"alg": "RS256", "kid": "k"}, claims)+"A", issuers, types.OIDCAuthMethodType, id, testChallenge, blockTime)
	require.Error(t, err)
	// exp as float, exponent, huge, negative zero: refused or expired.
	for _, exp := range []string{`1.8e9`, `99999999999999999999`, `1e400`, `-0`, `null`, `true`} {
		s := newRTES256("e")
		iss := []types.OIDCIssuer{{Issuer: "https://e.example", Keys: []types.JWK{s.jwk}}}
		tok := s.sign(`{"alg":"ES256"}`, fmt.Sprintf(`{"iss":"https://e.example","sub":"s","aud":"a","exp":%s,"nonce":%q}`, exp, rtNonce()))
		_, err := types.VerifyJWT(tok, iss, types.OIDCAuthMethodType, types.OIDCAuthMethodID(100, "https://e.example", "s", "a"), testChallenge, blockTime)
		require.Error(t, err, exp)
	}
}

// Cost: the most expensive verification params allow (RSA-4096, e = 2^31-1,
// an 8 KiB token) against JWTVerifyGas (3000) — logged, compared with a
// secp256k1 verification (1000 gas in x/auth).
func TestJWTVerifyCost(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	k, err := rsa.GenerateKey(rand.Reader, 4096)
	require.NoError(t, err)
	// Re-key with e = 2^31-1 (coprime with phi almost surely).
	e := int64(1<<31 - 1)
	phi := new(big.Int).Mul(new(big.Int).Sub(k.Primes[0], big.NewInt(1)), new(big.Int).Sub(k.Primes[1], big.NewInt(1)))
	d := new(big.Int).ModInverse(big.NewInt(e), phi)
	require.NotNil(t, d)
	priv := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: k.N, E: int(e)}, D: d, Primes: k.Primes}
	priv.Precompute()
	s := rtSigner{rsa: priv, jwk: types.JWK{Kid: "big", Kty: "RSA", Alg: "RS256", N: rtB64.EncodeToString(k.N.Bytes()), E: rtB64.EncodeToString(big.NewInt(e).Bytes())}}
	iss := []types.OIDCIssuer{{Issuer: "https://big.example", Keys: []types.JWK{s.jwk}}}
	require.NoError(t, (&types.Params{MintFee: types.DefaultMintFee, OidcIssuers: iss}).Validate())
	pad := strings.Repeat("x", 5400)
	tok := s.sign(`{"alg":"RS256","kid":"big"}`, fmt.Sprintf(`{"iss":"https://big.example","sub":"s","aud":"a","exp":%d,"nonce":%q,"pad":%q}`, blockTime+60, rtNonce(), pad))
	require.LessOrEqual(t, len(tok), types.MaxJWTLength)
	id := types.OIDCAuthMethodID(100, "https://big.example", "s", "a")
	_, err = types.VerifyJWT(tok, iss, 100, id, testChallenge, blockTime)
	require.NoError(t, err)
	const n = 200
	start := time.Now()
	for range n {
		_, _ = types.VerifyJWT(tok, iss, 100, id, testChallenge, blockTime)
	}
	t.Logf("worst-case VerifyJWT: %v per token (3000 gas)", time.Since(start)/n)
}
