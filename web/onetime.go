package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"time"

	"parley"
)

// Every form carries a one-time key (the hidden field "once"). The first
// request with a key acts; a second one — a double click, a resent form —
// does not act again but gets the first one's answer, as the API's
// Idempotency-Key does. The keys live in the same store, scoped to the web
// route, so this holds across nodes.

// onceWait is how long a repeat waits for the first request to finish.
const onceWait = 15 * time.Second

func newOnceKey() string { return rand.Text() }

// once runs h at most once per user and form key.
func (s *Server) once(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if err := r.ParseForm(); err != nil {
			return parley.Errorf(parley.EINVALID, "the form could not be read (is it over 1 MB?)")
		}
		key := r.PostForm.Get("once")
		u := parley.UserFromContext(r.Context())
		if key == "" || u == nil || len(key) > 100 {
			return h(w, r)
		}
		scope := "web " + r.URL.Path + " " + key
		ctx := r.Context()
		err := s.api.Idempotency.ClaimKey(ctx, u.ID, scope)
		if parley.ErrorCode(err) == parley.ECONFLICT {
			if err := s.replay(w, r, u.ID, scope); err != errActAgain {
				return err
			}
			// The first request failed and let the key go: this one acts.
			err = s.api.Idempotency.ClaimKey(ctx, u.ID, scope)
		}
		if err != nil {
			return err
		}
		rec := &recorder{ResponseWriter: w}
		err = h(rec, r)
		saveCtx := context.WithoutCancel(ctx)
		// Keep what acted (a redirect, or an htmx fragment); forget what
		// failed, so that the corrected form may act with the same key.
		if err == nil && (rec.status >= 300 && rec.status < 400 || rec.status >= 200 && rec.status < 300 && r.Header.Get("HX-Request") == "true") {
			body := rec.body.Bytes()
			if rec.status >= 300 {
				body = []byte(rec.Header().Get("Location"))
			}
			if serr := s.api.Idempotency.SaveResponse(saveCtx, u.ID, scope, &parley.StoredResponse{Status: rec.status, Body: body}); serr != nil {
				s.Logger.WarnContext(ctx, "store form key response", "err", serr)
				_ = s.api.Idempotency.ReleaseKey(saveCtx, u.ID, scope)
			}
			return nil
		}
		if rerr := s.api.Idempotency.ReleaseKey(saveCtx, u.ID, scope); rerr != nil {
			s.Logger.WarnContext(ctx, "release form key", "err", rerr)
		}
		return err
	}
}

var errActAgain = errors.New("web: the first request with this key failed")

// replay answers a repeated form with the first answer, waiting for it
// while the first request is still being handled.
func (s *Server) replay(w http.ResponseWriter, r *http.Request, user int64, scope string) error {
	deadline := time.Now().Add(onceWait)
	for {
		sr, err := s.api.Idempotency.FindResponse(r.Context(), user, scope)
		if parley.ErrorCode(err) == parley.ENOTFOUND {
			return errActAgain
		}
		if err != nil {
			return err
		}
		if sr.Status != 0 {
			w.Header().Set("Parley-Replayed", "true")
			if sr.Status >= 300 && sr.Status < 400 {
				http.Redirect(w, r, string(sr.Body), http.StatusSeeOther)
				return nil
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(sr.Status)
			_, err = w.Write(sr.Body)
			return err
		}
		if time.Now().After(deadline) {
			return parley.Errorf(parley.ECONFLICT, "this form is still being handled; reload the page in a moment")
		}
		select {
		case <-r.Context().Done():
			return r.Context().Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}
