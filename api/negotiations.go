package api

import (
	"bytes"
	"fmt"
	"net/http"
	"time"

	"parley"
	"parley/app"
	"parley/genius"
)

// This file serves negotiations: issues, confidential preferences, the
// mediator's single negotiating text, marks, improvement, disclosure.

func (s *Server) handleListNegotiations(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.NegotiationService)
	if err != nil {
		return err
	}
	ns, err := svc.FindNegotiations(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"negotiations": ns})
}

// negotiationRequest is the body that opens a negotiation or redrafts its issues.
type negotiationRequest struct {
	Title    string                    `json:"title"`
	Solution string                    `json:"solution"`
	Deadline *time.Time                `json:"deadline"`
	RoundID  int64                     `json:"round_id"`
	Issues   []parley.NegotiationIssue `json:"issues"`
	// Domain is a GENIUS XML or GeniusWeb JSON domain file, instead of issues.
	Domain string `json:"domain"`
}

func (req *negotiationRequest) issues() ([]parley.NegotiationIssue, error) {
	if req.Domain == "" {
		return req.Issues, nil
	}
	if len(req.Issues) > 0 {
		return nil, parley.Errorf(parley.EINVALID, "issues: give either issues or a domain file, not both")
	}
	issues, name, err := app.ParseDomainFile("domain", []byte(req.Domain))
	if req.Title == "" {
		req.Title = name
	}
	return issues, err
}

func (s *Server) handleCreateNegotiation(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.NegotiationService)
	if err != nil {
		return err
	}
	var req negotiationRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	issues, err := req.issues()
	if err != nil {
		return err
	}
	n := &parley.Negotiation{TalkID: id, Title: req.Title, Solution: req.Solution, Deadline: req.Deadline, RoundID: req.RoundID, Issues: issues}
	if err := svc.CreateNegotiation(r.Context(), n); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, n)
}

func (s *Server) handleGetNegotiation(w http.ResponseWriter, r *http.Request) error {
	_, id, err := serviceCall(r, s.NegotiationService)
	if err != nil {
		return err
	}
	v, err := s.NegotiationView(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func (s *Server) handleSetIssues(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.NegotiationService)
	if err != nil {
		return err
	}
	var req negotiationRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	issues, err := req.issues()
	if err != nil {
		return err
	}
	n, err := svc.SetIssues(r.Context(), id, issues, req.Title, req.Solution)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, n)
}

func (s *Server) handleNegotiationDomain(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.NegotiationService)
	if err != nil {
		return err
	}
	n, err := svc.FindNegotiationByID(r.Context(), id)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := genius.WriteDomainXML(&b, n.Domain()); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="negotiation-%d-domain.xml"`, id))
	_, err = w.Write(b.Bytes())
	return err
}

func (s *Server) handleMoveNegotiation(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.NegotiationService)
	if err != nil {
		return err
	}
	var req struct {
		To parley.NegotiationState `json:"to"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	switch req.To {
	case parley.NegotiationEliciting, parley.NegotiationMediating, parley.NegotiationClosed:
	default:
		return parley.Errorf(parley.EINVALID, "to: %q is not one of eliciting, mediating, closed (agreement comes from the members' marks)", req.To)
	}
	n, err := svc.MoveNegotiation(r.Context(), id, req.To)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, n)
}

func (s *Server) handleGetPreferences(w http.ResponseWriter, r *http.Request) error {
	_, id, err := serviceCall(r, s.NegotiationService)
	if err != nil {
		return err
	}
	v, err := s.PreferencesView(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, v)
}

func (s *Server) handlePutPreferences(w http.ResponseWriter, r *http.Request) error {
	_, id, err := serviceCall(r, s.NegotiationService)
	if err != nil {
		return err
	}
	var req struct {
		Preferences *parley.Preferences `json:"preferences"`
		ProfileFile string              `json:"profile_file"`
		Submit      bool                `json:"submit"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	pp, err := s.SavePreferences(r.Context(), id, req.Preferences, req.ProfileFile, "profile_file", req.Submit)
	if err != nil {
		return err
	}
	// The answer holds no preferences and no salt, so that a replay cache
	// never keeps them (GET .../preferences returns them to the party).
	return writeJSON(w, http.StatusOK, map[string]any{"version": pp.Version, "commitment": pp.Commitment, "submitted": pp.Submitted, "saved_at": pp.SavedAt})
}

func (s *Server) handleProposeText(w http.ResponseWriter, r *http.Request) error {
	_, id, err := serviceCall(r, s.NegotiationService)
	if err != nil {
		return err
	}
	var req app.TextRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	n, a, note, err := s.ProposeText(r.Context(), id, req)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if note != "" {
		status = http.StatusOK
	}
	return writeJSON(w, status, map[string]any{"negotiation": n, "assessment": a, "note": note})
}

func (s *Server) handleAssessText(w http.ResponseWriter, r *http.Request) error {
	_, id, err := serviceCall(r, s.NegotiationService)
	if err != nil {
		return err
	}
	var req struct {
		Outcome map[string]string `json:"outcome"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	a, err := s.Mediator.Assess(r.Context(), id, req.Outcome)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

func (s *Server) handleMarkText(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.NegotiationService)
	if err != nil {
		return err
	}
	var req struct {
		Version      int    `json:"version"`
		Mark         string `json:"mark"`
		Reason       string `json:"reason"`
		ReasonPublic bool   `json:"reason_public"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	n, err := svc.MarkText(r.Context(), id, req.Version, req.Mark, req.Reason, req.ReasonPublic)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, n)
}

func (s *Server) handleDraftStatement(w http.ResponseWriter, r *http.Request) error {
	_, id, err := serviceCall(r, s.NegotiationService)
	if err != nil {
		return err
	}
	st, err := s.DraftStatement(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, st)
}

func (s *Server) handleDisclose(w http.ResponseWriter, r *http.Request) error {
	svc, id, err := serviceCall(r, s.NegotiationService)
	if err != nil {
		return err
	}
	n, err := svc.ConsentToDisclose(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, n)
}

func (s *Server) handleAnalysis(w http.ResponseWriter, r *http.Request) error {
	_, id, err := serviceCall(r, s.NegotiationService)
	if err != nil {
		return err
	}
	d, err := s.Mediator.Disclosed(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

func (s *Server) handleAnalysisPlot(w http.ResponseWriter, r *http.Request) error {
	_, id, err := serviceCall(r, s.NegotiationService)
	if err != nil {
		return err
	}
	d, err := s.Mediator.Disclosed(r.Context(), id)
	if err != nil {
		return err
	}
	names, err := s.PartyNames(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	return DancePlot(w, d, names)
}
