package postgres_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"parley"
	"parley/postgres"
)

// listening opens a second node on a's database that listens for
// notifications, with a clock that stands still: only a notification (or
// losing the listening connection) can clear its credential cache, never
// the cache's time limit. resubscribed receives each time it listens again.
func listening(t *testing.T, a *postgres.DB) (*postgres.DB, chan struct{}) {
	t.Helper()
	b := postgres.NewDB(a.URL)
	now := time.Now()
	b.Now = func() time.Time { return now }
	resubscribed := make(chan struct{}, 1)
	b.OnResubscribe = func() { resubscribed <- struct{}{} }
	if err := b.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	lctx, cancel := context.WithCancel(t.Context())
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() { b.Listen(lctx, ready); close(done) }()
	t.Cleanup(func() { cancel(); <-done; b.Close() })
	<-ready
	return b, resubscribed
}

// TestCredentialCacheAcrossNodes: a node keeps the credentials it read (one
// query less per request), and a token revoked, an account disabled or a
// password changed on any node stops working on every node: at once on the
// node that did it, on the others when its notification arrives.
func TestCredentialCacheAcrossNodes(t *testing.T) {
	ctx := t.Context()
	a := open(t)
	b, resubscribed := listening(t, a)
	raw, err := sql.Open("pgx", a.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()

	admin := &parley.User{Name: "admin", Admin: true}
	u := &parley.User{Name: "u", DisplayName: "U"}
	for _, x := range []*parley.User{admin, u} {
		if err := a.CreateUser(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	tok := &parley.Credential{UserID: u.ID, Kind: parley.CredentialToken, Name: "t", Hash: []byte("hash-token")}
	sess := &parley.Credential{UserID: u.ID, Kind: parley.CredentialSession, Name: "s", Hash: []byte("hash-session")}
	for _, c := range []*parley.Credential{tok, sess} {
		if err := a.CreateCredential(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	displayName := func(db *postgres.DB, hash string) string {
		t.Helper()
		_, got, err := db.FindCredentialUser(ctx, []byte(hash))
		if parley.ErrorCode(err) == parley.ENOTFOUND {
			return "refused"
		} else if err != nil {
			t.Fatal(err)
		}
		return got.DisplayName
	}
	// Changed behind parley's back (no notification): b answers from its
	// cache, which is what saves the query.
	if got := displayName(b, "hash-token"); got != "U" {
		t.Fatalf("b: %q, want U", got)
	}
	if _, err := raw.ExecContext(ctx, `UPDATE users SET display_name = 'changed' WHERE id = $1`, u.ID); err != nil {
		t.Fatal(err)
	}
	if got := displayName(b, "hash-token"); got != "U" {
		t.Fatalf("b after a change it was not told of: %q, want the cached U", got)
	}

	// Revoked on a: b refuses once the notification arrives (its clock
	// stands still, so nothing else could clear it).
	if err := a.DeleteCredential(ctx, u.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); displayName(b, "hash-token") != "refused"; time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > 30*time.Second {
			t.Fatal("b still accepts a token revoked on a: no notification cleared its cache")
		}
	}
	if got := displayName(b, "hash-session"); got != "changed" {
		t.Fatalf("b's session after the clear: %q, want changed", got)
	}

	// On the node that disables the account: refused at once, no wait.
	if got := displayName(b, "hash-session"); got != "changed" {
		t.Fatal(got)
	}
	if _, err := b.DisableUser(parley.NewContextWithUser(ctx, admin), u.ID); err != nil {
		t.Fatal(err)
	}
	if got := displayName(b, "hash-session"); got != "refused" {
		t.Fatalf("b right after disabling on b: %q, want refused", got)
	}

	// A lost listening connection: whatever changed meanwhile was never
	// announced, so the cache starts again once it listens again.
	v := &parley.User{Name: "v", DisplayName: "V"}
	if err := a.CreateUser(ctx, v); err != nil {
		t.Fatal(err)
	}
	if err := a.CreateCredential(ctx, &parley.Credential{UserID: v.ID, Kind: parley.CredentialToken, Name: "t", Hash: []byte("hash-v")}); err != nil {
		t.Fatal(err)
	}
	if got := displayName(b, "hash-v"); got != "V" {
		t.Fatal(got)
	}
	if _, err := raw.ExecContext(ctx, `UPDATE users SET display_name = 'V2' WHERE id = $1`, v.ID); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := raw.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE query LIKE 'LISTEN %' AND pid <> pg_backend_pid() AND datname = current_database()`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("terminate the listening backend: %d, %v", n, err)
	}
	<-resubscribed
	if got := displayName(b, "hash-v"); got != "V2" {
		t.Fatalf("b after listening again: %q, want V2", got)
	}
}

// TestCredentialCacheNeedsListening: a node that does not listen (a command
// line run, or a server whose listening connection is down) cannot hear of
// changes, so it reads the credential every time.
func TestCredentialCacheNeedsListening(t *testing.T) {
	ctx := t.Context()
	a := open(t)
	u := &parley.User{Name: "u", DisplayName: "U"}
	if err := a.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := a.CreateCredential(ctx, &parley.Credential{UserID: u.ID, Kind: parley.CredentialToken, Name: "t", Hash: []byte("h")}); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("pgx", a.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, want := range []string{"U", "W", "X"} {
		if _, err := raw.ExecContext(ctx, `UPDATE users SET display_name = $1 WHERE id = $2`, want, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, got, err := a.FindCredentialUser(ctx, []byte("h")); err != nil || got.DisplayName != want {
			t.Fatalf("%+v, %v; want %s", got, err, want)
		}
	}
}
