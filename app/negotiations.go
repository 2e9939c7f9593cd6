package app

import (
	"bytes"
	"context"
	"fmt"
	"parley"
	"parley/engine"
	"parley/genius"
	"slices"
	"strings"
)

// This file holds the operations of negotiations that the JSON API and the
// web pages share: reading domain and profile files, the negotiation as one
// user sees it, saving preferences, asking for a text, and the joint
// statement of an agreement.

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
func (a *App) NegotiationView(ctx context.Context, id int64) (*NegotiationView, error) {
	svc, err := a.NegotiationService()
	if err != nil {
		return nil, err
	}
	n, err := svc.FindNegotiationByID(ctx, id)
	if err != nil {
		return nil, err
	}
	t, err := a.Talks.FindTalkByID(ctx, n.TalkID)
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
			if sv, err := a.StatementView(ctx, n.StatementID); err == nil {
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

// PrivateView is the party's own preferences with its best and worst packages.
type PrivateView struct {
	Profile *parley.PrivateProfile `json:"profile"`
	Best    []parley.Package       `json:"best"`
	Worst   []parley.Package       `json:"worst"`
}

// PreferencesView returns the user's party's latest preferences with its
// three best and three worst packages.
func (a *App) PreferencesView(ctx context.Context, id int64) (*PrivateView, error) {
	svc, err := a.NegotiationService()
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

// SavePreferences saves the user's party's preferences given as fields or
// as a GENIUS / GeniusWeb profile file.
func (a *App) SavePreferences(ctx context.Context, id int64, p *parley.Preferences, file, fileName string, submit bool) (*parley.PrivateProfile, error) {
	svc, err := a.NegotiationService()
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

// TextRequest asks for a new text: kind "engine" (parley's exact solution),
// "manual" (the mediator's own outcome) or "improvement" (of the agreement).
type TextRequest struct {
	Kind    string            `json:"kind"`
	Base    int               `json:"base"`
	Outcome map[string]string `json:"outcome"`
}

// ProposeText carries out a text request as the user in ctx.
func (a *App) ProposeText(ctx context.Context, id int64, req TextRequest) (*parley.Negotiation, *parley.Assessment, string, error) {
	if _, err := a.NegotiationService(); err != nil {
		return nil, nil, "", err
	}
	switch req.Kind {
	case "engine", "":
		if len(req.Outcome) > 0 {
			return nil, nil, "", parley.Errorf(parley.EINVALID, "outcome: the engine computes the text; send kind \"manual\" to propose your own")
		}
		n, err := a.Mediator.ProposeText(ctx, id)
		return n, nil, "", err
	case "manual":
		n, as, err := a.Mediator.ProposeManual(ctx, id, req.Base, req.Outcome)
		return n, as, "", err
	case "improvement":
		n, ok, err := a.Mediator.Improve(ctx, id)
		if err == nil && !ok {
			return n, nil, "No improvement exists: no text is at least as good for every member and better for one, within every red line.", nil
		}
		return n, nil, "", err
	}
	return nil, nil, "", parley.Errorf(parley.EINVALID, "kind: %q is not one of engine, manual, improvement", req.Kind)
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
func (a *App) DraftStatement(ctx context.Context, id int64) (*parley.Statement, error) {
	svc, err := a.NegotiationService()
	if err != nil {
		return nil, err
	}
	st, err := a.StatementService()
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
	t, err := a.Talks.FindTalkByID(ctx, n.TalkID)
	if err != nil {
		return nil, err
	}
	stmt := &parley.Statement{TalkID: n.TalkID, Title: "Joint statement: " + n.Title, Stakeholders: nonNil(t.Stakeholders())}
	if err := st.CreateStatement(ctx, stmt, AgreementText(n, n.Text(n.Agreed))); err != nil {
		return nil, err
	}
	return stmt, svc.LinkStatement(ctx, id, stmt.ID)
}
