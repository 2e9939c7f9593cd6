package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"parley"
)

// negotiationIssues is a small negotiation: 3 × 3 × 2 texts.
func negotiationIssues() []parley.NegotiationIssue {
	return []parley.NegotiationIssue{
		{Name: "Ceasefire line", Options: []string{"Current line", "Pre-2022 line", "Negotiated line"}},
		{Name: "Sanctions relief", Options: []string{"None", "Phased", "Immediate"}},
		{Name: "Monitoring mission", Options: []string{"UN", "OSCE"}},
	}
}

var (
	usPrefs = parley.Preferences{
		Weights: map[string]float64{"Ceasefire line": 50, "Sanctions relief": 30, "Monitoring mission": 20},
		Scores: map[string]map[string]float64{
			"Ceasefire line":     {"Current line": 20, "Pre-2022 line": 100, "Negotiated line": 70},
			"Sanctions relief":   {"None": 100, "Phased": 60, "Immediate": 0},
			"Monitoring mission": {"UN": 100, "OSCE": 80},
		},
		Reservation: 0.4,
	}
	ruPrefs = parley.Preferences{
		Weights: map[string]float64{"Ceasefire line": 40, "Sanctions relief": 50, "Monitoring mission": 10},
		Scores: map[string]map[string]float64{
			"Ceasefire line":     {"Current line": 100, "Pre-2022 line": 0, "Negotiated line": 60},
			"Sanctions relief":   {"None": 0, "Phased": 70, "Immediate": 100},
			"Monitoring mission": {"UN": 30, "OSCE": 100},
		},
		Reservation: 0.3,
	}
)

// testNegotiations walks a negotiation from drafting to disclosure through
// the store and the confidential mediator, and checks at each step that no
// party's preferences reach anyone else.
func testNegotiations(t *testing.T, s Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	med := &parley.Mediator{Negotiations: s, EngineVersion: "test"}
	med.Open()

	n := &parley.Negotiation{TalkID: w.talk.ID, Title: "Ending the war", Issues: negotiationIssues()}
	if err := s.CreateNegotiation(as(ctx, w.saHead), n); code(err) != parley.EFORBIDDEN {
		t.Errorf("observer opens a negotiation: %v, want forbidden", err)
	}
	if err := s.CreateNegotiation(as(ctx, w.frHead), n); code(err) != parley.ENOTFOUND {
		t.Errorf("outsider opens a negotiation: %v, want not found", err)
	}
	bad := &parley.Negotiation{TalkID: w.talk.ID, Title: "x", Issues: []parley.NegotiationIssue{{Name: "a", Options: []string{"one"}}}}
	if err := s.CreateNegotiation(as(ctx, w.mediator), bad); code(err) != parley.EINVALID || !strings.Contains(err.Error(), "at least 2 options") {
		t.Errorf("an issue with one option: %v, want invalid naming the options", err)
	}
	must(t, s.CreateNegotiation(as(ctx, w.mediator), n))
	if n.State != parley.NegotiationDrafting || n.Solution != "nash" {
		t.Fatalf("new negotiation %+v", n)
	}
	issues := negotiationIssues()
	issues[2].Options = append(issues[2].Options, "Joint")
	_, err := s.SetIssues(as(ctx, w.usNeg), n.ID, issues, "", "")
	must(t, err)
	issues[2].Options = issues[2].Options[:2]
	_, err = s.SetIssues(as(ctx, w.usNeg), n.ID, issues, "", "")
	must(t, err)
	if _, err := s.SavePreferences(as(ctx, w.usNeg), n.ID, &usPrefs, true); code(err) != parley.ECONFLICT {
		t.Errorf("preferences while drafting: %v, want conflict", err)
	}
	_, err = s.MoveNegotiation(as(ctx, w.mediator), n.ID, parley.NegotiationEliciting)
	must(t, err)
	if _, err := s.SetIssues(as(ctx, w.usNeg), n.ID, issues, "", ""); code(err) != parley.ECONFLICT || !strings.Contains(err.Error(), "frozen") {
		t.Errorf("editing issues once eliciting: %v, want conflict saying they are frozen", err)
	}

	// Bad preferences: each names its field; nothing is stored.
	for name, p := range map[string]parley.Preferences{
		"weights[":    {Weights: map[string]float64{"Ceasefire line": 1}, Scores: usPrefs.Scores},
		"scores[":     {Weights: usPrefs.Weights, Scores: map[string]map[string]float64{"Ceasefire line": {"Current line": 1}}},
		"reservation": {Weights: usPrefs.Weights, Scores: usPrefs.Scores, Reservation: 2},
		"excluded":    {Weights: usPrefs.Weights, Scores: usPrefs.Scores, Excluded: map[string][]string{"Ceasefire line": {"Current line"}}},
	} {
		if _, err := s.SavePreferences(as(ctx, w.usNeg), n.ID, &p, false); code(err) != parley.EINVALID || !strings.Contains(err.Error(), name) {
			t.Errorf("bad preferences (%s): %v, want invalid naming %s", name, err, name)
		}
	}
	if _, err := s.MyPreferences(as(ctx, w.usNeg), n.ID); code(err) != parley.ENOTFOUND {
		t.Errorf("after refused saves: %v, want none stored", err)
	}
	if _, err := s.SavePreferences(as(ctx, w.usObs), n.ID, &usPrefs, true); code(err) != parley.EFORBIDDEN {
		t.Errorf("observer enters preferences: %v, want forbidden", err)
	}
	if _, err := s.SavePreferences(as(ctx, w.mediator), n.ID, &usPrefs, true); code(err) != parley.EFORBIDDEN {
		t.Errorf("mediator enters preferences: %v, want forbidden", err)
	}
	// A draft, then a revision that is submitted.
	draft := usPrefs
	draft.Reservation = 0.987654321
	_, err = s.SavePreferences(as(ctx, w.usNeg), n.ID, &draft, false)
	must(t, err)
	pp, err := s.SavePreferences(as(ctx, w.usHead), n.ID, &usPrefs, true)
	must(t, err)
	if pp.Version != 2 || pp.Check() != nil {
		t.Errorf("revision %+v: version 2 opening its commitment (%v)", pp, pp.Check())
	}
	mine, err := s.MyPreferences(as(ctx, w.usObs), n.ID)
	must(t, err)
	if !mine.Submitted || mine.Version != 2 || mine.Preferences.Reservation != 0.4 {
		t.Errorf("the US observer reads %+v; want its party's submitted version 2", mine)
	}
	for _, u := range []*parley.User{w.ruHead, w.uaHead, w.saHead, w.mediator, w.admin} {
		if got, err := s.MyPreferences(as(ctx, u), n.ID); err == nil && got.PartyID == w.us.ID {
			t.Errorf("%s reads the US preferences", u.Name)
		}
	}
	if _, err := s.ConfidentialInputs(as(ctx, w.ruHead), n.ID); code(err) != parley.EFORBIDDEN {
		t.Errorf("a member reads the confidential inputs: %v, want forbidden", err)
	}
	if _, err := s.ConfidentialInputs(as(ctx, w.admin), n.ID); code(err) != parley.EFORBIDDEN {
		t.Errorf("an administrator reads the confidential inputs: %v, want forbidden", err)
	}
	if _, err := s.MoveNegotiation(as(ctx, w.mediator), n.ID, parley.NegotiationMediating); code(err) != parley.ECONFLICT {
		t.Errorf("mediating before Russia submitted: %v, want conflict", err)
	}
	_, err = s.SavePreferences(as(ctx, w.ruHead), n.ID, &ruPrefs, true)
	must(t, err)
	// Ukraine's red line: no "Current line".
	red := parley.Preferences{Excluded: map[string][]string{"Ceasefire line": {"Current line"}}}
	_, err = s.SavePreferences(as(ctx, w.uaHead), n.ID, &red, true)
	must(t, err)
	got, err := s.MoveNegotiation(as(ctx, w.mediator), n.ID, parley.NegotiationMediating)
	must(t, err)
	if len(got.Submitted) != 3 {
		t.Errorf("submitted %+v; want commitments of the US, Russia and Ukraine", got.Submitted)
	}

	// Only mediators ask for texts.
	if _, err := (&parley.Mediator{Negotiations: s}).ProposeText(as(ctx, w.usHead), n.ID); code(err) != parley.EFORBIDDEN {
		t.Errorf("a member asks for a text: %v, want forbidden", err)
	}
	got, err = med.ProposeText(as(ctx, w.mediator), n.ID)
	must(t, err)
	text := got.Current()
	if text == nil || text.Version != 1 || !text.ParetoOptimal || text.Source != "engine" {
		t.Fatalf("engine text %+v", text)
	}
	if text.Outcome["Ceasefire line"] == "Current line" {
		t.Errorf("the text %v crosses Ukraine's red line", text.Outcome)
	}
	// Two requests at once record at most one new text on top of version 1.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = med.ProposeManual(as(ctx, w.mediator), n.ID, 1, map[string]string{"Ceasefire line": "Negotiated line", "Sanctions relief": "Phased", "Monitoring mission": "UN"})
		}()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) || code(errors1(errs)) != parley.ECONFLICT {
		t.Errorf("two texts on version 1 at once: %v; want one recorded and one conflict", errs)
	}
	if _, err := s.MarkText(as(ctx, w.usNeg), n.ID, 1, parley.MarkAccept, "", false); code(err) != parley.ECONFLICT {
		t.Errorf("marking a stale text: %v, want conflict", err)
	}
	got, err = med.ProposeText(as(ctx, w.mediator), n.ID)
	must(t, err)
	v := got.Current().Version
	_, err = s.MarkText(as(ctx, w.usNeg), n.ID, v, parley.MarkReject, "Sanctions too early", false)
	must(t, err)
	for _, u := range []*parley.User{w.ruHead, w.uaHead, w.saHead} {
		seen, err := s.FindNegotiationByID(as(ctx, u), n.ID)
		must(t, err)
		if r := seen.Current().Marks[0].Reason; r != "" {
			t.Errorf("%s reads the US reason %q kept for the mediator", u.Name, r)
		}
	}
	seen, err := s.FindNegotiationByID(as(ctx, w.mediator), n.ID)
	must(t, err)
	if seen.Current().Marks[0].Reason != "Sanctions too early" {
		t.Errorf("the mediator does not read the reason: %+v", seen.Current().Marks)
	}
	_, err = s.MarkText(as(ctx, w.usNeg), n.ID, v, parley.MarkAccept, "", false)
	must(t, err)
	got, err = s.MarkText(as(ctx, w.ruHead), n.ID, v, parley.MarkAccept, "", false)
	must(t, err)
	if got.State != parley.NegotiationAgreed || got.Agreed != v {
		t.Fatalf("after every member accepted: state %s, agreed %d", got.State, got.Agreed)
	}
	// The engine's text is Nash: no improvement exists.
	if _, ok, err := med.Improve(as(ctx, w.mediator), n.ID); err != nil || ok {
		t.Errorf("improving the Nash text: %v, %v; want no improvement", ok, err)
	}

	// Disclosure needs every member.
	if _, err := s.DisclosedInputs(as(ctx, w.usHead), n.ID); code(err) != parley.EFORBIDDEN {
		t.Errorf("disclosed before consent: %v", err)
	}
	_, err = s.ConsentToDisclose(as(ctx, w.usHead), n.ID)
	must(t, err)
	if _, err := s.DisclosedInputs(as(ctx, w.usHead), n.ID); code(err) != parley.EFORBIDDEN {
		t.Errorf("disclosed after one consent: %v", err)
	}
	_, err = s.ConsentToDisclose(as(ctx, w.ruHead), n.ID)
	must(t, err)
	in, err := s.DisclosedInputs(as(ctx, w.ruHead), n.ID)
	must(t, err)
	if len(in.Members) != 2 || in.Stakeholders != nil {
		t.Errorf("disclosed %d members, stakeholders %v; want both members and no red lines", len(in.Members), in.Stakeholders)
	}
	if _, err := s.DisclosedInputs(as(ctx, w.uaHead), n.ID); code(err) != parley.EFORBIDDEN {
		t.Errorf("a stakeholder reads disclosed profiles: %v", err)
	}

	// Nothing of the US preferences is in what others read of the record.
	secret := []string{`"Pre-2022 line":100`, "0.987654321", pp.Salt}
	for _, u := range []*parley.User{w.ruHead, w.uaHead, w.saHead, w.mediator, w.admin} {
		r, err := s.Record(as(ctx, u), w.talk.ID)
		must(t, err)
		raw, _ := json.Marshal(r)
		for _, x := range secret {
			if bytes.Contains(raw, []byte(x)) {
				t.Errorf("%s's record export holds %q", u.Name, x)
			}
		}
		for _, e := range r.Events {
			if e.PrivateTo == w.us.ID && e.Type == "negotiation.preferences" && e.Payload != nil {
				t.Errorf("%s reads the US preferences event", u.Name)
			}
		}
	}
	if err := parley.Verify(mustRecord(t, s, as(ctx, w.ruHead), w.talk.ID)); err != nil {
		t.Errorf("record after the negotiation: %v", err)
	}
	// The US revisions are in the US private chain, which verifies.
	ps, err := s.ListPrivateEvents(as(ctx, w.usHead), w.talk.ID, 0, 100)
	must(t, err)
	if !slices.ContainsFunc(ps, func(e *parley.Event) bool { return e.Type == "negotiation.preferences" && e.PrivateTo == w.us.ID }) {
		t.Error("the US private chain lacks its negotiation.preferences events")
	}
	pr, err := s.PrivateRecord(as(ctx, w.usHead), w.talk.ID)
	must(t, err)
	if _, err := parley.VerifyPrivate(pr, parley.VerifyOptions{Keys: pinned(t, s)}); err != nil {
		t.Errorf("US private record after the negotiation: %v", err)
	}
	// The mark after the agreement, on a closed state, is refused.
	if _, err := s.MoveNegotiation(as(ctx, w.mediator), n.ID, parley.NegotiationClosed); code(err) != parley.ECONFLICT {
		t.Errorf("closing an agreed negotiation: %v, want conflict", err)
	}
	list, err := s.FindNegotiations(as(ctx, w.saHead), w.talk.ID)
	must(t, err)
	if len(list) != 1 || !slices.ContainsFunc(list[0].Submitted, func(c parley.ProfileCommitment) bool { return c.PartyID == w.ua.ID && c.RedLines }) {
		t.Errorf("list %+v", list)
	}
}

func errors1(errs []error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func mustRecord(t *testing.T, s Store, ctx context.Context, talkID int64) *parley.Record {
	t.Helper()
	r, err := s.Record(ctx, talkID)
	must(t, err)
	return r
}
