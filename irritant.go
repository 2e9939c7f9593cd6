package parley

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// IrritantStatus is where an irritant stands in the consultation mechanism.
type IrritantStatus string

// The statuses of an irritant. An irritant moves forward only for a reason:
// see IrritantStatus.Next for the legal moves.
const (
	IrritantRaised         IrritantStatus = "raised"
	IrritantAcknowledged   IrritantStatus = "acknowledged"
	IrritantInConsultation IrritantStatus = "in_consultation"
	IrritantResolvedInPart IrritantStatus = "resolved_in_part"
	IrritantResolved       IrritantStatus = "resolved"
	IrritantDeadlocked     IrritantStatus = "deadlocked"
	IrritantEscalated      IrritantStatus = "escalated"
	IrritantDormant        IrritantStatus = "dormant"
	IrritantArchived       IrritantStatus = "archived"
)

// IrritantStatuses lists every status in board order.
var IrritantStatuses = []IrritantStatus{
	IrritantRaised, IrritantAcknowledged, IrritantInConsultation, IrritantResolvedInPart,
	IrritantResolved, IrritantDeadlocked, IrritantEscalated, IrritantDormant, IrritantArchived,
}

// irritantMoves is the lifecycle. Resolved is reached only when every party
// to the irritant has confirmed (see Irritant.Confirm); it is listed so that
// a move to it is legal from these statuses and counts as a confirmation.
var irritantMoves = map[IrritantStatus][]IrritantStatus{
	IrritantRaised:         {IrritantAcknowledged, IrritantDormant, IrritantArchived},
	IrritantAcknowledged:   {IrritantInConsultation, IrritantDeadlocked, IrritantDormant, IrritantArchived},
	IrritantInConsultation: {IrritantResolvedInPart, IrritantResolved, IrritantDeadlocked, IrritantDormant, IrritantArchived},
	IrritantResolvedInPart: {IrritantInConsultation, IrritantResolved, IrritantDeadlocked, IrritantDormant, IrritantArchived},
	IrritantDeadlocked:     {IrritantEscalated, IrritantInConsultation, IrritantDormant, IrritantArchived},
	IrritantEscalated:      {IrritantInConsultation, IrritantDormant, IrritantArchived},
	IrritantDormant:        {IrritantInConsultation, IrritantArchived},
	IrritantResolved:       {IrritantArchived},
	IrritantArchived:       {},
}

// Valid reports whether s is one of the statuses.
func (s IrritantStatus) Valid() bool {
	_, ok := irritantMoves[s]
	return ok
}

// Next returns the statuses an irritant in s may move to.
func (s IrritantStatus) Next() []IrritantStatus { return slices.Clone(irritantMoves[s]) }

// Label is the status as a person reads it.
func (s IrritantStatus) Label() string {
	return strings.ReplaceAll(string(s), "_", " ")
}

// needsReason reports whether moving to s must say why.
func (s IrritantStatus) needsReason() bool {
	switch s {
	case IrritantDeadlocked, IrritantEscalated, IrritantDormant, IrritantArchived:
		return true
	}
	return false
}

// Irritant priorities.
var IrritantPriorities = []string{"low", "medium", "high", "urgent"}

// Irritant is a matter one party raises toward one or more other member
// parties of a talk, tracked through the consultation lifecycle.
type Irritant struct {
	ID     int64 `json:"id"`
	TalkID int64 `json:"talk_id"`
	// RaisedBy is the party that raised it; RaisedByUser the person.
	RaisedBy     int64 `json:"raised_by"`
	RaisedByUser int64 `json:"raised_by_user"`
	// Toward are the member parties it is raised toward.
	Toward      []int64 `json:"toward"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Category    string  `json:"category"`
	Priority    string  `json:"priority"`
	// Stakeholders are the parties the irritant affects.
	Stakeholders []int64 `json:"stakeholders"`
	// Due is a date, YYYY-MM-DD, or "".
	Due    string         `json:"due,omitempty"`
	Status IrritantStatus `json:"status"`
	// StatusReason is the reason given for the latest move.
	StatusReason string `json:"status_reason,omitempty"`
	// EscalatedTo names the higher-level talk or round it was escalated to.
	EscalatedTo string `json:"escalated_to,omitempty"`
	// Confirmations are the parties that have confirmed resolution.
	Confirmations []Confirmation `json:"confirmations"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
}

// Confirmation is one party's confirmation that an irritant is resolved.
type Confirmation struct {
	PartyID int64     `json:"party_id"`
	UserID  int64     `json:"user_id"`
	At      time.Time `json:"at"`
}

// Parties returns every party to the irritant: the raiser, then those it is
// raised toward.
func (i *Irritant) Parties() []int64 {
	return append([]int64{i.RaisedBy}, i.Toward...)
}

// IsParty reports whether party p is a party to the irritant.
func (i *Irritant) IsParty(p int64) bool { return p != 0 && slices.Contains(i.Parties(), p) }

// Confirmed reports whether party p has confirmed resolution.
func (i *Irritant) Confirmed(p int64) bool {
	return slices.ContainsFunc(i.Confirmations, func(c Confirmation) bool { return c.PartyID == p })
}

// AwaitingConfirmation returns the parties to the irritant that have not yet
// confirmed its resolution.
func (i *Irritant) AwaitingConfirmation() []int64 {
	var out []int64
	for _, p := range i.Parties() {
		if !i.Confirmed(p) {
			out = append(out, p)
		}
	}
	return out
}

// Validate returns an EINVALID error when i cannot be raised in talk t.
func (i *Irritant) Validate(t *Talk) error {
	if strings.TrimSpace(i.Title) == "" || utf8.RuneCountInString(i.Title) > 300 {
		return Errorf(EINVALID, "irritant title must be 1 to 300 characters")
	}
	if utf8.RuneCountInString(i.Description) > 20000 {
		return Errorf(EINVALID, "irritant description is %d characters; the limit is 20000", utf8.RuneCountInString(i.Description))
	}
	if utf8.RuneCountInString(i.Category) > 100 {
		return Errorf(EINVALID, "irritant category must be at most 100 characters")
	}
	if i.Priority == "" {
		i.Priority = "medium"
	}
	if !slices.Contains(IrritantPriorities, i.Priority) {
		return Errorf(EINVALID, "priority %q is not one of %s", i.Priority, strings.Join(IrritantPriorities, ", "))
	}
	if i.Due != "" {
		if _, err := time.Parse(time.DateOnly, i.Due); err != nil {
			return Errorf(EINVALID, "due date %q is not a date like 2026-03-31", i.Due)
		}
	}
	if len(i.Toward) == 0 {
		return Errorf(EINVALID, "name at least one member party the irritant is raised toward")
	}
	seen := map[int64]bool{}
	for _, p := range i.Toward {
		tp, ok := t.Party(p)
		if !ok || tp.Standing != StandingMember {
			return Errorf(EINVALID, "party %d is not a member of this talk; irritants are raised toward member parties", p)
		}
		if p == i.RaisedBy {
			return Errorf(EINVALID, "a party cannot raise an irritant toward itself")
		}
		if seen[p] {
			return Errorf(EINVALID, "party %d is named twice", p)
		}
		seen[p] = true
	}
	seen = map[int64]bool{}
	for _, p := range i.Stakeholders {
		if _, ok := t.Party(p); !ok {
			return Errorf(EINVALID, "affected stakeholder %d does not take part in this talk; invite it first", p)
		}
		if seen[p] {
			return Errorf(EINVALID, "affected stakeholder %d is named twice", p)
		}
		seen[p] = true
	}
	return nil
}

// CanRaiseIrritant reports whether u may raise an irritant in t: the head or a
// negotiator of a seated member delegation.
func CanRaiseIrritant(u *User, t *Talk) bool {
	if !CanActInTalk(u, t) {
		return false
	}
	p, ok := t.Party(u.PartyID)
	return ok && p.Standing == StandingMember
}

// IrritantMove is a request to move an irritant to another status.
type IrritantMove struct {
	To     IrritantStatus `json:"to"`
	Reason string         `json:"reason"`
	// EscalatedTo names the higher-level talk or round; required to escalate.
	EscalatedTo string `json:"escalated_to,omitempty"`
}

// CheckMove returns nil when u may make move m on irritant i of talk t, and
// otherwise an error a user can act on: ECONFLICT for a move the irritant's
// status does not allow (naming the legal ones), as for rounds; EINVALID for
// a malformed move; EFORBIDDEN for a move u may not make.
//
// Any party to the irritant (its head or negotiators) and the talk's
// mediators may move it, with two exceptions: only a party it is raised
// toward acknowledges it, and only parties to it confirm resolution.
func CheckMove(u *User, t *Talk, i *Irritant, m IrritantMove) error {
	if !CanActInTalk(u, t) {
		return Errorf(EFORBIDDEN, "only mediators and the heads and negotiators of seated delegations act on irritants")
	}
	if !m.To.Valid() {
		return Errorf(EINVALID, "status %q is not one of %s", m.To, statusList(IrritantStatuses))
	}
	next := irritantMoves[i.Status]
	if !slices.Contains(next, m.To) {
		if len(next) == 0 {
			return Errorf(ECONFLICT, "irritant %d is %s; it cannot move any more", i.ID, i.Status.Label())
		}
		return Errorf(ECONFLICT, "irritant %d is %s; it can move to %s, not to %s", i.ID, i.Status.Label(), statusList(next), m.To.Label())
	}
	if utf8.RuneCountInString(m.Reason) > 5000 {
		return Errorf(EINVALID, "reason is %d characters; the limit is 5000", utf8.RuneCountInString(m.Reason))
	}
	if m.To.needsReason() && strings.TrimSpace(m.Reason) == "" {
		return Errorf(EINVALID, "say why the irritant is %s", m.To.Label())
	}
	if m.To == IrritantEscalated && strings.TrimSpace(m.EscalatedTo) == "" {
		return Errorf(EINVALID, "name the higher-level talk or round the irritant is escalated to")
	}
	if m.To != IrritantEscalated && m.EscalatedTo != "" {
		return Errorf(EINVALID, "escalated_to applies only when escalating")
	}
	mediator := mediates(u, t)
	switch {
	case m.To == IrritantAcknowledged:
		if !slices.Contains(i.Toward, u.PartyID) {
			return Errorf(EFORBIDDEN, "only a party the irritant is raised toward acknowledges it")
		}
	case m.To == IrritantResolved:
		if !i.IsParty(u.PartyID) {
			return Errorf(EFORBIDDEN, "only the parties to the irritant confirm its resolution")
		}
		if i.Confirmed(u.PartyID) {
			return Errorf(ECONFLICT, "your party has already confirmed the resolution; awaiting %d other parties", len(i.AwaitingConfirmation()))
		}
	case m.To == IrritantArchived && i.Status == IrritantRaised && !mediator && u.PartyID != i.RaisedBy:
		// Otherwise the party it is raised toward could bury it unanswered.
		return Errorf(EFORBIDDEN, "an irritant not yet acknowledged is archived only by the party that raised it (withdrawing it) or a mediator; acknowledge it first")
	case !mediator && !i.IsParty(u.PartyID):
		return Errorf(EFORBIDDEN, "only the parties to the irritant and the talk's mediators move it")
	}
	return nil
}

// MovesFor returns the moves from i's status that u may make in t, whatever
// reason they would need to give.
func MovesFor(u *User, t *Talk, i *Irritant) []IrritantStatus {
	var out []IrritantStatus
	for _, to := range irritantMoves[i.Status] {
		m := IrritantMove{To: to, Reason: "any"}
		if to == IrritantEscalated {
			m.EscalatedTo = "any"
		}
		if CheckMove(u, t, i, m) == nil {
			out = append(out, to)
		}
	}
	return out
}

func statusList(ss []IrritantStatus) string {
	var parts []string
	for _, s := range ss {
		parts = append(parts, s.Label())
	}
	return strings.Join(parts, ", ")
}

// Apply makes move m on i, which CheckMove has allowed, as user u at time
// now. A move to resolved records u's party's confirmation and resolves the
// irritant only when every party has confirmed; it reports whether the
// status changed. Leaving a resolution path clears the confirmations.
func (i *Irritant) Apply(u *User, m IrritantMove, now time.Time) (moved bool) {
	if m.To == IrritantResolved {
		i.Confirmations = append(i.Confirmations, Confirmation{PartyID: u.PartyID, UserID: u.ID, At: now})
		i.UpdatedAt = now
		if len(i.AwaitingConfirmation()) > 0 {
			return false
		}
	} else if m.To != IrritantArchived {
		i.Confirmations = []Confirmation{}
	}
	i.Status, i.StatusReason, i.EscalatedTo, i.UpdatedAt = m.To, m.Reason, m.EscalatedTo, now
	return true
}

// Comment kinds.
const (
	CommentResponse = "response" // a party's answer to the irritant
	CommentComment  = "comment"  // anything else
)

// IrritantComment is a response or comment on an irritant. An internal one
// (PrivateTo set to the author's party) is for that party's delegation only.
type IrritantComment struct {
	ID         int64     `json:"id"`
	IrritantID int64     `json:"irritant_id"`
	AuthorID   int64     `json:"author_id"`
	PartyID    int64     `json:"party_id"`
	Kind       string    `json:"kind"`
	PrivateTo  int64     `json:"private_to,omitempty"`
	Text       string    `json:"text"`
	CreatedAt  time.Time `json:"created_at"`
}

// Internal reports whether c is for its party's delegation only.
func (c *IrritantComment) Internal() bool { return c.PrivateTo != 0 }

// Validate returns an EINVALID error when c cannot be stored.
func (c *IrritantComment) Validate() error {
	if c.Kind == "" {
		c.Kind = CommentComment
	}
	if c.Kind != CommentResponse && c.Kind != CommentComment {
		return Errorf(EINVALID, "kind %q is not one of response, comment", c.Kind)
	}
	if strings.TrimSpace(c.Text) == "" || utf8.RuneCountInString(c.Text) > 20000 {
		return Errorf(EINVALID, "comment text must be 1 to 20000 characters")
	}
	return nil
}

// IrritantFilter narrows a listing of a talk's irritants.
type IrritantFilter struct {
	TalkID   int64
	Status   []IrritantStatus
	Category string
	Priority string
	// Party, when not 0, keeps irritants the party raised or is raised toward.
	Party int64
	// Query keeps irritants whose title, description, category or comments
	// the viewer may read contain every word of it.
	Query string
	// Sort orders the irritants; "" is the order they were raised in.
	// AfterID pages only in that order.
	Sort IrritantSort
	// AfterID and Limit page through irritants in ID order.
	AfterID int64
	Limit   int
}

// IrritantSort is an order of irritants in a listing.
type IrritantSort string

// The orders of a listing of irritants.
const (
	SortOldest  IrritantSort = "oldest"
	SortNewest  IrritantSort = "newest"
	SortUpdated IrritantSort = "updated"
	SortTitle   IrritantSort = "title"
)

// SortOption is an order as a person chooses it.
type SortOption struct {
	Sort  IrritantSort
	Label string
}

// IrritantSorts lists the orders with how a person reads them.
var IrritantSorts = []SortOption{{SortNewest, "newest first"}, {SortOldest, "oldest first"}, {SortUpdated, "recently updated"}, {SortTitle, "title, A to Z"}}

// Valid reports whether s is one of the orders or "".
func (s IrritantSort) Valid() bool {
	return s == "" || slices.ContainsFunc(IrritantSorts, func(x SortOption) bool { return x.Sort == s })
}

// IrritantService tracks irritants. Every method acts as the user in ctx and
// applies the visibility rule: an irritant in a talk the user may not see is
// ENOTFOUND, and internal comments reach only their own party.
type IrritantService interface {
	// RaiseIrritant stores i, raised by the user's party, and records an
	// "irritant.raised" event. ENOTFOUND, EFORBIDDEN unless the user may
	// raise irritants in the talk (see CanRaiseIrritant), EINVALID.
	RaiseIrritant(ctx context.Context, i *Irritant) error
	// FindIrritantByID returns ENOTFOUND when there is no irritant the user may see.
	FindIrritantByID(ctx context.Context, id int64) (*Irritant, error)
	// FindIrritants returns a talk's irritants matching f, in f's order.
	// ENOTFOUND for an unseen talk; EINVALID for an unknown order, or
	// AfterID with an order other than the default.
	FindIrritants(ctx context.Context, f IrritantFilter) ([]*Irritant, error)
	// CountIrritants returns how many irritants of the talk are in each status. ENOTFOUND.
	CountIrritants(ctx context.Context, talkID int64) (map[IrritantStatus]int, error)
	// MoveIrritant applies m (see CheckMove) and records it: an
	// "irritant.moved" event, or an "irritant.confirmed" event for a
	// confirmation (followed by "irritant.moved" when it is the last one).
	// ENOTFOUND, EFORBIDDEN, EINVALID, ECONFLICT.
	MoveIrritant(ctx context.Context, id int64, m IrritantMove) (*Irritant, error)
	// CommentOnIrritant stores c, by the user, and records an
	// "irritant.commented" event private to the user's party when c is
	// internal. ENOTFOUND, EFORBIDDEN unless the user may act in the talk,
	// EINVALID (also for an internal comment by a user without a party).
	CommentOnIrritant(ctx context.Context, c *IrritantComment) error
	// IrritantComments returns the comments on an irritant the user may read, oldest first. ENOTFOUND.
	IrritantComments(ctx context.Context, id int64) ([]*IrritantComment, error)
	// CommentsOnIrritants returns, by irritant, the comments the user may
	// read on those of ids that are in talk talkID, oldest first: one read
	// for a page of irritants. ENOTFOUND for an unseen talk.
	CommentsOnIrritants(ctx context.Context, talkID int64, ids []int64) (map[int64][]*IrritantComment, error)
	// IrritantTimeline returns the record events about an irritant, as the user may see them. ENOTFOUND.
	IrritantTimeline(ctx context.Context, id int64) ([]*Event, error)
}
