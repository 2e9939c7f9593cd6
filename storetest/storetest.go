// Package storetest is the conformance suite every parley store must pass.
// A store's own test calls Run with a function that opens a fresh, empty
// store.
package storetest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"parley"
)

// Store is everything a parley store implements.
type Store = parley.Store

// Secret is the server secret the suite seals party keys with; open must
// configure the store with it.
var Secret = []byte("storetest-secret-0123456789abcdef")

// Run runs the conformance suite. open returns a fresh, empty store whose
// events are signed with Secret.
func Run(t *testing.T, open func(t *testing.T) Store) {
	t.Run("Users", func(t *testing.T) { testUsers(t, open(t)) })
	t.Run("Talks", func(t *testing.T) { testTalks(t, open(t)) })
	t.Run("Record", func(t *testing.T) { testRecord(t, open(t)) })
	t.Run("SignOff", func(t *testing.T) { testSignOff(t, open(t)) })
	t.Run("PrivateChains", func(t *testing.T) { testPrivateChains(t, open(t)) })
	t.Run("Checkpoints", func(t *testing.T) { testCheckpoints(t, open(t)) })
	t.Run("ConcurrentAppends", func(t *testing.T) { testConcurrentAppends(t, open(t)) })
	t.Run("Credentials", func(t *testing.T) { testCredentials(t, open(t)) })
	t.Run("Idempotency", func(t *testing.T) { testIdempotency(t, open(t)) })
	t.Run("Setup", func(t *testing.T) { testSetup(t, open(t)) })
	t.Run("ConcurrentSetupOffers", func(t *testing.T) { testConcurrentSetupOffers(t, open(t)) })
	t.Run("Irritants", func(t *testing.T) { testIrritants(t, open(t)) })
	t.Run("ConcurrentConfirmations", func(t *testing.T) { testConcurrentConfirmations(t, open(t)) })
	t.Run("Rounds", func(t *testing.T) { testRounds(t, open(t)) })
	t.Run("MinutesApproval", func(t *testing.T) { testMinutesApproval(t, open(t)) })
	t.Run("IrritantSort", func(t *testing.T) { testIrritantSort(t, open(t)) })
	t.Run("Statements", func(t *testing.T) { testStatements(t, open(t)) })
	t.Run("StatementPartyKey", func(t *testing.T) { testStatementPartyKey(t, open(t)) })
	t.Run("ConcurrentStatementEdits", func(t *testing.T) { testConcurrentEdits(t, open(t)) })
	t.Run("Notifications", func(t *testing.T) { testNotifications(t, open(t)) })
	t.Run("Reminders", func(t *testing.T) { testReminders(t, open(t)) })
	t.Run("Negotiations", func(t *testing.T) { testNegotiations(t, open(t)) })
	t.Run("Inbox", func(t *testing.T) { testInbox(t, open(t)) })
}

func code(err error) string { return parley.ErrorCode(err) }

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func as(ctx context.Context, u *parley.User) context.Context {
	return parley.NewContextWithUser(ctx, u)
}

func testUsers(t *testing.T, s Store) {
	ctx := t.Context()
	p := &parley.Party{Name: "United States", Kind: "state"}
	must(t, s.CreateParty(ctx, p))
	if err := s.CreateParty(ctx, &parley.Party{Name: "United States"}); code(err) != parley.ECONFLICT {
		t.Errorf("duplicate party: %v, want conflict", err)
	}
	u := &parley.User{Name: "rubio", PartyID: p.ID, Role: parley.RoleHead, PasswordHash: "h"}
	must(t, s.CreateUser(ctx, u))
	if u.ID == 0 || u.DisplayName != "rubio" {
		t.Errorf("created user %+v: want an ID and the name as display name", u)
	}
	if err := s.CreateUser(ctx, &parley.User{Name: "rubio"}); code(err) != parley.ECONFLICT {
		t.Errorf("duplicate user: %v, want conflict", err)
	}
	if err := s.CreateUser(ctx, &parley.User{Name: "x", PartyID: 999, Role: parley.RoleHead}); code(err) != parley.ENOTFOUND {
		t.Errorf("user of a missing party: %v, want not_found", err)
	}
	if err := s.CreateUser(ctx, &parley.User{Name: "y", PartyID: p.ID, Role: "king"}); code(err) != parley.EINVALID {
		t.Errorf("bad role: %v, want invalid", err)
	}
	got, err := s.FindUserByName(ctx, "rubio")
	must(t, err)
	if got.ID != u.ID || got.PartyID != p.ID || got.Role != parley.RoleHead || got.PasswordHash != "h" || !got.CreatedAt.Equal(u.CreatedAt) {
		t.Errorf("FindUserByName = %+v, want %+v", got, u)
	}
	if _, err := s.FindUserByID(ctx, 999); code(err) != parley.ENOTFOUND {
		t.Errorf("missing user: %v, want not_found", err)
	}
	if _, err := s.FindUserByName(ctx, "nobody"); code(err) != parley.ENOTFOUND {
		t.Errorf("missing user: %v, want not_found", err)
	}
	sess := &parley.Credential{UserID: u.ID, Kind: parley.CredentialSession, Hash: []byte("session-of-rubio")}
	must(t, s.CreateCredential(ctx, sess))
	must(t, s.SetPasswordHash(ctx, u.ID, "h2"))
	if got, _ := s.FindUserByID(ctx, u.ID); got.PasswordHash != "h2" {
		t.Error("SetPasswordHash did not change the hash")
	}
	if _, err := s.FindCredential(ctx, sess.Hash); code(err) != parley.ENOTFOUND {
		t.Errorf("a session survived a password change: %v", err)
	}
	if err := s.SetPasswordHash(ctx, 999, "h"); code(err) != parley.ENOTFOUND {
		t.Errorf("SetPasswordHash of a missing user: %v, want not_found", err)
	}
	if n, err := s.CountUsers(ctx); err != nil || n != 1 {
		t.Errorf("CountUsers = %d, %v; want 1", n, err)
	}
	if _, err := s.FindPartyKey(ctx, p.ID); code(err) != parley.ENOTFOUND {
		t.Errorf("missing key: %v, want not_found", err)
	}
	k, err := parley.GeneratePartyKey(p.ID, Secret, time.Now())
	must(t, err)
	must(t, s.SetPartyKey(ctx, k))
	gk, err := s.FindPartyKey(ctx, p.ID)
	must(t, err)
	if string(gk.Public) != string(k.Public) || string(gk.SealedPrivate) != string(k.SealedPrivate) {
		t.Error("party key did not round-trip")
	}
}

// world is a small scenario: two member parties, an observer, a stakeholder,
// an outsider party, a mediator and an admin.
type world struct {
	us, ru, sa, ua, fr                   *parley.Party
	usHead, usNeg, usObs, ruHead, saHead *parley.User
	uaHead, frHead, mediator, admin      *parley.User
	talk                                 *parley.Talk
}

func newWorld(t *testing.T, s Store) *world {
	t.Helper()
	ctx := t.Context()
	w := &world{}
	party := func(name string) *parley.Party {
		p := &parley.Party{Name: name, Kind: "state"}
		must(t, s.CreateParty(ctx, p))
		k, err := parley.GeneratePartyKey(p.ID, Secret, time.Now())
		must(t, err)
		must(t, s.SetPartyKey(ctx, k))
		return p
	}
	user := func(name string, p *parley.Party, r parley.Role) *parley.User {
		u := &parley.User{Name: name, Role: r}
		if p != nil {
			u.PartyID = p.ID
		}
		must(t, s.CreateUser(ctx, u))
		return u
	}
	w.us, w.ru, w.sa, w.ua, w.fr = party("US"), party("RU"), party("SA"), party("UA"), party("FR")
	w.usHead, w.usNeg, w.usObs = user("us-head", w.us, parley.RoleHead), user("us-neg", w.us, parley.RoleNegotiator), user("us-obs", w.us, parley.RoleObserver)
	w.ruHead, w.saHead, w.uaHead, w.frHead = user("ru-head", w.ru, parley.RoleHead), user("sa-head", w.sa, parley.RoleHead), user("ua-head", w.ua, parley.RoleHead), user("fr-head", w.fr, parley.RoleHead)
	w.mediator = &parley.User{Name: "mediator", Mediator: true}
	must(t, s.CreateUser(ctx, w.mediator))
	w.admin = &parley.User{Name: "admin", Admin: true}
	must(t, s.CreateUser(ctx, w.admin))
	w.talk = &parley.Talk{Title: "Ending the war", Parties: []parley.TalkParty{
		{PartyID: w.us.ID, Standing: parley.StandingMember},
		{PartyID: w.ru.ID, Standing: parley.StandingMember},
		{PartyID: w.sa.ID, Standing: parley.StandingObserver},
		{PartyID: w.ua.ID, Standing: parley.StandingStakeholder},
	}}
	must(t, s.CreateTalk(as(ctx, w.mediator), w.talk))
	for _, h := range []*parley.User{w.usHead, w.ruHead, w.saHead, w.uaHead} {
		must(t, s.AcceptInvitation(as(ctx, h), w.talk.ID))
	}
	return w
}

func testTalks(t *testing.T, s Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	if err := s.CreateTalk(ctx, &parley.Talk{Title: "x"}); code(err) != parley.EUNAUTHORIZED {
		t.Errorf("anonymous CreateTalk: %v, want unauthorized", err)
	}
	if err := s.CreateTalk(as(ctx, w.usNeg), &parley.Talk{Title: "x"}); code(err) != parley.EFORBIDDEN {
		t.Errorf("negotiator CreateTalk: %v, want forbidden", err)
	}
	got, err := s.FindTalkByID(as(ctx, w.usNeg), w.talk.ID)
	must(t, err)
	if got.Title != w.talk.Title || len(got.Parties) != 4 || !got.Mediates(w.mediator.ID) || got.LastSeq != 5 {
		t.Errorf("FindTalkByID = %+v; want 4 parties, the mediator and 5 events", got)
	}
	for _, p := range got.Parties {
		if !p.Accepted {
			t.Errorf("party %d has not accepted", p.PartyID)
		}
	}
	tests := []struct {
		name string
		u    *parley.User
		see  bool
	}{
		{"member", w.usObs, true}, {"other member", w.ruHead, true}, {"observer", w.saHead, true},
		{"stakeholder", w.uaHead, true}, {"mediator", w.mediator, true}, {"admin", w.admin, true}, {"outsider", w.frHead, false},
	}
	for _, tt := range tests {
		_, err := s.FindTalkByID(as(ctx, tt.u), w.talk.ID)
		if tt.see && err != nil || !tt.see && code(err) != parley.ENOTFOUND {
			t.Errorf("%s: FindTalkByID = %v, want seen=%v (unseen talks are not_found)", tt.name, err, tt.see)
		}
		ts, err := s.FindTalks(as(ctx, tt.u), parley.TalkFilter{})
		must(t, err)
		if (len(ts) == 1) != tt.see {
			t.Errorf("%s: FindTalks returned %d talks, want seen=%v", tt.name, len(ts), tt.see)
		}
	}
	if _, err := s.FindTalkByID(as(ctx, w.admin), 999); code(err) != parley.ENOTFOUND {
		t.Errorf("missing talk: %v, want not_found", err)
	}
	// Invitations.
	// One member proposes; the party is invited only with the other
	// member's consent, and until then does not learn of the talk.
	if invited, err := s.InviteParty(as(ctx, w.ruHead), w.talk.ID, w.fr.ID, parley.StandingStakeholder); err != nil || invited {
		t.Fatalf("RU proposes FR: invited=%v %v; want a proposal awaiting US", invited, err)
	}
	if _, err := s.InviteParty(as(ctx, w.ruHead), w.talk.ID, w.fr.ID, parley.StandingMember); code(err) != parley.ECONFLICT {
		t.Errorf("second invitation: %v, want conflict", err)
	}
	if _, err := s.InviteParty(as(ctx, w.saHead), w.talk.ID, w.fr.ID, parley.StandingMember); code(err) != parley.EFORBIDDEN {
		t.Errorf("observer inviting: %v, want forbidden", err)
	}
	if _, err := s.FindTalkByID(as(ctx, w.frHead), w.talk.ID); code(err) != parley.ENOTFOUND {
		t.Errorf("a proposed party sees the talk: %v, want not_found", err)
	}
	if _, err := s.ConsentInvitation(as(ctx, w.ruHead), w.talk.ID, w.fr.ID); code(err) != parley.ECONFLICT {
		t.Errorf("the proposer consents again: %v, want conflict", err)
	}
	if invited, err := s.ConsentInvitation(as(ctx, w.usHead), w.talk.ID, w.fr.ID); err != nil || !invited {
		t.Fatalf("US consents: invited=%v %v", invited, err)
	}
	if seen, err := s.FindTalkByID(as(ctx, w.frHead), w.talk.ID); err != nil || seen.Title != w.talk.Title || seen.Description != "" || len(seen.Parties) != 1 {
		t.Errorf("invited party sees %+v, %v; want the title alone", seen, err)
	}
	if _, err := s.ListEvents(as(ctx, w.frHead), w.talk.ID, 0, 10); code(err) != parley.ENOTFOUND {
		t.Errorf("invited party reads the history before accepting: %v, want not_found", err)
	}
	if _, err := s.AppendEvent(as(ctx, w.frHead), w.talk.ID, parley.EventInput{Type: "note"}); code(err) != parley.ENOTFOUND {
		t.Errorf("append before accepting: %v, want not_found (the talk is not theirs to see yet)", err)
	}
	if err := s.AcceptInvitation(as(ctx, w.frHead), w.talk.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.AcceptInvitation(as(ctx, w.frHead), w.talk.ID); code(err) != parley.ECONFLICT {
		t.Errorf("accepting twice: %v, want conflict", err)
	}
	// Acting.
	for _, tt := range []struct {
		name string
		u    *parley.User
		code string
	}{
		{"negotiator", w.usNeg, ""}, {"mediator", w.mediator, ""}, {"stakeholder head", w.uaHead, ""},
		{"delegation observer", w.usObs, parley.EFORBIDDEN}, {"observer party", w.saHead, parley.EFORBIDDEN},
		{"admin", w.admin, parley.EFORBIDDEN},
	} {
		_, err := s.AppendEvent(as(ctx, tt.u), w.talk.ID, parley.EventInput{Type: "statement", Payload: json.RawMessage(`{"text":"hi"}`)})
		if code(err) != tt.code {
			t.Errorf("%s appending: %v, want %q", tt.name, err, tt.code)
		}
	}
	if _, err := s.AppendEvent(as(ctx, w.usNeg), w.talk.ID, parley.EventInput{Type: "note", PrivateTo: w.ru.ID}); code(err) != parley.EINVALID {
		t.Errorf("private to another party: %v, want invalid", err)
	}
	if _, err := s.AppendEvent(as(ctx, w.usNeg), w.talk.ID, parley.EventInput{Type: "note", Payload: json.RawMessage(`{`)}); code(err) != parley.EINVALID {
		t.Errorf("bad JSON: %v, want invalid", err)
	}
	// Reserved types come only from the services that enforce their rules
	// (issue 9, item 1): a negotiator cannot write "the statement is
	// adopted" into the record.
	for _, typ := range []string{"statement.adopted", "irritant.moved", "signoff", "talk.created", "round.concluded", "negotiation.agreed", "checkpoint", "notes"} {
		_, err := s.AppendEvent(as(ctx, w.usNeg), w.talk.ID, parley.EventInput{Type: typ, Payload: json.RawMessage(`{"statement_id":1}`)})
		if code(err) != parley.EINVALID || !strings.Contains(parley.ErrorMessage(err), "type") {
			t.Errorf("type %q through the generic append: %v, want invalid naming the type", typ, err)
		}
	}
	for _, typ := range []string{"note", "note.minutes", "statement"} {
		if _, err := s.AppendEvent(as(ctx, w.usNeg), w.talk.ID, parley.EventInput{Type: typ, Payload: json.RawMessage(`{"text":"free"}`)}); err != nil {
			t.Errorf("free-form type %q: %v", typ, err)
		}
	}
}

func testRecord(t *testing.T, s Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	secret := `{"reservation": 0.35, "red_line": "no troops"}`
	priv, err := s.AppendEvent(as(ctx, w.usNeg), w.talk.ID, parley.EventInput{Type: "note", PrivateTo: w.us.ID, Payload: json.RawMessage(secret)})
	must(t, err)
	// The private note opens the US private chain, signed by the US key.
	if priv.Seq != 1 || priv.PrivateTo != w.us.ID || len(priv.Signature) == 0 {
		t.Errorf("private note: seq %d, private to %d, signature %d bytes; want 1, US and signed", priv.Seq, priv.PrivateTo, len(priv.Signature))
	}
	_, err = s.AppendEvent(as(ctx, w.mediator), w.talk.ID, parley.EventInput{Type: "statement", Payload: json.RawMessage(`{"text":"<b>welcome</b> & hello"}`)})
	must(t, err)
	for _, tt := range []struct {
		name string
		u    *parley.User
	}{{"same party", w.usObs}, {"other member", w.ruHead}, {"mediator", w.mediator}, {"admin", w.admin}, {"stakeholder", w.uaHead}} {
		r, err := s.Record(as(ctx, tt.u), w.talk.ID)
		must(t, err)
		if len(r.Events) != 6 {
			t.Fatalf("%s: %d events, want 6: the private note stays out of the shared chain", tt.name, len(r.Events))
		}
		if strings.Contains(string(mustJSON(t, r)), "private_to") {
			t.Errorf("%s: the record names a private event", tt.name)
		}
		verifyPinned(t, s, r)
		es, err := s.ListEvents(as(ctx, tt.u), w.talk.ID, 5, 10)
		must(t, err)
		if len(es) != 1 || es[0].Seq != 6 || es[0].Type != "statement" {
			t.Errorf("%s: ListEvents after 5 = %d events, want only the mediator's statement", tt.name, len(es))
		}
		tk, err := s.FindTalkByID(as(ctx, tt.u), w.talk.ID)
		must(t, err)
		if tk.LastSeq != 6 {
			t.Errorf("%s: talk's last seq %d, want 6: private events are not counted", tt.name, tk.LastSeq)
		}
	}
	if _, err := s.Record(as(ctx, w.frHead), w.talk.ID); code(err) != parley.ENOTFOUND {
		t.Errorf("outsider Record: %v, want not_found", err)
	}
	if _, err := s.ListEvents(as(ctx, w.frHead), w.talk.ID, 0, 10); code(err) != parley.ENOTFOUND {
		t.Errorf("outsider ListEvents: %v, want not_found", err)
	}
}

func roundTrip(tb testing.TB, r *parley.Record) *parley.Record {
	tb.Helper()
	b, err := json.Marshal(r)
	must(tb, err)
	var got parley.Record
	must(tb, json.Unmarshal(b, &got))
	return &got
}

func testConcurrentAppends(t *testing.T, s Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	const writers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := w.usNeg
			if i%2 == 1 {
				u = w.ruHead
			}
			for j := range each {
				_, err := s.AppendEvent(as(ctx, u), w.talk.ID, parley.EventInput{Type: "statement", Payload: json.RawMessage(fmt.Sprintf(`{"n":%d}`, j))})
				errs <- err
			}
		}()
	}
	// Refused appends mixed in must not disturb the others (stores that
	// commit appends in groups must isolate each one).
	refused := make(chan error, 2*each)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range each {
			_, err := s.AppendEvent(as(ctx, w.saHead), w.talk.ID, parley.EventInput{Type: "statement"})
			refused <- err
			_, err = s.AppendEvent(as(ctx, w.usNeg), w.talk.ID, parley.EventInput{Type: "note", PrivateTo: w.ru.ID})
			refused <- err
		}
	}()
	wg.Wait()
	close(errs)
	close(refused)
	for err := range errs {
		must(t, err)
	}
	for err := range refused {
		if c := code(err); c != parley.EFORBIDDEN && c != parley.EINVALID {
			t.Errorf("refused append: %v, want forbidden or invalid", err)
		}
	}
	r, err := s.Record(as(ctx, w.admin), w.talk.ID)
	must(t, err)
	if len(r.Events) != 5+writers*each {
		t.Fatalf("%d events, want %d", len(r.Events), 5+writers*each)
	}
	verifyPinned(t, s, r)
}

func testCredentials(t *testing.T, s Store) {
	ctx := t.Context()
	u := &parley.User{Name: "u"}
	must(t, s.CreateUser(ctx, u))
	live := &parley.Credential{UserID: u.ID, Kind: parley.CredentialToken, Name: "ci", Hash: []byte("hash-1")}
	must(t, s.CreateCredential(ctx, live))
	expired := &parley.Credential{UserID: u.ID, Kind: parley.CredentialSession, Hash: []byte("hash-2"), ExpiresAt: time.Now().Add(-time.Minute)}
	must(t, s.CreateCredential(ctx, expired))
	if c, err := s.FindCredential(ctx, []byte("hash-1")); err != nil || c.ID != live.ID || c.Name != "ci" {
		t.Errorf("FindCredential = %+v, %v", c, err)
	}
	if _, err := s.FindCredential(ctx, []byte("hash-2")); code(err) != parley.ENOTFOUND {
		t.Errorf("expired credential: %v, want not_found", err)
	}
	if c, cu, err := s.FindCredentialUser(ctx, []byte("hash-1")); err != nil || c.ID != live.ID || c.Kind != parley.CredentialToken || cu.ID != u.ID || cu.Name != "u" {
		t.Errorf("FindCredentialUser = %+v, %+v, %v; want token %d of user %d", c, cu, err, live.ID, u.ID)
	}
	if _, _, err := s.FindCredentialUser(ctx, []byte("hash-2")); code(err) != parley.ENOTFOUND {
		t.Errorf("FindCredentialUser, expired credential: %v, want not_found", err)
	}
	cs, err := s.ListCredentials(ctx, u.ID, parley.CredentialToken)
	must(t, err)
	if len(cs) != 1 {
		t.Errorf("ListCredentials = %d, want 1", len(cs))
	}
	if err := s.DeleteCredential(ctx, u.ID+1, live.ID); code(err) != parley.ENOTFOUND {
		t.Errorf("deleting another user's token: %v, want not_found", err)
	}
	must(t, s.DeleteCredential(ctx, u.ID, live.ID))
	if _, err := s.FindCredential(ctx, []byte("hash-1")); code(err) != parley.ENOTFOUND {
		t.Errorf("revoked token: %v, want not_found", err)
	}
	if _, _, err := s.FindCredentialUser(ctx, []byte("hash-1")); code(err) != parley.ENOTFOUND {
		t.Errorf("FindCredentialUser, revoked token: %v, want not_found", err)
	}
}

func testSignOff(t *testing.T, s Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	stmt, err := s.AppendEvent(as(ctx, w.mediator), w.talk.ID, parley.EventInput{Type: "statement", Payload: json.RawMessage(`{"text":"joint statement v1"}`)})
	must(t, err)
	// Signing off is the head's act: a negotiator cannot sign for the party
	// (issue 9, item 2).
	if _, err := s.SignOff(as(ctx, w.usNeg), w.talk.ID, stmt.Seq, nil); code(err) != parley.EFORBIDDEN {
		t.Errorf("a negotiator signing off: %v, want forbidden", err)
	}
	// The US key is server-held: the server signs.
	if _, err := s.SignOff(as(ctx, w.usHead), w.talk.ID, stmt.Seq, []byte("x")); code(err) != parley.EINVALID {
		t.Errorf("sending a signature for a server-held key: %v, want invalid", err)
	}
	_, err = s.SignOff(as(ctx, w.usHead), w.talk.ID, stmt.Seq, nil)
	must(t, err)
	// Russia holds its own key: the server stores only the public half.
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	must(t, err)
	must(t, s.SetPartyKey(ctx, &parley.PartyKey{PartyID: w.ru.ID, Public: pub}))
	unsigned, err := s.AppendEvent(as(ctx, w.ruHead), w.talk.ID, parley.EventInput{Type: "statement", Payload: json.RawMessage(`{"text":"agreed"}`)})
	must(t, err)
	if len(unsigned.Signature) != 0 {
		t.Error("the server signed for a party that holds its own key")
	}
	msg, _ := hex.DecodeString(stmt.Hash)
	if _, err := s.SignOff(as(ctx, w.ruHead), w.talk.ID, stmt.Seq, ed25519.Sign(priv, []byte("other"))); code(err) != parley.EINVALID {
		t.Errorf("a signature over something else: %v, want invalid", err)
	}
	// No signature from a party that holds its own key: the error says what
	// to sign, and how.
	if _, err := s.SignOff(as(ctx, w.ruHead), w.talk.ID, stmt.Seq, nil); code(err) != parley.EINVALID || !strings.Contains(parley.ErrorMessage(err), "sign the hash of event "+strconv.FormatInt(stmt.Seq, 10)+" ("+stmt.Hash+")") {
		t.Errorf("no signature from a party holding its own key: %v, want invalid, naming the hash to sign", err)
	}
	_, err = s.SignOff(as(ctx, w.ruHead), w.talk.ID, stmt.Seq, ed25519.Sign(priv, msg))
	must(t, err)
	for _, tt := range []struct {
		name string
		u    *parley.User
		seq  int64
		code string
	}{
		{"observer party", w.saHead, stmt.Seq, parley.EFORBIDDEN},
		{"mediator", w.mediator, stmt.Seq, parley.EFORBIDDEN},
		{"outsider", w.frHead, stmt.Seq, parley.ENOTFOUND},
		{"missing event", w.usHead, 999, parley.ENOTFOUND},
		{"negotiator", w.usNeg, stmt.Seq, parley.EFORBIDDEN},
	} {
		if _, err := s.SignOff(as(ctx, tt.u), w.talk.ID, tt.seq, nil); code(err) != tt.code {
			t.Errorf("%s signing off: %v, want %s", tt.name, err, tt.code)
		}
	}
	// A sign-off written directly, or with a payload verify would reject,
	// never reaches the chain.
	msgUS, _ := hex.DecodeString(stmt.Hash)
	for name, in := range map[string]parley.EventInput{
		"through the generic append": {Type: parley.EventSignOff, Payload: mustJSON(t, parley.SignOff{Seq: stmt.Seq, Hash: stmt.Hash, Signature: ed25519.Sign(priv, msgUS)})},
	} {
		if _, err := s.AppendEvent(as(ctx, w.ruHead), w.talk.ID, in); code(err) != parley.EINVALID {
			t.Errorf("sign-off %s: %v, want invalid", name, err)
		}
	}
	r, err := s.Record(as(ctx, w.uaHead), w.talk.ID)
	must(t, err)
	verifyPinned(t, s, r)
	held := map[int64]bool{}
	for _, k := range r.Keys {
		held[k.PartyID] = k.ServerHeld
	}
	if !held[w.us.ID] || held[w.ru.ID] {
		t.Errorf("server_held = %v; want true for US and false for RU", held)
	}
}
