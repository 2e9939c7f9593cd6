package parley

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// RoundStatus is where a round of talks stands.
type RoundStatus string

// A round is planned, then in progress, then concluded; a concluded round
// is read-only.
const (
	RoundPlanned    RoundStatus = "planned"
	RoundInProgress RoundStatus = "in_progress"
	RoundConcluded  RoundStatus = "concluded"
)

// Next returns the status a round in s moves to, or "" when it is concluded.
func (s RoundStatus) Next() RoundStatus {
	switch s {
	case RoundPlanned:
		return RoundInProgress
	case RoundInProgress:
		return RoundConcluded
	}
	return ""
}

// Outcome is what an agenda item came to.
type Outcome string

// The outcomes of an agenda item; "" while open.
const (
	OutcomeAgreed   Outcome = "agreed"
	OutcomeNoted    Outcome = "noted"
	OutcomeFollowUp Outcome = "follow_up"
)

// Round is a meeting of a talk's delegations.
type Round struct {
	ID       int64     `json:"id"`
	TalkID   int64     `json:"talk_id"`
	Title    string    `json:"title"`
	Venue    string    `json:"venue"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
	// Host is the hosting party, which may be an observer of the talk; 0 for none.
	Host int64 `json:"host,omitempty"`
	// Delegations are the parties attending.
	Delegations []int64       `json:"delegations"`
	Status      RoundStatus   `json:"status"`
	Agenda      []*AgendaItem `json:"agenda"`
	CreatedAt   time.Time     `json:"created_at"`
	// MinutesSeq is the record event holding the minutes, once concluded.
	MinutesSeq int64 `json:"minutes_seq,omitempty"`
	// ConcludeRequests are the delegations that have asked to conclude the
	// round; it concludes when every attending member delegation has, or
	// when a mediator concludes it.
	ConcludeRequests []int64 `json:"conclude_requests,omitempty"`
	// MinutesVersion counts the changes to the minutes and the agenda once
	// the round has started; an approval names the version it approved.
	MinutesVersion int `json:"minutes_version"`
	// Approvals are the attending delegations' approvals of the minutes as
	// they stand; the minutes are the agreed record once every attending
	// member delegation has approved them (see Round.Agreed).
	Approvals []MinutesApproval `json:"approvals"`
	// ResetApprovals are approvals a later change of the minutes undid,
	// which their delegations must give again; one per party, at most.
	ResetApprovals []MinutesApproval `json:"reset_approvals,omitempty"`
	// AgreedSeq is the record event in which the minutes became agreed; 0
	// while they are not.
	AgreedSeq int64 `json:"agreed_seq,omitempty"`
}

// MinutesApproval is one delegation's approval of a round's minutes.
type MinutesApproval struct {
	PartyID int64     `json:"party_id"`
	UserID  int64     `json:"user_id"`
	Version int       `json:"version"`
	At      time.Time `json:"at"`
	// ResetAt is when a change of the minutes undid the approval.
	ResetAt time.Time `json:"reset_at,omitzero"`
}

// Approved reports whether party p has approved the minutes as they stand.
func (r *Round) Approved(p int64) bool {
	return p != 0 && slices.ContainsFunc(r.Approvals, func(a MinutesApproval) bool { return a.PartyID == p })
}

// AwaitingApproval returns the attending member delegations of t that have
// not approved r's minutes as they stand.
func (r *Round) AwaitingApproval(t *Talk) []int64 {
	var out []int64
	for _, p := range RoundConcluders(r, t) {
		if !r.Approved(p) {
			out = append(out, p)
		}
	}
	return out
}

// Agreed reports whether r's minutes are the agreed record: every attending
// member delegation of t has approved them as they stand.
func (r *Round) Agreed(t *Talk) bool {
	return r.Status != RoundPlanned && len(RoundConcluders(r, t)) > 0 && len(r.AwaitingApproval(t)) == 0
}

// OpenItems returns the agenda items without an outcome, which concluding
// leaves open.
func (r *Round) OpenItems() []*AgendaItem {
	var out []*AgendaItem
	for _, it := range r.Agenda {
		if it.Outcome == "" {
			out = append(out, it)
		}
	}
	return out
}

// CanApproveMinutes reports whether u approves minutes of r in t for a
// delegation: the head or a negotiator of an attending member delegation.
func CanApproveMinutes(u *User, t *Talk, r *Round) bool {
	return CanRaiseIrritant(u, t) && slices.Contains(RoundConcluders(r, t), u.PartyID)
}

// CheckApproveMinutes returns nil when u may approve version of r's
// minutes for their delegation: EFORBIDDEN for anyone but the head or a
// negotiator of an attending member delegation, ECONFLICT before the round
// starts, after the minutes were agreed, for a second approval, and when the
// minutes changed since version (naming the current one).
func CheckApproveMinutes(u *User, t *Talk, r *Round, version int) error {
	if !CanApproveMinutes(u, t, r) {
		return Errorf(EFORBIDDEN, "only the heads and negotiators of the delegations attending round %q approve its minutes", r.Title)
	}
	if r.Status == RoundPlanned {
		return Errorf(ECONFLICT, "round %q has not started; its minutes are approved once they are kept", r.Title)
	}
	if r.Approved(u.PartyID) {
		return Errorf(ECONFLICT, "your delegation has already approved version %d of the minutes of %q; awaiting %d other delegations", r.MinutesVersion, r.Title, len(r.AwaitingApproval(t)))
	}
	if version != r.MinutesVersion {
		return Errorf(ECONFLICT, "the minutes of %q changed since version %d; they are now at version %d: read them again and approve version %d", r.Title, version, r.MinutesVersion, r.MinutesVersion)
	}
	return nil
}

// RoundDetails are what may change of a round while it is planned.
type RoundDetails struct {
	Title    string    `json:"title"`
	Venue    string    `json:"venue"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"`
}

// Details returns r's details as they are.
func (r *Round) Details() RoundDetails {
	return RoundDetails{Title: r.Title, Venue: r.Venue, StartsAt: r.StartsAt, EndsAt: r.EndsAt}
}

// CheckEditDetails returns nil when r's details may change: ECONFLICT once
// the round has started.
func CheckEditDetails(r *Round) error {
	if r.Status != RoundPlanned {
		return Errorf(ECONFLICT, "round %q is %s; its title, date and place change only while it is planned", r.Title, strings.ReplaceAll(string(r.Status), "_", " "))
	}
	return nil
}

// AgendaItem is one item on a round's agenda: an irritant, or a free item.
type AgendaItem struct {
	ID         int64   `json:"id"`
	IrritantID int64   `json:"irritant_id,omitempty"`
	Title      string  `json:"title"`
	Minutes    string  `json:"minutes"`
	Outcome    Outcome `json:"outcome,omitempty"`
	// Note says what was agreed or noted, or what is to follow up.
	Note string `json:"note,omitempty"`
	// Owner and Due are the party and date of a follow-up.
	Owner int64  `json:"owner,omitempty"`
	Due   string `json:"due,omitempty"`
	// MinutesBy is who recorded the minutes and MinutesParty their party
	// (0 for a mediator): only that party or a mediator changes or removes them.
	MinutesBy    int64 `json:"minutes_by,omitempty"`
	MinutesParty int64 `json:"minutes_party,omitempty"`
}

// HasMinutes reports whether anything was recorded on the item.
func (it *AgendaItem) HasMinutes() bool {
	return it.Minutes != "" || it.Outcome != "" || it.Note != "" || it.Owner != 0 || it.Due != ""
}

// CanChangeMinutes reports whether u may change or remove the minutes
// recorded on item it in talk t: a mediator of t, or the delegation that
// recorded them. Items without minutes are anyone's to record.
func CanChangeMinutes(u *User, t *Talk, it *AgendaItem) bool {
	if !it.HasMinutes() || it.MinutesBy == 0 && it.MinutesParty == 0 {
		return true
	}
	if mediates(u, t) {
		return true
	}
	return it.MinutesParty != 0 && u.PartyID == it.MinutesParty
}

// RoundConcluders returns the delegations whose request concludes r in t:
// the attending member delegations, or every seated member party when the
// round names none.
func RoundConcluders(r *Round, t *Talk) []int64 {
	var out []int64
	for _, p := range t.Parties {
		if p.Standing != StandingMember || !p.Accepted {
			continue
		}
		if len(r.Delegations) == 0 || slices.Contains(r.Delegations, p.PartyID) {
			out = append(out, p.PartyID)
		}
	}
	return out
}

// Validate returns an EINVALID error when r cannot be held in talk t.
func (r *Round) Validate(t *Talk) error {
	if strings.TrimSpace(r.Title) == "" || utf8.RuneCountInString(r.Title) > 300 {
		return Errorf(EINVALID, "round title must be 1 to 300 characters")
	}
	if utf8.RuneCountInString(r.Venue) > 300 {
		return Errorf(EINVALID, "venue must be at most 300 characters")
	}
	if r.StartsAt.IsZero() {
		return Errorf(EINVALID, "round %q: starts_at is missing; give the time the round starts (RFC 3339, e.g. 2026-03-01T09:00:00Z)", r.Title)
	}
	if !r.EndsAt.IsZero() && r.EndsAt.Before(r.StartsAt) {
		return Errorf(EINVALID, "the round ends (%s) before it starts (%s)", r.EndsAt.Format(time.RFC3339), r.StartsAt.Format(time.RFC3339))
	}
	if r.Host != 0 {
		if _, ok := t.Party(r.Host); !ok {
			return Errorf(EINVALID, "host party %d does not take part in this talk", r.Host)
		}
	}
	seen := map[int64]bool{}
	for _, p := range r.Delegations {
		if _, ok := t.Party(p); !ok {
			return Errorf(EINVALID, "delegation of party %d does not take part in this talk", p)
		}
		if seen[p] {
			return Errorf(EINVALID, "delegation of party %d is listed twice", p)
		}
		seen[p] = true
	}
	return ValidateAgenda(r.Agenda)
}

// ValidateAgenda returns an EINVALID error when an agenda cannot be stored.
func ValidateAgenda(items []*AgendaItem) error {
	if len(items) > 200 {
		return Errorf(EINVALID, "an agenda has at most 200 items")
	}
	seen := map[int64]bool{}
	for k, it := range items {
		if it.IrritantID == 0 && strings.TrimSpace(it.Title) == "" {
			return Errorf(EINVALID, "agenda item %d: name a free item or choose an irritant", k+1)
		}
		if it.IrritantID != 0 && seen[it.IrritantID] {
			return Errorf(EINVALID, "agenda item %d: irritant %d is on the agenda twice", k+1, it.IrritantID)
		}
		seen[it.IrritantID] = true
		if utf8.RuneCountInString(it.Title) > 300 {
			return Errorf(EINVALID, "agenda item %d: title must be at most 300 characters", k+1)
		}
	}
	return nil
}

// Minutes are what is recorded for one agenda item.
type Minutes struct {
	Minutes string  `json:"minutes"`
	Outcome Outcome `json:"outcome"`
	Note    string  `json:"note"`
	Owner   int64   `json:"owner"`
	Due     string  `json:"due"`
}

// Validate returns an EINVALID error when m cannot be recorded in talk t.
func (m *Minutes) Validate(t *Talk) error {
	if utf8.RuneCountInString(m.Minutes) > 50000 || utf8.RuneCountInString(m.Note) > 5000 {
		return Errorf(EINVALID, "minutes are limited to 50000 characters and the outcome note to 5000")
	}
	switch m.Outcome {
	case "", OutcomeAgreed, OutcomeNoted:
		if m.Owner != 0 || m.Due != "" {
			return Errorf(EINVALID, "an owner and due date belong to a follow-up outcome")
		}
	case OutcomeFollowUp:
		if p, ok := t.Party(m.Owner); !ok || p.Standing != StandingMember {
			return Errorf(EINVALID, "a follow-up needs an owner among the talk's member parties")
		}
		if _, err := time.Parse(time.DateOnly, m.Due); err != nil {
			return Errorf(EINVALID, "a follow-up needs a due date like 2026-03-31")
		}
	default:
		return Errorf(EINVALID, "outcome %q is not one of agreed, noted, follow_up", m.Outcome)
	}
	return nil
}

// CanOrganiseRound reports whether u may plan a round of t, set its agenda,
// keep its minutes and move it on: a mediator of t, or the head or a
// negotiator of a seated member delegation.
func CanOrganiseRound(u *User, t *Talk) bool {
	return CanRaiseIrritant(u, t) || (CanActInTalk(u, t) && mediates(u, t))
}

// Discussion is an irritant's place on a round's agenda, with what came of it.
type Discussion struct {
	RoundID     int64       `json:"round_id"`
	RoundTitle  string      `json:"round_title"`
	RoundStatus RoundStatus `json:"round_status"`
	StartsAt    time.Time   `json:"starts_at"`
	ItemID      int64       `json:"item_id"`
	Outcome     Outcome     `json:"outcome,omitempty"`
	Note        string      `json:"note,omitempty"`
	Owner       int64       `json:"owner,omitempty"`
	Due         string      `json:"due,omitempty"`
}

// RoundService holds rounds of talks. Every method acts as the user in ctx;
// a round in a talk the user may not see is ENOTFOUND.
type RoundService interface {
	// CreateRound stores r, planned, and records "round.planned". Agenda
	// items naming an irritant of the talk take its title when they have
	// none. ENOTFOUND, EFORBIDDEN (see CanOrganiseRound), EINVALID.
	CreateRound(ctx context.Context, r *Round) error
	// FindRoundByID returns ENOTFOUND when there is no round the user may see.
	FindRoundByID(ctx context.Context, id int64) (*Round, error)
	// FindRounds returns a talk's rounds by start time. ENOTFOUND.
	FindRounds(ctx context.Context, talkID int64) ([]*Round, error)
	// SetAgenda replaces the agenda of a round that is not concluded, keeping
	// the minutes of items that stay (matched by ID), and records
	// "round.agenda". ENOTFOUND, EFORBIDDEN, EINVALID, ECONFLICT when concluded.
	SetAgenda(ctx context.Context, roundID int64, items []*AgendaItem) (*Round, error)
	// RecordMinutes sets the minutes and outcome of one item of a round in
	// progress and records "round.minutes". ENOTFOUND, EFORBIDDEN, EINVALID,
	// ECONFLICT unless the round is in progress.
	RecordMinutes(ctx context.Context, roundID, itemID int64, m Minutes) (*Round, error)
	// MoveRound moves a round to its next status, to. Concluding records
	// "round.concluded" with every item's minutes and outcome. ENOTFOUND,
	// EFORBIDDEN, EINVALID for any other move.
	MoveRound(ctx context.Context, roundID int64, to RoundStatus) (*Round, error)
	// UpdateRound changes the title, venue and times of a planned round and
	// records "round.updated" with what they were. ENOTFOUND, EFORBIDDEN,
	// EINVALID, ECONFLICT once the round has started (see CheckEditDetails).
	UpdateRound(ctx context.Context, roundID int64, d RoundDetails) (*Round, error)
	// ApproveMinutes records the user's delegation's approval of version of
	// the minutes ("round.minutes_approved"); the last approval makes them
	// the agreed record ("round.minutes_agreed", holding the minutes as
	// agreed). Any later change of the minutes or the agenda (SetAgenda,
	// RecordMinutes) resets every approval and says so in its event.
	// ENOTFOUND, EFORBIDDEN, ECONFLICT (see CheckApproveMinutes).
	ApproveMinutes(ctx context.Context, roundID int64, version int) (*Round, error)
	// IrritantRounds returns every round whose agenda names an irritant, by
	// start time, with the outcome and any follow-up. ENOTFOUND.
	IrritantRounds(ctx context.Context, irritantID int64) ([]Discussion, error)
}

// CheckRoundMove returns nil when a round in from may move to to.
func CheckRoundMove(from, to RoundStatus) error {
	next := from.Next()
	if next == "" {
		return Errorf(ECONFLICT, "the round is concluded; a concluded round is read-only")
	}
	if to != next {
		return Errorf(EINVALID, "the round is %s; it can move only to %s", strings.ReplaceAll(string(from), "_", " "), strings.ReplaceAll(string(next), "_", " "))
	}
	return nil
}
