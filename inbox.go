package parley

import "context"

// IrritantInbox finds the irritants of a talk that wait on the user's party:
// the user's inbox reads it for every talk the user takes part in.
type IrritantInbox interface {
	// IrritantsAwaiting returns, for talk talkID, the irritants raised
	// toward the user's party that it has not acknowledged, those whose
	// resolution another party has confirmed and the user's party has not,
	// and the open ones the user's party is a party to that are past their
	// due date (today is a date, YYYY-MM-DD): at most limit of each, oldest
	// first, with how many there are of each, counted up to InboxCountCap
	// (a count of InboxCountCap means that many or more). A user without a party gets
	// an empty wait. ENOTFOUND for a talk the user may not see.
	IrritantsAwaiting(ctx context.Context, talkID int64, today string, limit int) (*IrritantWait, error)
}

// InboxCountCap is how far IrritantsAwaiting counts.
const InboxCountCap = 100

// IrritantWait is what of one talk's irritants waits on a party.
type IrritantWait struct {
	Acknowledge, Confirm, Overdue                []IrritantRef
	AcknowledgeCount, ConfirmCount, OverdueCount int
}

// IrritantRef names an irritant for a list.
type IrritantRef struct {
	ID       int64          `json:"id"`
	TalkID   int64          `json:"talk_id"`
	Title    string         `json:"title"`
	Priority string         `json:"priority"`
	Due      string         `json:"due,omitempty"`
	Status   IrritantStatus `json:"status"`
}
