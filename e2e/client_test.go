package e2e

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/cosmos/gogoproto/proto"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/cosmos/cosmos-sdk/codec"

	"github.com/litprotocol/litd/app"
)

var enc = app.MakeEncodingConfig()

// grpcConn dials node0's gRPC server with the SDK's codec.
func grpcConn(t *testing.T) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(net.Nodes[0].GRPC(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(codec.NewProtoCodec(enc.InterfaceRegistry).GRPCCodec())))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// restGet fetches a REST path from node0 and returns status and body.
func restGet(t *testing.T, path string) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, net.Nodes[0].REST()+path, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, body
}

// tripleQuery asks the same question through the CLI, REST and gRPC.
type tripleQuery[T proto.Message] struct {
	cli  []string // after `litd query`
	rest string
	grpc func(ctx context.Context, conn *grpc.ClientConn) (T, error)
	new  func() T
}

// ask runs q three ways, requires the three answers to be equal, returns one.
func ask[T proto.Message](t *testing.T, q tripleQuery[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fromGRPC, err := q.grpc(ctx, grpcConn(t))
	require.NoError(t, err, "gRPC %T", q.new())

	out, err := net.CLI(0, append(append([]string{"query"}, q.cli...), "--output", "json")...)
	require.NoError(t, err)
	fromCLI := q.new()
	require.NoError(t, enc.Codec.UnmarshalJSON([]byte(out), fromCLI), "CLI output: %s", out)

	status, body := restGet(t, q.rest)
	require.Equal(t, http.StatusOK, status, "REST %s: %s", q.rest, body)
	fromREST := q.new()
	require.NoError(t, enc.Codec.UnmarshalJSON(body, fromREST), "REST body: %s", body)

	want := canonical(t, fromGRPC)
	require.Equal(t, want, canonical(t, fromCLI), "gRPC and CLI answers differ")
	require.Equal(t, want, canonical(t, fromREST), "gRPC and REST answers differ")
	return fromGRPC
}

// canonical renders a message as the codec's JSON, so answers decoded from
// different transports compare field by field.
func canonical(t *testing.T, m proto.Message) string {
	t.Helper()
	bz, err := enc.Codec.MarshalJSON(m)
	require.NoError(t, err)
	return string(bz)
}

// mustTx runs a tx and requires it to succeed.
func mustTx(t *testing.T, from string, args ...string) {
	t.Helper()
	res, err := net.Tx(0, from, args...)
	require.NoError(t, err)
	require.Zero(t, res.Code, "tx %v: %s", args, res.RawLog)
}

// failTx runs a tx and requires it to fail with the given x/pkp error code.
func failTx(t *testing.T, code uint32, from string, args ...string) {
	t.Helper()
	res, err := net.Tx(0, from, args...)
	require.NoError(t, err)
	require.Equal(t, code, res.Code, "tx %v: %s", args, res.RawLog)
	require.Equal(t, "pkp", res.Codespace, res.RawLog)
}

func fund(t *testing.T, name, amount string) string {
	t.Helper()
	addr, err := net.AddKey(0, name)
	require.NoError(t, err)
	mustTx(t, "alice", "bank", "send", "alice", addr, amount)
	return addr
}
