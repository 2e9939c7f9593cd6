package engine

import (
	"context"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Factor is one additive term of a utility function that depends on a few
// issues only.
type Factor struct {
	Scope []int     // issue positions, distinct and ascending
	Table []float64 // the term for every combination of the scope's value indices, the last issue fastest
}

// maxFactorTable caps the table of one factor of a decomposed profile.
const maxFactorTable = 1 << 16

var (
	_ Decomposer = (*Hyperrectangle)(nil)
	_ Decomposer = (*LinearAdditive)(nil)
)

// Decompose writes a linear additive profile as one factor per issue, with
// M = 1. A capped profile (Cap, as GENIUS evaluates) is always such a sum;
// an uncapped one only when it cannot exceed 1, as with weights that add up
// to 1.
func (p *LinearAdditive) Decompose() ([]Factor, float64, bool) {
	if _, ok := p.sumMax(); !ok {
		return nil, 0, false
	}
	fs := make([]Factor, len(p.Dom.Issues))
	for i := range fs {
		n := p.Dom.Issues[i].NumValues()
		fs[i] = Factor{Scope: []int{i}, Table: append([]float64(nil), p.table[p.offsets[i]:p.offsets[i]+n]...)}
	}
	return fs, 1, true
}

// Decompose writes a profile whose utility functions all sum (GENIUS's
// usual SUM aggregation) as one factor per hyperrectangle, over the issues
// the rectangle bounds. Min and max aggregations are not sums.
func (p *Hyperrectangle) Decompose() ([]Factor, float64, bool) {
	var fs []Factor
	if !p.sumRects(1, func(r *hrRect, w float64) bool {
		f, ok := p.rectFactor(r, w)
		fs = append(fs, f)
		return ok
	}) {
		return nil, 0, false
	}
	return fs, p.MaxUtility, true
}

// sumRects calls fn with every rectangle of p and the weight w times its
// nodes' weights give it, when p's utility is a sum of them (every node
// aggregates by SUM). It reports false when p is not such a sum, or as
// soon as fn does.
func (p *Hyperrectangle) sumRects(w float64, fn func(r *hrRect, w float64) bool) bool {
	if len(p.nodes) == 0 {
		return false
	}
	var walk func(n int, w float64) bool
	walk = func(n int, w float64) bool {
		nd := &p.nodes[n]
		if nd.agg != AggSum {
			return false
		}
		for i := nd.rectLo; i < nd.rectHi; i++ {
			if !fn(&p.rects[i], w) {
				return false
			}
		}
		for _, k := range p.kids[nd.kidLo:nd.kidHi] {
			if !walk(int(k), w*p.nodes[k].weight) {
				return false
			}
		}
		return true
	}
	return walk(0, w)
}

func (p *LinearAdditive) sumMax() (float64, bool) {
	if p.table == nil {
		return 0, false // not compiled
	}
	if p.Cap {
		return 1, true // U = min(1, F/1)
	}
	top := 0.0
	for i := range p.Dom.Issues {
		m := math.Inf(-1)
		for v := 0; v < p.Dom.Issues[i].NumValues(); v++ {
			m = math.Max(m, p.table[p.offsets[i]+v])
		}
		top += m
	}
	return 1, top <= 1+1e-12
}

// sumMax is MaxUtility when every utility function sums.
func (p *Hyperrectangle) sumMax() (float64, bool) {
	if len(p.nodes) == 0 {
		return 0, false
	}
	for _, nd := range p.nodes {
		if nd.agg != AggSum {
			return 0, false
		}
	}
	return p.MaxUtility, true
}

// rectFactor tabulates one rectangle's contribution (times w) over the
// issues it bounds.
func (p *Hyperrectangle) rectFactor(r *hrRect, w float64) (Factor, bool) {
	bs := p.bounds[r.boundLo:r.bndHi]
	var scope []int
	for _, b := range bs {
		scope = append(scope, int(b.issue))
	}
	sort.Ints(scope)
	scope = dedupInts(scope)
	size := 1
	for _, i := range scope {
		size *= p.Dom.Issues[i].NumValues()
		if size > maxFactorTable {
			return Factor{}, false
		}
	}
	u := r.u * w
	t := make([]float64, size)
	vals := make([]int, len(scope))
	o := make(Outcome, len(p.Dom.Issues))
	for idx := 0; idx < size; idx++ {
		for k, i := range scope {
			o[i] = vals[k]
		}
		if p.rectCovers(r, o) != r.exclusive {
			t[idx] = u
		}
		for k := len(scope) - 1; k >= 0; k-- {
			if vals[k]++; vals[k] < p.Dom.Issues[scope[k]].NumValues() {
				break
			}
			vals[k] = 0
		}
	}
	return Factor{Scope: scope, Table: t}, true
}

func dedupInts(a []int) []int {
	out := a[:0]
	for i, x := range a {
		if i == 0 || x != a[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// MaxSum finds an outcome of d that maximises Σ_f f(o) exactly, and the
// maximum. It compresses every issue to the classes of values that no
// factor tells apart, then runs a depth-first branch and bound whose
// bounds come from mini-bucket elimination (Kask and Dechter), so it
// handles dozens of issues whose factors each touch a few. It stops with an
// error after maxNodes search nodes.
func MaxSum(d *Domain, fs []Factor, maxNodes int) (Outcome, float64, error) {
	return maxSum(context.Background(), d, fs, maxNodes)
}

// maxSum is MaxSum, stopped with ctx's error once ctx is done.
func maxSum(ctx context.Context, d *Domain, fs []Factor, maxNodes int) (Outcome, float64, error) {
	if maxNodes <= 0 {
		maxNodes = DefaultMaxNodes
	}
	for _, f := range fs {
		size := 1
		for k, i := range f.Scope {
			if i < 0 || i >= len(d.Issues) || (k > 0 && i <= f.Scope[k-1]) {
				return nil, 0, Errorf("factor scope %v: issues must be distinct, ascending positions below %d", f.Scope, len(d.Issues))
			}
			size *= d.Issues[i].NumValues()
		}
		if len(f.Table) != size {
			return nil, 0, Errorf("factor over issues %v has %d entries; its issues have %d combinations", f.Scope, len(f.Table), size)
		}
	}
	m := newMSProblem(d, fs)
	s, err := m.prepare()
	if err != nil {
		return nil, 0, Errorf("domain %q: %v", d.Name, err)
	}
	s.ctx = ctx
	nodes := 0
	a, v, _, err := s.maximize(0, -1, 0, false, math.Inf(-1), nil, &nodes, maxNodes)
	if err != nil {
		return nil, 0, Errorf("domain %q: %v", d.Name, err)
	}
	return m.outcome(a), v, nil
}

// msFunc is a table over variables (class-compressed issues).
type msFunc struct {
	scope []int // variables, ascending
	card  []int // their class counts
	table []float64
}

func (f *msFunc) size() int { return len(f.table) }

// index of the entry for an assignment of every variable (by variable).
func (f *msFunc) index(a []int) int {
	idx := 0
	for k, v := range f.scope {
		idx = idx*f.card[k] + a[v]
	}
	return idx
}

// msProblem is one or more sums of factors (sets) over the same issues,
// each issue compressed to the classes of values no factor of any set
// tells apart.
type msProblem struct {
	d     *Domain
	n     int
	card  []int       // classes per issue
	rep   [][]int     // rep[i][c]: a value index of class c of issue i
	size  [][]int64   // size[i][c]: how many values class c of issue i has
	konst []float64   // per set, the sum of its factors without scope
	funcs [][]*msFunc // per set
}

func newMSProblem(d *Domain, sets ...[]Factor) *msProblem {
	n := len(d.Issues)
	m := &msProblem{d: d, n: n, card: make([]int, n), rep: make([][]int, n), size: make([][]int64, n), konst: make([]float64, len(sets)), funcs: make([][]*msFunc, len(sets))}
	// Merge factors with equal scopes, within each set.
	merged := make([][]*Factor, len(sets))
	for si, fs := range sets {
		byScope := map[string]*Factor{}
		for _, f := range fs {
			if len(f.Scope) == 0 {
				m.konst[si] += f.Table[0]
				continue
			}
			k := scopeKey(f.Scope)
			g, ok := byScope[k]
			if !ok {
				g = &Factor{Scope: f.Scope, Table: make([]float64, len(f.Table))}
				byScope[k] = g
				merged[si] = append(merged[si], g)
			}
			for i, x := range f.Table {
				g.Table[i] += x
			}
		}
	}
	var all []*Factor
	for _, ms := range merged {
		all = append(all, ms...)
	}
	// Classes: values of an issue that every factor on it treats alike.
	classOf := make([][]int, n)
	for i := 0; i < n; i++ {
		nv := d.Issues[i].NumValues()
		sig := make([][]byte, nv)
		for _, f := range all {
			pos := -1
			stride, outer := 1, 1
			for k, j := range f.Scope {
				if j == i {
					pos = k
				}
			}
			if pos < 0 {
				continue
			}
			for k := pos + 1; k < len(f.Scope); k++ {
				stride *= d.Issues[f.Scope[k]].NumValues()
			}
			outer = len(f.Table) / (stride * nv)
			for v := 0; v < nv; v++ {
				for o := 0; o < outer; o++ {
					base := o*stride*nv + v*stride
					for s := 0; s < stride; s++ {
						sig[v] = strconv.AppendUint(sig[v], math.Float64bits(f.Table[base+s]), 36)
						sig[v] = append(sig[v], ',')
					}
				}
			}
		}
		classOf[i] = make([]int, nv)
		seen := map[string]int{}
		for v := 0; v < nv; v++ {
			c, ok := seen[string(sig[v])]
			if !ok {
				c = len(m.rep[i])
				seen[string(sig[v])] = c
				m.rep[i] = append(m.rep[i], v)
				m.size[i] = append(m.size[i], 0)
			}
			m.size[i][c]++
			classOf[i][v] = c
		}
		m.card[i] = len(m.rep[i])
	}
	// Rewrite the factors over classes.
	for si := range merged {
		for _, f := range merged[si] {
			m.funcs[si] = append(m.funcs[si], m.compress(f))
		}
	}
	return m
}

// compress rewrites a factor over value classes.
func (m *msProblem) compress(f *Factor) *msFunc {
	d := m.d
	g := &msFunc{scope: f.Scope, card: make([]int, len(f.Scope))}
	size := 1
	for k, i := range f.Scope {
		g.card[k] = m.card[i]
		size *= m.card[i]
	}
	g.table = make([]float64, size)
	cls := make([]int, len(f.Scope))
	for idx := range g.table {
		// The representative values of this class combination.
		src := 0
		for k, i := range f.Scope {
			src = src*d.Issues[i].NumValues() + m.rep[i][cls[k]]
		}
		g.table[idx] = f.Table[src]
		for k := len(cls) - 1; k >= 0; k-- {
			if cls[k]++; cls[k] < g.card[k] {
				break
			}
			cls[k] = 0
		}
	}
	return g
}

func scopeKey(s []int) string {
	var b strings.Builder
	for _, i := range s {
		b.WriteString(strconv.Itoa(i))
		b.WriteByte(',')
	}
	return b.String()
}

// eliminationOrder is the min-fill order of the interaction graph (ties to
// the smaller table of neighbours).
func (m *msProblem) eliminationOrder() []int {
	n := m.n
	adj := make([]map[int]bool, n)
	for i := range adj {
		adj[i] = map[int]bool{}
	}
	for _, fs := range m.funcs {
		for _, f := range fs {
			for _, a := range f.scope {
				for _, b := range f.scope {
					if a != b {
						adj[a][b] = true
					}
				}
			}
		}
	}
	alive := make([]bool, n)
	for i := range alive {
		alive[i] = true
	}
	order := make([]int, 0, n)
	for len(order) < n {
		best, bestFill, bestSize := -1, math.MaxInt, math.Inf(1)
		for v := 0; v < n; v++ {
			if !alive[v] {
				continue
			}
			var nb []int
			size := 1.0
			for u := range adj[v] {
				if alive[u] {
					nb = append(nb, u)
					size *= float64(m.card[u])
				}
			}
			fill := 0
			for i := range nb {
				for j := i + 1; j < len(nb); j++ {
					if !adj[nb[i]][nb[j]] {
						fill++
					}
				}
			}
			if fill < bestFill || (fill == bestFill && size < bestSize) {
				best, bestFill, bestSize = v, fill, size
			}
		}
		for u := range adj[best] {
			if !alive[u] {
				continue
			}
			for w := range adj[best] {
				if alive[w] && w != u {
					adj[u][w] = true
				}
			}
		}
		alive[best] = false
		order = append(order, best)
	}
	return order
}

// msBucketFunc is a function evaluated when the search assigns a variable.
type msBucketFunc struct {
	f      *msFunc
	stride int // of the variable being assigned in f's table
}

// msSearch is a problem prepared for search: the search order and, per
// set, the mini-bucket bounds.
type msSearch struct {
	m          *msProblem
	order      []int              // elimination order; the search assigns it backwards
	depth      []int              // search depth of each variable
	adds, subs [][][]msBucketFunc // [set][variable]
	root       []float64          // [set]
	ctx        context.Context    // nil: never cancelled
}

// prepare eliminates variables by mini-buckets whose tables stay below a
// size limit, for every set along one order.
func (m *msProblem) prepare() (*msSearch, error) {
	s := &msSearch{m: m, order: m.eliminationOrder()}
	n := m.n
	depth := make([]int, n)
	for k, v := range s.order {
		depth[v] = n - 1 - k
	}
	s.depth = depth
	sets := len(m.funcs)
	s.adds, s.subs, s.root = make([][][]msBucketFunc, sets), make([][][]msBucketFunc, sets), make([]float64, sets)
	// Bigger mini-buckets bound better but cost memory and time; shrink
	// the limit until all messages fit in the total.
	total := (1 << 23) / sets
	for set := range m.funcs {
		for limit := 1 << 18; ; limit /= 4 {
			var ok bool
			s.root[set] = 0
			s.adds[set], s.subs[set], ok = m.miniBuckets(set, s.order, depth, limit, total, &s.root[set])
			if ok {
				break
			}
			if limit <= 1 {
				return nil, Errorf("the mini-bucket bounds do not fit in memory")
			}
		}
	}
	return s, nil
}

// value is the exact sum of set at an assignment of classes.
func (m *msProblem) value(set int, a []int) float64 {
	v := m.konst[set]
	for _, f := range m.funcs[set] {
		v += f.table[f.index(a)]
	}
	return v
}

// outcome turns an assignment of classes into an outcome.
func (m *msProblem) outcome(a []int) Outcome {
	o := make(Outcome, m.n)
	for i := range o {
		o[i] = m.rep[i][a[i]]
	}
	return o
}

// A lagrangian bounds the objective of a constrained search by
// scale·h + offset, where h bounds another set: for max F_a subject to
// F_b >= t, the set F_a + λ·F_b gives F_a <= h − λ·t on every outcome that
// qualifies (scale 1, offset −λt). With λ near the frontier's slope this
// bound is far tighter than F_a's own.
type lagrangian struct {
	set           int
	scale, offset float64
}

// maximize finds, depth first, an assignment that maximises set obj,
// subject (when con >= 0) to set con being >= t (> t when strict), the
// objective bounded by its own bounds and by every lagrangian. floor is a
// value of the objective known to be reached (−Inf: none): it prunes from
// the start, and maximize reports false when no assignment qualifies and
// beats it. It returns an error once *nodes passes maxNodes.
func (s *msSearch) maximize(obj, con int, t float64, strict bool, floor float64, lag []lagrangian, nodes *int, maxNodes int) ([]int, float64, bool, error) {
	m, n := s.m, s.m.n
	a := make([]int, n)
	best := make([]int, n)
	bestV := floor
	found := false
	var errOut error
	// The sets whose bounds the search tracks: obj, con, the lagrangians'.
	tr := []int{obj, con}
	for _, l := range lag {
		tr = append(tr, l.set)
	}
	T := len(tr)
	vals := make([][]float64, n) // per depth: T bounds per class
	eff := make([][]float64, n)  // per depth: the objective's bound per class
	idx := make([][]int, n)      // per depth: classes in search order
	for p := range vals {
		c := m.card[s.order[n-1-p]]
		vals[p], eff[p], idx[p] = make([]float64, c*T), make([]float64, c), make([]int, c)
	}
	fails := func(g float64) bool {
		return con >= 0 && (g < t || (strict && g <= t))
	}
	// The running bounds add and subtract in another order than value
	// sums, so a bound may fall a rounding error short of the value it
	// bounds: prune on the constraint only clearly below t (leaves are
	// then checked exactly).
	tol := 1e-9 * (1 + math.Abs(t))
	boundFails := func(g float64) bool { return con >= 0 && g < t-tol }
	var dfs func(p int, cur []float64) bool
	dfs = func(p int, cur []float64) bool {
		if p == n {
			// Exact sums, not the search's running ones.
			if con >= 0 && fails(m.value(con, a)) {
				return true
			}
			if v := m.value(obj, a); v > bestV {
				bestV, found = v, true
				copy(best, a)
			}
			return true
		}
		v := s.order[n-1-p]
		card := m.card[v]
		vs := vals[p]
		s.bounds(v, a, tr, cur, vs)
		e, order := eff[p], idx[p]
		for c := 0; c < card; c++ {
			e[c] = vs[c*T]
			for k, l := range lag {
				e[c] = math.Min(e[c], l.scale*vs[c*T+2+k]+l.offset)
			}
			order[c] = c
		}
		// Insertion sort, best bound first: a handful of classes, and
		// sort.Slice would allocate at every node.
		for i := 1; i < card; i++ {
			for j := i; j > 0 && e[order[j]] > e[order[j-1]]; j-- {
				order[j], order[j-1] = order[j-1], order[j]
			}
		}
		for _, c := range order {
			if e[c] <= bestV {
				break
			}
			if boundFails(vs[c*T+1]) {
				continue
			}
			if *nodes++; *nodes > maxNodes || cancelled(s.ctx, *nodes) {
				if err := ctxErr(s.ctx); err != nil {
					errOut = err
					return false
				}
				errOut = Errorf("the exact search for the best outcome needs more than %d nodes", maxNodes)
				return false
			}
			a[v] = c
			if !dfs(p+1, vs[c*T:c*T+T]) {
				return false
			}
		}
		return true
	}
	start := make([]float64, T)
	for k, set := range tr {
		if set >= 0 {
			start[k] = m.konst[set] + s.root[set]
		}
	}
	dfs(0, start)
	if errOut != nil {
		return nil, 0, false, errOut
	}
	return best, bestV, found, nil
}

// bounds sets vs[c·T+k], for every class c of variable v and each of the
// T = len(tr) sets tr[k] (none where tr[k] < 0), to the bound cur[k] of
// the search's node updated for v = c: the set's functions that v
// completes added, the messages that bounded them subtracted. a holds the
// classes of the variables assigned before v.
func (s *msSearch) bounds(v int, a []int, tr []int, cur, vs []float64) {
	T := len(tr)
	card := s.m.card[v]
	for c := 0; c < card; c++ {
		copy(vs[c*T:c*T+T], cur)
	}
	for k, set := range tr {
		if set < 0 {
			continue
		}
		for _, bf := range s.adds[set][v] {
			base := bucketBase(bf, a, v)
			for c := 0; c < card; c++ {
				vs[c*T+k] += bf.f.table[base+c*bf.stride]
			}
		}
		for _, bf := range s.subs[set][v] {
			base := bucketBase(bf, a, v)
			for c := 0; c < card; c++ {
				vs[c*T+k] -= bf.f.table[base+c*bf.stride]
			}
		}
	}
}

// addCombined adds the set w0·(set a) + w1·(set b) with its mini-bucket
// bounds (mini-buckets of at most limit entries, fewer when they do not
// fit), and returns its index.
func (s *msSearch) addCombined(a int, w0 float64, b int, w1 float64, limit int) (int, error) {
	m := s.m
	var fs []*msFunc
	for _, x := range []struct {
		set int
		w   float64
	}{{a, w0}, {b, w1}} {
		for _, f := range m.funcs[x.set] {
			g := &msFunc{scope: f.scope, card: f.card, table: make([]float64, len(f.table))}
			for i, v := range f.table {
				g.table[i] = v * x.w
			}
			fs = append(fs, g)
		}
	}
	set := len(m.funcs)
	m.funcs = append(m.funcs, fs)
	m.konst = append(m.konst, w0*m.konst[a]+w1*m.konst[b])
	var root float64
	for ; ; limit /= 4 {
		adds, subs, ok := m.miniBuckets(set, s.order, s.depth, limit, 1<<20, &root)
		if ok {
			s.adds, s.subs, s.root = append(s.adds, adds), append(s.subs, subs), append(s.root, root)
			return set, nil
		}
		root = 0
		if limit <= 1 {
			m.funcs, m.konst = m.funcs[:set], m.konst[:set]
			return 0, Errorf("the mini-bucket bounds do not fit in memory")
		}
	}
}

func bucketBase(bf msBucketFunc, a []int, v int) int {
	idx := 0
	for k, u := range bf.f.scope {
		x := a[u]
		if u == v {
			x = 0
		}
		idx = idx*bf.f.card[k] + x
	}
	return idx
}

// miniBuckets runs mini-bucket elimination along order with mini-buckets
// whose tables have at most limit entries. It returns, per variable, the
// functions to add and the messages to subtract when the search assigns it,
// or false when the messages together exceed total entries.
func (m *msProblem) miniBuckets(set int, order, depth []int, limit, total int, root *float64) (adds, subs [][]msBucketFunc, ok bool) {
	n := m.n
	bucket := make([][]*msFunc, n)
	// A function lives in the bucket of its deepest variable.
	place := func(f *msFunc) int {
		v := f.scope[0]
		for _, u := range f.scope {
			if depth[u] > depth[v] {
				v = u
			}
		}
		return v
	}
	for _, f := range m.funcs[set] {
		v := place(f)
		bucket[v] = append(bucket[v], f)
	}
	adds = make([][]msBucketFunc, n)
	subs = make([][]msBucketFunc, n)
	used := 0
	for _, v := range order {
		fs := bucket[v]
		for _, f := range fs {
			adds[v] = append(adds[v], msBucketFunc{f, strideOf(f, v)})
		}
		// Partition into mini-buckets: largest scopes first, first fit.
		sorted := append([]*msFunc(nil), fs...)
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].size() > sorted[j].size() })
		var minis [][]*msFunc
		var scopes [][]int
		for _, f := range sorted {
			placed := false
			for i := range minis {
				s := unionInts(scopes[i], f.scope)
				if m.tableSize(s) <= limit {
					minis[i] = append(minis[i], f)
					scopes[i] = s
					placed = true
					break
				}
			}
			if !placed {
				minis = append(minis, []*msFunc{f})
				scopes = append(scopes, f.scope)
			}
		}
		// Moment matching (Ihler et al.): shift each mini-bucket by a
		// function of v so that all have the same max-marginal on v. The
		// shifts sum to zero, so the bound stays a bound, and it tightens.
		shifts := make([][]float64, len(minis))
		if len(minis) > 1 {
			gamma := make([]float64, m.card[v])
			for i, q := range minis {
				shifts[i] = m.maxMarginal(q, scopes[i], v)
				for x, l := range shifts[i] {
					gamma[x] += l / float64(len(minis))
				}
			}
			for i := range shifts {
				for x := range shifts[i] {
					shifts[i][x] = gamma[x] - shifts[i][x]
				}
			}
		}
		for i, q := range minis {
			msg := m.eliminate(q, scopes[i], v, shifts[i])
			used += msg.size()
			if used > total {
				return nil, nil, false
			}
			subs[v] = append(subs[v], msBucketFunc{msg, 0})
			if len(msg.scope) == 0 {
				// A constant bound counts from the root on.
				*root += msg.table[0]
				continue
			}
			u := place(msg)
			bucket[u] = append(bucket[u], msg)
		}
	}
	// The subtracted messages are evaluated when v is assigned, at the
	// deepest of their own variables, which is shallower than v: their
	// stride is that of no variable (every variable is assigned).
	return adds, subs, true
}

func strideOf(f *msFunc, v int) int {
	s := 1
	for k := len(f.scope) - 1; k >= 0; k-- {
		if f.scope[k] == v {
			return s
		}
		s *= f.card[k]
	}
	return 0
}

func (m *msProblem) tableSize(s []int) int {
	size := 1
	for _, v := range s {
		size *= m.card[v]
		if size > 1<<30 {
			return size
		}
	}
	return size
}

func unionInts(a, b []int) []int {
	out := make([]int, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			out = append(out, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// sweep calls fn with every assignment of scope (in a, by variable), the
// sum of fs there and the index of out's entry for it (out may be nil).
// It walks the assignments as an odometer, the last variable fastest, and
// moves every table's index by strides instead of recomputing it.
func (m *msProblem) sweep(fs []*msFunc, scope []int, out *msFunc, fn func(a []int, s float64, oi int)) {
	a := make([]int, m.n)
	size := m.tableSize(scope)
	k := len(scope)
	tabs := fs
	if out != nil {
		tabs = append(fs[:len(fs):len(fs)], out)
	}
	nt := len(tabs)
	// st[j*nt+f]: how far table f's index moves when scope[j] rises by 1.
	st := make([]int, k*nt)
	for f, t := range tabs {
		stride := 1
		for q := len(t.scope) - 1; q >= 0; q-- {
			for j, v := range scope {
				if v == t.scope[q] {
					st[j*nt+f] = stride
				}
			}
			stride *= t.card[q]
		}
	}
	idx := make([]int, nt)
	for range size {
		s := 0.0
		for f, t := range fs {
			s += t.table[idx[f]]
		}
		oi := 0
		if out != nil {
			oi = idx[nt-1]
		}
		fn(a, s, oi)
		for j := k - 1; j >= 0; j-- {
			v := scope[j]
			row := st[j*nt : j*nt+nt]
			if a[v]++; a[v] < m.card[v] {
				for f, d := range row {
					idx[f] += d
				}
				break
			}
			back := m.card[v] - 1
			a[v] = 0
			for f, d := range row {
				idx[f] -= back * d
			}
		}
	}
}

// maxMarginal returns, for every class of v, the max of the sum of fs.
func (m *msProblem) maxMarginal(fs []*msFunc, scope []int, v int) []float64 {
	out := make([]float64, m.card[v])
	for i := range out {
		out[i] = math.Inf(-1)
	}
	m.sweep(fs, scope, nil, func(a []int, s float64, _ int) {
		if s > out[a[v]] {
			out[a[v]] = s
		}
	})
	return out
}

// eliminate returns max over v of the sum of fs and shift (a function of
// v, or nil), a function of scope minus v (a constant when that is empty).
func (m *msProblem) eliminate(fs []*msFunc, scope []int, v int, shift []float64) *msFunc {
	var rest []int
	for _, u := range scope {
		if u != v {
			rest = append(rest, u)
		}
	}
	out := &msFunc{scope: rest, card: make([]int, len(rest))}
	for k, u := range rest {
		out.card[k] = m.card[u]
	}
	out.table = make([]float64, m.tableSize(rest))
	for i := range out.table {
		out.table[i] = math.Inf(-1)
	}
	m.sweep(fs, scope, out, func(a []int, s float64, i int) {
		if shift != nil {
			s += shift[a[v]]
		}
		if s > out.table[i] {
			out.table[i] = s
		}
	})
	return out
}

// release frees a set's tables; its index is not reused.
func (s *msSearch) release(set int) {
	s.m.funcs[set] = nil
	s.adds[set], s.subs[set] = nil, nil
}

// dropLast removes the set added last.
func (s *msSearch) dropLast() {
	k := len(s.m.funcs) - 1
	s.m.funcs, s.m.konst = s.m.funcs[:k], s.m.konst[:k]
	s.adds, s.subs, s.root = s.adds[:k], s.subs[:k], s.root[:k]
}
