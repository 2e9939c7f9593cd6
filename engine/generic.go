package engine

import (
	"container/heap"
	"context"
	"math"
	"math/big"
)

// Bounds returns the least and greatest utility over the box [lo, hi]
// (capped at 1 with Cap).
func (p *LinearAdditive) Bounds(lo, hi []int) (min, max float64) {
	for i := range lo {
		t := p.table[p.offsets[i]+lo[i] : p.offsets[i]+hi[i]+1]
		mn, mx := t[0], t[0]
		for _, x := range t[1:] {
			mn = math.Min(mn, x)
			mx = math.Max(mx, x)
		}
		min += mn
		max += mx
	}
	// The cap is monotone: capped bounds bound the capped utility.
	return p.capAt1(min), p.capAt1(max)
}

// genericFrontier finds the frontier of profiles that are not all linear
// additive: by one of the exact searches named by the Method constants
// (see Analyze) when every profile is a Bounder and a search finishes within opts.MaxNodes, by
// enumeration otherwise. It returns the Method that found the frontier.
func genericFrontier(ps []Profile, opts AnalyzeOptions) (*rawFrontier, string, error) {
	ctx := opts.Context
	n, k := len(ps), len(ps[0].Domain().Issues)
	if bs, ok := allBounders(ps); ok {
		var us [][]float64
		var os []Outcome
		method := MethodBox
		if n == 2 {
			// Box branch and bound finishes fast where it can; past a
			// small budget, the exact search over the profiles' parts
			// (when they are sums of small parts) reaches much larger
			// spaces, and only then does the box search get the rest.
			// Beyond boxFirstSize outcomes, sums go to the search over
			// their parts at once: the box search's small budget cost
			// 1.5-2.5 s there and never found a frontier in the corpus.
			first := min(opts.MaxNodes, 200_000)
			sums := isSum(ps[0]) && isSum(ps[1])
			ok = false
			if !sums || ps[0].Domain().SizeFloat() <= boxFirstSize {
				us, os, ok = boundFrontier2(ctx, ps, bs, first)
			}
			if !ok && sums && ctxErr(ctx) == nil {
				if isBoxSum(ps[0]) && isBoxSum(ps[1]) {
					method = MethodClique
					us, os, ok = cliqueFrontier2(ctx, ps, opts.MaxNodes)
				} else {
					method = MethodFactor
					us, os, ok = factorFrontier2(ctx, ps, opts.MaxNodes)
				}
			}
			if !ok && !sums && first < opts.MaxNodes && ctxErr(ctx) == nil {
				method = MethodBox
				us, os, ok = boundFrontier2(ctx, ps, bs, opts.MaxNodes)
			}
		} else {
			us, os, ok = boundFrontier(ctx, ps, bs, opts.MaxNodes)
		}
		if ok {
			return newRawFrontier(n, k, us, os), method, nil
		}
		if err := ctxErr(ctx); err != nil {
			return nil, "", err // stopped, not out of reach
		}
	}
	us, os, err := enumerateFrontier(ps, opts)
	if err != nil {
		if _, ok := allBounders(ps); ok && ctxErr(ctx) == nil {
			return nil, "", Errorf("domain %q has %.3g outcomes: branch and bound did not finish within %d nodes and that is too many outcomes to evaluate one by one (limit %.3g); raise --max-nodes (a few hundred bytes of memory each) or --max-enumerate",
				ps[0].Domain().Name, ps[0].Domain().SizeFloat(), opts.MaxNodes, opts.MaxEnumerate)
		}
		return nil, "", err
	}
	return newRawFrontier(n, k, us, os), MethodEnumerate, nil
}

// boxFirstSize is the largest outcome space where two sums of small parts
// try box branch and bound first (the 10^10-outcome domains of the corpus
// take it 15-130 ms).
const boxFirstSize = 1e15

func allBounders(ps []Profile) ([]Bounder, bool) {
	bs := make([]Bounder, len(ps))
	for i, p := range ps {
		b, ok := p.(Bounder)
		if !ok {
			return nil, false
		}
		bs[i] = b
	}
	return bs, true
}

// box is a node of the branch and bound: outcomes with lo[i] <= o[i] <= hi[i].
type box struct{ lo, hi []int }

func (b box) single() bool {
	for i := range b.lo {
		if b.lo[i] != b.hi[i] {
			return false
		}
	}
	return true
}

// splitBy halves the box along the issue the profiles' Splitters score
// highest, or the widest when none has a preference.
func (b box) splitBy(bs []Bounder) (box, box) {
	var score []float64
	for _, bd := range bs {
		if sp, ok := bd.(Splitter); ok {
			if score == nil {
				score = make([]float64, len(b.lo))
			}
			sp.SplitScores(b.lo, b.hi, score)
		}
	}
	at, best := -1, 0.0
	for i, s := range score {
		if s > best && b.hi[i] > b.lo[i] {
			at, best = i, s
		}
	}
	return b.splitAt(at)
}

// splitAt halves the box along issue at, or its widest issue when at < 0.
func (b box) splitAt(at int) (box, box) {
	if at < 0 {
		w := -1
		for i := range b.lo {
			if d := b.hi[i] - b.lo[i]; d > w {
				w, at = d, i
			}
		}
	}
	mid := (b.lo[at] + b.hi[at]) / 2
	l, r := b.clone(), b.clone()
	l.hi[at] = mid
	r.lo[at] = mid + 1
	return l, r
}

// clone copies the box into one allocation.
func (b box) clone() box {
	k := len(b.lo)
	buf := make([]int, 2*k)
	copy(buf, b.lo)
	copy(buf[k:], b.hi)
	return box{buf[:k:k], buf[k:]}
}

func fullBox(d *Domain) box {
	b := box{make([]int, len(d.Issues)), make([]int, len(d.Issues))}
	for i := range d.Issues {
		b.hi[i] = d.Issues[i].NumValues() - 1
	}
	return b
}

// archive is a set of mutually non-dominated points on the comparison grid.
type archive struct {
	keys [][]float64
	raw  [][]float64
	outs []Outcome
}

// covers reports whether some point weakly dominates k.
func (a *archive) covers(k []float64) bool {
	for _, q := range a.keys {
		if weaklyDominates(q, k) {
			return true
		}
	}
	return false
}

func (a *archive) insert(k, raw []float64, o Outcome) {
	if a.covers(k) {
		return
	}
	j := 0
	for i, q := range a.keys {
		if !weaklyDominates(k, q) {
			a.keys[j], a.raw[j], a.outs[j] = a.keys[i], a.raw[i], a.outs[i]
			j++
		}
	}
	a.keys, a.raw, a.outs = append(a.keys[:j], k), append(a.raw[:j], raw), append(a.outs[:j], o)
}

// boundFrontier is exact branch and bound over boxes of outcomes: a box
// whose upper-bound vector is weakly dominated by a known point cannot hold
// a new frontier point. It reports false when it runs out of nodes.
func boundFrontier(ctx context.Context, ps []Profile, bs []Bounder, maxNodes int) ([][]float64, []Outcome, bool) {
	d := ps[0].Domain()
	n := len(ps)
	var ar archive
	ub := func(b box) ([]float64, float64) {
		k := make([]float64, n)
		s := 0.0
		for p, bd := range bs {
			_, mx := bd.Bounds(b.lo, b.hi)
			k[p] = key(mx)
			s += mx
		}
		return k, s
	}
	type node struct {
		b box
		k []float64
	}
	root := fullBox(d)
	rk, _ := ub(root)
	stack := []node{{root, rk}}
	for nodes := 0; len(stack) > 0; nodes++ {
		if nodes > maxNodes || cancelled(ctx, nodes) {
			return nil, nil, false
		}
		nd := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if ar.covers(nd.k) {
			continue
		}
		if nd.b.single() {
			o := Outcome(nd.b.lo)
			raw := make([]float64, n)
			k := make([]float64, n)
			for p, prof := range ps {
				raw[p] = prof.Utility(o)
				k[p] = key(raw[p])
			}
			ar.insert(k, raw, o)
			continue
		}
		l, r := nd.b.splitBy(bs)
		lk, ls := ub(l)
		rk, rs := ub(r)
		// Depth first into the more promising half finds good points early.
		if ls >= rs {
			stack = append(stack, node{r, rk}, node{l, lk})
		} else {
			stack = append(stack, node{l, lk}, node{r, rk})
		}
	}
	return ar.raw, ar.outs, true
}

// enumerateFrontier evaluates every outcome, merging chunks into the
// frontier as it goes so memory stays bounded by the frontier's size.
func enumerateFrontier(ps []Profile, opts AnalyzeOptions) ([][]float64, []Outcome, error) {
	d := ps[0].Domain()
	total := d.SizeFloat()
	if total > opts.MaxEnumerate {
		return nil, nil, Errorf("domain %q has %.3g outcomes and profile %q can only be analysed by evaluating every outcome; that is more than the limit of %.3g (raise it with --max-enumerate if you can wait)",
			d.Name, total, firstNonBounder(ps).Name(), opts.MaxEnumerate)
	}
	n := len(ps)
	const chunk = 1 << 16
	front := &frontierSet{n: n}
	var ranks []Outcome // witness per candidate, indexed by parent
	cand := &frontierSet{n: n}
	flush := func() {
		all := &frontierSet{n: n}
		all.u = append(append(all.u, front.u...), cand.u...)
		all.parent = append(append(all.parent, front.parent...), cand.parent...)
		all.value = append(append(all.value, front.value...), cand.value...)
		front = nondominated(all, false)
		// Compact the witnesses to those still on the frontier.
		kept := make([]Outcome, front.size())
		for i := range kept {
			kept[i] = ranks[front.parent[i]]
			front.parent[i] = int32(i)
		}
		ranks = kept
		cand = &frontierSet{n: n}
	}
	o := make(Outcome, len(d.Issues))
	done := 0.0
	for {
		for _, p := range ps {
			cand.u = append(cand.u, p.Utility(o))
		}
		cand.parent = append(cand.parent, int32(len(ranks)))
		cand.value = append(cand.value, 0)
		ranks = append(ranks, o.Clone())
		if cand.size() == chunk {
			if err := ctxErr(opts.Context); err != nil {
				return nil, nil, err
			}
			flush()
			if front.size() > opts.MaxFrontier {
				return nil, nil, errFrontierCap(opts.MaxFrontier)
			}
		}
		done++
		if opts.Progress != nil && math.Mod(done, 1<<20) == 0 {
			opts.Progress(done, total)
		}
		if !next(d, o) {
			break
		}
	}
	flush()
	if opts.Progress != nil {
		opts.Progress(total, total)
	}
	us := make([][]float64, front.size())
	for i := range us {
		us[i] = append([]float64(nil), front.at(i)...)
	}
	return us, ranks, nil
}

func firstNonBounder(ps []Profile) Profile {
	for _, p := range ps {
		if _, ok := p.(Bounder); !ok {
			return p
		}
	}
	return ps[0]
}

// next advances o to the following outcome (last issue fastest) and reports
// false after the last one.
func next(d *Domain, o Outcome) bool {
	for i := len(o) - 1; i >= 0; i-- {
		o[i]++
		if o[i] < d.Issues[i].NumValues() {
			return true
		}
		o[i] = 0
	}
	return false
}

// countGeneric counts acceptable outcomes: over the classes of values of
// profiles that are sums of small parts (factorCount), or else by branch
// and bound on the profiles' bounds (a box is counted whole when every
// party's lower bound clears its reservation, skipped when one party's
// upper bound does not), falling back to enumeration. When the search
// over the classes runs out of nodes, the weaker ones would too: the
// count is then given up at once.
func countGeneric(ps []Profile, r []float64, opts AnalyzeOptions) (*big.Int, error) {
	d := ps[0].Domain()
	if c, ok, err := factorCount(opts.Context, ps, r, opts.MaxNodes); ok {
		if err != nil && d.SizeFloat() <= opts.MaxEnumerate && ctxErr(opts.Context) == nil {
			return countEnumerate(ps, r, opts)
		}
		if err != nil {
			return nil, Errorf("domain %q has %.3g outcomes: %v; raise --max-nodes if you can wait", d.Name, d.SizeFloat(), err)
		}
		return c, nil
	}
	if bs, ok := allBounders(ps); ok {
		if c, ok := boundCount(opts.Context, ps, bs, r, opts.MaxNodes); ok {
			return c, nil
		}
	}
	total := d.SizeFloat()
	if total > opts.MaxEnumerate {
		return nil, Errorf("domain %q has %.3g outcomes; counting the acceptable ones exactly needs branch and bound beyond %d nodes or every outcome evaluated, more than the limit of %.3g; raise --max-nodes or --max-enumerate if you can wait", d.Name, total, opts.MaxNodes, opts.MaxEnumerate)
	}
	return countEnumerate(ps, r, opts)
}

// countEnumerate counts acceptable outcomes by evaluating every one.
func countEnumerate(ps []Profile, r []float64, opts AnalyzeOptions) (*big.Int, error) {
	d := ps[0].Domain()
	o := make(Outcome, len(d.Issues))
	u := make([]float64, len(ps))
	var count int64
	for k := 1; ; k++ {
		if cancelled(opts.Context, k) {
			return nil, opts.Context.Err()
		}
		for p, prof := range ps {
			u[p] = prof.Utility(o)
		}
		if acceptable(u, r) {
			count++
		}
		if !next(d, o) {
			break
		}
	}
	return big.NewInt(count), nil
}

func boundCount(ctx context.Context, ps []Profile, bs []Bounder, r []float64, maxNodes int) (*big.Int, bool) {
	d := ps[0].Domain()
	count := new(big.Int)
	size := func(b box) *big.Int {
		s := big.NewInt(1)
		for i := range b.lo {
			s.Mul(s, big.NewInt(int64(b.hi[i]-b.lo[i]+1)))
		}
		return s
	}
	stack := []box{fullBox(d)}
	for nodes := 0; len(stack) > 0; nodes++ {
		if nodes > maxNodes || cancelled(ctx, nodes) {
			return nil, false
		}
		b := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		all, none := true, false
		for p, bd := range bs {
			mn, mx := bd.Bounds(b.lo, b.hi)
			if key(mx) < key(r[p]) {
				none = true
				break
			}
			if key(mn) < key(r[p]) {
				all = false
			}
		}
		switch {
		case none:
		case all:
			count.Add(count, size(b))
		case b.single():
			// Only reached when a Bounder's bounds are loose even for a
			// single outcome: decide by the utilities themselves.
			u := make([]float64, len(ps))
			for p, prof := range ps {
				u[p] = prof.Utility(Outcome(b.lo))
			}
			if acceptable(u, r) {
				count.Add(count, big.NewInt(1))
			}
		default:
			l, r := b.splitBy(bs)
			stack = append(stack, l, r)
		}
	}
	return count, true
}

// boundFrontier2 finds the two-party frontier by the ε-constraint method:
// the lexicographic maximum (u0, then u1) subject to u1 >= t is a frontier
// point, and raising t just past its u1 gives the next one, until no
// outcome is left. Each maximisation is a best-first branch and bound on
// single-objective bounds, which prune far better than bound vectors do.
// One search tree serves every step: raising t only removes outcomes, so
// the boxes and evaluated outcomes left over from one step are still valid
// for the next. It reports false when the search exceeds maxNodes.
func boundFrontier2(ctx context.Context, ps []Profile, bs []Bounder, maxNodes int) ([][]float64, []Outcome, bool) {
	d := ps[0].Domain()
	bound := func(b box) bbNode {
		_, m0 := bs[0].Bounds(b.lo, b.hi)
		_, m1 := bs[1].Bounds(b.lo, b.hi)
		return bbNode{b, key(m0), key(m1)}
	}
	type leaf struct {
		o      Outcome
		u      []float64
		k0, k1 float64
	}
	var leaves []leaf // evaluated outcomes not yet on the frontier
	h := &bbHeap{bound(fullBox(d))}
	nodes := 0
	var us [][]float64
	var os []Outcome
	t := math.Inf(-1) // on the key grid
	for {
		// The best evaluated outcome that still qualifies starts the search.
		best := -1
		kept := leaves[:0]
		for _, l := range leaves {
			if l.k1 < t {
				continue // never qualifies again: t only grows
			}
			kept = append(kept, l)
			if b := len(kept) - 1; best < 0 || l.k0 > kept[best].k0 || (l.k0 == kept[best].k0 && l.k1 > kept[best].k1) {
				best = b
			}
		}
		leaves = kept
		beats := func(a0, a1 float64) bool {
			return best < 0 || a0 > leaves[best].k0 || (a0 == leaves[best].k0 && a1 > leaves[best].k1)
		}
		for h.Len() > 0 {
			top := (*h)[0]
			if top.ub1 < t {
				heap.Pop(h) // nothing in it qualifies any more
				continue
			}
			if !beats(top.ub0, top.ub1) {
				break // the heap holds nothing better for this step
			}
			if nodes++; nodes > maxNodes || cancelled(ctx, nodes) {
				return nil, nil, false
			}
			heap.Pop(h)
			if top.b.single() {
				x := Outcome(top.b.lo)
				u := []float64{ps[0].Utility(x), ps[1].Utility(x)}
				if k0, k1 := key(u[0]), key(u[1]); k1 >= t {
					leaves = append(leaves, leaf{x, u, k0, k1})
					if beats(k0, k1) {
						best = len(leaves) - 1
					}
				}
				continue
			}
			l, r := top.b.splitBy(bs)
			for _, c := range []box{l, r} {
				if cn := bound(c); cn.ub1 >= t {
					heap.Push(h, cn)
				}
			}
		}
		if best < 0 {
			return us, os, true
		}
		us = append(us, leaves[best].u)
		os = append(os, leaves[best].o)
		t = leaves[best].k1 + 1
	}
}

// bbNode is a box with its upper bounds on the key grid.
type bbNode struct {
	b        box
	ub0, ub1 float64
}

// bbHeap orders nodes by (ub0, ub1) descending.
type bbHeap []bbNode

func (h bbHeap) Len() int { return len(h) }
func (h bbHeap) Less(i, j int) bool {
	return h[i].ub0 > h[j].ub0 || (h[i].ub0 == h[j].ub0 && h[i].ub1 > h[j].ub1)
}
func (h bbHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *bbHeap) Push(x any)   { *h = append(*h, x.(bbNode)) }
func (h *bbHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
