package engine

import (
	"context"
	"math"
	"math/big"
	"slices"
)

// countLinear counts the acceptable outcomes of linear additive profiles
// exactly without enumerating them. Parties whose worst outcome already
// meets their reservation constrain nothing; with one or two binding
// parties the count is a meet-in-the-middle over the partial sums of two
// halves of the issues (sorted sums for one, an offline sweep with a
// Fenwick tree for two); with more, exact branch and bound on the issues'
// value ranges.
func countLinear(ps []*LinearAdditive, r []float64, opts AnalyzeOptions) (*big.Int, error) {
	d := ps[0].Dom
	var binding []int
	for p, prof := range ps {
		mn, mx := prof.Bounds(fullBox(d).lo, fullBox(d).hi)
		if key(mx) < key(r[p]) {
			return new(big.Int), nil // nothing reaches this party's reservation
		}
		if key(mn) < key(r[p]) {
			binding = append(binding, p)
		}
	}
	if len(binding) == 0 {
		return d.Size(), nil
	}
	left, right := splitIssues(d)
	if len(binding) <= 2 && halfSize(d, 0, left) <= maxHalf && halfSize(d, left, right) <= maxHalf {
		// Acceptable means key(u) >= key(r), i.e. u·10^12 >= key(r) − 0.5.
		var thr [2]float64
		var tabs [2][]float64 // per binding party: partial sums of each half
		var tabsR [2][]float64
		for j, p := range binding {
			thr[j] = (key(r[p]) - 0.5) / precisionScale
			tabs[j] = partialSums(ps[p], 0, left)
			tabsR[j] = partialSums(ps[p], left, len(d.Issues))
		}
		if len(binding) == 1 {
			return count1(opts.Context, tabs[0], tabsR[0], thr[0])
		}
		return count2(opts.Context, tabs[0], tabs[1], tabsR[0], tabsR[1], thr[0], thr[1])
	}
	bs := make([]Bounder, len(ps))
	gp := make([]Profile, len(ps))
	for i, p := range ps {
		bs[i], gp[i] = p, p
	}
	if c, ok := boundCount(opts.Context, gp, bs, r, opts.MaxNodes); ok {
		return c, nil
	}
	if err := ctxErr(opts.Context); err != nil {
		return nil, err
	}
	return nil, Errorf("domain %q: counting the outcomes acceptable to %d parties at once did not finish within %d search nodes; raise the node limit, or analyse fewer parties", d.Name, len(binding), opts.MaxNodes)
}

// maxHalf bounds the partial sums enumerated for one half of the issues.
const maxHalf = 1 << 25

// splitIssues returns the issue index at which to split so that both
// halves have about the square root of the space's size.
func splitIssues(d *Domain) (left, right int) {
	total := d.SizeFloat()
	prod := 1.0
	for i := range d.Issues {
		next := prod * float64(d.Issues[i].NumValues())
		if next*next > total {
			// Choose the side of the boundary that balances better.
			if next/math.Sqrt(total) < math.Sqrt(total)/prod || i == 0 {
				return i + 1, len(d.Issues)
			}
			return i, len(d.Issues)
		}
		prod = next
	}
	return len(d.Issues), len(d.Issues)
}

func halfSize(d *Domain, from, to int) float64 {
	s := 1.0
	for i := from; i < to; i++ {
		s *= float64(d.Issues[i].NumValues())
	}
	return s
}

// partialSums enumerates Σ_{i in [from,to)} contribution over every
// assignment of those issues, summing in issue order.
func partialSums(p *LinearAdditive, from, to int) []float64 {
	sums := []float64{0}
	for i := from; i < to; i++ {
		nv := p.Dom.Issues[i].NumValues()
		nextS := make([]float64, 0, len(sums)*nv)
		for _, s := range sums {
			for v := 0; v < nv; v++ {
				nextS = append(nextS, s+p.Contribution(i, v))
			}
		}
		sums = nextS
	}
	return sums
}

// count1 counts pairs (a, b) with a + b >= t.
func count1(ctx context.Context, a, b []float64, t float64) (*big.Int, error) {
	slices.Sort(b)
	var c int64
	for j, x := range a {
		if cancelled(ctx, j) {
			return nil, ctx.Err()
		}
		i := search(b, t-x)
		// BinarySearch finds the first b >= t−x; float rounding of x + b
		// can differ from the comparison b >= t − x by one ulp, so check
		// the neighbours with the sum itself.
		for i > 0 && x+b[i-1] >= t {
			i--
		}
		for i < len(b) && x+b[i] < t {
			i++
		}
		c += int64(len(b) - i)
	}
	return new(big.Int).SetInt64(c), nil
}

// count2 counts pairs (i, j) with a1[i]+b1[j] >= t1 and a2[i]+b2[j] >= t2:
// b_j qualifies for a_i when b1[j] >= t1 − a1[i] and b2[j] >= t2 − a2[i], an
// offline two-dimensional dominance count.
func count2(ctx context.Context, a1, a2, b1, b2 []float64, t1, t2 float64) (*big.Int, error) {
	type pair struct{ x, y float64 }
	// Rank b2 values for the Fenwick tree.
	ys := slices.Clone(b2)
	slices.Sort(ys)
	ys = slices.Compact(ys)
	fen := make([]int32, len(ys)+1)
	bs := make([]pair, len(b1))
	for j := range bs {
		bs[j] = pair{b1[j], b2[j]}
	}
	slices.SortFunc(bs, func(p, q pair) int { return cmpDesc(p.x, q.x) })
	as := make([]pair, len(a1))
	for i := range as {
		as[i] = pair{a1[i], a2[i]}
	}
	// Queries in order of decreasing need t1 − a1, i.e. increasing a1, so
	// the set of qualifying b only grows.
	slices.SortFunc(as, func(p, q pair) int { return cmpDesc(q.x, p.x) })
	var c int64
	inserted := 0
	for j, a := range as {
		if cancelled(ctx, j) {
			return nil, ctx.Err()
		}
		for inserted < len(bs) && a.x+bs[inserted].x >= t1 {
			for r := search(ys, bs[inserted].y) + 1; r < len(fen); r += r & -r {
				fen[r]++
			}
			inserted++
		}
		// Count inserted b with a.y + b.y >= t2: all but those ranked
		// below the first qualifying y. The sum, not t2 − a.y, decides,
		// as in Utility.
		r := search(ys, t2-a.y)
		for r > 0 && a.y+ys[r-1] >= t2 {
			r--
		}
		for r < len(ys) && a.y+ys[r] < t2 {
			r++
		}
		below := int64(0)
		for i := r; i > 0; i -= i & -i {
			below += int64(fen[i])
		}
		c += int64(inserted) - below
	}
	return new(big.Int).SetInt64(c), nil
}

func cmpDesc(x, y float64) int {
	switch {
	case x > y:
		return -1
	case x < y:
		return 1
	}
	return 0
}
