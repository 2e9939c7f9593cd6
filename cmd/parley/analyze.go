package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"parley/engine"
	"parley/genius"
	"parley/plot"
)

type analyzeOptions struct {
	json         bool
	plot         string
	maxPoints    int
	improve      string
	maxFrontier  int
	maxEnumerate float64
	maxNodes     int
	timeout      time.Duration
	// frontier is --frontier; frontierSet says it was given (else the
	// frontier is computed when engine.FrontierByDefault says so).
	frontier, frontierSet bool
	maxNodesSet           bool
}

func newAnalyzeCmd(e *env) *cobra.Command {
	var o analyzeOptions
	cmd := &cobra.Command{
		Use:   "analyze [flags] DOMAIN [PROFILE...]",
		Short: "Exact analysis of a negotiation domain: acceptable outcomes, Pareto frontier, Nash, Kalai–Smorodinsky, welfare",
		Long: `Analyze computes, exactly, for the parties whose profiles are given:

  acceptable         outcomes with u_p >= r_p for every party p (r_p the
                     reservation value; for a GeniusWeb reservationBid, the
                     utility of that bid); the exact count
  Pareto frontier    the distinct utility vectors no outcome dominates, over all
                     outcomes; utilities equal at 12 decimal places are equal
  Nash               argmax over acceptable outcomes of Π_p (u_p − r_p),
                     ties to the larger sum
  Kalai–Smorodinsky  over acceptable Pareto points, argmax of
                     min_p (u_p − r_p)/(ideal_p − r_p), ideal_p = max u_p over
                     acceptable outcomes
  max welfare        argmax Σ_p u_p over acceptable outcomes
  egalitarian        argmax min_p (u_p − r_p) over acceptable outcomes

These are parley's definitions; GENIUS and NegMAS each mean something else by
"Nash" and "Kalai". Linear additive profiles are analysed without enumerating
the outcome space, so domains of 10^20 outcomes take milliseconds.

DOMAIN is a folder (files are recognised by content) or a domain file. With no
PROFILE named, every profile in the folder is used. Utilities follow GENIUS
10.4: discrete evaluations are divided by the issue's largest evaluation,
integer evaluators are clamped to [0,1], weights are used as given, and a
GENIUS XML linear profile's utility is capped at 1 (min(1, Σ w·eval), as
GENIUS computes it where weights add up to more than 1); GeniusWeb JSON
profiles are not capped.

The Pareto frontier is computed for two parties, and for three or more when
the outcome space has at most a million outcomes. Beyond, the frontier of
many parties can hold millions of points, so analyze says it is not computed
and finds the ideal point, Nash, Kalai–Smorodinsky, egalitarian and max
welfare exactly without it, by branch and bound over the issues (5 parties
on 10^20 outcomes in milliseconds); --frontier computes it anyway and
--frontier=false never does. Should the frontier of linear additive
profiles pass --max-frontier, analyze says so and gives the solutions found
without it. Without the frontier, --improve gives the Nash, Kalai–Smorodinsky and
egalitarian improvements (with the outcome as every party's disagreement
point) rather than every Pareto point that improves on it.

Method names the search that ran: for the frontier merge, box branch and
bound, factor two-phase, clique two-phase or enumeration; without it
branch and bound (linear additive profiles), box branch and bound or
enumeration. Ctrl-C stops the analysis (exit status 130), printing the
frontier if only the count was left; --timeout bounds it the same way.`,
		Example: `  parley analyze testdata/domains/anac2010-EnglandZimbabwe
  parley analyze --json --max-points 5 testdata/domains/anac2011-Energy
  parley analyze --plot travel.svg testdata/domains/anac2010-Travel
  parley analyze --frontier=false testdata/domains/other-Domain16
  parley analyze --improve '{"Laptop":"Dell","Harddisk":"60 Gb","External Monitor":"19'"''"' LCD"}' testdata/domains/anac2011-Laptop`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.frontierSet = cmd.Flags().Changed("frontier")
			o.maxNodesSet = cmd.Flags().Changed("max-nodes")
			return runAnalyze(cmd.Context(), e, o, args[0], args[1:])
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, "print the analysis as JSON")
	f.BoolVar(&o.frontier, "frontier", false, "compute the Pareto frontier (default: for two parties, and for more on at most 10^6 outcomes); --frontier=false: never")
	f.StringVar(&o.plot, "plot", "", "write an SVG chart of the utility space to `FILE`")
	f.IntVar(&o.maxPoints, "max-points", -1, "list at most `N` frontier points, evenly spread along it (default: 15 in text, all in JSON); never changes the size")
	f.StringVar(&o.improve, "improve", "", "list the Pareto points every party prefers to `OUTCOME`, a JSON object of issue → value or a file holding one")
	f.IntVar(&o.maxFrontier, "max-frontier", engine.DefaultMaxFrontier, "give up a frontier past `N` points (bounds memory); linear additive profiles then get the solutions without it")
	f.Float64Var(&o.maxEnumerate, "max-enumerate", engine.DefaultMaxEnumerate, "largest outcome space to enumerate when no exact method applies")
	f.IntVar(&o.maxNodes, "max-nodes", engine.DefaultMaxNodes, "branch-and-bound budget, in search nodes: of the frontier of nonlinear profiles (a few hundred bytes each), of the acceptable count, and of each solution found without the frontier (default there 50,000,000; the count without the frontier 65,536)")
	f.DurationVar(&o.timeout, "timeout", 0, "stop the analysis after this long (e.g. 30s); 0: no limit. Ctrl-C stops it too (exit status 130)")
	return cmd
}

func runAnalyze(ctx context.Context, e *env, o analyzeOptions, domain string, profiles []string) error {
	if o.maxFrontier <= 0 {
		return usageErrorf("--max-frontier is %d; it must be a positive number of points", o.maxFrontier)
	}
	if !(o.maxEnumerate > 0) {
		return usageErrorf("--max-enumerate is %v; it must be a positive number of outcomes", o.maxEnumerate)
	}
	sc, err := loadScenario(domain, profiles)
	if err != nil {
		return err
	}
	if len(sc.Profiles) == 0 {
		return usageErrorf("%s: no profiles found; name profile files after the domain, or put them in its folder", domain)
	}
	var improve engine.Outcome
	if o.improve != "" {
		if improve, err = parseOutcomeArg(sc.Domain, "--improve", o.improve); err != nil {
			return err
		}
	}
	if o.maxNodes <= 0 {
		return usageErrorf("--max-nodes is %d; it must be a positive number of search nodes", o.maxNodes)
	}
	if o.timeout < 0 {
		return usageErrorf("--timeout is %v; it must be a positive duration such as 30s (0: no limit)", o.timeout)
	}
	ctx, cancel := withTimeout(ctx, o.timeout)
	defer cancel()
	opts := engine.AnalyzeOptions{MaxFrontier: o.maxFrontier, MaxEnumerate: o.maxEnumerate, Context: ctx}
	if o.maxNodesSet {
		opts.MaxNodes = o.maxNodes // else the engine's defaults for each search
	}
	var bar *progressbar.ProgressBar
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		opts.Progress = func(done, total float64) {
			if bar == nil {
				fmt.Fprintf(e.stderr, "Evaluating all %.3g outcomes: a profile here is neither linear additive nor bounded.\n", total)
				bar = progressbar.NewOptions64(int64(total), progressbar.OptionSetWriter(e.stderr),
					progressbar.OptionSetPredictTime(true), progressbar.OptionShowCount(),
					progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
			}
			_ = bar.Set64(int64(done))
		}
	}
	start := time.Now()
	wantFrontier := o.frontier
	if !o.frontierSet {
		wantFrontier = engine.FrontierByDefault(len(sc.Profiles), sc.Domain.SizeFloat())
	}
	opts.NoFrontier = !wantFrontier
	var frontierNote string
	a, err := engine.Analyze(sc.Profiles, opts)
	if err != nil && wantFrontier && ctx.Err() == nil && allLinear(sc.Profiles) {
		// The frontier is out of reach (too many points): the solutions
		// are not. (Other profiles' frontiers fail by their search budget,
		// which the solutions' box search would pass too, after as long.)
		frontierNote = "not computed: " + err.Error()
		opts.NoFrontier = true
		a, err = engine.Analyze(sc.Profiles, opts)
	}
	if err != nil {
		if serr := stopped(ctx, o.timeout, "analysis of "+sc.Name+" stopped before it was complete"); serr != nil {
			return serr
		}
		return err
	}
	if a.NoFrontier && frontierNote == "" {
		frontierNote = fmt.Sprintf("not computed: with %d parties on %s outcomes it can hold millions of points; --frontier computes it", len(sc.Profiles), groupDigits(a.Outcomes))
		if o.frontierSet {
			frontierNote = "not computed (--frontier=false)"
		}
	}
	// Stopped while counting, the analysis has the frontier and the
	// solutions: print them, then say it was stopped.
	var stopErr error
	if a.Acceptable == nil {
		stopErr = stopped(ctx, o.timeout, "analysis of "+sc.Name+" stopped while counting the acceptable outcomes")
	}
	elapsed := time.Since(start)
	if bar != nil {
		_ = bar.Finish()
	}
	rep := newAnalysisReport(sc, a, o.maxPoints, o.json)
	rep.Seconds = elapsed.Seconds()
	rep.FrontierNote = frontierNote
	if improve != nil {
		if rep.Improvements, err = improvements(ctx, sc, a, improve, opts.MaxNodes); err != nil {
			if serr := stopped(ctx, o.timeout, "analysis of "+sc.Name+" stopped while looking for improvements"); serr != nil {
				return serr
			}
			return err
		}
	}
	if o.plot != "" {
		if err := writeAnalysisPlot(o.plot, sc, a); err != nil {
			return err
		}
	}
	if o.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", " ")
		err = enc.Encode(rep)
	} else {
		err = rep.writeText(e.stdout)
	}
	if err != nil {
		return err
	}
	return stopErr
}

// improvements answers --improve: every Pareto point that improves on the
// outcome when the frontier is known, else the improvements by each
// solution, found without it.
func improvements(ctx context.Context, sc *genius.Scenario, a *engine.Analysis, o engine.Outcome, maxNodes int) (*improvementReport, error) {
	d := sc.Domain
	if !a.NoFrontier {
		pts, u, err := a.Improvements(o)
		if err != nil {
			return nil, err
		}
		return &improvementReport{Outcome: d.Names(o), Utilities: u, Pareto: len(pts) == 0, Points: reportPoints(d, pts)}, nil
	}
	r := &improvementReport{Outcome: d.Names(o), Utilities: rounded(utilitiesOf(sc.Profiles, o))}
	for _, s := range []struct {
		sol engine.Solution
		dst **solutionReport
	}{{engine.SolutionNash, &r.Nash}, {engine.SolutionKalaiSmorodinsky, &r.KS}, {engine.SolutionEgalitarian, &r.Egalitarian}} {
		got, err := engine.Improve(ctx, sc.Profiles, o, s.sol, engine.SolveOptions{MaxNodes: maxNodes})
		if errors.Is(err, engine.ErrNoFeasible) {
			r.Pareto = true
			return r, nil
		}
		if err != nil {
			return nil, err
		}
		*s.dst = &solutionReport{Utilities: got.Utilities, Outcome: d.Names(got.Outcome)}
	}
	return r, nil
}

// loadScenario reads DOMAIN [PROFILE...] for the engine's commands.
func loadScenario(domain string, profiles []string) (*genius.Scenario, error) {
	if _, err := os.Stat(domain); err != nil {
		return nil, usageErrorf("%s: no such file or folder; DOMAIN is a scenario folder or a domain file", domain)
	}
	for _, p := range profiles {
		if strings.ContainsAny(p, `/\`) {
			if _, err := os.Stat(p); err != nil {
				return nil, usageErrorf("%s: no such profile file", p)
			}
		}
	}
	return genius.Load(domain, profiles...)
}

// parseOutcomeArg reads the outcome given to flag: a JSON object of
// issue → value, inline or in a file.
func parseOutcomeArg(d *engine.Domain, flag, s string) (engine.Outcome, error) {
	src := flag
	data := []byte(s)
	if !strings.HasPrefix(strings.TrimSpace(s), "{") {
		b, err := os.ReadFile(s)
		if err != nil {
			return nil, usageErrorf("%s %q is neither a JSON object nor a readable file: %v", flag, s, err)
		}
		src, data = s, b
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, usageErrorf("%s: not a JSON object of issue → value: %v", src, err)
	}
	m := make(map[string]string, len(raw))
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			m[k] = v
		case float64:
			m[k] = fmt.Sprint(v)
		default:
			return nil, usageErrorf("%s: issue %q has value %v; values are strings (or numbers for integer and real issues)", src, k, v)
		}
	}
	out, err := d.ParseOutcome(m)
	if err != nil {
		return nil, usageErrorf("%s: %v", src, err)
	}
	return out, nil
}

// analysisReport is the JSON shape of `parley analyze --json`.
type analysisReport struct {
	Domain     string        `json:"domain"`
	DomainFile string        `json:"domain_file"`
	Issues     int           `json:"issues"`
	Outcomes   *big.Int      `json:"outcomes"`
	Acceptable *big.Int      `json:"acceptable"`
	CountError string        `json:"acceptable_error,omitempty"`
	Parties    []partyReport `json:"parties"`
	Pareto     *paretoReport `json:"pareto"`
	// FrontierNote says why the frontier is not computed (pareto is then
	// null and the solutions were found without it).
	FrontierNote string            `json:"pareto_note,omitempty"`
	Ideal        []float64         `json:"ideal"`
	Nash         *solutionReport   `json:"nash"`
	KS           *solutionReport   `json:"kalai_smorodinsky"`
	MaxWelfare   *solutionReport   `json:"max_welfare"`
	Egalitarian  *solutionReport   `json:"egalitarian"`
	Method       string            `json:"method"`
	Grid         bool              `json:"real_issues_on_grid,omitempty"`
	Seconds      float64           `json:"seconds"`
	Definitions  map[string]string `json:"definitions"`

	Improvements *improvementReport `json:"improvements,omitempty"`

	issueKinds string
	issueOrder []string
}

type partyReport struct {
	Name        string  `json:"name"`
	Profile     string  `json:"profile"`
	Reservation float64 `json:"reservation"`
	Kind        string  `json:"kind"`
}

type paretoReport struct {
	Size   int           `json:"size"`
	Points []pointReport `json:"points"`
}

type pointReport struct {
	Utilities  []float64         `json:"utilities"`
	Outcome    map[string]string `json:"outcome"`
	Acceptable bool              `json:"acceptable"`
}

type solutionReport struct {
	Utilities []float64         `json:"utilities"`
	Outcome   map[string]string `json:"outcome"`
	Product   *float64          `json:"product,omitempty"`
	Ratio     *float64          `json:"ratio,omitempty"`
	Welfare   *float64          `json:"welfare,omitempty"`
	Gain      *float64          `json:"min_gain,omitempty"`
}

type improvementReport struct {
	Outcome   map[string]string `json:"outcome"`
	Utilities []float64         `json:"utilities"`
	Pareto    bool              `json:"pareto_optimal"`
	// Points are every Pareto point that improves on the outcome; null
	// without the frontier, where the solutions' improvements are given.
	Points      []pointReport   `json:"points"`
	Nash        *solutionReport `json:"nash,omitempty"`
	KS          *solutionReport `json:"kalai_smorodinsky,omitempty"`
	Egalitarian *solutionReport `json:"egalitarian,omitempty"`
}

var definitions = map[string]string{
	"acceptable":        "u_p(o) >= r_p for every party p",
	"pareto":            "distinct utility vectors (equal at 12 decimals) that no outcome dominates, over all outcomes",
	"nash":              "argmax over acceptable outcomes of prod_p (u_p - r_p); ties to the larger sum",
	"kalai_smorodinsky": "over acceptable Pareto points, argmax of min_p (u_p - r_p)/(ideal_p - r_p), ideal_p = max u_p over acceptable outcomes",
	"max_welfare":       "argmax sum_p u_p over acceptable outcomes",
	"egalitarian":       "argmax min_p (u_p - r_p) over acceptable outcomes",
}

func newAnalysisReport(sc *genius.Scenario, a *engine.Analysis, maxPoints int, asJSON bool) *analysisReport {
	d := sc.Domain
	r := &analysisReport{
		Domain: sc.Name, DomainFile: sc.DomainFile, Issues: len(d.Issues),
		Outcomes: a.Outcomes, Acceptable: a.Acceptable, CountError: a.CountError, Ideal: a.Ideal,
		Method: a.Method, Grid: a.Grid, Definitions: definitions,
	}
	for i, p := range sc.Profiles {
		r.Parties = append(r.Parties, partyReport{Name: p.Name(), Profile: sc.ProfileFiles[i], Reservation: engine.Round(p.Reservation()), Kind: profileKind(p)})
	}
	if maxPoints < 0 {
		maxPoints = len(a.Pareto)
		if !asJSON {
			maxPoints = 15
		}
	}
	if !a.NoFrontier {
		r.Pareto = &paretoReport{Size: len(a.Pareto), Points: reportPoints(d, spread(a.Pareto, maxPoints))}
	}
	sol := func(p *engine.Point) *solutionReport {
		if p == nil {
			return nil
		}
		return &solutionReport{Utilities: p.Utilities, Outcome: d.Names(p.Outcome)}
	}
	if r.Nash = sol(a.Nash); r.Nash != nil {
		r.Nash.Product = ptr(a.NashProduct)
		r.KS = sol(a.KalaiSmorodinsky)
		r.KS.Ratio = ptr(a.KSRatio)
		r.MaxWelfare = sol(a.MaxWelfare)
		r.MaxWelfare.Welfare = ptr(engine.Round(a.Welfare))
		r.Egalitarian = sol(a.Egalitarian)
		r.Egalitarian.Gain = ptr(engine.Round(a.EgalitarianGain))
	}
	var kinds []string
	for _, is := range d.Issues {
		kinds = append(kinds, fmt.Sprintf("%s %d", is.Kind, is.NumValues()))
	}
	r.issueKinds = strings.Join(kinds, ", ")
	for _, is := range d.Issues {
		r.issueOrder = append(r.issueOrder, is.Name)
	}
	return r
}

func ptr(x float64) *float64 { return &x }

func allLinear(ps []engine.Profile) bool {
	for _, p := range ps {
		if _, ok := p.(*engine.LinearAdditive); !ok {
			return false
		}
	}
	return true
}

func profileKind(p engine.Profile) string {
	switch p.(type) {
	case *engine.LinearAdditive:
		return "linear-additive"
	case *engine.Hyperrectangle:
		return "nonlinear-hyperrectangle"
	case *engine.Constraint:
		return "constraint"
	}
	return fmt.Sprintf("%T", p)
}

// spread picks at most k points evenly along the frontier, both ends kept.
func spread(pts []engine.Point, k int) []engine.Point {
	if k >= len(pts) {
		return pts
	}
	if k <= 0 {
		return []engine.Point{}
	}
	if k == 1 {
		return pts[:1]
	}
	out := make([]engine.Point, 0, k)
	for i := 0; i < k; i++ {
		out = append(out, pts[int(math.Round(float64(i)*float64(len(pts)-1)/float64(k-1)))])
	}
	return out
}

func reportPoints(d *engine.Domain, pts []engine.Point) []pointReport {
	out := make([]pointReport, 0, len(pts))
	for _, p := range pts {
		out = append(out, pointReport{Utilities: p.Utilities, Outcome: d.Names(p.Outcome), Acceptable: p.Acceptable})
	}
	return out
}

func (r *analysisReport) writeText(w io.Writer) error {
	var b strings.Builder
	pct := ""
	if r.Outcomes.Sign() > 0 && r.Acceptable != nil {
		f, _ := new(big.Rat).SetFrac(r.Acceptable, r.Outcomes).Float64()
		pct = fmt.Sprintf(" (%.4g%%)", 100*f)
	}
	fmt.Fprintf(&b, "Domain      %s (%s)\n", r.Domain, r.DomainFile)
	fmt.Fprintf(&b, "Issues      %d: %s\n", r.Issues, r.issueKinds)
	fmt.Fprintf(&b, "Outcomes    %s\n", groupDigits(r.Outcomes))
	if r.Acceptable != nil {
		fmt.Fprintf(&b, "Acceptable  %s%s to every party (u_p >= r_p for all p)\n", groupDigits(r.Acceptable), pct)
	} else {
		fmt.Fprintf(&b, "Acceptable  not counted: %s\n", r.CountError)
	}
	if r.Grid {
		fmt.Fprintf(&b, "Note        real issues are analysed on a grid of %d values each\n", engine.DefaultRealSteps)
	}
	method := r.Method
	how := map[string]string{
		engine.MethodMerge:     "exact, per-issue frontiers merged, no enumeration",
		engine.MethodBox:       "exact, over boxes of outcomes",
		engine.MethodFactor:    "exact, weighted sums then ε-constraint steps over the profiles' parts",
		engine.MethodClique:    "exact, weighted sums then ε-constraint steps over cliques of intersecting rectangles",
		engine.MethodEnumerate: "exact, every outcome evaluated",
	}[r.Method]
	if r.Pareto == nil {
		how = map[string]string{
			"branch and bound":     "exact solutions without the frontier, over the issues with bounds from per-value contributions",
			engine.MethodBox:       "exact solutions without the frontier, over boxes of outcomes",
			engine.MethodEnumerate: "exact solutions without the frontier, every outcome evaluated",
		}[r.Method]
	}
	if how != "" {
		method += " (" + how + ")"
	}
	// Enough decimal places to tell the listed points apart.
	var listed [][]float64
	if r.Pareto != nil {
		for _, pt := range r.Pareto.Points {
			listed = append(listed, pt.Utilities)
		}
	} else {
		for _, s := range []*solutionReport{r.Nash, r.KS, r.MaxWelfare, r.Egalitarian} {
			if s != nil {
				listed = append(listed, s.Utilities)
			}
		}
	}
	digits := utilityDigits(listed)
	fmtUtils := func(u []float64) string { return fmtUtilities(u, digits) }
	fmt.Fprintf(&b, "Method      %s, %s\n\n", method, fmtDuration(r.Seconds))
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Party\tProfile\tKind\tReservation")
	for _, p := range r.Parties {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.4g\n", p.Name, p.Profile, p.Kind, p.Reservation)
	}
	tw.Flush()
	if r.Pareto == nil {
		fmt.Fprintf(&b, "\nPareto frontier: %s\n\n", r.FrontierNote)
	} else {
		r.writeFrontier(&b, digits)
	}
	if r.Nash == nil {
		b.WriteString("No outcome is acceptable to every party: there is no Nash, Kalai–Smorodinsky, max-welfare or egalitarian point.\n")
	} else {
		if r.Ideal != nil {
			fmt.Fprintf(&b, "Ideal (best acceptable for each)  %s\n\n", fmtUtils(r.Ideal))
		}
		sol := func(name, extra string, s *solutionReport) {
			fmt.Fprintf(&b, "%-19s %s  %s\n%20s%s\n", name, fmtUtils(s.Utilities), extra, "", fmtOutcome(r.issueOrder, s.Outcome))
		}
		sol("Nash", fmt.Sprintf("product of gains %.6g", *r.Nash.Product), r.Nash)
		sol("Kalai–Smorodinsky", fmt.Sprintf("min normalised gain %.6g", *r.KS.Ratio), r.KS)
		sol("Max welfare", fmt.Sprintf("sum %.6g", *r.MaxWelfare.Welfare), r.MaxWelfare)
		sol("Egalitarian", fmt.Sprintf("min gain %.6g", *r.Egalitarian.Gain), r.Egalitarian)
	}
	if im := r.Improvements; im != nil {
		fmt.Fprintf(&b, "\nImprovements on %s\n  its utilities %s\n", fmtOutcome(r.issueOrder, im.Outcome), fmtUtils(im.Utilities))
		switch {
		case im.Pareto:
			b.WriteString("  none: it is Pareto-optimal; no outcome is better for one party without being worse for another\n")
		case im.Points == nil:
			b.WriteString("  it is not Pareto-optimal; the best improvements (gains measured from it), each Pareto-optimal:\n")
			for _, s := range []struct {
				name string
				s    *solutionReport
			}{{"Nash", im.Nash}, {"Kalai–Smorodinsky", im.KS}, {"Egalitarian", im.Egalitarian}} {
				fmt.Fprintf(&b, "  %-19s %s  %s\n", s.name, fmtUtils(s.s.Utilities), fmtOutcome(r.issueOrder, s.s.Outcome))
			}
		default:
			fmt.Fprintf(&b, "  %d Pareto points are at least as good for every party and better for one:\n", len(im.Points))
			for _, pt := range im.Points {
				fmt.Fprintf(&b, "  %s  %s\n", fmtUtils(pt.Utilities), fmtOutcome(r.issueOrder, pt.Outcome))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeFrontier prints the listed frontier points, d decimal places.
func (r *analysisReport) writeFrontier(b *strings.Builder, d int) {
	shown := ""
	if len(r.Pareto.Points) < r.Pareto.Size {
		shown = fmt.Sprintf(", %d shown evenly along it (--max-points)", len(r.Pareto.Points))
	}
	fmt.Fprintf(b, "\nPareto frontier: %d points%s\n", r.Pareto.Size, shown)
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	for _, p := range r.Parties {
		fmt.Fprintf(tw, "%s\t", p.Name)
	}
	fmt.Fprintln(tw, "acceptable\toutcome")
	for _, pt := range r.Pareto.Points {
		for _, u := range pt.Utilities {
			fmt.Fprintf(tw, "%s\t", decimal(u, d))
		}
		acc := "no"
		if pt.Acceptable {
			acc = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\n", acc, fmtOutcome(r.issueOrder, pt.Outcome))
	}
	tw.Flush()
	b.WriteString("\n")
}

// fmtUtilities prints a utility vector with d decimal places.
func fmtUtilities(u []float64, d int) string {
	s := make([]string, len(u))
	for i, x := range u {
		s[i] = decimal(x, d)
	}
	return "(" + strings.Join(s, ", ") + ")"
}

// fmtOutcome prints an outcome in the domain's issue order.
func fmtOutcome(order []string, m map[string]string) string {
	parts := make([]string, 0, len(order))
	for _, k := range order {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, "; ")
}

func groupDigits(n *big.Int) string {
	s := n.String()
	if len(s) > 24 {
		f, _ := new(big.Float).SetInt(n).Float64()
		return fmt.Sprintf("%.3e", f)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func fmtDuration(sec float64) string {
	switch {
	case sec < 1e-3:
		return fmt.Sprintf("%.0f µs", sec*1e6)
	case sec < 1:
		return fmt.Sprintf("%.1f ms", sec*1e3)
	}
	return fmt.Sprintf("%.2f s", sec)
}

// writeAnalysisPlot draws the utility space: the frontier, the
// reservation lines and the solutions; one panel per pair of parties.
func writeAnalysisPlot(path string, sc *genius.Scenario, a *engine.Analysis) error {
	n := len(sc.Profiles)
	if n < 2 {
		return usageErrorf("--plot needs at least two profiles; %s has %d", sc.Name, n)
	}
	var panels []plot.Panel
	for x := 0; x < n; x++ {
		for y := x + 1; y < n; y++ {
			p := plot.Panel{
				Title:  fmt.Sprintf("%s vs %s", sc.Profiles[x].Name(), sc.Profiles[y].Name()),
				XLabel: "utility of " + sc.Profiles[x].Name(), YLabel: "utility of " + sc.Profiles[y].Name(),
				VLines: []plot.Line{{Name: "reservation values", Color: "#c0392b", At: a.Reservations[x]}},
				HLines: []plot.Line{{Name: "reservation values", Color: "#c0392b", At: a.Reservations[y]}},
			}
			if !a.NoFrontier {
				front := plot.Series{Name: "Pareto frontier", Color: "#2c7fb8", Line: n == 2}
				if n > 2 {
					front.Name = "Pareto frontier (projected)"
				}
				for _, pt := range a.Pareto {
					front.Points = append(front.Points, [2]float64{pt.Utilities[x], pt.Utilities[y]})
				}
				p.Series = append(p.Series, front)
			}
			mark := func(name, color, shape string, pt *engine.Point) {
				if pt != nil {
					p.Markers = append(p.Markers, plot.Marker{Name: name, Color: color, Shape: shape, X: pt.Utilities[x], Y: pt.Utilities[y]})
				}
			}
			mark("Max welfare", "#2ca25f", "square", a.MaxWelfare)
			mark("Egalitarian", "#ffffff", "circle", a.Egalitarian)
			mark("Kalai–Smorodinsky", "#fdae61", "triangle", a.KalaiSmorodinsky)
			mark("Nash", "#d7191c", "diamond", a.Nash)
			panels = append(panels, p)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	title := fmt.Sprintf("%s: %s outcomes, %d on the Pareto frontier", sc.Name, groupDigits(a.Outcomes), len(a.Pareto))
	if a.NoFrontier {
		title = fmt.Sprintf("%s: %s outcomes, the solutions (frontier not computed)", sc.Name, groupDigits(a.Outcomes))
	}
	cols := 1
	if len(panels) > 1 {
		cols = min(3, len(panels))
	}
	if err := plot.Write(f, title, panels, cols); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
