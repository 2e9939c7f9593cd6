package api

import (
	"net/http"
	"strconv"

	"parley"
)

func (s *Server) notifications() (parley.NotificationService, error) {
	if s.Notifications == nil {
		return nil, parley.Errorf(parley.EINTERNAL, "notifications are not configured")
	}
	return s.Notifications, nil
}

func (s *Server) handleNotifications(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	svc, err := s.notifications()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	unread, _ := strconv.ParseBool(q.Get("unread"))
	limit := 50
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 500 {
			return parley.Errorf(parley.EINVALID, "limit must be between 1 and 500")
		}
	}
	ns, err := svc.Notifications(r.Context(), unread, limit)
	if err != nil {
		return err
	}
	n, err := svc.UnreadCount(r.Context())
	return reply(w, http.StatusOK, map[string]any{"notifications": ns, "unread": n}, err)
}

func (s *Server) handleMarkRead(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	svc, err := s.notifications()
	if err != nil {
		return err
	}
	var req struct {
		// IDs to mark read; none marks all.
		IDs []int64 `json:"ids"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := svc.MarkRead(r.Context(), req.IDs); err != nil {
		return err
	}
	n, err := svc.UnreadCount(r.Context())
	return reply(w, http.StatusOK, map[string]any{"unread": n}, err)
}

func (s *Server) handleGetEmail(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	svc, err := s.notifications()
	if err != nil {
		return err
	}
	addr, err := svc.EmailAddress(r.Context())
	return reply(w, http.StatusOK, map[string]string{"email": addr}, err)
}

func (s *Server) handleSetEmail(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireUser(r); err != nil {
		return err
	}
	svc, err := s.notifications()
	if err != nil {
		return err
	}
	var req struct {
		// Email is where notices are mailed; "" stops mail.
		Email string `json:"email"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := svc.SetEmailAddress(r.Context(), req.Email); err != nil {
		return err
	}
	return s.handleGetEmail(w, r)
}
