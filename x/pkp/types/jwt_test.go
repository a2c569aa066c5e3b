package types_test

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/litprotocol/litd/testutil/softoidc"
	"github.com/litprotocol/litd/x/pkp/types"
)

const (
	testIssuer = "https://issuer.example"
	testAud    = "app-123"
	testSub    = "user-42"
	blockTime  = int64(1_767_225_600)
)

var testChallenge = []byte(strings.Repeat("c", 32))

func TestOIDCAuthMethodID(t *testing.T) {
	// Lit's Google convention; vectors from ethers 6.17.0: ethers.id("sub:aud").
	require.Equal(t, "9641d505dbc115d8447d47904663f7d7409cd887bc72a0a8ba98b38ddc0f98b2",
		hex.EncodeToString(types.OIDCAuthMethodID(types.GoogleJWTAuthMethodType, "https://accounts.google.com", "sub", "aud")))
	// litd's generic type: ethers.keccak256(ethers.toUtf8Bytes("https://issuer.example\0user-42\0app-123")).
	require.Equal(t, "381c484dc851ddd7c5d3b2540aa6972f2047c8b49c76b428e638cc77d1f1fa73", hex.EncodeToString(types.OIDCAuthMethodID(types.OIDCAuthMethodType, testIssuer, testSub, testAud)))
}

func TestVerifyJWT(t *testing.T) {
	rs := softoidc.NewRS256(testIssuer, "rs-1")
	es := softoidc.NewES256("https://es.example", "es-1", "es")
	google := softoidc.NewES256("https://accounts.google.com", "g-1", "google")
	issuers := []types.OIDCIssuer{rs.Params(), es.Params(), google.Params()}
	id := func(i *softoidc.Issuer, typ uint64) []byte {
		return types.OIDCAuthMethodID(typ, i.Name, testSub, testAud)
	}
	verify := func(i *softoidc.Issuer, typ uint64, token string) error {
		_, err := types.VerifyJWT(token, issuers, typ, id(i, typ), testChallenge, blockTime)
		return err
	}

	for _, c := range []struct {
		iss *softoidc.Issuer
		typ uint64
	}{{rs, types.OIDCAuthMethodType}, {es, types.OIDCAuthMethodType}, {google, types.GoogleJWTAuthMethodType}} {
		tok := c.iss.Token(c.iss.Claims(testSub, testAud, blockTime, testChallenge))
		got, err := types.VerifyJWT(tok, issuers, c.typ, id(c.iss, c.typ), testChallenge, blockTime)
		require.NoError(t, err, c.iss.Name)
		require.Equal(t, types.JWTIdentity{Iss: c.iss.Name, Sub: testSub, Aud: testAud, Kid: c.iss.Kid}, got)
	}
	// aud as an array of one, and without nbf and iat.
	claims := rs.Claims(testSub, testAud, blockTime, testChallenge)
	claims["aud"] = []string{testAud}
	delete(claims, "nbf")
	delete(claims, "iat")
	require.NoError(t, verify(rs, types.OIDCAuthMethodType, rs.Token(claims)))

	other := softoidc.NewRS256(testIssuer, "rs-1") // same issuer and kid, another key
	with := func(change func(c softoidc.Claims)) string {
		c := rs.Claims(testSub, testAud, blockTime, testChallenge)
		change(c)
		return rs.Token(c)
	}
	good := rs.Token(rs.Claims(testSub, testAud, blockTime, testChallenge))
	parts := strings.Split(good, ".")
	for _, r := range []struct {
		name  string
		iss   *softoidc.Issuer
		typ   uint64
		token string
		want  string
	}{
		{"expired", rs, 100, with(func(c softoidc.Claims) { c["exp"] = blockTime }), "token expired"},
		{"no exp", rs, 100, with(func(c softoidc.Claims) { delete(c, "exp") }), "exp: missing"},
		{"exp not whole seconds", rs, 100, with(func(c softoidc.Claims) { c["exp"] = float64(blockTime) + 3600.5 }), "not whole seconds"},
		{"not yet valid", rs, 100, with(func(c softoidc.Claims) { c["nbf"] = blockTime + 61 }), "nbf"},
		{"issued in the future", rs, 100, with(func(c softoidc.Claims) { c["iat"] = blockTime + 3600 }), "iat"},
		{"wrong audience", rs, 100, with(func(c softoidc.Claims) { c["aud"] = "another-app" }), "another user or another app"},
		{"two audiences", rs, 100, with(func(c softoidc.Claims) { c["aud"] = []string{testAud, "x"} }), "aud must be one"},
		{"wrong subject", rs, 100, with(func(c softoidc.Claims) { c["sub"] = "user-43" }), "another user or another app"},
		{"wrong nonce", rs, 100, with(func(c softoidc.Claims) { c["nonce"] = "0x" + hex.EncodeToString([]byte(strings.Repeat("d", 32))) }), "nonce"},
		{"no nonce", rs, 100, with(func(c softoidc.Claims) { delete(c, "nonce") }), "nonce"},
		{"wrong key", rs, 100, other.Token(other.Claims(testSub, testAud, blockTime, testChallenge)), "signature does not verify"},
		{"unknown kid", rs, 100, softoidc.NewES256(testIssuer, "rs-2", "x").Token(rs.Claims(testSub, testAud, blockTime, testChallenge)), "no ES256 key with kid"},
		{"unknown issuer", rs, 100, with(func(c softoidc.Claims) { c["iss"] = "https://evil.example" }), "not one the chain knows"},
		{"Google type from another issuer", rs, types.GoogleJWTAuthMethodType, good, "is not Google's"},
		{"not an OIDC type", rs, 3, good, "not proven by OIDC tokens"},
		{"alg none", rs, 100, rs.TokenWithHeader(map[string]any{"alg": "none", "kid": "rs-1"}, rs.Claims(testSub, testAud, blockTime, testChallenge)), "no none key"},
		{"alg HS256", rs, 100, rs.TokenWithHeader(map[string]any{"alg": "HS256", "kid": "rs-1"}, rs.Claims(testSub, testAud, blockTime, testChallenge)), "no HS256 key"},
		{"crit header", rs, 100, rs.TokenWithHeader(map[string]any{"alg": "RS256", "kid": "rs-1", "crit": []string{"b64"}}, rs.Claims(testSub, testAud, blockTime, testChallenge)), "crit"},
		{"signature cut", rs, 100, parts[0] + "." + parts[1] + "." + parts[2][:40], "signature does not verify"},
		{"payload swapped", rs, 100, parts[0] + "." + strings.Split(with(func(c softoidc.Claims) { c["sub"] = "x" }), ".")[1] + "." + parts[2], "signature does not verify"},
		{"two parts", rs, 100, parts[0] + "." + parts[1], "not a compact JWS"},
		{"padded base64", rs, 100, parts[0] + "=." + parts[1] + "." + parts[2], "base64url and dots only"},
		{"too long", rs, 100, good + strings.Repeat("A", types.MaxJWTLength), "at most"},
		{"garbage", rs, 100, "a.b.c", "header"},
	} {
		typ := r.typ
		if typ == 100 {
			typ = types.OIDCAuthMethodType
		}
		err := verify(r.iss, typ, r.token)
		require.ErrorIs(t, err, types.ErrInvalidJWT, r.name)
		require.ErrorContains(t, err, r.want, r.name)
	}

	// Without a kid the issuer's only key of the alg is used; with two, the
	// token must say which.
	noKid := rs.TokenWithHeader(map[string]any{"alg": "RS256"}, rs.Claims(testSub, testAud, blockTime, testChallenge))
	require.NoError(t, verify(rs, types.OIDCAuthMethodType, noKid))
	two := rs.Params()
	k2 := other.JWK()
	k2.Kid = "rs-2"
	two.Keys = append(two.Keys, k2)
	_, err := types.VerifyJWT(noKid, []types.OIDCIssuer{two}, types.OIDCAuthMethodType, id(rs, types.OIDCAuthMethodType), testChallenge, blockTime)
	require.ErrorContains(t, err, "names no kid")
}

func TestOIDCParams(t *testing.T) {
	rs := softoidc.NewRS256(testIssuer, "rs-1")
	p := types.DefaultParams()
	p.OidcIssuers = []types.OIDCIssuer{rs.Params(), softoidc.NewES256("https://es.example", "es-1", "es").Params()}
	require.NoError(t, p.Validate())
	p.MaxSessionSeconds = 0 // disables sessions
	require.NoError(t, p.Validate())

	bad := func(change func(p *types.Params)) error {
		q := types.DefaultParams()
		q.OidcIssuers = []types.OIDCIssuer{rs.Params()}
		change(&q)
		return q.Validate()
	}
	small := softoidc.NewRS256(testIssuer, "x").JWK()
	small.N = small.N[:len(small.N)/2]
	for name, change := range map[string]func(p *types.Params){
		"duplicate issuer": func(p *types.Params) { p.OidcIssuers = append(p.OidcIssuers, rs.Params()) },
		"no keys":          func(p *types.Params) { p.OidcIssuers[0].Keys = nil },
		"duplicate kid":    func(p *types.Params) { p.OidcIssuers[0].Keys = append(p.OidcIssuers[0].Keys, p.OidcIssuers[0].Keys[0]) },
		"empty issuer":     func(p *types.Params) { p.OidcIssuers[0].Issuer = "" },
		"1024-bit RSA":     func(p *types.Params) { p.OidcIssuers[0].Keys[0] = small },
		"even exponent":    func(p *types.Params) { p.OidcIssuers[0].Keys[0].E = "AQAA" },
		"unknown alg":      func(p *types.Params) { p.OidcIssuers[0].Keys[0].Alg = "RS512" },
		"EC off the curve": func(p *types.Params) {
			k := softoidc.NewES256("i", "k", "s").JWK()
			k.Y = k.X
			p.OidcIssuers[0].Keys[0] = k
		},
		"session too long":  func(p *types.Params) { p.MaxSessionSeconds = types.MaxSessionSecondsLimit + 1 },
		"too many issuers":  func(p *types.Params) { p.OidcIssuers = make([]types.OIDCIssuer, types.MaxOIDCIssuers+1) },
		"n not base64url":   func(p *types.Params) { p.OidcIssuers[0].Keys[0].N = "!!" },
		"n with zero byte":  func(p *types.Params) { p.OidcIssuers[0].Keys[0].N = "AA" + p.OidcIssuers[0].Keys[0].N },
		"too many keys":     func(p *types.Params) { p.OidcIssuers[0].Keys = make([]types.JWK, types.MaxOIDCKeys+1) },
		"issuer with a NUL": func(p *types.Params) { p.OidcIssuers[0].Issuer = "a\x00b" },
	} {
		require.ErrorIs(t, bad(change), types.ErrInvalidParams, name)
	}
}
