package web

import (
	"net/http"
	"strconv"

	"parley"
)

func (s *Server) registerNotifications(mux *http.ServeMux) {
	mux.Handle("GET /notifications", s.serve(s.notificationsPage))
	mux.Handle("GET /notifications/count", s.serve(s.unreadCount))
	mux.Handle("POST /notifications/read", s.serve(s.markRead))
	mux.Handle("POST /notifications/email", s.serve(s.setEmail))
}

func (s *Server) setEmail(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	if s.api.Notifications == nil {
		return parley.Errorf(parley.ENOTFOUND, "notifications are not configured")
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	return redirectBack(w, r, "/notifications", s.api.Notifications.SetEmailAddress(r.Context(), r.PostFormValue("email")))
}

func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	if s.api.Notifications == nil {
		return parley.Errorf(parley.ENOTFOUND, "notifications are not configured")
	}
	ns, err := s.api.Notifications.Notifications(r.Context(), false, 200)
	if err != nil {
		return err
	}
	addr, err := s.api.Notifications.EmailAddress(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, r, "notifications.html", map[string]any{"List": ns, "Email": addr, "Error": flash(r)})
}

// unreadCount renders the unread count for the header badge: the number,
// or nothing when there is none.
func (s *Server) unreadCount(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if parley.UserFromContext(r.Context()) == nil || s.api.Notifications == nil {
		return nil
	}
	n, err := s.api.Notifications.UnreadCount(r.Context())
	if err != nil || n == 0 {
		return err
	}
	_, err = w.Write([]byte(strconv.Itoa(n)))
	return err
}

func (s *Server) markRead(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedIn(r); err != nil {
		return err
	}
	if s.api.Notifications == nil {
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
	if err := s.api.Notifications.MarkRead(r.Context(), ids); err != nil {
		return err
	}
	http.Redirect(w, r, localPath(r.PostFormValue("next"), "/notifications"), http.StatusSeeOther)
	return nil
}
