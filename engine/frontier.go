package engine

import (
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
	return nondominated(s)
}

// nondominated returns the non-dominated points of s, each distinct vector
// once (the first witness in the order given wins ties in the 2-party sweep;
// any witness is correct). The result is sorted by the first utility
// descending, then the others descending.
func nondominated(s *frontierSet) *frontierSet {
	idx := make([]int32, s.size())
	for i := range idx {
		idx[i] = int32(i)
	}
	n := s.n
	slices.SortStableFunc(idx, func(a, b int32) int {
		ua, ub := s.u[int(a)*n:int(a)*n+n], s.u[int(b)*n:int(b)*n+n]
		for p := 0; p < n; p++ {
			if ua[p] != ub[p] {
				if ua[p] > ub[p] {
					return -1
				}
				return 1
			}
		}
		return 0
	})
	out := &frontierSet{n: n}
	keep := func(i int32) {
		out.u = append(out.u, s.at(int(i))...)
		out.parent = append(out.parent, s.parent[i])
		out.value = append(out.value, s.value[i])
	}
	if n == 1 {
		if len(idx) > 0 {
			keep(idx[0])
		}
		return out
	}
	if n == 2 {
		best := math.Inf(-1)
		for _, i := range idx {
			if u1 := s.u[int(i)*2+1]; u1 > best {
				best = u1
				keep(i)
			}
		}
		return out
	}
	d := newDominanceIndex(n)
	for _, i := range idx {
		c := s.at(int(i))
		if d.dominated(c) {
			continue
		}
		d.add(c)
		keep(i)
	}
	return out
}

// dominanceIndex answers "does a point already added weakly dominate c?"
// for points added in lexicographically descending order, so that only the
// coordinates after the first need checking. Points are kept in blocks with
// the per-coordinate maximum of each block, so whole blocks are skipped.
type dominanceIndex struct {
	n      int
	pts    []float64 // added points, n per point
	blkMax []float64 // per block of blockSize points: max of each coordinate
	count  int
	// For 3 parties the query is 2-dimensional and a staircase answers it
	// in logarithmic time.
	stair *staircase
}

const blockSize = 32

func newDominanceIndex(n int) *dominanceIndex {
	d := &dominanceIndex{n: n}
	if n == 3 {
		d.stair = &staircase{}
	}
	return d
}

func (d *dominanceIndex) dominated(c []float64) bool {
	if d.stair != nil {
		return d.stair.dominated(c[1], c[2])
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
		end := (b + 1) * blockSize
		if end > d.count {
			end = d.count
		}
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

func (d *dominanceIndex) add(c []float64) {
	if d.stair != nil {
		d.stair.add(c[1], c[2])
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

// staircase holds 2-D points for the query "is there a point (x', y') with
// x' >= x and y' >= y?". Recent points sit in a small unsorted buffer; the
// rest in an array sorted by x with suffix maxima of y. The buffer is merged
// in when it grows past the square root of the total, which keeps both
// queries and insertions cheap (amortised O(√n)).
type staircase struct {
	xs, ys []float64 // sorted by x ascending
	sufMax []float64 // sufMax[i] = max(ys[i:])
	bx, by []float64 // buffer
}

func (s *staircase) dominated(x, y float64) bool {
	for i := range s.bx {
		if s.bx[i] >= x && s.by[i] >= y {
			return true
		}
	}
	i, _ := slices.BinarySearch(s.xs, x) // first index with xs[i] >= x
	return i < len(s.xs) && s.sufMax[i] >= y
}

func (s *staircase) add(x, y float64) {
	s.bx = append(s.bx, x)
	s.by = append(s.by, y)
	if len(s.bx)*len(s.bx) > len(s.xs)+64 {
		s.rebuild()
	}
}

func (s *staircase) rebuild() {
	type pt struct{ x, y float64 }
	all := make([]pt, 0, len(s.xs)+len(s.bx))
	for i := range s.xs {
		all = append(all, pt{s.xs[i], s.ys[i]})
	}
	for i := range s.bx {
		all = append(all, pt{s.bx[i], s.by[i]})
	}
	slices.SortFunc(all, func(a, b pt) int {
		switch {
		case a.x < b.x:
			return -1
		case a.x > b.x:
			return 1
		case a.y < b.y:
			return -1
		case a.y > b.y:
			return 1
		}
		return 0
	})
	// Keep only the 2-D staircase: scanning from the largest x, a point
	// survives when its y beats every y to its right.
	s.xs, s.ys = s.xs[:0], s.ys[:0]
	best := math.Inf(-1)
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].y > best {
			best = all[i].y
			s.xs = append(s.xs, all[i].x)
			s.ys = append(s.ys, all[i].y)
		}
	}
	slices.Reverse(s.xs)
	slices.Reverse(s.ys)
	// On a staircase sorted by x ascending, y descends, so the suffix
	// maximum of y at i is ys[i].
	s.sufMax = append(s.sufMax[:0], s.ys...)
	s.bx, s.by = s.bx[:0], s.by[:0]
}

// mergeLevel returns ND(f ⊕ s), each point's parent indexing f and value
// taken from s.
func mergeLevel(f, s *frontierSet, maxPoints int) (*frontierSet, error) {
	n := f.n
	if n == 2 {
		return merge2(f, s, maxPoints)
	}
	total := f.size() * s.size()
	if maxPoints > 0 && total > 4*maxPoints && f.size() > maxPoints {
		return nil, errFrontierCap(maxPoints)
	}
	c := &frontierSet{n: n, u: make([]float64, 0, total*n), parent: make([]int32, 0, total), value: make([]int32, 0, total)}
	for j := 0; j < s.size(); j++ {
		sv := s.at(j)
		for i := 0; i < f.size(); i++ {
			fv := f.at(i)
			for p := 0; p < n; p++ {
				c.u = append(c.u, fv[p]+sv[p])
			}
			c.parent = append(c.parent, int32(i))
			c.value = append(c.value, s.value[j])
		}
	}
	out := nondominated(c)
	if maxPoints > 0 && out.size() > maxPoints {
		return nil, errFrontierCap(maxPoints)
	}
	return out, nil
}

func errFrontierCap(max int) error {
	return Errorf("the Pareto frontier grows beyond %d points, the configured cap; raise the cap (--max-frontier) if this machine has the memory (about %d bytes per point per party)", max, 8)
}

// merge2 is mergeLevel for two parties. Both inputs are staircases sorted by
// u0 descending (so u1 ascending); each f ⊕ {s_j} is such a list too, and a
// k-way merge of them by u0 descending followed by one sweep keeping points
// whose u1 beats every earlier one gives the frontier in O(|f|·|s|·|s|)
// without sorting.
func merge2(f, s *frontierSet, maxPoints int) (*frontierSet, error) {
	k := s.size()
	nf := f.size()
	heads := make([]int, k) // next index into f for list j
	out := &frontierSet{n: 2}
	best := math.Inf(-1)
	for {
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
		heads[bj]++
		if bu1 > best {
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
// over their common domain, with a witness outcome for every point.
func linearFrontier(ps []*LinearAdditive, maxPoints int) ([][]float64, []Outcome, error) {
	d := ps[0].Dom
	n := len(ps)
	levels := make([]*frontierSet, len(d.Issues))
	f := &frontierSet{n: n, u: make([]float64, n), parent: []int32{0}, value: []int32{0}}
	for i := range d.Issues {
		s := issuePoints(ps, i)
		var err error
		f, err = mergeLevel(f, s, maxPoints)
		if err != nil {
			return nil, nil, err
		}
		levels[i] = f
		if i > 0 {
			levels[i-1].u = nil // only the back pointers are needed now
		}
	}
	us := make([][]float64, f.size())
	os := make([]Outcome, f.size())
	for j := range us {
		us[j] = append([]float64(nil), f.at(j)...)
		o := make(Outcome, len(d.Issues))
		idx := int32(j)
		for i := len(d.Issues) - 1; i >= 0; i-- {
			o[i] = int(levels[i].value[idx])
			idx = levels[i].parent[idx]
		}
		os[j] = o
	}
	return us, os, nil
}
