package engine_test

import (
	"math"
	"slices"
	"testing"

	"parley/engine"
)

// hugeNonlinear are two-party domains of hyperrectangle profiles far too
// large to enumerate (10^10 to 10^50 outcomes).
var hugeNonlinear = []string{"anac2014-10issues", "anac2014-10issueswithRV", "other-S-1NAGUNL-128", "other-S-1NAGUNL-255", "other-S-1NIKFRT-3"}

// TestOutcomeIndexBeyondEnumeration checks the index agents use on
// non-additive profiles too large to enumerate: its maximum is the
// profile's true maximum, every outcome it returns has the utility it
// reports, Below stays strictly below, and targets anywhere between its
// least and greatest utility are met within 0.01 (of the nearest level the
// profile has, where its levels can be enumerated).
func TestOutcomeIndexBeyondEnumeration(t *testing.T) {
	for _, name := range hugeNonlinear {
		sc := load(t, name)
		for _, p := range sc.Profiles {
			idx, err := engine.NewOutcomeIndex(p)
			if err != nil {
				t.Fatalf("%s %s: %v", name, p.Name(), err)
			}
			top, err := engine.MaxWeighted([]engine.Profile{p}, []float64{1}, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := idx.Max(), p.Utility(top); got != want {
				t.Errorf("%s %s: index max %v, the profile's max %v", name, p.Name(), got, want)
			}
			// Where the profile's levels can be enumerated, measure against
			// the best possible answer; elsewhere against the target.
			exact, _ := engine.ExactLevels(p, 1e7)
			worst := 0.0
			for k := 0; k <= 200; k++ {
				target := idx.Min() + (idx.Max()-idx.Min())*float64(k)/200
				o, u := idx.Nearest(target, nil)
				if p.Utility(o) != u {
					t.Fatalf("%s %s: Nearest(%v) returned %v with utility %v, reported %v", name, p.Name(), target, o, p.Utility(o), u)
				}
				if exact != nil {
					// How much nearer the nearest true level is.
					k, _ := slices.BinarySearch(exact, target)
					best := math.Inf(1)
					for _, j := range []int{k - 1, k} {
						if j >= 0 && j < len(exact) {
							best = math.Min(best, math.Abs(exact[j]-target))
						}
					}
					worst = math.Max(worst, math.Abs(u-target)-best)
				} else {
					worst = math.Max(worst, math.Abs(u-target))
				}
				if o, u, ok := idx.Below(target, nil); ok && (u >= target || p.Utility(o) != u) {
					t.Fatalf("%s %s: Below(%v) returned utility %v (reported %v)", name, p.Name(), target, p.Utility(o), u)
				} else if !ok && target > idx.Min() {
					t.Fatalf("%s %s: nothing below %v although the least utility is %v", name, p.Name(), target, idx.Min())
				}
			}
			t.Logf("%s %s: utilities %.4f..%.4f, %d exact levels, farthest from a target (beyond the nearest level) %.4f", name, p.Name(), idx.Min(), idx.Max(), len(exact), worst)
			tol := 0.01
			if exact != nil {
				tol = 0.005
				if idx.Min()-exact[0] > tol {
					t.Errorf("%s %s: the index's least utility is %v; the profile's is %v", name, p.Name(), idx.Min(), exact[0])
				}
			}
			if worst > tol {
				t.Errorf("%s %s: a target is %.4f farther from the outcome found than it need be", name, p.Name(), worst)
			}
		}
	}
}

// TestAgentsOnHugeNonlinearDomains: Boulware against Conceder, on spaces
// the agents cannot enumerate, agrees where nothing is reserved, and never
// below a reservation value (with reservations of 0.75 each, blind
// time-dependent agents may well miss the narrow acceptable region).
func TestAgentsOnHugeNonlinearDomains(t *testing.T) {
	for _, name := range hugeNonlinear {
		sc := load(t, name)
		res, err := engine.RunSAOP(sc.Profiles, []engine.Agent{engine.NewTimeDependent(0.2), engine.NewTimeDependent(2)}, engine.SAOPOptions{Rounds: 1000, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		reserved := false
		for _, p := range sc.Profiles {
			reserved = reserved || p.Reservation() > 0
		}
		if res.Agreement == nil {
			if !reserved {
				t.Errorf("%s: %v after %d rounds", name, res.End, res.Rounds)
			}
			continue
		}
		for i, p := range sc.Profiles {
			if res.Raw[i] < p.Reservation() {
				t.Errorf("%s: party %d agreed at %v below its reservation %v", name, i, res.Raw[i], p.Reservation())
			}
		}
		t.Logf("%s: agreement after %d rounds at %.4f", name, res.Rounds, res.Raw)
	}
}
