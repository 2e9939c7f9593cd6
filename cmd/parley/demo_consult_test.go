package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestDemoConsultationPages opens the demo's consultation pages as each
// side and checks what a delegate would look for on them, and that the US
// internal note stays off every page the Russian delegation reads.
func TestDemoConsultationPages(t *testing.T) {
	s := startServer(t, nil, "--demo")
	pw := demoPasswords(t, s.out.String())
	page := func(token, path string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", s.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	ru := login(t, s.url, "ru-head", pw["ru-head"])
	us := login(t, s.url, "us-negotiator", pw["us-negotiator"])
	const note = "a phased plan over six months"
	for _, tt := range []struct {
		path string
		want []string
	}{
		{"/talks/1", []string{`id="tab-overview" aria-current="page"`, `id="tab-irritants"`, `id="tab-rounds"`, `id="tab-statements"`, `id="raise-action"`}},
		{"/talks/1/irritants", []string{"Embassy staffing levels", "Presidential summit", `id="col-escalated"`}},
		{"/irritants/1", []string{"in consultation", "We are ready to restore staffing", "Exchange lists of positions to be filled", "In rounds of talks", "Riyadh"}},
		{"/talks/1/rounds", []string{"Riyadh", "Istanbul", "concluded"}},
		{"/rounds/2", []string{"Residence of the US Consul General", "read-only", "Salary payments through a designated bank"}},
		{"/talks/1/joint-statements", []string{"Joint statement on the Istanbul consultations"}},
		{"/joint-statements/1", []string{"awaiting the signature of", "fourteen days", `id="sign"`}},
		{"/notifications", []string{"raised “", `id="email"`}},
		{"/joint-statements/1?from=1&to=2", []string{"Changes from version 1 to 2", "<ins>Diplomatic notes will be answered within fourteen days.</ins>", "saved by"}},
	} {
		body := page(ru, tt.path)
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s as ru-head lacks %q", tt.path, w)
			}
		}
		if strings.Contains(body, note) {
			t.Errorf("%s shows the Russian head the US internal note", tt.path)
		}
	}
	board := page(ru, "/talks/1/irritants?priority=urgent&q=property")
	if !strings.Contains(board, "Return of seized diplomatic properties") || strings.Contains(board, "Embassy staffing levels") ||
		!strings.Contains(board, `/irritants/board?priority=urgent&amp;q=property"`) {
		t.Errorf("the board filtered to urgent property matters shows the wrong irritants or loses the filter when live:\n%s", board)
	}
	if body := page(login(t, s.url, "ua-head", pw["ua-head"]), "/joint-statements/2"); !strings.Contains(body, "Provisional: awaiting the consent of Ukraine, European Union") ||
		!strings.Contains(body, "Consent for Ukraine") {
		t.Errorf("the Ukrainian head does not see the statement as provisional on Ukraine's consent, with a consent button")
	}
	// A stale edit in the browser shows both texts.
	form := url.Values{"base": {"1"}, "text": {"The delegations met in Istanbul.\n\nMy own wording."}}
	req, _ := http.NewRequest("POST", s.url+"/joint-statements/1/versions", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+us)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 409 || !strings.Contains(string(b), `id="theirs"`) || !strings.Contains(string(b), "My own wording.") || !strings.Contains(string(b), "fourteen days") {
		t.Errorf("stale edit: %d; want 409 with both texts:\n%s", resp.StatusCode, b)
	}
	// Plan a round in the browser's forms: host, delegations, an agenda reordered.
	post := func(path string, form url.Values) string {
		t.Helper()
		req, _ := http.NewRequest("POST", s.url+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Bearer "+us)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Request.URL.Path
	}
	round := post("/talks/1/rounds", url.Values{"title": {"Geneva"}, "venue": {"Palais des Nations"}, "starts_at": {"2025-05-06T09:00"},
		"ends_at": {"2025-05-06T17:00"}, "host": {"5"}, "delegations": {"1", "2"}})
	if !strings.HasPrefix(round, "/rounds/") {
		t.Fatalf("planning a round led to %s", round)
	}
	post(round+"/agenda", url.Values{"title": {"Opening"}})
	post(round+"/agenda", url.Values{"irritant_id": {"4"}})
	body := page(ru, round)
	first := strings.Index(body, "Opening")
	if !strings.Contains(body, "Saudi Arabia (host)") || !strings.Contains(body, "6 May 2025 09:00 UTC to 6 May 2025 17:00 UTC") || first < 0 {
		t.Fatalf("planned round page lacks host, times or agenda:\n%s", body)
	}
	var second string
	for _, line := range strings.Split(body, "\n") {
		if strings.Contains(line, `/agenda/`) && strings.Contains(line, `/up"`) {
			second = line[strings.Index(line, "/rounds/"):]
			second = second[:strings.Index(second, `"`)]
		}
	}
	post(second, url.Values{})
	if body := page(ru, round); strings.Index(body, "Visa issuance for diplomats") > strings.Index(body, "Opening") {
		t.Errorf("moving the visa item up did not put it first")
	}
	if body := page(us, "/irritants/1"); !strings.Contains(body, note) || !strings.Contains(body, "internal to your party") {
		t.Error("the US delegation does not see its own internal note marked internal")
	}
}

// TestSearchAcrossTalksHonoursVisibility: the search across every talk finds
// an internal comment for its own delegation only, finds minutes and
// statements, and says so when nothing matches.
func TestSearchAcrossTalksHonoursVisibility(t *testing.T) {
	s := startServer(t, nil, "--demo")
	pw := demoPasswords(t, s.out.String())
	search := func(user, q string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", s.url+"/search?q="+url.QueryEscape(q), nil)
		req.Header.Set("Authorization", "Bearer "+login(t, s.url, user, pw[user]))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("search %q as %s: %d", q, user, resp.StatusCode)
		}
		return string(b)
	}
	for _, tt := range []struct {
		user, q string
		want    []string
		not     []string
	}{
		{"us-negotiator", "phased plan", []string{`href="/irritants/1"`, "1 result"}, nil},
		{"ru-head", "phased plan", []string{`id="no-results"`}, []string{`href="/irritants/1"`}},
		{"ru-head", "designated bank", []string{"Minutes of Istanbul", `href="/joint-statements/1"`, `href="/irritants/3"`}, nil},
		{"ua-head", "enduring", []string{`href="/joint-statements/2"`}, []string{"US–Russia consultation mechanism</a></h2>"}},
	} {
		body := search(tt.user, tt.q)
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("search %q as %s lacks %s", tt.q, tt.user, w)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(body, w) {
				t.Errorf("search %q as %s shows %s", tt.q, tt.user, w)
			}
		}
	}
}
