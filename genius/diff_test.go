package genius

import (
	"fmt"
	"math"
	"reflect"

	"parley/engine"
)

func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

func sameFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !sameFloat(a[i], b[i]) {
			return false
		}
	}
	return true
}

// diffDomain describes how two domains differ, or returns "".
func diffDomain(a, b *engine.Domain) string {
	if a.Name != b.Name {
		return fmt.Sprintf("name %q vs %q", a.Name, b.Name)
	}
	if !reflect.DeepEqual(a.Issues, b.Issues) {
		return fmt.Sprintf("issues\n%+v\nvs\n%+v", a.Issues, b.Issues)
	}
	return ""
}

// diffProfile compares the exported definition of two profiles.
func diffProfile(a, b engine.Profile) string {
	if a.Name() != b.Name() || a.Reservation() != b.Reservation() || a.DiscountFactor() != b.DiscountFactor() {
		return fmt.Sprintf("name/reservation/discount %q %v %v vs %q %v %v", a.Name(), a.Reservation(), a.DiscountFactor(), b.Name(), b.Reservation(), b.DiscountFactor())
	}
	if d := diffDomain(a.Domain(), b.Domain()); d != "" {
		return "domain: " + d
	}
	switch x := a.(type) {
	case *engine.LinearAdditive:
		y, ok := b.(*engine.LinearAdditive)
		if !ok {
			return fmt.Sprintf("%T vs %T", a, b)
		}
		if !sameFloats(x.Weights, y.Weights) || x.ReservationValue != y.ReservationValue || !reflect.DeepEqual(x.ReservationBid, y.ReservationBid) || x.Discount != y.Discount {
			return fmt.Sprintf("weights/reservation %v %v %v vs %v %v %v", x.Weights, x.ReservationValue, x.ReservationBid, y.Weights, y.ReservationValue, y.ReservationBid)
		}
		for i := range x.Evaluators {
			e, f := x.Evaluators[i], y.Evaluators[i]
			if !sameFloats(e.Evaluations, f.Evaluations) {
				return fmt.Sprintf("issue %d evaluations %v vs %v", i, e.Evaluations, f.Evaluations)
			}
			e.Evaluations, f.Evaluations = nil, nil
			if !reflect.DeepEqual(e, f) {
				return fmt.Sprintf("issue %d evaluator %+v vs %+v", i, e, f)
			}
		}
	case *engine.Hyperrectangle:
		y, ok := b.(*engine.Hyperrectangle)
		if !ok {
			return fmt.Sprintf("%T vs %T", a, b)
		}
		if x.MaxUtility != y.MaxUtility || !reflect.DeepEqual(x.Fun, y.Fun) {
			return "hyperrectangles differ"
		}
	case *engine.Constraint:
		y, ok := b.(*engine.Constraint)
		if !ok {
			return fmt.Sprintf("%T vs %T", a, b)
		}
		if !reflect.DeepEqual(x.Ranks, y.Ranks) || !reflect.DeepEqual(x.Rules, y.Rules) {
			return fmt.Sprintf("constraints differ:\n%+v\n%+v\nvs\n%+v\n%+v", x.Ranks, x.Rules, y.Ranks, y.Rules)
		}
	default:
		return fmt.Sprintf("unknown profile type %T", a)
	}
	return ""
}
