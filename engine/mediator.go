package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Judge answers a single-text mediator for one party. It is the only thing
// a mediator learns about the party: whether it accepts a text, and which of
// two texts it prefers.
type Judge interface {
	// Accepts reports whether the party would sign text as it stands.
	Accepts(text Outcome) bool
	// Prefers reports whether the party strictly prefers text a to text b.
	Prefers(a, b Outcome) bool
}

// TruthfulJudge answers from its own profile: it accepts a text worth at
// least its reservation value and prefers the text worth more to it.
type TruthfulJudge struct{ Profile Profile }

// Accepts implements Judge.
func (j TruthfulJudge) Accepts(text Outcome) bool {
	return j.Profile.Utility(text) >= j.Profile.Reservation()
}

// Prefers implements Judge.
func (j TruthfulJudge) Prefers(a, b Outcome) bool {
	return j.Profile.Utility(a) > j.Profile.Utility(b)
}

var _ Judge = TruthfulJudge{}

// Solution names a bargaining solution the confidential mediator aims for.
type Solution string

// The solutions the confidential mediator knows.
const (
	SolutionNash             Solution = "nash"
	SolutionKalaiSmorodinsky Solution = "ks"
	SolutionEgalitarian      Solution = "egalitarian"
)

// ParseSolution accepts a solution's name ("" means Nash).
func ParseSolution(s string) (Solution, error) {
	switch strings.ToLower(s) {
	case "", "nash":
		return SolutionNash, nil
	case "ks", "kalai-smorodinsky", "kalaismorodinsky":
		return SolutionKalaiSmorodinsky, nil
	case "egalitarian":
		return SolutionEgalitarian, nil
	}
	return "", Errorf("unknown solution %q; use nash, ks or egalitarian", s)
}

// SingleTextOptions configure a mediated single-text negotiation.
type SingleTextOptions struct {
	// MaxTexts bounds the number of texts the mediator proposes; 0 means
	// DefaultMaxTexts.
	MaxTexts int
	// Seed seeds the answers-only mediator's starting text and the order in
	// which it tries changes.
	Seed uint64
	// Solution is what the confidential mediator aims for ("" is Nash).
	Solution Solution
	// Start is a tentative text the confidential mediator starts from; it
	// then moves only to a text no party likes less (Raiffa's improvement
	// of a tentative agreement). Nil means it proposes the solution
	// outright.
	Start Outcome
	// Analysis bounds the confidential mediator's exact analysis (for
	// example how large an outcome space of non-additive profiles it may
	// enumerate), when it needs one; its Context stops the mediator.
	Analysis AnalyzeOptions
	// Solve bounds the confidential mediator's exact search for its text
	// (Solve). With MaxNodes 0 it is Solve's default for linear additive
	// profiles, and Analysis.MaxNodes (or DefaultMaxNodes) for others,
	// whose search over boxes may be out of reach where the frontier is not.
	Solve SolveOptions
}

// DefaultMaxTexts bounds a single-text negotiation when the options do not.
const DefaultMaxTexts = 100_000

// SingleTextResult is the record of a mediated single-text negotiation.
type SingleTextResult struct {
	// Agreement is the final text when every party accepted it, else nil.
	Agreement Outcome
	// Texts are the texts the mediator proposed, in order; the last is the
	// final text.
	Texts []Outcome
	// Questions counts the questions put to the parties.
	Questions int
	// Note explains a departure from the requested solution, e.g. when
	// the frontier was out of reach and the mediator aimed for an
	// efficient egalitarian text instead.
	Note string
	// ParetoOptimal says that the final text is proved Pareto-optimal
	// without the frontier (by Solve, or by MediateEfficient when the
	// frontier was out of reach).
	ParetoOptimal bool
}

// HillClimbMediator runs Raiffa's single negotiating text with a mediator
// that knows nothing but the parties' answers. It starts from a random text
// and repeatedly proposes changing one issue; it moves to the changed text
// when every party prefers it to the current one, until no single change is
// preferred by all (or MaxTexts texts). Then it asks every party whether it
// accepts the final text.
func HillClimbMediator(d *Domain, judges []Judge, opts SingleTextOptions) (*SingleTextResult, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if len(judges) < 2 {
		return nil, Errorf("a single-text negotiation needs at least 2 parties; got %d", len(judges))
	}
	maxTexts := opts.MaxTexts
	if maxTexts <= 0 {
		maxTexts = DefaultMaxTexts
	}
	r := rand.New(rand.NewPCG(opts.Seed, 0x5eed))
	text := make(Outcome, len(d.Issues))
	for i := range text {
		text[i] = r.IntN(d.Issues[i].NumValues())
	}
	res := &SingleTextResult{Texts: []Outcome{text.Clone()}}
	type change struct{ issue, value int }
	var changes []change
	for i := range d.Issues {
		for v := 0; v < d.Issues[i].NumValues(); v++ {
			changes = append(changes, change{i, v})
		}
	}
	cand := make(Outcome, len(text))
	for moved := true; moved && len(res.Texts) < maxTexts; {
		moved = false
		r.Shuffle(len(changes), func(a, b int) { changes[a], changes[b] = changes[b], changes[a] })
		for _, c := range changes {
			if text[c.issue] == c.value {
				continue
			}
			copy(cand, text)
			cand[c.issue] = c.value
			all := true
			for _, j := range judges {
				res.Questions++
				if !j.Prefers(cand, text) {
					all = false
					break
				}
			}
			if all {
				copy(text, cand)
				res.Texts = append(res.Texts, text.Clone())
				moved = true
				if len(res.Texts) >= maxTexts {
					break
				}
			}
		}
	}
	if askAll(judges, text, res) {
		res.Agreement = text.Clone()
	}
	return res, nil
}

func askAll(judges []Judge, text Outcome, res *SingleTextResult) bool {
	for _, j := range judges {
		res.Questions++
		if !j.Accepts(text) {
			return false
		}
	}
	return true
}

// ConfidentialMediator is parley's neutral: it holds every party's profile
// and proposes as the single text the requested bargaining solution (Nash
// by default), which is acceptable to every party and Pareto-efficient. It
// finds it exactly by Solve, without the frontier, so that many parties on
// vast outcome spaces cost milliseconds. Parties see only the texts (and so
// each can work out its own utility for them); no party is told anything
// about another's profile.
//
// With a Start text it moves to the solution among the texts acceptable to
// every party that every party likes at least as much as Start, and one
// more (Raiffa's improvement of a tentative agreement); when there is none,
// to the best improvement by Improve (gains measured from Start), when
// there is one at all.
//
// Should a party reject a text (its judge need not be truthful), or Solve
// fail (a node budget, profiles it cannot bound), the mediator works from
// the exact frontier instead (MediateWithAnalysis: the next acceptable
// Pareto point in the order of the same criterion, up to MaxTexts texts),
// and when that is out of reach too, from MediateEfficient.
func ConfidentialMediator(profiles []Profile, judges []Judge, opts SingleTextOptions) (*SingleTextResult, error) {
	if len(profiles) < 2 {
		return nil, Errorf("a single-text negotiation needs at least 2 parties; got %d", len(profiles))
	}
	if len(judges) != len(profiles) {
		return nil, Errorf("%d profiles and %d parties answering; every party needs exactly one", len(profiles), len(judges))
	}
	if _, err := ParseSolution(string(opts.Solution)); err != nil {
		return nil, err // before the analysis, which may take long
	}
	ctx := opts.Analysis.Context
	if ctx == nil {
		ctx = context.Background()
	}
	if _, ok := allLinear(profiles); !ok && opts.Solve.MaxNodes == 0 {
		opts.Solve.MaxNodes = opts.Analysis.MaxNodes
		if opts.Solve.MaxNodes <= 0 {
			opts.Solve.MaxNodes = DefaultMaxNodes
		}
	}
	res, err := mediateBySolve(ctx, profiles, judges, opts)
	if err == nil {
		return res, nil
	}
	if cerr := ctx.Err(); cerr != nil {
		return nil, cerr
	}
	if !errors.Is(err, errRejected) {
		res = nil // the search failed: the frontier starts afresh
	} // else res holds the rejected text, which is not proposed again
	lim := opts.Analysis
	lim.SkipCount = true   // the mediator needs only the frontier
	lim.NoFrontier = false // and it needs the frontier
	a, err := Analyze(profiles, lim)
	if err != nil {
		if opts.Start == nil {
			if res, ferr := MediateEfficient(profiles, judges, opts, err); ferr == nil {
				return res, nil
			}
		}
		return nil, err
	}
	return mediateWithAnalysis(a, judges, opts, res)
}

// errRejected is mediateBySolve's answer when a party rejects the text.
var errRejected = errors.New("a party rejected the text")

// mediateBySolve proposes Solve's text (or, from opts.Start, its best
// improvement) and asks every party to accept it.
func mediateBySolve(ctx context.Context, profiles []Profile, judges []Judge, opts SingleTextOptions) (*SingleTextResult, error) {
	sol, err := ParseSolution(string(opts.Solution))
	if err != nil {
		return nil, err
	}
	res := &SingleTextResult{}
	start := opts.Start
	s, err := Solve(ctx, Problem{Parties: profiles, Solution: sol, Baseline: start}, opts.Solve)
	if start != nil && errors.Is(err, ErrNoFeasible) {
		// No improvement every party accepts: any improvement at all.
		s, err = Improve(ctx, profiles, start, sol, opts.Solve)
	}
	var text Outcome
	switch {
	case errors.Is(err, ErrNoFeasible) && start == nil:
		return res, nil // nothing is acceptable to every party: no text
	case errors.Is(err, ErrNoFeasible):
		text = start.Clone() // start is Pareto-optimal: it stays
		res.Texts = append(res.Texts, text)
	case err != nil:
		return nil, err
	default:
		text = s.Outcome.Clone()
		if start != nil {
			res.Texts = append(res.Texts, start.Clone())
			for _, j := range judges {
				res.Questions++
				if j.Prefers(start, text) {
					return res, errRejected
				}
			}
		}
		res.Texts = append(res.Texts, text)
	}
	res.ParetoOptimal = true
	if !askAll(judges, text, res) {
		if start != nil && len(res.Texts) == 1 {
			return res, nil // the tentative text stands, unsigned
		}
		return res, errRejected
	}
	res.Agreement = text
	return res, nil
}

// MediateEfficient is the confidential mediator for outcome spaces whose
// exact frontier is out of reach (why says why): it proposes a text that is
// acceptable to every party and Pareto-optimal without the frontier, and
// says how in the result's Note. When every profile is a sum of small
// parts, the text maximises a weighted sum of utilities exactly, with
// weights steered toward the requested solution; otherwise (or when no
// weighted sum is acceptable) it is EfficientEgalitarian's.
func MediateEfficient(profiles []Profile, judges []Judge, opts SingleTextOptions, why error) (*SingleTextResult, error) {
	if len(judges) != len(profiles) {
		return nil, Errorf("%d profiles and %d parties answering; every party needs exactly one", len(profiles), len(judges))
	}
	sol, err := ParseSolution(string(opts.Solution))
	if err != nil {
		return nil, err
	}
	res := &SingleTextResult{}
	none := fmt.Sprintf("the exact frontier is out of reach (%v); an exact search found no outcome acceptable to every party", why)
	egalitarian := func() (Outcome, error) {
		o, err := efficientEgalitarian(opts.Analysis.Context, profiles, opts.Analysis.MaxNodes)
		if err != nil {
			return nil, err
		}
		if sol == SolutionEgalitarian {
			res.Note = fmt.Sprintf("the exact frontier is out of reach (%v), so the mediator found the egalitarian text by branch and bound, without the frontier", why)
		} else {
			res.Note = fmt.Sprintf("the exact frontier is out of reach (%v), so the mediator proposed an acceptable, Pareto-optimal text found by egalitarian branch and bound instead of the %s point", why, solutionName(sol))
		}
		return o, nil
	}
	var o Outcome
	var egalErr error // why the egalitarian search failed, once tried
	tried := false
	if sol == SolutionEgalitarian {
		// Exact when the search finishes: try it first.
		tried = true
		if o, egalErr = egalitarian(); egalErr == nil && o == nil {
			res.Note = none
			return res, nil
		}
	}
	if o == nil {
		var solves int
		var werr error
		o, solves, werr = supportedText(opts.Analysis.Context, profiles, sol, opts.Analysis.MaxNodes)
		switch {
		case werr == nil && o == nil:
			res.Note = none
			return res, nil
		case werr == nil:
			res.Note = fmt.Sprintf("the exact frontier is out of reach (%v), so the mediator proposed the acceptable text that maximises a weighted sum of the parties' utilities, which makes it Pareto-optimal, with the weights steered toward the %s point (%d exact searches)", why, solutionName(sol), solves)
		default:
			if !tried {
				if o, egalErr = egalitarian(); egalErr == nil && o == nil {
					res.Note = none
					return res, nil
				}
			}
			if egalErr != nil {
				return nil, Errorf("no text without the frontier: the weighted sums: %v; the egalitarian search: %v", werr, egalErr)
			}
		}
	}
	res.Texts = append(res.Texts, o.Clone())
	res.ParetoOptimal = true
	if askAll(judges, o, res) {
		res.Agreement = o.Clone()
	}
	return res, nil
}

// solutionName is how notes name a solution.
func solutionName(s Solution) string {
	switch s {
	case "", SolutionNash:
		return "Nash"
	case SolutionKalaiSmorodinsky:
		return "Kalai–Smorodinsky"
	}
	return string(s)
}

// MediateWithAnalysis is ConfidentialMediator on an analysis already made
// of the parties' profiles (a.Parties), proposing the acceptable Pareto
// points best first by the solution's criterion.
func MediateWithAnalysis(a *Analysis, judges []Judge, opts SingleTextOptions) (*SingleTextResult, error) {
	return mediateWithAnalysis(a, judges, opts, nil)
}

// mediateWithAnalysis continues the negotiation res (nil: a new one) from
// the frontier: a text it holds already (rejected) is not proposed again.
func mediateWithAnalysis(a *Analysis, judges []Judge, opts SingleTextOptions, res *SingleTextResult) (*SingleTextResult, error) {
	if len(judges) != len(a.Parties) {
		return nil, Errorf("%d profiles and %d parties answering; every party needs exactly one", len(a.Parties), len(judges))
	}
	sol := opts.Solution
	if sol == "" {
		sol = SolutionNash
	}
	if _, err := ParseSolution(string(sol)); err != nil {
		return nil, err
	}
	maxTexts := opts.MaxTexts
	if maxTexts <= 0 {
		maxTexts = DefaultMaxTexts
	}
	if a.NoFrontier {
		return nil, Errorf("the analysis has no frontier; the mediator needs one to rank its texts")
	}
	if opts.Start != nil {
		// One improving move from the start, afresh.
		return improveText(a, judges, opts.Start, sol, maxTexts, &SingleTextResult{})
	}
	if res == nil {
		res = &SingleTextResult{}
	}
	for _, pt := range rankPoints(a, sol) {
		if len(res.Texts) >= maxTexts {
			break
		}
		if slices.ContainsFunc(res.Texts, func(t Outcome) bool { return slices.Equal(t, pt.Outcome) }) {
			continue // proposed and rejected already
		}
		text := pt.Outcome.Clone()
		res.Texts = append(res.Texts, text)
		if askAll(judges, text, res) {
			res.Agreement = text
			break
		}
	}
	return res, nil
}

// improveText starts from a tentative text and proposes, best first by the
// solution's criterion, the Pareto points that every party likes at least
// as much; it moves to the first that no party says it likes less.
func improveText(a *Analysis, judges []Judge, start Outcome, sol Solution, maxTexts int, res *SingleTextResult) (*SingleTextResult, error) {
	better, _, err := a.Improvements(start)
	if err != nil {
		return nil, err
	}
	text := start.Clone()
	res.Texts = append(res.Texts, text)
	var acceptable, rest []Point
	for _, pt := range better {
		if pt.Acceptable {
			acceptable = append(acceptable, pt)
		} else {
			rest = append(rest, pt)
		}
	}
	for _, pt := range append(rankBy(a, sol, acceptable), rest...) {
		if len(res.Texts) >= maxTexts {
			break
		}
		worse := false
		for _, j := range judges {
			res.Questions++
			if j.Prefers(text, pt.Outcome) {
				worse = true
				break
			}
		}
		if !worse {
			text = pt.Outcome.Clone()
			res.Texts = append(res.Texts, text)
			break
		}
	}
	if askAll(judges, text, res) {
		res.Agreement = text
	}
	return res, nil
}

// rankPoints orders the acceptable Pareto points by the solution's
// criterion, best first; the analysis' own solution point comes first.
func rankPoints(a *Analysis, sol Solution) []Point {
	first := map[Solution]*Point{SolutionNash: a.Nash, SolutionKalaiSmorodinsky: a.KalaiSmorodinsky, SolutionEgalitarian: a.Egalitarian}[sol]
	if first == nil {
		return nil
	}
	var rest []Point
	for _, pt := range a.Pareto {
		if pt.Acceptable && !slices.Equal(pt.Outcome, first.Outcome) {
			rest = append(rest, pt)
		}
	}
	return append([]Point{*first}, rankBy(a, sol, rest)...)
}

// rankBy sorts points by the solution's criterion, best first (stable).
func rankBy(a *Analysis, sol Solution, pts []Point) []Point {
	r := a.Reservations
	var score func(u []float64) float64
	switch sol {
	case SolutionKalaiSmorodinsky:
		score = func(u []float64) float64 {
			m := math.Inf(1)
			for i := range u {
				g := 1.0
				if a.Ideal != nil {
					if span := a.Ideal[i] - r[i]; span > 0 {
						g = (u[i] - r[i]) / span
					}
				}
				m = min(m, g)
			}
			return m
		}
	case SolutionEgalitarian:
		score = func(u []float64) float64 {
			m := math.Inf(1)
			for i := range u {
				m = min(m, u[i]-r[i])
			}
			return m
		}
	default:
		score = func(u []float64) float64 {
			p := 1.0
			for i := range u {
				p *= u[i] - r[i]
			}
			return p
		}
	}
	out := slices.Clone(pts)
	slices.SortStableFunc(out, func(x, y Point) int {
		sx, sy := score(x.Utilities), score(y.Utilities)
		switch {
		case sx > sy:
			return -1
		case sx < sy:
			return 1
		}
		return 0
	})
	return out
}

// OutcomeDistances returns the Euclidean distance in utility space from u
// to the nearest point of a's Pareto frontier (NaN without the frontier)
// and to its Nash point (NaN when there is no Nash point).
func OutcomeDistances(a *Analysis, u []float64) (pareto, nash float64) {
	pareto, nash = math.Inf(1), math.NaN()
	for _, pt := range a.Pareto {
		pareto = min(pareto, euclid(u, pt.Utilities))
	}
	if len(a.Pareto) == 0 {
		pareto = math.NaN()
	}
	if a.Nash != nil {
		nash = euclid(u, a.Nash.Utilities)
	}
	return pareto, nash
}

func euclid(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return math.Sqrt(s)
}
