package types

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// cidVectors mirrors testdata/cid_vectors.json, produced by
// testdata/gen_vectors.mjs with the npm package ipfs-only-hash@4.0.0 (see the
// header of that script for how to regenerate it).
type cidVectors struct {
	Reference  string            `json:"reference"`
	Generators map[string]string `json:"generators"`
	Vectors    []struct {
		Name      string `json:"name"`
		Generator string `json:"generator"`
		Text      string `json:"text"`
		Byte      int    `json:"byte"`
		Length    int    `json:"length"`
		CID       string `json:"cid"`
	} `json:"vectors"`
}

// cidTestInput rebuilds a vector's input with the same deterministic
// generator gen_vectors.mjs used:
//
//	text    the UTF-8 bytes of the "text" field
//	mod251  "length" bytes, byte i = (i*7) mod 251
//	repeat  "length" copies of the byte value in the "byte" field
func cidTestInput(t *testing.T, generator, text string, b, length int) []byte {
	t.Helper()
	switch generator {
	case "text":
		return []byte(text)
	case "mod251":
		data := make([]byte, length)
		for i := range data {
			data[i] = byte((i * 7) % 251)
		}
		return data
	case "repeat":
		data := make([]byte, length)
		for i := range data {
			data[i] = byte(b)
		}
		return data
	default:
		t.Fatalf("unknown generator %q", generator)
		return nil
	}
}

func TestCIDMatchesIPFSVectors(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "cid_vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var vs cidVectors
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs.Vectors) == 0 {
		t.Fatal("no vectors in testdata/cid_vectors.json")
	}
	for _, v := range vs.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			if _, ok := vs.Generators[v.Generator]; !ok {
				t.Fatalf("generator %q not documented in cid_vectors.json", v.Generator)
			}
			data := cidTestInput(t, v.Generator, v.Text, v.Byte, v.Length)
			if len(data) != v.Length {
				t.Fatalf("regenerated %d bytes, vector says %d", len(data), v.Length)
			}
			if got := CID(data); got != v.CID {
				t.Fatalf("CID(%d bytes) = %s, want %s (%s)", len(data), got, v.CID, vs.Reference)
			}
		})
	}
}

// TestCIDKnownAnswers pins a few well-known CIDs independently of the JSON
// file, so a broken or regenerated vector file cannot hide a regression.
func TestCIDKnownAnswers(t *testing.T) {
	a300k := make([]byte, 300000)
	for i := range a300k {
		a300k[i] = 'a'
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"},
		{"empty_non_nil", []byte{}, "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"},
		{"hello_world_newline", []byte("hello world\n"), "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"},
		{"a_300000", a300k, "QmYCTciJdFNMNUPCHSNS6dKMmUAqkGQ9tQQeGgbELhQQcn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := CID(tc.data); got != tc.want {
				t.Fatalf("CID = %s, want %s", got, tc.want)
			}
		})
	}
}

// TestCIDShape checks properties every CIDv0 has: 46 characters, "Qm" prefix,
// deterministic, and that the input is not modified.
func TestCIDShape(t *testing.T) {
	data := cidTestInput(t, "mod251", "", 0, 3*cidChunkSize+5)
	orig := append([]byte(nil), data...)
	c1, c2 := CID(data), CID(data)
	if c1 != c2 {
		t.Fatalf("CID not deterministic: %s vs %s", c1, c2)
	}
	if len(c1) != 46 || c1[:2] != "Qm" {
		t.Fatalf("not a CIDv0: %q", c1)
	}
	if string(orig) != string(data) {
		t.Fatal("CID modified its input")
	}
}
