package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"parley"
)

// This file is the consultation mechanism's part of the UI: the irritant
// board of a talk and the page of one irritant, both kept live by the
// talk's event stream.

// boardColumn is how many irritants a board column shows.
const boardColumn = 25

// column is one status on the board.
type column struct {
	Status parley.IrritantStatus
	Label  string
	// Shown counts the column's irritants that match the filter.
	Shown     int
	Irritants []irritantCard
}

// irritantCard is an irritant as the board shows it.
type irritantCard struct {
	*parley.Irritant
	From, Toward string
	// Overdue is set for an open irritant past its due date, OverdueBy
	// says by how long.
	Overdue   bool
	OverdueBy string
}

func (s *Server) card(i *parley.Irritant, names map[int64]string) irritantCard {
	c := irritantCard{Irritant: i, From: names[i.RaisedBy], Toward: partyList(i.Toward, names)}
	c.Overdue, c.OverdueBy = overdue(s.app.Now(), i.Due, i.Status != parley.IrritantResolved && i.Status != parley.IrritantArchived)
	return c
}

// overdue reports whether a due date (YYYY-MM-DD) of something still open
// has passed, and by how long in words.
func overdue(now time.Time, due string, open bool) (bool, string) {
	d, err := time.Parse(time.DateOnly, due)
	if !open || err != nil {
		return false, ""
	}
	d = d.Add(24 * time.Hour) // due at the end of the day
	if !now.After(d) {
		return false, ""
	}
	return true, strings.TrimSuffix(ago(now, d), " ago")
}

func partyList(ids []int64, names map[int64]string) string {
	var out []string
	for _, id := range ids {
		out = append(out, names[id])
	}
	return strings.Join(out, ", ")
}

// boardData reads the board of talk id: every status with its count and
// first irritants, or, with a search, the matches in their columns.
func (s *Server) boardData(ctx context.Context, id int64, f boardFilter) (map[string]any, error) {
	svc, err := s.app.IrritantService()
	if err != nil {
		return nil, err
	}
	names, err := s.app.PartyNames(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := svc.CountIrritants(ctx, id)
	if err != nil {
		return nil, err
	}
	filtered := f.Query != "" || f.Category != "" || f.Priority != "" || f.Party != 0
	perColumn := boardColumn
	if f.Status != "" {
		perColumn = boardAll
	}
	var cols []column
	total, matches := 0, 0
	for _, st := range parley.IrritantStatuses {
		total += counts[st]
		if f.Status != "" && st != f.Status {
			continue
		}
		c := column{Status: st, Label: st.Label(), Shown: counts[st]}
		if c.Shown > 0 {
			limit := perColumn
			if filtered {
				// Counting the matches takes reading them, up to a bound.
				limit = boardAll
			}
			is, err := svc.FindIrritants(ctx, parley.IrritantFilter{TalkID: id, Status: []parley.IrritantStatus{st}, Query: f.Query,
				Category: f.Category, Priority: f.Priority, Party: f.Party, Sort: f.Sort, Limit: limit})
			if err != nil {
				return nil, err
			}
			if filtered {
				c.Shown = len(is)
			}
			for k, i := range is {
				if k == perColumn {
					break
				}
				c.Irritants = append(c.Irritants, s.card(i, names))
			}
		}
		matches += c.Shown
		cols = append(cols, c)
	}
	return map[string]any{"TalkID": id, "Columns": cols, "Filter": f, "Query": f.Query, "Filtered": filtered || f.Status != "", "Sorts": parley.IrritantSorts,
		"Total": total, "Matches": matches}, nil
}

// boardAll is how many irritants a board shows in one column when asked
// for all of them, and how many matches of a filter it counts.
const boardAll = 1000

// boardFilter is what the board is narrowed to; the zero value shows all.
type boardFilter struct {
	Query, Category, Priority string
	Party                     int64
	// Status shows one column only, in full.
	Status parley.IrritantStatus
	// Sort orders each column; "" is the order they were raised in.
	Sort parley.IrritantSort
}

// Encode returns the filter as a query string, "" when empty. It is a
// template.URL so that templates keep its = and & as they are.
func (f boardFilter) Encode() template.URL {
	v := url.Values{}
	for k, x := range map[string]string{"q": f.Query, "category": f.Category, "priority": f.Priority, "status": string(f.Status), "sort": string(f.Sort)} {
		if x != "" {
			v.Set(k, x)
		}
	}
	if f.Party != 0 {
		v.Set("party", strconv.FormatInt(f.Party, 10))
	}
	return template.URL(v.Encode())
}

func readBoardFilter(r *http.Request) boardFilter {
	q := r.URL.Query()
	f := boardFilter{Query: strings.TrimSpace(q.Get("q")), Category: q.Get("category"), Priority: q.Get("priority")}
	if st := parley.IrritantStatus(q.Get("status")); st.Valid() {
		f.Status = st
	}
	if so := parley.IrritantSort(q.Get("sort")); so.Valid() {
		f.Sort = so
	}
	f.Party, _ = strconv.ParseInt(q.Get("party"), 10, 64)
	return f
}

func (s *Server) board(w http.ResponseWriter, r *http.Request) error {
	u, t, names, err := s.talkPage(r)
	if err != nil {
		return err
	}
	b, err := s.boardData(r.Context(), t.ID, readBoardFilter(r))
	if err != nil {
		return err
	}
	var members, others []partyOption
	for _, p := range t.Parties {
		o := partyOption{ID: p.PartyID, Name: names[p.PartyID]}
		if p.Standing == parley.StandingMember && p.PartyID != u.PartyID {
			members = append(members, o)
		}
		// The counterpart is a party to the irritant, not an affected stakeholder.
		if p.PartyID != u.PartyID && p.Standing != parley.StandingMember {
			others = append(others, o)
		}
	}
	var all []partyOption
	for _, p := range t.Parties {
		if p.Standing == parley.StandingMember {
			all = append(all, partyOption{ID: p.PartyID, Name: names[p.PartyID]})
		}
	}
	b["AllMembers"] = all
	if b["After"], err = s.feedAfter(r.Context(), u, t); err != nil {
		return err
	}
	b["Talk"] = t
	b["CanRaise"] = parley.CanRaiseIrritant(u, t)
	b["WhyNotRaise"] = whyNotRaise(u, t)
	b["Members"], b["Parties"] = members, others
	b["Priorities"] = parley.IrritantPriorities
	return s.renderTalk(w, r, "irritants.html", "Irritants · "+t.Title, t, "irritants", b)
}

type partyOption struct {
	ID   int64
	Name string
}

func (s *Server) boardFragment(w http.ResponseWriter, r *http.Request) error {
	u, t, err := s.talkFor(r)
	if err != nil {
		return err
	}
	b, err := s.boardData(r.Context(), t.ID, readBoardFilter(r))
	if err != nil {
		return err
	}
	b["CanRaise"] = parley.CanRaiseIrritant(u, t)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	return s.tmpl.ExecuteTemplate(w, "board", b)
}

// formIDs reads every value of a form field as ids.
func formIDs(r *http.Request, name string) ([]int64, error) {
	var out []int64
	for _, v := range r.PostForm[name] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, parley.Errorf(parley.EINVALID, "%s: %q is not a party", name, v)
		}
		out = append(out, id)
	}
	return out, nil
}

func (s *Server) raiseIrritant(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	svc, err := s.app.IrritantService()
	if err != nil {
		return err
	}
	id, err := talkID(r)
	if err != nil {
		return err
	}
	toward, err := formIDs(r, "toward")
	if err != nil {
		return err
	}
	stake, err := formIDs(r, "stakeholders")
	if err != nil {
		return err
	}
	i := &parley.Irritant{TalkID: id, Title: formText(r, "title"), Description: formText(r, "description"),
		Category: formText(r, "category"), Priority: r.PostFormValue("priority"), Due: r.PostFormValue("due"),
		Toward: toward, Stakeholders: stake}
	var c checks
	c.text("title", "title", i.Title, true, limitTitle)
	c.text("description", "description", i.Description, false, limitDescription)
	if len(toward) == 0 {
		c.add("toward", "Choose at least one delegation the irritant is raised toward.")
	}
	c.text("category", "category", i.Category, false, limitCategory)
	if !c.ok() {
		return s.refill(w, r, "raise", c, nil, s.board)
	}
	if err := svc.RaiseIrritant(r.Context(), i); err != nil {
		return s.refill(w, r, "raise", c, err, s.board)
	}
	http.Redirect(w, r, fmt.Sprintf("/irritants/%d", i.ID), http.StatusSeeOther)
	return nil
}

func irritantID(r *http.Request) (int64, error) { return pathInt(r, "id", "irritant") }

// irritantPage is what the irritant page and its live panel show.
type irritantPage struct {
	irritantCard
	Talk         *parley.Talk
	StatusLabel  string
	Stakeholders string
	Confirmed    []string
	Awaiting     []string
	CanAct       bool
	CanAck       bool
	CanConfirm   bool
	Moves        []parley.IrritantStatus
	Comments     []commentView
	Timeline     []activity
	Party        string
	IsMediator   bool
	// After is where the live stream starts.
	After  string
	Rounds []discussionView
}

type discussionView struct {
	parley.Discussion
	OwnerName string
}

type commentView struct {
	*parley.IrritantComment
	Author, Party string
}

func (s *Server) irritantData(r *http.Request) (*irritantPage, error) {
	u, err := signedIn(r)
	if err != nil {
		return nil, err
	}
	svc, err := s.app.IrritantService()
	if err != nil {
		return nil, err
	}
	id, err := irritantID(r)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	i, err := svc.FindIrritantByID(ctx, id)
	if err != nil {
		return nil, err
	}
	t, err := s.app.Talks.FindTalkByID(ctx, i.TalkID)
	if err != nil {
		return nil, err
	}
	names, err := s.app.PartyNames(ctx)
	if err != nil {
		return nil, err
	}
	cs, err := svc.IrritantComments(ctx, id)
	if err != nil {
		return nil, err
	}
	es, err := svc.IrritantTimeline(ctx, id)
	if err != nil {
		return nil, err
	}
	p := &irritantPage{irritantCard: s.card(i, names), Talk: t, StatusLabel: i.Status.Label(), Stakeholders: partyList(i.Stakeholders, names),
		Party: names[u.PartyID]}
	for _, c := range i.Confirmations {
		p.Confirmed = append(p.Confirmed, names[c.PartyID])
	}
	if i.Status != parley.IrritantResolved {
		for _, a := range i.AwaitingConfirmation() {
			p.Awaiting = append(p.Awaiting, names[a])
		}
	}
	if p.After, err = s.feedAfter(ctx, u, t); err != nil {
		return nil, err
	}
	p.CanAct = parley.CanActInTalk(u, t)
	p.IsMediator = t.Mediates(u.ID) && u.PartyID == 0
	// Acknowledging and confirming get buttons of their own.
	for _, to := range parley.MovesFor(u, t, i) {
		switch to {
		case parley.IrritantAcknowledged:
			p.CanAck = true
		case parley.IrritantResolved:
			p.CanConfirm = true
		default:
			p.Moves = append(p.Moves, to)
		}
	}
	users := newLookups()
	for _, c := range cs {
		a := s.activity(ctx, &parley.Event{ActorID: c.AuthorID}, names, users, false)
		p.Comments = append(p.Comments, commentView{IrritantComment: c, Author: a.Actor, Party: names[c.PartyID]})
	}
	for _, e := range es {
		p.Timeline = append(p.Timeline, s.activity(ctx, e, names, users, false))
	}
	if s.app.Rounds != nil {
		ds, err := s.app.Rounds.IrritantRounds(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			p.Rounds = append(p.Rounds, discussionView{Discussion: d, OwnerName: names[d.Owner]})
		}
	}
	return p, nil
}

func (s *Server) irritant(w http.ResponseWriter, r *http.Request) error {
	p, err := s.irritantData(r)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.renderTalk(w, r, "irritant.html", p.Title, p.Talk, "irritants", p)
}

func (s *Server) moveIrritant(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	svc, err := s.app.IrritantService()
	if err != nil {
		return err
	}
	id, err := irritantID(r)
	if err != nil {
		return err
	}
	m := parley.IrritantMove{To: parley.IrritantStatus(r.PostFormValue("to")), Reason: formText(r, "reason"),
		EscalatedTo: formText(r, "escalated_to")}
	if m.To != parley.IrritantEscalated {
		m.EscalatedTo = ""
	}
	form := "move"
	if r.PostFormValue("form") == "confirm" || r.PostFormValue("form") == "acknowledge" {
		form = r.PostFormValue("form")
	}
	var c checks
	if form == "move" && m.To == "" {
		c.add("to", "Choose where the irritant moves to.")
	}
	c.text("reason", "reason", m.Reason, false, limitReason)
	c.text("escalated_to", "name of the higher-level talk", m.EscalatedTo, m.To == parley.IrritantEscalated, limitTitle)
	if !c.ok() {
		return s.refill(w, r, form, c, nil, s.irritant)
	}
	if _, err := svc.MoveIrritant(r.Context(), id, m); err != nil {
		return s.refill(w, r, form, c, err, s.irritant)
	}
	http.Redirect(w, r, fmt.Sprintf("/irritants/%d", id), http.StatusSeeOther)
	return nil
}

func (s *Server) commentIrritant(w http.ResponseWriter, r *http.Request) error {
	u, err := signedIn(r)
	if err != nil {
		return err
	}
	svc, err := s.app.IrritantService()
	if err != nil {
		return err
	}
	id, err := irritantID(r)
	if err != nil {
		return err
	}
	ic := &parley.IrritantComment{IrritantID: id, Kind: r.PostFormValue("kind"), Text: formText(r, "text")}
	if r.PostFormValue("visibility") == "internal" {
		ic.PrivateTo = u.PartyID
	}
	var c checks
	c.text("text", "comment", ic.Text, true, limitComment)
	if !c.ok() {
		return s.refill(w, r, "comment", c, nil, s.irritant)
	}
	if err := svc.CommentOnIrritant(r.Context(), ic); err != nil {
		return s.refill(w, r, "comment", c, err, s.irritant)
	}
	http.Redirect(w, r, fmt.Sprintf("/irritants/%d#comments", id), http.StatusSeeOther)
	return nil
}

// whyNotRaise says why u cannot raise irritants in t, and who can.
func whyNotRaise(u *parley.User, t *parley.Talk) string {
	p, ok := t.Party(u.PartyID)
	switch {
	case t.Mediates(u.ID):
		return "As a mediator you follow the irritants; the delegations at the table raise them."
	case ok && p.Standing == parley.StandingStakeholder:
		return "Your delegation is an affected stakeholder: it follows the irritants that concern it and comments on them, and the delegations at the table raise them."
	case ok && p.Standing == parley.StandingObserver:
		return "Your delegation observes this talk; the delegations at the table raise irritants."
	case ok && !p.Accepted:
		return "Your delegation has not accepted the invitation yet; its head of delegation can accept it on the talk's overview."
	case ok && u.Role == parley.RoleObserver:
		return "As an observer in your delegation you follow the irritants; your head of delegation and negotiators raise them."
	}
	return "Only the heads and negotiators of the delegations at the table raise irritants."
}
