package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"parley"
)

// TestSignInNeverRedirectsOffSite: whatever next= says, signing in lands on
// a page of this server.
func TestSignInNeverRedirectsOffSite(t *testing.T) {
	s := newSite(t)
	tests := []struct{ next, want string }{
		{"/talks/1", "/talks/1"},
		{"/irritants/2?x=1", "/irritants/2?x=1"},
		{"//evil.example", "/inbox"},
		{`/\evil.example`, "/inbox"},
		{`/\/evil.example`, "/inbox"},
		{"/\t/evil.example", "/inbox"},
		{"/%0a/evil.example", "/%0a/evil.example"}, // encoded: a path here, not a host
		{"https://evil.example/", "/inbox"},
		{"javascript:alert(1)", "/inbox"},
		{"evil.example", "/inbox"},
		{"", "/inbox"},
	}
	for _, tt := range tests {
		c := s.browser()
		code, loc := s.post(c, "/login", url.Values{"name": {"us"}, "password": {"password-us"}, "next": {tt.next}})
		if code != 303 || !strings.HasPrefix(loc, tt.want) || len(loc) < len(tt.want) || loc[:len(tt.want)] != tt.want || strings.Contains(loc, "evil") && !strings.HasPrefix(loc, "/%0a") {
			t.Errorf("next=%q: %d Location %q; want %q", tt.next, code, loc, tt.want)
		}
	}
	// The form does not carry a foreign next= either.
	if _, body := s.get(s.browser(), "/login?next=//evil.example"); strings.Contains(body, "evil.example") {
		t.Error("the sign-in form carries next=//evil.example")
	}
}

// TestMessagesNeverComeFromTheURL: a link with ?error= or ?done= shows no
// text of its own; a real error still reaches the page it redirects to,
// once.
func TestMessagesNeverComeFromTheURL(t *testing.T) {
	s := newSite(t)
	us := s.signIn("us")
	lure := "Your session expired, call +1 555 0100"
	for _, path := range []string{
		fmt.Sprintf("/talks/%d/irritants?error=%s", s.talk.ID, url.QueryEscape(lure)),
		fmt.Sprintf("/talks/%d/rounds?error=%s", s.talk.ID, url.QueryEscape(lure)),
		fmt.Sprintf("/talks/%d/joint-statements?error=%s", s.talk.ID, url.QueryEscape(lure)),
		"/notifications?error=" + url.QueryEscape(lure),
	} {
		code, body := s.get(us, path)
		if code != 200 || strings.Contains(body, "555 0100") {
			t.Errorf("GET %s: %d, shows the URL's text: %v", path, code, strings.Contains(body, "555 0100"))
		}
	}
	// Nor does the administration page (its messages come in a flash).
	must(t, s.app.CreateUserWithPassword(t.Context(), &parley.User{Name: "root", Admin: true}, "password-root"))
	root := s.browser()
	if code, _ := s.post(root, "/login", url.Values{"name": {"root"}, "password": {"password-root"}}); code != 303 {
		t.Fatalf("admin sign-in: %d", code)
	}
	for _, q := range []string{"done", "error", "message"} {
		if code, body := s.get(root, "/admin?"+q+"="+url.QueryEscape(lure)); code != 200 || strings.Contains(body, "555 0100") {
			t.Errorf("GET /admin?%s=: %d, shows the URL's text: %v", q, code, strings.Contains(body, "555 0100"))
		}
	}
	// A real failure comes back on the page itself, from the server, and
	// never travels in the URL.
	_, page := s.get(us, fmt.Sprintf("/talks/%d/irritants", s.talk.ID))
	code, body := s.post(us, fmt.Sprintf("/talks/%d/irritants", s.talk.ID), url.Values{"csrf": {csrfOf(page)}, "title": {""}})
	if code != 400 || strings.Contains(body, "error=") || !strings.Contains(body, "title") {
		t.Errorf("raise without a title: %d; want the form back with its message", code)
	}
}

// csrfOf finds the CSRF token in a page.
func csrfOf(body string) string {
	_, rest, ok := strings.Cut(body, `name="csrf" value="`)
	if !ok {
		return ""
	}
	tok, _, _ := strings.Cut(rest, `"`)
	return tok
}

// TestHeadApprovesNewMemberInTheBrowser: the head sees who an
// administrator added to the delegation and lets them in.
func TestHeadApprovesNewMemberInTheBrowser(t *testing.T) {
	s := newSite(t)
	ctx := t.Context()
	admin := &parley.User{Name: "root", Admin: true}
	must(t, s.db.CreateUser(ctx, admin))
	m := &parley.User{Name: "newcomer", PartyID: s.us.PartyID, Role: parley.RoleNegotiator, CreatedBy: admin.ID}
	must(t, s.db.CreateUser(parley.NewContextWithUser(ctx, admin), m))
	if !m.Pending {
		t.Fatal("a member added by an administrator is not pending")
	}
	us := s.signIn("us")
	_, body := s.get(us, "/account")
	if !strings.Contains(body, "newcomer") {
		t.Fatal("the head's account page does not show the pending member")
	}
	if code, loc := s.post(us, fmt.Sprintf("/users/%d/approve", m.ID), url.Values{"csrf": {csrfOf(body)}}); code != 303 {
		t.Fatalf("approve: %d %s", code, loc)
	}
	got, err := s.db.FindUserByID(ctx, m.ID)
	must(t, err)
	if got.Pending {
		t.Error("still pending after the head's approval")
	}
}
