package engine

import (
	"container/heap"
	"slices"
)

// TopOutcomes returns the k outcomes of p with the highest utility and the k
// with the lowest, best first and worst first, exactly and without
// enumerating: a best-first walk over the issues' values sorted by their
// contribution, in which each outcome is reached by one path only.
func TopOutcomes(p *LinearAdditive, k int) (best, worst []Outcome) {
	return kExtreme(p, k, true), kExtreme(p, k, false)
}

type rankState struct {
	ranks []int
	last  int
	u     float64
}

type rankHeap struct {
	s    []*rankState
	high bool
}

func (h *rankHeap) Len() int { return len(h.s) }
func (h *rankHeap) Less(i, j int) bool {
	if h.high {
		return h.s[i].u > h.s[j].u
	}
	return h.s[i].u < h.s[j].u
}
func (h *rankHeap) Swap(i, j int) { h.s[i], h.s[j] = h.s[j], h.s[i] }
func (h *rankHeap) Push(x any)    { h.s = append(h.s, x.(*rankState)) }
func (h *rankHeap) Pop() any {
	x := h.s[len(h.s)-1]
	h.s = h.s[:len(h.s)-1]
	return x
}

func kExtreme(p *LinearAdditive, k int, high bool) []Outcome {
	d := p.Dom
	order := make([][]int, len(d.Issues))
	for i := range d.Issues {
		vs := make([]int, d.Issues[i].NumValues())
		for v := range vs {
			vs[v] = v
		}
		slices.SortStableFunc(vs, func(a, b int) int {
			ca, cb := p.Contribution(i, a), p.Contribution(i, b)
			if !high {
				ca, cb = cb, ca
			}
			switch {
			case ca > cb:
				return -1
			case ca < cb:
				return 1
			}
			return 0
		})
		order[i] = vs
	}
	outcome := func(r []int) Outcome {
		o := make(Outcome, len(r))
		for i, x := range r {
			o[i] = order[i][x]
		}
		return o
	}
	h := &rankHeap{high: high}
	start := &rankState{ranks: make([]int, len(d.Issues))}
	start.u = p.Utility(outcome(start.ranks))
	heap.Push(h, start)
	var out []Outcome
	for h.Len() > 0 && len(out) < k {
		s := heap.Pop(h).(*rankState)
		out = append(out, outcome(s.ranks))
		for i := s.last; i < len(s.ranks); i++ {
			if s.ranks[i]+1 >= len(order[i]) {
				continue
			}
			n := &rankState{ranks: slices.Clone(s.ranks), last: i}
			n.ranks[i]++
			n.u = p.Utility(outcome(n.ranks))
			heap.Push(h, n)
		}
	}
	return out
}
