package api_test

import (
	"bufio"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestRevokedTokenEndsItsStream: a live stream opened with a token ends when
// the token is revoked, before it delivers anything written afterwards.
func TestRevokedTokenEndsItsStream(t *testing.T) {
	f := newFixture(t)
	ruTok, usTok := f.token("other party"), f.token("same party")
	req, _ := http.NewRequestWithContext(t.Context(), "GET", fmt.Sprintf("%s/api/v1/talks/%d/events", f.http.URL, f.talk.ID), nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+ruTok)
	req.Header.Set("Last-Event-ID", "4")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	data := func() (string, bool) {
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				return d, true
			}
		}
		return "", false
	}
	if _, ok := data(); !ok {
		t.Fatal("the stream ended before its first event")
	}
	c, err := f.db.FindCredential(t.Context(), sha256sum(ruTok))
	must(t, err)
	if resp, body := f.do("DELETE", fmt.Sprintf("/api/v1/tokens/%d", c.ID), ruTok, nil); resp.StatusCode != 204 {
		t.Fatalf("revoke: %d %s", resp.StatusCode, body)
	}
	f.do("POST", fmt.Sprintf("/api/v1/talks/%d/events", f.talk.ID), usTok, map[string]any{"type": "statement", "payload": map[string]string{"text": "after the revocation"}})
	if d, ok := data(); ok {
		t.Errorf("a revoked token's stream delivered %s; want the stream ended", d)
	}
}
