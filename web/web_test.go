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
	"time"

	"parley"
	"parley/api"
	"parley/app"
	"parley/sqlite"
	"parley/web"
)

type site struct {
	t    *testing.T
	url  string
	app  *app.App
	db   *sqlite.DB
	talk *parley.Talk
	us   *parley.User
}

func newSite(t *testing.T) *site {
	ctx := t.Context()
	secret := []byte("web-test-secret-0123456789abcdef")
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "p.db"))
	db.Secret = secret
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a := app.New()
	a.Users, a.Parties, a.Talks, a.Credentials, a.Idempotency = db, db, db, db, db
	a.Irritants, a.Rounds, a.Statements, a.Notifications, a.Inbox = db, db, db, db, db
	a.Secret, a.Logger = secret, slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := a.Open(ctx); err != nil {
		t.Fatal(err)
	}
	w := web.NewServer(a)
	mux := http.NewServeMux()
	api.NewServer(a).Register(mux)
	w.Register(mux)
	srv := httptest.NewServer(a.Middleware(mux))
	t.Cleanup(func() { a.Close(); srv.Close() })
	s := &site{t: t, url: srv.URL, db: db, app: a}
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
	if code != 303 || !strings.HasPrefix(loc, "/inbox") {
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
	// The note lives in the US private chain: the other side sees no trace
	// of it, not even that one was written (issue 9, item 7).
	_, body := s.get(ru, talkPath)
	if strings.Contains(body, "walk-away") || strings.Contains(body, "content withheld") || strings.Contains(body, "private to") {
		t.Error("the Russian delegation sees the US private note, or a trace of it")
	}
	// Every delegate can download the checkpoint, the record, the keys and
	// its own party's private record.
	for _, link := range []string{"/checkpoint", "/record", "/private/record", "/api/v1/keys", "Current checkpoint: "} {
		if !strings.Contains(body, link) {
			t.Errorf("the verification section lacks %q", link)
		}
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
	_, err = s.db.InviteParty(ctx, s.talk.ID, ua.PartyID, parley.StandingStakeholder)
	must(t, err)
	ru, err := s.db.FindUserByName(ctx, "ru")
	must(t, err)
	_, err = s.db.ConsentInvitation(parley.NewContextWithUser(ctx, ru), s.talk.ID, ua.PartyID)
	must(t, err)
	c := s.signIn("ua")
	talkPath := fmt.Sprintf("/talks/%d", s.talk.ID)
	_, body := s.get(c, talkPath)
	if strings.Contains(body, "content withheld") || strings.Contains(body, "Irritants") == false {
		t.Error("before accepting, the invited party sees the talk's history, or not its title")
	}
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
	if _, body := s.get(s.signIn("us"), talkPath); !strings.Contains(body, `signed off <a href="#ev-`+seq+`">`) {
		t.Error("the sign-off is not in the activity")
	}
}

func TestTokensAreCreatedShownOnceAndRevoked(t *testing.T) {
	s := newSite(t)
	c := s.signIn("us")
	_, body := s.get(c, "/account")
	csrf := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(body)
	code, body := s.post(c, "/account/tokens", url.Values{"name": {"ci"}, "csrf": {csrf[1]}})
	m := regexp.MustCompile(`<code id="new-token">(pt_[A-Za-z0-9]+)</code>`).FindStringSubmatch(body)
	if code != 200 || m == nil {
		t.Fatalf("create token: %d, no secret shown", code)
	}
	api := func() int {
		req, _ := http.NewRequest("GET", s.url+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+m[1])
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	if api() != 200 {
		t.Fatal("the new token does not work")
	}
	_, body = s.get(c, "/account")
	if strings.Contains(body, m[1]) {
		t.Error("the token's secret is shown again")
	}
	id := regexp.MustCompile(`/account/tokens/(\d+)/revoke`).FindStringSubmatch(body)
	if code, _ := s.post(c, "/account/tokens/"+id[1]+"/revoke", url.Values{"csrf": {csrf[1]}}); code != 303 {
		t.Fatalf("revoke: %d", code)
	}
	if api() != 401 {
		t.Error("the revoked token still works")
	}
}

func TestFeedFragmentsStayOnOneSSELine(t *testing.T) {
	s := newSite(t)
	ru := s.signIn("ru")
	talkPath := fmt.Sprintf("/talks/%d", s.talk.ID)
	_, body := s.get(ru, talkPath)
	csrf := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(body)
	s.post(ru, talkPath+"/statements", url.Values{"text": {"line one\rid: 999\r\nevent: x\nline two"}, "csrf": {csrf[1]}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.url+talkPath+"/feed?after=0", nil)
	resp, err := ru.Do(req)
	must(t, err)
	defer resp.Body.Close()
	buf := make([]byte, 64<<10)
	var got strings.Builder
	for !strings.Contains(got.String(), "line two") {
		n, err := resp.Body.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			break
		}
	}
	for _, line := range regexp.MustCompile(`\r\n|\r|\n`).Split(got.String(), -1) {
		if strings.HasPrefix(line, "id: 999") || strings.HasPrefix(line, "event: x") {
			t.Fatalf("user text injected an SSE field: %q", line)
		}
	}
}

func TestOpenATalkAndInviteInTheBrowser(t *testing.T) {
	s := newSite(t)
	us := s.signIn("us")
	_, body := s.get(us, "/talks")
	csrf := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(body)
	ids := regexp.MustCompile(`name="standing-(\d+)"`).FindAllStringSubmatch(body, -1)
	if csrf == nil || len(ids) != 3 {
		t.Fatalf("no talk form with three parties on /talks")
	}
	form := url.Values{"title": {"Visas"}, "csrf": {csrf[1]}, "standing-" + ids[0][1]: {"member"}, "standing-" + ids[1][1]: {"member"}}
	code, loc := s.post(us, "/talks", form)
	if code != 303 || !strings.HasPrefix(loc, "/talks/") {
		t.Fatalf("open talk: %d %s", code, loc)
	}
	talkPath := strings.SplitN(loc, "<", 2)[0]
	_, body = s.get(us, talkPath)
	if !strings.Contains(body, "Invite a party") || !strings.Contains(body, "invited") {
		t.Fatalf("talk page lacks the invitation form or the invited party")
	}
	party := regexp.MustCompile(`<select id="iparty" name="party_id" required><option value="">Choose a party</option><option value="(\d+)">UA</option>`).FindStringSubmatch(body)
	if party == nil {
		t.Fatal("UA is not offered for invitation")
	}
	if code, _ := s.post(us, talkPath+"/parties", url.Values{"party_id": {party[1]}, "standing": {"stakeholder"}, "csrf": {csrf[1]}}); code != 303 {
		t.Fatalf("invite: %d", code)
	}
	if _, body := s.get(s.signIn("ua"), talkPath); !strings.Contains(body, "Accept the invitation") {
		t.Error("the invited stakeholder is not offered to accept")
	}
}

func TestChangePasswordEndsSessions(t *testing.T) {
	s := newSite(t)
	c, other := s.signIn("us"), s.signIn("us")
	_, body := s.get(c, "/account")
	csrf := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(body)
	if code, _ := s.post(c, "/account/password", url.Values{"current": {"wrong"}, "new": {"new-password-1"}, "repeat": {"new-password-1"}, "csrf": {csrf[1]}}); code != 403 {
		t.Errorf("wrong current password: %d, want 403", code)
	}
	if code, _ := s.post(c, "/account/password", url.Values{"current": {"password-us"}, "new": {"new-password-1"}, "repeat": {"new-password-1"}, "csrf": {csrf[1]}}); code != 303 {
		t.Fatalf("change password: %d", code)
	}
	if code, _ := s.get(other, "/talks"); code != 303 {
		t.Errorf("another session survived the change: %d", code)
	}
	if code, _ := s.post(s.browser(), "/login", url.Values{"name": {"us"}, "password": {"new-password-1"}}); code != 303 {
		t.Errorf("sign in with the new password: %d", code)
	}
}

// TestTalkPagesOpenAlike: every page of one talk, and every form that acts
// on a talk, round or statement, asks a signed-out visitor to sign in
// before it reads the path, answers a path naming nothing with 404 and
// what it did not find, and hides a talk from a party outside it.
func TestTalkPagesOpenAlike(t *testing.T) {
	s := newSite(t)
	us, ua := s.signIn("us"), s.signIn("ua")
	// The board fragment has no title; it counts the talk's irritants.
	for tab, shows := range map[string]string{"": s.talk.Title, "/irritants": s.talk.Title, "/irritants/board": "irritants in this talk",
		"/rounds": s.talk.Title, "/joint-statements": s.talk.Title} {
		resp, err := s.browser().Get(s.url + "/talks/x" + tab)
		must(t, err)
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || !strings.HasPrefix(loc, "/login?next=") {
			t.Errorf("GET /talks/x%s signed out: %d to %q; want 303 to sign in", tab, resp.StatusCode, loc)
		}
		if code, body := s.get(us, "/talks/x"+tab); code != 404 || !strings.Contains(strings.ToLower(body), "no such talk") {
			t.Errorf("GET /talks/x%s: %d %.200s; want 404 saying no such talk", tab, code, body)
		}
		path := fmt.Sprintf("/talks/%d%s", s.talk.ID, tab)
		if code, _ := s.get(ua, path); code != 404 {
			t.Errorf("GET %s by a party outside the talk: %d; want 404", path, code)
		}
		if code, body := s.get(us, path); code != 200 || !strings.Contains(body, shows) {
			t.Errorf("GET %s: %d %.200s; want 200 showing %q", path, code, body, shows)
		}
	}
	_, page := s.get(us, fmt.Sprintf("/talks/%d", s.talk.ID))
	csrf := csrfOf(page)
	for _, f := range []struct{ path, want string }{
		{"/talks/x/rounds", "no such talk"},
		{"/talks/x/joint-statements", "no such talk"},
		{"/talks/x/accept", "no such talk"},
		{"/rounds/x/agenda", "no such round"},
		{"/rounds/x/moves", "no such round"},
		{"/joint-statements/x/marks", "no such statement"},
	} {
		if code, body := s.post(us, f.path, url.Values{"csrf": {csrf}}); code != 404 || !strings.Contains(strings.ToLower(body), f.want) {
			t.Errorf("POST %s: %d %.200s; want 404 saying %s", f.path, code, body, f.want)
		}
	}
}
