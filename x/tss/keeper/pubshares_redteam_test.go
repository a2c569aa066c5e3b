package keeper_test

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/litprotocol/litd/x/tss/types"
)

func fakeShares(seed uint64) [][]byte {
	var out [][]byte
	for i := range 4 {
		out = append(out, childPriv(seed*10+uint64(i)+1).PubKey().SerializeCompressed())
	}
	return out
}

func reportShares(t *testing.T, f *fixture, session uint64, shares [][]byte, idx ...int) {
	t.Helper()
	for _, i := range idx {
		f.apply(t, vals[i].addr, &types.ExtensionSection{KeygenResults: []types.KeygenResult{{SessionId: session, Pubkey: rootBytes(), PublicShares: shares}}})
	}
}

// HELD: a new-committee member that reports the root key with other public
// shares (or none, the pre-upgrade form) blocks activation only until the
// deadline, where reshareDissenters names it; the key set is only ever
// activated with the shares every new member reported, so a liar cannot
// get its shares recorded. (A member that keeps lying stalls reshares as a
// silent member always could: the retry never leaves the threshold band.)
func TestRedteamReshareLiarOnPublicShares(t *testing.T) {
	for _, lie := range []struct {
		name   string
		shares [][]byte
	}{{"other shares", fakeShares(2)}, {"no shares", nil}, {"too few", fakeShares(2)[:3]}} {
		t.Run(lie.name, func(t *testing.T) {
			f := threeOfFour(t)
			f.endBlock(t)
			target := keySetByID(t, f, 2)
			s := f.session(t, target.KeygenSessionId)
			for _, op := range parties(s) {
				f.apply(t, valAddr(op), bcast(s.Id, 3))
			}
			honest := fakeShares(1)
			reportShares(t, f, s.Id, lie.shares, 3)
			reportShares(t, f, s.Id, honest, 0, 1, 2)
			require.Equal(t, types.KEY_SET_STATUS_RESHARING, keySetByID(t, f, 2).Status)
			f.at(s.DeadlineHeight)
			f.endBlock(t)
			var faulty []string
			for _, p := range f.session(t, s.Id).Parties {
				if p.Faults > 0 {
					faulty = append(faulty, p.Validator)
				}
			}
			require.Equal(t, []string{vals[3].op}, faulty)
			require.EqualValues(t, 1, ok[types.FaultRecord](t)(f.k.FaultRecords.Get(f.ctx, vals[3].op)).Count)
			require.Equal(t, types.KEY_SET_STATUS_RETIRED, keySetByID(t, f, 2).Status, "abandoned, not activated with anyone's shares")
		})
	}
	// All agree: the recorded shares are theirs.
	f := threeOfFour(t)
	f.endBlock(t)
	s := f.session(t, keySetByID(t, f, 2).KeygenSessionId)
	honest := fakeShares(1)
	reportShares(t, f, s.Id, honest, 0, 1, 2, 3)
	ks := keySetByID(t, f, 2)
	require.Equal(t, types.KEY_SET_STATUS_ACTIVE, ks.Status)
	for i, ps := range ks.PublicShares {
		require.Equal(t, "0x"+hex.EncodeToString(honest[i]), ps)
	}
}
