package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"parley"
)

// This file is the UI of rounds of talks and joint statements.

func (s *Server) registerRounds(mux *http.ServeMux) {
	mux.Handle("GET /talks/{id}/rounds", s.serve(s.roundList))
	mux.Handle("POST /talks/{id}/rounds", s.serve(s.planRound))
	mux.Handle("GET /rounds/{id}", s.serve(s.roundPage))
	mux.Handle("GET /rounds/{id}/panel", s.serve(s.roundPanel))
	mux.Handle("POST /rounds/{id}/agenda", s.serve(s.addAgendaItem))
	mux.Handle("POST /rounds/{id}/agenda/{item}/up", s.serve(s.moveAgendaItemUp))
	mux.Handle("POST /rounds/{id}/items/{item}/minutes", s.serve(s.recordMinutes))
	mux.Handle("POST /rounds/{id}/moves", s.serve(s.moveRound))
	mux.Handle("GET /talks/{id}/joint-statements", s.serve(s.statementList))
	mux.Handle("POST /talks/{id}/joint-statements", s.serve(s.openStatement))
	mux.Handle("GET /joint-statements/{id}", s.serve(s.statementPage))
	mux.Handle("GET /joint-statements/{id}/panel", s.serve(s.statementPanel))
	mux.Handle("POST /joint-statements/{id}/versions", s.serve(s.editStatement))
	mux.Handle("POST /joint-statements/{id}/marks", s.serve(s.markStatement))
	mux.Handle("POST /joint-statements/{id}/signatures", s.serve(s.signStatement))
	mux.Handle("POST /joint-statements/{id}/consents", s.serve(s.consentStatement))
	mux.Handle("POST /joint-statements/{id}/comments", s.serve(s.commentStatement))
}

func pathInt(r *http.Request, name, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil {
		return 0, parley.Errorf(parley.ENOTFOUND, "no such %s", what)
	}
	return id, nil
}

// redirectBack sends the browser to target, carrying err's message when it
// is one a user can act on.
func redirectBack(w http.ResponseWriter, r *http.Request, target string, err error) error {
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

func (s *Server) roundList(w http.ResponseWriter, r *http.Request) error {
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
	rs, err := s.api.Rounds.FindRounds(r.Context(), id)
	if err != nil {
		return err
	}
	names, err := s.partyNames(r.Context())
	if err != nil {
		return err
	}
	var parties []roundParty
	for _, p := range t.Parties {
		parties = append(parties, roundParty{partyOption{ID: p.PartyID, Name: names[p.PartyID]}, p.Standing == parley.StandingMember})
	}
	return s.render(w, r, "rounds.html", map[string]any{"Talk": t, "Rounds": rs, "CanOrganise": parley.CanOrganiseRound(u, t),
		"Parties": parties, "Error": flash(r)})
}

// roundParty is a party of the talk offered as host or attending delegation.
type roundParty struct {
	partyOption
	Member bool
}

func (s *Server) planRound(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	id, err := talkID(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return parley.Errorf(parley.EINVALID, "the form could not be read")
	}
	back := fmt.Sprintf("/talks/%d/rounds", id)
	rd := &parley.Round{TalkID: id, Title: strings.TrimSpace(r.PostFormValue("title")), Venue: strings.TrimSpace(r.PostFormValue("venue"))}
	for name, at := range map[string]*time.Time{"starts_at": &rd.StartsAt, "ends_at": &rd.EndsAt} {
		if v := r.PostFormValue(name); v != "" {
			t, err := time.Parse("2006-01-02T15:04", v)
			if err != nil {
				return redirectBack(w, r, back, parley.Errorf(parley.EINVALID, "%q is not a date and time", v))
			}
			*at = t
		}
	}
	rd.Host, _ = strconv.ParseInt(r.PostFormValue("host"), 10, 64)
	delegations, err := formIDs(r, "delegations")
	if err != nil {
		return err
	}
	rd.Delegations = delegations
	if err := s.api.Rounds.CreateRound(r.Context(), rd); err != nil {
		return redirectBack(w, r, back, err)
	}
	http.Redirect(w, r, fmt.Sprintf("/rounds/%d", rd.ID), http.StatusSeeOther)
	return nil
}

// roundView is what the round page shows.
type roundView struct {
	*parley.Round
	Talk        *parley.Talk
	Host        string
	Delegations string
	Items       []agendaView
	CanOrganise bool
	Irritants   []*parley.Irritant
	Members     []partyOption
	Next        parley.RoundStatus
	Error       string
}

type agendaView struct {
	*parley.AgendaItem
	Owner string
}

func (s *Server) roundData(r *http.Request) (*roundView, error) {
	u, err := signedIn(r)
	if err != nil {
		return nil, err
	}
	id, err := pathInt(r, "id", "round")
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	rd, err := s.api.Rounds.FindRoundByID(ctx, id)
	if err != nil {
		return nil, err
	}
	t, err := s.api.Talks.FindTalkByID(ctx, rd.TalkID)
	if err != nil {
		return nil, err
	}
	names, err := s.partyNames(ctx)
	if err != nil {
		return nil, err
	}
	v := &roundView{Round: rd, Talk: t, Host: names[rd.Host], Delegations: partyList(rd.Delegations, names), Next: rd.Status.Next(),
		CanOrganise: parley.CanOrganiseRound(u, t) && rd.Status != parley.RoundConcluded, Error: flash(r)}
	for _, it := range rd.Agenda {
		v.Items = append(v.Items, agendaView{AgendaItem: it, Owner: names[it.Owner]})
	}
	if v.CanOrganise {
		if v.Irritants, err = s.api.Irritants.FindIrritants(ctx, parley.IrritantFilter{TalkID: t.ID, Limit: 200}); err != nil {
			return nil, err
		}
		for _, p := range t.Parties {
			if p.Standing == parley.StandingMember {
				v.Members = append(v.Members, partyOption{ID: p.PartyID, Name: names[p.PartyID]})
			}
		}
	}
	return v, nil
}

func (s *Server) roundPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.roundData(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "round.html", v)
}

func (s *Server) roundPanel(w http.ResponseWriter, r *http.Request) error {
	v, err := s.roundData(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	return s.tmpl.ExecuteTemplate(w, "round-panel", map[string]any{"Data": v, "CSRF": s.api.CSRFToken(r)})
}

func (s *Server) addAgendaItem(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	id, err := pathInt(r, "id", "round")
	if err != nil {
		return err
	}
	rd, err := s.api.Rounds.FindRoundByID(r.Context(), id)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	it := &parley.AgendaItem{Title: strings.TrimSpace(r.PostFormValue("title"))}
	it.IrritantID, _ = strconv.ParseInt(r.PostFormValue("irritant_id"), 10, 64)
	_, err = s.api.Rounds.SetAgenda(r.Context(), id, append(rd.Agenda, it))
	return redirectBack(w, r, fmt.Sprintf("/rounds/%d", id), err)
}

// moveAgendaItemUp swaps an agenda item with the one before it.
func (s *Server) moveAgendaItemUp(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	id, err := pathInt(r, "id", "round")
	if err != nil {
		return err
	}
	item, err := pathInt(r, "item", "agenda item")
	if err != nil {
		return err
	}
	rd, err := s.api.Rounds.FindRoundByID(r.Context(), id)
	if err != nil {
		return err
	}
	items := rd.Agenda
	for k := 1; k < len(items); k++ {
		if items[k].ID == item {
			items[k-1], items[k] = items[k], items[k-1]
			break
		}
	}
	_, err = s.api.Rounds.SetAgenda(r.Context(), id, items)
	return redirectBack(w, r, fmt.Sprintf("/rounds/%d", id), err)
}

func (s *Server) recordMinutes(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	id, err := pathInt(r, "id", "round")
	if err != nil {
		return err
	}
	item, err := pathInt(r, "item", "agenda item")
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 128<<10)
	m := parley.Minutes{Minutes: strings.TrimSpace(r.PostFormValue("minutes")), Outcome: parley.Outcome(r.PostFormValue("outcome")),
		Note: strings.TrimSpace(r.PostFormValue("note")), Due: r.PostFormValue("due")}
	if m.Outcome == parley.OutcomeFollowUp {
		m.Owner, _ = strconv.ParseInt(r.PostFormValue("owner"), 10, 64)
	} else {
		m.Due = ""
	}
	_, err = s.api.Rounds.RecordMinutes(r.Context(), id, item, m)
	return redirectBack(w, r, fmt.Sprintf("/rounds/%d", id), err)
}

func (s *Server) moveRound(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	id, err := pathInt(r, "id", "round")
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	_, err = s.api.Rounds.MoveRound(r.Context(), id, parley.RoundStatus(r.PostFormValue("to")))
	return redirectBack(w, r, fmt.Sprintf("/rounds/%d", id), err)
}

func (s *Server) statementList(w http.ResponseWriter, r *http.Request) error {
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
	ss, err := s.api.Statements.FindStatements(r.Context(), id)
	if err != nil {
		return err
	}
	names, err := s.partyNames(r.Context())
	if err != nil {
		return err
	}
	var stake []partyOption
	for _, p := range t.Parties {
		if p.Standing == parley.StandingStakeholder {
			stake = append(stake, partyOption{ID: p.PartyID, Name: names[p.PartyID]})
		}
	}
	return s.render(w, r, "statements.html", map[string]any{"Talk": t, "Statements": ss, "CanDraft": parley.CanDraftStatement(u, t),
		"Stakeholders": stake, "Error": flash(r)})
}

func (s *Server) openStatement(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
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
	stake, err := formIDs(r, "stakeholders")
	if err != nil {
		return err
	}
	st := &parley.Statement{TalkID: id, Title: strings.TrimSpace(r.PostFormValue("title")), Stakeholders: stake}
	if err := s.api.Statements.CreateStatement(r.Context(), st, r.PostFormValue("text")); err != nil {
		return redirectBack(w, r, fmt.Sprintf("/talks/%d/joint-statements", id), err)
	}
	http.Redirect(w, r, fmt.Sprintf("/joint-statements/%d", st.ID), http.StatusSeeOther)
	return nil
}

// statementPage is what the statement page shows.
type statementPage struct {
	*parley.Statement
	Talk         *parley.Talk
	Paragraphs   []paragraphView
	Diff         []parley.DiffLine
	Versions     []*parley.StatementVersion
	Marks        []string
	Signed       []string
	AwaitSign    []string
	AwaitConsent []string
	Objections   []string
	CanDraft     bool
	CanMark      bool
	CanSign      bool
	CanConsent   bool
	CanComment   bool
	Party        string
	Error        string
	// Conflict holds the editor's text when their edit lost to another.
	Conflict    string
	NextVersion int
	// From and To are the versions the diff compares.
	From, To int
}

type paragraphView struct {
	N        int
	Text     string
	Comments []string
}

func (s *Server) statementData(r *http.Request) (*statementPage, error) {
	u, err := signedIn(r)
	if err != nil {
		return nil, err
	}
	id, err := pathInt(r, "id", "statement")
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	v, err := s.api.StatementView(ctx, id)
	if err != nil {
		return nil, err
	}
	st := v.Statement
	t, err := s.api.Talks.FindTalkByID(ctx, st.TalkID)
	if err != nil {
		return nil, err
	}
	vs, err := s.api.Statements.StatementVersions(ctx, id)
	if err != nil {
		return nil, err
	}
	names, err := s.partyNames(ctx)
	if err != nil {
		return nil, err
	}
	p := &statementPage{Statement: st, Talk: t, Versions: vs, Party: names[u.PartyID], Error: flash(r), NextVersion: st.Current.Number + 1}
	users := map[int64]string{}
	for k, text := range parley.Paragraphs(st.Current.Text) {
		pv := paragraphView{N: k + 1, Text: text}
		for _, c := range v.Comments {
			if c.Version == st.Current.Number && c.Paragraph == k {
				a := s.activity(ctx, &parley.Event{ActorID: c.AuthorID}, names, users, false)
				pv.Comments = append(pv.Comments, a.Actor+" ("+names[c.PartyID]+"): "+c.Text)
			}
		}
		p.Paragraphs = append(p.Paragraphs, pv)
	}
	// The diff shows the latest change, or the two versions asked for.
	p.To, p.From = len(vs), len(vs)-1
	q := r.URL.Query()
	if n, err := strconv.Atoi(q.Get("to")); err == nil && n >= 1 && n <= len(vs) {
		p.To = n
	}
	if n, err := strconv.Atoi(q.Get("from")); err == nil && n >= 1 && n <= len(vs) {
		p.From = n
	} else if p.To != len(vs) {
		p.From = p.To - 1
	}
	if p.From >= 1 && p.From != p.To {
		p.Diff = parley.Diff(vs[p.From-1].Text, vs[p.To-1].Text)
	}
	for _, m := range st.Marks {
		p.Marks = append(p.Marks, names[m.PartyID]+": "+strings.ReplaceAll(m.Mark, "_", " "))
	}
	for _, g := range st.Signatures {
		p.Signed = append(p.Signed, names[g.PartyID])
	}
	for _, id := range v.AwaitingSignature {
		p.AwaitSign = append(p.AwaitSign, names[id])
	}
	for _, id := range v.AwaitingConsent {
		p.AwaitConsent = append(p.AwaitConsent, names[id])
	}
	for _, c := range st.Consents {
		if !c.Consent {
			p.Objections = append(p.Objections, names[c.PartyID]+": "+c.Note)
		}
	}
	signed := false
	for _, g := range st.Signatures {
		signed = signed || g.PartyID == u.PartyID
	}
	named := false
	for _, sp := range st.Stakeholders {
		named = named || sp == u.PartyID
	}
	p.CanDraft = parley.CanDraftStatement(u, t) && !st.Adopted
	p.CanMark = parley.CanRaiseIrritant(u, t) && !st.Adopted
	p.CanSign = parley.CanSignStatement(u, t) && !st.Adopted && !signed
	p.CanConsent = named && u.Role == parley.RoleHead
	p.CanComment = parley.CanActInTalk(u, t)
	return p, nil
}

func (s *Server) statementPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.statementData(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "statement.html", p)
}

func (s *Server) statementPanel(w http.ResponseWriter, r *http.Request) error {
	p, err := s.statementData(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	return s.tmpl.ExecuteTemplate(w, "statement-panel", map[string]any{"Data": p, "CSRF": s.api.CSRFToken(r)})
}

func statementID(r *http.Request) (int64, string, error) {
	id, err := pathInt(r, "id", "statement")
	return id, fmt.Sprintf("/joint-statements/%d", id), err
}

func (s *Server) editStatement(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	id, back, err := statementID(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 512<<10)
	base, _ := strconv.Atoi(r.PostFormValue("base"))
	text := r.PostFormValue("text")
	_, err = s.api.Statements.EditStatement(r.Context(), id, base, text)
	if parley.ErrorCode(err) == parley.ECONFLICT && base != 0 {
		// Show both texts: the one saved meanwhile and the editor's own.
		p, perr := s.statementData(r)
		if perr != nil {
			return perr
		}
		p.Error, p.Conflict = parley.ErrorMessage(err), text
		w.WriteHeader(http.StatusConflict)
		return s.render(w, r, "statement.html", p)
	}
	return redirectBack(w, r, back, err)
}

func (s *Server) markStatement(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	id, back, err := statementID(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	_, err = s.api.Statements.MarkStatement(r.Context(), id, version, r.PostFormValue("mark"))
	return redirectBack(w, r, back, err)
}

func (s *Server) signStatement(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	id, back, err := statementID(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	_, err = s.api.Statements.SignStatement(r.Context(), id, version, nil)
	return redirectBack(w, r, back, err)
}

func (s *Server) consentStatement(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	id, back, err := statementID(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	_, err = s.api.Statements.ConsentToStatement(r.Context(), id, version, r.PostFormValue("consent") == "yes", strings.TrimSpace(r.PostFormValue("note")))
	return redirectBack(w, r, back, err)
}

func (s *Server) commentStatement(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	id, back, err := statementID(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	n, _ := strconv.Atoi(r.PostFormValue("paragraph"))
	c := &parley.StatementComment{Version: version, Paragraph: n - 1, Text: strings.TrimSpace(r.PostFormValue("text"))}
	return redirectBack(w, r, back, s.api.Statements.CommentOnStatement(r.Context(), id, c))
}
