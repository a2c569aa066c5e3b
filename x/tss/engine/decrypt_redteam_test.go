package engine

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"math/big"
	"testing"

	"github.com/bnb-chain/tss-lib/v2/ecdsa/keygen"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/x/tss/keeper"
	"github.com/litprotocol/litd/x/tss/types"
)

func redteamEngine(t *testing.T) *Engine {
	e, err := New(t.TempDir(), testLogger())
	require.NoError(t, err)
	e.self = sdk.ValAddress(make([]byte, 20)).String()
	e.preParams = &keygen.LocalPreParams{}
	data := &keygen.LocalPartySaveData{}
	data.Xi = big.NewInt(12345)
	require.NoError(t, e.store.saveShare(1, data))
	return e
}

// The engine cannot start its part of a decrypt session whose requester_key is a
// low-order X25519 point (u = 1 here): startDecrypt errors and nothing is
// queued, which is why the chain refuses such keys (types.ValidateRequesterKey).
func TestRedteamEngineLowOrderRequesterKeyQueuesNothing(t *testing.T) {
	e := redteamEngine(t)
	priv, err := secp256k1.GeneratePrivateKey()
	require.NoError(t, err)
	R := priv.PubKey().SerializeCompressed()
	lowOrder := make([]byte, 32)
	lowOrder[0] = 1
	s := types.Session{Id: 5, Type: types.SESSION_TYPE_DECRYPT, KeySetId: 1, DecryptionId: 3}
	err = e.startDecrypt(&run{e: e, session: s, label: "decrypt"}, keeper.Job{Session: s, Ephemeral: R, RequesterKey: lowOrder})
	require.Error(t, err)
	require.Empty(t, e.outbox)
	good, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	require.NoError(t, e.startDecrypt(&run{e: e, session: s, label: "decrypt"}, keeper.Job{Session: s, Ephemeral: R, RequesterKey: good.PublicKey().Bytes()}))
	require.Len(t, e.outbox, 1)
}

// A decryption share goes out until a committed block records it (Observe
// sees this validator's delivery in the session), then never again: results
// have no delivery of their own, and resending 64 recorded shares every few
// blocks would waste block space and crowd other results out of the
// extension (red team finding).
func TestRecordedDecryptionSharesAreNotResent(t *testing.T) {
	e := redteamEngine(t)
	good, err := ecdh.X25519().GenerateKey(rand.Reader)
	require.NoError(t, err)
	priv, err := secp256k1.GeneratePrivateKey()
	require.NoError(t, err)
	other := sdk.ValAddress(bytes.Repeat([]byte{1}, 20)).String()
	jobs := func(recorded bool) []keeper.Job {
		var out []keeper.Job
		for i := range uint64(keeper.MaxResultsPerExtension) {
			s := types.Session{Id: 100 + i, Type: types.SESSION_TYPE_DECRYPT, KeySetId: 1, DecryptionId: i + 1, StartHeight: 10,
				Parties: types.NewParties([]string{e.self, other})}
			if recorded {
				s.Parties[keeper.PartyIndex(s, e.self)].Messages = 1
			}
			out = append(out, keeper.Job{Session: s, Ephemeral: priv.PubKey().SerializeCompressed(), RequesterKey: good.PublicKey().Bytes()})
		}
		return out
	}
	e.Observe(Snapshot{Height: 10, Self: e.self, Jobs: jobs(false)})
	require.Len(t, e.ExtensionSection(11, 1<<20).DecryptionShares, keeper.MaxResultsPerExtension)
	// Block 11 committed them all.
	e.Observe(Snapshot{Height: 11, Self: e.self, Jobs: jobs(true)})
	e.outbox = append(e.outbox, &item{session: 100, sig: &types.SignatureResult{SessionId: 100}, size: 80})
	for h := int64(12); h < 40; h++ {
		sec := e.ExtensionSection(h, 1<<20)
		require.Empty(t, sec.DecryptionShares, "height %d resent a recorded share", h)
		if h == 12 {
			require.Len(t, sec.SignatureResults, 1, "a fresh result goes out at once")
		}
	}
}
