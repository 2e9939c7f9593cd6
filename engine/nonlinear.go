package engine

import (
	"math"
	"strconv"
	"sync"
)

// Aggregation says how a nonlinear utility function combines its parts.
type Aggregation int

// Aggregations of GENIUS's UtilityFunction (AGGREGATIONTYPE).
const (
	AggSum Aggregation = iota
	AggMin
	AggMax
)

// String returns the aggregation as GENIUS spells it.
func (a Aggregation) String() string {
	switch a {
	case AggSum:
		return "sum"
	case AggMin:
		return "min"
	case AggMax:
		return "max"
	}
	return "Aggregation(" + strconv.Itoa(int(a)) + ")"
}

// Bound restricts one integer issue of a hyperrectangle to the values
// Min..Max (integer values, not value indices, as GENIUS's Bound).
type Bound struct {
	Issue    int // position of the issue in the domain
	Min, Max int
}

// Rectangle is one GENIUS hyperrectangle. An inclusive rectangle (INCLUDES)
// contributes Utility·Weight when every bound holds; an exclusive one
// (EXCLUDES) contributes it when some bound fails. A rectangle without
// bounds always contributes.
type Rectangle struct {
	Utility   float64
	Weight    float64 // GENIUS default 1
	Exclusive bool
	Bounds    []Bound
}

// Ufun is a GENIUS nonlinear utility function: rectangles and nested
// functions combined by Aggregation. A nested function's value is
// multiplied by its Weight; the weight of the top function is not used
// (as in GENIUS).
type Ufun struct {
	Aggregation Aggregation
	Weight      float64
	Rectangles  []Rectangle
	Ufuns       []Ufun
}

// Hyperrectangle is GENIUS's NonlinearUtilitySpace:
// U(o) = min(1, F(o)/MaxUtility), where F is the top utility function.
// With one summing function this is the sum of the utilities of the
// rectangles covering o, divided by MaxUtility.
//
// Fill the exported fields, then call Compile.
type Hyperrectangle struct {
	ProfileName      string
	Dom              *Domain
	MaxUtility       float64
	Fun              Ufun
	ReservationValue float64
	Discount         float64

	nodes  []hrNode
	rects  []hrRect
	bounds []hrBound
	kids   []int32
	cache  *hrCache // what is derived from the compiled profile, shared by copies
}

// hrCache holds what agents derive from a compiled profile, built once.
type hrCache struct {
	poolOnce sync.Once
	pool     *outcomePool
}

// outcomePool returns the profile's pool of outcomes (see buildPool),
// built on first use and shared by every agent that plays the profile.
func (p *Hyperrectangle) outcomePool() *outcomePool {
	if p.cache == nil {
		return buildPool(p)
	}
	p.cache.poolOnce.Do(func() { p.cache.pool = buildPool(p) })
	return p.cache.pool
}

type hrNode struct {
	agg            Aggregation
	weight         float64
	rectLo, rectHi int32 // rects[rectLo:rectHi]
	kidLo, kidHi   int32 // kids[kidLo:kidHi] are node indices
}

type hrRect struct {
	u              float64 // Utility·Weight
	exclusive      bool
	boundLo, bndHi int32
}

type hrBound struct {
	issue  int32
	lo, hi int32 // value index range, may be empty or outside the issue
}

var _ Profile = (*Hyperrectangle)(nil)

// Compile validates the profile against its domain and flattens it so that
// Utility allocates nothing.
func (p *Hyperrectangle) Compile() error {
	d := p.Dom
	if d == nil {
		return Errorf("profile %q has no domain", p.ProfileName)
	}
	if math.IsNaN(p.MaxUtility) || math.IsInf(p.MaxUtility, 0) || p.MaxUtility <= 0 {
		return Errorf("profile %q: maxutility is %v; it must be a finite number > 0", p.ProfileName, p.MaxUtility)
	}
	for _, x := range []float64{p.ReservationValue, p.Discount} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return Errorf("profile %q: reservation value and discount factor must be finite numbers, not %v", p.ProfileName, x)
		}
	}
	p.nodes, p.rects, p.bounds, p.kids = nil, nil, nil, nil
	p.cache = &hrCache{}
	_, err := p.flatten(&p.Fun, 0)
	return err
}

func (p *Hyperrectangle) flatten(f *Ufun, depth int) (int, error) {
	if depth > 64 {
		return 0, Errorf("profile %q: utility functions are nested more than 64 deep", p.ProfileName)
	}
	if f.Aggregation < AggSum || f.Aggregation > AggMax {
		return 0, Errorf("profile %q: unknown aggregation %v; use sum, min or max", p.ProfileName, f.Aggregation)
	}
	if math.IsNaN(f.Weight) || math.IsInf(f.Weight, 0) {
		return 0, Errorf("profile %q: a ufun weight is %v; it must be finite", p.ProfileName, f.Weight)
	}
	id := len(p.nodes)
	p.nodes = append(p.nodes, hrNode{agg: f.Aggregation, weight: f.Weight})
	rlo := len(p.rects)
	for ri := range f.Rectangles {
		r := &f.Rectangles[ri]
		u := r.Utility * r.Weight
		if math.IsNaN(u) || math.IsInf(u, 0) {
			return 0, Errorf("profile %q: hyperrectangle %d has utility %v and weight %v; both must be finite", p.ProfileName, ri+1, r.Utility, r.Weight)
		}
		blo := len(p.bounds)
		for _, b := range r.Bounds {
			if b.Issue < 0 || b.Issue >= len(p.Dom.Issues) {
				return 0, Errorf("profile %q: hyperrectangle %d bounds issue %d; the domain has %d issues", p.ProfileName, ri+1, b.Issue, len(p.Dom.Issues))
			}
			is := &p.Dom.Issues[b.Issue]
			if is.Kind != Integer {
				return 0, Errorf("profile %q: hyperrectangle %d bounds %s issue %q; GENIUS hyperrectangles only bound integer issues", p.ProfileName, ri+1, is.Kind, is.Name)
			}
			lo := clampIdx(float64(b.Min) - is.Lower)
			hi := clampIdx(float64(b.Max) - is.Lower)
			p.bounds = append(p.bounds, hrBound{issue: int32(b.Issue), lo: lo, hi: hi})
		}
		p.rects = append(p.rects, hrRect{u: u, exclusive: r.Exclusive, boundLo: int32(blo), bndHi: int32(len(p.bounds))})
	}
	p.nodes[id].rectLo, p.nodes[id].rectHi = int32(rlo), int32(len(p.rects))
	kids := make([]int32, 0, len(f.Ufuns))
	for i := range f.Ufuns {
		k, err := p.flatten(&f.Ufuns[i], depth+1)
		if err != nil {
			return 0, err
		}
		kids = append(kids, int32(k))
	}
	p.nodes[id].kidLo = int32(len(p.kids))
	p.kids = append(p.kids, kids...)
	p.nodes[id].kidHi = int32(len(p.kids))
	return id, nil
}

func clampIdx(x float64) int32 {
	return int32(math.Max(-1<<30, math.Min(1<<30, x)))
}

// Name returns the profile's name.
func (p *Hyperrectangle) Name() string { return p.ProfileName }

// Domain returns the profile's domain.
func (p *Hyperrectangle) Domain() *Domain { return p.Dom }

// Reservation returns the utility of no agreement.
func (p *Hyperrectangle) Reservation() float64 { return p.ReservationValue }

// DiscountFactor returns the GENIUS discount factor.
func (p *Hyperrectangle) DiscountFactor() float64 { return p.Discount }

// Utility returns min(1, F(o)/MaxUtility).
func (p *Hyperrectangle) Utility(o Outcome) float64 {
	r := p.eval(0, o) / p.MaxUtility
	if r > 1 {
		return 1
	}
	return r
}

func (p *Hyperrectangle) rectCovers(r *hrRect, o Outcome) bool {
	for _, b := range p.bounds[r.boundLo:r.bndHi] {
		v := int32(o[b.issue])
		if v < b.lo || v > b.hi {
			return false
		}
	}
	return true
}

// aggStart is GENIUS's starting value of each aggregation (it starts MIN
// at Integer.MAX_VALUE and MAX at -Integer.MAX_VALUE).
func aggStart(a Aggregation) float64 {
	switch a {
	case AggMin:
		return math.MaxInt32
	case AggMax:
		return -math.MaxInt32
	}
	return 0
}

func agg(a Aggregation, acc, x float64) float64 {
	switch a {
	case AggSum:
		return acc + x
	case AggMin:
		if acc > x {
			return x
		}
	case AggMax:
		if acc < x {
			return x
		}
	}
	return acc
}

func (p *Hyperrectangle) eval(n int, o Outcome) float64 {
	nd := &p.nodes[n]
	acc := aggStart(nd.agg)
	for i := nd.rectLo; i < nd.rectHi; i++ {
		r := &p.rects[i]
		x := 0.0
		if p.rectCovers(r, o) != r.exclusive {
			x = r.u
		}
		acc = agg(nd.agg, acc, x)
	}
	for _, k := range p.kids[nd.kidLo:nd.kidHi] {
		acc = agg(nd.agg, acc, p.eval(int(k), o)*p.nodes[k].weight)
	}
	return acc
}

// Bounds returns a lower and an upper bound of U over the box of outcomes
// whose value index on issue i lies in [lo[i], hi[i]]. A rectangle that
// contains the whole box counts exactly, one disjoint from it not at all,
// and one that only intersects it counts between 0 and its utility.
func (p *Hyperrectangle) Bounds(lo, hi []int) (min, max float64) {
	a, b := p.bounds1(0, lo, hi)
	a, b = a/p.MaxUtility, b/p.MaxUtility
	if a > 1 {
		a = 1
	}
	if b > 1 {
		b = 1
	}
	return a, b
}

// relation of a rectangle's region to a box: 0 disjoint, 1 intersects, 2 contains.
func (p *Hyperrectangle) relation(r *hrRect, lo, hi []int) int {
	rel := 2
	for _, b := range p.bounds[r.boundLo:r.bndHi] {
		l, h := int32(lo[b.issue]), int32(hi[b.issue])
		if h < b.lo || l > b.hi {
			return 0
		}
		if l < b.lo || h > b.hi {
			rel = 1
		}
	}
	return rel
}

func (p *Hyperrectangle) bounds1(n int, lo, hi []int) (float64, float64) {
	nd := &p.nodes[n]
	accLo, accHi := aggStart(nd.agg), aggStart(nd.agg)
	for i := nd.rectLo; i < nd.rectHi; i++ {
		r := &p.rects[i]
		rel := p.relation(r, lo, hi)
		if r.exclusive {
			rel = 2 - rel
		}
		var xl, xh float64
		switch rel {
		case 2:
			xl, xh = r.u, r.u
		case 1:
			xl, xh = math.Min(0, r.u), math.Max(0, r.u)
		}
		accLo, accHi = agg(nd.agg, accLo, xl), agg(nd.agg, accHi, xh)
	}
	for _, k := range p.kids[nd.kidLo:nd.kidHi] {
		l, h := p.bounds1(int(k), lo, hi)
		w := p.nodes[k].weight
		l, h = l*w, h*w
		if w < 0 {
			l, h = h, l
		}
		accLo, accHi = agg(nd.agg, accLo, l), agg(nd.agg, accHi, h)
	}
	return accLo, accHi
}

// SplitScores adds to score[i], for every issue i, how much utility hangs
// on the box's range of issue i being narrowed: the weight of every
// rectangle that only partly overlaps the box, counted on each issue where
// the box crosses one of its bounds. Branch and bound splits the issue with
// the highest score, which tightens Bounds fastest.
func (p *Hyperrectangle) SplitScores(lo, hi []int, score []float64) {
	for ri := range p.rects {
		r := &p.rects[ri]
		if p.relation(r, lo, hi) != 1 {
			continue
		}
		w := math.Abs(r.u)
		for _, b := range p.bounds[r.boundLo:r.bndHi] {
			l, h := int32(lo[b.issue]), int32(hi[b.issue])
			if l < b.lo || h > b.hi {
				score[b.issue] += w
			}
		}
	}
}
