package parley_test

import (
	"encoding/json"
	"testing"

	"parley"
)

// FuzzCanonicalPayload checks that canonical payloads are stable: encoding
// an export again (as encoding/json does) never changes a payload's hash.
func FuzzCanonicalPayload(f *testing.F) {
	for _, s := range []string{`{}`, `{"text":"<b>&</b>"}`, ` [1, 2 , {"a" : null}] `, `"\u2028"`, `1e3`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := parley.CanonicalPayload(b)
		if err != nil {
			return
		}
		again, err := parley.CanonicalPayload(c)
		if err != nil || string(again) != string(c) {
			t.Fatalf("not stable: %q -> %q -> %q (%v)", b, c, again, err)
		}
		out, err := json.Marshal(json.RawMessage(c))
		if err != nil || string(out) != string(c) {
			t.Fatalf("encoding/json rewrites %q as %q", c, out)
		}
	})
}

// FuzzVerify checks that no input makes Verify panic, and that whatever it
// accepts is a chain: every event links to the one before.
func FuzzVerify(f *testing.F) {
	r := testRecord(f)
	b, _ := json.Marshal(r)
	f.Add(b)
	f.Add([]byte(`{"format":"parley-record-v1","events":[{}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r parley.Record
		if json.Unmarshal(b, &r) != nil {
			return
		}
		if parley.Verify(&r) != nil {
			return
		}
		prev := ""
		for _, e := range r.Events {
			if e.PrevHash != prev || e.ComputeHash() != e.Hash {
				t.Fatalf("Verify accepted a broken chain at seq %d", e.Seq)
			}
			prev = e.Hash
		}
	})
}
