package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"parley"
)

// round plans a round of s's talk, as the US, with two free items, in the
// given status.
func (s *site) round(status parley.RoundStatus, starts time.Time) *parley.Round {
	s.t.Helper()
	ctx := parley.NewContextWithUser(s.t.Context(), s.us)
	r := &parley.Round{TalkID: s.talk.ID, Title: "Geneva", StartsAt: starts, Agenda: []*parley.AgendaItem{{Title: "Visas"}, {Title: "Banking"}}}
	must(s.t, s.db.CreateRound(ctx, r))
	if status != parley.RoundPlanned {
		_, err := s.db.MoveRound(ctx, r.ID, parley.RoundInProgress)
		must(s.t, err)
	}
	return r
}

// TestPlannedRoundDetailsAreEditable: a planned round's title, place and
// date change from its page; a refused change keeps what was typed; once
// started the change is refused with a reason.
func TestPlannedRoundDetailsAreEditable(t *testing.T) {
	s := newSite(t)
	us := s.signIn("us")
	r := s.round(parley.RoundPlanned, time.Date(2030, 3, 1, 9, 0, 0, 0, time.UTC))
	path := fmt.Sprintf("/rounds/%d", r.ID)
	_, page := s.get(us, path)
	if !strings.Contains(page, `id="details"`) {
		t.Fatal("a planned round's page offers no form to change its details")
	}
	code, body := s.post(us, path+"/details", url.Values{"csrf": {csrfOf(page)}, "title": {""}, "venue": {"Palais des Nations"}, "starts_at": {"2030-03-02T10:00"}})
	if code != 400 || !strings.Contains(body, `value="Palais des Nations"`) || !strings.Contains(body, "rtitle-error") {
		t.Errorf("empty title: %d; want the form back with the place kept and the title's message", code)
	}
	if code, _ := s.post(us, path+"/details", url.Values{"csrf": {csrfOf(page)}, "title": {"Geneva II"}, "venue": {"Palais des Nations"}, "starts_at": {"2030-03-02T10:00"}}); code != 303 {
		t.Fatalf("save details: %d", code)
	}
	got, err := s.db.FindRoundByID(parley.NewContextWithUser(t.Context(), s.us), r.ID)
	must(t, err)
	if got.Title != "Geneva II" || got.Venue != "Palais des Nations" || !got.StartsAt.Equal(time.Date(2030, 3, 2, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("round reads %q %q %v", got.Title, got.Venue, got.StartsAt)
	}
	// Reorder and remove from the agenda.
	if code, _ := s.post(us, fmt.Sprintf("%s/agenda/%d/down", path, got.Agenda[0].ID), url.Values{"csrf": {csrfOf(page)}}); code != 303 {
		t.Fatalf("move down: %d", code)
	}
	got, _ = s.db.FindRoundByID(parley.NewContextWithUser(t.Context(), s.us), r.ID)
	if got.Agenda[0].Title != "Banking" {
		t.Errorf("after moving Visas down the agenda reads %q first", got.Agenda[0].Title)
	}
	if code, _ := s.post(us, fmt.Sprintf("%s/agenda/%d/remove", path, got.Agenda[0].ID), url.Values{"csrf": {csrfOf(page)}}); code != 303 {
		t.Fatalf("remove: %d", code)
	}
	got, _ = s.db.FindRoundByID(parley.NewContextWithUser(t.Context(), s.us), r.ID)
	if len(got.Agenda) != 1 || got.Agenda[0].Title != "Visas" {
		t.Errorf("after removing Banking the agenda is %d items", len(got.Agenda))
	}
	_, err = s.db.MoveRound(parley.NewContextWithUser(t.Context(), s.us), r.ID, parley.RoundInProgress)
	must(t, err)
	code, body = s.post(us, path+"/details", url.Values{"csrf": {csrfOf(page)}, "title": {"Late"}, "starts_at": {"2030-03-02T10:00"}})
	if code != 409 || !strings.Contains(body, "only while it is planned") || !strings.Contains(body, `value="Late"`) {
		t.Errorf("details of a started round: %d; want 409 saying why, with the title kept", code)
	}
}

// TestConcludingAsksFirst: concluding a round with items lacking an
// outcome, or before its date, shows a page naming the items and the date;
// only the confirmation concludes.
func TestConcludingAsksFirst(t *testing.T) {
	s := newSite(t)
	us, ru := s.signIn("us"), s.signIn("ru")
	r := s.round(parley.RoundInProgress, time.Now().Add(48*time.Hour))
	path := fmt.Sprintf("/rounds/%d", r.ID)
	ctx := parley.NewContextWithUser(t.Context(), s.us)
	_, err := s.db.RecordMinutes(ctx, r.ID, r.Agenda[1].ID, parley.Minutes{Minutes: "Discussed.", Outcome: parley.OutcomeAgreed})
	must(t, err)
	_, page := s.get(us, path)
	code, body := s.post(us, path+"/moves", url.Values{"csrf": {csrfOf(page)}, "to": {"concluded"}})
	if code != 200 || !strings.Contains(body, `id="conclude-confirm"`) || !strings.Contains(body, "<li>Visas</li>") || strings.Contains(body, "<li>Banking</li>") ||
		!strings.Contains(body, `id="conclude-early"`) {
		t.Fatalf("conclude unconfirmed: %d; want a page naming Visas (not Banking) and the future date", code)
	}
	if got, _ := s.db.FindRoundByID(ctx, r.ID); len(got.ConcludeRequests) != 0 {
		t.Fatal("asking first already asked to conclude")
	}
	code, _ = s.post(us, path+"/moves", url.Values{"csrf": {csrfOf(page)}, "to": {"concluded"}, "confirmed": {"yes"}})
	_, page = s.get(ru, path)
	code2, _ := s.post(ru, path+"/moves", url.Values{"csrf": {csrfOf(page)}, "to": {"concluded"}, "confirmed": {"yes"}})
	got, err := s.db.FindRoundByID(ctx, r.ID)
	must(t, err)
	if code != 303 || code2 != 303 || got.Status != parley.RoundConcluded {
		t.Errorf("confirmed conclusions: %d %d, round %s; want concluded", code, code2, got.Status)
	}
}

// TestMinutesApprovalOnTheRoundPage: the page says who approved and who is
// awaited, offers the approval to a delegation that has not given it, and
// says so to a delegation whose approval a change reset; the inbox asks.
func TestMinutesApprovalOnTheRoundPage(t *testing.T) {
	s := newSite(t)
	us, ru := s.signIn("us"), s.signIn("ru")
	r := s.round(parley.RoundInProgress, time.Now().Add(-time.Hour))
	path := fmt.Sprintf("/rounds/%d", r.ID)
	ctx := parley.NewContextWithUser(t.Context(), s.us)
	_, err := s.db.RecordMinutes(ctx, r.ID, r.Agenda[0].ID, parley.Minutes{Minutes: "Discussed.", Outcome: parley.OutcomeNoted})
	must(t, err)
	_, page := s.get(us, path)
	if !strings.Contains(page, `id="approve"`) || !strings.Contains(page, "No delegation has approved them yet; waiting for US, RU.") {
		t.Fatalf("the round page does not offer the approval or say who is awaited")
	}
	if code, _ := s.post(us, path+"/approvals", url.Values{"csrf": {csrfOf(page)}, "version": {"0"}}); code != 409 {
		t.Errorf("approval of an outdated version: %d, want 409", code)
	}
	if code, _ := s.post(us, path+"/approvals", url.Values{"csrf": {csrfOf(page)}, "version": {"1"}}); code != 303 {
		t.Fatalf("approve: %d", code)
	}
	_, page = s.get(ru, path)
	if !strings.Contains(page, "Approved by US on ") || !strings.Contains(page, "; waiting for RU.") {
		t.Errorf("RU's page does not say the US approved and RU is awaited")
	}
	if _, inbox := s.get(ru, "/inbox"); !strings.Contains(inbox, fmt.Sprintf(`data-key="minutes-%d"`, r.ID)) {
		t.Error("RU's inbox does not ask for its approval of the minutes")
	}
	_, err = s.db.RecordMinutes(ctx, r.ID, r.Agenda[0].ID, parley.Minutes{Minutes: "Discussed at length.", Outcome: parley.OutcomeNoted})
	must(t, err)
	if _, page = s.get(us, path); !strings.Contains(page, `id="approval-reset"`) || !strings.Contains(page, `id="approve"`) {
		t.Error("the US page does not say its approval was reset, or does not offer it again")
	}
	if _, inbox := s.get(us, "/inbox"); !strings.Contains(inbox, "The minutes changed after your delegation approved them") {
		t.Error("the US inbox does not ask for the approval again")
	}
	s.post(us, path+"/approvals", url.Values{"csrf": {csrfOf(page)}, "version": {"2"}})
	_, page = s.get(ru, path)
	s.post(ru, path+"/approvals", url.Values{"csrf": {csrfOf(page)}, "version": {"2"}})
	if _, page = s.get(ru, path); !strings.Contains(page, `data-state="agreed"`) {
		t.Error("after both approve, the page does not say the minutes are agreed")
	}
}
