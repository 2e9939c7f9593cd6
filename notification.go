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

// Summary renders a consultation event as one line a person reads, and
// whether it is one; it is what notifications and activity feeds show.
func Summary(e *Event) (string, bool) {
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
	}
	if e.Payload == nil || json.Unmarshal(e.Payload, &p) != nil {
		return "", false
	}
	var b strings.Builder
	switch e.Type {
	case "irritant.raised":
		fmt.Fprintf(&b, "raised irritant #%d “%s”", p.IrritantID, p.Title)
	case "irritant.moved":
		fmt.Fprintf(&b, "moved irritant #%d from %s to %s", p.IrritantID, p.From.Label(), IrritantStatus(p.To).Label())
		if p.EscalatedTo != "" {
			fmt.Fprintf(&b, " (to %s)", p.EscalatedTo)
		}
	case "irritant.confirmed":
		fmt.Fprintf(&b, "confirmed irritant #%d is resolved", p.IrritantID)
		if len(p.Awaiting) > 0 {
			fmt.Fprintf(&b, "; awaiting %d more", len(p.Awaiting))
		}
	case "irritant.commented":
		kind := p.Kind
		if kind == "" {
			kind = "comment"
		}
		fmt.Fprintf(&b, "%s on irritant #%d: %s", kind, p.IrritantID, p.Text)
	case "round.planned":
		fmt.Fprintf(&b, "planned the round “%s”", p.Title)
	case "round.started":
		fmt.Fprintf(&b, "started the round “%s”", p.Title)
	case "round.agenda":
		fmt.Fprintf(&b, "changed the agenda of “%s”", p.Title)
	case "round.minutes":
		fmt.Fprintf(&b, "recorded minutes in round #%d", p.RoundID)
	case "round.concluded":
		fmt.Fprintf(&b, "concluded the round “%s”; its minutes are in the record", p.Title)
	case "statement.version":
		fmt.Fprintf(&b, "saved version %d of “%s”", p.Version, p.Title)
	case "statement.marked":
		fmt.Fprintf(&b, "marked version %d of statement #%d: %s", p.Version, p.StatementID, strings.ReplaceAll(p.Mark, "_", " "))
	case "statement.adopted":
		fmt.Fprintf(&b, "“%s” is adopted in version %d", p.Title, p.Version)
	case "statement.consented":
		fmt.Fprintf(&b, "consented to version %d of statement #%d", p.Version, p.StatementID)
	case "statement.objected":
		fmt.Fprintf(&b, "objected to version %d of statement #%d", p.Version, p.StatementID)
	case "statement.commented":
		fmt.Fprintf(&b, "commented on ¶ %d of statement #%d: %s", p.Paragraph+1, p.StatementID, p.Text)
	case "negotiation.opened":
		fmt.Fprintf(&b, "opened the negotiation “%s”", p.Title)
	case "negotiation.issues":
		fmt.Fprintf(&b, "redrafted the issues of “%s”", p.Title)
	case "negotiation.frozen":
		fmt.Fprintf(&b, "froze the issues of “%s”: parties may now enter their confidential preferences", p.Title)
	case "negotiation.preferences":
		fmt.Fprintf(&b, "saved version %d of your party's confidential preferences (negotiation #%d)", p.Version, p.Negotiation)
	case "negotiation.submitted":
		what := "profile"
		if p.RedLines {
			what = "red lines"
		}
		fmt.Fprintf(&b, "submitted its confidential %s for “%s” (only a commitment is in the record)", what, p.Title)
	case "negotiation.mediating":
		fmt.Fprintf(&b, "“%s” is in mediation: every member has submitted its profile", p.Title)
	case "negotiation.text":
		what := "the single negotiating text"
		if p.Source == "improvement" {
			what = "an improvement of the agreement"
		}
		fmt.Fprintf(&b, "proposed version %d of “%s”: %s", p.Version, p.Title, what)
	case "negotiation.marked":
		fmt.Fprintf(&b, "marked version %d of “%s”: %s", p.Version, p.Title, MarkLabel(p.Mark))
	case "negotiation.agreed":
		fmt.Fprintf(&b, "“%s” is agreed in version %d", p.Title, p.Version)
	case "negotiation.improved":
		fmt.Fprintf(&b, "every member accepted version %d of “%s”: it replaces the agreement", p.Version, p.Title)
	case "negotiation.improvement_declined":
		fmt.Fprintf(&b, "the improvement of “%s” was declined; the agreement in version %d stands", p.Title, p.Agreed)
	case "negotiation.closed":
		fmt.Fprintf(&b, "closed “%s” without agreement", p.Title)
	case "negotiation.statement":
		fmt.Fprintf(&b, "drafted joint statement #%d from the agreement on “%s”", p.StatementID, p.Title)
	case "negotiation.disclosure":
		fmt.Fprintf(&b, "consented to disclose its profile in “%s”", p.Title)
	case "negotiation.disclosed":
		fmt.Fprintf(&b, "every member consented: the analysis of “%s” is disclosed to the members", p.Title)
	default:
		return "", false
	}
	if p.Reason != "" {
		fmt.Fprintf(&b, " — %s", p.Reason)
	}
	return b.String(), true
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
