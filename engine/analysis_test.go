package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// randomDomain builds a domain with the given numbers of values per issue.
func randomDomain(sizes ...int) *Domain {
	d := &Domain{Name: "synthetic"}
	for i, n := range sizes {
		is := Issue{Name: fmt.Sprintf("i%d", i), Kind: Discrete}
		for v := 0; v < n; v++ {
			is.Values = append(is.Values, fmt.Sprintf("v%d", v))
		}
		d.Issues = append(d.Issues, is)
	}
	return d
}

// randomProfile draws evaluations on a coarse grid when coarse is set, so
// that ties between outcomes are common and exercise the tie rules.
func randomProfile(tb testing.TB, rng *rand.Rand, d *Domain, name string, coarse bool, rv float64) *LinearAdditive {
	tb.Helper()
	p := &LinearAdditive{ProfileName: name, Dom: d, ReservationValue: rv}
	for i := range d.Issues {
		w := rng.Float64()
		if coarse {
			w = float64(1+rng.IntN(4)) / 10
		}
		p.Weights = append(p.Weights, w)
		ev := Evaluator{Kind: EvalDiscrete}
		for v := 0; v < d.Issues[i].NumValues(); v++ {
			x := rng.Float64()
			if coarse {
				x = float64(rng.IntN(4))
			}
			ev.Evaluations = append(ev.Evaluations, x)
		}
		p.Evaluators = append(p.Evaluators, ev)
	}
	if err := p.Compile(); err != nil {
		tb.Fatal(err)
	}
	return p
}

// bruteForce is the definition, applied to every outcome.
type bruteResult struct {
	frontier   map[string]bool // keys of frontier points
	acceptable int64
	nash       float64
	welfare    float64
	egal       float64
	ks         float64
}

func vecKey(u []float64) string {
	var b strings.Builder
	for _, x := range u {
		fmt.Fprintf(&b, "%.0f,", key(x))
	}
	return b.String()
}

func bruteForce(ps []Profile) bruteResult {
	d := ps[0].Domain()
	n := len(ps)
	r := make([]float64, n)
	for p := range ps {
		r[p] = ps[p].Reservation()
	}
	seen := map[string][]float64{}
	var res bruteResult
	o := make(Outcome, len(d.Issues))
	for {
		u := make([]float64, n)
		for p := range ps {
			u[p] = Round(ps[p].Utility(o))
		}
		seen[vecKey(u)] = u
		if acceptable(u, r) {
			res.acceptable++
		}
		if !next(d, o) {
			break
		}
	}
	var pts [][]float64
	for _, u := range seen {
		pts = append(pts, u)
	}
	res.frontier = map[string]bool{}
	var acc [][]float64
	for _, u := range pts {
		dominated := false
		for _, q := range pts {
			if ge, gt := compareKeys(q, u); ge && gt {
				dominated = true
				break
			}
		}
		if !dominated {
			res.frontier[vecKey(u)] = true
		}
		if acceptable(u, r) {
			acc = append(acc, u)
		}
	}
	res.nash, res.welfare, res.egal, res.ks = math.NaN(), math.NaN(), math.NaN(), math.NaN()
	if len(acc) == 0 {
		return res
	}
	ideal := slices.Clone(acc[0])
	for _, u := range acc {
		for p := range u {
			ideal[p] = math.Max(ideal[p], u[p])
		}
	}
	res.nash, res.welfare, res.egal, res.ks = math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1)
	for _, u := range acc {
		prod, sum, egal, ks := 1.0, 0.0, math.Inf(1), math.Inf(1)
		for p := range u {
			prod *= math.Max(0, u[p]-r[p])
			sum += u[p]
			egal = math.Min(egal, u[p]-r[p])
			g := 1.0
			if ideal[p] > r[p] {
				g = (u[p] - r[p]) / (ideal[p] - r[p])
			}
			ks = math.Min(ks, g)
		}
		res.nash = math.Max(res.nash, prod)
		res.welfare = math.Max(res.welfare, sum)
		res.egal = math.Max(res.egal, egal)
		// K–S is defined over acceptable Pareto points only.
		if res.frontier[vecKey(u)] {
			res.ks = math.Max(res.ks, ks)
		}
	}
	return res
}

func checkAgainstBrute(t *testing.T, ps []Profile, a *Analysis) {
	t.Helper()
	b := bruteForce(ps)
	got := map[string]bool{}
	for _, pt := range a.Pareto {
		k := vecKey(pt.Utilities)
		if got[k] {
			t.Errorf("frontier lists %v twice", pt.Utilities)
		}
		got[k] = true
		if !b.frontier[k] {
			t.Errorf("frontier point %v is not Pareto-optimal by brute force", pt.Utilities)
		}
		// The witness must attain the point.
		for p, prof := range ps {
			if key(prof.Utility(pt.Outcome)) != key(pt.Utilities[p]) {
				t.Errorf("witness %v of %v gives party %d utility %v", pt.Outcome, pt.Utilities, p, prof.Utility(pt.Outcome))
			}
		}
	}
	if len(got) != len(b.frontier) {
		t.Errorf("frontier has %d points, brute force %d", len(got), len(b.frontier))
	}
	if a.Acceptable.Int64() != b.acceptable {
		t.Errorf("acceptable = %v, brute force %d", a.Acceptable, b.acceptable)
	}
	if math.IsNaN(b.nash) {
		if a.Nash != nil {
			t.Errorf("Nash = %v, want none (nothing acceptable)", a.Nash.Utilities)
		}
		return
	}
	if a.Nash == nil {
		t.Fatalf("no Nash point; brute force finds product %v", b.nash)
	}
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v, brute force %v", name, got, want)
		}
	}
	near("Nash product", a.NashProduct, b.nash)
	near("max welfare", a.Welfare, b.welfare)
	near("egalitarian gain", a.EgalitarianGain, b.egal)
	near("K–S ratio", a.KSRatio, b.ks)
}

func TestAnalyzeMatchesBruteForce(t *testing.T) {
	for _, tc := range []struct {
		name    string
		parties int
		sizes   []int
		coarse  bool
		rv      float64
		capped  bool // GENIUS's cap at 1 (the random weights add up to more)
	}{
		{"2 parties", 2, []int{4, 3, 5, 2, 3}, false, 0, false},
		{"2 parties ties", 2, []int{4, 3, 5, 2, 3}, true, 0, false},
		{"2 parties reservation", 2, []int{4, 6, 5, 3}, false, 0.45, false},
		{"2 parties ties reservation", 2, []int{4, 6, 5, 3}, true, 0.4, false},
		{"3 parties", 3, []int{4, 3, 5, 2, 3}, false, 0, false},
		{"3 parties ties reservation", 3, []int{4, 3, 5, 3, 3}, true, 0.3, false},
		{"4 parties", 4, []int{3, 3, 4, 2, 3}, false, 0.2, false},
		{"4 parties ties", 4, []int{3, 3, 4, 2, 3}, true, 0.3, false},
		{"1 issue", 2, []int{7}, false, 0, false},
		{"single outcome", 2, []int{1, 1}, false, 0, false},
		{"nothing acceptable", 2, []int{3, 3}, false, 5, false},
		{"5 parties", 5, []int{3, 2, 3, 4}, true, 0.25, false},
		{"2 parties capped", 2, []int{4, 3, 5, 2, 3}, false, 0.4, true},
		{"2 parties ties capped", 2, []int{4, 3, 5, 2, 3}, true, 0.3, true},
		{"3 parties capped", 3, []int{4, 3, 5, 2, 3}, false, 0.4, true},
		{"3 parties ties capped", 3, []int{4, 3, 5, 3, 3}, true, 0.3, true},
		{"4 parties ties capped", 4, []int{3, 3, 4, 2, 3}, true, 0.3, true},
		{"capped reservation above 1", 2, []int{3, 4}, true, 0.6, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for seed := uint64(1); seed <= 5; seed++ {
				rng := rand.New(rand.NewPCG(seed, 7))
				d := randomDomain(tc.sizes...)
				var ps []Profile
				for p := 0; p < tc.parties; p++ {
					prof := randomProfile(t, rng, d, fmt.Sprint("p", p), tc.coarse, tc.rv*rng.Float64()*2)
					if tc.capped {
						prof.Cap = true
						if err := prof.Compile(); err != nil {
							t.Fatal(err)
						}
					}
					ps = append(ps, prof)
				}
				a, err := Analyze(ps, AnalyzeOptions{})
				if err != nil {
					t.Fatal(err)
				}
				checkAgainstBrute(t, ps, a)
				// The generic paths must agree with the merge.
				for _, wrap := range []func(*LinearAdditive) Profile{
					func(p *LinearAdditive) Profile { return bounded{p} },
					func(p *LinearAdditive) Profile { return opaque{p} },
				} {
					var gs []Profile
					for _, p := range ps {
						gs = append(gs, wrap(p.(*LinearAdditive)))
					}
					g, err := Analyze(gs, AnalyzeOptions{})
					if err != nil {
						t.Fatal(err)
					}
					checkAgainstBrute(t, gs, g)
				}
			}
		})
	}
}

// bounded hides that a profile is linear, forcing branch and bound.
type bounded struct{ *LinearAdditive }

// opaque hides everything but Profile, forcing enumeration.
type opaque struct{ p *LinearAdditive }

func (o opaque) Name() string              { return o.p.Name() }
func (o opaque) Domain() *Domain           { return o.p.Domain() }
func (o opaque) Utility(x Outcome) float64 { return o.p.Utility(x) }
func (o opaque) Reservation() float64      { return o.p.Reservation() }
func (o opaque) DiscountFactor() float64   { return o.p.DiscountFactor() }

// TestFrontierExactLarge checks the merge against brute force on spaces of
// at least 10^7 outcomes, for 2 and 3 parties.
func TestFrontierExactLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("enumerates 10^7 outcomes")
	}
	for _, parties := range []int{2, 3} {
		t.Run(fmt.Sprint(parties, " parties"), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(parties), 99))
			d := randomDomain(10, 10, 10, 10, 10, 10, 10) // 10^7
			var ps []Profile
			for p := 0; p < parties; p++ {
				ps = append(ps, randomProfile(t, rng, d, fmt.Sprint("p", p), p == 0, 0.3))
			}
			a, err := Analyze(ps, AnalyzeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			// An enumerating frontier with chunked merging is the
			// independent oracle here; an O(N²) brute force is too slow.
			var gs []Profile
			for _, p := range ps {
				gs = append(gs, opaque{p.(*LinearAdditive)})
			}
			us, os, err := enumerateFrontier(gs, AnalyzeOptions{MaxEnumerate: 1e8, MaxFrontier: 1e7})
			if err != nil {
				t.Fatal(err)
			}
			want := roundFrontier(newRawFrontier(parties, len(d.Issues), us, os))
			if len(want) != len(a.Pareto) {
				t.Fatalf("frontier has %d points, enumeration %d", len(a.Pareto), len(want))
			}
			for i := range want {
				if !slices.Equal(want[i].Utilities, a.Pareto[i].Utilities) {
					t.Fatalf("point %d: %v, enumeration %v", i, a.Pareto[i].Utilities, want[i].Utilities)
				}
			}
			var count int64
			o := make(Outcome, len(d.Issues))
			u := make([]float64, parties)
			for {
				for p := range ps {
					u[p] = ps[p].Utility(o)
				}
				if acceptable(u, a.Reservations) {
					count++
				}
				if !next(d, o) {
					break
				}
			}
			if a.Acceptable.Int64() != count {
				t.Errorf("acceptable = %v, enumeration %d", a.Acceptable, count)
			}
		})
	}
}

func TestImprovements(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	d := randomDomain(4, 4, 4)
	ps := []Profile{randomProfile(t, rng, d, "a", false, 0), randomProfile(t, rng, d, "b", false, 0)}
	a, err := Analyze(ps, AnalyzeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Every Pareto point has no improvements; a dominated outcome has some,
	// each better for both in the weak sense and for one strictly.
	for _, pt := range a.Pareto {
		imp, _, err := a.Improvements(pt.Outcome)
		if err != nil {
			t.Fatal(err)
		}
		if len(imp) != 0 {
			t.Errorf("Pareto point %v has improvements %v", pt.Utilities, imp)
		}
	}
	worst := Outcome{0, 0, 0}
	imp, u, err := a.Improvements(worst)
	if err != nil {
		t.Fatal(err)
	}
	onFrontier := false
	for _, pt := range a.Pareto {
		if slices.Equal(pt.Utilities, u) {
			onFrontier = true
		}
	}
	if !onFrontier && len(imp) == 0 {
		t.Errorf("outcome %v with utilities %v is dominated but has no improvements", worst, u)
	}
	for _, pt := range imp {
		if pt.Utilities[0] < u[0] || pt.Utilities[1] < u[1] || (pt.Utilities[0] == u[0] && pt.Utilities[1] == u[1]) {
			t.Errorf("improvement %v does not improve on %v", pt.Utilities, u)
		}
	}
	if _, _, err := a.Improvements(Outcome{9, 0, 0}); err == nil {
		t.Error("an out-of-range outcome was accepted")
	}
}

func TestAnalyzeRejectsBadInput(t *testing.T) {
	d := randomDomain(3, 3)
	other := randomDomain(3, 4)
	rng := rand.New(rand.NewPCG(1, 1))
	p := randomProfile(t, rng, d, "a", false, 0)
	q := randomProfile(t, rng, other, "b", false, 0)
	for _, tc := range []struct {
		name string
		ps   []Profile
		want string
	}{
		{"no profiles", nil, "no profiles"},
		{"other domain", []Profile{p, q}, "another domain"},
		{"empty domain", []Profile{randomProfile(t, rng, &Domain{Name: "empty"}, "e", false, 0)}, "no issues"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Analyze(tc.ps, AnalyzeOptions{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	bad := &LinearAdditive{ProfileName: "neg", Dom: d, Weights: []float64{-1, 1}, Evaluators: []Evaluator{{Evaluations: []float64{1, 2, 3}}, {Evaluations: []float64{1, 2, 3}}}}
	if err := bad.Compile(); err == nil || !strings.Contains(err.Error(), `weight for issue "i0" is -1`) {
		t.Errorf("negative weight: %v", err)
	}
	bad.Weights[0] = math.NaN()
	if err := bad.Compile(); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN weight: %v", err)
	}
}

func TestFrontierCap(t *testing.T) {
	// Perfectly opposed parties: every outcome is on the frontier.
	d := randomDomain(10, 10, 10, 10)
	a := &LinearAdditive{ProfileName: "a", Dom: d}
	b := &LinearAdditive{ProfileName: "b", Dom: d}
	for i := range d.Issues {
		w := math.Pow(10, -float64(i))
		a.Weights = append(a.Weights, w)
		b.Weights = append(b.Weights, w)
		ea, eb := Evaluator{}, Evaluator{}
		for v := 0; v < 10; v++ {
			ea.Evaluations = append(ea.Evaluations, float64(v)/9)
			eb.Evaluations = append(eb.Evaluations, float64(9-v)/9)
		}
		a.Evaluators = append(a.Evaluators, ea)
		b.Evaluators = append(b.Evaluators, eb)
	}
	for _, p := range []*LinearAdditive{a, b} {
		if err := p.Compile(); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Analyze([]Profile{a, b}, AnalyzeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Pareto) != 10000 {
		t.Errorf("frontier has %d points, want all 10000 outcomes", len(res.Pareto))
	}
	_, err = Analyze([]Profile{a, b}, AnalyzeOptions{MaxFrontier: 500})
	if err == nil || !strings.Contains(err.Error(), "beyond 500 points") {
		t.Errorf("cap of 500: error %v", err)
	}
}
