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

// inboxData reads what needs u in every talk u may see.
func (s *Server) inboxData(ctx context.Context, u *parley.User) ([]inboxTalk, error) {
	ts, err := s.app.Talks.FindTalks(ctx, parley.TalkFilter{})
	if err != nil {
		return nil, err
	}
	now := s.app.Now()
	today := now.UTC().Format(time.DateOnly)
	waits := map[int64]*parley.IrritantWait{}
	if s.Inbox != nil {
		var ids []int64
		for _, t := range ts {
			if parley.CanRaiseIrritant(u, t) {
				ids = append(ids, t.ID)
			}
		}
		if waits, err = s.Inbox.IrritantsAwaiting(ctx, ids, today, inboxLimit); err != nil {
			return nil, err
		}
	}
	var out []inboxTalk
	for _, t := range ts {
		it := inboxTalk{Talk: t}
		tp, member := t.Party(u.PartyID)
		if parley.CanAcceptInvitation(u, t) {
			it.Items = append(it.Items, inboxItem{Key: fmt.Sprintf("invite-%d", t.ID), Text: "Your delegation is invited to this talk; accept the invitation", Subject: t.Title, Link: fmt.Sprintf("/talks/%d", t.ID)})
		}
		if !member && !t.Mediates(u.ID) {
			out = append(out, it)
			continue
		}
		acts := parley.CanRaiseIrritant(u, t)
		if wt := waits[t.ID]; acts && wt != nil {
			add := func(refs []parley.IrritantRef, count int, kind, text string) {
				for k, ref := range refs {
					item := inboxItem{Key: fmt.Sprintf("%s-%d", kind, ref.ID), Text: text, Subject: ref.Title, Link: fmt.Sprintf("/irritants/%d", ref.ID)}
					if od, by := overdue(now, ref.Due, true); od {
						item.When, item.Overdue = "overdue by "+by, true
					}
					if k == len(refs)-1 {
						item.More = count - len(refs)
					}
					it.Items = append(it.Items, item)
				}
			}
			add(wt.Acknowledge, wt.AcknowledgeCount, "ack", "Acknowledge the irritant")
			add(wt.Confirm, wt.ConfirmCount, "confirm", "The other side confirmed this resolved; confirm it or reply")
			add(wt.Overdue, wt.OverdueCount, "overdue", "Past its due date")
		}
		if s.app.Statements != nil {
			ss, err := s.app.Statements.FindStatements(ctx, t.ID)
			if err != nil {
				return nil, err
			}
			for _, st := range ss {
				if st.Adopted {
					continue
				}
				link := fmt.Sprintf("/joint-statements/%d", st.ID)
				mine := func(p int64) bool { return p == u.PartyID }
				switch {
				case parley.CanSignStatement(u, t) && !slices.ContainsFunc(st.Signatures, func(g parley.StatementSignature) bool { return mine(g.PartyID) }):
					it.Items = append(it.Items, inboxItem{Key: fmt.Sprintf("sign-%d-%d", st.ID, st.Current.Number), Text: fmt.Sprintf("Read and sign version %d", st.Current.Number), Subject: st.Title, Link: link})
				case acts && !slices.ContainsFunc(st.Marks, func(m parley.StatementMark) bool { return mine(m.PartyID) }):
					it.Items = append(it.Items, inboxItem{Key: fmt.Sprintf("mark-%d-%d", st.ID, st.Current.Number), Text: fmt.Sprintf("Say whether your delegation can accept version %d", st.Current.Number), Subject: st.Title, Link: link})
				}
				if slices.Contains(st.Stakeholders, u.PartyID) && u.Role == parley.RoleHead &&
					!slices.ContainsFunc(st.Consents, func(c parley.StakeholderConsent) bool { return mine(c.PartyID) }) {
					text := fmt.Sprintf("Consent to version %d or object", st.Current.Number)
					if st.Current.Number > 1 {
						text = fmt.Sprintf("Version %d needs your consent again (any earlier consent was for an earlier version)", st.Current.Number)
					}
					it.Items = append(it.Items, inboxItem{Key: fmt.Sprintf("consent-%d-%d", st.ID, st.Current.Number), Text: text, Subject: st.Title, Link: link})
				}
			}
		}
		if s.app.Negotiations != nil {
			ns, err := s.app.Negotiations.FindNegotiations(ctx, t.ID)
			if err != nil {
				return nil, err
			}
			it.Items = append(it.Items, negotiationInbox(u, t, ns)...)
		}
		if s.app.Rounds != nil && (tp.Standing == parley.StandingMember || t.Mediates(u.ID)) {
			rs, err := s.app.Rounds.FindRounds(ctx, t.ID)
			if err != nil {
				return nil, err
			}
			for _, rd := range rs {
				link := fmt.Sprintf("/rounds/%d", rd.ID)
				attending := slices.Contains(rd.Delegations, u.PartyID) || t.Mediates(u.ID)
				switch {
				case rd.Status == parley.RoundPlanned && attending && !rd.StartsAt.IsZero() && rd.StartsAt.Sub(now) < 14*24*time.Hour:
					it.Items = append(it.Items, inboxItem{Key: fmt.Sprintf("round-%d", rd.ID), Text: "Prepare for the round", Subject: rd.Title, Link: link, When: "starts " + ago(now, rd.StartsAt)})
				case rd.Status == parley.RoundInProgress && attending:
					it.Items = append(it.Items, inboxItem{Key: fmt.Sprintf("round-%d", rd.ID), Text: "The round is under way", Subject: rd.Title, Link: link})
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
					it.Items = append(it.Items, item)
				}
			}
		}
		out = append(out, it)
	}
	return out, nil
}
