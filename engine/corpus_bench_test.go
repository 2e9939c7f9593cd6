package engine_test

import (
	"math"
	"testing"

	"parley/engine"
)

// beyondEnumeration are the corpus domains whose outcomes are too many to
// evaluate one by one (10^10 to 10^50) and whose profiles are not linear
// (linear ones are merged in milliseconds whatever their size).
var beyondEnumeration = []string{
	"anac2014-10issues", "anac2014-10issueswithRV", "genius-orig-anac2014-10issuesDiscountedwithRV",
	"other-S-1NAGUNL-114", "other-S-1NIKFRT-1", "other-S-1NIKFRT-2",
	"other-S-1NIKFRT-3", "other-S-1NAGUNL-128", "other-S-1NAGUNL-255",
}

// realValued makes a hyperrectangle profile's utilities real: every
// rectangle's utility (and the maximum, in proportion) times a factor in
// [1, 1.1) spread by the golden ratio, so that no two sums tie by accident
// of integers.
func realValued(tb testing.TB, p engine.Profile) engine.Profile {
	tb.Helper()
	h, ok := p.(*engine.Hyperrectangle)
	if !ok {
		return p
	}
	q := *h
	k := 0
	var walk func(f engine.Ufun) engine.Ufun
	walk = func(f engine.Ufun) engine.Ufun {
		f.Rectangles = append([]engine.Rectangle(nil), f.Rectangles...)
		for i := range f.Rectangles {
			k++
			_, frac := math.Modf(float64(k) * math.Phi)
			f.Rectangles[i].Utility *= 1 + 0.1*frac
		}
		f.Ufuns = append([]engine.Ufun(nil), f.Ufuns...)
		for i := range f.Ufuns {
			f.Ufuns[i] = walk(f.Ufuns[i])
		}
		return f
	}
	q.Fun = walk(h.Fun)
	q.MaxUtility *= 1.05
	if err := q.Compile(); err != nil {
		tb.Fatal(err)
	}
	return &q
}

// BenchmarkCorpusAnalyze is the whole analysis (frontier, count, the
// solutions) of every corpus domain beyond enumeration at the default
// budget, with the corpus's integer utilities and with real-valued ones
// (realValued). A domain out of reach reports its error.
func BenchmarkCorpusAnalyze(b *testing.B) {
	for _, name := range beyondEnumeration {
		for _, real := range []bool{false, true} {
			kind := "integer"
			if real {
				kind = "real"
			}
			b.Run(name+"/"+kind, func(b *testing.B) {
				sc := load(b, name)
				ps := sc.Profiles
				if real {
					ps = []engine.Profile{realValued(b, ps[0]), realValued(b, ps[1])}
				}
				for b.Loop() {
					a, err := engine.Analyze(ps, engine.AnalyzeOptions{})
					if err != nil {
						b.Skipf("out of reach: %v", err)
					}
					b.ReportMetric(float64(len(a.Pareto)), "points")
					if a.Acceptable == nil {
						b.Logf("%s: %d points by %s; acceptable not counted: %s", name, len(a.Pareto), a.Method, a.CountError)
					} else {
						b.Logf("%s: %d points by %s; %v acceptable", name, len(a.Pareto), a.Method, a.Acceptable)
					}
				}
			})
		}
	}
}
