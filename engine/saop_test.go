package engine

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// synthetic builds a domain of issues with the given value counts and n
// random linear additive profiles over it.
func synthetic(tb testing.TB, seed uint64, sizes []int, n int) []Profile {
	tb.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	d := &Domain{Name: "synthetic"}
	for i, s := range sizes {
		is := Issue{Name: string(rune('A' + i)), Kind: Discrete}
		for v := 0; v < s; v++ {
			is.Values = append(is.Values, string(rune('a'+v)))
		}
		d.Issues = append(d.Issues, is)
	}
	var ps []Profile
	for k := 0; k < n; k++ {
		p := &LinearAdditive{ProfileName: string(rune('P' + k)), Dom: d, ReservationValue: 0.2}
		tot := 0.0
		for range sizes {
			w := r.Float64() + 0.1
			p.Weights = append(p.Weights, w)
			tot += w
		}
		for i, s := range sizes {
			p.Weights[i] /= tot
			ev := make([]float64, s)
			for v := range ev {
				ev[v] = float64(r.IntN(10) + 1)
			}
			p.Evaluators = append(p.Evaluators, Evaluator{Kind: EvalDiscrete, Evaluations: ev})
		}
		if err := p.Compile(); err != nil {
			tb.Fatal(err)
		}
		ps = append(ps, p)
	}
	return ps
}

// allOutcomes enumerates d's outcomes.
func allOutcomes(d *Domain) []Outcome {
	var out []Outcome
	o := make(Outcome, len(d.Issues))
	for {
		out = append(out, o.Clone())
		i := len(o) - 1
		for ; i >= 0; i-- {
			o[i]++
			if o[i] < d.Issues[i].NumValues() {
				break
			}
			o[i] = 0
		}
		if i < 0 {
			return out
		}
	}
}

// notLinear hides a profile's type so the index falls back to enumeration.
type notLinear struct{ Profile }

func TestOutcomeIndexMatchesBruteForce(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sizes []int
	}{
		{"one issue", []int{7}},
		{"small", []int{3, 4, 2}},
		{"two groups", []int{9, 9, 9, 9, 9}},
		{"three groups", []int{20, 20, 20, 20, 20, 20}},
		{"bisect", []int{5, 5, 5, 5, 5, 5, 5}},
		{"balanced pair", []int{5, 5, 5, 5, 5, 5, 5}},
		{"forced three groups", []int{5, 4, 6, 5, 3, 7}},
	} {
		for _, capped := range []bool{false, true} {
			name := tc.name
			if capped {
				name += " capped"
			}
			t.Run(name, func(t *testing.T) {
				testOutcomeIndex(t, tc.name, tc.sizes, capped)
			})
		}
	}
}

// testOutcomeIndex checks an index against brute force; capped makes the
// profile GENIUS's min(1, Σ) with weights adding up to 1.3.
func testOutcomeIndex(t *testing.T, name string, sizes []int, capped bool) {
	p := synthetic(t, 7, sizes, 1)[0]
	if capped {
		la := p.(*LinearAdditive)
		for i := range la.Weights {
			la.Weights[i] *= 1.3
		}
		la.Cap = true
		if err := la.Compile(); err != nil {
			t.Fatal(err)
		}
		if !la.CapBinds() {
			t.Fatal("the cap does not bind")
		}
	}
	var all []Outcome
	if p.Domain().SizeFloat() < 1e5 {
		all = allOutcomes(p.Domain())
	}
	for _, prof := range []Profile{p, notLinear{p}} {
		if _, ok := prof.(notLinear); ok && all == nil {
			continue
		}
		x, err := NewOutcomeIndex(prof)
		if err != nil {
			t.Fatal(err)
		}
		if la, ok := prof.(*LinearAdditive); ok && name == "balanced pair" {
			// Force two balanced groups merged with two pointers.
			x.groups, x.bisect = nil, false
			for _, part := range balancedParts(la.Dom, la.Dom.SizeFloat()) {
				x.groups = append(x.groups, additiveGroup(la, part))
			}
			x.finish()
			if len(x.groups) != 2 {
				t.Fatalf("%d groups", len(x.groups))
			}
		}
		if la, ok := prof.(*LinearAdditive); ok && name == "forced three groups" {
			// Force a depth-first search over one group above a
			// two-pointer merge of the last two.
			x.groups, x.bisect = nil, false
			for _, part := range [][]int{{0, 1}, {2, 3}, {4, 5}} {
				x.groups = append(x.groups, additiveGroup(la, part))
			}
			x.finish()
		}
		r := rand.New(rand.NewPCG(3, 4))
		for q := 0; q < 200; q++ {
			target := x.Min() - 0.05 + r.Float64()*(x.Max()-x.Min()+0.1)
			o, u := x.Nearest(target, nil)
			got := math.Abs(p.Utility(o) - target)
			o2, u2, ok := x.Below(target, nil)
			if math.Abs(u-p.Utility(o)) > 1e-9 || ok && math.Abs(u2-p.Utility(o2)) > 1e-9 {
				t.Fatalf("target %v: Nearest says %v, Below %v; the outcomes are worth %v and %v", target, u, u2, p.Utility(o), p.Utility(o2))
			}
			if all == nil {
				continue
			}
			want, wantBelow := math.Inf(1), math.Inf(-1)
			for _, c := range all {
				u := p.Utility(c)
				want = min(want, math.Abs(u-target))
				if u < target-1e-12 {
					wantBelow = max(wantBelow, u)
				}
			}
			if math.Abs(got-want) > 1e-9 {
				t.Fatalf("Nearest(%v) = %v at distance %v; the nearest outcome is at distance %v", target, o, got, want)
			}
			if ok != !math.IsInf(wantBelow, -1) {
				t.Fatalf("Below(%v) ok = %v; want %v", target, ok, !ok)
			}
			if ok && math.Abs(p.Utility(o2)-wantBelow) > 1e-9 {
				t.Fatalf("Below(%v) utility %v; want %v", target, p.Utility(o2), wantBelow)
			}
		}
		if capped && x.Max() != 1 {
			t.Fatalf("Max() = %v; a capped profile's greatest utility is 1", x.Max())
		}
	}
}

// TestOutcomeIndexPoolsHugeNonLinear: a profile that is neither linear
// additive (as far as the index can tell) nor small enough to enumerate
// gets an index over a pool of outcomes. Checked against the exact index of
// the same (secretly additive) profile: the same maximum, every outcome
// with the utility reported, and no target more than 0.01 farther from
// its answer than from the exact one.
func TestOutcomeIndexPoolsHugeNonLinear(t *testing.T) {
	p := synthetic(t, 1, []int{50, 50, 50, 50}, 1)[0]
	hidden := notLinear{p}
	idx, err := NewOutcomeIndex(hidden)
	if err != nil {
		t.Fatal(err)
	}
	if idx.pool == nil {
		t.Fatal("no pool for a 6,250,000-outcome non-additive profile")
	}
	exact, err := NewOutcomeIndex(p)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(idx.Max()-exact.Max()) > 1e-12 {
		t.Errorf("pool max %v, exact max %v", idx.Max(), exact.Max())
	}
	for k := 0; k <= 100; k++ {
		target := exact.Min() + (exact.Max()-exact.Min())*float64(k)/100
		o, u := idx.Nearest(target, nil)
		if got := p.Utility(o); math.Abs(got-u) > 1e-12 {
			t.Fatalf("Nearest(%v) = %v with utility %v, reported %v", target, o, got, u)
		}
		_, ue := exact.Nearest(target, nil)
		if d := math.Abs(u-target) - math.Abs(ue-target); d > 0.01 {
			t.Errorf("Nearest(%v) = %v; the exact index finds %v", target, u, ue)
		}
	}
}

func TestTimeDependentTarget(t *testing.T) {
	for _, tc := range []struct {
		e, t, want float64
	}{
		{1, 0, 1}, {1, 0.5, 0.6}, {1, 1, 0.2},
		{0.2, 0.5, 0.2 + 0.8*(1-math.Pow(0.5, 5))},
		{2, 0.25, 0.2 + 0.8*0.5},
		{0, 0.99, 1},
	} {
		if got := TimeDependentTarget(0.2, 1, tc.e, tc.t); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("target(e=%v, t=%v) = %v; want %v", tc.e, tc.t, got, tc.want)
		}
	}
}

func TestTimeDependentOffersNearestTargetAndAccepts(t *testing.T) {
	ps := synthetic(t, 2, []int{4, 5, 3}, 2)
	a := NewTimeDependent(1)
	if err := a.Init(Self{Profile: ps[0], Parties: 2, Rand: rand.New(rand.NewPCG(1, 1))}); err != nil {
		t.Fatal(err)
	}
	rv := ps[0].Reservation()
	all := allOutcomes(ps[0].Domain())
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, o := range all {
		lo, hi = min(lo, ps[0].Utility(o)), max(hi, ps[0].Utility(o))
	}
	pmin := max(lo, rv)
	for _, tt := range []float64{0, 0.3, 0.7, 0.99} {
		act := a.Act(tt)
		if act.Kind != ActOffer {
			t.Fatalf("t=%v: %v with nothing offered; want an offer", tt, act.Kind)
		}
		target := pmin + (hi-pmin)*(1-tt)
		best := math.Inf(1)
		for _, o := range all {
			best = min(best, math.Abs(ps[0].Utility(o)-target))
		}
		if d := math.Abs(ps[0].Utility(act.Offer) - target); math.Abs(d-best) > 1e-12 {
			t.Errorf("t=%v: offer at distance %v from target %v; nearest is %v", tt, d, target, best)
		}
	}
	// An offer at least as good as the next one is accepted; a worse one is not.
	next := a.Act(0.5).Offer.Clone()
	a.Observe(1, Action{Kind: ActOffer, Offer: next.Clone()})
	if got := a.Act(0.5); got.Kind != ActAccept || !slices.Equal(got.Offer, next) {
		t.Errorf("offered its own next offer: %v %v; want accept", got.Kind, got.Offer)
	}
	var worst Outcome
	for _, o := range all {
		if worst == nil || ps[0].Utility(o) < ps[0].Utility(worst) {
			worst = o
		}
	}
	a.Observe(1, Action{Kind: ActOffer, Offer: worst})
	if got := a.Act(0.1); got.Kind != ActOffer {
		t.Errorf("offered its worst outcome early: %v; want a counter-offer", got.Kind)
	}
}

// scripted plays a fixed list of actions, then ends.
type scripted struct {
	acts []Action
	seen []Action
}

func (s *scripted) Init(Self) error { return nil }
func (s *scripted) Act(float64) Action {
	if len(s.acts) == 0 {
		return Action{Kind: ActEnd}
	}
	a := s.acts[0]
	s.acts = s.acts[1:]
	return a
}
func (s *scripted) Observe(_ int, a Action) { s.seen = append(s.seen, a) }

// offering offers o forever.
type offering struct{ o Outcome }

func (a offering) Init(Self) error       { return nil }
func (a offering) Act(float64) Action    { return Action{Kind: ActOffer, Offer: a.o} }
func (a offering) Observe(int, Action)   {}
func (a *panicking) Init(Self) error     { return nil }
func (a *panicking) Act(float64) Action  { panic("boom") }
func (a *panicking) Observe(int, Action) {}

type panicking struct{}

func TestSAOPRules(t *testing.T) {
	ps := synthetic(t, 3, []int{3, 3}, 2)
	ps3 := synthetic(t, 3, []int{3, 3}, 3)
	x, y := Outcome{0, 1}, Outcome{2, 2}
	offer := func(o Outcome) Action { return Action{Kind: ActOffer, Offer: o} }
	accept := func(o Outcome) Action { return Action{Kind: ActAccept, Offer: o} }
	for _, tc := range []struct {
		name      string
		profiles  []Profile
		agents    []Agent
		rounds    int
		end       EndReason
		party     int
		agreement Outcome
		steps     int
	}{
		{"first action accept", ps, []Agent{&scripted{acts: []Action{accept(x)}}, &scripted{}}, 5, Broken, 0, nil, 0},
		{"accept of a stale offer", ps, []Agent{&scripted{acts: []Action{offer(x), offer(y)}}, &scripted{acts: []Action{offer(y), accept(x)}}}, 5, Broken, 1, nil, 3},
		{"accept of latest offer", ps, []Agent{&scripted{acts: []Action{offer(x)}}, &scripted{acts: []Action{accept(x)}}}, 5, Agreed, -1, x, 2},
		{"end", ps, []Agent{&scripted{acts: []Action{offer(x)}}, &scripted{}}, 5, Ended, 1, nil, 2},
		{"first action end", ps, []Agent{&scripted{}, &scripted{}}, 5, Ended, 0, nil, 1},
		{"deadline", ps, []Agent{offering{x}, offering{y}}, 4, Deadline, -1, nil, 8},
		{"invalid outcome", ps, []Agent{offering{Outcome{0, 7}}, offering{y}}, 4, Broken, 0, nil, 0},
		{"missed turn", ps, []Agent{&scripted{acts: []Action{offer(x)}}, &scripted{acts: []Action{{}}}}, 4, Broken, 1, nil, 1},
		{"panic", ps, []Agent{&scripted{acts: []Action{offer(x)}}, &panicking{}}, 4, Broken, 1, nil, 1},
		{"multilateral needs every other party", ps3, []Agent{
			&scripted{acts: []Action{offer(x), accept(y)}},
			&scripted{acts: []Action{accept(x), accept(y)}},
			&scripted{acts: []Action{offer(y)}}}, 5, Agreed, -1, y, 5},
		{"multilateral accepts must be consecutive", ps3, []Agent{
			&scripted{acts: []Action{offer(x), offer(x)}},
			&scripted{acts: []Action{accept(x), accept(x)}},
			&scripted{acts: []Action{offer(y), offer(y)}}}, 2, Deadline, -1, nil, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := RunSAOP(tc.profiles, tc.agents, SAOPOptions{Rounds: tc.rounds})
			if err != nil {
				t.Fatal(err)
			}
			if res.End != tc.end || res.Party != tc.party || !slices.Equal(res.Agreement, tc.agreement) || len(res.Trace) != tc.steps {
				t.Fatalf("end %v party %d agreement %v steps %d (%s); want %v party %d agreement %v steps %d",
					res.End, res.Party, res.Agreement, len(res.Trace), res.Reason, tc.end, tc.party, tc.agreement, tc.steps)
			}
			for i, p := range tc.profiles {
				want := p.Reservation()
				if res.Agreement != nil {
					want = p.Utility(res.Agreement)
				}
				if res.Utilities[i] != want {
					t.Errorf("party %d utility %v; want %v", i, res.Utilities[i], want)
				}
			}
		})
	}
}

func TestSAOPTraceAndDiscount(t *testing.T) {
	ps := synthetic(t, 4, []int{3, 4}, 2)
	ps[1].(*LinearAdditive).Discount = 0.5
	x := Outcome{1, 2}
	res, err := RunSAOP(ps, []Agent{offering{Outcome{0, 0}}, &scripted{acts: []Action{{Kind: ActOffer, Offer: x}, {Kind: ActOffer, Offer: x}}}}, SAOPOptions{Rounds: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Party 0 offers {0,0} at t=0 and 0.5; party 1 offers x at t=0.25 and
	// t=0.75, then the deadline passes.
	if len(res.Trace) != 4 || res.End != Deadline {
		t.Fatalf("%d steps, end %v; want 4 steps and the deadline", len(res.Trace), res.End)
	}
	s := res.Trace[3]
	if s.Round != 1 || s.Party != 1 || s.Time != 0.75 || !slices.Equal(s.Offer, x) {
		t.Fatalf("last step %+v", s)
	}
	if want := ps[1].Utility(x) * math.Pow(0.5, 0.75); math.Abs(s.Utilities[1]-want) > 1e-12 {
		t.Errorf("discounted utility %v; want %v", s.Utilities[1], want)
	}
	if s.Utilities[0] != ps[0].Utility(x) {
		t.Errorf("undiscounted party's utility %v; want %v", s.Utilities[0], ps[0].Utility(x))
	}
	if want := ps[1].Reservation() * 0.5; math.Abs(res.Utilities[1]-want) > 1e-12 {
		t.Errorf("no-agreement utility %v; want the reservation discounted at t=1, %v", res.Utilities[1], want)
	}
}

func TestSAOPWallClockDeadline(t *testing.T) {
	ps := synthetic(t, 5, []int{3, 3}, 2)
	now := time.Unix(0, 0)
	clock := func() time.Time { now = now.Add(time.Second); return now }
	res, err := RunSAOP(ps, []Agent{offering{Outcome{0, 0}}, offering{Outcome{1, 1}}}, SAOPOptions{Time: 10 * time.Second, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if res.End != Deadline && res.End != Broken {
		t.Fatalf("end %v; want the deadline", res.End)
	}
	if len(res.Trace) == 0 || len(res.Trace) > 10 {
		t.Errorf("%d steps in 10 ticks", len(res.Trace))
	}
}

func TestSAOPBadOptions(t *testing.T) {
	ps := synthetic(t, 5, []int{3, 3}, 2)
	other := synthetic(t, 5, []int{3, 4}, 1)
	a := func() []Agent { return []Agent{offering{Outcome{0, 0}}, offering{Outcome{0, 0}}} }
	for _, tc := range []struct {
		name     string
		profiles []Profile
		agents   []Agent
		opts     SAOPOptions
		want     string
	}{
		{"no deadline", ps, a(), SAOPOptions{}, "needs a deadline"},
		{"negative rounds", ps, a(), SAOPOptions{Rounds: -1}, "positive number"},
		{"negative time", ps, a(), SAOPOptions{Time: -time.Second}, "positive duration"},
		{"one party", ps[:1], a()[:1], SAOPOptions{Rounds: 3}, "at least 2"},
		{"agents mismatch", ps, a()[:1], SAOPOptions{Rounds: 3}, "exactly one agent"},
		{"domains differ", []Profile{ps[0], other[0]}, a(), SAOPOptions{Rounds: 3}, "same domain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := RunSAOP(tc.profiles, tc.agents, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v; want one saying %q", err, tc.want)
			}
		})
	}
}

// spy records everything the protocol hands it.
type spy struct {
	got   []any
	inner Agent
}

func (s *spy) Init(self Self) error    { s.got = append(s.got, self); return s.inner.Init(self) }
func (s *spy) Act(t float64) Action    { return s.inner.Act(t) }
func (s *spy) Observe(p int, a Action) { s.got = append(s.got, a); s.inner.Observe(p, a) }

// reaches reports whether target is reachable from v through pointers,
// interfaces, slices, maps and struct fields (exported or not).
func reaches(v reflect.Value, target uintptr, seen map[uintptr]bool) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.UnsafePointer:
		if v.IsNil() {
			return false
		}
		p := v.Pointer()
		if p == target {
			return true
		}
		if seen[p] || v.Kind() == reflect.UnsafePointer {
			return false
		}
		seen[p] = true
		return reaches(v.Elem(), target, seen)
	case reflect.Interface:
		return !v.IsNil() && reaches(v.Elem(), target, seen)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			if !f.CanInterface() {
				f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
			}
			if reaches(f, target, seen) {
				return true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if reaches(v.Index(i), target, seen) {
				return true
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if reaches(it.Key(), target, seen) || reaches(it.Value(), target, seen) {
				return true
			}
		}
	}
	return false
}

func TestNoAgentReachesAnotherProfile(t *testing.T) {
	ps := synthetic(t, 6, []int{4, 4, 4}, 3)
	for _, name := range AgentNames() {
		t.Run(name, func(t *testing.T) {
			spies := make([]*spy, 3)
			agents := make([]Agent, 3)
			for i := range spies {
				a, err := NewAgent(name)
				if err != nil {
					t.Fatal(err)
				}
				spies[i] = &spy{inner: a}
				agents[i] = spies[i]
			}
			if _, err := RunSAOP(ps, agents, SAOPOptions{Rounds: 30, Seed: 1}); err != nil {
				t.Fatal(err)
			}
			for i, s := range spies {
				if len(s.got) < 2 {
					t.Fatalf("party %d was told %d things; the test needs it to observe offers", i, len(s.got))
				}
				for j, p := range ps {
					target := reflect.ValueOf(p).Pointer()
					reached := false
					for _, g := range s.got {
						if reaches(reflect.ValueOf(&g).Elem(), target, map[uintptr]bool{}) {
							reached = true
						}
					}
					// Also what the agent built from it.
					if reaches(reflect.ValueOf(s.inner), target, map[uintptr]bool{}) {
						reached = true
					}
					// Not even its own: an agent works on a copy, so it
					// cannot change what the protocol records either.
					if reached {
						t.Errorf("party %d can reach profile %d", i, j)
					}
				}
			}
		})
	}
}

func TestAgentsAreDeterministic(t *testing.T) {
	ps := synthetic(t, 8, []int{6, 5, 7, 4}, 2)
	for _, pair := range [][2]string{{"random", "micro"}, {"nash", "tft"}, {"boulware", "conceder"}} {
		var first *Result
		for k := 0; k < 2; k++ {
			a, _ := NewAgent(pair[0])
			b, _ := NewAgent(pair[1])
			res, err := RunSAOP(ps, []Agent{a, b}, SAOPOptions{Rounds: 200, Seed: 42})
			if err != nil {
				t.Fatal(err)
			}
			if first == nil {
				first = res
			} else if !reflect.DeepEqual(first, res) {
				t.Errorf("%v: two runs with the same seed differ", pair)
			}
		}
	}
}

func TestAgentsReachAgreementAboveReservation(t *testing.T) {
	ps := synthetic(t, 9, []int{5, 5, 5, 5, 5, 5, 5, 5}, 2)
	names := AgentNames()
	for _, a := range names {
		for _, b := range names {
			if a == "hardliner" && b == "hardliner" {
				continue
			}
			x, _ := NewAgent(a)
			y, _ := NewAgent(b)
			res, err := RunSAOP(ps, []Agent{x, y}, SAOPOptions{Rounds: 500, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			if res.Agreement == nil {
				// Hardliners never concede; naive tit-for-tat only mirrors a
				// concession, so it stalls against itself and Nash seekers.
				stall := func(n string) bool { return n == "hardliner" || n == "random" || n == "micro" || n == "tft" }
				if !stall(a) && !stall(b) {
					t.Errorf("%s vs %s: %v after %d rounds; want agreement", a, b, res.End, res.Rounds)
				}
				continue
			}
			for i, p := range ps {
				if res.Raw[i] < p.Reservation() {
					t.Errorf("%s vs %s: party %d agreed at %v below its reservation %v", a, b, i, res.Raw[i], p.Reservation())
				}
			}
		}
	}
}

func TestGallopMatchesLowerBound(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 40; n++ {
		b := make([]float64, n)
		for i := range b {
			b[i] = float64(r.IntN(10))
		}
		slices.Sort(b)
		for v := -1.0; v <= 11; v += 0.5 {
			want, _ := slices.BinarySearch(b, v)
			if got := lowerBound(b, v); got != want {
				t.Fatalf("lowerBound(%v, %v) = %d; want %d", b, v, got, want)
			}
			for h := -1; h <= n+1; h++ {
				if got := gallop(b, v, h); got != want {
					t.Fatalf("gallop(%v, %v, %d) = %d; want %d", b, v, h, got, want)
				}
			}
		}
	}
}

func TestSAOPNoTraceSameResult(t *testing.T) {
	ps := synthetic(t, 15, []int{5, 6, 4}, 2)
	var results []*Result
	for _, noTrace := range []bool{false, true} {
		res, err := RunSAOP(ps, []Agent{NewTimeDependent(0.2), &MiCRO{}}, SAOPOptions{Rounds: 300, Seed: 9, NoTrace: noTrace})
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, res)
	}
	if len(results[0].Trace) == 0 || results[1].Trace != nil {
		t.Fatalf("trace lengths %d and %d; want a trace only without NoTrace", len(results[0].Trace), len(results[1].Trace))
	}
	results[0].Trace = nil
	if !reflect.DeepEqual(results[0], results[1]) {
		t.Errorf("NoTrace changed the result: %+v vs %+v", results[0], results[1])
	}
}

// cheat rewrites its own profile in Init, then offers its best outcome.
type cheat struct{ TimeDependent }

func (c *cheat) Init(self Self) error {
	if la, ok := self.Profile.(*LinearAdditive); ok {
		for i := range la.table {
			la.table[i] = 1
		}
	}
	return c.TimeDependent.Init(self)
}

func TestAgentCannotChangeRecordedUtilities(t *testing.T) {
	ps := synthetic(t, 7, []int{4, 4, 4}, 2)
	orig := ps[0].(*LinearAdditive).clone() // what party 0 really wants
	a, _ := NewAgent("boulware")
	b, _ := NewAgent("conceder")
	res, err := RunSAOP(ps, []Agent{&cheat{*a.(*TimeDependent)}, b}, SAOPOptions{Rounds: 50, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Trace) == 0 {
		t.Fatal("no trace")
	}
	for _, st := range res.Trace {
		if st.Offer == nil {
			continue
		}
		if got, want := st.Utilities[0], orig.Utility(st.Offer); got != want {
			t.Fatalf("round %d: recorded utility %v for party 0, its profile says %v", st.Round, got, want)
		}
	}
}

// TestAgentTable: NewAgent and AgentNames read one table: every name and
// alias makes a fresh agent, names and aliases are distinct, and an
// unknown name is refused with the known ones listed.
func TestAgentTable(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range agentKinds() {
		for _, n := range append([]string{k.name}, k.aliases...) {
			if seen[n] {
				t.Errorf("agent name %q is listed twice", n)
			}
			seen[n] = true
			a, err := NewAgent(strings.ToUpper(n))
			if err != nil {
				t.Fatalf("%s: %v", n, err)
			}
			if b, _ := NewAgent(n); a == b {
				t.Errorf("%s: NewAgent returned the same agent twice", n)
			}
		}
	}
	if names := AgentNames(); len(names) != len(agentKinds()) || names[0] != "boulware" {
		t.Errorf("AgentNames() = %v", names)
	}
	if _, err := NewAgent("nobody"); err == nil || !strings.Contains(err.Error(), strings.Join(AgentNames(), ", ")) {
		t.Errorf("unknown agent: error %v; want the known agents listed", err)
	}
}
