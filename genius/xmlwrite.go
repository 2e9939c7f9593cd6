package genius

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"

	"parley/engine"
)

func xattr(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return `"` + b.String() + `"`
}

func xnum(x float64) string { return `"` + strconv.FormatFloat(x, 'g', -1, 64) + `"` }

// xindex is the GENIUS index written for issue i: its own, or i+1 when it
// has none (a domain read from JSON).
func xindex(d *engine.Domain, i int) int {
	if d.Issues[i].Index != 0 {
		return d.Issues[i].Index
	}
	return i + 1
}

func writeIssueOpen(b *bytes.Buffer, d *engine.Domain, i int) {
	is := &d.Issues[i]
	k := is.Kind.String()
	fmt.Fprintf(b, "\t\t<issue index=\"%d\" etype=%q type=%q vtype=%q name=%s", xindex(d, i), k, k, k, xattr(is.Name))
	if is.Kind == engine.Integer {
		fmt.Fprintf(b, " lowerbound=\"%d\" upperbound=\"%d\"", int64(is.Lower), int64(is.Upper))
	}
	b.WriteString(">\n")
	if is.Kind == engine.Real {
		fmt.Fprintf(b, "\t\t\t<range lowerbound=%s upperbound=%s/>\n", xnum(is.Lower), xnum(is.Upper))
	}
}

func writeObjectiveOpen(b *bytes.Buffer, d *engine.Domain) {
	fmt.Fprintf(b, "\t<objective index=\"0\" etype=\"objective\" type=\"objective\" description=\"\" name=%s>\n", xattr(d.Name))
}

// WriteDomainXML writes d as a GENIUS domain (<negotiation_template>).
func WriteDomainXML(w io.Writer, d *engine.Domain) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<negotiation_template>\n<utility_space number_of_issues=\"%d\">\n", len(d.Issues))
	writeObjectiveOpen(&b, d)
	for i := range d.Issues {
		writeIssueOpen(&b, d, i)
		for k, v := range d.Issues[i].Values {
			fmt.Fprintf(&b, "\t\t\t<item index=\"%d\" value=%s/>\n", k+1, xattr(v))
		}
		b.WriteString("\t\t</issue>\n")
	}
	b.WriteString("\t</objective>\n</utility_space>\n</negotiation_template>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// WriteProfileXML writes p as a GENIUS profile (<utility_space>): linear
// additive, nonlinear or constraint. A GeniusWeb table evaluator is written
// with its weight scaled by the table's maximum, which GENIUS divides out.
func WriteProfileXML(w io.Writer, p engine.Profile) error {
	var b bytes.Buffer
	d := p.Domain()
	var rv, disc float64
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
	switch q := p.(type) {
	case *engine.LinearAdditive:
		if q.ReservationBid != nil {
			return engine.Errorf("profile %q has a reservation bid; GENIUS XML can only express a reservation value", q.ProfileName)
		}
		rv, disc = q.ReservationValue, q.Discount
		b.WriteString("<utility_space>\n")
		writeObjectiveOpen(&b, d)
		weights := append([]float64(nil), q.Weights...)
		for i := range d.Issues {
			is := &d.Issues[i]
			e := &q.Evaluators[i]
			writeIssueOpen(&b, d, i)
			switch e.Kind {
			case engine.EvalDiscrete, engine.EvalTable:
				if e.Kind == engine.EvalTable {
					m := 0.0
					for _, x := range e.Evaluations {
						if x > m {
							m = x
						}
					}
					if m >= 1e-5 {
						weights[i] *= m
					}
				}
				for k, v := range is.Values {
					ev := "\"null\""
					if x := e.Evaluations[k]; !math.IsNaN(x) {
						ev = xnum(x)
					}
					fmt.Fprintf(&b, "\t\t\t<item index=\"%d\" value=%s evaluation=%s/>\n", k+1, xattr(v), ev)
				}
			case engine.EvalLinear:
				fmt.Fprintf(&b, "\t\t\t<evaluator ftype=\"linear\" slope=%s offset=%s/>\n", xnum(e.Slope), xnum(e.Offset))
			case engine.EvalRealLinear:
				fmt.Fprintf(&b, "\t\t\t<evaluator ftype=\"linear\" parameter0=%s parameter1=%s/>\n", xnum(e.P0), xnum(e.P1))
			case engine.EvalConstant:
				fmt.Fprintf(&b, "\t\t\t<evaluator ftype=\"constant\" parameter0=%s/>\n", xnum(e.P0))
			case engine.EvalTriangular:
				fmt.Fprintf(&b, "\t\t\t<evaluator ftype=\"triangular\" parameter0=%s parameter1=%s parameter2=%s/>\n", xnum(e.Low), xnum(e.High), xnum(e.Top))
			default:
				return engine.Errorf("profile %q: issue %q: a %v evaluator cannot be written as GENIUS XML", q.ProfileName, is.Name, e.Kind)
			}
			b.WriteString("\t\t</issue>\n")
		}
		for i := range d.Issues {
			fmt.Fprintf(&b, "\t\t<weight index=\"%d\" value=%s/>\n", xindex(d, i), xnum(weights[i]))
		}
	case *engine.Hyperrectangle:
		rv, disc = q.ReservationValue, q.Discount
		b.WriteString("<utility_space type=\"nonlinear\">\n")
		writeObjectiveOpen(&b, d)
		writeIssuesPlain(&b, d)
		fmt.Fprintf(&b, "\t\t<utility maxutility=%s>\n", xnum(q.MaxUtility))
		writeUfun(&b, d, &q.Fun, "\t\t\t")
		b.WriteString("\t\t</utility>\n")
	case *engine.Constraint:
		rv, disc = q.ReservationValue, q.Discount
		b.WriteString("<utility_space type=\"constraint\">\n")
		writeObjectiveOpen(&b, d)
		writeIssuesPlain(&b, d)
		b.WriteString("\t\t<rules>\n\t\t\t<ranks>\n")
		for _, ri := range q.Ranks {
			fmt.Fprintf(&b, "\t\t\t\t<issue index=\"%d\">\n", ri.Index)
			for k, r := range ri.Ranks {
				fmt.Fprintf(&b, "\t\t\t\t\t<item index=\"%d\" rank=\"%d\" value=%s/>\n", k+1, r.Rank, xattr(r.Value))
			}
			b.WriteString("\t\t\t\t</issue>\n")
		}
		b.WriteString("\t\t\t</ranks>\n\t\t\t<constraints>\n")
		for _, r := range q.Rules {
			fmt.Fprintf(&b, "\t\t\t\t<constraint type=%s", xattr(r.Type))
			if r.Type != engine.InclusiveZeroOutcomeConstraint && r.Type != engine.ConditionalZeroOutcomeConstraint {
				fmt.Fprintf(&b, " index=\"%d\"", r.Index)
			}
			switch r.Type {
			case engine.ConditionalZeroConstraint, engine.SumZeroConstraint, engine.SumZeroNotConstraint:
				fmt.Fprintf(&b, " value=%s", xattr(r.Value))
			}
			switch r.Type {
			case engine.SumZeroConstraint, engine.SumZeroNotConstraint, engine.SumZeroConstraintList:
				fmt.Fprintf(&b, " min=\"%d\" max=\"%d\"", r.Min, r.Max)
			}
			b.WriteString(">\n")
			child, attr := "valueassignment", "value"
			if r.Type == engine.InclusiveZeroOutcomeConstraint || r.Type == engine.ConditionalZeroOutcomeConstraint {
				child, attr = "checkassignment", "condition"
			}
			for _, a := range r.Assignments {
				fmt.Fprintf(&b, "\t\t\t\t\t<%s index=\"%d\" %s=%s/>\n", child, a.Index, attr, xattr(a.Value))
			}
			for _, ix := range r.Related {
				fmt.Fprintf(&b, "\t\t\t\t\t<item index=\"%d\"/>\n", ix)
			}
			for _, c := range r.Conditions {
				fmt.Fprintf(&b, "\t\t\t\t\t<condition value=%s/>\n", xattr(c))
			}
			b.WriteString("\t\t\t\t</constraint>\n")
		}
		b.WriteString("\t\t\t</constraints>\n\t\t</rules>\n")
	default:
		return engine.Errorf("profile %q is a %T, which GENIUS XML cannot hold", p.Name(), p)
	}
	b.WriteString("\t</objective>\n")
	fmt.Fprintf(&b, "\t<discount_factor value=%s/>\n\t<reservation value=%s/>\n</utility_space>\n", xnum(disc), xnum(rv))
	_, err := w.Write(b.Bytes())
	return err
}

func writeIssuesPlain(b *bytes.Buffer, d *engine.Domain) {
	for i := range d.Issues {
		writeIssueOpen(b, d, i)
		for k, v := range d.Issues[i].Values {
			fmt.Fprintf(b, "\t\t\t<item index=\"%d\" value=%s/>\n", k+1, xattr(v))
		}
		b.WriteString("\t\t</issue>\n")
	}
}

func writeUfun(b *bytes.Buffer, d *engine.Domain, f *engine.Ufun, ind string) {
	fmt.Fprintf(b, "%s<ufun type=\"PlainUfun\" weight=%s aggregation=%q>\n", ind, xnum(f.Weight), f.Aggregation.String())
	for _, r := range f.Rectangles {
		fmt.Fprintf(b, "%s\t<hyperRectangle utility=%s weight=%s>\n", ind, xnum(r.Utility), xnum(r.Weight))
		tag := "INCLUDES"
		if r.Exclusive {
			tag = "EXCLUDES"
		}
		for _, bd := range r.Bounds {
			fmt.Fprintf(b, "%s\t\t<%s index=\"%d\" min=\"%d\" max=\"%d\"/>\n", ind, tag, xindex(d, bd.Issue), bd.Min, bd.Max)
		}
		fmt.Fprintf(b, "%s\t</hyperRectangle>\n", ind)
	}
	for i := range f.Ufuns {
		writeUfun(b, d, &f.Ufuns[i], ind+"\t")
	}
	fmt.Fprintf(b, "%s</ufun>\n", ind)
}
