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
