// Package app is parley's application layer: what the JSON API (package
// api) and the HTML interface (package web) share, so that neither is the
// other's service locator. It holds the store's services and the mediator,
// signs people in (sessions, setup, passwords, API tokens, CSRF tokens),
// guards requests (request ids, sign-in and write limits, slow bodies,
// security headers), runs the live hub and its event streams, and carries
// out the operations both front ends call: creating parties and users,
// negotiation texts, preferences and joint statements. One table maps
// error codes to HTTP statuses for both.
//
// The layering, wired in cmd/parley:
//
//	store (sqlite, postgres) → app.App → api.Server (JSON under /api/v1)
//	                                   → web.Server (HTML pages)
//	one http.ServeMux for both, wrapped in App.Middleware
//
// api and web import app, never each other.
package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"time"

	"parley"
	"parley/argon2id"
)

// MaxBodyBytes limits request bodies.
const MaxBodyBytes = 1 << 20

// MaxUploadBytes limits the web forms that upload a file.
const MaxUploadBytes = 5 << 20

// App is the application both front ends serve. Set the services, then
// call Open.
type App struct {
	// PageError, when set, answers the errors the middleware finds (an
	// expired form's CSRF token, a write rate limit, a credential that no
	// longer holds) on requests outside /api/ — pages and forms — as a
	// page; the web UI sets it. Without it they are answered in JSON.
	PageError   func(w http.ResponseWriter, r *http.Request, err error)
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
	// Inbox reads what waits on a user's party across their talks.
	Inbox parley.Inbox
	// Negotiations and the Mediator that computes their texts.
	Negotiations parley.NegotiationService
	Mediator     *parley.Mediator

	// Hub wakes live streams; New makes one.
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
	// Hashes bounds how many password hashes are computed at once (each
	// takes 19 MiB) and how many sign-ins may wait for a turn; New makes
	// one with a slot per CPU.
	Hashes *HashGate
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
	writersOnce              sync.Once
	writers                  *writeLimits
	// dummyHash is checked against when an account does not exist, so that
	// answering takes as long as for an existing one.
	dummyHash func() string
}

// New returns an App with documented defaults.
func New() *App {
	return &App{
		Hub:          NewHub(),
		Logger:       slog.Default(),
		Now:          time.Now,
		SessionTTL:   14 * 24 * time.Hour,
		Heartbeat:    15 * time.Second,
		SignInLimit:  5,
		AddressLimit: 30,
		SignInWindow: 15 * time.Minute,
		Hashes:       NewHashGate(runtime.GOMAXPROCS(0), 4*runtime.GOMAXPROCS(0), 2*time.Second),
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
func (a *App) Open(ctx context.Context) (setupToken string, err error) {
	if len(a.Secret) < 16 {
		return "", fmt.Errorf("app: secret must be at least 16 bytes")
	}
	if a.Users == nil || a.Parties == nil || a.Talks == nil || a.Credentials == nil || a.Idempotency == nil {
		return "", fmt.Errorf("app: a service is missing")
	}
	n, err := a.Users.CountUsers(ctx)
	if err != nil {
		return "", err
	}
	if n == 0 {
		// Nodes sharing a database offer one token between them.
		token := rand.Text()
		offered, at, err := a.Users.OfferSetup(ctx, hashSecret(token))
		if err != nil {
			return "", fmt.Errorf("offer setup token: %w", err)
		}
		if offered {
			setupToken = token
		} else {
			// Say so even when the other node's offer carries no time, so
			// whoever starts this node knows where the link is.
			a.Logger.Info("no accounts yet; another node printed the setup link", "at", at)
		}
	}
	return setupToken, nil
}

// Close ends live streams so that a graceful shutdown is not held up by them.
func (a *App) Close() { a.Hub.Close() }

// RequestHash is what an Idempotency-Key or a web form's one-time key is
// bound to: a SHA-256 of the method, the path and the body (for a form,
// its key).
func RequestHash(method, path string, body []byte) []byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s %s\n", method, path)
	h.Write(body)
	return h.Sum(nil)
}
