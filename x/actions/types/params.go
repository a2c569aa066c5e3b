package types

import errorsmod "cosmossdk.io/errors"

// DefaultParams bound one execution to what a validator can run in a few
// seconds without risk to its node.
func DefaultParams() Params {
	return Params{
		MaxCodeBytes:           256 * 1024,
		MaxJsParamsBytes:       16 * 1024,
		MaxResponseBytes:       16 * 1024,
		MaxFetches:             8,
		MaxFetchBodyBytes:      64 * 1024,
		MaxSignatures:          4,
		TimeoutMs:              5000,
		MaxHeapBytes:           64 << 20,
		MaxCallStack:           1000,
		MaxLogBytes:            16 * 1024,
		ExecutionTimeoutBlocks: 200,
	}
}

// MaxTimeoutBlocks bounds execution_timeout_blocks (about 12 days of
// 1-second blocks).
const MaxTimeoutBlocks = 1_000_000

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
	case p.MaxFetches > 64 || p.MaxFetchBodyBytes > 256*1024 || uint64(p.MaxFetches)*p.MaxFetchBodyBytes > 1<<20:
		return errorsmod.Wrap(ErrInvalidParams, "fetches must fit in a 1 MiB vote extension (max_fetches * max_fetch_body_bytes)")
	case p.MaxSignatures > 16:
		return errorsmod.Wrap(ErrInvalidParams, "max_signatures must be <= 16")
	case p.TimeoutMs < 100 || p.TimeoutMs > 60_000:
		return errorsmod.Wrap(ErrInvalidParams, "timeout_ms must be in [100, 60000]")
	case p.MaxHeapBytes < 1<<20 || p.MaxCallStack < 10:
		return errorsmod.Wrap(ErrInvalidParams, "max_heap_bytes >= 1 MiB and max_call_stack >= 10")
	case p.ExecutionTimeoutBlocks < 10 || p.ExecutionTimeoutBlocks > MaxTimeoutBlocks:
		// The bound keeps height + timeout far from int64 overflow.
		return errorsmod.Wrapf(ErrInvalidParams, "execution_timeout_blocks must be in [10, %d]", MaxTimeoutBlocks)
	}
	return nil
}
