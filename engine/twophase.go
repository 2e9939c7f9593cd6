package engine

import (
	"errors"
	"math"
)

// This file is the two-phase frontier driver shared by the exact searches
// over two sums F_0, F_1, where U_p = min(1, F_p/M_p): factorFrontier2
// (sums of factors, factor.go) and cliqueFrontier2 (sums of inclusive
// rectangles, cliquefrontier.go). Phase 1 finds the vertices of the
// frontier's convex hull by weighted sums (Aneja and Nair). Phase 2 is the
// ε-constraint method on the sums: the greatest F_0 subject to F_1 > the
// previous point's F_1, then, to break ties, the greatest F_1 subject to
// F_0 reaching that (or M_0, where U_0 is capped at 1). Every step is
// bounded by the Lagrangian bound F_0 + λ·F_1 <= h_λ of the hull segments
// it lies under, which is tight there.
//
// What differs between the searches is behind twoPhaseSearch; the real
// differences are these: the factor search finds the hull's ends by
// weighted sums with a tiny weight on the other sum, the clique search by
// each profile's best clique and a tie-breaking step (a tiny weight would
// make every rectangle a branch); a weighted sum of the clique search may
// give no guidance within its own budget (the hull is then coarser), where
// the factor search's always does; the clique search's first step is
// Östergård's bound itself, with no outcome; and the clique search runs
// each step in one of several vertex orders (cliqueSearch.search), where
// the factor search has one elimination order.

// twoPhaseSearch is one exact search the driver runs.
type twoPhaseSearch interface {
	// end returns the sums of the hull's end for obj: an outcome of
	// greatest F_obj, and of greatest F_other among those.
	end(obj int) ([2]float64, error)
	// weighted returns the sums of an outcome that maximises
	// w0·F_0 + w1·F_1, or false when the search gives no guidance within
	// its budget.
	weighted(w0, w1 float64) ([2]float64, bool, error)
	// constrained maximises F_obj over the outcomes with F_other >= t
	// (> t when strict; t = -Inf: no constraint), bounded by the hull
	// segments segs. floor is a value of F_obj that a qualifying outcome
	// is known to reach (−Inf: none), which prunes from the start. It
	// returns the outcome (nil when the search knows the maximum without
	// one) and its sums, and false when no outcome qualifies and beats
	// floor.
	constrained(obj int, t float64, strict bool, floor float64, segs []hullSegment) (Outcome, [2]float64, bool, error)
}

// hullSegment is segment k of the hull with its slope λ: the F_0 given up
// per unit of F_1 gained.
type hullSegment struct {
	k      int
	lambda float64
}

// maxHull bounds the hull vertices phase 1 looks for.
const maxHull = 64

// errBudget is an adapter's failure to finish within its node budget.
var errBudget = errors.New("the search passed its node budget")

// twoPhaseFrontier runs the two phases over s for the profiles ps, whose
// sums' maxima are m0 and m1. It reports false when the search fails (out
// of nodes, or its context done).
func twoPhaseFrontier(ps []Profile, s twoPhaseSearch, m0, m1 float64) ([][]float64, []Outcome, bool) {
	// Phase 1.
	left, err := s.end(0)
	if err != nil {
		return nil, nil, false
	}
	right, err := s.end(1)
	if err != nil {
		return nil, nil, false
	}
	hull := [][2]float64{left}
	var refine func(a, b [2]float64, depth int) error
	refine = func(a, b [2]float64, depth int) error {
		if b[1] <= a[1] || a[0] <= b[0] || depth > 20 || len(hull) >= maxHull {
			return nil
		}
		w0, w1 := b[1]-a[1], a[0]-b[0]
		c, ok, err := s.weighted(w0, w1)
		if err != nil || !ok {
			return err // no guidance here when !ok
		}
		if w0*c[0]+w1*c[1] <= w0*a[0]+w1*a[1]+1e-9*(math.Abs(w0*a[0])+math.Abs(w1*a[1])) {
			return nil
		}
		if err := refine(a, c, depth+1); err != nil {
			return err
		}
		hull = append(hull, c)
		return refine(c, b, depth+1)
	}
	if err := refine(left, right, 0); err != nil {
		return nil, nil, false
	}
	if right[1] > left[1] {
		hull = append(hull, right)
	}
	// segments returns the hull segments ks, clamped to the ends and
	// without repeats, with their slopes.
	segments := func(ks ...int) []hullSegment {
		var out []hullSegment
		for _, k := range ks {
			k = max(0, min(k, len(hull)-2))
			dup := false
			for _, g := range out {
				dup = dup || g.k == k
			}
			if dup {
				continue
			}
			lam := m0 / m1
			if len(hull) >= 2 {
				lam = math.Max((hull[k][0]-hull[k+1][0])/(hull[k+1][1]-hull[k][1]), 1e-12)
			}
			out = append(out, hullSegment{k, lam})
		}
		return out
	}
	// by1 is the segment where the hull crosses F_1 = x; by0 where it
	// crosses F_0 = x.
	by1 := func(x float64) int {
		k := 0
		for k+1 < len(hull) && x >= hull[k+1][1] {
			k++
		}
		return k
	}
	by0 := func(x float64) int {
		k := 0
		for k+1 < len(hull) && x <= hull[k+1][0] {
			k++
		}
		return k
	}
	// Phase 2.
	var us [][]float64
	var os []Outcome
	thr := math.Inf(-1)
	for {
		var segs []hullSegment
		if !math.IsInf(thr, -1) {
			k := by1(thr)
			segs = segments(k, k+1)
		}
		a, fa, found, err := s.constrained(0, thr, true, math.Inf(-1), segs)
		if err != nil {
			return nil, nil, false
		}
		if !found {
			pu, po := paretoOnly(us, os)
			return pu, po, true
		}
		// U_0 = F_0/M_0 reaches 1 exactly at F_0 = M_0.
		t0 := math.Min(fa[0], m0)
		k := by0(t0)
		// a (when the search gave one) qualifies: its F_1 is a floor.
		floor := math.Inf(-1)
		if a != nil {
			floor = fa[1]
		}
		b, fb, found, err := s.constrained(1, t0, false, floor, segments(k-1, k, k+1))
		if err != nil {
			return nil, nil, false
		}
		if a != nil && (!found || fb[1] <= fa[1]) {
			// Rounding kept the tie from improving on a (which already
			// qualifies): a is the step's point, and the walk moves on.
			b, fb, found = a, fa, true
		}
		if !found || b == nil {
			return nil, nil, false
		}
		us = append(us, []float64{ps[0].Utility(b), ps[1].Utility(b)})
		os = append(os, b)
		if fb[1] >= m1 {
			pu, po := paretoOnly(us, os)
			return pu, po, true // U_1 is 1: nothing further up
		}
		thr = fb[1]
	}
}
