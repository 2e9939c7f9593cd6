package engine

// Dominance, in one place. Utility vectors are compared either as they
// are (vectors already on the comparison grid, such as keys) or on the
// key grid (key applied to each utility, so that utilities equal at
// Precision places are equal). a dominates b when a is at least b for
// every party and more for one; weakly when at least b for every party.
// nondominated (frontier.go) is the fast sweep that filters a whole set;
// these are the pairwise tests.

// compare reports whether a >= b for every party (ge) and a > b for some
// (gt, meaningful only when ge), comparing the values as they are.
func compare(a, b []float64) (ge, gt bool) {
	ge = true
	for p := range a {
		switch {
		case a[p] < b[p]:
			return false, gt
		case a[p] > b[p]:
			gt = true
		}
	}
	return ge, gt
}

// compareKeys is compare on the key grid.
func compareKeys(a, b []float64) (ge, gt bool) {
	ge = true
	for p := range a {
		ka, kb := key(a[p]), key(b[p])
		switch {
		case ka < kb:
			return false, gt
		case ka > kb:
			gt = true
		}
	}
	return ge, gt
}

// weaklyDominates reports whether a >= b for every party, as they are.
func weaklyDominates(a, b []float64) bool {
	ge, _ := compare(a, b)
	return ge
}
