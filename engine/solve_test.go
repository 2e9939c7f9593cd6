package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// solveCase is a random problem with the settings that made it.
type solveCase struct {
	p       Problem
	integer bool
}

// randomSolveCase draws a small problem: 2–6 parties, 0–2 constraints,
// random Allowed masks and baselines, integer-valued or real-valued
// linear additive utilities.
func randomSolveCase(rng *rand.Rand, maxOutcomes int) solveCase {
	var sizes []int
	total := 1
	for len(sizes) < 1 || (len(sizes) < 8 && rng.IntN(4) > 0) {
		v := 1 + rng.IntN(5)
		if total*v > maxOutcomes {
			break
		}
		sizes = append(sizes, v)
		total *= v
	}
	d := randomDomain(sizes...)
	integer := rng.IntN(2) == 0
	prof := func(name string) *LinearAdditive {
		p := &LinearAdditive{ProfileName: name, Dom: d}
		max := 0.0
		for i := range d.Issues {
			ev := Evaluator{Kind: EvalTable}
			w := 1.0
			if !integer {
				w = rng.Float64()
			}
			top := 0.0
			for v := 0; v < d.Issues[i].NumValues(); v++ {
				x := float64(rng.IntN(4))
				if !integer {
					x = rng.Float64()
				}
				ev.Evaluations = append(ev.Evaluations, x)
				top = findMax(top, x)
			}
			max += w * top
			p.Weights = append(p.Weights, w)
			p.Evaluators = append(p.Evaluators, ev)
		}
		p.ReservationValue = rng.Float64() * 0.7 * max
		if integer {
			p.ReservationValue = float64(int(p.ReservationValue))
		}
		if rng.IntN(8) == 0 {
			p.ReservationValue = 0
		}
		if err := p.Compile(); err != nil {
			panic(err)
		}
		return p
	}
	var c solveCase
	c.integer = integer
	for q := 0; q < 2+rng.IntN(5); q++ {
		c.p.Parties = append(c.p.Parties, prof(fmt.Sprint("p", q)))
	}
	for q := 0; q < rng.IntN(3); q++ {
		c.p.Constraints = append(c.p.Constraints, prof(fmt.Sprint("c", q)))
	}
	if rng.IntN(3) == 0 {
		c.p.Allowed = make([][]bool, len(sizes))
		for i, n := range sizes {
			if rng.IntN(2) == 0 {
				continue
			}
			c.p.Allowed[i] = make([]bool, n)
			for v := range n {
				c.p.Allowed[i][v] = rng.IntN(10) < 7
			}
		}
	}
	if rng.IntN(3) == 0 {
		c.p.Baseline = make(Outcome, len(sizes))
		for i, n := range sizes {
			c.p.Baseline[i] = rng.IntN(n)
		}
	}
	c.p.Solution = []Solution{SolutionNash, SolutionKalaiSmorodinsky, SolutionEgalitarian, ""}[rng.IntN(4)]
	return c
}

func findMax(a, b float64) float64 {
	if b > a {
		return b
	}
	return a
}

// bruteSolve is the reference: every outcome evaluated, the definitions
// applied with exact rationals on the key grid.
type solveRef struct {
	feasible [][]int64 // key vectors of the feasible outcomes (parties)
	best     []int64   // the chosen vector; nil when none is feasible
	bestObj  *big.Rat
	ideal    []int64
}

func bruteKeys(p *Problem, o Outcome) (party, cons []int64) {
	for _, q := range p.Parties {
		party = append(party, int64(key(q.Utility(o))))
	}
	for _, q := range p.Constraints {
		cons = append(cons, int64(key(q.Utility(o))))
	}
	return party, cons
}

// bruteFeasible applies the definition to one outcome.
func bruteFeasible(p *Problem, o Outcome) bool {
	for i, v := range o {
		if p.Allowed != nil && p.Allowed[i] != nil && !p.Allowed[i][v] {
			return false
		}
	}
	party, cons := bruteKeys(p, o)
	for q, k := range party {
		if k < int64(key(p.Parties[q].Reservation())) {
			return false
		}
	}
	for c, k := range cons {
		if k < int64(key(p.Constraints[c].Reservation())) {
			return false
		}
	}
	if p.Baseline != nil {
		bk, _ := bruteKeys(p, p.Baseline)
		strict := false
		for q := range party {
			if party[q] < bk[q] {
				return false
			}
			strict = strict || party[q] > bk[q]
		}
		return strict
	}
	return true
}

func bruteSolve(p *Problem) solveRef {
	d := p.Parties[0].Domain()
	var res solveRef
	o := make(Outcome, len(d.Issues))
	for {
		if bruteFeasible(p, o) {
			k, _ := bruteKeys(p, o)
			res.feasible = append(res.feasible, k)
		}
		if !next(d, o) {
			break
		}
	}
	if len(res.feasible) == 0 {
		return res
	}
	n := len(p.Parties)
	r := make([]int64, n)
	for q := range r {
		r[q] = int64(key(p.Parties[q].Reservation()))
	}
	res.ideal = slices.Clone(res.feasible[0])
	for _, k := range res.feasible {
		for q := range k {
			res.ideal[q] = max(res.ideal[q], k[q])
		}
	}
	obj := func(k []int64) *big.Rat {
		switch p.Solution {
		case SolutionKalaiSmorodinsky:
			m := big.NewRat(1, 1)
			for q := range k {
				if sp := res.ideal[q] - r[q]; sp > 0 {
					if x := big.NewRat(k[q]-r[q], sp); x.Cmp(m) < 0 {
						m = x
					}
				}
			}
			return m
		case SolutionEgalitarian:
			m := k[0] - r[0]
			for q := range k {
				m = min(m, k[q]-r[q])
			}
			return new(big.Rat).SetInt64(m)
		case solutionWelfare:
			var sum int64
			for q := range k {
				sum += k[q]
			}
			return new(big.Rat).SetInt64(sum)
		}
		prod := big.NewInt(1)
		for q := range k {
			prod.Mul(prod, big.NewInt(k[q]-r[q]))
		}
		return new(big.Rat).SetInt(prod)
	}
	sum := func(k []int64) (s int64) {
		for _, x := range k {
			s += x
		}
		return s
	}
	// A float estimate skips the exact objective of clearly worse vectors.
	est := func(k []int64) float64 {
		f := 1.0
		if p.Solution == SolutionKalaiSmorodinsky || p.Solution == SolutionEgalitarian {
			f = math.Inf(1)
		}
		if p.Solution == solutionWelfare {
			f = 0
		}
		for q := range k {
			g := float64(k[q] - r[q])
			switch p.Solution {
			case SolutionKalaiSmorodinsky:
				if sp := res.ideal[q] - r[q]; sp > 0 {
					f = min(f, g/float64(sp))
				}
			case SolutionEgalitarian:
				f = min(f, g)
			case solutionWelfare:
				f += float64(k[q])
			default:
				f *= g
			}
		}
		if math.IsInf(f, 1) {
			f = 1
		}
		return f
	}
	bestEst := math.Inf(-1)
	for _, k := range res.feasible {
		if e := est(k); e < bestEst-1e-9*math.Abs(bestEst) {
			continue
		} else {
			bestEst = max(bestEst, e)
		}
		ob := obj(k)
		if res.best == nil {
			res.best, res.bestObj = k, ob
			continue
		}
		c := ob.Cmp(res.bestObj)
		if c == 0 && p.Solution == solutionWelfare {
			// Max welfare's ties go to the larger least gain.
			c = cmp.Compare(slices.Min(gains(k, r)), slices.Min(gains(res.best, r)))
		}
		if c == 0 {
			if s, bs := sum(k), sum(res.best); s != bs {
				c = int(s - bs)
			} else {
				c = slices.Compare(k, res.best)
			}
		}
		if c > 0 {
			res.best, res.bestObj = k, ob
		}
	}
	return res
}

// gains returns k − r.
func gains(k, r []int64) []int64 {
	g := make([]int64, len(k))
	for q := range k {
		g[q] = k[q] - r[q]
	}
	return g
}

// checkSolved compares one Solve answer with the reference.
func checkSolved(t *testing.T, name string, p *Problem, ref solveRef, got *Solved, err error) {
	t.Helper()
	if ref.best == nil {
		if !errors.Is(err, ErrNoFeasible) {
			t.Fatalf("%s: no outcome is feasible, yet Solve returned %v, %v", name, got, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: Solve: %v (reference finds %v)", name, err, ref.best)
	}
	if !bruteFeasible(p, got.Outcome) {
		t.Fatalf("%s: outcome %v is not feasible", name, got.Outcome)
	}
	k, _ := bruteKeys(p, got.Outcome)
	if !slices.Equal(k, ref.best) {
		t.Fatalf("%s: outcome %v has keys %v; the reference's solution has %v (objective %v)", name, got.Outcome, k, ref.best, ref.bestObj)
	}
	for q, u := range got.Utilities {
		if int64(key(u)) != k[q] {
			t.Fatalf("%s: reported utility %v of party %d; the outcome's is %v", name, u, q, float64(k[q])/precisionScale)
		}
	}
	if !got.ParetoOptimal {
		t.Fatalf("%s: not marked Pareto-optimal", name)
	}
	for _, f := range ref.feasible {
		if dominates(f, k) {
			t.Fatalf("%s: feasible %v dominates the answer %v", name, f, k)
		}
	}
}

func dominates(a, b []int64) bool {
	strict := false
	for q := range a {
		if a[q] < b[q] {
			return false
		}
		strict = strict || a[q] > b[q]
	}
	return strict
}

var solveMethods = []struct {
	name   string
	m      solveMethod
	noSeed bool
}{{"linear", methodLinear, false}, {"box", methodBox, false}, {"enumeration", methodEnumerate, false}, {"linear unseeded", methodLinear, true}}

// TestSolveBruteForce checks every search against the definitions on 1,000
// random small problems (2–6 parties, 0–2 constraints, Allowed masks,
// baselines, integer and real utilities, each solution).
func TestSolveBruteForce(t *testing.T) {
	count := bruteCases()
	rng := rand.New(rand.NewPCG(13, 4))
	var none, improvements int
	for i := range count {
		c := randomSolveCase(rng, 400)
		ref := bruteSolve(&c.p)
		if ref.best == nil {
			none++
		} else if c.p.Baseline != nil {
			improvements++
		}
		checkSolveMethods(t, fmt.Sprintf("case %d (integer %v", i, c.integer), &c.p, ref)
		w := c.p
		w.Solution = solutionWelfare
		checkSolveMethods(t, fmt.Sprintf("case %d (integer %v", i, c.integer), &w, bruteSolve(&w))
		if got, err := Solve(t.Context(), c.p, SolveOptions{}); ref.best != nil && err != nil {
			t.Fatalf("case %d: Solve: %v", i, err)
		} else if err == nil && got.Method != "branch and bound" {
			t.Fatalf("case %d: Solve on linear profiles ran %q", i, got.Method)
		}
	}
	// The cases must exercise both answers.
	if none < count/20 || none > count*3/4 || improvements < count/20 {
		t.Fatalf("%d of %d cases have no feasible outcome and %d have an improvement; the generator needs retuning", none, count, improvements)
	}
}

// TestSolveBruteForceLarger checks the branch and bound on fewer, larger
// problems (up to 10^5 outcomes, 3–6 parties).
func TestSolveBruteForceLarger(t *testing.T) {
	count := 40
	if testing.Short() {
		count = 6
	}
	rng := rand.New(rand.NewPCG(13, 5))
	for i := 0; i < count; {
		c := randomSolveCase(rng, 100_000)
		if len(c.p.Parties) < 3 || c.p.Parties[0].Domain().SizeFloat() < 10_000 {
			continue
		}
		i++
		ref := bruteSolve(&c.p)
		s, err := newSolveSearch(t.Context(), &c.p, SolveOptions{}, methodLinear)
		if err != nil {
			t.Fatal(err)
		}
		sol, _ := ParseSolution(string(c.p.Solution))
		got, err := s.solve(sol)
		checkSolved(t, fmt.Sprintf("case %d (%s, %d parties, %g outcomes)", i, c.p.Solution, len(c.p.Parties), c.p.Parties[0].Domain().SizeFloat()), &c.p, ref, got, err)
	}
}

// TestSolveBruteForceMillion checks the branch and bound against the
// definitions at 10^6 outcomes, 3–6 parties, each solution, with and
// without a baseline (skipped with -short).
func TestSolveBruteForceMillion(t *testing.T) {
	if testing.Short() {
		t.Skip("enumerates 10^6 outcomes per case")
	}
	rng := rand.New(rand.NewPCG(13, 8))
	for i, sol := range []Solution{SolutionNash, SolutionKalaiSmorodinsky, SolutionEgalitarian, SolutionNash} {
		parties := 3 + i
		if i == 3 {
			parties = 3 // six random parties leave a random baseline no improvement
		}
		c := mediatorProblem(t, 6, 10, parties, i%3, 0.2, 0.45)
		c.Solution = sol
		if i == 3 {
			c.Baseline = Outcome{rng.IntN(10), rng.IntN(10), rng.IntN(10), rng.IntN(10), rng.IntN(10), rng.IntN(10)}
		}
		ref := bruteSolve(&c)
		s, err := newSolveSearch(t.Context(), &c, SolveOptions{}, methodLinear)
		if err != nil {
			t.Fatal(err)
		}
		s.noSeed = i%2 == 1
		got, err := s.solve(sol)
		checkSolved(t, fmt.Sprintf("case %d (%s, %d parties, %d constraints)", i, sol, len(c.Parties), len(c.Constraints)), &c, ref, got, err)
		if ref.best == nil {
			t.Errorf("case %d: nothing is feasible; the case tests nothing", i)
		}
	}
}

// TestAssessBruteForce checks Assess against the definitions: a text is
// feasible by the definition, and dominated exactly when a feasible
// outcome is at least as good for every party and better for one.
func TestAssessBruteForce(t *testing.T) {
	count := bruteCases()
	rng := rand.New(rand.NewPCG(13, 6))
	var feasibleSeen, dominatedSeen, undominatedSeen int
	for i := range count {
		c := randomSolveCase(rng, 400)
		d := c.p.Parties[0].Domain()
		text := randomOutcome(rng, d)
		if rng.IntN(2) == 0 {
			// A solution is never dominated: test those texts too.
			if got, err := Solve(t.Context(), c.p, SolveOptions{}); err == nil {
				text = got.Outcome
			}
		}
		wantFeasible := bruteFeasible(&c.p, text)
		tk, _ := bruteKeys(&c.p, text)
		wantDominated := false
		o := make(Outcome, len(d.Issues))
		for {
			if bruteFeasible(&c.p, o) {
				k, _ := bruteKeys(&c.p, o)
				if dominates(k, tk) {
					wantDominated = true
					break
				}
			}
			if !next(d, o) {
				break
			}
		}
		for _, m := range solveMethods {
			s, err := newSolveSearch(t.Context(), &c.p, SolveOptions{}, m.m)
			if err != nil {
				t.Fatal(err)
			}
			s.noSeed = m.noSeed
			f, dom, err := s.assess(text)
			if err != nil {
				t.Fatalf("case %d (%s): %v", i, m.name, err)
			}
			if f != wantFeasible || dom != wantDominated {
				t.Fatalf("case %d (%s): text %v: Assess says feasible %v dominated %v; want %v %v", i, m.name, text, f, dom, wantFeasible, wantDominated)
			}
		}
		if wantFeasible {
			feasibleSeen++
		}
		if wantDominated {
			dominatedSeen++
		} else {
			undominatedSeen++
		}
	}
	if feasibleSeen < count/20 || dominatedSeen < count/20 || undominatedSeen < count/20 {
		t.Fatalf("cases: %d feasible, %d dominated, %d undominated texts; the generator needs retuning", feasibleSeen, dominatedSeen, undominatedSeen)
	}
}

// TestSolveMatchesAnalyze checks Solve against Analyze's solution points on
// outcome spaces too large to enumerate (10^10 and 10^12), with
// reservations that bind: the server's mediator and `parley analyze` must
// name the same texts.
func TestSolveMatchesAnalyze(t *testing.T) {
	cases := []struct {
		issues, parties int
		rv              float64
	}{{12, 2, 0.3}, {10, 3, 0.25}, {8, 4, 0.2}}
	if testing.Short() {
		cases = cases[:1]
	}
	for _, c := range cases {
		ps := opposedProfiles(t, c.issues, 10, c.parties, c.rv)
		a, err := Analyze(ps, AnalyzeOptions{SkipCount: true})
		if err != nil {
			t.Fatal(err)
		}
		want := map[Solution]*Point{SolutionNash: a.Nash, SolutionKalaiSmorodinsky: a.KalaiSmorodinsky, SolutionEgalitarian: a.Egalitarian}
		for sol, pt := range want {
			got, err := Solve(t.Context(), Problem{Parties: ps, Solution: sol}, SolveOptions{})
			if err != nil {
				t.Fatalf("%d parties 1e%d %s: %v", c.parties, c.issues, sol, err)
			}
			if !slices.Equal(got.Utilities, pt.Utilities) {
				t.Errorf("%d parties 1e%d %s: Solve finds %v (%v), Analyze %v (%v)", c.parties, c.issues, sol, got.Utilities, got.Outcome, pt.Utilities, pt.Outcome)
			}
		}
	}
}

// randomHyper draws a nonlinear profile: a capped sum of random
// rectangles over one or two issues of an integer domain.
func randomHyper(tb testing.TB, rng *rand.Rand, d *Domain, name string) *Hyperrectangle {
	tb.Helper()
	p := &Hyperrectangle{ProfileName: name, Dom: d, MaxUtility: 10, Fun: Ufun{Aggregation: AggSum, Weight: 1}}
	for range 2 + rng.IntN(5) {
		r := Rectangle{Utility: float64(1 + rng.IntN(5)), Weight: 1}
		for _, i := range rng.Perm(len(d.Issues))[:1+rng.IntN(min(2, len(d.Issues)))] {
			n := d.Issues[i].NumValues()
			lo := rng.IntN(n)
			r.Bounds = append(r.Bounds, Bound{Issue: i, Min: lo, Max: lo + rng.IntN(n-lo)})
		}
		p.Fun.Rectangles = append(p.Fun.Rectangles, r)
	}
	p.ReservationValue = float64(rng.IntN(4)) / 10
	if err := p.Compile(); err != nil {
		tb.Fatal(err)
	}
	return p
}

// TestSolveNonlinearBruteForce checks the box branch and bound and the
// enumeration on nonlinear profiles (which bound their utility over boxes
// of outcomes) against the definitions.
func TestSolveNonlinearBruteForce(t *testing.T) {
	count := 300
	if testing.Short() {
		count = 60
	}
	rng := rand.New(rand.NewPCG(13, 7))
	for i := range count {
		d := &Domain{Name: "ints"}
		for j := range 2 + rng.IntN(3) {
			d.Issues = append(d.Issues, Issue{Name: fmt.Sprint("i", j), Kind: Integer, Upper: float64(1 + rng.IntN(4))})
		}
		var p Problem
		for q := range 2 + rng.IntN(3) {
			p.Parties = append(p.Parties, randomHyper(t, rng, d, fmt.Sprint("p", q)))
		}
		if rng.IntN(2) == 0 {
			p.Constraints = append(p.Constraints, randomHyper(t, rng, d, "c"))
		}
		if rng.IntN(3) == 0 {
			p.Baseline = make(Outcome, len(d.Issues))
		}
		p.Solution = []Solution{SolutionNash, SolutionKalaiSmorodinsky, SolutionEgalitarian}[rng.IntN(3)]
		ref := bruteSolve(&p)
		for _, m := range solveMethods[1:3] {
			s, err := newSolveSearch(t.Context(), &p, SolveOptions{}, m.m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.solve(p.Solution)
			checkSolved(t, fmt.Sprintf("case %d (%s, %s)", i, p.Solution, m.name), &p, ref, got, err)
		}
	}
}

// opaqueProfile hides every optional capability of a profile.
type opaqueProfile struct{ Profile }

func TestSolveMethodChoice(t *testing.T) {
	small := opposedProfiles(t, 4, 10, 2, 0)
	got, err := Solve(t.Context(), Problem{Parties: []Profile{opaqueProfile{small[0]}, small[1]}}, SolveOptions{})
	if err != nil || got.Method != "enumeration" {
		t.Fatalf("an opaque profile on 10^4 outcomes: %v, %v; want enumeration", got, err)
	}
	large := opposedProfiles(t, 12, 10, 2, 0)
	_, err = Solve(t.Context(), Problem{Parties: []Profile{opaqueProfile{large[0]}, large[1]}}, SolveOptions{})
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Message, "evaluating every outcome") {
		t.Fatalf("an opaque profile on 10^12 outcomes: %v; want an *Error saying it would need every outcome evaluated", err)
	}
	mid := opposedProfiles(t, 7, 10, 2, 0)
	got, err = Solve(t.Context(), Problem{Parties: []Profile{boxOnly{mid[0].(*LinearAdditive)}, mid[1]}}, SolveOptions{})
	if err != nil || got.Method != "box branch and bound" {
		t.Fatalf("a Bounder on 10^7 outcomes: %v, %v; want box branch and bound", got, err)
	}
}

// boxOnly is a linear profile seen only as a Bounder.
type boxOnly struct{ *LinearAdditive }

// countingContext is cancelled after its Err has been asked n times, so a
// test can cancel in the middle of a search without a clock.
type countingContext struct {
	context.Context
	n int
}

func (c *countingContext) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}

func TestSolveCancel(t *testing.T) {
	p := mediatorProblem(t, 20, 10, 6, 2, 0.2, 0.5)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Solve(ctx, p, SolveOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before: %v; want context.Canceled", err)
	}
	if _, _, err := Assess(ctx, p, make(Outcome, 20), SolveOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Assess cancelled before: %v; want context.Canceled", err)
	}
	// Cancelled in the middle: the searches must keep asking.
	for _, n := range []int{1, 2} {
		for _, sol := range []Solution{SolutionNash, SolutionKalaiSmorodinsky, SolutionEgalitarian} {
			p.Solution = sol
			_, err := Solve(&countingContext{t.Context(), n}, p, SolveOptions{MaxNodes: 1 << 40})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("%s cancelled after %d checks: %v; want context.Canceled", sol, n, err)
			}
		}
	}
}

func TestSolveBudget(t *testing.T) {
	p := mediatorProblem(t, 20, 10, 5, 2, 0.2, 0.5)
	p.Solution = SolutionEgalitarian
	_, err := Solve(t.Context(), p, SolveOptions{MaxNodes: 100})
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(e.Message, "budget of 100 nodes") {
		t.Fatalf("a budget of 100 nodes: %v; want an *Error naming the budget", err)
	}
}

func TestSolveInvalid(t *testing.T) {
	ps := opposedProfiles(t, 3, 4, 2, 0)
	other := opposedProfiles(t, 4, 4, 2, 0)
	tests := []struct {
		name string
		p    Problem
		text Outcome
		want string
	}{
		{"no parties", Problem{}, nil, "no parties"},
		{"other domain", Problem{Parties: []Profile{ps[0], other[1]}}, nil, "another domain"},
		{"constraint domain", Problem{Parties: ps, Constraints: []Profile{other[0]}}, nil, "constraint 1 is for another domain"},
		{"allowed issues", Problem{Parties: ps, Allowed: [][]bool{nil}}, nil, "allowed has 1 issues"},
		{"allowed values", Problem{Parties: ps, Allowed: [][]bool{{true}, nil, nil}}, nil, "has 1 values; the issue has 4"},
		{"baseline", Problem{Parties: ps, Baseline: Outcome{0, 9, 0}}, nil, "baseline: outcome value 9"},
		{"solution", Problem{Parties: ps, Solution: "utilitarian"}, nil, "unknown solution"},
		{"text", Problem{Parties: ps}, Outcome{0, 0}, "text: outcome has 2 values"},
	}
	for _, tc := range tests {
		var err error
		if tc.text != nil {
			_, _, err = Assess(t.Context(), tc.p, tc.text, SolveOptions{})
		} else {
			_, err = Solve(t.Context(), tc.p, SolveOptions{})
		}
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(e.Message, tc.want) {
			t.Errorf("%s: %v; want an *Error containing %q", tc.name, err, tc.want)
		}
	}
}

// TestSolveErrorsQuoteNoNumbers: a profile's numbers never reach the
// mediator through an error.
func TestSolveErrorsQuoteNoNumbers(t *testing.T) {
	ps := opposedProfiles(t, 3, 4, 2, 0)
	odd := ps[1].(*LinearAdditive).clone()
	odd.ReservationValue = 4321987
	if err := odd.Compile(); err != nil {
		t.Fatal(err)
	}
	huge := ps[1].(*LinearAdditive).clone()
	huge.Weights[0] = 7654321
	if err := huge.Compile(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []Problem{{Parties: []Profile{ps[0], odd}}, {Parties: []Profile{ps[0], huge}}, {Parties: ps, Constraints: []Profile{huge}}} {
		_, err := Solve(t.Context(), p, SolveOptions{})
		if err == nil || strings.Contains(err.Error(), "4321987") || strings.Contains(err.Error(), "4.321987e+06") || strings.Contains(err.Error(), "765") {
			t.Errorf("error %v: want an error that quotes no number of the profile", err)
		}
	}
}

// TestSolveNoFeasibleMessage checks that the mediator learns only that no
// text exists, not whose limits collide.
func TestSolveNoFeasibleMessage(t *testing.T) {
	ps := opposedProfiles(t, 3, 4, 2, 0.9)
	_, err := Solve(t.Context(), Problem{Parties: ps}, SolveOptions{})
	if !errors.Is(err, ErrNoFeasible) {
		t.Fatalf("reservations 0.9 for opposed parties: %v; want ErrNoFeasible", err)
	}
	for _, p := range ps {
		if strings.Contains(err.Error(), p.Name()) {
			t.Fatalf("the message %q names a party", err)
		}
	}
}

// TestSolveProgress checks that progress only grows and ends at the whole
// outcome space.
func TestSolveProgress(t *testing.T) {
	p := mediatorProblem(t, 20, 10, 4, 0, 0, 0)
	p.Solution = SolutionKalaiSmorodinsky
	var calls []float64
	_, err := Solve(t.Context(), p, SolveOptions{Progress: func(done, total float64) {
		if total != 1e20 {
			t.Errorf("progress total %v; the space has 1e20 outcomes", total)
		}
		calls = append(calls, done)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) < 2 || calls[len(calls)-1] != 1e20 || !slices.IsSorted(calls) {
		t.Fatalf("progress calls %v; want several, non-decreasing, ending at 1e20", calls)
	}
}

// FuzzSolve checks Solve and Assess against the definitions on problems
// drawn from the fuzzer's seed.
func FuzzSolve(f *testing.F) {
	for _, seed := range []uint64{1, 2, 3, 13} {
		f.Add(seed, uint64(0))
	}
	f.Fuzz(func(t *testing.T, seed, text uint64) {
		rng := rand.New(rand.NewPCG(seed, 99))
		c := randomSolveCase(rng, 300)
		ref := bruteSolve(&c.p)
		got, err := Solve(t.Context(), c.p, SolveOptions{})
		checkSolved(t, fmt.Sprintf("seed %d", seed), &c.p, ref, got, err)
		d := c.p.Parties[0].Domain()
		o := make(Outcome, len(d.Issues))
		for i := range o {
			o[i] = int(text % uint64(d.Issues[i].NumValues()))
			text /= uint64(d.Issues[i].NumValues())
		}
		feasible, dominated, err := Assess(t.Context(), c.p, o, SolveOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if feasible != bruteFeasible(&c.p, o) {
			t.Fatalf("seed %d: Assess(%v) feasible %v", seed, o, feasible)
		}
		k, _ := bruteKeys(&c.p, o)
		want := false
		for _, fk := range ref.feasible {
			want = want || dominates(fk, k)
		}
		if dominated != want {
			t.Fatalf("seed %d: Assess(%v) dominated %v, want %v", seed, o, dominated, want)
		}
	})
}

// TestSolveWideIntegerIssue: an integer issue with 20,001 values (a price)
// next to a discrete one, checked against the definitions.
func TestSolveWideIntegerIssue(t *testing.T) {
	d := &Domain{Name: "price", Issues: []Issue{
		{Name: "price", Kind: Integer, Lower: 0, Upper: 20000},
		{Name: "terms", Kind: Discrete, Values: []string{"a", "b", "c", "d", "e"}},
	}}
	mk := func(name string, slope, offset, w0 float64, terms []float64, rv float64) *LinearAdditive {
		p := &LinearAdditive{ProfileName: name, Dom: d, Weights: []float64{w0, 1 - w0}, ReservationValue: rv, Evaluators: []Evaluator{
			{Kind: EvalLinear, Slope: slope, Offset: offset},
			{Kind: EvalDiscrete, Evaluations: terms},
		}}
		if err := p.Compile(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	buyer := mk("buyer", -1.0/20000, 1, 0.7, []float64{1, 3, 5, 2, 4}, 0.2)
	seller := mk("seller", 1.0/20000, 0, 0.6, []float64{5, 1, 2, 4, 3}, 0.25)
	bank := mk("bank", 1.0/40000, 0.1, 0.5, []float64{1, 2, 3, 4, 5}, 0.45)
	for _, sol := range []Solution{SolutionNash, SolutionKalaiSmorodinsky, SolutionEgalitarian} {
		p := Problem{Parties: []Profile{buyer, seller}, Constraints: []Profile{bank}, Solution: sol}
		ref := bruteSolve(&p)
		got, err := Solve(t.Context(), p, SolveOptions{})
		checkSolved(t, string(sol), &p, ref, got, err)
	}
}

// TestSolveBruteForceCapped: GENIUS's linear profiles are capped at 1
// (LinearAdditive.Cap). Every search bounds with the sums (which are at
// least the capped utilities) and evaluates outcomes by Utility, so the
// answers must still be the definitions' on profiles the cap binds on:
// 300 random problems with each profile scaled to reach 1.3 and capped.
func TestSolveBruteForceCapped(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 4))
	bound := 0
	for i := range 300 {
		c := randomSolveCase(rng, 400)
		for _, p := range append(slices.Clone(c.p.Parties), c.p.Constraints...) {
			l := p.(*LinearAdditive)
			top := 0.0
			for k := range l.Dom.Issues {
				m := 0.0
				for v := 0; v < l.Dom.Issues[k].NumValues(); v++ {
					m = max(m, l.Contribution(k, v))
				}
				top += m
			}
			if top == 0 {
				continue
			}
			for k := range l.Weights {
				l.Weights[k] *= 1.3 / top
			}
			l.ReservationValue *= 1.3 / top
			l.Cap = true
			if err := l.Compile(); err != nil {
				t.Fatal(err)
			}
			if l.CapBinds() {
				bound++
			}
		}
		checkSolveMethods(t, fmt.Sprintf("capped case %d (capped", i), &c.p, bruteSolve(&c.p))
	}
	if bound < 300 {
		t.Fatalf("the cap binds on only %d profiles", bound)
	}
}

// checkSolveMethods runs every search on p and checks it against ref;
// what opens the case's name in messages, which this closes.
func checkSolveMethods(t *testing.T, what string, p *Problem, ref solveRef) {
	t.Helper()
	for _, m := range solveMethods {
		name := fmt.Sprintf("%s, %s, %d parties, %d constraints, baseline %v, %s)", what, p.Solution, len(p.Parties), len(p.Constraints), p.Baseline, m.name)
		s, err := newSolveSearch(t.Context(), p, SolveOptions{}, m.m)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		s.noSeed = m.noSeed
		sol := p.Solution
		if sol != solutionWelfare {
			sol, _ = ParseSolution(string(p.Solution))
		}
		got, err := s.solve(sol)
		checkSolved(t, name, p, ref, got, err)
	}
}

// TestAnalyzeWithoutFrontierMatchesFrontier checks the analysis without
// the frontier (SolveAll) against the frontier's own solution points on
// 1,000 random problems (2–6 parties, integer and real utilities,
// reservations that often leave nothing acceptable), then on larger
// spaces (10^7 outcomes, 3–4 parties) where the frontier is still in reach.
func TestAnalyzeWithoutFrontierMatchesFrontier(t *testing.T) {
	count := bruteCases()
	rng := rand.New(rand.NewPCG(13, 21))
	var none int
	for i := range count {
		c := randomSolveCase(rng, 2000)
		if compareAnalyses(t, fmt.Sprintf("case %d (integer %v, %d parties)", i, c.integer, len(c.p.Parties)), c.p.Parties) {
			none++
		}
	}
	if none < count/100 || none > count*3/4 {
		t.Fatalf("%d of %d cases have no acceptable outcome; the generator needs retuning", none, count)
	}
	for _, c := range []struct{ issues, parties int }{{7, 3}, {7, 4}} {
		compareAnalyses(t, fmt.Sprintf("%d parties 1e%d", c.parties, c.issues), opposedProfiles(t, c.issues, 10, c.parties, 0.25))
	}
}

// compareAnalyses compares Analyze with and without the frontier on ps;
// it reports whether nothing was acceptable.
func compareAnalyses(t *testing.T, what string, ps []Profile) bool {
	t.Helper()
	want, err := Analyze(ps, AnalyzeOptions{})
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	// The same budget as the frontier's count (by default the count
	// without the frontier stops far sooner).
	got, err := Analyze(ps, AnalyzeOptions{NoFrontier: true, MaxNodes: DefaultMaxNodes})
	if err != nil {
		t.Fatalf("%s: without the frontier: %v", what, err)
	}
	if !got.NoFrontier || got.Pareto != nil {
		t.Fatalf("%s: NoFrontier %v with %d frontier points", what, got.NoFrontier, len(got.Pareto))
	}
	if _, _, err := got.Improvements(make(Outcome, len(got.Domain.Issues))); err == nil {
		t.Fatalf("%s: an analysis without the frontier lists improvements", what)
	}
	if want.Acceptable.Cmp(got.Acceptable) != 0 {
		t.Fatalf("%s: acceptable %v, with the frontier %v", what, got.Acceptable, want.Acceptable)
	}
	if !slices.Equal(got.Ideal, want.Ideal) {
		t.Fatalf("%s: ideal %v, with the frontier %v", what, got.Ideal, want.Ideal)
	}
	for _, sol := range []struct {
		name      string
		got, want *Point
		gv, wv    float64
	}{
		{"Nash", got.Nash, want.Nash, got.NashProduct, want.NashProduct},
		{"Kalai–Smorodinsky", got.KalaiSmorodinsky, want.KalaiSmorodinsky, got.KSRatio, want.KSRatio},
		{"egalitarian", got.Egalitarian, want.Egalitarian, got.EgalitarianGain, want.EgalitarianGain},
		{"max welfare", got.MaxWelfare, want.MaxWelfare, got.Welfare, want.Welfare},
	} {
		if (sol.got == nil) != (sol.want == nil) {
			t.Fatalf("%s: %s %v, with the frontier %v", what, sol.name, sol.got, sol.want)
		}
		if sol.got == nil {
			continue
		}
		if !slices.Equal(sol.got.Utilities, sol.want.Utilities) || !sol.got.Acceptable {
			t.Fatalf("%s: %s %v (%v), with the frontier %v (%v)", what, sol.name, sol.got.Utilities, sol.got.Outcome, sol.want.Utilities, sol.want.Outcome)
		}
		if u := utilitiesOfOutcome(ps, sol.got.Outcome); !slices.Equal(u, sol.got.Utilities) {
			t.Fatalf("%s: %s outcome %v is worth %v, reported %v", what, sol.name, sol.got.Outcome, u, sol.got.Utilities)
		}
		if math.Abs(sol.gv-sol.wv) > 1e-9*(1+math.Abs(sol.wv)) {
			t.Fatalf("%s: %s value %v, with the frontier %v", what, sol.name, sol.gv, sol.wv)
		}
	}
	return want.Nash == nil
}

func utilitiesOfOutcome(ps []Profile, o Outcome) []float64 {
	u := make([]float64, len(ps))
	for q, p := range ps {
		u[q] = Round(p.Utility(o))
	}
	return u
}

// improveReference is Improve's definition as a Problem: every party's
// reservation moved to its utility of text, and text as the baseline.
func improveReference(tb testing.TB, ps []Profile, text Outcome, sol Solution) Problem {
	tb.Helper()
	p := Problem{Solution: sol, Baseline: text}
	for _, q := range ps {
		l, ok := q.(*LinearAdditive)
		if !ok {
			tb.Fatalf("improveReference needs linear additive profiles, not %T", q)
		}
		c := *l
		c.rv = l.Utility(text)
		p.Parties = append(p.Parties, &c)
	}
	return p
}

// checkImprove compares Improve with the brute-force reference.
func checkImprove(t *testing.T, what string, ps []Profile, text Outcome, sol Solution) (improvable bool) {
	t.Helper()
	ref := improveReference(t, ps, text, sol)
	want := bruteSolve(&ref)
	got, err := Improve(t.Context(), ps, text, sol, SolveOptions{})
	checkSolved(t, fmt.Sprintf("%s: improvement of %v (%s)", what, text, sol), &ref, want, got, err)
	return want.best != nil
}

// TestImproveBruteForce checks "is there an improvement of this text" on
// 1,000 random small problems (2–6 parties, integer and real utilities,
// every solution), texts drawn at random and solutions' texts (which have
// none).
func TestImproveBruteForce(t *testing.T) {
	count := bruteCases()
	rng := rand.New(rand.NewPCG(13, 22))
	var improvable int
	for i := range count {
		c := randomSolveCase(rng, 400)
		text := randomOutcome(rng, c.p.Parties[0].Domain())
		if rng.IntN(4) == 0 {
			if s, err := Solve(t.Context(), Problem{Parties: c.p.Parties, Solution: c.p.Solution}, SolveOptions{}); err == nil {
				text = s.Outcome
			}
		}
		if checkImprove(t, fmt.Sprintf("case %d (integer %v, %d parties)", i, c.integer, len(c.p.Parties)), c.p.Parties, text, c.p.Solution) {
			improvable++
		}
	}
	if improvable < count/10 || improvable > count*95/100 {
		t.Fatalf("%d of %d texts can be improved; the generator needs retuning", improvable, count)
	}
}

// TestAssessAndImproveBruteForceMillion checks acceptability, "does a
// feasible text dominate this one" (Assess) and "which improvement"
// (Improve) against enumeration at 10^6 outcomes with 3–6 parties and 0–2
// stakeholders (skipped with -short).
func TestAssessAndImproveBruteForceMillion(t *testing.T) {
	if testing.Short() {
		t.Skip("enumerates 10^6 outcomes per case")
	}
	rng := rand.New(rand.NewPCG(13, 23))
	sols := []Solution{SolutionNash, SolutionKalaiSmorodinsky, SolutionEgalitarian, SolutionNash}
	var dominatedSeen, undominatedSeen, feasibleSeen int
	for i, sol := range sols {
		parties := 3 + i
		p := mediatorProblem(t, 6, 10, parties, i%3, 0.2, 0.45)
		d := p.Parties[0].Domain()
		nash, err := Solve(t.Context(), p, SolveOptions{})
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		random := randomOutcome(rng, d)
		// A text one step from the mediator's: feasible, and often
		// improvable.
		near := nash.Outcome.Clone()
		near[rng.IntN(len(near))] = rng.IntN(10)
		for _, text := range []Outcome{random, nash.Outcome, near} {
			what := fmt.Sprintf("case %d (%d parties, %d constraints), text %v", i, parties, len(p.Constraints), text)
			wantFeasible := bruteFeasible(&p, text)
			tk, _ := bruteKeys(&p, text)
			wantDominated := false
			o := make(Outcome, len(d.Issues))
			for !wantDominated {
				if bruteFeasible(&p, o) {
					k, _ := bruteKeys(&p, o)
					wantDominated = dominates(k, tk)
				}
				if !next(d, o) {
					break
				}
			}
			f, dom, err := Assess(t.Context(), p, text, SolveOptions{})
			if err != nil || f != wantFeasible || dom != wantDominated {
				t.Fatalf("%s: Assess says feasible %v dominated %v (%v); want %v %v", what, f, dom, err, wantFeasible, wantDominated)
			}
			if f {
				feasibleSeen++
			}
			if dom {
				dominatedSeen++
			} else {
				undominatedSeen++
			}
			checkImprove(t, what, p.Parties, text, sol)
		}
	}
	if feasibleSeen == 0 || dominatedSeen == 0 || undominatedSeen == 0 {
		t.Fatalf("%d feasible, %d dominated, %d undominated texts: the cases test too little", feasibleSeen, dominatedSeen, undominatedSeen)
	}
}

// bruteCases is how many random problems a brute-force test checks: 1,000,
// or 200 with -short.
func bruteCases() int {
	if testing.Short() {
		return 200
	}
	return 1000
}

// TestAnalyzeWithoutFrontierCountOutOfReach: counting the outcomes
// acceptable to 5 parties on 10^20 is out of reach; by default the
// analysis without the frontier gives up on it quickly, says why, and
// keeps the solutions.
func TestAnalyzeWithoutFrontierCountOutOfReach(t *testing.T) {
	a, err := Analyze(opposedProfiles(t, 20, 10, 5, 0.3), AnalyzeOptions{NoFrontier: true})
	if err != nil {
		t.Fatal(err)
	}
	if a.Acceptable != nil || !strings.Contains(a.CountError, fmt.Sprint(MaxCountNodesWithoutFrontier)) {
		t.Errorf("acceptable %v, count error %q; want the count given up within %d nodes", a.Acceptable, a.CountError, MaxCountNodesWithoutFrontier)
	}
	if a.Nash == nil || a.KalaiSmorodinsky == nil || a.Egalitarian == nil || a.MaxWelfare == nil || a.Ideal == nil {
		t.Errorf("solutions missing: %+v", a)
	}
}

// randomOutcome draws an outcome of d uniformly.
func randomOutcome(rng *rand.Rand, d *Domain) Outcome {
	o := make(Outcome, len(d.Issues))
	for j := range o {
		o[j] = rng.IntN(d.Issues[j].NumValues())
	}
	return o
}
