package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/driver"

	"parley"
)

// openCounting opens a store on a fresh SQLite file (the sqlite package's
// migrations, read from its directory) whose connections count every
// statement they run.
func openCounting(t *testing.T) (*DB, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	path := filepath.Join(t.TempDir(), "p.db")
	open := func(extra string) *sql.DB {
		db, err := driver.Open("file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)"+extra, func(c *sqlite3.Conn) error {
			return c.Trace(sqlite3.TRACE_STMT, func(sqlite3.TraceEvent, any, any) error {
				n.Add(1)
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	write, read := open("&_txlock=immediate"), open("")
	write.SetMaxOpenConns(1)
	d := Dialect{Name: "sqlite", IsUnique: func(err error) bool {
		var e *sqlite3.Error
		return errors.As(err, &e) && (e.ExtendedCode() == sqlite3.CONSTRAINT_UNIQUE || e.ExtendedCode() == sqlite3.CONSTRAINT_PRIMARYKEY)
	}}
	if err := Migrate(t.Context(), write, os.DirFS("../sqlite/migrations"), d); err != nil {
		t.Fatal(err)
	}
	db := New(write, read, d, Config{Secret: []byte("queries-test-secret-0123456789")})
	t.Cleanup(db.Close)
	return db, &n
}

// twoHeadsTalk makes parties US and RU, a head of each, and a talk of both,
// accepted; it returns each head's context and the talk.
func twoHeadsTalk(t *testing.T, db *DB) (asUS, asRU context.Context, talk *parley.Talk) {
	t.Helper()
	ctx := t.Context()
	for _, p := range []string{"US", "RU"} {
		if err := db.CreateParty(ctx, &parley.Party{Name: p}); err != nil {
			t.Fatal(err)
		}
	}
	us := &parley.User{Name: "us", PartyID: 1, Role: parley.RoleHead}
	ru := &parley.User{Name: "ru", PartyID: 2, Role: parley.RoleHead}
	for _, u := range []*parley.User{us, ru} {
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	asUS, asRU = parley.NewContextWithUser(ctx, us), parley.NewContextWithUser(ctx, ru)
	talk = &parley.Talk{Title: "Talk", Parties: []parley.TalkParty{{PartyID: 1, Standing: parley.StandingMember}, {PartyID: 2, Standing: parley.StandingMember}}}
	if err := db.CreateTalk(asUS, talk); err != nil {
		t.Fatal(err)
	}
	if err := db.AcceptInvitation(asRU, talk.ID); err != nil {
		t.Fatal(err)
	}
	return asUS, asRU, talk
}

// TestListsQueryOncePerList checks that reading a talk's rounds and its
// statements takes as many statements with 30 of them as with one.
func TestListsQueryOncePerList(t *testing.T) {
	db, n := openCounting(t)
	asUS, asRU, talk := twoHeadsTalk(t, db)
	add := func(k int) {
		start := time.Date(2026, 1, 1+k, 9, 0, 0, 0, time.UTC)
		r := &parley.Round{TalkID: talk.ID, Title: fmt.Sprintf("Round %d", k), StartsAt: start, EndsAt: start.Add(time.Hour),
			Delegations: []int64{1, 2}, Agenda: []*parley.AgendaItem{{Title: "One"}, {Title: "Two"}}}
		if err := db.CreateRound(asUS, r); err != nil {
			t.Fatal(err)
		}
		s := &parley.Statement{TalkID: talk.ID, Title: fmt.Sprintf("Statement %d", k)}
		if err := db.CreateStatement(asRU, s, "We met."); err != nil {
			t.Fatal(err)
		}
		if _, err := db.MarkStatement(asUS, s.ID, 1, parley.MarkCanAccept); err != nil {
			t.Fatal(err)
		}
	}
	count := func(read func() (int, error)) int64 {
		t.Helper()
		before := n.Load()
		got, err := read()
		if err != nil {
			t.Fatal(err)
		}
		if got == 0 {
			t.Fatal("read nothing")
		}
		return n.Load() - before
	}
	rounds := func() (int, error) { rs, err := db.FindRounds(asUS, talk.ID); return len(rs), err }
	statements := func() (int, error) { ss, err := db.FindStatements(asUS, talk.ID); return len(ss), err }
	add(0)
	count(rounds) // the first reads open connections, which run pragmas
	count(statements)
	oneRound, oneStatement := count(rounds), count(statements)
	for k := 1; k < 30; k++ {
		add(k)
	}
	if got := count(rounds); got != oneRound {
		t.Errorf("FindRounds ran %d statements for 30 rounds, %d for one", got, oneRound)
	}
	if got := count(statements); got != oneStatement {
		t.Errorf("FindStatements ran %d statements for 30 statements, %d for one", got, oneStatement)
	}
}

// TestRemindersQueryOncePerRun checks that a run of reminders reads as many
// statements with 30 due irritants as with one, and that a run after every
// one was reminded touches none of them (no transaction per item).
func TestRemindersQueryOncePerRun(t *testing.T) {
	db, n := openCounting(t)
	ctx := t.Context()
	asUS, _, talk := twoHeadsTalk(t, db)
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	raise := func(k int) {
		i := &parley.Irritant{TalkID: talk.ID, Title: fmt.Sprintf("Irritant %d", k), Toward: []int64{2}, Due: "2026-03-02"}
		if err := db.RaiseIrritant(asUS, i); err != nil {
			t.Fatal(err)
		}
	}
	// reads counts the statements a run runs outside the transaction that
	// sends one item's reminders (begin, check, insert, two per user, commit).
	run := func(items int) int64 {
		t.Helper()
		before := n.Load()
		sent, err := db.SendReminders(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		if sent != 2*items {
			t.Fatalf("%d reminders sent; want %d (one per head, per item)", sent, 2*items)
		}
		return n.Load() - before
	}
	run(0) // the first reads open connections, which run pragmas
	empty := run(0)
	raise(0)
	one := run(1) - empty
	for k := 1; k <= 30; k++ {
		raise(k)
	}
	if thirty := run(30) - empty; thirty != 30*one {
		t.Errorf("reminders of 30 items ran %d statements beyond a run with nothing due, %d for one item: want 30 × %d (each item's own transaction, nothing read per item)", thirty, one, one)
	}
	if again := run(0); again != empty {
		t.Errorf("a run after every item was reminded ran %d statements, a run with nothing due %d", again, empty)
	}
}
