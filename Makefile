# litd — see README.md. Every target is safe to run on a fresh clone.
SHELL := /bin/bash
BUILD_DIR ?= $(CURDIR)/build
LITD := $(BUILD_DIR)/litd
export CGO_ENABLED ?= 0

.PHONY: all build install test test-unit test-e2e bench fuzz lint proto-gen proto-gen-ts proto-tools buf localnet localnet-stop chain-info clean

all: build

build:
	go build -trimpath -o $(LITD) ./cmd/litd

install:
	go install -trimpath ./cmd/litd

# make test: unit, integration and e2e tests (the e2e tests start real litd
# processes from $(LITD), which this target builds first), then every fuzz
# target for TEST_FUZZTIME beyond its seed corpus. e2e/tsclient also needs
# buf (it regenerates ts/src/generated and compares) and runs npm ci in ts/.
TEST_FUZZTIME ?= 10s
test: build buf
	LITD_BIN=$(LITD) go test -count=1 -timeout 40m ./...
	FUZZTIME=$(TEST_FUZZTIME) bash scripts/fuzz.sh

test-unit:
	go test -count=1 -short ./...

test-e2e: build buf
	LITD_BIN=$(LITD) go test -count=1 -timeout 40m ./e2e/...

# make bench: raw in-process tss-lib vs the same work on a real 4-validator
# network, side by side in one run, with ratios (see bench/doc.go).
bench: build
	LITD_BIN=$(LITD) go test -run '^$$' -bench . -benchtime 1x -timeout 20m ./bench/

# make fuzz: every fuzz target for FUZZTIME each (seed corpora run in make test).
fuzz:
	FUZZTIME=$${FUZZTIME:-60s} bash scripts/fuzz.sh

# golangci-lint is pinned in tools/lint/go.mod.
lint:
	@test -x $(BUILD_DIR)/tools/golangci-lint || (cd tools/lint && GOBIN=$(BUILD_DIR)/tools go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint)
	$(BUILD_DIR)/tools/golangci-lint run ./...

# Protobuf: generators are pinned in tools/ and built into build/tools; the
# imported third-party protos are vendored in third_party/proto. The REST
# routes' OpenAPI spec (client/docs/lit-openapi.json, served at /swagger/) is
# generated from the query protos and merged into one file.
proto-tools:
	cd tools/buf && GOBIN=$(BUILD_DIR)/tools go install github.com/bufbuild/buf/cmd/buf
	cd tools/protoc && GOBIN=$(BUILD_DIR)/tools go install github.com/cosmos/gogoproto/protoc-gen-gocosmos github.com/grpc-ecosystem/grpc-gateway/protoc-gen-grpc-gateway github.com/grpc-ecosystem/grpc-gateway/protoc-gen-swagger

# buf alone, built once (make test needs it, not the Go plugins).
buf:
	@test -x $(BUILD_DIR)/tools/buf || (cd tools/buf && GOBIN=$(BUILD_DIR)/tools go install github.com/bufbuild/buf/cmd/buf)

proto-gen:
	@test -x $(BUILD_DIR)/tools/buf -a -x $(BUILD_DIR)/tools/protoc-gen-swagger || $(MAKE) proto-tools
	rm -rf $(BUILD_DIR)/gen $(BUILD_DIR)/openapi
	$(BUILD_DIR)/tools/buf generate --template buf.gen.gogo.yaml proto
	cp -r $(BUILD_DIR)/gen/github.com/litprotocol/litd/* ./
	$(BUILD_DIR)/tools/buf generate --template buf.gen.swagger.yaml $(addprefix --path ,$(wildcard proto/lit/*/v1/query.proto)) proto
	go run ./scripts/openapi-merge -o client/docs/lit-openapi.json $(BUILD_DIR)/openapi/lit/*/v1/query.swagger.json
	rm -rf $(BUILD_DIR)/gen $(BUILD_DIR)/openapi
	$(MAKE) proto-gen-ts

# TypeScript types for ts/ with ts-proto (pinned in ts/package-lock.json):
# lit.* and the two cosmos.base files they use, into
# $(TS_GEN_ROOT)/ts/src/generated. e2e/tsclient runs it with TS_GEN_ROOT set
# to a temporary directory and requires the committed files to be identical.
TS_GEN_ROOT ?= .
TS_PROTO_PATHS := proto/lit third_party/proto/cosmos/base/v1beta1/coin.proto third_party/proto/cosmos/base/query/v1beta1/pagination.proto
proto-gen-ts: buf
	@test -x ts/node_modules/.bin/protoc-gen-ts_proto || (cd ts && npm ci)
	rm -rf $(TS_GEN_ROOT)/ts/src/generated
	$(BUILD_DIR)/tools/buf generate --template buf.gen.ts.yaml $(addprefix --path ,$(TS_PROTO_PATHS)) -o $(TS_GEN_ROOT)

localnet: build
	go run ./testutil/network/cmd/localnet start --bin $(LITD) --dir $(BUILD_DIR)/localnet

localnet-stop:
	go run ./testutil/network/cmd/localnet stop --dir $(BUILD_DIR)/localnet

# make chain-info: wallet metadata for the localnet from its genesis (make
# localnet first; nothing needs to run): build/chain-info/keplr.json for
# Keplr, chain.json and assetlist.json for the chain-registry. Another
# network: CHAIN_INFO_GENESIS=path CHAIN_INFO_FLAGS='--rpc ... --rest ...'
# (go run ./scripts/chaininfo --help).
CHAIN_INFO_GENESIS ?= $(BUILD_DIR)/localnet/node0/config/genesis.json
chain-info:
	go run ./scripts/chaininfo --genesis $(CHAIN_INFO_GENESIS) --out $(BUILD_DIR)/chain-info $(CHAIN_INFO_FLAGS)

clean:
	rm -rf $(BUILD_DIR)
