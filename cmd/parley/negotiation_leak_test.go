package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestNegotiationPreferencesReachNobodyElse has the US delegation save, revise
// and submit a profile with numbers no one else could guess, and Ukraine a
// red line, in the demo's negotiations, while every other kind of viewer
// watches every channel: API reads, the live event stream, the record
// export, notifications, the web pages (inbox and search included), the server's logs, error messages
// and the database files at rest. None may hold the numbers, and the US
// drafts may leave no trace at all — not an event, not a notification, not
// a change in what others see of the talk.
func TestNegotiationPreferencesReachNobodyElse(t *testing.T) {
	data := t.TempDir()
	s := startServer(t, nil, "--demo", "--data", data)
	pw := demoPasswords(t, s.out.String())
	tok := map[string]string{}
	for _, u := range []string{"us-head", "ru-head", "sa-host", "ua-head", "eu-head", "mediator", "demo-admin"} {
		tok[u] = login(t, s.url, u, pw[u])
	}
	others := []string{"ru-head", "sa-host", "ua-head", "eu-head", "mediator", "demo-admin"}
	// The markers: numbers in the US profile, and Ukraine's red line option
	// paired with the issue (the options themselves are public).
	const weight, reservation, draftRes = 77.7771, 0.4123457, 0.3987651
	markers := []string{"77.7771", "0.4123457", "0.3987651"}

	get := func(who, path string) (int, []byte) {
		req, _ := http.NewRequest("GET", s.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok[who])
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	// What each other viewer sees of the bilateral talk before the US acts.
	type view struct{ talk, events, notes []byte }
	snapshot := func(who string) view {
		_, talk := get(who, "/api/v1/talks/1")
		_, events := get(who, "/api/v1/talks/1/events?limit=500")
		_, notes := get(who, "/api/v1/notifications")
		return view{talk, events, notes}
	}
	before := map[string]view{}
	for _, who := range others {
		before[who] = snapshot(who)
	}
	// Every other viewer of each talk holds a live stream open.
	ctx, cancel := context.WithCancel(t.Context())
	var mu sync.Mutex
	streamed := map[string]*bytes.Buffer{}
	var wg sync.WaitGroup
	for _, who := range others {
		for _, talk := range []int{1, 2} {
			req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/v1/talks/%d/events", s.url, talk), nil)
			req.Header.Set("Accept", "text/event-stream")
			req.Header.Set("Authorization", "Bearer "+tok[who])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != 200 {
				resp.Body.Close()
				continue // not in that talk
			}
			buf := &bytes.Buffer{}
			streamed[fmt.Sprintf("%s/%d", who, talk)] = buf
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer resp.Body.Close()
				sc := bufio.NewScanner(resp.Body)
				sc.Buffer(nil, 1<<20)
				for sc.Scan() {
					mu.Lock()
					buf.WriteString(sc.Text() + "\n")
					mu.Unlock()
				}
			}()
		}
	}

	// The US saves a draft and then submits its profile for the embassy
	// negotiation (2); a malformed save quotes only the sender's own value.
	issues := []string{"Staffing", "Diplomatic property", "Visa processing", "Direct flights"}
	prefs := func(res float64) map[string]any {
		w, sc := map[string]float64{}, map[string]map[string]float64{}
		opts := map[string][]string{"Staffing": {"Current levels", "Restore to 2016 levels", "Phased restoration over six months"},
			"Diplomatic property": {"Remains closed", "Access for inspection", "Returned"},
			"Visa processing":     {"As now", "Within 60 days", "Within 30 days"},
			"Direct flights":      {"Not resumed", "Resumed for diplomats", "Resumed commercially"}}
		for i, is := range issues {
			w[is] = weight + float64(i)
			sc[is] = map[string]float64{}
			for j, o := range opts[is] {
				sc[is][o] = float64(j) * 41.3
			}
		}
		return map[string]any{"weights": w, "scores": sc, "reservation": res}
	}
	if code := call(t, "PUT", s.url+"/api/v1/negotiations/2/preferences", tok["us-head"], map[string]any{"preferences": prefs(draftRes)}, nil); code != 200 {
		t.Fatalf("US draft: %d", code)
	}
	// Nothing of a draft reaches anyone else: same talk, same events, same notifications.
	time.Sleep(500 * time.Millisecond)
	for _, who := range others {
		if now := snapshot(who); !bytes.Equal(now.events, before[who].events) || !bytes.Equal(now.notes, before[who].notes) || !bytes.Equal(now.talk, before[who].talk) {
			t.Errorf("%s sees a change in the talk after the US saved a private draft", who)
		}
	}
	var e struct {
		Error struct{ Message string }
	}
	call(t, "PUT", s.url+"/api/v1/negotiations/2/preferences", tok["us-head"], map[string]any{"preferences": map[string]any{"weights": map[string]float64{"Staffing": 1e9}}}, &e)
	if !strings.Contains(e.Error.Message, "Staffing") {
		t.Errorf("a bad save's message %q does not name the field", e.Error.Message)
	}
	if code := call(t, "PUT", s.url+"/api/v1/negotiations/2/preferences", tok["us-head"], map[string]any{"preferences": prefs(reservation), "submit": true}, nil); code != 200 {
		t.Fatalf("US submits: %d", code)
	}
	// The mediator of the war talk asks for a text: it is told nothing of whose limits.
	_, body := get("mediator", "/api/v1/negotiations/1")
	if bytes.Contains(body, []byte("reservation")) || bytes.Contains(body, []byte(`"mine"`)) {
		t.Errorf("the mediator's view of a negotiation holds profile data: %s", body)
	}
	// The US's own delegation reads its profile; nobody else does.
	if code, b := get("us-head", "/api/v1/negotiations/2/preferences"); code != 200 || !bytes.Contains(b, []byte("0.4123457")) {
		t.Fatalf("the US reads its own profile: %d %s", code, b)
	}
	time.Sleep(time.Second)
	cancel()
	wg.Wait()

	check := func(channel string, b []byte) {
		t.Helper()
		for _, m := range markers {
			if bytes.Contains(b, []byte(m)) {
				t.Errorf("%s holds the US profile's number %s", channel, m)
			}
		}
	}
	for _, who := range others {
		for _, path := range []string{"/api/v1/negotiations/2", "/api/v1/negotiations/2/preferences", "/api/v1/talks/1/negotiations",
			"/api/v1/talks/1/events?limit=500", "/api/v1/talks/1/record", "/api/v1/notifications", "/api/v1/negotiations/2/analysis",
			"/api/v1/talks/2/record", "/api/v1/negotiations/1", "/api/v1/negotiations/1/preferences"} {
			_, b := get(who, path)
			check(who+" GET "+path, b)
		}
		// The web pages, signed in with a session as a browser would be.
		jar := webSession(t, s.url, who, pw[who])
		for _, path := range []string{"/negotiations/2", "/negotiations/2/panel", "/talks/1", "/notifications", "/negotiations/1", "/inbox", "/search?q=Staffing", "/search?q=embassy"} {
			check(who+" page "+path, jar(path))
		}
	}
	// Ukraine's red lines in the war negotiation are not shown as such to anyone else.
	for _, who := range []string{"us-head", "ru-head", "eu-head", "mediator", "demo-admin"} {
		_, b := get(who, "/api/v1/negotiations/1/preferences")
		var v struct {
			Profile struct {
				Preferences struct {
					Excluded map[string][]string
				}
			}
		}
		json.Unmarshal(b, &v)
		if len(v.Profile.Preferences.Excluded["Nuclear power plant"]) > 0 {
			t.Errorf("%s reads Ukraine's red lines", who)
		}
	}
	mu.Lock()
	for k, b := range streamed {
		check("live stream of "+k, b.Bytes())
		if strings.HasPrefix(k, "ru-head/1") && strings.Contains(b.String(), "negotiation.preferences") {
			t.Errorf("Russia's live stream shows that the US saved preferences")
		}
	}
	mu.Unlock()
	check("the server's log", []byte(s.logs.String()))
	// At rest: the database files hold the profile only sealed.
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(data, "parley.db*"))
	if len(files) == 0 {
		t.Fatal("no database file found")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		must(t, err)
		check("database file "+filepath.Base(f), b)
	}
}

// webSession signs in through the sign-in form and returns a function that
// fetches a page with the session cookie.
func webSession(t *testing.T, base, name, password string) func(path string) []byte {
	t.Helper()
	jar, err := cookiejar.New(nil)
	must(t, err)
	client := &http.Client{Jar: jar}
	resp, err := client.Get(base + "/login")
	must(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csrf := ""
	if i := bytes.Index(page, []byte(`name="csrf" value="`)); i >= 0 {
		rest := page[i+len(`name="csrf" value="`):]
		csrf = string(rest[:bytes.IndexByte(rest, '"')])
	}
	resp, err = client.PostForm(base+"/login", map[string][]string{"name": {name}, "password": {password}, "csrf": {csrf}})
	must(t, err)
	resp.Body.Close()
	return func(path string) []byte {
		resp, err := client.Get(base + path)
		must(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}
}
