package engine

import (
	"cmp"
	"context"
	"errors"
	"math"
	"math/big"
	"math/bits"
	"slices"
)

// Problem is what a confidential mediator solves: the parties at the table,
// the limits of those affected but not at the table, and the bargaining
// solution to aim for.
//
// Feasible outcomes are those that give every party at least its
// Reservation(), every constraint profile at least its Reservation(), use
// only allowed values and, when Baseline is set, improve on Baseline.
// Utilities are compared on the grid of Precision decimal places (two
// utilities that agree to 12 decimals are equal), as Analyze does.
type Problem struct {
	// Parties are the members at the table. Each must get at least its
	// Reservation(); the solution is computed over their gains u_p − r_p.
	Parties []Profile
	// Constraints are profiles (stakeholder red lines as a minimum
	// utility): an outcome is feasible only if every constraint profile's
	// Utility >= its Reservation(). They do not count in the objective.
	Constraints []Profile
	// Allowed, when not nil, has one slice per issue with one bool per
	// value: false excludes that option (a stakeholder red line "cannot
	// accept option X"). A nil slice for an issue allows all its values.
	Allowed [][]bool
	// Solution is SolutionNash (""), SolutionKalaiSmorodinsky or
	// SolutionEgalitarian.
	Solution Solution
	// Baseline, when not nil, restricts the feasible set to the
	// improvements of Baseline: every party weakly prefers the outcome to
	// Baseline and at least one strictly (Raiffa's post-settlement
	// settlement). The reservations stay as given: the objective is still
	// over the gains u_p − r_p, not over the gains from Baseline.
	Baseline Outcome
}

// SolveOptions tune Solve and Assess. The zero value is ready to use.
type SolveOptions struct {
	// MaxNodes bounds the branch and bound (and an enumeration, which
	// counts one node per outcome); 0 means DefaultSolveNodes. Memory does
	// not grow with it: the search is depth first.
	MaxNodes int
	// Progress, when set, is called from time to time with the part of the
	// outcome space already settled (evaluated or proved not to hold a
	// better outcome) and the size of the outcome space.
	Progress func(done, total float64)
}

// DefaultSolveNodes is the node budget of Solve and Assess when the options
// do not set one: a few seconds of search.
const DefaultSolveNodes = 50_000_000

// Solved is the exact answer to a Problem.
type Solved struct {
	Outcome Outcome
	// Utilities holds each party's utility for Outcome (same order as
	// Problem.Parties), rounded to Precision places.
	Utilities []float64
	// ParetoOptimal is true when Outcome is proved Pareto-optimal among the
	// feasible outcomes (for the parties). The exact solutions always are:
	// ties in the solution's criterion go to the larger sum of utilities.
	// With a Baseline it is Pareto-optimal among the improvements, and so
	// among every outcome acceptable to all and inside every constraint:
	// whatever dominated it would improve on the Baseline too.
	ParetoOptimal bool
	// Method names the search that ran: "branch and bound" (linear
	// additive profiles, bounds from per-value contributions and
	// Lagrangian weights), "box branch and bound" (profiles that bound
	// their utility over boxes of outcomes) or "enumeration".
	Method string
	// Nodes counts the search nodes (outcomes, for an enumeration).
	Nodes int
}

// ErrNoFeasible is returned (as is or wrapped; test with errors.Is) when no
// outcome is feasible, and, with a Baseline, when no improvement of it
// exists. Its message says only that: never whose limits collide.
var ErrNoFeasible error = &noFeasibleError{"no outcome is feasible: none is acceptable to every party, inside every constraint and made only of allowed options"}

type noFeasibleError struct{ msg string }

func (e *noFeasibleError) Error() string { return e.msg }

// Is makes every no-feasible error match ErrNoFeasible.
func (e *noFeasibleError) Is(target error) bool {
	_, ok := target.(*noFeasibleError)
	return ok
}

var errNoImprovement error = &noFeasibleError{"no improvement exists: no feasible outcome is at least as good as the baseline for every party and better for one"}

// Solve returns the exact chosen solution over the feasible outcomes:
//
//   - Nash: argmax Π_p (u_p − r_p);
//   - Kalai–Smorodinsky: argmax min_p (u_p − r_p)/(ideal_p − r_p), where
//     ideal_p is the largest u_p over feasible outcomes (a party whose ideal
//     is its reservation counts with ratio 1);
//   - egalitarian: argmax min_p (u_p − r_p);
//
// each with ties to the larger sum of utilities, then to the larger
// utility vector in party order (Analyze's frontier order). It honours ctx
// within well under a second and then returns ctx.Err(); an exhausted node
// budget returns an *Error saying so. Its errors may be shown to a mediator:
// they name parties and constraints by position and never quote a
// profile's numbers.
func Solve(ctx context.Context, p Problem, opts SolveOptions) (*Solved, error) {
	sol, err := ParseSolution(string(p.Solution))
	if err != nil {
		return nil, err
	}
	s, err := newSolveSearch(ctx, &p, opts, methodAuto)
	if err != nil {
		return nil, err
	}
	return s.solve(sol)
}

// Assess tells a mediator about a hand-written text: whether it is feasible
// (acceptable to every party, inside every constraint and Allowed, and an
// improvement of Baseline when that is set), and whether some feasible
// outcome is at least as good for every party and strictly better for one
// (Pareto-dominates it). It says nothing about by how much, or for whom.
func Assess(ctx context.Context, p Problem, text Outcome, opts SolveOptions) (feasible, dominated bool, err error) {
	s, err := newSolveSearch(ctx, &p, opts, methodAuto)
	if err != nil {
		return false, false, err
	}
	return s.assess(text)
}

type solveMethod int

const (
	methodAuto      solveMethod = iota
	methodLinear                // weighted bounds from per-value contributions
	methodBox                   // Bounder boxes
	methodEnumerate             // no bounds
)

// enumerateLimit is the largest outcome space Solve enumerates when the
// profiles are not all linear additive.
const enumerateLimit = 1e6

// maxSolveUtility bounds |utility|: keys (utility·10^12) must fit an int64
// with room for sums.
const maxSolveUtility = 1e6

// solveSearch holds a problem prepared for search. Rows are the parties
// then the constraints.
type solveSearch struct {
	ctx       context.Context
	dom       *Domain
	k, n, nr  int
	profs     []Profile
	vals      [][]int // allowed values per issue
	rk        []int64 // reservation keys, per row
	tk        []int64 // feasibility thresholds, per row (reservation or baseline)
	base      []int64 // baseline keys of the parties, nil without a baseline
	maxNodes  int
	nodes     int
	progress  func(done, total float64)
	size      float64
	method    solveMethod
	checkMask int // ctx is checked when nodes&checkMask == 0

	// The linear model (method linear): contributions per row, flat by
	// issue offset.
	off    []int
	contr  [][]float64
	absmax []float64 // per row: Σ_i max_v |contribution|
	grid   []float64 // per row: every utility is a multiple of it (0: none known)
	bnd    []Bounder // method box
	noSeed bool      // tests: no incumbent before the branch and bound
}

func newSolveSearch(ctx context.Context, p *Problem, opts SolveOptions, m solveMethod) (*solveSearch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(p.Parties) == 0 {
		return nil, Errorf("problem has no parties; a solution needs at least one party at the table")
	}
	d := p.Parties[0].Domain()
	if d == nil {
		return nil, Errorf("party 1 has no domain")
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	s := &solveSearch{ctx: ctx, dom: d, k: len(d.Issues), n: len(p.Parties), progress: opts.Progress, size: d.SizeFloat()}
	s.profs = append(append(s.profs, p.Parties...), p.Constraints...)
	s.nr = len(s.profs)
	for j, prof := range s.profs {
		if err := SameDomain(d, prof.Domain()); err != nil {
			return nil, Errorf("%s is for another domain than party 1: %v", rowName(j, s.n), err)
		}
		r := prof.Reservation()
		if math.IsNaN(r) || math.Abs(r) > maxSolveUtility {
			return nil, Errorf("%s has a reservation that is not a number between −%g and %g", rowName(j, s.n), maxSolveUtility, maxSolveUtility)
		}
		s.rk = append(s.rk, int64(key(r)))
	}
	if p.Allowed != nil && len(p.Allowed) != s.k {
		return nil, Errorf("allowed has %d issues; domain %q has %d (give one slice per issue, nil for all values allowed)", len(p.Allowed), d.Name, s.k)
	}
	s.vals = make([][]int, s.k)
	for i := range d.Issues {
		nv := d.Issues[i].NumValues()
		var a []bool
		if p.Allowed != nil {
			a = p.Allowed[i]
		}
		if a != nil && len(a) != nv {
			return nil, Errorf("allowed for issue %q has %d values; the issue has %d", d.Issues[i].Name, len(a), nv)
		}
		for v := 0; v < nv; v++ {
			if a == nil || a[v] {
				s.vals[i] = append(s.vals[i], v)
			}
		}
	}
	s.tk = slices.Clone(s.rk)
	if p.Baseline != nil {
		if err := d.ValidOutcome(p.Baseline); err != nil {
			return nil, Errorf("baseline: %v", err)
		}
		s.base = make([]int64, s.n)
		for q := 0; q < s.n; q++ {
			u := s.profs[q].Utility(p.Baseline)
			if math.IsNaN(u) || math.Abs(u) > maxSolveUtility {
				return nil, Errorf("party %d's utility for the baseline is not a number between −%g and %g", q+1, maxSolveUtility, maxSolveUtility)
			}
			s.base[q] = int64(key(u))
			s.tk[q] = max(s.tk[q], s.base[q])
		}
	}
	s.maxNodes = opts.MaxNodes
	if s.maxNodes <= 0 {
		s.maxNodes = DefaultSolveNodes
	}
	if m == methodAuto {
		m = s.chooseMethod()
	}
	switch m {
	case methodLinear:
		lin := make([]*LinearAdditive, s.nr)
		for j, prof := range s.profs {
			l, ok := prof.(*LinearAdditive)
			if !ok {
				return nil, Errorf("%s is not linear additive", rowName(j, s.n))
			}
			lin[j] = l
		}
		s.off = make([]int, s.k+1)
		for i := range d.Issues {
			s.off[i+1] = s.off[i] + d.Issues[i].NumValues()
		}
		s.contr = make([][]float64, s.nr)
		s.absmax = make([]float64, s.nr)
		s.grid = make([]float64, s.nr)
		for j, l := range lin {
			c := make([]float64, s.off[s.k])
			for i := range d.Issues {
				m := 0.0
				for v := 0; v < d.Issues[i].NumValues(); v++ {
					x := l.Contribution(i, v)
					c[s.off[i]+v] = x
					m = max(m, math.Abs(x))
				}
				s.absmax[j] += m
			}
			s.grid[j] = valueGrid(c, s.absmax[j])
			if s.absmax[j] > maxSolveUtility {
				return nil, Errorf("%s has utilities beyond ±%g, which Solve does not support", rowName(j, s.n), maxSolveUtility)
			}
			s.contr[j] = c
		}
	case methodBox:
		bs, ok := allBounders(s.profs)
		if !ok {
			return nil, Errorf("a profile cannot bound its utility over a set of outcomes")
		}
		s.bnd = bs
	case methodEnumerate:
		if s.size > float64(s.maxNodes) {
			return nil, Errorf("domain %q has %.3g outcomes and a profile can only be solved by evaluating every outcome; that is more than the node budget of %d", d.Name, s.size, s.maxNodes)
		}
	}
	s.method = m
	// Check ctx every few thousand cheap nodes; a box node asks every
	// profile for bounds, which may cost much more.
	s.checkMask = 1<<12 - 1
	if m == methodBox {
		s.checkMask = 1<<8 - 1
	}
	return s, nil
}

// chooseMethod picks the search: linear additive profiles always use the
// weighted branch and bound; other profiles are enumerated on small spaces
// and searched over boxes beyond when they can bound their utility.
func (s *solveSearch) chooseMethod() solveMethod {
	if _, ok := allLinear(s.profs); ok {
		return methodLinear
	}
	if s.size <= enumerateLimit {
		return methodEnumerate
	}
	if _, ok := allBounders(s.profs); ok {
		return methodBox
	}
	return methodEnumerate
}

// valueGrid returns the coarsest power of two (up to 1) of which every
// contribution is a multiple, small enough that every sum of them is exact
// in a float64, or 0 when there is none: integer-valued utilities have grid 1.
// Two different utilities of the row then differ by at least the grid,
// which lets a search that wants only the best value skip the ties.
func valueGrid(c []float64, absmax float64) float64 {
	g := 1.0
	for e := 0; e <= 40; e, g = e+1, g/2 {
		if absmax/g >= 1<<50 {
			return 0
		}
		ok := true
		for _, x := range c {
			if y := x / g; y != math.Trunc(y) {
				ok = false
				break
			}
		}
		if ok {
			return g
		}
	}
	return 0
}

func rowName(j, n int) string {
	if j < n {
		return "party " + itoa(j+1)
	}
	return "constraint " + itoa(j-n+1)
}

func itoa(i int) string { return big.NewInt(int64(i)).String() }

func (s *solveSearch) methodName() string {
	switch s.method {
	case methodLinear:
		return "branch and bound"
	case methodBox:
		return "box branch and bound"
	}
	return "enumeration"
}

// solve runs the searches a solution needs: for Kalai–Smorodinsky the ideal
// point first (one constrained maximum per party), then the solution.
func (s *solveSearch) solve(sol Solution) (*Solved, error) {
	var span []int64
	if sol == SolutionKalaiSmorodinsky {
		var err error
		if span, err = s.spans(0, 1/float64(s.n+1)); err != nil {
			return nil, err
		}
		return s.finish(s.solveWith(sol, span, float64(s.n)/float64(s.n+1), 1/float64(s.n+1)))
	}
	return s.finish(s.solveWith(sol, nil, 0, 1))
}

// finish reports the whole space settled once a search has succeeded.
func (s *solveSearch) finish(out *Solved, err error) (*Solved, error) {
	if err == nil && s.progress != nil {
		s.progress(s.size, s.size)
	}
	return out, err
}

// spans returns ideal_p − r_p in keys for every party, ideal_p the greatest
// utility of party p over the feasible outcomes (one constrained maximum
// each); s.none() when nothing is feasible. progOff and progScale place
// the searches' progress.
func (s *solveSearch) spans(progOff, progScale float64) ([]int64, error) {
	span := make([]int64, s.n)
	for q := 0; q < s.n; q++ {
		coef := make([]float64, s.n)
		coef[q] = 1
		lr, err := s.run(objLinear, coef, nil, nil, progOff+progScale*float64(q)/float64(s.n), progScale/float64(s.n))
		if err != nil {
			return nil, err
		}
		if lr.best == nil {
			return nil, s.none()
		}
		span[q] = lr.best.k[q] - s.rk[q]
	}
	return span, nil
}

// solutionWelfare is Analyze's max welfare: argmax Σ_p u_p, ties to the
// larger least gain min_p (u_p − r_p). It is not a solution a mediator is
// asked for (ParseSolution does not know it).
const solutionWelfare Solution = "welfare"

// solveWith finds one solution; span (ideal − reservation, from spans) is
// needed for Kalai–Smorodinsky only.
func (s *solveSearch) solveWith(sol Solution, span []int64, progOff, progScale float64) (*Solved, error) {
	var r *solveRun
	var err error
	switch sol {
	case SolutionKalaiSmorodinsky:
		r, err = s.run(objKS, nil, span, nil, progOff, progScale)
	case SolutionEgalitarian:
		r, err = s.run(objEgal, nil, nil, nil, progOff, progScale)
	case solutionWelfare:
		r, err = s.run(objWelfare, nil, nil, nil, progOff, progScale)
	default:
		r, err = s.run(objNash, nil, nil, nil, progOff, progScale)
	}
	if err != nil {
		return nil, err
	}
	if r.best == nil {
		return nil, s.none()
	}
	if s.base != nil && slices.Equal(r.best.k[:s.n], s.base) {
		// The best weak improvement is the baseline's own utilities: a
		// strict one would have had as good a criterion and a larger sum.
		return nil, errNoImprovement
	}
	out := &Solved{Outcome: r.best.o, ParetoOptimal: true, Method: s.methodName(), Nodes: s.nodes}
	for q := 0; q < s.n; q++ {
		out.Utilities = append(out.Utilities, float64(r.best.k[q])/precisionScale)
	}
	return out, nil
}

// Solutions are every bargaining solution of one feasible set, as Analyze
// defines them, found without the frontier.
type Solutions struct {
	// Ideal is max u_p over the feasible outcomes.
	Ideal []float64
	// The solutions; each is Pareto-optimal among the feasible outcomes.
	Nash, KalaiSmorodinsky, Egalitarian, MaxWelfare *Solved
	// Method names the search that ran (as Solved.Method).
	Method string
	// Nodes counts the search nodes of all the searches.
	Nodes int
}

// SolveAll finds the ideal point and the Nash, Kalai–Smorodinsky,
// egalitarian and max-welfare outcomes of p (p.Solution is ignored) with
// the searches Solve uses: no frontier, memory O(issues × rows) whatever
// the space. The node budget holds for each solution (the ideal point
// counts with Kalai–Smorodinsky's). Errors are Solve's; ErrNoFeasible when
// nothing is feasible, with Solutions holding only Method and Nodes.
func SolveAll(ctx context.Context, p Problem, opts SolveOptions) (*Solutions, error) {
	s, err := newSolveSearch(ctx, &p, opts, methodAuto)
	if err != nil {
		return nil, err
	}
	out := &Solutions{Method: s.methodName()}
	// Progress: the ideal and K–S take half, the other three a sixth each.
	span, err := s.spans(0, 0.4)
	if errors.Is(err, ErrNoFeasible) {
		out.Nodes = s.nodes
		return out, err
	}
	if err != nil {
		return nil, err
	}
	for q := 0; q < s.n; q++ {
		out.Ideal = append(out.Ideal, float64(span[q]+s.rk[q])/precisionScale)
	}
	steps := []struct {
		sol Solution
		dst **Solved
	}{{SolutionKalaiSmorodinsky, &out.KalaiSmorodinsky}, {SolutionNash, &out.Nash}, {SolutionEgalitarian, &out.Egalitarian}, {solutionWelfare, &out.MaxWelfare}}
	for i, st := range steps {
		if i > 0 {
			out.Nodes += s.nodes
			s.nodes = 0
		}
		off, scale := 0.4+0.15*float64(i), 0.15
		if *st.dst, err = s.solveWith(st.sol, span, off, scale); err != nil {
			return nil, err
		}
	}
	out.Nodes += s.nodes
	if s.progress != nil {
		s.progress(s.size, s.size)
	}
	return out, nil
}

func (s *solveSearch) none() error {
	if s.base != nil {
		return errNoImprovement
	}
	return ErrNoFeasible
}

// assess checks text's feasibility, then looks for a feasible outcome at
// least as good for every party with a larger sum of utilities: one exists
// exactly when text is Pareto-dominated among the feasible outcomes.
func (s *solveSearch) assess(text Outcome) (bool, bool, error) {
	if err := s.dom.ValidOutcome(text); err != nil {
		return false, false, Errorf("text: %v", err)
	}
	tl, err := s.evalLeaf(text)
	if err != nil {
		return false, false, err
	}
	feasible := s.allowedOutcome(text) && s.feasible(tl)
	if s.base != nil && slices.Equal(tl.k[:s.n], s.base) {
		feasible = false // no strict improvement of the baseline
	}
	// Raise the thresholds to the text's utilities.
	saved := slices.Clone(s.tk)
	defer func() { s.tk = saved }()
	for q := 0; q < s.n; q++ {
		s.tk[q] = max(s.tk[q], tl.k[q])
	}
	coef := make([]float64, s.n)
	for q := range coef {
		coef[q] = 1
	}
	stop := func(l *solveLeaf) bool {
		return l.sum > tl.sum && (s.base == nil || !slices.Equal(l.k[:s.n], s.base))
	}
	r, err := s.run(objLinear, coef, nil, stop, 0, 1)
	if err != nil {
		return false, false, err
	}
	return feasible, r.best != nil && stop(r.best), nil
}

func (s *solveSearch) allowedOutcome(o Outcome) bool {
	for i, v := range o {
		if _, ok := slices.BinarySearch(s.vals[i], v); !ok {
			return false
		}
	}
	return true
}

// solveLeaf is an evaluated outcome: its keys per row and the sum of the
// parties' keys.
type solveLeaf struct {
	o   Outcome
	k   []int64
	sum int64
}

func (s *solveSearch) evalLeaf(o Outcome) (*solveLeaf, error) {
	l := &solveLeaf{k: make([]int64, s.nr)}
	return l, s.evalInto(l, o)
}

// evalInto evaluates o into l (l.o is set to o, not copied).
func (s *solveSearch) evalInto(l *solveLeaf, o Outcome) error {
	l.o, l.sum = o, 0
	for j, prof := range s.profs {
		u := prof.Utility(o)
		if math.IsNaN(u) || math.Abs(u) > maxSolveUtility {
			return Errorf("%s gives an outcome a utility that is not a number between −%g and %g", rowName(j, s.n), maxSolveUtility, maxSolveUtility)
		}
		l.k[j] = int64(key(u))
		if j < s.n {
			l.sum += l.k[j]
		}
	}
	return nil
}

// feasible reports whether every row clears its threshold.
func (s *solveSearch) feasible(l *solveLeaf) bool {
	for j, t := range s.tk {
		if l.k[j] < t {
			return false
		}
	}
	return true
}

type objKind int

const (
	objNash objKind = iota
	objKS
	objEgal
	objLinear  // Σ coef_p·u_p
	objWelfare // Σ_p u_p, ties to the larger least gain
)

// cmpObjective compares two feasible leaves by the objective alone, exactly
// on the key grid.
func (r *solveRun) cmpObjective(a, b *solveLeaf) int {
	s := r.s
	switch r.kind {
	case objNash:
		fa, fb := 1.0, 1.0
		for q := 0; q < s.n; q++ {
			fa *= float64(a.k[q] - s.rk[q])
			fb *= float64(b.k[q] - s.rk[q])
		}
		// Each float product is within a relative 10^-13 of the exact one.
		switch {
		case fa > fb*(1+1e-9):
			return 1
		case fb > fa*(1+1e-9):
			return -1
		}
		pa, pb, g := big.NewInt(1), big.NewInt(1), new(big.Int)
		for q := 0; q < s.n; q++ {
			pa.Mul(pa, g.SetInt64(a.k[q]-s.rk[q]))
			pb.Mul(pb, g.SetInt64(b.k[q]-s.rk[q]))
		}
		return pa.Cmp(pb)
	case objEgal:
		return cmp.Compare(r.leastGain(a), r.leastGain(b))
	case objWelfare:
		if a.sum != b.sum {
			return cmp.Compare(a.sum, b.sum)
		}
		return cmp.Compare(r.leastGain(a), r.leastGain(b))
	case objKS:
		an, ad := r.ksRatio(a)
		bn, bd := r.ksRatio(b)
		// an/ad vs bn/bd, all >= 0 and below 2^63: compare an·bd with bn·ad.
		h1, l1 := bits.Mul64(uint64(an), uint64(bd))
		h2, l2 := bits.Mul64(uint64(bn), uint64(ad))
		if h1 != h2 {
			return cmp.Compare(h1, h2)
		}
		return cmp.Compare(l1, l2)
	}
	var sa, sb int64
	for q := 0; q < s.n; q++ {
		if r.coef[q] != 0 {
			sa += a.k[q]
			sb += b.k[q]
		}
	}
	return cmp.Compare(sa, sb)
}

// better reports whether leaf a beats leaf b: by the objective, then the
// sum, then the utility vector in party order.
func (r *solveRun) better(a, b *solveLeaf) bool {
	if c := r.cmpObjective(a, b); c != 0 || r.valueOnly {
		return c > 0
	}
	if a.sum != b.sum {
		return a.sum > b.sum
	}
	for q := 0; q < r.s.n; q++ {
		if a.k[q] != b.k[q] {
			return a.k[q] > b.k[q]
		}
	}
	return false
}

func (r *solveRun) leastGain(l *solveLeaf) int64 {
	g := int64(math.MaxInt64)
	for q := 0; q < r.s.n; q++ {
		g = min(g, l.k[q]-r.s.rk[q])
	}
	return g
}

// ksRatio returns min_p gain_p/span_p as a fraction (1/1 when every span
// is 0).
func (r *solveRun) ksRatio(l *solveLeaf) (num, den int64) {
	num, den = 1, 1
	for q := 0; q < r.s.n; q++ {
		sp := r.span[q]
		if sp <= 0 {
			continue
		}
		g := l.k[q] - r.s.rk[q]
		// g/sp < num/den ?
		h1, l1 := bits.Mul64(uint64(g), uint64(den))
		h2, l2 := bits.Mul64(uint64(num), uint64(sp))
		if h1 < h2 || (h1 == h2 && l1 < l2) {
			num, den = g, sp
		}
	}
	return num, den
}

// objFloat is the objective of a feasible leaf as a float, on the scale of
// the bounds (log of the product for Nash).
func (r *solveRun) objFloat(l *solveLeaf) float64 {
	s := r.s
	switch r.kind {
	case objNash:
		v := 0.0
		for q := 0; q < s.n; q++ {
			v += math.Log(float64(l.k[q]-s.rk[q]) / precisionScale)
		}
		return v
	case objEgal:
		return float64(r.leastGain(l)) / precisionScale
	case objKS:
		num, den := r.ksRatio(l)
		return float64(num) / float64(den)
	}
	v := 0.0
	for q := 0; q < s.n; q++ {
		v += r.coef[q] * float64(l.k[q]-s.rk[q]) / precisionScale
	}
	return v
}

// Improve answers "is there an improvement of this text", for the parties
// alone (no reservations, constraints or allowed options): it returns the
// chosen solution over the outcomes every party likes at least as much as
// text and one strictly more, with text as every party's disagreement
// point (the gains are u_p − u_p(text)) — Raiffa's post-settlement
// settlement. When text is Pareto-optimal it returns an error matching
// ErrNoFeasible. Other errors are Solve's.
func Improve(ctx context.Context, parties []Profile, text Outcome, sol Solution, opts SolveOptions) (*Solved, error) {
	sol, err := ParseSolution(string(sol))
	if err != nil {
		return nil, err
	}
	s, err := newSolveSearch(ctx, &Problem{Parties: parties, Baseline: text}, opts, methodAuto)
	if err != nil {
		return nil, err
	}
	copy(s.rk, s.base)
	copy(s.tk, s.base)
	return s.solve(sol)
}
