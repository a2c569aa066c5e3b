package types

// ParamsOr is the params e was requested under, or fallback for an execution recorded without them
// (imported from a genesis that predates the snapshot).
func (e Execution) ParamsOr(fallback Params) Params {
	if e.Params != nil {
		return *e.Params
	}
	return fallback
}
