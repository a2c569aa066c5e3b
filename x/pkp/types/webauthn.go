package types

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"

	errorsmod "cosmossdk.io/errors"
)

// WebAuthnAuthMethodType is Lit's auth method type for WebAuthn credentials
// (passkeys).
const WebAuthnAuthMethodType = 3

// Bounds on WebAuthn settings and assertions: far above what browsers and
// authenticators produce, low enough that verifying stays cheap.
const (
	MaxWebAuthnOrigins         = 8
	MaxWebAuthnOriginLength    = 256
	MaxAuthenticatorDataLength = 1024
	MaxClientDataJSONLength    = 4096
	// A DER ECDSA P-256 signature is at most 72 bytes.
	MaxWebAuthnSignatureLength = 80
)

// Authenticator data flags (WebAuthn §6.1).
const (
	flagUserPresent  = 0x01
	flagUserVerified = 0x04
)

// ParseWebAuthnPubkey parses a WebAuthn credential's P-256 public key from
// 0x-hex: the COSE_Key Lit's SDK stores as user_pubkey (EC2, ES256, P-256),
// or a 65-byte uncompressed point.
func ParseWebAuthnPubkey(s string) (*ecdsa.PublicKey, error) {
	bz, err := decodeHex(s)
	if err != nil || len(bz) == 0 {
		return nil, errorsmod.Wrap(ErrInvalidAuthMethod, "user_pubkey must be 0x-hex of a COSE_Key or an uncompressed P-256 point")
	}
	if bz[0] != 0x04 {
		if bz, err = coseP256Point(bz); err != nil {
			return nil, errorsmod.Wrapf(ErrInvalidAuthMethod, "user_pubkey: %v", err)
		}
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), bz)
	if err != nil {
		return nil, errorsmod.Wrapf(ErrInvalidAuthMethod, "user_pubkey is not a P-256 public key: %v", err)
	}
	return pub, nil
}

// COSE_Key labels and values (RFC 9052, RFC 9053) of an ES256 P-256 key.
const (
	coseKty, coseAlg, coseCrv, coseX, coseY = 1, 3, -1, -2, -3
	coseKtyEC2, coseAlgES256, coseCrvP256   = 2, -7, 1
)

// coseP256Point reads a COSE_Key that must be an EC2 P-256 key for ES256
// and returns its uncompressed point. It reads only the CBOR a COSE_Key
// uses: one map with integer labels and integer, byte or text string
// values, and nothing after it.
func coseP256Point(bz []byte) ([]byte, error) {
	r := cborReader{b: bz}
	major, n, err := r.head()
	if err != nil || major != cborMap || n > 16 {
		return nil, fmt.Errorf("not a COSE_Key (a CBOR map)")
	}
	seen := map[int64]bool{}
	ints := map[int64]int64{}
	strs := map[int64][]byte{}
	for range n {
		label, err := r.int()
		if err != nil {
			return nil, fmt.Errorf("COSE_Key label: %w", err)
		}
		if seen[label] {
			return nil, fmt.Errorf("COSE_Key label %d twice", label)
		}
		seen[label] = true
		major, arg, err := r.head()
		if err != nil {
			return nil, err
		}
		switch major {
		case cborUint, cborNegInt:
			v, err := cborInt(major, arg)
			if err != nil {
				return nil, err
			}
			ints[label] = v
		case cborBytes, cborText:
			s, err := r.take(arg)
			if err != nil {
				return nil, err
			}
			strs[label] = s
		default:
			return nil, fmt.Errorf("COSE_Key value of label %d has CBOR major type %d", label, major)
		}
	}
	if len(r.b) != 0 {
		return nil, fmt.Errorf("%d bytes after the COSE_Key", len(r.b))
	}
	if kty, ok := ints[coseKty]; !ok || kty != coseKtyEC2 {
		return nil, fmt.Errorf("COSE_Key kty must be 2 (EC2)")
	}
	if alg, ok := ints[coseAlg]; !ok || alg != coseAlgES256 {
		return nil, fmt.Errorf("COSE_Key alg must be -7 (ES256)")
	}
	if crv, ok := ints[coseCrv]; !ok || crv != coseCrvP256 {
		return nil, fmt.Errorf("COSE_Key crv must be 1 (P-256)")
	}
	x, y := strs[coseX], strs[coseY]
	if len(x) != 32 || len(y) != 32 {
		return nil, fmt.Errorf("COSE_Key x and y must be 32 bytes each")
	}
	return slices.Concat([]byte{0x04}, x, y), nil
}

// CBOR major types (RFC 8949 §3.1).
const (
	cborUint, cborNegInt, cborBytes, cborText, cborMap = 0, 1, 2, 3, 5
)

type cborReader struct{ b []byte }

// head reads an item's initial byte and argument; indefinite lengths and
// reserved encodings are refused.
func (r *cborReader) head() (major byte, arg uint64, err error) {
	if len(r.b) == 0 {
		return 0, 0, fmt.Errorf("CBOR ends early")
	}
	major, info := r.b[0]>>5, r.b[0]&0x1f
	r.b = r.b[1:]
	switch {
	case info < 24:
		return major, uint64(info), nil
	case info <= 27:
		size := 1 << (info - 24)
		if len(r.b) < size {
			return 0, 0, fmt.Errorf("CBOR ends early")
		}
		var buf [8]byte
		copy(buf[8-size:], r.b[:size])
		r.b = r.b[size:]
		return major, binary.BigEndian.Uint64(buf[:]), nil
	default:
		return 0, 0, fmt.Errorf("CBOR additional information %d is not supported", info)
	}
}

// int reads an integer item.
func (r *cborReader) int() (int64, error) {
	major, arg, err := r.head()
	if err != nil {
		return 0, err
	}
	return cborInt(major, arg)
}

func cborInt(major byte, arg uint64) (int64, error) {
	if (major != cborUint && major != cborNegInt) || arg > 1<<62 {
		return 0, fmt.Errorf("not a small CBOR integer")
	}
	if major == cborNegInt {
		return -1 - int64(arg), nil
	}
	return int64(arg), nil
}

// take reads the n bytes of a string item.
func (r *cborReader) take(n uint64) ([]byte, error) {
	if n > uint64(len(r.b)) {
		return nil, fmt.Errorf("CBOR string longer than its input")
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s, nil
}

// Validate checks WebAuthn settings and the credential key they go with.
func (s *WebAuthnSettings) Validate(userPubkey string) error {
	if _, err := ParseWebAuthnPubkey(userPubkey); err != nil {
		return err
	}
	if err := validateRPID(s.RpId); err != nil {
		return err
	}
	if len(s.Origins) == 0 || len(s.Origins) > MaxWebAuthnOrigins {
		return errorsmod.Wrapf(ErrInvalidAuthMethod, "webauthn needs 1 to %d origins", MaxWebAuthnOrigins)
	}
	for i, o := range s.Origins {
		if err := validateOrigin(o, s.RpId); err != nil {
			return err
		}
		if slices.Contains(s.Origins[:i], o) {
			return errorsmod.Wrapf(ErrInvalidAuthMethod, "origin %q listed twice", o)
		}
	}
	return nil
}

// validateRPID accepts a lower-case domain name (what browsers allow as an
// RP ID), "localhost" included; IP addresses are not RP IDs.
func validateRPID(id string) error {
	if why := domainProblem(id); why != "" {
		return errorsmod.Wrapf(ErrInvalidAuthMethod, "rp_id %q: %s", id, why)
	}
	return nil
}

// domainProblem says what keeps name from being a lower-case DNS name whose
// last label starts with a letter (so no browser reads it as an IPv4
// address), or "" if nothing does. A hand-written grammar rather than
// net/url, whose parsing changes between Go releases and with GODEBUG: the
// answer is consensus.
func domainProblem(name string) string {
	if name == "" || len(name) > 253 {
		return "want a domain name of 1 to 253 characters"
	}
	labels := strings.Split(name, ".")
	for _, label := range labels {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "not a domain name"
		}
		for _, c := range []byte(label) {
			if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
				return "want lower-case letters, digits, '-' and '.'"
			}
		}
	}
	if last := labels[len(labels)-1]; last[0] < 'a' || last[0] > 'z' {
		return "the last label must start with a letter (an IP address is not a domain)"
	}
	return ""
}

// validateOrigin accepts an origin exactly as browsers serialise it into
// clientDataJSON (scheme://host[:port], lower case, no default port, no
// path), served over https from rpID or a subdomain of it, or from
// http://localhost for rpID "localhost" (development and tests).
func validateOrigin(origin, rpID string) error {
	bad := func(why string) error {
		return errorsmod.Wrapf(ErrInvalidAuthMethod, "origin %q: %s", origin, why)
	}
	if len(origin) > MaxWebAuthnOriginLength {
		return bad(fmt.Sprintf("longer than %d characters", MaxWebAuthnOriginLength))
	}
	scheme, hostport, ok := strings.Cut(origin, "://")
	if !ok || (scheme != "https" && scheme != "http") {
		return bad("want https://host[:port] (http only for localhost)")
	}
	host, port, hasPort := strings.Cut(hostport, ":")
	if why := domainProblem(host); why != "" {
		return bad("host: " + why)
	}
	if hasPort {
		p, err := strconv.ParseUint(port, 10, 16)
		if err != nil || p == 0 || port[0] == '0' || strconv.FormatUint(p, 10) != port {
			return bad("invalid port")
		}
		if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
			return bad("browsers leave the default port out of the origin")
		}
	}
	switch {
	case scheme == "https" && (host == rpID || strings.HasSuffix(host, "."+rpID)):
		return nil
	case scheme == "http" && host == "localhost" && rpID == "localhost":
		return nil
	case scheme == "https":
		return bad(fmt.Sprintf("the host is not rp_id %q or a subdomain of it", rpID))
	}
	return bad("want https (http only for localhost)")
}

// clientData is the part of clientDataJSON (WebAuthn §5.8.1) that is checked.
type clientData struct {
	Type, Challenge, Origin string
	CrossOrigin             bool
}

// parseClientData reads clientDataJSON strictly (decodeStrictObject): type,
// challenge, origin (strings) and crossOrigin (a boolean) at most once each;
// topOrigin refused.
func parseClientData(cdj []byte) (clientData, error) {
	var cd clientData
	err := decodeStrictObject(cdj, []strictMember{
		{Name: "type", Into: &cd.Type}, {Name: "challenge", Into: &cd.Challenge}, {Name: "origin", Into: &cd.Origin},
		{Name: "crossOrigin", Into: &cd.CrossOrigin},
		{Name: "topOrigin", Refuse: "topOrigin is set: a cross-origin (iframe) assertion is not accepted"},
	})
	return cd, err
}

// VerifyWebAuthn checks a WebAuthn assertion for this auth method (WebAuthn
// §7.2, for a relying party that knows the credential): clientDataJSON is of
// type "webauthn.get", carries challenge (base64url, no padding) and one of
// the method's origins, and is not cross-origin; authenticatorData has
// rpIdHash = sha256(rp_id), the UP flag (and UV when required), and a sign
// count above lastSignCount unless both are 0 (authenticators without a
// counter); the signature is ASN.1 DER ECDSA P-256 by user_pubkey over
// authenticatorData ‖ sha256(clientDataJSON). It returns the assertion's
// sign count. Pure: the same input always gives the same answer.
func (a AuthMethod) VerifyWebAuthn(as *WebAuthnAssertion, challenge []byte, lastSignCount uint32) (uint32, error) {
	if a.AuthMethodType != WebAuthnAuthMethodType || a.Webauthn == nil {
		return 0, errorsmod.Wrapf(ErrInvalidAuthMethod, "auth method %d/%s has no webauthn settings", a.AuthMethodType, a.Id)
	}
	pub, err := ParseWebAuthnPubkey(a.UserPubkey)
	if err != nil {
		return 0, err
	}
	refuse := func(format string, args ...any) (uint32, error) {
		return 0, errorsmod.Wrapf(ErrInvalidAssertion, format, args...)
	}
	if as == nil {
		return refuse("no webauthn assertion")
	}
	ad, cdj := as.AuthenticatorData, as.ClientDataJson
	if len(ad) < 37 || len(ad) > MaxAuthenticatorDataLength {
		return refuse("authenticator_data is %d bytes, want 37 to %d", len(ad), MaxAuthenticatorDataLength)
	}
	if len(cdj) > MaxClientDataJSONLength || len(as.Signature) > MaxWebAuthnSignatureLength {
		return refuse("client_data_json (at most %d bytes) or signature (at most %d) too long", MaxClientDataJSONLength, MaxWebAuthnSignatureLength)
	}
	cd, err := parseClientData(cdj)
	if err != nil {
		return refuse("client_data_json: %v", err)
	}
	if cd.Type != "webauthn.get" {
		return refuse("client data type is %q, want \"webauthn.get\"", cd.Type)
	}
	if want := base64.RawURLEncoding.EncodeToString(challenge); cd.Challenge != want {
		return refuse("wrong challenge %q, want %q: the assertion was made for another chain, PKP, auth method, digest or nonce (a replay, or a request that was already accepted)",
			cd.Challenge, want)
	}
	if !slices.Contains(a.Webauthn.Origins, cd.Origin) {
		return refuse("origin %q is not one of the auth method's origins %v", cd.Origin, a.Webauthn.Origins)
	}
	if cd.CrossOrigin {
		return refuse("a cross-origin (iframe) assertion is not accepted")
	}
	if rpIDHash := sha256.Sum256([]byte(a.Webauthn.RpId)); !bytes.Equal(ad[:32], rpIDHash[:]) {
		return refuse("rpIdHash is not sha256(%q): the credential belongs to another relying party", a.Webauthn.RpId)
	}
	flags := ad[32]
	if flags&flagUserPresent == 0 {
		return refuse("the user-present (UP) flag is not set")
	}
	if a.Webauthn.RequireUserVerification && flags&flagUserVerified == 0 {
		return refuse("the user-verified (UV) flag is not set and this auth method requires it")
	}
	signCount := binary.BigEndian.Uint32(ad[33:37])
	if (signCount != 0 || lastSignCount != 0) && signCount <= lastSignCount {
		return refuse("sign count %d is not above the last accepted %d (a cloned authenticator, or a replay)", signCount, lastSignCount)
	}
	cdHash := sha256.Sum256(cdj)
	signed := sha256.Sum256(slices.Concat(ad, cdHash[:]))
	if !ecdsa.VerifyASN1(pub, signed[:], as.Signature) {
		return refuse("the signature does not verify with the credential's public key")
	}
	return signCount, nil
}
