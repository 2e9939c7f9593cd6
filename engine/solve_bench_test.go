package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// mediatorProblem is the server's mediator at scale: parties over
// issues×values outcomes (opposedProfiles: the first two opposed on every
// issue, the rest random), reservations rv, and constraint profiles drawn
// at random whose minimum is rc of their best.
func mediatorProblem(tb testing.TB, issues, values, parties, constraints int, rv, rc float64) Problem {
	tb.Helper()
	ps := opposedProfiles(tb, issues, values, parties, rv)
	p := Problem{Parties: ps}
	d := ps[0].Domain()
	rng := rand.New(rand.NewPCG(uint64(issues)*7, uint64(constraints)))
	for c := 0; c < constraints; c++ {
		p.Constraints = append(p.Constraints, weightedProfile(tb, rng, d, fmt.Sprint("stakeholder", c), rc, func(int, int) float64 { return rng.Float64() }))
	}
	return p
}

func benchSolve(b *testing.B, p Problem) {
	b.Helper()
	var s *Solved
	var err error
	for b.Loop() {
		s, err = Solve(b.Context(), p, SolveOptions{})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(s.Nodes), "nodes")
}

// BenchmarkSolveMediator covers the server's target: a mediator's text on
// 10^12 outcomes, 2 members and 2 stakeholders with red lines, ≤ 50 ms.
func BenchmarkSolveMediator(b *testing.B) {
	for _, sol := range []Solution{SolutionNash, SolutionKalaiSmorodinsky, SolutionEgalitarian} {
		b.Run(string(sol), func(b *testing.B) {
			p := mediatorProblem(b, 12, 10, 2, 2, 0.3, 0.55)
			p.Solution = sol
			benchSolve(b, p)
		})
	}
}

// BenchmarkSolveManyParties covers issue 13's multilateral targets: 3, 4
// and 5 parties on 10^20 outcomes (≤ 1 s for 5) and 10 parties on 10^10
// (≤ 10 s), each solution.
func BenchmarkSolveManyParties(b *testing.B) {
	cases := []struct{ issues, parties int }{{20, 3}, {20, 4}, {20, 5}, {10, 10}}
	for _, c := range cases {
		for _, sol := range []Solution{SolutionNash, SolutionKalaiSmorodinsky, SolutionEgalitarian} {
			b.Run(fmt.Sprintf("%dparties-1e%d-%s", c.parties, c.issues, sol), func(b *testing.B) {
				p := mediatorProblem(b, c.issues, 10, c.parties, 0, 0, 0)
				p.Solution = sol
				benchSolve(b, p)
			})
		}
	}
}

// BenchmarkSolveConstrained is the harder case: reservations and two
// stakeholders' minimums that bind, 5 parties on 10^20 outcomes and 10 on
// 10^10, and Assess of a text there.
func BenchmarkSolveConstrained(b *testing.B) {
	for _, c := range []struct{ issues, parties int }{{20, 5}, {10, 10}} {
		for _, sol := range []Solution{SolutionNash, SolutionKalaiSmorodinsky, SolutionEgalitarian} {
			b.Run(fmt.Sprintf("%dparties-1e%d-%s", c.parties, c.issues, sol), func(b *testing.B) {
				p := mediatorProblem(b, c.issues, 10, c.parties, 2, 0.3, 0.6)
				p.Solution = sol
				benchSolve(b, p)
			})
		}
	}
	b.Run("assess-5parties-1e20", func(b *testing.B) {
		p := mediatorProblem(b, 20, 10, 5, 2, 0.3, 0.6)
		s, err := Solve(b.Context(), p, SolveOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, dom, err := Assess(b.Context(), p, s.Outcome, SolveOptions{}); err != nil || dom {
				b.Fatalf("the Nash text: dominated %v, %v", dom, err)
			}
		}
	})
}
