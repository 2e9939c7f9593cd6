// Package api is parley's JSON API under /api/v1: accounts, parties, talks,
// the record, the live event stream, the consultation mechanism and
// negotiations. It is a sibling of package web over package app: the
// application (sessions, limits, the live hub, the operations) is app's,
// and this package only reads requests and writes JSON. Handlers return
// errors; app's one table maps error codes to HTTP statuses.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"

	"parley"
	"parley/app"
)

// Server serves the JSON API over an application: the services, the
// clock, the logger and the operations it uses are the App's.
type Server struct {
	*app.App
}

// NewServer returns the JSON API of a.
func NewServer(a *app.App) *Server { return &Server{App: a} }

// handler is an HTTP handler that returns an error.
type handler func(w http.ResponseWriter, r *http.Request) error

func writeJSON(w http.ResponseWriter, status int, v any) error { return app.WriteJSON(w, status, v) }

// reply ends a handler whose last call returned err: the error, or v as
// JSON with status. v must not need the call to have succeeded to be
// evaluated (it is, before reply runs).
func reply(w http.ResponseWriter, status int, v any, err error) error {
	if err != nil {
		return err
	}
	return writeJSON(w, status, v)
}

// decode reads a JSON body into v, rejecting unknown fields, trailing data
// and bodies over app.MaxBodyBytes.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, app.MaxBodyBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return parley.Errorf(parley.ETOOLARGE, "request body is over %d bytes", app.MaxBodyBytes)
		}
		if errors.Is(err, io.EOF) {
			return parley.Errorf(parley.EINVALID, "request body is empty; send a JSON object")
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return parley.Errorf(parley.EINVALID, "request body arrived too slowly; send it at once")
		}
		return parley.Errorf(parley.EINVALID, "request body: %v", err)
	}
	if dec.More() {
		return parley.Errorf(parley.EINVALID, "request body has data after the JSON object")
	}
	return nil
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, parley.Errorf(parley.ENOTFOUND, "no %s %q", name, r.PathValue(name))
	}
	return id, nil
}

// page reads ?after= and ?limit= (default 50, at most 500).
func page(r *http.Request) (after int64, limit int, err error) {
	q := r.URL.Query()
	if v := q.Get("after"); v != "" {
		if after, err = strconv.ParseInt(v, 10, 64); err != nil || after < 0 {
			return 0, 0, parley.Errorf(parley.EINVALID, "after must be a non-negative integer")
		}
	}
	limit = 50
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 500 {
			return 0, 0, parley.Errorf(parley.EINVALID, "limit must be between 1 and 500")
		}
	}
	return after, limit, nil
}

// idempotent runs h at most once per user and Idempotency-Key (see
// Idempotent). Requests without a key, or without a signed-in user, run as
// they are.
func (s *Server) idempotent(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		key := r.Header.Get("Idempotency-Key")
		u := parley.UserFromContext(r.Context())
		if key == "" || u == nil {
			return h(w, r)
		}
		body, err := readBody(w, r)
		if err != nil {
			return err
		}
		return s.Idempotent(w, r, u, key, app.RequestHash(r.Method, r.URL.Path, body), h)
	}
}

// readBody reads the whole request body, up to app.MaxBodyBytes, and puts it
// back for the handler to decode.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, app.MaxBodyBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, parley.Errorf(parley.ETOOLARGE, "request body is over %d bytes", app.MaxBodyBytes)
	} else if err != nil {
		return nil, parley.Errorf(parley.EINVALID, "request body: %v", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, nil
}

// errServerFailed rolls back an idempotent request whose handler answered
// with a server error: the key stays free, so that a retry acts.
var errServerFailed = errors.New("handler answered with a server error")

// Idempotent runs h at most once for u and key, and answers a retry with
// the first response, marked Idempotent-Replayed: true. The key's claim,
// whatever h changes through the services with the request's context, and
// h's response commit in one transaction (see parley.IdempotencyService),
// so a retry after a crash at any point either gets that response or acts
// for the first time. A retry while the first request runs waits for it.
// requestHash (see app.RequestHash) binds the key to one request: the same key
// with another body is refused with 422.
//
// The response reaches the client only after the commit. A handler that
// shows a secret once calls replayWithout so that the stored copy holds no
// secret. (Web forms have their own one-time keys on the same store.)
func (s *Server) Idempotent(w http.ResponseWriter, r *http.Request, u *parley.User, key string, requestHash []byte, h handler) error {
	var rec *recorder
	stored, replayed, err := s.Idempotency.Idempotently(r.Context(), u.ID, key, requestHash, func(ctx context.Context) (*parley.StoredResponse, error) {
		rec = &recorder{header: http.Header{}}
		if err := h(rec, r.WithContext(ctx)); err != nil {
			return nil, err
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		if rec.status >= 500 {
			return nil, errServerFailed
		}
		body := rec.body.Bytes()
		if rec.replay != nil {
			body = rec.replay
		}
		return &parley.StoredResponse{Status: rec.status, ContentType: rec.header.Get("Content-Type"), Location: rec.header.Get("Location"), Body: body}, nil
	})
	switch {
	case errors.Is(err, errServerFailed):
		rec.flush(w)
		return nil
	case err != nil:
		return err
	case replayed:
		if stored.ContentType != "" {
			w.Header().Set("Content-Type", stored.ContentType)
		}
		if stored.Location != "" {
			w.Header().Set("Location", stored.Location)
		}
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(stored.Status)
		_, err = w.Write(stored.Body)
		return err
	}
	rec.flush(w)
	return nil
}

// replayWithout stores v, not the response sent, for retries of an
// idempotent request: the response shows a secret that must be shown once
// and never kept.
func replayWithout(w http.ResponseWriter, v any) error {
	rec, ok := w.(*recorder)
	if !ok {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	rec.replay = append(b, '\n')
	return nil
}

// recorder holds an idempotent request's response until it has committed.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	// replay, when not nil, is the body kept for retries instead of body.
	replay []byte
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

// flush sends the recorded response to w.
func (r *recorder) flush(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.WriteHeader(r.status)
	w.Write(r.body.Bytes())
}
