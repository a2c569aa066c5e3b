package app

import (
	"bytes"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/litprotocol/litd/client/docs"
)

// registerSwaggerSpec answers the one spec the SDK's Swagger UI page loads,
// /swagger/swagger.yaml, with the SDK's spec merged with litd's
// (docs.CombinedSpec): the UI that server.RegisterSwaggerAPI serves then lists
// the lit.* routes beside the SDK's on one page, with no copy of the SDK's UI
// files. Register it before server.RegisterSwaggerAPI, whose /swagger/ prefix
// would otherwise match first (gorilla/mux takes the first match). The spec is
// JSON, which is YAML too (Swagger UI reads either). enabled is app.toml's
// api.swagger.
func registerSwaggerSpec(rtr *mux.Router, enabled bool) error {
	if !enabled {
		return nil
	}
	spec, err := docs.CombinedSpec()
	if err != nil {
		return err
	}
	rtr.Path("/swagger/swagger.yaml").HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "swagger.json", time.Time{}, bytes.NewReader(spec))
	})
	return nil
}
