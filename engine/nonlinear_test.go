package engine_test

import (
	"math"
	"math/rand"
	"path/filepath"
	"testing"

	"parley/engine"
	"parley/genius"
)

func intDomain(n, values int) *engine.Domain {
	d := &engine.Domain{Name: "ints"}
	for i := 0; i < n; i++ {
		d.Issues = append(d.Issues, engine.Issue{Name: string(rune('a' + i)), Kind: engine.Integer, Lower: 0, Upper: float64(values - 1), Index: i + 1})
	}
	return d
}

func TestHyperrectangleUtility(t *testing.T) {
	d := intDomain(2, 5)
	p := &engine.Hyperrectangle{
		ProfileName: "h",
		Dom:         d,
		MaxUtility:  10,
		Fun: engine.Ufun{Aggregation: engine.AggSum, Weight: 1, Rectangles: []engine.Rectangle{
			{Utility: 4, Weight: 1, Bounds: []engine.Bound{{Issue: 0, Min: 0, Max: 2}}},
			{Utility: 6, Weight: 1, Bounds: []engine.Bound{{Issue: 0, Min: 2, Max: 4}, {Issue: 1, Min: 3, Max: 3}}},
			{Utility: 3, Weight: 1, Exclusive: true, Bounds: []engine.Bound{{Issue: 1, Min: 0, Max: 3}}},
			{Utility: 5, Weight: 2, Bounds: []engine.Bound{{Issue: 1, Min: 4, Max: 4}}},
		}},
	}
	if err := p.Compile(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		o    engine.Outcome
		want float64
	}{
		{engine.Outcome{0, 0}, 0.4}, // first rectangle only
		{engine.Outcome{2, 3}, 1},   // 4 + 6 = 10
		{engine.Outcome{4, 1}, 0},   // nothing covers it
		{engine.Outcome{4, 4}, 1},   // exclusive 3 + 5·2 = 13 → capped at 1
		{engine.Outcome{3, 3}, 0.6}, // second rectangle
		{engine.Outcome{1, 4}, 1},   // 4 + 3 + 10
		{engine.Outcome{3, 2}, 0},   // inside the exclusive rectangle: 0
	}
	for _, tc := range tests {
		if got := p.Utility(tc.o); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("U(%v) = %v, want %v", tc.o, got, tc.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { p.Utility(engine.Outcome{2, 3}) }); n != 0 {
		t.Errorf("Utility allocates %v times", n)
	}
}

func TestHyperrectangleAggregation(t *testing.T) {
	d := intDomain(1, 3)
	rect := func(u float64, lo, hi int) engine.Rectangle {
		return engine.Rectangle{Utility: u, Weight: 1, Bounds: []engine.Bound{{Issue: 0, Min: lo, Max: hi}}}
	}
	p := &engine.Hyperrectangle{Dom: d, MaxUtility: 10, Fun: engine.Ufun{Aggregation: engine.AggSum, Weight: 1, Ufuns: []engine.Ufun{
		{Aggregation: engine.AggMax, Weight: 2, Rectangles: []engine.Rectangle{rect(1, 0, 1), rect(3, 1, 2)}},
		{Aggregation: engine.AggMin, Weight: 1, Rectangles: []engine.Rectangle{rect(2, 0, 2), rect(4, 0, 0)}},
	}}}
	if err := p.Compile(); err != nil {
		t.Fatal(err)
	}
	// x=0: max(1,0)·2 + min(2,4) = 4; x=1: max(1,3)·2 + min(2,0) = 6; x=2: 3·2 + 0 = 6.
	for v, want := range []float64{0.4, 0.6, 0.6} {
		if got := p.Utility(engine.Outcome{v}); math.Abs(got-want) > 1e-12 {
			t.Errorf("U(%d) = %v, want %v", v, got, want)
		}
	}
}

// TestHyperrectangleBounds checks on the ANAC 2014 profile that Bounds
// brackets U on every outcome of random small boxes.
func TestHyperrectangleBounds(t *testing.T) {
	sc, err := genius.Load(filepath.Join("..", "testdata", "domains", "anac2014-10issues"))
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(1))
	n := len(sc.Domain.Issues)
	for _, prof := range sc.Profiles {
		p := prof.(*engine.Hyperrectangle)
		for box := 0; box < 40; box++ {
			lo, hi := make([]int, n), make([]int, n)
			size := 1
			for i := range lo {
				nv := sc.Domain.Issues[i].NumValues()
				w := 1
				if size < 2000 {
					w = 1 + r.Intn(3)
				}
				lo[i] = r.Intn(nv - w + 1)
				hi[i] = lo[i] + w - 1
				size *= w
			}
			min, max := p.Bounds(lo, hi)
			if min > max {
				t.Fatalf("Bounds(%v, %v) = %v > %v", lo, hi, min, max)
			}
			o := append(engine.Outcome(nil), lo...)
			for {
				u := p.Utility(o)
				if u < min-1e-12 || u > max+1e-12 {
					t.Fatalf("%s: U(%v) = %v outside Bounds(%v, %v) = [%v, %v]", p.Name(), o, u, lo, hi, min, max)
				}
				i := 0
				for ; i < n; i++ {
					if o[i] < hi[i] {
						o[i]++
						break
					}
					o[i] = lo[i]
				}
				if i == n {
					break
				}
			}
			// A single outcome's bounds are exact.
			u := p.Utility(engine.Outcome(lo))
			if a, b := p.Bounds(lo, lo); a != u || b != u {
				t.Fatalf("Bounds of the point %v = [%v, %v], want U = %v", lo, a, b, u)
			}
		}
	}
}
