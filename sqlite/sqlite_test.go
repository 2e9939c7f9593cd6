package sqlite_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parley"
	"parley/sqlite"
	"parley/storetest"
)

func open(t testing.TB) *sqlite.DB {
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "parley.db"))
	db.Secret = storetest.Secret
	if err := db.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t) })
}

func TestReopenKeepsDataAndBackupCopies(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "parley.db")
	db := sqlite.NewDB(path)
	if err := db.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateParty(t.Context(), &parley.Party{Name: "EU"}); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "copy.db")
	if err := db.Backup(t.Context(), backup); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, p := range []string{path, backup} {
		db := sqlite.NewDB(p)
		if err := db.Open(t.Context()); err != nil {
			t.Fatal(err)
		}
		ps, err := db.ListParties(t.Context())
		db.Close()
		if err != nil || len(ps) != 1 || ps[0].Name != "EU" {
			t.Errorf("%s: parties %v, %v; want EU", p, ps, err)
		}
	}
	if _, err := os.Stat(path + "-wal"); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
}

// TestCloseWhileAppending: closing the store while appends are under way
// ends every one of them, committed or refused: none waits for ever for a
// group commit that will not come.
func TestCloseWhileAppending(t *testing.T) {
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "parley.db"))
	db.Secret = storetest.Secret
	ctx := t.Context()
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	p := &parley.Party{Name: "Norway"}
	if err := db.CreateParty(ctx, p); err != nil {
		t.Fatal(err)
	}
	head := &parley.User{Name: "head", PartyID: p.ID, Role: parley.RoleHead}
	if err := db.CreateUser(ctx, head); err != nil {
		t.Fatal(err)
	}
	as := parley.NewContextWithUser(ctx, head)
	talk := &parley.Talk{Title: "t", Parties: []parley.TalkParty{{PartyID: p.ID, Standing: parley.StandingMember}}}
	if err := db.CreateTalk(as, talk); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AppendEvent(as, talk.ID, parley.EventInput{Type: "statement", Payload: json.RawMessage(`{"text":"x"}`)}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var appended atomic.Int64
	for range 32 {
		wg.Go(func() {
			for {
				if _, err := db.AppendEvent(as, talk.ID, parley.EventInput{Type: "statement", Payload: json.RawMessage(`{"text":"x"}`)}); err != nil {
					return
				}
				appended.Add(1)
			}
		})
	}
	for appended.Load() < 100 {
		time.Sleep(time.Millisecond) // the test times out if appends fail before Close
	}
	db.Close()
	ended := make(chan struct{})
	go func() { wg.Wait(); close(ended) }()
	select {
	case <-ended:
	case <-time.After(time.Minute):
		t.Fatal("appends still waiting a minute after the store closed")
	}
}
