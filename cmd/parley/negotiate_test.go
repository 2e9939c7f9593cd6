package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

const travel = "../../testdata/domains/anac2010-Travel"

func TestNegotiateJSON(t *testing.T) {
	out, _, err := runCmd(t, "negotiate", travel, "--agents", "boulware,conceder", "--json", "--trace", "--seed", "3")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Agreement *struct {
			Outcome   map[string]string `json:"outcome"`
			Utilities []float64         `json:"utilities"`
		} `json:"agreement"`
		Rounds  int `json:"rounds"`
		Parties []struct {
			Name        string   `json:"name"`
			Agent       string   `json:"agent"`
			Reservation *float64 `json:"reservation"`
		} `json:"parties"`
		DistanceToPareto *float64         `json:"distance_to_pareto"`
		DistanceToNash   *float64         `json:"distance_to_nash"`
		Trace            []map[string]any `json:"trace"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Agreement == nil || len(got.Agreement.Outcome) != 7 || len(got.Agreement.Utilities) != 2 {
		t.Fatalf("agreement %+v; want an outcome over Travel's 7 issues and 2 utilities", got.Agreement)
	}
	if got.Rounds <= 0 || got.Rounds > 1000 {
		t.Errorf("rounds %d", got.Rounds)
	}
	if len(got.Parties) != 2 || got.Parties[0].Agent != "boulware" || got.Parties[1].Agent != "conceder" || got.Parties[0].Name != "travel_chox.xml" || got.Parties[0].Reservation == nil {
		t.Errorf("parties %+v", got.Parties)
	}
	if got.DistanceToPareto == nil || got.DistanceToNash == nil || *got.DistanceToPareto > *got.DistanceToNash {
		t.Errorf("distances %v %v", got.DistanceToPareto, got.DistanceToNash)
	}
	// Each round has two actions but the last, where the agreement came.
	if len(got.Trace) != 2*got.Rounds && len(got.Trace) != 2*got.Rounds-1 {
		t.Errorf("%d trace steps for %d rounds", len(got.Trace), got.Rounds)
	}
	if last := got.Trace[len(got.Trace)-1]; last["action"] != "accept" {
		t.Errorf("last step %v; want the accept", last)
	}
	// The same seed gives the same negotiation.
	// (All but the protocol's time, which is the clock's.)
	again, _, _ := runCmd(t, "negotiate", travel, "--agents", "boulware,conceder", "--json", "--trace", "--seed", "3")
	if withoutTime(t, again) != withoutTime(t, out) {
		t.Error("two runs with the same seed differ")
	}
}

func TestNegotiateSingleText(t *testing.T) {
	out, _, err := runCmd(t, "negotiate", travel, "--protocol", "single-text", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Agreement        *struct{ Utilities []float64 } `json:"agreement"`
		DistanceToPareto float64                        `json:"distance_to_pareto"`
		DistanceToNash   float64                        `json:"distance_to_nash"`
		Parties          []struct{ Agent string }       `json:"parties"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Agreement == nil || got.DistanceToPareto != 0 || got.DistanceToNash != 0 || got.Parties[0].Agent != "truthful" {
		t.Errorf("confidential mediator: %s", out)
	}
}

// TestNegotiateSingleTextBeyondTheFrontier runs the confidential mediator
// on a 10^30-outcome domain of nonlinear profiles whose frontier is out of
// reach: it still agrees on a text it proves Pareto-optimal (distance 0),
// has no Nash point to measure against (null), and says why.
func TestNegotiateSingleTextBeyondTheFrontier(t *testing.T) {
	if testing.Short() {
		t.Skip("a failed analysis of a 10^30-outcome domain")
	}
	out, stderr, err := runCmd(t, "negotiate", "../../testdata/domains/other-S-1NAGUNL-128", "--protocol", "single-text", "--json", "--max-nodes", "200000")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Agreement        *struct{ Utilities []float64 } `json:"agreement"`
		DistanceToPareto *float64                       `json:"distance_to_pareto"`
		DistanceToNash   *float64                       `json:"distance_to_nash"`
		Note             string                         `json:"note"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Agreement == nil || got.DistanceToPareto == nil || *got.DistanceToPareto != 0 || got.DistanceToNash != nil {
		t.Errorf("want an agreement at distance 0 from the frontier and no Nash distance: %s", out)
	}
	if !strings.Contains(got.Note, "weighted sum") || !strings.Contains(stderr, "200000 nodes") {
		t.Errorf("the note or the warning does not say what happened:\nnote: %s\nstderr: %s", got.Note, stderr)
	}
	if !strings.Contains(out, "Pareto-optimal") {
		t.Errorf("the note does not say the text is Pareto-optimal: %s", got.Note)
	}
}

// TestNegotiateBeyondTheFrontierWithAgents: agents play a 10^30-outcome
// nonlinear domain, and the plot, with no frontier to draw, marks the
// mediator's Pareto-optimal text instead.
func TestNegotiateBeyondTheFrontierWithAgents(t *testing.T) {
	if testing.Short() {
		t.Skip("a failed analysis of a 10^30-outcome domain")
	}
	svg := filepath.Join(t.TempDir(), "n.svg")
	out, _, err := runCmd(t, "negotiate", "../../testdata/domains/other-S-1NAGUNL-128", "--agents", "boulware,conceder", "--plot", svg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "agreement after") || !strings.Contains(out, "confidential mediator (nash) would reach") {
		t.Errorf("output:\n%s", out)
	}
	b, err := os.ReadFile(svg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"out of reach", "mediator&#39;s text (Pareto-optimal)", "offers of party 2"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("the plot lacks %q", want)
		}
	}
}

func TestNegotiatePlot(t *testing.T) {
	svg := filepath.Join(t.TempDir(), "n.svg")
	if _, _, err := runCmd(t, "negotiate", travel, "--agents", "linear,tft", "--plot", svg); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(svg)
	if err != nil || !bytes.Contains(b, []byte("<svg")) || !bytes.Contains(b, []byte("Pareto frontier")) || !bytes.Contains(b, []byte("offers of party 2")) {
		t.Fatalf("plot: %v\n%.300s", err, b)
	}
}

func TestNegotiateBadInput(t *testing.T) {
	other := "../../testdata/domains/anac2011-Laptop/laptop_buyer_utility.xml"
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown agent", []string{"negotiate", travel, "--agents", "boulware,smartypants"}, "known agents are boulware, linear"},
		{"agent count", []string{"negotiate", travel, "--agents", "boulware"}, "1 agents"},
		{"no agents", []string{"negotiate", travel}, "--agents"},
		{"profile of another domain", []string{"negotiate", travel, "travel_chox.xml", other, "--agents", "boulware,conceder"}, "laptop_buyer_utility.xml"},
		{"one profile", []string{"negotiate", travel, "travel_chox.xml", "--agents", "boulware"}, "at least 2"},
		{"zero rounds", []string{"negotiate", travel, "--agents", "boulware,conceder", "--rounds", "0"}, "positive number of rounds"},
		{"negative rounds", []string{"negotiate", travel, "--agents", "boulware,conceder", "--rounds", "-5"}, "positive number of rounds"},
		{"zero time", []string{"negotiate", travel, "--agents", "boulware,conceder", "--time", "0s"}, "positive duration"},
		{"negative time", []string{"negotiate", travel, "--agents", "boulware,conceder", "--time", "-1s"}, "positive duration"},
		{"unknown protocol", []string{"negotiate", travel, "--agents", "boulware,conceder", "--protocol", "auction"}, "saop or single-text"},
		{"unknown solution", []string{"negotiate", travel, "--protocol", "single-text", "--solution", "utilitarian"}, "nash, ks or egalitarian"},
		{"zero max-nodes", []string{"negotiate", travel, "--protocol", "single-text", "--max-nodes", "0"}, "positive number of search nodes"},
		{"negative max-enumerate", []string{"negotiate", travel, "--protocol", "single-text", "--max-enumerate", "-1"}, "positive number of outcomes"},
		{"NaN max-enumerate", []string{"negotiate", travel, "--protocol", "single-text", "--max-enumerate", "NaN"}, "positive number of outcomes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCmd(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v; want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestNegotiateWallClockDeadline(t *testing.T) {
	out, _, err := runCmd(t, "negotiate", travel, "--agents", "hardliner,hardliner", "--time", "50ms", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"agreement": null`) || !strings.Contains(out, `"end": "deadline"`) && !strings.Contains(out, `"end": "broken`) {
		t.Errorf("two hardliners under a time deadline:\n%s", out)
	}
}

// tournamentArgs is a tournament long enough to interrupt: hardliners and
// MiCRO often play to the deadline.
func tournamentArgs(out string) []string {
	return []string{"tournament", "--domains", "../../testdata/domains/anac2011-Laptop,../../testdata/domains/anac2010-ItexvsCypress,../../testdata/domains/anac2011-Grocery",
		"--agents", "hardliner,boulware,micro,random", "--reps", "2", "--rounds", "3000", "--jobs", "2", "--out", out}
}

// TestTournamentChild is the tournament process TestTournamentResumesAfterKill
// kills; it does nothing unless started by that test.
func TestTournamentChild(t *testing.T) {
	out := os.Getenv("PARLEY_TOURNAMENT_CHILD_OUT")
	if out == "" {
		t.Skip("only run as the child of TestTournamentResumesAfterKill")
	}
	if _, _, err := runCmd(t, tournamentArgs(out)...); err != nil {
		t.Fatal(err)
	}
}

func dataRows(tb testing.TB, path string) []string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if lines[0] != strings.Join(resultsHeader(), ",") {
		tb.Fatalf("header %q", lines[0])
	}
	rows := lines[1:]
	slices.Sort(rows)
	return rows
}

func TestTournamentResumesAfterKill(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, "full.csv")
	if _, _, err := runCmd(t, tournamentArgs(full)...); err != nil {
		t.Fatal(err)
	}
	want := dataRows(t, full)
	if len(want) != 3*12*2*2 {
		t.Fatalf("%d rows; want 3 domains × 12 ordered pairs × 2 rotations × 2 reps", len(want))
	}

	out := filepath.Join(dir, "killed.csv")
	cmd := exec.Command(os.Args[0], "-test.run=^TestTournamentChild$")
	cmd.Env = append(os.Environ(), "PARLEY_TOURNAMENT_CHILD_OUT="+out)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	// Kill it once it has written some rows but not all.
	for killed := false; !killed; {
		select {
		case <-exited:
			t.Skip("the tournament finished before it could be killed; nothing to resume")
		default:
		}
		if b, err := os.ReadFile(out); err == nil && bytes.Count(b, []byte("\n")) > 20 {
			cmd.Process.Kill()
			killed = true
		}
		time.Sleep(2 * time.Millisecond)
	}
	<-exited
	b, _ := os.ReadFile(out)
	n := bytes.Count(b, []byte("\n")) - 1
	if n >= len(want) {
		t.Skip("the tournament finished before it was killed")
	}
	t.Logf("killed after %d of %d rows", n, len(want))

	stdout, stderr, err := runCmd(t, tournamentArgs(out)...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "resuming") {
		t.Errorf("stderr %q; want it to say it resumes", stderr)
	}
	got := dataRows(t, out)
	if !slices.Equal(got, want) {
		t.Fatalf("after resuming: %d rows, want the %d rows of an uninterrupted run (identical, no duplicates)", len(got), len(want))
	}
	if !strings.Contains(stdout, "boulware") || !strings.Contains(stdout, "agreement") {
		t.Errorf("summary:\n%s", stdout)
	}
}

func TestTournamentRefusesOtherConfiguration(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.csv")
	args := []string{"tournament", "--domains", "../../testdata/domains/anac2011-Laptop", "--agents", "boulware,conceder", "--out", out}
	if _, _, err := runCmd(t, args...); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(out)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"other rounds", append(slices.Clone(args), "--rounds", "50"), "another configuration"},
		{"other agents", []string{"tournament", "--domains", "../../testdata/domains/anac2011-Laptop", "--agents", "boulware,linear", "--out", out}, "another configuration"},
		{"unknown agent", []string{"tournament", "--domains", "../../testdata/domains/anac2011-Laptop", "--agents", "boulware,zeus", "--out", out}, "known agents are"},
		{"one agent", []string{"tournament", "--domains", "../../testdata/domains/anac2011-Laptop", "--agents", "boulware", "--out", out}, "at least 2 agents"},
		{"zero rounds", append(slices.Clone(args), "--rounds", "0"), "positive number of rounds"},
		{"negative reps", append(slices.Clone(args), "--reps", "-1"), "at least 1"},
		{"one party", append(slices.Clone(args), "--parties", "1"), "at least 2 parties"},
		{"no domain of that size", append(slices.Clone(args), "--parties", "3"), "no domain has 3 parties"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCmd(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v; want one mentioning %q", err, tc.want)
			}
			if after, _ := os.ReadFile(out); !bytes.Equal(after, before) {
				t.Fatal("the results file was changed")
			}
		})
	}
	notResults := filepath.Join(dir, "notes.csv")
	os.WriteFile(notResults, []byte("name,age\nann,3\n"), 0o644)
	if _, _, err := runCmd(t, "tournament", "--domains", "../../testdata/domains/anac2011-Laptop", "--agents", "boulware,conceder", "--out", notResults); err == nil || !strings.Contains(err.Error(), "not a parley tournament results file") {
		t.Fatalf("err = %v", err)
	}
	if b, _ := os.ReadFile(notResults); string(b) != "name,age\nann,3\n" {
		t.Fatal("a foreign CSV was changed")
	}
}

func TestTournamentSummaryAndPlot(t *testing.T) {
	dir := t.TempDir()
	svg := filepath.Join(dir, "s.svg")
	out, _, err := runCmd(t, "tournament", "--domains", "../../testdata/domains/anac2011-Laptop,../../testdata/domains/anac2010-Travel", "--agents", "boulware,conceder,linear", "--out", filepath.Join(dir, "r.csv"), "--plot", svg)
	if err != nil {
		t.Fatal(err)
	}
	// 2 domains × 6 ordered pairs × 2 rotations; each agent plays in 8.
	if !strings.Contains(out, "24 negotiations") {
		t.Errorf("summary:\n%s", out)
	}
	for _, a := range []string{"boulware", "conceder", "linear", "mediator (nash)"} {
		if !strings.Contains(out, a) {
			t.Errorf("summary lacks %s:\n%s", a, out)
		}
	}
	if b, err := os.ReadFile(svg); err != nil || !bytes.Contains(b, []byte("conceder")) {
		t.Errorf("plot: %v", err)
	}
}

func TestTournamentFolderOfScenarios(t *testing.T) {
	// testdata/domains holds reference.json beside its scenario folders: it
	// is still a folder of scenarios, not a scenario.
	dir := t.TempDir()
	for _, name := range []string{"anac2011-Laptop", "anac2010-ItexvsCypress"} {
		if err := os.CopyFS(filepath.Join(dir, name), os.DirFS(filepath.Join("../../testdata/domains", name))); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "reference.json"), []byte("{}"), 0o644)
	out, _, err := runCmd(t, "tournament", "--domains", dir, "--agents", "boulware,conceder", "--out", filepath.Join(t.TempDir(), "r.csv"))
	if err != nil || !strings.Contains(out, "8 negotiations") {
		t.Fatalf("err %v, summary:\n%s", err, out)
	}
}

func TestNegotiateSingleTextImprovesStart(t *testing.T) {
	start := `{"Atmosphere":"Hospitality","Amusement":"Excursion","Culinary":"International cuisine","Shopping":"Markets","Culture":"Music hall","Sport":"Bike tours","Environment":"Square"}`
	out, _, err := runCmd(t, "negotiate", travel, "--protocol", "single-text", "--start", start, "--json", "--trace")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Agreement *struct{ Utilities []float64 } `json:"agreement"`
		Trace     []struct {
			Action    string    `json:"action"`
			Utilities []float64 `json:"utilities"`
		} `json:"trace"`
		DistanceToPareto float64 `json:"distance_to_pareto"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Agreement == nil || len(got.Trace) != 2 || got.DistanceToPareto > 1e-9 {
		t.Fatalf("want the tentative text improved once onto the frontier:\n%s", out)
	}
	for i := range 2 {
		if got.Agreement.Utilities[i] <= got.Trace[0].Utilities[i] {
			t.Errorf("party %d: %v is no better than the tentative text's %v", i+1, got.Agreement.Utilities[i], got.Trace[0].Utilities[i])
		}
	}
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--start", `{"Atmosphere":"Moon"}`}, "--start"},
		{[]string{"--start", "no-such-file.json"}, "neither a JSON object nor a readable file"},
		{[]string{"--start", start, "--mediator", "answers"}, "confidential mediator"},
	} {
		_, _, err := runCmd(t, append([]string{"negotiate", travel, "--protocol", "single-text"}, bad.args...)...)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v: err = %v; want %q", bad.args, err, bad.want)
		}
	}
}

// TestNegotiateCapsGeniusUtilities: the Laptop profiles' weights add up to
// 1.00005 and GENIUS caps their utility at 1; every offer, the agreement and
// the mediator's text are worth at most 1, and the opening offer of a party
// asking for its best outcome is worth exactly 1.
func TestNegotiateCapsGeniusUtilities(t *testing.T) {
	laptop := filepath.Join("..", "..", "testdata", "domains", "anac2012-LaptopA")
	for _, args := range [][]string{
		{"--agents", "boulware,conceder", "--trace"},
		{"--protocol", "single-text", "--trace"},
	} {
		out, _, err := runCmd(t, append([]string{"negotiate", laptop, "--json"}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Agreement *struct{ Utilities []float64 } `json:"agreement"`
			Mediated  *struct{ Utilities []float64 } `json:"mediated"`
			Trace     []struct {
				Utilities []float64 `json:"utilities"`
			} `json:"trace"`
			Nash []float64 `json:"nash"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		us := [][]float64{got.Nash}
		if got.Agreement != nil {
			us = append(us, got.Agreement.Utilities)
		}
		if got.Mediated != nil {
			us = append(us, got.Mediated.Utilities)
		}
		for _, s := range got.Trace {
			us = append(us, s.Utilities)
		}
		for _, u := range us {
			for _, x := range u {
				if x > 1 {
					t.Errorf("%v: utilities %v exceed GENIUS's cap of 1", args, u)
				}
			}
		}
		if args[0] == "--agents" && (len(got.Trace) == 0 || got.Trace[0].Utilities[0] != 1) {
			t.Errorf("opening offer %v; a Boulware agent opens with its best outcome, worth 1", got.Trace[0].Utilities)
		}
	}
}

// withoutTime is a negotiation's JSON without its protocol_seconds.
func withoutTime(tb testing.TB, out string) string {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		tb.Fatal(err)
	}
	delete(m, "protocol_seconds")
	b, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// TestNegotiateManyPartiesWithoutFrontier: on 5 parties and 10^20
// outcomes the confidential mediator's text is the exact Nash point that
// analyze finds (distance 0 to it, proved Pareto-optimal), from a start
// text its improvement, and agents' agreements say whether they are
// Pareto-optimal where the distance to the frontier is unknown.
func TestNegotiateManyPartiesWithoutFrontier(t *testing.T) {
	dir := syntheticScenario(t, t.TempDir(), 20, 10, 5, 0.3)
	an := analyzeJSON(t, dir)
	type result struct {
		Agreement *struct {
			Outcome   map[string]string `json:"outcome"`
			Utilities []float64         `json:"utilities"`
		} `json:"agreement"`
		DistanceToPareto *float64  `json:"distance_to_pareto"`
		DistanceToNash   *float64  `json:"distance_to_nash"`
		ParetoOptimal    *bool     `json:"pareto_optimal"`
		Nash             []float64 `json:"nash"`
		Mediated         *struct {
			Utilities []float64 `json:"utilities"`
		} `json:"mediated"`
	}
	negotiate := func(args ...string) result {
		t.Helper()
		return runJSON[result](t, append([]string{"negotiate", dir, "--json"}, args...)...)
	}
	got := negotiate("--protocol", "single-text")
	if got.Agreement == nil || !nearAll(got.Agreement.Utilities, an.Nash.Utilities) || !nearAll(got.Nash, an.Nash.Utilities) {
		t.Fatalf("single text: agreement %+v, Nash %v; analyze's Nash point is %v", got.Agreement, got.Nash, an.Nash.Utilities)
	}
	if got.DistanceToPareto == nil || *got.DistanceToPareto != 0 || got.DistanceToNash == nil || *got.DistanceToNash != 0 || got.ParetoOptimal == nil || !*got.ParetoOptimal {
		t.Errorf("single text: distances %v %v, Pareto-optimal %v; want 0, 0, true", got.DistanceToPareto, got.DistanceToNash, got.ParetoOptimal)
	}
	// From a start text in the middle of the space, every party gains.
	start := map[string]string{}
	for k := range an.Nash.Outcome {
		start[k] = "option1"
	}
	startJSON, _ := json.Marshal(start)
	imp := negotiate("--protocol", "single-text", "--solution", "ks", "--start", string(startJSON))
	sc, err := loadScenario(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	o, err := sc.Domain.ParseOutcome(start)
	if err != nil {
		t.Fatal(err)
	}
	base := rounded(utilitiesOf(sc.Profiles, o))
	if imp.Agreement == nil || imp.ParetoOptimal == nil || !*imp.ParetoOptimal {
		t.Fatalf("from %v: agreement %+v, Pareto-optimal %v", base, imp.Agreement, imp.ParetoOptimal)
	}
	for p, u := range imp.Agreement.Utilities {
		if u < base[p] {
			t.Errorf("from %v: party %d gets %v, less than at the start", base, p+1, u)
		}
	}
	saop := negotiate("--agents", "boulware,conceder,boulware,conceder,boulware", "--rounds", "200")
	if saop.Mediated == nil || !nearAll(saop.Mediated.Utilities, an.Nash.Utilities) || saop.DistanceToNash == nil {
		t.Fatalf("saop: mediator %+v, distance to Nash %v; want the Nash point and a distance", saop.Mediated, saop.DistanceToNash)
	}
	if saop.Agreement != nil && (saop.ParetoOptimal == nil || *saop.ParetoOptimal != (saop.DistanceToPareto != nil)) {
		t.Errorf("saop: Pareto-optimal %v with distance to the frontier %v", saop.ParetoOptimal, saop.DistanceToPareto)
	}
}

// TestTournamentManyPartiesWithoutFrontier: a tournament on 3 parties and
// 10^20 outcomes measures the distance to the Nash point without the
// frontier; the distance to the frontier is left blank (n/a in the
// summary), and the mediator's Nash text is on it (0).
func TestTournamentManyPartiesWithoutFrontier(t *testing.T) {
	dir := syntheticScenario(t, t.TempDir(), 20, 10, 3, 0.3)
	csv := filepath.Join(t.TempDir(), "r.csv")
	out, _, err := runCmd(t, "tournament", "--domains", dir, "--agents", "boulware,conceder,linear", "--rounds", "50", "--out", csv)
	if err != nil || !strings.Contains(out, "18 negotiations") {
		t.Fatalf("err %v, summary:\n%s", err, out)
	}
	for _, row := range dataRows(t, csv) {
		f := strings.Split(row, ",")
		if f[7] == "true" && (f[11] != "" || f[12] == "") {
			t.Errorf("row with an agreement: distance to the frontier %q, to Nash %q; want none and one", f[11], f[12])
		}
	}
	if !strings.Contains(out, "n/a") || !regexp.MustCompile(`mediator \(nash\)\s+1\s+1\.000\s+\S+\s+\S+\s+0\.000\s+0\.000`).MatchString(out) {
		t.Errorf("summary:\n%s\nwant n/a for the agents' distance to the frontier and 0 for the mediator's", out)
	}
}
