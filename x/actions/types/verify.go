package types

// AllChecks is what Verified means: the signature recovers to the PKP's address, an execution of
// the action requested it, the stored code hashes to the CID, the PKP is Mint/Grant/Burn'd to that
// action alone, and a replay reproduced the recorded result.
func (r *QueryVerifyResponse) AllChecks() bool {
	return r.SignatureValid && r.ActionMade && r.CidMatchesCode && r.MintGrantBurn && r.OnlyAction && r.Replay.Match
}
