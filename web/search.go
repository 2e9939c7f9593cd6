package web

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"parley"
)

// searchLimit is how many irritants of one talk a search lists.
const searchLimit = 20

// searchHit is one thing a search found.
type searchHit struct {
	Kind, Title, Link, Snippet string
	// Created and Updated order the hits.
	Created, Updated time.Time
}

// sortHits orders hits as asked; "" keeps them by kind: irritants,
// statements, minutes.
func sortHits(hits []searchHit, by parley.IrritantSort) {
	cmp := map[parley.IrritantSort]func(a, b searchHit) int{
		parley.SortNewest:  func(a, b searchHit) int { return b.Created.Compare(a.Created) },
		parley.SortOldest:  func(a, b searchHit) int { return a.Created.Compare(b.Created) },
		parley.SortUpdated: func(a, b searchHit) int { return b.Updated.Compare(a.Updated) },
		parley.SortTitle:   func(a, b searchHit) int { return strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title)) },
	}[by]
	if cmp != nil {
		slices.SortStableFunc(hits, cmp)
	}
}

// searchTalk is one talk's hits.
type searchTalk struct {
	Talk *parley.Talk
	Hits []searchHit
}

// search looks for every word of q in every talk the user can see: the
// irritants' titles, descriptions and the comments the user may read (the
// board's own search, so visibility is exactly the board's), statements'
// titles and current text, and rounds' agenda and minutes.
func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	by := parley.IrritantSort(r.URL.Query().Get("sort"))
	if !by.Valid() {
		by = ""
	}
	var out []searchTalk
	n := 0
	if q != "" {
		ctx := r.Context()
		ts, err := s.app.Talks.FindTalks(ctx, parley.TalkFilter{})
		if err != nil {
			return err
		}
		words := strings.Fields(strings.ToLower(q))
		has := func(texts ...string) bool {
			all := strings.ToLower(strings.Join(texts, "\n"))
			for _, w := range words {
				if !strings.Contains(all, w) {
					return false
				}
			}
			return true
		}
		for _, t := range ts {
			st := searchTalk{Talk: t}
			if s.app.Irritants != nil {
				is, err := s.app.Irritants.FindIrritants(ctx, parley.IrritantFilter{TalkID: t.ID, Query: q, Limit: searchLimit})
				if err != nil {
					return err
				}
				for _, i := range is {
					st.Hits = append(st.Hits, searchHit{Kind: "Irritant, " + i.Status.Label(), Title: i.Title, Link: fmt.Sprintf("/irritants/%d", i.ID), Snippet: snippet(i.Description, words),
						Created: i.CreatedAt, Updated: i.UpdatedAt})
				}
			}
			if s.app.Statements != nil {
				ss, err := s.app.Statements.FindStatements(ctx, t.ID)
				if err != nil {
					return err
				}
				for _, x := range ss {
					if has(x.Title, x.Current.Text) {
						st.Hits = append(st.Hits, searchHit{Kind: "Joint statement", Title: x.Title, Link: fmt.Sprintf("/joint-statements/%d", x.ID), Snippet: snippet(x.Current.Text, words),
							Created: x.CreatedAt, Updated: x.Current.CreatedAt})
					}
				}
			}
			if s.app.Rounds != nil {
				rs, err := s.app.Rounds.FindRounds(ctx, t.ID)
				if err != nil {
					return err
				}
				for _, rd := range rs {
					for _, it := range rd.Agenda {
						if has(rd.Title, it.Title, it.Minutes, it.Note) {
							st.Hits = append(st.Hits, searchHit{Kind: "Minutes of " + rd.Title, Title: it.Title, Link: fmt.Sprintf("/rounds/%d#item-%d", rd.ID, it.ID), Snippet: snippet(it.Minutes+" "+it.Note, words),
								Created: rd.StartsAt, Updated: rd.StartsAt})
						}
					}
				}
			}
			if len(st.Hits) > 0 {
				sortHits(st.Hits, by)
				n += len(st.Hits)
				out = append(out, st)
			}
		}
	}
	return s.render(w, r, "search.html", map[string]any{"Query": q, "Talks": out, "Count": n, "Sort": by, "Sorts": parley.IrritantSorts})
}

// snippet returns up to 200 characters of text around the first word found.
func snippet(text string, words []string) string {
	rs := []rune(text)
	if len(rs) <= 200 {
		return text
	}
	low := strings.ToLower(text)
	at := 0
	for _, w := range words {
		if k := strings.Index(low, w); k >= 0 {
			at = len([]rune(low[:k]))
			break
		}
	}
	from := max(0, at-60)
	to := min(len(rs), from+200)
	s := string(rs[from:to])
	if from > 0 {
		s = "…" + s
	}
	if to < len(rs) {
		s += "…"
	}
	return s
}
