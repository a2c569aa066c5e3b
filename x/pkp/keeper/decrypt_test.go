package keeper_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	"github.com/litprotocol/litd/x/pkp/types"
	tsstypes "github.com/litprotocol/litd/x/tss/types"
)

// executions is x/actions as access conditions see it (a unit test of x/pkp
// alone: the executions are given, not run).
type executions map[uint64]types.ExecutionOutcome

func (e executions) ExecutionOutcome(_ context.Context, id uint64) (types.ExecutionOutcome, error) {
	out, ok := e[id]
	if !ok {
		return out, errorsmod.Wrapf(tsstypes.ErrNotFound, "execution %d", id)
	}
	return out, nil
}

// TestDecryptConditions evaluates every condition type for MsgDecrypt: a
// request that meets its conditions opens a decryption in x/tss (and pays),
// one that does not is refused with the condition that failed and changes
// nothing.
func TestDecryptConditions(t *testing.T) {
	w := newPasskeyWorld(t)
	f := w.f
	f.k.SetActionsKeeper(executions{})
	tokBytes := must(types.ParseTokenID(w.tok))
	_, err := f.deliver(&types.MsgAddPermittedAddress{Owner: creator, TokenId: w.tok, Address: addrP, Scopes: sign})
	require.NoError(t, err)
	f.bank.balances[addrP] = ulit(10_000_000)
	key := make([]byte, 32)
	key[0] = 5
	header := func(c types.AccessCondition) types.CiphertextHeader { return fuzzHeader(c, []byte("conditions")) }
	identity := func(h types.CiphertextHeader) string {
		id, err := h.Identity()
		require.NoError(t, err)
		return types.IdentityHex(id)
	}
	owner := types.AccessCondition{Type: types.CONDITION_TYPE_PKP_OWNER, TokenId: w.tok}
	permitted := types.AccessCondition{Type: types.CONDITION_TYPE_PERMITTED_ADDRESS, TokenId: w.tok}
	rich := types.AccessCondition{Type: types.CONDITION_TYPE_BALANCE, Denom: "ulit", Amount: "5000000"}
	action := types.AccessCondition{Type: types.CONDITION_TYPE_ACTION, IpfsId: cidA}
	passkey := types.AccessCondition{Type: types.CONDITION_TYPE_PERMITTED_AUTH_METHOD, TokenId: w.tok, AuthMethodType: 3}

	served := func(t *testing.T, requester string, h types.CiphertextHeader, extra func(*types.MsgDecrypt)) {
		t.Helper()
		msg := &types.MsgDecrypt{Requester: requester, Header: h, RequesterKey: key}
		if extra != nil {
			extra(msg)
		}
		res, err := f.deliver(msg)
		require.NoError(t, err)
		dec, err := f.tss.GetDecryption(f.ctx, res.(*types.MsgDecryptResponse).DecryptionId)
		require.NoError(t, err)
		require.Equal(t, requester, dec.Requester)
		require.Equal(t, identity(h), "0x"+hex.EncodeToString(dec.Identity))
	}
	refused := func(t *testing.T, requester string, h types.CiphertextHeader, extra func(*types.MsgDecrypt), want error, text string) {
		t.Helper()
		msg := &types.MsgDecrypt{Requester: requester, Header: h, RequesterKey: key}
		if extra != nil {
			extra(msg)
		}
		w.refused(t, msg, want, text)
	}

	t.Run("owner and permitted address", func(t *testing.T) {
		served(t, creator, header(owner), nil)
		refused(t, addrP, header(owner), nil, types.ErrAccessDenied, "does not own pkp")
		served(t, addrP, header(permitted), nil)
		refused(t, creator, header(permitted), nil, types.ErrAccessDenied, "is not a permitted address")
		gone := types.AccessCondition{Type: types.CONDITION_TYPE_PKP_OWNER, TokenId: unknownTok}
		refused(t, creator, header(gone), nil, types.ErrAccessDenied, "does not exist")
	})
	t.Run("balance", func(t *testing.T) {
		served(t, other, header(rich), nil)
		refused(t, poor, header(rich), nil, types.ErrAccessDenied, "the condition needs 5000000")
		refused(t, other, header(types.AccessCondition{Type: types.CONDITION_TYPE_BALANCE, Denom: "uatom", Amount: "1"}), nil,
			types.ErrAccessDenied, "holds 0uatom")
	})
	t.Run("all and any", func(t *testing.T) {
		all := types.AccessCondition{Type: types.CONDITION_TYPE_ALL, Conditions: []types.AccessCondition{owner, rich}}
		served(t, creator, header(all), nil)
		refused(t, other, header(all), nil, types.ErrAccessDenied, "does not own pkp")
		anyOf := types.AccessCondition{Type: types.CONDITION_TYPE_ANY, Conditions: []types.AccessCondition{owner, permitted}}
		served(t, addrP, header(anyOf), nil)
		refused(t, poor, header(anyOf), nil, types.ErrAccessDenied, "none of 2 conditions holds")
	})
	t.Run("action result", func(t *testing.T) {
		h := header(action)
		id := identity(h)
		f.k.SetActionsKeeper(executions{
			1: {Cid: cidA, Caller: other, JsParams: `{"decryptionId":"` + id + `"}`, Response: "true", Completed: true},
			2: {Cid: cidA, Caller: other, JsParams: `{"decryptionId":"` + id + `"}`, Response: "false", Completed: true},
			3: {Cid: cidB, Caller: other, JsParams: `{"decryptionId":"` + id + `"}`, Response: "true", Completed: true},
			4: {Cid: cidA, Caller: other, JsParams: `{"decryptionId":"0x` + hex.EncodeToString(make([]byte, 32)) + `"}`, Response: "true", Completed: true},
			5: {Cid: cidA, Caller: other, JsParams: `{"decryptionId":"` + id + `"}`, Response: "true"},
			6: {Cid: cidA, Caller: other, JsParams: `{"decryptionId":["` + id + `"]}`, Response: "true", Completed: true},
		})
		defer f.k.SetActionsKeeper(executions{})
		named := func(ids ...uint64) func(*types.MsgDecrypt) { return func(m *types.MsgDecrypt) { m.ExecutionIds = ids } }
		served(t, other, h, named(2, 1))
		refused(t, creator, h, named(1), types.ErrAccessDenied, "no named execution")        // another caller's
		refused(t, other, h, named(2, 3, 4, 5), types.ErrAccessDenied, "no named execution") // false, other action, other identity, unfinished
		refused(t, other, h, named(6), types.ErrAccessDenied, "no named execution")          // not a string
		refused(t, other, h, named(9), tsstypes.ErrNotFound, "execution 9")
		refused(t, other, h, named(1, 1, 1, 1, 1), types.ErrInvalidConditions, "at most")
	})
	t.Run("presented auth method", func(t *testing.T) {
		h := header(passkey)
		challenge := func(h types.CiphertextHeader) []byte {
			hash, err := types.DecryptionHash(other, h, key)
			require.NoError(t, err)
			res, err := f.q.AuthChallenge(f.ctx, &types.QueryAuthChallengeRequest{Purpose: types.AUTH_PURPOSE_DECRYPT,
				TokenIds: []string{w.tok}, AuthMethodType: 3, Id: w.fullAM.Id, DecryptionHash: "0x" + hex.EncodeToString(hash)})
			require.NoError(t, err)
			return must(hex.DecodeString(res.Challenge[2:]))
		}
		present := func(m *types.MsgDecrypt) {
			m.AuthMethods = []types.AuthPresentation{{TokenId: w.tok, AuthMethodType: 3, Id: w.fullAM.Id,
				Proof: &types.AuthProof{Webauthn: w.full.Assert(challenge(m.Header), webOrigin)}}}
		}
		// Without a presentation, or with one for another request (other
		// requester key, as a front-runner would send), it is refused.
		refused(t, other, h, nil, types.ErrAccessDenied, "no presented auth method")
		refused(t, other, h, func(m *types.MsgDecrypt) { present(m); m.RequesterKey = append([]byte{6}, key[1:]...) },
			types.ErrInvalidAssertion, "challenge")
		counter := func() uint64 {
			c, err := f.k.AuthMethodCounters.Get(f.ctx, collections.Join(tokBytes, types.AuthMethodKey(3, w.fullAM.Id)))
			if err != nil {
				return 0
			}
			return c.Nonce
		}
		before := counter()
		served(t, other, h, present)
		require.Equal(t, before+1, counter(), "the presentation spent its nonce")
		// A passkey permitted on another PKP does not meet a condition on this one.
		elsewhere := types.AccessCondition{Type: types.CONDITION_TYPE_PERMITTED_AUTH_METHOD, TokenId: unknownTok}
		refused(t, other, header(elsewhere), present, types.ErrAccessDenied, "no presented auth method")
	})
	t.Run("malformed", func(t *testing.T) {
		upper := types.AccessCondition{Type: types.CONDITION_TYPE_PKP_OWNER, TokenId: "0x" + strings.ToUpper(w.tok[2:])}
		sum := sha256.Sum256([]byte("x"))
		refused(t, creator, types.CiphertextHeader{Version: 1, Conditions: upper, DataHash: sum[:]}, nil, types.ErrInvalidConditions, "write it as")
		h := header(owner)
		h.Version = 2
		refused(t, creator, h, nil, types.ErrInvalidCiphertext, "version 2")
		h = header(owner)
		h.Conditions = permitted // the proof binds R to the owner condition
		refused(t, creator, h, nil, types.ErrInvalidCiphertext, "proof")
	})
}
