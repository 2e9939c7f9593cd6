package parley

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Notification tells one user about an event of a talk they take part in.
// It is made in the same transaction as the event, only for users who may
// read the event's payload, so an internal comment notifies its own party
// alone.
type Notification struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"user_id"`
	TalkID    int64     `json:"talk_id"`
	Seq       int64     `json:"seq"`
	Type      string    `json:"type"`
	Text      string    `json:"text"`
	Link      string    `json:"link"`
	CreatedAt time.Time `json:"created_at"`
	ReadAt    time.Time `json:"read_at,omitzero"`
}

// Email is a message in the outbox: sent through SMTP when it is
// configured, and kept here either way.
type Email struct {
	ID     int64 `json:"id"`
	UserID int64 `json:"user_id"`
	// To is the user's address, "" while they have given none.
	To        string    `json:"to"`
	Subject   string    `json:"subject"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
	SentAt    time.Time `json:"sent_at,omitzero"`
}

// NotificationService reads and clears the signed-in user's notifications.
type NotificationService interface {
	// Notifications returns the user's latest notifications, newest first,
	// only unread ones when unread is set. EUNAUTHORIZED.
	Notifications(ctx context.Context, unread bool, limit int) ([]*Notification, error)
	// UnreadCount returns how many of the user's notifications are unread. EUNAUTHORIZED.
	UnreadCount(ctx context.Context) (int, error)
	// MarkRead marks the user's notifications with these ids read, or all
	// of them when ids is empty. EUNAUTHORIZED.
	MarkRead(ctx context.Context, ids []int64) error
	// Outbox returns e-mail messages not yet sent, oldest first, for a
	// sender; only messages to users with an address when addressed is set.
	Outbox(ctx context.Context, addressed bool, limit int) ([]*Email, error)
	// MarkSent records that the messages with these ids were sent.
	MarkSent(ctx context.Context, ids []int64) error
	// SetEmailAddress sets the address the user's notices are mailed to; ""
	// removes it. EUNAUTHORIZED, EINVALID.
	SetEmailAddress(ctx context.Context, addr string) error
	// EmailAddress returns the user's address, or "". EUNAUTHORIZED.
	EmailAddress(ctx context.Context) (string, error)
}

// emailed are the event types worth an e-mail as well as an in-app notice.
var emailed = map[string]bool{"irritant.raised": true, "irritant.moved": true, "round.concluded": true, "statement.version": true, "statement.adopted": true}

// Emailed reports whether events of type typ are also sent by e-mail.
func Emailed(typ string) bool { return emailed[typ] }

// Line is an event as a person reads it, after the name of who acted:
// Before, then Subject — the title of what the event is about, which a page
// links — then After. Subject is "" when the payload does not carry the
// title (events older than the titles in payloads); a reader names it.
type Line struct {
	Before, Subject, After string
	// Noun names the subject when its title is unknown ("an irritant").
	Noun string
	// Awaiting are the parties still awaited (to confirm, approve,
	// conclude); Reset those whose approval of minutes a change undid.
	Awaiting, Reset []int64
	// Reason is the reason given for the act, if any.
	Reason string
}

// String is the line as plain text, the subject in quotes.
func (l Line) String() string {
	subject := l.Noun
	if l.Subject != "" {
		subject = "“" + l.Subject + "”"
	}
	return l.Before + subject + l.After + l.Tail(func(ids []int64, one, many string) string { return plural(len(ids), one, many) })
}

// Tail is what follows the subject's sentence: who is awaited, whose
// approval was reset, and the reason; name says a list of parties.
func (l Line) Tail(name func(ids []int64, one, many string) string) string {
	var b strings.Builder
	if len(l.Awaiting) > 0 {
		b.WriteString("; awaiting " + name(l.Awaiting, "party", "parties"))
	}
	if len(l.Reset) > 0 {
		b.WriteString("; the approval of the minutes by " + name(l.Reset, "delegation", "delegations") + " is reset and must be given again")
	}
	if l.Reason != "" {
		b.WriteString(" — " + l.Reason)
	}
	return b.String()
}

// Summary renders a consultation event as one line a person reads, and
// whether it is one; it is what notifications and activity feeds show.
func Summary(e *Event) (string, bool) {
	l, ok := Describe(e)
	if !ok {
		return "", false
	}
	return l.String(), true
}

// Describe renders a consultation event as a Line, and whether it is one.
// It names no party (the payload has only their ids): a reader with the
// names says who is awaited.
func Describe(e *Event) (Line, bool) {
	var p struct {
		IrritantID  int64          `json:"irritant_id"`
		RoundID     int64          `json:"round_id"`
		StatementID int64          `json:"statement_id"`
		Title       string         `json:"title"`
		From        IrritantStatus `json:"from"`
		To          string         `json:"to"`
		Reason      string         `json:"reason"`
		EscalatedTo string         `json:"escalated_to"`
		Text        string         `json:"text"`
		Kind        string         `json:"kind"`
		Awaiting    []int64        `json:"awaiting"`
		Version     int            `json:"version"`
		Mark        string         `json:"mark"`
		Paragraph   int            `json:"paragraph"`
		Negotiation int64          `json:"negotiation_id"`
		Source      string         `json:"source"`
		RedLines    bool           `json:"red_lines"`
		Agreed      int            `json:"agreed"`
		Reset       []int64        `json:"approvals_reset"`
		Item        struct {
			Title string `json:"title"`
		} `json:"item"`
	}
	if e.Payload == nil || json.Unmarshal(e.Payload, &p) != nil {
		return Line{}, false
	}
	l := Line{Subject: p.Title}
	set := func(noun, before, after string, args ...any) {
		l.Noun, l.Before, l.After = noun, before, fmt.Sprintf(after, args...)
	}
	switch e.Type {
	case "irritant.raised":
		set("an irritant", "raised ", "")
	case "irritant.moved":
		set("an irritant", "moved ", " from %s to %s", p.From.Label(), IrritantStatus(p.To).Label())
		if p.EscalatedTo != "" {
			l.After += fmt.Sprintf(" (to %s)", p.EscalatedTo)
		}
	case "irritant.confirmed":
		set("an irritant", "confirmed that ", " is resolved")
	case "irritant.commented":
		kind := p.Kind
		if kind == "" {
			kind = "comment"
		}
		set("an irritant", "wrote a "+kind+" on ", ": %s", p.Text)
	case "round.planned":
		set("a round", "planned the round ", "")
	case "round.updated":
		set("a round", "changed the title, date or place of the round ", "")
	case "round.started":
		set("a round", "started the round ", "")
	case "round.agenda":
		set("a round", "changed the agenda of ", "")
	case "round.minutes":
		set("a round", "recorded minutes in ", "")
		if p.Item.Title != "" {
			l.After = fmt.Sprintf(" on “%s”", p.Item.Title)
		}
	case "round.conclusion_requested":
		set("a round", "asked to conclude ", "")
	case "round.concluded":
		set("a round", "concluded the round ", "; its minutes are in the record")
	case "round.minutes_approved":
		set("a round", "approved the minutes of ", "")
	case "round.minutes_agreed":
		set("a round", "gave the last approval: the minutes of ", " are agreed by every attending delegation")
	case "statement.version":
		set("a statement", fmt.Sprintf("saved version %d of ", p.Version), "")
	case "statement.marked":
		set("a statement", fmt.Sprintf("marked version %d of ", p.Version), ": %s", strings.ReplaceAll(p.Mark, "_", " "))
	case "statement.adopted":
		set("a statement", "", " is adopted in version %d", p.Version)
	case "statement.consented":
		set("a statement", fmt.Sprintf("consented to version %d of ", p.Version), "")
	case "statement.objected":
		set("a statement", fmt.Sprintf("objected to version %d of ", p.Version), "")
	case "statement.commented":
		set("a statement", fmt.Sprintf("commented on paragraph %d of ", p.Paragraph+1), ": %s", p.Text)
	case "negotiation.opened":
		set("a negotiation", "opened the negotiation ", "")
	case "negotiation.issues":
		set("a negotiation", "redrafted the issues of ", "")
	case "negotiation.frozen":
		set("a negotiation", "froze the issues of ", ": parties may now enter their confidential preferences")
	case "negotiation.preferences":
		set("a negotiation", fmt.Sprintf("saved version %d of your party's confidential preferences in ", p.Version), "")
	case "negotiation.submitted":
		what := "profile"
		if p.RedLines {
			what = "red lines"
		}
		set("a negotiation", "submitted its confidential "+what+" for ", " (only a commitment is in the record)")
	case "negotiation.mediating":
		set("a negotiation", "", " is in mediation: every member has submitted its profile")
	case "negotiation.text":
		what := "the single negotiating text"
		if p.Source == "improvement" {
			what = "an improvement of the agreement"
		}
		set("a negotiation", fmt.Sprintf("proposed version %d of ", p.Version), ": %s", what)
	case "negotiation.marked":
		set("a negotiation", fmt.Sprintf("marked version %d of ", p.Version), ": %s", MarkLabel(p.Mark))
	case "negotiation.agreed":
		set("a negotiation", "", " is agreed in version %d", p.Version)
	case "negotiation.improved":
		set("a negotiation", fmt.Sprintf("saw every member accept version %d of ", p.Version), ": it replaces the agreement")
	case "negotiation.improvement_declined":
		set("a negotiation", "saw the improvement of ", " declined; the agreement in version %d stands", p.Agreed)
	case "negotiation.closed":
		set("a negotiation", "closed ", " without agreement")
	case "negotiation.statement":
		set("a negotiation", "drafted a joint statement from the agreement on ", "")
	case "negotiation.disclosure":
		set("a negotiation", "consented to disclose its profile in ", "")
	case "negotiation.disclosed":
		set("a negotiation", "saw every member consent: the analysis of ", " is disclosed to the members")
	default:
		return Line{}, false
	}
	l.Awaiting, l.Reset, l.Reason = p.Awaiting, p.Reset, p.Reason
	return l, true
}

// plural is "1 party" or "3 parties".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Link returns the page a consultation event is about, or "".
func Link(e *Event) string {
	var p struct {
		IrritantID    int64 `json:"irritant_id"`
		RoundID       int64 `json:"round_id"`
		StatementID   int64 `json:"statement_id"`
		NegotiationID int64 `json:"negotiation_id"`
	}
	json.Unmarshal(e.Payload, &p)
	switch {
	case p.NegotiationID != 0:
		return fmt.Sprintf("/negotiations/%d", p.NegotiationID)
	case p.IrritantID != 0:
		return fmt.Sprintf("/irritants/%d", p.IrritantID)
	case p.RoundID != 0:
		return fmt.Sprintf("/rounds/%d", p.RoundID)
	case p.StatementID != 0:
		return fmt.Sprintf("/joint-statements/%d", p.StatementID)
	}
	return fmt.Sprintf("/talks/%d", e.TalkID)
}

// Reminders sends due-date reminders.
type Reminders interface {
	// SendReminders notifies the delegates of the parties to every open
	// irritant, and of the owner of every follow-up, due within three days of
	// now or overdue, once per item and due date. It returns how many
	// notifications it made.
	SendReminders(ctx context.Context, now time.Time) (int, error)
}

// ReminderWindow is how far ahead of a due date reminders go out.
const ReminderWindow = 3 * 24 * time.Hour
