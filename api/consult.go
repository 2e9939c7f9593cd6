package api

import (
	"context"
	"encoding/csv"
	"net/http"
	"parley/app"
	"strconv"
	"strings"
	"time"

	"parley"
)

// This file is the consultation mechanism's part of the API: irritants,
// their moves, confirmations, comments and CSV export.

// irritantFilter reads a listing's filters from the query string:
// status (comma-separated), category, priority, party, q, after, limit.
func irritantFilter(r *http.Request, talkID int64) (parley.IrritantFilter, error) {
	after, limit, err := page(r)
	if err != nil {
		return parley.IrritantFilter{}, err
	}
	q := r.URL.Query()
	f := parley.IrritantFilter{TalkID: talkID, AfterID: after, Limit: limit, Category: q.Get("category"), Priority: q.Get("priority"), Query: q.Get("q"),
		Sort: parley.IrritantSort(q.Get("sort"))}
	if v := q.Get("status"); v != "" {
		for _, st := range strings.Split(v, ",") {
			st := parley.IrritantStatus(strings.TrimSpace(st))
			if !st.Valid() {
				return f, parley.Errorf(parley.EINVALID, "status %q is not one of the irritant statuses", st)
			}
			f.Status = append(f.Status, st)
		}
	}
	if v := q.Get("party"); v != "" {
		if f.Party, err = strconv.ParseInt(v, 10, 64); err != nil {
			return f, parley.Errorf(parley.EINVALID, "party must be a party id")
		}
	}
	if len(f.Query) > 200 {
		return f, parley.Errorf(parley.EINVALID, "search text is over 200 characters")
	}
	return f, nil
}

func (s *Server) handleListIrritants(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.IrritantService)
	if err != nil {
		return err
	}
	f, err := irritantFilter(r, id)
	if err != nil {
		return err
	}
	limit := f.Limit
	f.Limit++
	is, err := svc.FindIrritants(r.Context(), f)
	if err != nil {
		return err
	}
	counts, err := svc.CountIrritants(r.Context(), id)
	if err != nil {
		return err
	}
	out := map[string]any{"counts": counts}
	if len(is) > limit {
		is = is[:limit]
		out["next"] = is[limit-1].ID
	}
	out["irritants"] = is
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleRaiseIrritant(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.IrritantService)
	if err != nil {
		return err
	}
	var req struct {
		Title        string  `json:"title"`
		Description  string  `json:"description"`
		Category     string  `json:"category"`
		Priority     string  `json:"priority"`
		Toward       []int64 `json:"toward"`
		Stakeholders []int64 `json:"stakeholders"`
		Due          string  `json:"due"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	i := &parley.Irritant{TalkID: id, Title: req.Title, Description: req.Description, Category: req.Category, Priority: req.Priority,
		Toward: req.Toward, Stakeholders: req.Stakeholders, Due: req.Due}
	if err := svc.RaiseIrritant(r.Context(), i); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, i)
}

// irritantView is an irritant with what the viewer needs to act on it.
type irritantView struct {
	Irritant   *parley.Irritant          `json:"irritant"`
	Awaiting   []int64                   `json:"awaiting_confirmation"`
	LegalMoves []parley.IrritantStatus   `json:"legal_moves"`
	Comments   []*parley.IrritantComment `json:"comments"`
	Rounds     []parley.Discussion       `json:"rounds"`
}

// IrritantView returns irritant id with its comments, as the user in ctx may see them.
func (s *Server) IrritantView(ctx context.Context, id int64) (*irritantView, error) {
	svc, err := s.IrritantService()
	if err != nil {
		return nil, err
	}
	i, err := svc.FindIrritantByID(ctx, id)
	if err != nil {
		return nil, err
	}
	cs, err := svc.IrritantComments(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &irritantView{Irritant: i, Awaiting: nonNil(i.AwaitingConfirmation()), LegalMoves: nonNil(i.Status.Next()), Comments: cs}
	if i.Status == parley.IrritantResolved {
		v.Awaiting = []int64{}
	}
	v.Rounds = []parley.Discussion{}
	if s.Rounds != nil {
		if v.Rounds, err = s.Rounds.IrritantRounds(ctx, id); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (s *Server) handleGetIrritant(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.IrritantView(r.Context(), id)
	return reply(w, http.StatusOK, v, err)
}

func (s *Server) handleIrritantTimeline(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.IrritantService)
	if err != nil {
		return err
	}
	es, err := svc.IrritantTimeline(r.Context(), id)
	return reply(w, http.StatusOK, map[string]any{"events": es}, err)
}

func (s *Server) handleMoveIrritant(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.IrritantService)
	if err != nil {
		return err
	}
	var m parley.IrritantMove
	if err := decode(w, r, &m); err != nil {
		return err
	}
	i, err := svc.MoveIrritant(r.Context(), id, m)
	return reply(w, http.StatusOK, i, err)
}

func (s *Server) handleConfirmIrritant(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.IrritantService)
	if err != nil {
		return err
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 {
		if err := decode(w, r, &req); err != nil {
			return err
		}
	}
	i, err := svc.MoveIrritant(r.Context(), id, parley.IrritantMove{To: parley.IrritantResolved, Reason: req.Reason})
	return reply(w, http.StatusOK, i, err)
}

func (s *Server) handleCommentIrritant(w http.ResponseWriter, r *http.Request) error {
	u, err := requireUser(r)
	if err != nil {
		return err
	}
	svc, err := s.IrritantService()
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req struct {
		Kind string `json:"kind"`
		Text string `json:"text"`
		// Visibility is "shared" (all who see the talk, the default) or
		// "internal" (the author's own party only).
		Visibility string `json:"visibility"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	c := &parley.IrritantComment{IrritantID: id, Kind: req.Kind, Text: req.Text}
	switch req.Visibility {
	case "", "shared":
	case "internal":
		if u.PartyID == 0 {
			return parley.Errorf(parley.EINVALID, "internal comments are for a party's own delegation; you belong to no party")
		}
		c.PrivateTo = u.PartyID
	default:
		return parley.Errorf(parley.EINVALID, "visibility %q is not one of shared, internal", req.Visibility)
	}
	if err := svc.CommentOnIrritant(r.Context(), c); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, c)
}

// csvCell defuses cells a spreadsheet would run as a formula.
func csvCell(v string) string {
	if v != "" && strings.ContainsAny(v[:1], "=+-@\t\r") {
		return "'" + v
	}
	return v
}

func (s *Server) handleIrritantsCSV(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.IrritantService)
	if err != nil {
		return err
	}
	f, err := irritantFilter(r, id)
	if err != nil {
		return err
	}
	// With ?limit= the export is one page (after ?after=); without it,
	// every irritant, read in pages of 1000.
	paged := r.URL.Query().Get("limit") != ""
	if !paged {
		f.Limit = 1000
	}
	ps, err := s.Parties.ListParties(r.Context())
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, p := range ps {
		names[p.ID] = p.Name
	}
	list := func(ids []int64) string {
		var out []string
		for _, id := range ids {
			out = append(out, names[id])
		}
		return strings.Join(out, "; ")
	}
	// Written page by page as it is read, so an export of any size takes
	// one page of memory. The first page is read before the first byte is
	// written, so that an error there still gets a proper status.
	var cw *csv.Writer
	for {
		is, err := svc.FindIrritants(r.Context(), f)
		if err == nil && cw != nil && len(is) == 0 {
			break
		}
		var comments map[int64][]*parley.IrritantComment
		if err == nil {
			ids := make([]int64, len(is))
			for k, i := range is {
				ids[k] = i.ID
			}
			comments, err = svc.CommentsOnIrritants(r.Context(), id, ids)
		}
		if err != nil {
			if cw == nil {
				return err
			}
			// Rows are out with a 200: end the response unfinished, so the
			// client sees a broken transfer rather than a short export.
			s.Logger.ErrorContext(r.Context(), "csv export", "err", err, "request_id", app.RequestID(r.Context()))
			panic(http.ErrAbortHandler)
		}
		if cw == nil {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			w.Header().Set("Content-Disposition", `attachment; filename="talk-`+strconv.FormatInt(id, 10)+`-irritants.csv"`)
			cw = csv.NewWriter(w)
			cw.Write([]string{"id", "title", "status", "raised_by", "toward", "category", "priority", "due", "stakeholders", "confirmed_by",
				"escalated_to", "status_reason", "created_at", "updated_at", "description", "comments"})
		}
		for _, i := range is {
			var confirmed []int64
			for _, c := range i.Confirmations {
				confirmed = append(confirmed, c.PartyID)
			}
			var texts []string
			for _, c := range comments[i.ID] {
				// Marked, so an export passed on does not carry a party's
				// internal notes unawares.
				label := names[c.PartyID]
				if c.Internal() {
					label += " [internal to " + names[c.PrivateTo] + "]"
				}
				texts = append(texts, label+": "+c.Text)
			}
			row := []string{strconv.FormatInt(i.ID, 10), i.Title, string(i.Status), names[i.RaisedBy], list(i.Toward),
				i.Category, i.Priority, i.Due, list(i.Stakeholders), list(confirmed), i.EscalatedTo, i.StatusReason,
				i.CreatedAt.Format(time.RFC3339), i.UpdatedAt.Format(time.RFC3339), i.Description, strings.Join(texts, "\n")}
			for k := range row {
				row[k] = csvCell(row[k])
			}
			cw.Write(row)
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return nil // the client left
		}
		if paged || len(is) < f.Limit {
			break
		}
		f.AfterID = is[len(is)-1].ID
	}
	cw.Flush()
	return cw.Error()
}
