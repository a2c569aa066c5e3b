package types_test

import (
	"bytes"
	"crypto/ecdh"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gogoproto "github.com/cosmos/gogoproto/proto"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/stretchr/testify/require"
	protov2 "google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/types/bech32"
	"github.com/cosmos/cosmos-sdk/x/tx/signing/aminojson"

	"github.com/litprotocol/litd/x/pkp/types"
	"github.com/litprotocol/litd/x/tss/tdh"
	"github.com/litprotocol/litd/x/tss/tdh/tdhtest"
)

var updateConditionsVector = flag.Bool("update", false, "rewrite testdata/conditions_vector.json")

// conditionsVector is testdata/conditions_vector.json: what another client
// (ts/test/encryption.test.ts) must reproduce of a ciphertext with a nested
// condition tree — the protobuf bytes the identity hashes, the identity, the
// header's bytes, the AUTH_PURPOSE_DECRYPT payload, the file `litd tx pkp
// encrypt` writes (codec.ProtoMarshalJSON) — and sealed decryption shares it
// must open and check (HPKE, DLEQ). Hex everywhere; scalars 32 bytes
// big-endian.
type conditionsVector struct {
	Description         string       `json:"description"`
	RandSeed            string       `json:"rand_seed"`
	RootSecret          string       `json:"root_secret"`
	Root                string       `json:"root"`
	PlaintextHex        string       `json:"plaintext_hex"`
	ConditionsHex       string       `json:"conditions_hex"`
	DataHash            string       `json:"data_hash"`
	Identity            string       `json:"identity"`
	HeaderHex           string       `json:"header_hex"`
	Requester           string       `json:"requester"`
	RequesterKey        string       `json:"requester_key"`
	DecryptionHash      string       `json:"decryption_hash"`
	CiphertextJSON      string       `json:"ciphertext_json"`
	EmptyCiphertextJSON string       `json:"empty_ciphertext_json"`
	EscapeJSON          string       `json:"escape_condition_json"`
	MsgDecryptAmino     string       `json:"msg_decrypt_amino_json"`
	Shares              sharesVector `json:"shares"`
}

// sharesVector: decryption shares of the ciphertext's R sealed to
// RecipientPublic (= RequesterKey), one valid, one with a corrupted proof.
type sharesVector struct {
	RecipientPrivate string        `json:"recipient_private_key"`
	RecipientPublic  string        `json:"recipient_public_key"`
	DecryptionID     uint64        `json:"decryption_id"`
	KeySetID         uint64        `json:"key_set_id"`
	Ephemeral        string        `json:"ephemeral"`
	Shares           []shareVector `json:"shares"`
}

type shareVector struct {
	Validator   string `json:"validator"`
	Operator    string `json:"operator_address_hex"`
	XCoord      string `json:"x_coord"`
	SecretShare string `json:"secret_share"`
	PublicShare string `json:"public_share"`
	Info        string `json:"info"`
	// Share is the opened 97 bytes D ‖ c ‖ z; Sealed is HPKE's enc ‖ ct
	// (random: rewritten by -update, checked by opening it otherwise).
	Share  string `json:"share"`
	Sealed string `json:"sealed"`
	Valid  bool   `json:"valid"`
}

const conditionsVectorDescription = "litd x/pkp conditions and ciphertext-file vector. " +
	"conditions_hex = AccessCondition protobuf (gogoproto Marshal); identity = tdh.Identity(conditions, data_hash), " +
	"data_hash = sha256(plaintext); the ciphertext is tdh.Encrypt to root = root_secret·G with the randomness stream " +
	"sha256(rand_seed ‖ uint64_be(0)) ‖ sha256(rand_seed ‖ uint64_be(1)) ‖ … (r, pok k, nonce, as in x/tss/tdh/testdata/vectors.json); " +
	"header_hex = CiphertextHeader protobuf; decryption_hash = types.DecryptionHash(requester, header, requester_key); " +
	"ciphertext_json = codec.ProtoMarshalJSON(Ciphertext{header, root, nonce, ciphertext}), the file `litd tx pkp encrypt` writes; " +
	"empty_ciphertext_json = the same of Ciphertext{}; escape_condition_json = the same of an AccessCondition whose strings " +
	"Go's encoding/json escapes (<, >, &, U+2028, control characters) and a uint64 of 2^64-1; msg_decrypt_amino_json = the chain's legacy-amino sign-mode rendering " +
	"(x/tx aminojson, default options) of a MsgDecrypt of that header with auth methods and execution ids. shares: x_coord = tdh.XCoord(key_set_id, operator address), " +
	"share = tdh.ComputeShare(secret_share, ephemeral) (its k from the stream of rand_seed + \"/\" + validator), " +
	"sealed = tdh.SealShare(recipient_public_key, info = tdh.ShareInfo(decryption_id, validator), share); " +
	"the share with valid = false has its proof's last byte flipped before sealing."

const (
	cvRandSeed   = "litd/enc/v1/test/conditions"
	cvRootSecret = "0c2d0a7bd86b6fcc1e0a8a1a4e8e3d3f2b3a3bd6a3e9d6b1f0e4f0c1a2b3c4d5" // tdh vectors' root
	cvPlaintext  = "the conditions vector's secret"
	cvDecryption = 7
	cvKeySet     = 3
)

func cvHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// cvConditions is ALL(PKP_OWNER, BALANCE, ANY(ACTION, PERMITTED_AUTH_METHOD)):
// every field of AccessCondition is set somewhere in it.
func cvConditions() types.AccessCondition {
	return types.AccessCondition{
		Type: types.CONDITION_TYPE_ALL,
		Conditions: []types.AccessCondition{
			{Type: types.CONDITION_TYPE_PKP_OWNER, TokenId: "0x" + strings.Repeat("a1", 32)},
			{Type: types.CONDITION_TYPE_BALANCE, Denom: "ulit", Amount: "1000"},
			{
				Type: types.CONDITION_TYPE_ANY,
				Conditions: []types.AccessCondition{
					{Type: types.CONDITION_TYPE_ACTION, IpfsId: "QmYCTciJdFNMNUPCHSNS6dKMmUAqkGQ9tQQeGgbELhQQcn"},
					{
						Type:           types.CONDITION_TYPE_PERMITTED_AUTH_METHOD,
						TokenId:        "0x" + strings.Repeat("b2", 32),
						AuthMethodType: 6,
						AuthMethodId:   "0xabcdef0123456789",
					},
				},
			},
		},
	}
}

func cvScalar(label string) secp256k1.ModNScalar {
	h := sha256.Sum256([]byte(label))
	var s secp256k1.ModNScalar
	s.SetByteSlice(h[:])
	return s
}

// TestConditionsVector builds the vector and compares it with the committed
// testdata/conditions_vector.json (go test ./x/pkp/types -run
// ConditionsVector -update rewrites it, with fresh HPKE encapsulations).
func TestConditionsVector(t *testing.T) {
	rootPriv := secp256k1.PrivKeyFromBytes(cvHex(t, cvRootSecret))
	root := rootPriv.PubKey()
	plaintext := []byte(cvPlaintext)
	conds := cvConditions()
	require.NoError(t, conds.Validate())
	condBz, err := conds.Marshal()
	require.NoError(t, err)

	// The file format: a salt, then tdh's draws, from one random stream.
	c, err := types.Encrypt(tdhtest.NewDetReader(cvRandSeed), root, conds, plaintext)
	require.NoError(t, err)
	header := c.Header
	salt := make([]byte, types.DataSaltLen)
	_, err = tdhtest.NewDetReader(cvRandSeed).Read(salt)
	require.NoError(t, err)
	require.Equal(t, types.DataHash(salt, plaintext), header.DataHash)
	dataHash := header.DataHash
	id, err := header.Identity()
	require.NoError(t, err)
	tdhID, err := tdh.Identity(condBz, dataHash)
	require.NoError(t, err)
	require.Equal(t, tdhID, id)
	enc := &tdh.Encrypted{Ephemeral: header.Ephemeral, Proof: header.Proof, Nonce: c.Nonce, Ciphertext: c.Ciphertext}
	validated, err := header.Validate()
	require.NoError(t, err)
	require.Equal(t, id, validated)
	headerBz, err := header.Marshal()
	require.NoError(t, err)

	ct := types.Ciphertext{Header: header, Root: root.SerializeCompressed(), Nonce: enc.Nonce, Ciphertext: enc.Ciphertext}
	ctJSON, err := codec.ProtoMarshalJSON(&ct, nil)
	require.NoError(t, err)
	emptyJSON, err := codec.ProtoMarshalJSON(&types.Ciphertext{}, nil)
	require.NoError(t, err)
	escapeJSON, err := codec.ProtoMarshalJSON(&types.AccessCondition{
		Type:           types.CONDITION_TYPE_PERMITTED_AUTH_METHOD,
		TokenId:        "0x" + strings.Repeat("c3", 32),
		AuthMethodType: 1<<64 - 1,
		AuthMethodId:   "<a&b>\u2028\u2029\"\\/\n\t\b\f\x01\x7fé€😀",
	}, nil)
	require.NoError(t, err)
	// The file reads back to the same ciphertext, and it decrypts.
	var back types.Ciphertext
	require.NoError(t, codec.NewProtoCodec(nil).UnmarshalJSON(ctJSON, &back))
	ctBz, err := ct.Marshal()
	require.NoError(t, err)
	backBz, err := back.Marshal()
	require.NoError(t, err)
	require.Equal(t, ctBz, backBz)
	var rootScalar secp256k1.ModNScalar
	rootScalar.SetByteSlice(cvHex(t, cvRootSecret))
	var RJ, xRJ secp256k1.JacobianPoint
	R, err := secp256k1.ParsePubKey(enc.Ephemeral)
	require.NoError(t, err)
	R.AsJacobian(&RJ)
	secp256k1.ScalarMultNonConst(&rootScalar, &RJ, &xRJ)
	xRJ.ToAffine()
	got, err := ct.Decrypt(secp256k1.NewPublicKey(&xRJ.X, &xRJ.Y))
	require.NoError(t, err)
	require.Equal(t, plaintext, got)

	// The requester: a fixed account, and a fixed X25519 key it seals to.
	requester, err := bech32.ConvertAndEncode("lit", bytes.Repeat([]byte{0x5e}, 20))
	require.NoError(t, err)
	recipientPriv := sha256.Sum256([]byte("litd/enc/v1/test/recipient"))
	recipient, err := ecdh.X25519().NewPrivateKey(recipientPriv[:])
	require.NoError(t, err)
	requesterKey := recipient.PublicKey().Bytes()
	decHash, err := types.DecryptionHash(requester, header, requesterKey)
	require.NoError(t, err)
	msgAmino := cvAminoJSON(t, &types.MsgDecrypt{
		Requester:    requester,
		Header:       header,
		RequesterKey: requesterKey,
		AuthMethods: []types.AuthPresentation{
			{TokenId: "0x" + strings.Repeat("b2", 32), AuthMethodType: 6, Id: "0xabcdef0123456789", Proof: &types.AuthProof{Jwt: "eyJ.a<b>.c"}},
			{TokenId: "0x" + strings.Repeat("a1", 32), AuthMethodType: 3, Id: "0x02", Proof: &types.AuthProof{
				Session: &types.SessionSignature{Pubkey: "0x02" + strings.Repeat("11", 32), Signature: bytes.Repeat([]byte{9}, 64)},
			}},
		},
		ExecutionIds: []uint64{1, 1 << 63},
	})

	v := conditionsVector{
		Description:         conditionsVectorDescription,
		RandSeed:            cvRandSeed,
		RootSecret:          cvRootSecret,
		Root:                hex.EncodeToString(root.SerializeCompressed()),
		PlaintextHex:        hex.EncodeToString(plaintext),
		ConditionsHex:       hex.EncodeToString(condBz),
		DataHash:            hex.EncodeToString(dataHash),
		Identity:            hex.EncodeToString(id[:]),
		HeaderHex:           hex.EncodeToString(headerBz),
		Requester:           requester,
		RequesterKey:        hex.EncodeToString(requesterKey),
		DecryptionHash:      hex.EncodeToString(decHash),
		CiphertextJSON:      string(ctJSON),
		EmptyCiphertextJSON: string(emptyJSON),
		EscapeJSON:          string(escapeJSON),
		MsgDecryptAmino:     msgAmino,
		Shares: sharesVector{
			RecipientPrivate: hex.EncodeToString(recipientPriv[:]),
			RecipientPublic:  hex.EncodeToString(requesterKey),
			DecryptionID:     cvDecryption,
			KeySetID:         cvKeySet,
			Ephemeral:        hex.EncodeToString(enc.Ephemeral),
		},
	}

	// Two validators: the first's share is valid, the second's proof is
	// corrupted (it still opens: the requester must check the DLEQ).
	var cands []tdh.Candidate
	for i, valid := range []bool{true, false} {
		addr := bytes.Repeat([]byte{byte(0x71 + i)}, 20)
		validator, err := bech32.ConvertAndEncode("litvaloper", addr)
		require.NoError(t, err)
		x, err := tdh.XCoord(cvKeySet, addr)
		require.NoError(t, err)
		xi := cvScalar("litd/enc/v1/test/share/" + validator)
		var XJ secp256k1.JacobianPoint
		secp256k1.ScalarBaseMultNonConst(&xi, &XJ)
		XJ.ToAffine()
		pub := secp256k1.NewPublicKey(&XJ.X, &XJ.Y).SerializeCompressed()
		share, err := tdh.ComputeShare(tdhtest.NewDetReader(cvRandSeed+"/"+validator), &xi, enc.Ephemeral)
		require.NoError(t, err)
		require.NoError(t, tdh.VerifyShare(pub, enc.Ephemeral, share))
		if !valid {
			share.Proof[len(share.Proof)-1] ^= 1
			require.ErrorIs(t, tdh.VerifyShare(pub, enc.Ephemeral, share), tdh.ErrInvalidProof)
		}
		info := tdh.ShareInfo(cvDecryption, validator)
		sealed, err := tdh.SealShare(requesterKey, info, share)
		require.NoError(t, err)
		xb, sb := x.Bytes(), xi.Bytes()
		v.Shares.Shares = append(v.Shares.Shares, shareVector{
			Validator:   validator,
			Operator:    hex.EncodeToString(addr),
			XCoord:      hex.EncodeToString(xb[:]),
			SecretShare: hex.EncodeToString(sb[:]),
			PublicShare: hex.EncodeToString(pub),
			Info:        string(info),
			Share:       hex.EncodeToString(share.Marshal()),
			Sealed:      hex.EncodeToString(sealed),
			Valid:       valid,
		})
		cands = append(cands, tdh.Candidate{Validator: validator, X: x, PublicShare: pub, Share: share})
	}
	// Combine names the corrupted share's validator.
	_, bad, err := tdh.Combine(enc.Ephemeral, 0, []tdh.Candidate{cands[1], cands[0]})
	require.NoError(t, err)
	require.Len(t, bad, 1)
	require.Equal(t, cands[1].Validator, bad[0].Validator)

	path := filepath.Join("testdata", "conditions_vector.json")
	if *updateConditionsVector {
		var buf bytes.Buffer
		e := json.NewEncoder(&buf)
		e.SetEscapeHTML(false)
		e.SetIndent("", "  ")
		require.NoError(t, e.Encode(v))
		require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	}

	bz, err := os.ReadFile(path)
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(bz))
	dec.DisallowUnknownFields()
	var file conditionsVector
	require.NoError(t, dec.Decode(&file))
	// The sealed shares are random: the committed ones must open, under
	// their info, to the very shares computed here.
	require.Len(t, file.Shares.Shares, len(v.Shares.Shares))
	for i := range file.Shares.Shares {
		f, w := &file.Shares.Shares[i], &v.Shares.Shares[i]
		opened, err := tdh.OpenShare(recipient, []byte(w.Info), cvHex(t, f.Sealed))
		require.NoError(t, err, "committed sealed share %d", i)
		require.Equal(t, w.Share, hex.EncodeToString(opened.Marshal()))
		f.Sealed = w.Sealed
	}
	require.Equal(t, v, file, "testdata/conditions_vector.json is stale: go test ./x/pkp/types -run ConditionsVector -update")
}

// cvAminoJSON renders msg as the chain's SIGN_MODE_LEGACY_AMINO_JSON handler
// renders a tx's messages: x/tx aminojson with default options (sorted
// fields, enums as numbers), over the protobuf encoding.
func cvAminoJSON(t *testing.T, msg gogoproto.Message) string {
	t.Helper()
	bz, err := gogoproto.Marshal(msg)
	require.NoError(t, err)
	d, err := gogoproto.HybridResolver.FindDescriptorByName(protoreflect.FullName(gogoproto.MessageName(msg)))
	require.NoError(t, err)
	dyn := dynamicpb.NewMessage(d.(protoreflect.MessageDescriptor))
	require.NoError(t, protov2.Unmarshal(bz, dyn))
	out, err := aminojson.NewEncoder(aminojson.EncoderOptions{FileResolver: gogoproto.HybridResolver}).Marshal(dyn)
	require.NoError(t, err)
	return string(out)
}
