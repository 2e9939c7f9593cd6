// Package web is parley's HTML interface: server-rendered html/template pages
// with htmx, embedded in the binary. It is a sibling of package api over
// package app: it signs people in through the application's sessions and
// reads everything through the same services and operations, so the
// visibility rule applies unchanged. It never imports api.
package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"parley"
	"parley/app"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Server serves the web UI.
type Server struct {
	app  *app.App
	tmpl *template.Template
	// versions are the static files' content hashes.
	versions map[string]string
}

func staticVersions() map[string]string {
	v := map[string]string{}
	fs.WalkDir(staticFS, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		v[strings.TrimPrefix(path, "static/")] = hex.EncodeToString(sum[:6])
		return nil
	})
	return v
}

// NewServer returns the web UI of a: its services, sessions and operations.
func NewServer(a *app.App) *Server {
	s := &Server{app: a, versions: staticVersions()}
	a.PageError = s.errorPage
	s.tmpl = template.Must(template.New("").Funcs(template.FuncMap{
		"time": func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
		// static names a static file with its version, so that it may be cached forever.
		"static":     func(name string) string { return "/static/" + name + "?v=" + s.versions[name] },
		"once":       newOnceKey,
		"field":      fieldOf,
		"formError":  formError,
		"failed":     func(f *formState, id string) bool { return f != nil && f.ID == id },
		"minus":      func(a, b int) int { return a - b },
		"thousands":  thousands,
		"page":       func(p page, data any) page { p.Data = data; return p },
		"standing":   standingLabel,
		"eventLabel": eventLabel,
		"label":      func(s any) string { return strings.ReplaceAll(fmt.Sprint(s), "_", " ") },
		"ago":        func(t time.Time) string { return ago(s.app.Now(), t) },
		"inc":        func(i int) int { return i + 1 },
		"list":       func(xs ...string) []string { return xs },
		// utcInput is t as a datetime-local input's value, in UTC ("" for none).
		"utcInput": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2006-01-02T15:04")
		},
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		},
	}).ParseFS(templateFS, "templates/*.html"))
	return s
}

func cacheForever(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// File names carry their versions.
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		h.ServeHTTP(w, r)
	})
}

type handler func(w http.ResponseWriter, r *http.Request) error

func (s *Server) serve(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = s.withFlash(w, r)
		err := h(w, r)
		if err == nil {
			return
		}
		s.errorPage(w, r, err)
	})
}

// errorPage answers err as a page: the status and message the JSON API
// would give, or the sign-in page when the visitor must sign in (again).
// The middleware's own errors come here too (app.App.PageError).
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, err error) {
	if parley.ErrorCode(err) == parley.EUNAUTHORIZED {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
		return
	}
	p := s.app.Problem(r, err)
	if p.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	w.WriteHeader(p.Status)
	s.render(w, r, "error.html", map[string]any{"Status": p.Status, "Message": p.Message})
}

// page is what every template gets.
type page struct {
	User  *parley.User
	CSRF  string
	Title string
	Data  any
	// Form is the form that failed, shown again; nil on a plain visit.
	Form *formState
	// Nav is the talk's title and tabs on a page of a talk.
	Nav *talkNav
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, data any) error {
	return s.renderPage(w, r, name, page{Data: data})
}

// renderTalk renders a page of talk t under its tab.
func (s *Server) renderTalk(w http.ResponseWriter, r *http.Request, name, title string, t *parley.Talk, tab string, data any) error {
	u := parley.UserFromContext(r.Context())
	return s.renderPage(w, r, name, page{Data: data, Title: title, Nav: newTalkNav(u, t, tab)})
}

func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, name string, p page) error {
	var buf bytes.Buffer
	p.User, p.CSRF, p.Form = parley.UserFromContext(r.Context()), s.app.CSRFToken(r), formFrom(r)
	if err := s.tmpl.ExecuteTemplate(&buf, name, p); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if status, ok := r.Context().Value(statusKey{}).(int); ok {
		w.WriteHeader(status)
	}
	_, err := buf.WriteTo(w)
	return err
}

func signedIn(r *http.Request) (*parley.User, error) {
	u := parley.UserFromContext(r.Context())
	if u == nil {
		return nil, parley.Errorf(parley.EUNAUTHORIZED, "sign in first")
	}
	return u, nil
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	if parley.UserFromContext(r.Context()) == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	} else {
		http.Redirect(w, r, "/inbox", http.StatusSeeOther)
	}
	return nil
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "login.html", map[string]any{"Next": localPath(r.URL.Query().Get("next"), "")})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	name, pw, next := r.PostFormValue("name"), r.PostFormValue("password"), r.PostFormValue("next")
	if _, err := s.app.Login(w, r, name, pw); err != nil {
		msg := parley.ErrorMessage(err)
		if app.RateLimited(err) {
			msg = "Too many sign-in attempts. Wait a few minutes and try again."
		} else if parley.ErrorCode(err) == parley.EINTERNAL {
			return err
		}
		w.WriteHeader(http.StatusUnauthorized)
		return s.render(w, r, "login.html", map[string]any{"Error": msg, "Name": name, "Next": localPath(next, "")})
	}
	http.Redirect(w, r, localPath(next, "/inbox"), http.StatusSeeOther)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.app.Logout(w, r); err != nil {
		return err
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

func (s *Server) setupForm(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, "setup.html", map[string]any{"Token": r.URL.Query().Get("token")})
}

func (s *Server) setup(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	token, name, pw := r.PostFormValue("token"), r.PostFormValue("name"), r.PostFormValue("password")
	if _, err := s.app.CompleteSetup(r.Context(), token, name, pw); err != nil {
		if parley.ErrorCode(err) == parley.EINTERNAL {
			return err
		}
		w.WriteHeader(http.StatusBadRequest)
		return s.render(w, r, "setup.html", map[string]any{"Token": token, "Name": name, "Error": parley.ErrorMessage(err)})
	}
	if _, err := s.app.Login(w, r, name, pw); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
	return nil
}

// talkView is a talk with names resolved for display.
type talkView struct {
	*parley.Talk
	Members, Observers, Stakeholders []partyView
	Mediators                        []string
	MyStanding                       string
}

type partyView struct {
	Name     string
	Accepted bool
	Mine     bool
}

func (s *Server) view(ctx context.Context, u *parley.User, t *parley.Talk, names map[int64]string) talkView {
	v := talkView{Talk: t}
	for _, p := range t.Parties {
		pv := partyView{Name: names[p.PartyID], Accepted: p.Accepted, Mine: p.PartyID == u.PartyID}
		if pv.Mine {
			v.MyStanding = string(p.Standing)
		}
		switch p.Standing {
		case parley.StandingMember:
			v.Members = append(v.Members, pv)
		case parley.StandingObserver:
			v.Observers = append(v.Observers, pv)
		case parley.StandingStakeholder:
			v.Stakeholders = append(v.Stakeholders, pv)
		}
	}
	for _, m := range t.MediatorIDs {
		if mu, err := s.app.Users.FindUserByID(ctx, m); err == nil {
			v.Mediators = append(v.Mediators, mu.DisplayName)
		}
	}
	if t.Mediates(u.ID) {
		v.MyStanding = "mediator"
	}
	return v
}

func (s *Server) talks(w http.ResponseWriter, r *http.Request) error {
	u, err := signedIn(r)
	if err != nil {
		return err
	}
	ts, err := s.app.Talks.FindTalks(r.Context(), parley.TalkFilter{})
	if err != nil {
		return err
	}
	names, err := s.app.PartyNames(r.Context())
	if err != nil {
		return err
	}
	var vs []talkView
	for _, t := range ts {
		vs = append(vs, s.view(r.Context(), u, t, names))
	}
	var parties []*parley.Party
	if parley.CanCreateTalk(u) {
		if parties, err = s.app.Parties.ListParties(r.Context()); err != nil {
			return err
		}
	}
	return s.render(w, r, "talks.html", map[string]any{"Talks": vs, "Party": names[u.PartyID], "CanCreate": parley.CanCreateTalk(u), "Parties": parties, "MyParty": u.PartyID})
}

func talkID(r *http.Request) (int64, error) { return pathInt(r, "id", "talk") }

// talkFor reads the signed-in user and the talk the path names, as the user
// may see it: the opening of every page of one talk.
func (s *Server) talkFor(r *http.Request) (*parley.User, *parley.Talk, error) {
	u, err := signedIn(r)
	if err != nil {
		return nil, nil, err
	}
	id, err := talkID(r)
	if err != nil {
		return nil, nil, err
	}
	t, err := s.app.Talks.FindTalkByID(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	return u, t, nil
}

// talkPage is talkFor with every party's name by id, for the pages that
// name the talk's parties.
func (s *Server) talkPage(r *http.Request) (*parley.User, *parley.Talk, map[int64]string, error) {
	u, t, err := s.talkFor(r)
	if err != nil {
		return nil, nil, nil, err
	}
	names, err := s.app.PartyNames(r.Context())
	if err != nil {
		return nil, nil, nil, err
	}
	return u, t, names, nil
}

// activity is one line of a talk's activity feed.
type activity struct {
	TalkID int64
	Seq    int64
	// SignOff offers the viewer to sign the entry off for their party.
	SignOff bool
	Time    time.Time
	Actor   string
	Party   string
	Type    string
	Private bool
	// Line is what was done, to what (linked).
	Line   activityLine
	Hidden bool
	// PrivateChain marks an event of the viewer's own party's private chain,
	// whose Seq counts in that chain.
	PrivateChain bool
}

func (s *Server) activity(ctx context.Context, e *parley.Event, names map[int64]string, lk *lookups, canSign bool) activity {
	a := activity{TalkID: e.TalkID, SignOff: canSign && e.Type == "statement", Seq: e.Seq, Time: e.Time, Party: names[e.PartyID], Type: e.Type, Private: e.PrivateTo != 0, Hidden: e.Redacted,
		PrivateChain: e.PrivateTo != 0 && e.V != 0}
	if n, ok := lk.users[e.ActorID]; ok {
		a.Actor = n
	} else if u, err := s.app.Users.FindUserByID(ctx, e.ActorID); err == nil {
		a.Actor, lk.users[e.ActorID] = u.DisplayName, u.DisplayName
	}
	if !e.Redacted && e.Type != "" {
		a.Line = s.describe(ctx, e, names, lk)
	}
	return a
}

func (s *Server) talk(w http.ResponseWriter, r *http.Request) error {
	u, t, names, err := s.talkPage(r)
	if err != nil {
		return err
	}
	var es []*parley.Event
	if parley.CanSeeTalk(u, t) { // an invited party sees the title alone until it accepts
		if es, err = s.app.Talks.ListEvents(r.Context(), t.ID, max(0, t.LastSeq-200), 200); err != nil {
			return err
		}
	}
	// Another party's legacy private entries (written before private
	// chains) show nothing, not even that they exist.
	es = slices.DeleteFunc(es, func(e *parley.Event) bool { return e.Redacted })
	last := int64(0)
	if n := len(es); n > 0 {
		last = es[n-1].Seq
	}
	after := strconv.FormatInt(last, 10)
	// A delegate also sees its own party's private chain, merged in.
	_, inTalk := t.Party(u.PartyID)
	if inTalk && parley.CanSeeTalk(u, t) {
		// The last 200 of the chain, paging to its end.
		var ps []*parley.Event
		for after := int64(0); ; {
			page, err := s.app.Talks.ListPrivateEvents(r.Context(), t.ID, after, 1000)
			if err != nil {
				return err
			}
			ps = append(ps, page...)
			if len(ps) > 200 {
				ps = ps[len(ps)-200:]
			}
			if len(page) < 1000 {
				break
			}
			after = page[len(page)-1].Seq
		}
		lastPrivate := int64(0)
		if n := len(ps); n > 0 {
			lastPrivate = ps[n-1].Seq
		}
		after += "-" + strconv.FormatInt(lastPrivate, 10)
		es = append(es, ps...)
		slices.SortStableFunc(es, func(a, b *parley.Event) int { return a.Time.Compare(b.Time) })
	}
	users := newLookups()
	var acts []activity
	canSign := parley.CanSignOff(u, t)
	for _, e := range es {
		acts = append(acts, s.activity(r.Context(), e, names, users, canSign))
	}
	// The current checkpoint, for the verification section; a server
	// without a secret has none to show.
	cp, _ := s.app.Talks.Checkpoint(r.Context(), t.ID)
	return s.renderTalk(w, r, "talk.html", t.Title, t, "overview", map[string]any{
		"Talk": s.view(r.Context(), u, t, names), "Activity": acts, "After": after, "Checkpoint": cp, "PrivateChain": inTalk && parley.CanSeeTalk(u, t), "IsMediator": t.Mediates(u.ID) && u.PartyID == 0,
		"CanAct": parley.CanActInTalk(u, t), "Party": names[u.PartyID], "CanAccept": parley.CanAcceptInvitation(u, t),
		"Invitable": invitable(t, names), "CanManage": parley.CanManageTalk(u, t),
	})
}

// feed streams the talk's new activity as HTML fragments for htmx's SSE extension.
func (s *Server) feed(w http.ResponseWriter, r *http.Request) error {
	u, t, names, err := s.talkPage(r)
	if err != nil {
		return err
	}
	canSign := parley.CanSignOff(u, t)
	users := newLookups()
	return s.app.Stream(w, r, t.ID, func(e *parley.Event) (string, string, error) {
		if e.Redacted {
			return "", "", nil // another party's legacy private entry: nothing to show
		}
		var buf bytes.Buffer
		if err := s.tmpl.ExecuteTemplate(&buf, "activity", s.activity(r.Context(), e, names, users, canSign)); err != nil {
			return "", "", err
		}
		// One SSE data line: the fragment has no meaningful line breaks, and
		// a CR or LF from user text must not start a new SSE field.
		return "activity", sseLine.Replace(buf.String()), nil
	})
}

func (s *Server) statement(w http.ResponseWriter, r *http.Request) error {
	u, err := signedIn(r)
	if err != nil {
		return err
	}
	id, err := talkID(r)
	if err != nil {
		return err
	}
	text := formText(r, "text")
	in := parley.EventInput{Type: "statement"}
	if r.PostFormValue("private") == "on" {
		in.Type, in.PrivateTo = "note", u.PartyID
	}
	in.Payload = jsonText(text)
	var c checks
	c.text("text", "statement", text, true, limitPost)
	var err2 error
	if c.ok() {
		_, err2 = s.app.Talks.AppendEvent(r.Context(), id, in)
		if err2 != nil && !userError(err2) {
			return err2
		}
	}
	hx := r.Header.Get("HX-Request") == "true"
	if !c.ok() || err2 != nil {
		if !hx {
			return s.refill(w, r, "compose", c, err2, s.talk)
		}
		st := &formState{ID: "compose", Values: r.PostForm, Errors: c.errs, First: c.first}
		if err2 != nil {
			st.Errors = map[string]string{"": sentence(parley.ErrorMessage(err2))}
		}
		// htmx swaps only a 2xx answer: the form comes back with its message.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set(refusedHeader, "true")
		return s.tmpl.ExecuteTemplate(w, "compose", page{CSRF: s.app.CSRFToken(r), User: u, Form: st, Data: map[string]any{"TalkID": id}})
	}
	if hx {
		// The live feed shows the new entry; reset the form.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		return s.tmpl.ExecuteTemplate(w, "compose", page{CSRF: s.app.CSRFToken(r), User: u, Data: map[string]any{"TalkID": id}})
	}
	http.Redirect(w, r, fmt.Sprintf("/talks/%d", id), http.StatusSeeOther)
	return nil
}

func (s *Server) admin(w http.ResponseWriter, r *http.Request) error {
	u, err := signedIn(r)
	if err != nil {
		return err
	}
	if !parley.CanAdminister(u) {
		return parley.Errorf(parley.EFORBIDDEN, "only administrators manage parties and users")
	}
	ps, err := s.app.Parties.ListParties(r.Context())
	if err != nil {
		return err
	}
	us, err := s.app.Users.ListUsers(r.Context())
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, p := range ps {
		names[p.ID] = p.Name
	}
	return s.render(w, r, "admin.html", map[string]any{"Parties": ps, "Users": us, "Names": names, "Message": flash(r)})
}

func (s *Server) createParty(w http.ResponseWriter, r *http.Request) error {
	u, err := signedIn(r)
	if err != nil {
		return err
	}
	if !parley.CanAdminister(u) {
		return parley.Errorf(parley.EFORBIDDEN, "only administrators manage parties")
	}
	p := &parley.Party{Name: strings.TrimSpace(r.PostFormValue("name")), Kind: r.PostFormValue("kind")}
	if err := s.app.CreateParty(r.Context(), p); err != nil {
		return err
	}
	setFlash(w, r, "Party "+p.Name+" created.")
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
	return nil
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	u, err := signedIn(r)
	if err != nil {
		return err
	}
	if !parley.CanAdminister(u) {
		return parley.Errorf(parley.EFORBIDDEN, "only administrators manage users")
	}
	nu := &parley.User{Name: strings.TrimSpace(r.PostFormValue("name")), DisplayName: strings.TrimSpace(r.PostFormValue("display_name")), CreatedBy: u.ID,
		Mediator: r.PostFormValue("kind") == "mediator", Admin: r.PostFormValue("kind") == "admin"}
	if pid, _ := strconv.ParseInt(r.PostFormValue("party_id"), 10, 64); pid != 0 && r.PostFormValue("kind") == "delegate" {
		nu.PartyID, nu.Role = pid, parley.Role(r.PostFormValue("role"))
	}
	if err := nu.Validate(); err != nil {
		return err
	}
	if err := s.app.CreateUserWithPassword(r.Context(), nu, r.PostFormValue("password")); err != nil {
		return err
	}
	setFlash(w, r, "User "+nu.Name+" created.")
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
	return nil
}

func (s *Server) accept(w http.ResponseWriter, r *http.Request) error {
	id, err := signedInID(r, "talk")
	if err != nil {
		return err
	}
	if err := s.app.Talks.AcceptInvitation(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/talks/%d", id), http.StatusSeeOther)
	return nil
}

// signOff signs an entry off for the viewer's party with its server-held key.
func (s *Server) signOff(w http.ResponseWriter, r *http.Request) error {
	id, err := signedInID(r, "talk")
	if err != nil {
		return err
	}
	seq, err := strconv.ParseInt(r.PostFormValue("seq"), 10, 64)
	if err != nil {
		return parley.Errorf(parley.EINVALID, "which entry? seq is missing")
	}
	if _, err := s.app.Talks.SignOff(r.Context(), id, seq, nil); err != nil {
		return err
	}
	if r.Header.Get("HX-Request") == "true" {
		w.WriteHeader(http.StatusNoContent) // the feed shows the sign-off
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/talks/%d", id), http.StatusSeeOther)
	return nil
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) error {
	return s.accountPage(w, r, "")
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, secret string) error {
	u, err := signedIn(r)
	if err != nil {
		return err
	}
	ts, err := s.app.Credentials.ListCredentials(r.Context(), u.ID, parley.CredentialToken)
	if err != nil {
		return err
	}
	var pending []*parley.User
	if u.PartyID != 0 && u.Role == parley.RoleHead {
		us, err := s.app.Users.ListUsers(r.Context())
		if err != nil {
			return err
		}
		for _, m := range us {
			if m.PartyID == u.PartyID && m.Pending {
				pending = append(pending, m)
			}
		}
	}
	return s.render(w, r, "account.html", map[string]any{"Tokens": ts, "Secret": secret, "Pending": pending})
}

// approveMember lets a pending member into their delegation: the head's
// act (a second administrator's for a delegation without a head).
func (s *Server) approveMember(w http.ResponseWriter, r *http.Request) error {
	u, err := signedIn(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return parley.Errorf(parley.ENOTFOUND, "no such person")
	}
	m, err := s.app.Users.ApproveMember(r.Context(), id)
	if err != nil {
		return err
	}
	setFlash(w, r, m.Name+" has joined the delegation.")
	if u.Admin {
		http.Redirect(w, r, "/admin", http.StatusSeeOther)
	} else {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
	}
	return nil
}

func (s *Server) disableUser(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return parley.Errorf(parley.ENOTFOUND, "no such person")
	}
	m, err := s.app.Users.DisableUser(r.Context(), id)
	if err != nil {
		return err
	}
	setFlash(w, r, m.Name+" is disabled; their sessions and tokens have ended.")
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
	return nil
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	u, err := signedIn(r)
	if err != nil {
		return err
	}
	_, secret, err := s.app.CreateToken(r.Context(), u, strings.TrimSpace(r.PostFormValue("name")))
	if err != nil {
		return err
	}
	// Rendered, not redirected: the secret is shown this once and never stored.
	w.Header().Set("Cache-Control", "no-store")
	return s.accountPage(w, r, secret)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	u, err := signedIn(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return parley.Errorf(parley.ENOTFOUND, "no such token")
	}
	ts, err := s.app.Credentials.ListCredentials(r.Context(), u.ID, parley.CredentialToken)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.ID == id {
			if err := s.app.Credentials.DeleteCredential(r.Context(), u.ID, id); err != nil {
				return err
			}
			http.Redirect(w, r, "/account", http.StatusSeeOther)
			return nil
		}
	}
	return parley.Errorf(parley.ENOTFOUND, "you have no token %d", id)
}

var sseLine = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ")

// invitable lists the parties not yet in t, for the invitation form.
func invitable(t *parley.Talk, names map[int64]string) []*parley.Party {
	var ps []*parley.Party
	for id, n := range names {
		if _, in := t.Party(id); !in {
			ps = append(ps, &parley.Party{ID: id, Name: n})
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	return ps
}

func (s *Server) createTalk(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return parley.Errorf(parley.EINVALID, "the form could not be read")
	}
	t := &parley.Talk{Title: strings.TrimSpace(r.PostFormValue("title")), Description: strings.TrimSpace(r.PostFormValue("description"))}
	// Each party's standing comes as standing-<party id>; "" leaves it out.
	for k, v := range r.PostForm {
		id, ok := strings.CutPrefix(k, "standing-")
		pid, err := strconv.ParseInt(id, 10, 64)
		if !ok || err != nil || len(v) == 0 || v[0] == "" {
			continue
		}
		t.Parties = append(t.Parties, parley.TalkParty{PartyID: pid, Standing: parley.Standing(v[0])})
	}
	sort.Slice(t.Parties, func(i, j int) bool { return t.Parties[i].PartyID < t.Parties[j].PartyID })
	if err := s.app.Talks.CreateTalk(r.Context(), t); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/talks/%d", t.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) invite(w http.ResponseWriter, r *http.Request) error {
	id, err := signedInID(r, "talk")
	if err != nil {
		return err
	}
	pid, err := strconv.ParseInt(r.PostFormValue("party_id"), 10, 64)
	if err != nil {
		return parley.Errorf(parley.EINVALID, "choose a party to invite")
	}
	if _, err := s.app.Talks.InviteParty(r.Context(), id, pid, parley.Standing(r.PostFormValue("standing"))); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/talks/%d", id), http.StatusSeeOther)
	return nil
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	u, err := signedIn(r)
	if err != nil {
		return err
	}
	if r.PostFormValue("new") != r.PostFormValue("repeat") {
		return parley.Errorf(parley.EINVALID, "the two new passwords differ")
	}
	if err := s.app.ChangePassword(r.Context(), u, r.PostFormValue("current"), r.PostFormValue("new")); err != nil {
		return err
	}
	// Every session ended with the change, this one too.
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}
