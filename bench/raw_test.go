package bench

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"slices"
	"time"

	"github.com/bnb-chain/tss-lib/v2/common"
	"github.com/bnb-chain/tss-lib/v2/ecdsa/keygen"
	"github.com/bnb-chain/tss-lib/v2/ecdsa/signing"
	"github.com/bnb-chain/tss-lib/v2/tss"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/litprotocol/litd/testutil/network"
	"github.com/litprotocol/litd/x/tss/types"
)

// Raw protocol shape: what x/tss runs for 4 validators (t = ThresholdFor(4)).
const (
	rawParties   = 4
	rawThreshold = 2
	rawTimeout   = 10 * time.Minute
)

// fixturePreParams loads the committed Paillier pre-parameters.
func fixturePreParams(n int) ([]keygen.LocalPreParams, error) {
	paths := network.FixturePreParams()
	if len(paths) < n {
		return nil, fmt.Errorf("need %d pre-parameter fixtures, found %d", n, len(paths))
	}
	out := make([]keygen.LocalPreParams, n)
	for i := range out {
		bz, err := os.ReadFile(paths[i])
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(bz, &out[i]); err != nil {
			return nil, fmt.Errorf("%s: %w", paths[i], err)
		}
		if !out[i].ValidateWithProof() {
			return nil, fmt.Errorf("%s: invalid pre-parameters", paths[i])
		}
	}
	return out, nil
}

// partyKey is validator v's party key in key generation gen: gen<<160 +
// v+1, as x/tss/engine's is keySet<<160 + the operator's 20-byte address.
// Generation 0 is the raw keygen (keys 1..4).
func partyKey(gen int64, v int) *big.Int {
	k := new(big.Int).Lsh(big.NewInt(gen), 160)
	return k.Add(k, big.NewInt(int64(v+1)))
}

// partyIDs makes fresh sorted ids for the given keys (the key is the
// party's share id, so a signing subset reuses its keygen keys).
func partyIDs(keys []*big.Int) tss.SortedPartyIDs {
	var ids tss.UnSortedPartyIDs
	for _, k := range keys {
		ids = append(ids, tss.NewPartyID(k.String(), "party-"+k.String(), k))
	}
	return tss.SortPartyIDs(ids)
}

// route delivers every message on out to its recipients as wire bytes,
// until stop is closed: to everyone else when it names none (keygen and
// signing broadcasts), otherwise to the parties it names, found by key
// (resharing addresses even its broadcasts to one or both committees, whose
// indexes overlap), never back to the sender.
func route(parties []tss.Party, out <-chan tss.Message, errc chan<- error, stop <-chan struct{}) {
	fail := func(err error) {
		select {
		case errc <- err:
		default:
		}
	}
	byKey := make(map[string]tss.Party, len(parties))
	for _, p := range parties {
		byKey[p.PartyID().KeyInt().String()] = p
	}
	for {
		select {
		case <-stop:
			return
		case msg := <-out:
			wire, r, err := msg.WireBytes()
			if err != nil {
				fail(err)
				continue
			}
			from := r.From.KeyInt()
			var to []tss.Party
			if len(r.To) == 0 {
				for _, p := range parties {
					if p.PartyID().KeyInt().Cmp(from) != 0 {
						to = append(to, p)
					}
				}
			} else {
				for _, id := range r.To {
					p, ok := byKey[id.KeyInt().String()]
					if !ok {
						fail(fmt.Errorf("message from %s to unknown party %s", r.From, id))
						continue
					}
					if id.KeyInt().Cmp(from) != 0 {
						to = append(to, p)
					}
				}
			}
			for _, p := range to {
				go func() {
					if _, err := p.UpdateFromBytes(wire, r.From, r.IsBroadcast); err != nil {
						fail(err)
					}
				}()
			}
		}
	}
}

// runParties starts parties wired through out and waits for want results
// on end.
func runParties[T any](parties []tss.Party, out chan tss.Message, end <-chan T, want int) ([]T, error) {
	errc := make(chan error, 1)
	stop := make(chan struct{})
	defer close(stop)
	go route(parties, out, errc, stop)
	for _, p := range parties {
		go func() {
			if err := p.Start(); err != nil {
				select {
				case errc <- err:
				default:
				}
			}
		}()
	}
	var got []T
	timeout := time.After(rawTimeout)
	for len(got) < want {
		select {
		case r := <-end:
			got = append(got, r)
		case err := <-errc:
			return nil, err
		case <-timeout:
			return nil, fmt.Errorf("no result after %s", rawTimeout)
		}
	}
	return got, nil
}

// rawKeygen runs a 4-party keygen in process; saves are in party order.
func rawKeygen(pre []keygen.LocalPreParams) ([]*keygen.LocalPartySaveData, error) {
	var keys []*big.Int
	for v := range rawParties {
		keys = append(keys, partyKey(0, v))
	}
	ids := partyIDs(keys)
	out := make(chan tss.Message, 4096)
	end := make(chan *keygen.LocalPartySaveData, rawParties)
	parties := make([]tss.Party, rawParties)
	for i, id := range ids {
		params := tss.NewParameters(tss.S256(), tss.NewPeerContext(ids), id, rawParties, rawThreshold)
		parties[i] = keygen.NewLocalParty(params, out, end, pre[i])
	}
	got, err := runParties(parties, out, end, rawParties)
	if err != nil {
		return nil, fmt.Errorf("keygen: %w", err)
	}
	saves := make([]*keygen.LocalPartySaveData, rawParties)
	for _, s := range got {
		i, err := s.OriginalIndex()
		if err != nil {
			return nil, err
		}
		saves[i] = s
	}
	return saves, nil
}

// rawSign signs digest for PKP key id keyID with the shares at indexes
// signers (t+1 of them, t the shares' threshold), as x/tss/engine does, and
// verifies the result.
func rawSign(saves []*keygen.LocalPartySaveData, t int, signers []int, keyID uint64, digest []byte) error {
	pub := saves[0].ECDSAPub
	var x, y secp256k1.FieldVal
	x.SetByteSlice(pub.X().Bytes())
	y.SetByteSlice(pub.Y().Bytes())
	root := secp256k1.NewPublicKey(&x, &y)
	child, err := types.DeriveChildPubkey(root, keyID)
	if err != nil {
		return err
	}
	d := types.DerivationDelta(root, keyID)
	deltaBytes := d.Bytes()
	delta := new(big.Int).SetBytes(deltaBytes[:])
	//nolint:staticcheck // tss-lib takes the child key as raw coordinates
	childPk := ecdsa.PublicKey{Curve: tss.S256(), X: child.X(), Y: child.Y()}

	var keys []*big.Int
	byKey := map[string]*keygen.LocalPartySaveData{}
	for _, i := range signers {
		keys = append(keys, saves[i].ShareID)
		byKey[saves[i].ShareID.String()] = saves[i]
	}
	ids := partyIDs(keys)
	out := make(chan tss.Message, 4096)
	end := make(chan *common.SignatureData, len(ids))
	parties := make([]tss.Party, len(ids))
	msg := new(big.Int).SetBytes(digest)
	for j, id := range ids {
		share := *byKey[id.KeyInt().String()]
		share.BigXj = slices.Clone(share.BigXj) // adjusted in place below
		adjusted := []keygen.LocalPartySaveData{share}
		if err := signing.UpdatePublicKeyAndAdjustBigXj(delta, adjusted, &childPk, tss.S256()); err != nil {
			return err
		}
		params := tss.NewParameters(tss.S256(), tss.NewPeerContext(ids), id, len(ids), t)
		parties[j] = signing.NewLocalPartyWithKDD(msg, params, adjusted[0], delta, out, end, 32)
	}
	got, err := runParties(parties, out, end, len(ids))
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	//nolint:staticcheck // verifying against raw coordinates
	if !ecdsa.Verify(&childPk, digest, new(big.Int).SetBytes(got[0].R), new(big.Int).SetBytes(got[0].S)) {
		return errors.New("signature does not verify against the derived key")
	}
	return nil
}

// signersFor rotates the 3 signers over the 4 parties, like the chain.
func signersFor(i int) []int {
	var s []int
	for j := 0; j <= rawThreshold; j++ {
		s = append(s, (i+j)%rawParties)
	}
	return s
}

func rawDigest(tag string, i int) []byte {
	h := sha256.Sum256(fmt.Appendf(nil, "litd bench %s %d", tag, i))
	return h[:]
}
