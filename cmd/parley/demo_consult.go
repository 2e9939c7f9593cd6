package main

import (
	"context"
	"fmt"
	"time"

	"parley"
	"parley/app"
)

// seedConsultation gives the demo's bilateral talk a consultation mechanism
// in motion: irritants in varied states, with responses, an internal note,
// confirmations and an escalation. Everything in it is invented.
func seedConsultation(ctx context.Context, s *app.App, users map[string]*parley.User, parties map[string]*parley.Party, talk *parley.Talk) error {
	if s.Irritants == nil {
		return nil
	}
	as := func(name string) context.Context { return parley.NewContextWithUser(ctx, users[name]) }
	us, ru := parties["us"].ID, parties["ru"].ID
	ids := map[string]int64{}
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
		ids[i.Title] = i.ID
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
	if err := seedRounds(ctx, s, as, parties, talk, ids); err != nil {
		return err
	}
	return seedStatement(ctx, s, as, talk)
}

// seedRounds holds two concluded rounds, Riyadh and Istanbul, with minutes:
// Riyadh's agreed, Istanbul's awaiting Russia's approval.
func seedRounds(ctx context.Context, s *app.App, as func(string) context.Context, parties map[string]*parley.Party, talk *parley.Talk, ids map[string]int64) error {
	if s.Rounds == nil {
		return nil
	}
	type item struct {
		irritant, title, minutes string
		outcome                  parley.Outcome
		note, owner, due         string
	}
	for _, rd := range []struct {
		title, venue, host string
		start              time.Time
		items              []item
	}{
		{"Riyadh", "Diriyah Palace, Riyadh", "sa", time.Date(2025, 2, 18, 9, 0, 0, 0, time.UTC), []item{
			{"", "A consultation mechanism on irritants", "Both delegations agreed to set up a mechanism to address the irritants in the relationship.", parley.OutcomeAgreed, "Mechanism established; working level to meet within two weeks.", "", ""},
			{"Embassy staffing levels", "", "The US delegation set out the staffing situation; the Russian delegation linked it to diplomatic property.", parley.OutcomeNoted, "Positions noted.", "", ""},
			{"", "High-level teams on ending the war", "Each side will appoint a high-level team.", parley.OutcomeAgreed, "Teams to be named within a week.", "", ""},
		}},
		{"Istanbul", "Residence of the US Consul General, Istanbul", "", time.Date(2025, 2, 27, 10, 0, 0, 0, time.UTC), []item{
			{"Embassy staffing levels", "", "Six hours of working-level talks on staffing and visas for diplomats.", parley.OutcomeFollowUp, "Exchange lists of positions to be filled.", "ru", "2025-04-30"},
			{"Banking for diplomatic missions", "", "A designated bank for salary payments was discussed.", parley.OutcomeAgreed, "Salary payments through a designated bank.", "", ""},
			{"Diplomatic notes procedure", "", "Agreed on a response time for diplomatic notes.", parley.OutcomeAgreed, "Notes answered within 14 days.", "", ""},
		}},
	} {
		r := &parley.Round{TalkID: talk.ID, Title: rd.title, Venue: rd.venue, StartsAt: rd.start, EndsAt: rd.start.Add(6 * time.Hour),
			Delegations: []int64{parties["us"].ID, parties["ru"].ID}}
		if rd.host != "" {
			r.Host = parties[rd.host].ID
		}
		for _, it := range rd.items {
			r.Agenda = append(r.Agenda, &parley.AgendaItem{IrritantID: ids[it.irritant], Title: it.title})
		}
		if err := s.Rounds.CreateRound(as("us-head"), r); err != nil {
			return fmt.Errorf("round %s: %w", rd.title, err)
		}
		if _, err := s.Rounds.MoveRound(as("ru-head"), r.ID, parley.RoundInProgress); err != nil {
			return err
		}
		for k, it := range rd.items {
			m := parley.Minutes{Minutes: it.minutes, Outcome: it.outcome, Note: it.note, Due: it.due}
			if it.owner != "" {
				m.Owner = parties[it.owner].ID
			}
			if _, err := s.Rounds.RecordMinutes(as("us-negotiator"), r.ID, r.Agenda[k].ID, m); err != nil {
				return fmt.Errorf("round %s item %d: %w", rd.title, k+1, err)
			}
		}
		// Both delegations conclude; one alone only asks to.
		for _, head := range []string{"us-head", "ru-head"} {
			if _, err := s.Rounds.MoveRound(as(head), r.ID, parley.RoundConcluded); err != nil {
				return err
			}
		}
		// Both delegations approved Riyadh's minutes; Istanbul's await
		// Russia's approval.
		approvers := []string{"us-head", "ru-head"}
		if rd.title == "Istanbul" {
			approvers = approvers[:1]
		}
		for _, head := range approvers {
			got, err := s.Rounds.FindRoundByID(as(head), r.ID)
			if err != nil {
				return err
			}
			if _, err := s.Rounds.ApproveMinutes(as(head), r.ID, got.MinutesVersion); err != nil {
				return fmt.Errorf("round %s: approve minutes: %w", rd.title, err)
			}
		}
	}
	return nil
}

// seedStatement drafts a joint statement in two versions, which both
// delegations can accept and neither head has yet signed.
func seedStatement(ctx context.Context, s *app.App, as func(string) context.Context, talk *parley.Talk) error {
	if s.Statements == nil {
		return nil
	}
	v1 := "The delegations of the United States and the Russian Federation met in Istanbul on 27 February 2025.\n\n" +
		"They agreed that salary payments for diplomatic missions will be made through a designated bank.\n\n" +
		"They will continue consultations on embassy staffing."
	v2 := v1 + "\n\nDiplomatic notes will be answered within fourteen days."
	st := &parley.Statement{TalkID: talk.ID, Title: "Joint statement on the Istanbul consultations"}
	if err := s.Statements.CreateStatement(as("us-negotiator"), st, v1); err != nil {
		return err
	}
	if _, err := s.Statements.EditStatement(as("ru-negotiator"), st.ID, 1, v2); err != nil {
		return err
	}
	for _, who := range []string{"us-negotiator", "ru-negotiator"} {
		if _, err := s.Statements.MarkStatement(as(who), st.ID, 2, parley.MarkCanAccept); err != nil {
			return err
		}
	}
	return nil
}

// seedProvisionalStatement drafts, in the talk on ending the war, a
// statement that names Ukraine and the European Union as affected: it stays
// provisional until they consent, whatever the members sign.
func seedProvisionalStatement(ctx context.Context, s *app.App, users map[string]*parley.User, parties map[string]*parley.Party, war *parley.Talk) error {
	if s.Statements == nil {
		return nil
	}
	st := &parley.Statement{TalkID: war.ID, Title: "Principles for a path to ending the war",
		Stakeholders: []int64{parties["ua"].ID, parties["eu"].ID}}
	text := "The high-level teams will work towards an end to the conflict that is enduring, sustainable and acceptable to all sides.\n\n" +
		"No arrangement affecting Ukraine or the European Union will be final without their consent."
	return s.Statements.CreateStatement(parley.NewContextWithUser(ctx, users["mediator"]), st, text)
}
