package types_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/cosmos/btcutil/base58"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/sha3"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/pkp/types"
)

func keccak(data ...[]byte) []byte {
	h := sha3.NewLegacyKeccak256()
	for _, d := range data {
		h.Write(d)
	}
	return h.Sum(nil)
}

func TestValidateCID(t *testing.T) {
	digest := sha256.Sum256([]byte("hello"))
	for _, ok := range []string{
		"QmYCTciJdFNMNUPCHSNS6dKMmUAqkGQ9tQQeGgbELhQQcn",
		base58.Encode(append([]byte{0x12, 0x20}, digest[:]...)),
	} {
		require.NoError(t, types.ValidateCID(ok), ok)
	}
	for name, bad := range map[string]string{
		"empty":                "",
		"short":                "Qm123",
		"cidv1":                "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
		"wrong hash function":  base58.Encode(append([]byte{0x11, 0x20}, digest[:]...)),
		"wrong digest length":  base58.Encode(append([]byte{0x12, 0x1f}, digest[:31]...)),
		"digest too long":      base58.Encode(append([]byte{0x12, 0x20}, append(digest[:], 0)...)),
		"not base58":           "QmYCTciJdFNMNUPCHSNS6dKMmUAqkGQ9tQQeGgbELhQQc0",
		"leading space":        " QmYCTciJdFNMNUPCHSNS6dKMmUAqkGQ9tQQeGgbELhQQcn",
		"leading zero byte":    "1QmYCTciJdFNMNUPCHSNS6dKMmUAqkGQ9tQQeGgbELhQQcn",
		"longer than the max":  "Qm" + strings.Repeat("a", types.MaxCIDLength),
		"one character off":    "QmYCTciJdFNMNUPCHSNS6dKMmUAqkGQ9tQQeGgbELhQQc",
		"ipfs path, not a cid": "/ipfs/QmYCTciJdFNMNUPCHSNS6dKMmUAqkGQ9tQQeGgbELhQQcn",
	} {
		require.ErrorIs(t, types.ValidateCID(bad), types.ErrInvalidCID, name)
	}
}

func TestEthAddressChecksum(t *testing.T) {
	// EIP-55 test vectors.
	for _, want := range []string{
		"0x52908400098527886E0F7030069857D2E4169EE7",
		"0x8617E340B3D01FA5F11F306F4090FD50E238070D",
		"0xde709f2102306220921060314715629080e2fb77",
		"0x27b1fdb04752bbc536007a920d24acb045561c26",
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		"0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
		"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
	} {
		bz, err := hex.DecodeString(strings.ToLower(want[2:]))
		require.NoError(t, err)
		require.Equal(t, want, types.EthAddressChecksum(bz))
		parsed, err := types.ParseEthAddress(want)
		require.NoError(t, err)
		require.Equal(t, bz, parsed)
	}
	v := "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
	for _, bad := range []string{"", "0x", v[2:], v[:41], v + "aa", "0xzz" + v[4:]} {
		_, err := types.ParseEthAddress(bad)
		require.ErrorIs(t, err, types.ErrInvalidEthAddress, bad)
	}
}

// Private key 1: the public key is G, whose address every Ethereum tool knows.
func TestKeyOfGenerator(t *testing.T) {
	g := secp256k1.PrivKeyFromBytes([]byte{1}).PubKey()
	require.Equal(t, "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf", types.EthAddressChecksum(types.EthAddressBytes(g)))
	require.Equal(t, "0x0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8", types.PubkeyHex(g))
	require.Equal(t, keccak(g.SerializeUncompressed()), types.TokenIDFromPubkey(g))
	require.Len(t, types.AccAddress(g), 20)

	for _, s := range []string{types.PubkeyHex(g), "0x" + hex.EncodeToString(g.SerializeCompressed()), hex.EncodeToString(g.SerializeCompressed()), strings.ToUpper(types.PubkeyHex(g)[2:])} {
		pk, err := types.ParsePubkey(s)
		require.NoError(t, err, s)
		require.True(t, pk.IsEqual(g), s)
	}
	for _, bad := range []string{"", "0xzz", "0x02" + strings.Repeat("00", 31), "0x04" + strings.Repeat("01", 64), "0x05" + hex.EncodeToString(g.SerializeUncompressed()[1:])} {
		_, err := types.ParsePubkey(bad)
		require.ErrorIs(t, err, types.ErrInvalidPubkey, bad)
	}
}

func TestTokenID(t *testing.T) {
	id := bytes.Repeat([]byte{0xab}, 32)
	s := types.FormatTokenID(id)
	require.Equal(t, "0x"+strings.Repeat("ab", 32), s)
	for _, in := range []string{s, strings.ToUpper(s[2:]), s[2:]} {
		got, err := types.ParseTokenID(in)
		require.NoError(t, err, in)
		require.Equal(t, id, got)
	}
	for _, bad := range []string{"", "0x", "0x1234", s + "00", "0x" + strings.Repeat("zz", 32)} {
		_, err := types.ParseTokenID(bad)
		require.ErrorIs(t, err, types.ErrInvalidTokenID, bad)
	}
}

func TestNormalizeScopes(t *testing.T) {
	for _, c := range []struct{ in, want []types.Scope }{
		{[]types.Scope{1}, []types.Scope{1}},
		{[]types.Scope{2}, []types.Scope{2}},
		{[]types.Scope{2, 1}, []types.Scope{1, 2}},
		{[]types.Scope{2, 1, 2, 1, 1}, []types.Scope{1, 2}},
	} {
		got, err := types.NormalizeScopes(c.in)
		require.NoError(t, err)
		require.Equal(t, c.want, got)
	}
	for _, bad := range [][]types.Scope{nil, {}, {0}, {3}, {1, 3}, {2, 0}, {-1}} {
		_, err := types.NormalizeScopes(bad)
		require.ErrorIs(t, err, types.ErrInvalidScopes, "%v", bad)
	}
}

func TestAuthMethod(t *testing.T) {
	// keccak256(abi.encode(uint256 type, bytes id)), as Lit's PKPPermissions
	// getAuthMethodId computes it. Vectors from ethers 6.17.0:
	// keccak256(AbiCoder.defaultAbiCoder().encode(["uint256","bytes"], [type, idBytes])).
	for _, v := range []struct {
		typ     uint64
		id, key string
	}{
		{1, "0x9c3b7e6b5d1a2f0e4c8b7a69584736251403f2e1", "9420e2f523d444e2429930582d87ab942b4d965f5d8bea649f62ea7d6ff1c6e9"},                         // EthWallet: the address
		{3, "0xcfe40f8d6624c8ee6030a580f042e1ded05ef59433e5c1b2d87d2e60cb6dddf4", "069846f984b7c928186443eb3d8d7840ad4f75efd9aa461ca9fdc155397a3d4a"}, // WebAuthn: a 32-byte id (Lit derives it as keccak256("<rawId>:lit"))
		{6, "0x911a0ca865ef0b4498d54b5ed9749611f7ee9404a2d764cd08f069706c38c34f", "c531421ff157f1edc25cff27b83c081a8bbd087b50178cefd51e826c13728105"}, // Google: a 32-byte id (Lit derives it as keccak256("<sub>:<aud>"))
		{6, "alice", "10cadf2d48bc1600b67fae4b0b1d81ce7a8153582432bdd99bf19ae60d6f1e6d"},                                                              // text: its UTF-8 bytes
		{2, "0x" + strings.Repeat("12", 34), "beb02c4b44c881a845048f76276766d0c53b34a78db8f4b1bc207142c841d70a"},                                      // 34 bytes: two words
		{4294967297, "0x", "c044b04d9204a78abe41aaf5fe8bd70eca3e9af5441f29e0db559812d3f290f7"},                                                        // empty bytes, type > 2^32
	} {
		require.Equal(t, v.key, hex.EncodeToString(types.AuthMethodKey(v.typ, v.id)), "type %d id %s", v.typ, v.id)
	}
	require.Equal(t, types.AuthMethodKey(1, "0xABCD"), types.AuthMethodKey(1, "0xabcd"), "hex ids are bytes: case does not matter")
	require.Equal(t, []byte("0xzz"), types.AuthMethodIDBytes("0xzz"), "not hex: text")
	require.NotEqual(t, types.AuthMethodKey(1, "alice"), types.AuthMethodKey(2, "alice"))
	require.NotEqual(t, types.AuthMethodKey(1, "alice"), types.AuthMethodKey(1, "bob"))
	require.NotEqual(t, types.AuthMethodKey(1<<8, "x"), types.AuthMethodKey(1, "x"))

	am := types.AuthMethod{AuthMethodType: 1, Id: "x", Scopes: []types.Scope{2, 1, 2}}
	require.NoError(t, am.Validate())
	require.Equal(t, []types.Scope{1, 2}, am.Scopes)
	long := strings.Repeat("x", types.MaxAuthMethodFieldLength+1)
	for name, c := range map[string]struct {
		am   types.AuthMethod
		want error
	}{
		"type 0":          {types.AuthMethod{Id: "x", Scopes: []types.Scope{1}}, types.ErrInvalidAuthMethod},
		"empty id":        {types.AuthMethod{AuthMethodType: 1, Scopes: []types.Scope{1}}, types.ErrInvalidAuthMethod},
		"empty hex id":    {types.AuthMethod{AuthMethodType: 1, Id: "0x", Scopes: []types.Scope{1}}, types.ErrInvalidAuthMethod},
		"long id":         {types.AuthMethod{AuthMethodType: 1, Id: long, Scopes: []types.Scope{1}}, types.ErrInvalidAuthMethod},
		"long user key":   {types.AuthMethod{AuthMethodType: 1, Id: "x", UserPubkey: long, Scopes: []types.Scope{1}}, types.ErrInvalidAuthMethod},
		"no scopes":       {types.AuthMethod{AuthMethodType: 1, Id: "x"}, types.ErrInvalidScopes},
		"unknown scope 3": {types.AuthMethod{AuthMethodType: 1, Id: "x", Scopes: []types.Scope{3}}, types.ErrInvalidScopes},
	} {
		require.ErrorIs(t, c.am.Validate(), c.want, name)
	}
}

func TestParamsValidate(t *testing.T) {
	require.NoError(t, types.DefaultParams().Validate())
	require.Equal(t, sdk.NewInt64Coin("ulit", 1_000_000), types.DefaultParams().MintFee)
	require.NoError(t, types.Params{MintFee: sdk.NewInt64Coin("ulit", 0)}.Validate())
	for _, bad := range []sdk.Coin{{}, {Denom: "ulit", Amount: math.NewInt(-1)}, {Denom: "1bad", Amount: math.NewInt(1)}} {
		require.ErrorIs(t, types.Params{MintFee: bad}.Validate(), types.ErrInvalidParams)
	}
}

func TestActionCIDs(t *testing.T) {
	resp := &types.QueryPermissionsResponse{Actions: []types.PermittedAction{{Cid: "QmA"}, {Cid: "QmB"}}}
	require.Equal(t, []string{"QmA", "QmB"}, resp.ActionCIDs())
	require.Empty(t, (&types.QueryPermissionsResponse{}).ActionCIDs())
}
