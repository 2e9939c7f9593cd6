package engine

import (
	"cmp"
	"math"
	"slices"
)

// solveRun is one exact search: the best feasible outcome by one objective.
//
// The search is depth first over the issues, one issue a level, so memory
// is O(issues × rows). A node is pruned when a row's upper bound falls
// below its threshold, or when a bound on the objective falls below the
// incumbent's. For linear additive profiles the objective bound comes from
// a Lagrangian relaxation: for weights ow_p > 0 on the parties' gains g_p
// and μ_j >= 0 on the rows' slacks h_j = u_j − t_j, every feasible outcome
// has Σ ow_p·g_p <= Σ ow_p·g_p + Σ μ_j·h_j, whose maximum over a node is
// separable (a sum of per-issue maxima). Then
//
//   - Nash: Π g_p <= (Σ ow_p g_p / n)^n / Π ow_p (AM–GM);
//   - egalitarian (Σ ow = 1): min g_p <= Σ ow_p g_p;
//   - Kalai–Smorodinsky (ow_p = λ_p/span_p, Σ λ = 1): min g_p/span_p <= Σ ow_p g_p;
//   - a sum Σ coef_p g_p is its own bound.
//
// Any weights give valid bounds; the weights that make the root's bound
// least (the dual of the convex relaxation over the hull of the outcomes)
// are found by the ellipsoid method, whose oracle is the same separable
// maximum. Leaves are evaluated with the profiles' own Utility and compared
// exactly on the key grid; bounds are computed in floats with a margin
// that covers the rounding of both.
//
// Ties (many outcomes with the same utilities, as integer-valued profiles
// have) are pruned by exact bounds: each party's key is bounded by an
// integer, and the objective of those bounds, their sum and the vector
// itself are compared with the incumbent's as the leaves are (beaten).
// Searches that need only the best value (an ideal point, Assess) skip
// ties altogether, and on utilities that are multiples of a power of two
// ask the weighted bound for a whole step of that grid.
type solveRun struct {
	s    *solveSearch
	kind objKind
	coef []float64 // objLinear: 0/1 per party
	span []int64   // objKS: ideal − reservation per party, keys
	stop func(*solveLeaf) bool

	best *solveLeaf
	incF float64
	done bool

	rf, tf []float64 // reservations and thresholds as floats (from keys)

	// Linear bounds.
	ow, mu   []float64
	w        []float64 // per row: ow + μ
	wconst   float64   // Σ ow_p r_p + Σ μ_j t_j
	sumLogOw float64
	order    []int
	vorder   [][]int
	score    []float64 // Σ_j w_j·c_j by issue offset
	sufW     []float64 // by depth
	sufMax   []float64 // by depth × row
	slack    []float64 // per row
	slackW   float64
	part     []float64 // partial sums by depth × row
	wpart    []float64 // partial weighted sums by depth

	o      Outcome
	lo, hi []int // box method

	idx, cnt           []int
	progOff, progScale float64

	// valueOnly: only the objective's value is wanted (an ideal point, an
	// existence check), so ties need not be explored.
	valueOnly bool
	ub        solveLeaf // the node's key bounds, for beaten
	leaf      solveLeaf // scratch for evaluating leaves
	// step is how much better than the incumbent a leaf must be to count
	// (valueOnly on a value grid), less the keys' rounding; else 0.
	step float64
	err  []float64 // per row: rounding bound of the float sums
}

// run searches for the best feasible leaf by one objective. progOff and
// progScale place its progress within the whole Solve.
func (s *solveSearch) run(kind objKind, coef []float64, span []int64, stop func(*solveLeaf) bool, progOff, progScale float64) (*solveRun, error) {
	r := &solveRun{s: s, kind: kind, coef: coef, span: span, stop: stop, incF: math.Inf(-1), progOff: progOff, progScale: progScale}
	r.valueOnly = kind == objLinear
	if kind == objWelfare {
		// A weighted sum with every weight 1, whose ties matter.
		r.coef = make([]float64, s.n)
		for q := range r.coef {
			r.coef[q] = 1
		}
	}
	r.ub.k = make([]int64, s.nr)
	r.leaf.k = make([]int64, s.nr)
	r.o = make(Outcome, s.k)
	r.idx = make([]int, s.k)
	r.cnt = make([]int, s.k)
	r.rf = make([]float64, s.nr)
	r.tf = make([]float64, s.nr)
	for j := range s.profs {
		r.rf[j] = float64(s.rk[j]) / precisionScale
		r.tf[j] = float64(s.tk[j]) / precisionScale
	}
	for i := range s.vals {
		if len(s.vals[i]) == 0 {
			return r, nil // an issue with no allowed value: nothing is feasible
		}
	}
	r.order = make([]int, s.k)
	for i := range r.order {
		r.order[i] = i
	}
	r.vorder = s.vals
	switch s.method {
	case methodLinear:
		if err := r.prepareLinear(); err != nil {
			return nil, err
		}
		if r.done {
			return r, nil
		}
	case methodBox:
		r.lo, r.hi = make([]int, s.k), make([]int, s.k)
		for i := range r.hi {
			r.hi[i] = s.dom.Issues[i].NumValues() - 1
		}
	}
	if err := r.dfs(0); err != nil {
		return nil, err
	}
	return r, nil
}

// consider offers an evaluated outcome as the incumbent.
func (r *solveRun) consider(l *solveLeaf) {
	if !r.s.feasible(l) {
		return
	}
	if r.best == nil || r.better(l, r.best) {
		// l may be scratch space: keep a copy.
		l = &solveLeaf{o: l.o.Clone(), k: slices.Clone(l.k), sum: l.sum}
		r.best = l
		r.incF = r.objFloat(l)
		if r.stop != nil && r.stop(l) {
			r.done = true
		}
	}
}

func (r *solveRun) dfs(d int) error {
	s := r.s
	if d == s.k {
		if err := s.evalInto(&r.leaf, r.o); err != nil {
			return err
		}
		r.consider(&r.leaf)
		return nil
	}
	i := r.order[d]
	vs := r.vorder[i]
	r.cnt[d] = len(vs)
	for ci, v := range vs {
		s.nodes++
		if s.nodes&s.checkMask == 0 {
			if err := s.ctx.Err(); err != nil {
				return err
			}
			if s.progress != nil && s.nodes&(1<<16-1) == 0 {
				s.progress(r.fraction(d)*s.size, s.size)
			}
		}
		if s.nodes > s.maxNodes {
			return Errorf("the exact search did not finish within its budget of %d nodes on domain %q (%.3g outcomes); raise the node budget or narrow the problem", s.maxNodes, s.dom.Name, s.size)
		}
		r.idx[d] = ci
		r.o[i] = v
		prune, rest := r.prune(d, i, v)
		if rest {
			break
		}
		if prune {
			continue
		}
		if err := r.dfs(d + 1); err != nil {
			return err
		}
		if r.done {
			return nil
		}
	}
	if s.method == methodBox {
		r.lo[i], r.hi[i] = 0, s.dom.Issues[i].NumValues()-1
	}
	return nil
}

// fraction estimates the part of this run's tree already settled.
func (r *solveRun) fraction(d int) float64 {
	f, w := 0.0, 1.0
	for e := 0; e <= d; e++ {
		if r.cnt[e] == 0 {
			break
		}
		f += w * float64(r.idx[e]) / float64(r.cnt[e])
		w /= float64(r.cnt[e])
	}
	return r.progOff + r.progScale*f
}

// prune decides the child that sets issue i (at depth d) to v: prune it,
// or (rest) prune it and every later sibling.
func (r *solveRun) prune(d, i, v int) (prune, rest bool) {
	s := r.s
	switch s.method {
	case methodLinear:
		prev := r.part[d*s.nr : (d+1)*s.nr]
		cur := r.part[(d+1)*s.nr : (d+2)*s.nr]
		suf := r.sufMax[(d+1)*s.nr : (d+2)*s.nr]
		at := s.off[i] + v
		wp := r.wpart[d] + r.score[at]
		r.wpart[d+1] = wp
		ws := wp + r.sufW[d+1] - r.wconst + r.slackW
		if ws < 0 {
			return true, true // no feasible outcome below this or any later sibling
		}
		if r.best != nil && r.boundWS(ws) < r.incF+r.step-r.tol() {
			return true, true // siblings come in decreasing weighted score
		}
		for j := 0; j < s.nr; j++ {
			cur[j] = prev[j] + s.contr[j][at]
			if cur[j]+suf[j]+r.slack[j] < r.tf[j] {
				return true, false
			}
		}
		if r.best != nil {
			for q := 0; q < s.n; q++ {
				r.ub.k[q] = r.keyBound(cur[q]+suf[q], r.err[q])
			}
			return r.beaten(), false
		}
	case methodBox:
		r.lo[i], r.hi[i] = v, v
		for j, b := range s.bnd {
			_, mx := b.Bounds(r.lo, r.hi)
			// A Bounder's arithmetic may differ from its Utility's.
			mx += 1e-9 * (1 + math.Abs(mx))
			if mx < r.tf[j] {
				return true, false
			}
			if j < s.n {
				r.ub.k[j] = r.keyBound(mx, 0)
			}
		}
		if r.best != nil {
			return r.beaten(), false
		}
	}
	return false, false
}

func (r *solveRun) tol() float64 { return 1e-11 * max(1, math.Abs(r.incF)) }

// boundWS bounds the objective from the node's weighted maximum.
func (r *solveRun) boundWS(ws float64) float64 {
	switch r.kind {
	case objNash:
		if ws <= 0 {
			return math.Inf(-1)
		}
		n := float64(r.s.n)
		return n*math.Log(ws/n) - r.sumLogOw
	case objKS:
		return min(1, ws)
	}
	return ws
}

// keyBound returns an upper bound on the key of any leaf whose utility's
// float upper bound is ub, err bounding the rounding of the sums involved.
func (r *solveRun) keyBound(ub, err float64) int64 {
	x := math.Floor((ub+err)*precisionScale + 0.5)
	if x > math.MaxInt64/4 {
		return math.MaxInt64 / 4
	}
	return int64(x)
}

// beaten reports whether no leaf under the node whose parties' keys are
// bounded by r.ub.k can beat the incumbent: exactly, on the key grid, by
// the objective (which is monotone in every party's utility), then the sum,
// then the utility vector. This is what prunes the subtrees of ties.
func (r *solveRun) beaten() bool {
	s := r.s
	ub := &r.ub
	ub.sum = 0
	for q := 0; q < s.n; q++ {
		if ub.k[q] < s.tk[q] {
			return true
		}
		ub.sum += ub.k[q]
	}
	c := r.cmpObjective(ub, r.best)
	switch {
	case c < 0:
		return true
	case c > 0:
		return false
	case r.valueOnly:
		return true
	}
	if ub.sum != r.best.sum {
		return ub.sum < r.best.sum
	}
	// Only the bound's own vector could reach this sum.
	for q := 0; q < s.n; q++ {
		if ub.k[q] != r.best.k[q] {
			return ub.k[q] < r.best.k[q]
		}
	}
	return true
}

// prepareLinear finds the weights, orders issues and values, builds the
// suffix tables and seeds the incumbent.
func (r *solveRun) prepareLinear() error {
	s := r.s
	if err := r.dual(); err != nil {
		return err
	}
	if r.done {
		return nil
	}
	// Scores and issue order: the issues the weighted score tells apart
	// most come first.
	r.score = make([]float64, s.off[s.k])
	for j := range r.w {
		if r.w[j] == 0 {
			continue
		}
		for x, c := range s.contr[j] {
			r.score[x] += r.w[j] * c
		}
	}
	spread := make([]float64, s.k)
	r.vorder = make([][]int, s.k)
	for i := range s.vals {
		vs := slices.Clone(s.vals[i])
		slices.SortStableFunc(vs, func(a, b int) int { return cmp.Compare(r.score[s.off[i]+b], r.score[s.off[i]+a]) })
		r.vorder[i] = vs
		spread[i] = r.score[s.off[i]+vs[0]] - r.score[s.off[i]+vs[len(vs)-1]]
	}
	slices.SortStableFunc(r.order, func(a, b int) int { return cmp.Compare(spread[b], spread[a]) })
	r.sufW = make([]float64, s.k+1)
	r.sufMax = make([]float64, (s.k+1)*s.nr)
	absW := 0.0
	for d := s.k - 1; d >= 0; d-- {
		i := r.order[d]
		r.sufW[d] = r.sufW[d+1] + r.score[s.off[i]+r.vorder[i][0]]
		absW += math.Abs(r.score[s.off[i]+r.vorder[i][0]])
		for j := 0; j < s.nr; j++ {
			m := math.Inf(-1)
			for _, v := range s.vals[i] {
				m = max(m, s.contr[j][s.off[i]+v])
			}
			r.sufMax[d*s.nr+j] = r.sufMax[(d+1)*s.nr+j] + m
		}
	}
	// Margins: a leaf's key exceeds its exact utility·10^12 by at most 1/2,
	// and float sums of k terms err by at most k·2^-53 of their magnitude.
	kf := float64(s.k + 2)
	r.slack = make([]float64, s.nr)
	r.err = make([]float64, s.nr)
	r.slackW = 1e-13 * kf * absW
	for j := range r.slack {
		// Recursive summation of k terms errs by at most (k−1)·2^-53·Σ|c|:
		// once for the leaf's Utility, once for the bound, once more for
		// the product by 10^12.
		r.err[j] = 4*kf*1.2e-16*s.absmax[j] + 1e-15
		r.slack[j] = 2e-12 + 1e-13*kf*s.absmax[j]
		r.slackW += r.w[j] * r.slack[j]
	}
	r.slackW += 1e-13 * kf * math.Abs(r.wconst)
	r.part = make([]float64, (s.k+1)*s.nr)
	r.wpart = make([]float64, s.k+1)
	if r.valueOnly && r.kind == objLinear {
		// Σ coef_p·u_p lies on the coarsest grid of its parties; a better
		// leaf is at least one grid step better, less a key's rounding.
		g := math.Inf(1)
		for q, c := range r.coef {
			if c != 0 {
				g = min(g, s.grid[q])
			}
		}
		if g > 1e-9 && !math.IsInf(g, 1) {
			r.step = g - 2e-12
		}
	}
	return nil
}

// rowSums returns each row's utility of x by the contribution tables.
func (r *solveRun) rowSums(x Outcome, u []float64) {
	s := r.s
	for j := range u {
		t := 0.0
		for i, v := range x {
			t += s.contr[j][s.off[i]+v]
		}
		u[j] = t
	}
}

// dual chooses the Lagrangian weights by the ellipsoid method and keeps
// the feasible outcomes its oracle finds as incumbents.
func (r *solveRun) dual() error {
	s := r.s
	n := s.n
	r.ow = make([]float64, n)
	r.mu = make([]float64, s.nr)
	r.w = make([]float64, s.nr)
	// Rows whose slack is a real constraint of the relaxation: the
	// constraints, and the parties when a baseline raises their threshold
	// or the objective does not keep their gains positive by itself.
	var muRows []int
	for j := 0; j < s.nr; j++ {
		if j >= n || s.tk[j] > s.rk[j] || r.kind == objLinear || r.kind == objWelfare {
			muRows = append(muRows, j)
		}
	}
	// Objective variables.
	var lamParties []int // parties with a free weight
	simplex := false
	switch r.kind {
	case objNash:
		for q := 0; q < n; q++ {
			lamParties = append(lamParties, q)
		}
	case objEgal:
		for q := 0; q < n; q++ {
			lamParties = append(lamParties, q)
		}
		simplex = true
	case objKS:
		for q := 0; q < n; q++ {
			if r.span[q] > 0 {
				lamParties = append(lamParties, q)
			}
		}
		simplex = true
	}
	nl := len(lamParties)
	if simplex {
		nl = max(0, nl-1) // the last weight is 1 − Σ the others
	}
	dim := nl + len(muRows)
	// Scale of the gains, for the starting point.
	gmax := make([]float64, n)
	for q := 0; q < n; q++ {
		t := 0.0
		for i := range s.vals {
			m := math.Inf(-1)
			for _, v := range s.vals[i] {
				m = max(m, s.contr[q][s.off[i]+v])
			}
			t += m
		}
		gmax[q] = max(t-r.rf[q], 1e-9)
	}
	spanF := func(q int) float64 { return float64(r.span[q]) / precisionScale }
	// set fills ow, μ and w from the variables y; it returns a cut when y
	// is outside the domain.
	cut := make([]float64, dim)
	set := func(y []float64) bool {
		clear(cut)
		for q := range r.ow {
			r.ow[q] = 0
		}
		switch r.kind {
		case objNash:
			for a, q := range lamParties {
				if y[a] < 1e-12 {
					cut[a] = -1
					return false
				}
				r.ow[q] = y[a]
			}
		case objEgal, objKS:
			rest := 1.0
			for a := 0; a < nl; a++ {
				if y[a] < 0 {
					cut[a] = -1
					return false
				}
				rest -= y[a]
			}
			if rest < 0 {
				for a := 0; a < nl; a++ {
					cut[a] = 1
				}
				return false
			}
			for a, q := range lamParties {
				l := rest
				if a < nl {
					l = y[a]
				}
				if r.kind == objKS {
					l /= spanF(q)
				}
				r.ow[q] = l
			}
		default:
			copy(r.ow, r.coef)
		}
		clear(r.mu)
		for b, j := range muRows {
			if y[nl+b] < 0 {
				cut[nl+b] = -1
				return false
			}
			r.mu[j] = y[nl+b]
		}
		r.wconst = 0
		for j := range r.w {
			r.w[j] = r.mu[j]
			r.wconst += r.mu[j] * r.tf[j]
			if j < n {
				r.w[j] += r.ow[j]
				r.wconst += r.ow[j] * r.rf[j]
			}
		}
		return true
	}
	x := make(Outcome, s.k)
	u := make([]float64, s.nr)
	grad := make([]float64, dim)
	// oracle maximises the weighted sum; it returns the dual value and
	// fills grad.
	oracle := func() float64 {
		ws := 0.0
		for i := range s.vals {
			bv, bs := -1, math.Inf(-1)
			for _, v := range s.vals[i] {
				sc := 0.0
				for j, wj := range r.w {
					if wj != 0 {
						sc += wj * s.contr[j][s.off[i]+v]
					}
				}
				if sc > bs {
					bv, bs = v, sc
				}
			}
			x[i] = bv
			ws += bs
		}
		ws -= r.wconst
		r.rowSums(x, u)
		val := ws
		switch r.kind {
		case objNash:
			for a, q := range lamParties {
				val -= math.Log(r.ow[q])
				grad[a] = u[q] - r.rf[q] - 1/r.ow[q]
			}
			val -= float64(n)
		case objEgal, objKS:
			if len(lamParties) > 0 {
				last := lamParties[len(lamParties)-1]
				gl := u[last] - r.rf[last]
				if r.kind == objKS {
					gl /= spanF(last)
				}
				for a := 0; a < nl; a++ {
					q := lamParties[a]
					g := u[q] - r.rf[q]
					if r.kind == objKS {
						g /= spanF(q)
					}
					grad[a] = g - gl
				}
			}
		}
		for b, j := range muRows {
			grad[nl+b] = u[j] - r.tf[j]
		}
		return val
	}
	// The incumbent: feasible outcomes the oracle proposes.
	tryX := func() error {
		if s.noSeed {
			return nil
		}
		for j := range u {
			if u[j] < r.tf[j]-1e-9*(1+math.Abs(r.tf[j])) {
				return nil
			}
		}
		l, err := s.evalLeaf(x)
		if err != nil {
			return err
		}
		r.consider(l)
		return nil
	}
	// The start: every weight equal, or the Nash tangent at the gains'
	// maxima.
	y := make([]float64, dim)
	rho := 10.0
	switch r.kind {
	case objNash:
		big := 0.0
		for a, q := range lamParties {
			y[a] = 1 / gmax[q]
			big = max(big, y[a])
		}
		rho = 4*big*float64(n) + 1
	case objEgal, objKS:
		for a := 0; a < nl; a++ {
			y[a] = 1 / float64(len(lamParties))
		}
	}
	if dim == 0 || !set(y) {
		if !set(y) {
			clear(y)
			set(y)
		}
		oracle()
		if err := tryX(); err != nil {
			return err
		}
	} else {
		best := slices.Clone(y)
		bestVal := math.Inf(1)
		// The ellipsoid needs O(dim²) steps; each costs a pass over every
		// value of every row, so issues with very many values (an integer
		// range) and small spaces, where the search itself is cheap, get
		// fewer steps: any weights give valid bounds.
		iters := 60*(dim+1)*(dim+1) + 200
		budget := min(3e7, max(1e5, 20*s.size*float64(s.nr)))
		if per := float64(s.off[s.k] * s.nr); float64(iters)*per > budget {
			iters = max(20, int(budget/per))
		}
		err := ellipsoid(y, rho, iters, func(y []float64) (float64, []float64, bool, error) {
			if s.nodes++; s.nodes&255 == 0 {
				if err := s.ctx.Err(); err != nil {
					return 0, nil, false, err
				}
			}
			if !set(y) {
				return 0, cut, false, nil
			}
			val := oracle()
			if err := tryX(); err != nil {
				return 0, nil, false, err
			}
			if val < bestVal {
				bestVal = val
				copy(best, y)
			}
			if r.best != nil && !math.IsInf(r.incF, -1) && bestVal-r.incF <= 1e-9*(1+math.Abs(r.incF)) {
				return val, nil, true, errStopDual
			}
			return val, grad, true, nil
		})
		if err != nil && err != errStopDual {
			return err
		}
		set(best)
	}
	r.sumLogOw = 0
	if r.kind == objNash {
		for q := 0; q < n; q++ {
			r.sumLogOw += math.Log(r.ow[q])
		}
	}
	return r.localSearch()
}

var errStopDual = Errorf("dual converged")

// localSearch improves the incumbent one issue at a time (on float
// utilities, then checked exactly).
func (r *solveRun) localSearch() error {
	s := r.s
	if r.best == nil || r.done || s.noSeed {
		return nil
	}
	x := r.best.o.Clone()
	u := make([]float64, s.nr)
	r.rowSums(x, u)
	cur := r.floatObjective(u)
	for pass := 0; pass < 20; pass++ {
		moved := false
		for i := range s.vals {
			for _, v := range s.vals[i] {
				if v == x[i] {
					continue
				}
				ok := true
				for j := range u {
					nu := u[j] + s.contr[j][s.off[i]+v] - s.contr[j][s.off[i]+x[i]]
					if nu < r.tf[j]+1e-12*(1+math.Abs(r.tf[j])) {
						ok = false
						break
					}
				}
				if !ok {
					continue
				}
				old := x[i]
				for j := range u {
					u[j] += s.contr[j][s.off[i]+v] - s.contr[j][s.off[i]+old]
				}
				x[i] = v
				if nv := r.floatObjective(u); nv > cur+1e-12*(1+math.Abs(cur)) {
					cur, moved = nv, true
					continue
				}
				for j := range u {
					u[j] -= s.contr[j][s.off[i]+v] - s.contr[j][s.off[i]+old]
				}
				x[i] = old
			}
		}
		if !moved {
			break
		}
	}
	l, err := s.evalLeaf(x)
	if err != nil {
		return err
	}
	r.consider(l)
	return nil
}

// floatObjective is the objective on float row utilities, with the sum as
// a small tie-break.
func (r *solveRun) floatObjective(u []float64) float64 {
	n := r.s.n
	v := 0.0
	sum := 0.0
	switch r.kind {
	case objEgal, objKS:
		v = math.Inf(1)
	}
	for q := 0; q < n; q++ {
		g := u[q] - r.rf[q]
		sum += u[q]
		switch r.kind {
		case objNash:
			v += math.Log(max(g, 1e-300))
		case objEgal:
			v = min(v, g)
		case objKS:
			if r.span[q] > 0 {
				v = min(v, g/(float64(r.span[q])/precisionScale))
			}
		default:
			v += r.coef[q] * g
		}
	}
	if math.IsInf(v, 1) {
		v = 1
	}
	return v + 1e-9*sum
}

// ellipsoid minimises a convex function from the ball of radius rho around
// y (updated in place to the last centre). f returns the value and a
// subgradient at y, or (ok false) a cut: a vector g with the domain inside
// {z : g·(z − y) <= 0}. It stops after iters steps, when the ellipsoid is
// flat, or when f returns an error.
func ellipsoid(y []float64, rho float64, iters int, f func(y []float64) (float64, []float64, bool, error)) error {
	d := len(y)
	P := make([]float64, d*d)
	for a := 0; a < d; a++ {
		P[a*d+a] = rho * rho
	}
	pg := make([]float64, d)
	best, lower := math.Inf(1), math.Inf(-1)
	df := float64(d)
	for it := 0; it < iters; it++ {
		val, g, ok, err := f(y)
		if err != nil {
			return err
		}
		// pg = P·g, gamma = sqrt(g·P·g)
		gpg := 0.0
		for a := 0; a < d; a++ {
			t := 0.0
			for b := 0; b < d; b++ {
				t += P[a*d+b] * g[b]
			}
			pg[a] = t
			gpg += g[a] * t
		}
		if !(gpg > 0) || math.IsInf(gpg, 0) {
			return nil
		}
		gamma := math.Sqrt(gpg)
		if ok {
			best = min(best, val)
			lower = max(lower, val-gamma)
			if best-lower <= 1e-9*(1+math.Abs(best)) {
				return nil
			}
		}
		for a := range pg {
			pg[a] /= gamma
		}
		if d == 1 {
			y[0] -= pg[0] / 2
			P[0] /= 4
			continue
		}
		for a := 0; a < d; a++ {
			y[a] -= pg[a] / (df + 1)
		}
		c := df * df / (df*df - 1)
		e := 2 / (df + 1)
		for a := 0; a < d; a++ {
			for b := 0; b < d; b++ {
				P[a*d+b] = c * (P[a*d+b] - e*pg[a]*pg[b])
			}
		}
	}
	return nil
}
