package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"parley/engine"
	"parley/genius"
)

var writeSynthetic = flag.String("write-synthetic", "", "write the synthetic multilateral scenarios of BENCHMARKS.md into `DIR` (TestWriteSyntheticScenarios)")

// syntheticCases are the multilateral scenarios of issue 13: 3, 4 and 5
// parties on 10^20 outcomes, 10 parties on 10^10.
var syntheticCases = []struct{ issues, parties int }{{20, 3}, {20, 4}, {20, 5}, {10, 10}}

// syntheticScenario writes a GENIUS scenario folder under dir: issues
// discrete issues of values values, and parties linear additive profiles
// with reservation rv. Party 1 draws its evaluations at random, party 2
// ranks every issue's values the other way round (1 − eval), so the two are
// opposed on every issue; further parties draw at random. Weights are
// random and sum to 1. The same arguments write the same files.
func syntheticScenario(tb testing.TB, dir string, issues, values, parties int, rv float64) string {
	tb.Helper()
	name := fmt.Sprintf("synthetic-%dparties-1e%d", parties, issues)
	if values != 10 {
		name = fmt.Sprintf("synthetic-%dparties-%dx%d", parties, issues, values)
	}
	folder := filepath.Join(dir, name)
	if err := os.MkdirAll(folder, 0o755); err != nil {
		tb.Fatal(err)
	}
	d := &engine.Domain{Name: name}
	for i := 0; i < issues; i++ {
		is := engine.Issue{Name: fmt.Sprintf("issue%02d", i+1), Kind: engine.Discrete}
		for v := 0; v < values; v++ {
			is.Values = append(is.Values, fmt.Sprintf("option%d", v+1))
		}
		d.Issues = append(d.Issues, is)
	}
	write := func(file string, fn func(*os.File) error) {
		f, err := os.Create(filepath.Join(folder, file))
		if err != nil {
			tb.Fatal(err)
		}
		if err := fn(f); err != nil {
			tb.Fatal(err)
		}
		if err := f.Close(); err != nil {
			tb.Fatal(err)
		}
	}
	write(name+".xml", func(f *os.File) error { return genius.WriteDomainXML(f, d) })
	rng := rand.New(rand.NewPCG(uint64(issues), uint64(parties)))
	base := make([][]float64, issues)
	for i := range base {
		for v := 0; v < values; v++ {
			base[i] = append(base[i], 0.01+0.99*rng.Float64())
		}
	}
	for p := 0; p < parties; p++ {
		prof := &engine.LinearAdditive{ProfileName: fmt.Sprintf("party%02d", p+1), Dom: d, ReservationValue: rv}
		sum := 0.0
		for i := 0; i < issues; i++ {
			w := 0.1 + rng.Float64()
			sum += w
			prof.Weights = append(prof.Weights, w)
			ev := engine.Evaluator{Kind: engine.EvalDiscrete}
			for v := 0; v < values; v++ {
				switch p {
				case 0:
					ev.Evaluations = append(ev.Evaluations, base[i][v])
				case 1:
					ev.Evaluations = append(ev.Evaluations, 1.01-base[i][v])
				default:
					ev.Evaluations = append(ev.Evaluations, 0.01+0.99*rng.Float64())
				}
			}
			prof.Evaluators = append(prof.Evaluators, ev)
		}
		for i := range prof.Weights {
			prof.Weights[i] /= sum
		}
		if err := prof.Compile(); err != nil {
			tb.Fatal(err)
		}
		write(fmt.Sprintf("%s_party%02d.xml", name, p+1), func(f *os.File) error { return genius.WriteProfileXML(f, prof) })
	}
	return folder
}

// TestWriteSyntheticScenarios writes the scenarios BENCHMARKS.md times
// with the parley binary (go test ./cmd/parley -run
// TestWriteSyntheticScenarios -write-synthetic DIR), and checks that they
// read back as written.
func TestWriteSyntheticScenarios(t *testing.T) {
	dir := *writeSynthetic
	if dir == "" {
		dir = t.TempDir()
	}
	for _, c := range syntheticCases {
		for _, rv := range []float64{0, 0.3} {
			sub := filepath.Join(dir, "reservation-0")
			if rv > 0 {
				sub = filepath.Join(dir, "reservation-0.3")
			}
			folder := syntheticScenario(t, sub, c.issues, 10, c.parties, rv)
			sc, err := genius.Load(folder)
			if err != nil {
				t.Fatal(err)
			}
			if len(sc.Profiles) != c.parties || len(sc.Domain.Issues) != c.issues || sc.Profiles[c.parties-1].Reservation() != rv {
				t.Fatalf("%s: %d profiles on %d issues, reservation %v; wrote %d on %d, %v", folder, len(sc.Profiles), len(sc.Domain.Issues), sc.Profiles[c.parties-1].Reservation(), c.parties, c.issues, rv)
			}
		}
	}
}
