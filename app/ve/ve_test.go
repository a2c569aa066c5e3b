package ve_test

import (
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/stretchr/testify/require"

	"cosmossdk.io/log/v2"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/litprotocol/litd/app/ve"
)

func TestExtendVoteIsEmpty(t *testing.T) {
	h := ve.NewHandler(log.NewNopLogger())
	resp, err := h.ExtendVoteHandler()(sdk.Context{}, &abci.RequestExtendVote{Height: 5})
	require.NoError(t, err)
	require.Empty(t, resp.VoteExtension)
}

func TestVerifyVoteExtensionSizeBound(t *testing.T) {
	verify := ve.NewHandler(log.NewNopLogger()).VerifyVoteExtensionHandler()
	for _, tc := range []struct {
		name string
		size int
		want abci.ResponseVerifyVoteExtension_VerifyStatus
	}{
		{"empty", 0, abci.ResponseVerifyVoteExtension_ACCEPT},
		{"at bound", ve.MaxExtensionBytes, abci.ResponseVerifyVoteExtension_ACCEPT},
		{"over bound", ve.MaxExtensionBytes + 1, abci.ResponseVerifyVoteExtension_REJECT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := verify(sdk.Context{}, &abci.RequestVerifyVoteExtension{Height: 5, VoteExtension: make([]byte, tc.size)})
			require.NoError(t, err)
			require.Equal(t, tc.want, resp.Status)
		})
	}
}
