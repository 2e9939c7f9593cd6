package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"parley"
	"parley/argon2id"
)

// SessionCookie is the name of the sign-in cookie.
const SessionCookie = "parley_session"

type reqKey int

const (
	requestIDKey reqKey = iota
	sessionKey
)

// RequestID returns the request's id, set by Middleware.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// session is how the request was authenticated.
type session struct {
	hash   []byte // the credential's hash
	cookie bool   // by cookie: unsafe requests need a CSRF token
}

// Middleware gives each request an id, authenticates it by session cookie or
// bearer token, checks CSRF tokens on unsafe requests signed in by cookie,
// and logs it. Secrets never reach the log.
func (a *App) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := a.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			id = rand.Text()[:16]
		}
		w.Header().Set("X-Request-Id", id)
		securityHeaders(w.Header())
		a.guardBody(w, r)
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			u := parley.UserFromContext(r.Context())
			var uid int64
			if u != nil {
				uid = u.ID
			}
			a.Logger.LogAttrs(ctx, slog.LevelInfo, "request", slog.String("request_id", id), slog.String("method", r.Method),
				slog.String("path", r.URL.Path), slog.Int("status", sw.code()), slog.Int64("user", uid),
				slog.Duration("took", a.Now().Sub(start)))
		}()
		u, sess, err := a.authenticate(r)
		if err != nil {
			a.Error(sw, r, err)
			return
		}
		if u != nil {
			ctx = parley.NewContextWithUser(ctx, u)
			ctx = context.WithValue(ctx, sessionKey, sess)
			r = r.WithContext(ctx)
			if sess.cookie && !safeMethod(r.Method) && !csrfExempt(r) && !a.validCSRF(r) {
				a.Error(sw, r, parley.Errorf(parley.EFORBIDDEN, "the form has expired or came from another site; reload the page and try again"))
				return
			}
			if !a.limitWrites(sw, r) {
				return
			}
		}
		next.ServeHTTP(sw, r)
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// csrfExempt lists the sign-in forms, which a visitor posts before having a session.
func csrfExempt(r *http.Request) bool {
	p := r.URL.Path
	return p == "/api/v1/session" && r.Method == http.MethodPost || p == "/login" || p == "/setup" || p == "/api/v1/setup"
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(c int) {
	if w.status == 0 {
		w.status = c
	}
	w.ResponseWriter.WriteHeader(c)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) code() int {
	if w.status == 0 {
		return 200
	}
	return w.status
}

// Flush lets live streams through.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

func (a *App) authenticate(r *http.Request) (*parley.User, *session, error) {
	var secret string
	sess := &session{}
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || tok == "" {
			return nil, nil, parley.Errorf(parley.EUNAUTHORIZED, "the Authorization header must be \"Bearer <token>\"")
		}
		secret = tok
	} else if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		secret, sess.cookie = c.Value, true
	} else {
		return nil, nil, nil
	}
	sess.hash = hashSecret(secret)
	c, err := a.Credentials.FindCredential(r.Context(), sess.hash)
	if parley.ErrorCode(err) == parley.ENOTFOUND {
		if sess.cookie {
			return nil, nil, nil // a stale cookie: treat as signed out
		}
		return nil, nil, parley.Errorf(parley.EUNAUTHORIZED, "the token is not valid; it may have been revoked")
	} else if err != nil {
		return nil, nil, err
	}
	if (c.Kind == parley.CredentialSession) != sess.cookie {
		return nil, nil, parley.Errorf(parley.EUNAUTHORIZED, "sessions are cookies and tokens are bearer tokens")
	}
	u, err := a.Users.FindUserByID(r.Context(), c.UserID)
	if err != nil {
		return nil, nil, err
	}
	if err := u.CanSignIn(); err != nil {
		if sess.cookie {
			return nil, nil, nil // as signed out, so the sign-in page still shows
		}
		return nil, nil, parley.Errorf(parley.EUNAUTHORIZED, "%s", parley.ErrorMessage(err))
	}
	return u, sess, nil
}

// CSRFToken returns the token that unsafe requests of the request's cookie
// session must carry, as the X-CSRF-Token header or a csrf form field.
func (a *App) CSRFToken(r *http.Request) string {
	sess, _ := r.Context().Value(sessionKey).(*session)
	if sess == nil {
		return ""
	}
	m := hmac.New(sha256.New, a.Secret)
	m.Write([]byte("csrf\x00"))
	m.Write(sess.hash)
	return hex.EncodeToString(m.Sum(nil))
}

func (a *App) validCSRF(r *http.Request) bool {
	got := r.Header.Get("X-CSRF-Token")
	if ct := r.Header.Get("Content-Type"); got == "" && strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		r.Body = http.MaxBytesReader(nil, r.Body, MaxBodyBytes)
		got = r.PostFormValue("csrf")
	} else if got == "" && strings.HasPrefix(ct, "multipart/form-data") {
		// Forms that upload a file (a domain or a profile).
		r.Body = http.MaxBytesReader(nil, r.Body, MaxUploadBytes)
		if r.ParseMultipartForm(MaxUploadBytes) == nil {
			got = r.PostFormValue("csrf")
		}
	}
	want := a.CSRFToken(r)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// errBadLogin says the same whether the account exists or not.
var errBadLogin = parley.Errorf(parley.EUNAUTHORIZED, "the name or the password is wrong")

// limits returns the sign-in attempt counters, made from the App's
// settings on first use.
func (a *App) limits() (accounts, devices, addrs *attempts) {
	a.limitsOnce.Do(func() {
		a.accounts = newAttempts(a.SignInLimit, a.SignInWindow)
		a.devices = newAttempts(a.SignInLimit, a.SignInWindow)
		a.addrs = newAttempts(a.AddressLimit, a.SignInWindow)
	})
	return a.accounts, a.devices, a.addrs
}

// errBusy refuses a sign-in when too many are being checked already.
var errBusy = &errTooMany{retry: time.Second, msg: "the server is checking many sign-ins at once; try again in a second"}

// Login checks a name and password and, when they match, starts a session,
// sets its cookie and marks the client as a known device of the account.
//
// Each attempt is counted before the password is checked. A known device
// has its own count; other clients share one count per account and one per
// address, so a stranger's guesses hold back only clients the account has
// never signed in from. Messages do not say whether the account exists.
func (a *App) Login(w http.ResponseWriter, r *http.Request, name, password string) (*parley.User, error) {
	now := a.Now()
	accounts, devices, addrs := a.limits()
	var ls []limit
	if nonce := a.knownDevice(r, name); nonce != "" {
		ls = []limit{{devices, nonce}}
	} else {
		ls = []limit{{accounts, strings.ToLower(name)}, {addrs, clientAddr(r)}}
	}
	if d := reserve(now, ls...); d > 0 {
		return nil, &errTooMany{retry: d}
	}
	if !a.Hashes.tryAcquire(r.Context()) {
		unreserve(now, ls...) // not an attempt: the password was not checked
		return nil, errBusy
	}
	u, err := a.Users.FindUserByName(r.Context(), name)
	hash := a.dummyHash()
	if err == nil {
		hash = u.PasswordHash
	} else if parley.ErrorCode(err) != parley.ENOTFOUND {
		a.Hashes.Release()
		unreserve(now, ls...)
		return nil, err
	}
	ok := argon2id.Verify(hash, password) // run even for a missing account: same timing
	a.Hashes.Release()
	if err != nil || !ok || u.PasswordHash == "" {
		return nil, errBadLogin // the reservation stays, counted as a failure
	}
	unreserve(now, ls...)
	ls[0].a.reset(ls[0].key)
	if err := u.CanSignIn(); err != nil {
		return nil, err
	}
	secret := rand.Text() + rand.Text()
	c := &parley.Credential{UserID: u.ID, Kind: parley.CredentialSession, Hash: hashSecret(secret), ExpiresAt: now.Add(a.SessionTTL)}
	if err := a.Credentials.CreateCredential(r.Context(), c); err != nil {
		return nil, err
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: a.SecureCookies || r.TLS != nil, Expires: c.ExpiresAt})
	a.setDeviceCookie(w, r, u.Name)
	return u, nil
}

// Logout ends the request's session and clears its cookie.
func (a *App) Logout(w http.ResponseWriter, r *http.Request) error {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	sess, _ := r.Context().Value(sessionKey).(*session)
	u := parley.UserFromContext(r.Context())
	if sess == nil || u == nil || !sess.cookie {
		return nil // a bearer token is revoked through /api/v1/tokens, not by signing out
	}
	c, err := a.Credentials.FindCredential(r.Context(), sess.hash)
	if err != nil {
		return nil
	}
	return a.Credentials.DeleteCredential(r.Context(), u.ID, c.ID)
}

// CompleteSetup creates the first administrator with the one-time setup
// token printed at the first start.
func (a *App) CompleteSetup(ctx context.Context, token, name, password string) (*parley.User, error) {
	u := &parley.User{Name: name, Admin: true}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if err := a.setPassword(ctx, u, password); err != nil {
		return nil, err
	}
	// The store uses up the token and makes the user in one transaction, so
	// that one first administrator is made across all nodes.
	if err := a.Users.CreateFirstAdmin(ctx, hashSecret(token), u); err != nil {
		return nil, err
	}
	return u, nil
}

// CreateUserWithPassword validates password, hashes it and stores u.
func (a *App) CreateUserWithPassword(ctx context.Context, u *parley.User, password string) error {
	if err := a.setPassword(ctx, u, password); err != nil {
		return err
	}
	return a.Users.CreateUser(ctx, u)
}

// setPassword validates password and sets u's hash of it.
func (a *App) setPassword(ctx context.Context, u *parley.User, password string) error {
	if len(password) < 10 || len(password) > 256 {
		return parley.Errorf(parley.EINVALID, "a password must be 10 to 256 characters")
	}
	h, err := a.hash(ctx, password)
	if err != nil {
		return err
	}
	u.PasswordHash = h
	return nil
}

// ChangePassword checks u's current password and sets a new one; every
// session of u ends, and the caller signs in again.
func (a *App) ChangePassword(ctx context.Context, u *parley.User, current, next string) error {
	if len(next) < 10 || len(next) > 256 {
		return parley.Errorf(parley.EINVALID, "a password must be 10 to 256 characters")
	}
	if err := a.Hashes.Acquire(ctx); err != nil {
		return err
	}
	ok := argon2id.Verify(u.PasswordHash, current)
	a.Hashes.Release()
	if !ok {
		return parley.Errorf(parley.EFORBIDDEN, "the current password is wrong")
	}
	h, err := a.hash(ctx, next)
	if err != nil {
		return err
	}
	return a.Users.SetPasswordHash(ctx, u.ID, h)
}

// hash hashes a password in a turn of the hash gate.
func (a *App) hash(ctx context.Context, password string) (string, error) {
	if err := a.Hashes.Acquire(ctx); err != nil {
		return "", err
	}
	defer a.Hashes.Release()
	return argon2id.Hash(password)
}
