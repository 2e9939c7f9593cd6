package parley

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"time"

	"parley/engine"
)

// Mediator is the server's confidential mediator: it computes texts from
// the parties' sealed preferences with the exact engine, outside any
// database transaction, in a bounded pool with a time budget. It is the one
// place the API and the web UI ask for engine work.
type Mediator struct {
	Negotiations NegotiationService
	// Workers bounds the engine computations running at once; 0 means the
	// number of CPUs.
	Workers int
	// Budget bounds one computation; 0 means 20 seconds.
	Budget time.Duration
	// MaxNodes bounds the engine's branch and bound; 0 means its default.
	MaxNodes int
	// EngineVersion is recorded with every engine text.
	EngineVersion string

	sem chan struct{}
}

// Open prepares the pool.
func (m *Mediator) Open() {
	n := m.Workers
	if n <= 0 {
		n = runtime.NumCPU()
	}
	m.sem = make(chan struct{}, n)
	if m.Budget <= 0 {
		m.Budget = 20 * time.Second
	}
}

// Assessment is what a mediator learns of a hand-written text: whether it is
// acceptable to every member and inside every red line, and whether some
// feasible text is better for every side (no worse for any, better for
// one). Never by how much, never for whom.
type Assessment struct {
	Acceptable bool `json:"acceptable"`
	Improvable bool `json:"improvable"`
}

// problem builds the engine's problem from the confidential inputs.
func problem(in *Inputs) (engine.Problem, *engine.Domain, error) {
	n := in.Negotiation
	d := n.Domain()
	sol, _ := engine.ParseSolution(n.Solution)
	p := engine.Problem{Solution: sol}
	for _, id := range in.Talk.Members() {
		pref := in.Members[id]
		if pref == nil {
			return p, d, Errorf(ECONFLICT, "not every member party has submitted its profile yet")
		}
		prof, err := pref.Profile(n, d, "party "+strconv.FormatInt(id, 10))
		if err != nil {
			return p, d, err
		}
		p.Parties = append(p.Parties, prof)
	}
	if len(p.Parties) < 2 {
		return p, d, Errorf(ECONFLICT, "a negotiation needs at least two member parties at the table")
	}
	for _, id := range in.Talk.Stakeholders() {
		pref := in.Stakeholders[id]
		if pref == nil {
			continue
		}
		prof, err := pref.Profile(n, d, "stakeholder "+strconv.FormatInt(id, 10))
		if err != nil {
			return p, d, err
		}
		if prof != nil {
			p.Constraints = append(p.Constraints, prof)
		}
		if a := pref.Allowed(n); a != nil {
			if p.Allowed == nil {
				p.Allowed = a
				continue
			}
			for i := range a {
				for j := range a[i] {
					p.Allowed[i][j] = p.Allowed[i][j] && a[i][j]
				}
			}
		}
	}
	return p, d, nil
}

// run runs f in the pool within the budget.
func (m *Mediator) run(ctx context.Context, f func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, m.Budget)
	defer cancel()
	select {
	case m.sem <- struct{}{}:
	case <-ctx.Done():
		return m.ctxErr(ctx)
	}
	defer func() { <-m.sem }()
	if err := f(ctx); err != nil {
		if ctx.Err() != nil {
			return m.ctxErr(ctx)
		}
		return err
	}
	return nil
}

func (m *Mediator) ctxErr(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return Errorf(ECONFLICT, "the engine did not finish within its budget of %s; no text was recorded. Try again, or simplify the issues", m.Budget)
	}
	return Errorf(ECONFLICT, "the computation was cancelled; no text was recorded")
}

func (m *Mediator) solveOpts() engine.SolveOptions {
	return engine.SolveOptions{MaxNodes: m.MaxNodes}
}

// noText is what a mediator is told when no text is feasible: not whose
// limits collide.
func noText() error {
	return Errorf(ECONFLICT, "no text is acceptable to every member party and inside every affected stakeholder's red lines; the parties may revise their profiles while eliciting")
}

// ProposeText asks the engine for the negotiation's chosen solution over the
// texts acceptable to every member and inside every stakeholder's red
// lines, and records it as the new current text.
func (m *Mediator) ProposeText(ctx context.Context, id int64) (*Negotiation, error) {
	in, err := m.Negotiations.ConfidentialInputs(ctx, id)
	if err != nil {
		return nil, err
	}
	n := in.Negotiation
	if n.State != NegotiationMediating {
		return nil, Errorf(ECONFLICT, "the negotiation is %s; parley proposes texts while mediating", n.State.Label())
	}
	p, _, err := problem(in)
	if err != nil {
		return nil, err
	}
	var s *engine.Solved
	err = m.run(ctx, func(ctx context.Context) error {
		var err error
		s, err = engine.Solve(ctx, p, m.solveOpts())
		return err
	})
	if errors.Is(err, engine.ErrNoFeasible) {
		return nil, noText()
	} else if err != nil {
		return nil, engineErr(err)
	}
	base := 0
	if c := n.Current(); c != nil {
		base = c.Version
	}
	return m.Negotiations.ProposeText(ctx, id, base, &NegotiationText{
		Outcome: n.OutcomeText(s.Outcome), Source: "engine", Solution: string(p.Solution),
		ParetoOptimal: s.ParetoOptimal, Method: s.Method, EngineVersion: m.EngineVersion,
	})
}

// Improve asks the engine whether a text exists that every member likes at
// least as much as the agreement and one strictly more; if so it records the
// best such text by the chosen solution and returns true.
func (m *Mediator) Improve(ctx context.Context, id int64) (*Negotiation, bool, error) {
	in, err := m.Negotiations.ConfidentialInputs(ctx, id)
	if err != nil {
		return nil, false, err
	}
	n := in.Negotiation
	if n.State != NegotiationAgreed || n.Agreed == 0 {
		return nil, false, Errorf(ECONFLICT, "an improvement is sought once a text is agreed; the negotiation is %s", n.State.Label())
	}
	if c := n.Current(); c.Version != n.Agreed && !c.Declined {
		return nil, false, Errorf(ECONFLICT, "improvement version %d is still being marked", c.Version)
	}
	p, _, err := problem(in)
	if err != nil {
		return nil, false, err
	}
	if p.Baseline, err = n.ParseText(n.Text(n.Agreed).Outcome); err != nil {
		return nil, false, err
	}
	var s *engine.Solved
	err = m.run(ctx, func(ctx context.Context) error {
		var err error
		s, err = engine.Solve(ctx, p, m.solveOpts())
		return err
	})
	if errors.Is(err, engine.ErrNoFeasible) {
		return n, false, nil
	} else if err != nil {
		return nil, false, engineErr(err)
	}
	n, err = m.Negotiations.ProposeText(ctx, id, n.Current().Version, &NegotiationText{
		Outcome: n.OutcomeText(s.Outcome), Source: "improvement", Solution: string(p.Solution),
		ParetoOptimal: s.ParetoOptimal, Method: s.Method, EngineVersion: m.EngineVersion,
	})
	return n, err == nil, err
}

// Assess tells the mediator whether a hand-written text is acceptable to all
// and whether some text is better for every side.
func (m *Mediator) Assess(ctx context.Context, id int64, outcome map[string]string) (*Assessment, error) {
	in, err := m.Negotiations.ConfidentialInputs(ctx, id)
	if err != nil {
		return nil, err
	}
	o, err := in.Negotiation.ParseText(outcome)
	if err != nil {
		return nil, err
	}
	p, _, err := problem(in)
	if err != nil {
		return nil, err
	}
	var a Assessment
	err = m.run(ctx, func(ctx context.Context) error {
		var err error
		a.Acceptable, a.Improvable, err = engine.Assess(ctx, p, o, m.solveOpts())
		return err
	})
	if err != nil {
		return nil, engineErr(err)
	}
	return &a, nil
}

// ProposeManual records a mediator's own text and assesses it.
func (m *Mediator) ProposeManual(ctx context.Context, id int64, base int, outcome map[string]string) (*Negotiation, *Assessment, error) {
	a, err := m.Assess(ctx, id, outcome)
	if err != nil {
		return nil, nil, err
	}
	n, err := m.Negotiations.ProposeText(ctx, id, base, &NegotiationText{Outcome: outcome, Source: "mediator"})
	return n, a, err
}

// engineErr turns an engine failure into an error a mediator can act on.
func engineErr(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	var ee *engine.Error
	if errors.As(err, &ee) {
		return Errorf(ECONFLICT, "the engine could not find the text: %s", ee.Message)
	}
	return fmt.Errorf("engine: %w", err)
}

// PartyView is what one party sees of a text from its own profile alone.
type PartyView struct {
	Utility float64 `json:"utility"`
	Margin  float64 `json:"margin"` // utility minus reservation
}

// ViewTexts returns, by version, the party's utility and margin for each
// text of n under its own preferences; nil when the party has no profile.
func ViewTexts(n *Negotiation, p *Preferences) map[int]*PartyView {
	if p == nil || !p.HasProfile() {
		return nil
	}
	prof, err := p.Profile(n, n.Domain(), "me")
	if err != nil {
		return nil
	}
	out := make(map[int]*PartyView, len(n.Texts))
	for _, x := range n.Texts {
		if o, err := n.ParseText(x.Outcome); err == nil {
			u := prof.Utility(o)
			out[x.Version] = &PartyView{Utility: u, Margin: u - p.Reservation}
		}
	}
	return out
}

// Package is a text with its utility for one party.
type Package struct {
	Outcome map[string]string `json:"outcome"`
	Utility float64           `json:"utility"`
}

// BestAndWorst returns a party's k best and k worst packages under its own
// preferences, found exactly, so it can check its numbers mean what it
// intends.
func BestAndWorst(ctx context.Context, n *Negotiation, p *Preferences, k int) (best, worst []Package, err error) {
	prof, err := p.Profile(n, n.Domain(), "me")
	if err != nil || prof == nil {
		return nil, nil, err
	}
	b, w := engine.TopOutcomes(prof, k)
	for _, o := range b {
		best = append(best, Package{Outcome: n.OutcomeText(o), Utility: prof.Utility(o)})
	}
	for _, o := range w {
		worst = append(worst, Package{Outcome: n.OutcomeText(o), Utility: prof.Utility(o)})
	}
	return best, worst, nil
}

// Dance is the analysis revealed to the members once every one of them has
// consented to disclose its profile: the Pareto frontier, the Nash and
// Kalai–Smorodinsky points, each side's reservation, and every text
// proposed along the way (Inspire's "negotiation dance").
type Dance struct {
	Parties      []int64     `json:"parties"`
	Reservations []float64   `json:"reservations"`
	Pareto       [][]float64 `json:"pareto"`
	Nash         []float64   `json:"nash,omitempty"`
	KS           []float64   `json:"kalai_smorodinsky,omitempty"`
	Texts        []DanceStep `json:"texts"`
}

// DanceStep is one text with every member's utility for it.
type DanceStep struct {
	Version   int       `json:"version"`
	Source    string    `json:"source"`
	Utilities []float64 `json:"utilities"`
}

// Disclosed returns the dance, computed in the pool; EFORBIDDEN until
// every member consented.
func (m *Mediator) Disclosed(ctx context.Context, id int64) (*Dance, error) {
	in, err := m.Negotiations.DisclosedInputs(ctx, id)
	if err != nil {
		return nil, err
	}
	n := in.Negotiation
	d := n.Domain()
	out := &Dance{Pareto: [][]float64{}, Texts: []DanceStep{}}
	var profs []engine.Profile
	for _, p := range in.Talk.Members() {
		pref := in.Members[p]
		if pref == nil {
			return nil, Errorf(ECONFLICT, "a member's profile is missing")
		}
		prof, err := pref.Profile(n, d, strconv.FormatInt(p, 10))
		if err != nil {
			return nil, err
		}
		profs = append(profs, prof)
		out.Parties = append(out.Parties, p)
		out.Reservations = append(out.Reservations, prof.Reservation())
	}
	var a *engine.Analysis
	err = m.run(ctx, func(ctx context.Context) error {
		var err error
		// The frontier of many members on a large space could hold millions
		// of points: then the plot has the solutions without it.
		a, err = engine.Analyze(profs, engine.AnalyzeOptions{SkipCount: true, MaxFrontier: 100_000, Context: ctx,
			NoFrontier: !engine.FrontierByDefault(len(profs), d.SizeFloat())})
		return err
	})
	if err != nil {
		return nil, engineErr(err)
	}
	for _, pt := range a.Pareto {
		out.Pareto = append(out.Pareto, pt.Utilities)
	}
	if a.Nash != nil {
		out.Nash = a.Nash.Utilities
	}
	if a.KalaiSmorodinsky != nil {
		out.KS = a.KalaiSmorodinsky.Utilities
	}
	for _, x := range n.Texts {
		o, err := n.ParseText(x.Outcome)
		if err != nil {
			return nil, err
		}
		step := DanceStep{Version: x.Version, Source: x.Source}
		for _, p := range profs {
			step.Utilities = append(step.Utilities, p.Utility(o))
		}
		out.Texts = append(out.Texts, step)
	}
	return out, nil
}
