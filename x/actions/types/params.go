package types

import (
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// Fee defaults: a plain action (no fetch, no signature) costs 0.1 LIT, each attested fetch 0.02 LIT
// and each signature it requests 0.1 LIT (MsgSign's fee), so a validator's work is paid by its sender.
var (
	DefaultExecutionFee    = sdk.NewCoin("ulit", math.NewInt(100_000))
	DefaultFeePerFetch     = sdk.NewCoin("ulit", math.NewInt(20_000))
	DefaultFeePerSignature = sdk.NewCoin("ulit", math.NewInt(100_000))
)

// DefaultParams bound one execution to what a validator can run in a few
// seconds without risk to its node.
func DefaultParams() Params {
	return Params{
		MaxCodeBytes:                256 * 1024,
		MaxJsParamsBytes:            16 * 1024,
		MaxResponseBytes:            16 * 1024,
		MaxFetches:                  8,
		MaxFetchBodyBytes:           24 * 1024,
		MaxSignatures:               4,
		TimeoutMs:                   5000,
		MaxHeapBytes:                256 << 20,
		MaxCallStack:                1000,
		MaxLogBytes:                 16 * 1024,
		ExecutionTimeoutBlocks:      200,
		ExecutionFee:                DefaultExecutionFee,
		FeePerFetch:                 DefaultFeePerFetch,
		FeePerSignature:             DefaultFeePerSignature,
		MaxOpenExecutions:           64,
		MaxOpenExecutionsPerAccount: 4,
		TranscriptRetentionBlocks:   100_000,
	}
}

// MaxTimeoutBlocks bounds execution_timeout_blocks and transcript_retention_blocks (about 12
// days of 1-second blocks).
const MaxTimeoutBlocks = 1_000_000

// MaxOpenExecutions bounds max_open_executions: the EndBlocker looks at every open execution
// each block, and each is a worker run on every validator.
const MaxOpenExecutions = 1024

// MaxReportBytes is what one execution's fetch report may take in a vote extension: the actions
// half of the extension (abci MaxExtensionBytes/2) less room for the section's framing.
const MaxReportBytes = 480 << 10

// FetchOverheadBytes bounds what a transcript entry adds besides its two bodies: the URL (2 KiB,
// sandbox.MaxURLBytes), request headers (4 KiB, sandbox.MaxRequestHeaderBytes), the attested
// response headers, the error text and protobuf framing.
const FetchOverheadBytes = 10 << 10

// ResultOverheadBytes bounds what a result adds besides its response and logs: permission reads
// (sandbox.MaxReadBytes, 32 KiB), sign requests (with their personal messages, 16 KiB in all), the
// error, the runtime and framing.
const ResultOverheadBytes = 64 << 10

// maxFeeBits bounds a fee amount, so the worst-case escrow can never overflow.
const maxFeeBits = 100

// ReportBytes is the largest fetch report params allow: every fetch with a full request and response body.
func (p Params) ReportBytes() uint64 {
	return uint64(p.MaxFetches) * (2*p.MaxFetchBodyBytes + FetchOverheadBytes)
}

// MaxEscrow is what MsgExecuteAction escrows: the fee of an execution that uses every fetch and
// signature the params allow.
func (p Params) MaxEscrow() sdk.Coin {
	return p.Fee(p.MaxFetches, p.MaxSignatures)
}

// Fee is the fee of an execution with the given attested fetches and requested signatures.
func (p Params) Fee(fetches, signatures uint32) sdk.Coin {
	amt := p.ExecutionFee.Amount.
		Add(p.FeePerFetch.Amount.MulRaw(int64(fetches))).
		Add(p.FeePerSignature.Amount.MulRaw(int64(signatures)))
	return sdk.NewCoin(p.ExecutionFee.Denom, amt)
}

// Validate checks the parameters are usable and within what one block can carry.
func (p Params) Validate() error {
	switch {
	// Zero would mean "none" here but "the default" to the sandbox: every
	// limit is explicit and positive.
	case p.MaxFetches == 0 || p.MaxFetchBodyBytes == 0 || p.MaxSignatures == 0 || p.MaxLogBytes == 0:
		return errorsmod.Wrap(ErrInvalidParams, "max_fetches, max_fetch_body_bytes, max_signatures and max_log_bytes must be > 0")
	case p.MaxCodeBytes == 0 || p.MaxCodeBytes > 1<<20:
		return errorsmod.Wrap(ErrInvalidParams, "max_code_bytes must be in (0, 1 MiB]")
	case p.MaxJsParamsBytes == 0 || p.MaxJsParamsBytes > 64*1024:
		// goja's JSON handling of deeply nested input is superlinear.
		return errorsmod.Wrap(ErrInvalidParams, "max_js_params_bytes must be in (0, 64 KiB]")
	case p.MaxResponseBytes == 0 || p.MaxResponseBytes > 256*1024, p.MaxLogBytes > 256*1024:
		return errorsmod.Wrap(ErrInvalidParams, "max_response_bytes and max_log_bytes must be <= 256 KiB")
	case p.MaxFetches > 64 || p.MaxFetchBodyBytes > 256*1024 || p.ReportBytes() > MaxReportBytes:
		return errorsmod.Wrapf(ErrInvalidParams,
			"one execution's fetches must fit in a vote extension: max_fetches × (2 × max_fetch_body_bytes + %d) = %d bytes, over %d",
			FetchOverheadBytes, p.ReportBytes(), MaxReportBytes)
	case p.MaxResponseBytes+p.MaxLogBytes+ResultOverheadBytes > MaxReportBytes:
		return errorsmod.Wrapf(ErrInvalidParams, "a result must fit in a vote extension: max_response_bytes + max_log_bytes + %d must be <= %d",
			ResultOverheadBytes, MaxReportBytes)
	case p.MaxSignatures > 16:
		return errorsmod.Wrap(ErrInvalidParams, "max_signatures must be <= 16")
	case p.TimeoutMs < 100 || p.TimeoutMs > 60_000:
		return errorsmod.Wrap(ErrInvalidParams, "timeout_ms must be in [100, 60000]")
	case p.MaxHeapBytes < 32<<20 || p.MaxHeapBytes > 4<<30 || p.MaxCallStack < 10:
		return errorsmod.Wrap(ErrInvalidParams, "max_heap_bytes must be in [32 MiB, 4 GiB] and max_call_stack >= 10")
	case p.ExecutionTimeoutBlocks < 10 || p.ExecutionTimeoutBlocks > MaxTimeoutBlocks:
		// The bound keeps height + timeout far from int64 overflow.
		return errorsmod.Wrapf(ErrInvalidParams, "execution_timeout_blocks must be in [10, %d]", MaxTimeoutBlocks)
	case p.TranscriptRetentionBlocks == 0 || p.TranscriptRetentionBlocks > MaxTimeoutBlocks:
		return errorsmod.Wrapf(ErrInvalidParams, "transcript_retention_blocks must be in [1, %d]", MaxTimeoutBlocks)
	case p.MaxOpenExecutions == 0 || p.MaxOpenExecutions > MaxOpenExecutions ||
		p.MaxOpenExecutionsPerAccount == 0 || p.MaxOpenExecutionsPerAccount > p.MaxOpenExecutions:
		return errorsmod.Wrapf(ErrInvalidParams, "need 0 < max_open_executions_per_account <= max_open_executions <= %d", MaxOpenExecutions)
	}
	for i, c := range []sdk.Coin{p.ExecutionFee, p.FeePerFetch, p.FeePerSignature} {
		if err := c.Validate(); err != nil {
			return errorsmod.Wrapf(ErrInvalidParams, "%s: %v", []string{"execution_fee", "fee_per_fetch", "fee_per_signature"}[i], err)
		}
		if c.Amount.BigIntMut().BitLen() > maxFeeBits {
			return errorsmod.Wrapf(ErrInvalidParams, "%s: amount over 2^%d", []string{"execution_fee", "fee_per_fetch", "fee_per_signature"}[i], maxFeeBits)
		}
	}
	if p.FeePerFetch.Denom != p.ExecutionFee.Denom || p.FeePerSignature.Denom != p.ExecutionFee.Denom {
		return errorsmod.Wrap(ErrInvalidParams, "execution_fee, fee_per_fetch and fee_per_signature must share one denom")
	}
	return nil
}
