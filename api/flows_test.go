package api_test

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"parley"
)

func TestSignInWithCookieNeedsCSRFForWrites(t *testing.T) {
	f := newFixture(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	post := func(path, body string, hdr ...string) *http.Response {
		req, _ := http.NewRequest("POST", f.http.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := c.Do(req)
		must(t, err)
		resp.Body.Close()
		return resp
	}
	resp := post("/api/v1/session", `{"name":"us-neg","password":"password-us-neg"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("sign in: %d", resp.StatusCode)
	}
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "parley_session" {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %+v: want HttpOnly and SameSite=Lax", cookie)
	}
	r, err := c.Get(f.http.URL + "/api/v1/me")
	must(t, err)
	var me struct {
		User parley.User `json:"user"`
		CSRF string      `json:"csrf_token"`
	}
	must(t, json.NewDecoder(r.Body).Decode(&me))
	r.Body.Close()
	if me.User.Name != "us-neg" || me.CSRF == "" {
		t.Fatalf("me = %+v", me)
	}
	path := fmt.Sprintf("/api/v1/talks/%d/events", f.talk.ID)
	body := `{"type":"statement","payload":{"text":"x"}}`
	if resp := post(path, body); resp.StatusCode != 403 {
		t.Errorf("cookie write without CSRF token: %d, want 403", resp.StatusCode)
	}
	if resp := post(path, body, "X-CSRF-Token", "wrong"); resp.StatusCode != 403 {
		t.Errorf("cookie write with a wrong CSRF token: %d, want 403", resp.StatusCode)
	}
	if resp := post(path, body, "X-CSRF-Token", me.CSRF); resp.StatusCode != 201 {
		t.Errorf("cookie write with the CSRF token: %d, want 201", resp.StatusCode)
	}
	req, _ := http.NewRequest("DELETE", f.http.URL+"/api/v1/session", nil)
	req.Header.Set("X-CSRF-Token", me.CSRF)
	r, err = c.Do(req)
	must(t, err)
	r.Body.Close()
	if r.StatusCode != 204 {
		t.Fatalf("sign out: %d", r.StatusCode)
	}
	// The old cookie no longer works, even if replayed.
	req, _ = http.NewRequest("GET", f.http.URL+"/api/v1/me", nil)
	req.AddCookie(cookie)
	r, err = http.DefaultClient.Do(req)
	must(t, err)
	r.Body.Close()
	if r.StatusCode != 401 {
		t.Errorf("replayed cookie after sign-out: %d, want 401", r.StatusCode)
	}
}

func TestLoginFailuresDoNotRevealAccountsAndAreLimited(t *testing.T) {
	f := newFixture(t)
	_, wrongPw := f.do("POST", "/api/v1/session", "", map[string]string{"name": "us-neg", "password": "nope-nope-nope"})
	_, noUser := f.do("POST", "/api/v1/session", "", map[string]string{"name": "ghost", "password": "nope-nope-nope"})
	if string(wrongPw) != string(noUser) {
		t.Errorf("wrong password says %s but unknown account says %s", wrongPw, noUser)
	}
	for range 5 {
		f.do("POST", "/api/v1/session", "", map[string]string{"name": "ru-head", "password": "guess-guess"})
	}
	resp, body := f.do("POST", "/api/v1/session", "", map[string]string{"name": "ru-head", "password": "password-ru-head"})
	if resp.StatusCode != 429 || !strings.Contains(string(body), "too many") || resp.Header.Get("Retry-After") == "" {
		t.Errorf("after 5 failures the right password gives %d %s; want 429 with Retry-After", resp.StatusCode, body)
	}
	if strings.Contains(string(body), "ru-head") || strings.Contains(string(body), "exist") {
		t.Errorf("lockout message reveals the account: %s", body)
	}
}

func TestRequestValidation(t *testing.T) {
	f := newFixture(t)
	tok := f.token("admin")
	tests := []struct {
		name   string
		body   string
		header []string
		status int
		code   string
		want   string
	}{
		{"unknown field", `{"name":"X","colour":"red"}`, nil, 400, "invalid", `unknown field "colour"`},
		{"trailing data", `{"name":"X"} {}`, nil, 400, "invalid", "after the JSON object"},
		{"empty", ``, nil, 400, "invalid", "empty"},
		{"too large", `{"name":"` + strings.Repeat("x", 2<<20) + `"}`, nil, 413, "too_large", "over 1048576 bytes"},
		{"too large, idempotent", `{"name":"` + strings.Repeat("x", 2<<20) + `"}`, []string{"Idempotency-Key", "big"}, 413, "too_large", "over 1048576 bytes"},
	}
	for _, tt := range tests {
		resp, body := f.do("POST", "/api/v1/parties", tok, tt.body, tt.header...)
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		json.Unmarshal(body, &e)
		if resp.StatusCode != tt.status || e.Error.Code != tt.code || !strings.Contains(e.Error.Message, tt.want) {
			t.Errorf("%s: %d %s; want %d %s mentioning %q", tt.name, resp.StatusCode, body, tt.status, tt.code, tt.want)
		}
	}
	resp, body := f.do("GET", "/api/v1/nothing-here", tok, nil)
	if resp.StatusCode != 404 || !strings.Contains(string(body), `"not_found"`) {
		t.Errorf("unknown route: %d %s", resp.StatusCode, body)
	}
}

func TestIdempotencyKeyActsOnce(t *testing.T) {
	f := newFixture(t)
	tok := f.token("same party")
	path := fmt.Sprintf("/api/v1/talks/%d/events", f.talk.ID)
	body := map[string]any{"type": "statement", "payload": map[string]string{"text": "once"}}
	r1, b1 := f.do("POST", path, tok, body, "Idempotency-Key", "k1")
	r2, b2 := f.do("POST", path, tok, body, "Idempotency-Key", "k1")
	if r1.StatusCode != 201 || r2.StatusCode != 201 || string(b1) != string(b2) || r2.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry: %d %s / %d %s; want the same 201 replayed", r1.StatusCode, b1, r2.StatusCode, b2)
	}
	_, list := f.do("GET", path+"?after=0&limit=500", tok, nil)
	if n := strings.Count(string(list), `"once"`); n != 1 {
		t.Fatalf("the event was recorded %d times, want 1", n)
	}
	r3, b3 := f.do("POST", path, tok, body, "Idempotency-Key", "k2")
	if r3.StatusCode != 201 || string(b3) == string(b1) {
		t.Fatalf("a new key must act again: %d", r3.StatusCode)
	}
}

func TestPagination(t *testing.T) {
	f := newFixture(t)
	for range 3 {
		f.newTalk(true)
	}
	tok := f.token("same party")
	var seen []int64
	after := int64(0)
	for range 10 {
		_, body := f.do("GET", fmt.Sprintf("/api/v1/talks?limit=2&after=%d", after), tok, nil)
		var page struct {
			Talks []parley.Talk `json:"talks"`
			Next  int64         `json:"next"`
		}
		must(t, json.Unmarshal(body, &page))
		for _, tk := range page.Talks {
			seen = append(seen, tk.ID)
		}
		if page.Next == 0 {
			break
		}
		after = page.Next
	}
	if len(seen) != 4 {
		t.Fatalf("paged through %v, want 4 talks", seen)
	}
}

// TestLiveStream checks that the stream resumes after Last-Event-ID, brings
// new events live, and withholds other parties' private payloads.
func TestLiveStream(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	ruTok, usTok := f.token("other party"), f.token("same party")
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/v1/talks/%d/events", f.http.URL, f.talk.ID), nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+ruTok)
	req.Header.Set("Last-Event-ID", "4") // talk.created + 4 acceptances: resume at the last one
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	events := make(chan parley.Event, 10)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var e parley.Event
				if json.Unmarshal([]byte(d), &e) == nil {
					events <- e
				}
			}
		}
		close(events)
	}()
	next := func() parley.Event {
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatal("stream ended")
			}
			return e
		case <-ctx.Done():
			t.Fatal("no event")
		}
		return parley.Event{}
	}
	if e := next(); e.Seq != 5 {
		t.Fatalf("first streamed event has seq %d, want 5 (resumed after Last-Event-ID 4)", e.Seq)
	}
	// The US stream, resumed after shared event 5 and no private event.
	usEvents := stream(t, ctx, f, usTok, "5-0")
	path := fmt.Sprintf("/api/v1/talks/%d/events", f.talk.ID)
	f.do("POST", path, usTok, map[string]any{"type": "note", "private_to": f.party["US"].ID, "payload": map[string]any{"reservation": 0.3}})
	f.do("POST", path, usTok, map[string]any{"type": "statement", "payload": map[string]string{"text": "public"}})
	// The other party's stream shows nothing of the private note: the next
	// event it sees is the public statement.
	if pub := next(); pub.Seq != 6 || pub.PrivateTo != 0 || !strings.Contains(string(pub.Payload), "public") {
		t.Errorf("other party's next event is %+v; want the public statement, seq 6", pub)
	}
	// The US stream has both, the note from the US private chain.
	priv, pub := <-usEvents, <-usEvents
	if priv.Seq != 1 || priv.PrivateTo != f.party["US"].ID || !strings.Contains(string(priv.Payload), "reservation") {
		t.Errorf("US saw its private note as %+v", priv)
	}
	if pub.Seq != 6 || !strings.Contains(string(pub.Payload), "public") {
		t.Errorf("US saw the public statement as %+v", pub)
	}
}

// stream opens a talk's event stream as tok after lastID and returns its events.
func stream(t *testing.T, ctx context.Context, f *fixture, tok, lastID string) <-chan parley.Event {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/v1/talks/%d/events", f.http.URL, f.talk.ID), nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Last-Event-ID", lastID)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	events := make(chan parley.Event, 10)
	go func() {
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				var e parley.Event
				if json.Unmarshal([]byte(d), &e) == nil {
					events <- e
				}
			}
		}
	}()
	return events
}

// TestPartyHeldKeySignOff: a delegation uploads its own public key, signs off
// a statement with its private key, and the exported record verifies.
func TestPartyHeldKeySignOff(t *testing.T) {
	f := newFixture(t)
	head := f.token("us head")
	pub, priv, _ := ed25519.GenerateKey(nil)
	resp, body := f.do("PUT", fmt.Sprintf("/api/v1/parties/%d/key", f.party["US"].ID), head, map[string]any{"public_key": []byte(pub)})
	if resp.StatusCode != 200 {
		t.Fatalf("upload key: %d %s", resp.StatusCode, body)
	}
	if resp, _ := f.do("PUT", fmt.Sprintf("/api/v1/parties/%d/key", f.party["RU"].ID), head, map[string]any{"public_key": []byte(pub)}); resp.StatusCode != 403 {
		t.Fatalf("setting another party's key: %d, want 403", resp.StatusCode)
	}
	med := f.token("mediator")
	_, body = f.do("POST", fmt.Sprintf("/api/v1/talks/%d/events", f.talk.ID), med, map[string]any{"type": "statement", "payload": map[string]string{"text": "joint statement"}})
	var stmt parley.Event
	must(t, json.Unmarshal(body, &stmt))
	path := fmt.Sprintf("/api/v1/talks/%d/signoffs", f.talk.ID)
	if resp, _ := f.do("POST", path, head, map[string]any{"seq": stmt.Seq}); resp.StatusCode != 400 {
		t.Fatalf("sign-off without the party's signature: %d, want 400", resp.StatusCode)
	}
	msg, _ := hex.DecodeString(stmt.Hash)
	if resp, body := f.do("POST", path, head, map[string]any{"seq": stmt.Seq, "signature": ed25519.Sign(priv, msg)}); resp.StatusCode != 201 {
		t.Fatalf("sign-off: %d %s", resp.StatusCode, body)
	}
	_, body = f.do("GET", fmt.Sprintf("/api/v1/talks/%d/record", f.talk.ID), f.token("other party"), nil)
	var rec parley.Record
	must(t, json.Unmarshal(body, &rec))
	// The US holds its key, so its events are unsigned: verify accepts that
	// only from the key list the parties publish, never from the file.
	if err := parley.Verify(&rec); err == nil {
		t.Error("unsigned events verified on the file's own word")
	}
	_, body = f.do("GET", "/api/v1/keys", f.token("other party"), nil)
	var keys parley.KeyList
	must(t, json.Unmarshal(body, &keys))
	if _, err := parley.VerifyRecord(&rec, parley.VerifyOptions{Keys: &keys}); err != nil {
		t.Fatalf("record against the published keys: %v", err)
	}
	if len(rec.Keys) != 6 { // five server keys, one of them retired, plus the uploaded one
		t.Errorf("record lists %d keys, want 6", len(rec.Keys))
	}
}

// TestIdempotencyKeyUnderConcurrentRetries: retries racing the first request
// wait for it and get its response; the event is recorded once.
func TestIdempotencyKeyUnderConcurrentRetries(t *testing.T) {
	f := newFixture(t)
	tok := f.token("same party")
	path := fmt.Sprintf("/api/v1/talks/%d/events", f.talk.ID)
	body := map[string]any{"type": "statement", "payload": map[string]string{"text": "racing"}}
	codes := make(chan int, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, _ := f.do("POST", path, tok, body, "Idempotency-Key", "race")
			codes <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != 201 {
			t.Errorf("status %d, want 201 (first or replayed)", c)
		}
	}
	_, list := f.do("GET", path+"?limit=500", tok, nil)
	if n := strings.Count(string(list), `"racing"`); n != 1 {
		t.Fatalf("the event was recorded %d times, want 1", n)
	}
}

// TestReservedTypesRefused is issue 9's first finding: a negotiator could
// write "the statement is adopted" into the record through the generic
// route. Only free-form types pass; the 400 names the field.
func TestReservedTypesRefused(t *testing.T) {
	f := newFixture(t)
	tok := f.token("same party")
	path := fmt.Sprintf("/api/v1/talks/%d/events", f.talk.ID)
	for _, typ := range []string{"statement.adopted", "irritant.moved", "signoff", "round.concluded", "negotiation.agreed", "talk.created"} {
		resp, body := f.do("POST", path, tok, map[string]any{"type": typ, "payload": map[string]any{"statement_id": 1}})
		if resp.StatusCode != 400 || !strings.Contains(string(body), "type") || !strings.Contains(string(body), typ) {
			t.Errorf("type %s: %d %s; want 400 naming the type", typ, resp.StatusCode, body)
		}
	}
	for _, typ := range []string{"note", "note.minutes", "statement"} {
		if resp, body := f.do("POST", path, tok, map[string]any{"type": typ, "payload": map[string]any{"text": "free"}}); resp.StatusCode != 201 {
			t.Errorf("free-form type %s: %d %s", typ, resp.StatusCode, body)
		}
	}
	// A negotiator cannot sign off for the party; the head can.
	_, body := f.do("POST", path, tok, map[string]any{"type": "statement", "payload": map[string]any{"text": "the text"}})
	var e parley.Event
	must(t, json.Unmarshal(body, &e))
	if resp, _ := f.do("POST", fmt.Sprintf("/api/v1/talks/%d/signoffs", f.talk.ID), tok, map[string]any{"seq": e.Seq}); resp.StatusCode != 403 {
		t.Errorf("a negotiator signing off: %d, want 403", resp.StatusCode)
	}
	if resp, body := f.do("POST", fmt.Sprintf("/api/v1/talks/%d/signoffs", f.talk.ID), f.token("us head"), map[string]any{"seq": e.Seq}); resp.StatusCode != 201 {
		t.Errorf("the head signing off: %d %s", resp.StatusCode, body)
	}
}
