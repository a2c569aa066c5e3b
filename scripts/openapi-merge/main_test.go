package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestQualifyOperationIDs(t *testing.T) {
	paths := map[string]json.RawMessage{
		"/lit/pkp/v1/params": json.RawMessage(`{"get":{"operationId":"Query_Params","tags":["lit.pkp.v1.Query"]}}`),
	}
	require.NoError(t, qualifyOperationIDs(paths))
	require.JSONEq(t, `{"get":{"operationId":"lit.pkp.v1.Query.Params","tags":["lit.pkp.v1.Query"]}}`, string(paths["/lit/pkp/v1/params"]))

	for _, item := range []string{
		`{"get":{"operationId":"Query_Params"}}`,                                     // no tag
		`{"get":{"operationId":"Query_Params","tags":["a.Query","b.Query"]}}`,        // two
		`{"get":{"operationId":"Params","tags":["lit.pkp.v1.Query"]}}`,               // simple_operation_ids
		`{"get":{"operationId":"Msg_Params","tags":["lit.pkp.v1.Query"]}}`,           // other service
		`{"parameters":[{"name":"id","in":"path"}],"get":{"operationId":"Query_X"}}`, // path-level parameters
	} {
		require.Error(t, qualifyOperationIDs(map[string]json.RawMessage{"/p": json.RawMessage(item)}), item)
	}
}
