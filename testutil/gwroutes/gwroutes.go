// Package gwroutes lists the REST GET routes that the protos' google.api.http
// annotations give the grpc-gateway, read from the registered descriptors
// (the same annotations protoc-gen-grpc-gateway turned into the *.pb.gw.go
// handlers), so tests need no hand-kept list of routes.
package gwroutes

import (
	"slices"
	"strings"

	gogoproto "github.com/cosmos/gogoproto/proto"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// GET returns the sorted GET path templates (e.g. "/lit/pkp/v1/pkps/{token_id}")
// of every service in the registered proto packages whose name starts with
// pkgPrefix (e.g. "lit."). Only files linked into the test binary are
// registered: import the packages (or the app) that register them.
func GET(pkgPrefix string) []string {
	var routes []string
	gogoproto.HybridResolver.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(fd.Package()), pkgPrefix) {
			return true
		}
		for i := range fd.Services().Len() {
			methods := fd.Services().Get(i).Methods()
			for j := range methods.Len() {
				opts, ok := methods.Get(j).Options().(*descriptorpb.MethodOptions)
				if !ok || !proto.HasExtension(opts, annotations.E_Http) {
					continue
				}
				rule := proto.GetExtension(opts, annotations.E_Http).(*annotations.HttpRule)
				for _, r := range append([]*annotations.HttpRule{rule}, rule.GetAdditionalBindings()...) {
					if get := r.GetGet(); get != "" {
						routes = append(routes, get)
					}
				}
			}
		}
		return true
	})
	slices.Sort(routes)
	return slices.Compact(routes)
}
