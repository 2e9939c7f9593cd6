package sqlite_test

import (
	"bytes"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"parley"
	"parley/sqlite"
	"parley/sqlstore"
	"parley/storetest"
)

// TestVersion1DatabaseKeepsVerifying writes a database as parley wrote it
// before docs/record.md's version 2 (migrations up to 105, events hashed as
// parley.event.v1, a private note in the shared chain), opens it with
// today's code, and checks that its record still verifies against the
// published keys, alone and continued by new events, and against a
// checkpoint.
func TestVersion1DatabaseKeepsVerifying(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite3", "file:"+path+"?_pragma=foreign_keys(1)")
	must(t, err)
	old := fstest.MapFS{}
	names, err := fs.Glob(os.DirFS("migrations"), "*.sql")
	must(t, err)
	for _, n := range names {
		if n < "106" {
			b, err := os.ReadFile(filepath.Join("migrations", n))
			must(t, err)
			old[n] = &fstest.MapFile{Data: b}
		}
	}
	must(t, sqlstore.Migrate(ctx, raw, old, sqlite.Dialect))

	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := raw.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	keys := map[int64]*parley.PartyKey{}
	for _, p := range []int64{1, 2} {
		exec(`INSERT INTO parties (id, name, kind, created_at) VALUES ($1, $2, 'state', $3)`, p, map[int64]string{1: "US", 2: "RU"}[p], now.UnixMicro())
		k, err := parley.GeneratePartyKey(p, storetest.Secret, now)
		must(t, err)
		keys[p] = k
		exec(`INSERT INTO party_keys (party_id, public_key, sealed_private, created_at) VALUES ($1, $2, $3, $4)`, p, []byte(k.Public), k.SealedPrivate, now.UnixMicro())
		exec(`INSERT INTO users (id, name, display_name, party_id, role, created_at) VALUES ($1, $2, $2, $1, 'head', $3)`, p, map[int64]string{1: "us-head", 2: "ru-head"}[p], now.UnixMicro())
	}
	exec(`INSERT INTO talks (id, title, created_by, created_at) VALUES (1, 'Old talk', 1, $1)`, now.UnixMicro())
	exec(`INSERT INTO talk_parties (talk_id, party_id, standing, accepted) VALUES (1, 1, 'member', 1), (1, 2, 'member', 1)`)
	prev := ""
	for i, ev := range []struct {
		party, private int64
		typ, payload   string
	}{
		{1, 0, "talk.created", `{"title":"Old talk","note":"<first> & «only»"}`},
		{1, 1, "note", `{"reservation":0.35}`},
		{2, 0, "statement", `{"text":"agreed in principle"}`},
	} {
		var c, esc bytes.Buffer
		must(t, json.Compact(&c, []byte(ev.payload)))
		json.HTMLEscape(&esc, c.Bytes())
		e := &parley.Event{TalkID: 1, Seq: int64(i + 1), Time: now.Add(time.Duration(i) * time.Minute), ActorID: ev.party, PartyID: ev.party,
			Type: ev.typ, PrivateTo: ev.private, Payload: esc.Bytes(), PayloadHash: parley.PayloadHash(esc.Bytes()), PrevHash: prev}
		e.Hash = e.ComputeHash() // version 1: V is 0
		msg, _ := hex.DecodeString(e.Hash)
		sig, err := keys[ev.party].Sign(storetest.Secret, msg)
		must(t, err)
		exec(`INSERT INTO events (talk_id, seq, time, actor_id, party_id, type, private_to, payload, payload_hash, prev_hash, hash, signature)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			e.TalkID, e.Seq, e.Time.UnixMicro(), e.ActorID, e.PartyID, e.Type, e.PrivateTo, e.Payload, e.PayloadHash, e.PrevHash, e.Hash, sig)
		prev = e.Hash
	}
	exec(`UPDATE talks SET last_seq = 3, last_hash = $1 WHERE id = 1`, prev)
	must(t, raw.Close())

	db := sqlite.NewDB(path)
	db.Secret = storetest.Secret
	must(t, db.Open(ctx))
	defer db.Close()
	must(t, db.EnsureServerKey(ctx)) // as serve does at start
	ru, err := db.FindUserByID(ctx, 2)
	must(t, err)
	as := parley.NewContextWithUser(ctx, ru)
	pins, err := db.ListKeys(ctx)
	must(t, err)
	check := func(name string, cps ...*parley.Checkpoint) {
		t.Helper()
		r, err := db.Record(as, 1)
		must(t, err)
		b, err := json.MarshalIndent(r, "", "  ")
		must(t, err)
		var got parley.Record
		must(t, json.Unmarshal(b, &got))
		rep, err := parley.VerifyRecord(&got, parley.VerifyOptions{Keys: pins, Checkpoints: cps})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if rep.Withheld != 1 {
			t.Errorf("%s: %d payloads withheld, want the old private note's", name, rep.Withheld)
		}
		// An export re-written with ASCII escapes keeps verifying too.
		esc := strings.ReplaceAll(string(b), "«", `\u00ab`)
		var escaped parley.Record
		must(t, json.Unmarshal([]byte(esc), &escaped))
		if _, err := parley.VerifyRecord(&escaped, parley.VerifyOptions{Keys: pins, Checkpoints: cps}); err != nil {
			t.Errorf("%s, ASCII-escaped: %v", name, err)
		}
	}
	check("version 1 record")
	// Listings and streams show another party nothing of the old private
	// note; the export keeps its hash for the chain.
	es, err := db.ListEvents(as, 1, 0, 100)
	must(t, err)
	if len(es) != 2 || es[0].Seq != 1 || es[1].Seq != 3 {
		t.Errorf("RU lists %d events; want 1 and 3, without US's old private note", len(es))
	}
	us, err := db.FindUserByID(ctx, 1)
	must(t, err)
	if es, err := db.ListEvents(parley.NewContextWithUser(ctx, us), 1, 0, 100); err != nil || len(es) != 3 || es[1].Payload == nil {
		t.Errorf("US lists %d events (%v); want 3 with its own note readable", len(es), err)
	}
	_, err = db.AppendEvent(as, 1, parley.EventInput{Type: "statement", Payload: json.RawMessage(`{"text":"continued in version 2"}`)})
	must(t, err)
	cp, err := db.Checkpoint(as, 1)
	must(t, err)
	check("version 1 record continued by version 2", cp)
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}
