// Package engine is parley's negotiation engine: multi-issue domains,
// confidential preference profiles, the exact analysis of an outcome space
// (acceptable set, Pareto frontier, Nash, Kalai–Smorodinsky, maximum
// welfare, egalitarian, improvements), the stacked alternating offers
// protocol with its automated agents, and mediated single-text negotiation.
// Solve and Assess answer a mediator exactly without the frontier: the
// chosen bargaining solution under stakeholders' constraints, allowed
// options and a baseline to improve on, for many parties on huge spaces.
//
// The package is a pure leaf library: it does no I/O, holds no global state
// and is deterministic given a seed. File formats live in package genius.
//
// Utility semantics follow GENIUS 10.4: a discrete evaluation is divided by
// the largest evaluation of its issue, integer evaluators are clamped to
// [0,1], and issue weights are used as given (not renormalised).
package engine
