package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"parley"
)

// TestStoreErrorsReachClientsBare checks that the context the store adds to
// its errors (the method and its arguments) stays in the server: a client
// reads the code's status and the domain message alone.
func TestStoreErrorsReachClientsBare(t *testing.T) {
	f := newFixture(t)
	tok := f.token("us head")
	i := f.irritant(parley.IrritantRaised)
	for _, tt := range []struct {
		name, method, path string
		body               any
		status             int
		code, message      string
	}{
		{"missing irritant", "GET", "/api/v1/irritants/99999", nil, 404, parley.ENOTFOUND, "no irritant 99999"},
		{"missing round", "GET", "/api/v1/rounds/99999", nil, 404, parley.ENOTFOUND, "no round 99999"},
		{"illegal move", "POST", fmt.Sprintf("/api/v1/irritants/%d/moves", i.ID), map[string]any{"to": "resolved"}, 409, parley.ECONFLICT, ""},
	} {
		resp, body := f.do(tt.method, tt.path, tok, tt.body)
		var e struct {
			Error struct{ Code, Message string }
		}
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("%s: %d %s", tt.name, resp.StatusCode, body)
		}
		if resp.StatusCode != tt.status || e.Error.Code != tt.code || (tt.message != "" && e.Error.Message != tt.message) {
			t.Errorf("%s: %d %+v; want %d %s %q", tt.name, resp.StatusCode, e.Error, tt.status, tt.code, tt.message)
		}
		for _, leak := range []string{"FindIrritantByID", "FindRoundByID", "MoveIrritant", "SELECT", "sql"} {
			if strings.Contains(strings.ToLower(string(body)), strings.ToLower(leak)) {
				t.Errorf("%s: the body %s shows %q", tt.name, body, leak)
			}
		}
	}
}
