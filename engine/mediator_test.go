package engine

import (
	"math"
	"slices"
	"testing"
)

// checkEfficient fails unless o is acceptable to every party and no outcome
// is at least as good for all and better for one.
func checkEfficient(tb testing.TB, ps []Profile, a *Analysis, o Outcome) {
	tb.Helper()
	if o == nil {
		tb.Fatal("no agreement")
	}
	for i, p := range ps {
		if Round(p.Utility(o)) < Round(p.Reservation()) {
			tb.Errorf("party %d gets %v, below its reservation %v", i, p.Utility(o), p.Reservation())
		}
	}
	better, _, err := a.Improvements(o)
	if err != nil {
		tb.Fatal(err)
	}
	if len(better) > 0 {
		tb.Errorf("agreement %v is not Pareto-efficient: %d points dominate it, e.g. %v", o, len(better), better[0].Utilities)
	}
}

func judges(ps []Profile) []Judge {
	var js []Judge
	for _, p := range ps {
		js = append(js, TruthfulJudge{p})
	}
	return js
}

func TestConfidentialMediatorReachesEfficientAgreement(t *testing.T) {
	for _, tc := range []struct {
		name    string
		parties int
		sol     Solution
	}{
		{"two parties nash", 2, SolutionNash},
		{"two parties ks", 2, SolutionKalaiSmorodinsky},
		{"two parties egalitarian", 2, SolutionEgalitarian},
		{"three parties nash", 3, SolutionNash},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := synthetic(t, 11, []int{5, 4, 6, 3}, tc.parties)
			a, err := Analyze(ps, AnalyzeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := ConfidentialMediator(ps, judges(ps), SingleTextOptions{Solution: tc.sol})
			if err != nil {
				t.Fatal(err)
			}
			checkEfficient(t, ps, a, res.Agreement)
			want := map[Solution]*Point{SolutionNash: a.Nash, SolutionKalaiSmorodinsky: a.KalaiSmorodinsky, SolutionEgalitarian: a.Egalitarian}[tc.sol]
			if !slices.Equal(res.Agreement, want.Outcome) {
				t.Errorf("agreement %v; want the %s point %v", res.Agreement, tc.sol, want.Outcome)
			}
		})
	}
}

// stubborn rejects the first n texts it is asked to accept.
type stubborn struct {
	TruthfulJudge
	n int
}

func (s *stubborn) Accepts(o Outcome) bool {
	if s.n > 0 {
		s.n--
		return false
	}
	return s.TruthfulJudge.Accepts(o)
}

func TestConfidentialMediatorMovesOnWhenRejected(t *testing.T) {
	ps := synthetic(t, 12, []int{5, 4, 6}, 2)
	js := judges(ps)
	js[1] = &stubborn{TruthfulJudge{ps[1]}, 1}
	res, err := ConfidentialMediator(ps, js, SingleTextOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := Analyze(ps, AnalyzeOptions{})
	if len(res.Texts) != 2 || slices.Equal(res.Agreement, a.Nash.Outcome) {
		t.Fatalf("%d texts, agreement %v; want the Nash point rejected and a second text agreed", len(res.Texts), res.Agreement)
	}
	checkEfficient(t, ps, a, res.Agreement)
}

func TestHillClimbMediatorEndsLocallyEfficient(t *testing.T) {
	ps := synthetic(t, 13, []int{5, 4, 6, 3}, 2)
	res, err := HillClimbMediator(ps[0].Domain(), judges(ps), SingleTextOptions{Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Texts) < 2 {
		t.Fatalf("the mediator never moved from its first text")
	}
	final := res.Texts[len(res.Texts)-1]
	for k := 1; k < len(res.Texts); k++ {
		for i, p := range ps {
			if p.Utility(res.Texts[k]) <= p.Utility(res.Texts[k-1]) {
				t.Fatalf("text %d is not better than text %d for party %d", k, k-1, i)
			}
		}
	}
	d := ps[0].Domain()
	for i := range d.Issues {
		for v := 0; v < d.Issues[i].NumValues(); v++ {
			c := final.Clone()
			c[i] = v
			if ps[0].Utility(c) > ps[0].Utility(final) && ps[1].Utility(c) > ps[1].Utility(final) {
				t.Errorf("changing issue %d to %d would please both; the mediator stopped early", i, v)
			}
		}
	}
	a, _ := Analyze(ps, AnalyzeOptions{})
	u := []float64{ps[0].Utility(final), ps[1].Utility(final)}
	dp, dn := OutcomeDistances(a, u)
	if math.IsNaN(dp) || math.IsNaN(dn) || dp > dn {
		t.Errorf("distances to frontier %v and Nash %v", dp, dn)
	}
}

func TestConfidentialMediatorImprovesATentativeText(t *testing.T) {
	ps := synthetic(t, 14, []int{5, 4, 6, 3}, 2)
	a, err := Analyze(ps, AnalyzeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, start := range []Outcome{{0, 0, 0, 0}, {4, 3, 5, 2}, {2, 1, 3, 1}, a.Nash.Outcome} {
		res, err := ConfidentialMediator(ps, judges(ps), SingleTextOptions{Start: start})
		if err != nil {
			t.Fatal(err)
		}
		final := res.Texts[len(res.Texts)-1]
		for i, p := range ps {
			if p.Utility(final) < p.Utility(start) {
				t.Errorf("start %v: party %d likes the final text %v less (%v < %v)", start, i, final, p.Utility(final), p.Utility(start))
			}
		}
		if better, _, _ := a.Improvements(final); len(better) > 0 {
			t.Errorf("start %v: final text %v can still be improved for all", start, final)
		}
		if len(res.Texts) > 2 {
			t.Errorf("start %v: %d texts; one improving move reaches the frontier", start, len(res.Texts))
		}
		if res.Agreement != nil && !slices.Equal(res.Agreement, final) {
			t.Errorf("agreement %v is not the final text %v", res.Agreement, final)
		}
	}
}
