package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"parley"
)

// testIdempotency checks that an idempotent request's changes, its key and
// its response commit together, and that a key answers one request only.
func testIdempotency(t *testing.T, s Store) {
	w := newWorld(t, s)
	ctx := as(t.Context(), w.usHead)
	hash := []byte("hash of request 1")
	eventsNow := func() int64 {
		t.Helper()
		tk, err := s.FindTalkByID(ctx, w.talk.ID)
		must(t, err)
		return tk.LastSeq
	}
	before := eventsNow()
	runs := 0
	act := func(ctx context.Context) (*parley.StoredResponse, error) {
		runs++
		e, err := s.AppendEvent(ctx, w.talk.ID, parley.EventInput{Type: "statement", Payload: json.RawMessage(`{"text":"once"}`)})
		if err != nil {
			return nil, err
		}
		// The request reads its own write.
		if tk, err := s.FindTalkByID(ctx, w.talk.ID); err != nil || tk.LastSeq != e.Seq {
			return nil, errors.New("the request does not see its own append")
		}
		return &parley.StoredResponse{Status: 201, ContentType: "application/json", Location: "/e", Body: []byte(`{"seq":1}`)}, nil
	}
	r, replayed, err := s.Idempotently(ctx, w.usHead.ID, "k1", hash, act)
	must(t, err)
	if replayed || r.Status != 201 {
		t.Fatalf("first call: %+v replayed=%v", r, replayed)
	}
	r, replayed, err = s.Idempotently(ctx, w.usHead.ID, "k1", hash, act)
	must(t, err)
	if !replayed || r.Status != 201 || string(r.Body) != `{"seq":1}` || r.ContentType != "application/json" || r.Location != "/e" {
		t.Errorf("retry: %+v replayed=%v; want the stored response", r, replayed)
	}
	if runs != 1 || eventsNow() != before+1 {
		t.Errorf("ran %d times, %d events; want once", runs, eventsNow()-before)
	}

	// The same key for another request is refused, naming the key.
	_, _, err = s.Idempotently(ctx, w.usHead.ID, "k1", []byte("another body"), act)
	if code(err) != parley.EKEYREUSED || !strings.Contains(parley.ErrorMessage(err), `"k1"`) {
		t.Errorf("key reused for another body: %v; want %s naming the key", err, parley.EKEYREUSED)
	}
	// Keys are per user.
	if _, replayed, err := s.Idempotently(as(t.Context(), w.ruHead), w.ruHead.ID, "k1", []byte("x"), func(ctx context.Context) (*parley.StoredResponse, error) {
		return &parley.StoredResponse{Status: 200}, nil
	}); err != nil || replayed {
		t.Errorf("another user's k1: replayed=%v, %v", replayed, err)
	}

	// A failed request keeps nothing it did, and leaves the key free.
	failing := func(ctx context.Context) (*parley.StoredResponse, error) {
		if err := s.CreateParty(ctx, &parley.Party{Name: "Left behind", Kind: "state"}); err != nil {
			return nil, err
		}
		if _, err := s.AppendEvent(ctx, w.talk.ID, parley.EventInput{Type: "statement", Payload: json.RawMessage(`{}`)}); err != nil {
			return nil, err
		}
		return nil, parley.Errorf(parley.EINVALID, "refused late")
	}
	if _, _, err := s.Idempotently(ctx, w.usHead.ID, "k2", hash, failing); code(err) != parley.EINVALID {
		t.Fatalf("failing request: %v", err)
	}
	ps, err := s.ListParties(ctx)
	must(t, err)
	for _, p := range ps {
		if p.Name == "Left behind" {
			t.Error("a failed idempotent request left a party behind")
		}
	}
	if eventsNow() != before+1 {
		t.Error("a failed idempotent request left an event behind")
	}
	if _, replayed, err := s.Idempotently(ctx, w.usHead.ID, "k2", hash, act); err != nil || replayed {
		t.Errorf("retry of a failed request: replayed=%v, %v; want it to act", replayed, err)
	}

	// A store call that fails inside the request is undone alone: the
	// request may go on (on PostgreSQL the transaction must survive the
	// failed statement).
	_, _, err = s.Idempotently(ctx, w.usHead.ID, "k3", hash, func(ctx context.Context) (*parley.StoredResponse, error) {
		if err := s.CreateParty(ctx, &parley.Party{Name: "US", Kind: "state"}); code(err) != parley.ECONFLICT {
			return nil, errors.New("duplicate party: want conflict")
		}
		if err := s.AcceptInvitation(ctx, w.talk.ID); err == nil {
			return nil, errors.New("accepting twice: want an error")
		}
		if err := s.CreateParty(ctx, &parley.Party{Name: "After a failure", Kind: "state"}); err != nil {
			return nil, err
		}
		return &parley.StoredResponse{Status: 201}, nil
	})
	must(t, err)
	ps, err = s.ListParties(ctx)
	must(t, err)
	if !slicesContainsName(ps, "After a failure") {
		t.Error("the change after a failed store call inside the request was lost")
	}

	// Concurrent requests with one key act once and answer alike. (Each may
	// run up to its first write, which finds the key taken and gives way.)
	seq0 := eventsNow()
	var wg sync.WaitGroup
	bodies := make([][]byte, 8)
	for i := range bodies {
		wg.Go(func() {
			r, _, err := s.Idempotently(ctx, w.usHead.ID, "k4", hash, func(ctx context.Context) (*parley.StoredResponse, error) {
				e, err := s.AppendEvent(ctx, w.talk.ID, parley.EventInput{Type: "statement", Payload: json.RawMessage(`{}`)})
				if err != nil {
					return nil, err
				}
				b, _ := json.Marshal(e.Seq)
				return &parley.StoredResponse{Status: 201, Body: b}, nil
			})
			if err != nil {
				t.Error(err)
				return
			}
			bodies[i] = r.Body
		})
	}
	wg.Wait()
	if n := eventsNow() - seq0; n != 1 {
		t.Errorf("concurrent requests with one key appended %d events, want 1", n)
	}
	for _, b := range bodies[1:] {
		if !bytes.Equal(b, bodies[0]) {
			t.Errorf("concurrent requests with one key answered %s and %s", bodies[0], b)
		}
	}

	// What a request reads and computes before its first write holds no
	// lock: another writer carries on meanwhile (on SQLite, before the claim
	// was made at the first write, it waited for the whole request).
	inside, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		_, _, err := s.Idempotently(ctx, w.usHead.ID, "k5", hash, func(ctx context.Context) (*parley.StoredResponse, error) {
			if _, err := s.FindTalkByID(ctx, w.talk.ID); err != nil {
				return nil, err
			}
			close(inside)
			<-release // a long computation
			if _, err := s.AppendEvent(ctx, w.talk.ID, parley.EventInput{Type: "statement", Payload: json.RawMessage(`{}`)}); err != nil {
				return nil, err
			}
			return &parley.StoredResponse{Status: 201}, nil
		})
		done <- err
	}()
	<-inside
	must(t, s.CreateParty(t.Context(), &parley.Party{Name: "Made meanwhile", Kind: "state"}))
	close(release)
	must(t, <-done)

	// Keys are checked.
	if _, _, err := s.Idempotently(ctx, w.usHead.ID, "", hash, act); code(err) != parley.EINVALID {
		t.Errorf("empty key: %v", err)
	}
	if _, _, err := s.Idempotently(ctx, w.usHead.ID, strings.Repeat("k", 201), hash, act); code(err) != parley.EINVALID {
		t.Errorf("201-character key: %v", err)
	}
}

func slicesContainsName(ps []*parley.Party, name string) bool {
	for _, p := range ps {
		if p.Name == name {
			return true
		}
	}
	return false
}

// testConcurrentSetupOffers offers setup tokens from many goroutines at
// once, as nodes starting together do: exactly one is offered, and every
// other is told the time of that one's offer, never that none was made.
func testConcurrentSetupOffers(t *testing.T, s Store) {
	ctx := t.Context()
	const nodes = 8
	offered := make([]bool, nodes)
	at := make([]time.Time, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() {
			var err error
			offered[i], at[i], err = s.OfferSetup(ctx, []byte{byte(i)})
			if err != nil {
				t.Errorf("offer %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	winner := -1
	for i := range nodes {
		if offered[i] {
			if winner >= 0 {
				t.Fatalf("offers %d and %d were both accepted", winner, i)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatalf("none of %d concurrent offers was accepted (times %v)", nodes, at)
	}
	for i := range nodes {
		if i != winner && !at[i].Equal(at[winner]) {
			t.Errorf("offer %d declined with time %v, want the accepted offer's %v", i, at[i], at[winner])
		}
	}
	// The accepted token is the one that works.
	if err := s.CreateFirstAdmin(ctx, []byte{byte(winner)}, &parley.User{Name: "admin"}); err != nil {
		t.Errorf("setup with the accepted token: %v", err)
	}
}

// testSetup checks that nodes sharing a database offer one setup token and
// make one first administrator.
func testSetup(t *testing.T, s Store) {
	ctx := t.Context()
	offered, _, err := s.OfferSetup(ctx, []byte("token A"))
	must(t, err)
	if !offered {
		t.Fatal("first offer refused on an empty database")
	}
	offered, at, err := s.OfferSetup(ctx, []byte("token B"))
	must(t, err)
	if offered || at.IsZero() {
		t.Errorf("a second node's offer: offered=%v at=%v; want the first token kept and its time", offered, at)
	}
	if err := s.CreateFirstAdmin(ctx, []byte("token B"), &parley.User{Name: "b"}); code(err) != parley.EFORBIDDEN {
		t.Errorf("setup with the token not kept: %v, want forbidden", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	made := 0
	for i := range 6 {
		wg.Go(func() {
			err := s.CreateFirstAdmin(ctx, []byte("token A"), &parley.User{Name: "admin" + string(rune('a'+i))})
			if err == nil {
				mu.Lock()
				made++
				mu.Unlock()
			} else if code(err) != parley.EFORBIDDEN {
				t.Errorf("concurrent setup: %v, want forbidden", err)
			}
		})
	}
	wg.Wait()
	us, err := s.ListUsers(ctx)
	must(t, err)
	if made != 1 || len(us) != 1 || !us[0].Admin {
		t.Errorf("concurrent setups made %d administrators (%d users), want 1", made, len(us))
	}
	if offered, _, err := s.OfferSetup(ctx, []byte("token C")); err != nil || offered {
		t.Errorf("offer once a user exists: offered=%v, %v", offered, err)
	}
}
