package genius

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"parley/engine"
)

func load(tb testing.TB, folder string, profiles ...string) *Scenario {
	tb.Helper()
	sc, err := Load(filepath.Join(corpus, folder), profiles...)
	if err != nil {
		tb.Fatal(err)
	}
	return sc
}

func outcome(tb testing.TB, d *engine.Domain, m map[string]string) engine.Outcome {
	tb.Helper()
	o, err := d.ParseOutcome(m)
	if err != nil {
		tb.Fatal(err)
	}
	return o
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestUtilities(t *testing.T) {
	tests := []struct {
		name, folder, profile string
		outcome               map[string]string
		want                  float64
	}{
		// Laptop evaluations 12/20/30 -> 0.4/0.667/1 (divided by the maximum).
		{"laptop dell", "anac2012-LaptopA", "Laptop-A-prof1.xml",
			map[string]string{"Laptop": "Dell", "Harddisk": "60 Gb", "External Monitor": "19'' LCD"},
			0.4452125771655631*12.0/30 + 0.37808251708013424*1 + 0.1767567099260568*1},
		{"laptop mac", "anac2012-LaptopA", "Laptop-A-prof1.xml",
			map[string]string{"Laptop": "Macintosh", "Harddisk": "120 Gb", "External Monitor": "20'' LCD"},
			0.4452125771655631*20.0/30 + 0.37808251708013424*9.0/30 + 0.1767567099260568*10.0/30},
		// GENIUS caps an additive utility at 1 (AdditiveUtilitySpace.getUtility:
		// "if (result > 1) return 1"): these weights add up to 1.000051804172.
		{"laptop capped", "anac2012-LaptopA", "Laptop-A-prof1.xml",
			map[string]string{"Laptop": "HP", "Harddisk": "60 Gb", "External Monitor": "19'' LCD"}, 1},
		// QODomain Side B's weights add up to 1.45.
		{"qo capped", "other-QODomain", "Side_B_utility.xml",
			map[string]string{"Salary": "20,000 NIS", "Job Description": "Project Manager", "Leased Car": "With leased car",
				"Pension Fund": "20%", "Promotion Possibilities": "Fast promotion track", "Working Hours": "8 hours"}, 1},
		{"qo below the cap", "other-QODomain", "Side_B_utility.xml",
			map[string]string{"Salary": "7,000 NIS", "Job Description": "Programmer", "Leased Car": "No agreement",
				"Pension Fund": "10%", "Promotion Possibilities": "Fast promotion track", "Working Hours": "10 hours"},
			0.2*3/8 + 0.15*4/6 + 0.2*6/11 + 0.1*6/8 + 0.5*6/6 + 0.3*3/7},
		// IntegerDomain: clamp(offset + slope·(x − lower), 0, 1).
		{"integer low", "other-IntegerDomain", "IntegerDomain-prof1.xml",
			map[string]string{"price": "-5", "otherprice": "-5"}, 0.75*0.3 + 0.25*0},
		{"integer high clamps", "other-IntegerDomain", "IntegerDomain-prof1.xml",
			map[string]string{"price": "5", "otherprice": "5"}, 0.75*1 + 0.25*1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc := load(t, tc.folder, tc.profile)
			got := sc.Profiles[0].Utility(outcome(t, sc.Domain, tc.outcome))
			if !near(got, tc.want) {
				t.Errorf("U = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestIntegerDomainProfile(t *testing.T) {
	sc := load(t, "other-IntegerDomain")
	if sc.Profiles[0].Reservation() != 0 {
		t.Errorf("reservation %v", sc.Profiles[0].Reservation())
	}
	la := sc.Profiles[0].(*engine.LinearAdditive)
	// price 0: 0.3 + 0.08·5 = 0.7; otherprice 0: 0.1·5 = 0.5.
	got := la.Utility(engine.Outcome{5, 5})
	if want := 0.75*0.7 + 0.25*0.5; !near(got, want) {
		t.Errorf("U(0,0) = %v, want %v", got, want)
	}
}

func TestSONRealIssues(t *testing.T) {
	sc := load(t, "genius-SON", "son_buyer.xml")
	if idx := sc.Domain.Issues[0].Index; idx != 2 {
		t.Errorf("first SON issue has index %d, want 2", idx)
	}
	la := sc.Profiles[0].(*engine.LinearAdditive)
	for i := range sc.Domain.Issues {
		is := &sc.Domain.Issues[i]
		e := &la.Evaluators[i]
		if is.Kind != engine.Real || e.Kind != engine.EvalRealLinear {
			t.Fatalf("issue %q: kind %v evaluator %v", is.Name, is.Kind, e.Kind)
		}
		for v := 0; v < is.NumValues(); v++ {
			want := math.Max(0, math.Min(1, e.P0+e.P1*is.Number(v)))
			if got := e.Eval(is, v); got != want {
				t.Errorf("issue %q value %v: eval %v, want %v", is.Name, is.Number(v), got, want)
			}
		}
	}
}

func TestHyperrectangleValue(t *testing.T) {
	sc := load(t, "genius-orig-anac2014-10issuesDiscountedwithRV", "profile-1.xml")
	p := sc.Profiles[0].(*engine.Hyperrectangle)
	if p.MaxUtility != 635 || p.Reservation() != 0.75 || p.DiscountFactor() != 0.5 {
		t.Fatalf("maxutility %v reservation %v discount %v", p.MaxUtility, p.Reservation(), p.DiscountFactor())
	}
	// Sum the covering rectangles by hand for a few outcomes.
	for _, o := range sampleOutcomes(sc.Domain, 50, 3) {
		sum := 0.0
		for _, r := range p.Fun.Rectangles {
			in := true
			for _, b := range r.Bounds {
				x := int(sc.Domain.Issues[b.Issue].Number(o[b.Issue]))
				if x < b.Min || x > b.Max {
					in = false
				}
			}
			if in {
				sum += r.Utility
			}
		}
		if got, want := p.Utility(o), math.Min(1, sum/635); !near(got, want) {
			t.Errorf("U(%v) = %v, want %v", o, got, want)
		}
	}
	// All zeros: only the first file rectangle's issue 3 (c1-i8) needs 7..9,
	// so check one outcome fully by hand: rectangle 3 (utility 49) covers
	// issue 4 in 0..7.
	o := make(engine.Outcome, 10)
	if u := p.Utility(o); u <= 0 {
		t.Errorf("U(all zero) = %v, want > 0 (rectangle <INCLUDES index=4 min=0 max=7> covers it)", u)
	}
}

func TestRailwayConstraint(t *testing.T) {
	sc := load(t, "genius-Railway", "NS.xml", "Minister.xml", "ProRail.xml")
	ns := sc.Profiles[0]
	d := sc.Domain
	base := map[string]string{
		"WhoShowup": "All", "PercentageBlameMinister": "0", "PercentageBlameNS": "0",
		"PercentageBlameProRail": "0", "MoneyFlowToNS": "250", "MoneyFlowToProRail": "0",
		"ControlActionofMinister": "NS=penalty+ProRail=penalty", "SolutionTime": "Today",
	}
	// NS.xml: money flows to NS (250 > 0) while NS gets a penalty: the
	// inclusiveZeroOutcomeConstraint fires, so U = 0.
	if u := ns.Utility(outcome(t, d, base)); u != 0 {
		t.Errorf("NS U = %v, want 0", u)
	}
	// No money to NS and no penalty for anyone: no outcome rule fires
	// (conditional rules need negative money), so U is the mean normalised rank.
	m := map[string]string{}
	for k, v := range base {
		m[k] = v
	}
	m["MoneyFlowToNS"] = "0"
	m["ControlActionofMinister"] = "NS=warning+ProRail=warning"
	o := outcome(t, d, m)
	c := ns.(*engine.Constraint)
	want := 0.0
	for _, ri := range c.Ranks {
		i := -1
		for k := range d.Issues {
			if d.Issues[k].Index == ri.Index {
				i = k
			}
		}
		max, r := 0, 0
		for _, x := range ri.Ranks {
			if x.Rank > max {
				max = x.Rank
			}
			if x.Value == d.Issues[i].Values[o[i]] {
				r = x.Rank
			}
		}
		want += float64(r) / float64(max)
	}
	want /= float64(len(c.Ranks))
	if u := ns.Utility(o); !near(u, want) || u == 0 {
		t.Errorf("NS U = %v, want %v", u, want)
	}
	// Money to NS negative while NS is not penalised: the
	// conditionalZeroOutcomeConstraint fires.
	m["MoneyFlowToNS"] = "-10"
	if u := ns.Utility(outcome(t, d, m)); u != 0 {
		t.Errorf("NS U with -10 and no penalty = %v, want 0", u)
	}
}

func TestErrors(t *testing.T) {
	laptop, err := os.ReadFile(filepath.Join(corpus, "anac2012-LaptopA", "Laptop-A-prof1.xml"))
	if err != nil {
		t.Fatal(err)
	}
	dom, err := ReadDomainXML(mustOpen(t, filepath.Join(corpus, "anac2012-LaptopA", "Laptop-A-domain.xml")), "Laptop-A-domain.xml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(laptop)
	tests := []struct {
		name, input string
		profile     bool
		json        bool
		want        []string
	}{
		{"bad weight index", strings.Replace(s, `<weight index="3"`, `<weight index="7"`, 1), true, false,
			[]string{"Laptop-A-prof1.xml: line", `<weight index="7"`, "no issue has index 7; issues have indices 1, 2, 3"}},
		{"negative weight", strings.Replace(s, `value="0.1767567099260568"`, `value="-1"`, 1), true, false,
			[]string{"Laptop-A-prof1.xml", `<weight index="3"`, "negative"}},
		{"NaN weight", strings.Replace(s, `value="0.1767567099260568"`, `value="NaN"`, 1), true, false,
			[]string{"Laptop-A-prof1.xml", `<weight index="3"`, "not a finite number"}},
		{"unknown value", strings.Replace(s, `value="Dell"`, `value="Lenovo"`, 1), true, false,
			[]string{"Laptop-A-prof1.xml", `name="Laptop"`, `"Lenovo"`}},
		{"malformed", s[:200], true, false, []string{"Laptop-A-prof1.xml: line", "malformed XML"}},
		{"empty domain", `<negotiation_template><utility_space><objective name="x"></objective></utility_space></negotiation_template>`, false, false,
			[]string{"Laptop-A-prof1.xml: line 1: <objective name=\"x\">", "no issues"}},
		{"duplicate issue", `<negotiation_template><utility_space><objective name="x">
<issue index="1" name="a" type="discrete"><item value="v"/></issue>
<issue index="2" name="a" type="discrete"><item value="v"/></issue></objective></utility_space></negotiation_template>`, false, false,
			[]string{"line 3", `index="2" name="a">`, "declared twice"}},
		{"json malformed", `{"name": "x", "issuesValues": {`, false, true, []string{"Laptop-A-prof1.xml: line 1", "malformed JSON"}},
		{"json empty", `{"name": "x",
 "issuesValues": {}}`, false, true, []string{"line 2", "empty"}},
		{"json unknown issue", `{"LinearAdditiveUtilitySpace": {
"issueUtilities": {"Nope": {"discreteutils": {"valueUtilities": {}}}}, "issueWeights": {}}}`, true, true,
			[]string{"line 2", `issue "Nope"`, "lacks"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			const file = "Laptop-A-prof1.xml"
			switch {
			case tc.profile && tc.json:
				_, err = ReadProfileJSON(strings.NewReader(tc.input), file, dom)
			case tc.profile:
				_, err = ReadProfileXML(strings.NewReader(tc.input), file, dom)
			case tc.json:
				_, err = ReadDomainJSON(strings.NewReader(tc.input), file)
			default:
				_, err = ReadDomainXML(strings.NewReader(tc.input), file)
			}
			var ee *engine.Error
			if err == nil || !errors.As(err, &ee) {
				t.Fatalf("got %v, want an *engine.Error", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestProfileForAnotherDomain(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, filepath.Join(corpus, "anac2012-LaptopA", "Laptop-A-domain.xml"), filepath.Join(dir, "d.xml"))
	copyFile(t, filepath.Join(corpus, "anac2010-Travel", "travel_chox.xml"), filepath.Join(dir, "p.xml"))
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "p.xml") || !strings.Contains(err.Error(), "d.xml") {
		t.Fatalf("got %v, want an error naming p.xml and d.xml", err)
	}
}

func TestLoadDomainFile(t *testing.T) {
	sc, err := Load(filepath.Join(corpus, "gw-Party", "party.json"), "party2.json")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Format != "json" || sc.Name != "party" || sc.DomainFile != "party.json" || len(sc.ProfileFiles) != 1 || sc.ProfileFiles[0] != "party2.json" {
		t.Fatalf("scenario %+v", sc)
	}
	// Issue order is the file's, not alphabetical.
	if got := sc.Domain.Issues[0].Name; got != "Food" {
		t.Errorf("first issue %q, want Food", got)
	}
	all, err := Load(filepath.Join(corpus, "gw-Party"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(all.ProfileFiles, ",") != "party1.json,party2.json" || all.Name != "gw-Party" {
		t.Errorf("profiles %v name %q", all.ProfileFiles, all.Name)
	}
	// party1 has a reservation bid: its reservation is that bid's utility.
	la := all.Profiles[0].(*engine.LinearAdditive)
	if la.ReservationBid == nil || la.Reservation() != la.Utility(la.ReservationBid) {
		t.Errorf("reservation %v for bid %v", la.Reservation(), la.ReservationBid)
	}
	want := 0.19*0.51 + 0.28*0.672 + 0.19*0.52 + 0.05*0.48 + 0.19*0.35 + 0.10*0.32
	if !near(la.Reservation(), want) {
		t.Errorf("reservation %v, want %v", la.Reservation(), want)
	}
}

func TestLoadReportsBrokenFile(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, filepath.Join(corpus, "anac2012-LaptopA", "Laptop-A-domain.xml"), filepath.Join(dir, "d.xml"))
	if err := os.WriteFile(filepath.Join(dir, "p.xml"), []byte("<utility_space>\n<objective>\n</utility_space>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "p.xml: line 3: malformed XML") {
		t.Fatalf("got %v, want a malformed-XML error for p.xml line 3", err)
	}
}

func TestCurlyQuotesAndCP1252(t *testing.T) {
	b := []byte("<negotiation_template><utility_space><objective name=\"x\"><issue index=\"1\" name=\"\x80uro\" type=\"discrete\"><item value=\"\x93q\x94\"/></issue></objective></utility_space></negotiation_template>")
	d, err := ReadDomainXML(bytes.NewReader(b), "cp.xml")
	if err != nil {
		t.Fatal(err)
	}
	if d.Issues[0].Name != "€uro" || d.Issues[0].Values[0] != "“q”" {
		t.Errorf("decoded %q %q", d.Issues[0].Name, d.Issues[0].Values[0])
	}
}

func mustOpen(tb testing.TB, p string) *bytes.Reader {
	tb.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		tb.Fatal(err)
	}
	return bytes.NewReader(b)
}

func copyFile(tb testing.TB, from, to string) {
	tb.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// TestCappedProfileNotWrittenAsJSON: GeniusWeb JSON has no cap at 1, so a
// GENIUS profile that adds up to more than 1 is refused rather than
// written with different utilities; one whose weights add up to 1 converts.
func TestCappedProfileNotWrittenAsJSON(t *testing.T) {
	sc := load(t, "other-QODomain", "Side_A_utility.xml", "Side_B_utility.xml")
	var b bytes.Buffer
	if err := WriteProfileJSON(&b, sc.Profiles[0]); err != nil {
		t.Errorf("Side A (weights add up to 1): %v", err)
	}
	b.Reset()
	err := WriteProfileJSON(&b, sc.Profiles[1])
	if err == nil || !strings.Contains(err.Error(), "cannot express the cap") {
		t.Errorf("Side B (weights add up to 1.45): error %v; want a refusal naming the cap", err)
	}
	if b.Len() != 0 {
		t.Errorf("wrote %d bytes for a refused profile", b.Len())
	}
}
