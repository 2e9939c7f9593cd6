package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"parley"
)

func (s *Server) setEmail(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	if s.app.Notifications == nil {
		return parley.Errorf(parley.ENOTFOUND, "notifications are not configured")
	}
	return s.done(w, r, "/notifications", "email", s.app.Notifications.SetEmailAddress(r.Context(), strings.TrimSpace(r.PostFormValue("email"))), s.notificationsPage)
}

// noticeGroup is one talk's notifications.
type noticeGroup struct {
	TalkID int64
	Title  string
	List   []noticeView
}

// noticeView is a notification, marked when what it is about needs the
// user (it is in their inbox).
type noticeView struct {
	*parley.Notification
	Action bool
}

func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) error {
	u, err := signedIn(r)
	if err != nil {
		return err
	}
	if s.app.Notifications == nil {
		return parley.Errorf(parley.ENOTFOUND, "notifications are not configured")
	}
	ns, err := s.app.Notifications.Notifications(r.Context(), false, 200)
	if err != nil {
		return err
	}
	addr, err := s.app.Notifications.EmailAddress(r.Context())
	if err != nil {
		return err
	}
	inbox, err := s.inboxData(r.Context(), u)
	if err != nil {
		return err
	}
	titles, needs := map[int64]string{}, map[string]bool{}
	for _, t := range inbox {
		titles[t.Talk.ID] = t.Talk.Title
		for _, it := range t.Items {
			needs[strings.SplitN(it.Link, "#", 2)[0]] = true
		}
	}
	var groups []*noticeGroup
	byTalk := map[int64]*noticeGroup{}
	for _, n := range ns {
		g := byTalk[n.TalkID]
		if g == nil {
			g = &noticeGroup{TalkID: n.TalkID, Title: titles[n.TalkID]}
			byTalk[n.TalkID] = g
			groups = append(groups, g)
		}
		g.List = append(g.List, noticeView{Notification: n, Action: needs[n.Link]})
	}
	return s.render(w, r, "notifications.html", map[string]any{"Groups": groups, "Any": len(ns) > 0, "Email": addr})
}

// unreadCount renders the unread count for the header badge: the number,
// or nothing when there is none.
func (s *Server) unreadCount(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if parley.UserFromContext(r.Context()) == nil || s.app.Notifications == nil {
		return nil
	}
	n, err := s.app.Notifications.UnreadCount(r.Context())
	if err != nil || n == 0 {
		return err
	}
	_, err = fmt.Fprintf(w, ` <span class="tag">%d<span class="skip"> unread</span></span>`, n)
	return err
}

func (s *Server) markRead(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	if s.app.Notifications == nil {
		return parley.Errorf(parley.ENOTFOUND, "notifications are not configured")
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	var ids []int64
	if v := r.PostFormValue("id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return parley.Errorf(parley.EINVALID, "no notification %q", v)
		}
		ids = []int64{id}
	}
	if err := s.app.Notifications.MarkRead(r.Context(), ids); err != nil {
		return err
	}
	http.Redirect(w, r, localPath(r.PostFormValue("next"), "/notifications"), http.StatusSeeOther)
	return nil
}
