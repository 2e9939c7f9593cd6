package engine

import "testing"

// benchNegotiation runs negotiations between two time-dependent agents and
// reports SAOP rounds per second.
func benchNegotiation(b *testing.B, ps []Profile, e0, e1 float64, rounds int) {
	b.Helper()
	total := 0
	b.ReportAllocs()
	for b.Loop() {
		res, err := RunSAOP(ps, []Agent{NewTimeDependent(e0), NewTimeDependent(e1)}, SAOPOptions{Rounds: rounds})
		if err != nil {
			b.Fatal(err)
		}
		total += res.Rounds
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "rounds/s")
}

func BenchmarkSAOPSynthetic390k(b *testing.B) {
	ps := synthetic(b, 9, []int{5, 5, 5, 5, 5, 5, 5, 5}, 2)
	benchNegotiation(b, ps, 0.2, 0.2, 1000)
}
