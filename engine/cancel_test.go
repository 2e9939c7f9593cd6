package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
)

// pollCtx is a context that reports itself cancelled once Err has been
// asked left times: a search that never looks at its context runs on (and
// the test fails), one that looks stops at a deterministic point.
type pollCtx struct {
	context.Context
	left atomic.Int64
}

func newPollCtx(left int64) *pollCtx {
	c := &pollCtx{Context: context.Background()}
	c.left.Store(left)
	return c
}

func (c *pollCtx) Err() error {
	if c.left.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// TestAnalyzeStopsWhenCancelled: every search Analyze may run looks at its
// context, and a cancelled analysis returns the context's error rather than
// running to the end (seconds to minutes on these problems) or falling back
// to another search.
func TestAnalyzeStopsWhenCancelled(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	big := randomDomain(10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10) // 10^20
	mid := randomDomain(8, 8, 8, 8, 8, 8, 8)                                                            // 2·10^6
	profiles := func(d *Domain, n int, wrap func(*LinearAdditive) Profile) []Profile {
		var ps []Profile
		for p := 0; p < n; p++ {
			ps = append(ps, wrap(randomProfile(t, rng, d, fmt.Sprint("p", p), false, 0.3)))
		}
		return ps
	}
	plain := func(p *LinearAdditive) Profile { return p }
	for _, tc := range []struct {
		name string
		ps   []Profile
		opts AnalyzeOptions
	}{
		{"merge, 4 parties on 10^20", profiles(big, 4, plain), AnalyzeOptions{SkipCount: true, MaxFrontier: 2_000_000}},
		{"box branch and bound, 3 parties", profiles(mid, 3, func(p *LinearAdditive) Profile { return bounded{p} }), AnalyzeOptions{SkipCount: true}},
		{"box branch and bound, 2 parties", profiles(mid, 2, func(p *LinearAdditive) Profile { return bounded{p} }), AnalyzeOptions{SkipCount: true}},
		{"enumeration", profiles(mid, 2, func(p *LinearAdditive) Profile { return opaque{p} }), AnalyzeOptions{SkipCount: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Context = newPollCtx(3)
			a, err := Analyze(tc.ps, tc.opts)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("analysis %v, error %v; want context.Canceled", a != nil, err)
			}
		})
	}
	t.Run("counting", func(t *testing.T) {
		var ps []Profile
		for p := 0; p < 3; p++ {
			// Reservations near the median utility: every party binds.
			ps = append(ps, randomProfile(t, rng, mid, fmt.Sprint("p", p), false, 1.5))
		}
		// Stop after the polls the frontier takes: in the count.
		c := newPollCtx(1 << 40)
		if _, err := Analyze(ps, AnalyzeOptions{SkipCount: true, Context: c}); err != nil {
			t.Fatal(err)
		}
		a, err := Analyze(ps, AnalyzeOptions{Context: newPollCtx(1<<40 - c.left.Load() + 1)})
		if err != nil {
			t.Fatal(err)
		}
		if a.Acceptable != nil || a.CountError == "" || len(a.Pareto) == 0 {
			t.Errorf("acceptable %v (%q), %d frontier points; want the frontier and the count left unknown", a.Acceptable, a.CountError, len(a.Pareto))
		}
	})
}

// TestSAOPStopsWhenCancelled: a negotiation whose context is done stops at
// the next round with what it had.
func TestSAOPStopsWhenCancelled(t *testing.T) {
	ps := synthetic(t, 3, []int{5, 5, 5}, 2)
	agents := []Agent{&TimeDependent{E: 0.1}, &TimeDependent{E: 0.1}}
	res, err := RunSAOP(ps, agents, SAOPOptions{Rounds: 100_000, Context: newPollCtx(5)})
	if err != nil {
		t.Fatal(err)
	}
	if res.End != Stopped || res.Rounds != 5 || res.Agreement != nil {
		t.Errorf("end %v after %d rounds; want stopped after 5 rounds without agreement", res.End, res.Rounds)
	}
}
