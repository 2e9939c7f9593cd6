package genius

import (
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"parley/engine"
)

// ReadDomainXML reads a GENIUS domain (<negotiation_template>). file names
// the input in errors.
func ReadDomainXML(r io.Reader, file string) (*engine.Domain, error) {
	root, err := parseXML(file, r)
	if err != nil {
		return nil, err
	}
	if root.name != "negotiation_template" {
		return nil, xerr(file, root, "a GENIUS domain's root element must be <negotiation_template>")
	}
	us := root.first("utility_space")
	if us == nil {
		return nil, xerr(file, root, "no <utility_space> element; a domain declares its issues in <utility_space><objective>")
	}
	return domainFromSpace(file, us)
}

// objectiveOf returns the element holding the issues: <objective>, or the
// <utility_space> itself in old files without one (inheritance domain).
func objectiveOf(us *node) *node {
	if obj := us.first("objective"); obj != nil {
		return obj
	}
	if us.first("issue") != nil {
		return us
	}
	return nil
}

func domainFromSpace(file string, us *node) (*engine.Domain, error) {
	return domainFromSpaceWith(file, us, nil)
}

// domainFromSpaceWith reads the issues under us. With a domain dom (a
// profile read against its domain), issue types come from dom when the
// profile's own are missing or unknown and repeated values are allowed (the
// last evaluation wins, as in GENIUS).
func domainFromSpaceWith(file string, us *node, dom *engine.Domain) (*engine.Domain, error) {
	obj := objectiveOf(us)
	if obj == nil {
		return nil, xerr(file, us, "no <objective> element; issues are declared in <objective>")
	}
	name, _ := obj.attr("name")
	d := &engine.Domain{Name: name}
	for _, in := range obj.all("issue") {
		is, err := readIssue(file, in, dom)
		if err != nil {
			return nil, err
		}
		for k := range d.Issues {
			if d.Issues[k].Index == is.Index {
				return nil, xerr(file, in, "issue index %d is already used by issue %q; issue indices must be unique", is.Index, d.Issues[k].Name)
			}
			if d.Issues[k].Name == is.Name {
				return nil, xerr(file, in, "issue %q is declared twice; issue names must be unique", is.Name)
			}
		}
		d.Issues = append(d.Issues, is)
	}
	if len(d.Issues) == 0 {
		return nil, xerr(file, obj, "the domain has no issues; declare at least one <issue>")
	}
	if dom != nil {
		return d, nil
	}
	if err := d.Validate(); err != nil {
		return nil, engine.Errorf("%s: %v", file, err)
	}
	return d, nil
}

func intAttr(file string, n *node, name string) (int, error) {
	s, ok := n.attr(name)
	if !ok {
		return 0, xerr(file, n, "missing attribute %s; it must be an integer", name)
	}
	x, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
	if err != nil {
		return 0, xerr(file, n, "%s=%q is not an integer", name, s)
	}
	return int(x), nil
}

func floatAttr(file string, n *node, name string) (float64, error) {
	s, ok := n.attr(name)
	if !ok {
		return 0, xerr(file, n, "missing attribute %s; it must be a number", name)
	}
	x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, xerr(file, n, "%s=%q is not a finite number", name, s)
	}
	return x, nil
}

func readIssue(file string, in *node, dom *engine.Domain) (engine.Issue, error) {
	var is engine.Issue
	idx, err := intAttr(file, in, "index")
	if err != nil {
		return is, err
	}
	is.Index = idx
	name, ok := in.attr("name")
	if !ok || name == "" {
		return is, xerr(file, in, "issue has no name; give it a name attribute")
	}
	is.Name = name
	typ := ""
	for _, k := range []string{"type", "vtype", "etype"} {
		if v, ok := in.attr(k); ok {
			typ = v
			break
		}
	}
	if dom != nil {
		for i := range dom.Issues {
			if dom.Issues[i].Index == idx {
				typ = dom.Issues[i].Kind.String()
			}
		}
	}
	if typ == "" && in.first("item") != nil {
		typ = "discrete" // GENIUS's default issue type
	}
	switch strings.ToLower(typ) {
	case "discrete":
		is.Kind = engine.Discrete
		for _, it := range in.all("item") {
			v, ok := it.attr("value")
			if !ok {
				return is, xerr(file, it, "item of issue %q has no value attribute", name)
			}
			if is.Lookup(v) >= 0 {
				if dom != nil {
					continue
				}
				return is, xerr(file, it, "issue %q declares value %q twice; values must be unique", name, v)
			}
			is.Values = append(is.Values, v)
		}
		if len(is.Values) == 0 {
			return is, xerr(file, in, "discrete issue %q has no <item> values; declare at least one", name)
		}
	case "integer":
		is.Kind = engine.Integer
		bn := in
		if _, ok := in.attr("lowerbound"); !ok && in.first("range") != nil {
			bn = in.first("range") // web_service declares integer bounds in <range>
		}
		lo, err := intAttr(file, bn, "lowerbound")
		if err != nil {
			return is, err
		}
		hi, err := intAttr(file, bn, "upperbound")
		if err != nil {
			return is, err
		}
		if hi < lo || hi-lo >= 1<<24 {
			return is, xerr(file, in, "integer bounds [%d, %d]; need lowerbound <= upperbound and at most %d values", lo, hi, 1<<24)
		}
		is.Lower, is.Upper = float64(lo), float64(hi)
	case "real":
		is.Kind = engine.Real
		rn := in.first("range")
		if rn == nil {
			return is, xerr(file, in, "real issue %q has no <range lowerbound upperbound> element", name)
		}
		lo, err := floatAttr(file, rn, "lowerbound")
		if err != nil {
			return is, err
		}
		hi, err := floatAttr(file, rn, "upperbound")
		if err != nil {
			return is, err
		}
		if hi < lo {
			return is, xerr(file, rn, "range [%v, %v] is empty; need lowerbound <= upperbound", lo, hi)
		}
		is.Lower, is.Upper = lo, hi
	default:
		return is, xerr(file, in, "issue type %q is not supported; use discrete, integer or real", typ)
	}
	return is, nil
}

// ReadProfileXML reads a GENIUS profile (<utility_space>): linear additive
// (also type="UNCERTAIN"), nonlinear (hyperrectangles) or constraint. file
// names the input in errors, and its base name without extension names the
// profile. If d is nil the profile's own issue declarations are its domain;
// otherwise they must match d.
func ReadProfileXML(r io.Reader, file string, d *engine.Domain) (engine.Profile, error) {
	root, err := parseXML(file, r)
	if err != nil {
		return nil, err
	}
	if root.name != "utility_space" {
		return nil, xerr(file, root, "a GENIUS profile's root element must be <utility_space>")
	}
	own, err := domainFromSpaceWith(file, root, d)
	if err != nil {
		return nil, err
	}
	obj := objectiveOf(root)
	if d == nil {
		d = own
	} else if err := matchDomain(file, obj, own, d); err != nil {
		return nil, err
	}
	// pos maps a GENIUS issue index to the issue's position in d.
	pos := func(n *node, index int) (int, error) {
		for i := range d.Issues {
			if d.Issues[i].Index == index {
				return i, nil
			}
		}
		return 0, xerr(file, n, "no issue has index %d; issues have indices %s", index, indexList(d))
	}
	rv, disc := 0.0, 0.0
	if n := root.first("reservation"); n != nil {
		if rv, err = floatAttr(file, n, "value"); err != nil {
			return nil, err
		}
	}
	if n := root.first("discount_factor"); n != nil {
		if disc, err = floatAttr(file, n, "value"); err != nil {
			return nil, err
		}
	}
	pname := profileName(file)
	typ, _ := root.attr("type")
	var p engine.Profile
	switch strings.ToLower(typ) {
	case "", "linear", "uncertain":
		p, err = readLinearXML(file, obj, d, pos, pname, rv, disc)
		if la, ok := p.(*engine.LinearAdditive); ok && err == nil && root.first("objective") == nil {
			// GENIUS reads weights and evaluators only from <objective>; a
			// profile that declares its issues directly under
			// <utility_space> (the old inheritance domain) evaluates every
			// outcome to 0 there, and parley keeps GENIUS's semantics.
			for i := range la.Weights {
				la.Weights[i] = 0
			}
			err = la.Compile()
		}
	case "nonlinear":
		p, err = readNonlinearXML(file, obj, d, pos, pname, rv, disc)
	case "constraint":
		p, err = readConstraintXML(file, obj, d, pos, pname, rv, disc)
	default:
		return nil, xerr(file, root, "profile type %q is not supported; use linear (no type), UNCERTAIN, nonlinear or constraint", typ)
	}
	return p, err
}

func profileName(file string) string {
	base := file
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	if i := strings.LastIndex(base, "."); i > 0 {
		base = base[:i]
	}
	return base
}

func hasIndex(d *engine.Domain, index int) bool {
	for i := range d.Issues {
		if d.Issues[i].Index == index {
			return true
		}
	}
	return false
}

func indexList(d *engine.Domain) string {
	s := make([]string, len(d.Issues))
	for i := range d.Issues {
		s[i] = strconv.Itoa(d.Issues[i].Index)
	}
	return strings.Join(s, ", ")
}

// matchDomain checks that a profile's own issue declarations are those of d.
func matchDomain(file string, obj *node, own, d *engine.Domain) error {
	issueNodes := obj.all("issue")
	for k := range own.Issues {
		pi := &own.Issues[k]
		n := issueNodes[k]
		var di *engine.Issue
		for i := range d.Issues {
			if d.Issues[i].Index == pi.Index {
				di = &d.Issues[i]
			}
		}
		if di == nil {
			return xerr(file, n, "the domain has no issue with index %d; its issues have indices %s", pi.Index, indexList(d))
		}
		if di.Name != pi.Name {
			return xerr(file, n, "issue %d is named %q here but %q in the domain", pi.Index, pi.Name, di.Name)
		}
		if di.Kind != pi.Kind {
			return xerr(file, n, "issue %q is %s here but %s in the domain", pi.Name, pi.Kind, di.Kind)
		}
		switch pi.Kind {
		case engine.Discrete:
			for _, v := range pi.Values {
				if di.Lookup(v) < 0 {
					return xerr(file, n, "issue %q has value %q, which the domain's issue lacks; the domain's values are %s", pi.Name, v, quoteList(di.Values))
				}
			}
			// A domain value the profile omits has no evaluation (it
			// evaluates to 0), as in building_construction.
		default:
			// GENIUS takes numeric bounds from the domain; a profile's own
			// bounds only shift an integer evaluator (see readLinearXML).
		}
	}
	if len(own.Issues) != len(d.Issues) {
		return xerr(file, obj, "the profile declares %d issues; the domain has %d", len(own.Issues), len(d.Issues))
	}
	return nil
}

func quoteList(vs []string) string {
	q := make([]string, 0, len(vs))
	for i, v := range vs {
		if i == 10 {
			q = append(q, "…")
			break
		}
		q = append(q, strconv.Quote(v))
	}
	return strings.Join(q, ", ")
}

type posFunc func(n *node, index int) (int, error)

func readLinearXML(file string, obj *node, d *engine.Domain, pos posFunc, name string, rv, disc float64) (engine.Profile, error) {
	p := &engine.LinearAdditive{
		ProfileName:      name,
		Dom:              d,
		Weights:          make([]float64, len(d.Issues)),
		Evaluators:       make([]engine.Evaluator, len(d.Issues)),
		ReservationValue: rv,
		Discount:         disc,
		// GENIUS caps an additive utility at 1 and uses the weights as
		// stored, even where they add up to more than 1.
		Cap: true,
	}
	hasWeight := make([]bool, len(d.Issues))
	for _, wn := range obj.all("weight") {
		idx, err := intAttr(file, wn, "index")
		if err != nil {
			return nil, err
		}
		if oi, ok := obj.attr("index"); ok && oi == strconv.Itoa(idx) && !hasIndex(d, idx) {
			continue // the objective's own weight (Fitness): not an issue's
		}
		i, err := pos(wn, idx)
		if err != nil {
			return nil, err
		}
		w, err := floatAttr(file, wn, "value")
		if err != nil {
			return nil, err
		}
		if w < 0 {
			return nil, xerr(file, wn, "weight %v is negative; weights must be >= 0", w)
		}
		if hasWeight[i] {
			return nil, xerr(file, wn, "issue %q has a second weight; give each issue one", d.Issues[i].Name)
		}
		hasWeight[i] = true
		p.Weights[i] = w
	}
	for i, ok := range hasWeight {
		if !ok {
			return nil, xerr(file, obj, "issue %q (index %d) has no <weight>; every issue needs one", d.Issues[i].Name, d.Issues[i].Index)
		}
	}
	for _, in := range obj.all("issue") {
		idx, _ := intAttr(file, in, "index")
		i, err := pos(in, idx)
		if err != nil {
			return nil, err
		}
		is := &d.Issues[i]
		e := &p.Evaluators[i]
		switch is.Kind {
		case engine.Discrete:
			e.Kind = engine.EvalDiscrete
			e.Evaluations = make([]float64, len(is.Values))
			for k := range e.Evaluations {
				e.Evaluations[k] = math.NaN()
			}
			for _, it := range in.all("item") {
				v, _ := it.attr("value")
				k := is.Lookup(v)
				s, ok := it.attr("evaluation")
				if !ok || strings.TrimSpace(s) == "null" {
					continue
				}
				x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
				if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
					return nil, xerr(file, it, "evaluation=%q is not a finite number (or \"null\")", s)
				}
				e.Evaluations[k] = x
			}
		case engine.Integer:
			e.Kind = engine.EvalLinear
			en := in.first("evaluator")
			if en != nil {
				if _, ok := en.attr("slope"); !ok {
					if _, ok := en.attr("parameter1"); ok {
						// Old GENIUS integer evaluator (web_service):
						// parameter0 + parameter1·x, like a real linear one.
						e.Kind = engine.EvalRealLinear
						if e.P0, err = floatAttr(file, en, "parameter0"); err != nil {
							return nil, err
						}
						if e.P1, err = floatAttr(file, en, "parameter1"); err != nil {
							return nil, err
						}
						en = nil
					}
				}
			}
			if en != nil {
				if e.Slope, err = floatAttr(file, en, "slope"); err != nil {
					return nil, err
				}
				if e.Offset, err = floatAttr(file, en, "offset"); err != nil {
					return nil, err
				}
				// GENIUS evaluates offset + slope·(x − lowerbound) with the
				// profile's own lowerbound; rebase it on the domain's.
				if lo, err := intAttr(file, in, "lowerbound"); err == nil && float64(lo) != is.Lower {
					e.Offset += e.Slope * (is.Lower - float64(lo))
				}
			}
		case engine.Real:
			en := in.first("evaluator")
			if en == nil {
				return nil, xerr(file, in, "real issue %q has no <evaluator>; give it ftype linear, triangular or constant", is.Name)
			}
			ft, _ := en.attr("ftype")
			params := map[string]*float64{}
			switch strings.ToLower(ft) {
			case "linear":
				e.Kind = engine.EvalRealLinear
				params["parameter0"], params["parameter1"] = &e.P0, &e.P1
			case "constant":
				e.Kind = engine.EvalConstant
				params["parameter0"] = &e.P0
			case "triangular":
				e.Kind = engine.EvalTriangular
				params["parameter0"], params["parameter1"], params["parameter2"] = &e.Low, &e.High, &e.Top
			default:
				return nil, xerr(file, en, "ftype %q is not supported; GENIUS evaluates real issues with linear, triangular or constant", ft)
			}
			keys := make([]string, 0, len(params))
			for k := range params {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if *params[k], err = floatAttr(file, en, k); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := p.Compile(); err != nil {
		return nil, engine.Errorf("%s: %v", file, err)
	}
	return p, nil
}

func readNonlinearXML(file string, obj *node, d *engine.Domain, pos posFunc, name string, rv, disc float64) (engine.Profile, error) {
	un := obj.first("utility")
	if un == nil {
		return nil, xerr(file, obj, "a nonlinear profile needs a <utility maxutility> element in <objective>")
	}
	maxU, err := floatAttr(file, un, "maxutility")
	if err != nil {
		return nil, err
	}
	ufs := un.all("ufun")
	if len(ufs) != 1 {
		return nil, xerr(file, un, "has %d <ufun> children; GENIUS uses exactly one (nest further ufuns inside it)", len(ufs))
	}
	f, err := readUfun(file, ufs[0], d, pos, 0)
	if err != nil {
		return nil, err
	}
	p := &engine.Hyperrectangle{ProfileName: name, Dom: d, MaxUtility: maxU, Fun: f, ReservationValue: rv, Discount: disc}
	if err := p.Compile(); err != nil {
		return nil, engine.Errorf("%s: %v", file, err)
	}
	return p, nil
}

func readUfun(file string, n *node, d *engine.Domain, pos posFunc, depth int) (engine.Ufun, error) {
	var f engine.Ufun
	if depth > 64 {
		return f, xerr(file, n, "ufuns are nested more than 64 deep")
	}
	a, ok := n.attr("aggregation")
	if !ok {
		return f, xerr(file, n, "missing attribute aggregation; use sum, min or max")
	}
	switch strings.ToLower(a) {
	case "min":
		f.Aggregation = engine.AggMin
	case "max":
		f.Aggregation = engine.AggMax
	default: // GENIUS treats anything else as sum
		f.Aggregation = engine.AggSum
	}
	f.Weight = 1
	if _, ok := n.attr("weight"); ok {
		w, err := floatAttr(file, n, "weight")
		if err != nil {
			return f, err
		}
		f.Weight = w
	}
	for _, rn := range n.all("hyperRectangle") {
		var r engine.Rectangle
		u, err := floatAttr(file, rn, "utility")
		if err != nil {
			return f, err
		}
		r.Utility, r.Weight = u, 1
		if _, ok := rn.attr("weight"); ok {
			if r.Weight, err = floatAttr(file, rn, "weight"); err != nil {
				return f, err
			}
		}
		inc, exc := rn.all("INCLUDES"), rn.all("EXCLUDES")
		if len(inc) > 0 && len(exc) > 0 {
			return f, xerr(file, rn, "mixes INCLUDES and EXCLUDES; GENIUS would silently drop the INCLUDES, so use one kind per hyperRectangle")
		}
		bs := inc
		if len(exc) > 0 {
			r.Exclusive, bs = true, exc
		}
		for _, bn := range bs {
			idx, err := intAttr(file, bn, "index")
			if err != nil {
				return f, err
			}
			i, err := pos(bn, idx)
			if err != nil {
				return f, err
			}
			if d.Issues[i].Kind != engine.Integer {
				return f, xerr(file, bn, "bounds %s issue %q; GENIUS hyperrectangles bound integer issues only", d.Issues[i].Kind, d.Issues[i].Name)
			}
			lo, err := intAttr(file, bn, "min")
			if err != nil {
				return f, err
			}
			hi, err := intAttr(file, bn, "max")
			if err != nil {
				return f, err
			}
			r.Bounds = append(r.Bounds, engine.Bound{Issue: i, Min: lo, Max: hi})
		}
		f.Rectangles = append(f.Rectangles, r)
	}
	for _, cn := range n.all("ufun") {
		c, err := readUfun(file, cn, d, pos, depth+1)
		if err != nil {
			return f, err
		}
		f.Ufuns = append(f.Ufuns, c)
	}
	return f, nil
}

func readConstraintXML(file string, obj *node, d *engine.Domain, pos posFunc, name string, rv, disc float64) (engine.Profile, error) {
	rules := obj.first("rules")
	if rules == nil {
		return nil, xerr(file, obj, "a constraint profile needs a <rules> element in <objective>")
	}
	ranks := rules.first("ranks")
	if ranks == nil {
		return nil, xerr(file, rules, "a constraint profile needs <ranks> in <rules>")
	}
	p := &engine.Constraint{ProfileName: name, Dom: d, ReservationValue: rv, Discount: disc}
	for _, in := range ranks.all("issue") {
		idx, err := intAttr(file, in, "index")
		if err != nil {
			return nil, err
		}
		if _, err := pos(in, idx); err != nil {
			return nil, err
		}
		ri := engine.RankIssue{Index: idx}
		for _, it := range in.all("item") {
			v, ok := it.attr("value")
			if !ok {
				return nil, xerr(file, it, "rank item has no value attribute")
			}
			rk, err := intAttr(file, it, "rank")
			if err != nil {
				return nil, err
			}
			ri.Ranks = append(ri.Ranks, engine.Rank{Value: v, Rank: rk})
		}
		p.Ranks = append(p.Ranks, ri)
	}
	// A file without <constraints> (MinisterProfile.xml) has no rules; GENIUS
	// itself fails to load it, but its meaning is unambiguous.
	if cs := rules.first("constraints"); cs != nil {
		for _, cn := range cs.all("constraint") {
			r, err := readRule(file, cn, pos)
			if err != nil {
				return nil, err
			}
			p.Rules = append(p.Rules, r)
		}
	}
	if err := p.Compile(); err != nil {
		return nil, engine.Errorf("%s: %v", file, err)
	}
	return p, nil
}

func readRule(file string, cn *node, pos posFunc) (engine.Rule, error) {
	var r engine.Rule
	t, ok := cn.attr("type")
	if !ok {
		return r, xerr(file, cn, "constraint has no type attribute; GENIUS cannot load it")
	}
	r.Type = t
	var err error
	need := func(attrs ...string) error {
		for _, a := range attrs {
			if _, ok := cn.attr(a); !ok {
				return xerr(file, cn, "%s constraint has no %s attribute; GENIUS cannot load it", t, a)
			}
		}
		return nil
	}
	switch t {
	case engine.ZeroConstraint:
		err = need("index")
	case engine.ConditionalZeroConstraint:
		err = need("index", "value")
	case engine.SumZeroConstraint, engine.SumZeroNotConstraint:
		err = need("index", "value", "min", "max")
	case engine.SumZeroConstraintList:
		err = need("index", "min", "max")
	case engine.InclusiveZeroOutcomeConstraint, engine.ConditionalZeroOutcomeConstraint:
	default:
		return r, xerr(file, cn, "constraint type %q is not supported (GENIUS 10.4 ignores it); supported types are zeroConstraint, conditionalZeroConstraint, sumZeroConstraint, sumZeroNotConstraint, sumZeroConstraintList, inclusiveZeroOutcomeConstraint, conditionalZeroOutcomeConstraint", t)
	}
	if err != nil {
		return r, err
	}
	if _, ok := cn.attr("index"); ok && t != engine.InclusiveZeroOutcomeConstraint && t != engine.ConditionalZeroOutcomeConstraint {
		if r.Index, err = intAttr(file, cn, "index"); err != nil {
			return r, err
		}
		if _, err := pos(cn, r.Index); err != nil {
			return r, err
		}
	}
	// Keep only the attributes GENIUS reads for this type.
	switch t {
	case engine.ConditionalZeroConstraint, engine.SumZeroConstraint, engine.SumZeroNotConstraint:
		r.Value, _ = cn.attr("value")
	}
	sum := t == engine.SumZeroConstraint || t == engine.SumZeroNotConstraint || t == engine.SumZeroConstraintList
	if sum {
		if r.Min, err = intAttr(file, cn, "min"); err != nil {
			return r, err
		}
		if r.Max, err = intAttr(file, cn, "max"); err != nil {
			return r, err
		}
	}
	child := "valueassignment"
	attr := "value"
	if t == engine.InclusiveZeroOutcomeConstraint || t == engine.ConditionalZeroOutcomeConstraint {
		child, attr = "checkassignment", "condition"
	}
	for _, an := range cn.all(child) {
		idx, err := intAttr(file, an, "index")
		if err != nil {
			return r, err
		}
		if _, err := pos(an, idx); err != nil {
			return r, err
		}
		v, ok := an.attr(attr)
		if !ok {
			return r, xerr(file, an, "missing attribute %s", attr)
		}
		r.Assignments = append(r.Assignments, engine.Assignment{Index: idx, Value: v})
	}
	for _, in := range cn.all("item") {
		if !sum {
			break
		}
		idx, err := intAttr(file, in, "index")
		if err != nil {
			return r, err
		}
		if _, err := pos(in, idx); err != nil {
			return r, err
		}
		r.Related = append(r.Related, idx)
	}
	for _, c := range cn.all("condition") {
		if t != engine.SumZeroConstraintList {
			break
		}
		v, ok := c.attr("value")
		if !ok {
			return r, xerr(file, c, "missing attribute value")
		}
		r.Conditions = append(r.Conditions, v)
	}
	return r, nil
}
