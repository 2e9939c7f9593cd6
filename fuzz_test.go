package parley_test

import (
	"encoding/json"
	"testing"

	"parley"
)

// FuzzCanonicalPayload checks that canonical payloads are stable and that
// however encoding/json re-writes one (escaping <, > and &, as Go's exports
// do) it canonicalises back to the same bytes.
func FuzzCanonicalPayload(f *testing.F) {
	for _, s := range []string{`{}`, `{"text":"<b>&</b>"}`, ` [1, 2 , {"a" : null}] `, `"\u2028"`, `1e3`, `{"b":1.50,"a":"\u00e9"}`} {
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
		out, err := json.MarshalIndent(json.RawMessage(c), "", "\t")
		if err != nil {
			t.Fatalf("encoding/json cannot write %q: %v", c, err)
		}
		if back, err := parley.CanonicalPayload(out); err != nil || string(back) != string(c) {
			t.Fatalf("encoding/json rewrites %q as %q, which canonicalises to %q (%v)", c, out, back, err)
		}
	})
}

// FuzzVerify checks that no input makes verify panic, and that whatever it
// accepts against the pinned keys is a chain: every event links to the one
// before and hashes as it says.
func FuzzVerify(f *testing.F) {
	c := newChain(f)
	pins := c.pins()
	cp := c.checkpoint(f, 3)
	f.Add(c.export(f))
	f.Add([]byte(`{"format":"parley-record-v1","events":[{}]}`))
	f.Add([]byte(`{"format":"parley-record-v1","events":[null]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r parley.Record
		if json.Unmarshal(b, &r) != nil {
			return
		}
		parley.Verify(&r)
		parley.VerifyRecord(&r, parley.VerifyOptions{AllowUnsigned: true})
		if _, err := parley.VerifyRecord(&r, parley.VerifyOptions{Keys: pins, Checkpoints: []*parley.Checkpoint{cp}}); err != nil {
			return
		}
		prev := ""
		for _, e := range r.Events {
			if e.PrevHash != prev || e.ComputeHash() != e.Hash {
				t.Fatalf("verify accepted a broken chain at seq %d", e.Seq)
			}
			prev = e.Hash
		}
		if len(r.Events) < 3 || r.Events[2].Hash != cp.Head {
			t.Fatal("verify accepted an export that does not extend the checkpoint")
		}
	})
}

// FuzzVerifyPrivate checks that no private record makes verify panic.
func FuzzVerifyPrivate(f *testing.F) {
	c := newChain(f)
	r, cp := privateChain(f, c, 3, 2)
	r.Checkpoints = append(r.Checkpoints, cp)
	b, _ := json.Marshal(r)
	f.Add(b)
	f.Add([]byte(`{"format":"parley-private-record-v1","party_id":1,"events":[null],"checkpoints":[null,{}]}`))
	pins := c.pins()
	f.Fuzz(func(t *testing.T, b []byte) {
		var r parley.PrivateRecord
		if json.Unmarshal(b, &r) != nil {
			return
		}
		parley.VerifyPrivate(&r, parley.VerifyOptions{})
		parley.VerifyPrivate(&r, parley.VerifyOptions{Keys: pins, AllowUnsigned: true})
	})
}

// FuzzCheckpoint checks that no checkpoint file makes verify panic.
func FuzzCheckpoint(f *testing.F) {
	c := newChain(f)
	b, _ := json.Marshal(c.checkpoint(f, 2))
	f.Add(b)
	r := parse(f, c.export(f))
	pins := c.pins()
	f.Fuzz(func(t *testing.T, b []byte) {
		var cp parley.Checkpoint
		if json.Unmarshal(b, &cp) != nil {
			return
		}
		parley.VerifyRecord(r, parley.VerifyOptions{Keys: pins, Checkpoints: []*parley.Checkpoint{&cp}})
	})
}
