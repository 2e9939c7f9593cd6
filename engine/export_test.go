package engine

import "slices"

// ExactLevels returns every utility level of a profile that is a sum of
// small parts, by enumerating the classes of values its parts tell apart,
// or false when there are more than limit class combinations.
func ExactLevels(p Profile, limit int) ([]float64, bool) {
	dp, ok := p.(Decomposer)
	if !ok {
		return nil, false
	}
	fs, top, ok := dp.Decompose()
	if !ok {
		return nil, false
	}
	m := newMSProblem(p.Domain(), fs)
	if m.tableSize(seq(m.n)) > limit {
		return nil, false
	}
	a := make([]int, m.n)
	seen := map[float64]bool{}
	for {
		s := m.value(0, a)
		seen[min(1, s/top)] = true
		i := m.n - 1
		for ; i >= 0; i-- {
			if a[i]++; a[i] < m.card[i] {
				break
			}
			a[i] = 0
		}
		if i < 0 {
			break
		}
	}
	var us []float64
	for u := range seen {
		us = append(us, u)
	}
	slices.Sort(us)
	return us, true
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
