package engine

import (
	"context"
	"math"
)

// factorFrontier2 finds the exact two-party frontier of profiles that are
// sums of small parts, U_p = min(1, F_p/M_p), by the two-phase driver
// (twophase.go) over the sums' factors. Its searches are bounded by the
// sums' own mini-bucket bounds and by the Lagrangian bound of
// F_0 + λ·F_1 for the slope λ of the hull segment a step lies under. It
// reports false when the searches together pass maxNodes nodes, when ctx is
// done, or when a profile is not such a sum.
func factorFrontier2(ctx context.Context, ps []Profile, maxNodes int) ([][]float64, []Outcome, bool) {
	if len(ps) != 2 {
		return nil, nil, false
	}
	f0, m0, err0 := decompose(ps[0])
	f1, m1, err1 := decompose(ps[1])
	if err0 != nil || err1 != nil {
		return nil, nil, false
	}
	m := newMSProblem(ps[0].Domain(), f0, f1)
	s, err := m.prepare()
	if err != nil {
		return nil, nil, false
	}
	s.ctx = ctx
	return twoPhaseFrontier(ps, &factorSearch{m: m, s: s, m0: m0, m1: m1, maxNodes: maxNodes, sets: map[int]int{}}, m0, m1)
}

// factorSearch is the two-phase driver's search over factors: sets 0 and 1
// are F_0 and F_1; combined sets F_0 + λ·F_1 are made per hull segment as
// needed and, since the steps move along the hull, only the latest few are
// kept.
type factorSearch struct {
	m        *msProblem
	s        *msSearch
	m0, m1   float64
	nodes    int
	maxNodes int
	sets     map[int]int // hull segment → combined set
	made     []int       // segments in the order their sets were made
}

func (f *factorSearch) sums(a []int) [2]float64 {
	return [2]float64{f.m.value(0, a), f.m.value(1, a)}
}

// The mini-bucket size limits (table entries) of the combined sums: a
// weighted sum of the hull phase is one search of a few hundred nodes, so
// building its bounds is most of its cost and small buckets pay (NAGUNL-128:
// 4.5 s of CPU instead of 6.2 s, NAGUNL-255 gives up after 9.6 s instead of
// 13.5 s); a hull segment's bounds serve many ε-constraint steps of
// millions of nodes, which larger buckets cut.
const (
	weightedBucket = 1 << 14
	stepBucket     = 1 << 18
)

func (f *factorSearch) weighted(w0, w1 float64) ([2]float64, bool, error) {
	set, err := f.s.addCombined(0, w0, 1, w1, weightedBucket)
	if err != nil {
		return [2]float64{}, false, err
	}
	defer f.s.dropLast()
	a, _, _, err := f.s.maximize(set, -1, 0, false, math.Inf(-1), nil, &f.nodes, f.maxNodes)
	if err != nil {
		return [2]float64{}, false, err
	}
	return f.sums(a), true, nil
}

// end is a weighted sum with a tiny weight on the other sum.
func (f *factorSearch) end(obj int) ([2]float64, error) {
	const tiny = 1e-7
	w := [2]float64{1, tiny * f.m0 / f.m1}
	if obj == 1 {
		w = [2]float64{tiny * f.m1 / f.m0, 1}
	}
	v, _, err := f.weighted(w[0], w[1])
	return v, err
}

func (f *factorSearch) setFor(g hullSegment) (int, error) {
	if set, ok := f.sets[g.k]; ok {
		return set, nil
	}
	set, err := f.s.addCombined(0, 1, 1, g.lambda, stepBucket)
	if err != nil {
		return 0, err
	}
	f.sets[g.k] = set
	f.made = append(f.made, g.k)
	if len(f.made) > 6 {
		f.s.release(f.sets[f.made[0]])
		delete(f.sets, f.made[0])
		f.made = f.made[1:]
	}
	return set, nil
}

func (f *factorSearch) constrained(obj int, t float64, strict bool, floor float64, segs []hullSegment) (Outcome, [2]float64, bool, error) {
	con := 1 - obj
	if math.IsInf(t, -1) {
		con = -1
	}
	var lags []lagrangian
	for _, g := range segs {
		set, err := f.setFor(g)
		if err != nil {
			return nil, [2]float64{}, false, err
		}
		if obj == 0 {
			// F_0 <= h − λ·F_1 <= h − λ·t.
			lags = append(lags, lagrangian{set, 1, -g.lambda * t})
		} else {
			// F_1 <= (h − F_0)/λ <= (h − t)/λ.
			lags = append(lags, lagrangian{set, 1 / g.lambda, -t / g.lambda})
		}
	}
	a, v, found, err := f.s.maximize(obj, con, t, strict, floor, lags, &f.nodes, f.maxNodes)
	if err != nil || !found {
		return nil, [2]float64{}, false, err
	}
	// F_obj as the search summed it, which the next step's constraint
	// compares with in the same order.
	sums := f.sums(a)
	sums[obj] = v
	return f.m.outcome(a), sums, true, nil
}
