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
	g := &cgraph{d: d, konst: [2]float64{k0, k1}}
	for _, x := range b0 {
		g.a, g.b, g.boxes = append(g.a, x.w), append(g.b, 0), append(g.boxes, x)
	}
	for _, x := range b1 {
		g.a, g.b, g.boxes = append(g.a, 0), append(g.b, x.w), append(g.boxes, x)
	}
	// Heaviest first (relative to each profile's maximum): cliques grow
	// toward later vertices, and the bounds of the heavy ones come from
	// the light ones after them.
	return g.sorted(func(v int) float64 { return g.a[v]/m0 + g.b[v]/m1 })
}

// sorted returns the graph with its vertices in descending order of rank
// (stable), adjacency rebuilt.
func (g *cgraph) sorted(rank func(v int) float64) *cgraph {
	ord := make([]int, len(g.boxes))
	for i := range ord {
		ord[i] = i
	}
	sort.SliceStable(ord, func(i, j int) bool { return rank(ord[i]) > rank(ord[j]) })
	n := len(ord)
	h := &cgraph{ctx: g.ctx, d: g.d, n: n, words: (n + 63) / 64, konst: g.konst}
	for _, v := range ord {
		h.a, h.b, h.boxes = append(h.a, g.a[v]), append(h.b, g.b[v]), append(h.boxes, g.boxes[v])
	}
	h.adj = make([][]uint64, n)
	for i := range h.adj {
		h.adj[i] = make([]uint64, h.words)
		for j := range h.boxes {
			if i != j && boxesMeet(&h.boxes[i], &h.boxes[j]) {
				h.adj[i][j>>6] |= 1 << (j & 63)
			}
		}
	}
	h.stacks = make([][]uint64, n+2)
	for i := range h.stacks {
		h.stacks[i] = make([]uint64, h.words)
	}
	return h
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
// false when none qualifies and beats floor (a value of F_obj known to be
// reached; −Inf: none); ok is false once *nodes passes maxNodes.
func (g *cgraph) search(obj int, t float64, strict bool, floor float64, cA, cB []float64, lags []cLag, nodes *int, maxNodes int) (Outcome, [2]float64, bool, bool) {
	con := 1 - obj
	fails := func(f float64) bool { return f < t || (strict && f <= t) }
	// The bounds add in another order than a point's sums (point), so a
	// bound may fall a rounding error short of the value it bounds:
	// prune on the constraint only clearly below t (leaves are checked
	// exactly). With real utilities the tie steps' t is a sum just
	// reached, and pruning at t itself lost the only qualifying outcome.
	tol := 1e-9 * (1 + math.Abs(t))
	var best Outcome
	var bestF [2]float64
	bestObj := floor
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
			if !fails(f[con]) && f[obj] > bestObj {
				best, bestF, bestObj, found = o, f, f[obj], true
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
			if f[con] < t-tol {
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
			if bound <= bestObj {
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
		if fails(f[con]) || f[obj] <= floor {
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
	c := &cliqueSearch{m: [2]float64{m0, m1}, maxNodes: times10(maxNodes), won: [2]int{0, 1}}
	var ok bool
	bal := &c.views[2]
	if bal.g, ok = c.view(g); !ok {
		return nil, nil, false
	}
	if c.setA, c.setB, ok = c.best(g); !ok {
		return nil, nil, false
	}
	// Each profile's boxes first, heaviest first, then the other's.
	for obj := range 2 {
		w := [2][]float64{g.a, g.b}
		c.views[obj].g = g.sorted(func(v int) float64 {
			if w[obj][v] > 0 {
				return c.m[1-obj] + w[obj][v] // above every weight of the other
			}
			return w[1-obj][v]
		})
		if _, ok := c.view(c.views[obj].g); !ok {
			return nil, nil, false
		}
	}
	return twoPhaseFrontier(ps, c, m0, m1)
}

// cliqueSearch is the two-phase driver's search over cliques of boxes.
// It keeps the graph in three vertex orders (views): each profile's boxes
// first, and both together, heaviest relative to each profile's maximum
// first. A constrained step runs on the view whose boxes the constraint
// is on: it settles the boxes that make the constraint before the
// objective's, whose Östergård bounds over the later vertices are then
// exact. In the balanced order alone a tight constraint — the hull's ends,
// the tie steps, the steps near the ends — prunes little (an end of
// other-S-1NIKFRT-3 cost 231 million nodes there, 0.1 million first in
// the constraint's order).
type cliqueSearch struct {
	m          [2]float64
	nodes      int
	maxNodes   int
	hullNodes  int // spent on weighted sums
	views      [3]cliqueView
	won, cost  [2]int // the strategy that finished the last tie step, step to the next point, and its nodes
	setA, setB []int  // a clique of each profile's greatest weight
}

// cliqueView is the graph in one vertex order with its bounds.
type cliqueView struct {
	g      *cgraph
	cA, cB []float64    // Östergård's c[] of each profile
	lags   map[int]cLag // hull segment → its bound
}

// view fills in the bounds of the view of g.
func (c *cliqueSearch) view(g *cgraph) (*cgraph, bool) {
	v := &c.views[2]
	for i := range c.views {
		if c.views[i].g == g {
			v = &c.views[i]
		}
	}
	v.g, v.lags = g, map[int]cLag{}
	var ok bool
	if v.cA, _, ok = g.ostergard(g.a, &c.nodes, c.maxNodes); !ok {
		return nil, false
	}
	v.cB, _, ok = g.ostergard(g.b, &c.nodes, c.maxNodes)
	return g, ok
}

// best returns a clique of each profile's greatest weight.
func (c *cliqueSearch) best(g *cgraph) ([]int, []int, bool) {
	_, a, ok := g.ostergard(g.a, &c.nodes, c.maxNodes)
	if !ok {
		return nil, nil, false
	}
	_, b, ok := g.ostergard(g.b, &c.nodes, c.maxNodes)
	return a, b, ok
}

func (c *cliqueSearch) combined(g *cgraph, w0, w1 float64) []float64 {
	w := make([]float64, g.n)
	for v := range w {
		w[v] = w0*g.a[v] + w1*g.b[v]
	}
	return w
}

// end starts from each profile's best clique (tiny weights for the other
// would make every one of its boxes a branch), then breaks the tie: the
// greatest F_other with F_obj at its maximum.
func (c *cliqueSearch) end(obj int) ([2]float64, error) {
	set := c.setA
	if obj == 1 {
		set = c.setB
	}
	_, f := c.views[2].g.point(set)
	t := math.Min(f[obj], c.m[obj])
	// The best clique itself qualifies: its F_other is a floor.
	_, fe, found, err := c.search(1-obj, t, false, f[1-obj], nil)
	if err != nil {
		return f, err
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
	g := c.views[2].g
	set, _, ok := maxWeightClique(g.ctx, g.adj, c.combined(g, w0, w1), &each, 2_000_000)
	c.hullNodes += each
	if err := ctxErr(g.ctx); err != nil {
		return [2]float64{}, false, err
	}
	if !ok || c.hullNodes > c.maxNodes/4 {
		return [2]float64{}, false, nil
	}
	_, f := g.point(set)
	return f, true, nil
}

func (c *cliqueSearch) constrained(obj int, t float64, strict bool, floor float64, segs []hullSegment) (Outcome, [2]float64, bool, error) {
	if obj == 0 && math.IsInf(t, -1) {
		// Unconstrained, the greatest F_0 is Östergård's, at its best
		// clique (summed as every step sums a point: the next step's
		// constraint compares with that sum).
		o, f := c.views[2].g.point(c.setA)
		return o, f, true, nil
	}
	o, f, found, err := c.search(obj, t, strict, floor, segs)
	return o, f, found, err
}

// search maximises F_obj subject to F_con >= t (> t when strict) by two
// strategies: on the view of the constraint's boxes first, with no other
// bound, and on the balanced view bounded by the segments' bounds too.
// Which is cheaper depends on how tight the constraint is: the first wins
// near F_con's maximum (the ends, the tie steps near the left end, the
// steps to the next point near the right end), the second in the middle
// of the frontier, by orders of magnitude either way, and the winner
// changes slowly along the frontier. So they take turns on a node
// allowance that doubles until one finishes, the one that won the last
// step of the same kind first, from twice that step's nodes: close to the
// cheaper one's nodes while the winner stays the same, a few times them
// where it changes.
func (c *cliqueSearch) search(obj int, t float64, strict bool, floor float64, segs []hullSegment) (Outcome, [2]float64, bool, error) {
	kind := 0
	if strict {
		kind = 1
	}
	first := c.won[kind]
	start := c.nodes
	defer func() { c.cost[kind] = c.nodes - start }()
	for allow := max(1<<16, 2*c.cost[kind]); ; allow *= 2 {
		for k := range 2 {
			s := (first + k) % 2
			v, lags := &c.views[1-obj], []cLag(nil)
			if s == 1 {
				v = &c.views[2]
				var err error
				if lags, err = c.lagsFor(v, segs); err != nil {
					return nil, [2]float64{}, false, err
				}
			}
			limit := c.maxNodes
			if c.nodes < c.maxNodes-allow {
				limit = c.nodes + allow
			}
			o, f, found, ok := v.g.search(obj, t, strict, floor, v.cA, v.cB, lags, &c.nodes, limit)
			if ok {
				c.won[kind] = s
				return o, f, found, nil
			}
			if limit == c.maxNodes || ctxErr(v.g.ctx) != nil {
				return nil, [2]float64{}, false, c.failure()
			}
		}
	}
}

// lagsFor returns the bounds of the hull segments segs on view v, computing
// each once.
func (c *cliqueSearch) lagsFor(v *cliqueView, segs []hullSegment) ([]cLag, error) {
	var lags []cLag
	for _, g := range segs {
		l, ok := v.lags[g.k]
		if !ok {
			cl, _, ok := v.g.ostergard(c.combined(v.g, 1, g.lambda), &c.nodes, c.maxNodes)
			if !ok {
				return nil, c.failure()
			}
			l = cLag{g.lambda, cl}
			v.lags[g.k] = l
		}
		lags = append(lags, l)
	}
	return lags, nil
}

// failure is why a search stopped: its context, or its budget.
func (c *cliqueSearch) failure() error {
	if err := ctxErr(c.views[2].g.ctx); err != nil {
		return err
	}
	return errBudget
}
