package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parley"
)

// TestIdempotencyKeyOtherBody: a retry with the key of another request is
// refused with 422 naming the key, and does not act.
func TestIdempotencyKeyOtherBody(t *testing.T) {
	f := newFixture(t)
	tok := f.token("same party")
	path := fmt.Sprintf("/api/v1/talks/%d/events", f.talk.ID)
	first := map[string]any{"type": "statement", "payload": map[string]string{"text": "start round"}}
	other := map[string]any{"type": "statement", "payload": map[string]string{"text": "conclude round"}}
	if r, b := f.do("POST", path, tok, first, "Idempotency-Key", "move-1"); r.StatusCode != 201 {
		t.Fatalf("first: %d %s", r.StatusCode, b)
	}
	r, b := f.do("POST", path, tok, other, "Idempotency-Key", "move-1")
	if r.StatusCode != 422 || !strings.Contains(string(b), `\"move-1\"`) || !strings.Contains(string(b), "idempotency_key_reused") {
		t.Errorf("other body, same key: %d %s; want 422 naming the key", r.StatusCode, b)
	}
	// The same body on another path is another request too.
	if r, b := f.do("POST", fmt.Sprintf("/api/v1/talks/%d/events", f.newTalk(true).ID), tok, first, "Idempotency-Key", "move-1"); r.StatusCode != 422 {
		t.Errorf("same key and body, other path: %d %s; want 422", r.StatusCode, b)
	}
	_, list := f.do("GET", path+"?limit=500", tok, nil)
	if strings.Contains(string(list), "conclude round") {
		t.Error("the refused request acted")
	}
}

// TestIdempotentTokenKeepsNoSecret: a token's secret is shown once; a
// replay by Idempotency-Key returns the token without it, and the secret is
// nowhere in the database files.
func TestIdempotentTokenKeepsNoSecret(t *testing.T) {
	f := newFixture(t)
	tok := f.token("same party")
	body := map[string]string{"name": "ci"}
	r1, b1 := f.do("POST", "/api/v1/tokens", tok, body, "Idempotency-Key", "tok-1")
	var created struct {
		Token  struct{ ID int64 } `json:"token"`
		Secret string             `json:"secret"`
	}
	if err := json.Unmarshal(b1, &created); err != nil || r1.StatusCode != 201 || created.Secret == "" {
		t.Fatalf("create: %d %s", r1.StatusCode, b1)
	}
	r2, b2 := f.do("POST", "/api/v1/tokens", tok, body, "Idempotency-Key", "tok-1")
	var replay struct {
		Token  struct{ ID int64 } `json:"token"`
		Secret *string            `json:"secret"`
	}
	if err := json.Unmarshal(b2, &replay); err != nil || r2.StatusCode != 201 || r2.Header.Get("Idempotent-Replayed") != "true" ||
		replay.Token.ID != created.Token.ID || replay.Secret != nil || strings.Contains(string(b2), created.Secret) {
		t.Errorf("replay: %d %s; want 201 replayed with token %d and no secret", r2.StatusCode, b2, created.Token.ID)
	}
	f.srv.Close()
	f.db.Close()
	dir := filepath.Dir(f.db.Path)
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		must(t, err)
		if strings.Contains(string(b), created.Secret) {
			t.Errorf("the token secret is stored in %s", filepath.Base(name))
		}
	}
}

// TestIdempotentAppendWakesStreams: an event appended by an idempotent
// request is announced once its transaction commits, so live streams get it
// at once rather than at the next keep-alive (15 s, beyond this test's wait).
func TestIdempotentAppendWakesStreams(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	tok := f.token("other party")
	var talk struct {
		LastSeq int64 `json:"last_seq"`
	}
	_, b := f.do("GET", fmt.Sprintf("/api/v1/talks/%d", f.talk.ID), tok, nil)
	must(t, json.Unmarshal(b, &talk))
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/v1/talks/%d/events?after=%d", f.http.URL, f.talk.ID, talk.LastSeq), nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	got := make(chan parley.Event, 1)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var e parley.Event
				json.Unmarshal([]byte(d), &e)
				got <- e
				return
			}
		}
	}()
	path := fmt.Sprintf("/api/v1/talks/%d/events", f.talk.ID)
	if r, b := f.do("POST", path, tok, map[string]any{"type": "statement", "payload": map[string]string{"text": "keyed"}}, "Idempotency-Key", "live-1"); r.StatusCode != 201 {
		t.Fatalf("append: %d %s", r.StatusCode, b)
	}
	select {
	case e := <-got:
		if e.Seq != talk.LastSeq+1 {
			t.Errorf("streamed seq %d, want %d", e.Seq, talk.LastSeq+1)
		}
	case <-ctx.Done():
		t.Fatal("the idempotent append never reached the live stream")
	}
}

// TestUnavailableDatabase: when the database does not answer, requests get
// 503 with Retry-After, and the outage is logged once, not once per request.
func TestUnavailableDatabase(t *testing.T) {
	f := newFixture(t)
	tok := f.token("same party")
	var logs bytes.Buffer
	f.srv.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	f.srv.Unavailable = func(err error) bool { return strings.Contains(err.Error(), "closed") }
	f.db.Close()
	for range 20 {
		r, b := f.do("POST", fmt.Sprintf("/api/v1/talks/%d/events", f.talk.ID), tok, map[string]any{"type": "statement", "payload": map[string]string{"text": "x"}})
		if r.StatusCode != 503 || r.Header.Get("Retry-After") == "" || !strings.Contains(string(b), `"unavailable"`) {
			t.Fatalf("database down: %d %s (Retry-After %q); want 503 unavailable with Retry-After", r.StatusCode, b, r.Header.Get("Retry-After"))
		}
	}
	if n := strings.Count(logs.String(), "level=ERROR"); n != 1 {
		t.Errorf("%d ERROR lines for 20 failed requests, want 1:\n%s", n, logs.String())
	}
}
