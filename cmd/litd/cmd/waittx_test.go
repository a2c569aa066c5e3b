package cmd

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTxHashArg(t *testing.T) {
	const hash = "e155ff38e029b8c39235d765245d523c6e704314ff95a30a940baa5d49d8d535"
	got, err := txHashArg(strings.NewReader(""), []string{hash})
	require.NoError(t, err)
	require.Equal(t, strings.ToUpper(hash), got)

	// The JSON a `tx ... --output json` prints, piped in.
	got, err = txHashArg(strings.NewReader(`{"height":"0","txhash":"`+hash+`","code":0}`), nil)
	require.NoError(t, err)
	require.Equal(t, strings.ToUpper(hash), got)

	_, err = txHashArg(strings.NewReader(""), []string{"abc"})
	require.ErrorContains(t, err, "want 64 hex digits")
	_, err = txHashArg(strings.NewReader(""), []string{strings.Repeat("zz", 32)})
	require.ErrorContains(t, err, "want 64 hex digits")
	_, err = txHashArg(strings.NewReader("gas estimate: 1234"), nil)
	require.ErrorContains(t, err, "no JSON with a txhash on stdin")
	_, err = txHashArg(strings.NewReader(`{"code":0}`), nil)
	require.ErrorContains(t, err, "no JSON with a txhash on stdin")
}
