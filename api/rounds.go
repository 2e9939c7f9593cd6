package api

import (
	"net/http"
	"strconv"

	"parley"
)

// This file serves rounds of talks and joint statements.

func (s *Server) rounds() (parley.RoundService, error) {
	if s.Rounds == nil {
		return nil, parley.Errorf(parley.EINTERNAL, "rounds are not configured")
	}
	return s.Rounds, nil
}

func (s *Server) statements() (parley.StatementService, error) { return s.StatementService() }

// serviceCall is what every round and statement handler starts with: a
// signed-in user and the {id} of the path.
func serviceCall[T any](r *http.Request, svc func() (T, error)) (T, int64, error) {
	var zero T
	if _, err := requireUser(r); err != nil {
		return zero, 0, err
	}
	v, err := svc()
	if err != nil {
		return zero, 0, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return zero, 0, err
	}
	return v, id, nil
}

func (s *Server) handleListRounds(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.rounds)
	if err != nil {
		return err
	}
	rs, err := svc.FindRounds(r.Context(), id)
	return reply(w, http.StatusOK, map[string]any{"rounds": rs}, err)
}

func (s *Server) handleCreateRound(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.rounds)
	if err != nil {
		return err
	}
	var req struct {
		parley.RoundDetails
		Host        int64                `json:"host"`
		Delegations []int64              `json:"delegations"`
		Agenda      []*parley.AgendaItem `json:"agenda"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	rd := &parley.Round{TalkID: id, Title: req.Title, Venue: req.Venue, StartsAt: req.StartsAt, EndsAt: req.EndsAt, Host: req.Host,
		Delegations: req.Delegations, Agenda: agendaInput(req.Agenda)}
	if err := svc.CreateRound(r.Context(), rd); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, rd)
}

// agendaInput keeps what a client may set on agenda items: their ID (to
// keep minutes when reordering), irritant and title.
func agendaInput(items []*parley.AgendaItem) []*parley.AgendaItem {
	out := []*parley.AgendaItem{}
	for _, it := range items {
		if it != nil {
			out = append(out, &parley.AgendaItem{ID: it.ID, IrritantID: it.IrritantID, Title: it.Title})
		}
	}
	return out
}

func (s *Server) handleGetRound(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.rounds)
	if err != nil {
		return err
	}
	rd, err := svc.FindRoundByID(r.Context(), id)
	return reply(w, http.StatusOK, rd, err)
}

// handleUpdateRound changes a planned round's title, venue or times; the
// fields a request leaves out keep their values.
func (s *Server) handleUpdateRound(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.rounds)
	if err != nil {
		return err
	}
	rd, err := svc.FindRoundByID(r.Context(), id)
	if err != nil {
		return err
	}
	// The body is read over the round's details: what it leaves out stays.
	d := rd.Details()
	if err := decode(w, r, &d); err != nil {
		return err
	}
	if rd, err = svc.UpdateRound(r.Context(), id, d); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rd)
}

func (s *Server) handleApproveMinutes(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.rounds)
	if err != nil {
		return err
	}
	var req struct {
		Version *int `json:"version"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.Version == nil {
		return parley.Errorf(parley.EINVALID, "version is missing; give the minutes_version of the round you read and approve")
	}
	rd, err := svc.ApproveMinutes(r.Context(), id, *req.Version)
	return reply(w, http.StatusOK, rd, err)
}

func (s *Server) handleSetAgenda(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.rounds)
	if err != nil {
		return err
	}
	var req struct {
		Agenda []*parley.AgendaItem `json:"agenda"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	rd, err := svc.SetAgenda(r.Context(), id, agendaInput(req.Agenda))
	return reply(w, http.StatusOK, rd, err)
}

func (s *Server) handleRecordMinutes(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.rounds)
	if err != nil {
		return err
	}
	item, err := pathID(r, "item")
	if err != nil {
		return err
	}
	var m parley.Minutes
	if err := decode(w, r, &m); err != nil {
		return err
	}
	rd, err := svc.RecordMinutes(r.Context(), id, item, m)
	return reply(w, http.StatusOK, rd, err)
}

func (s *Server) handleMoveRound(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.rounds)
	if err != nil {
		return err
	}
	var req struct {
		To parley.RoundStatus `json:"to"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	rd, err := svc.MoveRound(r.Context(), id, req.To)
	return reply(w, http.StatusOK, rd, err)
}

func (s *Server) handleListStatements(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.statements)
	if err != nil {
		return err
	}
	ss, err := svc.FindStatements(r.Context(), id)
	return reply(w, http.StatusOK, map[string]any{"statements": ss}, err)
}

func (s *Server) handleCreateStatement(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.statements)
	if err != nil {
		return err
	}
	var req struct {
		Title        string  `json:"title"`
		Stakeholders []int64 `json:"stakeholders"`
		Text         string  `json:"text"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	st := &parley.Statement{TalkID: id, Title: req.Title, Stakeholders: req.Stakeholders}
	if err := svc.CreateStatement(r.Context(), st, req.Text); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, st)
}

func (s *Server) handleGetStatement(w http.ResponseWriter, r *http.Request) error {
	_, id, err := serviceCall(r, s.statements)
	if err != nil {
		return err
	}
	v, err := s.StatementView(r.Context(), id)
	return reply(w, http.StatusOK, v, err)
}

func (s *Server) handleStatementVersions(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.statements)
	if err != nil {
		return err
	}
	vs, err := svc.StatementVersions(r.Context(), id)
	return reply(w, http.StatusOK, map[string]any{"versions": vs}, err)
}

func (s *Server) handleStatementDiff(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.statements)
	if err != nil {
		return err
	}
	vs, err := svc.StatementVersions(r.Context(), id)
	if err != nil {
		return err
	}
	num := func(name string, def int) (int, error) {
		v := r.URL.Query().Get(name)
		if v == "" {
			return def, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > len(vs) {
			return 0, parley.Errorf(parley.EINVALID, "%s must be a version from 1 to %d", name, len(vs))
		}
		return n, nil
	}
	to, err := num("to", len(vs))
	if err != nil {
		return err
	}
	from, err := num("from", max(1, to-1))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"from": from, "to": to, "diff": parley.Diff(vs[from-1].Text, vs[to-1].Text)})
}

func (s *Server) handleEditStatement(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.statements)
	if err != nil {
		return err
	}
	var req struct {
		Base int    `json:"base"`
		Text string `json:"text"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	v, err := svc.EditStatement(r.Context(), id, req.Base, req.Text)
	if parley.ErrorCode(err) == parley.ECONFLICT && v != nil {
		// Both texts go back, so the editor loses nothing and can merge.
		return writeJSON(w, http.StatusConflict, map[string]any{
			"error":   map[string]string{"code": parley.ECONFLICT, "message": parley.ErrorMessage(err)},
			"current": v, "yours": req.Text, "diff": parley.Diff(v.Text, req.Text)})
	} else if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, v)
}

func (s *Server) handleMarkStatement(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.statements)
	if err != nil {
		return err
	}
	var req struct {
		Version int    `json:"version"`
		Mark    string `json:"mark"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	st, err := svc.MarkStatement(r.Context(), id, req.Version, req.Mark)
	return reply(w, http.StatusOK, st, err)
}

func (s *Server) handleSignStatement(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.statements)
	if err != nil {
		return err
	}
	var req struct {
		Version int `json:"version"`
		// Signature is the party's ed25519 signature over the version's
		// hash, when the party holds its own key.
		Signature []byte `json:"signature"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	st, err := svc.SignStatement(r.Context(), id, req.Version, req.Signature)
	return reply(w, http.StatusOK, st, err)
}

func (s *Server) handleConsentStatement(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.statements)
	if err != nil {
		return err
	}
	var req struct {
		Version int    `json:"version"`
		Consent bool   `json:"consent"`
		Note    string `json:"note"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	st, err := svc.ConsentToStatement(r.Context(), id, req.Version, req.Consent, req.Note)
	return reply(w, http.StatusOK, st, err)
}

func (s *Server) handleCommentStatement(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.statements)
	if err != nil {
		return err
	}
	var req struct {
		Version   int    `json:"version"`
		Paragraph int    `json:"paragraph"`
		Text      string `json:"text"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	c := &parley.StatementComment{Version: req.Version, Paragraph: req.Paragraph, Text: req.Text}
	if err := svc.CommentOnStatement(r.Context(), id, c); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, c)
}
