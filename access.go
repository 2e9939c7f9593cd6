package parley

import "strconv"

// This file is the visibility rule, written once. Stores, the API, the live
// stream and the web UI all ask these functions; none repeats the rule.

// CanSeeTalk reports whether u may see talk t: u's party has taken its seat
// in the talk as a member, observer or affected stakeholder, or u is a
// mediator account that mediates the talk, or u is an administrator. A
// party invited but not yet seated sees only the title (CanSeeInvitation).
func CanSeeTalk(u *User, t *Talk) bool {
	if u == nil || t == nil {
		return false
	}
	if u.Admin || mediates(u, t) {
		return true
	}
	p, ok := t.Party(u.PartyID)
	return ok && p.Accepted
}

// CanSeeInvitation reports whether u's delegation is invited to t and has
// not yet accepted: it may see the talk's title, to decide, and no more.
func CanSeeInvitation(u *User, t *Talk) bool {
	if u == nil || t == nil {
		return false
	}
	p, ok := t.Party(u.PartyID)
	return ok && !p.Accepted
}

// InvitationView is what an invited delegation sees of t before accepting:
// the title and its own invitation.
func InvitationView(u *User, t *Talk) *Talk {
	p, _ := t.Party(u.PartyID)
	return &Talk{ID: t.ID, Title: t.Title, Parties: []TalkParty{p}, MediatorIDs: []int64{}}
}

// CanConsentInvitation reports whether u may consent, for their party or as
// a mediator, to a party proposed for t: a mediator of t, or the head of a
// seated member delegation.
func CanConsentInvitation(u *User, t *Talk) bool {
	if !CanSeeTalk(u, t) {
		return false
	}
	if mediates(u, t) {
		return true
	}
	p, ok := t.Party(u.PartyID)
	return ok && p.Accepted && p.Standing == StandingMember && u.Role == RoleHead
}

// mediates reports whether u mediates t. Only mediator accounts mediate,
// whatever a talk's list says.
func mediates(u *User, t *Talk) bool { return u.Mediator && t.Mediates(u.ID) }

// CanSeePrivate reports whether u may see an item private to party owner.
// Only that party's own delegation may; not mediators, not administrators.
// An owner of 0 means the item is not private.
func CanSeePrivate(u *User, owner int64) bool {
	if owner == 0 {
		return true
	}
	return u != nil && u.PartyID == owner
}

// CanActInTalk reports whether u may add to talk t's record: a mediator of t,
// or the head or a negotiator of a party that has accepted a seat in t as a
// member or affected stakeholder. Observers only watch.
func CanActInTalk(u *User, t *Talk) bool {
	if !CanSeeTalk(u, t) {
		return false
	}
	return mediates(u, t) || actsForParty(u, t)
}

// actsForParty reports whether u speaks in t for their party: the head or a
// negotiator of a delegation seated as member or affected stakeholder.
func actsForParty(u *User, t *Talk) bool {
	p, ok := t.Party(u.PartyID)
	if !ok || !p.Accepted || p.Standing == StandingObserver {
		return false
	}
	return u.Role == RoleHead || u.Role == RoleNegotiator
}

// CanManageTalk reports whether u may invite parties to t: an administrator,
// a mediator of t, or the head of an accepted member delegation.
func CanManageTalk(u *User, t *Talk) bool {
	if !CanSeeTalk(u, t) {
		return false
	}
	if u.Admin || mediates(u, t) {
		return true
	}
	p, ok := t.Party(u.PartyID)
	return ok && p.Accepted && p.Standing == StandingMember && u.Role == RoleHead
}

// CanAcceptInvitation reports whether u may accept their delegation's
// pending invitation to t: the head of an invited delegation.
func CanAcceptInvitation(u *User, t *Talk) bool {
	if u == nil || t == nil {
		return false
	}
	p, ok := t.Party(u.PartyID)
	return ok && !p.Accepted && u.Role == RoleHead
}

// CanSignOff reports whether u may sign off events of t for their party:
// the head of a delegation seated as member or affected stakeholder.
// Signing is the head's act; negotiators, observers and mediators sign
// nothing off.
func CanSignOff(u *User, t *Talk) bool {
	return u != nil && t != nil && actsForParty(u, t) && u.Role == RoleHead
}

// CanCreateTalk reports whether u may open a talk: administrators, mediators
// and heads of delegation.
func CanCreateTalk(u *User) bool {
	return u != nil && (u.Admin || u.Mediator || (u.PartyID != 0 && u.Role == RoleHead))
}

// CanSetPartyKey reports whether u may replace party's signing key: an
// administrator, or the party's own head of delegation.
func CanSetPartyKey(u *User, party int64) bool {
	return u != nil && (u.Admin || (party != 0 && u.PartyID == party && u.Role == RoleHead))
}

// CanApproveMember reports whether u may let pending member m into their
// party's delegation: the party's own active head; or, when the party has
// no active head, an administrator other than the one who created m (two
// people, so that no administrator alone can become a party).
func CanApproveMember(u, m *User, partyHasHead bool) bool {
	if u == nil || m == nil || m.PartyID == 0 || u.ID == m.ID || u.CanSignIn() != nil {
		return false
	}
	if partyHasHead {
		return u.PartyID == m.PartyID && u.Role == RoleHead
	}
	return u.Admin && u.ID != m.CreatedBy
}

// CanAdminister reports whether u may manage parties and users.
func CanAdminister(u *User) bool { return u != nil && u.Admin }

// VisibleEvent returns e as u may see it: e itself, or a copy without the
// payload when the payload is private to another party. The hashes stay, so
// the chain still verifies.
func VisibleEvent(u *User, e *Event) *Event {
	if CanSeePrivate(u, e.PrivateTo) {
		return e
	}
	c := *e
	c.Payload = nil
	c.Redacted = true
	return &c
}

// ViewerClass returns a key that two users share only if the rule above
// treats them alike in every talk: delegates of one party, who are neither
// administrators nor mediators, see the same talks and the same private
// items. Everyone else is a class of their own. Live streams use it to read
// an event once for all viewers of a class.
func ViewerClass(u *User) string {
	if u == nil {
		return "anonymous"
	}
	if u.Admin || u.Mediator || u.PartyID == 0 {
		return "user:" + strconv.FormatInt(u.ID, 10)
	}
	return "party:" + strconv.FormatInt(u.PartyID, 10)
}
