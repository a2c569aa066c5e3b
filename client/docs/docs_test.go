package docs_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	_ "github.com/litprotocol/litd/app" // registers every proto the binary serves
	"github.com/litprotocol/litd/client/docs"
	"github.com/litprotocol/litd/testutil/gwroutes"
)

// getPaths is the set of paths with a GET operation.
func getPaths(t *testing.T, s docs.Spec) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for path, raw := range s.Paths {
		var item map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(raw, &item), path)
		if _, ok := item["get"]; ok {
			out[path] = true
		}
	}
	return out
}

// TestLitSpecCoversGatewayRoutes: the committed spec documents every GET
// route the lit.* protos give the gateway, and nothing else (a stale spec
// after a route is removed or renamed fails too). Run `make proto-gen` to fix.
func TestLitSpecCoversGatewayRoutes(t *testing.T) {
	routes := gwroutes.GET("lit.")
	require.NotEmpty(t, routes, "no lit.* GET routes registered")
	spec, err := docs.DecodeSpec(docs.LitSpec)
	require.NoError(t, err)
	documented := getPaths(t, spec)
	for _, r := range routes {
		require.True(t, documented[r], "GET %s is served but not in client/docs/lit-openapi.json (make proto-gen)", r)
	}
	for p := range documented {
		require.True(t, slices.Contains(routes, p), "GET %s is in client/docs/lit-openapi.json but no proto annotates it (make proto-gen)", p)
	}
	t.Logf("%d lit GET routes documented", len(routes))
}

// TestCombinedSpec: the spec /swagger/ serves has the lit routes and the
// SDK's, every $ref in it resolves, and the lit operation ids are unique in it.
func TestCombinedSpec(t *testing.T) {
	b, err := docs.CombinedSpec()
	require.NoError(t, err)
	spec, err := docs.DecodeSpec(b)
	require.NoError(t, err)
	paths := getPaths(t, spec)
	for _, r := range gwroutes.GET("lit.") {
		require.True(t, paths[r], "GET %s missing from the combined spec", r)
	}
	require.True(t, paths["/cosmos/bank/v1beta1/balances/{address}"], "SDK routes missing from the combined spec")

	for _, m := range regexp.MustCompile(`"\$ref":"#/definitions/([^"]+)"`).FindAllSubmatch(b, -1) {
		require.Contains(t, spec.Definitions, string(m[1]), "dangling $ref")
	}

	ids := map[string]int{}
	for _, raw := range spec.Paths {
		var item map[string]struct {
			OperationID string `json:"operationId"`
		}
		require.NoError(t, json.Unmarshal(raw, &item))
		for _, op := range item {
			ids[op.OperationID]++
		}
	}
	for id, n := range ids {
		if strings.HasPrefix(id, "lit.") {
			require.Equal(t, 1, n, "operationId %s used %d times", id, n)
		}
	}
}

func TestMerge(t *testing.T) {
	a := docs.Spec{Swagger: "2.0", Produces: []string{"application/json"},
		Paths:       map[string]json.RawMessage{"/a": json.RawMessage(`{"get":{}}`)},
		Definitions: map[string]json.RawMessage{"x.M": json.RawMessage(`{"title":"first"}`)}}
	b := docs.Spec{Swagger: "2.0", Produces: []string{"application/json"},
		Paths:       map[string]json.RawMessage{"/b": json.RawMessage(`{"get":{}}`)},
		Definitions: map[string]json.RawMessage{"x.M": json.RawMessage(`{"title":"second"}`)}}
	m, err := docs.Merge(docs.Info{Title: "t", Version: "v1"}, a, b)
	require.NoError(t, err)
	require.Len(t, m.Paths, 2)
	require.Equal(t, []string{"application/json"}, m.Produces)
	require.JSONEq(t, `{"title":"first"}`, string(m.Definitions["x.M"]))

	_, err = docs.Merge(docs.Info{}, a, a)
	require.ErrorContains(t, err, "path /a is in two specs")

	_, err = docs.DecodeSpec([]byte(`{"swagger":"2.0","securityDefinitions":{}}`))
	require.Error(t, err, "a field Merge would drop must be refused")
	_, err = docs.DecodeSpec([]byte(`{"swagger":"3.0"}`))
	require.Error(t, err)
}
