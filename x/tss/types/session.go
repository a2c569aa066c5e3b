package types

// NewParties makes the parties of a new session, in the given order.
func NewParties(validators []string) []Party {
	out := make([]Party, 0, len(validators))
	for _, v := range validators {
		out = append(out, Party{Validator: v})
	}
	return out
}

// PartyValidators are the operator addresses of s's parties, in order.
func (s Session) PartyValidators() []string {
	out := make([]string, 0, len(s.Parties))
	for _, p := range s.Parties {
		out = append(out, p.Validator)
	}
	return out
}
