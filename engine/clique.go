package engine

import (
	"context"
	"math/bits"
	"sort"
)

// maxWeightClique finds a clique of greatest total weight in the graph
// whose adjacency rows are adj (bitsets) and whose vertex weights are w
// (all > 0), by Östergård's algorithm. It returns the clique's vertices
// and false once *nodes passes maxNodes or ctx (nil: never) is done.
func maxWeightClique(ctx context.Context, adj [][]uint64, w []float64, nodes *int, maxNodes int) ([]int, float64, bool) {
	n := len(w)
	words := (n + 63) / 64
	// Heaviest first: the search grows cliques from the last vertex
	// backwards, so the light ones are settled first and c[] bounds the
	// heavy ones tightly.
	ord := make([]int, n)
	for i := range ord {
		ord[i] = i
	}
	sort.SliceStable(ord, func(a, b int) bool { return w[ord[a]] > w[ord[b]] })
	pos := make([]int, n)
	for i, v := range ord {
		pos[v] = i
	}
	// Relabel to the order.
	radj := make([][]uint64, n)
	rw := make([]float64, n)
	for i, v := range ord {
		rw[i] = w[v]
		radj[i] = make([]uint64, words)
		for u := 0; u < n; u++ {
			if adj[v][u>>6]&(1<<(u&63)) != 0 {
				j := pos[u]
				radj[i][j>>6] |= 1 << (j & 63)
			}
		}
	}
	c := make([]float64, n+1)
	best := 0.0
	var bestSet, cur []int
	stack := make([][]uint64, n+1)
	for i := range stack {
		stack[i] = make([]uint64, words)
	}
	weightOf := func(u []uint64) float64 {
		s := 0.0
		for k, x := range u {
			for x != 0 {
				b := bits.TrailingZeros64(x)
				x &= x - 1
				s += rw[k*64+b]
			}
		}
		return s
	}
	var expand func(u []uint64, depth int, size float64) bool
	expand = func(u []uint64, depth int, size float64) bool {
		if *nodes++; *nodes > maxNodes || cancelled(ctx, *nodes) {
			return false
		}
		empty := true
		for _, x := range u {
			if x != 0 {
				empty = false
				break
			}
		}
		if empty {
			if size > best {
				best = size
				bestSet = append(bestSet[:0], cur...)
			}
			return true
		}
		rem := weightOf(u)
		for {
			if size+rem <= best {
				return true
			}
			j := -1
			for k, x := range u {
				if x != 0 {
					j = k*64 + bits.TrailingZeros64(x)
					break
				}
			}
			if j < 0 {
				return true
			}
			if size+c[j] <= best {
				return true
			}
			u[j>>6] &^= 1 << (j & 63)
			rem -= rw[j]
			next := stack[depth+1]
			for k := range next {
				next[k] = u[k] & radj[j][k]
			}
			cur = append(cur, j)
			if !expand(next, depth+1, size+rw[j]) {
				return false
			}
			cur = cur[:len(cur)-1]
		}
	}
	for i := n - 1; i >= 0; i-- {
		u := stack[0]
		for k := range u {
			u[k] = 0
		}
		for j := i + 1; j < n; j++ {
			if radj[i][j>>6]&(1<<(j&63)) != 0 {
				u[j>>6] |= 1 << (j & 63)
			}
		}
		cur = append(cur[:0], i)
		if !expand(u, 0, rw[i]) {
			return nil, 0, false
		}
		c[i] = best
	}
	out := make([]int, len(bestSet))
	for i, v := range bestSet {
		out[i] = ord[v]
	}
	return out, best, true
}

// A wbox is an inclusive hyperrectangle of value indices with a weight.
type wbox struct {
	lo, hi []int // per issue of the domain; the full range when unbounded
	w      float64
}

// inclusiveBoxes returns the profile's rectangles as weighted boxes (times
// w) and the constant part, when every utility function sums and every
// rectangle is inclusive with a utility >= 0.
func (p *Hyperrectangle) inclusiveBoxes(w float64) ([]wbox, float64, bool) {
	var out []wbox
	konst := 0.0
	if !p.sumRects(w, func(r *hrRect, w float64) bool {
		u := r.u * w
		if r.exclusive || u < 0 {
			return false
		}
		if r.boundLo == r.bndHi {
			konst += u
			return true
		}
		b := wbox{lo: make([]int, len(p.Dom.Issues)), hi: make([]int, len(p.Dom.Issues)), w: u}
		for j := range b.hi {
			b.hi[j] = p.Dom.Issues[j].NumValues() - 1
		}
		empty := false
		for _, bd := range p.bounds[r.boundLo:r.bndHi] {
			i := int(bd.issue)
			b.lo[i] = max(b.lo[i], int(bd.lo))
			b.hi[i] = min(b.hi[i], int(bd.hi))
			if b.lo[i] > b.hi[i] {
				empty = true
			}
		}
		if !empty && u > 0 {
			out = append(out, b)
		}
		return true
	}) {
		return nil, 0, false
	}
	return out, konst, true
}

// maxBoxes finds an outcome covered by boxes of greatest total weight.
// Boxes are products of intervals, so boxes share a point exactly when
// every two of them intersect (Helly's property on each issue): the best
// point is a maximum-weight clique of the graph of intersecting boxes.
func maxBoxes(ctx context.Context, d *Domain, bs []wbox, maxNodes int) (Outcome, float64, bool) {
	n := len(bs)
	words := (n + 63) / 64
	adj := make([][]uint64, n)
	w := make([]float64, n)
	for i := range bs {
		adj[i] = make([]uint64, words)
		w[i] = bs[i].w
		for j := range bs {
			if i != j && boxesMeet(&bs[i], &bs[j]) {
				adj[i][j>>6] |= 1 << (j & 63)
			}
		}
	}
	nodes := 0
	set, v, ok := maxWeightClique(ctx, adj, w, &nodes, maxNodes)
	if !ok {
		return nil, 0, false
	}
	o := make(Outcome, len(d.Issues))
	for i := range o {
		lo := 0
		for _, b := range set {
			lo = max(lo, bs[b].lo[i])
		}
		o[i] = lo
	}
	return o, v, true
}

func boxesMeet(a, b *wbox) bool {
	for i := range a.lo {
		if a.hi[i] < b.lo[i] || b.hi[i] < a.lo[i] {
			return false
		}
	}
	return true
}
