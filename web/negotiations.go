package web

import (
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"parley"
	"parley/app"
)

// This file is the UI of negotiations. Its pages follow the workspace's
// rules: the live panel holds no form field, so a live update never touches
// what someone is typing; a refused form comes back with what was typed and
// the message beside it; every form carries a one-time key, so a double
// submit acts once.

// formKey is a fresh one-time key for a form.
func formKey() string { return rand.Text() }

var rangeRE = regexp.MustCompile(`^\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*$`)

// parseIssuesText reads issues written one per line as
// "Issue: option | option | option" or "Issue: 10..50".
func parseIssuesText(text string) ([]parley.NegotiationIssue, error) {
	var out []parley.NegotiationIssue
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, rest, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, parley.Errorf(parley.EINVALID, "issues, line %d: write the issue as “Name: option | option | option” or “Name: 10..50”", i+1)
		}
		is := parley.NegotiationIssue{Name: strings.TrimSpace(name)}
		if m := rangeRE.FindStringSubmatch(rest); m != nil {
			is.Integer = true
			is.Low, _ = strconv.ParseInt(m[1], 10, 64)
			is.High, _ = strconv.ParseInt(m[2], 10, 64)
		} else {
			for _, o := range strings.Split(rest, "|") {
				if o = strings.TrimSpace(o); o != "" {
					is.Options = append(is.Options, o)
				}
			}
		}
		out = append(out, is)
	}
	return out, parley.ValidateIssues(out)
}

// issuesText writes issues in the form parseIssuesText reads.
func issuesText(issues []parley.NegotiationIssue) string {
	var b strings.Builder
	for _, is := range issues {
		if is.Integer {
			fmt.Fprintf(&b, "%s: %d..%d\n", is.Name, is.Low, is.High)
		} else {
			fmt.Fprintf(&b, "%s: %s\n", is.Name, strings.Join(is.Options, " | "))
		}
	}
	return b.String()
}

// uploaded returns the content of an uploaded file field, or "".
func uploaded(r *http.Request, field string) (string, string, error) {
	f, h, err := r.FormFile(field)
	if err == http.ErrMissingFile {
		return "", "", nil
	} else if err != nil {
		return "", "", parley.Errorf(parley.EINVALID, "%s: the file could not be read", field)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4<<20+1))
	if err != nil {
		return "", "", err
	}
	if len(b) > 4<<20 {
		return "", "", parley.Errorf(parley.EINVALID, "%s: the file is over 4 MiB", field)
	}
	return string(b), h.Filename, nil
}

// negotiationList is the talk's negotiations with the form to open one.
func (s *Server) negotiationList(w http.ResponseWriter, r *http.Request) error {
	return s.renderNegotiationList(w, r, nil, "")
}

func (s *Server) renderNegotiationList(w http.ResponseWriter, r *http.Request, form map[string]string, msg string) error {
	u, t, err := s.talkFor(r)
	if err != nil {
		return err
	}
	ns, err := s.app.Negotiations.FindNegotiations(r.Context(), t.ID)
	if err != nil {
		return err
	}
	rounds, err := s.app.Rounds.FindRounds(r.Context(), t.ID)
	if err != nil {
		return err
	}
	if form == nil {
		form = map[string]string{"solution": "nash"}
	}
	if msg != "" {
		w.WriteHeader(http.StatusBadRequest)
	}
	return s.renderTalk(w, r, "negotiations.html", "Negotiations · "+t.Title, t, "negotiations", map[string]any{"Talk": t, "Negotiations": ns, "CanOpen": parley.CanOpenNegotiation(u, t),
		"Form": form, "Error": msg, "FormKey": formKey(), "Rounds": rounds})
}

func (s *Server) openNegotiation(w http.ResponseWriter, r *http.Request) error {
	id, err := talkID(r)
	if err != nil {
		return err
	}
	form := map[string]string{"title": r.PostFormValue("title"), "solution": r.PostFormValue("solution"), "issues": r.PostFormValue("issues"),
		"deadline": r.PostFormValue("deadline"), "round_id": r.PostFormValue("round_id")}
	n, err := s.createNegotiation(r, id, form)
	if userError(err) {
		return s.renderNegotiationList(w, r, form, parley.ErrorMessage(err))
	} else if err != nil {
		return err
	}
	http.Redirect(w, r, negotiationPath(n.ID), http.StatusSeeOther)
	return nil
}

// createNegotiation opens the negotiation the form describes in talk id,
// its issues from an uploaded domain file or written one per line.
func (s *Server) createNegotiation(r *http.Request, id int64, form map[string]string) (*parley.Negotiation, error) {
	n := &parley.Negotiation{TalkID: id, Title: strings.TrimSpace(form["title"]), Solution: form["solution"]}
	if v := form["round_id"]; v != "" {
		var err error
		if n.RoundID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return nil, parley.Errorf(parley.EINVALID, "round: choose one of the talk's rounds")
		}
	}
	if v := form["deadline"]; v != "" {
		d, err := time.Parse("2006-01-02", v)
		if err != nil {
			return nil, parley.Errorf(parley.EINVALID, "deadline: %q is not a date (YYYY-MM-DD)", v)
		}
		n.Deadline = &d
	}
	file, name, err := uploaded(r, "domain_file")
	if err != nil {
		return nil, err
	}
	if file != "" {
		var title string
		if n.Issues, title, err = app.ParseDomainFile(name, []byte(file)); err != nil {
			return nil, err
		}
		if n.Title == "" {
			n.Title = title
		}
	} else if n.Issues, err = parseIssuesText(form["issues"]); err != nil {
		return nil, err
	}
	return n, s.app.Negotiations.CreateNegotiation(r.Context(), n)
}

// negotiationPage is what the negotiation page shows.
type negotiationPage struct {
	View  *app.NegotiationView
	Talk  *parley.Talk
	Names map[int64]string
	// Who the viewer is and what they may do.
	Party                                       string
	IsMediator, CanDraft, CanEnter, CanMark     bool
	Stakeholder                                 bool
	Current                                     *parley.NegotiationText
	Rows                                        []textRow
	Parties                                     []partyStatus
	History                                     []historyRow
	IssuesText                                  string
	Prefs                                       []prefIssue
	Reservation                                 string
	Mine                                        *parley.PrivateProfile
	Best, Worst                                 []parley.Package
	ReservationRank                             string
	Manual                                      []manualIssue
	Assessment                                  *parley.Assessment
	Errors                                      map[string]string
	Notice                                      string
	Said                                        string
	MarkReason                                  string
	MarkPublic                                  bool
	FormKey                                     string
	Improving, Agreed, Closed, Disclosed, Ended bool
	MyDisclosed, IsMember                       bool
	After                                       string
}

// textRow is one issue of the current text.
type textRow struct{ Issue, Option string }

// partyStatus is a party's place in the negotiation, as everyone may see it.
type partyStatus struct {
	Name, Standing, Submitted, Mark, Reason string
	Mine                                    bool
}

// historyRow is one text of the history.
type historyRow struct {
	*parley.NegotiationText
	Author, Marks string
	Mine          *parley.PartyView
}

// prefIssue is one issue of the preferences form.
type prefIssue struct {
	Index         int
	Name          string
	Weight        string
	Options       []prefOption
	Integer       bool
	Low, High     int64
	LowS, HighS   string
	LowID, HighID string
}

type prefOption struct {
	Name, Score, Field, ExField string
	Excluded                    bool
}

type manualIssue struct {
	Index    int
	Name     string
	Options  []string
	Selected string
}

func (s *Server) negotiationData(r *http.Request) (*negotiationPage, error) {
	u, err := signedIn(r)
	if err != nil {
		return nil, err
	}
	id, err := pathInt(r, "id", "negotiation")
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	v, err := s.app.NegotiationView(ctx, id)
	if err != nil {
		return nil, err
	}
	n := v.Negotiation
	t, err := s.app.Talks.FindTalkByID(ctx, n.TalkID)
	if err != nil {
		return nil, err
	}
	names, err := s.app.PartyNames(ctx)
	if err != nil {
		return nil, err
	}
	after, err := s.feedAfter(ctx, u, t)
	if err != nil {
		return nil, err
	}
	p := &negotiationPage{View: v, Talk: t, Names: names, After: after, Party: names[u.PartyID], IsMediator: parley.CanMediate(u, t),
		CanDraft: parley.CanOpenNegotiation(u, t), CanEnter: parley.CanEnterPreferences(u, t), CanMark: parley.CanMarkText(u, t),
		Stakeholder: v.Standing == string(parley.StandingStakeholder), Current: n.Current(), IssuesText: issuesText(n.Issues),
		Errors: map[string]string{}, FormKey: formKey(), Agreed: n.State == parley.NegotiationAgreed, Closed: n.State == parley.NegotiationClosed}
	p.Ended = p.Agreed || p.Closed
	p.Disclosed = v.Disclosed
	p.MyDisclosed = slices.Contains(n.Disclosures, u.PartyID)
	p.IsMember = v.Standing == string(parley.StandingMember)
	if c := p.Current; c != nil {
		for _, is := range n.Issues {
			p.Rows = append(p.Rows, textRow{is.Name, c.Outcome[is.Name]})
		}
		p.Improving = p.Agreed && c.Source == "improvement" && !c.Declined && c.Version != n.Agreed
	}
	for _, tp := range t.Parties {
		if tp.Standing == parley.StandingObserver {
			continue
		}
		ps := partyStatus{Name: names[tp.PartyID], Standing: string(tp.Standing), Mine: tp.PartyID == u.PartyID}
		if c := n.SubmittedBy(tp.PartyID); c != nil {
			ps.Submitted = fmt.Sprintf("submitted version %d (commitment %.12s…)", c.Version, c.Commitment)
		} else if tp.Standing == parley.StandingMember {
			ps.Submitted = "not yet submitted"
		} else {
			ps.Submitted = "no red lines submitted"
		}
		if c := p.Current; c != nil && tp.Standing == parley.StandingMember {
			ps.Mark = "awaited"
			for _, m := range c.Marks {
				if m.PartyID == tp.PartyID {
					ps.Mark, ps.Reason = parley.MarkLabel(m.Mark), m.Reason
				}
			}
		}
		p.Parties = append(p.Parties, ps)
	}
	users := map[int64]string{}
	for i := len(n.Texts) - 1; i >= 0; i-- {
		x := n.Texts[i]
		h := historyRow{NegotiationText: x, Author: "parley's engine"}
		if x.Source == "mediator" {
			if _, ok := users[x.AuthorID]; !ok {
				if au, err := s.app.Users.FindUserByID(ctx, x.AuthorID); err == nil {
					users[x.AuthorID] = au.DisplayName
				}
			}
			h.Author = "the mediator " + users[x.AuthorID]
		}
		var marks []string
		for _, m := range x.Marks {
			marks = append(marks, names[m.PartyID]+": "+parley.MarkLabel(m.Mark))
		}
		h.Marks = strings.Join(marks, "; ")
		h.Mine = v.Mine[x.Version]
		p.History = append(p.History, h)
	}
	// The viewer's own preferences, for the form and the check of best and worst packages.
	var mine *parley.Preferences
	if v.Private != nil {
		pv, err := app.PrivateViewOf(ctx, n, v.Private)
		if err != nil {
			return nil, err
		}
		p.Mine, p.Best, p.Worst = pv.Profile, pv.Best, pv.Worst
		mine = &pv.Profile.Preferences
		p.ReservationRank = reservationRank(pv)
	}
	if p.CanEnter && n.State == parley.NegotiationEliciting {
		p.fillPrefs(n, mine)
	}
	if p.IsMediator {
		for i, is := range n.Issues {
			mi := manualIssue{Index: i, Name: is.Name, Options: is.Values()}
			if c := p.Current; c != nil {
				mi.Selected = c.Outcome[is.Name]
			}
			p.Manual = append(p.Manual, mi)
		}
	}
	return p, nil
}

// reservationRank says where the reservation falls among the party's packages.
func reservationRank(pv *app.PrivateView) string {
	if len(pv.Best) == 0 {
		return ""
	}
	r, best, worst := pv.Profile.Preferences.Reservation, pv.Best[0].Utility, pv.Worst[0].Utility
	switch {
	case r > best:
		return fmt.Sprintf("Your reservation (%.2f) is above your best package (%.2f): no text can satisfy you. Lower it, or check your scores.", r, best)
	case r <= worst:
		return fmt.Sprintf("Your reservation (%.2f) is at or below your worst package (%.2f): you would accept any text at all.", r, worst)
	}
	return fmt.Sprintf("Your reservation (%.2f) lies between your worst package (%.2f) and your best (%.2f): you walk away from any text worth less than %.2f to you.", r, worst, best, r)
}

// fillPrefs fills the preferences form from saved preferences (or defaults).
func (p *negotiationPage) fillPrefs(n *parley.Negotiation, pref *parley.Preferences) {
	num := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	p.Reservation = "0"
	if pref != nil {
		p.Reservation = num(pref.Reservation)
	}
	for i, is := range n.Issues {
		pi := prefIssue{Index: i, Name: is.Name, Integer: is.Integer, Low: is.Low, High: is.High, Weight: "",
			LowID: fmt.Sprintf("s-%d-low", i), HighID: fmt.Sprintf("s-%d-high", i)}
		if pref != nil && pref.HasProfile() {
			pi.Weight = num(pref.Weights[is.Name])
		}
		for j, o := range is.Values() {
			if is.Integer && j != 0 && j != len(is.Values())-1 {
				continue
			}
			po := prefOption{Name: o, Field: fmt.Sprintf("s-%d-%d", i, j), ExField: fmt.Sprintf("x-%d-%d", i, j)}
			if pref != nil {
				if sc, ok := pref.Scores[is.Name][o]; ok {
					po.Score = num(sc)
				}
				po.Excluded = slices.Contains(pref.Excluded[is.Name], o)
			}
			pi.Options = append(pi.Options, po)
		}
		p.Prefs = append(p.Prefs, pi)
	}
}

// prefsFromForm reads the preferences form; it also refills p's form so a
// refused form comes back as typed.
func (p *negotiationPage) prefsFromForm(n *parley.Negotiation, r *http.Request) (*parley.Preferences, error) {
	pref := &parley.Preferences{}
	p.Reservation = r.PostFormValue("reservation")
	hasProfile := false
	for i := range p.Prefs {
		if strings.TrimSpace(r.PostFormValue(fmt.Sprintf("w-%d", i))) != "" {
			hasProfile = true
		}
	}
	var firstErr error
	fail := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}
	parse := func(field, what string) float64 {
		v := strings.TrimSpace(r.PostFormValue(field))
		if v == "" {
			if hasProfile {
				fail(parley.Errorf(parley.EINVALID, "%s: give a number", what))
			}
			return 0
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			fail(parley.Errorf(parley.EINVALID, "%s: %q is not a number", what, v))
		}
		return x
	}
	if hasProfile {
		pref.Weights, pref.Scores = map[string]float64{}, map[string]map[string]float64{}
	}
	for i := range p.Prefs {
		pi := &p.Prefs[i]
		pi.Weight = r.PostFormValue(fmt.Sprintf("w-%d", i))
		w := parse(fmt.Sprintf("w-%d", i), fmt.Sprintf("weight of %q", pi.Name))
		scores := map[string]float64{}
		for j := range pi.Options {
			po := &pi.Options[j]
			po.Score = r.PostFormValue(po.Field)
			scores[po.Name] = parse(po.Field, fmt.Sprintf("score of %q for %q", po.Name, pi.Name))
			po.Excluded = r.PostFormValue(po.ExField) != ""
			if po.Excluded {
				if pref.Excluded == nil {
					pref.Excluded = map[string][]string{}
				}
				pref.Excluded[pi.Name] = append(pref.Excluded[pi.Name], po.Name)
			}
		}
		if hasProfile {
			pref.Weights[pi.Name] = w
			pref.Scores[pi.Name] = scores
		}
	}
	if v := strings.TrimSpace(p.Reservation); v != "" {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			fail(parley.Errorf(parley.EINVALID, "reservation: %q is not a number between 0 and 1", v))
		}
		pref.Reservation = x
	}
	return pref, firstErr
}

func (s *Server) negotiationPage(w http.ResponseWriter, r *http.Request) error {
	p, err := s.negotiationData(r)
	if err != nil {
		return err
	}
	return s.renderTalk(w, r, "negotiation.html", p.Talk.Title, p.Talk, "negotiations", p)
}

func (s *Server) negotiationPanel(w http.ResponseWriter, r *http.Request) error {
	p, err := s.negotiationData(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("state") != "" && q.Get("state") != string(p.View.Negotiation.State) {
		p.Notice = "The negotiation moved on while this page was open: reload it to see what you can do now. Nothing you typed on this page is lost until you reload."
	} else if c := p.Current; c != nil && q.Get("version") != strconv.Itoa(c.Version) {
		p.Notice = fmt.Sprintf("Version %d of the text was proposed while this page was open; a mark you are writing would be for an older version — reload to mark version %d.", c.Version, c.Version)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	return s.tmpl.ExecuteTemplate(w, "negotiation-panel", p)
}

// rerender shows the negotiation page again with a form refused: what was
// typed stays, the message sits by the form, and the status says why.
func (s *Server) rerender(w http.ResponseWriter, r *http.Request, form string, err error, fill func(p *negotiationPage)) error {
	p, derr := s.negotiationData(r)
	if derr != nil {
		return derr
	}
	if fill != nil {
		fill(p)
	}
	p.Errors[form] = parley.ErrorMessage(err)
	w.WriteHeader(app.Status(parley.ErrorCode(err)))
	return s.renderTalk(w, r, "negotiation.html", p.Talk.Title, p.Talk, "negotiations", p)
}

func negotiationPath(id int64) string { return fmt.Sprintf("/negotiations/%d", id) }

func (s *Server) negotiationPreferences(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "negotiation")
	if err != nil {
		return err
	}
	p, err := s.negotiationData(r)
	if err != nil {
		return err
	}
	n := p.View.Negotiation
	file, name, ferr := uploaded(r, "profile_file")
	var pref *parley.Preferences
	if file == "" && ferr == nil {
		if len(p.Prefs) == 0 {
			p.fillPrefs(n, nil)
		}
		pref, ferr = p.prefsFromForm(n, r)
	}
	submit := r.PostFormValue("submit") == "yes"
	err = ferr
	if err == nil {
		_, err = s.app.SavePreferences(r.Context(), id, pref, file, name, submit)
	}
	if userError(err) {
		w.WriteHeader(app.Status(parley.ErrorCode(err)))
		p.Errors["prefs"] = parley.ErrorMessage(err)
		return s.renderTalk(w, r, "negotiation.html", p.Talk.Title, p.Talk, "negotiations", p)
	}
	return redirectOr(w, r, negotiationPath(id)+"#my-profile", err)
}

func (s *Server) negotiationText(w http.ResponseWriter, r *http.Request) error {
	id, err := pathInt(r, "id", "negotiation")
	if err != nil {
		return err
	}
	kind := r.PostFormValue("kind")
	req := app.TextRequest{Kind: kind}
	if kind == "manual" || kind == "assess" {
		n, err := s.app.Negotiations.FindNegotiationByID(r.Context(), id)
		if err != nil {
			return err
		}
		req.Outcome = map[string]string{}
		for i, is := range n.Issues {
			if v := r.PostFormValue(fmt.Sprintf("o-%d", i)); v != "" {
				req.Outcome[is.Name] = v
			}
		}
		req.Base, _ = strconv.Atoi(r.PostFormValue("base"))
	}
	keep := func(p *negotiationPage) {
		for i := range p.Manual {
			p.Manual[i].Selected = r.PostFormValue(fmt.Sprintf("o-%d", i))
		}
	}
	if kind == "assess" {
		a, err := s.app.Mediator.Assess(r.Context(), id, req.Outcome)
		if err != nil {
			if userError(err) {
				return s.rerender(w, r, "manual", err, keep)
			}
			return err
		}
		p, err := s.negotiationData(r)
		if err != nil {
			return err
		}
		keep(p)
		p.Assessment = a
		return s.renderTalk(w, r, "negotiation.html", p.Talk.Title, p.Talk, "negotiations", p)
	}
	if kind == "improvement" {
		// Not behind a form key: a repeat finds the improvement being marked and says so.
		_, _, note, err := s.app.ProposeText(r.Context(), id, req)
		if userError(err) {
			return s.rerender(w, r, "engine", err, nil)
		} else if err != nil {
			return err
		}
		if note == "" {
			http.Redirect(w, r, negotiationPath(id)+"#text", http.StatusSeeOther)
			return nil
		}
		p, err := s.negotiationData(r)
		if err != nil {
			return err
		}
		p.Said = note
		return s.renderTalk(w, r, "negotiation.html", p.Talk.Title, p.Talk, "negotiations", p)
	}
	_, _, _, err = s.app.ProposeText(r.Context(), id, req)
	if userError(err) {
		form := "engine"
		if kind == "manual" {
			form = "manual"
		}
		return s.rerender(w, r, form, err, keep)
	}
	return redirectOr(w, r, negotiationPath(id)+"#text", err)
}

// negotiationInbox lists what t's negotiations ask of u: its party's
// profile or red lines to submit, a text to mark, an improvement to
// consider, a disclosure to decide; for a mediator, a negotiation ready for
// mediation or awaiting its first text. It reads only what every viewer of
// the negotiation may see (which parties submitted, which marked).
func negotiationInbox(u *parley.User, t *parley.Talk, ns []*parley.Negotiation) []inboxItem {
	var out []inboxItem
	for _, n := range ns {
		link := negotiationPath(n.ID)
		add := func(key, text string) {
			out = append(out, inboxItem{Key: fmt.Sprintf("neg-%s-%d", key, n.ID), Text: text, Subject: n.Title, Link: link})
		}
		c := n.Current()
		markable := c != nil && (n.State == parley.NegotiationMediating ||
			n.State == parley.NegotiationAgreed && c.Source == "improvement" && !c.Declined && c.Version != n.Agreed)
		marked := c != nil && slices.ContainsFunc(c.Marks, func(m parley.NegotiationMark) bool { return m.PartyID == u.PartyID })
		tp, _ := t.Party(u.PartyID)
		switch {
		case n.State == parley.NegotiationEliciting && parley.CanEnterPreferences(u, t) && n.SubmittedBy(u.PartyID) == nil && tp.Standing == parley.StandingMember:
			add("profile", "Enter and submit your party's confidential profile")
		case n.State == parley.NegotiationEliciting && parley.CanEnterPreferences(u, t) && n.SubmittedBy(u.PartyID) == nil && tp.Standing == parley.StandingStakeholder:
			add("redlines", "Enter your party's red lines, if the outcome could cross them")
		case markable && parley.CanMarkText(u, t) && !marked:
			what := "Mark version %d of the single negotiating text"
			if n.State == parley.NegotiationAgreed {
				what = "Mark version %d: an improvement of the agreement"
			}
			add(fmt.Sprintf("mark-%d", c.Version), fmt.Sprintf(what, c.Version))
		case n.State == parley.NegotiationAgreed && parley.CanMarkText(u, t) && !slices.Contains(n.Disclosures, u.PartyID):
			add("disclose", "The text is agreed: decide whether to disclose your party's profile to the other members")
		case parley.CanMediate(u, t) && n.State == parley.NegotiationEliciting && len(n.Submitted) > 0 && !slices.ContainsFunc(t.Members(), func(p int64) bool { return n.SubmittedBy(p) == nil }):
			add("mediate", "Every member submitted its profile: start mediating")
		case parley.CanMediate(u, t) && n.State == parley.NegotiationMediating && c == nil:
			add("text", "Ask parley for the first single negotiating text")
		}
	}
	return out
}

// negotiationAct serves a form of the negotiation page: it acts once per
// form key (see onceForm) and leads to where act says; a refused form shows
// the page again with the message by the form named form, and keep puts
// back what was typed.
func (s *Server) negotiationAct(form string, act func(r *http.Request, id int64) (string, error), keep func(r *http.Request, p *negotiationPage)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathInt(r, "id", "negotiation")
		if err != nil {
			return err
		}
		target, err := act(r, id)
		if userError(err) {
			return s.rerender(w, r, form, err, func(p *negotiationPage) {
				if keep != nil {
					keep(r, p)
				}
			})
		}
		return redirectOr(w, r, target, err)
	}
}

func (s *Server) negotiationIssues(r *http.Request, id int64) (string, error) {
	issues, err := parseIssuesText(r.PostFormValue("issues"))
	if err != nil {
		return "", err
	}
	_, err = s.app.Negotiations.SetIssues(r.Context(), id, issues, strings.TrimSpace(r.PostFormValue("title")), r.PostFormValue("solution"))
	return negotiationPath(id) + "#issues", err
}

func (s *Server) negotiationMove(r *http.Request, id int64) (string, error) {
	_, err := s.app.Negotiations.MoveNegotiation(r.Context(), id, parley.NegotiationState(r.PostFormValue("to")))
	return negotiationPath(id), err
}

func (s *Server) negotiationMark(r *http.Request, id int64) (string, error) {
	mark := r.PostFormValue("mark")
	if mark == "" {
		return "", parley.Errorf(parley.EINVALID, "mark: choose accept, can live with it, or reject")
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	_, err := s.app.Negotiations.MarkText(r.Context(), id, version, mark, strings.TrimSpace(r.PostFormValue("reason")), r.PostFormValue("reason_public") == "yes")
	return negotiationPath(id) + "#text", err
}

func (s *Server) negotiationStatement(r *http.Request, id int64) (string, error) {
	st, err := s.app.DraftStatement(r.Context(), id)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("/joint-statements/%d", st.ID), nil
}

func (s *Server) negotiationDisclose(r *http.Request, id int64) (string, error) {
	_, err := s.app.Negotiations.ConsentToDisclose(r.Context(), id)
	return negotiationPath(id) + "#disclosure", err
}
