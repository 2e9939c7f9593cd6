package consulttest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"parley"
	"parley/api"
	"parley/app"
	"parley/storetest"
	"parley/web"
)

// InboxStore is a store the inbox reads.
type InboxStore interface {
	storetest.Store
	parley.Inbox
	// RebuildInbox recomputes what waits on each party from the tables,
	// which the seed writes around the store.
	RebuildInbox(context.Context) error
}

// BenchmarkInbox measures the inbox of a head of delegation taking part in
// talks talks of perTalk irritants each, over db, a fresh store whose
// events are signed with storetest.Secret. The talks are made through the
// services; the irritants are written straight into the tables through
// raw, a second connection to the same database, since raising 200,000
// through the services would take most of an hour. The target for
// 20 talks of 10,000: ≤ 100 ms p95.
// numbered says whether raw takes $1 placeholders (PostgreSQL) rather than
// ? (SQLite, which looks each $n up by name). serverCPU, when not nil,
// tells the CPU time a database server in other processes has used.
func BenchmarkInbox(b *testing.B, db InboxStore, raw *sql.DB, numbered bool, talks, perTalk int, serverCPU func() time.Duration) {
	ctx := b.Context()
	a := app.New()
	a.Users, a.Parties, a.Talks, a.Credentials, a.Idempotency, a.Irritants, a.Inbox = db, db, db, db, db, db, db
	a.Rounds, a.Statements, a.Notifications = db, db, db
	a.Secret, a.Logger = storetest.Secret, slog.New(slog.NewTextHandler(io.Discard, nil))
	mustB(b, a.CreateParty(ctx, &parley.Party{Name: "United States"}))
	mustB(b, a.CreateParty(ctx, &parley.Party{Name: "Russian Federation"}))
	us := &parley.User{Name: "us", PartyID: 1, Role: parley.RoleHead}
	ru := &parley.User{Name: "ru", PartyID: 2, Role: parley.RoleHead}
	mustB(b, db.CreateUser(ctx, us))
	mustB(b, db.CreateUser(ctx, ru))
	asUS, asRU := parley.NewContextWithUser(ctx, us), parley.NewContextWithUser(ctx, ru)
	start := time.Now()
	var talkIDs []int64
	for k := range talks {
		t := &parley.Talk{Title: fmt.Sprintf("Consultations %d", k+1), Parties: []parley.TalkParty{{PartyID: 1, Standing: parley.StandingMember}, {PartyID: 2, Standing: parley.StandingMember}}}
		mustB(b, db.CreateTalk(asUS, t))
		mustB(b, db.AcceptInvitation(asRU, t.ID))
		talkIDs = append(talkIDs, t.ID)
		// One statement per talk, awaiting both signatures.
		mustB(b, db.CreateStatement(asRU, &parley.Statement{TalkID: t.ID, Title: "Joint statement"}, "We met."))
	}
	seedIrritants(b, raw, numbered, talkIDs, perTalk, us.ID, ru.ID)
	mustB(b, db.RebuildInbox(ctx))
	if numbered {
		// PostgreSQL's autovacuum would analyze the fresh rows during the
		// timed loop, its CPU counted as the inbox's: do it now, as it
		// would have been done on a database that grew over months.
		_, err := raw.ExecContext(ctx, `VACUUM ANALYZE`)
		mustB(b, err)
	}
	b.Logf("seeded %d talks of %d irritants in %v", talks, perTalk, time.Since(start).Round(time.Millisecond))
	if _, err := a.Open(ctx); err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	api.NewServer(a).Register(mux)
	ws := web.NewServer(a)
	ws.Register(mux)
	tok := "bench-inbox"
	h := sha256.Sum256([]byte(tok))
	mustB(b, db.CreateCredential(ctx, &parley.Credential{UserID: us.ID, Kind: parley.CredentialToken, Name: "bench", Hash: h[:]}))
	w := &boardWorld{h: a.Middleware(mux), token: tok}
	// The inbox must list what the seed makes wait on the US.
	ws0, err := db.IrritantsAwaiting(asUS, talkIDs, time.Now().UTC().Format(time.DateOnly), 10)
	if n := ws0[talkIDs[len(talkIDs)-1]]; err != nil || n.AcknowledgeCount == 0 || n.ConfirmCount == 0 || n.OverdueCount == 0 {
		b.Fatalf("the seed leaves nothing waiting: %+v %v", n, err)
	}
	// On a shared machine wall time measures the neighbours too; the CPU
	// time spent per inbox, by this process and by the database server,
	// says what it costs.
	var ds, cpus []time.Duration
	cpu0 := cpuTime()
	var server0 time.Duration
	if serverCPU != nil {
		server0 = serverCPU()
	}
	for b.Loop() {
		c := cpuTime()
		ds = append(ds, w.get(b, "/inbox"))
		cpus = append(cpus, cpuTime()-c)
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(len(ds)), "cpu-ms/op")
	if serverCPU != nil {
		b.ReportMetric(float64((serverCPU()-server0).Microseconds())/1000/float64(len(ds)), "server-cpu-ms/op")
	}
	reportP95(b, ds)
	slices.Sort(cpus)
	b.ReportMetric(float64(cpus[len(cpus)*95/100].Microseconds())/1000, "cpu-p95-ms")
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// seedIrritants writes perTalk irritants into each talk: raised by either
// side in turn, spread over every status, a tenth with a due date (half
// of them past), and of those in consultation every third confirmed by the
// side that raised it.
func seedIrritants(b *testing.B, raw *sql.DB, numbered bool, talks []int64, perTalk int, usUser, ruUser int64) {
	ctx := b.Context()
	tx, err := raw.BeginTx(ctx, nil)
	mustB(b, err)
	var maxID int64
	mustB(b, tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM irritants`).Scan(&maxID))
	now := time.Now().UnixMicro()
	const batch = 400
	var irr, parties, confs []string
	var irrArgs, partyArgs, confArgs []any
	flush := func() {
		for _, q := range []struct {
			head string
			rows *[]string
			args *[]any
		}{
			{`INSERT INTO irritants (id, talk_id, raised_by, raised_by_user, title, description, category, priority, due, status, search, created_at, updated_at) VALUES `, &irr, &irrArgs},
			{`INSERT INTO irritant_parties (irritant_id, role, position, party_id) VALUES `, &parties, &partyArgs},
			{`INSERT INTO irritant_confirmations (irritant_id, party_id, user_id, at) VALUES `, &confs, &confArgs},
		} {
			if len(*q.rows) == 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, q.head+strings.Join(*q.rows, ", "), *q.args...); err != nil {
				b.Fatalf("seed: %v", err)
			}
			*q.rows, *q.args = (*q.rows)[:0], (*q.args)[:0]
		}
	}
	row := func(args *[]any, vs ...any) string {
		ps := make([]string, len(vs))
		for i, v := range vs {
			*args = append(*args, v)
			ps[i] = "?"
			if numbered {
				ps[i] = fmt.Sprintf("$%d", len(*args))
			}
		}
		return "(" + strings.Join(ps, ", ") + ")"
	}
	id := maxID
	for _, t := range talks {
		for k := range perTalk {
			id++
			raiser, toward, user := int64(1), int64(2), usUser
			if k%2 == 1 {
				raiser, toward, user = 2, 1, ruUser
			}
			st := parley.IrritantStatuses[k%len(parley.IrritantStatuses)]
			due := ""
			if k%10 == 3 {
				due = time.Now().AddDate(0, 0, (k%40)-20).Format(time.DateOnly)
			}
			title := fmt.Sprintf("Irritant %d", k)
			irr = append(irr, row(&irrArgs, id, t, raiser, user, title, "", "general", parley.IrritantPriorities[k%4], due, string(st), strings.ToLower(title), now, now))
			parties = append(parties, row(&partyArgs, id, "raiser", 0, raiser), row(&partyArgs, id, "toward", 0, toward))
			if st == parley.IrritantInConsultation && (k/9)%3 == 0 {
				confs = append(confs, row(&confArgs, id, raiser, user, now))
			}
			if len(irr) == batch {
				flush()
			}
		}
	}
	flush()
	mustB(b, tx.Commit())
}
