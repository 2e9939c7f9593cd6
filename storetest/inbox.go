package storetest

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"parley"
)

// inboxStore is a store that keeps what waits on each party (the sqlite and
// postgres stores): RebuildInbox recomputes it from the irritants.
type inboxStore interface {
	Store
	parley.IrritantInbox
	RebuildInbox(ctx context.Context) error
}

// testInbox walks irritants in two talks through random moves by every
// kind of user — acknowledgements, confirmations of resolution by one side
// then the other, reopening, deadlock, dormancy, archiving — and after each
// checks that IrritantsAwaiting lists for each party exactly what the
// irritants themselves say waits on it, and that the state the store keeps
// equals the state recomputed from scratch.
func testInbox(t *testing.T, s Store) {
	is, ok := s.(inboxStore)
	if !ok {
		t.Fatalf("%T does not keep an inbox (parley.IrritantInbox and RebuildInbox)", s)
	}
	ctx := t.Context()
	w := newWorld(t, s)
	other := &parley.Talk{Title: "Second talk", Parties: []parley.TalkParty{{PartyID: w.us.ID, Standing: parley.StandingMember}, {PartyID: w.ru.ID, Standing: parley.StandingMember}}}
	must(t, s.CreateTalk(as(ctx, w.mediator), other))
	must(t, s.AcceptInvitation(as(ctx, w.usHead), other.ID))
	must(t, s.AcceptInvitation(as(ctx, w.ruHead), other.ID))
	talks := []int64{w.talk.ID, other.ID}
	today := time.Now().UTC().Format(time.DateOnly)
	rnd := rand.New(rand.NewPCG(12, 2026))
	days := func(n int) string { return time.Now().UTC().AddDate(0, 0, n).Format(time.DateOnly) }
	var ids []int64
	for k := range 16 {
		i := &parley.Irritant{TalkID: talks[k%2], Title: fmt.Sprintf("Irritant %d", k), Toward: []int64{w.ru.ID}}
		raiser := w.usHead
		if k%3 == 1 {
			raiser, i.Toward = w.ruHead, []int64{w.us.ID}
		}
		if k%4 == 0 && i.TalkID == w.talk.ID {
			i.Stakeholders = []int64{w.ua.ID}
		}
		switch k % 5 {
		case 0:
			i.Due = days(-3 - k) // overdue, by different spans
		case 1:
			i.Due = days(10)
		case 2:
			i.Due = today // due today: not yet overdue
		}
		must(t, s.RaiseIrritant(as(ctx, raiser), i))
		ids = append(ids, i.ID)
	}
	heads := map[int64]*parley.User{w.us.ID: w.usHead, w.ru.ID: w.ruHead, w.ua.ID: w.uaHead}
	check := func(step string) {
		t.Helper()
		var all []*parley.Irritant
		for _, talk := range talks {
			got, err := s.FindIrritants(as(ctx, w.admin), parley.IrritantFilter{TalkID: talk})
			must(t, err)
			all = append(all, got...)
		}
		for party, head := range heads {
			// A stakeholder cannot raise irritants, so the inbox asks only of
			// the talks where the user can.
			var mine []int64
			for _, talk := range talks {
				if tk, err := s.FindTalkByID(as(ctx, head), talk); err == nil && parley.CanRaiseIrritant(head, tk) {
					mine = append(mine, talk)
				}
			}
			want := expectedWaits(all, party, mine, today, 3)
			got, err := is.IrritantsAwaiting(as(ctx, head), mine, today, 3)
			must(t, err)
			if diff := diffWaits(got, want); diff != "" {
				t.Fatalf("%s: party %d waits on %s", step, party, diff)
			}
			must(t, is.RebuildInbox(ctx))
			rebuilt, err := is.IrritantsAwaiting(as(ctx, head), mine, today, 3)
			must(t, err)
			if diff := diffWaits(rebuilt, want); diff != "" {
				t.Fatalf("%s: after a rebuild, party %d waits on %s", step, party, diff)
			}
		}
	}
	check("raised")
	users := []*parley.User{w.usHead, w.usNeg, w.ruHead, w.mediator, w.uaHead}
	moves := 0
	for step := 0; moves < 80 && step < 2000; step++ {
		id := ids[rnd.IntN(len(ids))]
		u := users[rnd.IntN(len(users))]
		to := parley.IrritantStatuses[rnd.IntN(len(parley.IrritantStatuses))]
		if to == parley.IrritantArchived && rnd.IntN(4) > 0 {
			continue // archive rarely, or every irritant ends there soon
		}
		m := parley.IrritantMove{To: to, Reason: "step"}
		if to == parley.IrritantEscalated {
			m.EscalatedTo = "summit"
		}
		i, err := s.MoveIrritant(as(ctx, u), id, m)
		if err != nil {
			continue
		}
		moves++
		check(fmt.Sprintf("move %d (%s moves %d to %s: %s, confirmed by %v)", moves, u.Name, id, to, i.Status, i.Confirmations))
	}
	if moves < 80 {
		t.Fatalf("only %d legal moves in 2000 tries", moves)
	}
	// A user of no party waits on nothing; a talk the user cannot see is not found.
	got, err := is.IrritantsAwaiting(as(ctx, w.mediator), talks, today, 3)
	must(t, err)
	for _, wt := range got {
		if wt.AcknowledgeCount+wt.ConfirmCount+wt.OverdueCount != 0 {
			t.Errorf("a mediator waits on %+v", wt)
		}
	}
	if _, err := is.IrritantsAwaiting(as(ctx, w.frHead), talks, today, 3); code(err) != parley.ENOTFOUND {
		t.Errorf("an outsider asks for the talk's waits: %v, want not_found", err)
	}
}

// expectedWaits says from the irritants themselves what waits on party in
// talks: the definition IrritantsAwaiting keeps.
func expectedWaits(all []*parley.Irritant, party int64, talks []int64, today string, limit int) map[int64]*parley.IrritantWait {
	out := map[int64]*parley.IrritantWait{}
	for _, id := range talks {
		out[id] = &parley.IrritantWait{}
	}
	add := func(refs *[]parley.IrritantRef, n *int, i *parley.Irritant) {
		*refs = append(*refs, parley.IrritantRef{ID: i.ID, TalkID: i.TalkID, Title: i.Title, Priority: i.Priority, Due: i.Due, Status: i.Status})
		*n++
	}
	for _, i := range all {
		w := out[i.TalkID]
		if w == nil {
			continue
		}
		isParty := slices.Contains(i.Parties(), party)
		if i.Status == parley.IrritantRaised && slices.Contains(i.Toward, party) {
			add(&w.Acknowledge, &w.AcknowledgeCount, i)
		}
		othersConfirmed := slices.ContainsFunc(i.Confirmations, func(c parley.Confirmation) bool { return c.PartyID != party })
		if isParty && (i.Status == parley.IrritantInConsultation || i.Status == parley.IrritantResolvedInPart) && othersConfirmed && !i.Confirmed(party) {
			add(&w.Confirm, &w.ConfirmCount, i)
		}
		if isParty && i.Due != "" && i.Due < today && i.Status != parley.IrritantResolved && i.Status != parley.IrritantArchived {
			add(&w.Overdue, &w.OverdueCount, i)
		}
	}
	byID := func(a, b parley.IrritantRef) int { return cmp.Compare(a.ID, b.ID) }
	for _, w := range out {
		slices.SortFunc(w.Acknowledge, byID)
		slices.SortFunc(w.Confirm, byID)
		slices.SortFunc(w.Overdue, func(a, b parley.IrritantRef) int { return cmp.Or(cmp.Compare(a.Due, b.Due), byID(a, b)) })
		for _, l := range []*[]parley.IrritantRef{&w.Acknowledge, &w.Confirm, &w.Overdue} {
			*l = (*l)[:min(len(*l), limit)]
		}
	}
	return out
}

// diffWaits describes how got differs from want, or returns "".
func diffWaits(got, want map[int64]*parley.IrritantWait) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d talks, want %d", len(got), len(want))
	}
	ids := func(refs []parley.IrritantRef) []string {
		out := []string{}
		for _, r := range refs {
			out = append(out, fmt.Sprintf("%d %s %s %q %q", r.ID, r.Title, r.Status, r.Due, r.Priority))
		}
		return out
	}
	for talk, w := range want {
		g := got[talk]
		if g == nil {
			return fmt.Sprintf("talk %d missing", talk)
		}
		for _, c := range []struct {
			kind        string
			got, want   []parley.IrritantRef
			gotN, wantN int
		}{
			{"acknowledge", g.Acknowledge, w.Acknowledge, g.AcknowledgeCount, w.AcknowledgeCount},
			{"confirm", g.Confirm, w.Confirm, g.ConfirmCount, w.ConfirmCount},
			{"overdue", g.Overdue, w.Overdue, g.OverdueCount, w.OverdueCount},
		} {
			if !slices.Equal(ids(c.got), ids(c.want)) || c.gotN != c.wantN {
				return fmt.Sprintf("talk %d, %s: %v (%d), want %v (%d)", talk, c.kind, ids(c.got), c.gotN, ids(c.want), c.wantN)
			}
		}
	}
	return ""
}
