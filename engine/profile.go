package engine

import (
	"math"
)

// Profile is one party's confidential preferences over a domain's outcomes.
//
// Utility must be safe for concurrent use once the profile is built and must
// not allocate. Reservation is the utility of no agreement (for a GeniusWeb
// profile with a reservation bid, the utility of that bid).
type Profile interface {
	Name() string
	Domain() *Domain
	Utility(o Outcome) float64
	Reservation() float64
	// DiscountFactor is GENIUS's discount d: utilities at normalised time
	// t ∈ [0,1] are U·d^t. d <= 0 or d >= 1 means no discount.
	DiscountFactor() float64
}

// Discounted returns u·d^t, GENIUS's time-discounted utility, where d is the
// profile's discount factor and t ∈ [0,1] normalised time.
func Discounted(p Profile, u, t float64) float64 {
	d := p.DiscountFactor()
	if d <= 0 || d >= 1 {
		return u
	}
	return u * math.Pow(d, t)
}

// EvalKind says which function an Evaluator computes.
type EvalKind int

// Evaluator kinds.
const (
	EvalDiscrete   EvalKind = iota // table of evaluations, divided by the issue maximum
	EvalLinear                     // integer issue: clamp(Offset + Slope·(x − lower), 0, 1)
	EvalRealLinear                 // real issue: clamp(P0 + P1·x, 0, 1) (GENIUS EvaluatorReal clamps)
	EvalTriangular                 // real issue: 0 below Low and from High on, rising to 1 at Top (GENIUS evalTriangular)
	EvalConstant                   // the constant P0
	EvalNumber                     // GeniusWeb numberutils: interpolate (LowValue, LowUtility)–(HighValue, HighUtility); 0 outside
	EvalTable                      // GeniusWeb discreteutils: Evaluations used as given (not divided by the maximum)
)

// Evaluator maps an issue's values to an evaluation in [0,1] (the caller
// multiplies it by the issue weight). The fields used depend on Kind; the
// raw numbers are kept so that a profile can be written back unchanged.
type Evaluator struct {
	Kind EvalKind
	// Evaluations holds a discrete issue's raw evaluations by value index.
	// NaN marks a value whose evaluation is missing ("null"); it evaluates to 0.
	Evaluations []float64
	// Slope and Offset define an integer issue's linear evaluator.
	Slope, Offset float64
	// P0 and P1 are GENIUS's parameter0 and parameter1 of a real linear
	// (P0 + P1·x) or constant (P0) evaluator.
	P0, P1 float64
	// Low, High and Top define a triangular evaluator.
	Low, High, Top float64
	// LowValue, LowUtility, HighValue and HighUtility define a GeniusWeb
	// number evaluator.
	LowValue, LowUtility, HighValue, HighUtility float64
}

// Eval returns the evaluation of value index v of issue is.
func (e *Evaluator) Eval(is *Issue, v int) float64 {
	switch e.Kind {
	case EvalDiscrete:
		max := 0.0
		for _, x := range e.Evaluations {
			if x > max { // NaN compares false and is skipped
				max = x
			}
		}
		if max < 1e-5 || v < 0 || v >= len(e.Evaluations) || math.IsNaN(e.Evaluations[v]) {
			return 0
		}
		return e.Evaluations[v] / max
	case EvalLinear:
		x := is.Number(v)
		r := e.Offset + e.Slope*(x-is.Lower)
		return math.Max(0, math.Min(1, r))
	case EvalRealLinear:
		return math.Max(0, math.Min(1, e.P0+e.P1*is.Number(v)))
	case EvalTriangular:
		// Exactly GENIUS's EVALFUNCTYPE.evalTriangular: the upper end is
		// exclusive, so x == High (even when High == Top) evaluates to 0.
		x := is.Number(v)
		switch {
		case x < e.Low:
			return 0
		case x < e.Top:
			return (x - e.Low) / (e.Top - e.Low)
		case x < e.High:
			return 1 - (x-e.Top)/(e.High-e.Top)
		default:
			return 0
		}
	case EvalTable:
		if v < 0 || v >= len(e.Evaluations) || math.IsNaN(e.Evaluations[v]) {
			return 0
		}
		return e.Evaluations[v]
	case EvalConstant:
		return e.P0
	case EvalNumber:
		x := is.Number(v)
		if x < e.LowValue || x > e.HighValue {
			return 0
		}
		if e.HighValue == e.LowValue {
			return e.LowUtility
		}
		return e.LowUtility + (x-e.LowValue)*(e.HighUtility-e.LowUtility)/(e.HighValue-e.LowValue)
	}
	return 0
}

// LinearAdditive is the additive profile of GENIUS and GeniusWeb:
// U(o) = Σ_i w_i · eval_i(o_i), or min(1, Σ_i w_i · eval_i(o_i)) with Cap.
//
// Fill the exported fields, then call Compile, which validates the profile
// and precomputes a flat table so that Utility costs one load and add per
// issue and allocates nothing.
type LinearAdditive struct {
	ProfileName string
	Dom         *Domain
	Weights     []float64
	Evaluators  []Evaluator
	// ReservationValue is the utility of no agreement, unless ReservationBid
	// is set, in which case the reservation is the utility of that bid.
	ReservationValue float64
	ReservationBid   Outcome
	Discount         float64
	// Cap caps the utility at 1: U(o) = min(1, Σ_i w_i · eval_i(o_i)).
	// GENIUS does (AdditiveUtilitySpace.getUtility ends with
	// "if (result > 1) return 1") and uses weights as stored, so a GENIUS
	// XML profile whose weights add up to more than 1 (the Laptop
	// profiles, QODomain) has utilities capped at 1; the GENIUS XML reader
	// sets Cap. GeniusWeb's weights must sum to 1 and its utility is not
	// capped.
	Cap bool

	offsets []int     // offsets[i] is where issue i's values start in table
	table   []float64 // w_i·eval_i(v), flat
	rv      float64
	binds   bool // Cap is set and the sum can exceed 1
}

var _ Profile = (*LinearAdditive)(nil)

// Compile validates the profile against its domain and precomputes its
// utility table. It must be called before Utility.
func (p *LinearAdditive) Compile() error {
	d := p.Dom
	if d == nil {
		return Errorf("profile %q has no domain", p.ProfileName)
	}
	if len(p.Weights) != len(d.Issues) || len(p.Evaluators) != len(d.Issues) {
		return Errorf("profile %q has %d weights and %d evaluators; domain %q has %d issues and needs one of each per issue",
			p.ProfileName, len(p.Weights), len(p.Evaluators), d.Name, len(d.Issues))
	}
	n := 0
	p.offsets = make([]int, len(d.Issues)+1)
	for i := range d.Issues {
		w := p.Weights[i]
		if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
			return Errorf("profile %q: weight for issue %q is %v; weights must be finite numbers >= 0", p.ProfileName, d.Issues[i].Name, w)
		}
		e := &p.Evaluators[i]
		if (e.Kind == EvalDiscrete || e.Kind == EvalTable) && len(e.Evaluations) != d.Issues[i].NumValues() {
			return Errorf("profile %q: issue %q has %d evaluations; the domain declares %d values", p.ProfileName, d.Issues[i].Name, len(e.Evaluations), d.Issues[i].NumValues())
		}
		for _, x := range e.Evaluations {
			if math.IsInf(x, 0) {
				return Errorf("profile %q: issue %q has an infinite evaluation; evaluations must be finite", p.ProfileName, d.Issues[i].Name)
			}
		}
		p.offsets[i] = n
		n += d.Issues[i].NumValues()
	}
	p.offsets[len(d.Issues)] = n
	p.table = make([]float64, n)
	top := 0.0
	for i := range d.Issues {
		is := &d.Issues[i]
		m := math.Inf(-1)
		for v := 0; v < is.NumValues(); v++ {
			x := p.Weights[i] * p.Evaluators[i].Eval(is, v)
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return Errorf("profile %q: issue %q value %s evaluates to %v; evaluators must give finite numbers", p.ProfileName, is.Name, is.ValueString(v), x)
			}
			p.table[p.offsets[i]+v] = x
			m = math.Max(m, x)
		}
		top += m
	}
	p.binds = p.Cap && top > 1
	if math.IsNaN(p.ReservationValue) || math.IsInf(p.ReservationValue, 0) {
		return Errorf("profile %q: reservation value is %v; it must be a finite number", p.ProfileName, p.ReservationValue)
	}
	p.rv = p.ReservationValue
	if p.ReservationBid != nil {
		if err := d.ValidOutcome(p.ReservationBid); err != nil {
			return Errorf("profile %q: reservation bid: %v", p.ProfileName, err)
		}
		p.rv = p.Utility(p.ReservationBid)
	}
	if math.IsNaN(p.Discount) || math.IsInf(p.Discount, 0) {
		return Errorf("profile %q: discount factor is %v; it must be a finite number (0 or 1 for none)", p.ProfileName, p.Discount)
	}
	return nil
}

// Name returns the profile's name.
func (p *LinearAdditive) Name() string { return p.ProfileName }

// Domain returns the profile's domain.
func (p *LinearAdditive) Domain() *Domain { return p.Dom }

// Reservation returns the utility of no agreement.
func (p *LinearAdditive) Reservation() float64 { return p.rv }

// DiscountFactor returns the GENIUS discount factor.
func (p *LinearAdditive) DiscountFactor() float64 { return p.Discount }

// Utility returns U(o), summed in issue order (and capped at 1 with Cap).
func (p *LinearAdditive) Utility(o Outcome) float64 {
	u := p.sum(o)
	if u > 1 && p.Cap {
		return 1
	}
	return u
}

// sum returns Σ_i w_i·eval_i(o_i), summed in issue order, never capped.
func (p *LinearAdditive) sum(o Outcome) float64 {
	u := 0.0
	t, off := p.table, p.offsets[:len(o)] // one bounds check for off
	for i, v := range o {
		u += t[off[i]+v]
	}
	return u
}

// Contribution returns w_i·eval_i(v): what value v of issue i adds to the
// sum. With Cap, U is the sum capped at 1, so sums of contributions bound
// U from above, and from below wherever they do not exceed 1.
func (p *LinearAdditive) Contribution(issue, v int) float64 {
	return p.table[p.offsets[issue]+v]
}

// CapBinds reports whether the utility is capped at 1 for some outcome:
// Cap is set and the greatest sum exceeds 1.
func (p *LinearAdditive) CapBinds() bool { return p.binds }

// capAt1 returns u capped at 1 when the profile caps its utility.
func (p *LinearAdditive) capAt1(u float64) float64 {
	if p.Cap && u > 1 {
		return 1
	}
	return u
}

// clone returns a deep copy of the profile, its domain included.
func (p *LinearAdditive) clone() *LinearAdditive {
	q := *p
	q.Dom = p.Dom.clone()
	q.Weights = append([]float64(nil), p.Weights...)
	q.Evaluators = append([]Evaluator(nil), p.Evaluators...)
	for i := range q.Evaluators {
		q.Evaluators[i].Evaluations = append([]float64(nil), p.Evaluators[i].Evaluations...)
	}
	q.ReservationBid = p.ReservationBid.Clone()
	q.offsets = append([]int(nil), p.offsets...)
	q.table = append([]float64(nil), p.table...)
	return &q
}
