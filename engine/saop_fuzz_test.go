package engine

import (
	"math"
	"slices"
	"testing"
)

// FuzzOutcomeIndexNearest checks Nearest and Below against every outcome
// of small random domains, in every index layout. "Below" is strict in the
// index's own sums, which may round apart from Utility's by an ulp.
func FuzzOutcomeIndexNearest(f *testing.F) {
	f.Add(uint64(1), uint8(3), uint8(4), uint8(5), 0.5)
	f.Add(uint64(2), uint8(7), uint8(1), uint8(6), 0.0)
	f.Add(uint64(3), uint8(2), uint8(2), uint8(2), 1.2)
	f.Fuzz(func(t *testing.T, seed uint64, a, b, c uint8, target float64) {
		if math.IsNaN(target) || math.IsInf(target, 0) {
			return
		}
		sizes := []int{int(a%8) + 1, int(b%8) + 1, int(c%8) + 1, int((a^b)%5) + 1}
		p := synthetic(t, seed, sizes, 1)[0].(*LinearAdditive)
		all := allOutcomes(p.Dom)
		layouts := map[string][][]int{"one": {{0, 1, 2, 3}}, "two": {{0, 1}, {2, 3}}, "three": {{0}, {1, 2}, {3}}}
		for name, parts := range layouts {
			for _, bisect := range []bool{false, true} {
				if bisect && len(parts) != 2 {
					continue
				}
				x := &OutcomeIndex{dom: p.Dom, issues: 4, bisect: bisect}
				for _, part := range parts {
					x.groups = append(x.groups, additiveGroup(p, part))
				}
				x.finish()
				for _, tg := range []float64{target, target / 2, target + 0.01} {
					o, _ := x.Nearest(tg, nil)
					if err := p.Dom.ValidOutcome(o); err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					want, wantBelow := math.Inf(1), math.Inf(-1)
					for _, c := range all {
						u := p.Utility(c)
						want = min(want, math.Abs(u-tg))
						if u < tg-1e-9 {
							wantBelow = max(wantBelow, u)
						}
					}
					if got := math.Abs(p.Utility(o) - tg); got > want+1e-9 {
						t.Fatalf("%s bisect=%v: Nearest(%v) at %v; best is %v", name, bisect, tg, got, want)
					}
					ob, _, ok := x.Below(tg, nil)
					if !math.IsInf(wantBelow, -1) && (!ok || p.Utility(ob) < wantBelow-1e-9 || p.Utility(ob) >= tg+1e-9) {
						t.Fatalf("%s bisect=%v: Below(%v) = %v, %v; want utility %v", name, bisect, tg, ok, p.Utility(ob), wantBelow)
					}
				}
			}
		}
	})
}

// FuzzSAOPScripted plays random action scripts and checks the protocol's
// promises: no panic, an agreement only on the latest offer after every
// other party accepted it in turn, and a trace no longer than the rounds.
func FuzzSAOPScripted(f *testing.F) {
	f.Add([]byte{0, 1, 1, 1, 2, 0}, uint8(2), uint8(5))
	f.Add([]byte{1, 0, 1, 2, 0, 0, 1, 1}, uint8(3), uint8(4))
	f.Fuzz(func(t *testing.T, script []byte, parties, rounds uint8) {
		n := int(parties%3) + 2
		ps := synthetic(t, 1, []int{3, 2}, n)
		agents := make([]Agent, n)
		scripts := make([]*scripted, n)
		for i := range scripts {
			scripts[i] = &scripted{}
			agents[i] = scripts[i]
		}
		outs := allOutcomes(ps[0].Domain())
		var last Outcome
		for k, b := range script {
			var a Action
			switch b % 4 {
			case 0:
				last = outs[int(b/4)%len(outs)]
				a = Action{Kind: ActOffer, Offer: last}
			case 1:
				a = Action{Kind: ActAccept, Offer: last}
			case 2:
				a = Action{Kind: ActAccept, Offer: outs[int(b/4)%len(outs)]}
			case 3:
				a = Action{Kind: ActEnd}
			}
			scripts[k%n].acts = append(scripts[k%n].acts, a)
		}
		r := int(rounds%10) + 1
		res, err := RunSAOP(ps, agents, SAOPOptions{Rounds: r})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Trace) > r*n {
			t.Fatalf("%d steps in %d rounds of %d parties", len(res.Trace), r, n)
		}
		if res.Agreement != nil {
			tr := res.Trace
			if len(tr) < n || tr[len(tr)-n].Action != ActOffer {
				t.Fatalf("agreement without an offer followed by %d accepts: %+v", n-1, tr)
			}
			for _, s := range tr[len(tr)-n+1:] {
				if s.Action != ActAccept || !slices.Equal(s.Offer, res.Agreement) {
					t.Fatalf("agreement %v but step %+v", res.Agreement, s)
				}
			}
		}
	})
}
