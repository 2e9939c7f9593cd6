package storetest

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"parley"
)

// testIrritants runs the consultation mechanism through a store: raising,
// the lifecycle with its record events, resolution by every party, comments
// shared and internal, filters and search.
func testIrritants(t *testing.T, s Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	raise := func(u *parley.User, i *parley.Irritant) *parley.Irritant {
		t.Helper()
		i.TalkID = w.talk.ID
		must(t, s.RaiseIrritant(as(ctx, u), i))
		return i
	}
	staffing := raise(w.usNeg, &parley.Irritant{Title: "Embassy staffing", Description: "Diplomats expelled since 2016", Category: "diplomatic missions",
		Priority: "high", Toward: []int64{w.ru.ID}, Stakeholders: []int64{w.ua.ID}, Due: "2026-03-31"})
	property := raise(w.ruHead, &parley.Irritant{Title: "Seized diplomatic property", Category: "property", Toward: []int64{w.us.ID}})
	if staffing.ID == 0 || staffing.RaisedBy != w.us.ID || staffing.Status != parley.IrritantRaised || property.Priority != "medium" {
		t.Fatalf("raised %+v", staffing)
	}
	for _, tt := range []struct {
		name string
		u    *parley.User
		i    parley.Irritant
		code string
	}{
		{"anonymous", nil, parley.Irritant{Title: "x", Toward: []int64{w.ru.ID}}, parley.EUNAUTHORIZED},
		{"outsider", w.frHead, parley.Irritant{Title: "x", Toward: []int64{w.ru.ID}}, parley.ENOTFOUND},
		{"observer party", w.saHead, parley.Irritant{Title: "x", Toward: []int64{w.ru.ID}}, parley.EFORBIDDEN},
		{"stakeholder", w.uaHead, parley.Irritant{Title: "x", Toward: []int64{w.ru.ID}}, parley.EFORBIDDEN},
		{"delegation observer", w.usObs, parley.Irritant{Title: "x", Toward: []int64{w.ru.ID}}, parley.EFORBIDDEN},
		{"mediator", w.mediator, parley.Irritant{Title: "x", Toward: []int64{w.ru.ID}}, parley.EFORBIDDEN},
		{"toward a non-member", w.usHead, parley.Irritant{Title: "x", Toward: []int64{w.sa.ID}}, parley.EINVALID},
	} {
		tt.i.TalkID = w.talk.ID
		c := ctx
		if tt.u != nil {
			c = as(ctx, tt.u)
		}
		if err := s.RaiseIrritant(c, &tt.i); code(err) != tt.code {
			t.Errorf("%s raises: %v, want %s", tt.name, err, tt.code)
		}
	}

	got, err := s.FindIrritantByID(as(ctx, w.uaHead), staffing.ID)
	must(t, err)
	if got.Title != staffing.Title || got.Due != "2026-03-31" || !slices.Equal(got.Toward, []int64{w.ru.ID}) || !slices.Equal(got.Stakeholders, []int64{w.ua.ID}) || !got.CreatedAt.Equal(staffing.CreatedAt) {
		t.Errorf("FindIrritantByID = %+v, want %+v", got, staffing)
	}
	if _, err := s.FindIrritantByID(as(ctx, w.frHead), staffing.ID); code(err) != parley.ENOTFOUND {
		t.Errorf("outsider finds the irritant: %v, want not_found", err)
	}
	if _, err := s.FindIrritantByID(as(ctx, w.admin), 9999); code(err) != parley.ENOTFOUND {
		t.Errorf("missing irritant: %v, want not_found", err)
	}

	move := func(u *parley.User, i *parley.Irritant, m parley.IrritantMove) (*parley.Irritant, error) {
		return s.MoveIrritant(as(ctx, u), i.ID, m)
	}
	if _, err := move(w.usHead, staffing, parley.IrritantMove{To: parley.IrritantAcknowledged}); code(err) != parley.EFORBIDDEN {
		t.Errorf("raiser acknowledges: %v, want forbidden", err)
	}
	if _, err := move(w.ruHead, staffing, parley.IrritantMove{To: parley.IrritantResolved}); code(err) != parley.ECONFLICT ||
		!strings.Contains(parley.ErrorMessage(err), "acknowledged") {
		t.Errorf("raised → resolved: %v, want conflict naming acknowledged", err)
	}
	for _, step := range []struct {
		u    *parley.User
		m    parley.IrritantMove
		want parley.IrritantStatus
	}{
		{w.ruHead, parley.IrritantMove{To: parley.IrritantAcknowledged, Reason: "received"}, parley.IrritantAcknowledged},
		{w.mediator, parley.IrritantMove{To: parley.IrritantInConsultation}, parley.IrritantInConsultation},
		{w.usNeg, parley.IrritantMove{To: parley.IrritantResolved, Reason: "exchange of notes"}, parley.IrritantInConsultation},
	} {
		i, err := move(step.u, staffing, step.m)
		must(t, err)
		if i.Status != step.want {
			t.Fatalf("after %s by %s: %s, want %s", step.m.To, step.u.Name, i.Status, step.want)
		}
	}
	got, err = s.FindIrritantByID(as(ctx, w.ruHead), staffing.ID)
	must(t, err)
	if len(got.Confirmations) != 1 || got.Confirmations[0].PartyID != w.us.ID || !slices.Equal(got.AwaitingConfirmation(), []int64{w.ru.ID}) {
		t.Fatalf("after the US confirmation: %+v, awaiting %v; want RU awaited", got.Confirmations, got.AwaitingConfirmation())
	}
	if _, err := move(w.usHead, staffing, parley.IrritantMove{To: parley.IrritantResolved}); code(err) != parley.ECONFLICT {
		t.Errorf("US confirms twice: %v, want conflict", err)
	}
	got, err = move(w.ruHead, staffing, parley.IrritantMove{To: parley.IrritantResolved})
	must(t, err)
	if got.Status != parley.IrritantResolved || len(got.Confirmations) != 2 {
		t.Fatalf("after both confirmed: %s with %d confirmations", got.Status, len(got.Confirmations))
	}
	// Deadlock and escalation on the other irritant.
	for _, m := range []parley.IrritantMove{
		{To: parley.IrritantAcknowledged},
		{To: parley.IrritantDeadlocked, Reason: "no movement"},
		{To: parley.IrritantEscalated, Reason: "for the leaders", EscalatedTo: "Presidential summit"},
	} {
		u := w.ruHead
		if m.To == parley.IrritantAcknowledged {
			u = w.usHead
		}
		_, err := move(u, property, m)
		must(t, err)
	}
	got, err = s.FindIrritantByID(as(ctx, w.saHead), property.ID)
	must(t, err)
	if got.Status != parley.IrritantEscalated || got.EscalatedTo != "Presidential summit" || got.StatusReason != "for the leaders" {
		t.Errorf("escalated irritant reads %+v", got)
	}

	// Comments: shared to all, internal to the author's party.
	const secret = "we could accept forty staff"
	for _, c := range []*parley.IrritantComment{
		{IrritantID: property.ID, Kind: parley.CommentResponse, Text: "The property was seized lawfully."},
		{IrritantID: property.ID, Kind: parley.CommentComment, Text: "Fallback: " + secret, PrivateTo: w.us.ID},
	} {
		must(t, s.CommentOnIrritant(as(ctx, w.usNeg), c))
	}
	if err := s.CommentOnIrritant(as(ctx, w.ruHead), &parley.IrritantComment{IrritantID: property.ID, Text: "x", PrivateTo: w.us.ID}); code(err) != parley.EINVALID {
		t.Errorf("internal comment for another party: %v, want invalid", err)
	}
	if err := s.CommentOnIrritant(as(ctx, w.saHead), &parley.IrritantComment{IrritantID: property.ID, Text: "x"}); code(err) != parley.EFORBIDDEN {
		t.Errorf("observer comments: %v, want forbidden", err)
	}
	for _, tt := range []struct {
		name string
		u    *parley.User
		n    int
	}{{"same party", w.usObs, 2}, {"other party", w.ruHead, 1}, {"mediator", w.mediator, 1}, {"admin", w.admin, 1}, {"stakeholder", w.uaHead, 1}} {
		cs, err := s.IrritantComments(as(ctx, tt.u), property.ID)
		must(t, err)
		if len(cs) != tt.n {
			t.Errorf("%s reads %d comments, want %d", tt.name, len(cs), tt.n)
		}
		tl, err := s.IrritantTimeline(as(ctx, tt.u), property.ID)
		must(t, err)
		// raised, 3 moves, 1 or 2 comments
		if len(tl) != 4+tt.n {
			t.Errorf("%s: timeline of %d events, want %d", tt.name, len(tl), 4+tt.n)
		}
		for _, e := range tl {
			if strings.Contains(string(e.Payload), secret) != (tt.n == 2) && e.Type == "irritant.commented" && e.PrivateTo != 0 {
				t.Errorf("%s: internal comment visible=%v in the timeline", tt.name, tt.n == 2)
			}
		}
		// Search finds the internal comment only for its own party.
		found, err := s.FindIrritants(as(ctx, tt.u), parley.IrritantFilter{TalkID: w.talk.ID, Query: "FORTY staff"})
		must(t, err)
		if (len(found) == 1) != (tt.n == 2) {
			t.Errorf("%s: search for the internal text found %d irritants", tt.name, len(found))
		}
		// The internal comment lives in the US private chain: the shared
		// record carries nothing of it, not even for the US.
		r, err := s.Record(as(ctx, tt.u), w.talk.ID)
		must(t, err)
		b := string(mustJSON(t, r))
		if strings.Contains(b, secret) || strings.Contains(b, `"private_to"`) {
			t.Errorf("%s: the record export carries the internal comment", tt.name)
		}
		verifyPinned(t, s, r)
	}
	for _, tt := range []struct {
		name string
		u    *parley.User
		n    int
	}{{"same party", w.usObs, 2}, {"other party", w.ruHead, 1}, {"mediator", w.mediator, 1}} {
		byID, err := s.CommentsOnIrritants(as(ctx, tt.u), w.talk.ID, []int64{staffing.ID, property.ID, 9999})
		must(t, err)
		if len(byID[property.ID]) != tt.n || len(byID[staffing.ID]) != 0 {
			t.Errorf("%s: CommentsOnIrritants = %d on the property irritant, want %d", tt.name, len(byID[property.ID]), tt.n)
		}
	}
	if _, err := s.CommentsOnIrritants(as(ctx, w.frHead), w.talk.ID, []int64{property.ID}); code(err) != parley.ENOTFOUND {
		t.Errorf("outsider reads comments in bulk: %v, want not_found", err)
	}
	if _, err := s.IrritantComments(as(ctx, w.frHead), property.ID); code(err) != parley.ENOTFOUND {
		t.Errorf("outsider reads comments: %v, want not_found", err)
	}

	// Filters and search.
	find := func(f parley.IrritantFilter) []int64 {
		t.Helper()
		f.TalkID = w.talk.ID
		is, err := s.FindIrritants(as(ctx, w.ruHead), f)
		must(t, err)
		var ids []int64
		for _, i := range is {
			ids = append(ids, i.ID)
		}
		return ids
	}
	both := []int64{staffing.ID, property.ID}
	for _, tt := range []struct {
		name string
		f    parley.IrritantFilter
		want []int64
	}{
		{"all", parley.IrritantFilter{}, both},
		{"status", parley.IrritantFilter{Status: []parley.IrritantStatus{parley.IrritantEscalated, parley.IrritantDormant}}, []int64{property.ID}},
		{"category", parley.IrritantFilter{Category: "diplomatic missions"}, []int64{staffing.ID}},
		{"priority", parley.IrritantFilter{Priority: "medium"}, []int64{property.ID}},
		{"party", parley.IrritantFilter{Party: w.ru.ID}, both},
		{"stakeholder is no party", parley.IrritantFilter{Party: w.ua.ID}, nil},
		{"search title", parley.IrritantFilter{Query: "seized"}, []int64{property.ID}},
		{"search description, any case", parley.IrritantFilter{Query: "EXPELLED 2016"}, []int64{staffing.ID}},
		{"search shared comment", parley.IrritantFilter{Query: "lawfully"}, []int64{property.ID}},
		{"search wildcard is literal", parley.IrritantFilter{Query: "%"}, nil},
		{"page", parley.IrritantFilter{AfterID: staffing.ID, Limit: 1}, []int64{property.ID}},
	} {
		if got := find(tt.f); !slices.Equal(got, tt.want) {
			t.Errorf("%s: found %v, want %v", tt.name, got, tt.want)
		}
	}
	counts, err := s.CountIrritants(as(ctx, w.uaHead), w.talk.ID)
	must(t, err)
	if counts[parley.IrritantResolved] != 1 || counts[parley.IrritantEscalated] != 1 || len(counts) != 2 {
		t.Errorf("CountIrritants = %v", counts)
	}
	if _, err := s.FindIrritants(as(ctx, w.frHead), parley.IrritantFilter{TalkID: w.talk.ID}); code(err) != parley.ENOTFOUND {
		t.Errorf("outsider lists irritants: %v, want not_found", err)
	}

	// Every move and comment is in the record, in order, with its actor.
	r, err := s.Record(as(ctx, w.usHead), w.talk.ID)
	must(t, err)
	var types []string
	for _, e := range r.Events[5:] {
		types = append(types, e.Type)
	}
	// The internal comment is in the US private chain, not here.
	want := []string{"irritant.raised", "irritant.raised", "irritant.moved", "irritant.moved", "irritant.confirmed", "irritant.confirmed", "irritant.moved",
		"irritant.moved", "irritant.moved", "irritant.moved", "irritant.commented"}
	if !slices.Equal(types, want) {
		t.Errorf("record events %v, want %v", types, want)
	}
	if e := r.Events[5+6]; e.ActorID != w.ruHead.ID || !strings.Contains(string(e.Payload), `"to":"resolved"`) {
		t.Errorf("the resolving move %+v; want by ru-head to resolved", e)
	}
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	must(tb, err)
	return b
}

// testConcurrentConfirmations has every party to an irritant confirm its
// resolution at once: it must end resolved with every confirmation.
func testConcurrentConfirmations(t *testing.T, s Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	for round := range 5 {
		i := &parley.Irritant{TalkID: w.talk.ID, Title: "Visas", Toward: []int64{w.ru.ID}}
		must(t, s.RaiseIrritant(as(ctx, w.usHead), i))
		for _, m := range []parley.IrritantStatus{parley.IrritantAcknowledged, parley.IrritantInConsultation} {
			_, err := s.MoveIrritant(as(ctx, w.ruHead), i.ID, parley.IrritantMove{To: m})
			must(t, err)
		}
		errs := make(chan error, 2)
		for _, u := range []*parley.User{w.usNeg, w.ruHead} {
			go func() {
				_, err := s.MoveIrritant(as(ctx, u), i.ID, parley.IrritantMove{To: parley.IrritantResolved})
				errs <- err
			}()
		}
		must(t, <-errs)
		must(t, <-errs)
		got, err := s.FindIrritantByID(as(ctx, w.admin), i.ID)
		must(t, err)
		if got.Status != parley.IrritantResolved || len(got.Confirmations) != 2 {
			t.Fatalf("try %d: after both confirmed at once: %s with %d confirmations", round, got.Status, len(got.Confirmations))
		}
	}
}
