package web

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"parley"
)

func jsonText(text string) json.RawMessage {
	b, _ := json.Marshal(map[string]string{"text": text})
	return b
}

// summary renders an event's payload as one line of plain text for the feed.
func summary(e *parley.Event) string {
	var m map[string]any
	if json.Unmarshal(e.Payload, &m) != nil {
		return string(e.Payload)
	}
	if t, ok := consultSummary(e); ok {
		return t
	}
	if t, ok := m["text"].(string); ok {
		return t
	}
	if e.Type == parley.EventSignOff {
		if seq, ok := m["seq"].(float64); ok {
			return fmt.Sprintf("signed off entry #%d", int64(seq))
		}
	}
	if t, ok := m["title"].(string); ok && e.Type == "talk.created" {
		return "opened the talk “" + t + "”"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %v", k, m[k]))
	}
	return strings.Join(parts, ", ")
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
