package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"parley"
)

// statuses maps error codes to HTTP statuses: the one table both the JSON
// API and the HTML pages answer by.
var statuses = map[string]int{
	parley.EINVALID:      http.StatusBadRequest,
	parley.ENOTFOUND:     http.StatusNotFound,
	parley.ECONFLICT:     http.StatusConflict,
	parley.EUNAUTHORIZED: http.StatusUnauthorized,
	parley.EFORBIDDEN:    http.StatusForbidden,
	parley.EINTERNAL:     http.StatusInternalServerError,
	parley.EKEYREUSED:    http.StatusUnprocessableEntity,
	parley.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	parley.EUNAVAILABLE:  http.StatusServiceUnavailable,
}

// Status returns the HTTP status that answers an error of code (see
// parley.ErrorCode); an unknown code is an internal error.
func Status(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// RetryAfter is what a 503 asks clients to wait.
const RetryAfter = 2 * time.Second

// errTooMany is returned by rate limits; msg says what was refused.
type errTooMany struct {
	retry time.Duration
	msg   string
}

func (e *errTooMany) Error() string { return "too many attempts" }

// RateLimited reports whether err is a request refused by a rate limit:
// too many sign-in attempts, or too many changes.
func RateLimited(err error) bool {
	var tm *errTooMany
	return errors.As(err, &tm)
}

// Problem is how a request's error is answered, in JSON or in HTML.
type Problem struct {
	Status  int
	Code    string
	Message string
	// RetryAfter, when not 0, is the Retry-After header in seconds.
	RetryAfter int
}

// Problem says how to answer err on r. A rate limit answers 429; an
// internal error that means the database is not answering answers 503 (and
// is logged at most once every ten seconds); any other internal error is
// logged in full, and the client sees only "internal error" with the
// request id.
func (a *App) Problem(r *http.Request, err error) Problem {
	var tm *errTooMany
	if errors.As(err, &tm) {
		msg := tm.msg
		if msg == "" {
			msg = fmt.Sprintf("too many sign-in attempts; try again in %d minutes", int(tm.retry.Minutes())+1)
		}
		return Problem{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: msg, RetryAfter: max(1, int(math.Ceil(tm.retry.Seconds())))}
	}
	p := Problem{Code: parley.ErrorCode(err), Message: parley.ErrorMessage(err)}
	if p.Code == parley.EINTERNAL && a.unavailable(err) {
		a.logUnavailable(r, err)
		p.Code, p.Message = parley.EUNAVAILABLE, "the database is not answering; retry in a few seconds"
	}
	if p.Code == parley.EUNAVAILABLE {
		p.RetryAfter = int(RetryAfter.Seconds())
	}
	if p.Code == parley.EINTERNAL {
		id := RequestID(r.Context())
		a.Logger.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", id)
		p.Message = "internal error (request id " + id + ")"
	}
	p.Status = Status(p.Code)
	return p
}

// Error writes err as {"error":{"code","message"}} with the status of its
// Problem. The middleware answers in this form before any route is
// chosen (but outside /api/ as PageError does, when set); the JSON API
// answers every error so.
func (a *App) Error(w http.ResponseWriter, r *http.Request, err error) {
	if a.PageError != nil && !strings.HasPrefix(r.URL.Path, "/api/") {
		// A browser's page or form: an error page, not JSON.
		a.PageError(w, r, err)
		return
	}
	p := a.Problem(r, err)
	if p.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	WriteJSON(w, p.Status, ErrorBody(p.Code, p.Message))
}

// ErrorBody is the JSON body of an error answer.
func ErrorBody(code, msg string) any {
	return map[string]any{"error": map[string]string{"code": code, "message": msg}}
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

func (a *App) unavailable(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || (a.Unavailable != nil && a.Unavailable(err))
}

// logUnavailable logs a database outage at most once every ten seconds,
// with how many failures went unlogged since.
func (a *App) logUnavailable(r *http.Request, err error) {
	l := &a.unavailableLog
	l.Lock()
	now := a.Now()
	if now.Before(l.next) {
		l.suppressed++
		l.Unlock()
		return
	}
	n := l.suppressed
	l.next, l.suppressed = now.Add(10*time.Second), 0
	l.Unlock()
	a.Logger.ErrorContext(r.Context(), "database unavailable; answering 503", "err", err, "method", r.Method, "path", r.URL.Path,
		"request_id", RequestID(r.Context()), "unlogged_since_last", n)
}
