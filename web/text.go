package web

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

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
