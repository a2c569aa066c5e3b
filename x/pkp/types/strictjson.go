package types

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// strictMember is a member of a JSON object that decodeStrictObject reads.
type strictMember struct {
	Name string
	// Into receives the value (json.Unmarshal); a *json.RawMessage keeps it
	// as it is.
	Into any
	// Refuse, if set, refuses an object that has the member, with this reason.
	Refuse string
}

// decodeStrictObject decodes one JSON object whose members named in members
// appear at most once each and spelled exactly so; other members are
// ignored. encoding/json alone matches names case-insensitively (with
// Unicode folding) and keeps the last duplicate, so the same bytes could
// name another user, origin or expiry to another verifier (a Lit node, an
// indexer) than to the chain.
func decodeStrictObject(bz []byte, members []strictMember) error {
	notObject := func(err error) error { return fmt.Errorf("not a JSON object: %v", err) }
	dec := json.NewDecoder(bytes.NewReader(bz))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return notObject(err)
	}
	var seen []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return notObject(err)
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return notObject(err)
		}
		i := slices.IndexFunc(members, func(m strictMember) bool { return strings.EqualFold(m.Name, key) })
		switch {
		case i < 0:
			continue
		case key != members[i].Name:
			return fmt.Errorf("member %q: the name is %q", key, members[i].Name)
		case slices.Contains(seen, key):
			return fmt.Errorf("member %q appears twice", key)
		case members[i].Refuse != "":
			return fmt.Errorf("%s", members[i].Refuse)
		}
		seen = append(seen, key)
		if err := json.Unmarshal(raw, members[i].Into); err != nil {
			return fmt.Errorf("member %q has the wrong type: %v", key, err)
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return notObject(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the JSON object")
	}
	return nil
}
