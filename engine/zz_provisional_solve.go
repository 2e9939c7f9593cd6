package engine

// PROVISIONAL: an enumeration-only Solve with the API the engine-solve branch
// implements exactly with branch and bound; deleted when that branch lands.

import (
	"context"
	"errors"
	"math"
)

type Problem struct {
	Parties     []Profile
	Constraints []Profile
	Allowed     [][]bool
	Solution    Solution
	Baseline    Outcome
}

type SolveOptions struct {
	MaxNodes int
	Progress func(done, total float64)
}

type Solved struct {
	Outcome       Outcome
	Utilities     []float64
	ParetoOptimal bool
	Method        string
	Nodes         int
}

var ErrNoFeasible = errors.New("no outcome is feasible")

func provisionalEach(ctx context.Context, p Problem, f func(o Outcome, u []float64)) error {
	d := p.Parties[0].Domain()
	if d.SizeFloat() > 2e6 {
		return Errorf("provisional solver: %g outcomes is too many", d.SizeFloat())
	}
	o := make(Outcome, len(d.Issues))
	u := make([]float64, len(p.Parties))
	var base []float64
	if p.Baseline != nil {
		for _, q := range p.Parties {
			base = append(base, q.Utility(p.Baseline))
		}
	}
	n := 0
	for {
		n++
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		ok := true
		for i, v := range o {
			if p.Allowed != nil && p.Allowed[i] != nil && !p.Allowed[i][v] {
				ok = false
			}
		}
		for _, c := range p.Constraints {
			if ok && key(c.Utility(o)) < key(c.Reservation()) {
				ok = false
			}
		}
		strict := false
		for j, q := range p.Parties {
			u[j] = q.Utility(o)
			if key(u[j]) < key(q.Reservation()) {
				ok = false
			}
			if base != nil {
				if key(u[j]) < key(base[j]) {
					ok = false
				} else if key(u[j]) > key(base[j]) {
					strict = true
				}
			}
		}
		if ok && (base == nil || strict) {
			f(o, u)
		}
		i := len(o) - 1
		for ; i >= 0; i-- {
			o[i]++
			if o[i] < d.Issues[i].NumValues() {
				break
			}
			o[i] = 0
		}
		if i < 0 {
			return nil
		}
	}
}

func Solve(ctx context.Context, p Problem, opts SolveOptions) (*Solved, error) {
	if len(p.Parties) == 0 {
		return nil, Errorf("no parties")
	}
	ideal := make([]float64, len(p.Parties))
	for i := range ideal {
		ideal[i] = math.Inf(-1)
	}
	if err := provisionalEach(ctx, p, func(o Outcome, u []float64) {
		for i := range u {
			ideal[i] = math.Max(ideal[i], u[i])
		}
	}); err != nil {
		return nil, err
	}
	if math.IsInf(ideal[0], -1) {
		return nil, ErrNoFeasible
	}
	score := func(u []float64) float64 {
		s := math.Inf(1)
		prod := 1.0
		for i, q := range p.Parties {
			g := u[i] - q.Reservation()
			switch p.Solution {
			case SolutionKalaiSmorodinsky:
				r := 1.0
				if ideal[i] > q.Reservation() {
					r = g / (ideal[i] - q.Reservation())
				}
				s = math.Min(s, r)
			case SolutionEgalitarian:
				s = math.Min(s, g)
			default:
				prod *= g
			}
		}
		if p.Solution == SolutionKalaiSmorodinsky || p.Solution == SolutionEgalitarian {
			return s
		}
		return prod
	}
	best := &Solved{Method: "enumeration", ParetoOptimal: true}
	bs, bsum := math.Inf(-1), math.Inf(-1)
	err := provisionalEach(ctx, p, func(o Outcome, u []float64) {
		s, sum := key(score(u)), 0.0
		for _, x := range u {
			sum += x
		}
		if s > bs || s == bs && key(sum) > key(bsum) {
			bs, bsum = s, sum
			best.Outcome, best.Utilities = o.Clone(), append([]float64(nil), u...)
		}
	})
	return best, err
}

func Assess(ctx context.Context, p Problem, text Outcome, opts SolveOptions) (feasible, dominated bool, err error) {
	q := p
	q.Baseline = text
	found := false
	err = provisionalEach(ctx, q, func(Outcome, []float64) { found = true })
	if err != nil {
		return false, false, err
	}
	err = provisionalEach(ctx, p, func(o Outcome, _ []float64) {
		same := true
		for i := range o {
			same = same && o[i] == text[i]
		}
		feasible = feasible || same
	})
	return feasible, found, err
}
