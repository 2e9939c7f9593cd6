package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"parley"
	"parley/engine"
	"parley/genius"
)

// This file serves negotiations: issues, confidential preferences, the
// mediator's single negotiating text, marks, improvement, disclosure.

func (s *Server) negotiations() (parley.NegotiationService, error) {
	if s.Negotiations == nil || s.Mediator == nil {
		return nil, parley.Errorf(parley.EINTERNAL, "negotiations are not configured")
	}
	return s.Negotiations, nil
}

// ParseDomainFile reads a GENIUS XML or GeniusWeb JSON domain file into a
// negotiation's issues.
func ParseDomainFile(name string, b []byte) ([]parley.NegotiationIssue, string, error) {
	var d *engine.Domain
	var err error
	if t := bytes.TrimLeft(b, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '{' {
		d, err = genius.ReadDomainJSON(bytes.NewReader(b), name)
	} else {
		d, err = genius.ReadDomainXML(bytes.NewReader(b), name)
	}
	if err != nil {
		return nil, "", parley.Errorf(parley.EINVALID, "domain: %v", err)
	}
	var out []parley.NegotiationIssue
	for _, is := range d.Issues {
		switch is.Kind {
		case engine.Discrete:
			out = append(out, parley.NegotiationIssue{Name: is.Name, Options: slices.Clone(is.Values)})
		case engine.Integer:
			out = append(out, parley.NegotiationIssue{Name: is.Name, Integer: true, Low: int64(is.Lower), High: int64(is.Upper)})
		default:
			return nil, "", parley.Errorf(parley.EINVALID, "domain: issue %q is a real (continuous) range; a negotiation needs discrete options or integer ranges", is.Name)
		}
	}
	return out, d.Name, parley.ValidateIssues(out)
}

// ParseProfileFile reads a party's GENIUS XML or GeniusWeb JSON profile for
// negotiation n into preferences, checked against n's issues.
func ParseProfileFile(n *parley.Negotiation, name string, b []byte) (*parley.Preferences, error) {
	d := n.Domain()
	var p engine.Profile
	var err error
	if t := bytes.TrimLeft(b, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '{' {
		p, err = genius.ReadProfileJSON(bytes.NewReader(b), name, d)
	} else if len(t) > 0 && t[0] == '<' {
		p, err = genius.ReadProfileXML(bytes.NewReader(b), name, d)
	} else {
		return nil, parley.Errorf(parley.EINVALID, "profile_file: %s is neither GENIUS XML nor GeniusWeb JSON", name)
	}
	if err != nil {
		return nil, parley.Errorf(parley.EINVALID, "profile_file: %v", err)
	}
	lin, ok := p.(*engine.LinearAdditive)
	if !ok {
		return nil, parley.Errorf(parley.EINVALID, "profile_file: %s is not a linear additive profile; parley's negotiations take a weight per issue and a score per option", name)
	}
	out := &parley.Preferences{Weights: map[string]float64{}, Scores: map[string]map[string]float64{}, Reservation: lin.Reservation()}
	for i := range d.Issues {
		is := &d.Issues[i]
		out.Weights[is.Name] = lin.Weights[i]
		sc := map[string]float64{}
		for v := 0; v < is.NumValues(); v++ {
			sc[is.ValueString(v)] = lin.Evaluators[i].Eval(is, v)
		}
		out.Scores[is.Name] = sc
	}
	if out.Reservation < 0 || out.Reservation > 1 {
		out.Reservation = max(0, min(1, out.Reservation))
	}
	return out, nil
}

// NegotiationView is a negotiation as one user sees it, with what it asks of them.
type NegotiationView struct {
	Negotiation *parley.Negotiation `json:"negotiation"`
	// Standing is the viewer's place: member, stakeholder, observer, mediator or admin.
	Standing string `json:"standing"`
	// Mine is the viewer's party's own view of each text, from its own
	// profile alone (absent for everyone else).
	Mine map[int]*parley.PartyView `json:"mine,omitempty"`
	// MyVersion is the latest version of the viewer's party's preferences
	// (0: none), and MySubmitted whether it is the one submitted.
	MyVersion   int  `json:"my_version"`
	MySubmitted bool `json:"my_submitted"`
	// AwaitingSubmission lists the member parties that have not submitted a profile.
	AwaitingSubmission []int64 `json:"awaiting_submission"`
	// AwaitingMarks lists the member parties that have not marked the current text.
	AwaitingMarks []int64 `json:"awaiting_marks"`
	// Provisional is true for an agreement that affected stakeholders have
	// not all consented to (through the joint statement).
	Provisional     bool    `json:"provisional"`
	AwaitingConsent []int64 `json:"awaiting_consent"`
	Disclosed       bool    `json:"disclosed"`
	// Asked says, in words, what the viewer is asked to do now ("" when nothing).
	Asked string `json:"asked"`

	// Private is the viewer's party's own latest preferences, for pages
	// shown to that party; never encoded.
	Private *parley.PrivateProfile `json:"-"`
}

// NegotiationView returns negotiation id as the user in ctx sees it.
func (s *Server) NegotiationView(ctx context.Context, id int64) (*NegotiationView, error) {
	svc, err := s.negotiations()
	if err != nil {
		return nil, err
	}
	n, err := svc.FindNegotiationByID(ctx, id)
	if err != nil {
		return nil, err
	}
	t, err := s.Talks.FindTalkByID(ctx, n.TalkID)
	if err != nil {
		return nil, err
	}
	u := parley.UserFromContext(ctx)
	v := &NegotiationView{Negotiation: n, AwaitingSubmission: []int64{}, AwaitingMarks: []int64{}, AwaitingConsent: []int64{}}
	switch tp, ok := t.Party(u.PartyID); {
	case ok:
		v.Standing = string(tp.Standing)
	case parley.CanMediate(u, t):
		v.Standing = "mediator"
	default:
		v.Standing = "admin"
	}
	if u.PartyID != 0 {
		if pp, err := svc.MyPreferences(ctx, id); err == nil {
			v.Private = pp
			v.MyVersion, v.MySubmitted = pp.Version, pp.Submitted
			v.Mine = parley.ViewTexts(n, &pp.Preferences)
		} else if parley.ErrorCode(err) != parley.ENOTFOUND {
			return nil, err
		}
	}
	for _, p := range t.Members() {
		if n.SubmittedBy(p) == nil {
			v.AwaitingSubmission = append(v.AwaitingSubmission, p)
		}
	}
	c := n.Current()
	markable := c != nil && (n.State == parley.NegotiationMediating || n.State == parley.NegotiationAgreed && c.Source == "improvement" && !c.Declined && c.Version != n.Agreed)
	if markable {
		for _, p := range t.Members() {
			if !slices.ContainsFunc(c.Marks, func(m parley.NegotiationMark) bool { return m.PartyID == p }) {
				v.AwaitingMarks = append(v.AwaitingMarks, p)
			}
		}
	}
	if n.State == parley.NegotiationAgreed {
		v.Provisional = len(t.Stakeholders()) > 0
		if n.StatementID != 0 {
			if sv, err := s.StatementView(ctx, n.StatementID); err == nil {
				v.AwaitingConsent = sv.AwaitingConsent
				v.Provisional = sv.Provisional
			}
		} else {
			v.AwaitingConsent = nonNil(t.Stakeholders())
		}
		v.Disclosed = len(t.Members()) > 0
		for _, p := range t.Members() {
			v.Disclosed = v.Disclosed && slices.Contains(n.Disclosures, p)
		}
	}
	v.Asked = asked(u, t, n, v, markable)
	return v, nil
}

// asked says what the negotiation asks of u now.
func asked(u *parley.User, t *parley.Talk, n *parley.Negotiation, v *NegotiationView, markable bool) string {
	switch {
	case n.State == parley.NegotiationDrafting && parley.CanOpenNegotiation(u, t):
		return "Draft the issues and options, then start eliciting preferences."
	case n.State == parley.NegotiationEliciting && parley.CanEnterPreferences(u, t) && !v.MySubmitted:
		if v.Standing == string(parley.StandingStakeholder) {
			return "Enter your party's red lines (confidential) and submit them, if the outcome could cross them."
		}
		return "Enter your party's confidential profile and submit it to the mediator."
	case n.State == parley.NegotiationEliciting && parley.CanMediate(u, t) && len(v.AwaitingSubmission) == 0:
		return "Every member has submitted its profile: start mediating."
	case n.State == parley.NegotiationMediating && parley.CanMediate(u, t) && n.Current() == nil:
		return "Ask parley for the first single negotiating text."
	case markable && parley.CanMarkText(u, t) && slices.Contains(v.AwaitingMarks, u.PartyID):
		return fmt.Sprintf("Mark version %d of the text for your party: accept, can live with it, or reject.", n.Current().Version)
	case n.State == parley.NegotiationAgreed && parley.CanMarkText(u, t) && !slices.Contains(n.Disclosures, u.PartyID):
		return "The text is agreed. You may consent to disclose your party's profile to the other members."
	}
	return ""
}

func (s *Server) handleListNegotiations(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.negotiations)
	if err != nil {
		return err
	}
	ns, err := svc.FindNegotiations(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"negotiations": ns})
}

// negotiationRequest is the body that opens a negotiation or redrafts its issues.
type negotiationRequest struct {
	Title    string                    `json:"title"`
	Solution string                    `json:"solution"`
	Deadline *time.Time                `json:"deadline"`
	RoundID  int64                     `json:"round_id"`
	Issues   []parley.NegotiationIssue `json:"issues"`
	// Domain is a GENIUS XML or GeniusWeb JSON domain file, instead of issues.
	Domain string `json:"domain"`
}

func (req *negotiationRequest) issues() ([]parley.NegotiationIssue, error) {
	if req.Domain == "" {
		return req.Issues, nil
	}
	if len(req.Issues) > 0 {
		return nil, parley.Errorf(parley.EINVALID, "issues: give either issues or a domain file, not both")
	}
	issues, name, err := ParseDomainFile("domain", []byte(req.Domain))
	if req.Title == "" {
		req.Title = name
	}
	return issues, err
}

func (s *Server) handleCreateNegotiation(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.negotiations)
	if err != nil {
		return err
	}
	var req negotiationRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	issues, err := req.issues()
	if err != nil {
		return err
	}
	n := &parley.Negotiation{TalkID: id, Title: req.Title, Solution: req.Solution, Deadline: req.Deadline, RoundID: req.RoundID, Issues: issues}
	if err := svc.CreateNegotiation(r.Context(), n); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, n)
}

func (s *Server) handleGetNegotiation(w http.ResponseWriter, r *http.Request) error {
	_, id, err := serviceCall(r, s.negotiations)
	if err != nil {
		return err
	}
	v, err := s.NegotiationView(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func (s *Server) handleSetIssues(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.negotiations)
	if err != nil {
		return err
	}
	var req negotiationRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	issues, err := req.issues()
	if err != nil {
		return err
	}
	n, err := svc.SetIssues(r.Context(), id, issues, req.Title, req.Solution)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, n)
}

func (s *Server) handleNegotiationDomain(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.negotiations)
	if err != nil {
		return err
	}
	n, err := svc.FindNegotiationByID(r.Context(), id)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := genius.WriteDomainXML(&b, n.Domain()); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="negotiation-%d-domain.xml"`, id))
	_, err = w.Write(b.Bytes())
	return err
}

func (s *Server) handleMoveNegotiation(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.negotiations)
	if err != nil {
		return err
	}
	var req struct {
		To parley.NegotiationState `json:"to"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	switch req.To {
	case parley.NegotiationEliciting, parley.NegotiationMediating, parley.NegotiationClosed:
	default:
		return parley.Errorf(parley.EINVALID, "to: %q is not one of eliciting, mediating, closed (agreement comes from the members' marks)", req.To)
	}
	n, err := svc.MoveNegotiation(r.Context(), id, req.To)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, n)
}

// PrivateView is the party's own preferences with its best and worst packages.
type PrivateView struct {
	Profile *parley.PrivateProfile `json:"profile"`
	Best    []parley.Package       `json:"best"`
	Worst   []parley.Package       `json:"worst"`
}

// PreferencesView returns the user's party's latest preferences with its
// three best and three worst packages.
func (s *Server) PreferencesView(ctx context.Context, id int64) (*PrivateView, error) {
	svc, err := s.negotiations()
	if err != nil {
		return nil, err
	}
	pp, err := svc.MyPreferences(ctx, id)
	if err != nil {
		return nil, err
	}
	n, err := svc.FindNegotiationByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return PrivateViewOf(ctx, n, pp)
}

// PrivateViewOf is PreferencesView for a negotiation and profile already read.
func PrivateViewOf(ctx context.Context, n *parley.Negotiation, pp *parley.PrivateProfile) (*PrivateView, error) {
	v := &PrivateView{Profile: pp, Best: []parley.Package{}, Worst: []parley.Package{}}
	if pp.Preferences.HasProfile() {
		var err error
		if v.Best, v.Worst, err = parley.BestAndWorst(ctx, n, &pp.Preferences, 3); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (s *Server) handleGetPreferences(w http.ResponseWriter, r *http.Request) error {
	_, id, err := serviceCall(r, s.negotiations)
	if err != nil {
		return err
	}
	v, err := s.PreferencesView(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, v)
}

// SavePreferences saves the user's party's preferences given as fields or
// as a GENIUS / GeniusWeb profile file.
func (s *Server) SavePreferences(ctx context.Context, id int64, p *parley.Preferences, file, fileName string, submit bool) (*parley.PrivateProfile, error) {
	svc, err := s.negotiations()
	if err != nil {
		return nil, err
	}
	if file != "" {
		if p != nil {
			return nil, parley.Errorf(parley.EINVALID, "preferences: give either preferences or a profile file, not both")
		}
		n, err := svc.FindNegotiationByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if p, err = ParseProfileFile(n, fileName, []byte(file)); err != nil {
			return nil, err
		}
	}
	if p == nil {
		return nil, parley.Errorf(parley.EINVALID, "preferences: missing; give weights, scores and a reservation, or a profile_file")
	}
	return svc.SavePreferences(ctx, id, p, submit)
}

func (s *Server) handlePutPreferences(w http.ResponseWriter, r *http.Request) error {
	_, id, err := serviceCall(r, s.negotiations)
	if err != nil {
		return err
	}
	var req struct {
		Preferences *parley.Preferences `json:"preferences"`
		ProfileFile string              `json:"profile_file"`
		Submit      bool                `json:"submit"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	pp, err := s.SavePreferences(r.Context(), id, req.Preferences, req.ProfileFile, "profile_file", req.Submit)
	if err != nil {
		return err
	}
	// The answer holds no preferences and no salt, so that a replay cache
	// never keeps them (GET .../preferences returns them to the party).
	return writeJSON(w, http.StatusOK, map[string]any{"version": pp.Version, "commitment": pp.Commitment, "submitted": pp.Submitted, "saved_at": pp.SavedAt})
}

// TextRequest asks for a new text: kind "engine" (parley's exact solution),
// "manual" (the mediator's own outcome) or "improvement" (of the agreement).
type TextRequest struct {
	Kind    string            `json:"kind"`
	Base    int               `json:"base"`
	Outcome map[string]string `json:"outcome"`
}

// ProposeText carries out a text request as the user in ctx.
func (s *Server) ProposeText(ctx context.Context, id int64, req TextRequest) (*parley.Negotiation, *parley.Assessment, string, error) {
	if _, err := s.negotiations(); err != nil {
		return nil, nil, "", err
	}
	switch req.Kind {
	case "engine", "":
		if len(req.Outcome) > 0 {
			return nil, nil, "", parley.Errorf(parley.EINVALID, "outcome: the engine computes the text; send kind \"manual\" to propose your own")
		}
		n, err := s.Mediator.ProposeText(ctx, id)
		return n, nil, "", err
	case "manual":
		n, a, err := s.Mediator.ProposeManual(ctx, id, req.Base, req.Outcome)
		return n, a, "", err
	case "improvement":
		n, ok, err := s.Mediator.Improve(ctx, id)
		if err == nil && !ok {
			return n, nil, "No improvement exists: no text is at least as good for every member and better for one, within every red line.", nil
		}
		return n, nil, "", err
	}
	return nil, nil, "", parley.Errorf(parley.EINVALID, "kind: %q is not one of engine, manual, improvement", req.Kind)
}

func (s *Server) handleProposeText(w http.ResponseWriter, r *http.Request) error {
	_, id, err := serviceCall(r, s.negotiations)
	if err != nil {
		return err
	}
	var req TextRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	n, a, note, err := s.ProposeText(r.Context(), id, req)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if note != "" {
		status = http.StatusOK
	}
	return writeJSON(w, status, map[string]any{"negotiation": n, "assessment": a, "note": note})
}

func (s *Server) handleAssessText(w http.ResponseWriter, r *http.Request) error {
	_, id, err := serviceCall(r, s.negotiations)
	if err != nil {
		return err
	}
	var req struct {
		Outcome map[string]string `json:"outcome"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	a, err := s.Mediator.Assess(r.Context(), id, req.Outcome)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

func (s *Server) handleMarkText(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.negotiations)
	if err != nil {
		return err
	}
	var req struct {
		Version      int    `json:"version"`
		Mark         string `json:"mark"`
		Reason       string `json:"reason"`
		ReasonPublic bool   `json:"reason_public"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	n, err := svc.MarkText(r.Context(), id, req.Version, req.Mark, req.Reason, req.ReasonPublic)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, n)
}

// AgreementText renders an agreed text as the paragraphs of a joint statement.
func AgreementText(n *parley.Negotiation, t *parley.NegotiationText) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: the parties agree on the following text (version %d of the single negotiating text).", n.Title, t.Version)
	for _, is := range n.Issues {
		fmt.Fprintf(&b, "\n\n%s: %s.", is.Name, t.Outcome[is.Name])
	}
	return b.String()
}

// DraftStatement opens a joint statement from the agreed text, naming every
// affected stakeholder, and links it to the negotiation.
func (s *Server) DraftStatement(ctx context.Context, id int64) (*parley.Statement, error) {
	svc, err := s.negotiations()
	if err != nil {
		return nil, err
	}
	st, err := s.statements()
	if err != nil {
		return nil, err
	}
	n, err := svc.FindNegotiationByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if n.State != parley.NegotiationAgreed {
		return nil, parley.Errorf(parley.ECONFLICT, "only an agreed text becomes a joint statement; the negotiation is %s", n.State.Label())
	}
	if n.StatementID != 0 {
		return nil, parley.Errorf(parley.ECONFLICT, "the agreement already has its joint statement (#%d)", n.StatementID)
	}
	t, err := s.Talks.FindTalkByID(ctx, n.TalkID)
	if err != nil {
		return nil, err
	}
	stmt := &parley.Statement{TalkID: n.TalkID, Title: "Joint statement: " + n.Title, Stakeholders: nonNil(t.Stakeholders())}
	if err := st.CreateStatement(ctx, stmt, AgreementText(n, n.Text(n.Agreed))); err != nil {
		return nil, err
	}
	return stmt, svc.LinkStatement(ctx, id, stmt.ID)
}

func (s *Server) handleDraftStatement(w http.ResponseWriter, r *http.Request) error {
	_, id, err := serviceCall(r, s.negotiations)
	if err != nil {
		return err
	}
	st, err := s.DraftStatement(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, st)
}

func (s *Server) handleDisclose(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.negotiations)
	if err != nil {
		return err
	}
	n, err := svc.ConsentToDisclose(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, n)
}

func (s *Server) handleAnalysis(w http.ResponseWriter, r *http.Request) error {
	_, id, err := serviceCall(r, s.negotiations)
	if err != nil {
		return err
	}
	d, err := s.Mediator.Disclosed(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

func (s *Server) handleAnalysisPlot(w http.ResponseWriter, r *http.Request) error {
	_, id, err := serviceCall(r, s.negotiations)
	if err != nil {
		return err
	}
	d, err := s.Mediator.Disclosed(r.Context(), id)
	if err != nil {
		return err
	}
	names, err := s.PartyNames(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	return DancePlot(w, d, names)
}
