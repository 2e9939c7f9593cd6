package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
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
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			args := []string{"analyze", "--json", filepath.Join(root, ref.Folder)}
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
				Pareto struct {
					Size   int `json:"size"`
					Points []struct {
						Utilities []float64 `json:"utilities"`
					} `json:"points"`
				} `json:"pareto"`
				Ideal []float64 `json:"ideal"`
				Nash  *struct {
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
			if got.Pareto.Size != ref.ParetoSize || len(got.Pareto.Points) != got.Pareto.Size {
				t.Errorf("Pareto size %d (%d listed); reference %d", got.Pareto.Size, len(got.Pareto.Points), ref.ParetoSize)
			}
			want := map[string]bool{}
			for _, u := range ref.ParetoFrontier {
				want[vec(u)] = true
			}
			for _, p := range got.Pareto.Points {
				if !want[vec(p.Utilities)] {
					t.Errorf("frontier point %v is not in the reference frontier", p.Utilities)
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
		})
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
