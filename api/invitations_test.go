package api_test

import (
	"fmt"
	"strings"
	"testing"

	"parley"
)

// proposed has the administrator propose a fresh party for f's talk, which
// waits for the seated members' consent.
func (f *fixture) proposed(suffix string) *parley.Party {
	f.t.Helper()
	p := &parley.Party{Name: fmt.Sprintf("proposed %s %d", suffix, f.n)}
	f.n++
	must(f.t, f.db.CreateParty(f.t.Context(), p))
	invited, err := f.db.InviteParty(parley.NewContextWithUser(f.t.Context(), f.users["admin"]), f.talk.ID, p.ID, parley.StandingObserver)
	must(f.t, err)
	if invited {
		f.t.Fatal("an administrator's proposal invited the party at once")
	}
	return p
}

// TestOneMemberCannotDiscloseATalk: one member's head proposing a third
// party does not show it the talk; the other member's consent does, and
// then only the title until it accepts; a proposal can be withdrawn.
func TestOneMemberCannotDiscloseATalk(t *testing.T) {
	f := newFixture(t)
	fr := f.token("outsider")
	resp, body := f.do("POST", fmt.Sprintf("/api/v1/talks/%d/parties", f.talk.ID), f.token("other party"),
		map[string]any{"party_id": f.party["FR"].ID, "standing": "member"})
	if resp.StatusCode != 202 {
		t.Fatalf("RU proposes FR: %d %s; want 202 awaiting US", resp.StatusCode, body)
	}
	if resp, _ := f.do("GET", fmt.Sprintf("/api/v1/talks/%d", f.talk.ID), fr, nil); resp.StatusCode != 404 {
		t.Errorf("FR sees the talk on RU's word alone: %d, want 404", resp.StatusCode)
	}
	resp, body = f.do("POST", fmt.Sprintf("/api/v1/talks/%d/invitations/%d/consent", f.talk.ID, f.party["FR"].ID), f.token("us head"), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("US consents: %d %s", resp.StatusCode, body)
	}
	resp, body = f.do("GET", fmt.Sprintf("/api/v1/talks/%d", f.talk.ID), fr, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), f.talk.Title) || strings.Contains(string(body), fmt.Sprintf(`"party_id":%d`, f.party["RU"].ID)) {
		t.Errorf("invited FR sees %d %s; want the title alone", resp.StatusCode, body)
	}
	for _, path := range []string{"/events", "/record", "/irritants", "/rounds", "/statements"} {
		if resp, _ := f.do("GET", fmt.Sprintf("/api/v1/talks/%d%s", f.talk.ID, path), fr, nil); resp.StatusCode != 404 {
			t.Errorf("invited FR reads %s before accepting: %d, want 404", path, resp.StatusCode)
		}
	}
	// Withdrawn before FR accepts: FR loses even the title.
	if resp, body := f.do("DELETE", fmt.Sprintf("/api/v1/talks/%d/invitations/%d", f.talk.ID, f.party["FR"].ID), f.token("us head"), nil); resp.StatusCode != 204 {
		t.Fatalf("withdraw: %d %s", resp.StatusCode, body)
	}
	if resp, _ := f.do("POST", fmt.Sprintf("/api/v1/talks/%d/accept", f.talk.ID), fr, nil); resp.StatusCode != 404 {
		t.Errorf("FR accepts a withdrawn invitation: %d, want 404", resp.StatusCode)
	}
	_, body = f.do("GET", fmt.Sprintf("/api/v1/talks/%d/events", f.talk.ID), f.token("other party"), nil)
	for _, typ := range []string{"party.proposed", "invitation.consented", "party.invited", "invitation.withdrawn"} {
		if !strings.Contains(string(body), `"`+typ+`"`) {
			t.Errorf("the record lacks %s", typ)
		}
	}
}
