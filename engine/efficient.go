package engine

import (
	"container/heap"
	"context"
	"math"
)

// EfficientEgalitarian finds, without the whole frontier, an outcome that
// is acceptable to every party, Pareto-optimal, and egalitarian: it
// maximises min_p (u_p − r_p) and, among outcomes at least as good for
// every party, the sum of utilities. It uses two best-first branch-and-bound
// searches on the profiles' bounds, so it reaches outcome spaces whose
// frontier is too large or too slow to compute; every profile must be a
// Bounder. It returns nil when no outcome is acceptable, and an error when
// the searches need more than maxNodes nodes.
func EfficientEgalitarian(ps []Profile, maxNodes int) (Outcome, error) {
	return efficientEgalitarian(context.Background(), ps, maxNodes)
}

// efficientEgalitarian is EfficientEgalitarian, stopped with ctx's error
// once ctx is done.
func efficientEgalitarian(ctx context.Context, ps []Profile, maxNodes int) (Outcome, error) {
	if len(ps) == 0 {
		return nil, Errorf("no profiles")
	}
	bs, ok := allBounders(ps)
	if !ok {
		return nil, Errorf("profile %q cannot bound its utility over a set of outcomes; the egalitarian search needs every profile to", firstNonBounder(ps).Name())
	}
	if maxNodes <= 0 {
		maxNodes = DefaultMaxNodes
	}
	d := ps[0].Domain()
	n := len(ps)
	r := make([]float64, n)
	for p, prof := range ps {
		r[p] = key(prof.Reservation())
	}
	nodes := 0
	keys := func(o Outcome) []float64 {
		k := make([]float64, n)
		for p, prof := range ps {
			k[p] = key(prof.Utility(o))
		}
		return k
	}
	// leastGain is the objective of step 1: min_p (u_p − r_p).
	leastGain := func(k []float64) (float64, bool) {
		g := math.Inf(1)
		for p := range k {
			g = math.Min(g, k[p]-r[p])
		}
		return g, g >= 0
	}
	gainOf := func(o Outcome) float64 {
		g, _ := leastGain(keys(o))
		return g
	}
	// A local search first: its result seeds step 1 and stands in for it
	// when the exact search is out of reach.
	start := localEgalitarian(d, gainOf)
	// Step 1: the largest least gain, on the key grid.
	x, ok, err := bestFirst(ctx, ps, bs, &nodes, nodes+maxNodes/10, start, leastGain)
	if err != nil {
		// Out of reach: go on from the local search's outcome if it is
		// acceptable; step 2 still makes the result Pareto-optimal.
		if gainOf(start) < 0 {
			return nil, err
		}
		x, ok = start, true
	}
	if !ok {
		return nil, nil
	}
	// Step 2: the largest sum among outcomes at least as good as x for
	// every party. Nothing can dominate the result: it would dominate x
	// too and have a larger sum.
	x = climbDominating(d, x, keys)
	kx := keys(x)
	// x itself is the incumbent: only boxes that could beat its sum count.
	y, _, err := bestFirst(ctx, ps, bs, &nodes, maxNodes, x, func(k []float64) (float64, bool) {
		s := 0.0
		for p := range k {
			if k[p] < kx[p] {
				return 0, false
			}
			s += k[p]
		}
		return s, true
	})
	if err != nil {
		return nil, err
	}
	return y, nil
}

// bfNode is a box with the upper bound of the objective over it.
type bfNode struct {
	b     box
	bound float64
}

type bfHeap []bfNode

func (h bfHeap) Len() int           { return len(h) }
func (h bfHeap) Less(i, j int) bool { return h[i].bound > h[j].bound }
func (h bfHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *bfHeap) Push(x any)        { *h = append(*h, x.(bfNode)) }
func (h *bfHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// localEgalitarian climbs from a few deterministic starting outcomes by
// changing one issue at a time while the least gain improves, and returns
// the best local optimum found.
func localEgalitarian(d *Domain, gain func(Outcome) float64) Outcome {
	k := len(d.Issues)
	var best Outcome
	bestG := math.Inf(-1)
	for start := 0; start < 8; start++ {
		o := make(Outcome, k)
		for i := range o {
			// Spread the starts over the value ranges.
			o[i] = (start*(i+3) + i) % d.Issues[i].NumValues()
		}
		g := gain(o)
		for improved, sweeps := true, 0; improved && sweeps < 200; sweeps++ {
			improved = false
			for i := 0; i < k; i++ {
				keep := o[i]
				for v := 0; v < d.Issues[i].NumValues(); v++ {
					if v == keep {
						continue
					}
					o[i] = v
					if ng := gain(o); ng > g {
						g, keep, improved = ng, v, true
					}
				}
				o[i] = keep
			}
		}
		if g > bestG {
			best, bestG = o, g
		}
	}
	return best
}

// climbDominating moves x, one issue at a time, to outcomes at least as
// good for every party and better in sum, until no single change is. The
// closer x is to the frontier, the less the exact search must rule out.
func climbDominating(d *Domain, x Outcome, keys func(Outcome) []float64) Outcome {
	x = x.Clone()
	kx := keys(x)
	for improved, sweeps := true, 0; improved && sweeps < 500; sweeps++ {
		improved = false
		for i := range d.Issues {
			keep := x[i]
			for v := 0; v < d.Issues[i].NumValues(); v++ {
				if v == keep {
					continue
				}
				x[i] = v
				k := keys(x)
				if ge, gt := compare(k, kx); ge && gt {
					keep, kx, improved = v, k, true
				}
			}
			x[i] = keep
		}
	}
	return x
}

// bestFirst maximises an objective by best-first branch and bound, starting
// from an incumbent (nil for none; a feasible incumbent is returned when
// nothing beats it). score maps a vector of utilities on the key grid to
// the objective and whether it is feasible; it must be monotone in every
// utility, so that scoring a box's upper bounds bounds its outcomes. The
// search stops with an error once *nodes passes limit.
func bestFirst(ctx context.Context, ps []Profile, bs []Bounder, nodes *int, limit int, inc Outcome, score func(k []float64) (float64, bool)) (Outcome, bool, error) {
	d := ps[0].Domain()
	k := make([]float64, len(bs))
	eval := func(b box) (float64, bool) {
		for p, bd := range bs {
			_, mx := bd.Bounds(b.lo, b.hi)
			k[p] = key(mx)
		}
		return score(k)
	}
	value := func(o Outcome) (float64, bool) {
		for p, prof := range ps {
			k[p] = key(prof.Utility(o))
		}
		return score(k)
	}
	h := &bfHeap{}
	root := fullBox(d)
	if v, ok := eval(root); ok {
		heap.Push(h, bfNode{root, v})
	}
	var best Outcome
	bestV := math.Inf(-1)
	if inc != nil {
		if v, ok := value(inc); ok {
			best, bestV = inc, v
		}
	}
	for h.Len() > 0 {
		nd := heap.Pop(h).(bfNode)
		if best != nil && nd.bound <= bestV {
			break
		}
		if *nodes++; *nodes > limit || cancelled(ctx, *nodes) {
			if err := ctxErr(ctx); err != nil {
				return nil, false, err
			}
			return nil, false, Errorf("domain %q: the search for an efficient acceptable outcome needs more than %d nodes; raise --max-nodes", d.Name, limit)
		}
		if nd.b.single() {
			o := Outcome(nd.b.lo)
			if v, ok := value(o); ok && (best == nil || v > bestV) {
				best, bestV = o, v
			}
			continue
		}
		l, r := nd.b.splitBy(bs)
		for _, c := range []box{l, r} {
			if v, ok := eval(c); ok && (best == nil || v > bestV) {
				heap.Push(h, bfNode{c, v})
			}
		}
	}
	return best, best != nil, nil
}
