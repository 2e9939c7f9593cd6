package app

import (
	"io"
	"net/http"
	"time"
)

// ContentSecurityPolicy allows scripts only from this server's own files (no
// inline script, no eval), no framing by other sites, and forms and
// connections only back to this server. Inline styles stay allowed: they
// cannot run code, and the templates and htmx use them.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// securityHeaders sets the headers every response carries.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}

// guardBody makes a request body arrive at least at MinBodyRate bytes a
// second after a grace of BodyGrace, and within BodyTimeout in all, by
// moving the connection's read deadline as bytes arrive. Requests without
// a body (live streams among them) are left alone: their connections stay
// open as long as the client listens.
func (a *App) guardBody(w http.ResponseWriter, r *http.Request) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 || a.BodyTimeout <= 0 {
		return
	}
	rc := http.NewResponseController(w)
	start := time.Now()
	gb := &guardedBody{ReadCloser: r.Body, rc: rc, start: start, end: start.Add(a.BodyTimeout), grace: a.BodyGrace, rate: a.MinBodyRate}
	if gb.deadline() != nil {
		return // the connection cannot take deadlines (HTTP/2 through a test harness): leave it
	}
	r.Body = gb
}

type guardedBody struct {
	io.ReadCloser
	rc         *http.ResponseController
	start, end time.Time
	grace      time.Duration
	rate       int
	n          int64
	done       bool
}

// deadline sets the read deadline for the bytes read so far.
func (b *guardedBody) deadline() error {
	d := b.end
	if b.rate > 0 {
		if byRate := b.start.Add(b.grace + time.Duration(float64(b.n)/float64(b.rate)*float64(time.Second))); byRate.Before(d) {
			d = byRate
		}
	}
	return b.rc.SetReadDeadline(d)
}

func (b *guardedBody) Read(p []byte) (int, error) {
	if b.done {
		return b.ReadCloser.Read(p)
	}
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	if err == io.EOF {
		// Whole: the connection is the server's again, with no deadline
		// to cut a live response or the next request short. After any
		// other error the deadline stays, so that discarding the rest of
		// the body fails fast and the connection closes.
		b.done = true
		b.rc.SetReadDeadline(time.Time{})
		return n, err
	}
	if err != nil {
		return n, err
	}
	b.deadline()
	return n, nil
}
