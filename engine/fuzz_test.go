package engine

import (
	"fmt"
	"testing"
)

// FuzzAnalyze checks the engine's promise — the exact frontier, acceptable
// count and solutions — against brute force on small domains built from
// the fuzzer's bytes: issue sizes, evaluations on a coarse grid (so ties
// abound) and reservation values.
func FuzzAnalyze(f *testing.F) {
	f.Add([]byte{2, 3, 3, 2, 1, 5, 7, 9, 2, 4, 6, 8, 0, 1, 3})
	f.Add([]byte{3, 2, 4, 4, 3, 0, 0, 9, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{4, 1, 2, 3, 3, 3, 3, 1, 1, 1, 1, 2, 2, 2, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		next := func() int {
			if len(b) == 0 {
				return 0
			}
			x := int(b[0])
			b = b[1:]
			return x
		}
		parties := 2 + next()%3
		issues := 1 + next()%4
		sizes := make([]int, issues)
		for i := range sizes {
			sizes[i] = 1 + next()%4
		}
		d := randomDomain(sizes...)
		var ps []Profile
		for p := 0; p < parties; p++ {
			prof := &LinearAdditive{ProfileName: fmt.Sprint("p", p), Dom: d, ReservationValue: float64(next()%8) / 10}
			for i := range d.Issues {
				prof.Weights = append(prof.Weights, float64(next()%5)/4)
				ev := Evaluator{Kind: EvalDiscrete}
				for v := 0; v < sizes[i]; v++ {
					ev.Evaluations = append(ev.Evaluations, float64(next()%4))
				}
				prof.Evaluators = append(prof.Evaluators, ev)
			}
			if err := prof.Compile(); err != nil {
				t.Fatal(err)
			}
			ps = append(ps, prof)
		}
		a, err := Analyze(ps, AnalyzeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		checkAgainstBrute(t, ps, a)
	})
}
