package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"parley"
)

// TestMinutesCannotBeBlankedByTheOtherSide: minutes RU recorded survive the
// US re-sending the agenda without ids or clearing them; a mediator may
// remove them, and the record keeps what was removed; the US alone does not
// conclude the round.
func TestMinutesCannotBeBlankedByTheOtherSide(t *testing.T) {
	f := newFixture(t)
	us, ru, med := f.token("same party"), f.token("other party"), f.token("mediator")
	r := f.round(parley.RoundInProgress)
	item := r.Agenda[0].ID
	minutes := fmt.Sprintf("/api/v1/rounds/%d/agenda/%d/minutes", r.ID, item)
	if resp, body := f.do("POST", minutes, ru, map[string]any{"minutes": "RU set out its position on staffing.", "outcome": "noted"}); resp.StatusCode >= 300 {
		t.Fatalf("RU records minutes: %d %s", resp.StatusCode, body)
	}
	agenda := fmt.Sprintf("/api/v1/rounds/%d/agenda", r.ID)
	if resp, body := f.do("PUT", agenda, us, map[string]any{"agenda": []map[string]any{{"title": "Opening"}}}); resp.StatusCode != 403 {
		t.Errorf("US re-sends the agenda without ids: %d %s; want 403", resp.StatusCode, body)
	}
	if resp, body := f.do("POST", minutes, us, map[string]any{"minutes": ""}); resp.StatusCode != 403 {
		t.Errorf("US clears RU's minutes: %d %s; want 403", resp.StatusCode, body)
	}
	got, err := f.db.FindRoundByID(parley.NewContextWithUser(t.Context(), f.users["other party"]), r.ID)
	must(t, err)
	if got.Agenda[0].Minutes != "RU set out its position on staffing." {
		t.Errorf("RU's minutes now read %q", got.Agenda[0].Minutes)
	}
	resp, body := f.do("POST", fmt.Sprintf("/api/v1/rounds/%d/moves", r.ID), us, map[string]any{"to": "concluded"})
	var moved parley.Round
	json.Unmarshal(body, &moved)
	if resp.StatusCode >= 300 || moved.Status != parley.RoundInProgress {
		t.Errorf("US concludes alone: %d, round %s; want it still in progress awaiting RU", resp.StatusCode, moved.Status)
	}
	// A mediator may remove them; the record keeps them.
	if resp, body := f.do("PUT", agenda, med, map[string]any{"agenda": []map[string]any{{"title": "Opening"}}}); resp.StatusCode != 200 {
		t.Fatalf("mediator replaces the agenda: %d %s", resp.StatusCode, body)
	}
	_, body = f.do("GET", fmt.Sprintf("/api/v1/talks/%d/events", f.talk.ID), ru, nil)
	if !strings.Contains(string(body), "removed") || !strings.Contains(string(body), "RU set out its position") {
		t.Error("the record does not keep the minutes the mediator removed")
	}
}

// TestMinutesApprovalOverTheAPI: both delegations approve the version they
// read; an approval of an outdated version is refused naming the current
// one; a change after an approval resets it; a started round's details are
// refused with a 409 that says why.
func TestMinutesApprovalOverTheAPI(t *testing.T) {
	f := newFixture(t)
	us, ru := f.token("same party"), f.token("other party")
	planned := f.round(parley.RoundPlanned)
	resp, body := f.do("PATCH", fmt.Sprintf("/api/v1/rounds/%d", planned.ID), ru, map[string]any{"venue": "Diriyah Palace"})
	var got parley.Round
	json.Unmarshal(body, &got)
	if resp.StatusCode != 200 || got.Venue != "Diriyah Palace" || got.Title != "Riyadh" {
		t.Fatalf("PATCH a planned round's venue: %d %s", resp.StatusCode, body)
	}
	r := f.round(parley.RoundInProgress)
	if resp, body := f.do("PATCH", fmt.Sprintf("/api/v1/rounds/%d", r.ID), ru, map[string]any{"title": "Later"}); resp.StatusCode != 409 || !strings.Contains(string(body), "only while it is planned") {
		t.Errorf("PATCH a started round: %d %s; want 409 saying why", resp.StatusCode, body)
	}
	minutes := fmt.Sprintf("/api/v1/rounds/%d/agenda/%d/minutes", r.ID, r.Agenda[0].ID)
	approve := fmt.Sprintf("/api/v1/rounds/%d/approvals", r.ID)
	if resp, body := f.do("POST", minutes, us, map[string]any{"minutes": "Opened.", "outcome": "noted"}); resp.StatusCode != 200 {
		t.Fatalf("minutes: %d %s", resp.StatusCode, body)
	}
	if resp, body := f.do("POST", approve, us, map[string]any{"version": 0}); resp.StatusCode != 409 || !strings.Contains(string(body), "version 1") {
		t.Errorf("approve an outdated version: %d %s; want 409 naming version 1", resp.StatusCode, body)
	}
	if resp, body := f.do("POST", approve, us, map[string]any{}); resp.StatusCode != 400 {
		t.Errorf("approve without a version: %d %s; want 400", resp.StatusCode, body)
	}
	if resp, body := f.do("POST", approve, us, map[string]any{"version": 1}); resp.StatusCode != 200 {
		t.Fatalf("US approves: %d %s", resp.StatusCode, body)
	}
	_, body = f.do("POST", minutes, us, map[string]any{"minutes": "Opened by the host.", "outcome": "noted"})
	got = parley.Round{}
	json.Unmarshal(body, &got)
	if len(got.Approvals) != 0 || len(got.ResetApprovals) != 1 || got.MinutesVersion != 2 {
		t.Fatalf("after a change: %s", body)
	}
	f.do("POST", approve, us, map[string]any{"version": 2})
	resp, body = f.do("POST", approve, ru, map[string]any{"version": 2})
	got = parley.Round{}
	json.Unmarshal(body, &got)
	if resp.StatusCode != 200 || got.AgreedSeq == 0 {
		t.Errorf("after both approve: %d %s; want agreed", resp.StatusCode, body)
	}
}
