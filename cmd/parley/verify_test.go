package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parley"
	"parley/sqlite"
)

// exports are the files a party keeps: a record, the published keys, a
// checkpoint, and its own private record.
type exports struct {
	record, keys, checkpoint, private []byte
	// later is a checkpoint after one more event, with its consistency
	// proof from checkpoint.
	later []byte
}

// exportRecord makes a real record through the SQLite store: a talk between
// two parties with keys, statements from both, one private note.
func exportRecord(t *testing.T) exports {
	t.Helper()
	ctx := t.Context()
	secret := []byte("verify-test-secret-0123456789")
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "p.db"))
	db.Secret = secret
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var heads []*parley.User
	var parties []parley.TalkParty
	for _, n := range []string{"US", "RU"} {
		p := &parley.Party{Name: n}
		must(t, db.CreateParty(ctx, p))
		k, err := parley.GeneratePartyKey(p.ID, secret, db.Now())
		must(t, err)
		must(t, db.SetPartyKey(ctx, k))
		u := &parley.User{Name: n + "-head", PartyID: p.ID, Role: parley.RoleHead}
		must(t, db.CreateUser(ctx, u))
		heads = append(heads, u)
		parties = append(parties, parley.TalkParty{PartyID: p.ID, Standing: parley.StandingMember})
	}
	talk := &parley.Talk{Title: "Irritants", Parties: parties}
	must(t, db.CreateTalk(parley.NewContextWithUser(ctx, heads[0]), talk))
	must(t, db.AcceptInvitation(parley.NewContextWithUser(ctx, heads[1]), talk.ID))
	for i, text := range []string{"embassy staffing", "seized property", "direct flights — «vols directs»"} {
		_, err := db.AppendEvent(parley.NewContextWithUser(ctx, heads[i%2]), talk.ID,
			parley.EventInput{Type: "statement", Payload: json.RawMessage(`{"text":"` + text + `"}`)})
		must(t, err)
	}
	us := parley.NewContextWithUser(ctx, heads[0])
	_, err := db.AppendEvent(us, talk.ID, parley.EventInput{Type: "note", PrivateTo: heads[0].PartyID, Payload: json.RawMessage(`{"reservation":0.3}`)})
	must(t, err)
	cp, err := db.Checkpoint(us, talk.ID)
	must(t, err)
	r, err := db.Record(parley.NewContextWithUser(ctx, heads[1]), talk.ID)
	must(t, err)
	pr, err := db.PrivateRecord(us, talk.ID)
	must(t, err)
	keys, err := db.ListKeys(ctx)
	must(t, err)
	_, err = db.AppendEvent(parley.NewContextWithUser(ctx, heads[1]), talk.ID, parley.EventInput{Type: "statement", Payload: json.RawMessage(`{"text":"later"}`)})
	must(t, err)
	later, err := db.Checkpoint(us, talk.ID)
	must(t, err)
	p, err := db.ConsistencyProof(us, talk.ID, cp.Size, later.Size)
	must(t, err)
	later.Consistency = &parley.Consistency{From: cp.Size, Proof: p}
	var x exports
	for _, f := range []struct {
		dst *[]byte
		v   any
	}{{&x.record, r}, {&x.keys, keys}, {&x.checkpoint, cp}, {&x.private, pr}, {&x.later, later}} {
		*f.dst, err = json.MarshalIndent(f.v, "", "  ")
		must(t, err)
	}
	return x
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func TestVerifyCommand(t *testing.T) {
	x := exportRecord(t)
	good := x.record
	dir := t.TempDir()
	keys, cp := filepath.Join(dir, "keys.json"), filepath.Join(dir, "checkpoint.json")
	must(t, os.WriteFile(keys, x.keys, 0o644))
	must(t, os.WriteFile(cp, x.checkpoint, 0o644))
	edit := func(t *testing.T, b []byte, fn func(r *parley.Record)) []byte {
		var r parley.Record
		must(t, json.Unmarshal(b, &r))
		fn(&r)
		out, err := json.Marshal(&r)
		must(t, err)
		return out
	}
	tests := []struct {
		name   string
		tamper func(t *testing.T, b []byte) []byte
		want   string // in the output; "" for OK
	}{
		{"intact", func(t *testing.T, b []byte) []byte { return b }, ""},
		{"re-written with ASCII escapes", func(t *testing.T, b []byte) []byte {
			return bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("«"), []byte(`\u00ab`)), []byte("—"), []byte(`\u2014`))
		}, ""},
		{"one byte of a statement", func(t *testing.T, b []byte) []byte {
			return replaceOnce(t, b, "seized property", "seized propertz")
		}, "BROKEN at event seq 4 "},
		{"one signature", func(t *testing.T, b []byte) []byte {
			return edit(t, b, func(r *parley.Record) { r.Events[2].Signature[10] ^= 0x40 })
		}, "BROKEN at event seq 3 (position 3): signature of party"},
		{"order of two events", func(t *testing.T, b []byte) []byte {
			return edit(t, b, func(r *parley.Record) { r.Events[3], r.Events[4] = r.Events[4], r.Events[3] })
		}, "BROKEN at event seq 5 (position 4)"},
		{"edited, re-chained, signatures stripped, keys marked party-held", func(t *testing.T, b []byte) []byte {
			return edit(t, b, func(r *parley.Record) {
				r.Events[3].Payload = json.RawMessage(`{"text":"the statement is adopted"}`)
				prev := r.Events[2].Hash
				for _, e := range r.Events[3:] {
					must(t, e.Seal(prev, nil))
					prev = e.Hash
				}
				for i := range r.Keys {
					r.Keys[i].ServerHeld = false
				}
			})
		}, "BROKEN at event seq 4 (position 4): signature of party"},
		{"tail truncated", func(t *testing.T, b []byte) []byte {
			return edit(t, b, func(r *parley.Record) { r.Events = r.Events[:len(r.Events)-1] })
		}, "BROKEN against checkpoint 1 (size 5"},
		{"a null event", func(t *testing.T, b []byte) []byte {
			return []byte(`{"format":"parley-record-v1","events":[null]}`)
		}, "BROKEN at event seq 1 (position 1): is null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "record.json")
			must(t, os.WriteFile(path, tt.tamper(t, bytes.Clone(good)), 0o644))
			var out, errOut bytes.Buffer
			err := run(context.Background(), []string{"verify", "--keys", keys, "--checkpoint", cp, path}, func(string) string { return "" }, nil, &out, &errOut)
			if tt.want == "" {
				if err != nil || !strings.Contains(out.String(), "OK: talk") || !strings.Contains(out.String(), "0 private payloads withheld") ||
					!strings.Contains(out.String(), "keys: pinned from") || !strings.Contains(out.String(), "extends checkpoint of 5 events") ||
					!strings.Contains(out.String(), "key used: the server: SHA-256 ") || !strings.Contains(out.String(), "key used: US (party 1)") {
					t.Fatalf("verify = %v, output %q; want OK against the pinned keys and the checkpoint", err, out.String())
				}
				return
			}
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != 1 {
				t.Fatalf("verify = %v, output %q, want exit status 1", err, out.String())
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Fatalf("output %q does not contain %q", out.String(), tt.want)
			}
		})
	}
	// Without pinned keys verify says where its trust came from.
	path := filepath.Join(dir, "record.json")
	must(t, os.WriteFile(path, good, 0o644))
	var out bytes.Buffer
	if err := run(context.Background(), []string{"verify", path}, func(string) string { return "" }, nil, &out, &out); err != nil ||
		!strings.Contains(out.String(), "keys: taken from the file itself") || !strings.Contains(out.String(), "no --checkpoint given") {
		t.Errorf("verify without pins = %v, %q", err, out.String())
	}
}

// TestVerifyCheckpointCommand: a party holding a checkpoint checks that a
// later one extends it, by its consistency proof, without the record.
func TestVerifyCheckpointCommand(t *testing.T) {
	x := exportRecord(t)
	dir := t.TempDir()
	keys, cp, later := filepath.Join(dir, "keys.json"), filepath.Join(dir, "cp.json"), filepath.Join(dir, "later.json")
	must(t, os.WriteFile(keys, x.keys, 0o644))
	must(t, os.WriteFile(cp, x.checkpoint, 0o644))
	must(t, os.WriteFile(later, x.later, 0o644))
	var out bytes.Buffer
	err := run(context.Background(), []string{"verify", "--keys", keys, "--checkpoint", cp, later}, func(string) string { return "" }, nil, &out, &out)
	if err != nil || !strings.Contains(out.String(), "OK: checkpoint of talk 1, 6 events") {
		t.Fatalf("verify = %v, %q", err, out.String())
	}
	var l parley.Checkpoint
	must(t, json.Unmarshal(x.later, &l))
	l.Consistency.Proof[0] = strings.Repeat("0", 64)
	b, err := json.Marshal(&l)
	must(t, err)
	must(t, os.WriteFile(later, b, 0o644))
	out.Reset()
	err = run(context.Background(), []string{"verify", "--keys", keys, "--checkpoint", cp, later}, func(string) string { return "" }, nil, &out, &out)
	var ee *exitError
	if !errors.As(err, &ee) || !strings.Contains(out.String(), "does not extend") {
		t.Fatalf("a bad proof: %v, %q", err, out.String())
	}
}

func TestVerifyPrivateRecordCommand(t *testing.T) {
	x := exportRecord(t)
	dir := t.TempDir()
	keys, cp, priv := filepath.Join(dir, "keys.json"), filepath.Join(dir, "checkpoint.json"), filepath.Join(dir, "private.json")
	must(t, os.WriteFile(keys, x.keys, 0o644))
	must(t, os.WriteFile(cp, x.checkpoint, 0o644))
	must(t, os.WriteFile(priv, x.private, 0o644))
	var out bytes.Buffer
	err := run(context.Background(), []string{"verify", "--keys", keys, "--checkpoint", cp, priv}, func(string) string { return "" }, nil, &out, &out)
	if err != nil || !strings.Contains(out.String(), "OK: private record of party 1") || !strings.Contains(out.String(), "2 commitments opened") {
		t.Fatalf("verify = %v, %q", err, out.String())
	}
	var r parley.PrivateRecord
	must(t, json.Unmarshal(x.private, &r))
	r.Events = nil
	b, err := json.Marshal(&r)
	must(t, err)
	must(t, os.WriteFile(priv, b, 0o644))
	out.Reset()
	err = run(context.Background(), []string{"verify", "--keys", keys, "--checkpoint", cp, priv}, func(string) string { return "" }, nil, &out, &out)
	var ee *exitError
	if !errors.As(err, &ee) || !strings.Contains(out.String(), "private chain was truncated") {
		t.Fatalf("emptied private record: %v, %q", err, out.String())
	}
}

func replaceOnce(t *testing.T, b []byte, old, new string) []byte {
	t.Helper()
	if bytes.Count(b, []byte(old)) != 1 {
		t.Fatalf("%q occurs %d times", old, bytes.Count(b, []byte(old)))
	}
	return bytes.Replace(b, []byte(old), []byte(new), 1)
}
