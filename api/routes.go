package api

import "net/http"

// route is one API endpoint.
type route struct {
	pattern string
	h       handler
}

// routes lists every endpoint of the API, in one place. The OpenAPI document
// and the authorization matrix test are checked against this list.
func (s *Server) routes() []route {
	return []route{
		{"GET /api/v1/openapi.json", s.handleOpenAPI},
		{"POST /api/v1/setup", s.handleSetup},
		{"POST /api/v1/session", s.handleLogin},
		{"DELETE /api/v1/session", s.handleLogout},
		{"GET /api/v1/me", s.handleMe},
		{"PUT /api/v1/me/password", s.handleChangePassword},
		{"GET /api/v1/tokens", s.handleListTokens},
		{"POST /api/v1/tokens", s.idempotent(s.handleCreateToken)},
		{"DELETE /api/v1/tokens/{id}", s.handleDeleteToken},
		{"GET /api/v1/parties", s.handleListParties},
		{"POST /api/v1/parties", s.idempotent(s.handleCreateParty)},
		{"PUT /api/v1/parties/{id}/key", s.handleSetPartyKey},
		{"GET /api/v1/users", s.handleListUsers},
		{"POST /api/v1/users", s.idempotent(s.handleCreateUser)},
		{"POST /api/v1/users/{id}/approve", s.handleApproveMember},
		{"POST /api/v1/users/{id}/disable", s.handleDisableUser},
		{"GET /api/v1/parties/{id}/members", s.handleListMembers},
		{"GET /api/v1/talks", s.handleListTalks},
		{"POST /api/v1/talks", s.idempotent(s.handleCreateTalk)},
		{"GET /api/v1/talks/{id}", s.handleGetTalk},
		{"POST /api/v1/talks/{id}/parties", s.idempotent(s.handleInviteParty)},
		{"POST /api/v1/talks/{id}/accept", s.idempotent(s.handleAccept)},
		{"POST /api/v1/talks/{id}/invitations/{party}/consent", s.idempotent(s.handleConsentInvitation)},
		{"DELETE /api/v1/talks/{id}/invitations/{party}", s.handleWithdrawInvitation},
		{"GET /api/v1/talks/{id}/events", s.handleEvents},
		{"POST /api/v1/talks/{id}/events", s.idempotent(s.handleAppendEvent)},
		{"POST /api/v1/talks/{id}/signoffs", s.idempotent(s.handleSignOff)},
		{"GET /api/v1/talks/{id}/record", s.handleRecord},
		{"GET /api/v1/talks/{id}/checkpoint", s.handleCheckpoint},
		{"GET /api/v1/talks/{id}/private/events", s.handlePrivateEvents},
		{"GET /api/v1/talks/{id}/private/record", s.handlePrivateRecord},
		{"GET /api/v1/keys", s.handleKeys},
		// The consultation mechanism (consult.go).
		{"GET /api/v1/talks/{id}/irritants", s.handleListIrritants},
		{"POST /api/v1/talks/{id}/irritants", s.idempotent(s.handleRaiseIrritant)},
		{"GET /api/v1/talks/{id}/irritants.csv", s.handleIrritantsCSV},
		{"GET /api/v1/irritants/{id}", s.handleGetIrritant},
		{"GET /api/v1/irritants/{id}/timeline", s.handleIrritantTimeline},
		{"POST /api/v1/irritants/{id}/moves", s.idempotent(s.handleMoveIrritant)},
		{"POST /api/v1/irritants/{id}/confirm", s.idempotent(s.handleConfirmIrritant)},
		{"POST /api/v1/irritants/{id}/comments", s.idempotent(s.handleCommentIrritant)},
		{"GET /api/v1/talks/{id}/rounds", s.handleListRounds},
		{"POST /api/v1/talks/{id}/rounds", s.idempotent(s.handleCreateRound)},
		{"GET /api/v1/rounds/{id}", s.handleGetRound},
		{"PATCH /api/v1/rounds/{id}", s.handleUpdateRound},
		{"PUT /api/v1/rounds/{id}/agenda", s.handleSetAgenda},
		{"POST /api/v1/rounds/{id}/approvals", s.idempotent(s.handleApproveMinutes)},
		{"POST /api/v1/rounds/{id}/agenda/{item}/minutes", s.idempotent(s.handleRecordMinutes)},
		{"POST /api/v1/rounds/{id}/moves", s.idempotent(s.handleMoveRound)},
		{"GET /api/v1/talks/{id}/statements", s.handleListStatements},
		{"POST /api/v1/talks/{id}/statements", s.idempotent(s.handleCreateStatement)},
		{"GET /api/v1/statements/{id}", s.handleGetStatement},
		{"GET /api/v1/statements/{id}/versions", s.handleStatementVersions},
		{"POST /api/v1/statements/{id}/versions", s.idempotent(s.handleEditStatement)},
		{"GET /api/v1/statements/{id}/diff", s.handleStatementDiff},
		{"POST /api/v1/statements/{id}/marks", s.idempotent(s.handleMarkStatement)},
		{"POST /api/v1/statements/{id}/signatures", s.idempotent(s.handleSignStatement)},
		{"POST /api/v1/statements/{id}/consents", s.idempotent(s.handleConsentStatement)},
		{"POST /api/v1/statements/{id}/comments", s.idempotent(s.handleCommentStatement)},
		// Negotiations (negotiations.go).
		{"GET /api/v1/talks/{id}/negotiations", s.handleListNegotiations},
		{"POST /api/v1/talks/{id}/negotiations", s.idempotent(s.handleCreateNegotiation)},
		{"GET /api/v1/negotiations/{id}", s.handleGetNegotiation},
		{"PUT /api/v1/negotiations/{id}/issues", s.handleSetIssues},
		{"GET /api/v1/negotiations/{id}/domain.xml", s.handleNegotiationDomain},
		{"POST /api/v1/negotiations/{id}/moves", s.idempotent(s.handleMoveNegotiation)},
		{"GET /api/v1/negotiations/{id}/preferences", s.handleGetPreferences},
		{"PUT /api/v1/negotiations/{id}/preferences", s.idempotent(s.handlePutPreferences)},
		{"POST /api/v1/negotiations/{id}/texts", s.idempotent(s.handleProposeText)},
		{"POST /api/v1/negotiations/{id}/assessments", s.handleAssessText},
		{"POST /api/v1/negotiations/{id}/marks", s.idempotent(s.handleMarkText)},
		{"POST /api/v1/negotiations/{id}/statement", s.idempotent(s.handleDraftStatement)},
		{"POST /api/v1/negotiations/{id}/disclosures", s.idempotent(s.handleDisclose)},
		{"GET /api/v1/negotiations/{id}/analysis", s.handleAnalysis},
		{"GET /api/v1/negotiations/{id}/analysis.svg", s.handleAnalysisPlot},
		{"GET /api/v1/notifications", s.handleNotifications},
		{"POST /api/v1/notifications/read", s.idempotent(s.handleMarkRead)},
		{"GET /api/v1/me/email", s.handleGetEmail},
		{"PUT /api/v1/me/email", s.handleSetEmail},
	}
}

// Register adds the API's routes to mux. Wrap mux in Middleware.
func (s *Server) Register(mux *http.ServeMux) {
	for _, rt := range s.routes() {
		mux.Handle(rt.pattern, s.serve(rt.h))
	}
	mux.Handle("/api/v1/", s.serve(func(w http.ResponseWriter, r *http.Request) error {
		return notFound(r)
	}))
}

// Patterns returns the pattern of every route, for tests and documentation.
func (s *Server) Patterns() []string {
	var ps []string
	for _, rt := range s.routes() {
		ps = append(ps, rt.pattern)
	}
	return ps
}

func (s *Server) serve(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.Error(w, r, err)
		}
	})
}
