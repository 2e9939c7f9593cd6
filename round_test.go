package parley_test

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"
	"time"

	"parley"
)

// TestMinutesApprovalRules: who approves a round's minutes, when, and when
// they are agreed. The round names US and RU as delegations; GB is a member
// that does not attend.
func TestMinutesApprovalRules(t *testing.T) {
	talk, _, u := irritantWorld()
	r := &parley.Round{ID: 3, Title: "Istanbul", Status: parley.RoundInProgress, Delegations: []int64{1, 2, 4}, MinutesVersion: 2}
	for _, tt := range []struct {
		who     string
		version int
		status  parley.RoundStatus
		code    string
	}{
		{"us-head", 2, parley.RoundInProgress, ""},
		{"us-neg", 2, parley.RoundConcluded, ""},
		{"ru-head", 2, parley.RoundInProgress, ""},
		{"us-obs", 2, parley.RoundInProgress, parley.EFORBIDDEN},  // an observer of the delegation
		{"gb-head", 2, parley.RoundInProgress, parley.EFORBIDDEN}, // a member not attending
		{"sa-head", 2, parley.RoundInProgress, parley.EFORBIDDEN}, // an attending observer party
		{"med", 2, parley.RoundInProgress, parley.EFORBIDDEN},
		{"us-head", 1, parley.RoundInProgress, parley.ECONFLICT}, // an older version
		{"us-head", 2, parley.RoundPlanned, parley.ECONFLICT},
	} {
		rr := *r
		rr.Status = tt.status
		if err := parley.CheckApproveMinutes(u[tt.who], talk, &rr, tt.version); parley.ErrorCode(err) != tt.code && !(tt.code == "" && err == nil) {
			t.Errorf("%s approves version %d of a round %s: %v, want %q", tt.who, tt.version, tt.status, err, tt.code)
		}
	}
	if r.Agreed(talk) || !slices.Equal(r.AwaitingApproval(talk), []int64{1, 2}) {
		t.Errorf("no approvals yet: agreed %v, awaiting %v", r.Agreed(talk), r.AwaitingApproval(talk))
	}
	r.Approvals = []parley.MinutesApproval{{PartyID: 1, Version: 2}}
	if err := parley.CheckApproveMinutes(u["us-neg"], talk, r, 2); parley.ErrorCode(err) != parley.ECONFLICT {
		t.Errorf("a second US approval: %v, want conflict", err)
	}
	if r.Agreed(talk) {
		t.Error("agreed with RU still to approve")
	}
	r.Approvals = append(r.Approvals, parley.MinutesApproval{PartyID: 2, Version: 2})
	if !r.Agreed(talk) {
		t.Error("not agreed when both attending members approved")
	}
	// A round naming no delegation awaits every seated member.
	all := &parley.Round{Status: parley.RoundConcluded, Approvals: r.Approvals}
	if all.Agreed(talk) || !slices.Equal(all.AwaitingApproval(talk), []int64{3}) {
		t.Errorf("a round of every member: awaiting %v", all.AwaitingApproval(talk))
	}
	if err := parley.CheckEditDetails(r); parley.ErrorCode(err) != parley.ECONFLICT {
		t.Errorf("edit a round in progress: %v, want conflict", err)
	}
	if err := parley.CheckEditDetails(&parley.Round{Status: parley.RoundPlanned}); err != nil {
		t.Errorf("edit a planned round: %v", err)
	}
	open := (&parley.Round{Agenda: []*parley.AgendaItem{{Title: "a", Outcome: parley.OutcomeAgreed}, {Title: "b"}}}).OpenItems()
	if len(open) != 1 || open[0].Title != "b" {
		t.Errorf("open items %v", open)
	}
}

// TestSummariesSpeakPlainly: every consultation event reads as a sentence
// with the subject's title: no #ids, no record type names.
func TestSummariesSpeakPlainly(t *testing.T) {
	raw := regexp.MustCompile(`#\d|\b[a-z]+_[a-z]+\b|\b[a-z]+\.[a-z]+\b`)
	payload := map[string]any{"irritant_id": 3, "round_id": 2, "statement_id": 4, "negotiation_id": 5, "title": "Embassy staffing",
		"from": "in_consultation", "to": "resolved_in_part", "awaiting": []int64{2}, "approvals_reset": []int64{1}, "version": 2, "mark": "can_accept",
		"item": map[string]any{"title": "Visas"}, "kind": "response", "text": "ok", "paragraph": 1}
	b, _ := json.Marshal(payload)
	for _, typ := range []string{"irritant.raised", "irritant.moved", "irritant.confirmed", "irritant.commented", "round.planned", "round.updated",
		"round.started", "round.agenda", "round.minutes", "round.conclusion_requested", "round.concluded", "round.minutes_approved", "round.minutes_agreed",
		"statement.version", "statement.marked", "statement.adopted", "statement.consented", "statement.objected", "statement.commented",
		"negotiation.opened", "negotiation.preferences", "negotiation.statement", "negotiation.text", "negotiation.marked"} {
		s, ok := parley.Summary(&parley.Event{Type: typ, Time: time.Now(), Payload: b})
		if !ok || raw.MatchString(s) {
			t.Errorf("%s reads %q", typ, s)
		}
		// Without the title, the subject is named by its kind.
		s, _ = parley.Summary(&parley.Event{Type: typ, Payload: []byte(`{"irritant_id": 3, "round_id": 2, "statement_id": 4, "negotiation_id": 5}`)})
		if raw.MatchString(s) || s == "" {
			t.Errorf("%s without a title reads %q", typ, s)
		}
	}
}
