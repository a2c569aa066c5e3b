package sandbox_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/litprotocol/litd/x/actions/sandbox"
)

// FuzzJSParams runs a tiny fixed action with arbitrary jsParams: the string
// every caller of MsgExecute controls. The seeds below are also committed
// under testdata/fuzz/FuzzJSParams/.
//
//	go test -run '^$' -fuzz '^FuzzJSParams$' -fuzztime 60s ./x/actions/sandbox

const fuzzAction = `Lit.Actions.setResponse({response: JSON.stringify(jsParams)})`

const fuzzTimeout = 200 * time.Millisecond

// fuzzCodes are the error codes this action can end with. It neither
// fetches nor signs, has no syntax error, and its context is never canceled;
// "internal error" (a Go panic or an unexpected error in the sandbox) is a
// bug, not an outcome.
var fuzzCodes = []string{
	sandbox.CodeInvalidParams, sandbox.CodeException, sandbox.CodeTimeout,
	sandbox.CodeStackOverflow, sandbox.CodeResponseTooLarge,
}

// fuzzResourceCodes depend on the machine (time, memory), not only on the
// input, so two runs may differ.
var fuzzResourceCodes = sandbox.ResourceCodes

func fuzzCode(errStr string, codes []string) (string, bool) {
	for _, c := range codes {
		if strings.HasPrefix(errStr, c+": ") {
			return c, true
		}
	}
	return "", false
}

func fuzzJSParamsSeeds() []string {
	return []string{
		``, // no params: jsParams is {}
		`   `,
		`{}`,
		`{"number": 7919, "publicKey": "0x02"}`,
		`{"a": [1, 2.5, -3e10, true, null, "x\u00e9\ud83c\udf0d"], "b": {"c": {"d": []}}}`,
		`{"n": 1e400, "m": -0, "big": 123456789012345678901234567890}`, // not representable: Infinity, -0, rounded
		`{"dup": 1, "dup": 2}`,
		`{"__proto__": {"x": 1}}`,
		`{"JSON": 1}`,                          // reserved: a built-in
		`{"Object": 1}`,                        // reserved: the prelude uses it
		`{"Lit": 1}`,                           // reserved
		`{"LitAuth": {"authSigAddress": "x"}}`, // reserved: Lit.Auth's alias
		`{"undefined": 1}`,
		`{"s": "\ud800"}`, // lone surrogate
		`[1]`,
		`null`,
		`"str"`,
		`{"a":`,
		`{"deep": ` + strings.Repeat("[", 64) + strings.Repeat("]", 64) + `}`,
		"{\"bad\": \"\xff\xfe\"}", // invalid UTF-8
	}
}

func FuzzJSParams(f *testing.F) {
	for _, s := range fuzzJSParamsSeeds() {
		f.Add(s)
	}
	env := func(params string) sandbox.Env {
		return sandbox.Env{
			Code: fuzzAction, JSParams: params, Seed: [32]byte{7}, Now: time.Unix(1_700_000_000, 0).UTC(),
			Limits: sandbox.Limits{Timeout: fuzzTimeout},
		}
	}
	f.Fuzz(func(t *testing.T, params string) {
		run := func() sandbox.Result {
			start := time.Now()
			res := sandbox.Run(context.Background(), env(params))
			// Run returns within the timeout plus its one-second grace for a
			// native call that ignores the interrupt (plus scheduling slack).
			if d := time.Since(start); d > fuzzTimeout+time.Second+2*time.Second {
				t.Fatalf("Run took %v with a %v timeout", d, fuzzTimeout)
			}
			if len(res.Logs) != 0 || len(res.SignRequests) != 0 || len(res.Fetches) != 0 {
				t.Fatalf("the action neither logs, signs nor fetches, yet %+v", res)
			}
			if res.Error == "" {
				// A response: the action's JSON.stringify of a parsed object.
				var obj map[string]json.RawMessage
				if err := json.Unmarshal([]byte(res.Response), &obj); err != nil || !strings.HasPrefix(res.Response, "{") {
					t.Fatalf("response %q is not a JSON object: %v", res.Response, err)
				}
				// With the same top-level keys as the params, when Go can
				// read them as an object too.
				var in map[string]json.RawMessage
				if json.Unmarshal([]byte(params), &in) == nil && in != nil {
					for k := range in {
						if sandbox.IsReservedGlobal(k) {
							t.Fatalf("params key %q is reserved, yet the run succeeded", k)
						}
						if _, ok := obj[k]; !ok {
							t.Fatalf("params key %q missing from response %q", k, res.Response)
						}
					}
					if len(obj) != len(in) {
						t.Fatalf("params %q: %d keys, response %q: %d", params, len(in), res.Response, len(obj))
					}
				}
				if strings.TrimSpace(params) == "" && res.Response != "{}" {
					t.Fatalf("empty params, response %q", res.Response)
				}
				if len(res.Response) > sandbox.DefaultLimits().MaxResponseBytes {
					t.Fatalf("response of %d bytes over the limit", len(res.Response))
				}
			} else {
				if _, ok := fuzzCode(res.Error, fuzzCodes); !ok {
					t.Fatalf("error %q has no expected code prefix", res.Error)
				}
				if res.Response != "" {
					t.Fatalf("error %q with a response %q", res.Error, res.Response)
				}
			}
			return res
		}
		r1, r2 := run(), run()
		// Deterministic: every validator must reach the same result, unless a
		// run hit a machine-dependent limit.
		_, res1 := fuzzCode(r1.Error, fuzzResourceCodes)
		_, res2 := fuzzCode(r2.Error, fuzzResourceCodes)
		if !res1 && !res2 && r1.Digest() != r2.Digest() {
			t.Fatalf("two runs differ:\n%+v\n%+v", r1, r2)
		}
	})
}
