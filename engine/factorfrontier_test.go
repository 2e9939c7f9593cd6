package engine

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// randomHRFull is a random hyperrectangle profile over d: rectangles of
// one to three bounds (exclusive ones and negative utilities too when
// mixed; real utilities and maximum when floats), and a maxutility low
// enough that the cap of 1 often binds.
func randomHRFull(rng *rand.Rand, d *Domain, name string, mixed, floats bool) *Hyperrectangle {
	p := &Hyperrectangle{ProfileName: name, Dom: d, Fun: Ufun{Aggregation: AggSum, Weight: 1}}
	total := 0.0
	for k := 2 + rng.Intn(8); k > 0; k-- {
		r := Rectangle{Utility: float64(1 + rng.Intn(20)), Weight: 1, Exclusive: mixed && rng.Intn(4) == 0}
		if floats {
			r.Utility = 0.05 + rng.Float64()*10
		}
		if mixed && rng.Intn(6) == 0 {
			r.Utility = -r.Utility
		} else {
			total += r.Utility
		}
		for b := 1 + rng.Intn(3); b > 0; b-- {
			i := rng.Intn(len(d.Issues))
			lo := rng.Intn(d.Issues[i].NumValues())
			r.Bounds = append(r.Bounds, Bound{Issue: i, Min: lo, Max: lo + rng.Intn(d.Issues[i].NumValues()-lo)})
		}
		p.Fun.Rectangles = append(p.Fun.Rectangles, r)
	}
	// An integer maximum, so that sums reach it exactly (U = 1 at the cap).
	p.MaxUtility = max(1, math.Round(total*(0.5+rng.Float64()*0.7)))
	if floats {
		p.MaxUtility = max(0.37, total*(0.5+rng.Float64()*0.7))
	}
	if err := p.Compile(); err != nil {
		panic(err)
	}
	return p
}

// TestFactorFrontierMatchesBruteForce compares the two-phase frontier of
// sums of small parts with enumeration, caps included.
func TestFactorFrontierMatchesBruteForce(t *testing.T) {
	testFrontierMatchesBruteForce(t, true, false, factorFrontier2)
	testFrontierMatchesBruteForce(t, true, true, factorFrontier2)
}

// TestCliqueFrontierMatchesBruteForce does the same for the clique search,
// on sums of inclusive boxes.
func TestCliqueFrontierMatchesBruteForce(t *testing.T) {
	testFrontierMatchesBruteForce(t, false, false, cliqueFrontier2)
	testFrontierMatchesBruteForce(t, false, true, cliqueFrontier2)
}

// testFrontierMatchesBruteForce runs 1,000 random problems; floats gives
// them real utilities and maxima, whose sums round differently in the
// searches' bounds than in the utilities.
func testFrontierMatchesBruteForce(t *testing.T, mixed, floats bool, frontier func(context.Context, []Profile, int) ([][]float64, []Outcome, bool)) {
	rng := rand.New(rand.NewSource(3))
	for trial := 0; trial < 1000; trial++ {
		d := randomIntDomain(rng, 2+rng.Intn(4), 5)
		ps := []Profile{randomHRFull(rng, d, "a", mixed, floats), randomHRFull(rng, d, "b", mixed, floats)}
		us, os, ok := frontier(t.Context(), ps, 10_000_000)
		if !ok {
			t.Fatalf("floats %v trial %d: no frontier", floats, trial)
		}
		checkFrontierPoints(t, fmt.Sprintf("floats %v trial %d", floats, trial), ps, us, os)
	}
}

// randomIntDomain has the given number of integer issues of 2 to
// 1+maxValues values each.
func randomIntDomain(rng *rand.Rand, issues, maxValues int) *Domain {
	d := &Domain{Name: "r"}
	for ; issues > 0; issues-- {
		nv := 2 + rng.Intn(maxValues)
		d.Issues = append(d.Issues, Issue{Name: string(rune('a' + len(d.Issues))), Kind: Integer, Lower: 0, Upper: float64(nv - 1)})
	}
	return d
}

// checkFrontierPoints compares a two-party frontier (us, witnessed by os)
// with enumeration: each point is worth what its outcome is, none is listed
// twice, and the points are exactly the enumerated frontier's.
func checkFrontierPoints(t *testing.T, what string, ps []Profile, us [][]float64, os []Outcome) {
	t.Helper()
	want := bruteForce(ps).frontier
	got := map[string]bool{}
	for i, u := range us {
		r := []float64{Round(u[0]), Round(u[1])}
		if v := []float64{Round(ps[0].Utility(os[i])), Round(ps[1].Utility(os[i]))}; vecKey(v) != vecKey(r) {
			t.Fatalf("%s: point %v has outcome %v worth %v", what, r, os[i], v)
		}
		got[vecKey(r)] = true
	}
	if len(got) != len(us) || len(got) != len(want) {
		t.Fatalf("%s: %d points (%d distinct), enumeration finds %d: %v vs %v", what, len(us), len(got), len(want), got, want)
	}
	for k := range want {
		if !got[k] {
			t.Fatalf("%s: frontier point %s missing; found %v", what, k, got)
		}
	}
}

// TestFactorFrontierAtTheCap: outcomes whose sum equals the maximum
// exactly have utility 1; the frontier must not keep an outcome that one of
// them dominates. (2010 is a maximum whose reciprocal does not invert
// exactly in floating point.)
func TestFactorFrontierAtTheCap(t *testing.T) {
	d := &Domain{Name: "cap", Issues: []Issue{{Name: "a", Kind: Integer, Lower: 0, Upper: 1}}}
	rect := func(u float64, v int) Rectangle {
		return Rectangle{Utility: u, Weight: 1, Bounds: []Bound{{Issue: 0, Min: v, Max: v}}}
	}
	p0 := &Hyperrectangle{ProfileName: "p0", Dom: d, MaxUtility: 2010, Fun: Ufun{Aggregation: AggSum, Weight: 1, Rectangles: []Rectangle{rect(2041, 0), rect(2010, 1)}}}
	p1 := &Hyperrectangle{ProfileName: "p1", Dom: d, MaxUtility: 100, Fun: Ufun{Aggregation: AggSum, Weight: 1, Rectangles: []Rectangle{rect(10, 1)}}}
	for _, p := range []*Hyperrectangle{p0, p1} {
		if err := p.Compile(); err != nil {
			t.Fatal(err)
		}
	}
	us, os, ok := factorFrontier2(t.Context(), []Profile{p0, p1}, 1000)
	if !ok || len(us) != 1 || os[0][0] != 1 {
		t.Fatalf("frontier %v %v (ok %v); want the one point (1, 0.1) at a=1", us, os, ok)
	}
}

// TestFactorFrontierDeclinesUncappedLinear: a linear profile whose weights
// add up to more than 1 is not capped at 1, so it is not a capped sum; the
// exact search over sums must decline it rather than cap it (which lost
// the frontier point (5, 0) here), and Analyze still gets the frontier
// right.
func TestFactorFrontierDeclinesUncappedLinear(t *testing.T) {
	d := &Domain{Name: "lin", Issues: []Issue{
		{Name: "a", Kind: Integer, Lower: 0, Upper: 2},
		{Name: "b", Kind: Integer, Lower: 0, Upper: 2},
	}}
	lin := &LinearAdditive{ProfileName: "lin", Dom: d, Weights: []float64{2, 3}, Evaluators: []Evaluator{{Kind: EvalLinear, Slope: 0.5}, {Kind: EvalLinear, Slope: 0.5}}}
	if err := lin.Compile(); err != nil {
		t.Fatal(err)
	}
	hr := &Hyperrectangle{ProfileName: "hr", Dom: d, MaxUtility: 4, Fun: Ufun{Aggregation: AggSum, Weight: 1, Rectangles: []Rectangle{
		{Utility: 4, Weight: 1, Bounds: []Bound{{Issue: 0, Min: 0, Max: 0}, {Issue: 1, Min: 0, Max: 0}}},
		{Utility: 1, Weight: 1, Bounds: []Bound{{Issue: 1, Min: 1, Max: 2}}},
	}}}
	if err := hr.Compile(); err != nil {
		t.Fatal(err)
	}
	ps := []Profile{lin, hr}
	if _, _, ok := factorFrontier2(t.Context(), ps, 1_000_000); ok {
		t.Error("the exact search over sums took a linear profile that can reach 5 as capped at 1")
	}
	a, err := Analyze(ps, AnalyzeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := bruteForce(ps).frontier
	if len(a.Pareto) != len(want) {
		t.Fatalf("%d frontier points, enumeration %d", len(a.Pareto), len(want))
	}
	for _, p := range a.Pareto {
		if !want[vecKey(p.Utilities)] {
			t.Errorf("point %v is not on the enumerated frontier", p.Utilities)
		}
	}
}

// TestFactorFrontierCappedLinear: a GENIUS linear profile (Cap) whose
// weights add up to more than 1 is min(1, Σ) — a capped sum the exact
// search over sums takes — and its frontier against a hyperrectangle
// profile matches enumeration, through factorFrontier2 and through
// Analyze, on 300 random problems.
func TestFactorFrontierCappedLinear(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	for trial := 0; trial < 300; trial++ {
		d := randomIntDomain(rng, 2+rng.Intn(3), 4)
		lin := &LinearAdditive{ProfileName: "lin", Dom: d, Cap: true}
		for range d.Issues {
			// Weights adding up to about 1.5: the cap binds on some outcomes.
			w := float64(1+rng.Intn(8)) / 10
			if trial%2 == 1 {
				w = rng.Float64() * 0.8
			}
			lin.Weights = append(lin.Weights, w)
			lin.Evaluators = append(lin.Evaluators, Evaluator{Kind: EvalLinear, Slope: float64(rng.Intn(3)) / 2, Offset: float64(rng.Intn(2)) / 2})
		}
		if err := lin.Compile(); err != nil {
			t.Fatal(err)
		}
		ps := []Profile{lin, randomHRFull(rng, d, "hr", true, trial%2 == 1)}
		us, os, ok := factorFrontier2(t.Context(), ps, 10_000_000)
		if !ok {
			t.Fatalf("trial %d: the exact search over sums declined a capped linear profile", trial)
		}
		for _, u := range us {
			if Round(u[0]) > 1 {
				t.Fatalf("trial %d: point %v exceeds the cap", trial, u)
			}
		}
		checkFrontierPoints(t, fmt.Sprint("trial ", trial), ps, us, os)
		a, err := Analyze(ps, AnalyzeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		checkAgainstBrute(t, ps, a)
	}
}

// TestFactorCountMatchesBruteForce: the count over classes of values
// agrees with enumeration on 1,000 random sums of rectangles (exclusive
// ones and negative utilities too; integer and real utilities) of two or
// three parties with random reservations, some at a utility reached
// exactly.
func TestFactorCountMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for trial := 0; trial < 1000; trial++ {
		floats := trial%2 == 1
		d := randomIntDomain(rng, 2+rng.Intn(4), 5)
		var ps []Profile
		for p := 0; p < 2+rng.Intn(2); p++ {
			h := randomHRFull(rng, d, fmt.Sprint(p), true, floats)
			h.ReservationValue = rng.Float64() * 0.8
			if rng.Intn(3) == 0 {
				// A reservation some outcome meets exactly.
				o := make(Outcome, len(d.Issues))
				for i := range o {
					o[i] = rng.Intn(d.Issues[i].NumValues())
				}
				h.ReservationValue = h.Utility(o)
			}
			ps = append(ps, h)
		}
		r := make([]float64, len(ps))
		for p := range ps {
			r[p] = ps[p].Reservation()
		}
		got, ok, err := factorCount(t.Context(), ps, r, 10_000_000)
		if !ok || err != nil {
			t.Fatalf("trial %d: no count (%v)", trial, err)
		}
		if want := bruteForce(ps).acceptable; got.Int64() != want {
			t.Fatalf("trial %d (floats %v): %v acceptable; enumeration counts %d", trial, floats, got, want)
		}
	}
}

// TestAnalyzeSumsBeyondBoxFirstSize: past boxFirstSize outcomes, sums go
// to the search over their parts at once. The same random rectangles on a
// few issues, then on those issues and 15 more of 10 values that no
// rectangle bounds (more than 10^15 outcomes): Analyze finds the frontier
// enumeration finds on the few.
func TestAnalyzeSumsBeyondBoxFirstSize(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	for trial := 0; trial < 60; trial++ {
		mixed, floats := trial%3 == 0, trial%2 == 1
		small := randomIntDomain(rng, 2+rng.Intn(3), 5)
		ps := []Profile{randomHRFull(rng, small, "a", mixed, floats), randomHRFull(rng, small, "b", mixed, floats)}
		big := &Domain{Name: "big", Issues: append([]Issue(nil), small.Issues...)}
		for range 15 {
			big.Issues = append(big.Issues, Issue{Name: fmt.Sprint("x", len(big.Issues)), Kind: Integer, Lower: 0, Upper: 9})
		}
		if big.SizeFloat() <= boxFirstSize {
			t.Fatalf("%g outcomes; want more than %g", big.SizeFloat(), boxFirstSize)
		}
		var bps []Profile
		for _, p := range ps {
			h := *p.(*Hyperrectangle)
			h.Dom = big
			if err := h.Compile(); err != nil {
				t.Fatal(err)
			}
			bps = append(bps, &h)
		}
		a, err := Analyze(bps, AnalyzeOptions{SkipCount: true})
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		want := bruteForce(ps).frontier
		if len(a.Pareto) != len(want) {
			t.Fatalf("trial %d (%s): %d points; enumeration of the few issues finds %d", trial, a.Method, len(a.Pareto), len(want))
		}
		for _, p := range a.Pareto {
			if !want[vecKey(p.Utilities)] {
				t.Fatalf("trial %d (%s): point %v is not on the frontier", trial, a.Method, p.Utilities)
			}
		}
	}
}
