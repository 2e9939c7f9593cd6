package storetest

import (
	"crypto/ed25519"
	"encoding/hex"
	"strings"
	"sync"
	"testing"

	"parley"
)

const draft1 = "The parties will restore the staffing of their embassies.\n\nThe parties will consult on diplomatic property."

// testStatements drafts a joint statement, edits it, refuses a stale edit
// with both texts, marks and signs it, and finds the adopted version's
// sign-offs verifiable in the record.
func testStatements(t *testing.T, s Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	st := &parley.Statement{TalkID: w.talk.ID, Title: "Joint statement on the Riyadh consultations", Stakeholders: []int64{w.ua.ID}}
	if err := s.CreateStatement(as(ctx, w.saHead), st, draft1); code(err) != parley.EFORBIDDEN {
		t.Errorf("observer drafts: %v, want forbidden", err)
	}
	if err := s.CreateStatement(as(ctx, w.usNeg), &parley.Statement{TalkID: w.talk.ID, Title: "x", Stakeholders: []int64{w.sa.ID}}, draft1); code(err) != parley.EINVALID {
		t.Errorf("an observer named as stakeholder: %v, want invalid", err)
	}
	must(t, s.CreateStatement(as(ctx, w.usNeg), st, draft1))
	if st.Current.Number != 1 || st.Current.Hash == "" || st.Current.Seq == 0 {
		t.Fatalf("first version %+v", st.Current)
	}
	draft2 := draft1 + "\n\nDirect flights will be discussed in the next round."
	_, err := s.EditStatement(as(ctx, w.ruHead), st.ID, 1, draft2)
	must(t, err)
	// A second editor still on version 1 gets a conflict and the current text; nothing is stored.
	cur, err := s.EditStatement(as(ctx, w.usNeg), st.ID, 1, draft1+"\n\nVisas are a priority.")
	if code(err) != parley.ECONFLICT || cur == nil || cur.Text != draft2 || cur.Number != 2 {
		t.Fatalf("stale edit: %v, current %+v; want conflict with version 2", err, cur)
	}
	vs, err := s.StatementVersions(as(ctx, w.uaHead), st.ID)
	must(t, err)
	if len(vs) != 2 {
		t.Fatalf("%d versions after a refused edit, want 2", len(vs))
	}
	if d := parley.Diff(vs[0].Text, vs[1].Text); len(d) != 3 || d[2].Op != "+" || !strings.Contains(d[2].Text, "Direct flights") {
		t.Errorf("diff %+v", d)
	}
	// Comments anchor to paragraphs.
	must(t, s.CommentOnStatement(as(ctx, w.uaHead), st.ID, &parley.StatementComment{Paragraph: 1, Text: "Property talks must not prejudge Ukrainian claims."}))
	if err := s.CommentOnStatement(as(ctx, w.uaHead), st.ID, &parley.StatementComment{Paragraph: 7, Text: "x"}); code(err) != parley.EINVALID {
		t.Errorf("comment on a missing paragraph: %v", err)
	}
	cs, err := s.StatementComments(as(ctx, w.ruHead), st.ID)
	must(t, err)
	if len(cs) != 1 || cs[0].Version != 2 || cs[0].Paragraph != 1 {
		t.Errorf("comments %+v", cs)
	}
	// Marks and a sign-off of a version that changed underneath.
	if _, err := s.MarkStatement(as(ctx, w.usNeg), st.ID, 1, parley.MarkCanAccept); code(err) != parley.ECONFLICT {
		t.Errorf("marking version 1: %v, want conflict", err)
	}
	got, err := s.MarkStatement(as(ctx, w.usNeg), st.ID, 2, parley.MarkRequestsChanges)
	must(t, err)
	if len(got.Marks) != 1 || got.Marks[0].Mark != parley.MarkRequestsChanges {
		t.Errorf("marks %+v", got.Marks)
	}
	_, err = s.MarkStatement(as(ctx, w.usNeg), st.ID, 2, parley.MarkCanAccept)
	must(t, err)
	if _, err := s.SignStatement(as(ctx, w.usHead), st.ID, 1, nil); code(err) != parley.ECONFLICT || !strings.Contains(parley.ErrorMessage(err), "version 2") {
		t.Errorf("signing a replaced version: %v, want conflict naming version 2", err)
	}
	if _, err := s.SignStatement(as(ctx, w.usNeg), st.ID, 2, nil); code(err) != parley.EFORBIDDEN {
		t.Errorf("negotiator signs: %v, want forbidden", err)
	}
	got, err = s.SignStatement(as(ctx, w.usHead), st.ID, 2, nil)
	must(t, err)
	seated, err := s.FindTalkByID(as(ctx, w.usHead), w.talk.ID) // as it is now, every party seated
	must(t, err)
	if got.Adopted || len(got.AwaitingSignature(seated)) != 1 {
		t.Fatalf("after one signature: adopted=%v awaiting %v", got.Adopted, got.AwaitingSignature(seated))
	}
	if _, err := s.SignStatement(as(ctx, w.usHead), st.ID, 2, nil); code(err) != parley.ECONFLICT {
		t.Errorf("signing twice: %v, want conflict", err)
	}
	got, err = s.SignStatement(as(ctx, w.ruHead), st.ID, 2, nil)
	must(t, err)
	if !got.Adopted || len(got.AwaitingConsent()) != 1 {
		t.Fatalf("after both signatures: adopted=%v, awaiting consent %v; want adopted, provisional on UA", got.Adopted, got.AwaitingConsent())
	}
	if _, err := s.EditStatement(as(ctx, w.usNeg), st.ID, 2, "new"); code(err) != parley.ECONFLICT {
		t.Errorf("editing an adopted statement: %v, want conflict", err)
	}
	if _, err := s.ConsentToStatement(as(ctx, w.ruHead), st.ID, 2, true, ""); code(err) != parley.EFORBIDDEN {
		t.Errorf("member consents as stakeholder: %v, want forbidden", err)
	}
	got, err = s.ConsentToStatement(as(ctx, w.uaHead), st.ID, 2, true, "We consent.")
	must(t, err)
	if len(got.AwaitingConsent()) != 0 {
		t.Errorf("still awaiting consent of %v", got.AwaitingConsent())
	}
	if _, err := s.Record(as(ctx, w.frHead), w.talk.ID); code(err) != parley.ENOTFOUND {
		t.Errorf("outsider record: %v", err)
	}
	r, err := s.Record(as(ctx, w.uaHead), w.talk.ID)
	must(t, err)
	if err := parley.Verify(roundTrip(t, r)); err != nil {
		t.Fatalf("record with statement sign-offs does not verify: %v", err)
	}
	signoffs := 0
	for _, e := range r.Events {
		if e.Type == parley.EventSignOff && strings.Contains(string(e.Payload), got.Current.Hash) {
			signoffs++
		}
	}
	if signoffs != 2 {
		t.Errorf("%d sign-offs of version 2 in the record, want 2", signoffs)
	}
	// Tampering with a signature breaks verification.
	for _, e := range r.Events {
		if e.Type == parley.EventSignOff {
			e.Payload = []byte(strings.Replace(string(e.Payload), `"signature":"`, `"signature":"AA`, 1))
			break
		}
	}
	if err := parley.Verify(roundTrip(t, r)); err == nil {
		t.Error("a tampered sign-off verifies")
	}
}

// testConcurrentEdits has several editors save on the same version at once:
// exactly one wins, every other gets a conflict with the winning text.
func testConcurrentEdits(t *testing.T, s Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	st := &parley.Statement{TalkID: w.talk.ID, Title: "Draft"}
	must(t, s.CreateStatement(as(ctx, w.usNeg), st, draft1))
	const editors = 6
	var wg sync.WaitGroup
	type result struct {
		text string
		v    *parley.StatementVersion
		err  error
	}
	results := make(chan result, editors)
	for i := range editors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := w.usNeg
			if i%2 == 1 {
				u = w.ruHead
			}
			text := draft1 + "\n\nEdit " + string(rune('A'+i))
			v, err := s.EditStatement(as(ctx, u), st.ID, 1, text)
			results <- result{text, v, err}
		}()
	}
	wg.Wait()
	close(results)
	var won string
	var lost []result
	for r := range results {
		switch code(r.err) {
		case "":
			if won != "" {
				t.Fatalf("two edits of version 1 both won")
			}
			won = r.text
		case parley.ECONFLICT:
			lost = append(lost, r)
		default:
			t.Fatal(r.err)
		}
	}
	if won == "" || len(lost) != editors-1 {
		t.Fatalf("winner %q, %d conflicts", won, len(lost))
	}
	for _, r := range lost {
		if r.v == nil || r.v.Text != won || r.v.Number != 2 {
			t.Errorf("a losing editor got %+v, want the winning version 2", r.v)
		}
	}
}

// testStatementPartyKey signs a statement for a party that holds its own
// key: the server cannot sign for it, a wrong signature is refused, and a
// right one adopts the statement in a record that verifies.
func testStatementPartyKey(t *testing.T, s Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	pub, priv, err := ed25519.GenerateKey(nil)
	must(t, err)
	must(t, s.SetPartyKey(ctx, &parley.PartyKey{PartyID: w.ru.ID, Public: pub}))
	st := &parley.Statement{TalkID: w.talk.ID, Title: "Joint statement"}
	must(t, s.CreateStatement(as(ctx, w.usNeg), st, draft1))
	_, err = s.SignStatement(as(ctx, w.usHead), st.ID, 1, nil)
	must(t, err)
	if _, err := s.SignStatement(as(ctx, w.ruHead), st.ID, 1, nil); code(err) != parley.EINVALID || !strings.Contains(parley.ErrorMessage(err), st.Current.Hash) {
		t.Errorf("party-held key, no signature: %v; want invalid naming the hash to sign", err)
	}
	msg, _ := hex.DecodeString(st.Current.Hash)
	if _, err := s.SignStatement(as(ctx, w.ruHead), st.ID, 1, ed25519.Sign(priv, []byte("something else"))); code(err) != parley.EINVALID {
		t.Errorf("wrong signature: %v, want invalid", err)
	}
	got, err := s.SignStatement(as(ctx, w.ruHead), st.ID, 1, ed25519.Sign(priv, msg))
	must(t, err)
	if !got.Adopted {
		t.Fatal("not adopted after both signed")
	}
	r, err := s.Record(as(ctx, w.ruHead), w.talk.ID)
	must(t, err)
	// RU's own events are unsigned: RU holds its key, as the pinned keys say.
	verifyPinned(t, s, r)
	if err := parley.Verify(roundTrip(t, r)); err == nil {
		t.Error("unsigned events verified with the file's own keys")
	}
}
