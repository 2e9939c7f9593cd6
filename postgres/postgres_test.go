package postgres_test

import (
	"context"
	"os"
	"testing"
	"time"

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
	if err := db.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.Secret = storetest.Secret
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t) })
}

// TestNotifyReachesOtherNodes checks that an event appended through one node
// is announced on another node sharing the database.
func TestNotifyReachesOtherNodes(t *testing.T) {
	a := open(t)
	b := postgres.NewDB(a.URL)
	if err := b.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	lctx, cancel := context.WithCancel(t.Context())
	defer cancel() // before Close, which waits for the listening connection
	got := make(chan parley.EventRef, 10)
	b.OnEvent = func(r parley.EventRef) { got <- r }
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
