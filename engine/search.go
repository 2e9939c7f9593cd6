package engine

import (
	"cmp"
	"math"
	"slices"
)

// MaxEnumeratedIndex is the largest outcome space NewOutcomeIndex will
// enumerate for a profile that is not linear additive.
const MaxEnumeratedIndex = 1 << 21

// maxIndexGroup bounds the number of partial outcomes one index group holds;
// a single issue with more values than this still forms one group.
const maxIndexGroup = 4096

// maxSearchSteps bounds one search on domains of more than two index groups
// (more than ~16 million outcomes). Past it the best outcome found so far is
// returned, so a search on a huge domain stays fast but may be approximate.
const maxSearchSteps = 1 << 16

// OutcomeIndex answers, for one profile, "which outcome has the utility
// nearest this target" and "which outcome has the highest utility below this
// level" without scanning the outcome space.
//
// For a linear additive profile the issues are split into groups of at most
// a few thousand partial outcomes; each group's partial utilities are sorted.
// A query is a depth-first search over all groups but the last two, pruned by
// the least and greatest utility the remaining groups can add, and a linear
// two-pointer merge over the last two groups. Energy (390,625 outcomes)
// becomes two groups of 625, so building costs microseconds and a query at
// most ~1,250 comparisons. For any other kind of profile the index enumerates
// and sorts every outcome, which NewOutcomeIndex refuses above
// MaxEnumeratedIndex outcomes.
//
// Ties are broken deterministically: the first outcome found in the search
// order wins. An OutcomeIndex is not safe for concurrent use (it keeps its
// search state to avoid allocating); build one per agent.
type OutcomeIndex struct {
	issues  int
	groups  []indexGroup
	minRest []float64 // minRest[k]: least utility groups k.. can add
	maxRest []float64

	// Search state.
	target  float64
	below   bool
	best    float64
	steps   int
	cur     []int
	bestIdx []int
	found   bool
}

type indexGroup struct {
	issues []int     // issues of the domain this group assigns
	sums   []float64 // partial utilities, ascending
	vals   []int32   // vals[k*len(issues)+j]: value of issues[j] in partial outcome k
}

// NewOutcomeIndex builds the index of p's outcomes.
func NewOutcomeIndex(p Profile) (*OutcomeIndex, error) {
	d := p.Domain()
	if d == nil || len(d.Issues) == 0 {
		return nil, Errorf("profile %q has no domain to index", p.Name())
	}
	x := &OutcomeIndex{issues: len(d.Issues)}
	if la, ok := p.(*LinearAdditive); ok && la.table != nil {
		x.buildAdditive(la)
	} else {
		if d.SizeFloat() > MaxEnumeratedIndex {
			return nil, Errorf("profile %q is not linear additive and its domain %q has %.0f outcomes; agents can search at most %d outcomes of such a profile", p.Name(), d.Name, d.SizeFloat(), MaxEnumeratedIndex)
		}
		all := make([]int, len(d.Issues))
		for i := range all {
			all[i] = i
		}
		x.groups = []indexGroup{buildGroup(d, all, p.Utility, nil)}
	}
	g := len(x.groups)
	x.minRest = make([]float64, g+1)
	x.maxRest = make([]float64, g+1)
	for k := g - 1; k >= 0; k-- {
		s := x.groups[k].sums
		x.minRest[k] = x.minRest[k+1] + s[0]
		x.maxRest[k] = x.maxRest[k+1] + s[len(s)-1]
	}
	x.cur = make([]int, g)
	x.bestIdx = make([]int, g)
	return x, nil
}

// buildAdditive splits the issues into groups of balanced size (largest issue
// first into the group with the smallest product) and indexes each group.
func (x *OutcomeIndex) buildAdditive(la *LinearAdditive) {
	d := la.Dom
	order := make([]int, len(d.Issues))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(d.Issues[b].NumValues(), d.Issues[a].NumValues()) })
	size := d.SizeFloat()
	g := 1
	for math.Pow(maxIndexGroup, float64(g)) < size {
		g++
	}
	var parts [][]int
	for ; ; g++ {
		parts = make([][]int, g)
		prod := make([]float64, g)
		for k := range prod {
			prod[k] = 1
		}
		for _, i := range order {
			k := 0
			for j := 1; j < g; j++ {
				if prod[j] < prod[k] {
					k = j
				}
			}
			parts[k] = append(parts[k], i)
			prod[k] *= float64(d.Issues[i].NumValues())
		}
		ok := true
		for k := range parts {
			if len(parts[k]) > 1 && prod[k] > maxIndexGroup {
				ok = false
			}
		}
		if ok || g >= len(order) {
			break
		}
	}
	for _, part := range parts {
		if len(part) == 0 {
			continue
		}
		slices.Sort(part)
		x.groups = append(x.groups, buildGroup(d, part, nil, la))
	}
}

// buildGroup enumerates the partial outcomes over issues and sorts them by
// utility: the sum of contributions of la, or u of a full outcome when the
// group holds every issue (then la is nil).
func buildGroup(d *Domain, issues []int, u func(Outcome) float64, la *LinearAdditive) indexGroup {
	n := 1
	for _, i := range issues {
		n *= d.Issues[i].NumValues()
	}
	type entry struct {
		sum float64
		k   int
	}
	entries := make([]entry, n)
	raw := make([]int32, n*len(issues))
	digits := make([]int, len(issues))
	full := make(Outcome, len(d.Issues))
	for k := 0; k < n; k++ {
		s := 0.0
		if u != nil {
			for j, i := range issues {
				full[i] = digits[j]
			}
			s = u(full)
		} else {
			for j, i := range issues {
				s += la.Contribution(i, digits[j])
			}
		}
		for j := range issues {
			raw[k*len(issues)+j] = int32(digits[j])
		}
		entries[k] = entry{s, k}
		for j := len(issues) - 1; j >= 0; j-- {
			digits[j]++
			if digits[j] < d.Issues[issues[j]].NumValues() {
				break
			}
			digits[j] = 0
		}
	}
	slices.SortFunc(entries, func(a, b entry) int {
		if c := cmp.Compare(a.sum, b.sum); c != 0 {
			return c
		}
		return cmp.Compare(a.k, b.k)
	})
	g := indexGroup{issues: issues, sums: make([]float64, n), vals: make([]int32, n*len(issues))}
	w := len(issues)
	for r, e := range entries {
		g.sums[r] = e.sum
		copy(g.vals[r*w:(r+1)*w], raw[e.k*w:(e.k+1)*w])
	}
	return g
}

// Min returns the lowest utility of any outcome.
func (x *OutcomeIndex) Min() float64 { return x.minRest[0] }

// Max returns the highest utility of any outcome.
func (x *OutcomeIndex) Max() float64 { return x.maxRest[0] }

// Nearest writes into dst (grown if needed) the outcome whose utility is
// nearest target and returns it with that utility as the index computes it.
func (x *OutcomeIndex) Nearest(target float64, dst Outcome) (Outcome, float64) {
	o, u, _ := x.search(target, false, dst)
	return o, u
}

// Below writes into dst the outcome of highest utility strictly below level
// and returns it with its utility; ok is false when no outcome is below level.
func (x *OutcomeIndex) Below(level float64, dst Outcome) (o Outcome, u float64, ok bool) {
	return x.search(level, true, dst)
}

func (x *OutcomeIndex) search(target float64, below bool, dst Outcome) (Outcome, float64, bool) {
	x.target, x.below, x.best, x.steps, x.found = target, below, math.Inf(1), 0, false
	if len(x.groups) == 1 {
		x.leaf1(0, 0)
	} else {
		x.dfs(0, 0)
	}
	if cap(dst) < x.issues {
		dst = make(Outcome, x.issues)
	}
	dst = dst[:x.issues]
	if !x.found {
		return dst, math.NaN(), false
	}
	u := 0.0
	for k := range x.groups {
		g := &x.groups[k]
		w := len(g.issues)
		r := x.bestIdx[k]
		u += g.sums[r]
		for j, i := range g.issues {
			dst[i] = int(g.vals[r*w+j])
		}
	}
	return dst, u, true
}

// cost is how far sum s is from what the query wants (+Inf when not allowed).
func (x *OutcomeIndex) cost(s float64) float64 {
	if x.below {
		if s < x.target {
			return x.target - s
		}
		return math.Inf(1)
	}
	return math.Abs(s - x.target)
}

// prune reports whether no sum in [lo, hi] can beat the best so far.
func (x *OutcomeIndex) prune(lo, hi float64) bool {
	if x.below && lo >= x.target {
		return true
	}
	return lo-x.target >= x.best || x.target-hi >= x.best
}

func (x *OutcomeIndex) record(k int, s float64) bool {
	c := x.cost(s)
	if c < x.best {
		x.best, x.found = c, true
		copy(x.bestIdx[:k], x.cur[:k])
		return true
	}
	return false
}

func (x *OutcomeIndex) dfs(k int, p float64) {
	g := len(x.groups)
	if k == g-2 {
		x.leaf2(k, p)
		return
	}
	sums := x.groups[k].sums
	for r, v := range sums {
		if x.steps >= maxSearchSteps && x.found {
			return
		}
		x.steps++
		lo, hi := p+v+x.minRest[k+1], p+v+x.maxRest[k+1]
		if x.below && lo >= x.target || lo-x.target >= x.best {
			return // sums ascend: every later value is worse too
		}
		if x.prune(lo, hi) {
			continue
		}
		x.cur[k] = r
		x.dfs(k+1, p+v)
	}
}

// leaf1 searches a single sorted group by bisection.
func (x *OutcomeIndex) leaf1(k int, p float64) {
	sums := x.groups[k].sums
	r := x.target - p
	j, _ := slices.BinarySearch(sums, r) // first index with sums[j] >= r
	for _, c := range [2]int{j - 1, j} {
		if c >= 0 && c < len(sums) {
			if x.record(k, p+sums[c]) {
				x.bestIdx[k] = c
			}
		}
	}
}

// leaf2 merges the last two groups with two pointers: for each a ascending,
// j is the largest index with a+B[j] at or below the residual r, so the
// candidates for a are B[j] and B[j+1]. Only the a for which some b brings
// the sum within the best distance so far are visited.
func (x *OutcomeIndex) leaf2(k int, p float64) {
	A, B := x.groups[k].sums, x.groups[k+1].sums
	r := x.target - p
	bmin, bmax := B[0], B[len(B)-1]
	// Below the first a with a+bmax >= r every sum is further below r than
	// a+bmax for the last such a, so start one before it.
	i, _ := slices.BinarySearch(A, r-bmax)
	i = max(i-1, 0)
	j, _ := slices.BinarySearch(B, r-A[i])
	j = min(j, len(B)-1)
	best, bi, bj := x.best, -1, -1
	below := x.below
	nb := len(B)
	for ; i < len(A); i++ {
		a := A[i]
		rb := r - a
		if below {
			for j >= 0 && B[j] >= rb {
				j--
			}
			if j < 0 {
				break
			}
			if d := rb - B[j]; d < best {
				best, bi, bj = d, i, j
			}
			continue
		}
		if bmin-rb >= best {
			break // a+bmin is already too far above r, and a only grows
		}
		for j >= 0 && B[j] > rb {
			j--
		}
		if j >= 0 {
			if d := rb - B[j]; d < best {
				best, bi, bj = d, i, j
			}
		}
		if j+1 < nb {
			if d := B[j+1] - rb; d < best {
				best, bi, bj = d, i, j+1
			}
		}
		if best == 0 {
			break
		}
	}
	x.steps += i
	if bi >= 0 {
		x.best, x.found = best, true
		copy(x.bestIdx[:k], x.cur[:k])
		x.bestIdx[k], x.bestIdx[k+1] = bi, bj
	}
}
