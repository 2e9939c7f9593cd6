package web

import (
	"io/fs"
	"net/http"
	"strings"
)

// route is one page or form of the UI.
type route struct {
	pattern string
	h       handler
}

// routes lists every page and form of the UI, in one place. Every form
// that changes something runs through onceForm: its one-time key makes a
// double submit act once.
func (s *Server) routes() []route {
	return []route{
		{"GET /{$}", s.home},
		{"GET /login", s.loginForm},
		{"POST /login", s.login},
		{"POST /logout", s.logout},
		{"GET /setup", s.setupForm},
		{"POST /setup", s.setup},
		{"GET /inbox", s.inbox},
		{"GET /search", s.search},
		{"GET /talks", s.talks},
		{"POST /talks", s.onceForm(s.createTalk)},
		{"GET /talks/{id}", s.talk},
		{"POST /talks/{id}/parties", s.onceForm(s.invite)},
		{"GET /talks/{id}/feed", s.feed},
		{"POST /talks/{id}/statements", s.onceForm(s.statement)},
		{"POST /talks/{id}/accept", s.onceForm(s.accept)},
		{"POST /talks/{id}/signoffs", s.onceForm(s.signOff)},
		{"GET /account", s.account},
		{"POST /account/tokens", s.onceForm(s.createToken)},
		{"POST /account/password", s.onceForm(s.changePassword)},
		{"POST /account/tokens/{id}/revoke", s.onceForm(s.revokeToken)},
		{"GET /admin", s.admin},
		{"POST /admin/parties", s.onceForm(s.createParty)},
		{"POST /admin/users", s.onceForm(s.createUser)},
		{"POST /admin/users/{id}/disable", s.onceForm(s.disableUser)},
		{"POST /users/{id}/approve", s.onceForm(s.approveMember)},
		// The consultation mechanism (consult.go).
		{"GET /talks/{id}/irritants", s.board},
		{"GET /talks/{id}/irritants/board", s.boardFragment},
		{"POST /talks/{id}/irritants", s.onceForm(s.raiseIrritant)},
		{"GET /irritants/{id}", s.irritant},
		{"POST /irritants/{id}/moves", s.onceForm(s.moveIrritant)},
		{"POST /irritants/{id}/comments", s.onceForm(s.commentIrritant)},
		// Rounds and joint statements (rounds.go).
		{"GET /talks/{id}/rounds", s.roundList},
		{"POST /talks/{id}/rounds", s.onceForm(s.planRound)},
		{"GET /rounds/{id}", s.roundPage},
		{"POST /rounds/{id}/agenda", s.onceForm(s.addAgendaItem)},
		{"POST /rounds/{id}/details", s.onceForm(s.editRound)},
		{"POST /rounds/{id}/agenda/{item}/{move}", s.onceForm(s.moveAgendaItem)},
		{"POST /rounds/{id}/approvals", s.onceForm(s.approveMinutes)},
		{"POST /rounds/{id}/items/{item}/minutes", s.onceForm(s.recordMinutes)},
		{"POST /rounds/{id}/moves", s.onceForm(s.moveRound)},
		{"GET /talks/{id}/joint-statements", s.statementList},
		{"POST /talks/{id}/joint-statements", s.onceForm(s.openStatement)},
		{"GET /joint-statements/{id}", s.statementPage},
		{"POST /joint-statements/{id}/versions", s.onceForm(s.editStatement)},
		{"POST /joint-statements/{id}/marks", s.onceForm(s.markStatement)},
		{"POST /joint-statements/{id}/signatures", s.onceForm(s.signStatement)},
		{"POST /joint-statements/{id}/consents", s.onceForm(s.consentStatement)},
		{"POST /joint-statements/{id}/comments", s.onceForm(s.commentStatement)},
		// Notifications (notifications.go).
		{"GET /notifications", s.notificationsPage},
		{"GET /notifications/count", s.unreadCount},
		{"POST /notifications/read", s.onceForm(s.markRead)},
		{"POST /notifications/email", s.onceForm(s.setEmail)},
		// Negotiations (negotiations.go).
		{"GET /talks/{id}/negotiations", s.negotiationList},
		{"POST /talks/{id}/negotiations", s.onceForm(s.openNegotiation)},
		{"GET /negotiations/{id}", s.negotiationPage},
		{"GET /negotiations/{id}/panel", s.negotiationPanel},
		{"POST /negotiations/{id}/issues", s.onceForm(s.negotiationAct("issues", s.negotiationIssues,
			func(r *http.Request, p *negotiationPage) { p.IssuesText = r.PostFormValue("issues") }))},
		{"POST /negotiations/{id}/moves", s.onceForm(s.negotiationAct("move", s.negotiationMove, nil))},
		{"POST /negotiations/{id}/preferences", s.onceForm(s.negotiationPreferences)},
		{"POST /negotiations/{id}/texts", s.onceForm(s.negotiationText)},
		{"POST /negotiations/{id}/marks", s.onceForm(s.negotiationAct("mark", s.negotiationMark, func(r *http.Request, p *negotiationPage) {
			p.MarkReason, p.MarkPublic = strings.TrimSpace(r.PostFormValue("reason")), r.PostFormValue("reason_public") == "yes"
		}))},
		{"POST /negotiations/{id}/statement", s.onceForm(s.negotiationAct("agreement", s.negotiationStatement, nil))},
		{"POST /negotiations/{id}/disclosures", s.onceForm(s.negotiationAct("agreement", s.negotiationDisclose, nil))},
	}
}

// Register adds the UI's routes and its static files to mux.
func (s *Server) Register(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheForever(http.FileServerFS(static))))
	for _, rt := range s.routes() {
		mux.Handle(rt.pattern, s.serve(rt.h))
	}
}
