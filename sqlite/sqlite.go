// Package sqlite stores parley's data in an embedded SQLite database: WAL
// journal, one writer connection and a pool of readers, migrations embedded
// and applied at Open.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"time"

	"github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/driver" // registers "sqlite3"

	"parley/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is parley's store on one SQLite file.
type DB struct {
	*sqlstore.DB
	// Config (clock, secret, event hook) is set before Open.
	sqlstore.Config
	// Path is the database file.
	Path string

	write, read *sql.DB
	dsn         func(extra string) string
}

// NewDB returns a DB for the file at path; call Open before use.
func NewDB(path string) *DB { return &DB{Path: path} }

// Dialect is SQLite's part of the shared SQL store.
var Dialect = sqlstore.Dialect{
	Name:        "sqlite",
	GroupCommit: true,
	IsUnique: func(err error) bool {
		var e *sqlite3.Error
		return errors.As(err, &e) && (e.ExtendedCode() == sqlite3.CONSTRAINT_UNIQUE || e.ExtendedCode() == sqlite3.CONSTRAINT_PRIMARYKEY)
	},
}

// Open opens the database, creating it if needed, and applies migrations.
// Set Config first: the store takes it at Open.
func (db *DB) Open(ctx context.Context) (err error) {
	if db.Path == "" {
		return fmt.Errorf("sqlite: no path")
	}
	db.dsn = func(extra string) string {
		return "file:" + (&url.URL{Path: db.Path}).EscapedPath() + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)" +
			"&_pragma=journal_mode(wal)&_pragma=synchronous(full)" + extra
	}
	// Writes go through one connection: SQLite allows one writer at a time,
	// and queueing in Go is cheaper than SQLITE_BUSY retries.
	if db.write, err = sql.Open("sqlite3", db.dsn("&_txlock=immediate")); err != nil {
		return err
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	db.write.SetConnMaxLifetime(0)
	if db.read, err = sql.Open("sqlite3", db.dsn("&_pragma=query_only(1)")); err != nil {
		db.write.Close()
		return err
	}
	db.read.SetMaxOpenConns(max(4, runtime.NumCPU()))
	sub, _ := fs.Sub(migrations, "migrations")
	if err := sqlstore.Migrate(ctx, db.write, sub, Dialect); err != nil {
		db.Close()
		return fmt.Errorf("migrate %s: %w", db.Path, err)
	}
	if db.Now == nil {
		db.Now = time.Now
	}
	db.DB = sqlstore.New(db.write, db.read, Dialect, db.Config)
	return nil
}

// IsUnavailable reports whether err means the database cannot take the
// request now (disk full, I/O error, locked for too long) rather than that
// the request was wrong: the client should retry later.
func (db *DB) IsUnavailable(err error) bool {
	// The driver returns *sqlite3.Error or bare (extended) codes; errors.Is
	// matches a code in either.
	for _, c := range []sqlite3.ErrorCode{sqlite3.FULL, sqlite3.IOERR, sqlite3.BUSY, sqlite3.CANTOPEN} {
		if errors.Is(err, c) {
			return true
		}
	}
	return false
}

// Close closes the database.
func (db *DB) Close() error {
	var errs []error
	if db.DB != nil {
		db.DB.Close()
	}
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	return errors.Join(errs...)
}

// Backup writes a consistent copy of the live database to path, which must
// not exist. Readers and writers carry on meanwhile.
func (db *DB) Backup(ctx context.Context, path string) error {
	// A connection of its own: readers are query-only, and the writer must
	// not be held for the length of a copy.
	c, err := sql.Open("sqlite3", db.dsn(""))
	if err != nil {
		return err
	}
	defer c.Close()
	// The copy holds password and token hashes and sealed keys: readable by
	// the owner only. VACUUM INTO accepts an empty file, so make it first
	// with the right mode (and refuse to overwrite anything).
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	f.Close()
	if _, err := c.ExecContext(ctx, `VACUUM INTO $1`, path); err != nil {
		os.Remove(path)
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}
