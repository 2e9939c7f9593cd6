package genius

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"parley/engine"
)

// jv is a JSON value that keeps object keys in file order and the offset
// it starts at (for line numbers in errors).
type jv struct {
	kind byte // '{', '[', 's', 'n', 'b', '0' (null)
	keys []string
	vals []*jv
	str  string
	num  float64
	off  int64
}

func (v *jv) get(k string) *jv {
	if v == nil || v.kind != '{' {
		return nil
	}
	for i, kk := range v.keys {
		if kk == k {
			return v.vals[i]
		}
	}
	return nil
}

type jparser struct {
	file string
	src  []byte
	dec  *json.Decoder
}

func (p *jparser) line(off int64) int {
	if off > int64(len(p.src)) {
		off = int64(len(p.src))
	}
	return bytes.Count(p.src[:off], []byte("\n")) + 1
}

func (p *jparser) errAt(v *jv, format string, args ...any) error {
	return engine.Errorf("%s: line %d: %s", p.file, p.line(v.off), fmt.Sprintf(format, args...))
}

func (p *jparser) value(depth int) (*jv, error) {
	if depth > 100 {
		return nil, engine.Errorf("%s: line %d: JSON nested more than 100 deep", p.file, p.line(p.dec.InputOffset()))
	}
	off := p.dec.InputOffset()
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.malformed(err)
	}
	// InputOffset is before any whitespace; skip it for the line.
	for off < int64(len(p.src)) && strings.ContainsRune(" \t\r\n,:", rune(p.src[off])) {
		off++
	}
	v := &jv{off: off}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			v.kind = '{'
			for p.dec.More() {
				kt, err := p.dec.Token()
				if err != nil {
					return nil, p.malformed(err)
				}
				k, _ := kt.(string)
				c, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				v.keys = append(v.keys, k)
				v.vals = append(v.vals, c)
			}
		case '[':
			v.kind = '['
			for p.dec.More() {
				c, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				v.vals = append(v.vals, c)
			}
		default:
			return nil, p.malformed(fmt.Errorf("unexpected %v", t))
		}
		if _, err := p.dec.Token(); err != nil {
			return nil, p.malformed(err)
		}
	case string:
		v.kind, v.str = 's', t
	case json.Number:
		f, err := t.Float64()
		if err != nil || math.IsInf(f, 0) {
			return nil, p.errAt(v, "number %s is out of range", t)
		}
		v.kind, v.num, v.str = 'n', f, t.String()
	case bool:
		v.kind = 'b'
	case nil:
		v.kind = '0'
	}
	return v, nil
}

func (p *jparser) malformed(err error) error {
	return engine.Errorf("%s: line %d: malformed JSON: %v", p.file, p.line(p.dec.InputOffset()), err)
}

func parseJSON(file string, r io.Reader) (*jparser, *jv, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", file, err)
	}
	p := &jparser{file: file, src: b, dec: json.NewDecoder(bytes.NewReader(b))}
	p.dec.UseNumber()
	v, err := p.value(0)
	if err != nil {
		return nil, nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, nil, engine.Errorf("%s: line %d: malformed JSON: data after the top-level value", file, p.line(p.dec.InputOffset()))
	}
	if v.kind != '{' {
		return nil, nil, p.errAt(v, "the top level must be a JSON object")
	}
	return p, v, nil
}

// ReadDomainJSON reads a GeniusWeb domain ({"name", "issuesValues"}). Issues
// keep the order of the file.
func ReadDomainJSON(r io.Reader, file string) (*engine.Domain, error) {
	p, v, err := parseJSON(file, r)
	if err != nil {
		return nil, err
	}
	return p.domain(v)
}

func (p *jparser) domain(v *jv) (*engine.Domain, error) {
	d := &engine.Domain{}
	if n := v.get("name"); n != nil {
		if n.kind != 's' {
			return nil, p.errAt(n, `"name" must be a string`)
		}
		d.Name = n.str
	}
	iv := v.get("issuesValues")
	if iv == nil || iv.kind != '{' {
		return nil, p.errAt(v, `a GeniusWeb domain needs an "issuesValues" object mapping issue names to {"values": [...]}`)
	}
	if len(iv.keys) == 0 {
		return nil, p.errAt(iv, `"issuesValues" is empty; a domain needs at least one issue`)
	}
	for k, name := range iv.keys {
		vs := iv.vals[k]
		is := engine.Issue{Name: name}
		for _, prev := range d.Issues {
			if prev.Name == name {
				return nil, p.errAt(vs, "issue %q is declared twice; issue names must be unique", name)
			}
		}
		if vals := vs.get("values"); vals != nil {
			if vals.kind != '[' || len(vals.vals) == 0 {
				return nil, p.errAt(vals, `issue %q: "values" must be a non-empty array of strings`, name)
			}
			is.Kind = engine.Discrete
			for _, x := range vals.vals {
				if x.kind != 's' {
					return nil, p.errAt(x, "issue %q: values must be strings", name)
				}
				if is.Lookup(x.str) >= 0 {
					return nil, p.errAt(x, "issue %q declares value %q twice; values must be unique", name, x.str)
				}
				is.Values = append(is.Values, x.str)
			}
		} else if rg := vs.get("range"); rg != nil {
			lo, hi, st := rg.get("low"), rg.get("high"), rg.get("step")
			if lo == nil || hi == nil || st == nil || lo.kind != 'n' || hi.kind != 'n' || st.kind != 'n' {
				return nil, p.errAt(rg, `issue %q: "range" needs numbers "low", "high" and "step"`, name)
			}
			if hi.num < lo.num || st.num <= 0 {
				return nil, p.errAt(rg, "issue %q: range low %v, high %v, step %v; need low <= high and step > 0", name, lo.num, hi.num, st.num)
			}
			n := (hi.num - lo.num) / st.num
			if math.Abs(n-math.Round(n)) > 1e-9*math.Max(1, n) || n >= 1<<24 {
				return nil, p.errAt(rg, "issue %q: (high-low)/step = %v must be a whole number below %d", name, n, 1<<24)
			}
			if st.num == 1 && lo.num == math.Trunc(lo.num) && hi.num == math.Trunc(hi.num) {
				is.Kind, is.Lower, is.Upper = engine.Integer, lo.num, hi.num
			} else {
				is.Kind, is.Lower, is.Upper = engine.Real, lo.num, hi.num
				is.Steps = int(math.Round(n)) + 1
				if is.Steps == 1 {
					is.Steps = 0 // a single point: Lower == Upper
				}
			}
		} else {
			return nil, p.errAt(vs, `issue %q needs "values" (an array of strings) or "range" ({"low", "high", "step"})`, name)
		}
		d.Issues = append(d.Issues, is)
	}
	if err := d.Validate(); err != nil {
		return nil, engine.Errorf("%s: %v", p.file, err)
	}
	return d, nil
}

// ReadProfileJSON reads a GeniusWeb LinearAdditiveUtilitySpace. Discrete
// utilities are used as given (EvalTable). If d is nil the profile must
// embed its domain; otherwise an embedded domain must match d.
func ReadProfileJSON(r io.Reader, file string, d *engine.Domain) (engine.Profile, error) {
	p, top, err := parseJSON(file, r)
	if err != nil {
		return nil, err
	}
	v := top.get("LinearAdditiveUtilitySpace")
	if v == nil || v.kind != '{' {
		return nil, p.errAt(top, `a GeniusWeb profile needs a "LinearAdditiveUtilitySpace" object`)
	}
	if dv := v.get("domain"); dv != nil {
		own, err := p.domain(dv)
		if err != nil {
			return nil, err
		}
		if d == nil {
			d = own
		} else if err := sameDomain(own, d); err != nil {
			return nil, p.errAt(dv, "embedded domain differs from the domain: %v", err)
		}
	}
	if d == nil {
		return nil, p.errAt(v, `the profile embeds no "domain"; read it together with its domain file`)
	}
	prof := &engine.LinearAdditive{
		Dom:        d,
		Weights:    make([]float64, len(d.Issues)),
		Evaluators: make([]engine.Evaluator, len(d.Issues)),
	}
	if n := v.get("name"); n != nil && n.kind == 's' {
		prof.ProfileName = n.str
	} else {
		prof.ProfileName = profileName(file)
	}
	iu := v.get("issueUtilities")
	if iu == nil || iu.kind != '{' {
		return nil, p.errAt(v, `"issueUtilities" must be an object mapping every issue to its utilities`)
	}
	seen := make([]bool, len(d.Issues))
	for k, name := range iu.keys {
		u := iu.vals[k]
		i := d.IssueIndex(name)
		if i < 0 {
			return nil, p.errAt(u, "issueUtilities names issue %q, which domain %q lacks; its issues are %s", name, d.Name, quoteList(issueList(d)))
		}
		seen[i] = true
		is := &d.Issues[i]
		e := &prof.Evaluators[i]
		var du *jv
		for _, key := range []string{"discreteutils", "DiscreteValueSetUtilities"} {
			if x := u.get(key); x != nil {
				du = x
			}
		}
		if du != nil {
			if is.Kind != engine.Discrete {
				return nil, p.errAt(du, "issue %q is %s; discrete utilities need a discrete issue", name, is.Kind)
			}
			vu := du.get("valueUtilities")
			if vu == nil || vu.kind != '{' {
				return nil, p.errAt(du, `issue %q: "valueUtilities" must map values to numbers`, name)
			}
			e.Kind = engine.EvalTable
			e.Evaluations = make([]float64, len(is.Values))
			for j := range e.Evaluations {
				e.Evaluations[j] = math.NaN()
			}
			for j, val := range vu.keys {
				x := vu.vals[j]
				vi := is.Lookup(val)
				if vi < 0 {
					return nil, p.errAt(x, "issue %q has no value %q; %s", name, val, "its values are "+quoteList(is.Values))
				}
				if x.kind != 'n' {
					return nil, p.errAt(x, "issue %q value %q: utility must be a number", name, val)
				}
				e.Evaluations[vi] = x.num
			}
		} else if nu := u.get("numberutils"); nu != nil {
			if is.Kind == engine.Discrete {
				return nil, p.errAt(nu, "issue %q is discrete; numberutils need a numeric issue", name)
			}
			e.Kind = engine.EvalNumber
			for _, f := range []struct {
				k string
				p *float64
			}{{"lowValue", &e.LowValue}, {"lowUtility", &e.LowUtility}, {"highValue", &e.HighValue}, {"highUtility", &e.HighUtility}} {
				x := nu.get(f.k)
				if x == nil || x.kind != 'n' {
					return nil, p.errAt(nu, "issue %q: numberutils needs a number %q", name, f.k)
				}
				*f.p = x.num
			}
		} else {
			return nil, p.errAt(u, `issue %q needs "discreteutils" (or "DiscreteValueSetUtilities") or "numberutils"`, name)
		}
	}
	for i, ok := range seen {
		if !ok {
			return nil, p.errAt(iu, "issue %q has no utilities; every issue of the domain needs them", d.Issues[i].Name)
		}
	}
	iw := v.get("issueWeights")
	if iw == nil || iw.kind != '{' {
		return nil, p.errAt(v, `"issueWeights" must be an object mapping every issue to a weight`)
	}
	seen = make([]bool, len(d.Issues))
	for k, name := range iw.keys {
		x := iw.vals[k]
		i := d.IssueIndex(name)
		if i < 0 {
			return nil, p.errAt(x, "issueWeights names issue %q, which domain %q lacks; its issues are %s", name, d.Name, quoteList(issueList(d)))
		}
		if x.kind != 'n' || x.num < 0 {
			return nil, p.errAt(x, "issue %q: weight must be a number >= 0", name)
		}
		prof.Weights[i], seen[i] = x.num, true
	}
	for i, ok := range seen {
		if !ok {
			return nil, p.errAt(iw, "issue %q has no weight; every issue needs one", d.Issues[i].Name)
		}
	}
	if rb := v.get("reservationBid"); rb != nil {
		iv := rb.get("issuevalues")
		if iv == nil || iv.kind != '{' {
			return nil, p.errAt(rb, `"reservationBid" needs an "issuevalues" object`)
		}
		m := map[string]string{}
		for k, name := range iv.keys {
			x := iv.vals[k]
			switch x.kind {
			case 's', 'n':
				m[name] = x.str
			default:
				return nil, p.errAt(x, "reservation bid value for issue %q must be a string or number", name)
			}
		}
		o, err := d.ParseOutcome(m)
		if err != nil {
			return nil, p.errAt(rb, "reservationBid: %v", err)
		}
		prof.ReservationBid = o
	}
	if err := prof.Compile(); err != nil {
		return nil, engine.Errorf("%s: %v", file, err)
	}
	return prof, nil
}

func issueList(d *engine.Domain) []string {
	s := make([]string, len(d.Issues))
	for i := range d.Issues {
		s[i] = d.Issues[i].Name
	}
	return s
}

// sameDomain reports how two domains differ in issues or values, or nil.
func sameDomain(a, b *engine.Domain) error {
	if len(a.Issues) != len(b.Issues) {
		return fmt.Errorf("%d issues vs %d", len(a.Issues), len(b.Issues))
	}
	for i := range a.Issues {
		x := &a.Issues[i]
		j := b.IssueIndex(x.Name)
		if j < 0 {
			return fmt.Errorf("issue %q is not in the domain", x.Name)
		}
		y := &b.Issues[j]
		if x.Kind != y.Kind || x.Lower != y.Lower || x.Upper != y.Upper || len(x.Values) != len(y.Values) {
			return fmt.Errorf("issue %q differs", x.Name)
		}
		for _, v := range x.Values {
			if y.Lookup(v) < 0 {
				return fmt.Errorf("issue %q: value %q is not in the domain", x.Name, v)
			}
		}
	}
	return nil
}

// WriteDomainJSON writes d as a GeniusWeb domain.
func WriteDomainJSON(w io.Writer, d *engine.Domain) error {
	var b bytes.Buffer
	writeDomainJSON(&b, d, "")
	b.WriteString("\n")
	_, err := w.Write(b.Bytes())
	return err
}

func jstr(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func jnum(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func writeDomainJSON(b *bytes.Buffer, d *engine.Domain, ind string) {
	fmt.Fprintf(b, "{\n%s\t\"name\": %s,\n%s\t\"issuesValues\": {\n", ind, jstr(d.Name), ind)
	for i := range d.Issues {
		is := &d.Issues[i]
		fmt.Fprintf(b, "%s\t\t%s: ", ind, jstr(is.Name))
		switch is.Kind {
		case engine.Discrete:
			b.WriteString("{\"values\": [")
			for k, v := range is.Values {
				if k > 0 {
					b.WriteString(", ")
				}
				b.WriteString(jstr(v))
			}
			b.WriteString("]}")
		case engine.Integer:
			fmt.Fprintf(b, `{"range": {"low": %s, "high": %s, "step": 1}}`, jnum(is.Lower), jnum(is.Upper))
		case engine.Real:
			n := is.NumValues()
			step := 1.0
			if n > 1 {
				step = (is.Upper - is.Lower) / float64(n-1)
			}
			fmt.Fprintf(b, `{"range": {"low": %s, "high": %s, "step": %s}}`, jnum(is.Lower), jnum(is.Upper), jnum(step))
		}
		if i < len(d.Issues)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(b, "%s\t}\n%s}", ind, ind)
}

// WriteProfileJSON writes a linear additive profile as a GeniusWeb
// LinearAdditiveUtilitySpace with its domain embedded. GENIUS discrete
// evaluations are written divided by their maximum (as GENIUS evaluates
// them); evaluators GeniusWeb cannot express exactly are refused.
func WriteProfileJSON(w io.Writer, p engine.Profile) error {
	la, ok := p.(*engine.LinearAdditive)
	if !ok {
		return engine.Errorf("profile %q is a %T; GeniusWeb JSON holds only linear additive profiles", p.Name(), p)
	}
	if la.Discount > 0 && la.Discount < 1 {
		return engine.Errorf("profile %q has discount factor %v; GeniusWeb JSON cannot express a discount", la.ProfileName, la.Discount)
	}
	if la.CapBinds() && maxSum(la) > 1+1e-12 { // not a rounding error in weights that add up to 1
		return engine.Errorf("profile %q can add up to more than 1, where GENIUS caps its utility at 1; GeniusWeb JSON cannot express the cap (its weights must add up to 1)", la.ProfileName)
	}
	d := la.Dom
	var b bytes.Buffer
	fmt.Fprintf(&b, "{\n\t\"LinearAdditiveUtilitySpace\": {\n\t\t\"name\": %s,\n\t\t\"issueUtilities\": {\n", jstr(la.ProfileName))
	for i := range d.Issues {
		is := &d.Issues[i]
		e := &la.Evaluators[i]
		fmt.Fprintf(&b, "\t\t\t%s: ", jstr(is.Name))
		switch e.Kind {
		case engine.EvalTable, engine.EvalDiscrete:
			b.WriteString(`{"discreteutils": {"valueUtilities": {`)
			first := true
			for v := range is.Values {
				x := e.Evaluations[v]
				if math.IsNaN(x) {
					continue
				}
				if e.Kind == engine.EvalDiscrete {
					x = e.Eval(is, v)
				}
				if !first {
					b.WriteString(", ")
				}
				first = false
				fmt.Fprintf(&b, "%s: %s", jstr(is.Values[v]), jnum(x))
			}
			b.WriteString("}}}")
		default:
			var lv, lu, hv, hu float64
			switch e.Kind {
			case engine.EvalNumber:
				lv, lu, hv, hu = e.LowValue, e.LowUtility, e.HighValue, e.HighUtility
			case engine.EvalLinear, engine.EvalRealLinear, engine.EvalConstant:
				n := is.NumValues()
				lv, hv = is.Number(0), is.Number(n-1)
				lu, hu = e.Eval(is, 0), e.Eval(is, n-1)
				// Exact only if the evaluator is linear (unclamped) in between.
				for v := 0; v < n; v++ {
					x := is.Number(v)
					want := lu
					if hv != lv {
						want = lu + (x-lv)*(hu-lu)/(hv-lv)
					}
					if math.Abs(e.Eval(is, v)-want) > 1e-12 {
						return engine.Errorf("profile %q: issue %q: the evaluator is clamped inside the range, which GeniusWeb numberutils cannot express", la.ProfileName, is.Name)
					}
				}
			default:
				return engine.Errorf("profile %q: issue %q: a %v evaluator cannot be written as GeniusWeb JSON", la.ProfileName, is.Name, e.Kind)
			}
			fmt.Fprintf(&b, `{"numberutils": {"lowValue": %s, "lowUtility": %s, "highValue": %s, "highUtility": %s}}`, jnum(lv), jnum(lu), jnum(hv), jnum(hu))
		}
		if i < len(d.Issues)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("\t\t},\n\t\t\"issueWeights\": {\n")
	for i := range d.Issues {
		fmt.Fprintf(&b, "\t\t\t%s: %s", jstr(d.Issues[i].Name), jnum(la.Weights[i]))
		if i < len(d.Issues)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("\t\t},\n\t\t\"domain\": ")
	writeDomainJSON(&b, d, "\t\t")
	if la.ReservationBid != nil {
		b.WriteString(",\n\t\t\"reservationBid\": {\"issuevalues\": {")
		for i, v := range la.ReservationBid {
			if i > 0 {
				b.WriteString(", ")
			}
			is := &d.Issues[i]
			val := jstr(is.ValueString(v))
			if is.Kind != engine.Discrete {
				val = jnum(is.Number(v))
			}
			fmt.Fprintf(&b, "%s: %s", jstr(is.Name), val)
		}
		b.WriteString("}}")
	} else if la.ReservationValue != 0 {
		return engine.Errorf("profile %q has reservation value %v; GeniusWeb JSON can only express a reservation bid", la.ProfileName, la.ReservationValue)
	}
	b.WriteString("\n\t}\n}\n")
	_, err := w.Write(b.Bytes())
	return err
}

// maxSum is the greatest Σ_i w_i·eval_i of a linear profile, before any cap.
func maxSum(la *engine.LinearAdditive) float64 {
	s := 0.0
	for i := range la.Dom.Issues {
		m := math.Inf(-1)
		for v := 0; v < la.Dom.Issues[i].NumValues(); v++ {
			m = math.Max(m, la.Contribution(i, v))
		}
		s += m
	}
	return s
}
