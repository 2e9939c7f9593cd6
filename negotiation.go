package parley

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"parley/engine"
)

// NegotiationState is where a negotiation stands.
type NegotiationState string

// The states of a negotiation: drafting the issues → eliciting preferences →
// mediating → agreed, or closed without agreement.
const (
	NegotiationDrafting  NegotiationState = "drafting"
	NegotiationEliciting NegotiationState = "eliciting"
	NegotiationMediating NegotiationState = "mediating"
	NegotiationAgreed    NegotiationState = "agreed"
	NegotiationClosed    NegotiationState = "closed"
)

// Label is the state in words for people.
func (s NegotiationState) Label() string {
	switch s {
	case NegotiationDrafting:
		return "Drafting the issues"
	case NegotiationEliciting:
		return "Eliciting preferences"
	case NegotiationMediating:
		return "Mediating"
	case NegotiationAgreed:
		return "Agreed"
	case NegotiationClosed:
		return "Closed without agreement"
	}
	return string(s)
}

// Limits on a negotiation's issues.
const (
	MaxNegotiationIssues  = 50
	MaxIssueOptions       = 50
	MaxIntegerRangeValues = 1001
)

// NegotiationIssue is one issue of a negotiation: a list of options, or an
// integer range (Low..High, each integer an option).
type NegotiationIssue struct {
	Name    string   `json:"name"`
	Options []string `json:"options,omitempty"`
	// Integer marks an integer range; Options are then derived from Low and High.
	Integer bool  `json:"integer,omitempty"`
	Low     int64 `json:"low,omitempty"`
	High    int64 `json:"high,omitempty"`
	// IrritantID links the issue to an irritant of the talk; 0 when none.
	IrritantID int64 `json:"irritant_id,omitempty"`
}

// Values returns the issue's options in order (the integers of a range).
func (is *NegotiationIssue) Values() []string {
	if !is.Integer {
		return is.Options
	}
	out := make([]string, 0, is.High-is.Low+1)
	for v := is.Low; v <= is.High; v++ {
		out = append(out, strconv.FormatInt(v, 10))
	}
	return out
}

// ValidateIssues returns an EINVALID error naming the first issue or option
// that cannot be part of a negotiation.
func ValidateIssues(issues []NegotiationIssue) error {
	if len(issues) == 0 {
		return Errorf(EINVALID, "issues: a negotiation needs at least one issue")
	}
	if len(issues) > MaxNegotiationIssues {
		return Errorf(EINVALID, "issues: there are %d issues; the limit is %d", len(issues), MaxNegotiationIssues)
	}
	names := map[string]bool{}
	for i := range issues {
		is := &issues[i]
		name := strings.TrimSpace(is.Name)
		if name == "" || len(is.Name) > 200 {
			return Errorf(EINVALID, "issues[%d].name: an issue name must be 1 to 200 characters", i)
		}
		if names[name] {
			return Errorf(EINVALID, "issues[%d].name: the issue %q is listed twice; issue names must differ", i, name)
		}
		names[name] = true
		if is.Integer {
			if len(is.Options) > 0 {
				return Errorf(EINVALID, "issue %q: an integer range has low and high, not options", name)
			}
			if is.High < is.Low {
				return Errorf(EINVALID, "issue %q: high (%d) is below low (%d)", name, is.High, is.Low)
			}
			if is.High-is.Low+1 > MaxIntegerRangeValues {
				return Errorf(EINVALID, "issue %q: the range %d..%d has %d values; the limit is %d", name, is.Low, is.High, is.High-is.Low+1, MaxIntegerRangeValues)
			}
			continue
		}
		if len(is.Options) < 2 {
			return Errorf(EINVALID, "issue %q: give at least 2 options (it has %d)", name, len(is.Options))
		}
		if len(is.Options) > MaxIssueOptions {
			return Errorf(EINVALID, "issue %q: there are %d options; the limit is %d", name, len(is.Options), MaxIssueOptions)
		}
		opts := map[string]bool{}
		for j, o := range is.Options {
			o = strings.TrimSpace(o)
			if o == "" || len(o) > 200 {
				return Errorf(EINVALID, "issue %q, option %d: an option must be 1 to 200 characters", name, j+1)
			}
			if opts[o] {
				return Errorf(EINVALID, "issue %q: the option %q is listed twice", name, o)
			}
			opts[o] = true
		}
	}
	return nil
}

// NegotiationText is one version of the single negotiating text: an option
// for every issue.
type NegotiationText struct {
	Version int `json:"version"`
	// Outcome maps each issue's name to the chosen option.
	Outcome map[string]string `json:"outcome"`
	// Source is "engine" (computed by parley from the confidential
	// profiles), "mediator" (written by hand) or "improvement" (parley's
	// improvement of an agreed text).
	Source string `json:"source"`
	// Solution is what an engine text aims for.
	Solution string `json:"solution,omitempty"`
	// ParetoOptimal is true when the engine proved that no feasible text is
	// better for one member and no worse for any.
	ParetoOptimal bool   `json:"pareto_optimal"`
	Method        string `json:"method,omitempty"`
	EngineVersion string `json:"engine_version,omitempty"`
	AuthorID      int64  `json:"author_id"`
	// Seq and Hash name the record event holding this text.
	Seq       int64             `json:"seq"`
	Hash      string            `json:"hash"`
	CreatedAt time.Time         `json:"created_at"`
	Marks     []NegotiationMark `json:"marks"`
	// Declined is true for an improvement that a member rejected: the
	// agreement it would have replaced stands.
	Declined bool `json:"declined,omitempty"`
}

// Marks a member party may put on a text.
const (
	MarkAccept   = "accept"
	MarkLiveWith = "live_with"
	MarkReject   = "reject"
)

// MarkLabel says a mark in words.
func MarkLabel(mark string) string {
	switch mark {
	case MarkAccept:
		return "accept"
	case MarkLiveWith:
		return "can live with it"
	case MarkReject:
		return "reject"
	}
	return strings.ReplaceAll(mark, "_", " ")
}

// NegotiationMark is a member party's answer to one text version. Reason is
// seen by the mediators (and everyone when ReasonPublic), by the author's
// own delegation, and nobody else.
type NegotiationMark struct {
	PartyID      int64     `json:"party_id"`
	UserID       int64     `json:"user_id"`
	Version      int       `json:"version"`
	Mark         string    `json:"mark"`
	Reason       string    `json:"reason,omitempty"`
	ReasonPublic bool      `json:"reason_public,omitempty"`
	At           time.Time `json:"at"`
}

// ProfileCommitment is the public trace of a party's confidential profile:
// the SHA-256 commitment of the version the party submitted.
type ProfileCommitment struct {
	PartyID    int64     `json:"party_id"`
	Version    int       `json:"version"`
	Commitment string    `json:"commitment"`
	RedLines   bool      `json:"red_lines"` // a stakeholder's red lines rather than a member's profile
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
}

// Negotiation is a negotiation over issues and options inside a talk.
type Negotiation struct {
	ID     int64  `json:"id"`
	TalkID int64  `json:"talk_id"`
	Title  string `json:"title"`
	// RoundID links the round where it is discussed; 0 when none.
	RoundID  int64              `json:"round_id,omitempty"`
	Issues   []NegotiationIssue `json:"issues"`
	Solution string             `json:"solution"` // nash, ks or egalitarian
	Deadline *time.Time         `json:"deadline,omitempty"`
	State    NegotiationState   `json:"state"`
	// Submitted lists the commitments of the profiles and red lines the
	// parties submitted (never the profiles).
	Submitted []ProfileCommitment `json:"submitted"`
	// Texts is the history of texts, oldest first; the last is current.
	Texts []*NegotiationText `json:"texts"`
	// Agreed is the version of the agreed text (0: none yet). While an
	// improvement is being marked, Agreed stays on the baseline agreement.
	Agreed int `json:"agreed,omitempty"`
	// StatementID is the joint statement drafted from the agreement.
	StatementID int64 `json:"statement_id,omitempty"`
	// Disclosures lists the members that consented to disclose their profiles.
	Disclosures []int64   `json:"disclosures"`
	CreatedBy   int64     `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// Current returns the current text, or nil.
func (n *Negotiation) Current() *NegotiationText {
	if len(n.Texts) == 0 {
		return nil
	}
	return n.Texts[len(n.Texts)-1]
}

// Text returns text version v, or nil.
func (n *Negotiation) Text(v int) *NegotiationText {
	if v < 1 || v > len(n.Texts) {
		return nil
	}
	return n.Texts[v-1]
}

// SubmittedBy returns party's submitted commitment, or nil.
func (n *Negotiation) SubmittedBy(party int64) *ProfileCommitment {
	for i := range n.Submitted {
		if n.Submitted[i].PartyID == party {
			return &n.Submitted[i]
		}
	}
	return nil
}

// Validate returns an EINVALID error when n cannot be opened.
func (n *Negotiation) Validate() error {
	if strings.TrimSpace(n.Title) == "" || len(n.Title) > 300 {
		return Errorf(EINVALID, "title: a negotiation title must be 1 to 300 characters")
	}
	if _, err := engine.ParseSolution(n.Solution); err != nil {
		return Errorf(EINVALID, "solution: %q is not one of nash, ks, egalitarian", n.Solution)
	}
	return ValidateIssues(n.Issues)
}

// Domain returns the negotiation's issues as an engine domain.
func (n *Negotiation) Domain() *engine.Domain {
	d := &engine.Domain{Name: n.Title}
	for i, is := range n.Issues {
		ei := engine.Issue{Name: is.Name, Index: i + 1}
		if is.Integer {
			ei.Kind, ei.Lower, ei.Upper = engine.Integer, float64(is.Low), float64(is.High)
		} else {
			ei.Kind, ei.Values = engine.Discrete, slices.Clone(is.Options)
		}
		d.Issues = append(d.Issues, ei)
	}
	return d
}

// ParseText checks an outcome (issue name → option) against the issues and
// returns it as an engine outcome.
func (n *Negotiation) ParseText(m map[string]string) (engine.Outcome, error) {
	o := make(engine.Outcome, len(n.Issues))
	for name := range m {
		if n.issueIndex(name) < 0 {
			return nil, Errorf(EINVALID, "outcome: %q is not an issue of this negotiation", name)
		}
	}
	for i := range n.Issues {
		is := &n.Issues[i]
		v, ok := m[is.Name]
		if !ok || v == "" {
			return nil, Errorf(EINVALID, "outcome: choose an option for the issue %q", is.Name)
		}
		j := slices.Index(is.Values(), v)
		if j < 0 {
			return nil, Errorf(EINVALID, "outcome: %q is not an option of the issue %q", v, is.Name)
		}
		o[i] = j
	}
	return o, nil
}

// OutcomeText returns an engine outcome as issue name → option.
func (n *Negotiation) OutcomeText(o engine.Outcome) map[string]string {
	m := make(map[string]string, len(o))
	for i, v := range o {
		m[n.Issues[i].Name] = n.Issues[i].Values()[v]
	}
	return m
}

func (n *Negotiation) issueIndex(name string) int {
	return slices.IndexFunc(n.Issues, func(is NegotiationIssue) bool { return is.Name == name })
}

// Preferences is a party's confidential input to a negotiation: for a
// member, its profile (a weight per issue, a score per option, and its
// reservation value); for an affected stakeholder, its red lines (options
// it cannot accept, and optionally a profile with a minimum).
//
// Weights and scores may be on any non-negative scale: they are normalised
// as GENIUS does, weights to sum 1 and each issue's scores divided by the
// issue's best score.
type Preferences struct {
	Weights map[string]float64            `json:"weights,omitempty"`
	Scores  map[string]map[string]float64 `json:"scores,omitempty"`
	// Reservation is the walk-away utility in [0, 1]: a member accepts no
	// text below it; for a stakeholder it is the minimum its profile needs.
	Reservation float64 `json:"reservation"`
	// Excluded are a stakeholder's red lines: per issue, options it cannot accept.
	Excluded map[string][]string `json:"excluded,omitempty"`
}

// HasProfile reports whether p carries a profile (weights and scores).
func (p *Preferences) HasProfile() bool { return len(p.Weights) > 0 || len(p.Scores) > 0 }

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Validate returns an EINVALID error naming the first field of p that does
// not fit the negotiation's issues. A member (stakeholder false) needs a
// profile and may not name red lines.
func (p *Preferences) Validate(n *Negotiation, stakeholder bool) error {
	if !finite(p.Reservation) || p.Reservation < 0 || p.Reservation > 1 {
		return Errorf(EINVALID, "reservation: %v is not a number between 0 and 1", p.Reservation)
	}
	if !stakeholder && len(p.Excluded) > 0 {
		return Errorf(EINVALID, "excluded: red lines are for affected stakeholders; a member party states its limits by its reservation value")
	}
	if !stakeholder && !p.HasProfile() {
		return Errorf(EINVALID, "weights: give a weight for every issue and a score for every option")
	}
	for name, opts := range p.Excluded {
		i := n.issueIndex(name)
		if i < 0 {
			return Errorf(EINVALID, "excluded: %q is not an issue of this negotiation", name)
		}
		vals := n.Issues[i].Values()
		for _, o := range opts {
			if !slices.Contains(vals, o) {
				return Errorf(EINVALID, "excluded[%q]: %q is not an option of that issue", name, o)
			}
		}
		if len(opts) >= len(vals) {
			return Errorf(EINVALID, "excluded[%q]: every option of the issue is excluded; leave at least one acceptable", name)
		}
	}
	if !p.HasProfile() {
		if p.Reservation != 0 {
			return Errorf(EINVALID, "reservation: a minimum needs a profile (weights and scores) to measure it by")
		}
		return nil
	}
	for name := range p.Weights {
		if n.issueIndex(name) < 0 {
			return Errorf(EINVALID, "weights: %q is not an issue of this negotiation", name)
		}
	}
	for name := range p.Scores {
		if n.issueIndex(name) < 0 {
			return Errorf(EINVALID, "scores: %q is not an issue of this negotiation", name)
		}
	}
	sum := 0.0
	for i := range n.Issues {
		is := &n.Issues[i]
		w, ok := p.Weights[is.Name]
		if !ok {
			return Errorf(EINVALID, "weights[%q]: missing; give every issue a weight (0 if it does not matter to you)", is.Name)
		}
		if !finite(w) || w < 0 || w > 1e6 {
			return Errorf(EINVALID, "weights[%q]: %v is not a number between 0 and 1000000", is.Name, w)
		}
		sum += w
		scores := p.Scores[is.Name]
		best := 0.0
		for o, s := range scores {
			if !slices.Contains(is.Values(), o) {
				return Errorf(EINVALID, "scores[%q]: %q is not an option of that issue", is.Name, o)
			}
			if !finite(s) || s < 0 || s > 1e6 {
				return Errorf(EINVALID, "scores[%q][%q]: %v is not a number between 0 and 1000000", is.Name, o, s)
			}
			best = math.Max(best, s)
		}
		if is.Integer {
			if _, ok := scores[strconv.FormatInt(is.Low, 10)]; !ok {
				return Errorf(EINVALID, "scores[%q]: give a score for the low end %d (values between given ones are interpolated)", is.Name, is.Low)
			}
			if _, ok := scores[strconv.FormatInt(is.High, 10)]; !ok {
				return Errorf(EINVALID, "scores[%q]: give a score for the high end %d (values between given ones are interpolated)", is.Name, is.High)
			}
		} else {
			for _, o := range is.Options {
				if _, ok := scores[o]; !ok {
					return Errorf(EINVALID, "scores[%q][%q]: missing; give every option a score", is.Name, o)
				}
			}
		}
		if w > 0 && best == 0 {
			return Errorf(EINVALID, "scores[%q]: every option scores 0; give the best option a positive score", is.Name)
		}
	}
	if sum == 0 {
		return Errorf(EINVALID, "weights: every weight is 0; give at least one issue a positive weight")
	}
	return nil
}

// evaluations returns the scores of issue is by value index, interpolating
// between given values of an integer range.
func (p *Preferences) evaluations(is *NegotiationIssue) []float64 {
	vals := is.Values()
	ev := make([]float64, len(vals))
	scores := p.Scores[is.Name]
	if !is.Integer {
		for j, o := range vals {
			ev[j] = scores[o]
		}
		return ev
	}
	last := -1
	for j, o := range vals {
		s, ok := scores[o]
		if !ok {
			continue
		}
		ev[j] = s
		if last >= 0 {
			for k := last + 1; k < j; k++ {
				ev[k] = ev[last] + (s-ev[last])*float64(k-last)/float64(j-last)
			}
		}
		last = j
	}
	return ev
}

// Profile returns p as an engine profile over d (the negotiation's domain):
// weights normalised to sum 1, each issue's evaluations divided by its
// best. It returns nil when p has no profile.
func (p *Preferences) Profile(n *Negotiation, d *engine.Domain, name string) (*engine.LinearAdditive, error) {
	if !p.HasProfile() {
		return nil, nil
	}
	sum := 0.0
	for _, is := range n.Issues {
		sum += p.Weights[is.Name]
	}
	prof := &engine.LinearAdditive{ProfileName: name, Dom: d, ReservationValue: p.Reservation}
	for i := range n.Issues {
		is := &n.Issues[i]
		ev := p.evaluations(is)
		best := slices.Max(ev)
		for j := range ev {
			if best > 0 {
				ev[j] /= best
			}
		}
		prof.Weights = append(prof.Weights, p.Weights[is.Name]/sum)
		prof.Evaluators = append(prof.Evaluators, engine.Evaluator{Kind: engine.EvalTable, Evaluations: ev})
	}
	if err := prof.Compile(); err != nil {
		return nil, Errorf(EINVALID, "profile: %v", err)
	}
	return prof, nil
}

// Allowed returns, per issue, which options p's red lines leave.
func (p *Preferences) Allowed(n *Negotiation) [][]bool {
	if len(p.Excluded) == 0 {
		return nil
	}
	out := make([][]bool, len(n.Issues))
	for i := range n.Issues {
		vals := n.Issues[i].Values()
		out[i] = make([]bool, len(vals))
		for j, v := range vals {
			out[i][j] = !slices.Contains(p.Excluded[n.Issues[i].Name], v)
		}
	}
	return out
}

// PrivateProfile is a party's sealed input as the party itself sees it: the
// preferences of one version with the salt of its commitment.
type PrivateProfile struct {
	NegotiationID int64       `json:"negotiation_id"`
	PartyID       int64       `json:"party_id"`
	Version       int         `json:"version"`
	Preferences   Preferences `json:"preferences"`
	// Salt is the random salt of the commitment, hex; with the preferences
	// it opens the commitment in the shared record.
	Salt       string    `json:"salt"`
	Commitment string    `json:"commitment"`
	SavedAt    time.Time `json:"saved_at"`
	// Submitted is true when this version is the one submitted to the mediator.
	Submitted bool `json:"submitted"`
}

// NewSalt returns a fresh random commitment salt.
func NewSalt() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Commitment returns the hex SHA-256 commitment to a party's preferences:
// over a version tag, the negotiation and party, the salt, and the
// canonical JSON of the preferences. Without the salt nobody can test a
// guess at the preferences against it.
func Commitment(negotiationID, partyID int64, salt string, p *Preferences) (string, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	c, err := CanonicalPayload(raw)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write([]byte("parley.commitment.v1\x00"))
	h.Write([]byte(strconv.FormatInt(negotiationID, 10) + "\x00" + strconv.FormatInt(partyID, 10) + "\x00" + salt + "\x00"))
	h.Write(c)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Check reports whether pp opens its commitment.
func (pp *PrivateProfile) Check() error {
	c, err := Commitment(pp.NegotiationID, pp.PartyID, pp.Salt, &pp.Preferences)
	if err != nil {
		return err
	}
	if c != pp.Commitment {
		return Errorf(EINVALID, "the profile and salt do not open commitment %.16s…", pp.Commitment)
	}
	return nil
}

// SealData encrypts plain under the server secret (AES-GCM), as party keys are sealed.
func SealData(secret, plain []byte) ([]byte, error) { return seal(secret, plain) }

// UnsealData decrypts what SealData sealed.
func UnsealData(secret, sealed []byte) ([]byte, error) { return unseal(secret, sealed) }

// Inputs are every party's submitted preferences for one negotiation: what
// the engine needs to propose a text. They never leave the server.
type Inputs struct {
	Negotiation *Negotiation
	Talk        *Talk
	// Members and Stakeholders hold the submitted preferences by party.
	Members      map[int64]*Preferences
	Stakeholders map[int64]*Preferences
}

// Who may do what in a negotiation.

// CanOpenNegotiation reports whether u may open a negotiation in t and draft
// its issues: a mediator of t, or the head or a negotiator of a member.
func CanOpenNegotiation(u *User, t *Talk) bool { return CanOrganiseRound(u, t) }

// CanMediate reports whether u mediates t (and may ask parley for texts).
func CanMediate(u *User, t *Talk) bool { return CanActInTalk(u, t) && mediates(u, t) }

// CanEnterPreferences reports whether u may enter its party's confidential
// profile or red lines in t: the head or a negotiator of a seated member or
// affected stakeholder.
func CanEnterPreferences(u *User, t *Talk) bool {
	return CanActInTalk(u, t) && u.PartyID != 0 && !mediates(u, t)
}

// CanMarkText reports whether u may mark texts for their party: the head
// or a negotiator of a member delegation.
func CanMarkText(u *User, t *Talk) bool { return CanRaiseIrritant(u, t) }

// Members returns the member parties of t that have accepted their seat.
func (t *Talk) Members() []int64 {
	var out []int64
	for _, p := range t.Parties {
		if p.Standing == StandingMember && p.Accepted {
			out = append(out, p.PartyID)
		}
	}
	return out
}

// Stakeholders returns the affected stakeholders of t that have accepted their seat.
func (t *Talk) Stakeholders() []int64 {
	var out []int64
	for _, p := range t.Parties {
		if p.Standing == StandingStakeholder && p.Accepted {
			out = append(out, p.PartyID)
		}
	}
	return out
}

// NegotiationService stores negotiations. Every method acts as the user in
// ctx; a negotiation in a talk the user may not see is ENOTFOUND. No method
// returns one party's preferences to anyone but that party's delegation,
// except ConfidentialInputs, whose result must never leave the server.
type NegotiationService interface {
	// CreateNegotiation opens n in drafting and sets its ID. EFORBIDDEN (see
	// CanOpenNegotiation), EINVALID.
	CreateNegotiation(ctx context.Context, n *Negotiation) error
	// FindNegotiationByID returns the negotiation as the user may see it
	// (mark reasons kept private are withheld). ENOTFOUND.
	FindNegotiationByID(ctx context.Context, id int64) (*Negotiation, error)
	// FindNegotiations lists a talk's negotiations. ENOTFOUND.
	FindNegotiations(ctx context.Context, talkID int64) ([]*Negotiation, error)
	// SetIssues replaces the issues while drafting. ECONFLICT once
	// elicitation started, EFORBIDDEN, EINVALID.
	SetIssues(ctx context.Context, id int64, issues []NegotiationIssue, title, solution string) (*Negotiation, error)
	// MoveNegotiation moves to eliciting (freezing the issues), mediating
	// (every member submitted) or closed. ECONFLICT for an illegal move.
	MoveNegotiation(ctx context.Context, id int64, to NegotiationState) (*Negotiation, error)
	// SavePreferences stores a new version of the user's party's
	// preferences, private to the party; submit also submits it to the
	// mediator (its commitment goes into the shared record). ECONFLICT
	// unless eliciting, EFORBIDDEN, EINVALID.
	SavePreferences(ctx context.Context, id int64, p *Preferences, submit bool) (*PrivateProfile, error)
	// MyPreferences returns the user's party's latest version. ENOTFOUND when it has none.
	MyPreferences(ctx context.Context, id int64) (*PrivateProfile, error)
	// ConfidentialInputs returns every party's submitted preferences, for
	// the engine; only a mediator of the talk may call it, and the result
	// must never be shown to anyone. EFORBIDDEN.
	ConfidentialInputs(ctx context.Context, id int64) (*Inputs, error)
	// ProposeText records a new current text on top of base (the current
	// version, 0 for none), clearing marks. ECONFLICT when base is stale or
	// the state does not allow texts.
	ProposeText(ctx context.Context, id int64, base int, text *NegotiationText) (*Negotiation, error)
	// MarkText records the user's party's mark on version. ECONFLICT when stale.
	MarkText(ctx context.Context, id int64, version int, mark, reason string, reasonPublic bool) (*Negotiation, error)
	// LinkStatement records the joint statement drafted from the agreement.
	LinkStatement(ctx context.Context, id, statementID int64) error
	// ConsentToDisclose records the user's party's consent to disclose its
	// profile to the other members once the negotiation ended.
	ConsentToDisclose(ctx context.Context, id int64) (*Negotiation, error)
	// DisclosedInputs returns every member's profile once all members
	// consented; EFORBIDDEN before.
	DisclosedInputs(ctx context.Context, id int64) (*Inputs, error)
}

// ParsePrivateProfile reads a profile as GET
// /api/v1/negotiations/{id}/preferences returns it (or its "profile" member).
func ParsePrivateProfile(b []byte) (*PrivateProfile, error) {
	var wrapped struct {
		Profile *PrivateProfile `json:"profile"`
	}
	if err := json.Unmarshal(b, &wrapped); err == nil && wrapped.Profile != nil {
		return wrapped.Profile, nil
	}
	var pp PrivateProfile
	if err := json.Unmarshal(b, &pp); err != nil || pp.Commitment == "" {
		return nil, Errorf(EINVALID, "not a disclosed profile: it needs negotiation_id, party_id, version, preferences, salt and commitment")
	}
	return &pp, nil
}

// CheckAgainst reports whether pp opens its commitment and the record r
// holds that commitment for pp's negotiation and party — in the shared
// record's "negotiation.submitted" event, or in the party's own
// "negotiation.preferences" event. It returns the event.
func (pp *PrivateProfile) CheckAgainst(r *Record) (*Event, error) {
	if err := pp.Check(); err != nil {
		return nil, err
	}
	for _, e := range r.Events {
		if e == nil || e.Payload == nil || (e.Type != "negotiation.submitted" && e.Type != "negotiation.preferences") {
			continue
		}
		var p struct {
			NegotiationID int64  `json:"negotiation_id"`
			PartyID       int64  `json:"party_id"`
			Version       int    `json:"version"`
			Commitment    string `json:"commitment"`
		}
		if json.Unmarshal(e.Payload, &p) != nil || p.NegotiationID != pp.NegotiationID || p.Commitment != pp.Commitment {
			continue
		}
		if e.Type == "negotiation.preferences" {
			p.PartyID = e.PrivateTo
		}
		if p.PartyID == pp.PartyID && p.Version == pp.Version {
			return e, nil
		}
	}
	return nil, Errorf(ENOTFOUND, "the record holds no commitment %.16s… of party %d to version %d of its profile in negotiation %d", pp.Commitment, pp.PartyID, pp.Version, pp.NegotiationID)
}
