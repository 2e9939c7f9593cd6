package engine

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Pool sizes: the evaluations spent building a pool, and the outcomes it
// keeps.
const (
	poolEvaluations = 1 << 17
	poolSize        = 1 << 13
	// poolMaxNodes bounds the exact search for the best outcome; past it
	// hill climbing stands in.
	poolMaxNodes = 2_000_000
)

// poolOf returns p's pool, built once where p keeps it.
func poolOf(p Profile) *outcomePool {
	if c, ok := p.(pooler); ok {
		return c.outcomePool()
	}
	return buildPool(p)
}

// outcomePool stands in for the outcome space of a profile that is neither
// linear additive nor small enough to enumerate: outcomes at as many
// utility levels as a bounded search finds, from the profile's best outcome
// down, sorted by utility. Searches in it are exact for the outcomes it
// holds and approximate for the space.
type outcomePool struct {
	us []float64 // ascending
	os []Outcome
}

// buildPool collects the pool deterministically: the best outcome (exact
// when the profile is a sum of small parts, else by hill climbing), then
// walks that descend from it and from other local optima one issue at a
// time by the smallest drop in utility among a few random changes, so that
// they pass through the levels near the top that agents ask for most, and
// random outcomes for the levels below.
func buildPool(p Profile) *outcomePool {
	d := p.Domain()
	rng := rand.New(rand.NewPCG(0x9e3779b9, uint64(len(d.Issues))))
	levels := map[float64]Outcome{}
	evals := 0
	eval := func(o Outcome) float64 {
		evals++
		u := p.Utility(o)
		if _, ok := levels[u]; !ok {
			levels[u] = o.Clone()
		}
		return u
	}
	randomOutcome := func() Outcome {
		o := make(Outcome, len(d.Issues))
		for i := range o {
			o[i] = rng.IntN(d.Issues[i].NumValues())
		}
		return o
	}
	var starts []Outcome
	if top, err := MaxWeighted([]Profile{p}, []float64{1}, poolMaxNodes); err == nil {
		eval(top)
		starts = append(starts, top)
	}
	for len(starts) < 8 {
		starts = append(starts, climb(d, randomOutcome(), eval, 20))
	}
	// walk moves from s by the smallest drop (dir -1) or rise (dir +1)
	// among a few random one-issue changes, for n evaluations.
	walk := func(s Outcome, n int, dir float64) {
		cur, u := s.Clone(), p.Utility(s)
		for stop := evals + n; evals < stop; {
			var best Outcome
			bestD := math.Inf(1)
			for k := 0; k < 8; k++ {
				i := rng.IntN(len(d.Issues))
				c := cur.Clone()
				c[i] = rng.IntN(d.Issues[i].NumValues())
				if delta := (eval(c) - u) * dir; delta > 0 && delta < bestD {
					best, bestD = c, delta
				}
			}
			if best == nil {
				// A plateau or an optimum: move anyway.
				i := rng.IntN(len(d.Issues))
				cur[i] = rng.IntN(d.Issues[i].NumValues())
				u = eval(cur)
				continue
			}
			cur, u = best, p.Utility(best)
		}
	}
	for _, s := range starts {
		walk(s, poolEvaluations/4/len(starts), -1)
	}
	for k := 0; k < poolEvaluations/8; k++ {
		eval(randomOutcome())
	}
	// Fill the widest gaps between the levels found: descend from the
	// outcome just above each, and climb from the one just below.
	for evals < poolEvaluations {
		us := make([]float64, 0, len(levels))
		for u := range levels {
			us = append(us, u)
		}
		slices.Sort(us)
		type gap struct{ w, lo, hi float64 }
		gaps := make([]gap, 0, len(us))
		for k := 1; k < len(us); k++ {
			gaps = append(gaps, gap{us[k] - us[k-1], us[k-1], us[k]})
		}
		slices.SortFunc(gaps, func(a, b gap) int { return cmpFloat(b.w, a.w) })
		for _, g := range gaps[:min(16, len(gaps))] {
			walk(levels[g.hi], 128, -1)
			walk(levels[g.lo], 128, +1)
		}
		if len(gaps) == 0 {
			break
		}
	}
	pool := &outcomePool{}
	for u := range levels {
		pool.us = append(pool.us, u)
	}
	slices.Sort(pool.us)
	if len(pool.us) > poolSize {
		// Keep levels evenly spread, and both ends.
		kept := make([]float64, 0, poolSize)
		for k := 0; k < poolSize; k++ {
			kept = append(kept, pool.us[k*(len(pool.us)-1)/(poolSize-1)])
		}
		pool.us = slices.Compact(kept)
	}
	pool.os = make([]Outcome, len(pool.us))
	for k, u := range pool.us {
		pool.os[k] = levels[u]
	}
	return pool
}

// climb changes one issue at a time while that raises eval's value, for at
// most sweeps passes over the issues.
func climb(d *Domain, o Outcome, eval func(Outcome) float64, sweeps int) Outcome {
	u := eval(o)
	for improved := true; improved && sweeps > 0; sweeps-- {
		improved = false
		for i := range d.Issues {
			keep := o[i]
			for v := 0; v < d.Issues[i].NumValues(); v++ {
				if v == keep {
					continue
				}
				o[i] = v
				if w := eval(o); w > u {
					u, keep, improved = w, v, true
				}
			}
			o[i] = keep
		}
	}
	return o
}

// search finds the pool's outcome nearest target, or with the highest
// utility strictly below it.
func (pl *outcomePool) search(target float64, below bool) (int, bool) {
	k, _ := slices.BinarySearch(pl.us, target) // first >= target
	if below {
		return k - 1, k > 0
	}
	switch {
	case k == len(pl.us):
		return k - 1, true
	case k == 0:
		return 0, true
	case target-pl.us[k-1] <= pl.us[k]-target:
		return k - 1, true
	}
	return k, true
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
