package web

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"parley"
)

func jsonText(text string) json.RawMessage {
	b, _ := json.Marshal(map[string]string{"text": text})
	return b
}

// lookups caches, for one page or stream, the names of the people and the
// titles of the subjects its entries mention.
type lookups struct {
	users  map[int64]string
	titles map[string]string
}

func newLookups() *lookups {
	return &lookups{users: map[int64]string{}, titles: map[string]string{}}
}

// describe renders an event as a line a person reads, after the actor's
// name: what was done, to what (the subject, linked), with party names
// rather than ids and no record type names.
func (s *Server) describe(ctx context.Context, e *parley.Event, names map[int64]string, lk *lookups) activityLine {
	if l, ok := parley.Describe(e); ok {
		link := parley.Link(e)
		if l.Subject == "" {
			l.Subject = s.title(ctx, link, lk)
		}
		if l.Subject == "" {
			l.Subject = l.Noun
		}
		after := l.After + l.Tail(func(ids []int64, _, _ string) string { return partyList(ids, names) })
		return activityLine{Before: l.Before, Subject: l.Subject, After: after, Link: link}
	}
	var m map[string]any
	if json.Unmarshal(e.Payload, &m) != nil {
		return activityLine{Before: "made an entry in the record"}
	}
	party := func() string {
		id, _ := m["party_id"].(float64)
		if n := names[int64(id)]; n != "" {
			return n
		}
		return "a party"
	}
	standing, _ := m["standing"].(string)
	switch e.Type {
	case "talk.created":
		t, _ := m["title"].(string)
		return activityLine{Before: "opened the talk ", Subject: t, Link: fmt.Sprintf("/talks/%d", e.TalkID)}
	case "party.proposed":
		return activityLine{Before: "proposed inviting " + party() + " as " + standingLabel(standing)}
	case "party.invited":
		return activityLine{Before: "invited " + party() + " as " + standingLabel(standing)}
	case "invitation.consented":
		return activityLine{Before: "agreed to invite " + party()}
	case "invitation.withdrawn":
		return activityLine{Before: "withdrew the invitation of " + party()}
	case "invitation.accepted":
		return activityLine{Before: "accepted the invitation for " + party() + ", which takes part as " + standingLabel(standing)}
	case "member.joined", "member.disabled":
		who, _ := m["display_name"].(string)
		if who == "" {
			who, _ = m["name"].(string)
		}
		if e.Type == "member.joined" {
			return activityLine{Before: who + " joined the delegation"}
		}
		return activityLine{Before: who + " no longer acts for the delegation"}
	case parley.EventSignOff:
		if seq, ok := m["seq"].(float64); ok {
			return activityLine{Before: "signed off ", Subject: "an earlier entry", Link: fmt.Sprintf("#ev-%d", int64(seq))}
		}
	}
	if t, ok := m["text"].(string); ok {
		return activityLine{Before: t}
	}
	return activityLine{Before: "made an entry in the record"}
}

// activityLine is an entry's text: Before, the linked Subject, After.
type activityLine struct {
	Before, Subject, After, Link string
}

// title returns the title of the irritant, round, statement or
// negotiation link points to, as the viewer may see it, or "".
func (s *Server) title(ctx context.Context, link string, lk *lookups) string {
	if t, ok := lk.titles[link]; ok {
		return t
	}
	kind, rest, _ := strings.Cut(strings.TrimPrefix(link, "/"), "/")
	id, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		return ""
	}
	var t string
	switch kind {
	case "irritants":
		if x, err := s.app.Irritants.FindIrritantByID(ctx, id); err == nil {
			t = x.Title
		}
	case "rounds":
		if s.app.Rounds != nil {
			if x, err := s.app.Rounds.FindRoundByID(ctx, id); err == nil {
				t = x.Title
			}
		}
	case "joint-statements":
		if s.app.Statements != nil {
			if x, err := s.app.Statements.FindStatementByID(ctx, id); err == nil {
				t = x.Title
			}
		}
	case "negotiations":
		if s.app.Negotiations != nil {
			if x, err := s.app.Negotiations.FindNegotiationByID(ctx, id); err == nil {
				t = x.Title
			}
		}
	}
	lk.titles[link] = t
	return t
}

// standingLabel is a party's standing in a talk as a person reads it.
func standingLabel(s string) string {
	switch parley.Standing(s) {
	case parley.StandingMember:
		return "a delegation at the table"
	case parley.StandingObserver:
		return "an observer"
	case parley.StandingStakeholder:
		return "an affected stakeholder"
	}
	return s
}

// eventLabel names the kind of a feed entry when its text does not say it;
// the record's type names stay in the record.
func eventLabel(typ string) string {
	switch typ {
	case "statement":
		return "said"
	case "note":
		return "note"
	case parley.EventSignOff:
		return "signed"
	}
	return ""
}

// ago says how far t is from now in words: "3 weeks ago", "in 2 days".
func ago(now, t time.Time) string {
	d := now.Sub(t)
	future := d < 0
	if future {
		d = -d
	}
	var s string
	switch days := int(d.Hours() / 24); {
	case d < time.Hour:
		s = plural(int(d.Minutes()), "minute")
	case days < 1:
		s = plural(int(d.Hours()), "hour")
	case days < 14:
		s = plural(days, "day")
	case days < 60:
		s = plural(days/7, "week")
	case days < 730:
		s = plural(days/30, "month")
	default:
		s = plural(days/365, "year")
	}
	if future {
		return "in " + s
	}
	return s + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
