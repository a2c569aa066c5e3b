//go:build litd_faults

package faults

// built: this is a test build; LITD_FAULTS is honoured.
const built = true
