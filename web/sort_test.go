package web_test

import (
	"fmt"
	"strings"
	"testing"

	"parley"
)

// TestBoardAndSearchSortKeptInTheURL: the board's columns and the search
// results come in the order chosen, the order stays in the URL (and in the
// board's live refresh), and the counts say how many match.
func TestBoardAndSearchSortKeptInTheURL(t *testing.T) {
	s := newSite(t)
	ctx := parley.NewContextWithUser(t.Context(), s.us)
	tk, err := s.db.FindTalkByID(ctx, s.talk.ID)
	must(t, err)
	ru := tk.Parties[1].PartyID
	for _, title := range []string{"banking visas", "Airspace visas", "consulates"} {
		must(t, s.db.RaiseIrritant(ctx, &parley.Irritant{TalkID: s.talk.ID, Title: title, Toward: []int64{ru}}))
	}
	us := s.signIn("us")
	_, body := s.get(us, fmt.Sprintf("/talks/%d/irritants?sort=title", s.talk.ID))
	a, b := strings.Index(body, "Airspace visas"), strings.Index(body, "banking visas")
	if a < 0 || b < 0 || a > b {
		t.Errorf("sorted by title, Airspace is at %d and banking at %d", a, b)
	}
	if !strings.Contains(body, `<option value="title" selected>`) || !strings.Contains(body, "/irritants/board?sort=title") {
		t.Error("the board does not keep sort=title in its form and live refresh")
	}
	_, body = s.get(us, fmt.Sprintf("/talks/%d/irritants?sort=newest&q=visas", s.talk.ID))
	a, b = strings.Index(body, "Airspace visas"), strings.Index(body, "banking visas")
	if a < 0 || b < 0 || a > b || !strings.Contains(body, "2 irritants match the filters.") {
		t.Errorf("newest first with a search: Airspace at %d, banking at %d; or the count of matches is missing", a, b)
	}
	_, body = s.get(us, "/search?q=visas&sort=title")
	a, b = strings.Index(body, "Airspace visas"), strings.Index(body, "banking visas")
	if a < 0 || b < 0 || a > b || !strings.Contains(body, `<option value="title" selected>`) || !strings.Contains(body, "2 results for “visas” in 1 talk.") {
		t.Errorf("search sorted by title: Airspace at %d, banking at %d; or the sort or count is not shown", a, b)
	}
	_, body = s.get(us, "/search?q=visas&sort=newest")
	if a, b = strings.Index(body, "Airspace visas"), strings.Index(body, "banking visas"); a > b {
		t.Errorf("search newest first: Airspace at %d, banking at %d", a, b)
	}
}
