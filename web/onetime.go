package web

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"parley"
	"parley/app"
)

// Every form carries a one-time key (the hidden field "form_key", made by
// the template function "once"). The first request with a key acts; a
// second one — a double click, a resent form — does not act again but gets
// the first one's answer, as the API's Idempotency-Key does: the claim of
// the key, what the form changed and the stored answer commit together in
// the store (parley.IdempotencyService), so this holds across nodes and
// crashes.

func newOnceKey() string { return formKey() }

// errNotActed ends a request that did not act (a refused form rendered
// again), so that its key stays free for the corrected form.
var errNotActed = errors.New("web: the form did not act")

// refusedHeader marks an htmx answer that shows a refused form again.
const refusedHeader = "Parley-Refused"

// onceForm runs h at most once per user and form key. A form refused and
// shown again (not a redirect, or an htmx fragment marked refusedHeader)
// did not act, and its key stays free for the corrected form.
func (s *Server) onceForm(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := parseForm(w, r); err != nil {
			return err
		}
		key := r.PostForm.Get("form_key")
		u := parley.UserFromContext(r.Context())
		if key == "" || u == nil || len(key) > 64 {
			return h(w, r)
		}
		var rec *buffered
		sr, _, err := s.app.Idempotency.Idempotently(r.Context(), u.ID, "web "+key, app.RequestHash(r.Method, r.URL.Path, []byte(key)),
			func(ctx context.Context) (*parley.StoredResponse, error) {
				rec = &buffered{header: http.Header{}}
				if err := h(rec, r.WithContext(ctx)); err != nil {
					return nil, err
				}
				// Keep what acted: a redirect, or an htmx fragment that is
				// not a refused form shown again.
				if rec.header.Get(refusedHeader) != "" {
					return nil, errNotActed
				}
				if rec.status >= 300 && rec.status < 400 || rec.status < 300 && r.Header.Get("HX-Request") == "true" {
					return &parley.StoredResponse{Status: rec.status, Location: rec.header.Get("Location"), ContentType: rec.header.Get("Content-Type"), Body: rec.body.Bytes()}, nil
				}
				return nil, errNotActed
			})
		switch {
		case errors.Is(err, errNotActed):
			return rec.writeTo(w)
		case parley.ErrorCode(err) == parley.EKEYREUSED:
			// The forms of a page may share one key (the negotiation
			// page's do), so that of two sent from one view of it only the
			// first acts: the page has changed since; show it again.
			http.Redirect(w, r, formPage(r), http.StatusSeeOther)
			return nil
		case err != nil:
			return err
		case sr.Location != "":
			http.Redirect(w, r, sr.Location, http.StatusSeeOther)
			return nil
		}
		w.Header().Set("Content-Type", sr.ContentType)
		w.WriteHeader(sr.Status)
		_, err = w.Write(sr.Body)
		return err
	}
}

// buffered is a response held back until the transaction it was made in
// commits.
type buffered struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *buffered) Header() http.Header { return b.header }

func (b *buffered) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *buffered) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *buffered) writeTo(w http.ResponseWriter) error {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	if b.status != 0 {
		w.WriteHeader(b.status)
	}
	_, err := b.body.WriteTo(w)
	return err
}

// parseForm reads a urlencoded form of at most MaxBodyBytes, or a multipart
// one (a file upload) of at most MaxUploadBytes.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		r.Body = http.MaxBytesReader(w, r.Body, app.MaxUploadBytes)
		if err := r.ParseMultipartForm(app.MaxUploadBytes); err != nil {
			return parley.Errorf(parley.EINVALID, "the form could not be read (files are limited to 4 MiB)")
		}
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, app.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		return parley.Errorf(parley.EINVALID, "the form could not be read (is it over 1 MB?)")
	}
	return nil
}

// formPage is the page of this site a form was sent from, or the home page.
func formPage(r *http.Request) string {
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Host != r.Host {
		return "/"
	}
	return localPath(ref.RequestURI(), "/")
}

// redirectOr leads to target after an act, or answers its error.
func redirectOr(w http.ResponseWriter, r *http.Request, target string, err error) error {
	if err != nil {
		return err
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}
