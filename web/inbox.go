package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"parley"
)

// The inbox says what needs the user, across every talk they take part
// in: irritants awaiting their party's acknowledgement or confirmation,
// statements awaiting its mark, signature or consent, follow-ups it owns,
// rounds about to start, invitations to accept — each linked, grouped by
// talk.

// inboxLimit is how many items of one kind a talk lists.
const inboxLimit = 10

// inboxItem is one thing that needs the user.
type inboxItem struct {
	// Key identifies the item across visits (kind and subject).
	Key  string
	Text string
	// Subject is the title of what the item is about, linked to Link.
	Subject string
	Link    string
	// When says how urgent it is in words ("overdue by 3 weeks", "in 2 days").
	When    string
	Overdue bool
	// More counts the items of the same kind not listed.
	More int
}

// inboxTalk is one talk's part of the inbox.
type inboxTalk struct {
	Talk  *parley.Talk
	Items []inboxItem
}

func (s *Server) inbox(w http.ResponseWriter, r *http.Request) error {
	u, err := signedIn(r)
	if err != nil {
		return err
	}
	talks, err := s.inboxData(r.Context(), u)
	if err != nil {
		return err
	}
	var waiting, clear []inboxTalk
	n := 0
	for _, t := range talks {
		if len(t.Items) > 0 {
			waiting = append(waiting, t)
			for _, it := range t.Items {
				n += 1 + it.More
			}
		} else {
			clear = append(clear, t)
		}
	}
	names, err := s.app.PartyNames(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.renderPage(w, r, "inbox.html", page{Title: "Inbox", Data: map[string]any{"Waiting": waiting, "Clear": clear, "Count": n, "Party": names[u.PartyID]}})
}

// inboxData reads what needs u in every talk u may see: the talks, then
// what every talk's entries need at once (inboxRead), then each kind of
// entry of each talk (inboxKinds).
func (s *Server) inboxData(ctx context.Context, u *parley.User) ([]inboxTalk, error) {
	ts, err := s.app.Talks.FindTalks(ctx, parley.TalkFilter{})
	if err != nil {
		return nil, err
	}
	c, err := s.inboxRead(ctx, u, ts)
	if err != nil {
		return nil, err
	}
	var out []inboxTalk
	for _, t := range ts {
		it := inboxTalk{Talk: t}
		for _, kind := range inboxKinds {
			it.Items = append(it.Items, kind(c, t)...)
		}
		out = append(out, it)
	}
	return out, nil
}

// inboxKinds are the kinds of inbox entries, in the order a talk lists
// them. Each says what one talk asks of the user from what inboxRead read
// for every talk. A new kind of entry is a function here; when it needs
// more of a talk than inboxContext holds, the store reads it for every
// talk at once in parley.TalkLists (sqlstore's InboxLists), never with a
// query per talk.
var inboxKinds = []func(c *inboxContext, t *parley.Talk) []inboxItem{
	invitationEntries, irritantEntries, statementEntries, negotiationEntries, roundEntries,
}

// inboxContext is what the inbox read once for all the user's talks.
type inboxContext struct {
	u     *parley.User
	now   time.Time
	waits map[int64]*parley.IrritantWait
	lists map[int64]*parley.TalkLists
}

// acting reports whether the user's party is seated in t (having
// accepted its invitation), or the user mediates t: the talks whose
// entries they see. An invitation not yet accepted shows only itself.
func (c *inboxContext) acting(t *parley.Talk) bool {
	p, seated := t.Party(c.u.PartyID)
	return seated && p.Accepted || t.Mediates(c.u.ID)
}

// inboxRead reads what the inbox needs of ts: the irritants waiting on the
// user's party and the talks' lists, each in a few queries for every talk.
func (s *Server) inboxRead(ctx context.Context, u *parley.User, ts []*parley.Talk) (*inboxContext, error) {
	c := &inboxContext{u: u, now: s.app.Now(), waits: map[int64]*parley.IrritantWait{}, lists: map[int64]*parley.TalkLists{}}
	var raise, act []int64
	for _, t := range ts {
		if parley.CanRaiseIrritant(u, t) {
			raise = append(raise, t.ID)
		}
		if c.acting(t) {
			act = append(act, t.ID)
		}
	}
	inbox, err := s.app.InboxService()
	if err != nil {
		return nil, err
	}
	if c.waits, err = inbox.IrritantsAwaiting(ctx, raise, c.now.UTC().Format(time.DateOnly), inboxLimit); err != nil {
		return nil, err
	}
	if c.lists, err = inbox.InboxLists(ctx, act); err != nil {
		return nil, err
	}
	return c, nil
}

// invitationEntries asks the user's delegation to accept an invitation.
func invitationEntries(c *inboxContext, t *parley.Talk) []inboxItem {
	if !parley.CanAcceptInvitation(c.u, t) {
		return nil
	}
	return []inboxItem{{Key: fmt.Sprintf("invite-%d", t.ID), Text: "Your delegation is invited to this talk; accept the invitation", Subject: t.Title, Link: fmt.Sprintf("/talks/%d", t.ID)}}
}

// irritantEntries lists the irritants awaiting the party's acknowledgement
// or confirmation, and those past their due date.
func irritantEntries(c *inboxContext, t *parley.Talk) []inboxItem {
	wt := c.waits[t.ID]
	if wt == nil || !c.acting(t) || !parley.CanRaiseIrritant(c.u, t) {
		return nil
	}
	var out []inboxItem
	add := func(refs []parley.IrritantRef, count int, kind, text string) {
		for k, ref := range refs {
			item := inboxItem{Key: fmt.Sprintf("%s-%d", kind, ref.ID), Text: text, Subject: ref.Title, Link: fmt.Sprintf("/irritants/%d", ref.ID)}
			if od, by := overdue(c.now, ref.Due, true); od {
				item.When, item.Overdue = "overdue by "+by, true
			}
			if k == len(refs)-1 {
				item.More = count - len(refs)
			}
			out = append(out, item)
		}
	}
	add(wt.Acknowledge, wt.AcknowledgeCount, "ack", "Acknowledge the irritant")
	add(wt.Confirm, wt.ConfirmCount, "confirm", "The other side confirmed this resolved; confirm it or reply")
	add(wt.Overdue, wt.OverdueCount, "overdue", "Past its due date")
	return out
}

// statementEntries lists the statements awaiting the party's signature or
// mark, and a stakeholder's consent (again, after a new version).
func statementEntries(c *inboxContext, t *parley.Talk) []inboxItem {
	l := c.lists[t.ID]
	if l == nil || !c.acting(t) {
		return nil
	}
	u := c.u
	mine := func(p int64) bool { return p == u.PartyID }
	var out []inboxItem
	for _, st := range l.Statements {
		if st.Adopted {
			continue
		}
		link := fmt.Sprintf("/joint-statements/%d", st.ID)
		switch {
		case parley.CanSignStatement(u, t) && !slices.ContainsFunc(st.Signatures, func(g parley.StatementSignature) bool { return mine(g.PartyID) }):
			out = append(out, inboxItem{Key: fmt.Sprintf("sign-%d-%d", st.ID, st.Current.Number), Text: fmt.Sprintf("Read and sign version %d", st.Current.Number), Subject: st.Title, Link: link})
		case parley.CanRaiseIrritant(u, t) && !slices.ContainsFunc(st.Marks, func(m parley.StatementMark) bool { return mine(m.PartyID) }):
			out = append(out, inboxItem{Key: fmt.Sprintf("mark-%d-%d", st.ID, st.Current.Number), Text: fmt.Sprintf("Say whether your delegation can accept version %d", st.Current.Number), Subject: st.Title, Link: link})
		}
		if slices.Contains(st.Stakeholders, u.PartyID) && u.Role == parley.RoleHead &&
			!slices.ContainsFunc(st.Consents, func(c parley.StakeholderConsent) bool { return mine(c.PartyID) }) {
			text := fmt.Sprintf("Consent to version %d or object", st.Current.Number)
			if st.Current.Number > 1 {
				text = fmt.Sprintf("Version %d needs your consent again (any earlier consent was for an earlier version)", st.Current.Number)
			}
			out = append(out, inboxItem{Key: fmt.Sprintf("consent-%d-%d", st.ID, st.Current.Number), Text: text, Subject: st.Title, Link: link})
		}
	}
	return out
}

// negotiationEntries lists what the talk's negotiations ask of the user
// (negotiationInbox).
func negotiationEntries(c *inboxContext, t *parley.Talk) []inboxItem {
	l := c.lists[t.ID]
	if l == nil || !c.acting(t) {
		return nil
	}
	return negotiationInbox(c.u, t, l.Negotiations)
}

// roundEntries lists the rounds about to start or under way that the
// party attends (all of them for a mediator), and the follow-ups it owns
// that are due within two weeks or overdue.
func roundEntries(c *inboxContext, t *parley.Talk) []inboxItem {
	l := c.lists[t.ID]
	tp, _ := t.Party(c.u.PartyID)
	if l == nil || !(tp.Standing == parley.StandingMember || t.Mediates(c.u.ID)) {
		return nil
	}
	u, now := c.u, c.now
	var out []inboxItem
	for _, rd := range l.Rounds {
		link := fmt.Sprintf("/rounds/%d", rd.ID)
		attending := slices.Contains(rd.Delegations, u.PartyID) || t.Mediates(u.ID)
		switch {
		case rd.Status == parley.RoundPlanned && attending && !rd.StartsAt.IsZero() && rd.StartsAt.Sub(now) < 14*24*time.Hour:
			out = append(out, inboxItem{Key: fmt.Sprintf("round-%d", rd.ID), Text: "Prepare for the round", Subject: rd.Title, Link: link, When: "starts " + ago(now, rd.StartsAt)})
		case rd.Status == parley.RoundInProgress && attending:
			out = append(out, inboxItem{Key: fmt.Sprintf("round-%d", rd.ID), Text: "The round is under way", Subject: rd.Title, Link: link})
		}
		if item, ok := approvalInbox(u, t, rd, link); ok {
			out = append(out, item)
		}
		for _, a := range rd.Agenda {
			if a.Outcome != parley.OutcomeFollowUp || a.Owner != u.PartyID || u.PartyID == 0 {
				continue
			}
			item := inboxItem{Key: fmt.Sprintf("followup-%d-%d", rd.ID, a.ID), Text: "Your delegation owns the follow-up: " + a.Note, Subject: a.Title, Link: link + fmt.Sprintf("#item-%d", a.ID)}
			if od, by := overdue(now, a.Due, true); od {
				item.When, item.Overdue = "overdue by "+by, true
			} else if d, err := time.Parse(time.DateOnly, a.Due); err == nil && d.Sub(now) < 14*24*time.Hour {
				item.When = "due " + ago(now, d.Add(24*time.Hour))
			} else {
				continue
			}
			out = append(out, item)
		}
	}
	return out
}

// approvalInbox is the item asking u's delegation to approve the minutes
// of rd: once the round is concluded, or while it is in progress once
// another delegation has approved them (or the delegation's own approval
// was reset by a change).
func approvalInbox(u *parley.User, t *parley.Talk, rd *parley.Round, link string) (inboxItem, bool) {
	if !parley.CanApproveMinutes(u, t, rd) || rd.Approved(u.PartyID) {
		return inboxItem{}, false
	}
	reset := slices.ContainsFunc(rd.ResetApprovals, func(a parley.MinutesApproval) bool { return a.PartyID == u.PartyID })
	if rd.Status != parley.RoundConcluded && !(rd.Status == parley.RoundInProgress && (len(rd.Approvals) > 0 || reset)) {
		return inboxItem{}, false
	}
	text := "Minutes awaiting your approval"
	if reset {
		text = "The minutes changed after your delegation approved them; read them again and approve"
	}
	return inboxItem{Key: fmt.Sprintf("minutes-%d", rd.ID), Text: text, Subject: rd.Title, Link: link + "#approval"}, true
}
