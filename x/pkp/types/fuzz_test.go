package types_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cosmos/btcutil/base58"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/litprotocol/litd/testutil/softauthn"
	"github.com/litprotocol/litd/x/pkp/types"
)

// Fuzz targets for the parsers and validators that take user input in
// x/pkp messages (CIDs, token ids, public keys, Ethereum addresses, scopes,
// auth methods, WebAuthn assertions). The seeds below are also committed under
// testdata/fuzz/<FuzzName>/.
//
//	go test -run '^$' -fuzz '^FuzzValidateCID$' -fuzztime 60s ./x/pkp/types

func fuzzCIDv0(digest []byte) string {
	return base58.Encode(append([]byte{0x12, 0x20}, digest...))
}

func fuzzValidateCIDSeeds() []string {
	d := sha256.Sum256([]byte("action a"))
	return []string{
		fuzzCIDv0(d[:]), // valid
		"QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH", // `ipfs add` of the empty file
		"",
		"Qm123",
		"bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",             // CIDv1
		base58.Encode(append([]byte{0x11, 0x20}, bytes.Repeat([]byte{7}, 32)...)), // sha1 multihash code
		"1" + fuzzCIDv0(d[:]),                                 // leading zero byte
		fuzzCIDv0(d[:])[:45] + "0",                            // not base58
		strings.Repeat("Qm", 65),                              // over MaxCIDLength
		fuzzCIDv0(append(d[:], 0)),                            // 33-byte digest
		"QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQ\u00e9", // non-ASCII
	}
}

func FuzzValidateCID(f *testing.F) {
	for _, s := range fuzzValidateCIDSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := types.ValidateCID(s)
		if err != nil {
			if !errors.Is(err, types.ErrInvalidCID) {
				t.Fatalf("%q: error %v is not ErrInvalidCID", s, err)
			}
		} else {
			// Accepting ⇒ a base58btc sha2-256 multihash that re-encodes to s.
			bz := base58.Decode(s)
			if len(bz) != 34 || bz[0] != 0x12 || bz[1] != 0x20 {
				t.Fatalf("accepted %q decodes to %x", s, bz)
			}
			if base58.Encode(bz) != s {
				t.Fatalf("accepted %q re-encodes to %q", s, base58.Encode(bz))
			}
			if len(s) != 46 || !strings.HasPrefix(s, "Qm") {
				t.Fatalf("accepted %q is not a 46-character Qm... string", s)
			}
		}
		// Completeness: the CIDv0 of any digest is accepted.
		d := sha256.Sum256([]byte(s))
		if c := fuzzCIDv0(d[:]); types.ValidateCID(c) != nil {
			t.Fatalf("CIDv0 %q of a sha2-256 digest rejected", c)
		}
	})
}

// fuzzHexTail reports whether s ends with the hex of bz (any case) and has at
// most prefixMax characters before it.
func fuzzHexTail(s string, bz []byte, prefixMax int) bool {
	h := hex.EncodeToString(bz)
	return len(s) >= len(h) && len(s)-len(h) <= prefixMax && strings.EqualFold(s[len(s)-len(h):], h)
}

func fuzzParseTokenIDSeeds() []string {
	return []string{
		"0x" + strings.Repeat("ab", 32),
		"0X" + strings.Repeat("AB", 32),
		strings.Repeat("01", 32), // without 0x
		"0x" + strings.Repeat("ab", 31),
		"0x" + strings.Repeat("ab", 33),
		"0x" + strings.Repeat("zz", 32),
		"0x" + strings.Repeat("a", 63),
		"",
		"0x",
	}
}

func FuzzParseTokenID(f *testing.F) {
	for _, s := range fuzzParseTokenIDSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		bz, err := types.ParseTokenID(s)
		if err != nil {
			if bz != nil || !errors.Is(err, types.ErrInvalidTokenID) {
				t.Fatalf("%q: %x, %v", s, bz, err)
			}
			return
		}
		if len(bz) != 32 {
			t.Fatalf("accepted %q as %d bytes", s, len(bz))
		}
		// The input is the hex of the id, after at most a short prefix.
		if !fuzzHexTail(s, bz, 4) {
			t.Fatalf("accepted %q as %x", s, bz)
		}
		// The canonical rendering parses back to the same id and is a fixed point.
		canon := types.FormatTokenID(bz)
		if canon != "0x"+hex.EncodeToString(bz) {
			t.Fatalf("FormatTokenID(%x) = %q", bz, canon)
		}
		again, err := types.ParseTokenID(canon)
		if err != nil || !bytes.Equal(again, bz) {
			t.Fatalf("canonical %q parses to %x, %v; want %x", canon, again, err, bz)
		}
	})
}

func fuzzPubkeySeeds() []string {
	pk := secp256k1.PrivKeyFromBytes(bytes.Repeat([]byte{0x42}, 32)).PubKey()
	g := secp256k1.PrivKeyFromBytes([]byte{1}).PubKey() // the generator
	uncompressed := pk.SerializeUncompressed()
	hybrid := append([]byte{0x06 | uncompressed[64]&1}, uncompressed[1:]...)
	offCurve := bytes.Clone(uncompressed)
	offCurve[64] ^= 1
	return []string{
		"0x" + hex.EncodeToString(uncompressed),
		"0x" + hex.EncodeToString(pk.SerializeCompressed()),
		strings.ToUpper(hex.EncodeToString(g.SerializeCompressed())), // no 0x, upper case
		"0x" + hex.EncodeToString(hybrid),
		"0x" + hex.EncodeToString(offCurve),
		"0x05" + hex.EncodeToString(uncompressed[1:]), // unknown format byte
		"0x" + hex.EncodeToString(pk.SerializeCompressed()[:32]),
		"0x02" + strings.Repeat("ff", 32), // x >= p
		"0x04" + strings.Repeat("00", 64), // the point at infinity, badly encoded
		"0xnothex",
		"",
	}
}

func FuzzParsePubkey(f *testing.F) {
	for _, s := range fuzzPubkeySeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pk, err := types.ParsePubkey(s)
		if err != nil {
			if pk != nil || !errors.Is(err, types.ErrInvalidPubkey) {
				t.Fatalf("%q: %v, %v", s, pk, err)
			}
			return
		}
		if !pk.IsOnCurve() {
			t.Fatalf("accepted %q is not on the curve", s)
		}
		// The input is one SEC1 encoding of that point (compressed,
		// uncompressed or hybrid) in hex, after at most a short prefix.
		unc := pk.SerializeUncompressed()
		hybrid := append([]byte{0x06 | unc[64]&1}, unc[1:]...)
		if !fuzzHexTail(s, pk.SerializeCompressed(), 4) && !fuzzHexTail(s, unc, 4) && !fuzzHexTail(s, hybrid, 4) {
			t.Fatalf("accepted %q is not an encoding of %x", s, unc)
		}
		// Both canonical renderings parse back to the same point.
		canon := types.PubkeyHex(pk)
		for _, c := range []string{canon, "0x" + hex.EncodeToString(pk.SerializeCompressed())} {
			again, err := types.ParsePubkey(c)
			if err != nil || !again.IsEqual(pk) || !bytes.Equal(again.SerializeUncompressed(), pk.SerializeUncompressed()) {
				t.Fatalf("canonical %q of %q parses to %v, %v", c, s, again, err)
			}
		}
		if again, _ := types.ParsePubkey(canon); types.PubkeyHex(again) != canon {
			t.Fatalf("PubkeyHex is not a fixed point for %q", s)
		}
		// The derived identifiers are well formed.
		if id := types.TokenIDFromPubkey(pk); len(id) != 32 {
			t.Fatalf("token id of %q is %d bytes", s, len(id))
		}
		if addr := types.EthAddressBytes(pk); len(addr) != 20 {
			t.Fatalf("eth address of %q is %d bytes", s, len(addr))
		}
	})
}

func fuzzEthAddressSeeds() []string {
	return []string{
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", // EIP-55 examples
		"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		"0x" + strings.Repeat("00", 20),
		"0X" + strings.Repeat("AB", 20),
		strings.Repeat("ab", 20), // without 0x: rejected
		"0x" + strings.Repeat("ab", 19),
		"0x" + strings.Repeat("ab", 21),
		"0x" + strings.Repeat("gg", 20),
		"",
	}
}

func FuzzParseEthAddress(f *testing.F) {
	for _, s := range fuzzEthAddressSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		bz, err := types.ParseEthAddress(s)
		if err != nil {
			if bz != nil || !errors.Is(err, types.ErrInvalidEthAddress) {
				t.Fatalf("%q: %x, %v", s, bz, err)
			}
			return
		}
		if len(bz) != 20 || !strings.HasPrefix(strings.ToLower(s), "0x") || !fuzzHexTail(s, bz, 4) {
			t.Fatalf("accepted %q as %x", s, bz)
		}
		// The EIP-55 rendering parses back to the same bytes and is the
		// lower-case hex up to case.
		canon := types.EthAddressChecksum(bz)
		if len(canon) != 42 || strings.ToLower(canon) != "0x"+hex.EncodeToString(bz) {
			t.Fatalf("EthAddressChecksum(%x) = %q", bz, canon)
		}
		again, err := types.ParseEthAddress(canon)
		if err != nil || !bytes.Equal(again, bz) {
			t.Fatalf("canonical %q parses to %x, %v; want %x", canon, again, err, bz)
		}
		if types.EthAddressChecksum(again) != canon {
			t.Fatalf("EthAddressChecksum is not a fixed point for %q", s)
		}
	})
}

// fuzzScopes turns each byte into a scope, signed, so that unknown and
// negative values occur as often as the two known ones.
func fuzzScopes(raw []byte) []types.Scope {
	if raw == nil {
		return nil
	}
	out := make([]types.Scope, len(raw))
	for i, b := range raw {
		out[i] = types.Scope(int8(b))
	}
	return out
}

func fuzzScopesSeeds() [][]byte {
	return [][]byte{
		{1}, {2}, {1, 2}, {2, 1}, {2, 2, 1, 1, 2},
		{}, {0}, {3}, {1, 3}, {0xff}, {2, 0x80},
	}
}

func FuzzNormalizeScopes(f *testing.F) {
	for _, s := range fuzzScopesSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		in := fuzzScopes(raw)
		orig := slices.Clone(in)
		out, err := types.NormalizeScopes(in)
		if !slices.Equal(in, orig) {
			t.Fatalf("input modified: %v -> %v", orig, in)
		}
		valid := len(in) > 0
		for _, s := range in {
			valid = valid && (s == types.SCOPE_SIGN_ANYTHING || s == types.SCOPE_PERSONAL_SIGN)
		}
		if valid != (err == nil) {
			t.Fatalf("%v: valid=%v, err=%v", in, valid, err)
		}
		if err != nil {
			if out != nil || !errors.Is(err, types.ErrInvalidScopes) {
				t.Fatalf("%v: %v, %v", in, out, err)
			}
			return
		}
		// Sorted, unique, a subset of {1, 2}, and the same set as the input.
		if len(out) == 0 || len(out) > 2 {
			t.Fatalf("%v -> %v", in, out)
		}
		for i, s := range out {
			if s != types.SCOPE_SIGN_ANYTHING && s != types.SCOPE_PERSONAL_SIGN {
				t.Fatalf("%v -> %v: unknown scope", in, out)
			}
			if i > 0 && out[i-1] >= s {
				t.Fatalf("%v -> %v: not sorted and unique", in, out)
			}
			if !slices.Contains(in, s) {
				t.Fatalf("%v -> %v: %v not in the input", in, out, s)
			}
		}
		for _, s := range in {
			if !slices.Contains(out, s) {
				t.Fatalf("%v -> %v: %v dropped", in, out, s)
			}
		}
		// Idempotent.
		if again, err := types.NormalizeScopes(out); err != nil || !slices.Equal(again, out) {
			t.Fatalf("%v -> %v -> %v, %v", in, out, again, err)
		}
	})
}

type fuzzAuthMethodSeed struct {
	typ        uint64
	id, pubkey string
	scopes     []byte
}

func fuzzAuthMethodSeeds() []fuzzAuthMethodSeed {
	return []fuzzAuthMethodSeed{
		{1, "github:alice", "0xab", []byte{1}},
		{2, "google:bob", "", []byte{2, 1, 2}},
		{6, strings.Repeat("i", types.MaxAuthMethodFieldLength), strings.Repeat("p", types.MaxAuthMethodFieldLength), []byte{1}},
		{0, "github:alice", "", []byte{1}},
		{1, "", "", []byte{1}},
		{1, strings.Repeat("i", types.MaxAuthMethodFieldLength+1), "", []byte{1}},
		{1, "x", strings.Repeat("p", types.MaxAuthMethodFieldLength+1), []byte{1}},
		{1, "x", "", nil},
		{1, "x", "", []byte{3}},
		{^uint64(0), "x", "", []byte{2}},
	}
}

func FuzzAuthMethodValidate(f *testing.F) {
	for _, s := range fuzzAuthMethodSeeds() {
		f.Add(s.typ, s.id, s.pubkey, s.scopes)
	}
	f.Fuzz(func(t *testing.T, typ uint64, id, pubkey string, rawScopes []byte) {
		am := types.AuthMethod{AuthMethodType: typ, Id: id, UserPubkey: pubkey, Scopes: fuzzScopes(rawScopes)}
		before := am
		before.Scopes = slices.Clone(am.Scopes)
		err := am.Validate()
		wantScopes, scopesErr := types.NormalizeScopes(before.Scopes)
		// "0x" alone is the empty byte string as Lit's contracts take ids.
		valid := typ > 0 && id != "" && !strings.EqualFold(id, "0x") && len(id) <= types.MaxAuthMethodFieldLength &&
			len(pubkey) <= types.MaxAuthMethodFieldLength && scopesErr == nil
		if valid != (err == nil) {
			t.Fatalf("%+v: valid=%v, err=%v", before, valid, err)
		}
		if err != nil {
			if !errors.Is(err, types.ErrInvalidAuthMethod) && !errors.Is(err, types.ErrInvalidScopes) {
				t.Fatalf("%+v: unexpected error class %v", before, err)
			}
			// A rejected method is left as it was.
			if am.AuthMethodType != before.AuthMethodType || am.Id != before.Id || am.UserPubkey != before.UserPubkey || !slices.Equal(am.Scopes, before.Scopes) {
				t.Fatalf("rejected %+v modified to %+v", before, am)
			}
			return
		}
		// An accepted method has normalized scopes and is otherwise unchanged.
		if !slices.Equal(am.Scopes, wantScopes) || am.AuthMethodType != typ || am.Id != id || am.UserPubkey != pubkey {
			t.Fatalf("%+v validated to %+v", before, am)
		}
		// Validating again accepts and changes nothing.
		after := am
		after.Scopes = slices.Clone(am.Scopes)
		if err := am.Validate(); err != nil || !slices.Equal(am.Scopes, after.Scopes) {
			t.Fatalf("second Validate of %+v: %v, %+v", after, err, am)
		}
		if k := types.AuthMethodKey(typ, id); len(k) != 32 {
			t.Fatalf("AuthMethodKey is %d bytes", len(k))
		}
	})
}

// FuzzVerifyWebAuthn: arbitrary assertions never panic, are refused with
// ErrInvalidAssertion, and an accepted one really is a valid assertion for
// the challenge: its signature verifies, its client data names the
// challenge and an allowed origin, and its sign count went up.
func FuzzVerifyWebAuthn(f *testing.F) {
	a := softauthn.New("wallet.example", "fuzz")
	am := a.AuthMethod([]string{"https://wallet.example"}, types.SCOPE_SIGN_ANYTHING)
	challenge := bytes.Repeat([]byte{7}, 32)
	for _, as := range []*types.WebAuthnAssertion{
		a.Assert(challenge, "https://wallet.example"),
		a.Assert(challenge, "https://evil.example"),
		a.Assert(bytes.Repeat([]byte{8}, 32), "https://wallet.example"),
		a.Sign([]byte(`{"type":"webauthn.get"}`)),
		{AuthenticatorData: make([]byte, 37), ClientDataJson: []byte("{}"), Signature: []byte{0x30, 0x00}},
	} {
		f.Add(as.AuthenticatorData, as.ClientDataJson, as.Signature, uint32(0))
	}
	f.Fuzz(func(t *testing.T, ad, cdj, sig []byte, last uint32) {
		as := &types.WebAuthnAssertion{AuthenticatorData: ad, ClientDataJson: cdj, Signature: sig}
		got, err := am.VerifyWebAuthn(as, challenge, last)
		if err != nil {
			if !errors.Is(err, types.ErrInvalidAssertion) {
				t.Fatalf("error %v is not ErrInvalidAssertion", err)
			}
			return
		}
		cdHash := sha256.Sum256(cdj)
		h := sha256.Sum256(slices.Concat(ad, cdHash[:]))
		if !ecdsa.VerifyASN1(&a.Key.PublicKey, h[:], sig) {
			t.Fatalf("accepted an assertion whose signature does not verify")
		}
		if !bytes.Contains(cdj, []byte(base64.RawURLEncoding.EncodeToString(challenge))) || !bytes.Contains(cdj, []byte("https://wallet.example")) {
			t.Fatalf("accepted client data %q without the challenge or origin", cdj)
		}
		if got != binary.BigEndian.Uint32(ad[33:37]) || (got <= last && (got != 0 || last != 0)) || ad[32]&softauthn.FlagUP == 0 {
			t.Fatalf("accepted sign count %d (last %d) or flags %x", got, last, ad[32])
		}
	})
}
