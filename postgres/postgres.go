// Package postgres stores parley's data in PostgreSQL, so that several
// parley nodes can share one database. New events are announced to every
// node with NOTIFY carrying "talk:seq"; payloads stay in the table because
// they are too large for NOTIFY.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"parley"
	"parley/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// defaultMaxConns is the connections a node opens at most, unless the URL
// sets pool_max_conns.
const defaultMaxConns = 20

// channel is the NOTIFY channel for new events.
const channel = "parley_events"

// credentialsChanged is the notification, on channel, that credentials or
// users changed: every node clears its credential cache.
const credentialsChanged = "credentials"

// Dialect is PostgreSQL's part of the shared SQL store.
var Dialect = sqlstore.Dialect{
	Name: "postgres",
	IsUnique: func(err error) bool {
		var e *pgconn.PgError
		return errors.As(err, &e) && e.Code == "23505"
	},
	// One node migrates at a time; the others wait, then find nothing to do.
	MigrationLock: `SELECT pg_advisory_xact_lock(7248190)`,
	NotifyEvent:   `SELECT pg_notify('` + channel + `', $1)`,
	NotifyEvents: func(param int) string {
		return fmt.Sprintf(`SELECT pg_notify('`+channel+`', n) FROM unnest($%d::text[]) AS n`, param)
	},
	WriteCTE:          true,
	TxID:              `SELECT CAST(pg_current_xact_id() AS text)`,
	TxStatus:          `SELECT pg_xact_status(CAST($1 AS xid8))`,
	NotifyCredentials: `SELECT pg_notify('` + channel + `', '` + credentialsChanged + `')`,
	// Concurrent appends share a transaction, so they take a talk's lock
	// and wait for the commit once per group rather than once each.
	GroupCommit: true,
	LockRows:    " FOR NO KEY UPDATE",
}

// DB is parley's store on a PostgreSQL database.
type DB struct {
	*sqlstore.DB
	// Config (clock, secret, event hook) is set before Open.
	sqlstore.Config
	// URL is the connection string, postgres://…
	URL string
	// Logger reports lost notification connections; it defaults to slog.Default().
	Logger *slog.Logger
	// ConnectTimeout bounds making a connection, including the server's
	// first answer (default 10 s): a port that accepts and never answers
	// fails Open instead of hanging.
	ConnectTimeout time.Duration
	// StatementTimeout is the server's statement_timeout (default 30 s).
	StatementTimeout time.Duration
	// TxTimeout is the server's idle_in_transaction_session_timeout
	// (default 60 s): a transaction whose client went quiet is ended and its
	// locks freed.
	TxTimeout time.Duration
	// OnResubscribe is called each time Listen is listening again after a
	// lost connection: events committed meanwhile were not announced, so
	// every reader waiting for events should look for itself.
	OnResubscribe func()

	pool *pgxpool.Pool
	sql  *sql.DB
}

// NewDB returns a DB for url; call Open before use.
func NewDB(url string) *DB { return &DB{URL: url} }

// Open connects and applies migrations.
func (db *DB) Open(ctx context.Context) error {
	if db.Logger == nil {
		db.Logger = slog.Default()
	}
	if db.ConnectTimeout <= 0 {
		db.ConnectTimeout = 10 * time.Second
	}
	if db.StatementTimeout <= 0 {
		db.StatementTimeout = 30 * time.Second
	}
	if db.TxTimeout <= 0 {
		db.TxTimeout = time.Minute
	}
	cfg, err := pgxpool.ParseConfig(db.URL)
	if err != nil {
		return fmt.Errorf("postgres url: %w", err)
	}
	cfg.ConnConfig.ConnectTimeout = db.ConnectTimeout
	// pgxpool's default, the greater of 4 and the number of CPUs, is less
	// than the listening connection, the group committers and the readers
	// of a busy node need at once: requests queued for a connection.
	if !strings.Contains(db.URL, "pool_max_conns") {
		cfg.MaxConns = max(cfg.MaxConns, defaultMaxConns)
	}
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(db.StatementTimeout.Milliseconds(), 10)
	cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"] = strconv.FormatInt(db.TxTimeout.Milliseconds(), 10)
	if db.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	// Connections are made lazily; make one now so that a database that
	// does not answer is reported at start, clearly.
	pctx, cancel := context.WithTimeout(ctx, db.ConnectTimeout)
	err = db.pool.Ping(pctx)
	cancel()
	if err != nil {
		db.pool.Close()
		return fmt.Errorf("postgres at %s:%d gives no usable connection within %v (connect timeout): %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, db.ConnectTimeout, err)
	}
	db.sql = stdlib.OpenDBFromPool(db.pool)
	sub, _ := fs.Sub(migrations, "migrations")
	if err := sqlstore.Migrate(ctx, db.sql, sub, Dialect); err != nil {
		db.Close()
		return fmt.Errorf("migrate: %w", err)
	}
	if db.Now == nil {
		db.Now = time.Now
	}
	d := Dialect
	d.Batches = db.batches
	db.DB = sqlstore.New(db.sql, db.sql, d, db.Config)
	return nil
}

// batches begins a transaction on a connection of the pool whose
// statements go a batch at a time, each batch in one round trip (pgx's
// pipelining; database/sql sends one statement per round trip).
func (db *DB) batches(ctx context.Context) (sqlstore.BatchTx, error) {
	c, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	return &batchTx{c: c}, nil
}

type batchTx struct {
	c      *pgxpool.Conn
	begun  bool
	closed bool
}

func (t *batchTx) Send(ctx context.Context, stmts []sqlstore.Stmt, commit bool) error {
	var b pgx.Batch
	if !t.begun {
		b.Queue(`BEGIN`)
		t.begun = true
	}
	for _, s := range stmts {
		q := b.Queue(s.SQL, s.Args...)
		if scan := s.Scan; scan != nil {
			q.Query(func(rows pgx.Rows) error { return scan(rows) })
		}
	}
	if commit {
		b.Queue(`COMMIT`)
	}
	err := t.c.SendBatch(ctx, &b).Close()
	if err == nil && commit {
		t.closed = true
	}
	return err
}

// Abandon closes the connection: PostgreSQL rolls back a transaction
// still open on it once it sees it closed.
func (t *batchTx) Abandon() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.c.Conn().Close(ctx)
	cancel()
	t.closed = true
}

func (t *batchTx) Close() {
	if t.begun && !t.closed {
		// A connection that cannot roll back is not idle, and the pool
		// closes it rather than take it back.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		t.c.Exec(ctx, `ROLLBACK`)
		cancel()
	}
	t.c.Release()
}

// IsUnavailable reports whether err means the database cannot be reached or
// did not answer in time, rather than that the request was wrong: the
// client should retry later.
func (db *DB) IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Connection exceptions, shutdown, too many connections, query
		// canceled by a timeout.
		return strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P") || pe.Code == "53300" || pe.Code == "57014" || pe.Code == "25P03"
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// Close closes the connections. Cancel Listen first: Close waits for it.
func (db *DB) Close() error {
	var err error
	if db.DB != nil {
		db.DB.Close()
	}
	if db.sql != nil {
		err = db.sql.Close()
	}
	if db.pool != nil {
		db.pool.Close()
	}
	return err
}

// Listen delivers every event appended by any node to OnEvent until ctx is
// done, reconnecting when the connection drops. Set OnEvent before calling it.
// ready, if not nil, is closed once the first LISTEN is in place.
func (db *DB) Listen(ctx context.Context, ready chan<- struct{}) error {
	for first := true; ; first = false {
		var resubscribed func()
		if !first {
			resubscribed = db.OnResubscribe
		}
		err := db.listen(ctx, ready, resubscribed)
		ready = nil
		if ctx.Err() != nil {
			return nil
		}
		db.Logger.Warn("event notifications lost; reconnecting", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

func (db *DB) listen(ctx context.Context, ready chan<- struct{}, resubscribed func()) error {
	c, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer c.Release()
	if _, err := c.Exec(ctx, `LISTEN `+channel); err != nil {
		return err
	}
	// From now on every change to credentials and users is heard of, so
	// credentials may be cached until the connection is lost.
	db.DB.CacheCredentials(true)
	defer db.DB.CacheCredentials(false)
	if ready != nil {
		close(ready)
	}
	if resubscribed != nil {
		db.Logger.Info("event notifications restored")
		resubscribed()
	}
	for {
		n, err := c.Conn().WaitForNotification(ctx)
		if err != nil {
			// The connection may be mid-wait; do not return it to the pool.
			c.Conn().Close(context.Background())
			return err
		}
		if n.Payload == credentialsChanged {
			db.DB.CredentialsChanged()
			continue
		}
		if db.OnEvent != nil {
			for _, r := range parseNote(n.Payload) {
				db.OnEvent(r)
			}
		}
	}
}

// parseNote reads a notification of new events: "talk:seq" for the
// shared chain, "talk:seq:party" for a party's private chain, several
// separated by spaces (a group commit's). What does not parse is skipped.
func parseNote(payload string) []parley.EventRef {
	var refs []parley.EventRef
	for ref := range strings.FieldsSeq(payload) {
		parts := strings.Split(ref, ":")
		var nums [3]int64
		bad := len(parts) < 2 || len(parts) > 3
		for i, p := range parts {
			if bad {
				break
			}
			v, err := strconv.ParseInt(p, 10, 64)
			nums[i], bad = v, err != nil
		}
		if !bad {
			refs = append(refs, parley.EventRef{TalkID: nums[0], Seq: nums[1], Private: nums[2]})
		}
	}
	return refs
}
