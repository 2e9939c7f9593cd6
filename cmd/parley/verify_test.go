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

// exportRecord makes a real record through the SQLite store: a talk between
// two parties with keys, statements from both, one private note.
func exportRecord(t *testing.T) []byte {
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
	for i, text := range []string{"embassy staffing", "seized property", "direct flights"} {
		_, err := db.AppendEvent(parley.NewContextWithUser(ctx, heads[i%2]), talk.ID,
			parley.EventInput{Type: "statement", Payload: json.RawMessage(`{"text":"` + text + `"}`)})
		must(t, err)
	}
	_, err := db.AppendEvent(parley.NewContextWithUser(ctx, heads[0]), talk.ID,
		parley.EventInput{Type: "note", PrivateTo: heads[0].PartyID, Payload: json.RawMessage(`{"reservation":0.3}`)})
	must(t, err)
	r, err := db.Record(parley.NewContextWithUser(ctx, heads[1]), talk.ID)
	must(t, err)
	b, err := json.MarshalIndent(r, "", "  ")
	must(t, err)
	return b
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func TestVerifyCommand(t *testing.T) {
	good := exportRecord(t)
	tests := []struct {
		name   string
		tamper func(t *testing.T, b []byte) []byte
		want   string // in the output; "" for OK
	}{
		{"intact", func(t *testing.T, b []byte) []byte { return b }, ""},
		{"one byte of a statement", func(t *testing.T, b []byte) []byte {
			return replaceOnce(t, b, "seized property", "seized propertz")
		}, "BROKEN at event seq 4 "},
		{"one signature", func(t *testing.T, b []byte) []byte {
			var r parley.Record
			must(t, json.Unmarshal(b, &r))
			r.Events[2].Signature[10] ^= 0x40
			out, err := json.Marshal(&r)
			must(t, err)
			return out
		}, "BROKEN at event seq 3 (position 3): signature of party"},
		{"order of two events", func(t *testing.T, b []byte) []byte {
			var r parley.Record
			must(t, json.Unmarshal(b, &r))
			r.Events[3], r.Events[4] = r.Events[4], r.Events[3]
			out, err := json.Marshal(&r)
			must(t, err)
			return out
		}, "BROKEN at event seq 5 (position 4)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "record.json")
			must(t, os.WriteFile(path, tt.tamper(t, bytes.Clone(good)), 0o644))
			var out, errOut bytes.Buffer
			err := run(context.Background(), []string{"verify", path}, func(string) string { return "" }, nil, &out, &errOut)
			if tt.want == "" {
				if err != nil || !strings.Contains(out.String(), "OK: talk") || !strings.Contains(out.String(), "1 private payloads withheld") {
					t.Fatalf("verify = %v, output %q; want OK with the private note withheld", err, out.String())
				}
				return
			}
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != 1 {
				t.Fatalf("verify = %v, want exit status 1", err)
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Fatalf("output %q does not contain %q", out.String(), tt.want)
			}
		})
	}
}

func replaceOnce(t *testing.T, b []byte, old, new string) []byte {
	t.Helper()
	if bytes.Count(b, []byte(old)) != 1 {
		t.Fatalf("%q occurs %d times", old, bytes.Count(b, []byte(old)))
	}
	return bytes.Replace(b, []byte(old), []byte(new), 1)
}
