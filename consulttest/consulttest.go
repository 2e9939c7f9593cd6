// Package consulttest benchmarks the consultation mechanism's pages over
// any store: the irritant board and search with 10,000 irritants. The
// sqlite and postgres packages run it against their stores.
package consulttest

import (
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"parley"
	"parley/api"
	"parley/app"
	"parley/storetest"
	"parley/web"
)

// boardWorld is a server over a store with one talk holding n irritants in
// varied states, and a bearer token for a delegate of one side.
type boardWorld struct {
	h      http.Handler
	token  string
	talkID int64
}

func newBoardWorld(b *testing.B, db storetest.Store, n int) *boardWorld {
	b.Helper()
	ctx := b.Context()
	a := app.New()
	a.Users, a.Parties, a.Talks, a.Credentials, a.Idempotency, a.Irritants = db, db, db, db, db, db
	a.Rounds, a.Statements, a.Notifications = db, db, db
	a.Secret, a.Logger = storetest.Secret, slog.New(slog.NewTextHandler(io.Discard, nil))
	mustB(b, a.CreateParty(ctx, &parley.Party{Name: "United States"}))
	mustB(b, a.CreateParty(ctx, &parley.Party{Name: "Russian Federation"}))
	us := &parley.User{Name: "us", PartyID: 1, Role: parley.RoleHead}
	ru := &parley.User{Name: "ru", PartyID: 2, Role: parley.RoleHead}
	mustB(b, db.CreateUser(ctx, us))
	mustB(b, db.CreateUser(ctx, ru))
	asUS, asRU := parley.NewContextWithUser(ctx, us), parley.NewContextWithUser(ctx, ru)
	t := &parley.Talk{Title: "Consultations", Parties: []parley.TalkParty{{PartyID: 1, Standing: parley.StandingMember}, {PartyID: 2, Standing: parley.StandingMember}}}
	mustB(b, db.CreateTalk(asUS, t))
	mustB(b, db.AcceptInvitation(asRU, t.ID))
	topics := []string{"embassy staffing", "diplomatic property", "banking for missions", "visas", "direct flights", "consular access", "media accreditation"}
	start := time.Now()
	for k := range n {
		ctx, toward := asUS, int64(2)
		if k%2 == 1 {
			ctx, toward = asRU, 1
		}
		i := &parley.Irritant{TalkID: t.ID, Title: fmt.Sprintf("Irritant %d on %s", k, topics[k%len(topics)]),
			Description: fmt.Sprintf("Raised in round %d; reference %x.", k%40, sha256.Sum256([]byte{byte(k), byte(k >> 8)})),
			Category:    topics[k%len(topics)], Priority: parley.IrritantPriorities[k%4], Toward: []int64{toward}}
		mustB(b, db.RaiseIrritant(ctx, i))
		// Half are acknowledged by the other side, a fifth taken into consultation.
		other := asRU
		if toward == 1 {
			other = asUS
		}
		if k%2 == 0 {
			_, err := db.MoveIrritant(other, i.ID, parley.IrritantMove{To: parley.IrritantAcknowledged})
			mustB(b, err)
			if k%5 == 0 {
				_, err := db.MoveIrritant(other, i.ID, parley.IrritantMove{To: parley.IrritantInConsultation})
				mustB(b, err)
			}
		}
	}
	b.Logf("seeded %d irritants in %v", n, time.Since(start).Round(time.Millisecond))
	if _, err := a.Open(ctx); err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	api.NewServer(a).Register(mux)
	web.NewServer(a).Register(mux)
	tok := "bench-token"
	h := sha256.Sum256([]byte(tok))
	mustB(b, db.CreateCredential(ctx, &parley.Credential{UserID: ru.ID, Kind: parley.CredentialToken, Name: "bench", Hash: h[:]}))
	return &boardWorld{h: a.Middleware(mux), token: tok, talkID: t.ID}
}

func mustB(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}

// get serves one request in process and returns its status and latency.
func (w *boardWorld) get(b *testing.B, path string) time.Duration {
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Authorization", "Bearer "+w.token)
	rec := httptest.NewRecorder()
	start := time.Now()
	w.h.ServeHTTP(rec, req)
	d := time.Since(start)
	if rec.Code != 200 {
		b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
	}
	return d
}

// reportP95 adds the 95th percentile of ds to b's results, in milliseconds.
func reportP95(b *testing.B, ds []time.Duration) {
	slices.Sort(ds)
	p95 := ds[len(ds)*95/100]
	b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
}

// BenchmarkBoard measures the server-side render of the irritant board's
// first page and full-text searches, in a talk with n irritants, over db, a
// fresh store whose events are signed with storetest.Secret. The issue's
// targets for 10,000: board ≤ 100 ms p95, search ≤ 50 ms p95.
func BenchmarkBoard(b *testing.B, db storetest.Store, n int) {
	w := newBoardWorld(b, db, n)
	b.Run("board", func(b *testing.B) {
		var ds []time.Duration
		for b.Loop() {
			ds = append(ds, w.get(b, fmt.Sprintf("/talks/%d/irritants", w.talkID)))
		}
		reportP95(b, ds)
	})
	for _, q := range []string{"consular", "irritant 4711", "nothing-matches"} {
		b.Run("search/"+q, func(b *testing.B) {
			var ds []time.Duration
			path := fmt.Sprintf("/api/v1/talks/%d/irritants?limit=50&q=%s", w.talkID, urlQuery(q))
			for b.Loop() {
				ds = append(ds, w.get(b, path))
			}
			reportP95(b, ds)
		})
	}
	b.Run("csv-export", func(b *testing.B) {
		var ds []time.Duration
		for b.Loop() {
			ds = append(ds, w.get(b, fmt.Sprintf("/api/v1/talks/%d/irritants.csv", w.talkID)))
		}
		reportP95(b, ds)
	})
	b.Run("board-search", func(b *testing.B) {
		var ds []time.Duration
		for b.Loop() {
			ds = append(ds, w.get(b, fmt.Sprintf("/talks/%d/irritants?q=visas", w.talkID)))
		}
		reportP95(b, ds)
	})
}

func urlQuery(s string) string {
	out := ""
	for _, r := range s {
		if r == ' ' {
			out += "+"
		} else {
			out += string(r)
		}
	}
	return out
}
