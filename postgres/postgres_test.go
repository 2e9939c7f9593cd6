package postgres_test

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"

	"parley"
	"parley/postgres"
	"parley/postgres/postgrestest"
	"parley/storetest"
)

var cluster *postgrestest.Cluster

func TestMain(m *testing.M) {
	cluster = postgrestest.Start()
	code := m.Run()
	cluster.Stop()
	os.Exit(code)
}

func open(t *testing.T) *postgres.DB {
	db := postgres.NewDB(cluster.NewDatabase(t))
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

// TestNotifyReachesOtherNodes checks that an event appended through one node
// is announced on another node sharing the database.
func TestNotifyReachesOtherNodes(t *testing.T) {
	a := open(t)
	got := make(chan parley.EventRef, 10)
	b := postgres.NewDB(a.URL)
	b.OnEvent = func(r parley.EventRef) { got <- r }
	if err := b.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	lctx, cancel := context.WithCancel(t.Context())
	defer cancel() // before Close, which waits for the listening connection
	ready := make(chan struct{})
	go b.Listen(lctx, ready)
	<-ready
	ctx := t.Context()
	admin := &parley.User{Name: "admin", Admin: true}
	if err := a.CreateUser(ctx, admin); err != nil {
		t.Fatal(err)
	}
	p := &parley.Party{Name: "Norway"}
	if err := a.CreateParty(ctx, p); err != nil {
		t.Fatal(err)
	}
	talk := &parley.Talk{Title: "t", Parties: []parley.TalkParty{{PartyID: p.ID, Standing: parley.StandingMember}}}
	if err := a.CreateTalk(parley.NewContextWithUser(ctx, admin), talk); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-got:
		if r != (parley.EventRef{TalkID: talk.ID, Seq: 1}) {
			t.Fatalf("got %+v, want talk %d seq 1", r, talk.ID)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no notification on the other node")
	}
}

// TestResubscribeWakesReaders: when the listening connection is lost, events
// committed before LISTEN is back are never announced, so Listen tells its
// owner once it listens again (the server then wakes every live stream).
func TestResubscribeWakesReaders(t *testing.T) {
	a := open(t)
	resubscribed := make(chan struct{}, 1)
	b := postgres.NewDB(a.URL)
	b.OnResubscribe = func() { resubscribed <- struct{}{} }
	if err := b.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	lctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ready := make(chan struct{})
	go b.Listen(lctx, ready)
	<-ready
	select {
	case <-resubscribed:
		t.Fatal("OnResubscribe called on the first LISTEN")
	default:
	}
	admin, err := sql.Open("pgx", a.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var n int
	if err := admin.QueryRowContext(t.Context(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("terminate the listening backend: %d, %v", n, err)
	}
	<-resubscribed // the test times out if it never comes
}
