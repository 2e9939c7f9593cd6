package engine

import (
	"container/heap"
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
	gainOf := func(o Outcome) float64 {
		g := math.Inf(1)
		for p, prof := range ps {
			g = math.Min(g, key(prof.Utility(o))-r[p])
		}
		return g
	}
	// A local search first: its result seeds step 1 and stands in for it
	// when the exact search is out of reach.
	start := localEgalitarian(d, gainOf)
	// Step 1: the largest least gain, on the key grid.
	x, ok, err := bestFirstFrom(d, bs, &nodes, maxNodes/10, start, gainOf(start),
		func(ub []float64) (float64, bool) {
			g := math.Inf(1)
			for p := range ub {
				g = math.Min(g, ub[p]-r[p])
			}
			return g, g >= 0
		},
		func(o Outcome) (float64, bool) {
			k := keys(o)
			g := math.Inf(1)
			for p := range k {
				g = math.Min(g, k[p]-r[p])
			}
			return g, g >= 0
		})
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
	sx := 0.0
	for _, k := range kx {
		sx += k
	}
	// x itself is the incumbent: only boxes that could beat its sum count.
	y, _, err := bestFirstInc(d, bs, &nodes, maxNodes, x, sx,
		func(ub []float64) (float64, bool) {
			s := 0.0
			for p := range ub {
				if ub[p] < kx[p] {
					return 0, false
				}
				s += ub[p]
			}
			return s, true
		},
		func(o Outcome) (float64, bool) {
			k := keys(o)
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
				better, strict := true, false
				for p := range k {
					if k[p] < kx[p] {
						better = false
						break
					}
					if k[p] > kx[p] {
						strict = true
					}
				}
				if better && strict {
					keep, kx, improved = v, k, true
				}
			}
			x[i] = keep
		}
	}
	return x
}

// bestFirstFrom is bestFirst with a known feasible outcome and its value
// as the incumbent.
func bestFirstFrom(d *Domain, bs []Bounder, nodes *int, maxNodes int, inc Outcome, incV float64,
	bound func(ub []float64) (float64, bool), value func(Outcome) (float64, bool)) (Outcome, bool, error) {
	limit := *nodes + maxNodes
	o, ok, err := bestFirstInc(d, bs, nodes, limit, inc, incV, bound, value)
	return o, ok, err
}

// bestFirstInc maximises an objective by best-first branch and bound,
// starting from an incumbent (nil for none); a feasible incumbent is
// returned when nothing beats it. bound maps the profiles' upper bounds
// over a box (on the key grid) to an upper bound of the objective and
// whether the box can hold a feasible outcome; value scores a single
// outcome and says whether it is feasible.
func bestFirstInc(d *Domain, bs []Bounder, nodes *int, maxNodes int, inc Outcome, incV float64,
	bound func(ub []float64) (float64, bool), value func(Outcome) (float64, bool)) (Outcome, bool, error) {
	ub := make([]float64, len(bs))
	eval := func(b box) (float64, bool) {
		for p, bd := range bs {
			_, mx := bd.Bounds(b.lo, b.hi)
			ub[p] = key(mx)
		}
		return bound(ub)
	}
	h := &bfHeap{}
	root := fullBox(d)
	if v, ok := eval(root); ok {
		heap.Push(h, bfNode{root, v})
	}
	best, bestV := inc, incV
	if best != nil {
		if _, ok := value(best); !ok {
			best, bestV = nil, math.Inf(-1)
		}
	}
	for h.Len() > 0 {
		nd := heap.Pop(h).(bfNode)
		if best != nil && nd.bound <= bestV {
			break
		}
		if *nodes++; *nodes > maxNodes {
			return nil, false, Errorf("domain %q: the search for an efficient acceptable outcome needs more than %d nodes; raise --max-nodes", d.Name, maxNodes)
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
