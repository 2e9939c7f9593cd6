package parley

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"parley/engine"
)

// randomNegotiation returns a small random negotiation and talk with 2–3
// members and 0–2 stakeholders, their preferences as parties would enter
// them (any scale, red lines, minimums), in the inputs the mediator reads.
func randomNegotiation(r *rand.Rand) *Inputs {
	n := &Negotiation{ID: 1, Title: "random", Solution: []string{"nash", "ks", "egalitarian"}[r.IntN(3)]}
	for i := range 1 + r.IntN(4) {
		is := NegotiationIssue{Name: fmt.Sprintf("issue %d", i)}
		if r.IntN(5) == 0 {
			is.Integer, is.Low, is.High = true, int64(r.IntN(5)), int64(5+r.IntN(4))
		} else {
			for j := range 2 + r.IntN(3) {
				is.Options = append(is.Options, fmt.Sprintf("option %d", j))
			}
		}
		n.Issues = append(n.Issues, is)
	}
	t := &Talk{}
	in := &Inputs{Negotiation: n, Talk: t, Members: map[int64]*Preferences{}, Stakeholders: map[int64]*Preferences{}}
	prefs := func(res float64) *Preferences {
		p := &Preferences{Weights: map[string]float64{}, Scores: map[string]map[string]float64{}, Reservation: res}
		for _, is := range n.Issues {
			p.Weights[is.Name] = float64(r.IntN(10))
			sc := map[string]float64{}
			for j, v := range is.Values() {
				if !is.Integer || j == 0 || j == len(is.Values())-1 || r.IntN(3) == 0 {
					sc[v] = float64(r.IntN(6))
				}
			}
			p.Scores[is.Name] = sc
		}
		p.Weights[n.Issues[0].Name]++
		for _, is := range n.Issues {
			vals := is.Values()
			p.Scores[is.Name][vals[len(vals)-1]]++
		}
		return p
	}
	members := 2 + r.IntN(2)
	for id := int64(1); id <= int64(members); id++ {
		t.Parties = append(t.Parties, TalkParty{PartyID: id, Standing: StandingMember, Accepted: true})
		in.Members[id] = prefs(float64(r.IntN(6)) / 10)
	}
	for k := range r.IntN(3) {
		id := int64(10 + k)
		t.Parties = append(t.Parties, TalkParty{PartyID: id, Standing: StandingStakeholder, Accepted: true})
		p := &Preferences{}
		if r.IntN(2) == 0 {
			p = prefs(float64(r.IntN(5)) / 10)
		}
		is := n.Issues[r.IntN(len(n.Issues))]
		if !is.Integer || r.IntN(2) == 0 {
			p.Excluded = map[string][]string{is.Name: {is.Values()[r.IntN(len(is.Values()))]}}
		}
		in.Stakeholders[id] = p
	}
	return in
}

// TestMediatorTextsAgainstEnumeration checks, on 1,000 random small
// negotiations, that the text the mediator would propose is acceptable to
// every member, inside every stakeholder's red lines and minimum,
// Pareto-optimal among those texts, and the chosen solution, all by plain
// enumeration of the preferences as entered; and that "no improvement
// exists" is said only when no text is at least as good for every member and
// better for one.
func TestMediatorTextsAgainstEnumeration(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 20))
	for trial := range 1000 {
		in := randomNegotiation(r)
		n := in.Negotiation
		for _, p := range in.Members {
			if err := p.Validate(n, false); err != nil {
				t.Fatalf("trial %d: member preferences refused: %v", trial, err)
			}
		}
		p, d, err := problem(in)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		// The members' and stakeholders' utilities as the preferences say,
		// computed here from scratch: weights over their sum, scores over
		// the issue's best, integer ranges interpolated.
		util := func(pref *Preferences, o engine.Outcome) float64 {
			sum, u := 0.0, 0.0
			for _, is := range n.Issues {
				sum += pref.Weights[is.Name]
			}
			for i, is := range n.Issues {
				ev := pref.evaluations(&is)
				u += pref.Weights[is.Name] / sum * ev[o[i]] / slices.Max(ev)
			}
			return u
		}
		members := in.Talk.Members()
		feasible := func(o engine.Outcome) bool {
			for _, id := range members {
				if engine.Round(util(in.Members[id], o)) < engine.Round(in.Members[id].Reservation) {
					return false
				}
			}
			for _, s := range in.Stakeholders {
				for i, is := range n.Issues {
					if slices.Contains(s.Excluded[is.Name], is.Values()[o[i]]) {
						return false
					}
				}
				if s.HasProfile() && engine.Round(util(s, o)) < engine.Round(s.Reservation) {
					return false
				}
			}
			return true
		}
		var all [][]float64
		var outs []engine.Outcome
		o := make(engine.Outcome, len(n.Issues))
		var walk func(i int)
		walk = func(i int) {
			if i == len(o) {
				if feasible(o) {
					var us []float64
					for _, id := range members {
						us = append(us, util(in.Members[id], o))
					}
					all, outs = append(all, us), append(outs, o.Clone())
				}
				return
			}
			for v := 0; v < d.Issues[i].NumValues(); v++ {
				o[i] = v
				walk(i + 1)
			}
		}
		walk(0)
		s, err := engine.Solve(context.Background(), p, engine.SolveOptions{})
		if len(all) == 0 {
			if !errors.Is(err, engine.ErrNoFeasible) {
				t.Fatalf("trial %d: no feasible text, but Solve = %v", trial, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("trial %d: %d feasible texts, but Solve = %v", trial, len(all), err)
		}
		if !feasible(s.Outcome) {
			t.Fatalf("trial %d: the text %v is not acceptable to every member or crosses a red line", trial, n.OutcomeText(s.Outcome))
		}
		var got []float64
		for _, id := range members {
			got = append(got, util(in.Members[id], s.Outcome))
		}
		dominates := func(a, b []float64) bool {
			strict := false
			for i := range a {
				if engine.Round(a[i]) < engine.Round(b[i]) {
					return false
				}
				strict = strict || engine.Round(a[i]) > engine.Round(b[i])
			}
			return strict
		}
		for _, u := range all {
			if dominates(u, got) {
				t.Fatalf("trial %d: the text %v is dominated by a feasible text with utilities %v", trial, got, u)
			}
		}
		// The chosen solution, by its definition over the feasible texts.
		res := make([]float64, len(members))
		ideal := make([]float64, len(members))
		for i, id := range members {
			res[i] = in.Members[id].Reservation
			for _, u := range all {
				ideal[i] = math.Max(ideal[i], u[i])
			}
		}
		score := func(u []float64) float64 {
			prod, least := 1.0, math.Inf(1)
			for i := range u {
				g := u[i] - res[i]
				prod *= g
				switch n.Solution {
				case "ks":
					ratio := 1.0
					if ideal[i] > res[i] {
						ratio = g / (ideal[i] - res[i])
					}
					least = math.Min(least, ratio)
				default:
					least = math.Min(least, g)
				}
			}
			if n.Solution == "nash" {
				return prod
			}
			return least
		}
		best := math.Inf(-1)
		for _, u := range all {
			best = math.Max(best, engine.Round(score(u)))
		}
		if engine.Round(score(got)) != best {
			t.Fatalf("trial %d: %s score %v, the best feasible text scores %v", trial, n.Solution, score(got), best)
		}
		// Improvement of a random feasible text.
		k := r.IntN(len(all))
		q := p
		q.Baseline = outs[k]
		_, err = engine.Solve(context.Background(), q, engine.SolveOptions{})
		exists := slices.ContainsFunc(all, func(u []float64) bool { return dominates(u, all[k]) })
		if exists == errors.Is(err, engine.ErrNoFeasible) {
			t.Fatalf("trial %d: an improvement of %v exists: %v; Solve = %v", trial, all[k], exists, err)
		}
	}
}

// disclosedStore hands the mediator the inputs of one disclosed negotiation
// (the store's own DisclosedInputs is covered by storetest).
type disclosedStore struct {
	NegotiationService
	in *Inputs
}

func (s disclosedStore) DisclosedInputs(context.Context, int64) (*Inputs, error) { return s.in, nil }

// TestDisclosedManyMembersWithoutFrontier checks the disclosure plot of four
// members on 10^20 texts: the Nash and Kalai–Smorodinsky points come
// without the frontier (which could hold millions of points), and equal the
// ones the frontier gives on a small space.
func TestDisclosedManyMembersWithoutFrontier(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 13))
	build := func(issues, options int) *Inputs {
		n := &Negotiation{ID: 1, Title: "many", Solution: "nash"}
		for i := range issues {
			is := NegotiationIssue{Name: fmt.Sprintf("issue %d", i)}
			for j := range options {
				is.Options = append(is.Options, fmt.Sprintf("option %d", j))
			}
			n.Issues = append(n.Issues, is)
		}
		tk := &Talk{}
		in := &Inputs{Negotiation: n, Talk: tk, Members: map[int64]*Preferences{}, Stakeholders: map[int64]*Preferences{}}
		for id := int64(1); id <= 4; id++ {
			tk.Parties = append(tk.Parties, TalkParty{PartyID: id, Standing: StandingMember, Accepted: true})
			p := &Preferences{Weights: map[string]float64{}, Scores: map[string]map[string]float64{}}
			for _, is := range n.Issues {
				p.Weights[is.Name] = float64(1 + r.IntN(9))
				p.Scores[is.Name] = map[string]float64{}
				for _, v := range is.Options {
					p.Scores[is.Name][v] = float64(r.IntN(10))
				}
			}
			in.Members[id] = p
		}
		return in
	}
	for _, tt := range []struct {
		issues, options int
		frontier        bool
	}{{20, 10, false}, {3, 4, true}} {
		in := build(tt.issues, tt.options)
		m := &Mediator{Negotiations: disclosedStore{in: in}}
		m.Open()
		d, err := m.Disclosed(context.Background(), 1)
		if err != nil {
			t.Fatalf("%d issues: %v", tt.issues, err)
		}
		if (len(d.Pareto) > 0) != tt.frontier {
			t.Errorf("%d issues × %d options: %d frontier points; want the frontier %v", tt.issues, tt.options, len(d.Pareto), tt.frontier)
		}
		if len(d.Nash) != 4 || len(d.KS) != 4 {
			t.Fatalf("%d issues: Nash %v, K–S %v; want both for 4 members", tt.issues, d.Nash, d.KS)
		}
		if !tt.frontier {
			continue
		}
		// On the small space the solutions without the frontier are the
		// frontier's own.
		var profs []engine.Profile
		for _, p := range in.Talk.Members() {
			prof, err := in.Members[p].Profile(in.Negotiation, in.Negotiation.Domain(), fmt.Sprint(p))
			if err != nil {
				t.Fatal(err)
			}
			profs = append(profs, prof)
		}
		a, err := engine.Analyze(profs, engine.AnalyzeOptions{SkipCount: true, NoFrontier: true})
		if err != nil {
			t.Fatal(err)
		}
		for k := range d.Nash {
			if math.Abs(d.Nash[k]-a.Nash.Utilities[k]) > 1e-9 || math.Abs(d.KS[k]-a.KalaiSmorodinsky.Utilities[k]) > 1e-9 {
				t.Fatalf("with the frontier Nash %v K–S %v; without %v %v", d.Nash, d.KS, a.Nash.Utilities, a.KalaiSmorodinsky.Utilities)
			}
		}
	}
}
