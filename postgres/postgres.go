// Package postgres stores parley's data in PostgreSQL, so that several
// parley nodes can share one database. New events are announced to every
// node with NOTIFY carrying "talk:seq"; payloads stay in the table because
// they are too large for NOTIFY.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"parley"
	"parley/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// channel is the NOTIFY channel for new events.
const channel = "parley_events"

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
}

var (
	_ parley.UserService        = (*DB)(nil)
	_ parley.PartyService       = (*DB)(nil)
	_ parley.TalkService        = (*DB)(nil)
	_ parley.CredentialService  = (*DB)(nil)
	_ parley.IdempotencyService = (*DB)(nil)
)

// DB is parley's store on a PostgreSQL database.
type DB struct {
	*sqlstore.DB
	// URL is the connection string, postgres://…
	URL string
	// Logger reports lost notification connections; it defaults to slog.Default().
	Logger *slog.Logger

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
	cfg, err := pgxpool.ParseConfig(db.URL)
	if err != nil {
		return fmt.Errorf("postgres url: %w", err)
	}
	if db.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	db.sql = stdlib.OpenDBFromPool(db.pool)
	sub, _ := fs.Sub(migrations, "migrations")
	if err := sqlstore.Migrate(ctx, db.sql, sub, Dialect); err != nil {
		db.Close()
		return fmt.Errorf("migrate: %w", err)
	}
	db.DB = sqlstore.New(db.sql, db.sql, Dialect)
	return nil
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
	for {
		err := db.listen(ctx, ready)
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

func (db *DB) listen(ctx context.Context, ready chan<- struct{}) error {
	c, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer c.Release()
	if _, err := c.Exec(ctx, `LISTEN `+channel); err != nil {
		return err
	}
	if ready != nil {
		close(ready)
	}
	for {
		n, err := c.Conn().WaitForNotification(ctx)
		if err != nil {
			// The connection may be mid-wait; do not return it to the pool.
			c.Conn().Close(context.Background())
			return err
		}
		// "talk:seq" for the shared chain, "talk:seq:party" for a party's
		// private chain.
		parts := strings.Split(n.Payload, ":")
		var nums [3]int64
		bad := len(parts) < 2 || len(parts) > 3
		for i, p := range parts {
			if bad {
				break
			}
			v, err := strconv.ParseInt(p, 10, 64)
			nums[i], bad = v, err != nil
		}
		if bad {
			continue
		}
		if db.OnEvent != nil {
			db.OnEvent(parley.EventRef{TalkID: nums[0], Seq: nums[1], Private: nums[2]})
		}
	}
}
