package engine

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
)

// IssueKind says how an issue's values are declared.
type IssueKind int

// The kinds of issue a domain can hold.
const (
	Discrete IssueKind = iota // named values
	Integer                   // every integer in [Lower, Upper]
	Real                      // a continuous range [Lower, Upper], analysed on a grid
)

// String returns the kind's name as the GENIUS formats spell it.
func (k IssueKind) String() string {
	switch k {
	case Discrete:
		return "discrete"
	case Integer:
		return "integer"
	case Real:
		return "real"
	}
	return "IssueKind(" + strconv.Itoa(int(k)) + ")"
}

// DefaultRealSteps is the number of grid points a real issue is analysed on
// when its domain does not say otherwise. Both bounds are always on the grid.
const DefaultRealSteps = 11

// Issue is one negotiable issue of a domain. Whatever its kind, its values
// are addressed by a dense index 0..NumValues()-1: a discrete issue's values
// in declaration order, an integer issue's values Lower, Lower+1, …, Upper,
// and a real issue's grid Lower + i·(Upper−Lower)/(Steps−1).
type Issue struct {
	Name string
	Kind IssueKind
	// Values are the names of a discrete issue's values.
	Values []string
	// Lower and Upper bound an integer or real issue.
	Lower, Upper float64
	// Steps is the number of grid points of a real issue (0 means
	// DefaultRealSteps).
	Steps int
	// Index is the issue's index as declared in its source file (GENIUS
	// indices are not always 1..n); 0 when the source had none.
	Index int
}

// NumValues returns how many values the issue has (grid points for a real issue).
func (is *Issue) NumValues() int {
	switch is.Kind {
	case Discrete:
		return len(is.Values)
	case Integer:
		return int(is.Upper-is.Lower) + 1
	case Real:
		if is.Steps > 1 {
			return is.Steps
		}
		if is.Lower == is.Upper {
			return 1
		}
		return DefaultRealSteps
	}
	return 0
}

// Number returns the numeric value at index i of an integer or real issue.
func (is *Issue) Number(i int) float64 {
	switch is.Kind {
	case Integer:
		return is.Lower + float64(i)
	case Real:
		n := is.NumValues()
		if n <= 1 {
			return is.Lower
		}
		if i == n-1 {
			return is.Upper
		}
		return is.Lower + float64(i)*(is.Upper-is.Lower)/float64(n-1)
	}
	return math.NaN()
}

// ValueString returns the value at index i as text: the name of a discrete
// value, or the number of an integer or real value.
func (is *Issue) ValueString(i int) string {
	if is.Kind == Discrete {
		if i < 0 || i >= len(is.Values) {
			return "?"
		}
		return is.Values[i]
	}
	return strconv.FormatFloat(is.Number(i), 'f', -1, 64)
}

// Lookup returns the index of the value named s, or -1. Integer and real
// values are matched numerically (a real value to its nearest grid point when
// it lies within the range).
func (is *Issue) Lookup(s string) int {
	switch is.Kind {
	case Discrete:
		for i, v := range is.Values {
			if v == s {
				return i
			}
		}
		return -1
	case Integer:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f != math.Trunc(f) || f < is.Lower || f > is.Upper {
			return -1
		}
		return int(f - is.Lower)
	case Real:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < is.Lower || f > is.Upper || math.IsNaN(f) {
			return -1
		}
		n := is.NumValues()
		if n <= 1 {
			return 0
		}
		return int(math.Round((f - is.Lower) / (is.Upper - is.Lower) * float64(n-1)))
	}
	return -1
}

// Domain is a negotiation domain: a name and its issues. An outcome assigns
// one value to every issue.
type Domain struct {
	Name   string
	Issues []Issue
}

// Validate reports why the domain cannot be negotiated over, or nil.
func (d *Domain) Validate() error {
	if len(d.Issues) == 0 {
		return Errorf("domain %q has no issues; a domain needs at least one issue with at least one value", d.Name)
	}
	seen := make(map[string]bool, len(d.Issues))
	for i := range d.Issues {
		is := &d.Issues[i]
		if is.Name == "" {
			return Errorf("domain %q: issue %d has no name", d.Name, i+1)
		}
		if seen[is.Name] {
			return Errorf("domain %q: issue %q is declared twice; issue names must be unique", d.Name, is.Name)
		}
		seen[is.Name] = true
		switch is.Kind {
		case Discrete:
			if len(is.Values) == 0 {
				return Errorf("domain %q: issue %q has no values; a discrete issue needs at least one value", d.Name, is.Name)
			}
			vs := make(map[string]bool, len(is.Values))
			for _, v := range is.Values {
				if vs[v] {
					return Errorf("domain %q: issue %q declares value %q twice; values must be unique", d.Name, is.Name, v)
				}
				vs[v] = true
			}
		case Integer:
			if math.IsNaN(is.Lower) || math.IsNaN(is.Upper) || is.Lower != math.Trunc(is.Lower) || is.Upper != math.Trunc(is.Upper) || is.Upper < is.Lower {
				return Errorf("domain %q: integer issue %q has bounds [%v, %v]; they must be integers with lowerbound <= upperbound", d.Name, is.Name, is.Lower, is.Upper)
			}
			if is.Upper-is.Lower >= 1<<24 {
				return Errorf("domain %q: integer issue %q has %v values; at most %d are supported", d.Name, is.Name, is.Upper-is.Lower+1, 1<<24)
			}
		case Real:
			if math.IsNaN(is.Lower) || math.IsNaN(is.Upper) || math.IsInf(is.Lower, 0) || math.IsInf(is.Upper, 0) || is.Upper < is.Lower {
				return Errorf("domain %q: real issue %q has range [%v, %v]; it must be finite with lowerbound <= upperbound", d.Name, is.Name, is.Lower, is.Upper)
			}
			if is.Steps < 0 || is.Steps == 1 || is.Steps > 1<<24 {
				return Errorf("domain %q: real issue %q has %d grid steps; use 0 (default %d) or 2..%d", d.Name, is.Name, is.Steps, DefaultRealSteps, 1<<24)
			}
		default:
			return Errorf("domain %q: issue %q has unknown kind %d", d.Name, is.Name, is.Kind)
		}
	}
	return nil
}

// IssueIndex returns the position of the issue named name, or -1.
func (d *Domain) IssueIndex(name string) int {
	for i := range d.Issues {
		if d.Issues[i].Name == name {
			return i
		}
	}
	return -1
}

// Size returns the number of outcomes, exactly.
func (d *Domain) Size() *big.Int {
	n := big.NewInt(1)
	for i := range d.Issues {
		n.Mul(n, big.NewInt(int64(d.Issues[i].NumValues())))
	}
	return n
}

// SizeFloat returns the number of outcomes as a float64 (may be +Inf).
func (d *Domain) SizeFloat() float64 {
	n := 1.0
	for i := range d.Issues {
		n *= float64(d.Issues[i].NumValues())
	}
	return n
}

// HasReal reports whether any issue is continuous (and so analysed on a grid).
func (d *Domain) HasReal() bool {
	for i := range d.Issues {
		if d.Issues[i].Kind == Real {
			return true
		}
	}
	return false
}

// Outcome assigns a value index to every issue of a domain, in issue order.
type Outcome []int

// Clone returns a copy of o.
func (o Outcome) Clone() Outcome { return append(Outcome(nil), o...) }

// Names returns the outcome as issue name → value text.
func (d *Domain) Names(o Outcome) map[string]string {
	m := make(map[string]string, len(o))
	for i, v := range o {
		m[d.Issues[i].Name] = d.Issues[i].ValueString(v)
	}
	return m
}

// ParseOutcome turns issue name → value text into an Outcome. Every issue
// must be named exactly once and every value must belong to its issue.
func (d *Domain) ParseOutcome(m map[string]string) (Outcome, error) {
	o := make(Outcome, len(d.Issues))
	for name := range m {
		if d.IssueIndex(name) < 0 {
			return nil, Errorf("outcome names issue %q, which domain %q does not have; its issues are %s", name, d.Name, d.issueList())
		}
	}
	for i := range d.Issues {
		is := &d.Issues[i]
		s, ok := m[is.Name]
		if !ok {
			return nil, Errorf("outcome gives no value for issue %q; every issue of domain %q needs one", is.Name, d.Name)
		}
		v := is.Lookup(s)
		if v < 0 {
			return nil, Errorf("outcome gives issue %q the value %q; %s", is.Name, s, is.validValues())
		}
		o[i] = v
	}
	return o, nil
}

// ValidOutcome reports whether o is an outcome of d.
func (d *Domain) ValidOutcome(o Outcome) error {
	if len(o) != len(d.Issues) {
		return Errorf("outcome has %d values; domain %q has %d issues", len(o), d.Name, len(d.Issues))
	}
	for i, v := range o {
		if v < 0 || v >= d.Issues[i].NumValues() {
			return Errorf("outcome value %d for issue %q is out of range 0..%d", v, d.Issues[i].Name, d.Issues[i].NumValues()-1)
		}
	}
	return nil
}

func (d *Domain) issueList() string {
	s := ""
	for i := range d.Issues {
		if i > 0 {
			s += ", "
		}
		s += strconv.Quote(d.Issues[i].Name)
	}
	return s
}

func (is *Issue) validValues() string {
	switch is.Kind {
	case Discrete:
		s := "valid values are "
		for i, v := range is.Values {
			if i > 0 {
				s += ", "
			}
			if i == 8 && len(is.Values) > 10 {
				s += fmt.Sprintf("… (%d in all)", len(is.Values))
				break
			}
			s += strconv.Quote(v)
		}
		return s
	case Integer:
		return fmt.Sprintf("valid values are the integers %v..%v", is.Lower, is.Upper)
	}
	return fmt.Sprintf("valid values are numbers in [%v, %v]", is.Lower, is.Upper)
}

// Error is the engine's error: a message a user can act on. Callers above the
// engine map it to their own error codes (it is always a problem with the
// input, never an internal fault).
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with a formatted message.
func Errorf(format string, args ...any) error {
	return &Error{Message: fmt.Sprintf(format, args...)}
}

// clone returns a deep copy of the domain.
func (d *Domain) clone() *Domain {
	c := &Domain{Name: d.Name, Issues: append([]Issue(nil), d.Issues...)}
	for i := range c.Issues {
		c.Issues[i].Values = append([]string(nil), d.Issues[i].Values...)
	}
	return c
}
