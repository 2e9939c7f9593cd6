package main

import (
	"context"
	"fmt"

	"parley"
	"parley/app"
)

// seedNegotiations gives the demo's talks their negotiations: in the talk on
// ending the war, one in mediation with profiles for both members, red
// lines for both stakeholders and a first text; in the bilateral talk, a
// smaller one on embassy operations still eliciting. Every issue, option,
// weight, score and red line is invented for illustration.
func seedNegotiations(ctx context.Context, s *app.App, users map[string]*parley.User, war, bilateral *parley.Talk) error {
	if s.Negotiations == nil || s.Mediator == nil {
		return nil
	}
	as := func(name string) context.Context { return parley.NewContextWithUser(ctx, users[name]) }
	peace := &parley.Negotiation{TalkID: war.ID, Title: "Framework for a ceasefire and settlement (illustrative)", Solution: "nash", Issues: []parley.NegotiationIssue{
		{Name: "Ceasefire line", Options: []string{"Current line of contact", "Line with agreed adjustments", "Pre-2022 line"}},
		{Name: "Security guarantees", Options: []string{"None", "Bilateral assurances", "Multinational reassurance force", "Article 5-like commitment"}},
		{Name: "Sanctions relief sequence", Options: []string{"No relief", "Phased, tied to compliance", "Partial on signature", "Full on signature"}},
		{Name: "Prisoner exchange", Options: []string{"Case by case", "All-for-all", "Phased all-for-all"}},
		{Name: "Nuclear power plant", Options: []string{"Russian control", "IAEA-supervised neutral operator", "Ukrainian control", "Joint operation"}},
		{Name: "Reconstruction fund", Options: []string{"None", "Voluntary donors", "Frozen assets partly", "Frozen assets fully"}},
		{Name: "Monitoring mission", Options: []string{"None", "OSCE", "UN", "Joint commission"}},
		{Name: "Timetable", Options: []string{"30 days", "90 days", "180 days", "One year"}},
	}}
	if err := s.Negotiations.CreateNegotiation(as("mediator"), peace); err != nil {
		return fmt.Errorf("negotiation: %w", err)
	}
	if _, err := s.Negotiations.MoveNegotiation(as("mediator"), peace.ID, parley.NegotiationEliciting); err != nil {
		return err
	}
	profile := func(weights []float64, scores [][]float64, reservation float64) *parley.Preferences {
		p := &parley.Preferences{Weights: map[string]float64{}, Scores: map[string]map[string]float64{}, Reservation: reservation}
		for i, is := range peace.Issues {
			p.Weights[is.Name] = weights[i]
			p.Scores[is.Name] = map[string]float64{}
			for j, o := range is.Options {
				p.Scores[is.Name][o] = scores[i][j]
			}
		}
		return p
	}
	us := profile([]float64{20, 15, 10, 10, 15, 10, 10, 10}, [][]float64{
		{40, 100, 70}, {0, 40, 100, 80}, {100, 90, 40, 0}, {40, 100, 80}, {0, 100, 80, 40}, {0, 60, 100, 70}, {0, 60, 80, 100}, {60, 100, 80, 30},
	}, 0.45)
	ru := profile([]float64{30, 20, 20, 5, 10, 5, 5, 5}, [][]float64{
		{100, 70, 0}, {100, 70, 20, 0}, {0, 40, 80, 100}, {60, 80, 100}, {100, 70, 0, 80}, {100, 80, 30, 0}, {70, 100, 60, 80}, {100, 80, 50, 20},
	}, 0.4)
	for who, p := range map[string]*parley.Preferences{"us-head": us, "ru-head": ru} {
		if _, err := s.Negotiations.SavePreferences(as(who), peace.ID, p, true); err != nil {
			return fmt.Errorf("%s profile: %w", who, err)
		}
	}
	red := map[string]*parley.Preferences{
		"ua-head": {Excluded: map[string][]string{"Security guarantees": {"None"}, "Nuclear power plant": {"Russian control"}}},
		"eu-head": {Excluded: map[string][]string{"Sanctions relief sequence": {"Full on signature"}, "Monitoring mission": {"None"}}},
	}
	for who, p := range red {
		if _, err := s.Negotiations.SavePreferences(as(who), peace.ID, p, true); err != nil {
			return fmt.Errorf("%s red lines: %w", who, err)
		}
	}
	if _, err := s.Negotiations.MoveNegotiation(as("mediator"), peace.ID, parley.NegotiationMediating); err != nil {
		return err
	}
	if _, err := s.Mediator.ProposeText(as("mediator"), peace.ID); err != nil {
		return fmt.Errorf("first text: %w", err)
	}

	embassy := &parley.Negotiation{TalkID: bilateral.ID, Title: "Embassy operations (illustrative)", Solution: "nash", Issues: []parley.NegotiationIssue{
		{Name: "Staffing", Options: []string{"Current levels", "Restore to 2016 levels", "Phased restoration over six months"}},
		{Name: "Diplomatic property", Options: []string{"Remains closed", "Access for inspection", "Returned"}},
		{Name: "Visa processing", Options: []string{"As now", "Within 60 days", "Within 30 days"}},
		{Name: "Direct flights", Options: []string{"Not resumed", "Resumed for diplomats", "Resumed commercially"}},
	}}
	if err := s.Negotiations.CreateNegotiation(as("us-head"), embassy); err != nil {
		return err
	}
	if _, err := s.Negotiations.MoveNegotiation(as("us-head"), embassy.ID, parley.NegotiationEliciting); err != nil {
		return err
	}
	return nil
}
