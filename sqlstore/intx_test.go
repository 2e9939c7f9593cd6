package sqlstore

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"parley"
)

// TestInTxPublishesOnlyCommitted checks the contract every write built on
// inTx relies on: the events it returns reach OnEvent once they are
// committed (a reader sees each by then), in the order written, and never
// when the write fails; a talk the actor may not see stops the write before
// it runs.
func TestInTxPublishesOnlyCommitted(t *testing.T) {
	db, _ := openCounting(t)
	asUS, asRU, talk := twoHeadsTalk(t, db)
	var got []parley.EventRef
	db.cfg.OnEvent = func(r parley.EventRef) {
		var n int
		if err := db.read.QueryRowContext(t.Context(), `SELECT count(*) FROM events WHERE talk_id = $1 AND seq = $2`, r.TalkID, r.Seq).Scan(&n); err != nil || n != 1 {
			t.Errorf("event %d:%d published while a reader sees %d of it (%v)", r.TalkID, r.Seq, n, err)
		}
		got = append(got, r)
	}
	ctx := t.Context()
	us := parley.UserFromContext(asUS)
	note := parley.EventInput{Type: "note", Payload: json.RawMessage(`{}`)}
	lastSeq := func() int64 {
		t.Helper()
		tk, err := findTalk(ctx, db.read, talk.ID)
		if err != nil {
			t.Fatal(err)
		}
		return tk.LastSeq
	}

	before := lastSeq()
	err := db.inTalk(ctx, us, talk.ID, func(tx *tx, tk *parley.Talk) ([]*parley.Event, error) {
		var es []*parley.Event
		for range 2 {
			e, err := db.appendEvent(ctx, tx, us, tk.ID, note)
			if err != nil {
				return nil, err
			}
			es = append(es, e)
		}
		return es, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []parley.EventRef{{TalkID: talk.ID, Seq: before + 1}, {TalkID: talk.ID, Seq: before + 2}}
	if !slices.Equal(got, want) {
		t.Fatalf("published %v, want %v", got, want)
	}

	// A write that fails after appending leaves nothing stored or published.
	got, before = nil, lastSeq()
	boom := errors.New("boom")
	err = db.inTalk(ctx, us, talk.ID, func(tx *tx, tk *parley.Talk) ([]*parley.Event, error) {
		if _, err := db.appendEvent(ctx, tx, us, tk.ID, note); err != nil {
			return nil, err
		}
		return nil, boom
	})
	if !errors.Is(err, boom) || len(got) != 0 || lastSeq() != before {
		t.Fatalf("failed write: err %v, published %v, last seq %d (was %d); want boom, nothing published or stored", err, got, lastSeq(), before)
	}

	// A user of no party in the talk finds no talk, and the write never runs.
	outsider := &parley.User{Name: "outsider"}
	if err := db.CreateUser(ctx, outsider); err != nil {
		t.Fatal(err)
	}
	err = db.inTalk(ctx, outsider, talk.ID, func(*tx, *parley.Talk) ([]*parley.Event, error) {
		t.Error("write ran for a user who may not see the talk")
		return nil, nil
	})
	if parley.ErrorCode(err) != parley.ENOTFOUND {
		t.Fatalf("outsider: %v, want not found", err)
	}

	// Through a method: consenting to the last awaited party seats it, and
	// both events are published in chain order.
	if err := db.CreateParty(ctx, &parley.Party{Name: "UA"}); err != nil {
		t.Fatal(err)
	}
	if invited, err := db.InviteParty(asUS, talk.ID, 3, parley.StandingMember); err != nil || invited {
		t.Fatalf("propose UA: invited %v, %v; want proposed, awaiting RU", invited, err)
	}
	got, before = nil, lastSeq()
	if invited, err := db.ConsentInvitation(asRU, talk.ID, 3); err != nil || !invited {
		t.Fatalf("RU consents: invited %v, %v; want invited", invited, err)
	}
	want = []parley.EventRef{{TalkID: talk.ID, Seq: before + 1}, {TalkID: talk.ID, Seq: before + 2}}
	if !slices.Equal(got, want) {
		t.Fatalf("consent published %v, want %v", got, want)
	}
}
