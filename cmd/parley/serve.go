package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"parley"
	"parley/api"
	"parley/app"
	"parley/postgres"
	"parley/sqlite"
	"parley/sqlstore"
	"parley/web"
)

// serveOptions are parley serve's settings, from flags or PARLEY_* variables.
type serveOptions struct {
	addr, data, db string
	demo           bool
	secureCookies  bool
	tlsCert        string
	tlsKey         string
	// metricsAddr serves /metrics on its own listener; metricsPublic on the
	// main address. By default metrics are not served: they tell anyone
	// how busy each talk's streams are.
	metricsAddr   string
	metricsPublic bool
	// connsPerAddr caps simultaneous connections from one client address (0: no cap).
	connsPerAddr int
	// tokenTTL is how long API tokens last; writeRate and writeBurst limit
	// each user's changes.
	tokenTTL   time.Duration
	writeRate  float64
	writeBurst int
	// PostgreSQL timeouts; txTimeout also bounds every request but live streams.
	connectTimeout, statementTimeout, txTimeout time.Duration
	engineBudget                                time.Duration
}

func newServeCmd(e *env) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the parley server: web UI and JSON API",
		Long: `serve runs the web UI and the JSON API. Data lives in an embedded SQLite
database in --data, unless --db (or PARLEY_DATABASE_URL) names a PostgreSQL
database, which several serve processes may share.

The server secret that seals party keys comes from PARLEY_SECRET or, failing
that, from the file "secret" in --data (made on first start). Nodes sharing
PostgreSQL must share the secret.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), e)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", envOr(e, "PARLEY_ADDR", "127.0.0.1:8080"), "address to listen on (PARLEY_ADDR)")
	f.StringVar(&o.data, "data", e.getenv("PARLEY_DATA"), "data folder for the SQLite database and the secret (PARLEY_DATA); default ./parley-data, or a temporary folder with --demo")
	f.StringVar(&o.db, "db", e.getenv("PARLEY_DATABASE_URL"), "PostgreSQL URL, postgres://… (PARLEY_DATABASE_URL); default: SQLite in --data")
	f.BoolVar(&o.secureCookies, "secure-cookies", e.getenv("PARLEY_SECURE_COOKIES") == "1", "mark cookies Secure, for serving behind a TLS proxy (PARLEY_SECURE_COOKIES=1); they are always Secure on TLS connections")
	f.StringVar(&o.tlsCert, "tls-cert", e.getenv("PARLEY_TLS_CERT"), "serve HTTPS with this certificate file (PEM; PARLEY_TLS_CERT); needs --tls-key")
	f.StringVar(&o.tlsKey, "tls-key", e.getenv("PARLEY_TLS_KEY"), "private key file for --tls-cert (PEM; PARLEY_TLS_KEY)")
	f.StringVar(&o.metricsAddr, "metrics-addr", e.getenv("PARLEY_METRICS_ADDR"), "serve Prometheus metrics at /metrics on this separate address, e.g. 127.0.0.1:9090 (PARLEY_METRICS_ADDR); default: not served")
	f.BoolVar(&o.metricsPublic, "metrics-public", e.getenv("PARLEY_METRICS_PUBLIC") == "1", "serve /metrics on --addr to anyone who can reach it (PARLEY_METRICS_PUBLIC=1)")
	f.IntVar(&o.connsPerAddr, "max-conns-per-addr", envInt(e, "PARLEY_MAX_CONNS_PER_ADDR", 128), "most simultaneous connections from one client address; 0 for no cap, e.g. behind a proxy that limits them itself (PARLEY_MAX_CONNS_PER_ADDR)")
	f.DurationVar(&o.tokenTTL, "token-ttl", envDuration(e, "PARLEY_TOKEN_TTL", 90*24*time.Hour), "how long an API token lasts from its creation (PARLEY_TOKEN_TTL)")
	f.Float64Var(&o.writeRate, "write-rate", envFloat(e, "PARLEY_WRITE_RATE", 1), "changes per second each user may make, sustained; 0 for no limit (PARLEY_WRITE_RATE)")
	f.IntVar(&o.writeBurst, "write-burst", envInt(e, "PARLEY_WRITE_BURST", 60), "changes each user may make at once before --write-rate applies (PARLEY_WRITE_BURST)")
	f.DurationVar(&o.connectTimeout, "db-connect-timeout", envDuration(e, "PARLEY_DB_CONNECT_TIMEOUT", 10*time.Second), "PostgreSQL: give up making a connection after this long, including a server that accepts and never answers (PARLEY_DB_CONNECT_TIMEOUT)")
	f.DurationVar(&o.statementTimeout, "db-statement-timeout", envDuration(e, "PARLEY_DB_STATEMENT_TIMEOUT", 10*time.Second), "PostgreSQL: the server cancels a statement running longer (statement_timeout; PARLEY_DB_STATEMENT_TIMEOUT)")
	f.DurationVar(&o.txTimeout, "db-tx-timeout", envDuration(e, "PARLEY_DB_TX_TIMEOUT", 30*time.Second), "every request but live streams fails with 503 after this long, and PostgreSQL ends transactions idle longer (idle_in_transaction_session_timeout; PARLEY_DB_TX_TIMEOUT)")
	f.DurationVar(&o.engineBudget, "engine-budget", 20*time.Second, "longest a mediator's request for a text may compute before it is refused")
	f.BoolVar(&o.demo, "demo", e.getenv("PARLEY_DEMO") == "1", "seed the illustrative Riyadh scenario and print its users' passwords (PARLEY_DEMO=1)")
	return cmd
}

func envInt(e *env, name string, def int) int {
	if n, err := strconv.Atoi(e.getenv(name)); err == nil {
		return n
	}
	return def
}

func envFloat(e *env, name string, def float64) float64 {
	if n, err := strconv.ParseFloat(e.getenv(name), 64); err == nil {
		return n
	}
	return def
}

// envDuration reads a duration such as "10s" from the variable name; a value
// that does not parse is left for the flag's own check by returning def.
func envDuration(e *env, name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(e.getenv(name)); err == nil {
		return d
	}
	return def
}

func envOr(e *env, name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}

// store is what serve needs from either database.
type store interface {
	parley.Store
	parley.Inbox
	Ping(ctx context.Context) error
	// Ready is Ping and a write: not ready when writes fail (a full disk).
	Ready(ctx context.Context) error
	// IsUnavailable tells errors that should answer 503 and be retried.
	IsUnavailable(err error) bool
	EnsureServerKey(ctx context.Context) error
	Prune(ctx context.Context, keep time.Duration) error
	Close() error
}

// Both stores implement every service, asserted here where they are wired.
var (
	_ store = (*sqlite.DB)(nil)
	_ store = (*postgres.DB)(nil)
)

func (o *serveOptions) run(ctx context.Context, e *env) error {
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together")
	}
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	if o.data == "" {
		if o.demo && o.db == "" {
			// A fresh demo every start, so the printed passwords always work.
			dir, err := os.MkdirTemp("", "parley-demo-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			o.data = dir
		} else {
			o.data = "parley-data"
		}
	}
	if err := os.MkdirAll(o.data, 0o700); err != nil {
		return err
	}
	secret, err := loadSecret(e, o.data)
	if err != nil {
		return err
	}
	// store → app → api and web → one mux: the application is configured
	// here, the store under it below, and the two front ends over it.
	a := app.New()
	a.Logger, a.Secret, a.SecureCookies = logger, secret, o.secureCookies
	a.TokenTTL, a.WriteRate, a.WriteBurst = o.tokenTTL, o.writeRate, o.writeBurst

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "parley_http_requests_total", Help: "HTTP requests by method and status."}, []string{"method", "code"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "parley_http_request_duration_seconds", Help: "HTTP request latency.", Buckets: prometheus.DefBuckets}, []string{"method"})
	events := prometheus.NewCounter(prometheus.CounterOpts{Name: "parley_events_total", Help: "Events of talks' shared chains heard by this node."})
	streams := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "parley_live_streams", Help: "Open live event streams on this node."},
		func() float64 { return float64(a.Hub.Streams()) })
	reg.MustRegister(requests, duration, events, streams)

	// The store is configured before it opens: it calls the event hook from
	// its own goroutines.
	cfg := sqlstore.Config{Secret: secret, OnEvent: func(r parley.EventRef) {
		// Private events are not counted: the metric would tell their timing.
		if r.Private == 0 {
			events.Inc()
		}
		a.Hub.Publish(r)
	}}
	var db store
	var listen func(context.Context, chan<- struct{}) error
	if strings.HasPrefix(o.db, "postgres://") || strings.HasPrefix(o.db, "postgresql://") {
		pg := postgres.NewDB(o.db)
		pg.Config, pg.Logger = cfg, logger
		pg.ConnectTimeout, pg.StatementTimeout, pg.TxTimeout = o.connectTimeout, o.statementTimeout, o.txTimeout
		// Announcements lost while the listening connection was down are
		// made up for by every stream reading for itself.
		pg.OnResubscribe = a.Hub.WakeAll
		if err := pg.Open(ctx); err != nil {
			return err
		}
		db, listen = pg, pg.Listen
	} else if o.db != "" {
		return fmt.Errorf("--db %q: only postgres:// URLs are supported; leave it empty for SQLite in --data", o.db)
	} else {
		sq := sqlite.NewDB(filepath.Join(o.data, "parley.db"))
		sq.Config = cfg
		if err := sq.Open(ctx); err != nil {
			return err
		}
		db = sq
	}
	defer db.Close()
	a.Unavailable = db.IsUnavailable
	// The server's own key signs checkpoints; it is made at first start,
	// sealed with the secret like the party keys.
	if err := db.EnsureServerKey(ctx); err != nil {
		return fmt.Errorf("server key: %w", err)
	}

	a.Users, a.Parties, a.Talks, a.Credentials, a.Idempotency = db, db, db, db, db
	a.Irritants, a.Rounds, a.Statements, a.Notifications, a.Inbox = db, db, db, db, db
	a.Negotiations = db
	a.Mediator = &parley.Mediator{Negotiations: db, EngineVersion: "parley " + version, Budget: o.engineBudget}
	a.Mediator.Open()

	if o.demo {
		if err := seedDemoOnce(ctx, a, db, e.stdout); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	setup, err := a.Open(ctx)
	if err != nil {
		return err
	}
	w := web.NewServer(a)

	mux := http.NewServeMux()
	api.NewServer(a).Register(mux)
	w.Register(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := db.Ready(ctx); err != nil {
			logger.Warn("not ready", "err", err)
			w.Header().Set("Retry-After", strconv.Itoa(int(app.RetryAfter.Seconds())))
			http.Error(w, "database unavailable or not accepting writes", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	if o.metricsPublic {
		mux.Handle("GET /metrics", metrics)
	}
	handler := a.Middleware(mux)
	measured := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// A database that stops answering must not hold requests for ever:
		// past the deadline they answer 503. Live streams wait by design.
		if o.txTimeout > 0 && !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			ctx, cancel := context.WithTimeout(r.Context(), o.txTimeout)
			defer cancel()
			r = r.WithContext(ctx)
		}
		sw := &codeWriter{ResponseWriter: w, code: 200}
		handler.ServeHTTP(sw, r)
		requests.WithLabelValues(r.Method, strconv.Itoa(sw.code)).Inc()
		duration.WithLabelValues(r.Method).Observe(time.Since(start).Seconds())
	})

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	if o.connsPerAddr > 0 {
		ln = newCapListener(ln, o.connsPerAddr)
	}
	if o.metricsAddr != "" {
		mln, err := net.Listen("tcp", o.metricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		mmux := http.NewServeMux()
		mmux.Handle("GET /metrics", metrics)
		msrv := &http.Server{Handler: mmux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second}
		go msrv.Serve(mln)
		defer msrv.Close()
		fmt.Fprintf(e.stdout, "parley metrics on http://%s/metrics\n", mln.Addr())
	}
	srv := &http.Server{Handler: measured, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	url := "http://" + ln.Addr().String()
	if o.tlsCert != "" {
		url = "https://" + ln.Addr().String()
	}
	fmt.Fprintf(e.stdout, "parley listening on %s\n", url)
	if setup != "" {
		fmt.Fprintf(e.stdout, "No accounts yet. Create the first administrator at %s/setup?token=%s\n(or run: parley admin create-user --data %s --admin NAME)\n", url, setup, o.data)
	}
	logger.Info("serving", "addr", ln.Addr().String(), "database", dbKind(o))

	lctx, stopListening := context.WithCancel(context.Background())
	defer stopListening()
	if listen != nil {
		go listen(lctx, nil)
	}
	go runReminders(lctx, db, time.Now, time.Hour, logger)
	if v := e.getenv("PARLEY_SMTP_URL"); v != "" {
		m, err := newMailer(v, db, logger)
		if err != nil {
			return err
		}
		go m.run(lctx)
	}
	go prune(lctx, db, logger)
	errc := make(chan error, 1)
	go func() {
		if o.tlsCert != "" {
			errc <- srv.ServeTLS(ln, o.tlsCert, o.tlsKey)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	a.Close() // ends live streams so Shutdown need not wait for them
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	stopListening()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// seedDemo seeds the demo in one transaction claimed like an
// Idempotency-Key, so that of nodes started together on one database one
// seeds it and the others wait for it and find it done.
func seedDemoOnce(ctx context.Context, s *app.App, db store, out io.Writer) error {
	_, replayed, err := db.Idempotently(ctx, 0, "parley: demo seed", []byte("demo seed"), func(ctx context.Context) (*parley.StoredResponse, error) {
		if err := seedDemo(ctx, s, out); err != nil {
			return nil, err
		}
		return &parley.StoredResponse{Status: http.StatusOK}, nil
	})
	if err == nil && replayed {
		fmt.Fprintln(out, "Demo scenario seeded by another node; its passwords were printed there.")
	}
	return err
}

func dbKind(o *serveOptions) string {
	if o.db != "" {
		return "postgres"
	}
	return "sqlite " + filepath.Join(o.data, "parley.db")
}

type codeWriter struct {
	http.ResponseWriter
	code int
}

func (w *codeWriter) WriteHeader(c int) { w.code = c; w.ResponseWriter.WriteHeader(c) }

func (w *codeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *codeWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// loadSecret returns PARLEY_SECRET, or the secret in dir/secret, making one
// on first start.
func loadSecret(e *env, dir string) ([]byte, error) {
	if v := e.getenv("PARLEY_SECRET"); v != "" {
		if len(v) < 16 {
			return nil, fmt.Errorf("PARLEY_SECRET must be at least 16 characters")
		}
		return []byte(v), nil
	}
	path := filepath.Join(dir, "secret")
	b, err := os.ReadFile(path)
	if err == nil {
		return []byte(strings.TrimSpace(string(b))), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	buf := make([]byte, 32)
	rand.Read(buf)
	s := hex.EncodeToString(buf)
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return nil, err
	}
	return []byte(s), nil
}

func openPostgres(ctx context.Context, url string, cfg sqlstore.Config) (*postgres.DB, error) {
	pg := postgres.NewDB(url)
	pg.Config = cfg
	if err := pg.Open(ctx); err != nil {
		return nil, err
	}
	return pg, nil
}

// prune removes expired sessions and day-old Idempotency-Key records every hour.
func prune(ctx context.Context, db store, logger *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := db.Prune(ctx, 24*time.Hour); err != nil && ctx.Err() == nil {
			logger.Warn("prune", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
