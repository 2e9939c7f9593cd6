package engine_test

import (
	"math"
	"testing"

	"parley/engine"
)

func TestConstraintUtility(t *testing.T) {
	d := &engine.Domain{Name: "c", Issues: []engine.Issue{
		{Name: "money", Kind: engine.Discrete, Values: []string{"-5", "0", "100"}, Index: 1},
		{Name: "action", Kind: engine.Discrete, Values: []string{"NS=penalty", "NS=warning"}, Index: 2},
		{Name: "time", Kind: engine.Discrete, Values: []string{"today", "week"}, Index: 3},
	}}
	p := &engine.Constraint{
		ProfileName: "c",
		Dom:         d,
		Ranks: []engine.RankIssue{
			{Index: 1, Ranks: []engine.Rank{{"-5", 1}, {"0", 2}, {"100", 4}}},
			{Index: 3, Ranks: []engine.Rank{{"today", 2}, {"week", 1}}},
		},
		Rules: []engine.Rule{
			// Money to NS with a penalty is impossible.
			{Type: engine.InclusiveZeroOutcomeConstraint, Assignments: []engine.Assignment{{1, "numeric=positive"}, {2, "NS=penalty"}}},
			// Negative money without a penalty is impossible.
			{Type: engine.ConditionalZeroOutcomeConstraint, Assignments: []engine.Assignment{{1, "numeric=negative"}, {2, "NS=penalty"}}},
			// 100 within a week zeroes the money issue's rank.
			{Type: engine.ZeroConstraint, Index: 1, Assignments: []engine.Assignment{{1, "100"}, {3, "week"}}},
			// The time issue is zeroed when money sums to [-5, -5] and time is not "today".
			{Type: engine.SumZeroNotConstraint, Index: 3, Value: "today", Min: -5, Max: -5, Related: []int{1}},
		},
	}
	if err := p.Compile(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		o    engine.Outcome
		want float64
	}{
		{engine.Outcome{2, 0, 0}, 0},               // 100 ≥ 0 and NS=penalty: zero outcome
		{engine.Outcome{1, 0, 0}, 0},               // 0 counts as positive for the inclusive rule
		{engine.Outcome{0, 1, 0}, 0},               // -5 without penalty
		{engine.Outcome{0, 0, 1}, (0.25 + 0) / 2},  // -5 with penalty; sum rule zeroes time
		{engine.Outcome{0, 0, 0}, (0.25 + 1) / 2},  // -5, penalty, today
		{engine.Outcome{2, 1, 1}, (0 + 0.5) / 2},   // zeroConstraint on money
		{engine.Outcome{2, 1, 0}, (1 + 1) / 2.0},   // best
		{engine.Outcome{1, 1, 1}, (0.5 + 0.5) / 2}, // plain ranks
	}
	for _, tc := range tests {
		if got := p.Utility(tc.o); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("U(%v) = %v, want %v", tc.o, got, tc.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { p.Utility(engine.Outcome{2, 1, 1}) }); n != 0 {
		t.Errorf("Utility allocates %v times", n)
	}
}

func TestConstraintRefusesUnknownType(t *testing.T) {
	d := &engine.Domain{Name: "c", Issues: []engine.Issue{{Name: "a", Kind: engine.Discrete, Values: []string{"x"}, Index: 1}}}
	p := &engine.Constraint{Dom: d, Ranks: []engine.RankIssue{{Index: 1, Ranks: []engine.Rank{{"x", 1}}}},
		Rules: []engine.Rule{{Type: "exclusiveZeroConstraint", Index: 1}}}
	if err := p.Compile(); err == nil {
		t.Fatal("Compile accepted an unsupported constraint type")
	}
}

func TestTriangularMatchesGENIUS(t *testing.T) {
	is := &engine.Issue{Name: "r", Kind: engine.Real, Lower: 0, Upper: 1, Steps: 5}
	e := engine.Evaluator{Kind: engine.EvalTriangular, Low: 0, High: 1, Top: 0.5}
	for v, want := range []float64{0, 0.5, 1, 0.5, 0} {
		if got := e.Eval(is, v); math.Abs(got-want) > 1e-12 {
			t.Errorf("triangular(%v) = %v, want %v", is.Number(v), got, want)
		}
	}
	// GENIUS clamps real linear evaluators.
	l := engine.Evaluator{Kind: engine.EvalRealLinear, P0: -1, P1: 4}
	for v, want := range []float64{0, 0, 1, 1, 1} {
		if got := l.Eval(is, v); got != want {
			t.Errorf("linear(%v) = %v, want %v", is.Number(v), got, want)
		}
	}
}
