package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// opposedProfiles returns profiles over issues×values outcomes. Party 0
// draws evaluations at random; party 1 ranks every issue's values in the
// opposite order (1 − eval), so the parties are opposed on every issue and
// differ only in how much each issue matters. Further parties draw at
// random. Weights are random and sum to 1.
func opposedProfiles(tb testing.TB, issues, values, parties int, rv float64) []Profile {
	tb.Helper()
	sizes := make([]int, issues)
	for i := range sizes {
		sizes[i] = values
	}
	d := randomDomain(sizes...)
	rng := rand.New(rand.NewPCG(uint64(issues), uint64(parties)))
	base := make([][]float64, issues)
	for i := range base {
		for v := 0; v < values; v++ {
			base[i] = append(base[i], rng.Float64())
		}
	}
	var ps []Profile
	for p := 0; p < parties; p++ {
		ps = append(ps, weightedProfile(tb, rng, d, fmt.Sprint("party", p), rv, func(i, v int) float64 {
			switch p {
			case 0:
				return base[i][v]
			case 1:
				return 1 - base[i][v]
			}
			return rng.Float64()
		}))
	}
	return ps
}

// weightedProfile is a linear additive profile over d with reservation rv:
// per issue, a random weight (0.1 to 1.1, then normalised to sum 1) drawn
// before the issue's evaluations eval(issue, value).
func weightedProfile(tb testing.TB, rng *rand.Rand, d *Domain, name string, rv float64, eval func(i, v int) float64) *LinearAdditive {
	tb.Helper()
	prof := &LinearAdditive{ProfileName: name, Dom: d, ReservationValue: rv}
	sum := 0.0
	for i := range d.Issues {
		w := 0.1 + rng.Float64()
		sum += w
		prof.Weights = append(prof.Weights, w)
		ev := Evaluator{Kind: EvalDiscrete}
		for v := 0; v < d.Issues[i].NumValues(); v++ {
			ev.Evaluations = append(ev.Evaluations, eval(i, v))
		}
		prof.Evaluators = append(prof.Evaluators, ev)
	}
	for i := range prof.Weights {
		prof.Weights[i] /= sum
	}
	if err := prof.Compile(); err != nil {
		tb.Fatal(err)
	}
	return prof
}

func benchAnalyze(b *testing.B, ps []Profile) {
	b.Helper()
	var a *Analysis
	var err error
	for b.Loop() {
		a, err = Analyze(ps, AnalyzeOptions{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(a.Pareto)), "frontier-points")
}

// BenchmarkAnalyze2Parties covers the targets 10^12 outcomes ≤ 10 ms and
// 10^20 outcomes ≤ 50 ms (frontier, acceptable count, Nash, K–S, welfare).
func BenchmarkAnalyze2Parties(b *testing.B) {
	for _, issues := range []int{12, 20} {
		b.Run(fmt.Sprintf("1e%d", issues), func(b *testing.B) {
			benchAnalyze(b, opposedProfiles(b, issues, 10, 2, 0))
		})
	}
}

// BenchmarkAnalyzeManyParties covers 3 parties ≤ 0.1 s and 4 parties ≤ 1 s
// at 10^10 outcomes.
func BenchmarkAnalyzeManyParties(b *testing.B) {
	for _, parties := range []int{3, 4} {
		b.Run(fmt.Sprintf("%dparties-1e10", parties), func(b *testing.B) {
			benchAnalyze(b, opposedProfiles(b, 10, 10, parties, 0))
		})
	}
}

// BenchmarkAnalyzeWithoutFrontier covers issue 13's multilateral targets
// through Analyze: the ideal point and the Nash, Kalai–Smorodinsky,
// egalitarian and max-welfare points without the frontier (what parley
// analyze does for three parties or more beyond 10^6 outcomes), 3, 4 and 5
// parties on 10^20 outcomes (≤ 1 s for 5) and 10 parties on 10^10 (≤ 10 s).
// With reservations 0 every outcome is acceptable; with 0.3 they bind,
// and the acceptable count is given up within its default budget (or
// skipped: "nocount", the solutions alone).
func BenchmarkAnalyzeWithoutFrontier(b *testing.B) {
	for _, c := range []struct{ issues, parties int }{{20, 3}, {20, 4}, {20, 5}, {10, 10}} {
		for _, v := range []struct {
			rv   float64
			skip bool
		}{{0, false}, {0.3, false}, {0.3, true}} {
			name := fmt.Sprintf("%dparties-1e%d-rv%g", c.parties, c.issues, v.rv)
			if v.skip {
				name += "-nocount"
			}
			b.Run(name, func(b *testing.B) {
				ps := opposedProfiles(b, c.issues, 10, c.parties, v.rv)
				b.ReportAllocs()
				for b.Loop() {
					a, err := Analyze(ps, AnalyzeOptions{NoFrontier: true, SkipCount: v.skip})
					if err != nil || a.Nash == nil {
						b.Fatalf("no Nash point: %v", err)
					}
				}
			})
		}
	}
}

// BenchmarkAcceptableCount covers the exact count of acceptable outcomes
// of 10^12 ≤ 2 s, with both parties' reservations binding.
func BenchmarkAcceptableCount(b *testing.B) {
	ps := opposedProfiles(b, 12, 10, 2, 0.4)
	lin := []*LinearAdditive{ps[0].(*LinearAdditive), ps[1].(*LinearAdditive)}
	r := []float64{ps[0].Reservation(), ps[1].Reservation()}
	for b.Loop() {
		if _, err := countLinear(lin, r, AnalyzeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUtility covers one outcome's utility, 10 issues: ≤ 10 ns, no
// allocation.
func BenchmarkUtility(b *testing.B) {
	ps := opposedProfiles(b, 10, 10, 2, 0)
	o := Outcome{1, 2, 3, 4, 5, 6, 7, 8, 9, 0}
	p := ps[0].(*LinearAdditive)
	b.ReportAllocs()
	s := 0.0
	for b.Loop() {
		s += p.Utility(o)
	}
	_ = s
}

// BenchmarkWorstCaseFrontier covers a space where every outcome is on the
// frontier (u_1 = 1 − u_0 exactly): ≥ 3·10^6 frontier points per second.
func BenchmarkWorstCaseFrontier(b *testing.B) {
	d := randomDomain(10, 10, 10, 10, 10, 10) // 10^6 outcomes, all Pareto
	x := &LinearAdditive{ProfileName: "a", Dom: d}
	y := &LinearAdditive{ProfileName: "b", Dom: d}
	w := 1.0
	for range d.Issues {
		w /= 10
		x.Weights = append(x.Weights, w*9)
		y.Weights = append(y.Weights, w*9)
		ex, ey := Evaluator{}, Evaluator{}
		for v := 0; v < 10; v++ {
			ex.Evaluations = append(ex.Evaluations, float64(v))
			ey.Evaluations = append(ey.Evaluations, float64(9-v))
		}
		x.Evaluators = append(x.Evaluators, ex)
		y.Evaluators = append(y.Evaluators, ey)
	}
	for _, p := range []*LinearAdditive{x, y} {
		if err := p.Compile(); err != nil {
			b.Fatal(err)
		}
	}
	var a *Analysis
	for b.Loop() {
		var err error
		a, err = Analyze([]Profile{x, y}, AnalyzeOptions{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(a.Pareto))*float64(b.N)/b.Elapsed().Seconds(), "points/s")
	b.ReportMetric(float64(len(a.Pareto)), "frontier-points")
}
