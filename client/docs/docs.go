// Package docs holds litd's OpenAPI (Swagger 2.0) spec of the lit.* REST
// routes, generated from the protos by `make proto-gen`, and merges it with
// the Cosmos SDK's spec so that the node's Swagger UI lists both.
package docs

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"

	"sigs.k8s.io/yaml"

	sdkdocs "github.com/cosmos/cosmos-sdk/client/docs"
)

// LitSpec is the generated spec of the lit.pkp.v1, lit.tss.v1 and
// lit.actions.v1 Query services (scripts/openapi-merge writes it).
//
//go:embed lit-openapi.json
var LitSpec []byte

// Spec is the part of an OpenAPI 2.0 document that merging touches. Paths and
// definitions stay raw JSON, exactly as their generator wrote them.
type Spec struct {
	Swagger     string                     `json:"swagger"`
	Info        Info                       `json:"info"`
	Consumes    []string                   `json:"consumes,omitempty"`
	Produces    []string                   `json:"produces,omitempty"`
	Paths       map[string]json.RawMessage `json:"paths"`
	Definitions map[string]json.RawMessage `json:"definitions"`
}

// Info is an OpenAPI info object.
type Info struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Version     string `json:"version"`
}

// DecodeSpec parses an OpenAPI 2.0 document in JSON. It refuses top-level
// fields Spec does not carry (security definitions, tags, ...), so that a
// merge never drops part of a spec silently.
func DecodeSpec(b []byte) (Spec, error) {
	var s Spec
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Spec{}, err
	}
	if s.Swagger != "2.0" {
		return Spec{}, fmt.Errorf("swagger version %q, want 2.0", s.Swagger)
	}
	return s, nil
}

// Merge combines specs into one described by info. A path may appear in one
// spec only. Definitions are named by fully-qualified proto name (the SDK's
// and ours, generated with fqn_for_swagger_name), so one name is one message:
// the first spec's definition of it is kept.
func Merge(info Info, specs ...Spec) (Spec, error) {
	out := Spec{
		Swagger:     "2.0",
		Info:        info,
		Paths:       map[string]json.RawMessage{},
		Definitions: map[string]json.RawMessage{},
	}
	for _, s := range specs {
		for _, c := range s.Consumes {
			if !slices.Contains(out.Consumes, c) {
				out.Consumes = append(out.Consumes, c)
			}
		}
		for _, p := range s.Produces {
			if !slices.Contains(out.Produces, p) {
				out.Produces = append(out.Produces, p)
			}
		}
		for path, item := range s.Paths {
			if _, ok := out.Paths[path]; ok {
				return Spec{}, fmt.Errorf("path %s is in two specs", path)
			}
			out.Paths[path] = item
		}
		for name, def := range s.Definitions {
			if _, ok := out.Definitions[name]; !ok {
				out.Definitions[name] = def
			}
		}
	}
	return out, nil
}

// CombinedSpec is the Cosmos SDK's embedded Swagger spec (the one its
// Swagger UI loads) merged with LitSpec, as compact JSON. It is built from
// the SDK version litd links, so it never lags behind an SDK upgrade.
func CombinedSpec() ([]byte, error) {
	sdkYAML, err := fs.ReadFile(sdkdocs.SwaggerUI, "swagger-ui/swagger.yaml")
	if err != nil {
		return nil, err
	}
	sdkJSON, err := yaml.YAMLToJSON(sdkYAML)
	if err != nil {
		return nil, fmt.Errorf("SDK swagger.yaml: %w", err)
	}
	sdk, err := DecodeSpec(sdkJSON)
	if err != nil {
		return nil, fmt.Errorf("SDK swagger.yaml: %w", err)
	}
	lit, err := DecodeSpec(LitSpec)
	if err != nil {
		return nil, fmt.Errorf("lit-openapi.json: %w", err)
	}
	combined, err := Merge(lit.Info, sdk, lit)
	if err != nil {
		return nil, err
	}
	return json.Marshal(combined)
}
