package engine_test

import (
	"errors"
	"math"
	"math/rand"
	"strings"
	"testing"

	"parley/engine"
)

// forEachOutcome calls fn with every outcome of d (the same slice, changed
// in place).
func forEachOutcome(d *engine.Domain, fn func(engine.Outcome)) {
	o := make(engine.Outcome, len(d.Issues))
	for {
		fn(o)
		i := len(o) - 1
		for ; i >= 0; i-- {
			if o[i]++; o[i] < d.Issues[i].NumValues() {
				break
			}
			o[i] = 0
		}
		if i < 0 {
			return
		}
	}
}

// TestMaxSumMatchesBruteForce compares the exact search with enumeration
// on random factor sets of every arity, integer-valued so that every sum
// is exact.
func TestMaxSumMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for trial := 0; trial < 300; trial++ {
		d := intDomain(2+rng.Intn(5), 2+rng.Intn(4))
		var fs []engine.Factor
		for k := rng.Intn(12); k >= 0; k-- {
			var scope []int
			for i := range d.Issues {
				if rng.Intn(3) == 0 {
					scope = append(scope, i)
				}
			}
			size := 1
			for _, i := range scope {
				size *= d.Issues[i].NumValues()
			}
			f := engine.Factor{Scope: scope, Table: make([]float64, size)}
			for i := range f.Table {
				// Few distinct values, so that values of an issue fall into
				// classes and maxima tie.
				f.Table[i] = float64(rng.Intn(4) - 1)
			}
			fs = append(fs, f)
		}
		sum := func(o engine.Outcome) float64 {
			s := 0.0
			for _, f := range fs {
				idx := 0
				for _, i := range f.Scope {
					idx = idx*d.Issues[i].NumValues() + o[i]
				}
				s += f.Table[idx]
			}
			return s
		}
		want := math.Inf(-1)
		forEachOutcome(d, func(o engine.Outcome) { want = math.Max(want, sum(o)) })
		o, got, err := engine.MaxSum(d, fs, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got != want || sum(o) != want {
			t.Fatalf("trial %d: MaxSum found %v worth %v (reported %v); the maximum is %v", trial, o, sum(o), got, want)
		}
	}
}

func TestMaxSumRejectsBadFactors(t *testing.T) {
	d := intDomain(2, 3)
	for _, f := range []engine.Factor{
		{Scope: []int{2}, Table: make([]float64, 3)},
		{Scope: []int{1, 0}, Table: make([]float64, 9)},
		{Scope: []int{0}, Table: make([]float64, 4)},
	} {
		if _, _, err := engine.MaxSum(d, []engine.Factor{f}, 0); err == nil {
			t.Errorf("factor over %v with %d entries accepted", f.Scope, len(f.Table))
		}
	}
	// A node budget too small for the search is an error, not a guess.
	big := intDomain(8, 4)
	var fs []engine.Factor
	for i := 0; i+1 < 8; i++ {
		f := engine.Factor{Scope: []int{i, i + 1}, Table: make([]float64, 16)}
		for j := range f.Table {
			f.Table[j] = float64((j*7 + i) % 5)
		}
		fs = append(fs, f)
	}
	if _, _, err := engine.MaxSum(big, fs, 2); err == nil {
		t.Error("a 2-node budget sufficed for an 8-issue chain")
	}
}

// randomRectangles is a hyperrectangle profile with rectangles of one to
// three bounds; exclusive rectangles and negative utilities only when
// mixed is set (otherwise it is a sum of inclusive boxes, which MaxWeighted
// solves as a clique search).
func randomRectangles(rng *rand.Rand, d *engine.Domain, name string, mixed bool) *engine.Hyperrectangle {
	p := &engine.Hyperrectangle{ProfileName: name, Dom: d, MaxUtility: 1000, Fun: engine.Ufun{Aggregation: engine.AggSum, Weight: 1}}
	for k := 3 + rng.Intn(10); k > 0; k-- {
		r := engine.Rectangle{Utility: float64(1 + rng.Intn(30)), Weight: 1}
		if mixed && rng.Intn(4) == 0 {
			r.Exclusive = true
		}
		if mixed && rng.Intn(5) == 0 {
			r.Utility = -r.Utility
		}
		for b := 1 + rng.Intn(3); b > 0; b-- {
			i := rng.Intn(len(d.Issues))
			lo := rng.Intn(d.Issues[i].NumValues())
			hi := lo + rng.Intn(d.Issues[i].NumValues()-lo)
			r.Bounds = append(r.Bounds, engine.Bound{Issue: i, Min: lo, Max: hi})
		}
		p.Fun.Rectangles = append(p.Fun.Rectangles, r)
	}
	if mixed && rng.Intn(2) == 0 {
		// A nested sum with a weight.
		p.Fun.Ufuns = []engine.Ufun{{Aggregation: engine.AggSum, Weight: 2, Rectangles: p.Fun.Rectangles[:1]}}
	}
	return p
}

// TestMaxWeightedIsParetoOptimal checks, by enumeration, that the exact
// weighted-sum search returns a Pareto-optimal outcome whose weighted sum
// is the maximum, through both of its searches (clique and issues) and
// with linear additive profiles mixed in.
func TestMaxWeightedIsParetoOptimal(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for trial := 0; trial < 200; trial++ {
		d := intDomain(2+rng.Intn(4), 2+rng.Intn(5))
		mixed := trial%2 == 1
		ps := []engine.Profile{randomRectangles(rng, d, "a", mixed), randomRectangles(rng, d, "b", mixed)}
		if trial%5 == 4 {
			ps = append(ps, randomLinear(rng, d))
		}
		for _, p := range ps {
			if h, ok := p.(*engine.Hyperrectangle); ok {
				if err := h.Compile(); err != nil {
					t.Fatal(err)
				}
			}
		}
		w := make([]float64, len(ps))
		for i := range w {
			w[i] = 0.1 + rng.Float64()
		}
		o, err := engine.MaxWeighted(ps, w, 0)
		if err != nil {
			t.Fatal(err)
		}
		u := utilities(ps, o)
		obj := func(x []float64) float64 {
			s := 0.0
			for i := range x {
				s += w[i] * x[i]
			}
			return s
		}
		forEachOutcome(d, func(y engine.Outcome) {
			v := utilities(ps, y)
			better, strict := true, false
			for i := range v {
				better = better && v[i] >= u[i]
				strict = strict || v[i] > u[i]
			}
			if better && strict {
				t.Fatalf("trial %d: %v %v dominates the result %v %v", trial, y, v, o, u)
			}
			// Weights are rounded to 20 bits inside, so the sum is the
			// maximum up to that.
			if obj(v) > obj(u)+1e-5 {
				t.Fatalf("trial %d: %v has weighted sum %v > the result's %v", trial, y, obj(v), obj(u))
			}
		})
	}
}

func utilities(ps []engine.Profile, o engine.Outcome) []float64 {
	u := make([]float64, len(ps))
	for i, p := range ps {
		u[i] = p.Utility(o)
	}
	return u
}

func randomLinear(rng *rand.Rand, d *engine.Domain) *engine.LinearAdditive {
	p := &engine.LinearAdditive{ProfileName: "lin", Dom: d}
	for i := range d.Issues {
		p.Weights = append(p.Weights, 1/float64(len(d.Issues)))
		ev := engine.Evaluator{Kind: engine.EvalTable}
		for v := 0; v < d.Issues[i].NumValues(); v++ {
			ev.Evaluations = append(ev.Evaluations, float64(rng.Intn(5))/4)
		}
		p.Evaluators = append(p.Evaluators, ev)
	}
	if err := p.Compile(); err != nil {
		panic(err)
	}
	return p
}

// TestMediatorWithoutFrontierOnProfilesThatAreNotSums: profiles that
// aggregate by max and min are no sums, so the exact weighted-sum search
// does not apply; without the frontier the mediator falls back to egalitarian branch and bound, says so, and its
// text is still acceptable and Pareto-optimal (checked by enumeration).
func TestMediatorWithoutFrontierOnProfilesThatAreNotSums(t *testing.T) {
	d := intDomain(4, 5)
	var ps []engine.Profile
	// The first seed whose frontier has more than one point.
	for seed := int64(1); ; seed++ {
		ps = maxMinProfiles(t, rand.New(rand.NewSource(seed)), d)
		a, err := engine.Analyze(ps, engine.AnalyzeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Pareto) > 1 {
			break
		}
	}
	if _, err := engine.MaxWeighted(ps, []float64{1, 1}, 0); err == nil || !strings.Contains(err.Error(), "not a sum") {
		t.Fatalf("MaxWeighted on max/min profiles: err = %v; want a refusal naming why", err)
	}
	js := []engine.Judge{engine.TruthfulJudge{Profile: ps[0]}, engine.TruthfulJudge{Profile: ps[1]}}
	res, err := engine.MediateEfficient(ps, js, engine.SingleTextOptions{}, errors.New("a test"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Note, "egalitarian branch and bound") || !res.ParetoOptimal || res.Agreement == nil {
		t.Fatalf("result %+v", res)
	}
	u := utilities(ps, res.Agreement)
	forEachOutcome(d, func(y engine.Outcome) {
		v := utilities(ps, y)
		if v[0] >= u[0] && v[1] >= u[1] && (v[0] > u[0] || v[1] > u[1]) {
			t.Fatalf("%v %v dominates the text %v %v", y, v, res.Agreement, u)
		}
	})
}

// maxMinProfiles are two profiles of random rectangles aggregated by max
// and by min.
func maxMinProfiles(t *testing.T, rng *rand.Rand, d *engine.Domain) []engine.Profile {
	var ps []engine.Profile
	for k := 0; k < 2; k++ {
		a := randomRectangles(rng, d, "a", false)
		b := randomRectangles(rng, d, "b", false)
		p := &engine.Hyperrectangle{ProfileName: string(rune('p' + k)), Dom: d, MaxUtility: 60, Fun: engine.Ufun{Aggregation: engine.AggSum, Weight: 1, Ufuns: []engine.Ufun{
			{Aggregation: engine.AggMax, Weight: 1, Rectangles: a.Fun.Rectangles},
			{Aggregation: engine.AggMin, Weight: 1, Rectangles: b.Fun.Rectangles},
		}}}
		if err := p.Compile(); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	return ps
}

// TestMediateEfficientSteersSafely: with reservations that leave the mean
// gain negative at first, steering toward the egalitarian point must not
// produce NaN or infinite weights; the one outcome acceptable to both is
// found. (The egalitarian branch and bound is given one node, so the
// weighted sums must do it.)
func TestMediateEfficientSteersSafely(t *testing.T) {
	d := &engine.Domain{Name: "one", Issues: []engine.Issue{{Name: "x", Kind: engine.Discrete, Values: []string{"a", "b", "c"}}}}
	mk := func(name string, ev []float64) *engine.LinearAdditive {
		p := &engine.LinearAdditive{ProfileName: name, Dom: d, Weights: []float64{1}, Evaluators: []engine.Evaluator{{Kind: engine.EvalTable, Evaluations: ev}}, ReservationValue: 0.5}
		if err := p.Compile(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ps := []engine.Profile{mk("a", []float64{0.3, 0.55, 1}), mk("b", []float64{0.6, 0.52, 0})}
	js := []engine.Judge{engine.TruthfulJudge{Profile: ps[0]}, engine.TruthfulJudge{Profile: ps[1]}}
	for _, sol := range []engine.Solution{engine.SolutionEgalitarian, engine.SolutionKalaiSmorodinsky, engine.SolutionNash} {
		res, err := engine.MediateEfficient(ps, js, engine.SingleTextOptions{Solution: sol, Analysis: engine.AnalyzeOptions{MaxNodes: 1}}, errors.New("a test"))
		if err != nil {
			t.Fatalf("%s: %v", sol, err)
		}
		if res.Agreement == nil || res.Agreement[0] != 1 {
			t.Errorf("%s: agreement %v (%s); want value b, the only one acceptable to both", sol, res.Agreement, res.Note)
		}
	}
}

// TestMediateEfficientWithCapsBinding: profiles whose sums often pass
// their maximum (so U = min(1, F/M) is capped) still get an acceptable,
// Pareto-optimal text, checked by enumeration, whichever search finds it.
func TestMediateEfficientWithCapsBinding(t *testing.T) {
	rng := rand.New(rand.NewSource(21))
	for trial := 0; trial < 60; trial++ {
		d := intDomain(2+rng.Intn(3), 2+rng.Intn(4))
		var ps []engine.Profile
		for _, name := range []string{"a", "b"} {
			p := randomRectangles(rng, d, name, trial%2 == 1)
			p.MaxUtility = float64(10 + rng.Intn(30))
			if err := p.Compile(); err != nil {
				t.Fatal(err)
			}
			ps = append(ps, p)
		}
		js := []engine.Judge{engine.TruthfulJudge{Profile: ps[0]}, engine.TruthfulJudge{Profile: ps[1]}}
		res, err := engine.MediateEfficient(ps, js, engine.SingleTextOptions{}, errors.New("a test"))
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		if res.Agreement == nil {
			continue // nothing acceptable to both (reservations are 0, so only if the search says so)
		}
		u := utilities(ps, res.Agreement)
		forEachOutcome(d, func(y engine.Outcome) {
			v := utilities(ps, y)
			if v[0] >= u[0] && v[1] >= u[1] && (v[0] > u[0] || v[1] > u[1]) {
				t.Fatalf("trial %d: %v %v dominates the text %v %v (%s)", trial, y, v, res.Agreement, u, res.Note)
			}
		})
	}
}
