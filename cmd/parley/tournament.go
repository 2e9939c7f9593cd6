package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"parley/engine"
	"parley/genius"
)

// tournamentOptions are the flags of parley tournament.
type tournamentOptions struct {
	domains []string
	agents  string
	reps    int
	rounds  int
	jobs    int
	seed    uint64
	out     string
	plot    string
	parties int
	timeout time.Duration
}

func newTournamentCmd(e *env) *cobra.Command {
	o := &tournamentOptions{}
	cmd := &cobra.Command{
		Use:   "tournament --domains DIR... --agents a,b,c --out results.csv",
		Short: "Run every ordered group of agents on every domain and summarise per agent",
		Long: `Run a tournament: on every domain (each --domains DIR is a scenario folder,
or a folder of scenario folders), every ordered group of distinct agents of
the domain's party count plays once per repetition with each rotation of
the profiles over the roles (SAOP, --rounds rounds).

Every negotiation is appended to --out as one CSV row. Rerunning the same
command resumes: rows already in --out are skipped. A results file written
with a different configuration (agents, domains, rounds, repetitions, seed)
is refused and left untouched.

Prints a summary per agent: agreement rate, mean own utility, mean welfare,
mean distance to the Nash point and to the Pareto frontier, mean rounds.
Known agents: ` + strings.Join(engine.AgentNames(), ", ") + `.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTournament(cmd.Context(), e, o)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.domains, "domains", nil, "scenario folders, or folders of scenario folders (repeatable, comma-separated)")
	f.StringVar(&o.agents, "agents", "", "comma-separated agents, at least as many as a domain has parties")
	f.IntVar(&o.reps, "reps", 1, "repetitions of every negotiation")
	f.IntVar(&o.rounds, "rounds", 1000, "deadline in rounds")
	f.IntVar(&o.jobs, "jobs", runtime.NumCPU(), "negotiations run in parallel")
	f.Uint64Var(&o.seed, "seed", 1, "random seed of the tournament")
	f.StringVar(&o.out, "out", "", "results CSV (appended to; required)")
	f.StringVar(&o.plot, "plot", "", "write an SVG chart of the per-agent summary to this file")
	f.IntVar(&o.parties, "parties", 0, "play only domains with this many parties (0: every domain with at most as many parties as agents)")
	f.DurationVar(&o.timeout, "timeout", 0, "stop after this long (e.g. 10m), keeping the rows done so that rerunning resumes; 0: no limit")
	return cmd
}

// game is one negotiation of a tournament.
type game struct {
	scenario int
	agents   []string
	profiles []int // profiles[role] indexes the scenario's profiles
	rep      int
}

// scenarioState is a loaded domain shared by the workers.
type scenarioState struct {
	sc       *genius.Scenario
	once     sync.Once
	analysis *engine.Analysis
}

// tournamentMaxNodes bounds each domain's analysis: every domain of the
// corpus whose frontier is within reach at all needs far fewer nodes.
const tournamentMaxNodes = 200_000

func (s *scenarioState) analyse(ctx context.Context) *engine.Analysis {
	s.once.Do(func() {
		// Keep a tournament bounded on huge non-additive domains: without
		// an analysis the rows just lack distances. (Stopped by ctx, it
		// is nil too, and the tournament is stopping: no row is kept.)
		opts := engine.AnalyzeOptions{MaxEnumerate: 1e7, MaxNodes: tournamentMaxNodes, SkipCount: true, Context: ctx}
		if !engine.FrontierByDefault(len(s.sc.Profiles), s.sc.Domain.SizeFloat()) {
			// Many parties on a large space: the solutions without the
			// frontier (the rows then lack the distance to it).
			opts.NoFrontier, opts.MaxNodes = true, 0
		}
		a, err := engine.Analyze(s.sc.Profiles, opts)
		if err == nil {
			s.analysis = a
		}
	})
	return s.analysis
}

// resultsHeader is the header row of a tournament's results CSV.
func resultsHeader() []string {
	return []string{"config", "domain", "agents", "profiles", "rep", "seed", "end", "agreement", "rounds", "utilities", "welfare", "distance_to_pareto", "distance_to_nash", "outcome"}
}

func (g game) key(sc *genius.Scenario) string {
	return sc.Name + "|" + strings.Join(g.agents, ";") + "|" + profileNames(sc, g.profiles) + "|" + strconv.Itoa(g.rep)
}

func profileNames(sc *genius.Scenario, idx []int) string {
	names := make([]string, len(idx))
	for i, k := range idx {
		names[i] = sc.ProfileFiles[k]
	}
	return strings.Join(names, ";")
}

func runTournament(ctx context.Context, e *env, o *tournamentOptions) error {
	if o.out == "" {
		return engine.Errorf("name the results file with --out results.csv")
	}
	if len(o.domains) == 0 {
		return engine.Errorf("name at least one domain folder with --domains")
	}
	if o.reps <= 0 {
		return engine.Errorf("--reps is %d; it must be at least 1", o.reps)
	}
	if o.rounds <= 0 {
		return engine.Errorf("--rounds is %d; it must be a positive number of rounds", o.rounds)
	}
	if o.parties < 0 || o.parties == 1 {
		return engine.Errorf("--parties is %d; a negotiation needs at least 2 parties (0 means any)", o.parties)
	}
	if o.jobs <= 0 {
		return engine.Errorf("--jobs is %d; it must be at least 1", o.jobs)
	}
	agents, err := parseAgents(o.agents, 0)
	if err != nil {
		return err
	}
	if len(agents) < 2 {
		return engine.Errorf("a tournament needs at least 2 agents; known agents are %s", strings.Join(engine.AgentNames(), ", "))
	}
	if dup := firstDuplicate(agents); dup != "" {
		return engine.Errorf("agent %q is named twice in --agents; name each agent once", dup)
	}
	scenarios, err := loadTournamentScenarios(e, o.domains)
	if err != nil {
		return err
	}
	perScenario := make([][]game, len(scenarios))
	for si, s := range scenarios {
		n := len(s.sc.Profiles)
		if o.parties > 0 && n != o.parties {
			continue
		}
		if n > len(agents) {
			fmt.Fprintf(e.stderr, "parley: skipping %s: it has %d parties and only %d agents are playing\n", s.sc.Name, n, len(agents))
			continue
		}
		for _, group := range orderedGroups(agents, n) {
			for rot := 0; rot < n; rot++ {
				prof := make([]int, n)
				for r := range prof {
					prof[r] = (r + rot) % n
				}
				for rep := 0; rep < o.reps; rep++ {
					perScenario[si] = append(perScenario[si], game{scenario: si, agents: group, profiles: prof, rep: rep})
				}
			}
		}
	}
	// Deal the games round-robin over the domains, so that parallel workers
	// rarely wait on the same domain's analysis and the ETA is even.
	var games []game
	for k := 0; ; k++ {
		more := false
		for _, gs := range perScenario {
			if k < len(gs) {
				games, more = append(games, gs[k]), true
			}
		}
		if !more {
			break
		}
	}
	if len(games) == 0 {
		if o.parties > 0 {
			return engine.Errorf("no negotiations to run: no domain has %d parties (and at most %d, one per agent)", o.parties, len(agents))
		}
		return engine.Errorf("no negotiations to run: no domain has at most %d parties", len(agents))
	}
	config := tournamentConfig(agents, scenarios, o)

	// Read what an earlier run left, refusing another configuration's file.
	done, rows, err := readResults(o.out, config)
	if err != nil {
		return err
	}
	var todo []game
	for _, g := range games {
		if !done[g.key(scenarios[g.scenario].sc)] {
			todo = append(todo, g)
		}
	}
	f, err := os.OpenFile(o.out, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	if len(rows) == 0 {
		if err := writeCSVRow(f, resultsHeader()); err != nil {
			return err
		}
	}
	if len(todo) < len(games) {
		fmt.Fprintf(e.stderr, "parley: resuming %s: %d of %d negotiations already done\n", o.out, len(games)-len(todo), len(games))
	}

	var bar *progressbar.ProgressBar
	if file, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(file.Fd())) && len(todo) > 0 {
		bar = progressbar.NewOptions(len(todo), progressbar.OptionSetWriter(e.stderr), progressbar.OptionSetDescription("negotiating"),
			progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(e.stderr) }))
	}

	ctx, cancel := withTimeout(ctx, o.timeout)
	defer cancel()
	work := make(chan game)
	results := make(chan []string)
	var wg sync.WaitGroup
	for w := 0; w < min(o.jobs, len(todo)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for g := range work {
				row := playGame(ctx, scenarios[g.scenario], g, config, o)
				if ctx.Err() != nil {
					return // stopped mid-game: the row is not a result
				}
				select {
				case results <- row:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(work)
		for _, g := range todo {
			select {
			case work <- g:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	var writeErr error
	for row := range results {
		if writeErr != nil {
			continue
		}
		if writeErr = writeCSVRow(f, row); writeErr != nil {
			cancel()
			continue
		}
		rows = append(rows, row)
		if bar != nil {
			bar.Add(1)
		}
	}
	if writeErr != nil {
		return fmt.Errorf("write %s: %w", o.out, writeErr)
	}
	stopErr := stopped(ctx, o.timeout, fmt.Sprintf("tournament stopped after %d of %d negotiations (rerun the same command to resume)", len(rows), len(games)))
	if stopErr != nil && len(rows) == 0 {
		return stopErr
	}
	summary := summarise(rows)
	if m, ok := mediatedSummary(ctx, scenarios, rows); ok && stopErr == nil {
		summary = append(summary, m)
	}
	if o.plot != "" {
		if err := writeFileAtomic(o.plot, func(w io.Writer) error { return plotSummary(w, summary) }); err != nil {
			return err
		}
	}
	if err := printSummary(e.stdout, summary, len(rows), o.out); err != nil {
		return err
	}
	return stopErr
}

func firstDuplicate(xs []string) string {
	seen := map[string]bool{}
	for _, x := range xs {
		if seen[x] {
			return x
		}
		seen[x] = true
	}
	return ""
}

// orderedGroups returns every ordered choice of n distinct agents.
func orderedGroups(agents []string, n int) [][]string {
	var out [][]string
	var cur []string
	used := make([]bool, len(agents))
	var rec func()
	rec = func() {
		if len(cur) == n {
			out = append(out, slices.Clone(cur))
			return
		}
		for i, a := range agents {
			if !used[i] {
				used[i] = true
				cur = append(cur, a)
				rec()
				cur = cur[:len(cur)-1]
				used[i] = false
			}
		}
	}
	rec()
	return out
}

// loadTournamentScenarios loads each folder that holds a domain, or each
// subfolder of a folder that holds none. A subfolder that cannot be loaded
// is skipped with a warning; a folder named directly must load.
func loadTournamentScenarios(e *env, dirs []string) ([]*scenarioState, error) {
	var out []*scenarioState
	seen := map[string]bool{}
	add := func(sc *genius.Scenario) error {
		if seen[sc.Name] {
			return engine.Errorf("two domains are named %s; tournament rows are keyed by domain name, so name each folder once", sc.Name)
		}
		seen[sc.Name] = true
		out = append(out, &scenarioState{sc: sc})
		return nil
	}
	for _, dir := range dirs {
		fi, err := os.Stat(dir)
		if err != nil {
			return nil, err
		}
		if sc, err := loadNegotiation(dir, nil); err == nil || !fi.IsDir() || !hasSubfolders(dir) {
			if err != nil {
				return nil, err
			}
			if err := add(sc); err != nil {
				return nil, err
			}
			continue
		}
		des, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		for _, de := range des {
			if !isDir(filepath.Join(dir, de.Name())) || strings.HasPrefix(de.Name(), ".") {
				continue
			}
			sc, err := loadNegotiation(filepath.Join(dir, de.Name()), nil)
			if err != nil {
				fmt.Fprintf(e.stderr, "parley: skipping %s: %v\n", filepath.Join(dir, de.Name()), err)
				continue
			}
			if err := add(sc); err != nil {
				return nil, err
			}
		}
	}
	if len(out) == 0 {
		return nil, engine.Errorf("no domain with at least 2 profiles found in %s", strings.Join(dirs, ", "))
	}
	return out, nil
}

func hasSubfolders(dir string) bool {
	des, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, de := range des {
		if !strings.HasPrefix(de.Name(), ".") && isDir(filepath.Join(dir, de.Name())) {
			return true
		}
	}
	return false
}

// isDir reports whether path is a folder, following symbolic links.
func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// tournamentConfig fingerprints everything that decides a tournament's rows,
// so a resume can refuse a results file written by another configuration.
func tournamentConfig(agents []string, scenarios []*scenarioState, o *tournamentOptions) string {
	h := sha256.New()
	fmt.Fprintf(h, "parley-tournament-v1\nagents=%s\nrounds=%d\nreps=%d\nseed=%d\nparties=%d\n", strings.Join(agents, ","), o.rounds, o.reps, o.seed, o.parties)
	for _, s := range scenarios {
		fmt.Fprintf(h, "domain=%s:%s\n", s.sc.Name, strings.Join(s.sc.ProfileFiles, ","))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// readResults reads an existing results file: the keys of the rows done and
// the rows. A missing file is an empty one; a file from another
// configuration or not a results file is an error. A last line cut short by
// an interrupted run is dropped (the file is truncated to its last whole row).
func readResults(path, config string) (map[string]bool, [][]string, error) {
	done := map[string]bool{}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return done, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if len(b) == 0 {
		return done, nil, nil
	}
	whole := b
	if i := bytes.LastIndexByte(b, '\n'); i < len(b)-1 {
		whole = b[:i+1]
	}
	r := csv.NewReader(bytes.NewReader(whole))
	recs, err := r.ReadAll()
	if err != nil || len(recs) == 0 || !slices.Equal(recs[0], resultsHeader()) {
		return nil, nil, engine.Errorf("%s is not a parley tournament results file (its header is not %s); name a new --out file", path, strings.Join(resultsHeader(), ","))
	}
	var rows [][]string
	for _, rec := range recs[1:] {
		if rec[0] != config {
			return nil, nil, engine.Errorf("%s was written by a tournament with another configuration (agents, domains, rounds, repetitions or seed); it is left untouched: rerun with the same flags to resume, or name a new --out file", path)
		}
		done[rec[1]+"|"+rec[2]+"|"+rec[3]+"|"+rec[4]] = true
		rows = append(rows, rec)
	}
	if len(whole) < len(b) {
		if err := os.Truncate(path, int64(len(whole))); err != nil {
			return nil, nil, err
		}
	}
	return done, rows, nil
}

// writeCSVRow appends one row with a single write, so an interrupted run
// leaves at most one partial line.
func writeCSVRow(w io.Writer, row []string) error {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	if err := cw.Write(row); err != nil {
		return err
	}
	cw.Flush()
	_, err := w.Write(buf.Bytes())
	return err
}

// gameSeed derives a negotiation's seed from the tournament's and the
// game's identity, so results do not depend on scheduling.
func gameSeed(seed uint64, key string) uint64 {
	h := sha256.Sum256([]byte(strconv.FormatUint(seed, 10) + "|" + key))
	return binary.LittleEndian.Uint64(h[:8])
}

func playGame(ctx context.Context, s *scenarioState, g game, config string, o *tournamentOptions) []string {
	sc := s.sc
	key := g.key(sc)
	seed := gameSeed(o.seed, key)
	row := []string{config, sc.Name, strings.Join(g.agents, ";"), profileNames(sc, g.profiles), strconv.Itoa(g.rep), strconv.FormatUint(seed, 10)}
	profiles := make([]engine.Profile, len(g.profiles))
	agents := make([]engine.Agent, len(g.profiles))
	for r, k := range g.profiles {
		profiles[r] = sc.Profiles[k]
		agents[r], _ = engine.NewAgent(g.agents[r])
	}
	res, err := engine.RunSAOP(profiles, agents, engine.SAOPOptions{Rounds: o.rounds, Seed: seed, NoTrace: true, Context: ctx})
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), "\n", " ")
		return append(row, "error: "+msg, "false", "0", "", "", "", "", "")
	}
	us := make([]string, len(res.Raw))
	welfare := 0.0
	for i, u := range res.Raw {
		us[i] = strconv.FormatFloat(engine.Round(u), 'f', -1, 64)
		welfare += u
	}
	dp, dn := math.NaN(), math.NaN()
	if a := s.analyse(ctx); a != nil {
		// The analysis is in the scenario's profile order; put the
		// utilities back in that order.
		u := make([]float64, len(res.Raw))
		for r, k := range g.profiles {
			u[k] = res.Raw[r]
		}
		dp, dn = engine.OutcomeDistances(a, u)
	}
	outcome := ""
	if res.Agreement != nil {
		var parts []string
		for i, is := range sc.Domain.Issues {
			parts = append(parts, is.Name+"="+is.ValueString(res.Agreement[i]))
		}
		outcome = strings.Join(parts, ";")
	}
	return append(row, res.End.String(), strconv.FormatBool(res.Agreement != nil), strconv.Itoa(res.Rounds),
		strings.Join(us, ";"), fmtFloat(welfare), fmtFloat(dp), fmtFloat(dn), outcome)
}

func fmtFloat(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return ""
	}
	return strconv.FormatFloat(engine.Round(f), 'f', -1, 64)
}

// agentSummary is one agent's line of the summary.
type agentSummary struct {
	Agent          string
	Negotiations   int
	AgreementRate  float64
	MeanUtility    float64
	MeanWelfare    float64
	MeanDistNash   float64
	MeanDistPareto float64
	MeanRounds     float64
	nash, pareto   int // rows with distances
	errors         int
}

// summarise averages the rows per agent (every role an agent played counts
// once; its own utility is the one of its role).
func summarise(rows [][]string) []agentSummary {
	by := map[string]*agentSummary{}
	var order []string
	for _, r := range rows {
		agents := strings.Split(r[2], ";")
		us := strings.Split(r[9], ";")
		for role, a := range agents {
			s := by[a]
			if s == nil {
				s = &agentSummary{Agent: a}
				by[a] = s
				order = append(order, a)
			}
			if strings.HasPrefix(r[6], "error") {
				s.errors++
				continue
			}
			s.Negotiations++
			if r[7] == "true" {
				s.AgreementRate++
			}
			if role < len(us) {
				u, _ := strconv.ParseFloat(us[role], 64)
				s.MeanUtility += u
			}
			w, _ := strconv.ParseFloat(r[10], 64)
			s.MeanWelfare += w
			rd, _ := strconv.ParseFloat(r[8], 64)
			s.MeanRounds += rd
			if v, err := strconv.ParseFloat(r[11], 64); err == nil {
				s.MeanDistPareto += v
				s.pareto++
			}
			if v, err := strconv.ParseFloat(r[12], 64); err == nil {
				s.MeanDistNash += v
				s.nash++
			}
		}
	}
	slices.Sort(order)
	out := make([]agentSummary, 0, len(order))
	for _, a := range order {
		s := *by[a]
		if n := float64(s.Negotiations); n > 0 {
			s.AgreementRate /= n
			s.MeanUtility /= n
			s.MeanWelfare /= n
			s.MeanRounds /= n
		}
		s.MeanDistPareto = mean(s.MeanDistPareto, s.pareto)
		s.MeanDistNash = mean(s.MeanDistNash, s.nash)
		out = append(out, s)
	}
	return out
}

// fmtMean prints a mean distance, "n/a" when there was none to take (no
// frontier, or no analysis).
func fmtMean(x float64) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return fmt.Sprintf("%.3f", x)
}

func mean(sum float64, n int) float64 {
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// mediatedSummary is the yardstick line of the summary: parley's
// confidential mediator (Nash) on every domain the agents played, once per
// domain. Its distances are 0 by construction where a Nash point exists
// (where the frontier is out of reach, its text is proved Pareto-optimal
// and has no distance to Nash); what it shows is the utility and welfare
// the agents left on the table.
func mediatedSummary(ctx context.Context, scenarios []*scenarioState, rows [][]string) (agentSummary, bool) {
	played := map[string]bool{}
	for _, r := range rows {
		if !strings.HasPrefix(r[6], "error") {
			played[r[1]] = true
		}
	}
	m := agentSummary{Agent: "mediator (nash)"}
	var own, dn, dp float64
	for _, s := range scenarios {
		if !played[s.sc.Name] {
			continue
		}
		if ctx.Err() != nil {
			return agentSummary{}, false
		}
		a := s.analyse(ctx)
		if a == nil {
			// Beyond the frontier: the mediator's text is proved
			// Pareto-optimal, but there is no Nash point to measure by.
			res, err := engine.MediateEfficient(s.sc.Profiles, truthful(s.sc.Profiles), engine.SingleTextOptions{Analysis: engine.AnalyzeOptions{MaxNodes: tournamentMaxNodes, Context: ctx}}, errors.New("no analysis"))
			if err != nil {
				continue
			}
			m.Negotiations++
			m.MeanRounds++
			if res.Agreement == nil {
				continue
			}
			m.AgreementRate++
			w := 0.0
			for _, p := range s.sc.Profiles {
				w += p.Utility(res.Agreement)
			}
			own += w / float64(len(s.sc.Profiles))
			m.MeanWelfare += w
			m.pareto++
			continue
		}
		m.Negotiations++
		m.MeanRounds++
		if a.Nash == nil {
			continue // no agreement: nothing is acceptable to all
		}
		m.AgreementRate++
		w := 0.0
		for _, u := range a.Nash.Utilities {
			w += u
		}
		own += w / float64(len(a.Nash.Utilities))
		m.MeanWelfare += w
		p, n := engine.OutcomeDistances(a, a.Nash.Utilities)
		if a.NoFrontier {
			p = 0 // the Nash point is on the frontier
		}
		dp, dn = dp+p, dn+n
		m.pareto++
		m.nash++
	}
	if m.Negotiations == 0 {
		return m, false
	}
	n := float64(m.Negotiations)
	m.AgreementRate /= n
	m.MeanRounds /= n
	m.MeanUtility = own / n
	m.MeanWelfare /= n
	m.MeanDistPareto, m.MeanDistNash = mean(dp, m.pareto), mean(dn, m.nash)
	return m, true
}

func printSummary(w io.Writer, rows []agentSummary, total int, out string) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%d negotiations in %s\n", total, out)
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "agent\tnegotiations\tagreement\town utility\twelfare\tdist. Nash\tdist. Pareto\trounds\terrors\t")
	for _, s := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.3f\t%s\t%s\t%.1f\t%d\t\n", s.Agent, s.Negotiations, s.AgreementRate, s.MeanUtility, s.MeanWelfare, fmtMean(s.MeanDistNash), fmtMean(s.MeanDistPareto), s.MeanRounds, s.errors)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rows) > 0 && strings.HasPrefix(rows[len(rows)-1].Agent, "mediator") {
		fmt.Fprintln(bw, "mediator (nash): parley's confidential mediator, one single text per domain played, for comparison")
	}
	return bw.Flush()
}
