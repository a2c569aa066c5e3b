package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/litprotocol/litd/testutil/gwroutes"
)

// TestSwaggerListsLitAndSDKRoutes opens node0's Swagger UI as a browser does:
// /swagger/, then the spec its page loads. That one spec must document every
// lit.* GET route the protos annotate and the SDK's routes, and each lit route
// without path parameters must answer 200 on the same node.
func TestSwaggerListsLitAndSDKRoutes(t *testing.T) {
	status, page := restGet(t, "/swagger/")
	require.Equal(t, http.StatusOK, status, "GET /swagger/: %s", page)
	m := regexp.MustCompile(`url:\s*"([^"]+)"`).FindSubmatch(page)
	require.NotNil(t, m, "no spec url in /swagger/:\n%s", page)
	ref, err := url.Parse(string(m[1]))
	require.NoError(t, err)
	specPath := (&url.URL{Path: "/swagger/"}).ResolveReference(ref).String()

	status, body := restGet(t, specPath)
	require.Equal(t, http.StatusOK, status, "GET %s", specPath)
	var spec struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	// YAML or JSON, as Swagger UI reads either.
	require.NoError(t, yaml.Unmarshal(body, &spec), "spec at %s", specPath)

	routes := gwroutes.GET("lit.")
	require.NotEmpty(t, routes)
	for _, r := range routes {
		require.Contains(t, spec.Paths[r], "get", "%s does not document GET %s", specPath, r)
	}
	for _, sdk := range []string{"/cosmos/bank/v1beta1/balances/{address}", "/cosmos/staking/v1beta1/validators"} {
		require.Contains(t, spec.Paths[sdk], "get", "%s does not document the SDK's GET %s", specPath, sdk)
	}
	var lit int
	for path := range spec.Paths {
		if !strings.HasPrefix(path, "/lit/") {
			continue
		}
		lit++
		if strings.Contains(path, "{") {
			continue
		}
		status, body := restGet(t, path)
		require.Equal(t, http.StatusOK, status, "documented GET %s: %s", path, body)
	}
	require.Equal(t, len(routes), lit, "the spec documents /lit/ paths no proto annotates")
	t.Logf("%s: %d paths, %d of them lit GET routes", specPath, len(spec.Paths), lit)
}
