//go:build !litd_faults

package faults

// built: a release build ignores LITD_FAULTS.
const built = false
