package main

import (
	"context"
	"fmt"

	"parley"
	"parley/api"
)

// seedConsultation gives the demo's bilateral talk a consultation mechanism
// in motion: irritants in varied states, with responses, an internal note,
// confirmations and an escalation. Everything in it is invented.
func seedConsultation(ctx context.Context, s *api.Server, users map[string]*parley.User, parties map[string]*parley.Party, talk *parley.Talk) error {
	if s.Irritants == nil {
		return nil
	}
	as := func(name string) context.Context { return parley.NewContextWithUser(ctx, users[name]) }
	us, ru := parties["us"].ID, parties["ru"].ID
	type step struct {
		who string
		m   parley.IrritantMove
	}
	type comment struct {
		who, kind, text string
		internal        bool
	}
	for _, d := range []struct {
		by       string
		irritant parley.Irritant
		steps    []step
		comments []comment
	}{
		{"us-head", parley.Irritant{Title: "Embassy staffing levels", Category: "diplomatic missions", Priority: "high", Due: "2025-04-30",
			Description: "Both embassies operate with a fraction of their former staff after successive expulsions."},
			[]step{{"ru-head", parley.IrritantMove{To: parley.IrritantAcknowledged, Reason: "Received in Riyadh."}},
				{"us-head", parley.IrritantMove{To: parley.IrritantInConsultation, Reason: "On the agenda for Istanbul."}}},
			[]comment{{"ru-head", parley.CommentResponse, "We are ready to restore staffing in step with the return of our properties.", false},
				{"us-negotiator", parley.CommentComment, "Internal: a phased plan over six months is acceptable to us.", true}}},
		{"ru-head", parley.Irritant{Title: "Return of seized diplomatic properties", Category: "property", Priority: "urgent",
			Description: "Six diplomatic properties have been inaccessible since 2016."},
			[]step{{"us-head", parley.IrritantMove{To: parley.IrritantAcknowledged}},
				{"ru-head", parley.IrritantMove{To: parley.IrritantInConsultation}},
				{"us-head", parley.IrritantMove{To: parley.IrritantDeadlocked, Reason: "Legal constraints on our side; no movement in Istanbul."}},
				{"ru-head", parley.IrritantMove{To: parley.IrritantEscalated, Reason: "Needs a decision at the highest level.", EscalatedTo: "Presidential summit"}}},
			nil},
		{"ru-head", parley.Irritant{Title: "Banking for diplomatic missions", Category: "finance", Priority: "high",
			Description: "Missions cannot hold accounts or pay local staff reliably."},
			[]step{{"us-head", parley.IrritantMove{To: parley.IrritantAcknowledged}},
				{"us-head", parley.IrritantMove{To: parley.IrritantInConsultation}},
				{"ru-head", parley.IrritantMove{To: parley.IrritantResolvedInPart, Reason: "Salary payments restored; accounts for new staff pending."}}},
			[]comment{{"us-negotiator", parley.CommentResponse, "A designated bank will handle salary payments from next month.", false}}},
		{"us-head", parley.Irritant{Title: "Visa issuance for diplomats", Category: "visas", Priority: "medium", Due: "2025-06-30",
			Description: "Visas for rotating diplomatic staff take months to be issued."},
			[]step{{"ru-head", parley.IrritantMove{To: parley.IrritantAcknowledged}}}, nil},
		{"ru-head", parley.Irritant{Title: "Resumption of direct flights", Category: "transport", Priority: "medium",
			Description: "No direct flights have operated since 2022."}, nil, nil},
		{"us-head", parley.Irritant{Title: "Diplomatic notes procedure", Category: "diplomatic missions", Priority: "low",
			Description: "Notes go unanswered for weeks; agree a response time."},
			[]step{{"ru-head", parley.IrritantMove{To: parley.IrritantAcknowledged}},
				{"ru-head", parley.IrritantMove{To: parley.IrritantInConsultation}},
				{"us-head", parley.IrritantMove{To: parley.IrritantResolved, Reason: "Exchange of notes in Istanbul."}},
				{"ru-head", parley.IrritantMove{To: parley.IrritantResolved, Reason: "Exchange of notes in Istanbul."}}},
			nil},
		{"us-head", parley.Irritant{Title: "Media accreditation", Category: "media", Priority: "low"},
			[]step{{"us-head", parley.IrritantMove{To: parley.IrritantDormant, Reason: "Set aside until staffing is settled."}}}, nil},
	} {
		i := d.irritant
		i.TalkID = talk.ID
		i.Toward = []int64{ru}
		if users[d.by].PartyID == ru {
			i.Toward = []int64{us}
		}
		if err := s.Irritants.RaiseIrritant(as(d.by), &i); err != nil {
			return fmt.Errorf("irritant %q: %w", i.Title, err)
		}
		for _, st := range d.steps {
			if _, err := s.Irritants.MoveIrritant(as(st.who), i.ID, st.m); err != nil {
				return fmt.Errorf("irritant %q to %s: %w", i.Title, st.m.To, err)
			}
		}
		for _, c := range d.comments {
			ic := &parley.IrritantComment{IrritantID: i.ID, Kind: c.kind, Text: c.text}
			if c.internal {
				ic.PrivateTo = users[c.who].PartyID
			}
			if err := s.Irritants.CommentOnIrritant(as(c.who), ic); err != nil {
				return err
			}
		}
	}
	return nil
}
