package engine

import (
	"context"
	"math"
	"slices"
)

// This file computes the exact Pareto frontier of linear additive profiles
// without enumerating the outcome space.
//
// Utility is additive over issues, so the utility vectors of all outcomes are
// the Minkowski sum S_1 ⊕ S_2 ⊕ … ⊕ S_k of the per-issue vector sets
// S_i = {(w_p·eval_p(v))_p : v a value of issue i}. A point of the sum that is
// not Pareto-optimal among partial sums stays dominated whatever the later
// issues add, so the frontier is built one issue at a time,
// F_i = ND(F_{i-1} ⊕ ND(S_i)), keeping at every step only the non-dominated
// partial sums (Nemhauser–Ullmann). Partial sums are added in issue order,
// exactly as Utility sums, and float addition is monotone, so pruning a
// dominated partial sum never loses a point of the true frontier: the result
// is the exact frontier of the utilities Utility computes.

// frontierSet is a set of utility vectors of n parties with a back pointer
// to how each was built: the index of its parent in the previous level and
// the value chosen for the level's issue.
type frontierSet struct {
	n      int
	u      []float64 // len = size·n, point i at u[i*n : i*n+n]
	parent []int32
	value  []int32
}

func (f *frontierSet) size() int { return len(f.parent) }

func (f *frontierSet) at(i int) []float64 { return f.u[i*f.n : i*f.n+f.n] }

// issuePoints returns the non-dominated contribution vectors of issue i.
func issuePoints(ps []*LinearAdditive, i int) *frontierSet {
	n := len(ps)
	nv := ps[0].Dom.Issues[i].NumValues()
	s := &frontierSet{n: n}
	for v := 0; v < nv; v++ {
		for _, p := range ps {
			s.u = append(s.u, p.Contribution(i, v))
		}
		s.parent = append(s.parent, 0)
		s.value = append(s.value, int32(v))
	}
	return nondominated(s, false)
}

// nondominated returns the non-dominated points of s, each distinct vector
// once (ties between equal vectors go to the earlier index). The result is
// sorted lexicographically descending. When presorted is set, s is already
// ordered by its first utility descending (ties in any order), which saves
// the sort.
func nondominated(s *frontierSet, presorted bool) *frontierSet {
	out, _ := nondominatedCtx(context.Background(), s, presorted)
	return out
}

// nondominatedCtx is nondominated, stopped with ctx's error once ctx
// is done.
func nondominatedCtx(ctx context.Context, s *frontierSet, presorted bool) (*frontierSet, error) {
	n := s.n
	idx := make([]int32, s.size())
	for i := range idx {
		idx[i] = int32(i)
	}
	lex := func(a, b int32) int {
		ua, ub := s.u[int(a)*n:int(a)*n+n], s.u[int(b)*n:int(b)*n+n]
		for p := 0; p < n; p++ {
			if ua[p] != ub[p] {
				if ua[p] > ub[p] {
					return -1
				}
				return 1
			}
		}
		return int(a - b)
	}
	if presorted {
		// Only runs of equal first utility may be out of order.
		for lo := 0; lo < len(idx); {
			hi := lo + 1
			for hi < len(idx) && s.u[hi*n] == s.u[lo*n] {
				hi++
			}
			if hi-lo > 1 {
				slices.SortFunc(idx[lo:hi], lex)
			}
			lo = hi
		}
	} else {
		slices.SortFunc(idx, lex)
	}
	out := &frontierSet{n: n, u: make([]float64, 0, len(idx)*n), parent: make([]int32, 0, len(idx)), value: make([]int32, 0, len(idx))}
	keep := func(i int32) {
		out.u = append(out.u, s.at(int(i))...)
		out.parent = append(out.parent, s.parent[i])
		out.value = append(out.value, s.value[i])
	}
	if n == 1 {
		if len(idx) > 0 {
			keep(idx[0])
		}
		return out, nil
	}
	if n == 2 {
		best := math.Inf(-1)
		for _, i := range idx {
			if u1 := s.u[int(i)*2+1]; u1 > best {
				best = u1
				keep(i)
			}
		}
		return out, nil
	}
	d := newDominanceIndex(s, idx)
	for j, i := range idx {
		if cancelled(ctx, j) {
			return nil, ctx.Err()
		}
		c := s.at(int(i))
		if d.dominated(i, c) {
			continue
		}
		d.add(i, c)
		keep(i)
	}
	return out, nil
}

// dominanceIndex answers "does a point already added weakly dominate c?"
// for points added in lexicographically descending order, so that only the
// coordinates after the first need checking:
//
//   - 3 parties: a 2-D staircase over (u1, u2), O(log n) per query;
//   - 4 parties: a Fenwick tree over the rank of u1 whose nodes hold
//     staircases over (u2, u3), O(log² n) per query;
//   - more: blocks of points with per-block maxima, skipped whole when a
//     block cannot dominate.
type dominanceIndex struct {
	n      int
	pts    []float64 // added points, n per point (blocks only)
	blkMax []float64 // per block of blockSize points: max of each coordinate
	count  int

	stair *staircase // 3 parties
	cache dominatorCache

	rank []int32     // 4 parties: 1-based rank of each point's u1, descending
	fen  []staircase // 4 parties: Fenwick tree over ranks
}

const blockSize = 32

func newDominanceIndex(s *frontierSet, idx []int32) *dominanceIndex {
	d := &dominanceIndex{n: s.n}
	switch s.n {
	case 3:
		d.stair = &staircase{}
	case 4:
		// Rank every point by u1 descending (equal values share a rank),
		// so that u1' >= u1 becomes rank' <= rank.
		// Rank by a radix sort of (order-preserving bits of u1, point):
		// linear time, where a comparison sort of pairs cost a sixth of
		// the whole analysis.
		keys := make([]radixKey, len(idx))
		for j, i := range idx {
			keys[j] = radixKey{sortableBits(s.u[int(i)*4+1]), i}
		}
		keys = radixSort(keys)
		d.rank = make([]int32, s.size())
		distinct := int32(0)
		for j := range keys {
			if j == 0 || keys[j].k != keys[j-1].k {
				distinct++
			}
		}
		r := distinct
		cur := distinct + 1
		for j := range keys {
			if j == 0 || keys[j].k != keys[j-1].k {
				cur-- // ascending values get descending ranks
			}
			d.rank[keys[j].i] = cur
		}
		d.fen = make([]staircase, r+1)
	}
	return d
}

func (d *dominanceIndex) dominated(pt int32, c []float64) bool {
	switch {
	case d.stair != nil:
		if d.cache.hit(c[1], c[2], math.Inf(-1)) {
			return true
		}
		if i, ok := d.stair.dominator(c[1], c[2]); ok {
			d.cache.put(d.stair.xs[i], d.stair.ys[i], math.Inf(1))
			return true
		}
		return false
	case d.fen != nil:
		if d.cache.hit(c[1], c[2], c[3]) {
			return true
		}
		for i := int(d.rank[pt]); i > 0; i -= i & -i {
			st := &d.fen[i]
			if j, ok := st.dominator(c[2], c[3]); ok {
				d.cache.put(st.aux[j], st.xs[j], st.ys[j])
				return true
			}
		}
		return false
	}
	n := d.n
	nb := len(d.blkMax) / n
	for b := 0; b < nb; b++ {
		m := d.blkMax[b*n : b*n+n]
		skip := false
		for p := 1; p < n; p++ {
			if m[p] < c[p] {
				skip = true
				break
			}
		}
		if skip {
			continue
		}
		end := min((b+1)*blockSize, d.count)
	pts:
		for i := b * blockSize; i < end; i++ {
			k := d.pts[i*n : i*n+n]
			for p := 1; p < n; p++ {
				if k[p] < c[p] {
					continue pts
				}
			}
			return true
		}
	}
	return false
}

func (d *dominanceIndex) add(pt int32, c []float64) {
	switch {
	case d.stair != nil:
		d.stair.add(c[1], c[2])
		return
	case d.fen != nil:
		for i := int(d.rank[pt]); i < len(d.fen); i += i & -i {
			d.fen[i].addAux(c[2], c[3], c[1])
		}
		return
	}
	n := d.n
	if d.count%blockSize == 0 {
		d.blkMax = append(d.blkMax, c...)
	} else {
		m := d.blkMax[len(d.blkMax)-n:]
		for p := 0; p < n; p++ {
			m[p] = math.Max(m[p], c[p])
		}
	}
	d.pts = append(d.pts, c...)
	d.count++
}

// staircase is a 2-D Pareto set kept sorted by x ascending (so y
// descending), answering "is there a point (x', y') with x' >= x and
// y' >= y?" by one binary search: the first point with x' >= x has the
// largest y' among them.
type staircase struct {
	xs, ys []float64
	aux    []float64 // a third coordinate carried along (4 parties: u1)
}

// dominatorCache remembers the last few points that dominated a query.
// Successive candidates are mostly dominated by the same few strong
// points, so checking these first answers most queries in a few compares.
type dominatorCache struct {
	pts [8][3]float64
	n   int
}

func (c *dominatorCache) hit(x, y, z float64) bool {
	for i := 0; i < c.n; i++ {
		if p := c.pts[i]; p[0] >= x && p[1] >= y && p[2] >= z {
			if i > 0 { // move to front
				copy(c.pts[1:i+1], c.pts[:i])
				c.pts[0] = p
			}
			return true
		}
	}
	return false
}

func (c *dominatorCache) put(x, y, z float64) {
	copy(c.pts[1:], c.pts[:len(c.pts)-1])
	c.pts[0] = [3]float64{x, y, z}
	c.n = min(c.n+1, len(c.pts))
}

// search returns the first index with xs[i] >= x (utilities are never NaN,
// so this skips the NaN handling of slices.BinarySearch).
func search(xs []float64, x float64) int {
	lo, hi := 0, len(xs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if xs[m] < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// dominator returns the index of a point that weakly dominates (x, y).
func (s *staircase) dominator(x, y float64) (int, bool) {
	i := search(s.xs, x)
	return i, i < len(s.xs) && s.ys[i] >= y
}

// add inserts (x, y), dropping the points it dominates, unless it is
// dominated itself.
func (s *staircase) add(x, y float64) { s.addAux(x, y, 0) }

// addAux is add carrying a third coordinate along with the point.
func (s *staircase) addAux(x, y, z float64) {
	i := search(s.xs, x)
	if i < len(s.xs) && s.ys[i] >= y {
		return
	}
	// Points left of i (x' < x, or equal at i when y' < y) with y' <= y
	// are dominated; they form a run ending at i (or i inclusive).
	j := i
	if j < len(s.xs) && s.xs[j] == x { // same x, smaller y
		j++
	}
	k := i
	for k > 0 && s.ys[k-1] <= y {
		k--
	}
	// Replace s[k:j] by the new point.
	if k == j {
		s.xs = slices.Insert(s.xs, k, x)
		s.ys = slices.Insert(s.ys, k, y)
		s.aux = slices.Insert(s.aux, k, z)
		return
	}
	s.xs[k], s.ys[k], s.aux[k] = x, y, z
	s.xs = slices.Delete(s.xs, k+1, j)
	s.ys = slices.Delete(s.ys, k+1, j)
	s.aux = slices.Delete(s.aux, k+1, j)
}

// mergeLevel returns ND(f ⊕ s), each point's parent indexing f and value
// taken from s.
func mergeLevel(ctx context.Context, f, s *frontierSet, maxPoints int) (*frontierSet, error) {
	n := f.n
	if n == 2 {
		return merge2(ctx, f, s, maxPoints)
	}
	total := f.size() * s.size()
	if maxPoints > 0 && total > 4*maxPoints && f.size() > maxPoints {
		return nil, errFrontierCap(maxPoints)
	}
	// Each f ⊕ {s_j} is ordered by u0 descending; a k-way merge of them
	// orders all candidates by u0 without a full sort.
	c := &frontierSet{n: n, u: make([]float64, 0, total*n), parent: make([]int32, 0, total), value: make([]int32, 0, total)}
	k, nf := s.size(), f.size()
	heads := make([]int, k)
	for step := 1; ; step++ {
		if cancelled(ctx, step) {
			return nil, ctx.Err()
		}
		bj, bu := -1, 0.0
		for j := 0; j < k; j++ {
			if i := heads[j]; i < nf {
				if u0 := f.u[i*n] + s.u[j*n]; bj < 0 || u0 > bu {
					bj, bu = j, u0
				}
			}
		}
		if bj < 0 {
			break
		}
		i := heads[bj]
		heads[bj]++
		fv, sv := f.u[i*n:i*n+n], s.u[bj*n:bj*n+n]
		for p := 0; p < n; p++ {
			c.u = append(c.u, fv[p]+sv[p])
		}
		c.parent = append(c.parent, int32(i))
		c.value = append(c.value, s.value[bj])
	}
	out, err := nondominatedCtx(ctx, c, true)
	if err != nil {
		return nil, err
	}
	if maxPoints > 0 && out.size() > maxPoints {
		return nil, errFrontierCap(maxPoints)
	}
	return out, nil
}

func errFrontierCap(max int) error {
	return Errorf("the Pareto frontier grows beyond %d points, the configured cap; raise it with --max-frontier if this machine has the memory (a point takes about 8 bytes per party plus 8 per issue)", max)
}

// merge2 is mergeLevel for two parties. Both inputs are staircases sorted by
// u0 descending (so u1 ascending); each f ⊕ {s_j} is such a list too, and a
// k-way merge of them by u0 descending followed by one sweep keeping points
// whose u1 beats every earlier one gives the frontier in O(|f|·|s|·|s|)
// without sorting.
func merge2(ctx context.Context, f, s *frontierSet, maxPoints int) (*frontierSet, error) {
	k := s.size()
	nf := f.size()
	heads := make([]int, k) // next index into f for list j
	est := min(2*(nf+k), maxPoints+1)
	out := &frontierSet{n: 2, u: make([]float64, 0, 2*est), parent: make([]int32, 0, est), value: make([]int32, 0, est)}
	best := math.Inf(-1)
	for step := 1; ; step++ {
		if cancelled(ctx, step) {
			return nil, ctx.Err()
		}
		// Pick the list whose head has the largest u0 (ties: largest u1).
		bj := -1
		var bu0, bu1 float64
		for j := 0; j < k; j++ {
			i := heads[j]
			if i >= nf {
				continue
			}
			u0 := f.u[2*i] + s.u[2*j]
			u1 := f.u[2*i+1] + s.u[2*j+1]
			if bj < 0 || u0 > bu0 || (u0 == bu0 && u1 > bu1) {
				bj, bu0, bu1 = j, u0, u1
			}
		}
		if bj < 0 {
			break
		}
		i := heads[bj]
		if bu1 <= best {
			// Along a list u1 only grows, so skip straight past every
			// entry that cannot beat the best u1 seen: the sweep would
			// drop them all.
			su1 := s.u[2*bj+1]
			lo, hi := i+1, nf
			for lo < hi {
				m := int(uint(lo+hi) >> 1)
				if f.u[2*m+1]+su1 > best {
					hi = m
				} else {
					lo = m + 1
				}
			}
			heads[bj] = lo
			continue
		}
		heads[bj]++
		{
			// A kept point with the same u0 and a smaller u1 is dominated
			// by this one (float addition can make u0 ties within a list).
			for m := out.size(); m > 0 && out.u[2*(m-1)] == bu0; m-- {
				out.u = out.u[:2*(m-1)]
				out.parent = out.parent[:m-1]
				out.value = out.value[:m-1]
			}
			best = bu1
			out.u = append(out.u, bu0, bu1)
			out.parent = append(out.parent, int32(i))
			out.value = append(out.value, s.value[bj])
			if maxPoints > 0 && out.size() > maxPoints {
				return nil, errFrontierCap(maxPoints)
			}
		}
	}
	return out, nil
}

// linearFrontier computes the exact frontier of linear additive profiles
// over their common domain, with a witness outcome for every point. With
// capped profiles the result may hold points that the cap made equal to or
// dominated by another: roundFrontier drops them.
func linearFrontier(ctx context.Context, ps []*LinearAdditive, maxPoints int) (*rawFrontier, error) {
	d := ps[0].Dom
	n := len(ps)
	levels := make([]*frontierSet, len(d.Issues))
	f := &frontierSet{n: n, u: make([]float64, n), parent: []int32{0}, value: []int32{0}}
	for i := range d.Issues {
		s := issuePoints(ps, i)
		var err error
		f, err = mergeLevel(ctx, f, s, maxPoints)
		if err != nil {
			return nil, err
		}
		levels[i] = f
		if i > 0 {
			levels[i-1].u = nil // only the back pointers are needed now
		}
	}
	// GENIUS caps a profile's utility at 1 (Cap). The cap is monotone, so
	// the capped frontier is the cap of this one once the points it ties
	// or makes dominated are dropped, which roundFrontier does.
	for p, prof := range ps {
		if prof.binds {
			for j := p; j < len(f.u); j += n {
				f.u[j] = math.Min(f.u[j], 1)
			}
		}
	}
	k := len(d.Issues)
	r := &rawFrontier{n: n, k: k, u: f.u, outs: make([]int, f.size()*k)}
	for j := 0; j < f.size(); j++ {
		o := r.outs[j*k : j*k+k]
		idx := int32(j)
		for i := k - 1; i >= 0; i-- {
			o[i] = int(levels[i].value[idx])
			idx = levels[i].parent[idx]
		}
	}
	return r, nil
}

// rawFrontier is an exact frontier before rounding: point j has utilities
// u[j*n : j*n+n] and witness outs[j*k : j*k+k].
type rawFrontier struct {
	n, k int
	u    []float64
	outs []int
}

func (r *rawFrontier) size() int { return len(r.u) / r.n }

func (r *rawFrontier) witness(j int) Outcome { return Outcome(r.outs[j*r.k : j*r.k+r.k : j*r.k+r.k]) }

// newRawFrontier packs separately allocated points.
func newRawFrontier(n, k int, us [][]float64, os []Outcome) *rawFrontier {
	r := &rawFrontier{n: n, k: k}
	for j := range us {
		r.u = append(r.u, us[j]...)
		r.outs = append(r.outs, os[j]...)
	}
	return r
}

// radixKey is a sort key with the point it belongs to.
type radixKey struct {
	k uint64
	i int32
}

// sortableBits maps a float64 to a uint64 with the same order.
func sortableBits(f float64) uint64 {
	b := math.Float64bits(f)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

// radixSort sorts keys by k ascending, stably, a byte at a time.
func radixSort(a []radixKey) []radixKey {
	tmp := make([]radixKey, len(a))
	var count [256]int
	for shift := uint(0); shift < 64; shift += 8 {
		count = [256]int{}
		for _, x := range a {
			count[byte(x.k>>shift)]++
		}
		if count[byte(a[0].k>>shift)] == len(a) {
			continue // every key has this byte: nothing to reorder
		}
		pos := 0
		for b := range count {
			c := count[b]
			count[b] = pos
			pos += c
		}
		for _, x := range a {
			b := byte(x.k >> shift)
			tmp[count[b]] = x
			count[b]++
		}
		a, tmp = tmp, a
	}
	return a
}
