package postgres_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"parley"
	"parley/postgres"
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
	observer := &parley.User{Name: "observer", PartyID: p.ID, Role: parley.RoleObserver}
	if err := a.CreateUser(ctx, observer); err != nil {
		t.Fatal(err)
	}
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
