package api_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"parley"
)

// TestSlowBodyIsCutOff: a body that stops arriving is answered and its
// connection closed once it falls behind the minimum rate, rather than
// holding the connection for as long as the client likes.
func TestSlowBodyIsCutOff(t *testing.T) {
	f := newFixture(t)
	f.srv.BodyGrace, f.srv.MinBodyRate, f.srv.BodyTimeout = 50*time.Millisecond, 1000, time.Second
	conn, err := net.Dial("tcp", strings.TrimPrefix(f.http.URL, "http://"))
	must(t, err)
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\":")
	// Only a guard against hanging forever on a broken server; the server
	// should answer after about 50 ms.
	conn.SetReadDeadline(time.Now().Add(time.Minute))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("stalled body: %d, want 400", resp.StatusCode)
	}
}

// TestSecurityHeaders: pages and API answers forbid framing, sniffing,
// inline script and leaking URLs to other sites.
func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t)
	resp, _ := f.do("GET", "/api/v1/openapi.json", "", nil)
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"X-Frame-Options":        "DENY",
		"Referrer-Policy":        "same-origin",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-eval") || strings.Contains(strings.SplitN(strings.SplitN(csp, "script-src", 2)[1], ";", 2)[0], "unsafe-inline") {
		t.Errorf("Content-Security-Policy allows inline or eval'd script: %q", csp)
	}
}

// TestWriteRateLimit: one user writing faster than the limit gets 429 with
// Retry-After, while another user is unaffected.
func TestWriteRateLimit(t *testing.T) {
	f := newFixture(t)
	f.srv.WriteRate, f.srv.WriteBurst = 0.001, 3
	us, ru := f.token("same party"), f.token("other party")
	path := fmt.Sprintf("/api/v1/talks/%d/events", f.talk.ID)
	codes := []int{}
	for range 5 {
		resp, _ := f.do("POST", path, us, map[string]any{"type": "statement", "payload": map[string]string{"text": "again"}})
		codes = append(codes, resp.StatusCode)
		if resp.StatusCode == 429 && resp.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	if fmt.Sprint(codes) != "[201 201 201 429 429]" {
		t.Errorf("five writes against a burst of 3: %v", codes)
	}
	if resp, _ := f.do("POST", path, ru, map[string]any{"type": "statement", "payload": map[string]string{"text": "me"}}); resp.StatusCode != 201 {
		t.Errorf("another user's write: %d, want 201", resp.StatusCode)
	}
	if resp, _ := f.do("GET", path, us, nil); resp.StatusCode != 200 {
		t.Errorf("a read by the limited user: %d, want 200", resp.StatusCode)
	}
}

// TestNoticesOfABurstAreFolded: many irritants raised by one negotiator
// leave the other side one unread notification that counts them and one
// unsent e-mail, not one of each per irritant.
func TestNoticesOfABurstAreFolded(t *testing.T) {
	f := newFixture(t)
	us, ru := f.token("same party"), f.token("other party")
	for i := range 8 {
		resp, body := f.do("POST", fmt.Sprintf("/api/v1/talks/%d/irritants", f.talk.ID), us,
			map[string]any{"title": fmt.Sprintf("Visas %d", i), "toward": []int64{f.party["RU"].ID}})
		if resp.StatusCode != 201 {
			t.Fatalf("raise: %d %s", resp.StatusCode, body)
		}
	}
	_, body := f.do("GET", "/api/v1/notifications?unread=true", ru, nil)
	var out struct {
		Notifications []struct{ Text, Type string } `json:"notifications"`
	}
	must(t, json.Unmarshal(body, &out))
	raised := 0
	for _, n := range out.Notifications {
		if n.Type == "irritant.raised" {
			raised++
			if !strings.Contains(n.Text, "Visas 7") || !strings.Contains(n.Text, "7 more") {
				t.Errorf("folded notification says %q; want the latest and a count of 7 more", n.Text)
			}
		}
	}
	if raised != 1 {
		t.Errorf("%d unread notifications of raised irritants, want 1", raised)
	}
	ctx := parley.NewContextWithUser(t.Context(), f.users["other party"])
	es, err := f.db.Outbox(ctx, false, 100)
	must(t, err)
	mine := 0
	for _, e := range es {
		if e.UserID == f.users["other party"].ID {
			mine++
		}
	}
	if mine > 1 {
		t.Errorf("%d unsent e-mails to one user about one talk, want them folded into 1", mine)
	}
}
