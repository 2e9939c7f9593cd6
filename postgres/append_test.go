package postgres_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parley"
	"parley/postgres"
	"parley/sqlstore"
	"parley/storetest"
)

// TestTwoNodesAppendConcurrently appends from two nodes at once to three
// talks, shared and private events mixed with appends the rule refuses, so
// that group commits hold several talks and several kinds of append: every
// acknowledged event is in its chain, in order, each chain verifies, and a
// refused append takes no seq.
func TestTwoNodesAppendConcurrently(t *testing.T) {
	a := open(t)
	b := postgres.NewDB(a.URL)
	b.Secret = storetest.Secret
	if err := b.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	ctx := t.Context()
	p, head := seedParty(t, a)
	observer := seedObserver(t, a, p)
	talks := seedTalks(t, a, head, 3)
	as := parley.NewContextWithUser(ctx, head)

	const workers, each = 16, 30
	type ack struct {
		talk, seq int64
		private   bool
		text      string
	}
	acks := make(chan ack, workers*each)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			node := []*postgres.DB{a, b}[w%2]
			for i := range each {
				talk := talks[(w+i)%len(talks)]
				text := fmt.Sprintf("w%d-%d", w, i)
				payload, _ := json.Marshal(map[string]string{"text": text})
				in := parley.EventInput{Type: "statement", Payload: payload}
				switch i % 5 {
				case 3:
					in.PrivateTo = p.ID
				case 4:
					// Refused: an observer adds nothing.
					if _, err := node.AppendEvent(parley.NewContextWithUser(ctx, observer), talk, in); parley.ErrorCode(err) != parley.EFORBIDDEN {
						t.Errorf("observer appends: %v, want forbidden", err)
					}
					continue
				}
				e, err := node.AppendEvent(as, talk, in)
				if err != nil {
					t.Error(err)
					return
				}
				acks <- ack{talk, e.Seq, in.PrivateTo != 0, text}
			}
		})
	}
	wg.Wait()
	close(acks)
	want := map[int64]map[string]ack{}
	for _, id := range talks {
		want[id] = map[string]ack{}
	}
	for x := range acks {
		want[x.talk][x.text] = x
	}
	byWorker := func(es []*parley.Event, private bool) {
		last := map[int]int{} // each worker's events are in the order it sent them
		for _, e := range es {
			var pl struct{ Text string }
			json.Unmarshal(e.Payload, &pl)
			var w, i int
			if _, err := fmt.Sscanf(pl.Text, "w%d-%d", &w, &i); err != nil {
				continue // talk.created
			}
			x, ok := want[e.TalkID][pl.Text]
			if !ok || x.seq != e.Seq || x.private != private {
				t.Errorf("talk %d: event %d %q was acknowledged as %+v", e.TalkID, e.Seq, pl.Text, x)
			}
			if l, ok := last[w]; ok && l >= i {
				t.Errorf("talk %d: worker %d's event %d after its event %d", e.TalkID, w, i, l)
			}
			last[w] = i
			delete(want[e.TalkID], pl.Text)
		}
	}
	for _, id := range talks {
		r, err := b.Record(as, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := parley.Verify(r); err != nil {
			t.Errorf("talk %d: %v", id, err)
		}
		for i, e := range r.Events {
			if e.Seq != int64(i+1) {
				t.Fatalf("talk %d: event %d has seq %d: a gap or a fork", id, i+1, e.Seq)
			}
		}
		byWorker(r.Events, false)
		pr, err := a.PrivateRecord(as, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parley.VerifyPrivate(pr, parley.VerifyOptions{}); err != nil {
			t.Errorf("talk %d private chain: %v", id, err)
		}
		byWorker(pr.Events, true)
		if len(want[id]) != 0 {
			t.Errorf("talk %d: %d acknowledged events missing, e.g. %v", id, len(want[id]), want[id])
		}
	}
}

// seedParty makes a party whose key the server holds and its head of
// delegation.
// seedObserver adds an observer to p's delegation: a member who may not
// add to a talk.
func seedObserver(t *testing.T, db *postgres.DB, p *parley.Party) *parley.User {
	t.Helper()
	observer := &parley.User{Name: "observer", PartyID: p.ID, Role: parley.RoleObserver}
	if err := db.CreateUser(t.Context(), observer); err != nil {
		t.Fatal(err)
	}
	return observer
}

func seedParty(tb testing.TB, db *postgres.DB) (*parley.Party, *parley.User) {
	tb.Helper()
	ctx := tb.Context()
	p := &parley.Party{Name: "US", Kind: "state"}
	if err := db.CreateParty(ctx, p); err != nil {
		tb.Fatal(err)
	}
	k, err := parley.GeneratePartyKey(p.ID, storetest.Secret, time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.SetPartyKey(ctx, k); err != nil {
		tb.Fatal(err)
	}
	head := &parley.User{Name: "head", PartyID: p.ID, Role: parley.RoleHead}
	if err := db.CreateUser(ctx, head); err != nil {
		tb.Fatal(err)
	}
	return p, head
}

// seedTalks opens n talks, as head, with head's party as a member, and
// returns their ids.
func seedTalks(tb testing.TB, db *postgres.DB, head *parley.User, n int) []int64 {
	tb.Helper()
	var talks []int64
	for i := range n {
		t := &parley.Talk{Title: fmt.Sprint("talk ", i), Parties: []parley.TalkParty{{PartyID: head.PartyID, Standing: parley.StandingMember}}}
		if err := db.CreateTalk(parley.NewContextWithUser(tb.Context(), head), t); err != nil {
			tb.Fatal(err)
		}
		talks = append(talks, t.ID)
	}
	return talks
}

// TestAppendsJoinAGroupAwaitingItsLocks: appends that come while a group
// commit waits for a talk's lock (held here by another transaction, as the
// other node's group would) join that group's transaction: those to talks
// it has locked at once, those to talks no one holds after locking them
// too (without waiting); an append to a talk someone else holds waits for
// the next group. The rule still refuses what it must.
func TestAppendsJoinAGroupAwaitingItsLocks(t *testing.T) {
	a := open(t)
	ctx := t.Context()
	p, head := seedParty(t, a)
	observer := seedObserver(t, a, p)
	talks := seedTalks(t, a, head, 3)
	locked, free, busy := talks[0], talks[1], talks[2]
	as := parley.NewContextWithUser(ctx, head)
	raw, err := sql.Open("pgx", a.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	hold := func(talk int64) *sql.Tx {
		tx, err := raw.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `SELECT id FROM talks WHERE id = $1 FOR UPDATE`, talk); err != nil {
			t.Fatal(err)
		}
		return tx
	}
	holdLocked, holdBusy := hold(locked), hold(busy)
	type result struct {
		text string
		e    *parley.Event
		err  error
	}
	results := make(chan result, 10)
	send := func(who context.Context, talk int64, text string) {
		payload, _ := json.Marshal(map[string]string{"text": text})
		e, err := a.AppendEvent(who, talk, parley.EventInput{Type: "statement", Payload: payload})
		results <- result{text, e, err}
	}
	go send(as, locked, "first")
	waitFor(t, "the first group waiting for the talk's lock", func() bool {
		var n int
		raw.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n)
		return n == 1
	})
	for i := range 4 {
		go send(as, locked, fmt.Sprint("late ", i))
	}
	go send(parley.NewContextWithUser(ctx, observer), locked, "refused")
	go send(as, free, "free talk")
	go send(as, busy, "busy talk")
	waitFor(t, "seven appends queued", func() bool { return a.QueuedAppends() == 7 })
	if err := holdLocked.Rollback(); err != nil {
		t.Fatal(err)
	}
	got := map[string]result{}
	for range 6 {
		r := <-results
		got[r.text] = r
	}
	if _, ok := got["busy talk"]; ok {
		t.Fatal("an append to a talk another transaction holds was committed")
	}
	if err := holdBusy.Rollback(); err != nil {
		t.Fatal(err)
	}
	r := <-results
	got[r.text] = r
	if r := got["refused"]; parley.ErrorCode(r.err) != parley.EFORBIDDEN {
		t.Errorf("the observer's append: %v, want forbidden", r.err)
	}
	delete(got, "refused")
	txOf := map[string]string{}
	for text, r := range got {
		if r.err != nil {
			t.Fatalf("%s: %v", text, r.err)
		}
		var xmin string
		if err := raw.QueryRowContext(ctx, `SELECT xmin::text FROM events WHERE talk_id = $1 AND seq = $2`, r.e.TalkID, r.e.Seq).Scan(&xmin); err != nil {
			t.Fatal(err)
		}
		txOf[text] = xmin
	}
	for _, text := range []string{"late 0", "late 1", "late 2", "late 3", "free talk"} {
		if txOf[text] != txOf["first"] {
			t.Errorf("%q committed in transaction %s, the group awaiting the lock in %s: it did not join", text, txOf[text], txOf["first"])
		}
	}
	if txOf["busy talk"] == txOf["first"] {
		t.Errorf("the append to a talk another transaction held joined the group")
	}
	for _, id := range talks {
		r, err := a.Record(as, id)
		if err != nil {
			t.Fatal(err)
		}
		if err := parley.Verify(r); err != nil {
			t.Fatalf("talk %d: %v", id, err)
		}
		if id == locked {
			if n := len(r.Events); r.Events[n-1].Seq != int64(n) || got["first"].e.Seq != int64(n-4) {
				t.Errorf("talk's chain: %d events, the first append at %d; want it followed by the 4 late ones", n, got["first"].e.Seq)
			}
		}
	}
}

// waitFor polls cond until it holds; the test fails if it never does
// within a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Since(start) > time.Minute {
			t.Fatalf("waited a minute for %s", what)
		}
	}
}

// faultyCommit is a group commit whose commit fails once: after it took
// effect (the answer lost on the way back, as when the connection breaks
// then), or before it was sent.
type faultyCommit struct {
	sqlstore.BatchTx
	afterCommit bool
	failed      *atomic.Bool
}

func (t *faultyCommit) Send(ctx context.Context, stmts []sqlstore.Stmt, commit bool) error {
	if !commit || t.failed.Swap(true) {
		return t.BatchTx.Send(ctx, stmts, commit)
	}
	if t.afterCommit {
		if err := t.BatchTx.Send(ctx, stmts, commit); err != nil {
			return err
		}
	}
	return io.ErrUnexpectedEOF
}

// TestAmbiguousCommitIsNotDoneTwice: when a group commit's commit fails,
// its appends used to be tried again one by one — appended twice if the
// commit had in fact taken effect. Now the database is asked: committed,
// the appends succeed as they were; not committed, they are tried again;
// if it cannot tell, they fail as unavailable and are not tried again.
func TestAmbiguousCommitIsNotDoneTwice(t *testing.T) {
	for _, c := range []struct {
		name                    string
		afterCommit, unknowable bool
		want                    string // error code, "" for success
	}{
		{"answer lost after the commit", true, false, ""},
		{"commit never sent", false, false, ""},
		{"answer lost, outcome unknowable", true, true, parley.EUNAVAILABLE},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := open(t)
			_, head := seedParty(t, a)
			talk := seedTalks(t, a, head, 1)[0]
			var failed atomic.Bool
			postgres.WrapBatches(a, func(bt sqlstore.BatchTx) sqlstore.BatchTx {
				return &faultyCommit{BatchTx: bt, afterCommit: c.afterCommit, failed: &failed}
			}, c.unknowable)
			as := parley.NewContextWithUser(t.Context(), head)
			_, err := a.AppendEvent(as, talk, parley.EventInput{Type: "statement", Payload: json.RawMessage(`{"text":"once"}`)})
			if parley.ErrorCode(err) != c.want {
				t.Fatalf("append: %v, want code %q", err, c.want)
			}
			if !failed.Load() {
				t.Fatal("the commit never failed: the test tested nothing")
			}
			r, err := a.Record(as, talk)
			if err != nil {
				t.Fatal(err)
			}
			if err := parley.Verify(r); err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range r.Events {
				if strings.Contains(string(e.Payload), "once") {
					n++
				}
			}
			if n != 1 {
				t.Errorf("the event is in the record %d times, want once", n)
			}
		})
	}
}
