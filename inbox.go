package parley

import "context"

// IrritantInbox finds the irritants that wait on the user's party, in the
// talks of the user's inbox.
type IrritantInbox interface {
	// IrritantsAwaiting returns, for each of talkIDs, the irritants raised
	// toward the user's party that it has not acknowledged, those whose
	// resolution another party has confirmed and the user's party has not,
	// and the open ones the user's party is a party to that are past their
	// due date (today is a date, YYYY-MM-DD): at most limit of each, oldest
	// (or longest overdue) first, with how many there are of each, counted
	// up to InboxCountCap (a count of InboxCountCap means that many or
	// more). A user without a party gets empty waits. ENOTFOUND for a talk
	// the user may not see.
	IrritantsAwaiting(ctx context.Context, talkIDs []int64, today string, limit int) (map[int64]*IrritantWait, error)
}

// Inbox reads at once what the inbox needs of the user's talks, so that an
// inbox costs a few queries however many talks the user takes part in.
type Inbox interface {
	IrritantInbox
	// InboxLists returns, for each of talkIDs, the talk's statements,
	// rounds and negotiations as FindStatements, FindRounds and
	// FindNegotiations return them to the user. ENOTFOUND for a talk the
	// user may not see.
	InboxLists(ctx context.Context, talkIDs []int64) (map[int64]*TalkLists, error)
}

// TalkLists is what the inbox reads of one talk besides its irritants. A
// new kind of inbox entry that needs more of a talk adds it here, read for
// every talk at once.
type TalkLists struct {
	Statements   []*Statement
	Rounds       []*Round
	Negotiations []*Negotiation
}

// InboxCountCap is how far IrritantsAwaiting counts.
const InboxCountCap = 50

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
