package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"parley"
	"parley/app"
)

// seedDemo creates the illustrative scenario modelled on the Riyadh talks,
// unless it is there already, and prints its people's passwords. The
// positions in it are invented.
func seedDemo(ctx context.Context, s *app.App, out io.Writer) error {
	if _, err := s.Users.FindUserByName(ctx, "demo-admin"); err == nil {
		fmt.Fprintln(out, "Demo scenario already present; its passwords were printed when it was first seeded.")
		return nil
	}
	parties := map[string]*parley.Party{}
	for _, p := range []struct{ key, name, kind string }{
		{"us", "United States", "state"}, {"ru", "Russian Federation", "state"}, {"ua", "Ukraine", "state"},
		{"eu", "European Union", "organisation"}, {"sa", "Saudi Arabia (host)", "state"},
	} {
		pp := &parley.Party{Name: p.name, Kind: p.kind}
		if err := s.CreateParty(ctx, pp); err != nil {
			return err
		}
		parties[p.key] = pp
	}
	type person struct {
		name, display, party string
		role                 parley.Role
		mediator, admin      bool
	}
	people := []person{
		{"demo-admin", "Demo administrator", "", "", false, true},
		{"us-head", "US head of delegation", "us", parley.RoleHead, false, false},
		{"us-negotiator", "US negotiator", "us", parley.RoleNegotiator, false, false},
		{"ru-head", "Russian head of delegation", "ru", parley.RoleHead, false, false},
		{"ru-negotiator", "Russian negotiator", "ru", parley.RoleNegotiator, false, false},
		{"ua-head", "Ukrainian head of delegation", "ua", parley.RoleHead, false, false},
		{"eu-head", "EU head of delegation", "eu", parley.RoleHead, false, false},
		{"sa-host", "Saudi host", "sa", parley.RoleHead, false, false},
		{"mediator", "Mediator", "", "", true, false},
	}
	users := map[string]*parley.User{}
	fmt.Fprintln(out, "Illustrative demo scenario (invented positions, modelled on the Riyadh talks). Sign in as:")
	for _, p := range people {
		u := &parley.User{Name: p.name, DisplayName: p.display, Role: p.role, Mediator: p.mediator, Admin: p.admin}
		if p.party != "" {
			u.PartyID = parties[p.party].ID
		}
		pw := demoPassword()
		if err := s.CreateUserWithPassword(ctx, u, pw); err != nil {
			return err
		}
		users[p.name] = u
		fmt.Fprintf(out, "  %-14s %s\n", p.name, pw)
	}
	as := func(name string) context.Context { return parley.NewContextWithUser(ctx, users[name]) }
	say := func(talk *parley.Talk, who, typ, text string, private bool) error {
		b, _ := json.Marshal(map[string]string{"text": text})
		in := parley.EventInput{Type: typ, Payload: b}
		if private {
			in.PrivateTo = users[who].PartyID
		}
		_, err := s.Talks.AppendEvent(as(who), talk.ID, in)
		return err
	}
	tp := func(key string, st parley.Standing) parley.TalkParty {
		return parley.TalkParty{PartyID: parties[key].ID, Standing: st}
	}
	bilateral := &parley.Talk{
		Title:        "US–Russia consultation mechanism",
		Description:  "Bilateral consultations on the irritants in the relationship: embassy staffing, diplomatic property, banking for missions, visas, direct flights.",
		Illustrative: true,
		Parties:      []parley.TalkParty{tp("us", parley.StandingMember), tp("ru", parley.StandingMember), tp("sa", parley.StandingObserver)},
	}
	if err := s.Talks.CreateTalk(as("us-head"), bilateral); err != nil {
		return err
	}
	war := &parley.Talk{
		Title:        "A path to ending the war",
		Description:  "High-level teams work towards an end to the conflict that is enduring, sustainable and acceptable to all sides. Ukraine and the European Union are affected but not at the table.",
		Illustrative: true,
		Parties: []parley.TalkParty{tp("us", parley.StandingMember), tp("ru", parley.StandingMember),
			tp("ua", parley.StandingStakeholder), tp("eu", parley.StandingStakeholder), tp("sa", parley.StandingObserver)},
		MediatorIDs: []int64{users["mediator"].ID},
	}
	if err := s.Talks.CreateTalk(as("us-head"), war); err != nil {
		return err
	}
	for _, step := range []struct {
		talk *parley.Talk
		who  string
	}{{bilateral, "ru-head"}, {bilateral, "sa-host"}, {war, "ru-head"}, {war, "ua-head"}, {war, "eu-head"}, {war, "sa-host"}} {
		if err := s.Talks.AcceptInvitation(as(step.who), step.talk.ID); err != nil {
			return err
		}
	}
	for _, st := range []struct {
		talk          *parley.Talk
		who, typ, txt string
		private       bool
	}{
		{bilateral, "us-head", "statement", "We propose to restore normal staffing levels at both embassies first.", false},
		{bilateral, "ru-head", "statement", "Agreed in principle; we ask that the return of seized diplomatic property be on the same agenda.", false},
		{bilateral, "us-negotiator", "note", "Fallback: accept a phased staffing plan over six months.", true},
		{war, "mediator", "statement", "Welcome. Ukraine and the European Union follow this talk as affected stakeholders.", false},
		{war, "ru-negotiator", "note", "Internal: hold firm on the sequencing of any ceasefire.", true},
		{war, "ua-head", "statement", "Nothing about Ukraine without Ukraine: any outcome touching us needs our consent.", false},
	} {
		if err := say(st.talk, st.who, st.typ, st.txt, st.private); err != nil {
			return err
		}
	}
	if err := seedConsultation(ctx, s, users, parties, bilateral); err != nil {
		return err
	}
	if err := seedProvisionalStatement(ctx, s, users, parties, war); err != nil {
		return err
	}
	return seedNegotiations(ctx, s, users, war, bilateral)
}

// demoPassword is random so that a demo left reachable is not an open door.
func demoPassword() string {
	return strings.ToLower(rand.Text()[:12])
}
