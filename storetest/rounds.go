package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"parley"
)

// testRounds plans a round with an agenda of an irritant and a free item,
// keeps minutes with a follow-up, concludes it, and checks that it is then
// read-only and that its minutes are in the record.
func testRounds(t *testing.T, s Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	irr := &parley.Irritant{TalkID: w.talk.ID, Title: "Embassy staffing", Toward: []int64{w.ru.ID}}
	must(t, s.RaiseIrritant(as(ctx, w.usHead), irr))
	start := time.Date(2025, 2, 18, 9, 0, 0, 0, time.UTC)
	r := &parley.Round{TalkID: w.talk.ID, Title: "Riyadh", Venue: "Diriyah Palace", StartsAt: start, EndsAt: start.Add(4 * time.Hour),
		Host: w.sa.ID, Delegations: []int64{w.us.ID, w.ru.ID},
		Agenda: []*parley.AgendaItem{{IrritantID: irr.ID}, {Title: "Next steps"}}}
	for _, tt := range []struct {
		name string
		u    *parley.User
		code string
	}{{"observer party", w.saHead, parley.EFORBIDDEN}, {"stakeholder", w.uaHead, parley.EFORBIDDEN}, {"outsider", w.frHead, parley.ENOTFOUND}} {
		c := *r
		if err := s.CreateRound(as(ctx, tt.u), &c); code(err) != tt.code {
			t.Errorf("%s plans a round: %v, want %s", tt.name, err, tt.code)
		}
	}
	bad := *r
	bad.Agenda = []*parley.AgendaItem{{}}
	if err := s.CreateRound(as(ctx, w.usNeg), &bad); code(err) != parley.EINVALID {
		t.Errorf("empty agenda item: %v, want invalid", err)
	}
	must(t, s.CreateRound(as(ctx, w.mediator), r))
	got, err := s.FindRoundByID(as(ctx, w.uaHead), r.ID)
	must(t, err)
	if got.Status != parley.RoundPlanned || !got.StartsAt.Equal(start) || got.Host != w.sa.ID || len(got.Agenda) != 2 || got.Agenda[0].Title != "Embassy staffing" {
		t.Fatalf("round reads %+v", got)
	}
	if _, err := s.FindRoundByID(as(ctx, w.frHead), r.ID); code(err) != parley.ENOTFOUND {
		t.Errorf("outsider finds the round: %v", err)
	}
	item := got.Agenda[0].ID
	if _, err := s.RecordMinutes(as(ctx, w.usNeg), r.ID, item, parley.Minutes{Minutes: "early"}); code(err) != parley.ECONFLICT {
		t.Errorf("minutes before the round starts: %v, want conflict", err)
	}
	if _, err := s.MoveRound(as(ctx, w.usNeg), r.ID, parley.RoundConcluded); code(err) != parley.EINVALID {
		t.Errorf("planned → concluded: %v, want invalid", err)
	}
	_, err = s.MoveRound(as(ctx, w.usNeg), r.ID, parley.RoundInProgress)
	must(t, err)
	// Reordering the agenda keeps the minutes of items that stay.
	_, err = s.RecordMinutes(as(ctx, w.ruHead), r.ID, item, parley.Minutes{Minutes: "Both sides set out their positions.", Outcome: parley.OutcomeFollowUp,
		Note: "Exchange lists of staff", Owner: w.ru.ID, Due: "2025-03-15"})
	must(t, err)
	if _, err := s.RecordMinutes(as(ctx, w.ruHead), r.ID, item, parley.Minutes{Outcome: parley.OutcomeFollowUp, Owner: w.sa.ID, Due: "2025-03-15"}); code(err) != parley.EINVALID {
		t.Errorf("follow-up owned by an observer: %v, want invalid", err)
	}
	got, err = s.SetAgenda(as(ctx, w.usHead), r.ID, []*parley.AgendaItem{{Title: "Opening"}, {ID: item, IrritantID: irr.ID}})
	must(t, err)
	if len(got.Agenda) != 2 || got.Agenda[1].Minutes != "Both sides set out their positions." || got.Agenda[1].Outcome != parley.OutcomeFollowUp {
		t.Fatalf("agenda after reordering: %+v", got.Agenda[1])
	}
	_, err = s.RecordMinutes(as(ctx, w.mediator), r.ID, got.Agenda[0].ID, parley.Minutes{Minutes: "Welcome by the host.", Outcome: parley.OutcomeNoted})
	must(t, err)
	ds, err := s.IrritantRounds(as(ctx, w.uaHead), irr.ID)
	must(t, err)
	if len(ds) != 1 || ds[0].Outcome != parley.OutcomeFollowUp || ds[0].Owner != w.ru.ID || ds[0].Due != "2025-03-15" || ds[0].RoundTitle != "Riyadh" || !ds[0].StartsAt.Equal(start) {
		t.Errorf("rounds of the irritant: %+v", ds)
	}
	tl, err := s.IrritantTimeline(as(ctx, w.ruHead), irr.ID)
	must(t, err)
	if len(tl) != 2 || tl[1].Type != "round.minutes" {
		t.Errorf("irritant timeline lacks the minutes: %d events", len(tl))
	}
	// Minutes another delegation recorded are not the US's to change or drop.
	// (Re-writing the agenda gave the kept item a new id.)
	if _, err := s.RecordMinutes(as(ctx, w.usNeg), r.ID, got.Agenda[1].ID, parley.Minutes{}); code(err) != parley.EFORBIDDEN {
		t.Errorf("US clears RU's minutes: %v, want forbidden", err)
	}
	if _, err := s.SetAgenda(as(ctx, w.usHead), r.ID, []*parley.AgendaItem{{Title: "Opening"}, {IrritantID: irr.ID}}); code(err) != parley.EFORBIDDEN {
		t.Errorf("US re-sends the agenda without RU's item id, dropping its minutes: %v, want forbidden", err)
	}
	// One delegation does not conclude alone.
	half, err := s.MoveRound(as(ctx, w.usHead), r.ID, parley.RoundConcluded)
	must(t, err)
	if half.Status != parley.RoundInProgress || len(half.ConcludeRequests) != 1 {
		t.Fatalf("after the US asks to conclude: %s, requests %v; want in progress awaiting RU", half.Status, half.ConcludeRequests)
	}
	if _, err := s.MoveRound(as(ctx, w.usNeg), r.ID, parley.RoundConcluded); code(err) != parley.ECONFLICT {
		t.Errorf("the US asks twice: %v, want conflict", err)
	}
	concluded, err := s.MoveRound(as(ctx, w.ruHead), r.ID, parley.RoundConcluded)
	must(t, err)
	if concluded.Status != parley.RoundConcluded || concluded.MinutesSeq == 0 {
		t.Fatal("concluded round names no minutes event")
	}
	for name, err := range map[string]error{
		"minutes": func() error {
			_, err := s.RecordMinutes(as(ctx, w.usHead), r.ID, item, parley.Minutes{Minutes: "later"})
			return err
		}(),
		"agenda": func() error { _, err := s.SetAgenda(as(ctx, w.usHead), r.ID, nil); return err }(),
		"move":   func() error { _, err := s.MoveRound(as(ctx, w.usHead), r.ID, parley.RoundInProgress); return err }(),
	} {
		if code(err) != parley.ECONFLICT || !strings.Contains(parley.ErrorMessage(err), "read-only") {
			t.Errorf("%s on a concluded round: %v, want a read-only conflict", name, err)
		}
	}
	rec, err := s.Record(as(ctx, w.saHead), w.talk.ID)
	must(t, err)
	e := rec.Events[concluded.MinutesSeq-1]
	if e.Type != "round.concluded" || !strings.Contains(string(e.Payload), "Welcome by the host.") || !strings.Contains(string(e.Payload), "Exchange lists of staff") {
		t.Errorf("minutes event %s %s", e.Type, e.Payload)
	}
	if err := parley.Verify(roundTrip(t, rec)); err != nil {
		t.Error(err)
	}
	rs, err := s.FindRounds(as(ctx, w.usObs), w.talk.ID)
	must(t, err)
	if len(rs) != 1 || rs[0].Status != parley.RoundConcluded || !slices.Equal(rs[0].Delegations, []int64{w.us.ID, w.ru.ID}) {
		t.Errorf("FindRounds = %+v", rs)
	}
}

// testMinutesApproval: a round's minutes become the agreed record only when
// every attending delegation approves them; a change after an approval
// resets it; a planned round's details change, a started one's do not.
func testMinutesApproval(t *testing.T, s Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	start := time.Date(2025, 2, 18, 9, 0, 0, 0, time.UTC)
	r := &parley.Round{TalkID: w.talk.ID, Title: "Istanbul", StartsAt: start, Delegations: []int64{w.us.ID, w.ru.ID},
		Agenda: []*parley.AgendaItem{{Title: "Embassies"}}}
	must(t, s.CreateRound(as(ctx, w.usHead), r))
	got, err := s.UpdateRound(as(ctx, w.ruHead), r.ID, parley.RoundDetails{Title: "Istanbul II", Venue: "Dolmabahçe", StartsAt: start.Add(24 * time.Hour)})
	must(t, err)
	if got.Title != "Istanbul II" || got.Venue != "Dolmabahçe" || !got.StartsAt.Equal(start.Add(24*time.Hour)) {
		t.Fatalf("updated round reads %+v", got)
	}
	if _, err := s.UpdateRound(as(ctx, w.ruHead), r.ID, parley.RoundDetails{Title: ""}); code(err) != parley.EINVALID {
		t.Errorf("round without a title: %v, want invalid", err)
	}
	if _, err := s.UpdateRound(as(ctx, w.saHead), r.ID, parley.RoundDetails{Title: "Ankara", StartsAt: start}); code(err) != parley.EFORBIDDEN {
		t.Errorf("observer party edits the round: %v, want forbidden", err)
	}
	if _, err := s.ApproveMinutes(as(ctx, w.usHead), r.ID, 0); code(err) != parley.ECONFLICT {
		t.Errorf("approval of a planned round's minutes: %v, want conflict", err)
	}
	_, err = s.MoveRound(as(ctx, w.usHead), r.ID, parley.RoundInProgress)
	must(t, err)
	if _, err := s.UpdateRound(as(ctx, w.ruHead), r.ID, parley.RoundDetails{Title: "Late", StartsAt: start}); code(err) != parley.ECONFLICT || !strings.Contains(parley.ErrorMessage(err), "planned") {
		t.Errorf("edit of a started round: %v, want a conflict saying it only changes while planned", err)
	}
	item := got.Agenda[0].ID
	got, err = s.RecordMinutes(as(ctx, w.usNeg), r.ID, item, parley.Minutes{Minutes: "Both sides agree to restore staff.", Outcome: parley.OutcomeAgreed})
	must(t, err)
	v := got.MinutesVersion
	for _, tt := range []struct {
		name string
		u    *parley.User
		code string
	}{{"observer party", w.saHead, parley.EFORBIDDEN}, {"stakeholder", w.uaHead, parley.EFORBIDDEN}, {"mediator", w.mediator, parley.EFORBIDDEN},
		{"observer in a delegation", w.usObs, parley.EFORBIDDEN}, {"outsider", w.frHead, parley.ENOTFOUND}} {
		if _, err := s.ApproveMinutes(as(ctx, tt.u), r.ID, v); code(err) != tt.code {
			t.Errorf("%s approves: %v, want %s", tt.name, err, tt.code)
		}
	}
	if _, err := s.ApproveMinutes(as(ctx, w.usHead), r.ID, v-1); code(err) != parley.ECONFLICT {
		t.Errorf("approval of an older version: %v, want conflict", err)
	}
	got, err = s.ApproveMinutes(as(ctx, w.usHead), r.ID, v)
	must(t, err)
	if !got.Approved(w.us.ID) || got.AgreedSeq != 0 {
		t.Fatalf("after the US approves: %+v agreed %d", got.Approvals, got.AgreedSeq)
	}
	if _, err := s.ApproveMinutes(as(ctx, w.usNeg), r.ID, v); code(err) != parley.ECONFLICT {
		t.Errorf("second US approval: %v, want conflict", err)
	}
	// Russia changes the minutes: the US approval is reset, and says so.
	if _, err := s.RecordMinutes(as(ctx, w.ruHead), r.ID, item, parley.Minutes{Minutes: "Both sides agree to restore staff by June.", Outcome: parley.OutcomeAgreed}); code(err) != parley.EFORBIDDEN {
		// The US recorded them; Russia comments instead (see CanChangeMinutes).
		t.Fatalf("RU changes US minutes: %v", err)
	}
	got, err = s.RecordMinutes(as(ctx, w.usHead), r.ID, item, parley.Minutes{Minutes: "Both sides agree to restore staff by June.", Outcome: parley.OutcomeAgreed})
	must(t, err)
	if got.Approved(w.us.ID) || len(got.ResetApprovals) != 1 || got.ResetApprovals[0].PartyID != w.us.ID || got.MinutesVersion != v+1 {
		t.Fatalf("after a change: approvals %+v reset %+v version %d", got.Approvals, got.ResetApprovals, got.MinutesVersion)
	}
	rec, err := s.Record(as(ctx, w.usHead), w.talk.ID)
	must(t, err)
	if e := rec.Events[len(rec.Events)-1]; e.Type != "round.minutes" || !strings.Contains(string(e.Payload), `"approvals_reset":[`) {
		t.Errorf("the change's event does not say the approvals were reset: %s %s", e.Type, e.Payload)
	}
	_, err = s.ApproveMinutes(as(ctx, w.ruHead), r.ID, v+1)
	must(t, err)
	got, err = s.ApproveMinutes(as(ctx, w.usNeg), r.ID, v+1)
	must(t, err)
	if got.AgreedSeq == 0 || len(got.ResetApprovals) != 0 || len(got.Approvals) != 2 {
		t.Fatalf("after both approve: agreed %d approvals %+v reset %+v", got.AgreedSeq, got.Approvals, got.ResetApprovals)
	}
	again, err := s.FindRoundByID(as(ctx, w.saHead), r.ID)
	must(t, err)
	tk, err := s.FindTalkByID(as(ctx, w.saHead), w.talk.ID)
	must(t, err)
	if !again.Agreed(tk) || again.AgreedSeq != got.AgreedSeq {
		t.Errorf("the observer does not read the minutes as agreed: %+v", again)
	}
	rec, err = s.Record(as(ctx, w.saHead), w.talk.ID)
	must(t, err)
	if e := rec.Events[got.AgreedSeq-1]; e.Type != "round.minutes_agreed" || !strings.Contains(string(e.Payload), "by June") {
		t.Errorf("agreed minutes event %s %s", e.Type, e.Payload)
	}
	if err := parley.Verify(roundTrip(t, rec)); err != nil {
		t.Error(err)
	}
}

// testIrritantSort: a listing comes in the order asked for; an unknown
// order, or paging by id in another order, is refused.
func testIrritantSort(t *testing.T, s Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	var ids []int64
	for _, title := range []string{"banking", "Airspace", "consulates"} {
		i := &parley.Irritant{TalkID: w.talk.ID, Title: title, Toward: []int64{w.ru.ID}}
		must(t, s.RaiseIrritant(as(ctx, w.usHead), i))
		ids = append(ids, i.ID)
	}
	_, err := s.MoveIrritant(as(ctx, w.ruHead), ids[0], parley.IrritantMove{To: parley.IrritantAcknowledged})
	must(t, err)
	titles := func(sort parley.IrritantSort) string {
		is, err := s.FindIrritants(as(ctx, w.usHead), parley.IrritantFilter{TalkID: w.talk.ID, Sort: sort})
		must(t, err)
		var out []string
		for _, i := range is {
			out = append(out, i.Title)
		}
		return strings.Join(out, ", ")
	}
	for sort, want := range map[parley.IrritantSort]string{
		"":                 "banking, Airspace, consulates",
		parley.SortOldest:  "banking, Airspace, consulates",
		parley.SortNewest:  "consulates, Airspace, banking",
		parley.SortTitle:   "Airspace, banking, consulates",
		parley.SortUpdated: "banking, consulates, Airspace",
	} {
		if got := titles(sort); got != want {
			t.Errorf("sort %q: %s; want %s", sort, got, want)
		}
	}
	if _, err := s.FindIrritants(as(ctx, w.usHead), parley.IrritantFilter{TalkID: w.talk.ID, Sort: "random"}); code(err) != parley.EINVALID {
		t.Errorf("unknown sort: %v, want invalid", err)
	}
	if _, err := s.FindIrritants(as(ctx, w.usHead), parley.IrritantFilter{TalkID: w.talk.ID, Sort: parley.SortNewest, AfterID: ids[0]}); code(err) != parley.EINVALID {
		t.Errorf("after_id with sort=newest: %v, want invalid", err)
	}
}
