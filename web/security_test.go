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
		{"//evil.example", "/talks"},
		{`/\evil.example`, "/talks"},
		{`/\/evil.example`, "/talks"},
		{"/\t/evil.example", "/talks"},
		{"/%0a/evil.example", "/%0a/evil.example"}, // encoded: a path here, not a host
		{"https://evil.example/", "/talks"},
		{"javascript:alert(1)", "/talks"},
		{"evil.example", "/talks"},
		{"", "/talks"},
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
	// A real failure: raising an irritant without a title.
	_, csrf := s.get(us, fmt.Sprintf("/talks/%d/irritants", s.talk.ID))
	tok := csrfOf(csrf)
	code, loc := s.post(us, fmt.Sprintf("/talks/%d/irritants", s.talk.ID), url.Values{"csrf": {tok}, "title": {""}})
	if code != 303 || strings.Contains(loc, "error=") {
		t.Fatalf("raise without a title: %d %s; want a redirect without the message in the URL", code, loc)
	}
	_, body := s.get(us, loc)
	if !strings.Contains(body, "title") || !strings.Contains(body, `role="alert"`) {
		t.Errorf("the page after a failed raise shows no error")
	}
	if _, again := s.get(us, loc); strings.Contains(again, `class="error" role="alert"`) {
		t.Errorf("the error shows again on reload")
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
