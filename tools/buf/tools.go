//go:build tools

// Package tools pins buf, used by `make proto-gen`.
package tools

import _ "github.com/bufbuild/buf/cmd/buf"
