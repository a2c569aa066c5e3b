package tdh

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bnb-chain/tss-lib/v2/crypto"
	"github.com/bnb-chain/tss-lib/v2/ecdsa/keygen"
	"github.com/bnb-chain/tss-lib/v2/tss"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/stretchr/testify/require"
)

// runKeygen runs an in-process tss-lib ECDSA keygen, party keys built as the
// engine builds them (keySet·2^160 + address), with the repo's fixture
// pre-parameters and proofs on (as the engine runs). It returns each party's
// save data in addrs order.
func runKeygen(t *testing.T, keySet uint64, addrs [][]byte, threshold int) []*keygen.LocalPartySaveData {
	t.Helper()
	var unsorted tss.UnSortedPartyIDs
	for _, a := range addrs {
		key := new(big.Int).Lsh(new(big.Int).SetUint64(keySet), 160)
		key.Add(key, new(big.Int).SetBytes(a))
		unsorted = append(unsorted, tss.NewPartyID(hex.EncodeToString(a), hex.EncodeToString(a), key))
	}
	ids := tss.SortPartyIDs(unsorted)
	ctx := tss.NewPeerContext(ids)

	n := len(ids)
	outCh := make(chan tss.Message, 64*n)
	endCh := make(chan *keygen.LocalPartySaveData, n)
	errCh := make(chan *tss.Error, n)
	parties := make([]tss.Party, n)
	for i, id := range ids {
		bz, err := os.ReadFile(filepath.Join("..", "..", "..", "testutil", "fixtures", fmt.Sprintf("preparams-%d.json", i)))
		require.NoError(t, err)
		var pre keygen.LocalPreParams
		require.NoError(t, json.Unmarshal(bz, &pre))
		params := tss.NewParameters(tss.S256(), ctx, id, n, threshold)
		parties[i] = keygen.NewLocalParty(params, outCh, endCh, pre)
	}
	for _, p := range parties {
		go func() {
			if err := p.Start(); err != nil {
				errCh <- err
			}
		}()
	}
	deliver := func(p tss.Party, msg tss.Message) {
		bz, _, err := msg.WireBytes()
		if err != nil {
			errCh <- p.WrapError(err)
			return
		}
		if _, err := p.UpdateFromBytes(bz, msg.GetFrom(), msg.IsBroadcast()); err != nil {
			errCh <- err
		}
	}

	byKey := map[string]*keygen.LocalPartySaveData{}
	timeout := time.After(5 * time.Minute)
	for len(byKey) < n {
		select {
		case err := <-errCh:
			t.Fatalf("keygen: %v", err)
		case <-timeout:
			t.Fatal("keygen timed out")
		case msg := <-outCh:
			if to := msg.GetTo(); to == nil {
				for _, p := range parties {
					if p.PartyID().Index != msg.GetFrom().Index {
						go deliver(p, msg)
					}
				}
			} else {
				go deliver(parties[to[0].Index], msg)
			}
		case save := <-endCh:
			idx, err := save.OriginalIndex()
			require.NoError(t, err)
			byKey[save.Ks[idx].String()] = save
		}
	}
	out := make([]*keygen.LocalPartySaveData, len(addrs))
	for i, u := range unsorted {
		out[i] = byKey[new(big.Int).SetBytes(u.Key).String()]
		require.NotNil(t, out[i])
	}
	return out
}

func scalarFromBig(t *testing.T, b *big.Int) secp256k1.ModNScalar {
	t.Helper()
	var s secp256k1.ModNScalar
	require.Less(t, b.BitLen(), 257)
	require.False(t, s.SetByteSlice(b.FillBytes(make([]byte, 32))), "not below n")
	return s
}

func pointFromECPoint(t *testing.T, p *crypto.ECPoint) *secp256k1.PublicKey {
	t.Helper()
	var x, y secp256k1.FieldVal
	require.False(t, x.SetByteSlice(p.X().FillBytes(make([]byte, 32))))
	require.False(t, y.SetByteSlice(p.Y().FillBytes(make([]byte, 32))))
	pk := secp256k1.NewPublicKey(&x, &y)
	require.True(t, pk.IsOnCurve())
	return pk
}

// 2. Against real tss-lib key shares: XCoord equals tss-lib's Ks, shares of
// the save data's Xi verify against BigXj, and any 2 of 3 combine (Σλ_i·x_i = x)
// to decrypt a ciphertext made for ECDSAPub.
func TestWithTSSLibKeygen(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a tss-lib keygen")
	}
	const keySet, threshold = 3, 1
	addrs := [][]byte{randBytes(t, 20), randBytes(t, 20), randBytes(t, 20)}
	start := time.Now()
	saves := runKeygen(t, keySet, addrs, threshold)
	t.Logf("tss-lib keygen, 3 parties t=1: %v", time.Since(start))

	root := pointFromECPoint(t, saves[0].ECDSAPub)
	var xs []secp256k1.ModNScalar
	for _, a := range addrs {
		x, err := XCoord(keySet, a)
		require.NoError(t, err)
		xs = append(xs, x)
	}
	// Every party's Ks and BigXj list the same parties; find each by XCoord.
	pubShare := map[string][]byte{}
	for j, k := range saves[0].Ks {
		ks := scalarFromBig(t, k)
		pubShare[ks.String()] = pointFromECPoint(t, saves[0].BigXj[j]).SerializeCompressed()
	}
	for i, s := range saves {
		require.True(t, pointFromECPoint(t, s.ECDSAPub).IsEqual(root))
		idx, err := s.OriginalIndex()
		require.NoError(t, err)
		own := scalarFromBig(t, s.Ks[idx])
		require.True(t, own.Equals(&xs[i]), "XCoord differs from tss-lib's Ks for party %d", i)
		xi := scalarFromBig(t, s.Xi)
		require.Equal(t, pubOf(&xi).SerializeCompressed(), pubShare[xs[i].String()], "BigXj of party %d", i)
	}

	id := testID(t, "tss-lib")
	plaintext := []byte("decrypted by a 2-of-3 tss-lib committee")
	e, err := Encrypt(rand.Reader, root, id, plaintext)
	require.NoError(t, err)
	require.NoError(t, VerifyEphemeral(e.Ephemeral, e.Proof, id))

	var cands []Candidate
	for i, s := range saves {
		xi := scalarFromBig(t, s.Xi)
		sh, err := ComputeShare(rand.Reader, &xi, e.Ephemeral)
		require.NoError(t, err)
		pub := pubShare[xs[i].String()]
		require.NoError(t, VerifyShare(pub, e.Ephemeral, sh))
		cands = append(cands, Candidate{Validator: fmt.Sprintf("val%d", i), X: xs[i], PublicShare: pub, Share: sh})
	}
	for _, pair := range [][2]int{{0, 1}, {0, 2}, {1, 2}} {
		xR, bad, err := Combine(e.Ephemeral, threshold, []Candidate{cands[pair[0]], cands[pair[1]]})
		require.NoError(t, err)
		require.Empty(t, bad)
		got, err := Decrypt(root, id, e, xR)
		require.NoError(t, err, "pair %v", pair)
		require.Equal(t, plaintext, got)
	}
	_, _, err = Combine(e.Ephemeral, threshold, cands[:1])
	require.ErrorIs(t, err, ErrNotEnoughShares)

	// In the exponent: with R = G the combined value is ECDSAPub itself.
	g := pubOf(new(secp256k1.ModNScalar).SetInt(1)).SerializeCompressed()
	var gCands []Candidate
	for i, s := range saves {
		xi := scalarFromBig(t, s.Xi)
		sh, err := ComputeShare(rand.Reader, &xi, g)
		require.NoError(t, err)
		gCands = append(gCands, Candidate{Validator: fmt.Sprintf("val%d", i), X: xs[i], PublicShare: pubShare[xs[i].String()], Share: sh})
	}
	xG, _, err := Combine(g, threshold, gCands[1:])
	require.NoError(t, err)
	require.True(t, xG.IsEqual(root))
}
