//go:build !linux

package worker

import "errors"

// limitSelf: the worker's OS limits are implemented for Linux, where validators run.
func limitSelf(_, _ uint64) error {
	return errors.New("the Lit Actions worker needs Linux (setrlimit RLIMIT_DATA)")
}
