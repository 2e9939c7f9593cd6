package engine

import (
	"context"
	"math"
	"math/big"
)

// factorCount counts the outcomes acceptable to every party when every
// profile is a sum of small parts, U_p = min(1, F_p/M_p) (Decomposer): a
// depth-first search over the issues compressed to the classes of values
// no part tells apart, whose nodes are bounded above and below for every
// party by mini-bucket bounds of F_p and of −F_p. A node is skipped when
// some party's upper bound misses its reservation, and counted whole —
// every outcome its classes stand for — when every party's lower bound
// clears it. It reports false when a profile is not such a sum, and an
// error once the search passes maxNodes nodes or ctx is done.
//
// Box branch and bound (boundCount) bounds a box by the profile's own
// Bounds, which see each rectangle alone; on the 10^10 to 10^20 nonlinear
// domains of the corpus it gave up after its whole budget (tens of
// seconds), where this search finishes in a fraction of it.
func factorCount(ctx context.Context, ps []Profile, r []float64, maxNodes int) (*big.Int, bool, error) {
	d := ps[0].Domain()
	var sets [][]Factor
	var ms, br []float64
	var bp []Profile // the parties whose reservation binds
	for p, prof := range ps {
		dp, ok := prof.(Decomposer)
		if !ok {
			return nil, false, nil
		}
		fs, m, ok := dp.Decompose()
		if !ok || !(m > 0) {
			return nil, false, nil
		}
		if key(r[p]) > key(1) {
			return new(big.Int), true, nil // no utility reaches it
		}
		if r[p] <= 0 && nonNegative(fs) {
			continue // every outcome is worth at least 0 to p
		}
		neg := make([]Factor, len(fs))
		for i, f := range fs {
			t := make([]float64, len(f.Table))
			for j, x := range f.Table {
				t[j] = -x
			}
			neg[i] = Factor{Scope: f.Scope, Table: t}
		}
		ms, br, bp = append(ms, m), append(br, r[p]), append(bp, prof)
		sets = append(sets, fs, neg)
	}
	if len(bp) == 0 {
		return d.Size(), true, nil
	}
	ps, r = bp, br
	n := len(ps)
	m := newMSProblem(d, sets...)
	s, err := m.prepare()
	if err != nil {
		return nil, false, nil
	}
	s.ctx = ctx
	nv := m.n
	T := 2 * n
	tr := make([]int, T)
	for k := range tr {
		tr[k] = k
	}
	// rest[p]: how many outcomes the variables from depth p on stand for.
	rest := make([]*big.Int, nv+1)
	rest[nv] = big.NewInt(1)
	for p := nv - 1; p >= 0; p-- {
		rest[p] = new(big.Int).Mul(rest[p+1], big.NewInt(int64(d.Issues[s.order[nv-1-p]].NumValues())))
	}
	restF := make([]float64, nv+1)
	for p := range restF {
		restF[p], _ = rest[p].Float64()
	}
	// weight[p]: how many values the classes assigned above depth p have.
	weight := make([]*big.Int, nv+1)
	for p := range weight {
		weight[p] = new(big.Int)
	}
	weight[0].SetInt64(1)
	// frac[p]: weight[p] as a float (the share needs no exact count).
	frac := make([]float64, nv+1)
	frac[0] = 1
	vals := make([][]float64, nv)
	for p := range vals {
		vals[p] = make([]float64, m.card[s.order[nv-1-p]]*T)
	}
	// A bound decides only when clearly past the reservation: the running
	// bounds add in another order than the sums they bound.
	const tol = 1e-9
	verdict := func(b []float64) (none, all bool) {
		all = true
		for p := range ps {
			hi, lo := b[2*p]/ms[p], -b[2*p+1]/ms[p]
			if hi < r[p]-tol {
				return true, false
			}
			if lo < r[p]+tol {
				all = false
			}
		}
		return false, all
	}
	count := new(big.Int)
	tmp := new(big.Int)
	a := make([]int, nv)
	u := make([]float64, n)
	var errOut error
	nodes := 0
	// The share of the space decided so far (counted or skipped), to
	// give up early on a search that would need far more than its budget:
	// past a tenth of it, the nodes so far divided by that share project
	// the whole search's.
	share, total := 0.0, d.SizeFloat()
	shareOf := func(p, c int) float64 {
		return float64(m.size[s.order[nv-1-p]][c]) * restF[p+1] * frac[p] / total
	}
	var dfs func(p int, cur []float64) bool
	dfs = func(p int, cur []float64) bool {
		v := s.order[nv-1-p]
		vs := vals[p]
		s.bounds(v, a, tr, cur, vs)
		for c := 0; c < m.card[v]; c++ {
			b := vs[c*T : c*T+T]
			none, all := verdict(b)
			if none {
				share += shareOf(p, c)
				continue
			}
			if nodes++; nodes > maxNodes || cancelled(ctx, nodes) || hopeless(nodes, maxNodes, share) {
				if errOut = ctxErr(ctx); errOut == nil {
					errOut = Errorf("counting the acceptable ones exactly needs more than %d search nodes (%d decided %.2g%% of the outcomes)", maxNodes, nodes, 100*share)
				}
				return false
			}
			a[v] = c
			weight[p+1].Mul(weight[p], big.NewInt(m.size[v][c]))
			switch {
			case all:
				count.Add(count, tmp.Mul(weight[p+1], rest[p+1]))
				share += shareOf(p, c)
			case p == nv-1:
				for q := range ps {
					u[q] = math.Min(1, m.value(2*q, a)/ms[q])
				}
				near := false
				for q := range ps {
					near = near || math.Abs(u[q]-r[q]) <= tol
				}
				if near {
					// Decide on the comparison grid, by the profiles.
					o := m.outcome(a)
					for q, prof := range ps {
						u[q] = prof.Utility(o)
					}
				}
				if acceptable(u, r) {
					count.Add(count, weight[p+1])
				}
				share += shareOf(p, c)
			default:
				frac[p+1] = frac[p] * float64(m.size[v][c])
				if !dfs(p+1, b) {
					return false
				}
			}
		}
		return true
	}
	start := make([]float64, T)
	for k := range start {
		start[k] = m.konst[k] + s.root[k]
	}
	if nv == 0 {
		for q := range ps {
			u[q] = math.Min(1, m.konst[2*q]/ms[q])
		}
		if acceptable(u, r) {
			return big.NewInt(1), true, nil
		}
		return new(big.Int), true, nil
	}
	if none, all := verdict(start); none {
		return new(big.Int), true, nil
	} else if all {
		return d.Size(), true, nil
	}
	if !dfs(0, start) {
		return nil, true, errOut
	}
	return count, true, nil
}

// hopeless reports, every 2^16 nodes past a tenth of the budget, whether a
// search that has decided share of its space after nodes nodes projects
// to more than four times maxNodes.
func hopeless(nodes, maxNodes int, share float64) bool {
	if nodes&(1<<16-1) != 0 || nodes < maxNodes/10 {
		return false
	}
	return float64(nodes) > 4*float64(maxNodes)*share
}

// nonNegative reports whether every entry of every factor is >= 0.
func nonNegative(fs []Factor) bool {
	for _, f := range fs {
		for _, x := range f.Table {
			if x < 0 {
				return false
			}
		}
	}
	return true
}
