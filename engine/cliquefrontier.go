package engine

import (
	"context"
	"math"
	"math/bits"
	"sort"
)

// cgraph is the intersection graph of two profiles' inclusive boxes, in a
// fixed vertex order: a point of the outcome space is worth, to profile p,
// its constant plus the utilities of the boxes that contain it, and the
// boxes containing a point are a clique (and every clique has such points).
type cgraph struct {
	ctx    context.Context // nil: never cancelled
	d      *Domain
	n      int
	words  int
	adj    [][]uint64
	a, b   []float64 // each vertex's utility to profile 0 and to profile 1
	boxes  []wbox
	konst  [2]float64
	stacks [][]uint64 // candidate sets per depth
}

func newCGraph(d *Domain, b0, b1 []wbox, k0, k1 float64, m0, m1 float64) *cgraph {
	type vx struct {
		box  wbox
		a, b float64
	}
	var vs []vx
	for _, x := range b0 {
		vs = append(vs, vx{x, x.w, 0})
	}
	for _, x := range b1 {
		vs = append(vs, vx{x, 0, x.w})
	}
	// Heaviest first (relative to each profile's maximum): cliques grow
	// toward later vertices, and the bounds of the heavy ones come from
	// the light ones after them.
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].a/m0+vs[i].b/m1 > vs[j].a/m0+vs[j].b/m1 })
	n := len(vs)
	g := &cgraph{d: d, n: n, words: (n + 63) / 64, konst: [2]float64{k0, k1}}
	for _, v := range vs {
		g.a, g.b, g.boxes = append(g.a, v.a), append(g.b, v.b), append(g.boxes, v.box)
	}
	g.adj = make([][]uint64, n)
	for i := range g.adj {
		g.adj[i] = make([]uint64, g.words)
		for j := range g.boxes {
			if i != j && boxesMeet(&g.boxes[i], &g.boxes[j]) {
				g.adj[i][j>>6] |= 1 << (j & 63)
			}
		}
	}
	g.stacks = make([][]uint64, n+2)
	for i := range g.stacks {
		g.stacks[i] = make([]uint64, g.words)
	}
	return g
}

// point returns an outcome in every box of the clique, and its sums.
func (g *cgraph) point(clique []int) (Outcome, [2]float64) {
	o := make(Outcome, len(g.d.Issues))
	for _, v := range clique {
		for i := range o {
			o[i] = max(o[i], g.boxes[v].lo[i])
		}
	}
	f := g.konst
	for v := range g.boxes {
		b := &g.boxes[v]
		in := true
		for i, x := range o {
			if x < b.lo[i] || x > b.hi[i] {
				in = false
				break
			}
		}
		if in {
			f[0] += g.a[v]
			f[1] += g.b[v]
		}
	}
	return o, f
}

func firstBit(u []uint64) int {
	for k, x := range u {
		if x != 0 {
			return k*64 + bits.TrailingZeros64(x)
		}
	}
	return -1
}

// ostergard returns, for weights w >= 0, c[j]: the greatest weight of a
// clique among vertices j.. (c[n] = 0), and a clique of the greatest
// weight. It reports false once *nodes passes maxNodes.
func (g *cgraph) ostergard(w []float64, nodes *int, maxNodes int) ([]float64, []int, bool) {
	n := g.n
	c := make([]float64, n+1)
	pos := make([]uint64, g.words) // vertices of positive weight
	for v := range w {
		if w[v] > 0 {
			pos[v>>6] |= 1 << (v & 63)
		}
	}
	best := 0.0
	var bestSet, cur []int
	var expand func(u []uint64, depth int, size float64) bool
	expand = func(u []uint64, depth int, size float64) bool {
		if *nodes++; *nodes > maxNodes || cancelled(g.ctx, *nodes) {
			return false
		}
		rem := 0.0
		for k, x := range u {
			for x != 0 {
				rem += w[k*64+bits.TrailingZeros64(x)]
				x &= x - 1
			}
		}
		if rem == 0 {
			if size > best {
				best = size
				bestSet = append(bestSet[:0], cur...)
			}
			return true
		}
		for {
			if size+rem <= best {
				return true
			}
			j := firstBit(u)
			if j < 0 || size+c[j] <= best {
				return true
			}
			u[j>>6] &^= 1 << (j & 63)
			rem -= w[j]
			next := g.stacks[depth+1]
			for k := range next {
				next[k] = u[k] & g.adj[j][k]
			}
			cur = append(cur, j)
			if !expand(next, depth+1, size+w[j]) {
				return false
			}
			cur = cur[:len(cur)-1]
		}
	}
	for i := n - 1; i >= 0; i-- {
		if w[i] <= 0 {
			c[i] = best
			continue
		}
		u := g.stacks[0]
		for k := range u {
			u[k] = pos[k] & g.adj[i][k]
			if k == i>>6 {
				u[k] &^= (uint64(1) << (i&63 + 1)) - 1 // only vertices after i
			} else if k < i>>6 {
				u[k] = 0
			}
		}
		cur = append(cur[:0], i)
		if !expand(u, 0, w[i]) {
			return nil, nil, false
		}
		c[i] = best
	}
	return c, bestSet, true
}

// cLag is the Lagrangian bound of the weights a + λ·b: c from ostergard.
type cLag struct {
	lambda float64
	c      []float64
}

// search maximises F_obj over outcomes with F_con >= t (> t when strict),
// through the cliques of boxes, bounded by cA, cB (ostergard of a and of
// b) and by every Lagrangian. It returns the best outcome and its sums, or
// false when none qualifies; ok is false once *nodes passes maxNodes.
func (g *cgraph) search(obj int, t float64, strict bool, cA, cB []float64, lags []cLag, nodes *int, maxNodes int) (Outcome, [2]float64, bool, bool) {
	con := 1 - obj
	fails := func(f float64) bool { return f < t || (strict && f <= t) }
	var best Outcome
	var bestF [2]float64
	found := false
	var cur []int
	sum := func(u []uint64, w []float64) float64 {
		s := 0.0
		for k, x := range u {
			for x != 0 {
				s += w[k*64+bits.TrailingZeros64(x)]
				x &= x - 1
			}
		}
		return s
	}
	var expand func(u []uint64, depth int, ca, cb float64) bool
	expand = func(u []uint64, depth int, ca, cb float64) bool {
		if *nodes++; *nodes > maxNodes || cancelled(g.ctx, *nodes) {
			return false
		}
		remA, remB := sum(u, g.a), sum(u, g.b)
		if remA == 0 && remB == 0 {
			o, f := g.point(cur)
			if !fails(f[con]) && (!found || f[obj] > bestF[obj]) {
				best, bestF, found = o, f, true
			}
			return true
		}
		for {
			// Every extension of cur was tried or bounded: cur itself is
			// worth no more than the maximal cliques it is part of.
			j := firstBit(u)
			if j < 0 {
				return true
			}
			addA, addB := math.Min(remA, cA[j]), math.Min(remB, cB[j])
			fa, fb := g.konst[0]+ca+addA, g.konst[1]+cb+addB
			f := [2]float64{fa, fb}
			if fails(f[con]) {
				return true
			}
			bound := f[obj]
			// F_obj = L − λ·F_con (obj 0) or (L − F_con)/λ (obj 1), where
			// L = F_0 + λ·F_1 and F_con >= t.
			for _, l := range lags {
				L := g.konst[0] + l.lambda*g.konst[1] + ca + l.lambda*cb + math.Min(l.c[j], remA+l.lambda*remB)
				if obj == 0 {
					bound = math.Min(bound, L-l.lambda*t)
				} else {
					bound = math.Min(bound, (L-t)/l.lambda)
				}
			}
			if found && bound <= bestF[obj] {
				return true
			}
			u[j>>6] &^= 1 << (j & 63)
			remA -= g.a[j]
			remB -= g.b[j]
			next := g.stacks[depth+1]
			for k := range next {
				next[k] = u[k] & g.adj[j][k]
			}
			cur = append(cur, j)
			if !expand(next, depth+1, ca+g.a[j], cb+g.b[j]) {
				return false
			}
			cur = cur[:len(cur)-1]
		}
	}
	u := g.stacks[0]
	for k := range u {
		u[k] = ^uint64(0)
	}
	if r := g.n & 63; r != 0 {
		u[g.words-1] = (1 << r) - 1
	}
	if g.n == 0 {
		o, f := g.point(nil)
		if fails(f[con]) {
			return nil, f, false, true
		}
		return o, f, true, true
	}
	if !expand(u, 0, 0, 0) {
		return nil, [2]float64{}, false, false
	}
	return best, bestF, found, true
}

// isBoxSum reports whether p is a sum of inclusive boxes of utility >= 0.
func isBoxSum(p Profile) bool {
	b, ok := p.(boxer)
	if !ok {
		return false
	}
	_, _, ok = b.inclusiveBoxes(1)
	return ok
}

// cliqueFrontier2 is factorFrontier2 for two profiles that are sums of
// inclusive hyperrectangles of utility >= 0, where the best outcome under
// any weights is a maximum-weight clique of intersecting boxes: the same
// two-phase driver (twophase.go), with Östergård's algorithm for the
// weighted sums and a clique branch and bound, bounded by Östergård's c[]
// of each profile and of the hull segments' combined weights, for the
// ε-constraint steps. Its budget is ten times maxNodes.
func cliqueFrontier2(ctx context.Context, ps []Profile, maxNodes int) ([][]float64, []Outcome, bool) {
	if len(ps) != 2 {
		return nil, nil, false
	}
	h0, ok0 := ps[0].(boxer)
	h1, ok1 := ps[1].(boxer)
	if !ok0 || !ok1 {
		return nil, nil, false
	}
	m0, err0 := sumMaxOf(ps[0])
	m1, err1 := sumMaxOf(ps[1])
	b0, k0, okb0 := h0.inclusiveBoxes(1)
	b1, k1, okb1 := h1.inclusiveBoxes(1)
	if err0 != nil || err1 != nil || !okb0 || !okb1 {
		return nil, nil, false
	}
	g := newCGraph(ps[0].Domain(), b0, b1, k0, k1, m0, m1)
	g.ctx = ctx
	// A clique node costs tens of nanoseconds, far less than a node of
	// the box search the budget is set for.
	c := &cliqueSearch{g: g, m: [2]float64{m0, m1}, maxNodes: times10(maxNodes), lags: map[int]cLag{}}
	var ok bool
	if c.cA, c.setA, ok = g.ostergard(g.a, &c.nodes, c.maxNodes); !ok {
		return nil, nil, false
	}
	if c.cB, c.setB, ok = g.ostergard(g.b, &c.nodes, c.maxNodes); !ok {
		return nil, nil, false
	}
	// The ends' tie needs a bound for the other profile: the combined
	// weights balanced by the maxima.
	cBal, _, ok := g.ostergard(c.combined(1, m0/m1), &c.nodes, c.maxNodes)
	if !ok {
		return nil, nil, false
	}
	c.bal = []cLag{{m0 / m1, cBal}}
	return twoPhaseFrontier(ps, c, m0, m1)
}

// cliqueSearch is the two-phase driver's search over cliques of boxes.
type cliqueSearch struct {
	g          *cgraph
	m          [2]float64
	nodes      int
	maxNodes   int
	hullNodes  int       // spent on weighted sums
	cA, cB     []float64 // Östergård's c[] of each profile
	setA, setB []int     // and a clique of each's greatest weight
	bal        []cLag
	lags       map[int]cLag // hull segment → its bound
}

func (c *cliqueSearch) combined(w0, w1 float64) []float64 {
	w := make([]float64, c.g.n)
	for v := range w {
		w[v] = w0*c.g.a[v] + w1*c.g.b[v]
	}
	return w
}

// end starts from each profile's best clique (tiny weights for the other
// would make every one of its boxes a branch), then breaks the tie.
func (c *cliqueSearch) end(obj int) ([2]float64, error) {
	set := c.setA
	if obj == 1 {
		set = c.setB
	}
	_, f := c.g.point(set)
	t := math.Min(f[obj], c.m[obj])
	_, fe, found, ok := c.g.search(1-obj, t, false, c.cA, c.cB, c.bal, &c.nodes, c.maxNodes)
	if !ok {
		return f, c.failure()
	}
	if !found {
		return f, nil
	}
	return fe, nil
}

// weighted gives no guidance (false) past a few million nodes
// (Östergård's order suits balanced weights): the hull only guides the
// bounds.
func (c *cliqueSearch) weighted(w0, w1 float64) ([2]float64, bool, error) {
	each := 0
	set, _, ok := maxWeightClique(c.g.ctx, c.g.adj, c.combined(w0, w1), &each, 2_000_000)
	c.hullNodes += each
	if err := ctxErr(c.g.ctx); err != nil {
		return [2]float64{}, false, err
	}
	if !ok || c.hullNodes > c.maxNodes/4 {
		return [2]float64{}, false, nil
	}
	_, f := c.g.point(set)
	return f, true, nil
}

func (c *cliqueSearch) constrained(obj int, t float64, strict bool, segs []hullSegment) (Outcome, [2]float64, bool, error) {
	if obj == 0 && math.IsInf(t, -1) {
		// Unconstrained, the greatest F_0 is Östergård's.
		return nil, [2]float64{c.g.konst[0] + c.cA[0], math.NaN()}, true, nil
	}
	var lags []cLag
	for _, g := range segs {
		l, ok := c.lags[g.k]
		if !ok {
			cl, _, ok := c.g.ostergard(c.combined(1, g.lambda), &c.nodes, c.maxNodes)
			if !ok {
				return nil, [2]float64{}, false, c.failure()
			}
			l = cLag{g.lambda, cl}
			c.lags[g.k] = l
		}
		lags = append(lags, l)
	}
	o, f, found, ok := c.g.search(obj, t, strict, c.cA, c.cB, lags, &c.nodes, c.maxNodes)
	if !ok {
		return nil, [2]float64{}, false, c.failure()
	}
	return o, f, found, nil
}

// failure is why a search stopped: its context, or its budget.
func (c *cliqueSearch) failure() error {
	if err := ctxErr(c.g.ctx); err != nil {
		return err
	}
	return errBudget
}
