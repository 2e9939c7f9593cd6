package engine

import (
	"context"
	"errors"
	"math"
	"math/big"
)

// Precision is the number of decimal places at which two utilities count as
// equal. GENIUS files store the same fraction truncated to different
// lengths, so comparing floats exactly would report spurious distinct points.
const Precision = 12

const precisionScale = 1e12

// key returns u on the comparison grid: u·10^12 rounded to an integer.
func key(u float64) float64 { return math.Round(u * precisionScale) }

// Round returns u rounded to Precision decimal places.
func Round(u float64) float64 { return key(u) / precisionScale }

// Point is a point of the utility space with one outcome that attains it.
type Point struct {
	// Utilities holds each party's utility, rounded to Precision places.
	Utilities []float64
	// Outcome is a witness: one outcome with these utilities.
	Outcome Outcome
	// Acceptable reports whether every party gets at least its reservation
	// value: u_p >= r_p for every p (compared at Precision places).
	Acceptable bool
}

// Analysis is the exact analysis of an outcome space for a set of parties.
// The definitions (see the package documentation of cmd/parley and the
// README) are parley's own, not GENIUS's or NegMAS's:
//
//   - acceptable: u_p(o) >= r_p for every party p;
//   - Pareto frontier: the distinct utility vectors no outcome dominates,
//     over all outcomes (acceptable or not);
//   - Nash: argmax over acceptable outcomes of Π_p (u_p − r_p), ties to the
//     larger sum;
//   - Kalai–Smorodinsky: over acceptable Pareto points, argmax of
//     min_p (u_p − r_p)/(ideal_p − r_p), ideal_p = max u_p over acceptable
//     outcomes;
//   - max welfare: argmax Σ_p u_p over acceptable outcomes;
//   - egalitarian: argmax min_p (u_p − r_p) over acceptable outcomes.
//
// Ties in max welfare go to the larger least gain min_p (u_p − r_p); in the
// others to the larger sum; then to the earlier point of the frontier
// (sorted by the first party's utility, descending).
type Analysis struct {
	Domain       *Domain
	Parties      []Profile
	Reservations []float64
	// Outcomes is the size of the outcome space; Acceptable how many of
	// them are acceptable to every party (nil with SkipCount, or when
	// counting exceeded the budget: CountError says so). Both are exact.
	Outcomes   *big.Int
	Acceptable *big.Int
	CountError string
	// Pareto is the frontier sorted by the first party's utility
	// descending, then the others descending.
	Pareto []Point
	// Ideal is max u_p over acceptable outcomes (nil when none is).
	Ideal []float64
	// The bargaining solutions; nil when no outcome is acceptable.
	Nash             *Point
	NashProduct      float64
	KalaiSmorodinsky *Point
	KSRatio          float64 // min_p (u_p − r_p)/(ideal_p − r_p) at the K–S point
	MaxWelfare       *Point
	Welfare          float64
	Egalitarian      *Point
	EgalitarianGain  float64 // min_p (u_p − r_p) at the egalitarian point
	// Method names the search that found the frontier: one of
	// MethodMerge, MethodBox, MethodFactor, MethodClique, MethodEnumerate.
	Method string
	// Grid is true when a real issue was analysed on a grid of values.
	Grid bool
	// NoFrontier is true when the frontier was not computed
	// (AnalyzeOptions.NoFrontier): Pareto is nil, and the solutions and
	// the ideal point were found by SolveAll, Method naming its search.
	NoFrontier bool
}

// AnalyzeOptions tune Analyze. The zero value is ready to use.
type AnalyzeOptions struct {
	// MaxFrontier caps the number of points held at once while building the
	// frontier, bounding memory; 0 means DefaultMaxFrontier.
	MaxFrontier int
	// MaxEnumerate is the largest outcome space Analyze will enumerate when
	// no exact method applies; 0 means DefaultMaxEnumerate.
	MaxEnumerate float64
	// MaxNodes bounds branch and bound (time, and memory: up to about 250
	// bytes a node) before it gives up and falls back to enumeration; 0
	// means DefaultMaxNodes.
	MaxNodes int
	// Progress, when set, is called from time to time during enumeration
	// with the outcomes done so far and the total.
	Progress func(done, total float64)
	// SkipCount leaves Analysis.Acceptable nil instead of counting the
	// acceptable outcomes, which on large nonlinear spaces can cost more
	// than the frontier; protocols and mediators need only the frontier.
	SkipCount bool
	// NoFrontier skips the Pareto frontier, which with three parties or
	// more can hold millions of points: the ideal point and the solutions
	// are found by SolveAll (branch and bound over the issues, memory
	// O(issues × parties)), with MaxNodes as each solution's node budget
	// (0: DefaultSolveNodes). The acceptable count is made as usual, but
	// when MaxNodes is 0 within MaxCountNodesWithoutFrontier search nodes
	// (a tenth of a second or so): the count of three or more parties whose
	// reservations bind is often out of reach where the solutions are
	// not, and then CountError says so.
	NoFrontier bool
	// Context, when set, stops the analysis once it is done (cancelled or
	// past its deadline): Analyze then returns within about a second with
	// the context's error, or, when only the count was left, with the
	// analysis and the count unknown (CountError says why).
	Context context.Context
}

// FrontierOutcomes is the largest outcome space on which the frontier of
// three parties or more is computed by default (FrontierByDefault): such a
// frontier has at most as many points and takes well under a second.
// Beyond, a frontier of many parties can hold millions of points (4
// parties on 10^20 outcomes: 1.4 million, 41 s and 3 GB; 5 parties do not
// finish), while the solutions take milliseconds without it (NoFrontier).
const FrontierOutcomes = 1e6

// FrontierByDefault says whether the frontier is worth computing unasked:
// for one or two parties, and for more on spaces of at most
// FrontierOutcomes outcomes.
func FrontierByDefault(parties int, outcomes float64) bool {
	return parties <= 2 || outcomes <= FrontierOutcomes
}

// Defaults for AnalyzeOptions.
const (
	DefaultMaxFrontier  = 20_000_000
	DefaultMaxEnumerate = 1e8
	DefaultMaxNodes     = 10_000_000
)

func (o *AnalyzeOptions) defaults() {
	if o.MaxFrontier <= 0 {
		o.MaxFrontier = DefaultMaxFrontier
	}
	if o.MaxEnumerate <= 0 {
		o.MaxEnumerate = DefaultMaxEnumerate
	}
	if o.MaxNodes <= 0 {
		o.MaxNodes = DefaultMaxNodes
	}
}

// The searches Analyze chooses from, as Analysis.Method names them. All
// linear additive profiles: MethodMerge. Otherwise, when every profile can
// bound its utility over a box of outcomes (Bounder): for two parties, box
// branch and bound on a small budget first, then, when both utilities are
// sums of small parts, the two-phase search over the parts (the clique
// search when both are sums of inclusive boxes, the factor search
// otherwise) or else the box search on the whole budget; for more parties,
// box branch and bound. MethodEnumerate when none applies or finishes.
const (
	MethodMerge     = "merge"                // per-issue frontiers merged (Nemhauser–Ullmann), no enumeration
	MethodBox       = "box branch and bound" // boundFrontier2, boundFrontier
	MethodFactor    = "factor two-phase"     // factorFrontier2: weighted sums, then ε-constraint steps over factors
	MethodClique    = "clique two-phase"     // cliqueFrontier2: the same over cliques of intersecting boxes
	MethodEnumerate = "enumeration"          // every outcome evaluated
)

// Analyze computes the exact analysis of the outcome space of the profiles'
// common domain. Linear additive profiles never enumerate the outcome
// space; other profiles use branch and bound when they can bound their
// utility over a box of outcomes, and enumeration otherwise.
func Analyze(profiles []Profile, opts AnalyzeOptions) (*Analysis, error) {
	solveNodes := opts.MaxNodes
	opts.defaults()
	if len(profiles) == 0 {
		return nil, Errorf("no profiles to analyse; name at least one")
	}
	d := profiles[0].Domain()
	if err := d.Validate(); err != nil {
		return nil, err
	}
	for _, p := range profiles[1:] {
		if err := SameDomain(d, p.Domain()); err != nil {
			return nil, Errorf("profile %q is for another domain than profile %q: %v", p.Name(), profiles[0].Name(), err)
		}
	}
	a := &Analysis{Domain: d, Parties: profiles, Outcomes: d.Size(), Grid: d.HasReal()}
	for _, p := range profiles {
		a.Reservations = append(a.Reservations, p.Reservation())
	}

	if err := ctxErr(opts.Context); err != nil {
		return nil, err
	}
	if opts.NoFrontier {
		return a, a.solveWithoutFrontier(opts, solveNodes)
	}
	var raw *rawFrontier
	var err error
	if lin, ok := allLinear(profiles); ok {
		a.Method = MethodMerge
		raw, err = linearFrontier(opts.Context, lin, opts.MaxFrontier)
		if err != nil {
			return nil, err
		}
		if !opts.SkipCount {
			var cerr error
			if a.Acceptable, cerr = countLinear(lin, a.Reservations, opts); cerr != nil {
				if ctxErr(opts.Context) == nil {
					return nil, cerr
				}
				// Stopped while counting: the frontier stands.
				a.Acceptable, a.CountError = nil, "counting stopped: "+cerr.Error()
			}
		}
	} else {
		raw, a.Method, err = genericFrontier(profiles, opts)
		if err != nil {
			return nil, err
		}
		if !opts.SkipCount {
			// The frontier may have cost much: a count beyond the budget
			// leaves the count unknown rather than losing it.
			var cerr error
			if a.Acceptable, cerr = countGeneric(profiles, a.Reservations, opts); cerr != nil {
				a.Acceptable, a.CountError = nil, cerr.Error()
			}
		}
	}
	if err != nil {
		return nil, err
	}
	a.Pareto = roundFrontier(raw)
	a.solve()
	return a, nil
}

// MaxCountNodesWithoutFrontier bounds the acceptable count of an analysis
// without the frontier (AnalyzeOptions.NoFrontier).
const MaxCountNodesWithoutFrontier = 1 << 16

// solveWithoutFrontier fills a's solutions by SolveAll, then counts the
// acceptable outcomes (unless opts.SkipCount).
func (a *Analysis) solveWithoutFrontier(opts AnalyzeOptions, nodes int) error {
	a.NoFrontier = true
	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	sols, err := SolveAll(ctx, Problem{Parties: a.Parties}, SolveOptions{MaxNodes: nodes})
	switch {
	case errors.Is(err, ErrNoFeasible):
		a.Method = sols.Method // no solutions: nothing is acceptable
	case err != nil:
		return err
	default:
		a.Method = sols.Method
		a.Ideal = sols.Ideal
		point := func(s *Solved) *Point {
			return &Point{Utilities: s.Utilities, Outcome: s.Outcome, Acceptable: true}
		}
		a.Nash, a.KalaiSmorodinsky = point(sols.Nash), point(sols.KalaiSmorodinsky)
		a.Egalitarian, a.MaxWelfare = point(sols.Egalitarian), point(sols.MaxWelfare)
		a.NashProduct, _, _, _ = scoreUtilities(a.Nash.Utilities, a.Reservations, a.Ideal)
		_, a.KSRatio, _, _ = scoreUtilities(a.KalaiSmorodinsky.Utilities, a.Reservations, a.Ideal)
		_, _, a.EgalitarianGain, _ = scoreUtilities(a.Egalitarian.Utilities, a.Reservations, a.Ideal)
		_, _, _, a.Welfare = scoreUtilities(a.MaxWelfare.Utilities, a.Reservations, a.Ideal)
	}
	if opts.SkipCount {
		return nil
	}
	if nodes == 0 {
		opts.MaxNodes = MaxCountNodesWithoutFrontier
	}
	var cerr error
	if lin, ok := allLinear(a.Parties); ok {
		a.Acceptable, cerr = countLinear(lin, a.Reservations, opts)
	} else {
		a.Acceptable, cerr = countGeneric(a.Parties, a.Reservations, opts)
	}
	if cerr != nil {
		// The solutions stand; the count is unknown, and says why.
		a.Acceptable, a.CountError = nil, cerr.Error()
		if ctxErr(opts.Context) != nil {
			a.CountError = "counting stopped: " + cerr.Error()
		}
	}
	return nil
}

// SameDomain reports how domain b differs from a, or nil when they have the
// same issues with the same values in the same order.
func SameDomain(a, b *Domain) error {
	if a == b {
		return nil
	}
	if len(a.Issues) != len(b.Issues) {
		return Errorf("domain %q has %d issues, domain %q has %d", a.Name, len(a.Issues), b.Name, len(b.Issues))
	}
	for i := range a.Issues {
		x, y := &a.Issues[i], &b.Issues[i]
		if x.Name != y.Name {
			return Errorf("issue %d is %q in one and %q in the other", i+1, x.Name, y.Name)
		}
		if x.Kind != y.Kind || x.NumValues() != y.NumValues() || x.Lower != y.Lower || x.Upper != y.Upper {
			return Errorf("issue %q is declared differently (%s with %d values vs %s with %d values)", x.Name, x.Kind, x.NumValues(), y.Kind, y.NumValues())
		}
		for j := range x.Values {
			if x.Values[j] != y.Values[j] {
				return Errorf("issue %q: value %d is %q in one and %q in the other", x.Name, j+1, x.Values[j], y.Values[j])
			}
		}
	}
	return nil
}

func allLinear(ps []Profile) ([]*LinearAdditive, bool) {
	out := make([]*LinearAdditive, len(ps))
	for i, p := range ps {
		l, ok := p.(*LinearAdditive)
		if !ok {
			return nil, false
		}
		out[i] = l
	}
	return out, true
}

// roundFrontier rounds the exact frontier to Precision places and removes
// the points that rounding made equal to or dominated by another. Rounding
// is monotone, so this is exactly the frontier of the rounded utilities.
func roundFrontier(r *rawFrontier) []Point {
	n := r.n
	s := &frontierSet{n: n, u: make([]float64, len(r.u)), parent: make([]int32, r.size()), value: make([]int32, r.size())}
	for i, x := range r.u {
		s.u[i] = key(x)
	}
	for j := range s.parent {
		s.parent[j] = int32(j)
	}
	// Rounding keeps an order by u0; branch and bound gives none.
	sorted := true
	for i := 1; i < s.size() && sorted; i++ {
		sorted = s.u[i*n] <= s.u[(i-1)*n]
	}
	s = nondominated(s, sorted)
	pts := make([]Point, s.size())
	buf := make([]float64, s.size()*n) // one allocation for every point
	for i := range pts {
		u := buf[i*n : i*n+n : i*n+n]
		for p, k := range s.at(i) {
			u[p] = k / precisionScale
		}
		pts[i] = Point{Utilities: u, Outcome: r.witness(int(s.parent[i]))}
	}
	return pts
}

// acceptable reports whether u gives every party at least its reservation.
func acceptable(u, r []float64) bool {
	for p := range u {
		if key(u[p]) < key(r[p]) {
			return false
		}
	}
	return true
}

// solve marks acceptable points and finds the bargaining solutions. Each of
// them is attained on the frontier: a point that dominates an acceptable
// point is acceptable and does at least as well by every criterion.
func (a *Analysis) solve() {
	r := a.Reservations
	n := len(r)
	rk := make([]float64, n)
	for p := range r {
		rk[p] = key(r[p])
	}
	var ideal []float64
	for i := range a.Pareto {
		pt := &a.Pareto[i]
		ok := true
		for p, u := range pt.Utilities {
			// Utilities are already on the grid, so key(u) is u·10^12.
			if math.Round(u*precisionScale) < rk[p] {
				ok = false
				break
			}
		}
		pt.Acceptable = ok
		if !ok {
			continue
		}
		if ideal == nil {
			ideal = append([]float64(nil), pt.Utilities...)
		}
		for p, u := range pt.Utilities {
			if u > ideal[p] {
				ideal[p] = u
			}
		}
	}
	if ideal == nil {
		return
	}
	a.Ideal = ideal
	// One pass scores every acceptable point by every criterion. Ties:
	// Nash, K–S and egalitarian to the larger sum; welfare (compared on the
	// grid) to the larger least gain; then the earlier point.
	type best struct {
		i            int
		score, other float64
	}
	nash, ks, egal, welf := best{i: -1}, best{i: -1}, best{i: -1}, best{i: -1}
	better := func(b *best, i int, score, other float64) {
		if b.i < 0 || score > b.score || (score == b.score && other > b.other) {
			*b = best{i, score, other}
		}
	}
	for i := range a.Pareto {
		pt := &a.Pareto[i]
		if !pt.Acceptable {
			continue
		}
		prod, ratio, gain, sum := scoreUtilities(pt.Utilities, r, ideal)
		better(&nash, i, prod, sum)
		better(&egal, i, gain, sum)
		better(&ks, i, ratio, sum)
		if welf.i < 0 || key(sum) > key(welf.score) || (key(sum) == key(welf.score) && gain > welf.other) {
			welf = best{i, sum, gain}
		}
	}
	point := func(b best) *Point { pt := a.Pareto[b.i]; return &pt }
	a.Nash, a.NashProduct = point(nash), nash.score
	a.KalaiSmorodinsky, a.KSRatio = point(ks), ks.score
	a.Egalitarian, a.EgalitarianGain = point(egal), egal.score
	a.MaxWelfare, a.Welfare = point(welf), welf.score
}

// scoreUtilities returns an acceptable utility vector's score by each
// criterion: the product of the gains u_p − r_p, the least normalised gain
// (u_p − r_p)/(ideal_p − r_p) (1 for a party whose ideal is its
// reservation), the least gain and the sum of utilities.
func scoreUtilities(u, r, ideal []float64) (prod, ratio, gain, sum float64) {
	prod, ratio, gain = 1, math.Inf(1), math.Inf(1)
	for p, x := range u {
		g := x - r[p]
		sum += x
		if g > 0 {
			prod *= g
		} else {
			prod = 0
		}
		gain = min(gain, g)
		q := 1.0 // a party whose ideal is its reservation is indifferent
		if span := ideal[p] - r[p]; span > 0 {
			q = g / span
		}
		ratio = min(ratio, q)
	}
	return prod, ratio, gain, sum
}

// Improvements returns the Pareto points that every party weakly prefers to
// o and at least one strictly prefers (Raiffa's post-settlement settlement):
// the mediator's "everyone can do better than this". It returns nil when o
// is itself Pareto-optimal. An analysis without the frontier cannot say:
// it returns an error (Improve answers without the frontier).
func (a *Analysis) Improvements(o Outcome) ([]Point, []float64, error) {
	if a.NoFrontier {
		return nil, nil, Errorf("the analysis was made without the frontier, so it cannot list the improvements of an outcome; use Improve")
	}
	if err := a.Domain.ValidOutcome(o); err != nil {
		return nil, nil, err
	}
	u := make([]float64, len(a.Parties))
	for p, prof := range a.Parties {
		u[p] = Round(prof.Utility(o))
	}
	var out []Point
	for _, pt := range a.Pareto {
		if ge, gt := compareKeys(pt.Utilities, u); ge && gt {
			out = append(out, pt)
		}
	}
	return out, u, nil
}
