package main

import (
	"html"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// visibleText is the text a page shows: no tags, scripts, styles or
// attributes, entities decoded.
func visibleText(page string) string {
	page = regexp.MustCompile(`(?is)<(script|style|template)\b.*?</(script|style|template)>`).ReplaceAllString(page, " ")
	page = regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(page, " ")
	return html.UnescapeString(page)
}

// jargon finds what a delegate should never read: record type names
// ("irritant.moved"), enum values and field names ("in_consultation",
// "party_id") and raw ids ("#3").
var jargon = regexp.MustCompile(`#\d+|\b(?:talk|party|invitation|member|irritant|round|statement|negotiation)\.[a-z_]+\b|\b[a-z]+_[a-z_]+\b`)

// TestDemoPagesSpeakPlainly walks the demo's pages as each kind of user:
// no page shows a record type name, an enum value or a raw #id.
func TestDemoPagesSpeakPlainly(t *testing.T) {
	s := startServer(t, nil, "--demo")
	pw := demoPasswords(t, s.out.String())
	pages := []string{"/inbox", "/talks", "/talks/1", "/talks/2", "/talks/1/irritants", "/talks/2/irritants", "/irritants/1", "/irritants/2", "/irritants/3",
		"/irritants/4", "/irritants/5", "/talks/1/rounds", "/rounds/1", "/rounds/2", "/talks/1/joint-statements", "/joint-statements/1",
		"/joint-statements/1?from=1&to=2", "/joint-statements/2", "/notifications", "/search?q=staffing", "/talks/1/negotiations", "/negotiations/1", "/negotiations/2"}
	for _, user := range []string{"us-head", "ru-head", "mediator", "ua-head", "sa-host"} {
		tok := login(t, s.url, user, pw[user])
		for _, p := range pages {
			req, _ := http.NewRequest("GET", s.url+p, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				continue // a page this user may not see
			}
			text := visibleText(string(b))
			for _, m := range jargon.FindAllStringIndex(text, -1) {
				from, to := max(0, m[0]-60), min(len(text), m[1]+60)
				t.Errorf("%s as %s shows %q: …%s…", p, user, text[m[0]:m[1]], strings.Join(strings.Fields(text[from:to]), " "))
			}
		}
	}
}
