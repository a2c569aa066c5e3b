// Package types holds the x/tss state types, errors and the key derivation
// that turns the network root key into per-PKP keys.
package types
