package app

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/mux"
	"github.com/stretchr/testify/require"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/server"

	"github.com/litprotocol/litd/client/docs"
)

// TestRegisterSwagger registers as RegisterAPIRoutes does: with api.swagger
// on, the spec the SDK's UI page loads is the combined one (our route wins
// over the SDK's file of the same name) and the UI's own files are the SDK's;
// off, nothing under /swagger/.
func TestRegisterSwagger(t *testing.T) {
	register := func(enabled bool) *mux.Router {
		rtr := mux.NewRouter()
		require.NoError(t, registerSwaggerSpec(rtr, enabled))
		require.NoError(t, server.RegisterSwaggerAPI(client.Context{}, rtr, enabled))
		return rtr
	}
	get := func(rtr *mux.Router, path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		rtr.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w
	}

	on := register(true)
	want, err := docs.CombinedSpec()
	require.NoError(t, err)
	spec := get(on, "/swagger/swagger.yaml")
	require.Equal(t, http.StatusOK, spec.Code)
	require.Equal(t, "application/json", spec.Header().Get("Content-Type"))
	require.Equal(t, want, spec.Body.Bytes())
	page := get(on, "/swagger/")
	require.Equal(t, http.StatusOK, page.Code)
	require.Contains(t, page.Body.String(), `url: "./swagger.yaml"`, "the SDK's page no longer loads ./swagger.yaml")

	off := register(false)
	require.Equal(t, http.StatusNotFound, get(off, "/swagger/").Code)
	require.Equal(t, http.StatusNotFound, get(off, "/swagger/swagger.yaml").Code)
}
