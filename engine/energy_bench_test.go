package engine_test

import (
	"path/filepath"
	"testing"

	"parley/engine"
	"parley/genius"
)

func loadEnergy(tb testing.TB) []engine.Profile {
	tb.Helper()
	sc, err := genius.Load(filepath.Join("..", "testdata", "domains", "anac2011-Energy"))
	if err != nil {
		tb.Fatal(err)
	}
	return sc.Profiles
}

// BenchmarkEnergyAnalyze is the exact analysis of ANAC 2011 Energy
// (390,625 outcomes). Compare with BenchmarkEnergyEvaluateAll, the cost of
// evaluating every outcome once for both parties — the least any
// enumerating tool must do; the target is at least 100× faster.
func BenchmarkEnergyAnalyze(b *testing.B) {
	ps := loadEnergy(b)
	for b.Loop() {
		if _, err := engine.Analyze(ps, engine.AnalyzeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEnergyEvaluateAll evaluates every Energy outcome once for both
// parties with parley's own fast Utility (the baseline).
func BenchmarkEnergyEvaluateAll(b *testing.B) {
	ps := loadEnergy(b)
	d := ps[0].Domain()
	sum := 0.0
	for b.Loop() {
		o := make(engine.Outcome, len(d.Issues))
		for {
			for _, p := range ps {
				sum += p.Utility(o)
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
				break
			}
		}
	}
	if sum == 0 {
		b.Fatal("no utility")
	}
}
