package engine

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
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
	for _, k := range res.feasible {
		ob := obj(k)
		if res.best == nil {
			res.best, res.bestObj = k, ob
			continue
		}
		c := ob.Cmp(res.bestObj)
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
	name string
	m    solveMethod
}{{"linear", methodLinear}, {"box", methodBox}, {"enumeration", methodEnumerate}}

// TestSolveBruteForce checks every search against the definitions on 1,000
// random small problems (2–6 parties, 0–2 constraints, Allowed masks,
// baselines, integer and real utilities, each solution).
func TestSolveBruteForce(t *testing.T) {
	count := 1000
	if testing.Short() {
		count = 200
	}
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
		for _, m := range solveMethods {
			name := fmt.Sprintf("case %d (%s, %d parties, %d constraints, baseline %v, integer %v, %s)", i, c.p.Solution, len(c.p.Parties), len(c.p.Constraints), c.p.Baseline, c.integer, m.name)
			s, err := newSolveSearch(t.Context(), &c.p, SolveOptions{}, m.m)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			sol, _ := ParseSolution(string(c.p.Solution))
			got, err := s.solve(sol)
			checkSolved(t, name, &c.p, ref, got, err)
		}
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

// TestAssessBruteForce checks Assess against the definitions: a text is
// feasible by the definition, and dominated exactly when a feasible
// outcome is at least as good for every party and better for one.
func TestAssessBruteForce(t *testing.T) {
	count := 1000
	if testing.Short() {
		count = 200
	}
	rng := rand.New(rand.NewPCG(13, 6))
	var feasibleSeen, dominatedSeen, undominatedSeen int
	for i := range count {
		c := randomSolveCase(rng, 400)
		d := c.p.Parties[0].Domain()
		text := make(Outcome, len(d.Issues))
		for j := range text {
			text[j] = rng.IntN(d.Issues[j].NumValues())
		}
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
