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

// paretoOnly drops, from points found in order of falling U_0, any that
// another dominates on the key grid (sums that differ by a rounding error
// can make two steps find the same utilities twice, or one just below).
func paretoOnly(us [][]float64, os []Outcome) ([][]float64, []Outcome) {
	var pu [][]float64
	var po []Outcome
	for _, i := range paretoKeep(us) {
		pu, po = append(pu, us[i]), append(po, os[i])
	}
	return pu, po
}

// paretoKeep returns the indices of the points no other point dominates
// on the key grid, the first of equal ones.
func paretoKeep(us [][]float64) []int {
	var keep []int
	for i, u := range us {
		ok := true
		for j, v := range us {
			if i == j {
				continue
			}
			if ge, gt := compareKeys(v, u); ge && (gt || j < i) {
				ok = false
				break
			}
		}
		if ok {
			keep = append(keep, i)
		}
	}
	return keep
}
