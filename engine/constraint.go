package engine

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// Constraint rule types of GENIUS's ConstraintUtilitySpace.
const (
	ZeroConstraint                   = "zeroConstraint"
	ConditionalZeroConstraint        = "conditionalZeroConstraint"
	SumZeroConstraint                = "sumZeroConstraint"
	SumZeroNotConstraint             = "sumZeroNotConstraint"
	SumZeroConstraintList            = "sumZeroConstraintList"
	InclusiveZeroOutcomeConstraint   = "inclusiveZeroOutcomeConstraint"
	ConditionalZeroOutcomeConstraint = "conditionalZeroOutcomeConstraint"
)

// Assignment pairs a GENIUS issue index with a value (valueassignment) or a
// condition (checkassignment).
type Assignment struct {
	Index int
	Value string
}

// Rank gives a value's rank for one issue of a constraint profile.
type Rank struct {
	Value string
	Rank  int
}

// RankIssue lists the ranks of one issue (by its GENIUS index).
type RankIssue struct {
	Index int
	Ranks []Rank
}

// Rule is one <constraint> of a constraint profile, with issue indices as
// in the file (GENIUS indices, see Issue.Index).
type Rule struct {
	Type string
	// Index is the issue a per-issue rule zeroes (0 for outcome rules).
	Index int
	// Value is the value to be checked (conditional and sum rules).
	Value string
	// Min and Max bound the sum of the Related issues' values (sum rules).
	Min, Max int
	// Assignments are the valueassignment (per-issue rules) or
	// checkassignment (outcome rules) children.
	Assignments []Assignment
	// Related are the issues summed by sum rules (<item index>).
	Related []int
	// Conditions are the values a sumZeroConstraintList checks.
	Conditions []string
}

// Constraint is GENIUS's ConstraintUtilitySpace (the Railway domain). U(o) is
// 0 if any outcome rule fires; otherwise it is the mean over the ranked
// issues of rank(value)/maximum rank, where an issue some per-issue rule
// fires on contributes 0.
//
// Fill the exported fields, then call Compile.
type Constraint struct {
	ProfileName      string
	Dom              *Domain
	Ranks            []RankIssue
	Rules            []Rule
	ReservationValue float64
	Discount         float64

	rankPos  []int       // domain position of each ranked issue
	rankVal  [][]float64 // normalised rank by value index
	zeroOut  []cRule     // outcome rules
	perIssue [][]cRule   // per ranked issue: the rules that zero it
}

// cRule is a compiled rule: it fires when every table holds for the
// outcome's value and, if sum is set, the sum of the related issues'
// integer values lies in [min, max].
type cRule struct {
	tables   []cTable
	never    bool // GENIUS can never fire it
	sum      bool
	related  []int   // positions
	nums     [][]int // integer value of each related issue's values
	min, max int
}

type cTable struct {
	issue int
	ok    []bool
}

var _ Profile = (*Constraint)(nil)

// Compile validates the profile and precomputes its rules. Rule types and
// uses that GENIUS would crash on (a missing index, a value that is not an
// integer where GENIUS parses one, an unranked value) are refused.
func (p *Constraint) Compile() error {
	d := p.Dom
	if d == nil {
		return Errorf("profile %q has no domain", p.ProfileName)
	}
	for _, x := range []float64{p.ReservationValue, p.Discount} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return Errorf("profile %q: reservation value and discount factor must be finite numbers, not %v", p.ProfileName, x)
		}
	}
	pos := func(index int, what string) (int, error) {
		for i := range d.Issues {
			if d.Issues[i].Index == index {
				return i, nil
			}
		}
		return 0, Errorf("profile %q: %s names issue index %d; the domain's issues have indices %s", p.ProfileName, what, index, d.indexList())
	}
	if len(p.Ranks) == 0 {
		return Errorf("profile %q: no ranked issues; a constraint profile needs <ranks>", p.ProfileName)
	}
	p.rankPos, p.rankVal = nil, nil
	for _, ri := range p.Ranks {
		i, err := pos(ri.Index, "<ranks>")
		if err != nil {
			return err
		}
		is := &d.Issues[i]
		if is.Kind != Discrete {
			return Errorf("profile %q: ranked issue %q is %s; constraint profiles rank discrete values", p.ProfileName, is.Name, is.Kind)
		}
		m := map[string]int{}
		maxRank := 0
		for _, r := range ri.Ranks {
			m[r.Value] = r.Rank // later duplicates win, as in GENIUS's HashMap
			if r.Rank > maxRank {
				maxRank = r.Rank
			}
		}
		if maxRank <= 0 {
			return Errorf("profile %q: issue %q: the largest rank is %d; ranks must include a positive one", p.ProfileName, is.Name, maxRank)
		}
		vals := make([]float64, len(is.Values))
		for v, name := range is.Values {
			r, ok := m[name]
			if !ok {
				return Errorf("profile %q: issue %q: value %q has no rank; every value needs one", p.ProfileName, is.Name, name)
			}
			vals[v] = float64(r) / float64(maxRank)
		}
		p.rankPos = append(p.rankPos, i)
		p.rankVal = append(p.rankVal, vals)
	}
	p.zeroOut = nil
	p.perIssue = make([][]cRule, len(p.rankPos))
	for n := range p.Rules {
		r := &p.Rules[n]
		what := "constraint " + strconv.Itoa(n+1) + " (" + r.Type + ")"
		table := func(index int, f func(v string) bool) (cTable, error) {
			i, err := pos(index, what)
			if err != nil {
				return cTable{}, err
			}
			t := cTable{issue: i, ok: make([]bool, d.Issues[i].NumValues())}
			for v := range t.ok {
				t.ok[v] = f(d.Issues[i].ValueString(v))
			}
			return t, nil
		}
		intTable := func(index int, f func(x int) bool) (cTable, error) {
			var bad string
			t, err := table(index, func(v string) bool {
				x, err := strconv.ParseInt(v, 10, 32)
				if err != nil {
					bad = v
					return false
				}
				return f(int(x))
			})
			if err == nil && bad != "" {
				err = Errorf("profile %q: %s reads issue index %d as a number, but its value %q is not an integer", p.ProfileName, what, index, bad)
			}
			return t, err
		}
		var c cRule
		var err error
		addTable := func(t cTable, e error) {
			if err == nil {
				err = e
			}
			c.tables = append(c.tables, t)
		}
		switch r.Type {
		case ZeroConstraint, ConditionalZeroConstraint:
			for _, a := range dedupe(r.Assignments) {
				addTable(table(a.Index, func(v string) bool { return v == a.Value }))
			}
			if r.Type == ConditionalZeroConstraint {
				addTable(table(r.Index, func(v string) bool { return !strings.Contains(v, r.Value) }))
			}
		case SumZeroConstraint, SumZeroNotConstraint, SumZeroConstraintList:
			c.sum, c.min, c.max = true, r.Min, r.Max
			for _, ix := range r.Related {
				i, e := pos(ix, what)
				if e != nil {
					return e
				}
				nums := make([]int, d.Issues[i].NumValues())
				for v := range nums {
					s := d.Issues[i].ValueString(v)
					x, e := strconv.ParseInt(s, 10, 32)
					if e != nil {
						return Errorf("profile %q: %s sums issue index %d, but its value %q is not an integer", p.ProfileName, what, ix, s)
					}
					nums[v] = int(x)
				}
				c.related = append(c.related, i)
				c.nums = append(c.nums, nums)
			}
			switch r.Type {
			case SumZeroConstraint:
				addTable(table(r.Index, func(v string) bool { return strings.Contains(v, r.Value) }))
			case SumZeroNotConstraint:
				addTable(table(r.Index, func(v string) bool { return !strings.Contains(v, r.Value) }))
			default:
				addTable(table(r.Index, func(v string) bool {
					for _, c := range r.Conditions {
						if strings.Contains(v, c) {
							return true
						}
					}
					return false
				}))
			}
		case InclusiveZeroOutcomeConstraint:
			for _, a := range dedupe(r.Assignments) {
				cond := a.Value
				if strings.Contains(cond, "numeric") {
					pos, neg := strings.Contains(cond, "positive"), strings.Contains(cond, "negative")
					addTable(intTable(a.Index, func(x int) bool { return !(pos && x < 0) && !(neg && x > 0) }))
				} else {
					addTable(table(a.Index, func(v string) bool { return strings.Contains(v, cond) }))
				}
			}
		case ConditionalZeroOutcomeConstraint:
			as := javaHashOrder(dedupe(r.Assignments))
			if len(as) != 2 {
				return Errorf("profile %q: %s has %d checkassignments on distinct issues; GENIUS requires exactly 2", p.ProfileName, what, len(as))
			}
			c0, c1 := as[0].Value, as[1].Value
			if c0 != "numeric=positive" && c0 != "numeric=negative" {
				// GENIUS only ever fires this rule on a numeric first condition.
				c.never = true
				break
			}
			addTable(intTable(as[0].Index, func(x int) bool {
				if c0 == "numeric=positive" {
					return x > 0
				}
				return x < 0
			}))
			addTable(table(as[1].Index, func(v string) bool { return !strings.Contains(v, c1) }))
		default:
			return Errorf("profile %q: %s: unsupported constraint type %q; GENIUS 10.4 evaluates only %s", p.ProfileName, what, r.Type, strings.Join([]string{ZeroConstraint, ConditionalZeroConstraint, SumZeroConstraint, SumZeroNotConstraint, SumZeroConstraintList, InclusiveZeroOutcomeConstraint, ConditionalZeroOutcomeConstraint}, ", "))
		}
		if err != nil {
			return err
		}
		switch r.Type {
		case InclusiveZeroOutcomeConstraint, ConditionalZeroOutcomeConstraint:
			p.zeroOut = append(p.zeroOut, c)
		default:
			if _, err := pos(r.Index, what); err != nil {
				return err
			}
			for k, ri := range p.Ranks {
				if ri.Index == r.Index {
					p.perIssue[k] = append(p.perIssue[k], c)
				}
			}
		}
	}
	return nil
}

// dedupe keeps, per issue index, the last assignment (GENIUS stores them in
// a HashMap) at the position of the first.
func dedupe(as []Assignment) []Assignment {
	var out []Assignment
	for _, a := range as {
		found := false
		for k := range out {
			if out[k].Index == a.Index {
				out[k].Value = a.Value
				found = true
			}
		}
		if !found {
			out = append(out, a)
		}
	}
	return out
}

// javaHashOrder orders assignments as a java.util.HashMap<Integer,…> with
// the default capacity iterates them: by bucket (h ^ h>>>16) & 15, then by
// insertion order.
func javaHashOrder(as []Assignment) []Assignment {
	out := append([]Assignment(nil), as...)
	bucket := func(i int) int {
		h := uint32(int32(i))
		return int((h ^ h>>16) & 15)
	}
	sort.SliceStable(out, func(a, b int) bool { return bucket(out[a].Index) < bucket(out[b].Index) })
	return out
}

func (c *cRule) fires(o Outcome) bool {
	if c.never {
		return false
	}
	for i := range c.tables {
		t := &c.tables[i]
		if !t.ok[o[t.issue]] {
			return false
		}
	}
	if c.sum {
		s := 0
		for k, i := range c.related {
			s += c.nums[k][o[i]]
		}
		if s < c.min || s > c.max {
			return false
		}
	}
	return true
}

// Name returns the profile's name.
func (p *Constraint) Name() string { return p.ProfileName }

// Domain returns the profile's domain.
func (p *Constraint) Domain() *Domain { return p.Dom }

// Reservation returns the utility of no agreement.
func (p *Constraint) Reservation() float64 { return p.ReservationValue }

// DiscountFactor returns the GENIUS discount factor.
func (p *Constraint) DiscountFactor() float64 { return p.Discount }

// Utility returns U(o) as GENIUS's ConstraintUtilitySpace.getUtility.
func (p *Constraint) Utility(o Outcome) float64 {
	for i := range p.zeroOut {
		if p.zeroOut[i].fires(o) {
			return 0
		}
	}
	u := 0.0
outer:
	for k, i := range p.rankPos {
		for j := range p.perIssue[k] {
			if p.perIssue[k][j].fires(o) {
				continue outer
			}
		}
		u += p.rankVal[k][o[i]]
	}
	return u / float64(len(p.rankPos))
}

func (d *Domain) indexList() string {
	s := ""
	for i := range d.Issues {
		if i > 0 {
			s += ", "
		}
		s += strconv.Itoa(d.Issues[i].Index)
	}
	return s
}
