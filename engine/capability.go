package engine

// The optional capabilities of a profile, beyond Profile, that the searches
// look for with a type assertion. They are declared here, in one place:
// agentView's wrappers (saop.go) must forward every one of them, which
// TestAgentViewForwardsEveryCapability checks against this file.

// Bounder is implemented by profiles that can bound their utility over a box
// of outcomes: every outcome whose value index on issue i lies in
// [lo[i], hi[i]]. Analyze uses it for exact branch and bound.
type Bounder interface {
	Bounds(lo, hi []int) (min, max float64)
}

// Splitter is implemented by profiles that can say which issues to split
// a box on to tighten their bounds fastest (see Hyperrectangle.SplitScores).
// Leaving score as it is expresses no preference.
type Splitter interface {
	SplitScores(lo, hi []int, score []float64)
}

// Decomposer is a profile whose utility is a sum of factors, divided by a
// maximum and capped at 1: U(o) = min(1, Σ_f f(o) / max).
type Decomposer interface {
	// Decompose returns the factors and the maximum (maxSum), and false when the
	// utility is not such a sum (or its factors would be too large).
	Decompose() (fs []Factor, maxSum float64, ok bool)
}

// summer is a profile that knows, without tabulating its parts, the M of
// U = min(1, F/M) when its utility is a sum.
type summer interface {
	sumMax() (float64, bool)
}

// boxer is a profile that may be a sum of inclusive hyperrectangles.
type boxer interface {
	inclusiveBoxes(w float64) ([]wbox, float64, bool)
}

// pooler is a profile that keeps its pool once built.
type pooler interface{ outcomePool() *outcomePool }
