// Package softauthn is a software WebAuthn authenticator for tests: a P-256
// credential that makes assertions byte for byte as a browser and a platform
// authenticator do (clientDataJSON, authenticatorData, DER signature), so
// x/pkp's verifier is exercised on real formats without a browser.
package softauthn

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"slices"

	pkptypes "github.com/litprotocol/litd/x/pkp/types"
)

// Authenticator flags in authenticatorData.
const (
	FlagUP = 0x01 // user present
	FlagUV = 0x04 // user verified
)

// Authenticator holds one credential. Its fields are what an assertion is
// made of; tests change them to make wrong assertions.
type Authenticator struct {
	Key          *ecdsa.PrivateKey
	CredentialID []byte
	// RPID is hashed into authenticatorData.
	RPID string
	// Flags go into authenticatorData (FlagUP|FlagUV by default).
	Flags byte
	// SignCount is the counter of the last assertion; Assert increments it
	// first, unless NoCounter.
	SignCount uint32
	NoCounter bool
}

// New makes a credential for rpID whose key and credential id are derived
// from seed, so a test (and a fuzz corpus) gets the same credential every
// run.
func New(rpID, seed string) *Authenticator {
	scalar := sha256.Sum256([]byte("key:" + seed))
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), scalar[:])
	if err != nil {
		panic(err)
	}
	id := sha256.Sum256([]byte("id:" + seed))
	return &Authenticator{Key: key, CredentialID: id[:16], RPID: rpID, Flags: FlagUP | FlagUV}
}

// COSEKey is the credential public key as a COSE_Key, the form
// attestedCredentialData carries and Lit stores as user_pubkey:
// {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}.
func (a *Authenticator) COSEKey() []byte {
	pt, err := a.Key.PublicKey.Bytes()
	if err != nil {
		panic(err)
	}
	return slices.Concat([]byte{0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20}, pt[1:33], []byte{0x22, 0x58, 0x20}, pt[33:])
}

// UserPubkey is COSEKey as 0x-hex.
func (a *Authenticator) UserPubkey() string { return "0x" + hex.EncodeToString(a.COSEKey()) }

// RawID is the credential id as the browser's PublicKeyCredential.id:
// base64url without padding.
func (a *Authenticator) RawID() string { return base64.RawURLEncoding.EncodeToString(a.CredentialID) }

// AuthMethodID is the id Lit's WebAuthnProvider gives the credential:
// keccak256(utf8("<rawId>:lit")), 0x-hex.
func (a *Authenticator) AuthMethodID() string {
	return "0x" + hex.EncodeToString(pkptypes.Keccak256([]byte(a.RawID()+":lit")))
}

// AuthMethod is an auth method for this credential, with WebAuthn settings
// for rp id and origins.
func (a *Authenticator) AuthMethod(origins []string, scopes ...pkptypes.Scope) pkptypes.AuthMethod {
	return pkptypes.AuthMethod{
		AuthMethodType: pkptypes.WebAuthnAuthMethodType, Id: a.AuthMethodID(), UserPubkey: a.UserPubkey(), Scopes: scopes,
		Webauthn: &pkptypes.WebAuthnSettings{RpId: a.RPID, Origins: origins},
	}
}

// ClientDataJSON is what a browser passes to the authenticator for
// navigator.credentials.get on origin with this challenge, in the browser's
// own key order.
func ClientDataJSON(typ string, challenge []byte, origin string) []byte {
	quote := func(s string) string {
		bz, err := json.Marshal(s)
		if err != nil {
			panic(err)
		}
		return string(bz)
	}
	return []byte(`{"type":` + quote(typ) + `,"challenge":` + quote(base64.RawURLEncoding.EncodeToString(challenge)) +
		`,"origin":` + quote(origin) + `,"crossOrigin":false}`)
}

// Assert makes the assertion a browser on origin returns for challenge.
func (a *Authenticator) Assert(challenge []byte, origin string) *pkptypes.WebAuthnAssertion {
	return a.Sign(ClientDataJSON("webauthn.get", challenge, origin))
}

// Sign makes an assertion over any clientDataJSON: authenticatorData
// (sha256(RPID) ‖ Flags ‖ sign count) and the DER signature over
// authenticatorData ‖ sha256(clientDataJSON).
func (a *Authenticator) Sign(clientDataJSON []byte) *pkptypes.WebAuthnAssertion {
	if !a.NoCounter {
		a.SignCount++
	}
	rpIDHash := sha256.Sum256([]byte(a.RPID))
	ad := slices.Concat(rpIDHash[:], []byte{a.Flags}, binary.BigEndian.AppendUint32(nil, a.SignCount))
	cdHash := sha256.Sum256(clientDataJSON)
	h := sha256.Sum256(slices.Concat(ad, cdHash[:]))
	sig, err := ecdsa.SignASN1(rand.Reader, a.Key, h[:])
	if err != nil {
		panic(err)
	}
	return &pkptypes.WebAuthnAssertion{AuthenticatorData: ad, ClientDataJson: clientDataJSON, Signature: sig}
}
