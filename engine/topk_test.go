package engine

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTopOutcomesAgainstEnumeration checks the k best and worst outcomes of
// random linear profiles against sorting every outcome.
func TestTopOutcomesAgainstEnumeration(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 200; trial++ {
		d := &Domain{Name: "t"}
		for i := 0; i < 1+r.IntN(4); i++ {
			is := Issue{Name: string(rune('a' + i)), Kind: Discrete, Index: i + 1}
			for v := 0; v < 1+r.IntN(4); v++ {
				is.Values = append(is.Values, string(rune('p'+v)))
			}
			d.Issues = append(d.Issues, is)
		}
		p := &LinearAdditive{ProfileName: "p", Dom: d}
		for i := range d.Issues {
			ev := make([]float64, d.Issues[i].NumValues())
			for v := range ev {
				ev[v] = float64(r.IntN(5))
			}
			p.Weights = append(p.Weights, r.Float64())
			p.Evaluators = append(p.Evaluators, Evaluator{Kind: EvalTable, Evaluations: ev})
		}
		if err := p.Compile(); err != nil {
			t.Fatal(err)
		}
		var all []float64
		o := make(Outcome, len(d.Issues))
		var walk func(i int)
		walk = func(i int) {
			if i == len(o) {
				all = append(all, p.Utility(o))
				return
			}
			for v := 0; v < d.Issues[i].NumValues(); v++ {
				o[i] = v
				walk(i + 1)
			}
		}
		walk(0)
		slices.Sort(all)
		k := 3
		best, worst := TopOutcomes(p, k)
		want := min(k, len(all))
		if len(best) != want || len(worst) != want {
			t.Fatalf("trial %d: got %d best, %d worst; want %d", trial, len(best), len(worst), want)
		}
		for j := 0; j < want; j++ {
			if key(p.Utility(best[j])) != key(all[len(all)-1-j]) {
				t.Fatalf("trial %d: best[%d] = %v, want %v", trial, j, p.Utility(best[j]), all[len(all)-1-j])
			}
			if key(p.Utility(worst[j])) != key(all[j]) {
				t.Fatalf("trial %d: worst[%d] = %v, want %v", trial, j, p.Utility(worst[j]), all[j])
			}
		}
	}
}
