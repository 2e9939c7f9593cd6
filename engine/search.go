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
// (tens of millions of outcomes and more). Past it the best outcome found so
// far is returned, so a search on a huge domain stays fast but may be
// approximate.
const maxSearchSteps = 1 << 16

// OutcomeIndex answers, for one profile, "which outcome has the utility
// nearest this target" and "which outcome has the highest utility below this
// level" without scanning the outcome space.
//
// For a linear additive profile the issues are split into groups whose
// partial utilities are sorted (built by merging sorted runs, no comparison
// sort). Up to 16,384 outcomes form one group, searched by bisection. Up to
// ~67 million, a small group (a few to a few thousand partial outcomes) sits
// beside a large one of at most 16,384: a query searches the large group once
// per small value, galloping from where the previous query's search ended,
// since agents ask for targets that move a little per turn. Energy (390,625
// outcomes) is 25 × 15,625, built in well under a millisecond and queried in
// about a hundred comparisons. Larger spaces split into balanced groups of at
// most 4,096: a depth-first search over all but the last two, values nearest
// the target first, pruned by the least and greatest utility the remaining
// groups can add, over a two-pointer merge of the last two (bounded by
// maxSearchSteps). For any other kind of profile the index enumerates and
// sorts every outcome, up to MaxEnumeratedIndex outcomes; above that, it
// holds a pool of outcomes at as many utility levels as a bounded search
// from the profile's best outcome finds (see buildPool), so searches on such
// a space are approximate: Min and Max are the pool's, and Nearest returns
// the pool's outcome nearest the target.
//
// Ties are broken deterministically: the first outcome found in the search
// order wins. An OutcomeIndex is not safe for concurrent use (it keeps its
// search state to avoid allocating); build one per agent.
type OutcomeIndex struct {
	dom     *Domain
	issues  int
	bisect  bool  // two groups, the first small: search the second for each of its values
	hint    []int // per value of the small group, where its last search ended
	groups  []indexGroup
	pool    *outcomePool // instead of groups, for a profile too large to enumerate
	minRest []float64    // minRest[k]: least utility groups k.. can add
	maxRest []float64
	// top is an outcome of greatest sum of a profile whose utility is
	// capped at 1 and can reach the cap (LinearAdditive.CapBinds): the
	// groups index sums, and every sum of at least 1 is utility 1.
	top Outcome

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
	codes  []int32   // codes[k]: partial outcome k, mixed radix over issues (last issue fastest)
}

// decode writes partial outcome r of g into dst.
func (g *indexGroup) decode(d *Domain, r int, dst Outcome) {
	c := int(g.codes[r])
	for j := len(g.issues) - 1; j >= 0; j-- {
		k := d.Issues[g.issues[j]].NumValues()
		dst[g.issues[j]] = c % k
		c /= k
	}
}

// NewOutcomeIndex builds the index of p's outcomes.
func NewOutcomeIndex(p Profile) (*OutcomeIndex, error) {
	d := p.Domain()
	if d == nil || len(d.Issues) == 0 {
		return nil, Errorf("profile %q has no domain to index", p.Name())
	}
	x := &OutcomeIndex{issues: len(d.Issues), dom: d}
	if la, ok := p.(*LinearAdditive); ok && la.table == nil {
		return nil, Errorf("profile %q is not compiled; call Compile before indexing it", p.Name())
	} else if ok {
		x.buildAdditive(la)
		if la.CapBinds() {
			x.top = make(Outcome, len(d.Issues))
			for i := range d.Issues {
				for v := 1; v < d.Issues[i].NumValues(); v++ {
					if la.Contribution(i, v) > la.Contribution(i, x.top[i]) {
						x.top[i] = v
					}
				}
			}
		}
	} else {
		if d.SizeFloat() > MaxEnumeratedIndex {
			x.pool = poolOf(p)
			x.minRest = []float64{x.pool.us[0]}
			x.maxRest = []float64{x.pool.us[len(x.pool.us)-1]}
			return x, nil
		}
		all := make([]int, len(d.Issues))
		for i := range all {
			all[i] = i
		}
		x.groups = []indexGroup{sortedGroup(d, all, p.Utility)}
	}
	x.finish()
	return x, nil
}

// finish precomputes the bounds and the search state for x.groups.
func (x *OutcomeIndex) finish() {
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
}

// Group sizes for a linear additive index.
const (
	// maxBisectGroup bounds the large group of a two-group index whose
	// queries bisect it once per value of the small group.
	maxBisectGroup = 1 << 14
)

// buildAdditive chooses how to split the issues into groups and indexes
// each group. Up to maxBisectGroup outcomes form one sorted group. Below
// maxBisectGroup·maxIndexGroup the issues are split in two, either a small
// group whose values each cost one bisection of the large group, or two
// balanced groups merged with two pointers, whichever costs fewer steps per
// query. Larger spaces split into balanced groups of at most maxIndexGroup.
func (x *OutcomeIndex) buildAdditive(la *LinearAdditive) {
	d := la.Dom
	size := d.SizeFloat()
	all := make([]int, len(d.Issues))
	for i := range all {
		all[i] = i
	}
	if size <= maxBisectGroup {
		x.groups = []indexGroup{additiveGroup(la, all)}
		return
	}
	parts := balancedParts(d, size)
	if len(d.Issues) <= 16 {
		// The smallest group whose complement fits maxBisectGroup.
		need := size / maxBisectGroup
		bestMask, bestProd := -1, math.Inf(1)
		for m := 1; m < 1<<len(d.Issues)-1; m++ {
			prod := 1.0
			for i := range d.Issues {
				if m&(1<<i) != 0 {
					prod *= float64(d.Issues[i].NumValues())
				}
			}
			if prod >= need && prod < bestProd {
				bestMask, bestProd = m, prod
			}
		}
		// A galloping search costs a few steps per value of the small
		// group; two balanced groups cost a step per partial sum of both.
		pointerCost := math.Inf(1)
		if len(parts) == 2 {
			p0 := 1.0
			for _, i := range parts[0] {
				p0 *= float64(d.Issues[i].NumValues())
			}
			pointerCost = p0 + size/p0
		}
		if bestMask >= 0 && bestProd <= maxIndexGroup && bestProd*4 < pointerCost {
			var small, rest []int
			for i := range d.Issues {
				if bestMask&(1<<i) != 0 {
					small = append(small, i)
				} else {
					rest = append(rest, i)
				}
			}
			x.bisect = true
			x.groups = []indexGroup{additiveGroup(la, small), additiveGroup(la, rest)}
			return
		}
	}
	for _, part := range parts {
		if len(part) > 0 {
			x.groups = append(x.groups, additiveGroup(la, part))
		}
	}
}

// balancedParts splits the issues into the fewest groups of at most
// maxIndexGroup partial outcomes (a single larger issue stays one group),
// largest issue first into the group with the smallest product.
func balancedParts(d *Domain, size float64) [][]int {
	order := make([]int, len(d.Issues))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(d.Issues[b].NumValues(), d.Issues[a].NumValues()) })
	g := 2
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
	var out [][]int
	for _, p := range parts {
		if len(p) > 0 {
			slices.Sort(p)
			out = append(out, p)
		}
	}
	return out
}

// additiveGroup builds the sorted partial utilities of issues by merging:
// the sums over the first j issues are sorted, adding one value of the next
// issue keeps them sorted, so the next level is a merge of one sorted run
// per value. No comparison sort is needed and ties keep a fixed order.
func additiveGroup(la *LinearAdditive, issues []int) indexGroup {
	d := la.Dom
	n := 1
	for _, i := range issues {
		n *= d.Issues[i].NumValues()
	}
	// Two buffers: runs laid out contiguously in one are merged pairwise
	// into the same span of the other, so a level costs no allocation.
	s1, c1 := make([]float64, n), make([]int32, n)
	s2, c2 := make([]float64, n), make([]int32, n)
	m := 1 // length of the sorted sums so far, in s1/c1
	for _, i := range issues {
		k := d.Issues[i].NumValues()
		// Runs: sums + c_v for each value v, written to s2 then merged.
		for v := k - 1; v >= 0; v-- {
			c := la.Contribution(i, v)
			for t := 0; t < m; t++ {
				s2[v*m+t] = s1[t] + c
				c2[v*m+t] = c1[t]*int32(k) + int32(v)
			}
		}
		// bounds[r] is where run r starts; merge neighbours until one run.
		bounds := make([]int, 0, k+1)
		for v := 0; v <= k; v++ {
			bounds = append(bounds, v*m)
		}
		src, srcC, dst, dstC := s2, c2, s1, c1
		for len(bounds) > 2 {
			var nb []int
			r := 0
			for ; r+2 < len(bounds); r += 2 {
				lo, mid, hi := bounds[r], bounds[r+1], bounds[r+2]
				p, q, o := lo, mid, lo
				for p < mid && q < hi {
					if src[q] < src[p] {
						dst[o], dstC[o] = src[q], srcC[q]
						q++
					} else {
						dst[o], dstC[o] = src[p], srcC[p]
						p++
					}
					o++
				}
				o += copy(dst[o:], src[p:mid])
				copy(dstC[o-(mid-p):], srcC[p:mid])
				o += copy(dst[o:], src[q:hi])
				copy(dstC[o-(hi-q):], srcC[q:hi])
				nb = append(nb, lo)
			}
			if r+1 < len(bounds) { // an odd run out: carry it over
				lo, hi := bounds[r], bounds[r+1]
				copy(dst[lo:hi], src[lo:hi])
				copy(dstC[lo:hi], srcC[lo:hi])
				nb = append(nb, lo)
			}
			nb = append(nb, bounds[len(bounds)-1])
			bounds = nb
			src, srcC, dst, dstC = dst, dstC, src, srcC
		}
		m *= k
		// The merged level is in src; make it s1/c1 for the next issue.
		if &src[0] != &s1[0] {
			s1, c1, s2, c2 = s2, c2, s1, c1
		}
	}
	return indexGroup{issues: issues, sums: s1[:n], codes: c1[:n]}
}

// sortedGroup enumerates every outcome over issues (all of the domain's),
// evaluates it with u and sorts by utility.
func sortedGroup(d *Domain, issues []int, u func(Outcome) float64) indexGroup {
	n := 1
	for _, i := range issues {
		n *= d.Issues[i].NumValues()
	}
	type entry struct {
		sum  float64
		code int32
	}
	entries := make([]entry, n)
	digits := make(Outcome, len(d.Issues))
	for k := 0; k < n; k++ {
		entries[k] = entry{u(digits), int32(k)}
		for j := len(issues) - 1; j >= 0; j-- {
			digits[issues[j]]++
			if digits[issues[j]] < d.Issues[issues[j]].NumValues() {
				break
			}
			digits[issues[j]] = 0
		}
	}
	slices.SortFunc(entries, func(a, b entry) int {
		if c := cmp.Compare(a.sum, b.sum); c != 0 {
			return c
		}
		return cmp.Compare(a.code, b.code)
	})
	g := indexGroup{issues: issues, sums: make([]float64, n), codes: make([]int32, n)}
	for r, e := range entries {
		g.sums[r], g.codes[r] = e.sum, e.code
	}
	return g
}

// Min returns the lowest utility of any outcome.
func (x *OutcomeIndex) Min() float64 { return x.capped(x.minRest[0]) }

// Max returns the highest utility of any outcome.
func (x *OutcomeIndex) Max() float64 { return x.capped(x.maxRest[0]) }

// capped returns the utility of sum s: s itself, or at most 1 when the
// profile caps its utility.
func (x *OutcomeIndex) capped(s float64) float64 {
	if x.top != nil && s > 1 {
		return 1
	}
	return s
}

// Nearest writes into dst (grown if needed) the outcome whose utility is
// nearest target and returns it with that utility as the index computes it.
func (x *OutcomeIndex) Nearest(target float64, dst Outcome) (Outcome, float64) {
	o, u, _ := x.search(target, false, dst)
	if x.top != nil {
		// The sum nearest target is of utility nearest target, except
		// that a sum beyond 1 is worth 1, which may be nearer: target
		// 0.99, sums 0.95 and 1.04.
		if u = x.capped(u); math.Abs(1-target) < math.Abs(u-target) {
			return append(o[:0], x.top...), 1
		}
	}
	return o, u
}

// Below writes into dst the outcome of highest utility strictly below level
// and returns it with its utility; ok is false when no outcome is below level.
func (x *OutcomeIndex) Below(level float64, dst Outcome) (o Outcome, u float64, ok bool) {
	if x.top != nil && level > 1 {
		// Every sum of at least 1 is utility 1, the greatest: below any
		// level above 1.
		if cap(dst) < x.issues {
			dst = make(Outcome, x.issues)
		}
		return append(dst[:0], x.top...), 1, true
	}
	// Sums below level <= 1 are their utilities.
	return x.search(level, true, dst)
}

func (x *OutcomeIndex) search(target float64, below bool, dst Outcome) (Outcome, float64, bool) {
	if x.pool != nil {
		k, ok := x.pool.search(target, below)
		if cap(dst) < x.issues {
			dst = make(Outcome, x.issues)
		}
		dst = dst[:x.issues]
		if !ok {
			return dst, math.NaN(), false
		}
		copy(dst, x.pool.os[k])
		return dst, x.pool.us[k], true
	}
	x.target, x.below, x.best, x.steps, x.found = target, below, math.Inf(1), 0, false
	switch {
	case len(x.groups) == 1:
		x.leaf1(0, 0)
	case x.bisect:
		x.leafBisect()
	default:
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
		u += g.sums[x.bestIdx[k]]
		g.decode(x.dom, x.bestIdx[k], dst)
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
	// Visit this group's values from the one that leaves the rest at the
	// middle of its range outwards, so good outcomes are found first and
	// the step budget of a huge domain is spent where it matters.
	sums := x.groups[k].sums
	minR, maxR := x.minRest[k+1], x.maxRest[k+1]
	c := lowerBound(sums, x.target-p-(minR+maxR)/2)
	down, up := c-1, c
	for down >= 0 || up < len(sums) {
		if x.steps >= maxSearchSteps && x.found {
			return
		}
		x.steps++
		var r int
		if up < len(sums) && (down < 0 || (up-c) <= (c-1-down)) {
			r = up
			up++
			if lo := p + sums[r] + minR; x.below && lo >= x.target || lo-x.target >= x.best {
				up = len(sums) // ascending: every higher value is worse too
				continue
			}
		} else {
			r = down
			down--
			if hi := p + sums[r] + maxR; x.target-hi >= x.best {
				down = -1 // every lower value is worse too
				continue
			}
		}
		v := sums[r]
		if x.prune(p+v+minR, p+v+maxR) {
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
	// a+bmax for the last such a, so start one before it. a+bmax >= r and
	// a >= r-bmax can round apart, so bisect for a slightly smaller bound:
	// visiting a few more values costs nothing.
	i, _ := slices.BinarySearch(A, r-bmax-1e-9*(1+math.Abs(r)))
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

// leafBisect searches a two-group index whose first group is small: for
// each of its values, find the residual in the large group. Agents ask for
// slowly moving targets, so each search gallops from where the previous
// query's search for the same value ended (x.hint) instead of bisecting
// the whole group.
func (x *OutcomeIndex) leafBisect() {
	A, B := x.groups[0].sums, x.groups[1].sums
	if len(x.hint) != len(A) {
		x.hint = make([]int, len(A))
	}
	r := x.target
	best, bi, bj := x.best, -1, -1
	below := x.below
	for i, a := range A {
		rb := r - a
		j := gallop(B, rb, x.hint[i]) // first index with B[j] >= rb
		x.hint[i] = j
		if j > 0 {
			if d := rb - B[j-1]; d < best {
				best, bi, bj = d, i, j-1
			}
		}
		if !below && j < len(B) {
			if d := B[j] - rb; d < best {
				best, bi, bj = d, i, j
			}
		}
	}
	if bi >= 0 {
		x.best, x.found = best, true
		x.bestIdx[0], x.bestIdx[1] = bi, bj
	}
}

// lowerBound returns the first index of ascending b whose value is >= v
// (len(b) when none is).
func lowerBound(b []float64, v float64) int {
	lo, n := 0, len(b)
	for n > 0 {
		half := n >> 1
		if b[lo+half] < v {
			lo += half + 1
			n -= half + 1
		} else {
			n = half
		}
	}
	return lo
}

// gallop is lowerBound starting from a guess h: it doubles its step away
// from h until it brackets the answer, then bisects the bracket, so a good
// guess costs a few comparisons.
func gallop(b []float64, v float64, h int) int {
	n := len(b)
	h = min(max(h, 0), n)
	if h < n && b[h] < v {
		lo, hi, step := h+1, h+1, 1
		for hi < n && b[hi] < v {
			lo = hi + 1
			hi += step
			step <<= 1
		}
		hi = min(hi, n)
		return lo + lowerBound(b[lo:hi], v)
	}
	// b[h] >= v, or h == n.
	hi, step := h, 1
	for hi > 0 {
		p := max(hi-step, 0)
		if b[p] < v {
			return p + 1 + lowerBound(b[p+1:hi], v)
		}
		hi = p
		step <<= 1
	}
	return 0
}
