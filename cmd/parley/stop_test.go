package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runCmdCtx runs the parley command line in-process with ctx, as main does
// with the context Ctrl-C and SIGTERM cancel.
func runCmdCtx(ctx context.Context, tb testing.TB, args ...string) (stdout, stderr string, err error) {
	tb.Helper()
	var out, errb bytes.Buffer
	err = run(ctx, args, func(string) string { return "" }, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), err
}

// outOfReach is a domain (10^50 outcomes) whose analysis runs for a minute
// or more before it gives up: a run that ignored its context would not
// stop with the errors these tests want.
var outOfReach = filepath.Join("..", "..", "testdata", "domains", "other-S-1NAGUNL-255")

// TestAnalyzeTimeout: --timeout stops an analysis that would run for a
// minute, with an error naming the timeout (exit status 1, not 130).
func TestAnalyzeTimeout(t *testing.T) {
	for _, dom := range []string{outOfReach, filepath.Join("..", "..", "testdata", "domains", "other-S-1NIKFRT-3")} {
		_, _, err := runCmd(t, "analyze", "--timeout", "300ms", dom)
		if err == nil || !strings.Contains(err.Error(), "--timeout 300ms reached") {
			t.Fatalf("%s: error %v; want the analysis stopped at --timeout", filepath.Base(dom), err)
		}
		if code := exitCode(context.Background(), err); code != 1 {
			t.Errorf("exit status %d; want 1", code)
		}
	}
}

// TestAnalyzeInterrupted: Ctrl-C (the run's context cancelled) stops the
// analysis, and main exits with status 130.
func TestAnalyzeInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(300*time.Millisecond, cancel)
	_, _, err := runCmdCtx(ctx, t, "analyze", outOfReach)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("error %v; want the analysis interrupted", err)
	}
	if code := exitCode(ctx, err); code != 130 {
		t.Errorf("exit status %d; want 130", code)
	}
}

// TestNegotiateInterruptedPrintsWhatItHad: a negotiation stopped by Ctrl-C
// prints where it had got to and exits 130.
func TestNegotiateInterruptedPrintsWhatItHad(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(300*time.Millisecond, cancel)
	// A wall-clock deadline of an hour: only the interruption ends it.
	out, _, err := runCmdCtx(ctx, t, "negotiate", travel, "--agents", "hardliner,hardliner", "--time", "1h", "--no-analysis", "--json")
	if !errors.Is(err, context.Canceled) || exitCode(ctx, err) != 130 {
		t.Fatalf("error %v; want an interruption (exit 130)", err)
	}
	var got struct {
		End             string  `json:"end"`
		Rounds          int     `json:"rounds"`
		ProtocolSeconds float64 `json:"protocol_seconds"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("no result printed: %v\n%s", err, out)
	}
	if got.End != "stopped" || got.Rounds == 0 || got.ProtocolSeconds <= 0 {
		t.Errorf("end %q after %d rounds in %v s; want stopped after some rounds", got.End, got.Rounds, got.ProtocolSeconds)
	}
}

// TestTournamentInterrupted: a tournament stopped before its first game
// keeps nothing and says so; main exits 130.
func TestTournamentInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	out := filepath.Join(t.TempDir(), "r.csv")
	_, _, err := runCmdCtx(ctx, t, "tournament", "--domains", "../../testdata/domains/anac2011-Laptop", "--agents", "boulware,conceder", "--out", out)
	if !errors.Is(err, context.Canceled) || exitCode(ctx, err) != 130 || !strings.Contains(err.Error(), "rerun the same command to resume") {
		t.Fatalf("error %v; want an interruption that says how to resume (exit 130)", err)
	}
	if rows := dataRows(t, out); len(rows) != 0 {
		t.Errorf("%d rows kept from an interrupted run; want none", len(rows))
	}
}

// TestNegotiateNoAnalysis: --no-analysis runs the protocol only: no
// distances, no Nash point, no mediator comparison, and the protocol's own
// time.
func TestNegotiateNoAnalysis(t *testing.T) {
	out, _, err := runCmd(t, "negotiate", travel, "--agents", "boulware,conceder", "--no-analysis", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got["agreement"] == nil || got["distance_to_pareto"] != nil || got["nash"] != nil || got["mediated"] != nil {
		t.Errorf("agreement %v, distance %v, Nash %v, mediated %v; want the agreement only", got["agreement"], got["distance_to_pareto"], got["nash"], got["mediated"])
	}
	if s, _ := got["protocol_seconds"].(float64); s <= 0 {
		t.Errorf("protocol_seconds %v; want the protocol's time", got["protocol_seconds"])
	}
	text, _, err := runCmd(t, "negotiate", travel, "--agents", "boulware,conceder", "--no-analysis")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "protocol time") || strings.Contains(text, "distance") {
		t.Errorf("text output:\n%s\nwant the protocol time and no distances", text)
	}
}

func TestExitCode(t *testing.T) {
	live := context.Background()
	done, cancel := context.WithCancel(live)
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		err  error
		want int
	}{
		{"error", live, errors.New("bad"), 1},
		{"interrupted", done, stopped(done, 0, "x"), 130},
		{"cancelled without a signal", live, context.Canceled, 1},
		{"exit error", done, &exitError{code: 3}, 3},
	} {
		if got := exitCode(tc.ctx, tc.err); got != tc.want {
			t.Errorf("%s: %d; want %d", tc.name, got, tc.want)
		}
	}
}
