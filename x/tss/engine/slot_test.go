package engine

import (
	"math/big"
	"testing"

	"github.com/bnb-chain/tss-lib/v2/ecdsa/signing"
	"github.com/bnb-chain/tss-lib/v2/tss"
	"github.com/stretchr/testify/require"

	"github.com/litprotocol/litd/x/tss/types"
)

// countingParty is a tss-lib party that only counts the messages it is given.
type countingParty struct {
	tss.Party
	id      *tss.PartyID
	updates int
}

func (p *countingParty) PartyID() *tss.PartyID { return p.id }

func (p *countingParty) Update(tss.ParsedMessage) (bool, *tss.Error) {
	p.updates++
	return true, nil
}

// A sender's second, different message of a type it already sent never
// reaches the party (tss-lib would keep the last one, so parties that saw
// the two at different points would compute with different values) and is
// blamed on the sender; the same message again is simply dropped.
func TestSecondDifferentMessageIsBlamed(t *testing.T) {
	e, err := New(t.TempDir(), testLogger())
	require.NoError(t, err)
	sender := "litvaloper1sender"
	from := tss.NewPartyID(sender, sender, big.NewInt(2))
	p := &countingParty{id: tss.NewPartyID("self", "self", big.NewInt(1))}
	r := &run{e: e, session: types.Session{Id: 7, Type: types.SESSION_TYPE_SIGN}, quit: make(chan struct{}),
		slots: map[string][32]byte{}, label: "sign"}
	e.runs[7] = r
	wire := func(theta int64) []byte {
		bz, _, err := signing.NewSignRound3Message(from, big.NewInt(theta)).WireBytes()
		require.NoError(t, err)
		return bz
	}
	r.update(p, wire(1), from, true, sender)
	r.update(p, wire(1), from, true, sender)
	require.Equal(t, 1, p.updates)
	require.Empty(t, e.outbox)
	r.update(p, wire(2), from, true, sender)
	require.Equal(t, 1, p.updates, "the second version never reaches the party")
	require.Len(t, e.outbox, 1)
	require.Equal(t, &types.Blame{SessionId: 7, Culprits: []string{sender}}, e.outbox[0].blame)
}
