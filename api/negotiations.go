package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"parley"
	"parley/app"
	"parley/genius"
)

// This file serves negotiations: issues, confidential preferences, the
// mediator's single negotiating text, marks, improvement, disclosure.

// negotiationCall is the skeleton of a negotiation handler: a signed-in
// user, the negotiation service, the negotiation's (or talk's) {id}, a JSON
// body of type Req (none when Req is noBody), and what op returns, answered
// as JSON with status (or as op's withStatus says).
func negotiationCall[Req any](s *Server, status int, op func(ctx context.Context, svc parley.NegotiationService, id int64, req *Req) (any, error)) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		svc, id, err := serviceCall(r, s.NegotiationService)
		if err != nil {
			return err
		}
		var req Req
		if _, none := any(req).(noBody); !none {
			if err := decode(w, r, &req); err != nil {
				return err
			}
		}
		out, err := op(r.Context(), svc, id, &req)
		if err != nil {
			return err
		}
		if ws, ok := out.(withStatus); ok {
			status, out = ws.status, ws.body
		}
		return writeJSON(w, status, out)
	}
}

// noBody is the Req of a handler that reads no body.
type noBody struct{}

// withStatus answers body with a status other than the handler's usual one.
type withStatus struct {
	status int
	body   any
}

func (s *Server) handleListNegotiations(w http.ResponseWriter, r *http.Request) error {
	return negotiationCall(s, http.StatusOK, func(ctx context.Context, svc parley.NegotiationService, id int64, _ *noBody) (any, error) {
		ns, err := svc.FindNegotiations(ctx, id)
		return map[string]any{"negotiations": ns}, err
	})(w, r)
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
	return negotiationCall(s, http.StatusCreated, func(ctx context.Context, svc parley.NegotiationService, id int64, req *negotiationRequest) (any, error) {
		issues, err := req.issues()
		if err != nil {
			return nil, err
		}
		n := &parley.Negotiation{TalkID: id, Title: req.Title, Solution: req.Solution, Deadline: req.Deadline, RoundID: req.RoundID, Issues: issues}
		return n, svc.CreateNegotiation(ctx, n)
	})(w, r)
}

func (s *Server) handleGetNegotiation(w http.ResponseWriter, r *http.Request) error {
	return negotiationCall(s, http.StatusOK, func(ctx context.Context, _ parley.NegotiationService, id int64, _ *noBody) (any, error) {
		return s.NegotiationView(ctx, id)
	})(w, r)
}

func (s *Server) handleSetIssues(w http.ResponseWriter, r *http.Request) error {
	return negotiationCall(s, http.StatusOK, func(ctx context.Context, svc parley.NegotiationService, id int64, req *negotiationRequest) (any, error) {
		issues, err := req.issues()
		if err != nil {
			return nil, err
		}
		return svc.SetIssues(ctx, id, issues, req.Title, req.Solution)
	})(w, r)
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
	type request struct {
		To parley.NegotiationState `json:"to"`
	}
	return negotiationCall(s, http.StatusOK, func(ctx context.Context, svc parley.NegotiationService, id int64, req *request) (any, error) {
		switch req.To {
		case parley.NegotiationEliciting, parley.NegotiationMediating, parley.NegotiationClosed:
		default:
			return nil, parley.Errorf(parley.EINVALID, "to: %q is not one of eliciting, mediating, closed (agreement comes from the members' marks)", req.To)
		}
		return svc.MoveNegotiation(ctx, id, req.To)
	})(w, r)
}

func (s *Server) handleGetPreferences(w http.ResponseWriter, r *http.Request) error {
	// A party's confidential profile is never kept by a cache, nor is an
	// error about it.
	w.Header().Set("Cache-Control", "no-store")
	return negotiationCall(s, http.StatusOK, func(ctx context.Context, _ parley.NegotiationService, id int64, _ *noBody) (any, error) {
		return s.PreferencesView(ctx, id)
	})(w, r)
}

func (s *Server) handlePutPreferences(w http.ResponseWriter, r *http.Request) error {
	type request struct {
		Preferences *parley.Preferences `json:"preferences"`
		ProfileFile string              `json:"profile_file"`
		Submit      bool                `json:"submit"`
	}
	return negotiationCall(s, http.StatusOK, func(ctx context.Context, _ parley.NegotiationService, id int64, req *request) (any, error) {
		pp, err := s.SavePreferences(ctx, id, req.Preferences, req.ProfileFile, "profile_file", req.Submit)
		if err != nil {
			return nil, err
		}
		// The answer holds no preferences and no salt, so that a replay
		// cache never keeps them (GET .../preferences returns them to the party).
		return map[string]any{"version": pp.Version, "commitment": pp.Commitment, "submitted": pp.Submitted, "saved_at": pp.SavedAt}, nil
	})(w, r)
}

func (s *Server) handleProposeText(w http.ResponseWriter, r *http.Request) error {
	return negotiationCall(s, http.StatusCreated, func(ctx context.Context, _ parley.NegotiationService, id int64, req *app.TextRequest) (any, error) {
		n, a, note, err := s.ProposeText(ctx, id, *req)
		if err != nil {
			return nil, err
		}
		out := map[string]any{"negotiation": n, "assessment": a, "note": note}
		if note != "" {
			return withStatus{http.StatusOK, out}, nil // no new text: only the note
		}
		return out, nil
	})(w, r)
}

func (s *Server) handleAssessText(w http.ResponseWriter, r *http.Request) error {
	type request struct {
		Outcome map[string]string `json:"outcome"`
	}
	return negotiationCall(s, http.StatusOK, func(ctx context.Context, _ parley.NegotiationService, id int64, req *request) (any, error) {
		return s.Mediator.Assess(ctx, id, req.Outcome)
	})(w, r)
}

func (s *Server) handleMarkText(w http.ResponseWriter, r *http.Request) error {
	type request struct {
		Version      int    `json:"version"`
		Mark         string `json:"mark"`
		Reason       string `json:"reason"`
		ReasonPublic bool   `json:"reason_public"`
	}
	return negotiationCall(s, http.StatusOK, func(ctx context.Context, svc parley.NegotiationService, id int64, req *request) (any, error) {
		return svc.MarkText(ctx, id, req.Version, req.Mark, req.Reason, req.ReasonPublic)
	})(w, r)
}

func (s *Server) handleDraftStatement(w http.ResponseWriter, r *http.Request) error {
	return negotiationCall(s, http.StatusCreated, func(ctx context.Context, _ parley.NegotiationService, id int64, _ *noBody) (any, error) {
		return s.DraftStatement(ctx, id)
	})(w, r)
}

func (s *Server) handleDisclose(w http.ResponseWriter, r *http.Request) error {
	return negotiationCall(s, http.StatusOK, func(ctx context.Context, svc parley.NegotiationService, id int64, _ *noBody) (any, error) {
		return svc.ConsentToDisclose(ctx, id)
	})(w, r)
}

func (s *Server) handleAnalysis(w http.ResponseWriter, r *http.Request) error {
	return negotiationCall(s, http.StatusOK, func(ctx context.Context, _ parley.NegotiationService, id int64, _ *noBody) (any, error) {
		return s.Mediator.Disclosed(ctx, id)
	})(w, r)
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
