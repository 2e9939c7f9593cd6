// Package api is parley's JSON API under /api/v1: accounts, parties, talks,
// the record and the live event stream. Handlers return errors; one table
// maps error codes to HTTP statuses.
package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"

	"parley"
	"parley/argon2id"
)

// MaxBodyBytes limits request bodies.
const MaxBodyBytes = 1 << 20

// MaxUploadBytes limits the web forms that upload a file.
const MaxUploadBytes = 5 << 20

// Server serves the JSON API. Set the services, then call Open.
type Server struct {
	Users       parley.UserService
	Parties     parley.PartyService
	Talks       parley.TalkService
	Credentials parley.CredentialService
	Idempotency parley.IdempotencyService
	// Irritants is the consultation mechanism; its routes answer "internal
	// error" while it is nil.
	Irritants parley.IrritantService
	// Rounds and Statements complete the consultation mechanism.
	Rounds     parley.RoundService
	Statements parley.StatementService
	// Notifications are the signed-in user's notices of consultation events.
	Notifications parley.NotificationService
	// Negotiations and the Mediator that computes their texts.
	Negotiations parley.NegotiationService
	Mediator     *parley.Mediator

	// Hub wakes live streams; NewServer makes one.
	Hub *Hub
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Now is the clock.
	Now func() time.Time
	// Secret seals party keys and keys CSRF tokens; at least 16 bytes.
	Secret []byte
	// SecureCookies marks cookies Secure; set it when serving over TLS.
	SecureCookies bool
	// SessionTTL is how long a sign-in lasts.
	SessionTTL time.Duration
	// Heartbeat is how often idle live streams send a comment and catch up.
	Heartbeat time.Duration
	// Unavailable reports whether an error means the database cannot be
	// reached or did not answer in time; such errors answer 503 with
	// Retry-After instead of 500. Nil: only deadlines count.
	Unavailable func(error) bool

	// unavailableLog keeps a database outage from writing one ERROR line per
	// request.
	unavailableLog struct {
		sync.Mutex
		next       time.Time
		suppressed int
	}

	// SignInLimit is how many sign-in attempts an account accepts from
	// clients it does not know, and each known device of it, within
	// SignInWindow; AddressLimit is how many an address may make for
	// accounts it is not a known device of. Known devices (see
	// DeviceCookie) are not held back by what strangers do.
	SignInLimit, AddressLimit int
	SignInWindow              time.Duration
	// HashSlots is how many password hashes are computed at once (each
	// takes 19 MiB); HashQueue sign-ins may wait up to HashWait for a turn,
	// and further ones are refused at once with 429.
	HashSlots, HashQueue int
	HashWait             time.Duration
	// TokenTTL is how long an API token lasts from its creation.
	TokenTTL time.Duration
	// BodyTimeout is the longest a request body may take to arrive;
	// after BodyGrace it must also keep up at least MinBodyRate bytes a
	// second. Requests without a body, such as live streams, are exempt.
	BodyTimeout time.Duration
	BodyGrace   time.Duration
	MinBodyRate int
	// WriteRate and WriteBurst limit each user's unsafe requests: a sustained
	// rate per second and a burst.
	WriteRate  float64
	WriteBurst int

	limitsOnce               sync.Once
	accounts, devices, addrs *attempts
	gateOnce                 sync.Once
	hashes                   *hashGate
	writersOnce              sync.Once
	writers                  *writeLimits
	// dummyHash is checked against when an account does not exist, so that
	// answering takes as long as for an existing one.
	dummyHash func() string
}

// NewServer returns a Server with documented defaults.
func NewServer() *Server {
	return &Server{
		Hub:          NewHub(),
		Logger:       slog.Default(),
		Now:          time.Now,
		SessionTTL:   14 * 24 * time.Hour,
		Heartbeat:    15 * time.Second,
		SignInLimit:  5,
		AddressLimit: 30,
		SignInWindow: 15 * time.Minute,
		HashSlots:    runtime.GOMAXPROCS(0),
		HashQueue:    4 * runtime.GOMAXPROCS(0),
		HashWait:     2 * time.Second,
		TokenTTL:     90 * 24 * time.Hour,
		BodyTimeout:  60 * time.Second,
		BodyGrace:    5 * time.Second,
		MinBodyRate:  4 << 10,
		WriteRate:    1,
		WriteBurst:   60,
		dummyHash:    sync.OnceValue(argon2id.Dummy),
	}
}

// Open checks the configuration. When no user exists it makes a one-time
// setup token and returns it, to be shown to whoever starts the server;
// when another node sharing the database has just offered one, it returns
// "" and that node's token is the one that works.
func (s *Server) Open(ctx context.Context) (setupToken string, err error) {
	if len(s.Secret) < 16 {
		return "", fmt.Errorf("api: secret must be at least 16 bytes")
	}
	if s.Users == nil || s.Parties == nil || s.Talks == nil || s.Credentials == nil || s.Idempotency == nil {
		return "", fmt.Errorf("api: a service is missing")
	}
	n, err := s.Users.CountUsers(ctx)
	if err != nil {
		return "", err
	}
	if n == 0 {
		// Nodes sharing a database offer one token between them.
		token := rand.Text()
		offered, at, err := s.Users.OfferSetup(ctx, hashSecret(token))
		if err != nil {
			return "", fmt.Errorf("offer setup token: %w", err)
		}
		if offered {
			setupToken = token
		} else {
			// Say so even when the other node's offer carries no time, so
			// whoever starts this node knows where the link is.
			s.Logger.Info("no accounts yet; another node printed the setup link", "at", at)
		}
	}
	return setupToken, nil
}

// Close ends live streams so that a graceful shutdown is not held up by them.
func (s *Server) Close() { s.Hub.Close() }

// handler is an HTTP handler that returns an error.
type handler func(w http.ResponseWriter, r *http.Request) error

// statuses maps error codes to HTTP statuses.
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

// errTooMany is returned by rate limits; msg says what was refused.
type errTooMany struct {
	retry time.Duration
	msg   string
}

func (e *errTooMany) Error() string { return "too many attempts" }

// Error writes err as {"error":{"code","message"}}. Internal errors are logged
// in full and reported to the client only as "internal error" with the
// request id.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	var tm *errTooMany
	if errors.As(err, &tm) {
		secs := int(math.Ceil(tm.retry.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(max(1, secs)))
		msg := tm.msg
		if msg == "" {
			msg = fmt.Sprintf("too many sign-in attempts; try again in %d minutes", int(tm.retry.Minutes())+1)
		}
		writeJSON(w, http.StatusTooManyRequests, errorBody("rate_limited", msg))
		return
	}
	code := parley.ErrorCode(err)
	msg := parley.ErrorMessage(err)
	if code == parley.EINTERNAL && s.unavailable(err) {
		s.logUnavailable(r, err)
		code, msg = parley.EUNAVAILABLE, "the database is not answering; retry in a few seconds"
	}
	if code == parley.EUNAVAILABLE {
		w.Header().Set("Retry-After", strconv.Itoa(int(RetryAfter.Seconds())))
	}
	if code == parley.EINTERNAL {
		id := RequestID(r.Context())
		s.Logger.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "path", r.URL.Path, "request_id", id)
		msg = "internal error (request id " + id + ")"
	}
	writeJSON(w, statuses[code], errorBody(code, msg))
}

// RetryAfter is what a 503 asks clients to wait.
const RetryAfter = 2 * time.Second

func (s *Server) unavailable(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || (s.Unavailable != nil && s.Unavailable(err))
}

// logUnavailable logs a database outage at most once every ten seconds,
// with how many failures went unlogged since.
func (s *Server) logUnavailable(r *http.Request, err error) {
	l := &s.unavailableLog
	l.Lock()
	now := s.Now()
	if now.Before(l.next) {
		l.suppressed++
		l.Unlock()
		return
	}
	n := l.suppressed
	l.next, l.suppressed = now.Add(10*time.Second), 0
	l.Unlock()
	s.Logger.ErrorContext(r.Context(), "database unavailable; answering 503", "err", err, "method", r.Method, "path", r.URL.Path,
		"request_id", RequestID(r.Context()), "unlogged_since_last", n)
}

func errorBody(code, msg string) any {
	return map[string]any{"error": map[string]string{"code": code, "message": msg}}
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

// decode reads a JSON body into v, rejecting unknown fields, trailing data
// and bodies over MaxBodyBytes.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return parley.Errorf(parley.ETOOLARGE, "request body is over %d bytes", MaxBodyBytes)
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
		return s.Idempotent(w, r, u, key, RequestHash(r.Method, r.URL.Path, body), h)
	}
}

// readBody reads the whole request body, up to MaxBodyBytes, and puts it
// back for the handler to decode.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, parley.Errorf(parley.ETOOLARGE, "request body is over %d bytes", MaxBodyBytes)
	} else if err != nil {
		return nil, parley.Errorf(parley.EINVALID, "request body: %v", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, nil
}

// RequestHash is what an Idempotency-Key is bound to: a SHA-256 of the
// method, the path and the body (for a form, its encoded values).
func RequestHash(method, path string, body []byte) []byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s %s\n", method, path)
	h.Write(body)
	return h.Sum(nil)
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
// requestHash (see RequestHash) binds the key to one request: the same key
// with another body is refused with 422.
//
// The response reaches the client only after the commit. A handler that
// shows a secret once calls replayWithout so that the stored copy holds no
// secret. Web forms use this with a one-time form key.
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
