package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"parley/postgres/postgrestest"
)

// TestTwoNodesOnPostgres runs two servers on one PostgreSQL database and
// checks that an event written through node A reaches a live stream on node B.
func TestTwoNodesOnPostgres(t *testing.T) {
	cluster := postgrestest.Start()
	defer cluster.Stop()
	url := cluster.NewDatabase(t)
	env := map[string]string{"PARLEY_DATABASE_URL": url, "PARLEY_SECRET": "shared-secret-of-the-cluster"}
	a := startServer(t, env, "--data", t.TempDir(), "--demo")
	pw := demoPasswords(t, a.out.String())
	b := startServer(t, env, "--data", t.TempDir())
	if strings.Contains(b.out.String(), "setup?token") {
		t.Error("node B offers a setup link though node A's users exist")
	}
	ruOnB := login(t, b.url, "ru-head", pw["ru-head"])
	usOnA := login(t, a.url, "us-head", pw["us-head"])

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var talk struct {
		LastSeq int64 `json:"last_seq"`
	}
	call(t, "GET", b.url+"/api/v1/talks/1", ruOnB, nil, &talk)
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/v1/talks/1/events?after=%d", b.url, talk.LastSeq), nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+ruOnB)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				got <- d
				return
			}
		}
	}()
	// The stream has started once its headers arrived; give LISTEN a moment.
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	if code := call(t, "POST", a.url+"/api/v1/talks/1/events", usOnA, map[string]any{"type": "statement", "payload": map[string]string{"text": "via node A"}}, nil); code != 201 {
		t.Fatalf("append on A: %d", code)
	}
	select {
	case d := <-got:
		var e struct {
			Payload json.RawMessage `json:"payload"`
		}
		json.Unmarshal([]byte(d), &e)
		if !strings.Contains(string(e.Payload), "via node A") {
			t.Fatalf("node B streamed %s", d)
		}
		t.Logf("event reached node B in %v", time.Since(start))
	case <-ctx.Done():
		t.Fatal("the event written on node A never reached node B's stream")
	}
}
