package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestMalformedRequestsAreRefusedClearly: requests that used to answer 500
// (duplicate ids) or be stored in a state nothing can use (a talk without
// parties, a round without a time, marks on an adopted statement) get a
// 400 or 409 that names the field.
func TestMalformedRequestsAreRefusedClearly(t *testing.T) {
	f := newFixture(t)
	med, us, ru := f.token("mediator"), f.token("us head"), f.token("other party")
	mid := f.users["mediator"].ID
	ua := f.party["UA"].ID
	tests := []struct {
		name, method, path string
		tok                string
		body               any
		status             int
		want               string
	}{
		{"talk without parties", "POST", "/api/v1/talks", med, map[string]any{"title": "alone"}, 400, "parties"},
		{"mediator named twice", "POST", "/api/v1/talks", med, map[string]any{"title": "twice", "mediator_ids": []int64{mid, mid},
			"parties": []map[string]any{{"party_id": f.party["US"].ID, "standing": "member"}}}, 400, "mediator_ids"},
		{"stakeholder named twice", "POST", fmt.Sprintf("/api/v1/talks/%d/statements", f.talk.ID), med,
			map[string]any{"title": "Joint", "text": "We met.", "stakeholders": []int64{ua, ua}}, 400, "twice"},
		{"round without a time", "POST", fmt.Sprintf("/api/v1/talks/%d/rounds", f.talk.ID), med,
			map[string]any{"title": "Geneva", "agenda": []map[string]any{{"title": "Opening"}}}, 400, "starts_at"},
	}
	for _, tt := range tests {
		resp, body := f.do(tt.method, tt.path, tt.tok, tt.body)
		if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.want) {
			t.Errorf("%s: %d %s; want %d naming %q", tt.name, resp.StatusCode, body, tt.status, tt.want)
		}
	}
	// Marks are final once a statement is adopted.
	st := f.statement()
	for _, tok := range []string{us, ru} {
		if resp, body := f.do("POST", fmt.Sprintf("/api/v1/statements/%d/signatures", st.ID), tok, map[string]any{"version": 1}); resp.StatusCode >= 300 {
			t.Fatalf("sign: %d %s", resp.StatusCode, body)
		}
	}
	resp, body := f.do("POST", fmt.Sprintf("/api/v1/statements/%d/marks", st.ID), us, map[string]any{"version": 1, "mark": "requests_changes"})
	if resp.StatusCode != 409 || !strings.Contains(string(body), "adopted") {
		t.Errorf("marking an adopted statement: %d %s; want 409", resp.StatusCode, body)
	}
}
