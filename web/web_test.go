package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"parley"
	"parley/api"
	"parley/sqlite"
	"parley/web"
)

type site struct {
	t    *testing.T
	url  string
	db   *sqlite.DB
	talk *parley.Talk
	us   *parley.User
}

func newSite(t *testing.T) *site {
	ctx := t.Context()
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "p.db"))
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	secret := []byte("web-test-secret-0123456789abcdef")
	db.Secret = secret
	a := api.NewServer()
	a.Users, a.Parties, a.Talks, a.Credentials, a.Idempotency = db, db, db, db, db
	a.Secret, a.Logger = secret, slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := a.Open(ctx); err != nil {
		t.Fatal(err)
	}
	w := web.NewServer(a)
	mux := http.NewServeMux()
	a.Register(mux)
	w.Register(mux)
	srv := httptest.NewServer(a.Middleware(mux))
	t.Cleanup(func() { a.Close(); srv.Close() })
	s := &site{t: t, url: srv.URL, db: db}
	users := map[string]*parley.User{}
	var parties []parley.TalkParty
	for _, n := range []string{"US", "RU", "UA"} {
		p := &parley.Party{Name: n}
		must(t, a.CreateParty(ctx, p))
		u := &parley.User{Name: strings.ToLower(n), PartyID: p.ID, Role: parley.RoleHead}
		must(t, a.CreateUserWithPassword(ctx, u, "password-"+u.Name))
		users[n] = u
		st := parley.StandingMember
		if n == "UA" {
			st = parley.StandingStakeholder
		}
		parties = append(parties, parley.TalkParty{PartyID: p.ID, Standing: st})
	}
	s.us = users["US"]
	s.talk = &parley.Talk{Title: "Irritants", Parties: parties[:2]}
	must(t, db.CreateTalk(parley.NewContextWithUser(ctx, users["US"]), s.talk))
	must(t, db.AcceptInvitation(parley.NewContextWithUser(ctx, users["RU"]), s.talk.ID))
	_, err := db.AppendEvent(parley.NewContextWithUser(ctx, users["US"]), s.talk.ID,
		parley.EventInput{Type: "note", PrivateTo: users["US"].PartyID, Payload: json.RawMessage(`{"text":"our walk-away point"}`)})
	must(t, err)
	return s
}

// browser is a cookie-keeping client that does not follow redirects.
func (s *site) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (s *site) get(c *http.Client, path string) (int, string) {
	resp, err := c.Get(s.url + path)
	must(s.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (s *site) post(c *http.Client, path string, form url.Values) (int, string) {
	resp, err := c.PostForm(s.url+path, form)
	must(s.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location") + string(b)
}

func (s *site) signIn(name string) *http.Client {
	c := s.browser()
	code, loc := s.post(c, "/login", url.Values{"name": {name}, "password": {"password-" + name}})
	if code != 303 || !strings.HasPrefix(loc, "/talks") {
		s.t.Fatalf("sign in as %s: %d %s", name, code, loc)
	}
	return c
}

func TestSignedOutVisitorsAreSentToSignIn(t *testing.T) {
	s := newSite(t)
	code, loc := s.get(s.browser(), "/talks")
	if code != 303 {
		t.Fatalf("GET /talks signed out: %d", code)
	}
	_ = loc
	code, body := s.post(s.browser(), "/login", url.Values{"name": {"us"}, "password": {"wrong-password"}})
	if code != 401 || !strings.Contains(body, "The name or the password is wrong") && !strings.Contains(body, "the name or the password is wrong") {
		t.Fatalf("wrong password: %d %s", code, body)
	}
}

func TestTalkPagesShowOnlyWhatTheViewerMaySee(t *testing.T) {
	s := newSite(t)
	us, ru, ua := s.signIn("us"), s.signIn("ru"), s.signIn("ua")
	talkPath := fmt.Sprintf("/talks/%d", s.talk.ID)
	if _, body := s.get(us, talkPath); !strings.Contains(body, "our walk-away point") {
		t.Error("the US delegation cannot read its own private note")
	}
	_, body := s.get(ru, talkPath)
	if strings.Contains(body, "walk-away") || !strings.Contains(body, "content withheld") {
		t.Error("the Russian delegation sees the US private note, or no trace of it")
	}
	if _, body := s.get(ua, "/talks"); strings.Contains(body, "Irritants") {
		t.Error("a party outside the talk sees it in its list")
	}
	if code, _ := s.get(ua, talkPath); code != 404 {
		t.Errorf("a party outside the talk opens it: %d, want 404", code)
	}
	// Writing needs the form's CSRF token.
	if code, _ := s.post(ru, talkPath+"/statements", url.Values{"text": {"no token"}}); code != 403 {
		t.Errorf("statement without CSRF token: %d, want 403", code)
	}
	csrf := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(body)
	if csrf == nil {
		t.Fatal("no CSRF token in the talk page")
	}
	if code, _ := s.post(ru, talkPath+"/statements", url.Values{"text": {"visas first"}, "csrf": {csrf[1]}}); code != 303 {
		t.Errorf("statement: %d, want 303", code)
	}
	if _, body := s.get(us, talkPath); !strings.Contains(body, "visas first") {
		t.Error("the statement is not on the talk page")
	}
}

func TestInvitedHeadAcceptsInTheBrowser(t *testing.T) {
	s := newSite(t)
	ctx := parley.NewContextWithUser(context.Background(), s.us)
	ua, err := s.db.FindUserByName(ctx, "ua")
	must(t, err)
	must(t, s.db.InviteParty(ctx, s.talk.ID, ua.PartyID, parley.StandingStakeholder))
	c := s.signIn("ua")
	talkPath := fmt.Sprintf("/talks/%d", s.talk.ID)
	_, body := s.get(c, talkPath)
	csrf := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(body)
	if !strings.Contains(body, "Accept the invitation") || csrf == nil {
		t.Fatal("no invitation to accept on the talk page")
	}
	if code, _ := s.post(c, talkPath+"/accept", url.Values{"csrf": {csrf[1]}}); code != 303 {
		t.Fatalf("accept: %d", code)
	}
	if _, body := s.get(c, talkPath); strings.Contains(body, "Accept the invitation") || !strings.Contains(body, "Add a statement") {
		t.Error("after accepting, the stakeholder head cannot add statements")
	}
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func TestSignOffFromTheTalkPage(t *testing.T) {
	s := newSite(t)
	ru := s.signIn("ru")
	talkPath := fmt.Sprintf("/talks/%d", s.talk.ID)
	_, body := s.get(ru, talkPath)
	csrf := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(body)
	s.post(ru, talkPath+"/statements", url.Values{"text": {"joint text v1"}, "csrf": {csrf[1]}})
	_, body = s.get(ru, talkPath)
	m := regexp.MustCompile(`name="seq" value="(\d+)"`).FindAllStringSubmatch(body, -1)
	if len(m) == 0 {
		t.Fatal("no sign-off button on statements")
	}
	seq := m[len(m)-1][1]
	if code, _ := s.post(ru, talkPath+"/signoffs", url.Values{"seq": {seq}, "csrf": {csrf[1]}}); code != 303 {
		t.Fatalf("sign off: %d", code)
	}
	if _, body := s.get(s.signIn("us"), talkPath); !strings.Contains(body, "signed off entry #"+seq) {
		t.Error("the sign-off is not in the activity")
	}
}
