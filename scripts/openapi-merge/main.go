// Command openapi-merge merges the per-file specs protoc-gen-swagger writes
// (one *.swagger.json per query.proto) into client/docs/lit-openapi.json.
// `make proto-gen` runs it; its output is byte-for-byte reproducible (keys of
// paths, definitions and operations are sorted).
//
//	go run ./scripts/openapi-merge -o client/docs/lit-openapi.json build/openapi/lit/*/v1/query.swagger.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/litprotocol/litd/client/docs"
)

// info describes the merged spec; the node's /swagger/ serves it with the
// SDK's routes added, so it says so.
var info = docs.Info{
	Title: "litd REST API",
	Description: "REST (grpc-gateway) routes of the lit.pkp.v1, lit.tss.v1 and lit.actions.v1 Query services. " +
		"A node's /swagger/ serves them together with the Cosmos SDK's routes.",
	Version: "v1",
}

func main() {
	out := flag.String("o", "", "output file")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: openapi-merge -o OUT SPEC.swagger.json...")
		os.Exit(2)
	}
	if err := run(*out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "openapi-merge:", err)
		os.Exit(1)
	}
}

func run(out string, files []string) error {
	specs := make([]docs.Spec, 0, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		s, err := docs.DecodeSpec(b)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if err := qualifyOperationIDs(s.Paths); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		specs = append(specs, s)
	}
	merged, err := docs.Merge(info, specs...)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(merged, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(b, '\n'), 0o644)
}

// qualifyOperationIDs turns the generator's "Query_Params" into
// "lit.pkp.v1.Query.Params", the gRPC method's full name: operation ids must
// be unique in a spec, and every lit module has a Query_Params. The package
// comes from the operation's tag (include_package_in_tags).
func qualifyOperationIDs(paths map[string]json.RawMessage) error {
	for path, raw := range paths {
		var item map[string]map[string]json.RawMessage
		if err := json.Unmarshal(raw, &item); err != nil {
			return fmt.Errorf("path %s: %w", path, err)
		}
		for method, op := range item {
			var id string
			var tags []string
			if err := json.Unmarshal(op["operationId"], &id); err != nil {
				return fmt.Errorf("%s %s: operationId: %w", method, path, err)
			}
			if err := json.Unmarshal(op["tags"], &tags); err != nil || len(tags) != 1 {
				return fmt.Errorf("%s %s: want one tag (package.Service), have %s", method, path, op["tags"])
			}
			service := tags[0][strings.LastIndex(tags[0], ".")+1:]
			rpc, ok := strings.CutPrefix(id, service+"_")
			if !ok {
				return fmt.Errorf("%s %s: operationId %q is not %s_<method>", method, path, id, service)
			}
			op["operationId"], _ = json.Marshal(tags[0] + "." + rpc)
		}
		b, err := json.Marshal(item)
		if err != nil {
			return err
		}
		paths[path] = b
	}
	return nil
}
