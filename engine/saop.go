package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// ActionKind is what a party does on its turn.
type ActionKind int

// The actions of the stacked alternating offers protocol. The zero Action
// (NoAction) is a missed turn.
const (
	NoAction ActionKind = iota
	ActOffer
	ActAccept
	ActEnd
)

// String returns the action's name as the trace prints it.
func (k ActionKind) String() string {
	switch k {
	case ActOffer:
		return "offer"
	case ActAccept:
		return "accept"
	case ActEnd:
		return "end"
	}
	return "none"
}

// Action is one party's move. An offer carries the outcome offered; an
// accept carries the offer it accepts, which must be the latest one.
type Action struct {
	Kind  ActionKind
	Offer Outcome
}

// Self is everything an agent is told about its own side when a negotiation
// starts: its own profile and nothing of any other party's.
type Self struct {
	Profile Profile
	Party   int // this party's place in the turn order, from 0
	Parties int
	Rounds  int // the deadline in rounds; 0 when the deadline is wall time only
	Rand    *rand.Rand
}

// Agent negotiates for one party. A protocol calls Init once, then Act on
// the party's turns and Observe with every other party's actions. The only
// things an agent ever receives are its Self and copies of the others'
// actions, so it cannot reach another party's profile.
type Agent interface {
	// Init prepares the agent; an error means it cannot negotiate on this
	// profile (for example an outcome space too big to search).
	Init(self Self) error
	// Act returns the party's action at normalised time t ∈ [0,1).
	Act(t float64) Action
	// Observe tells the agent what another party did. The offer is the
	// agent's own copy.
	Observe(party int, a Action)
}

// EndReason says how a negotiation ended.
type EndReason int

// The ways a negotiation ends.
const (
	Agreed   EndReason = iota // every other party accepted the latest offer
	Deadline                  // the rounds or the time ran out
	Ended                     // a party ended it
	Broken                    // a party broke the protocol or missed its turn
	Stopped                   // SAOPOptions.Context was done first
)

// String returns the reason's name.
func (r EndReason) String() string {
	switch r {
	case Agreed:
		return "agreement"
	case Deadline:
		return "deadline"
	case Ended:
		return "ended"
	case Broken:
		return "broken"
	case Stopped:
		return "stopped"
	}
	return fmt.Sprintf("EndReason(%d)", int(r))
}

// Step is one action of a negotiation's trace.
type Step struct {
	Round  int // from 0
	Party  int
	Action ActionKind
	// Offer is the outcome offered or accepted (nil for an end).
	Offer Outcome
	// Time is the normalised time of the action.
	Time float64
	// Utilities holds every party's discounted utility of Offer at Time.
	Utilities []float64
}

// Result is the outcome of one negotiation.
type Result struct {
	// Agreement is the agreed outcome, nil when there is none.
	Agreement Outcome
	// Utilities holds every party's utility of the result, discounted at
	// the end time: of the agreement, or of its reservation when none.
	Utilities []float64
	// Raw holds the undiscounted utilities of the agreement (of the
	// reservations when none).
	Raw    []float64
	End    EndReason
	Rounds int     // rounds begun
	Time   float64 // normalised time at the end
	// Party is the party that ended or broke the negotiation, else -1.
	Party int
	// Reason explains a Broken end.
	Reason string
	Trace  []Step
}

// SAOPOptions configure a stacked alternating offers negotiation. At least
// one of Rounds and Time must be set.
type SAOPOptions struct {
	Rounds int           // deadline in rounds (every party acts once per round)
	Time   time.Duration // deadline in wall time
	// Clock reads wall time for a Time deadline; nil means time.Now.
	Clock func() time.Time
	// Seed seeds every agent's random source (party i gets Seed+i).
	Seed uint64
	// NoTrace leaves Result.Trace empty: a wall-time negotiation can run
	// millions of turns, and a tournament needs only the result.
	NoTrace bool
	// Context, when set, stops the negotiation at the next round once it
	// is done (cancelled or past its deadline): the result, with End
	// Stopped, is what the negotiation had reached.
	Context context.Context
}

// Validate reports why the options cannot run a negotiation, or nil.
func (o SAOPOptions) Validate() error {
	if o.Rounds < 0 {
		return Errorf("the deadline is %d rounds; it must be a positive number of rounds", o.Rounds)
	}
	if o.Time < 0 {
		return Errorf("the deadline is %v; it must be a positive duration", o.Time)
	}
	if o.Rounds == 0 && o.Time == 0 {
		return Errorf("a negotiation needs a deadline: a positive number of rounds or a positive duration")
	}
	return nil
}

// checkParties reports why profiles cannot negotiate together, or nil.
func checkParties(profiles []Profile, n int) error {
	if len(profiles) < 2 {
		return Errorf("a negotiation needs at least 2 parties; got %d", len(profiles))
	}
	if n != len(profiles) {
		return Errorf("%d profiles and %d agents; every party needs exactly one agent", len(profiles), n)
	}
	d := profiles[0].Domain()
	for _, p := range profiles[1:] {
		if err := SameDomain(d, p.Domain()); err != nil {
			return Errorf("profile %q and profile %q are over different domains (%v); every party must negotiate over the same domain",
				profiles[0].Name(), p.Name(), err)
		}
	}
	return nil
}

// RunSAOP runs one negotiation under the stacked alternating offers
// protocol: parties act in the fixed order of profiles; the first action
// must be an offer or an end; later actions are accept, offer or end; the
// negotiation is agreed when every other party has accepted the latest offer
// in consecutive turns. A party that accepts when there is nothing to accept
// or accepts a stale offer, offers something outside the domain, returns no
// action, panics, or acts after the time deadline has passed ends the
// negotiation without agreement.
//
// agents[i] negotiates for profiles[i] and only ever sees profiles[i].
// RunSAOP is deterministic given the seed when the deadline is in rounds.
func RunSAOP(profiles []Profile, agents []Agent, opts SAOPOptions) (*Result, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := checkParties(profiles, len(agents)); err != nil {
		return nil, err
	}
	n := len(profiles)
	dom := profiles[0].Domain()
	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	var start time.Time
	if opts.Time > 0 {
		start = clock()
	}
	for i, a := range agents {
		self := Self{Profile: agentView(profiles[i]), Party: i, Parties: n, Rounds: opts.Rounds,
			Rand: rand.New(rand.NewPCG(opts.Seed+uint64(i), 0x9e3779b97f4a7c15))}
		if err := a.Init(self); err != nil {
			return nil, fmt.Errorf("party %d (%s): %w", i+1, profiles[i].Name(), err)
		}
	}
	res := &Result{Party: -1, End: Deadline}
	if opts.Rounds > 0 && !opts.NoTrace {
		res.Trace = make([]Step, 0, min(opts.Rounds*n, 1<<16))
	}
	var current Outcome // latest offer
	accepts := 0
	t := 0.0
	// now returns the normalised time of turn k of round r and whether the
	// deadline has passed.
	now := func(r, k int) (float64, bool) {
		t := 0.0
		if opts.Rounds > 0 {
			t = float64(r*n+k) / float64(opts.Rounds*n)
		}
		if opts.Time > 0 {
			tt := float64(clock().Sub(start)) / float64(opts.Time)
			if tt >= 1 {
				return 1, true
			}
			t = max(t, tt)
		}
		return t, false
	}
	// Copies of offers and trace utilities are carved from slabs: one
	// allocation per few hundred actions instead of several per action.
	// Each copy is a disjoint piece, so an agent that keeps or changes its
	// copy affects nothing else.
	var ints []int
	var floats []float64
	clone := func(o Outcome) Outcome {
		if len(ints) < len(o) {
			ints = make([]int, max(len(o)*256, 1024))
		}
		c := Outcome(ints[:len(o):len(o)])
		ints = ints[len(o):]
		copy(c, o)
		return c
	}
	utilities := func(o Outcome, t float64) []float64 {
		if len(floats) < n {
			floats = make([]float64, n*256)
		}
		u := floats[:n:n]
		floats = floats[n:]
		for j, p := range profiles {
			u[j] = Discounted(p, p.Utility(o), t)
		}
		return u
	}
	finish := func(end EndReason, party int, reason string) *Result {
		res.End, res.Party, res.Reason, res.Time = end, party, reason, t
		res.Utilities = make([]float64, n)
		res.Raw = make([]float64, n)
		for j, p := range profiles {
			u := p.Reservation()
			if end == Agreed {
				u = p.Utility(res.Agreement)
			}
			res.Raw[j] = u
			res.Utilities[j] = Discounted(p, u, t)
		}
		return res
	}
	for r := 0; opts.Rounds == 0 || r < opts.Rounds; r++ {
		if ctxErr(opts.Context) != nil {
			t, _ = now(r, 0)
			return finish(Stopped, -1, ""), nil
		}
		res.Rounds = r + 1
		for k := 0; k < n; k++ {
			var over bool
			if t, over = now(r, k); over {
				t = 1
				return finish(Deadline, -1, ""), nil
			}
			a, err := act(agents[k], t)
			if opts.Time > 0 {
				if tt, over := now(r, k); over {
					t = tt
					return finish(Broken, k, "acted after the deadline"), nil
				}
			}
			if err != "" {
				return finish(Broken, k, err), nil
			}
			step := Step{Round: r, Party: k, Action: a.Kind, Time: t}
			switch a.Kind {
			case ActOffer:
				if err := dom.ValidOutcome(a.Offer); err != nil {
					return finish(Broken, k, "offered an invalid outcome: "+err.Error()), nil
				}
				current = clone(a.Offer)
				accepts = 0
				step.Offer = current
				if !opts.NoTrace {
					step.Utilities = utilities(current, t)
				}
			case ActAccept:
				if current == nil {
					return finish(Broken, k, "accepted when no offer had been made"), nil
				}
				if !slices.Equal(a.Offer, current) {
					return finish(Broken, k, "accepted an offer that is not the latest"), nil
				}
				accepts++
				step.Offer = current
				if !opts.NoTrace {
					step.Utilities = utilities(current, t)
				}
			case ActEnd:
				if !opts.NoTrace {
					res.Trace = append(res.Trace, step)
				}
				for j := range agents {
					if j != k {
						agents[j].Observe(k, Action{Kind: ActEnd})
					}
				}
				return finish(Ended, k, ""), nil
			default:
				return finish(Broken, k, "missed its turn (no action)"), nil
			}
			if !opts.NoTrace {
				res.Trace = append(res.Trace, step)
			}
			if accepts == n-1 {
				res.Agreement = current
				return finish(Agreed, -1, ""), nil
			}
			for j := range agents {
				if j != k {
					agents[j].Observe(k, Action{Kind: a.Kind, Offer: clone(current)})
				}
			}
		}
	}
	t = 1
	return finish(Deadline, -1, ""), nil
}

// act asks an agent for its action, turning a panic into a protocol breach.
func act(a Agent, t float64) (act Action, breach string) {
	defer func() {
		if r := recover(); r != nil {
			breach = fmt.Sprintf("failed on its turn: %v", r)
		}
	}()
	return a.Act(t), ""
}

// agentView is the copy of a party's profile its agent works with, so that
// an agent that changes its profile cannot change the utilities the
// protocol records for its party. A linear additive profile is copied
// (agents index it for speed); any other kind is hidden behind a view that
// forwards Profile and every optional capability (capability.go) the
// profile has: a Bounder behind a boundedView, others behind a profileView.
func agentView(p Profile) Profile {
	if la, ok := p.(*LinearAdditive); ok {
		return la.clone()
	}
	if _, ok := p.(Bounder); ok {
		return boundedView{profileView{p}}
	}
	return profileView{p}
}

// profileView exposes the Profile methods of a profile and the
// capabilities that can say they do not apply (each reports false, or
// builds what the profile does not keep).
type profileView struct{ p Profile }

// boundedView is a profileView of a Bounder: Bounds has no way to say it
// does not apply, so only a Bounder's view has it.
type boundedView struct{ profileView }

// Bounds forwards the profile's bounds.
func (v boundedView) Bounds(lo, hi []int) (float64, float64) { return v.p.(Bounder).Bounds(lo, hi) }

// SplitScores forwards the profile's preference, if it has one.
func (v boundedView) SplitScores(lo, hi []int, score []float64) {
	if s, ok := v.p.(Splitter); ok {
		s.SplitScores(lo, hi, score)
	}
}

func (v profileView) Name() string              { return v.p.Name() }
func (v profileView) Domain() *Domain           { return v.p.Domain().clone() }
func (v profileView) Utility(o Outcome) float64 { return v.p.Utility(o) }
func (v profileView) Reservation() float64      { return v.p.Reservation() }
func (v profileView) DiscountFactor() float64   { return v.p.DiscountFactor() }

// Decompose gives the agent fresh factors of its own profile, when it is a
// sum of small parts, so that it can search it exactly.
func (v profileView) Decompose() ([]Factor, float64, bool) {
	if d, ok := v.p.(Decomposer); ok {
		return d.Decompose()
	}
	return nil, 0, false
}

func (v profileView) inclusiveBoxes(w float64) ([]wbox, float64, bool) {
	if b, ok := v.p.(boxer); ok {
		return b.inclusiveBoxes(w)
	}
	return nil, 0, false
}

func (v profileView) sumMax() (float64, bool) {
	if s, ok := v.p.(summer); ok {
		return s.sumMax()
	}
	return 0, false
}

func (v profileView) outcomePool() *outcomePool {
	if c, ok := v.p.(pooler); ok {
		return c.outcomePool()
	}
	return buildPool(v)
}
