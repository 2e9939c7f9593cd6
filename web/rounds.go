package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"parley"
)

// This file is the UI of rounds of talks and joint statements.

func pathInt(r *http.Request, name, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil {
		return 0, parley.Errorf(parley.ENOTFOUND, "no such %s", what)
	}
	return id, nil
}

// signedInID reads the id of the talk, round or statement (what) the path
// names, for a form that acts as the signed-in user: one not signed in is
// told to sign in first, whatever the path says.
func signedInID(r *http.Request, what string) (int64, error) {
	if _, err := signedIn(r); err != nil {
		return 0, err
	}
	return pathInt(r, "id", what)
}

// done redirects to target after a form acted; a failure the user can act
// on renders page again with the form id kept and the message in it.
func (s *Server) done(w http.ResponseWriter, r *http.Request, target, id string, err error, page handler) error {
	if err != nil {
		return s.refill(w, r, id, checks{}, err, page)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

func (s *Server) roundList(w http.ResponseWriter, r *http.Request) error {
	u, t, names, err := s.talkPage(r)
	if err != nil {
		return err
	}
	rs, err := s.app.Rounds.FindRounds(r.Context(), t.ID)
	if err != nil {
		return err
	}
	var parties []roundParty
	for _, p := range t.Parties {
		parties = append(parties, roundParty{partyOption{ID: p.PartyID, Name: names[p.PartyID]}, p.Standing == parley.StandingMember})
	}
	return s.renderTalk(w, r, "rounds.html", "Rounds · "+t.Title, t, "rounds", map[string]any{"Talk": t, "Rounds": rs, "CanOrganise": parley.CanOrganiseRound(u, t),
		"Parties": parties})
}

// roundParty is a party of the talk offered as host or attending delegation.
type roundParty struct {
	partyOption
	Member bool
}

func (s *Server) planRound(w http.ResponseWriter, r *http.Request) error {
	id, err := signedInID(r, "talk")
	if err != nil {
		return err
	}
	d, c := roundDetailsForm(r)
	rd := &parley.Round{TalkID: id, Title: d.Title, Venue: d.Venue, StartsAt: d.StartsAt, EndsAt: d.EndsAt}
	rd.Host, _ = strconv.ParseInt(r.PostFormValue("host"), 10, 64)
	delegations, err := formIDs(r, "delegations")
	if err != nil {
		return err
	}
	rd.Delegations = delegations
	if !c.ok() {
		return s.refill(w, r, "plan", c, nil, s.roundList)
	}
	if err := s.app.Rounds.CreateRound(r.Context(), rd); err != nil {
		return s.refill(w, r, "plan", c, err, s.roundList)
	}
	http.Redirect(w, r, fmt.Sprintf("/rounds/%d", rd.ID), http.StatusSeeOther)
	return nil
}

// roundDetailsForm reads and checks a round's title, venue and times.
func roundDetailsForm(r *http.Request) (parley.RoundDetails, checks) {
	d := parley.RoundDetails{Title: formText(r, "title"), Venue: formText(r, "venue")}
	var c checks
	c.text("title", "title", d.Title, true, limitTitle)
	c.text("venue", "venue", d.Venue, false, limitTitle)
	for _, f := range []struct {
		name string
		at   *time.Time
	}{{"starts_at", &d.StartsAt}, {"ends_at", &d.EndsAt}} {
		if v := r.PostFormValue(f.name); v != "" {
			t, err := time.Parse("2006-01-02T15:04", v)
			if err != nil {
				c.add(f.name, fmt.Sprintf("%q is not a date and time; pick one like 2026-03-31 09:00.", v))
			}
			*f.at = t
		}
	}
	if !d.StartsAt.IsZero() && !d.EndsAt.IsZero() && d.EndsAt.Before(d.StartsAt) {
		c.add("ends_at", "The round ends before it starts; pick an end after the start.")
	}
	return d, c
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
	// Open counts the agenda items without an outcome, which concluding
	// leaves open.
	Open int
	// Early is set while the round's start is still ahead.
	Early bool
	// After is where the live stream starts.
	After string
	// OpenItems are the titles of the items without an outcome.
	OpenItems []string
	// CanEdit offers the form that changes a planned round's details.
	CanEdit bool
	// Approvals say who approved the minutes as they stand, and when;
	// Awaiting names the attending delegations still to approve them.
	Approvals []approvalView
	Awaiting  string
	Agreed    bool
	// CanApprove offers the user's delegation's approval; Party names it.
	CanApprove bool
	Party      string
	// MyReset is when a change undid the approval the user's delegation
	// gave, which it must give again; zero otherwise.
	MyReset, MyResetApproved time.Time
	// ConfirmConclude is set on the page that asks before concluding.
	ConfirmConclude bool
}

type approvalView struct {
	Party   string
	At      time.Time
	Version int
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
	rd, err := s.app.Rounds.FindRoundByID(ctx, id)
	if err != nil {
		return nil, err
	}
	t, err := s.app.Talks.FindTalkByID(ctx, rd.TalkID)
	if err != nil {
		return nil, err
	}
	names, err := s.app.PartyNames(ctx)
	if err != nil {
		return nil, err
	}
	v := &roundView{Round: rd, Talk: t, Host: names[rd.Host], Delegations: partyList(rd.Delegations, names), Next: rd.Status.Next(),
		CanOrganise: parley.CanOrganiseRound(u, t) && rd.Status != parley.RoundConcluded, Early: !rd.StartsAt.IsZero() && s.app.Now().Before(rd.StartsAt)}
	if v.After, err = s.feedAfter(ctx, u, t); err != nil {
		return nil, err
	}
	for _, it := range rd.Agenda {
		v.Items = append(v.Items, agendaView{AgendaItem: it, Owner: names[it.Owner]})
	}
	for _, it := range rd.OpenItems() {
		v.OpenItems = append(v.OpenItems, it.Title)
	}
	v.Open = len(v.OpenItems)
	v.CanEdit = v.CanOrganise && rd.Status == parley.RoundPlanned
	for _, a := range rd.Approvals {
		v.Approvals = append(v.Approvals, approvalView{Party: names[a.PartyID], At: a.At, Version: a.Version})
	}
	v.Awaiting = partyList(rd.AwaitingApproval(t), names)
	v.Agreed = rd.Agreed(t)
	v.Party = names[u.PartyID]
	v.CanApprove = rd.Status != parley.RoundPlanned && parley.CanApproveMinutes(u, t, rd) && !rd.Approved(u.PartyID)
	for _, a := range rd.ResetApprovals {
		if a.PartyID == u.PartyID && u.PartyID != 0 {
			v.MyReset, v.MyResetApproved = a.ResetAt, a.At
		}
	}
	if v.CanOrganise {
		if v.Irritants, err = s.app.Irritants.FindIrritants(ctx, parley.IrritantFilter{TalkID: t.ID, Limit: 200}); err != nil {
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
	w.Header().Set("Cache-Control", "no-store")
	return s.renderTalk(w, r, "round.html", v.Title, v.Talk, "rounds", v)
}

func (s *Server) addAgendaItem(w http.ResponseWriter, r *http.Request) error {
	id, err := signedInID(r, "round")
	if err != nil {
		return err
	}
	rd, err := s.app.Rounds.FindRoundByID(r.Context(), id)
	if err != nil {
		return err
	}
	it := &parley.AgendaItem{Title: formText(r, "title")}
	it.IrritantID, _ = strconv.ParseInt(r.PostFormValue("irritant_id"), 10, 64)
	var c checks
	if it.IrritantID == 0 {
		c.text("title", "free item", it.Title, true, limitTitle)
	}
	if !c.ok() {
		return s.refill(w, r, "agenda", c, nil, s.roundPage)
	}
	_, err = s.app.Rounds.SetAgenda(r.Context(), id, append(rd.Agenda, it))
	return s.done(w, r, fmt.Sprintf("/rounds/%d", id), "agenda", err, s.roundPage)
}

// moveAgendaItem moves an agenda item up or down the agenda, or removes it.
func (s *Server) moveAgendaItem(w http.ResponseWriter, r *http.Request) error {
	id, err := signedInID(r, "round")
	if err != nil {
		return err
	}
	item, err := pathInt(r, "item", "agenda item")
	if err != nil {
		return err
	}
	move := r.PathValue("move")
	if move != "up" && move != "down" && move != "remove" {
		return parley.Errorf(parley.ENOTFOUND, "no such agenda action")
	}
	rd, err := s.app.Rounds.FindRoundByID(r.Context(), id)
	if err != nil {
		return err
	}
	items := rd.Agenda
	k := slices.IndexFunc(items, func(it *parley.AgendaItem) bool { return it.ID == item })
	switch {
	case k < 0:
		return parley.Errorf(parley.ENOTFOUND, "round %q has no such agenda item; it may have been removed meanwhile", rd.Title)
	case move == "up" && k > 0:
		items[k-1], items[k] = items[k], items[k-1]
	case move == "down" && k < len(items)-1:
		items[k+1], items[k] = items[k], items[k+1]
	case move == "remove":
		items = slices.Delete(items, k, k+1)
	}
	_, err = s.app.Rounds.SetAgenda(r.Context(), id, items)
	return s.done(w, r, fmt.Sprintf("/rounds/%d", id), fmt.Sprintf("%s-%d", move, item), err, s.roundPage)
}

// editRound changes a planned round's title, venue and times.
func (s *Server) editRound(w http.ResponseWriter, r *http.Request) error {
	id, err := signedInID(r, "round")
	if err != nil {
		return err
	}
	d, c := roundDetailsForm(r)
	if !c.ok() {
		return s.refill(w, r, "details", c, nil, s.roundPage)
	}
	_, err = s.app.Rounds.UpdateRound(r.Context(), id, d)
	return s.done(w, r, fmt.Sprintf("/rounds/%d", id), "details", err, s.roundPage)
}

// approveMinutes records the user's delegation's approval of the minutes
// in the version the page showed.
func (s *Server) approveMinutes(w http.ResponseWriter, r *http.Request) error {
	id, err := signedInID(r, "round")
	if err != nil {
		return err
	}
	version, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil {
		return parley.Errorf(parley.EINVALID, "the form names no version of the minutes; reload the page and approve again")
	}
	_, err = s.app.Rounds.ApproveMinutes(r.Context(), id, version)
	return s.done(w, r, fmt.Sprintf("/rounds/%d#approval", id), "approve", err, s.roundPage)
}

func (s *Server) recordMinutes(w http.ResponseWriter, r *http.Request) error {
	id, err := signedInID(r, "round")
	if err != nil {
		return err
	}
	item, err := pathInt(r, "item", "agenda item")
	if err != nil {
		return err
	}
	m := parley.Minutes{Minutes: formText(r, "minutes"), Outcome: parley.Outcome(r.PostFormValue("outcome")),
		Note: formText(r, "note"), Due: r.PostFormValue("due")}
	if m.Outcome == parley.OutcomeFollowUp {
		m.Owner, _ = strconv.ParseInt(r.PostFormValue("owner"), 10, 64)
	} else {
		m.Due = ""
	}
	form := fmt.Sprintf("minutes-%d", item)
	var c checks
	c.text("minutes", "minutes", m.Minutes, false, limitMinutes)
	c.text("note", "outcome note", m.Note, false, limitNote)
	if m.Outcome == parley.OutcomeFollowUp && m.Due == "" {
		c.add("due", "A follow-up needs a due date.")
	}
	if !c.ok() {
		return s.refill(w, r, form, c, nil, s.roundPage)
	}
	_, err = s.app.Rounds.RecordMinutes(r.Context(), id, item, m)
	return s.done(w, r, fmt.Sprintf("/rounds/%d#item-%d", id, item), form, err, s.roundPage)
}

func (s *Server) moveRound(w http.ResponseWriter, r *http.Request) error {
	id, err := signedInID(r, "round")
	if err != nil {
		return err
	}
	to := parley.RoundStatus(r.PostFormValue("to"))
	if to == parley.RoundConcluded && r.PostFormValue("confirmed") != "yes" {
		// Concluding with items lacking an outcome, or before the round's
		// date, asks first: the page says which items and what date.
		v, err := s.roundData(r)
		if err != nil {
			return err
		}
		if v.Status == parley.RoundInProgress && (v.Open > 0 || v.Early) {
			v.ConfirmConclude = true
			w.Header().Set("Cache-Control", "no-store")
			return s.renderTalk(w, r, "round.html", "Conclude "+v.Title+"?", v.Talk, "rounds", v)
		}
	}
	_, err = s.app.Rounds.MoveRound(r.Context(), id, to)
	return s.done(w, r, fmt.Sprintf("/rounds/%d", id), "round-move", err, s.roundPage)
}

func (s *Server) statementList(w http.ResponseWriter, r *http.Request) error {
	u, t, names, err := s.talkPage(r)
	if err != nil {
		return err
	}
	ss, err := s.app.Statements.FindStatements(r.Context(), t.ID)
	if err != nil {
		return err
	}
	var stake []partyOption
	for _, p := range t.Parties {
		if p.Standing == parley.StandingStakeholder {
			stake = append(stake, partyOption{ID: p.PartyID, Name: names[p.PartyID]})
		}
	}
	return s.renderTalk(w, r, "statements.html", "Statements · "+t.Title, t, "statements", map[string]any{"Talk": t, "Statements": ss, "CanDraft": parley.CanDraftStatement(u, t),
		"Stakeholders": stake})
}

func (s *Server) openStatement(w http.ResponseWriter, r *http.Request) error {
	id, err := signedInID(r, "talk")
	if err != nil {
		return err
	}
	stake, err := formIDs(r, "stakeholders")
	if err != nil {
		return err
	}
	st := &parley.Statement{TalkID: id, Title: formText(r, "title"), Stakeholders: stake}
	text := formText(r, "text")
	var c checks
	c.text("title", "title", st.Title, true, limitTitle)
	c.text("text", "text", text, true, limitStatement)
	if !c.ok() {
		return s.refill(w, r, "open", c, nil, s.statementList)
	}
	if err := s.app.Statements.CreateStatement(r.Context(), st, text); err != nil {
		return s.refill(w, r, "open", c, err, s.statementList)
	}
	http.Redirect(w, r, fmt.Sprintf("/joint-statements/%d", st.ID), http.StatusSeeOther)
	return nil
}

// statementPage is what the statement page shows.
type statementPage struct {
	*parley.Statement
	Talk         *parley.Talk
	Paragraphs   []paragraphView
	Diff         [][]wordOp
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
	// Conflict holds the editor's text when their edit lost to another,
	// and ConflictDiff how it differs from the version saved meanwhile.
	Conflict     string
	ConflictDiff [][]wordOp
	// SavedBy says who saved the current version, for the notice an open
	// editor gets when a newer version arrives.
	SavedBy string
	Authors map[int]string
	// After is where the live stream starts.
	After       string
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
	v, err := s.app.StatementView(ctx, id)
	if err != nil {
		return nil, err
	}
	st := v.Statement
	t, err := s.app.Talks.FindTalkByID(ctx, st.TalkID)
	if err != nil {
		return nil, err
	}
	vs, err := s.app.Statements.StatementVersions(ctx, id)
	if err != nil {
		return nil, err
	}
	names, err := s.app.PartyNames(ctx)
	if err != nil {
		return nil, err
	}
	p := &statementPage{Statement: st, Talk: t, Versions: vs, Party: names[u.PartyID], NextVersion: st.Current.Number + 1, Authors: map[int]string{}}
	users := newLookups()
	for _, ver := range vs {
		a := s.activity(ctx, &parley.Event{ActorID: ver.AuthorID}, names, users, false)
		p.Authors[ver.Number] = a.Actor
		if n := names[ver.PartyID]; n != "" {
			p.Authors[ver.Number] = a.Actor + " (" + n + ")"
		}
	}
	if p.After, err = s.feedAfter(ctx, u, t); err != nil {
		return nil, err
	}
	p.SavedBy = names[st.Current.PartyID]
	if p.SavedBy == "" {
		p.SavedBy = p.Authors[st.Current.Number]
	}
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
		p.Diff = wordDiff(vs[p.From-1].Text, vs[p.To-1].Text)
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
	w.Header().Set("Cache-Control", "no-store")
	return s.renderTalk(w, r, "statement.html", p.Title, p.Talk, "statements", p)
}

// statementID is signedInID for a statement, with the statement page's path.
func statementID(r *http.Request) (int64, string, error) {
	id, err := signedInID(r, "statement")
	return id, fmt.Sprintf("/joint-statements/%d", id), err
}

func (s *Server) editStatement(w http.ResponseWriter, r *http.Request) error {
	id, back, err := statementID(r)
	if err != nil {
		return err
	}
	base, _ := strconv.Atoi(r.PostFormValue("base"))
	text := strings.ReplaceAll(r.PostFormValue("text"), "\r\n", "\n")
	var c checks
	c.text("text", "text", text, true, limitStatement)
	if !c.ok() {
		return s.refill(w, r, "edit", c, nil, s.statementPage)
	}
	_, err = s.app.Statements.EditStatement(r.Context(), id, base, text)
	if parley.ErrorCode(err) == parley.ECONFLICT && base != 0 {
		// Show both texts, and how the editor's differs from the one saved
		// meanwhile; the editor keeps their text to merge.
		p, perr := s.statementData(r)
		if perr != nil {
			return perr
		}
		if !p.Adopted {
			p.Conflict, p.ConflictDiff = text, wordDiff(p.Current.Text, text)
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusConflict)
			return s.renderTalk(w, r, "statement.html", p.Title, p.Talk, "statements", p)
		}
	}
	return s.done(w, r, back, "edit", err, s.statementPage)
}

func (s *Server) markStatement(w http.ResponseWriter, r *http.Request) error {
	id, back, err := statementID(r)
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	_, err = s.app.Statements.MarkStatement(r.Context(), id, version, r.PostFormValue("mark"))
	return s.done(w, r, back, "mark", err, s.statementPage)
}

func (s *Server) signStatement(w http.ResponseWriter, r *http.Request) error {
	id, back, err := statementID(r)
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	_, err = s.app.Statements.SignStatement(r.Context(), id, version, nil)
	return s.done(w, r, back, "sign-form", err, s.statementPage)
}

func (s *Server) consentStatement(w http.ResponseWriter, r *http.Request) error {
	id, back, err := statementID(r)
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	note := formText(r, "note")
	consent := r.PostFormValue("consent")
	var c checks
	if consent != "yes" && consent != "no" {
		c.add("consent", "Choose whether you consent or object.")
	}
	c.text("note", "note", note, consent == "no", limitNote)
	if !c.ok() {
		return s.refill(w, r, "consent", c, nil, s.statementPage)
	}
	_, err = s.app.Statements.ConsentToStatement(r.Context(), id, version, consent == "yes", note)
	return s.done(w, r, back, "consent", err, s.statementPage)
}

func (s *Server) commentStatement(w http.ResponseWriter, r *http.Request) error {
	id, back, err := statementID(r)
	if err != nil {
		return err
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	n, _ := strconv.Atoi(r.PostFormValue("paragraph"))
	sc := &parley.StatementComment{Version: version, Paragraph: n - 1, Text: formText(r, "text")}
	var c checks
	c.text("text", "comment", sc.Text, true, limitComment)
	if !c.ok() {
		return s.refill(w, r, "pcomment", c, nil, s.statementPage)
	}
	return s.done(w, r, back, "pcomment", s.app.Statements.CommentOnStatement(r.Context(), id, sc), s.statementPage)
}
