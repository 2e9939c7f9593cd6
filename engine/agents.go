package engine

import (
	"math"
	"slices"
	"strings"
)

// agentKind is one entry of the agents NewAgent knows.
type agentKind struct {
	name    string
	aliases []string
	make    func() Agent
}

// agentKinds is the one list of agents: NewAgent and AgentNames read it,
// in the order help text shows them.
func agentKinds() []agentKind {
	return []agentKind{
		{"boulware", nil, func() Agent { return NewTimeDependent(0.2) }},
		{"linear", nil, func() Agent { return NewTimeDependent(1) }},
		{"conceder", nil, func() Agent { return NewTimeDependent(2) }},
		{"hardliner", nil, func() Agent { return NewTimeDependent(0) }},
		{"tft", []string{"titfortat", "tit-for-tat"}, func() Agent { return &TitForTat{} }},
		{"micro", nil, func() Agent { return &MiCRO{} }},
		{"random", nil, func() Agent { return &RandomAgent{} }},
		{"nash", []string{"nashseeker"}, func() Agent { return &NashSeeker{} }},
	}
}

// AgentNames lists the agents NewAgent knows, in the order help text shows them.
func AgentNames() []string {
	var names []string
	for _, k := range agentKinds() {
		names = append(names, k.name)
	}
	return names
}

// NewAgent returns a fresh agent by name or alias (see AgentNames). Agents
// keep per-negotiation state, so use a new one for every negotiation.
func NewAgent(name string) (Agent, error) {
	name = strings.ToLower(name)
	for _, k := range agentKinds() {
		if k.name == name || slices.Contains(k.aliases, name) {
			return k.make(), nil
		}
	}
	return nil, Errorf("unknown agent %q; known agents are %s", name, strings.Join(AgentNames(), ", "))
}

// own is what every agent here keeps about its own side.
type own struct {
	self       Self
	p          Profile
	idx        *OutcomeIndex
	pmin, pmax float64
	last       Outcome // latest offer by another party, nil when none or when it was superseded by ours
	buf        Outcome
}

func (o *own) init(self Self) error {
	idx, err := NewOutcomeIndex(self.Profile)
	if err != nil {
		return err
	}
	o.self, o.p, o.idx = self, self.Profile, idx
	o.pmax = idx.Max()
	o.pmin = min(max(idx.Min(), self.Profile.Reservation()), o.pmax)
	o.last = nil
	o.buf = make(Outcome, len(self.Profile.Domain().Issues))
	return nil
}

func (o *own) observe(a Action) {
	if a.Kind == ActOffer {
		o.last = a.Offer
	}
}

// respond accepts the latest offer when it is at least as good for us as
// next and no worse than no agreement, and otherwise offers next.
func (o *own) respond(next Outcome) Action {
	if o.last != nil && o.p.Utility(o.last) >= max(o.p.Utility(next), o.p.Reservation()) {
		return Action{Kind: ActAccept, Offer: o.last}
	}
	o.last = nil
	return Action{Kind: ActOffer, Offer: next}
}

// TimeDependent is GENIUS's TimeDependentAgent: at normalised time t it aims
// for target(t) = Pmin + (Pmax − Pmin)·(1 − t^(1/e)), offers the outcome
// whose utility is nearest the target, and accepts an offer at least as good
// as the one it would make next. Pmin is the larger of the lowest utility and
// the reservation value, Pmax the highest utility. e < 1 concedes late
// (Boulware), e = 1 linearly, e > 1 early (Conceder); e = 0 never concedes
// (Hardliner).
type TimeDependent struct {
	E float64
	own
}

// NewTimeDependent returns a time-dependent agent with concession exponent e.
func NewTimeDependent(e float64) *TimeDependent { return &TimeDependent{E: e} }

// Init implements Agent.
func (a *TimeDependent) Init(self Self) error { return a.init(self) }

// Observe implements Agent.
func (a *TimeDependent) Observe(_ int, act Action) { a.observe(act) }

// Target returns the utility the agent aims for at time t.
func (a *TimeDependent) Target(t float64) float64 {
	return TimeDependentTarget(a.pmin, a.pmax, a.E, t)
}

// TimeDependentTarget is target(t) = pmin + (pmax − pmin)·(1 − t^(1/e)); e = 0 gives pmax.
func TimeDependentTarget(pmin, pmax, e, t float64) float64 {
	if e <= 0 {
		return pmax
	}
	t = min(max(t, 0), 1)
	return pmin + (pmax-pmin)*(1-math.Pow(t, 1/e))
}

// Act implements Agent.
func (a *TimeDependent) Act(t float64) Action {
	next, _ := a.idx.Nearest(a.Target(t), a.buf)
	return a.respond(next)
}

// TitForTat is naive tit-for-tat: it starts at its best outcome and concedes,
// in its own utility, exactly as much as the others' offers have improved
// for it since their first offer.
type TitForTat struct {
	own
	first float64
}

// Init implements Agent.
func (a *TitForTat) Init(self Self) error { a.first = math.NaN(); return a.init(self) }

// Observe implements Agent.
func (a *TitForTat) Observe(_ int, act Action) {
	a.observe(act)
	if act.Kind == ActOffer && math.IsNaN(a.first) {
		a.first = a.p.Utility(act.Offer)
	}
}

// Act implements Agent.
func (a *TitForTat) Act(t float64) Action {
	target := a.pmax
	if a.last != nil {
		target -= max(0, a.p.Utility(a.last)-a.first)
	}
	next, _ := a.idx.Nearest(max(target, a.pmin), a.buf)
	return a.respond(next)
}

// MiCRO is de Jonge's MiCRO: it proposes its outcomes from best to worst,
// one utility level at a time, but makes a new proposal only when every
// opponent has made at least as many distinct offers as it has; otherwise it
// repeats one of its earlier proposals at random. It accepts an offer at
// least as good as its next proposal, and never goes below its reservation.
// (It steps through distinct utility levels; outcomes of equal utility count
// as one proposal.)
type MiCRO struct {
	own
	proposed []Outcome
	lowest   float64
	distinct []map[string]bool // per party: distinct offers it made
}

// Init implements Agent.
func (a *MiCRO) Init(self Self) error {
	a.proposed, a.lowest = nil, math.Inf(1)
	a.distinct = make([]map[string]bool, self.Parties)
	for i := range a.distinct {
		a.distinct[i] = map[string]bool{}
	}
	return a.init(self)
}

// Observe implements Agent.
func (a *MiCRO) Observe(party int, act Action) {
	a.observe(act)
	if act.Kind == ActOffer && party >= 0 && party < len(a.distinct) {
		a.distinct[party][outcomeKey(act.Offer)] = true
	}
}

func outcomeKey(o Outcome) string {
	b := make([]byte, 0, 2*len(o))
	for _, v := range o {
		b = append(b, byte(v), byte(v>>8), byte(v>>16))
	}
	return string(b)
}

// Act implements Agent.
func (a *MiCRO) Act(t float64) Action {
	others := math.MaxInt
	for i, m := range a.distinct {
		if i != a.self.Party {
			others = min(others, len(m))
		}
	}
	// Levels are kept in the index's own sums: Below is strict in them,
	// while Utility may round the same outcome an ulp apart, which would
	// make MiCRO step to the same level forever.
	var next Outcome
	var level float64
	if len(a.proposed) == 0 {
		next, level = a.idx.Nearest(a.pmax, a.buf)
	} else if o, u, ok := a.idx.Below(a.lowest, a.buf); ok && a.p.Utility(o) >= a.p.Reservation() {
		next, level = o, u
	}
	concede := next != nil && len(a.proposed) <= others
	var offer Outcome
	if concede {
		offer = next
	} else {
		offer = a.proposed[a.self.Rand.IntN(len(a.proposed))]
	}
	// Accept what is at least as good as our next new proposal (or our
	// worst proposal when we have none left).
	bar := offer
	if next != nil {
		bar = next
	}
	if a.last != nil && a.p.Utility(a.last) >= a.p.Utility(bar) && a.p.Utility(a.last) >= a.p.Reservation() {
		return Action{Kind: ActAccept, Offer: a.last}
	}
	if concede {
		offer = offer.Clone()
		a.proposed = append(a.proposed, offer)
		a.lowest = level
	}
	a.last = nil
	return Action{Kind: ActOffer, Offer: offer}
}

// RandomAgent offers outcomes of random utility between its reservation and
// its best, and accepts any offer at least as good as the one it would make.
type RandomAgent struct{ own }

// Init implements Agent.
func (a *RandomAgent) Init(self Self) error { return a.init(self) }

// Observe implements Agent.
func (a *RandomAgent) Observe(_ int, act Action) { a.observe(act) }

// Act implements Agent.
func (a *RandomAgent) Act(t float64) Action {
	target := a.pmin + a.self.Rand.Float64()*(a.pmax-a.pmin)
	next, _ := a.idx.Nearest(target, a.buf)
	if a.p.Utility(next) < a.p.Reservation() {
		next, _ = a.idx.Nearest(a.pmax, a.buf)
	}
	return a.respond(next)
}

// NashSeeker models each opponent from its offers with a frequency model
// (an issue whose value an opponent rarely changes weighs more; a value it
// offers more often scores higher), estimates the Nash point of its own
// utility and the estimated opponent utilities, and concedes like a Boulware
// agent but not below its own utility at that estimated Nash point until
// the last tenth of the time, when it gives way towards its minimum. Among
// outcomes that meet its target it offers the one the opponents are estimated
// to like most. For a profile that is not linear additive it plays Boulware.
type NashSeeker struct {
	own
	la      *LinearAdditive
	counts  [][][]float64 // counts[party][issue][value]
	same    [][]float64   // same[party][issue]: consecutive offers that kept the value
	prev    []Outcome
	offers  int
	cands   []Outcome
	candOwn []float64
	candOpp []float64
	nashOwn float64
	dirty   bool
}

// Init implements Agent.
func (a *NashSeeker) Init(self Self) error {
	if err := a.init(self); err != nil {
		return err
	}
	a.la, _ = self.Profile.(*LinearAdditive)
	d := self.Profile.Domain()
	a.counts = make([][][]float64, self.Parties)
	a.same = make([][]float64, self.Parties)
	a.prev = make([]Outcome, self.Parties)
	for j := range a.counts {
		a.counts[j] = make([][]float64, len(d.Issues))
		for i := range d.Issues {
			a.counts[j][i] = make([]float64, d.Issues[i].NumValues())
		}
		a.same[j] = make([]float64, len(d.Issues))
	}
	a.offers, a.nashOwn, a.dirty = 0, a.pmin, false
	return nil
}

// Observe implements Agent.
func (a *NashSeeker) Observe(party int, act Action) {
	a.observe(act)
	if act.Kind != ActOffer || party < 0 || party >= len(a.counts) || party == a.self.Party {
		return
	}
	for i, v := range act.Offer {
		a.counts[party][i][v]++
		if a.prev[party] != nil && a.prev[party][i] == v {
			a.same[party][i]++
		}
	}
	a.prev[party] = act.Offer
	a.offers++
	a.dirty = true
}

// model returns, for party j, the modelled utility of every value of every
// issue: est[i][v] = w_i · (1 + count_v)/(1 + max count), with w_i
// proportional to 1 + how often j kept issue i's value between offers.
func (a *NashSeeker) model(j int) [][]float64 {
	tot := 0.0
	for _, s := range a.same[j] {
		tot += 1 + s
	}
	est := make([][]float64, len(a.counts[j]))
	for i, cs := range a.counts[j] {
		w := (1 + a.same[j][i]) / tot
		mx := slices.Max(cs)
		est[i] = make([]float64, len(cs))
		for v, c := range cs {
			est[i][v] = w * (1 + c) / (1 + mx)
		}
	}
	return est
}

// refresh rebuilds the candidate outcomes: for λ from 0 to 1, the outcome
// maximising λ·own + (1−λ)·mean estimated opponent utility (issue by issue,
// as both are additive). They approximate the estimated Pareto frontier.
func (a *NashSeeker) refresh() {
	a.dirty = false
	d := a.p.Domain()
	a.cands, a.candOwn, a.candOpp = a.cands[:0], a.candOwn[:0], a.candOpp[:0]
	var models [][][]float64
	for j := range a.counts {
		if j != a.self.Party {
			models = append(models, a.model(j))
		}
	}
	m := float64(len(models))
	const steps = 20
	for s := 0; s <= steps; s++ {
		lam := float64(s) / steps
		o := make(Outcome, len(d.Issues))
		for i := range d.Issues {
			best, bv := math.Inf(-1), 0
			for v := 0; v < d.Issues[i].NumValues(); v++ {
				opp := 0.0
				for _, est := range models {
					opp += est[i][v]
				}
				x := lam*a.la.Contribution(i, v) + (1-lam)*opp/m
				if x > best {
					best, bv = x, v
				}
			}
			o[i] = bv
		}
		a.cands = append(a.cands, o)
		a.candOwn = append(a.candOwn, a.p.Utility(o))
		opp := 1.0
		for _, est := range models {
			u := 0.0
			for i, v := range o {
				u += est[i][v]
			}
			opp *= u
		}
		a.candOpp = append(a.candOpp, opp)
	}
	bestProd := math.Inf(-1)
	rv := a.p.Reservation()
	for k := range a.cands {
		if a.candOwn[k] < a.pmin {
			continue
		}
		if prod := (a.candOwn[k] - rv) * a.candOpp[k]; prod > bestProd {
			bestProd, a.nashOwn = prod, a.candOwn[k]
		}
	}
}

// Act implements Agent.
func (a *NashSeeker) Act(t float64) Action {
	target := TimeDependentTarget(a.pmin, a.pmax, 0.2, t)
	if a.la == nil || a.offers < 2 {
		next, _ := a.idx.Nearest(target, a.buf)
		return a.respond(next)
	}
	if a.dirty {
		a.refresh()
	}
	floor := a.nashOwn
	if t > 0.9 {
		// The estimate may flatter us; give way over the last tenth so
		// that two Nash seekers still meet before the deadline.
		floor = a.pmin + (a.nashOwn-a.pmin)*(1-t)/0.1
	}
	target = max(target, floor)
	best, bestOpp := -1, math.Inf(-1)
	for k := range a.cands {
		if a.candOwn[k] >= target && a.candOpp[k] > bestOpp {
			best, bestOpp = k, a.candOpp[k]
		}
	}
	var next Outcome
	if best < 0 {
		next, _ = a.idx.Nearest(target, a.buf)
	} else {
		next = a.cands[best]
	}
	return a.respond(next)
}

var (
	_ Agent = (*TimeDependent)(nil)
	_ Agent = (*TitForTat)(nil)
	_ Agent = (*MiCRO)(nil)
	_ Agent = (*RandomAgent)(nil)
	_ Agent = (*NashSeeker)(nil)
)
