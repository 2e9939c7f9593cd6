package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"parley"
)

// This file is the consultation mechanism's part of the UI: the irritant
// board of a talk and the page of one irritant, both kept live by the
// talk's event stream.

// boardColumn is how many irritants a board column shows.
const boardColumn = 25

func (s *Server) registerConsult(mux *http.ServeMux) {
	mux.Handle("GET /talks/{id}/irritants", s.serve(s.board))
	mux.Handle("GET /talks/{id}/irritants/board", s.serve(s.boardFragment))
	mux.Handle("POST /talks/{id}/irritants", s.serve(s.raiseIrritant))
	mux.Handle("GET /irritants/{id}", s.serve(s.irritant))
	mux.Handle("GET /irritants/{id}/panel", s.serve(s.irritantPanel))
	mux.Handle("POST /irritants/{id}/moves", s.serve(s.moveIrritant))
	mux.Handle("POST /irritants/{id}/comments", s.serve(s.commentIrritant))
	s.registerRounds(mux)
	s.registerNotifications(mux)
}

func (s *Server) irritantService() (parley.IrritantService, error) {
	if s.api.Irritants == nil {
		return nil, fmt.Errorf("web: no irritant service")
	}
	return s.api.Irritants, nil
}

// column is one status on the board.
type column struct {
	Status    parley.IrritantStatus
	Label     string
	Count     int
	Irritants []irritantCard
}

// irritantCard is an irritant as the board shows it.
type irritantCard struct {
	*parley.Irritant
	From, Toward string
}

func (s *Server) card(i *parley.Irritant, names map[int64]string) irritantCard {
	return irritantCard{Irritant: i, From: names[i.RaisedBy], Toward: partyList(i.Toward, names)}
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
	svc, err := s.irritantService()
	if err != nil {
		return nil, err
	}
	names, err := s.partyNames(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := svc.CountIrritants(ctx, id)
	if err != nil {
		return nil, err
	}
	var cols []column
	for _, st := range parley.IrritantStatuses {
		c := column{Status: st, Label: st.Label(), Count: counts[st]}
		if c.Count > 0 {
			is, err := svc.FindIrritants(ctx, parley.IrritantFilter{TalkID: id, Status: []parley.IrritantStatus{st}, Query: f.Query,
				Category: f.Category, Priority: f.Priority, Party: f.Party, Limit: boardColumn})
			if err != nil {
				return nil, err
			}
			for _, i := range is {
				c.Irritants = append(c.Irritants, s.card(i, names))
			}
		}
		cols = append(cols, c)
	}
	return map[string]any{"TalkID": id, "Columns": cols, "Filter": f, "Query": f.Query, "PerColumn": boardColumn, "Filtered": f != boardFilter{}}, nil
}

// boardFilter is what the board is narrowed to; the zero value shows all.
type boardFilter struct {
	Query, Category, Priority string
	Party                     int64
}

// Encode returns the filter as a query string, "" when empty. It is a
// template.URL so that templates keep its = and & as they are.
func (f boardFilter) Encode() template.URL {
	v := url.Values{}
	for k, x := range map[string]string{"q": f.Query, "category": f.Category, "priority": f.Priority} {
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
	f.Party, _ = strconv.ParseInt(q.Get("party"), 10, 64)
	return f
}

func (s *Server) board(w http.ResponseWriter, r *http.Request) error {
	u, err := signedIn(r)
	if err != nil {
		return err
	}
	id, err := talkID(r)
	if err != nil {
		return err
	}
	t, err := s.api.Talks.FindTalkByID(r.Context(), id)
	if err != nil {
		return err
	}
	b, err := s.boardData(r.Context(), id, readBoardFilter(r))
	if err != nil {
		return err
	}
	names, err := s.partyNames(r.Context())
	if err != nil {
		return err
	}
	var members, others []partyOption
	for _, p := range t.Parties {
		o := partyOption{ID: p.PartyID, Name: names[p.PartyID]}
		if p.Standing == parley.StandingMember && p.PartyID != u.PartyID {
			members = append(members, o)
		}
		if p.PartyID != u.PartyID {
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
	b["Talk"] = t
	b["CanRaise"] = parley.CanRaiseIrritant(u, t)
	b["Members"], b["Parties"] = members, others
	b["Priorities"] = parley.IrritantPriorities
	b["Error"] = flash(r)
	return s.render(w, r, "irritants.html", b)
}

type partyOption struct {
	ID   int64
	Name string
}

func (s *Server) boardFragment(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	id, err := talkID(r)
	if err != nil {
		return err
	}
	b, err := s.boardData(r.Context(), id, readBoardFilter(r))
	if err != nil {
		return err
	}
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
	svc, err := s.irritantService()
	if err != nil {
		return err
	}
	id, err := talkID(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		return parley.Errorf(parley.EINVALID, "the form could not be read")
	}
	toward, err := formIDs(r, "toward")
	if err != nil {
		return err
	}
	stake, err := formIDs(r, "stakeholders")
	if err != nil {
		return err
	}
	i := &parley.Irritant{TalkID: id, Title: strings.TrimSpace(r.PostFormValue("title")), Description: strings.TrimSpace(r.PostFormValue("description")),
		Category: strings.TrimSpace(r.PostFormValue("category")), Priority: r.PostFormValue("priority"), Due: r.PostFormValue("due"),
		Toward: toward, Stakeholders: stake}
	if err := svc.RaiseIrritant(r.Context(), i); err != nil {
		if code := parley.ErrorCode(err); code == parley.EINVALID {
			setFlash(w, r, parley.ErrorMessage(err))
			http.Redirect(w, r, fmt.Sprintf("/talks/%d/irritants", id), http.StatusSeeOther)
			return nil
		}
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/irritants/%d", i.ID), http.StatusSeeOther)
	return nil
}

func irritantID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, parley.Errorf(parley.ENOTFOUND, "no such irritant")
	}
	return id, nil
}

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
	Error        string
	Rounds       []discussionView
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
	svc, err := s.irritantService()
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
	t, err := s.api.Talks.FindTalkByID(ctx, i.TalkID)
	if err != nil {
		return nil, err
	}
	names, err := s.partyNames(ctx)
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
		Party: names[u.PartyID], Error: flash(r)}
	for _, c := range i.Confirmations {
		p.Confirmed = append(p.Confirmed, names[c.PartyID])
	}
	if i.Status != parley.IrritantResolved {
		for _, a := range i.AwaitingConfirmation() {
			p.Awaiting = append(p.Awaiting, names[a])
		}
	}
	p.CanAct = parley.CanActInTalk(u, t)
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
	users := map[int64]string{}
	for _, c := range cs {
		a := s.activity(ctx, &parley.Event{ActorID: c.AuthorID}, names, users, false)
		p.Comments = append(p.Comments, commentView{IrritantComment: c, Author: a.Actor, Party: names[c.PartyID]})
	}
	for _, e := range es {
		p.Timeline = append(p.Timeline, s.activity(ctx, e, names, users, false))
	}
	if s.api.Rounds != nil {
		ds, err := s.api.Rounds.IrritantRounds(ctx, id)
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
	return s.render(w, r, "irritant.html", p)
}

func (s *Server) irritantPanel(w http.ResponseWriter, r *http.Request) error {
	p, err := s.irritantData(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	return s.tmpl.ExecuteTemplate(w, "irritant-panel", map[string]any{"Data": p, "CSRF": s.api.CSRFToken(r)})
}

// back redirects to the irritant page, with err's message when it is one a
// user can act on.
func back(w http.ResponseWriter, r *http.Request, id int64, err error) error {
	target := fmt.Sprintf("/irritants/%d", id)
	if err != nil {
		switch parley.ErrorCode(err) {
		case parley.EINVALID, parley.ECONFLICT, parley.EFORBIDDEN:
			setFlash(w, r, parley.ErrorMessage(err))
		default:
			return err
		}
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

func (s *Server) moveIrritant(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	svc, err := s.irritantService()
	if err != nil {
		return err
	}
	id, err := irritantID(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	m := parley.IrritantMove{To: parley.IrritantStatus(r.PostFormValue("to")), Reason: strings.TrimSpace(r.PostFormValue("reason")),
		EscalatedTo: strings.TrimSpace(r.PostFormValue("escalated_to"))}
	if m.To != parley.IrritantEscalated {
		m.EscalatedTo = ""
	}
	_, err = svc.MoveIrritant(r.Context(), id, m)
	return back(w, r, id, err)
}

func (s *Server) commentIrritant(w http.ResponseWriter, r *http.Request) error {
	u, err := signedIn(r)
	if err != nil {
		return err
	}
	svc, err := s.irritantService()
	if err != nil {
		return err
	}
	id, err := irritantID(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	c := &parley.IrritantComment{IrritantID: id, Kind: r.PostFormValue("kind"), Text: strings.TrimSpace(r.PostFormValue("text"))}
	if r.PostFormValue("visibility") == "internal" {
		c.PrivateTo = u.PartyID
	}
	return back(w, r, id, svc.CommentOnIrritant(r.Context(), c))
}

// consultSummary renders the consultation's record events for the activity
// feed; ok is false for other events.
func consultSummary(e *parley.Event) (string, bool) { return parley.Summary(e) }
