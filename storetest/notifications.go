package storetest

import (
	"strings"
	"testing"
	"time"

	"parley"
)

// testNotifications checks who hears of consultation events: everyone else
// in the talk for shared ones, the author's own party alone for an internal
// comment, and never the actor; with unread counts and an e-mail outbox.
func testNotifications(t *testing.T, s Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	i := &parley.Irritant{TalkID: w.talk.ID, Title: "Direct flights", Toward: []int64{w.ru.ID}}
	must(t, s.RaiseIrritant(as(ctx, w.usHead), i))
	const secret = "our airline lobby insists"
	must(t, s.CommentOnIrritant(as(ctx, w.usHead), &parley.IrritantComment{IrritantID: i.ID, Text: "Internal: " + secret, PrivateTo: w.us.ID}))
	count := func(u *parley.User) int {
		n, err := s.UnreadCount(as(ctx, u))
		must(t, err)
		return n
	}
	for _, tt := range []struct {
		name   string
		u      *parley.User
		unread int
		secret bool
	}{
		{"actor", w.usHead, 0, false},
		{"same party", w.usNeg, 2, true},
		{"delegation observer", w.usObs, 2, true},
		{"other party", w.ruHead, 1, false},
		{"observer party", w.saHead, 1, false},
		{"stakeholder", w.uaHead, 1, false},
		{"mediator", w.mediator, 1, false},
		{"outsider", w.frHead, 0, false},
		{"admin", w.admin, 0, false},
	} {
		if got := count(tt.u); got != tt.unread {
			t.Errorf("%s: %d unread, want %d", tt.name, got, tt.unread)
		}
		ns, err := s.Notifications(as(ctx, tt.u), false, 50)
		must(t, err)
		all := ""
		for _, n := range ns {
			all += n.Text + "\n"
		}
		if strings.Contains(all, secret) != tt.secret {
			t.Errorf("%s: notification carries the internal comment: %v, want %v\n%s", tt.name, !tt.secret, tt.secret, all)
		}
		if tt.unread > 0 && (!strings.Contains(all, "raised “") || ns[len(ns)-1].Link != "/irritants/1") {
			t.Errorf("%s: notifications %q", tt.name, all)
		}
	}
	ns, err := s.Notifications(as(ctx, w.usNeg), true, 50)
	must(t, err)
	must(t, s.MarkRead(as(ctx, w.usNeg), []int64{ns[0].ID}))
	if got := count(w.usNeg); got != 1 {
		t.Errorf("after marking one read: %d unread, want 1", got)
	}
	must(t, s.MarkRead(as(ctx, w.ruHead), []int64{ns[1].ID})) // another user's: no effect
	if got := count(w.usNeg); got != 1 {
		t.Errorf("another user marked my notification read")
	}
	must(t, s.MarkRead(as(ctx, w.usNeg), nil))
	if got := count(w.usNeg); got != 0 {
		t.Errorf("after marking all read: %d unread", got)
	}
	out, err := s.Outbox(ctx, false, 100)
	must(t, err)
	if addressed, err := s.Outbox(ctx, true, 100); err != nil || len(addressed) != 0 {
		t.Errorf("Outbox(addressed) = %d, %v; nobody has an address yet", len(addressed), err)
	}
	if err := s.SetEmailAddress(as(ctx, w.ruHead), "not an address"); code(err) != parley.EINVALID {
		t.Errorf("bad address: %v, want invalid", err)
	}
	must(t, s.SetEmailAddress(as(ctx, w.ruHead), "ru-head@example.org"))
	if a, err := s.EmailAddress(as(ctx, w.ruHead)); err != nil || a != "ru-head@example.org" {
		t.Errorf("EmailAddress = %q, %v", a, err)
	}
	addressed, err := s.Outbox(ctx, true, 100)
	must(t, err)
	if len(addressed) != 1 || addressed[0].To != "ru-head@example.org" || addressed[0].UserID != w.ruHead.ID {
		t.Fatalf("addressed outbox %+v", addressed)
	}
	must(t, s.MarkSent(ctx, []int64{addressed[0].ID}))
	if left, _ := s.Outbox(ctx, false, 100); len(left) != len(out)-1 {
		t.Errorf("after sending one: %d unsent, want %d", len(left), len(out)-1)
	}
	for _, m := range out {
		if strings.Contains(m.Subject+m.Body, secret) {
			t.Errorf("the e-mail outbox carries the internal comment: %+v", m)
		}
	}
	if len(out) != 6 { // the raising, to everyone else of the talk
		t.Errorf("%d e-mails in the outbox, want 6", len(out))
	}
}

// testReminders checks that due irritants and follow-ups remind their
// parties once, and that resolved or distant ones do not.
func testReminders(t *testing.T, s Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	now := time.Date(2025, 3, 28, 8, 0, 0, 0, time.UTC)
	due := &parley.Irritant{TalkID: w.talk.ID, Title: "Visas", Toward: []int64{w.ru.ID}, Due: "2025-03-30"}
	later := &parley.Irritant{TalkID: w.talk.ID, Title: "Flights", Toward: []int64{w.ru.ID}, Due: "2025-06-30"}
	for _, i := range []*parley.Irritant{due, later} {
		must(t, s.RaiseIrritant(as(ctx, w.usHead), i))
	}
	must(t, s.MarkRead(as(ctx, w.ruHead), nil))
	n, err := s.SendReminders(ctx, now)
	must(t, err)
	// US: head, negotiator, observer; RU: head.
	if n != 4 {
		t.Errorf("SendReminders made %d notifications, want 4", n)
	}
	if n, err := s.SendReminders(ctx, now.Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("second run: %d, %v; want nothing new", n, err)
	}
	ns, err := s.Notifications(as(ctx, w.ruHead), true, 10)
	must(t, err)
	if len(ns) != 1 || !strings.Contains(ns[0].Text, "Visas") || ns[0].Type != "reminder" {
		t.Errorf("RU reminders %+v", ns)
	}
	// The two raisings, folded into one notice, and no reminder.
	if ns, _ := s.Notifications(as(ctx, w.saHead), true, 10); len(ns) != 1 || ns[0].Type != "irritant.raised" || !strings.Contains(ns[0].Text, "1 more") {
		t.Errorf("the observer party got %+v, want only the two raisings, folded", ns)
	}
}
