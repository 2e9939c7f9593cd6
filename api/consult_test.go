package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"parley"
)

// irritant raises a fresh irritant from the US toward RU in f's talk and
// moves it to status.
func (f *fixture) irritant(status parley.IrritantStatus) *parley.Irritant {
	f.t.Helper()
	ctx := f.t.Context()
	as := func(k string) context.Context { return parley.NewContextWithUser(ctx, f.users[k]) }
	i := &parley.Irritant{TalkID: f.talk.ID, Title: "Embassy staffing", Category: "missions", Toward: []int64{f.party["RU"].ID}}
	must(f.t, f.db.RaiseIrritant(as("us head"), i))
	path := map[parley.IrritantStatus][]parley.IrritantStatus{
		parley.IrritantRaised:         nil,
		parley.IrritantAcknowledged:   {parley.IrritantAcknowledged},
		parley.IrritantInConsultation: {parley.IrritantAcknowledged, parley.IrritantInConsultation},
	}[status]
	for _, to := range path {
		_, err := f.db.MoveIrritant(as("other party"), i.ID, parley.IrritantMove{To: to})
		must(f.t, err)
	}
	return i
}

// onIrritant calls suffix on a fresh irritant in status, one per viewer.
func onIrritant(suffix string, status parley.IrritantStatus, body any) func(*fixture, string, string) call {
	return func(f *fixture, _, _ string) call {
		return call{fmt.Sprintf("/api/v1/irritants/%d%s", f.irritant(status).ID, suffix), body}
	}
}

// TestIrritantLifecycleThroughAPI raises an irritant, refuses an illegal
// move with the legal ones named, and resolves it once both sides confirm.
func TestIrritantLifecycleThroughAPI(t *testing.T) {
	f := newFixture(t)
	us, ru := f.token("same party"), f.token("other party")
	resp, body := f.do("POST", fmt.Sprintf("/api/v1/talks/%d/irritants", f.talk.ID), us, map[string]any{
		"title": "Banking for missions", "category": "finance", "priority": "urgent", "toward": []int64{f.party["RU"].ID},
		"stakeholders": []int64{f.party["UA"].ID}, "due": "2026-04-30"})
	if resp.StatusCode != 201 {
		t.Fatalf("raise: %d %s", resp.StatusCode, body)
	}
	var i parley.Irritant
	must(t, json.Unmarshal(body, &i))
	path := fmt.Sprintf("/api/v1/irritants/%d", i.ID)
	resp, body = f.do("POST", path+"/moves", us, map[string]any{"to": "resolved"})
	if resp.StatusCode != 409 || !strings.Contains(string(body), "acknowledged") {
		t.Errorf("illegal move: %d %s; want 409 (as for rounds) naming acknowledged", resp.StatusCode, body)
	}
	for _, step := range []struct {
		tok, path string
		body      any
		status    string
	}{
		{ru, "/moves", map[string]any{"to": "acknowledged", "reason": "received in Riyadh"}, "acknowledged"},
		{us, "/moves", map[string]any{"to": "in_consultation"}, "in_consultation"},
		{ru, "/confirm", nil, "in_consultation"},
		{us, "/confirm", map[string]any{"reason": "exchange of notes"}, "resolved"},
	} {
		resp, body := f.do("POST", path+step.path, step.tok, step.body)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"`+step.status+`"`) {
			t.Fatalf("%s %v: %d %s; want status %s", step.path, step.body, resp.StatusCode, body, step.status)
		}
	}
	var v struct {
		Irritant   parley.Irritant          `json:"irritant"`
		Awaiting   []int64                  `json:"awaiting_confirmation"`
		LegalMoves []parley.IrritantStatus  `json:"legal_moves"`
		Comments   []parley.IrritantComment `json:"comments"`
	}
	resp, body = f.do("GET", path, f.token("stakeholder"), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("stakeholder reads the irritant: %d %s", resp.StatusCode, body)
	}
	must(t, json.Unmarshal(body, &v))
	if v.Irritant.Status != parley.IrritantResolved || len(v.Irritant.Confirmations) != 2 || len(v.Awaiting) != 0 || len(v.LegalMoves) != 1 {
		t.Errorf("resolved irritant reads %s", body)
	}
	resp, body = f.do("GET", fmt.Sprintf("/api/v1/talks/%d/irritants?status=resolved&priority=urgent", f.talk.ID), ru, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Banking for missions") || !strings.Contains(string(body), `"resolved":1`) {
		t.Errorf("filtered list: %d %s", resp.StatusCode, body)
	}
	resp, _ = f.do("GET", fmt.Sprintf("/api/v1/talks/%d/irritants?status=closed", f.talk.ID), ru, nil)
	if resp.StatusCode != 400 {
		t.Errorf("unknown status filter: %d, want 400", resp.StatusCode)
	}
}

// leakWorld is one irritant with a shared response and an internal US note.
type leakWorld struct {
	f        *fixture
	i        *parley.Irritant
	us, ru   string // tokens
	noteSeq  int64  // the internal comment's record event
	shared   string
	internal string
}

const internalNote = "Fallback position: we accept forty staff"

func newLeakWorld(t *testing.T) *leakWorld {
	f := newFixture(t)
	w := &leakWorld{f: f, i: f.irritant(parley.IrritantAcknowledged), us: f.token("same party"), ru: f.token("other party"),
		shared: "We propose sixty staff each", internal: internalNote}
	for _, c := range []map[string]any{
		{"kind": "response", "text": w.shared},
		{"kind": "comment", "text": w.internal, "visibility": "internal"},
	} {
		resp, body := f.do("POST", fmt.Sprintf("/api/v1/irritants/%d/comments", w.i.ID), w.us, c)
		if resp.StatusCode != 201 {
			t.Fatalf("comment: %d %s", resp.StatusCode, body)
		}
	}
	tl, err := f.db.IrritantTimeline(parley.NewContextWithUser(t.Context(), f.users["us head"]), w.i.ID)
	must(t, err)
	w.noteSeq = tl[len(tl)-1].Seq
	return w
}

// check fails when body shows the internal note, and, when shared is set,
// when it lacks the shared response.
func (w *leakWorld) check(t *testing.T, channel, body string, shared bool) {
	t.Helper()
	if strings.Contains(body, "forty staff") {
		t.Errorf("%s: the other party reads the US internal note:\n%s", channel, body)
	}
	if shared && !strings.Contains(body, w.shared) {
		t.Errorf("%s: the shared response is missing, so the check proves nothing:\n%s", channel, body)
	}
}

func TestInternalCommentStaysOutOfTheAPI(t *testing.T) {
	w := newLeakWorld(t)
	_, own := w.f.do("GET", fmt.Sprintf("/api/v1/irritants/%d", w.i.ID), w.f.token("us head"), nil)
	if !strings.Contains(string(own), "forty staff") {
		t.Fatalf("the US delegation cannot read its own internal note: %s", own)
	}
	for _, v := range []string{"other party", "mediator", "admin", "stakeholder", "observer"} {
		_, body := w.f.do("GET", fmt.Sprintf("/api/v1/irritants/%d", w.i.ID), w.f.token(v), nil)
		w.check(t, "GET irritant as "+v, string(body), true)
		_, body = w.f.do("GET", fmt.Sprintf("/api/v1/irritants/%d/timeline", w.i.ID), w.f.token(v), nil)
		w.check(t, "timeline as "+v, string(body), true)
		_, body = w.f.do("GET", fmt.Sprintf("/api/v1/talks/%d/events?limit=500", w.f.talk.ID), w.f.token(v), nil)
		w.check(t, "events page as "+v, string(body), true)
	}
}

func TestInternalCommentStaysOutOfTheEventStream(t *testing.T) {
	w := newLeakWorld(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/v1/talks/%d/events", w.f.http.URL, w.f.talk.ID), nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+w.ru)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	// A later shared comment proves the stream carried everything up to it.
	resp2, _ := w.f.do("POST", fmt.Sprintf("/api/v1/irritants/%d/comments", w.i.ID), w.us, map[string]any{"text": "last word"})
	if resp2.StatusCode != 201 {
		t.Fatal("last comment failed")
	}
	var got strings.Builder
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		got.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "last word") {
			break
		}
	}
	if !strings.Contains(got.String(), "last word") {
		t.Fatalf("the stream ended early: %v\n%s", sc.Err(), got.String())
	}
	w.check(t, "event stream", got.String(), true)
	// The internal comment lives in the US private chain: the other side's
	// stream shows nothing of it, not even a redacted entry (issue 9, item 7).
	if strings.Contains(got.String(), `"redacted"`) || strings.Contains(got.String(), `"private_to"`) {
		t.Errorf("the internal note's event reached the other party's stream:\n%s", got.String())
	}
}

func TestInternalCommentStaysOutOfSearch(t *testing.T) {
	w := newLeakWorld(t)
	search := func(tok, q string) string {
		_, b := w.f.do("GET", fmt.Sprintf("/api/v1/talks/%d/irritants?q=%s", w.f.talk.ID, q), tok, nil)
		return string(b)
	}
	if !strings.Contains(search(w.us, "forty"), "Embassy staffing") {
		t.Fatal("the US cannot find its own irritant by its internal note")
	}
	if got := search(w.ru, "forty"); strings.Contains(got, "Embassy staffing") {
		t.Errorf("Russia finds the irritant by the US internal note: %s", got)
	}
	if got := search(w.ru, "sixty"); !strings.Contains(got, "Embassy staffing") {
		t.Errorf("Russia cannot find the irritant by the shared response: %s", got)
	}
}

func TestInternalCommentStaysOutOfCSV(t *testing.T) {
	w := newLeakWorld(t)
	resp, body := w.f.do("GET", fmt.Sprintf("/api/v1/talks/%d/irritants.csv", w.f.talk.ID), w.ru, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	w.check(t, "CSV export", string(body), true)
	_, own := w.f.do("GET", fmt.Sprintf("/api/v1/talks/%d/irritants.csv", w.f.talk.ID), w.us, nil)
	if !strings.Contains(string(own), "forty staff") {
		t.Errorf("the US CSV lacks its own internal note:\n%s", own)
	}
}

func TestInternalCommentStaysOutOfTheRecordExport(t *testing.T) {
	w := newLeakWorld(t)
	resp, body := w.f.do("GET", fmt.Sprintf("/api/v1/talks/%d/record", w.f.talk.ID), w.ru, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("record: %d", resp.StatusCode)
	}
	w.check(t, "record export", string(body), true)
	var r parley.Record
	must(t, json.Unmarshal(body, &r))
	if err := parley.Verify(&r); err != nil {
		t.Errorf("the redacted record does not verify: %v", err)
	}
}

// organisers may plan rounds and draft statements: member delegates (not
// observers of a delegation) and mediators.
var organisers = []string{"same party", "other party", "mediator"}

// round plans a fresh round in f's talk with one free agenda item and moves
// it to status.
func (f *fixture) round(status parley.RoundStatus) *parley.Round {
	f.t.Helper()
	ctx := parley.NewContextWithUser(f.t.Context(), f.users["mediator"])
	r := &parley.Round{TalkID: f.talk.ID, Title: "Riyadh", StartsAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), Agenda: []*parley.AgendaItem{{Title: "Opening"}}}
	must(f.t, f.db.CreateRound(ctx, r))
	if status != parley.RoundPlanned {
		_, err := f.db.MoveRound(ctx, r.ID, parley.RoundInProgress)
		must(f.t, err)
	}
	return r
}

func onRound(suffix string, status parley.RoundStatus, body any) func(*fixture, string, string) call {
	return func(f *fixture, _, _ string) call {
		return call{fmt.Sprintf("/api/v1/rounds/%d%s", f.round(status).ID, suffix), body}
	}
}

// statement opens a fresh statement in f's talk naming UA as stakeholder.
func (f *fixture) statement() *parley.Statement {
	f.t.Helper()
	st := &parley.Statement{TalkID: f.talk.ID, Title: "Joint statement", Stakeholders: []int64{f.party["UA"].ID}}
	must(f.t, f.db.CreateStatement(parley.NewContextWithUser(f.t.Context(), f.users["us head"]), st, "We met in Riyadh.\n\nWe will meet again."))
	return st
}

func onStatement(suffix string, body any) func(*fixture, string, string) call {
	return func(f *fixture, _, _ string) call {
		return call{fmt.Sprintf("/api/v1/statements/%d%s", f.statement().ID, suffix), body}
	}
}

// TestStatementEditConflictThroughAPI has two editors save on version 1:
// the second gets 409 with the current text, its own text and their diff.
func TestStatementEditConflictThroughAPI(t *testing.T) {
	f := newFixture(t)
	st := f.statement()
	path := fmt.Sprintf("/api/v1/statements/%d/versions", st.ID)
	resp, body := f.do("POST", path, f.token("other party"), map[string]any{"base": 1, "text": "We met in Riyadh.\n\nWe will meet in Istanbul."})
	if resp.StatusCode != 201 {
		t.Fatalf("first edit: %d %s", resp.StatusCode, body)
	}
	mine := "We met in Riyadh on 18 February.\n\nWe will meet again."
	resp, body = f.do("POST", path, f.token("same party"), map[string]any{"base": 1, "text": mine})
	var c struct {
		Error   struct{ Code string }   `json:"error"`
		Current parley.StatementVersion `json:"current"`
		Yours   string                  `json:"yours"`
		Diff    []parley.DiffLine       `json:"diff"`
	}
	must(t, json.Unmarshal(body, &c))
	if resp.StatusCode != 409 || c.Error.Code != "conflict" || c.Current.Number != 2 || !strings.Contains(c.Current.Text, "Istanbul") || c.Yours != mine || len(c.Diff) == 0 {
		t.Fatalf("second edit: %d %s; want 409 with both texts", resp.StatusCode, body)
	}
	// Signing version 1, which changed underneath, is refused too.
	resp, body = f.do("POST", fmt.Sprintf("/api/v1/statements/%d/signatures", st.ID), f.token("other party"), map[string]any{"version": 1})
	if resp.StatusCode != 409 || !strings.Contains(string(body), "version 2") {
		t.Errorf("signing a replaced version: %d %s", resp.StatusCode, body)
	}
	resp, body = f.do("GET", fmt.Sprintf("/api/v1/statements/%d/diff", st.ID), f.token("stakeholder"), nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"op":"+","text":"We will meet in Istanbul."`) {
		t.Errorf("diff: %d %s", resp.StatusCode, body)
	}
}

func TestInternalCommentStaysOutOfNotifications(t *testing.T) {
	w := newLeakWorld(t)
	for _, v := range []string{"other party", "mediator", "stakeholder", "observer"} {
		resp, body := w.f.do("GET", "/api/v1/notifications", w.f.token(v), nil)
		if resp.StatusCode != 200 {
			t.Fatalf("notifications as %s: %d", v, resp.StatusCode)
		}
		w.check(t, "notifications of "+v, string(body), true)
	}
	_, own := w.f.do("GET", "/api/v1/notifications?unread=true", w.f.token("us head"), nil)
	if !strings.Contains(string(own), "forty staff") {
		t.Errorf("the US head is not told of the US negotiator's internal note: %s", own)
	}
	resp, body := w.f.do("POST", "/api/v1/notifications/read", w.f.token("other party"), map[string]any{})
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"unread":0`) {
		t.Errorf("mark all read: %d %s", resp.StatusCode, body)
	}
}
