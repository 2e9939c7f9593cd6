package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"parley"
)

// pendingMember has the administrator add a negotiator to party's
// delegation, which makes them wait for its approval.
func (f *fixture) pendingMember(party, suffix string) *parley.User {
	f.t.Helper()
	admin := f.users["admin"]
	name := fmt.Sprintf("new-%s-%d", strings.ReplaceAll(suffix, " ", "-"), f.n)
	f.n++
	u := &parley.User{Name: name, PartyID: f.party[party].ID, Role: parley.RoleNegotiator, CreatedBy: admin.ID}
	must(f.t, f.srv.CreateUserWithPassword(parley.NewContextWithUser(f.t.Context(), admin), u, "password-"+name))
	if !u.Pending {
		f.t.Fatalf("%s joined %s without approval", name, party)
	}
	return u
}

// TestAdminCannotBecomeAParty: a user an administrator adds to a delegation
// that has members cannot sign in or act until the party's head approves;
// neither the creating administrator nor a second one may approve while the
// party has a head; the joining is recorded in the party's talks.
func TestAdminCannotBecomeAParty(t *testing.T) {
	f := newFixture(t)
	admin := f.token("admin")
	resp, body := f.do("POST", "/api/v1/users", admin, map[string]any{"name": "spy", "display_name": "US negotiator 2", "password": "password-spy",
		"party_id": f.party["US"].ID, "role": "head"})
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	var spy parley.User
	must(t, json.Unmarshal(body, &spy))
	if !spy.Pending {
		t.Errorf("a new member of an existing delegation is not pending: %s", body)
	}
	if resp, _ := f.do("POST", "/api/v1/session", "", map[string]string{"name": "spy", "password": "password-spy"}); resp.StatusCode != 403 {
		t.Errorf("pending member signs in: %d, want 403", resp.StatusCode)
	}
	approve := fmt.Sprintf("/api/v1/users/%d/approve", spy.ID)
	for _, v := range []string{"admin", "same party", "other party", "mediator"} {
		if resp, body := f.do("POST", approve, f.token(v), nil); resp.StatusCode != 403 {
			t.Errorf("%s approves: %d %s, want 403", v, resp.StatusCode, body)
		}
	}
	if resp, body := f.do("POST", approve, f.token("us head"), nil); resp.StatusCode != 200 {
		t.Fatalf("the head approves: %d %s", resp.StatusCode, body)
	}
	if resp, _ := f.do("POST", "/api/v1/session", "", map[string]string{"name": "spy", "password": "password-spy"}); resp.StatusCode != 200 {
		t.Errorf("approved member signs in: %d", resp.StatusCode)
	}
	_, body = f.do("GET", fmt.Sprintf("/api/v1/talks/%d/events", f.talk.ID), f.token("other party"), nil)
	if !strings.Contains(string(body), `"member.joined"`) {
		t.Errorf("the other side's view of the talk does not record the new member: %s", body)
	}
}

// TestSecondAdminApprovesHeadlessParty: a party whose only head is
// disabled gets a new member only with a second administrator's approval.
func TestSecondAdminApprovesHeadlessParty(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	admin := f.users["admin"]
	other := &parley.User{Name: "admin2", Admin: true}
	must(t, f.srv.CreateUserWithPassword(ctx, other, "password-admin2"))
	f.users["admin2"] = other
	if resp, body := f.do("POST", fmt.Sprintf("/api/v1/users/%d/disable", f.users["other party"].ID), f.token("admin"), nil); resp.StatusCode != 200 {
		t.Fatalf("disable RU's head: %d %s", resp.StatusCode, body)
	}
	m := f.pendingMember("RU", "head")
	if _, err := f.db.ApproveMember(parley.NewContextWithUser(ctx, admin), m.ID); parley.ErrorCode(err) != parley.EFORBIDDEN {
		t.Errorf("the creating administrator approves: %v, want forbidden", err)
	}
	if _, err := f.db.ApproveMember(parley.NewContextWithUser(ctx, other), m.ID); err != nil {
		t.Errorf("a second administrator approves: %v", err)
	}
}

// TestDisabledUserLosesAccess: disabling ends the user's tokens and stops
// sign-in.
func TestDisabledUserLosesAccess(t *testing.T) {
	f := newFixture(t)
	tok := f.token("same party")
	if resp, body := f.do("POST", fmt.Sprintf("/api/v1/users/%d/disable", f.users["same party"].ID), f.token("admin"), nil); resp.StatusCode != 200 {
		t.Fatalf("disable: %d %s", resp.StatusCode, body)
	}
	if resp, _ := f.do("GET", "/api/v1/me", tok, nil); resp.StatusCode != 401 {
		t.Errorf("a disabled user's token: %d, want 401", resp.StatusCode)
	}
	if resp, _ := f.do("POST", "/api/v1/session", "", map[string]string{"name": "us-neg", "password": "password-us-neg"}); resp.StatusCode != 403 {
		t.Errorf("a disabled user signs in: %d, want 403", resp.StatusCode)
	}
}

// TestDisplayNamesUniquePerParty: a delegation cannot hold two members shown
// alike, so no one can pass as another in its name.
func TestDisplayNamesUniquePerParty(t *testing.T) {
	f := newFixture(t)
	resp, body := f.do("POST", "/api/v1/users", f.token("admin"), map[string]any{"name": "copy", "display_name": "US-NEG", "password": "password-copy",
		"party_id": f.party["US"].ID, "role": "negotiator"})
	if resp.StatusCode != 409 || !strings.Contains(string(body), "display name") {
		t.Errorf("a copied display name: %d %s, want 409", resp.StatusCode, body)
	}
	// Another party may use the name.
	resp, body = f.do("POST", "/api/v1/users", f.token("admin"), map[string]any{"name": "copy", "display_name": "us-neg", "password": "password-copy",
		"party_id": f.party["FR"].ID, "role": "negotiator"})
	if resp.StatusCode != 201 {
		t.Errorf("the same display name in another party: %d %s", resp.StatusCode, body)
	}
}
