package engine_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parley/engine"
	"parley/genius"
)

const domainsDir = "../testdata/domains"

func load(tb testing.TB, name string) *genius.Scenario {
	tb.Helper()
	sc, err := genius.Load(filepath.Join(domainsDir, name))
	if err != nil {
		tb.Fatal(err)
	}
	return sc
}

// anacDozen are ANAC domains of every year and size, from 3 to 390,625 outcomes.
var anacDozen = []string{
	"anac2010-EnglandZimbabwe", "anac2010-ItexvsCypress", "anac2010-Travel",
	"anac2011-Amsterdam", "anac2011-Camera", "anac2011-Car", "anac2011-Energy",
	"anac2011-Grocery", "anac2011-Laptop", "anac2012-AirportSiteSelectionA",
	"anac2012-FitnessA", "anac2013-Animal", "anac2013-Coffee",
}

func TestBoulwareAgainstConcederOnANACDomains(t *testing.T) {
	for _, name := range anacDozen {
		t.Run(name, func(t *testing.T) {
			sc := load(t, name)
			a, err := engine.Analyze(sc.Profiles, engine.AnalyzeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, order := range [][2]float64{{0.2, 2}, {2, 0.2}} {
				res, err := engine.RunSAOP(sc.Profiles, []engine.Agent{engine.NewTimeDependent(order[0]), engine.NewTimeDependent(order[1])}, engine.SAOPOptions{Rounds: 1000, Seed: 1})
				if err != nil {
					t.Fatal(err)
				}
				if res.Agreement == nil {
					t.Fatalf("e=%v vs e=%v: %v after %d rounds; want agreement", order[0], order[1], res.End, res.Rounds)
				}
				b, c := 0, 1 // Boulware's and Conceder's roles
				if order[0] == 2 {
					b, c = 1, 0
				}
				for i, p := range sc.Profiles {
					if res.Raw[i] < p.Reservation() {
						t.Errorf("party %d agreed at %v below its reservation %v", i, res.Raw[i], p.Reservation())
					}
				}
				// The Conceder gives way first: the Boulware agent should do
				// at least as well relative to its own best outcome.
				if res.Raw[b] < a.Ideal[b]*0.5 {
					t.Errorf("Boulware got %v of an ideal %v", res.Raw[b], a.Ideal[b])
				}
				if res.Rounds >= 1000 {
					t.Errorf("agreement only in the last round")
				}
				dp, _ := engine.OutcomeDistances(a, res.Raw)
				if dp > 0.25 {
					t.Errorf("agreement %v is %.3f from the frontier", res.Raw, dp)
				}
				_ = c
			}
		})
	}
}

// twoPartyDomains lists every folder of testdata/domains that loads with
// exactly two profiles.
func twoPartyDomains(tb testing.TB) []*genius.Scenario {
	tb.Helper()
	des, err := os.ReadDir(domainsDir)
	if err != nil {
		tb.Fatal(err)
	}
	var out []*genius.Scenario
	for _, de := range des {
		if !de.IsDir() {
			continue
		}
		sc, err := genius.Load(filepath.Join(domainsDir, de.Name()))
		if err != nil || len(sc.Profiles) != 2 {
			continue
		}
		out = append(out, sc)
	}
	if len(out) < 100 {
		tb.Fatalf("only %d two-party domains load; expected the ANAC corpus", len(out))
	}
	return out
}

func TestConfidentialMediatorOnEveryTwoPartyDomain(t *testing.T) {
	if testing.Short() {
		t.Skip("analyses every domain")
	}
	for _, sc := range twoPartyDomains(t) {
		t.Run(sc.Name, func(t *testing.T) {
			js := []engine.Judge{engine.TruthfulJudge{Profile: sc.Profiles[0]}, engine.TruthfulJudge{Profile: sc.Profiles[1]}}
			// Huge outcome spaces of non-additive profiles may be beyond
			// the exact frontier; the mediator then finds an efficient
			// egalitarian text by branch and bound instead.
			lim := engine.AnalyzeOptions{MaxEnumerate: 2e6, MaxNodes: 500_000, SkipCount: true}
			a, err := engine.Analyze(sc.Profiles, lim)
			if err != nil {
				// What ConfidentialMediator falls back to, given a larger budget.
				opts := engine.SingleTextOptions{Analysis: engine.AnalyzeOptions{MaxNodes: 2_000_000}}
				res, ferr := engine.MediateEfficient(sc.Profiles, js, opts, err)
				if ferr != nil {
					t.Fatalf("beyond both the exact analysis (%v) and the search without the frontier: %v", err, ferr)
				}
				checkEfficientWithoutFrontier(t, sc.Profiles, res)
				checkAgainstGeniusPareto(t, filepath.Join(domainsDir, sc.Name, "pareto.xml"), sc.Profiles, res.Agreement)
				return
			}
			res, err := engine.MediateWithAnalysis(a, js, engine.SingleTextOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if a.Nash == nil {
				if res.Agreement != nil {
					t.Fatalf("agreement %v although no outcome is acceptable to both", res.Agreement)
				}
				return
			}
			o := res.Agreement
			if o == nil {
				t.Fatal("no agreement although the Nash point is acceptable")
			}
			u := []float64{sc.Profiles[0].Utility(o), sc.Profiles[1].Utility(o)}
			for i, p := range sc.Profiles {
				if engine.Round(u[i]) < engine.Round(p.Reservation()) {
					t.Errorf("party %d gets %v below its reservation %v", i, u[i], p.Reservation())
				}
			}
			// On the frontier: no outcome is at least as good for both and
			// better for one. Checked by enumeration where that is cheap.
			if sc.Domain.SizeFloat() <= 400_000 {
				o2 := make(engine.Outcome, len(sc.Domain.Issues))
				for {
					v0, v1 := engine.Round(sc.Profiles[0].Utility(o2)), engine.Round(sc.Profiles[1].Utility(o2))
					if v0 >= engine.Round(u[0]) && v1 >= engine.Round(u[1]) && (v0 > engine.Round(u[0]) || v1 > engine.Round(u[1])) {
						t.Fatalf("outcome %v (%v, %v) dominates the agreement (%v, %v)", o2, v0, v1, u[0], u[1])
					}
					i := len(o2) - 1
					for ; i >= 0; i-- {
						o2[i]++
						if o2[i] < sc.Domain.Issues[i].NumValues() {
							break
						}
						o2[i] = 0
					}
					if i < 0 {
						break
					}
				}
			} else if better, _, _ := a.Improvements(o); len(better) > 0 {
				t.Errorf("%d frontier points dominate the agreement", len(better))
			}
		})
	}
}

// deaf is a time-dependent agent that never hears the other's offers, so
// it never accepts and a benchmark plays every round with a full search on
// each turn.
type deaf struct{ *engine.TimeDependent }

func (deaf) Observe(int, engine.Action) {}

func benchSAOP(b *testing.B, domain string) {
	sc := load(b, domain)
	total := 0
	b.ReportAllocs()
	for b.Loop() {
		// Boulware against Linear: targets sweep the whole utility range.
		agents := []engine.Agent{deaf{engine.NewTimeDependent(0.2)}, deaf{engine.NewTimeDependent(1)}}
		res, err := engine.RunSAOP(sc.Profiles, agents, engine.SAOPOptions{Rounds: 1000})
		if err != nil {
			b.Fatal(err)
		}
		total += res.Rounds
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "rounds/s")
	b.ReportMetric(float64(total)/float64(b.N), "rounds/op")
}

// BenchmarkSAOPEnergy measures SAOP rounds per second between two
// time-dependent agents on Energy (390,625 outcomes), per-negotiation index
// building included: 1,000-round negotiations, every round played.
func BenchmarkSAOPEnergy(b *testing.B) { benchSAOP(b, "anac2011-Energy") }

// BenchmarkSAOPTravel is one 1,000-round negotiation between two
// time-dependent agents on Travel (188,160 outcomes), index building
// included: ns/op is the time of the whole negotiation.
func BenchmarkSAOPTravel(b *testing.B) { benchSAOP(b, "anac2010-Travel") }

// checkEfficientWithoutFrontier checks a text the mediator found without
// the frontier: acceptable to both parties, and no outcome that differs
// from it in one or two issues is at least as good for both and better
// for one (a local certificate; the search itself proved global
// optimality).
func checkEfficientWithoutFrontier(t *testing.T, ps []engine.Profile, res *engine.SingleTextResult) {
	t.Helper()
	if res.Note == "" {
		t.Error("the result does not say that the frontier was out of reach")
	}
	o := res.Agreement
	if o == nil {
		t.Fatalf("no agreement: %s", res.Note)
	}
	u := []float64{engine.Round(ps[0].Utility(o)), engine.Round(ps[1].Utility(o))}
	for i, p := range ps {
		if u[i] < engine.Round(p.Reservation()) {
			t.Errorf("party %d gets %v below its reservation %v", i, u[i], p.Reservation())
		}
	}
	d := ps[0].Domain()
	x := o.Clone()
	dominates := func() bool {
		v0, v1 := engine.Round(ps[0].Utility(x)), engine.Round(ps[1].Utility(x))
		return v0 >= u[0] && v1 >= u[1] && (v0 > u[0] || v1 > u[1])
	}
	for i := range d.Issues {
		for vi := 0; vi < d.Issues[i].NumValues(); vi++ {
			x[i] = vi
			if dominates() {
				t.Fatalf("changing issue %d to value %d dominates the agreement", i, vi)
			}
			for j := i + 1; j < len(d.Issues); j++ {
				for vj := 0; vj < d.Issues[j].NumValues(); vj++ {
					x[j] = vj
					if dominates() {
						t.Fatalf("changing issues %d and %d dominates the agreement", i, j)
					}
				}
				x[j] = o[j]
			}
		}
		x[i] = o[i]
	}
}

// checkAgainstGeniusPareto checks that no point of the Pareto frontier
// GENIUS computed for the domain (pareto.xml: one "u1, u2" per line, as
// float32) dominates the outcome: an independent check of the search's
// Pareto-optimality on domains too large to enumerate.
func checkAgainstGeniusPareto(t *testing.T, file string, ps []engine.Profile, o engine.Outcome) {
	t.Helper()
	data, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	u := []float64{ps[0].Utility(o), ps[1].Utility(o)}
	const eps = 1e-6 // float32 rounding of GENIUS's numbers
	points := 0
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		var a, b float64
		if _, err := fmt.Sscanf(line, "%g, %g", &a, &b); err != nil {
			t.Fatalf("%s:%d: %v", file, n+1, err)
		}
		points++
		if a >= u[0]-eps && b >= u[1]-eps && (a > u[0]+eps || b > u[1]+eps) {
			t.Errorf("GENIUS's Pareto point (%v, %v) dominates the agreement (%v, %v)", a, b, u[0], u[1])
		}
	}
	if points == 0 {
		t.Fatalf("%s lists no points", file)
	}
}

// TestConfidentialMediatorFallsBack makes the exact search and the exact
// analysis fail (a node budget of one, a frontier cap of one point) and
// checks, for every solution, that the
// mediator still proposes an acceptable, Pareto-optimal text, says why it
// did not use the frontier, and lands where it aimed: the Nash point's
// product of gains (within 5%: weighted sums reach only the frontier's
// convex hull) and the egalitarian point's least gain exactly.
func TestConfidentialMediatorFallsBack(t *testing.T) {
	for _, name := range []string{"anac2010-EnglandZimbabwe", "anac2011-Energy", "anac2013-Coffee", "anac2012-AirportSiteSelectionA"} {
		sc := load(t, name)
		js := []engine.Judge{engine.TruthfulJudge{Profile: sc.Profiles[0]}, engine.TruthfulJudge{Profile: sc.Profiles[1]}}
		a, err := engine.Analyze(sc.Profiles, engine.AnalyzeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		r := []float64{sc.Profiles[0].Reservation(), sc.Profiles[1].Reservation()}
		for _, sol := range []engine.Solution{engine.SolutionNash, engine.SolutionEgalitarian, engine.SolutionKalaiSmorodinsky} {
			res, err := engine.ConfidentialMediator(sc.Profiles, js, engine.SingleTextOptions{Solution: sol, Analysis: engine.AnalyzeOptions{MaxFrontier: 1}, Solve: engine.SolveOptions{MaxNodes: 1}})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(res.Note, "out of reach") {
				t.Errorf("%s %s: note %q does not say the frontier was out of reach", name, sol, res.Note)
			}
			if res.Agreement == nil {
				t.Fatalf("%s %s: no agreement", name, sol)
			}
			if better, _, _ := a.Improvements(res.Agreement); len(better) > 0 {
				t.Errorf("%s %s: %d frontier points dominate the fallback's agreement", name, sol, len(better))
			}
			u := []float64{sc.Profiles[0].Utility(res.Agreement), sc.Profiles[1].Utility(res.Agreement)}
			g := []float64{u[0] - r[0], u[1] - r[1]}
			if g[0] < -1e-12 || g[1] < -1e-12 {
				t.Errorf("%s %s: gains %v; the text is not acceptable to both", name, sol, g)
			}
			switch sol {
			case engine.SolutionNash:
				want := (a.Nash.Utilities[0] - r[0]) * (a.Nash.Utilities[1] - r[1])
				if got := g[0] * g[1]; got < 0.95*want {
					t.Errorf("%s: product of gains %v; the Nash point's is %v", name, got, want)
				}
			case engine.SolutionEgalitarian:
				if got := min(g[0], g[1]); math.Abs(got-a.EgalitarianGain) > 1e-9 {
					t.Errorf("%s: least gain %v; the egalitarian point's is %v", name, got, a.EgalitarianGain)
				}
			}
		}
	}
}

// BenchmarkMediateBeyondFrontier is the confidential mediator's search
// without the frontier on the largest nonlinear domains (10^30 to 10^50
// outcomes), from the profiles to the proposed text: the exact weighted
// sums steered toward Nash.
func BenchmarkMediateBeyondFrontier(b *testing.B) {
	for _, name := range []string{"other-S-1NAGUNL-128", "other-S-1NAGUNL-255", "other-S-1NIKFRT-3"} {
		b.Run(name, func(b *testing.B) {
			sc := load(b, name)
			js := []engine.Judge{engine.TruthfulJudge{Profile: sc.Profiles[0]}, engine.TruthfulJudge{Profile: sc.Profiles[1]}}
			for b.Loop() {
				res, err := engine.MediateEfficient(sc.Profiles, js, engine.SingleTextOptions{}, fmt.Errorf("benchmark"))
				if err != nil || res.Agreement == nil {
					b.Fatal(err, res)
				}
			}
		})
	}
}

// TestExactFrontierOfA10To30Domain: the exact frontier of the
// 10^30-outcome other-S-1NAGUNL-128 (sums of hyperrectangles with
// exclusive ones), checked three ways: its points dominate none of each
// other; every point of the frontier GENIUS computed (pareto.xml) is
// matched or dominated by one of them; and the text the mediator finds
// without the frontier (an exact weighted-sum maximum) is one of them.
func TestExactFrontierOfA10To30Domain(t *testing.T) {
	if testing.Short() {
		t.Skip("about 10 s of search")
	}
	checkExactFrontier(t, "other-S-1NAGUNL-128", engine.AnalyzeOptions{SkipCount: true}, 100)
}

// TestExactFrontierOfA10To30CliqueDomain is the same check on
// other-S-1NIKFRT-3, whose inclusive rectangles take the clique search,
// at the default node budget (it needed ten times that before the search
// ran each step in the vertex order that suits it).
func TestExactFrontierOfA10To30CliqueDomain(t *testing.T) {
	if testing.Short() {
		t.Skip("about 10 s of search")
	}
	checkExactFrontier(t, "other-S-1NIKFRT-3", engine.AnalyzeOptions{SkipCount: true}, 14)
}

func checkExactFrontier(t *testing.T, name string, opts engine.AnalyzeOptions, atLeast int) {
	t.Helper()
	sc := load(t, name)
	a, err := engine.Analyze(sc.Profiles, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Pareto) < atLeast {
		t.Fatalf("%d frontier points; want at least %d", len(a.Pareto), atLeast)
	}
	for i, p := range a.Pareto {
		for j, q := range a.Pareto {
			if i != j && q.Utilities[0] >= p.Utilities[0] && q.Utilities[1] >= p.Utilities[1] {
				t.Fatalf("frontier point %v is dominated by %v", p.Utilities, q.Utilities)
			}
		}
		if u := []float64{engine.Round(sc.Profiles[0].Utility(p.Outcome)), engine.Round(sc.Profiles[1].Utility(p.Outcome))}; u[0] != p.Utilities[0] || u[1] != p.Utilities[1] {
			t.Fatalf("frontier point %v has an outcome worth %v", p.Utilities, u)
		}
	}
	data, err := os.ReadFile(filepath.Join(domainsDir, name, "pareto.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		var g0, g1 float64
		if _, err := fmt.Sscanf(strings.TrimSpace(line), "%g, %g", &g0, &g1); err != nil {
			continue
		}
		const eps = 1e-6 // GENIUS wrote float32
		covered := false
		for _, p := range a.Pareto {
			if p.Utilities[0] >= g0-eps && p.Utilities[1] >= g1-eps {
				covered = true
				break
			}
		}
		if !covered {
			t.Errorf("GENIUS's point (%v, %v) is beyond the exact frontier", g0, g1)
		}
	}
	js := []engine.Judge{engine.TruthfulJudge{Profile: sc.Profiles[0]}, engine.TruthfulJudge{Profile: sc.Profiles[1]}}
	res, err := engine.MediateEfficient(sc.Profiles, js, engine.SingleTextOptions{}, errors.New("a test"))
	if err != nil || res.Agreement == nil {
		t.Fatal(err, res)
	}
	u := []float64{engine.Round(sc.Profiles[0].Utility(res.Agreement)), engine.Round(sc.Profiles[1].Utility(res.Agreement))}
	on := false
	for _, p := range a.Pareto {
		on = on || (p.Utilities[0] == u[0] && p.Utilities[1] == u[1])
	}
	if !on {
		t.Errorf("the mediator's text %v is not on the exact frontier", u)
	}
	t.Logf("%d points; Nash %v; the mediator's text without the frontier %v", len(a.Pareto), a.Nash.Utilities, u)
}
