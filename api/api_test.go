package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"parley"
	"parley/api"
	"parley/app"
	"parley/sqlite"
)

var secret = []byte("api-test-secret-0123456789abcdef")

// fixture is a running API over a fresh SQLite store with a small world.
type fixture struct {
	t     *testing.T
	srv   *api.Server
	db    *sqlite.DB
	http  *httptest.Server
	users map[string]*parley.User // by viewer kind
	party map[string]*parley.Party
	talk  *parley.Talk
	n     int
	// changed records whose password the matrix test has changed.
	changed map[string]bool
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureWrapped(t, nil)
}

// newFixtureWrapped is newFixture with the HTTP handler wrapped, when wrap
// is not nil (the contract test checks every response on the way out).
func newFixtureWrapped(t *testing.T, wrap func(http.Handler) http.Handler) *fixture {
	t.Helper()
	ctx := t.Context()
	s := api.NewServer(app.New())
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "p.db"))
	db.Secret, db.OnEvent = secret, s.Hub.Publish
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s.Users, s.Parties, s.Talks, s.Credentials, s.Idempotency = db, db, db, db, db
	s.Irritants, s.Rounds, s.Statements, s.Notifications = db, db, db, db
	s.Negotiations = db
	s.Mediator = &parley.Mediator{Negotiations: db, EngineVersion: "test"}
	s.Mediator.Open()
	s.Secret = secret
	s.Logger = discardLogger()
	f := &fixture{t: t, srv: s, db: db, users: map[string]*parley.User{}, party: map[string]*parley.Party{}, changed: map[string]bool{}}
	if _, err := s.Open(ctx); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	s.Register(mux)
	var h http.Handler = s.Middleware(mux)
	if wrap != nil {
		h = wrap(h)
	}
	f.http = httptest.NewServer(h)
	t.Cleanup(func() { s.Close(); f.http.Close() })

	for _, n := range []string{"US", "RU", "SA", "UA", "FR"} {
		p := &parley.Party{Name: n}
		must(t, s.CreateParty(ctx, p))
		f.party[n] = p
	}
	add := func(kind, name, party string, role parley.Role, mediator, admin bool) {
		u := &parley.User{Name: name, Role: role, Mediator: mediator, Admin: admin}
		if party != "" {
			u.PartyID = f.party[party].ID
		}
		must(t, s.CreateUserWithPassword(ctx, u, "password-"+name))
		f.users[kind] = u
	}
	add("same party", "us-neg", "US", parley.RoleNegotiator, false, false)
	add("us head", "us-head", "US", parley.RoleHead, false, false)
	add("other party", "ru-head", "RU", parley.RoleHead, false, false)
	add("observer", "sa-head", "SA", parley.RoleHead, false, false)
	add("stakeholder", "ua-head", "UA", parley.RoleHead, false, false)
	add("outsider", "fr-head", "FR", parley.RoleHead, false, false)
	add("mediator", "mediator", "", "", true, false)
	add("admin", "admin", "", "", false, true)
	f.talk = f.newTalk(true)
	return f
}

// newTalk opens a talk between US and RU with SA observing and UA affected,
// mediated by the mediator; accepted says whether the parties accept.
func (f *fixture) newTalk(accepted bool) *parley.Talk {
	ctx := f.t.Context()
	t := &parley.Talk{Title: fmt.Sprintf("talk %d", f.n), Parties: []parley.TalkParty{
		{PartyID: f.party["US"].ID, Standing: parley.StandingMember},
		{PartyID: f.party["RU"].ID, Standing: parley.StandingMember},
		{PartyID: f.party["SA"].ID, Standing: parley.StandingObserver},
		{PartyID: f.party["UA"].ID, Standing: parley.StandingStakeholder},
	}}
	f.n++
	must(f.t, f.db.CreateTalk(parley.NewContextWithUser(ctx, f.users["mediator"]), t))
	if accepted {
		for _, k := range []string{"us head", "other party", "observer", "stakeholder"} {
			must(f.t, f.db.AcceptInvitation(parley.NewContextWithUser(ctx, f.users[k]), t.ID))
		}
	}
	return t
}

// token returns a bearer token for the viewer kind, "" for anonymous.
func (f *fixture) token(kind string) string {
	if kind == "anonymous" {
		return ""
	}
	u := f.users[kind]
	secret := fmt.Sprintf("tok-%s-%d", strings.ReplaceAll(kind, " ", "-"), f.n)
	f.n++
	h := sha256sum(secret)
	must(f.t, f.db.CreateCredential(f.t.Context(), &parley.Credential{UserID: u.ID, Kind: parley.CredentialToken, Name: "t", Hash: h}))
	return secret
}

// do sends a request with an optional bearer token and JSON body.
func (f *fixture) do(method, path, token string, body any, hdr ...string) (*http.Response, []byte) {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			rd = strings.NewReader(b)
		default:
			j, err := json.Marshal(b)
			must(f.t, err)
			rd = bytes.NewReader(j)
		}
	}
	req, err := http.NewRequest(method, f.http.URL+path, rd)
	must(f.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	must(f.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}
