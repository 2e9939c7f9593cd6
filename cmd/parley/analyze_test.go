package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"parley/engine"
)

// runCmd runs the parley command line in-process.
func runCmd(tb testing.TB, args ...string) (stdout, stderr string, err error) {
	tb.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), err
}

// reference is one entry of testdata/domains/reference.json: an analysis of
// the domain by enumerating every outcome, under parley's definitions.
type reference struct {
	Folder         string      `json:"folder"`
	Profiles       []string    `json:"profiles"`
	Outcomes       float64     `json:"outcomes"`
	Acceptable     float64     `json:"acceptable"`
	Reservations   []float64   `json:"reservations"`
	ParetoSize     int         `json:"pareto_size"`
	ParetoFrontier [][]float64 `json:"pareto_frontier"`
	NashProduct    *float64    `json:"nash_product"`
	NashUtilities  []float64   `json:"nash_utilities"`
	MaxWelfare     *float64    `json:"max_welfare"`
	WelfareUtils   []float64   `json:"max_welfare_utilities"`
	Egalitarian    *float64    `json:"egalitarian"`
	EgalUtils      []float64   `json:"egalitarian_utilities"`
	KS             *float64    `json:"kalai_smorodinsky"`
	KSUtils        []float64   `json:"ks_utilities"`
	Ideal          []float64   `json:"ideal"`
}

// TestAnalyzeMatchesReference runs `parley analyze --json` on every domain
// of reference.json and compares every number.
func TestAnalyzeMatchesReference(t *testing.T) {
	root := filepath.Join("..", "..", "testdata", "domains")
	b, err := os.ReadFile(filepath.Join(root, "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var refs map[string]reference
	if err := json.Unmarshal(b, &refs); err != nil {
		t.Fatal(err)
	}
	if len(refs) < 150 {
		t.Fatalf("reference.json has %d domains; expected the whole corpus", len(refs))
	}
	names := make([]string, 0, len(refs))
	for k := range refs {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, name := range names {
		ref := refs[name]
		// Every domain twice: as analyze chooses (the frontier for these
		// sizes), and with --frontier=false (the solutions found without it).
		for _, noFrontier := range []bool{false, true} {
			name := name
			if noFrontier {
				name += "/without-frontier"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				checkAnalysisAgainstReference(t, root, ref, noFrontier)
			})
		}
	}
}

// checkAnalysisAgainstReference runs analyze --json on ref's domain and
// compares every figure with the reference.
func checkAnalysisAgainstReference(t *testing.T, root string, ref reference, noFrontier bool) {
	{
		{
			args := []string{"analyze", "--json", filepath.Join(root, ref.Folder)}
			if noFrontier {
				args = append(args, "--frontier=false")
			}
			args = append(args, ref.Profiles...)
			out, _, err := runCmd(t, args...)
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Outcomes   float64 `json:"outcomes"`
				Acceptable float64 `json:"acceptable"`
				Parties    []struct {
					Reservation float64 `json:"reservation"`
				} `json:"parties"`
				Pareto *struct {
					Size   int `json:"size"`
					Points []struct {
						Utilities []float64 `json:"utilities"`
					} `json:"points"`
				} `json:"pareto"`
				ParetoNote string    `json:"pareto_note"`
				Ideal      []float64 `json:"ideal"`
				Nash       *struct {
					Utilities []float64         `json:"utilities"`
					Product   float64           `json:"product"`
					Outcome   map[string]string `json:"outcome"`
				} `json:"nash"`
				KS *struct {
					Utilities []float64 `json:"utilities"`
					Ratio     float64   `json:"ratio"`
				} `json:"kalai_smorodinsky"`
				MaxWelfare *struct {
					Utilities []float64 `json:"utilities"`
					Welfare   float64   `json:"welfare"`
				} `json:"max_welfare"`
				Egalitarian *struct {
					Utilities []float64 `json:"utilities"`
					Gain      float64   `json:"min_gain"`
				} `json:"egalitarian"`
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("output is not the documented JSON: %v\n%s", err, out)
			}
			if got.Outcomes != ref.Outcomes || got.Acceptable != ref.Acceptable {
				t.Errorf("outcomes %v acceptable %v; reference %v and %v", got.Outcomes, got.Acceptable, ref.Outcomes, ref.Acceptable)
			}
			for i, p := range got.Parties {
				if !near(p.Reservation, ref.Reservations[i]) {
					t.Errorf("party %d reservation %v; reference %v", i, p.Reservation, ref.Reservations[i])
				}
			}
			want := map[string]bool{}
			for _, u := range ref.ParetoFrontier {
				want[vec(u)] = true
			}
			switch {
			case noFrontier:
				if got.Pareto != nil || !strings.Contains(got.ParetoNote, "--frontier=false") {
					t.Errorf("--frontier=false: pareto %v, note %q; want null and a note", got.Pareto, got.ParetoNote)
				}
			case got.Pareto == nil:
				t.Fatalf("no frontier (%s)", got.ParetoNote)
			default:
				if got.Pareto.Size != ref.ParetoSize || len(got.Pareto.Points) != got.Pareto.Size {
					t.Errorf("Pareto size %d (%d listed); reference %d", got.Pareto.Size, len(got.Pareto.Points), ref.ParetoSize)
				}
				for _, p := range got.Pareto.Points {
					if !want[vec(p.Utilities)] {
						t.Errorf("frontier point %v is not in the reference frontier", p.Utilities)
					}
				}
			}
			if ref.NashProduct == nil {
				if got.Nash != nil {
					t.Errorf("Nash %v; the reference has none", got.Nash.Utilities)
				}
				return
			}
			if got.Nash == nil || got.KS == nil || got.MaxWelfare == nil || got.Egalitarian == nil {
				t.Fatalf("missing solutions; the reference has a Nash point %v", ref.NashUtilities)
			}
			check := func(what string, gotV, wantV float64, gotU, wantU []float64) {
				t.Helper()
				if !near(gotV, wantV) {
					t.Errorf("%s value %v; reference %v", what, gotV, wantV)
				}
				if !nearAll(gotU, wantU) {
					t.Errorf("%s utilities %v; reference %v", what, gotU, wantU)
				}
			}
			check("Nash", got.Nash.Product, *ref.NashProduct, got.Nash.Utilities, ref.NashUtilities)
			// The reference breaks welfare ties by enumeration order; parley
			// gives them to the fairest point. Any point of maximum welfare
			// on the frontier is correct.
			if !nearAll(got.MaxWelfare.Utilities, ref.WelfareUtils) {
				s := 0.0
				for _, u := range got.MaxWelfare.Utilities {
					s += u
				}
				if !near(s, *ref.MaxWelfare) || !want[vec(got.MaxWelfare.Utilities)] {
					t.Errorf("max welfare utilities %v (sum %v); reference %v (sum %v)", got.MaxWelfare.Utilities, s, ref.WelfareUtils, *ref.MaxWelfare)
				}
				ref.WelfareUtils = got.MaxWelfare.Utilities
			}
			check("max welfare", got.MaxWelfare.Welfare, *ref.MaxWelfare, got.MaxWelfare.Utilities, ref.WelfareUtils)
			check("egalitarian", got.Egalitarian.Gain, *ref.Egalitarian, got.Egalitarian.Utilities, ref.EgalUtils)
			check("Kalai–Smorodinsky", got.KS.Ratio, *ref.KS, got.KS.Utilities, ref.KSUtils)
			if !nearAll(got.Ideal, ref.Ideal) {
				t.Errorf("ideal %v; reference %v", got.Ideal, ref.Ideal)
			}
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9 }

func nearAll(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !near(a[i], b[i]) {
			return false
		}
	}
	return true
}

func vec(u []float64) string {
	s := make([]string, len(u))
	for i, x := range u {
		s[i] = strings.TrimRight(strings.TrimRight(jsonFloat(x), "0"), ".")
	}
	return strings.Join(s, ",")
}

func jsonFloat(x float64) string {
	b, _ := json.Marshal(math.Round(x*1e12) / 1e12)
	return string(b)
}

// TestAnalyzeBadInput checks that bad input gets a clear error naming the
// file and element, a non-zero exit and no output.
func TestAnalyzeBadInput(t *testing.T) {
	laptop := filepath.Join("..", "..", "testdata", "domains", "anac2011-Laptop")
	copyDir := func(t *testing.T, edit func(name, text string) string) string {
		t.Helper()
		dir := t.TempDir()
		des, err := os.ReadDir(laptop)
		if err != nil {
			t.Fatal(err)
		}
		for _, de := range des {
			b, err := os.ReadFile(filepath.Join(laptop, de.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, de.Name()), []byte(edit(de.Name(), string(b))), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	edit := func(file, old, new string) func(string, string) string {
		return func(name, text string) string {
			if name == file {
				return strings.Replace(text, old, new, 1)
			}
			return text
		}
	}
	for _, tc := range []struct {
		name string
		args func(t *testing.T) []string
		want []string
	}{
		{"malformed XML", func(t *testing.T) []string {
			return []string{"analyze", copyDir(t, edit("laptop_buyer_utility.xml", "</utility_space>", ""))}
		}, []string{"laptop_buyer_utility.xml", "malformed XML"}},
		{"negative weight", func(t *testing.T) []string {
			return []string{"analyze", copyDir(t, edit("laptop_seller_utility.xml", `<weight index="2" value="`, `<weight index="2" value="-`))}
		}, []string{"laptop_seller_utility.xml", "<weight", "negative"}},
		{"NaN weight", func(t *testing.T) []string {
			return []string{"analyze", copyDir(t, edit("laptop_seller_utility.xml", `<weight index="2" value="`, `<weight index="2" value="NaN`))}
		}, []string{"laptop_seller_utility.xml", "<weight"}},
		{"unknown value", func(t *testing.T) []string {
			return []string{"analyze", copyDir(t, edit("laptop_buyer_utility.xml", `value="Dell"`, `value="Lenovo"`))}
		}, []string{"laptop_buyer_utility.xml", "Lenovo"}},
		{"profile for another domain", func(t *testing.T) []string {
			return []string{"analyze", laptop, filepath.Join("..", "..", "testdata", "domains", "anac2011-Energy", "energy_consumer.xml")}
		}, []string{"energy_consumer.xml", "laptop_domain.xml"}},
		{"empty domain", func(t *testing.T) []string {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "d.xml"), []byte(`<negotiation_template><utility_space><objective name="x"></objective></utility_space></negotiation_template>`), 0o644)
			return []string{"analyze", dir}
		}, []string{"d.xml", "no issues"}},
		{"malformed JSON", func(t *testing.T) []string {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "d.json"), []byte(`{"name": "x", "issuesValues": {"a": {"values": ["1", "2"]}`), 0o644)
			return []string{"analyze", dir}
		}, []string{"d.json"}},
		{"no such folder", func(t *testing.T) []string { return []string{"analyze", "no/such/folder"} }, []string{"no/such/folder", "no such file"}},
		{"bad --improve", func(t *testing.T) []string {
			return []string{"analyze", "--improve", `{"Laptop": "Lenovo"}`, laptop}
		}, []string{"--improve", "Laptop", "Lenovo", "valid values"}},
		{"zero --max-frontier", func(t *testing.T) []string { return []string{"analyze", "--max-frontier", "0", laptop} }, []string{"--max-frontier"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := runCmd(t, tc.args(t)...)
			if err == nil {
				t.Fatalf("no error; output:\n%s", out)
			}
			if out != "" {
				t.Errorf("printed output despite the error:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestAnalyzeImprove checks --improve on a dominated outcome of Laptop.
func TestAnalyzeImprove(t *testing.T) {
	laptop := filepath.Join("..", "..", "testdata", "domains", "anac2011-Laptop")
	out, _, err := runCmd(t, "analyze", "--json", "--improve", `{"Laptop": "Dell", "Harddisk": "60 Gb", "External Monitor": "19'' LCD"}`, laptop)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Improvements struct {
			Utilities []float64 `json:"utilities"`
			Points    []struct {
				Utilities []float64 `json:"utilities"`
			} `json:"points"`
		} `json:"improvements"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	base := got.Improvements.Utilities
	if len(base) != 2 || len(got.Improvements.Points) == 0 {
		t.Fatalf("no improvements listed for %v:\n%s", base, out)
	}
	for _, p := range got.Improvements.Points {
		if p.Utilities[0] < base[0] || p.Utilities[1] < base[1] || (p.Utilities[0] == base[0] && p.Utilities[1] == base[1]) {
			t.Errorf("%v is not an improvement on %v", p.Utilities, base)
		}
	}
}

// TestAnalyzePlot writes the SVG for a two- and a three-party domain.
func TestAnalyzePlot(t *testing.T) {
	for _, dom := range []string{"anac2010-EnglandZimbabwe", "genius-partydomain"} {
		args := []string{"analyze", "--plot", filepath.Join(t.TempDir(), "p.svg"), filepath.Join("..", "..", "testdata", "domains", dom)}
		if dom == "genius-partydomain" {
			args = append(args, "party1_utility.xml", "party2_utility.xml", "party3_utility.xml")
		}
		if _, _, err := runCmd(t, args...); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(args[2])
		if err != nil {
			t.Fatal(err)
		}
		panels := strings.Count(string(b), "utility of ") / 2
		want := 1
		if dom == "genius-partydomain" {
			want = 3
		}
		if panels != want || !strings.Contains(string(b), "Nash") {
			t.Errorf("%s: %d panels, want %d with the Nash point", dom, panels, want)
		}
	}
}

// TestAnalyzeNonlinearMatchesGenius checks the branch-and-bound frontier of
// the ANAC 2014 hyperrectangle domain (10^10 outcomes) against the frontier
// GENIUS ships precomputed in pareto.xml.
func TestAnalyzeNonlinearMatchesGenius(t *testing.T) {
	if testing.Short() {
		t.Skip("branch and bound over 10^10 outcomes takes about half a minute")
	}
	dir := filepath.Join("..", "..", "testdata", "domains", "anac2014-10issues")
	out, _, err := runCmd(t, "analyze", "--json", dir)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Pareto struct {
			Points []struct {
				Utilities []float64 `json:"utilities"`
			} `json:"points"`
		} `json:"pareto"`
		Method string `json:"method"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "pareto.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var want [][2]float64
	for _, line := range strings.Split(string(b), "\n") {
		var x, y float64
		if n, _ := fmt.Sscanf(strings.TrimSpace(line), "%g, %g", &x, &y); n == 2 {
			want = append(want, [2]float64{x, y})
		}
	}
	if got.Method != engine.MethodBox || len(got.Pareto.Points) != len(want) {
		t.Fatalf("method %s, %d points; GENIUS has %d", got.Method, len(got.Pareto.Points), len(want))
	}
	// GENIUS stores floats (about 7 digits); match each of its points.
	for _, w := range want {
		found := false
		for _, p := range got.Pareto.Points {
			if math.Abs(p.Utilities[0]-w[0]) < 1e-6 && math.Abs(p.Utilities[1]-w[1]) < 1e-6 {
				found = true
			}
		}
		if !found {
			t.Errorf("GENIUS frontier point %v is missing", w)
		}
	}
}

// TestAnalyzeKeepsTheFrontierWhenCountingFails: on a 10^10-outcome
// nonlinear domain with reservations, a node budget too small to count the
// acceptable outcomes still gives the frontier; the count is null and the
// reason is given.
func TestAnalyzeKeepsTheFrontierWhenCountingFails(t *testing.T) {
	out, _, err := runCmd(t, "analyze", "--json", "--max-nodes", "20000", filepath.Join("..", "..", "testdata", "domains", "other-S-1NAGUNL-114"))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Acceptable *json.Number `json:"acceptable"`
		Why        string       `json:"acceptable_error"`
		Pareto     struct {
			Size int `json:"size"`
		} `json:"pareto"`
		Nash *struct{} `json:"nash"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Acceptable != nil || !strings.Contains(got.Why, "counting the acceptable ones") || got.Pareto.Size != 4 || got.Nash == nil {
		t.Errorf("want the 4-point frontier and Nash, no count and why: %s", out)
	}
	text, _, err := runCmd(t, "analyze", "--max-nodes", "20000", filepath.Join("..", "..", "testdata", "domains", "other-S-1NAGUNL-114"))
	if err != nil || !strings.Contains(text, "Acceptable  not counted: ") {
		t.Errorf("text output: %v\n%s", err, text)
	}
}

// TestAnalyzeCapsGeniusUtilities: GENIUS caps an additive utility at 1,
// and parley analyses GENIUS XML profiles as GENIUS evaluates them. The
// Laptop profiles' weights add up to 1.00005 and GENIUS's Nash point on
// anac2012-LaptopA is (1.0, 0.815105395170), not (1.000052, 0.815105);
// QODomain's Side B adds up to 1.45, and GENIUS's frontier there has the
// four points below.
func TestAnalyzeCapsGeniusUtilities(t *testing.T) {
	type point struct {
		Utilities []float64 `json:"utilities"`
	}
	var got struct {
		Pareto struct {
			Points []point `json:"points"`
		} `json:"pareto"`
		Ideal        []float64 `json:"ideal"`
		Nash         point     `json:"nash"`
		KS           point     `json:"kalai_smorodinsky"`
		MaxWelfare   point     `json:"max_welfare"`
		Improvements struct {
			Utilities []float64 `json:"utilities"`
		} `json:"improvements"`
	}
	root := filepath.Join("..", "..", "testdata", "domains")
	out, _, err := runCmd(t, "analyze", "--json", "--improve", `{"Laptop": "HP", "Harddisk": "60 Gb", "External Monitor": "19'' LCD"}`, filepath.Join(root, "anac2012-LaptopA"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if want := []float64{1, 0.815105395170}; !nearAll(got.Nash.Utilities, want) || !nearAll(got.MaxWelfare.Utilities, want) {
		t.Errorf("LaptopA Nash %v, max welfare %v; GENIUS: %v", got.Nash.Utilities, got.MaxWelfare.Utilities, want)
	}
	if !nearAll(got.Ideal, []float64{1, 1}) || !nearAll(got.Improvements.Utilities, []float64{1, 0.815105395170}) {
		t.Errorf("LaptopA ideal %v, --improve utilities %v; GENIUS caps both at 1", got.Ideal, got.Improvements.Utilities)
	}
	for _, p := range got.Pareto.Points {
		for _, u := range p.Utilities {
			if u > 1 {
				t.Errorf("LaptopA frontier point %v exceeds GENIUS's cap", p.Utilities)
			}
		}
	}

	out, _, err = runCmd(t, "analyze", "--json", filepath.Join(root, "other-QODomain"), "Side_A_utility.xml", "Side_B_utility.xml")
	if err != nil {
		t.Fatal(err)
	}
	got.Pareto.Points = nil
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{1, 0.896753246753}, {0.98, 0.921753246753}, {0.95, 0.987662337662}, {0.93, 1}}
	if len(got.Pareto.Points) != len(want) {
		t.Fatalf("QODomain frontier %v; GENIUS: %v", got.Pareto.Points, want)
	}
	for i, p := range got.Pareto.Points {
		if !nearAll(p.Utilities, want[i]) {
			t.Errorf("QODomain frontier point %d is %v; GENIUS: %v", i, p.Utilities, want[i])
		}
	}
	if w := []float64{0.95, 0.987662337662}; !nearAll(got.Nash.Utilities, w) || !nearAll(got.KS.Utilities, w) {
		t.Errorf("QODomain Nash %v, Kalai–Smorodinsky %v; GENIUS: %v for both", got.Nash.Utilities, got.KS.Utilities, w)
	}
}

// analysisJSON is the part of analyze --json these tests read.
type analysisJSON struct {
	Acceptable *float64 `json:"acceptable"`
	Pareto     *struct {
		Size int `json:"size"`
	} `json:"pareto"`
	ParetoNote   string        `json:"pareto_note"`
	Method       string        `json:"method"`
	Ideal        []float64     `json:"ideal"`
	Nash         *solutionJSON `json:"nash"`
	KS           *solutionJSON `json:"kalai_smorodinsky"`
	MaxWelfare   *solutionJSON `json:"max_welfare"`
	Egalitarian  *solutionJSON `json:"egalitarian"`
	Improvements *struct {
		Utilities   []float64     `json:"utilities"`
		Pareto      bool          `json:"pareto_optimal"`
		Points      []any         `json:"points"`
		Nash        *solutionJSON `json:"nash"`
		KS          *solutionJSON `json:"kalai_smorodinsky"`
		Egalitarian *solutionJSON `json:"egalitarian"`
	} `json:"improvements"`
}

type solutionJSON struct {
	Utilities []float64         `json:"utilities"`
	Outcome   map[string]string `json:"outcome"`
}

func analyzeJSON(t *testing.T, args ...string) analysisJSON {
	t.Helper()
	return runJSON[analysisJSON](t, append([]string{"analyze", "--json"}, args...)...)
}

// runJSON runs parley with args and decodes its output as a T.
func runJSON[T any](t *testing.T, args ...string) T {
	t.Helper()
	out, _, err := runCmd(t, args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	var got T
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return got
}

// TestAnalyzeManyPartiesWithoutFrontier: 5 parties on 10^20 outcomes, whose
// frontier would not finish, get the solutions without it, each worth what
// its outcome is worth; the text says the frontier was not computed and
// how to ask for it; --improve answers without the frontier too.
func TestAnalyzeManyPartiesWithoutFrontier(t *testing.T) {
	dir := syntheticScenario(t, t.TempDir(), 20, 10, 5, 0.3)
	got := analyzeJSON(t, dir)
	if got.Pareto != nil || !strings.Contains(got.ParetoNote, "--frontier") || got.Method != "branch and bound" {
		t.Fatalf("pareto %v, note %q, method %q; want no frontier, a note naming --frontier, and the search", got.Pareto, got.ParetoNote, got.Method)
	}
	sc, err := loadScenario(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	worth := func(s *solutionJSON) []float64 {
		t.Helper()
		o, err := sc.Domain.ParseOutcome(s.Outcome)
		if err != nil {
			t.Fatal(err)
		}
		return rounded(utilitiesOf(sc.Profiles, o))
	}
	for name, s := range map[string]*solutionJSON{"Nash": got.Nash, "K–S": got.KS, "welfare": got.MaxWelfare, "egalitarian": got.Egalitarian} {
		if s == nil {
			t.Fatalf("no %s point", name)
		}
		if u := worth(s); !nearAll(u, s.Utilities) {
			t.Errorf("%s: reported %v; its outcome is worth %v", name, s.Utilities, u)
		}
		for p, u := range s.Utilities {
			if u < 0.3 || u > got.Ideal[p] {
				t.Errorf("%s: party %d gets %v, outside [reservation 0.3, ideal %v]", name, p+1, u, got.Ideal[p])
			}
		}
	}
	nashText, _ := json.Marshal(got.Nash.Outcome)
	im := analyzeJSON(t, dir, "--improve", string(nashText)).Improvements
	if im == nil || !im.Pareto {
		t.Fatalf("the Nash text: improvements %+v; want none (it is Pareto-optimal)", im)
	}
	// A text in the middle of the utility space (option 1 on every issue),
	// which every party can improve on.
	worse := map[string]string{}
	for k := range got.Nash.Outcome {
		worse[k] = "option1"
	}
	worseText, _ := json.Marshal(worse)
	im = analyzeJSON(t, dir, "--improve", string(worseText)).Improvements
	if im == nil || im.Pareto || im.Points != nil || im.Nash == nil || im.KS == nil || im.Egalitarian == nil {
		t.Fatalf("a dominated text: improvements %+v; want the solutions' improvements", im)
	}
	for _, s := range []*solutionJSON{im.Nash, im.KS, im.Egalitarian} {
		u := worth(s)
		strict := false
		for p := range u {
			if u[p] < im.Utilities[p] {
				t.Fatalf("improvement %v is worse than %v for party %d", u, im.Utilities, p+1)
			}
			strict = strict || u[p] > im.Utilities[p]
		}
		if !strict {
			t.Fatalf("improvement %v is no better than %v", u, im.Utilities)
		}
	}
	text, _, err := runCmd(t, "analyze", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Pareto frontier: not computed", "--frontier computes it", "without the frontier", "Nash", "Egalitarian"} {
		if !strings.Contains(text, want) {
			t.Errorf("text output lacks %q:\n%s", want, text)
		}
	}
}

// TestAnalyzeFallsBackWhenTheFrontierIsTooLarge: a frontier past
// --max-frontier is reported as not computed, with why, and the solutions
// are the frontier's own.
func TestAnalyzeFallsBackWhenTheFrontierIsTooLarge(t *testing.T) {
	energy := filepath.Join("..", "..", "testdata", "domains", "anac2011-Energy")
	full := analyzeJSON(t, energy)
	capped := analyzeJSON(t, "--max-frontier", "10", energy)
	if capped.Pareto != nil || !strings.Contains(capped.ParetoNote, "--max-frontier") {
		t.Fatalf("pareto %v, note %q; want no frontier and why", capped.Pareto, capped.ParetoNote)
	}
	for name, pair := range map[string][2]*solutionJSON{"Nash": {full.Nash, capped.Nash}, "K–S": {full.KS, capped.KS}, "welfare": {full.MaxWelfare, capped.MaxWelfare}, "egalitarian": {full.Egalitarian, capped.Egalitarian}} {
		if pair[1] == nil || !nearAll(pair[0].Utilities, pair[1].Utilities) {
			t.Errorf("%s: %v without the frontier; %v with it", name, pair[1], pair[0].Utilities)
		}
	}
	if *full.Acceptable != *capped.Acceptable {
		t.Errorf("acceptable %v without the frontier, %v with it", *capped.Acceptable, *full.Acceptable)
	}
}
