package engine

import (
	"context"
	"fmt"
	"math"
	"sort"
)

// MaxWeighted returns an outcome that maximises Σ_p w_p·U_p exactly, for
// profiles whose utilities are sums of small factors (Decomposer) that
// never reach the cap of 1. Every weight must be >= 0; profiles of weight 0
// are left out. With every weight > 0 the outcome is Pareto-optimal:
// an outcome better for one party and worse for none would have a larger
// sum.
//
// Weights are rounded to integers up to 2^20 (relative to the largest),
// so that on profiles with integer parts, such as GENIUS's
// hyperrectangles, every sum is exact. When every profile is a sum of
// inclusive hyperrectangles the search is a maximum-weight clique of the
// rectangles that meet; otherwise a branch and bound over issues. It stops
// with an error after maxNodes search nodes.
func MaxWeighted(ps []Profile, w []float64, maxNodes int) (Outcome, error) {
	return maxWeighted(context.Background(), ps, w, maxNodes)
}

// maxWeighted is MaxWeighted, stopped with ctx's error once ctx (nil:
// never) is done.
func maxWeighted(ctx context.Context, ps []Profile, w []float64, maxNodes int) (Outcome, error) {
	if len(ps) == 0 || len(w) != len(ps) {
		return nil, Errorf("%d profiles and %d weights; give one weight per profile", len(ps), len(w))
	}
	if maxNodes <= 0 {
		maxNodes = DefaultMaxNodes
	}
	d := ps[0].Domain()
	ws, err := integerWeights(ps, w)
	if err != nil {
		return nil, err
	}
	// Inclusive rectangles: a clique search over rectangles.
	var boxes []wbox
	clique := true
	for p, prof := range ps {
		h, ok := prof.(boxer)
		if !ok {
			clique = false
			break
		}
		if ws[p] == 0 {
			continue
		}
		bs, _, ok := h.inclusiveBoxes(ws[p])
		if !ok {
			clique = false
			break
		}
		boxes = append(boxes, bs...)
	}
	if clique {
		o, _, ok := maxBoxes(ctx, d, boxes, maxNodes)
		if !ok {
			if err := ctxErr(ctx); err != nil {
				return nil, err
			}
			return nil, Errorf("domain %q: the exact search for the best outcome needs more than %d nodes", d.Name, maxNodes)
		}
		return o, nil
	}
	var fs []Factor
	for p, prof := range ps {
		if ws[p] == 0 {
			continue
		}
		pfs, _, err := decompose(prof)
		if err != nil {
			return nil, err
		}
		for _, f := range pfs {
			g := Factor{Scope: f.Scope, Table: make([]float64, len(f.Table))}
			for i, x := range f.Table {
				g.Table[i] = x * ws[p]
			}
			fs = append(fs, g)
		}
	}
	o, _, err := maxSum(ctx, d, fs, maxNodes)
	return o, err
}

func decompose(p Profile) ([]Factor, float64, error) {
	dp, ok := p.(Decomposer)
	if !ok {
		return nil, 0, Errorf("profile %q is not a sum of small parts, so no exact search can maximise it without enumerating outcomes", p.Name())
	}
	fs, top, ok := dp.Decompose()
	if !ok {
		return nil, 0, Errorf("profile %q is not a sum of small parts (it aggregates by min or max, or a part spans too many values), so no exact search can maximise it without enumerating outcomes", p.Name())
	}
	return fs, top, nil
}

// isSum reports whether p's utility is a sum of small parts.
func isSum(p Profile) bool {
	if s, ok := p.(summer); ok {
		_, ok = s.sumMax()
		return ok
	}
	_, ok := p.(Decomposer)
	return ok
}

// sumMaxOf returns p's M, tabulating its parts only when p cannot say.
func sumMaxOf(p Profile) (float64, error) {
	if s, ok := p.(summer); ok {
		if m, ok := s.sumMax(); ok {
			return m, nil
		}
	}
	_, m, err := decompose(p)
	return m, err
}

// integerWeights turns w_p/M_p into integers, the largest 2^20.
func integerWeights(ps []Profile, w []float64) ([]float64, error) {
	c := make([]float64, len(ps))
	top := 0.0
	for p, prof := range ps {
		if math.IsNaN(w[p]) || math.IsInf(w[p], 0) || w[p] < 0 {
			return nil, Errorf("weight %d is %v; weights must be finite and >= 0", p+1, w[p])
		}
		if w[p] == 0 {
			continue
		}
		m, err := sumMaxOf(prof)
		if err != nil {
			return nil, err
		}
		c[p] = w[p] / m
		top = math.Max(top, c[p])
	}
	if top == 0 {
		return nil, Errorf("every weight is 0; at least one must be > 0")
	}
	for p := range c {
		if c[p] > 0 {
			c[p] = math.Max(1, math.Round(c[p]/top*(1<<20)))
		}
	}
	return c, nil
}

// supportedText looks for an acceptable outcome that maximises a weighted
// sum of utilities, with weights steered toward the solution sol: for Nash
// the weights 1/(u_p − r_p) at the point itself (the Nash point's own
// supporting weights), for the egalitarian and Kalai–Smorodinsky points
// more weight on whoever gains least. Each such outcome is Pareto-optimal;
// the best by sol among those found is returned, with the number of exact
// searches made. It returns nil when no outcome is acceptable to some
// party, and an error when none found is acceptable to all.
//
// Each search may take ten times maxNodes, and at least DefaultMaxNodes:
// its nodes cost far less than those of the analysis's branch and bound.
func supportedText(ctx context.Context, ps []Profile, sol Solution, maxNodes int) (Outcome, int, error) {
	maxNodes = max(times10(maxNodes), DefaultMaxNodes)
	n := len(ps)
	r := make([]float64, n)
	ideal := make([]float64, n)
	solves := 0
	u := func(o Outcome) []float64 {
		x := make([]float64, n)
		for p, prof := range ps {
			x[p] = prof.Utility(o)
		}
		return x
	}
	for p, prof := range ps {
		r[p] = prof.Reservation()
		w := make([]float64, n)
		w[p] = 1
		o, err := maxWeighted(ctx, ps, w, maxNodes)
		solves++
		if err != nil {
			return nil, solves, err
		}
		ideal[p] = prof.Utility(o)
		if ideal[p] < r[p] {
			return nil, solves, nil // no outcome is acceptable to p
		}
	}
	score := func(x []float64) float64 {
		s := math.Inf(1)
		if sol == SolutionNash {
			s = 1
		}
		for p := range x {
			g := x[p] - r[p]
			if g < 0 {
				return math.Inf(-1)
			}
			switch sol {
			case SolutionNash:
				s *= g
			case SolutionEgalitarian:
				s = math.Min(s, g)
			default: // Kalai–Smorodinsky: gains relative to the ideal's
				s = math.Min(s, g/math.Max(ideal[p]-r[p], 1e-12))
			}
		}
		return s
	}
	w := make([]float64, n)
	for p := range w {
		w[p] = 1 / math.Max(ideal[p]-r[p], 1e-9)
	}
	facs := make([][]Factor, n)
	maxes := make([]float64, n)
	for p, prof := range ps {
		facs[p], maxes[p], _ = decompose(prof)
	}
	var best Outcome
	var bestW []float64
	bestS := math.Inf(-1)
	seen := map[string]bool{}
	var hull [][]float64 // utilities of the certified outcomes found
	// try maximises the sum with weights w and keeps the outcome if it is
	// the best so far. It reports the utilities, whether the outcome was
	// seen before, and which parties' caps bind there.
	try := func(w []float64) (x []float64, again bool, capped []bool, err error) {
		o, err := maxWeighted(ctx, ps, w, maxNodes)
		solves++
		if err != nil {
			return nil, false, nil, err
		}
		x = u(o)
		key := fmt.Sprint(o)
		again = seen[key]
		seen[key] = true
		// The maximum of the weighted sums of F_p/M_p is Pareto-optimal in
		// U_p = min(1, F_p/M_p) when no party's cap binds there: an outcome
		// at least as good for all and better for one would have a larger
		// sum.
		capped = make([]bool, n)
		anyCap := false
		for p, prof := range ps {
			if rawSum(prof.Domain(), facs[p], o) > maxes[p] {
				capped[p], anyCap = true, true
			}
		}
		if anyCap {
			return x, again, capped, nil
		}
		if !again {
			hull = append(hull, x)
		}
		acceptable := true
		for p := range x {
			if x[p] < r[p] {
				acceptable = false
			}
		}
		if s := score(x); acceptable && s > bestS {
			best, bestS, bestW = o, s, append([]float64(nil), w...)
		}
		return x, again, nil, nil
	}
	// normalize keeps the weights finite and positive: the largest 1, none
	// below 1e-6.
	normalize := func() {
		top := 0.0
		for _, x := range w {
			top = math.Max(top, x)
		}
		for p := range w {
			w[p] = math.Max(w[p]/top, 1e-6)
		}
	}
	// Steer the weights; step grows (to 8) each time they fail to move the
	// outcome.
	step := 0.5
	sawCap := false
	for iter := 0; iter < 12; iter++ {
		x, again, capped, err := try(w)
		if err != nil {
			if best != nil {
				break
			}
			return nil, solves, err
		}
		if capped != nil {
			// Where a cap binds, give that party less weight (the same
			// outcome coming back is no fixed point then).
			sawCap = true
			for p := range w {
				if capped[p] {
					w[p] /= 4
				}
			}
			normalize()
			continue
		}
		if again {
			if sol == SolutionNash {
				break // the weights' fixed point
			}
			step = math.Min(step*2, 8)
		}
		mean := 0.0
		for p := range x {
			mean += gainOf(x[p], r[p], ideal[p], sol)
		}
		mean /= float64(n)
		for p := range w {
			g := gainOf(x[p], r[p], ideal[p], sol)
			switch {
			case g <= 0:
				w[p] *= 2 // below its reservation: more weight
			case sol == SolutionNash:
				w[p] = 1 / g
			case mean > 0:
				// Less weight to whoever gains more than the mean.
				w[p] *= math.Max(1.0/8, math.Min(8, math.Pow(mean/g, step)))
			}
		}
		normalize()
	}
	if n == 2 {
		// Between two outcomes a and b on the frontier's convex hull, the
		// weights normal to ab find a hull vertex beyond ab, or show that
		// there is none (Aneja and Nair). Refine only where a vertex could
		// score better than the best so far.
		done := map[[4]float64]bool{}
		for solves < 60 {
			sort.Slice(hull, func(i, j int) bool { return hull[i][0] > hull[j][0] })
			var a, b []float64
			for i := 0; i+1 < len(hull); i++ {
				x, y := hull[i], hull[i+1]
				k := [4]float64{x[0], x[1], y[0], y[1]}
				if done[k] || x[0] == y[0] || y[1] <= x[1] {
					continue
				}
				// A vertex between them gives party 1 at most x's and
				// party 2 at most y's.
				if score([]float64{x[0], y[1]}) > bestS {
					a, b = x, y
					done[k] = true
					break
				}
			}
			if a == nil {
				break
			}
			// A new vertex joins the hull; a or b again (or a capped
			// outcome) leaves the pair done.
			if _, _, _, err := try([]float64{b[1] - a[1], a[0] - b[0]}); err != nil {
				break
			}
		}
	} else if bestW != nil {
		// Probe around the best weights: a party's weight 2, 4 and 8
		// times larger or smaller reaches neighbouring supported
		// outcomes, one of which may score better.
		center := bestW
		for p := 0; p < n; p++ {
			for _, f := range []float64{2, 0.5, 4, 0.25, 8, 0.125} {
				w := append([]float64(nil), center...)
				w[p] *= f
				if _, _, _, err := try(w); err != nil {
					break
				}
			}
		}
	}
	if best == nil {
		if sawCap {
			return nil, solves, Errorf("none of %d weighted sums found an outcome acceptable to every party at which no party's utility is capped at 1 (only there is the maximum of a weighted sum sure to be Pareto-optimal)", solves)
		}
		return nil, solves, Errorf("none of %d weighted sums found an outcome acceptable to every party", solves)
	}
	return best, solves, nil
}

func gainOf(u, r, ideal float64, sol Solution) float64 {
	if sol == SolutionKalaiSmorodinsky {
		return (u - r) / math.Max(ideal-r, 1e-12)
	}
	return u - r
}

// rawSum is Σ_f f(o).
func rawSum(d *Domain, fs []Factor, o Outcome) float64 {
	s := 0.0
	for _, f := range fs {
		idx := 0
		for _, i := range f.Scope {
			idx = idx*d.Issues[i].NumValues() + o[i]
		}
		s += f.Table[idx]
	}
	return s
}

// times10 is 10·n, saturating instead of overflowing.
func times10(n int) int {
	if n > math.MaxInt/10 {
		return math.MaxInt
	}
	return 10 * n
}
