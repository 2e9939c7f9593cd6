package engine

import (
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

// Decomposer is a profile whose utility is a sum of factors, up to a
// scale and a cap: U(o) = min(1, Scale·Σ_f f(o)).
type Decomposer interface {
	// Decompose returns the factors and the scale, and false when the
	// utility is not such a sum (or its factors would be too large).
	Decompose() (fs []Factor, scale float64, ok bool)
}

var (
	_ Decomposer = (*Hyperrectangle)(nil)
	_ Decomposer = (*LinearAdditive)(nil)
)

// Decompose writes a linear additive profile as one factor per issue.
func (p *LinearAdditive) Decompose() ([]Factor, float64, bool) {
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
	if len(p.nodes) == 0 {
		return nil, 0, false
	}
	var fs []Factor
	var walk func(n int, w float64) bool
	walk = func(n int, w float64) bool {
		nd := &p.nodes[n]
		if nd.agg != AggSum {
			return false
		}
		for i := nd.rectLo; i < nd.rectHi; i++ {
			f, ok := p.rectFactor(&p.rects[i], w)
			if !ok {
				return false
			}
			fs = append(fs, f)
		}
		for _, k := range p.kids[nd.kidLo:nd.kidHi] {
			if !walk(int(k), w*p.nodes[k].weight) {
				return false
			}
		}
		return true
	}
	if !walk(0, 1) {
		return nil, 0, false
	}
	return fs, 1 / p.MaxUtility, true
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
	x, v, err := m.solve(maxNodes)
	if err != nil {
		return nil, 0, Errorf("domain %q: %v", d.Name, err)
	}
	return x, v, nil
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

type msProblem struct {
	d     *Domain
	n     int
	card  []int   // classes per issue
	rep   [][]int // rep[i][c]: a value index of class c of issue i
	konst float64 // sum of the factors without scope
	funcs []*msFunc
}

func newMSProblem(d *Domain, fs []Factor) *msProblem {
	n := len(d.Issues)
	m := &msProblem{d: d, n: n, card: make([]int, n), rep: make([][]int, n)}
	// Merge factors with equal scopes.
	byScope := map[string]*Factor{}
	var order []string
	for _, f := range fs {
		if len(f.Scope) == 0 {
			m.konst += f.Table[0]
			continue
		}
		k := scopeKey(f.Scope)
		g, ok := byScope[k]
		if !ok {
			g = &Factor{Scope: f.Scope, Table: make([]float64, len(f.Table))}
			byScope[k] = g
			order = append(order, k)
		}
		for i, x := range f.Table {
			g.Table[i] += x
		}
	}
	merged := make([]*Factor, len(order))
	for i, k := range order {
		merged[i] = byScope[k]
	}
	// Classes: values of an issue that every factor on it treats alike.
	classOf := make([][]int, n)
	for i := 0; i < n; i++ {
		nv := d.Issues[i].NumValues()
		sig := make([][]byte, nv)
		for _, f := range merged {
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
			}
			classOf[i][v] = c
		}
		m.card[i] = len(m.rep[i])
	}
	// Rewrite the factors over classes.
	for _, f := range merged {
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
		m.funcs = append(m.funcs, g)
	}
	return m
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
	for _, f := range m.funcs {
		for _, a := range f.scope {
			for _, b := range f.scope {
				if a != b {
					adj[a][b] = true
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

// solve eliminates variables by mini-buckets whose tables stay below a
// size limit, then searches depth first in the reverse order.
func (m *msProblem) solve(maxNodes int) (Outcome, float64, error) {
	order := m.eliminationOrder()
	n := m.n
	depth := make([]int, n) // search depth of each variable
	for k, v := range order {
		depth[v] = n - 1 - k
	}
	// Bigger mini-buckets bound better but cost memory and time; shrink
	// the limit until all messages fit in the total.
	const total = 1 << 23
	var adds, subs [][]msBucketFunc
	var root float64
	for limit := 1 << 18; ; limit /= 4 {
		var ok bool
		root = 0
		adds, subs, ok = m.miniBuckets(order, depth, limit, total, &root)
		if ok {
			break
		}
		if limit <= 1 {
			return nil, 0, Errorf("the mini-bucket bounds do not fit in memory")
		}
	}
	// Depth-first branch and bound.
	a := make([]int, n)
	best := make([]int, n)
	bestV := math.Inf(-1)
	nodes := 0
	var errOut error
	type child struct {
		c int
		f float64
	}
	kids := make([][]child, n)
	for p := range kids {
		kids[p] = make([]child, m.card[order[n-1-p]])
	}
	var dfs func(p int, f float64) bool
	dfs = func(p int, f float64) bool {
		if p == n {
			if f > bestV {
				bestV = f
				copy(best, a)
			}
			return true
		}
		v := order[n-1-p]
		ks := kids[p][:0]
		for c := 0; c < m.card[v]; c++ {
			ks = append(ks, child{c, f})
		}
		for _, bf := range adds[v] {
			base := bucketBase(bf, a, v)
			for i := range ks {
				ks[i].f += bf.f.table[base+ks[i].c*bf.stride]
			}
		}
		for _, bf := range subs[v] {
			base := bucketBase(bf, a, v)
			for i := range ks {
				ks[i].f -= bf.f.table[base+ks[i].c*bf.stride]
			}
		}
		sort.Slice(ks, func(i, j int) bool { return ks[i].f > ks[j].f })
		for _, k := range ks {
			if k.f <= bestV {
				break
			}
			if nodes++; nodes > maxNodes {
				errOut = Errorf("the exact search for the best outcome needs more than %d nodes", maxNodes)
				return false
			}
			a[v] = k.c
			if !dfs(p+1, k.f) {
				return false
			}
		}
		return true
	}
	dfs(0, m.konst+root)
	if errOut != nil {
		return nil, 0, errOut
	}
	o := make(Outcome, n)
	for i := range o {
		o[i] = m.rep[i][best[i]]
	}
	// The exact value, summed afresh rather than by the search's running
	// additions.
	val := m.konst
	for _, f := range m.funcs {
		val += f.table[f.index(best)]
	}
	return o, val, nil
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
func (m *msProblem) miniBuckets(order, depth []int, limit, total int, root *float64) (adds, subs [][]msBucketFunc, ok bool) {
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
	for _, f := range m.funcs {
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

// sweep calls fn with every assignment of scope (in a, by variable) and
// the sum of fs there.
func (m *msProblem) sweep(fs []*msFunc, scope []int, fn func(a []int, s float64)) {
	a := make([]int, m.n)
	size := m.tableSize(scope)
	for idx := 0; idx < size; idx++ {
		s := 0.0
		for _, f := range fs {
			s += f.table[f.index(a)]
		}
		fn(a, s)
		for k := len(scope) - 1; k >= 0; k-- {
			if a[scope[k]]++; a[scope[k]] < m.card[scope[k]] {
				break
			}
			a[scope[k]] = 0
		}
	}
}

// maxMarginal returns, for every class of v, the max of the sum of fs.
func (m *msProblem) maxMarginal(fs []*msFunc, scope []int, v int) []float64 {
	out := make([]float64, m.card[v])
	for i := range out {
		out[i] = math.Inf(-1)
	}
	m.sweep(fs, scope, func(a []int, s float64) {
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
	m.sweep(fs, scope, func(a []int, s float64) {
		if shift != nil {
			s += shift[a[v]]
		}
		if i := out.index(a); s > out.table[i] {
			out.table[i] = s
		}
	})
	return out
}
