// Package types holds the x/pkp state types, messages, errors and the pure
// helpers (token ids, addresses, CIDs) that clients and the keeper share.
package types
