package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"parley/engine"
	"parley/genius"
)

// negotiateOptions are the flags of parley negotiate.
type negotiateOptions struct {
	agents   string
	protocol string
	mediator string
	solution string
	rounds   int
	time     time.Duration
	seed     uint64
	json     bool
	trace    bool
	plot     string
	start    string
	maxNodes int
	maxEnum  float64
	timeout  time.Duration
	noAnal   bool
	// maxNodesSet says --max-nodes was given.
	maxNodesSet bool
}

func newNegotiateCmd(e *env) *cobra.Command {
	o := &negotiateOptions{}
	cmd := &cobra.Command{
		Use:   "negotiate DOMAIN [PROFILE...]",
		Short: "Run one negotiation between automated agents, or mediated by parley",
		Long: `Run one negotiation on DOMAIN (a folder or a domain file; with no PROFILE
every profile in the folder takes part, sorted by file name).

With --protocol saop (the default) each party is played by the agent at its
place in --agents (known agents: ` + strings.Join(engine.AgentNames(), ", ") + `).
One SAOP round is one action (an offer, or accepting the latest offer) by
each party in turn: in a bilateral negotiation, two GENIUS deadline steps.
With --protocol single-text parley's confidential mediator (or, with
--mediator answers, one that knows only the parties' answers) leads and every
party answers truthfully from its own profile.

Prints the agreement (or none), each party's utility, the rounds used, the
protocol's own time, and the agreement's Euclidean distance in utility space
to the Pareto frontier and to the Nash point of the exact analysis (with
--no-analysis, the protocol only: no analysis, no distances and no mediator
comparison). The confidential mediator finds its text exactly without the
frontier (branch and bound over the issues: 5 parties on 10^20 outcomes in
milliseconds), and the analysis computes the frontier only where analyze
does by default (two parties, or at most 10^6 outcomes): beyond, the
distance to the frontier is 0 for an agreement proved Pareto-optimal and
unknown otherwise (pareto_optimal in the JSON says which). Ctrl-C stops the negotiation and prints where it had got to
(exit status 130); --timeout bounds the whole run.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("rounds") && o.rounds <= 0 {
				return engine.Errorf("--rounds is %d; it must be a positive number of rounds", o.rounds)
			}
			if cmd.Flags().Changed("time") && o.time <= 0 {
				return engine.Errorf("--time is %v; it must be a positive duration such as 2s", o.time)
			}
			if o.maxNodes <= 0 {
				return engine.Errorf("--max-nodes is %d; it must be a positive number of search nodes", o.maxNodes)
			}
			if !(o.maxEnum > 0) || math.IsInf(o.maxEnum, 0) {
				return engine.Errorf("--max-enumerate is %v; it must be a positive number of outcomes", o.maxEnum)
			}
			if !cmd.Flags().Changed("rounds") && o.time > 0 {
				o.rounds = 0
			}
			if o.timeout < 0 {
				return engine.Errorf("--timeout is %v; it must be a positive duration such as 30s (0: no limit)", o.timeout)
			}
			o.maxNodesSet = cmd.Flags().Changed("max-nodes")
			return runNegotiate(cmd.Context(), e, o, args[0], args[1:])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.agents, "agents", "", "comma-separated agents, one per party in profile order (saop)")
	f.StringVar(&o.protocol, "protocol", "saop", "saop (stacked alternating offers) or single-text")
	f.StringVar(&o.mediator, "mediator", "confidential", "single-text mediator: confidential (holds every profile) or answers (knows only answers)")
	f.StringVar(&o.solution, "solution", "nash", "what the confidential mediator aims for: nash, ks or egalitarian")
	f.IntVar(&o.rounds, "rounds", 1000, "deadline in rounds; a round is one action by each party (two GENIUS deadline steps for two parties)")
	f.DurationVar(&o.time, "time", 0, "deadline in wall time (e.g. 3s); with --rounds, whichever comes first")
	f.Uint64Var(&o.seed, "seed", 1, "random seed")
	f.BoolVar(&o.json, "json", false, "print JSON")
	f.BoolVar(&o.trace, "trace", false, "include every action")
	f.StringVar(&o.plot, "plot", "", "write an SVG of the offers over the utility space and the frontier to this file")
	f.IntVar(&o.maxNodes, "max-nodes", 200_000, "search budget, in nodes, of the exact analysis of nonlinear profiles and of the mediator's search for them (linear additive profiles: Solve's own), and of each solution when the analysis is made without the frontier")
	f.Float64Var(&o.maxEnum, "max-enumerate", engine.DefaultMaxEnumerate, "largest outcome space the exact analysis may evaluate one by one when no exact method applies")
	f.DurationVar(&o.timeout, "timeout", 0, "stop the whole run (analysis and protocol) after this long, e.g. 30s; 0: no limit")
	f.BoolVar(&o.noAnal, "no-analysis", false, "run the protocol only: no exact analysis, distances or mediator comparison")
	f.StringVar(&o.start, "start", "", `single-text: a tentative agreement to improve, as JSON {"Issue": "value", …} or a JSON file; the confidential mediator then moves only to a text no party likes less`)
	return cmd
}

// loadNegotiation reads a domain with its profiles and checks it can be
// negotiated over.
func loadNegotiation(path string, profiles []string) (*genius.Scenario, error) {
	sc, err := loadScenario(path, profiles)
	if err != nil {
		return nil, err
	}
	if len(sc.Profiles) < 2 {
		return nil, engine.Errorf("%s: %d profile(s) for domain %s; a negotiation needs at least 2 (name them after the domain)", path, len(sc.Profiles), sc.DomainFile)
	}
	return sc, nil
}

// parseAgents turns "a,b" into n agent names, checking each is known.
func parseAgents(s string, n int) ([]string, error) {
	var names []string
	for _, a := range strings.Split(s, ",") {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == "" {
			continue
		}
		if _, err := engine.NewAgent(a); err != nil {
			return nil, err
		}
		names = append(names, a)
	}
	if n > 0 && len(names) != n {
		return nil, engine.Errorf("%d agents (%s) for %d parties; name one agent per party, e.g. --agents %s", len(names), s, n, strings.Repeat("boulware,", n-1)+"conceder")
	}
	return names, nil
}

// negotiation is the JSON form of one negotiation's result.
type negotiation struct {
	Domain           string         `json:"domain"`
	Protocol         string         `json:"protocol"`
	Agreement        *agreementJSON `json:"agreement"`
	End              string         `json:"end"`
	Rounds           int            `json:"rounds"`
	Parties          []partyJSON    `json:"parties"`
	DistanceToPareto *float64       `json:"distance_to_pareto"`
	DistanceToNash   *float64       `json:"distance_to_nash"`
	// ParetoOptimal, given when the frontier was not computed (many
	// parties on a large space), says whether the agreement is
	// Pareto-optimal; the distance to the frontier is then 0 or unknown.
	ParetoOptimal *bool     `json:"pareto_optimal,omitempty"`
	Nash          []float64 `json:"nash"`
	// ProtocolSeconds is the protocol's own time: the agents' or the
	// mediator's, without the analysis parley makes to measure them.
	ProtocolSeconds float64       `json:"protocol_seconds"`
	Mediated        *mediatedJSON `json:"mediated,omitempty"`
	Note            string        `json:"note,omitempty"`
	Trace           []stepJSON    `json:"trace,omitempty"`
}

type agreementJSON struct {
	Outcome   map[string]string `json:"outcome"`
	Utilities []float64         `json:"utilities"`
	// Discounted holds the utilities discounted at the time of agreement,
	// when some profile discounts.
	Discounted []float64 `json:"discounted,omitempty"`
}

type partyJSON struct {
	Name        string  `json:"name"`
	Agent       string  `json:"agent"`
	Reservation float64 `json:"reservation"`
	Utility     float64 `json:"utility"`
}

type mediatedJSON struct {
	Solution         string    `json:"solution"`
	Utilities        []float64 `json:"utilities"`
	DistanceToPareto *float64  `json:"distance_to_pareto"`
	DistanceToNash   *float64  `json:"distance_to_nash"`
}

type stepJSON struct {
	Round     int               `json:"round"`
	Party     int               `json:"party"`
	Action    string            `json:"action"`
	Offer     map[string]string `json:"offer,omitempty"`
	Utilities []float64         `json:"utilities,omitempty"`
}

func num(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	f = engine.Round(f)
	return &f
}

func runNegotiate(ctx context.Context, e *env, o *negotiateOptions, path string, profiles []string) error {
	if o.protocol != "saop" && o.protocol != "single-text" {
		return engine.Errorf("unknown protocol %q; use saop or single-text", o.protocol)
	}
	sol, err := engine.ParseSolution(o.solution)
	if err != nil {
		return err
	}
	if o.mediator != "confidential" && o.mediator != "answers" {
		return engine.Errorf("unknown mediator %q; use confidential or answers", o.mediator)
	}
	sc, err := loadNegotiation(path, profiles)
	if err != nil {
		return err
	}
	n := len(sc.Profiles)
	var names []string
	if o.protocol == "saop" {
		if o.agents == "" {
			return engine.Errorf("name one agent per party with --agents (known agents: %s)", strings.Join(engine.AgentNames(), ", "))
		}
		if names, err = parseAgents(o.agents, n); err != nil {
			return err
		}
	} else if o.agents != "" {
		return engine.Errorf("--agents is for --protocol saop; in a single-text negotiation every party answers truthfully from its own profile")
	}
	if o.start != "" && o.protocol != "single-text" {
		return engine.Errorf("--start is for --protocol single-text")
	}
	if o.plot != "" {
		// Fail before the work, and never overwrite a directory.
		if fi, err := os.Stat(o.plot); err == nil && fi.IsDir() {
			return engine.Errorf("--plot %s is a directory; name an .svg file", o.plot)
		}
	}
	ctx, cancel := withTimeout(ctx, o.timeout)
	defer cancel()
	stop := func() error { return stopped(ctx, o.timeout, "negotiation on "+sc.Name+" stopped") }
	limits := engine.AnalyzeOptions{MaxNodes: o.maxNodes, MaxEnumerate: o.maxEnum, SkipCount: true, Context: ctx}
	mediator := engine.SingleTextOptions{Solution: sol, Analysis: limits}
	if !engine.FrontierByDefault(n, sc.Domain.SizeFloat()) {
		// The frontier only where analyze computes it by default: with
		// many parties on large spaces the distances are measured without
		// it, each solution within Solve's own budget unless --max-nodes.
		limits.NoFrontier = true
		if !o.maxNodesSet {
			limits.MaxNodes = 0
		}
	}
	var a *engine.Analysis
	if !o.noAnal {
		a, err = engine.Analyze(sc.Profiles, limits)
	}
	if err := stop(); err != nil {
		return err // nothing negotiated yet
	}
	if err != nil {
		// Neither agents nor the mediator need the analysis; only the
		// distances do.
		fmt.Fprintf(e.stderr, "parley: no distances to the frontier and Nash: %v\n", err)
		a = nil
	}
	out := negotiation{Domain: sc.Name, Protocol: o.protocol}
	var agreement engine.Outcome
	var utilities, discounted []float64
	var trace []engine.Step
	paretoOptimal := false // proved by the mediator's search
	if o.protocol == "saop" {
		agents := make([]engine.Agent, n)
		for i, name := range names {
			agents[i], _ = engine.NewAgent(name)
		}
		began := time.Now()
		res, err := engine.RunSAOP(sc.Profiles, agents, engine.SAOPOptions{Rounds: o.rounds, Time: o.time, Seed: o.seed, NoTrace: !o.trace && o.plot == "", Context: ctx})
		out.ProtocolSeconds = time.Since(began).Seconds()
		if err != nil {
			return err
		}
		agreement, utilities, discounted, trace = res.Agreement, res.Raw, res.Utilities, res.Trace
		out.End, out.Rounds = res.End.String(), res.Rounds
		if res.End == engine.Broken || res.End == engine.Ended {
			out.End = fmt.Sprintf("%s by party %d", res.End, res.Party+1)
			if res.Reason != "" {
				out.End += " (" + res.Reason + ")"
			}
		}
		if !o.noAnal && res.End != engine.Stopped {
			// What the confidential mediator would have reached.
			med, err := engine.ConfidentialMediator(sc.Profiles, truthful(sc.Profiles), mediator)
			if err == nil && med.Agreement != nil {
				mu := utilitiesOf(sc.Profiles, med.Agreement)
				dp, dn := distances(ctx, sc.Profiles, a, med.Agreement, mu, med.ParetoOptimal, o.maxNodes)
				out.Mediated = &mediatedJSON{Solution: string(sol), Utilities: rounded(mu), DistanceToPareto: dp, DistanceToNash: dn}
			}
		}
	} else {
		var start engine.Outcome
		if o.start != "" {
			if o.mediator != "confidential" {
				return engine.Errorf("--start is for the confidential mediator; the answers-only mediator starts from a random text")
			}
			if start, err = parseOutcomeArg(sc.Domain, "--start", o.start); err != nil {
				return err
			}
		}
		var res *engine.SingleTextResult
		began := time.Now()
		if o.mediator == "answers" {
			res, err = engine.HillClimbMediator(sc.Domain, truthful(sc.Profiles), engine.SingleTextOptions{Seed: o.seed})
		} else {
			// The mediator's own search is part of the protocol.
			mediator.Start = start
			res, err = engine.ConfidentialMediator(sc.Profiles, truthful(sc.Profiles), mediator)
		}
		out.ProtocolSeconds = time.Since(began).Seconds()
		if serr := stop(); serr != nil {
			return serr
		}
		if err != nil {
			return err
		}
		out.Note = res.Note
		agreement, out.Rounds = res.Agreement, len(res.Texts)
		paretoOptimal = res.ParetoOptimal
		out.End = "agreement"
		if agreement == nil {
			out.End = "rejected"
		}
		for i, t := range res.Texts {
			trace = append(trace, engine.Step{Round: i, Party: -1, Action: engine.ActOffer, Offer: t, Utilities: utilitiesOf(sc.Profiles, t)})
		}
		names = make([]string, n)
		for i := range names {
			names[i] = "truthful"
		}
	}
	if utilities == nil {
		if agreement != nil {
			utilities = utilitiesOf(sc.Profiles, agreement)
		} else {
			for _, p := range sc.Profiles {
				utilities = append(utilities, p.Reservation())
			}
		}
	}
	for i, p := range sc.Profiles {
		out.Parties = append(out.Parties, partyJSON{Name: sc.ProfileFiles[i], Agent: names[i], Reservation: engine.Round(p.Reservation()), Utility: engine.Round(utilities[i])})
	}
	if agreement != nil {
		out.Agreement = &agreementJSON{Outcome: sc.Domain.Names(agreement), Utilities: rounded(utilities)}
		for _, p := range sc.Profiles {
			if d := p.DiscountFactor(); d > 0 && d < 1 && discounted != nil {
				out.Agreement.Discounted = rounded(discounted)
				break
			}
		}
	}
	if !o.noAnal {
		out.DistanceToPareto, out.DistanceToNash = distances(ctx, sc.Profiles, a, agreement, utilities, paretoOptimal, o.maxNodes)
		if agreement != nil && (a == nil || a.NoFrontier) {
			po := out.DistanceToPareto != nil
			out.ParetoOptimal = &po
		}
		if a != nil && a.Nash != nil {
			out.Nash = a.Nash.Utilities
		}
	}
	if o.trace {
		for _, s := range trace {
			st := stepJSON{Round: s.Round + 1, Party: s.Party + 1, Action: s.Action.String(), Utilities: rounded(s.Utilities)}
			if s.Offer != nil {
				st.Offer = sc.Domain.Names(s.Offer)
			}
			if s.Party < 0 {
				st.Party, st.Action = 0, "text"
			}
			out.Trace = append(out.Trace, st)
		}
	}
	if o.plot != "" {
		// Without the frontier, the mediator's text (proved Pareto-optimal)
		// marks where the frontier passes.
		var mediated []float64
		if (a == nil || a.NoFrontier) && out.Mediated != nil {
			mediated = out.Mediated.Utilities
		}
		if err := writeFileAtomic(o.plot, func(w io.Writer) error {
			return plotNegotiation(w, sc, a, trace, agreement, utilities, mediated)
		}); err != nil {
			return err
		}
	}
	if o.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(out)
	} else {
		err = printNegotiation(e.stdout, sc, &out, o)
	}
	if err != nil {
		return err
	}
	return stop() // stopped mid-protocol: what it had is printed
}

// distances returns the distance in utility space from u, the utilities
// of outcome o (nil: no agreement), to the Pareto frontier and to the Nash
// point of a (nil when unknown), measured on the 12-place grid. Without the frontier (a.NoFrontier, or no
// analysis) the distance to the frontier is 0 when o is proved
// Pareto-optimal (paretoOptimal, or no improvement of it exists) and
// unknown otherwise.
func distances(ctx context.Context, ps []engine.Profile, a *engine.Analysis, o engine.Outcome, u []float64, paretoOptimal bool, maxNodes int) (pareto, nash *float64) {
	u = rounded(u) // on the grid of the analysis' points
	if a != nil && !a.NoFrontier {
		dp, dn := engine.OutcomeDistances(a, u)
		return num(dp), num(dn)
	}
	if a != nil && a.Nash != nil {
		_, dn := engine.OutcomeDistances(a, u)
		nash = num(dn)
	}
	if o != nil && !paretoOptimal {
		_, err := engine.Improve(ctx, ps, o, engine.SolutionNash, engine.SolveOptions{MaxNodes: maxNodes})
		paretoOptimal = errors.Is(err, engine.ErrNoFeasible)
	}
	if paretoOptimal {
		zero := 0.0
		pareto = &zero
	}
	return pareto, nash
}

func truthful(ps []engine.Profile) []engine.Judge {
	js := make([]engine.Judge, len(ps))
	for i, p := range ps {
		js[i] = engine.TruthfulJudge{Profile: p}
	}
	return js
}

func utilitiesOf(ps []engine.Profile, o engine.Outcome) []float64 {
	u := make([]float64, len(ps))
	for i, p := range ps {
		u[i] = p.Utility(o)
	}
	return u
}

func rounded(u []float64) []float64 {
	if u == nil {
		return nil
	}
	r := make([]float64, len(u))
	for i, x := range u {
		r[i] = engine.Round(x)
	}
	return r
}

func fmtNum(f *float64) string {
	if f == nil {
		return "n/a"
	}
	return decimal(*f, minDigits)
}

func printNegotiation(w io.Writer, sc *genius.Scenario, out *negotiation, o *negotiateOptions) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "domain %s: %s outcomes, %d parties, protocol %s\n", sc.Name, sc.Domain.Size(), len(sc.Profiles), out.Protocol)
	for i, p := range out.Parties {
		fmt.Fprintf(b, "  party %d  %-28s %-10s reservation %s\n", i+1, p.Name, p.Agent, decimal(p.Reservation, minDigits))
	}
	unit := "rounds"
	if out.Protocol == "single-text" {
		unit = "texts"
	}
	if out.Agreement == nil {
		fmt.Fprintf(b, "no agreement (%s) after %d %s\n", out.End, out.Rounds, unit)
	} else {
		if out.Rounds == 1 {
			unit = strings.TrimSuffix(unit, "s")
		}
		fmt.Fprintf(b, "agreement after %d %s:\n", out.Rounds, unit)
		for _, is := range sc.Domain.Issues {
			fmt.Fprintf(b, "  %-24s %s\n", is.Name, out.Agreement.Outcome[is.Name])
		}
	}
	b.WriteString("utilities:")
	for _, p := range out.Parties {
		fmt.Fprintf(b, " %s", decimal(p.Utility, minDigits))
	}
	b.WriteString("\n")
	if out.Agreement != nil && out.Agreement.Discounted != nil {
		fmt.Fprintf(b, "discounted: %v\n", out.Agreement.Discounted)
	}
	fmt.Fprintf(b, "protocol time %s\n", fmtDuration(out.ProtocolSeconds))
	if !o.noAnal {
		dp := fmtNum(out.DistanceToPareto)
		if po := out.ParetoOptimal; po != nil && !*po {
			dp = "unknown (the frontier was not computed; the agreement is not Pareto-optimal)"
		}
		fmt.Fprintf(b, "distance to Pareto frontier %s, to Nash %s\n", dp, fmtNum(out.DistanceToNash))
	}
	if out.Note != "" {
		fmt.Fprintf(b, "note: %s\n", out.Note)
	}
	if m := out.Mediated; m != nil {
		fmt.Fprintf(b, "confidential mediator (%s) would reach utilities", m.Solution)
		for _, u := range m.Utilities {
			fmt.Fprintf(b, " %s", decimal(u, minDigits))
		}
		fmt.Fprintf(b, ": distance to Pareto frontier %s, to Nash %s\n", fmtNum(m.DistanceToPareto), fmtNum(m.DistanceToNash))
	}
	if o.trace {
		for _, s := range out.Trace {
			who := fmt.Sprintf("round %4d party %d %-6s", s.Round, s.Party, s.Action)
			if s.Action == "text" {
				who = fmt.Sprintf("text  %4d", s.Round)
			}
			fmt.Fprintf(b, "  %s", who)
			for _, u := range s.Utilities {
				fmt.Fprintf(b, " %s", decimal(u, minDigits))
			}
			if s.Offer != nil {
				var parts []string
				for _, is := range sc.Domain.Issues {
					parts = append(parts, is.Name+"="+s.Offer[is.Name])
				}
				fmt.Fprintf(b, "  %s", strings.Join(parts, "; "))
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeFileAtomic writes path through a temporary file in the same folder,
// so a failure never leaves a half-written or clobbered file.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(dirOf(path), ".parley-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if err := write(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

func dirOf(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[:i+1]
	}
	return "."
}
