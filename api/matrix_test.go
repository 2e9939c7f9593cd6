package api_test

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"parley"
)

// viewers are the kinds of viewer every route is tried as.
var viewers = []string{"same party", "other party", "observer", "stakeholder", "mediator", "outsider", "anonymous", "admin"}

// call is one request made for a matrix cell.
type call struct {
	path string
	body any
}

// entry says how to call a route and which viewers it allows. prep may make
// fresh state for each viewer, so that one viewer's call does not change the
// next one's outcome.
type entry struct {
	prep  func(f *fixture, viewer, token string) call
	allow []string
}

var (
	everyone  = viewers
	signedIn  = []string{"same party", "other party", "observer", "stakeholder", "mediator", "outsider", "admin"}
	inTalk    = []string{"same party", "other party", "observer", "stakeholder", "mediator", "admin"}
	onlyAdmin = []string{"admin"}
	// delegates are the viewers whose party is in the talk: each reads its
	// own party's private chain.
	delegates = []string{"same party", "other party", "observer", "stakeholder"}
	nobody    = []string{}
	fixed     = func(path string, body any) func(*fixture, string, string) call {
		return func(*fixture, string, string) call { return call{path, body} }
	}
	onTalk = func(suffix string, body any) func(*fixture, string, string) call {
		return func(f *fixture, _, _ string) call {
			return call{fmt.Sprintf("/api/v1/talks/%d%s", f.talk.ID, suffix), body}
		}
	}
)

// matrix is the expected authorization of every route. A route missing here
// fails TestAuthorizationMatrix.
var matrix = map[string]entry{
	"GET /api/v1/openapi.json": {fixed("/api/v1/openapi.json", nil), everyone},
	"POST /api/v1/setup":       {fixed("/api/v1/setup", map[string]string{"token": "guess", "name": "x", "password": "0123456789"}), nobody},
	"POST /api/v1/session": {func(f *fixture, v, _ string) call {
		return call{"/api/v1/session", map[string]string{"name": "us-neg", "password": "password-us-neg"}}
	}, everyone},
	"DELETE /api/v1/session": {fixed("/api/v1/session", nil), signedIn},
	"GET /api/v1/me":         {fixed("/api/v1/me", nil), signedIn},
	"PUT /api/v1/me/password": {func(f *fixture, v, _ string) call {
		name := map[string]string{"same party": "us-neg", "other party": "ru-head", "observer": "sa-head", "stakeholder": "ua-head",
			"mediator": "mediator", "outsider": "fr-head", "admin": "admin", "anonymous": "nobody"}[v]
		pw := "password-" + name
		if f.changed[name] {
			pw = "changed-" + name
		}
		if v != "anonymous" {
			f.changed[name] = true
		}
		return call{"/api/v1/me/password", map[string]string{"current": pw, "new": "changed-" + name}}
	}, signedIn},
	"GET /api/v1/tokens":  {fixed("/api/v1/tokens", nil), signedIn},
	"POST /api/v1/tokens": {fixed("/api/v1/tokens", map[string]string{"name": "script"}), signedIn},
	"DELETE /api/v1/tokens/{id}": {func(f *fixture, v, tok string) call {
		if v == "anonymous" {
			return call{"/api/v1/tokens/1", nil}
		}
		// Revoke one's own token; a second token of the viewer's keeps the request signed in.
		c, err := f.db.FindCredential(f.t.Context(), sha256sum(f.token(v)))
		must(f.t, err)
		return call{fmt.Sprintf("/api/v1/tokens/%d", c.ID), nil}
	}, signedIn},
	"GET /api/v1/parties": {fixed("/api/v1/parties", nil), signedIn},
	"POST /api/v1/parties": {func(f *fixture, v, _ string) call {
		return call{"/api/v1/parties", map[string]string{"name": "P " + v}}
	}, onlyAdmin},
	"PUT /api/v1/parties/{id}/key": {func(f *fixture, v, _ string) call {
		p := &parley.Party{Name: "K " + v}
		must(f.t, f.db.CreateParty(f.t.Context(), p))
		pub, _, _ := ed25519.GenerateKey(nil)
		return call{fmt.Sprintf("/api/v1/parties/%d/key", p.ID), map[string]any{"public_key": []byte(pub)}}
	}, onlyAdmin},
	"GET /api/v1/users": {fixed("/api/v1/users", nil), onlyAdmin},
	"POST /api/v1/users": {func(f *fixture, v, _ string) call {
		return call{"/api/v1/users", map[string]any{"name": "new-" + strings.ReplaceAll(v, " ", "-"), "password": "0123456789ab"}}
	}, onlyAdmin},
	"POST /api/v1/users/{id}/approve": {func(f *fixture, v, _ string) call {
		return call{fmt.Sprintf("/api/v1/users/%d/approve", f.pendingMember("RU", v).ID), nil}
	}, []string{"other party"}},
	"POST /api/v1/users/{id}/disable": {func(f *fixture, v, _ string) call {
		u := &parley.User{Name: "to-disable-" + strings.ReplaceAll(v, " ", "-")}
		must(f.t, f.db.CreateUser(f.t.Context(), u))
		return call{fmt.Sprintf("/api/v1/users/%d/disable", u.ID), nil}
	}, onlyAdmin},
	"GET /api/v1/parties/{id}/members": {func(f *fixture, _, _ string) call {
		return call{fmt.Sprintf("/api/v1/parties/%d/members", f.party["US"].ID), nil}
	}, []string{"same party", "admin"}},
	"GET /api/v1/talks": {fixed("/api/v1/talks", nil), signedIn},
	"POST /api/v1/talks": {func(f *fixture, v, _ string) call {
		return call{"/api/v1/talks", map[string]any{"title": "new talk", "parties": []map[string]any{{"party_id": f.party["FR"].ID, "standing": "member"}}}}
	}, []string{"other party", "observer", "stakeholder", "mediator", "outsider", "admin"}},
	"GET /api/v1/talks/{id}": {onTalk("", nil), inTalk},
	"POST /api/v1/talks/{id}/parties": {func(f *fixture, v, _ string) call {
		p := &parley.Party{Name: "invitee " + v}
		must(f.t, f.db.CreateParty(f.t.Context(), p))
		return call{fmt.Sprintf("/api/v1/talks/%d/parties", f.talk.ID), map[string]any{"party_id": p.ID, "standing": "stakeholder"}}
	}, []string{"other party", "mediator", "admin"}},
	"POST /api/v1/talks/{id}/accept": {func(f *fixture, v, _ string) call {
		return call{fmt.Sprintf("/api/v1/talks/%d/accept", f.newTalk(false).ID), nil}
	}, []string{"other party", "observer", "stakeholder"}},
	"POST /api/v1/talks/{id}/invitations/{party}/consent": {func(f *fixture, v, _ string) call {
		return call{fmt.Sprintf("/api/v1/talks/%d/invitations/%d/consent", f.talk.ID, f.proposed(v).ID), nil}
	}, []string{"other party", "mediator"}},
	"DELETE /api/v1/talks/{id}/invitations/{party}": {func(f *fixture, v, _ string) call {
		return call{fmt.Sprintf("/api/v1/talks/%d/invitations/%d", f.talk.ID, f.proposed(v).ID), nil}
	}, []string{"other party", "mediator", "admin"}},
	"GET /api/v1/talks/{id}/events":  {onTalk("/events", nil), inTalk},
	"POST /api/v1/talks/{id}/events": {onTalk("/events", map[string]any{"type": "statement", "payload": map[string]string{"text": "hi"}}), []string{"same party", "other party", "stakeholder", "mediator"}},
	"GET /api/v1/talks/{id}/record":  {onTalk("/record", nil), inTalk},
	// Signing off is the head's act: "same party" is a negotiator.
	"POST /api/v1/talks/{id}/signoffs":      {onTalk("/signoffs", map[string]any{"seq": 1}), []string{"other party", "stakeholder"}},
	"GET /api/v1/talks/{id}/checkpoint":     {onTalk("/checkpoint", nil), inTalk},
	"GET /api/v1/talks/{id}/private/events": {onTalk("/private/events", nil), delegates},
	"GET /api/v1/talks/{id}/private/record": {onTalk("/private/record", nil), delegates},
	"GET /api/v1/keys":                      {fixed("/api/v1/keys", nil), signedIn},
	// The consultation mechanism.
	"GET /api/v1/talks/{id}/irritants":     {onTalk("/irritants?q=staffing&status=raised,acknowledged", nil), inTalk},
	"GET /api/v1/talks/{id}/irritants.csv": {onTalk("/irritants.csv", nil), inTalk},
	"POST /api/v1/talks/{id}/irritants": {func(f *fixture, v, _ string) call {
		toward := f.party["RU"].ID
		if v == "other party" {
			toward = f.party["US"].ID
		}
		return call{fmt.Sprintf("/api/v1/talks/%d/irritants", f.talk.ID), map[string]any{"title": "Visas", "toward": []int64{toward}}}
	}, []string{"same party", "other party"}},
	"GET /api/v1/irritants/{id}":          {onIrritant("", parley.IrritantRaised, nil), inTalk},
	"GET /api/v1/irritants/{id}/timeline": {onIrritant("/timeline", parley.IrritantRaised, nil), inTalk},
	"POST /api/v1/irritants/{id}/moves": {onIrritant("/moves", parley.IrritantAcknowledged, map[string]any{"to": "in_consultation", "reason": "round 2"}),
		[]string{"same party", "other party", "mediator"}},
	"POST /api/v1/irritants/{id}/confirm":  {onIrritant("/confirm", parley.IrritantInConsultation, map[string]any{"reason": "done"}), []string{"same party", "other party"}},
	"POST /api/v1/irritants/{id}/comments": {onIrritant("/comments", parley.IrritantRaised, map[string]any{"text": "noted"}), []string{"same party", "other party", "stakeholder", "mediator"}},
	"GET /api/v1/talks/{id}/rounds":        {onTalk("/rounds", nil), inTalk},
	"POST /api/v1/talks/{id}/rounds":       {onTalk("/rounds", map[string]any{"title": "Istanbul", "starts_at": "2026-03-01T09:00:00Z", "agenda": []map[string]any{{"title": "Opening"}}}), organisers},
	"GET /api/v1/rounds/{id}":              {onRound("", parley.RoundPlanned, nil), inTalk},
	"PUT /api/v1/rounds/{id}/agenda":       {onRound("/agenda", parley.RoundPlanned, map[string]any{"agenda": []map[string]any{{"title": "Visas"}}}), organisers},
	"PATCH /api/v1/rounds/{id}":            {onRound("", parley.RoundPlanned, map[string]any{"title": "Riyadh II", "venue": "Diriyah"}), organisers},
	// The attending delegations approve minutes: not a mediator, who has none.
	"POST /api/v1/rounds/{id}/approvals": {onRound("/approvals", parley.RoundInProgress, map[string]any{"version": 0}), []string{"same party", "other party"}},
	"POST /api/v1/rounds/{id}/agenda/{item}/minutes": {func(f *fixture, _, _ string) call {
		r := f.round(parley.RoundInProgress)
		return call{fmt.Sprintf("/api/v1/rounds/%d/agenda/%d/minutes", r.ID, r.Agenda[0].ID), map[string]any{"minutes": "Discussed.", "outcome": "noted"}}
	}, organisers},
	"POST /api/v1/rounds/{id}/moves":          {onRound("/moves", parley.RoundPlanned, map[string]any{"to": "in_progress"}), organisers},
	"GET /api/v1/talks/{id}/statements":       {onTalk("/statements", nil), inTalk},
	"POST /api/v1/talks/{id}/statements":      {onTalk("/statements", map[string]any{"title": "Joint statement", "text": "We met."}), organisers},
	"GET /api/v1/statements/{id}":             {onStatement("", nil), inTalk},
	"GET /api/v1/statements/{id}/versions":    {onStatement("/versions", nil), inTalk},
	"POST /api/v1/statements/{id}/versions":   {onStatement("/versions", map[string]any{"base": 1, "text": "We met again."}), organisers},
	"GET /api/v1/statements/{id}/diff":        {onStatement("/diff", nil), inTalk},
	"POST /api/v1/statements/{id}/marks":      {onStatement("/marks", map[string]any{"version": 1, "mark": "can_accept"}), []string{"same party", "other party"}},
	"POST /api/v1/statements/{id}/signatures": {onStatement("/signatures", map[string]any{"version": 1}), []string{"other party"}},
	"POST /api/v1/statements/{id}/consents":   {onStatement("/consents", map[string]any{"version": 1, "consent": true}), []string{"stakeholder"}},
	"POST /api/v1/statements/{id}/comments":   {onStatement("/comments", map[string]any{"paragraph": 0, "text": "Agreed."}), []string{"same party", "other party", "stakeholder", "mediator"}},
	"GET /api/v1/notifications":               {fixed("/api/v1/notifications?unread=true", nil), signedIn},
	"POST /api/v1/notifications/read":         {fixed("/api/v1/notifications/read", map[string]any{"ids": []int64{}}), signedIn},
	"GET /api/v1/me/email":                    {fixed("/api/v1/me/email", nil), signedIn},
	"PUT /api/v1/me/email":                    {fixed("/api/v1/me/email", map[string]string{"email": "delegate@example.org"}), signedIn},
}

func TestAuthorizationMatrix(t *testing.T) {
	runMatrix(t, newFixture(t))
}

// runMatrix calls every route as every kind of viewer and checks who is
// allowed.
func runMatrix(t *testing.T, f *fixture) {
	maps.Copy(matrix, negotiationMatrix)
	patterns := f.srv.Patterns()
	for _, p := range patterns {
		if _, ok := matrix[p]; !ok {
			t.Errorf("route %q has no entry in the authorization matrix", p)
		}
	}
	for p := range matrix {
		if !slices.Contains(patterns, p) {
			t.Errorf("matrix entry %q is not a route", p)
		}
	}
	for _, p := range patterns {
		e, ok := matrix[p]
		if !ok {
			continue
		}
		method, _, _ := strings.Cut(p, " ")
		for _, v := range viewers {
			tok := f.token(v)
			c := e.prep(f, v, tok)
			resp, body := f.do(method, c.path, tok, c.body)
			allowed := slices.Contains(e.allow, v)
			ok := resp.StatusCode < 300
			denied := resp.StatusCode == 401 || resp.StatusCode == 403 || resp.StatusCode == 404
			if allowed && !ok || !allowed && !denied {
				t.Errorf("%s as %s: status %d (%s), want allowed=%v", p, v, resp.StatusCode, strings.TrimSpace(string(body)), allowed)
			}
			if v == "anonymous" && !allowed && resp.StatusCode != 401 && p != "POST /api/v1/setup" {
				t.Errorf("%s as anonymous: status %d, want 401", p, resp.StatusCode)
			}
			if v == "outsider" && strings.Contains(p, "{id}") && strings.Contains(p, "talks") && resp.StatusCode != 404 {
				t.Errorf("%s as outsider: status %d, want 404 so the talk's existence does not leak", p, resp.StatusCode)
			}
		}
	}
}

// TestOpenAPIMatchesRoutes fails when a route is undocumented or a
// documented route does not exist.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	f := newFixture(t)
	b, err := os.ReadFile("openapi.json")
	must(t, err)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	must(t, json.Unmarshal(b, &doc))
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q, want 3.x", doc.OpenAPI)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for m := range ops {
			documented = append(documented, strings.ToUpper(m)+" "+path)
		}
	}
	routes := f.srv.Patterns()
	for _, r := range routes {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routes, d) {
			t.Errorf("openapi.json documents %s, which is not a route", d)
		}
	}
	// The served document is the file.
	resp, body := f.do("GET", "/api/v1/openapi.json", "", nil)
	if resp.StatusCode != 200 || string(body) != string(b) {
		t.Errorf("GET /api/v1/openapi.json: %d, %d bytes; want the file", resp.StatusCode, len(body))
	}
}
