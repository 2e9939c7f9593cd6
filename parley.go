// Package parley holds the domain of structured talks between parties: users,
// parties, talks and the events of a talk's record, the service interfaces the
// stores implement, the one error type, and the visibility rule that decides
// what each user may see.
//
// It imports only the standard library.
package parley

import (
	"context"
	"slices"
	"time"
)

// Role is a user's role within their party's delegation.
type Role string

// The roles a member of a delegation may hold.
const (
	RoleHead       Role = "head"       // head of delegation
	RoleNegotiator Role = "negotiator" // negotiator
	RoleObserver   Role = "observer"   // observer in the delegation
)

// Valid reports whether r is one of the delegation roles.
func (r Role) Valid() bool {
	switch r {
	case RoleHead, RoleNegotiator, RoleObserver:
		return true
	}
	return false
}

// User is a person with an account. A user either belongs to one party with a
// Role, or belongs to no party (a mediator or an administrator).
type User struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"` // login name, unique
	DisplayName string    `json:"display_name"`
	PartyID     int64     `json:"party_id,omitempty"` // 0: no party
	Role        Role      `json:"role,omitempty"`     // set iff PartyID != 0
	Mediator    bool      `json:"mediator"`
	Admin       bool      `json:"admin"`
	CreatedAt   time.Time `json:"created_at"`
	// Disabled accounts cannot sign in; disabling one ends its sessions and tokens.
	Disabled bool `json:"disabled,omitempty"`
	// Pending is true while a new delegate's place in their party's
	// delegation awaits approval by its head (or, for a party without a
	// head, by a second administrator): until then the account cannot sign in.
	Pending bool `json:"pending,omitempty"`
	// CreatedBy is the administrator who made the account, 0 when made
	// from the command line or the first setup.
	CreatedBy int64 `json:"created_by,omitempty"`

	// PasswordHash is the encoded argon2id hash; it never leaves the server.
	PasswordHash string `json:"-"`
}

// Validate returns an EINVALID error when u cannot be stored.
func (u *User) Validate() error {
	if u.Name == "" || len(u.Name) > 64 {
		return Errorf(EINVALID, "user name must be 1 to 64 characters")
	}
	if u.PartyID != 0 && !u.Role.Valid() {
		return Errorf(EINVALID, "user %s: role %q is not one of head, negotiator, observer", u.Name, u.Role)
	}
	if u.PartyID == 0 && u.Role != "" {
		return Errorf(EINVALID, "user %s: a role needs a party", u.Name)
	}
	if u.Mediator && u.PartyID != 0 {
		return Errorf(EINVALID, "user %s: mediators are neutral and belong to no party", u.Name)
	}
	return nil
}

// CanSignIn returns EFORBIDDEN when u may not sign in or use a session or
// token: the account is disabled or its membership awaits approval.
func (u *User) CanSignIn() error {
	if u.Disabled {
		return Errorf(EFORBIDDEN, "the account %s is disabled; ask an administrator", u.Name)
	}
	if u.Pending {
		return Errorf(EFORBIDDEN, "the account %s awaits its delegation's approval; ask your head of delegation", u.Name)
	}
	return nil
}

// Party is a state, organisation, company or union that sends a delegation.
type Party struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Kind      string    `json:"kind"` // "state", "organisation", …; free text
	CreatedAt time.Time `json:"created_at"`
}

// Validate returns an EINVALID error when p cannot be stored.
func (p *Party) Validate() error {
	if p.Name == "" || len(p.Name) > 200 {
		return Errorf(EINVALID, "party name must be 1 to 200 characters")
	}
	return nil
}

// Standing is how a party takes part in a talk.
type Standing string

// The standings a party may have in a talk.
const (
	StandingMember      Standing = "member"      // at the table
	StandingObserver    Standing = "observer"    // watches, does not negotiate
	StandingStakeholder Standing = "stakeholder" // affected by the outcome, not at the table
)

// Valid reports whether s is one of the standings.
func (s Standing) Valid() bool {
	switch s {
	case StandingMember, StandingObserver, StandingStakeholder:
		return true
	}
	return false
}

// TalkParty is one party's place in a talk.
type TalkParty struct {
	PartyID  int64    `json:"party_id"`
	Standing Standing `json:"standing"`
	// Accepted is false while the party is invited but has not accepted.
	Accepted bool `json:"accepted"`
}

// Talk is a forum between member parties, with mediators, observers and
// affected stakeholders.
type Talk struct {
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	// Illustrative marks invented scenarios such as the demo.
	Illustrative bool        `json:"illustrative"`
	CreatedBy    int64       `json:"created_by"`
	CreatedAt    time.Time   `json:"created_at"`
	Parties      []TalkParty `json:"parties"`
	MediatorIDs  []int64     `json:"mediator_ids"`
	// LastSeq is the sequence number of the talk's latest event.
	LastSeq int64 `json:"last_seq"`
	// Invitations are parties proposed for the talk, awaiting the consent
	// of its seated member parties; shown to those who may see the talk.
	Invitations []TalkInvitation `json:"invitations,omitempty"`
}

// TalkInvitation is a party proposed for a talk by one of its members. It is
// invited (and learns of the talk) only once every seated member party or a
// mediator of the talk consents.
type TalkInvitation struct {
	PartyID  int64    `json:"party_id"`
	Standing Standing `json:"standing"`
	// ProposedBy is the proposing party, 0 for an administrator.
	ProposedBy int64 `json:"proposed_by"`
	// Consents lists the member parties that have consented.
	Consents  []int64   `json:"consents"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate returns an EINVALID error when t cannot be stored.
func (t *Talk) Validate() error {
	if t.Title == "" || len(t.Title) > 300 {
		return Errorf(EINVALID, "talk title must be 1 to 300 characters")
	}
	seen := map[int64]bool{}
	for _, p := range t.Parties {
		if !p.Standing.Valid() {
			return Errorf(EINVALID, "talk %q: standing %q is not one of member, observer, stakeholder", t.Title, p.Standing)
		}
		if seen[p.PartyID] {
			return Errorf(EINVALID, "talk %q: party %d is listed twice", t.Title, p.PartyID)
		}
		seen[p.PartyID] = true
	}
	if !slices.ContainsFunc(t.Parties, func(p TalkParty) bool { return p.Standing == StandingMember }) {
		return Errorf(EINVALID, "talk %q: name at least one member party in parties; a talk is held between parties", t.Title)
	}
	meds := map[int64]bool{}
	for _, m := range t.MediatorIDs {
		if meds[m] {
			return Errorf(EINVALID, "talk %q: mediator %d is listed twice in mediator_ids", t.Title, m)
		}
		meds[m] = true
	}
	return nil
}

// Party returns the standing of party id in t, and whether it takes part.
func (t *Talk) Party(id int64) (TalkParty, bool) {
	if id == 0 {
		return TalkParty{}, false
	}
	for _, p := range t.Parties {
		if p.PartyID == id {
			return p, true
		}
	}
	return TalkParty{}, false
}

// Mediates reports whether user id mediates t.
func (t *Talk) Mediates(id int64) bool {
	for _, m := range t.MediatorIDs {
		if m == id {
			return true
		}
	}
	return false
}

// TalkFilter narrows a listing of talks.
type TalkFilter struct {
	// AfterID and Limit page through talks in ID order.
	AfterID int64
	Limit   int
}

// UserService manages accounts.
type UserService interface {
	// CreateUser stores u and sets its ID. EINVALID, ECONFLICT when the name is taken.
	CreateUser(ctx context.Context, u *User) error
	// FindUserByID returns ENOTFOUND when there is no such user.
	FindUserByID(ctx context.Context, id int64) (*User, error)
	// FindUserByName returns ENOTFOUND when there is no such user.
	FindUserByName(ctx context.Context, name string) (*User, error)
	// ListUsers returns every user in ID order.
	ListUsers(ctx context.Context) ([]*User, error)
	// CountUsers returns how many users exist.
	CountUsers(ctx context.Context) (int, error)
	// ApproveMember lets a pending member of a delegation take their place,
	// acting as the user in ctx, and records the joining in every talk of
	// the party. EFORBIDDEN unless the user is the party's active head, or
	// an administrator other than the member's creator when the party has
	// no active head; ECONFLICT when not pending; ENOTFOUND.
	ApproveMember(ctx context.Context, userID int64) (*User, error)
	// DisableUser disables an account and ends its sessions and tokens,
	// acting as the administrator in ctx. EFORBIDDEN, ECONFLICT when already
	// disabled, EINVALID for one's own account, ENOTFOUND.
	DisableUser(ctx context.Context, userID int64) (*User, error)
	// SetPasswordHash replaces a user's password hash and ends all of the
	// user's sessions and API tokens. ENOTFOUND.
	SetPasswordHash(ctx context.Context, userID int64, hash string) error
	// OfferSetup records the hash of a one-time setup token while no user
	// exists, so that one token serves every node sharing the database. It
	// returns false, keeping the token already offered, when another node
	// offered one within SetupWindow (nodes started together), and when a
	// user exists.
	OfferSetup(ctx context.Context, tokenHash []byte) (offered bool, offeredAt time.Time, err error)
	// CreateFirstAdmin uses up the setup token with this hash and stores u
	// as an administrator, in one transaction: of concurrent attempts on
	// any nodes one succeeds. EFORBIDDEN when the token is not the one
	// offered or is used up; EINVALID, ECONFLICT as CreateUser.
	CreateFirstAdmin(ctx context.Context, tokenHash []byte, u *User) error
}

// SetupWindow is how long a setup token offered by one node is shared with
// nodes starting after it; a node starting later replaces it.
const SetupWindow = 2 * time.Minute

// PartyService manages parties and their signing keys.
type PartyService interface {
	// CreateParty stores p and sets its ID. EINVALID, ECONFLICT when the name is taken.
	CreateParty(ctx context.Context, p *Party) error
	// FindPartyByID returns ENOTFOUND when there is no such party.
	FindPartyByID(ctx context.Context, id int64) (*Party, error)
	// ListParties returns every party in ID order.
	ListParties(ctx context.Context) ([]*Party, error)
	// SetPartyKey stores party's key, replacing any earlier one. ENOTFOUND.
	SetPartyKey(ctx context.Context, k *PartyKey) error
	// FindPartyKey returns ENOTFOUND when the party has no key.
	FindPartyKey(ctx context.Context, partyID int64) (*PartyKey, error)
	// ListKeys returns the server's key and every party key, current and
	// retired, with fingerprints: what parties pin to verify records.
	ListKeys(ctx context.Context) (*KeyList, error)
}

// TalkService manages talks and their records. Every method acts as the user
// in ctx (see NewContextWithUser) and applies the visibility rule: a talk the
// user may not see is reported as ENOTFOUND, never as EFORBIDDEN, so its
// existence does not leak.
type TalkService interface {
	// CreateTalk stores t, sets its ID and records a "talk.created" event.
	// EUNAUTHORIZED, EFORBIDDEN unless the user is an admin or mediator or the
	// head of a member delegation, EINVALID.
	CreateTalk(ctx context.Context, t *Talk) error
	// FindTalkByID returns ENOTFOUND when the talk does not exist or the user may not see it.
	FindTalkByID(ctx context.Context, id int64) (*Talk, error)
	// FindTalks returns the talks the user may see.
	FindTalks(ctx context.Context, f TalkFilter) ([]*Talk, error)
	// InviteParty proposes a party for a talk with a standing and reports
	// whether it is invited at once: when the user mediates the talk or no
	// other member party is seated. Otherwise the proposal waits for
	// ConsentInvitation by every other seated member party (or a mediator).
	// An invited party sees only the talk's title until it accepts.
	// ENOTFOUND, EFORBIDDEN unless the user may manage the talk, ECONFLICT
	// when already there or proposed.
	InviteParty(ctx context.Context, talkID, partyID int64, s Standing) (invited bool, err error)
	// ConsentInvitation records the user's party's (or, for a mediator, the
	// talk's) consent to a proposed party, and invites it once every seated
	// member party has consented. ENOTFOUND, EFORBIDDEN, ECONFLICT when
	// already consented.
	ConsentInvitation(ctx context.Context, talkID, partyID int64) (invited bool, err error)
	// WithdrawInvitation withdraws a proposal or an invitation not yet
	// accepted. ENOTFOUND, EFORBIDDEN unless the user may manage the talk,
	// ECONFLICT when the party has taken its seat.
	WithdrawInvitation(ctx context.Context, talkID, partyID int64) error
	// AcceptInvitation marks the user's party as having accepted. ENOTFOUND,
	// EFORBIDDEN unless the user heads their delegation, ECONFLICT when already accepted.
	AcceptInvitation(ctx context.Context, talkID int64) error
	// AppendEvent records an event in the talk on behalf of the user and
	// returns it. ENOTFOUND, EFORBIDDEN unless the user may act in the talk, EINVALID.
	AppendEvent(ctx context.Context, talkID int64, in EventInput) (*Event, error)
	// ListEvents returns up to limit events with Seq > afterSeq, as the user may see them.
	ListEvents(ctx context.Context, talkID, afterSeq int64, limit int) ([]*Event, error)
	// SignOff records the user's party signing off event seq of the talk.
	// When the server holds the party's key it signs and signature must be
	// nil; otherwise signature is the party's own over the event's hash.
	// ENOTFOUND, EFORBIDDEN unless the user may act for a party in the talk,
	// EINVALID for a bad or missing signature.
	SignOff(ctx context.Context, talkID, seq int64, signature []byte) (*Event, error)
	// Record returns the talk's shared chain: its whole record as every
	// party sees it. ENOTFOUND.
	Record(ctx context.Context, talkID int64) (*Record, error)
	// ListPrivateEvents returns up to limit events with Seq > afterSeq of the
	// private chain of the user's own party in the talk. ENOTFOUND,
	// EFORBIDDEN for a user of no party.
	ListPrivateEvents(ctx context.Context, talkID, afterSeq int64, limit int) ([]*Event, error)
	// PrivateRecord returns the private chain of the user's own party in the
	// talk, with every checkpoint and the opening of the party's commitment
	// in it. ENOTFOUND, EFORBIDDEN for a user of no party.
	PrivateRecord(ctx context.Context, talkID int64) (*PrivateRecord, error)
	// Checkpoint returns the talk's current checkpoint, signed by the
	// server, with the opening of the user's party's commitment when the
	// user belongs to a party of the talk. ENOTFOUND.
	Checkpoint(ctx context.Context, talkID int64) (*Checkpoint, error)
	// ConsistencyProof returns the RFC 6962 consistency proof of the talk's
	// shared chain from size from to size to. ENOTFOUND, EINVALID unless
	// 0 <= from <= to <= the chain's size.
	ConsistencyProof(ctx context.Context, talkID, from, to int64) ([]string, error)
}

// Credential kinds.
const (
	CredentialSession = "session" // browser session cookie
	CredentialToken   = "token"   // API bearer token
)

// Credential is a session or an API token. Only the SHA-256 hash of the
// secret is stored.
type Credential struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"user_id"`
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	Hash      []byte    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"` // zero: never
}

// CredentialService stores sessions and API tokens.
type CredentialService interface {
	// CreateCredential stores c and sets its ID.
	CreateCredential(ctx context.Context, c *Credential) error
	// FindCredential returns the unexpired credential with this hash, or ENOTFOUND.
	FindCredential(ctx context.Context, hash []byte) (*Credential, error)
	// FindCredentialUser returns the unexpired credential with this hash
	// and its user, read together (every request is authenticated so), or
	// ENOTFOUND.
	FindCredentialUser(ctx context.Context, hash []byte) (*Credential, *User, error)
	// ListCredentials returns a user's credentials of one kind.
	ListCredentials(ctx context.Context, userID int64, kind string) ([]*Credential, error)
	// DeleteCredential removes a user's credential. ENOTFOUND.
	DeleteCredential(ctx context.Context, userID, id int64) error
}

// StoredResponse is the response kept for an Idempotency-Key and returned
// to every retry with that key.
type StoredResponse struct {
	Status int
	// ContentType and Location are the response headers a retry needs.
	ContentType string
	Location    string
	Body        []byte
}

// IdempotencyService runs a request at most once per user and
// Idempotency-Key, even when the retry reaches another node sharing the
// database or the first attempt died half way.
type IdempotencyService interface {
	// Idempotently runs fn once for the user's key. The claim of the key,
	// every change fn makes through the store with the context it is given,
	// and the response fn returns commit in one transaction: a crash at any
	// point leaves either all of them or none. Later calls with the same key
	// return the stored response and replayed true without running fn; a
	// call made while the first is running waits for it.
	//
	// requestHash identifies the request (a hash of method, path and body);
	// EKEYREUSED when the key was used for another request. When fn returns
	// an error nothing is kept and the key stays free, so that a retry acts.
	// EINVALID when key is empty or over 200 characters.
	Idempotently(ctx context.Context, userID int64, key string, requestHash []byte, fn func(ctx context.Context) (*StoredResponse, error)) (r *StoredResponse, replayed bool, err error)
}

// Store is every service a parley server needs from its database; the
// SQLite and PostgreSQL stores implement it (asserted in cmd/parley, which
// wires them).
type Store interface {
	UserService
	PartyService
	TalkService
	CredentialService
	IdempotencyService
	IrritantService
	RoundService
	StatementService
	NotificationService
	Reminders
	NegotiationService
}

// EventRef names one event; it is what crosses nodes on a notification.
type EventRef struct {
	TalkID int64
	Seq    int64
	// Private is the party whose private chain holds the event; 0 for the
	// shared chain. Only that party's streams are woken.
	Private int64
}

type ctxKey int

const userKey ctxKey = 0

// NewContextWithUser returns a context carrying the acting user.
func NewContextWithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey, u)
}

// UserFromContext returns the acting user, or nil.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userKey).(*User)
	return u
}
