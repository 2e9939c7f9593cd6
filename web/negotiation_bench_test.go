package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"parley"
	"parley/api"
	"parley/app"
	"parley/sqlite"
	"parley/storetest"
	"parley/web"
)

// negWorld is a server over SQLite with a talk between two members, two
// affected stakeholders and a mediator.
type negWorld struct {
	a                   *app.App
	h                   http.Handler
	talk                *parley.Talk
	us, ru, ua, eu, med context.Context
	usToken             string
}

func newNegWorld(b *testing.B) *negWorld {
	b.Helper()
	ctx := b.Context()
	db := sqlite.NewDB(filepath.Join(b.TempDir(), "p.db"))
	db.Secret = storetest.Secret
	if err := db.Open(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	a := app.New()
	a.Users, a.Parties, a.Talks, a.Credentials, a.Idempotency, a.Irritants = db, db, db, db, db, db
	a.Rounds, a.Statements, a.Notifications, a.Negotiations = db, db, db, db
	a.Mediator = &parley.Mediator{Negotiations: db, EngineVersion: "bench"}
	a.Mediator.Open()
	a.Secret, a.Logger = storetest.Secret, slog.New(slog.NewTextHandler(io.Discard, nil))
	w := &negWorld{a: a}
	users := map[string]*parley.User{}
	for i, name := range []string{"US", "RU", "UA", "EU"} {
		p := &parley.Party{Name: name}
		must(b, a.CreateParty(ctx, p))
		u := &parley.User{Name: name, PartyID: p.ID, Role: parley.RoleHead}
		must(b, db.CreateUser(ctx, u))
		users[name] = u
		_ = i
	}
	m := &parley.User{Name: "mediator", Mediator: true}
	must(b, db.CreateUser(ctx, m))
	as := func(u *parley.User) context.Context { return parley.NewContextWithUser(ctx, u) }
	w.us, w.ru, w.ua, w.eu, w.med = as(users["US"]), as(users["RU"]), as(users["UA"]), as(users["EU"]), as(m)
	w.talk = &parley.Talk{Title: "Bench", MediatorIDs: []int64{m.ID}, Parties: []parley.TalkParty{
		{PartyID: users["US"].PartyID, Standing: parley.StandingMember}, {PartyID: users["RU"].PartyID, Standing: parley.StandingMember},
		{PartyID: users["UA"].PartyID, Standing: parley.StandingStakeholder}, {PartyID: users["EU"].PartyID, Standing: parley.StandingStakeholder}}}
	must(b, db.CreateTalk(w.med, w.talk))
	for _, c := range []context.Context{w.us, w.ru, w.ua, w.eu} {
		must(b, db.AcceptInvitation(c, w.talk.ID))
	}
	cred, secret, err := a.CreateToken(ctx, users["US"], "bench")
	must(b, err)
	_ = cred
	w.usToken = secret
	mux := http.NewServeMux()
	api.NewServer(a).Register(mux)
	web.NewServer(a).Register(mux)
	w.h = a.Middleware(mux)
	return w
}

// randomPrefs returns a random member profile over n's issues.
func randomPrefs(r *rand.Rand, n *parley.Negotiation, reservation float64) *parley.Preferences {
	p := &parley.Preferences{Weights: map[string]float64{}, Scores: map[string]map[string]float64{}, Reservation: reservation}
	for _, is := range n.Issues {
		p.Weights[is.Name] = float64(1 + r.IntN(100))
		p.Scores[is.Name] = map[string]float64{}
		for _, o := range is.Options {
			p.Scores[is.Name][o] = float64(r.IntN(101))
		}
		p.Scores[is.Name][is.Options[0]] = 100
	}
	return p
}

// mediating opens a negotiation of issues × options in mediation: random
// profiles for both members, and for each stakeholder a red line on one
// option and a profile with a minimum.
func (w *negWorld) mediating(b *testing.B, seed uint64, issues, options int) *parley.Negotiation {
	b.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	n := &parley.Negotiation{TalkID: w.talk.ID, Title: fmt.Sprintf("Negotiation %d", seed)}
	for i := range issues {
		is := parley.NegotiationIssue{Name: fmt.Sprintf("Issue %d", i+1)}
		for j := range options {
			is.Options = append(is.Options, fmt.Sprintf("Option %d.%d", i+1, j+1))
		}
		n.Issues = append(n.Issues, is)
	}
	db := w.a.Negotiations
	must(b, db.CreateNegotiation(w.med, n))
	_, err := db.MoveNegotiation(w.med, n.ID, parley.NegotiationEliciting)
	must(b, err)
	for _, c := range []context.Context{w.us, w.ru} {
		_, err := db.SavePreferences(c, n.ID, randomPrefs(r, n, 0.3), true)
		must(b, err)
	}
	for k, c := range []context.Context{w.ua, w.eu} {
		p := randomPrefs(r, n, 0.2)
		p.Excluded = map[string][]string{n.Issues[k].Name: {n.Issues[k].Options[1]}}
		_, err := db.SavePreferences(c, n.ID, p, true)
		must(b, err)
	}
	_, err = db.MoveNegotiation(w.med, n.ID, parley.NegotiationMediating)
	must(b, err)
	return n
}

func reportPercentiles(b *testing.B, ds []time.Duration, name string) {
	slices.Sort(ds)
	if len(ds) == 0 {
		return
	}
	at := func(q float64) float64 { return float64(ds[min(len(ds)-1, int(q*float64(len(ds))))]) / 1e6 }
	b.ReportMetric(at(0.50), name+"-p50-ms")
	b.ReportMetric(at(0.95), name+"-p95-ms")
	b.ReportMetric(at(0.99), name+"-p99-ms")
}

// BenchmarkMediatorText measures a mediator's request for a text on a
// 10^12-outcome linear negotiation (12 issues × 10 options; 2 members, 2
// stakeholders with red lines and minimums), from the request to the text
// event appended: reading and unsealing the inputs, the exact solution,
// and the append.
func BenchmarkMediatorText(b *testing.B) {
	w := newNegWorld(b)
	n := w.mediating(b, 1, 12, 10)
	var ds []time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if _, err := w.a.Mediator.ProposeText(w.med, n.ID); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	reportPercentiles(b, ds, "text")
}

// BenchmarkNegotiationPage renders the negotiation page of a member with
// 20 issues × 10 options and 50 texts in its history.
func BenchmarkNegotiationPage(b *testing.B) {
	w := newNegWorld(b)
	n := w.mediating(b, 2, 20, 10)
	for range 50 {
		if _, err := w.a.Mediator.ProposeText(w.med, n.ID); err != nil {
			b.Fatal(err)
		}
	}
	path := fmt.Sprintf("/negotiations/%d", n.ID)
	var ds []time.Duration
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+w.usToken)
		rec := httptest.NewRecorder()
		start := time.Now()
		w.h.ServeHTTP(rec, req)
		ds = append(ds, time.Since(start))
		if rec.Code != 200 {
			b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
		}
	}
	reportPercentiles(b, ds, "page")
}

// BenchmarkConcurrentMediation has 100 negotiations (12 issues × 10
// options each) mediated at once while another user reads a talk; it
// reports the latency of those other requests.
func BenchmarkConcurrentMediation(b *testing.B) {
	w := newNegWorld(b)
	var ns []*parley.Negotiation
	for i := range 100 {
		ns = append(ns, w.mediating(b, uint64(100+i), 12, 10))
	}
	path := fmt.Sprintf("/api/v1/talks/%d", w.talk.ID)
	var ds []time.Duration
	b.ResetTimer()
	for b.Loop() {
		var wg sync.WaitGroup
		for _, n := range ns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := w.a.Mediator.ProposeText(w.med, n.ID); err != nil {
					b.Error(err)
				}
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
	reads:
		for {
			select {
			case <-done:
				break reads
			default:
			}
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Authorization", "Bearer "+w.usToken)
			rec := httptest.NewRecorder()
			start := time.Now()
			w.h.ServeHTTP(rec, req)
			ds = append(ds, time.Since(start))
			if rec.Code != 200 {
				b.Fatalf("GET %s: %d", path, rec.Code)
			}
		}
	}
	reportPercentiles(b, ds, "other-request")
}
