// Package sqlstore implements parley's services over database/sql. The sqlite
// and postgres packages supply the connections, their migrations and a
// Dialect; the queries here are written once, in SQL both engines accept
// (numbered $n parameters, RETURNING, integer times in microseconds), so the
// two stores cannot drift apart in behaviour.
package sqlstore

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"parley"
)

// Dialect is what differs between database engines.
type Dialect struct {
	// Name is "sqlite" or "postgres".
	Name string
	// IsUnique reports whether err is a unique-constraint violation; it must
	// match on the driver's error code, never on message text.
	IsUnique func(error) bool
	// MigrationLock, when not empty, is run first in the migration transaction
	// so that several nodes starting together migrate one at a time.
	MigrationLock string
	// GroupCommit makes concurrent appends share transactions, so that one
	// sync to disk acknowledges many events and one talk's row lock is taken
	// once for many of its events.
	GroupCommit bool
	// LockRows ends a SELECT that takes the row locks of what it reads as
	// an UPDATE not changing keys would (" FOR NO KEY UPDATE": inserts
	// referring to the rows are not blocked); empty where a write
	// transaction locks everything.
	LockRows string
	// NotifyEvent, when not empty, is run inside the transaction that appends
	// an event with the argument "talkID:seq"; delivery to OnEvent is then the
	// engine's job. When empty, OnEvent is called after commit.
	NotifyEvent string
	// NotifyEvents returns NotifyEvent for many events at once, its
	// argument, an array of "talkID:seq", being parameter $param; group
	// commits use it.
	NotifyEvents func(param int) string
	// WriteCTE says the engine runs writes in WITH and takes arrays as
	// parameters (PostgreSQL): a group commit's insert, heads and
	// notification are then one statement, of the same text whatever the
	// group (qAppendGroupArrays).
	WriteCTE bool
	// NotifyCredentials, when not empty, is run inside every transaction
	// that deletes credentials or changes users, to tell every node sharing
	// the database to clear its credential cache (CredentialsChanged).
	NotifyCredentials string
	// Batches, when set, begins a transaction whose statements can be sent
	// a batch at a time: a group commit then takes two round trips
	// (appendPipelined) rather than six.
	Batches func(ctx context.Context) (BatchTx, error)
	// TxID, when not empty, returns the current transaction's id as text;
	// TxStatus returns, for the id $1, "committed", "aborted" or "in
	// progress" (NULL when too old). A group commit whose commit fails
	// asks, rather than try its appends again when they may be committed.
	TxID, TxStatus string
}

// Config is what a store needs besides its connections. The sqlite and
// postgres stores embed it, so that it is set before Open.
type Config struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Secret unseals party keys to sign events. Events of a party without a key are not signed.
	Secret []byte
	// OnEvent is called for each event appended, on this node or (when the
	// dialect notifies) on any node sharing the database.
	OnEvent func(parley.EventRef)
}

// DB implements parley's services on a database.
type DB struct {
	write, read pool
	dialect     Dialect
	cfg         Config

	mu          sync.Mutex
	prepareOnce sync.Once

	batchOnce sync.Once
	appends   chan *appendReq // unbuffered: an append handed over is one the committer took
	queued    atomic.Int64    // appends waiting to be handed over
	stop      chan struct{}
	stopped   chan struct{}
	stmts     map[string]*sql.Stmt  // prepared on the write pool, by query
	readStmts map[string]*sql.Stmt  // prepared on the read pool, by query (preparedReads)
	keys      map[int64]unsealedKey // party keys unsealed, by party
	serverKey ed25519.PrivateKey    // the server's key, unsealed
	creds     credCache
}

// unsealedKey caches a party's private key; sealed tells whether the stored
// key is still the one unsealed.
type unsealedKey struct {
	sealed []byte
	priv   ed25519.PrivateKey
}

// tx is a write transaction whose statements are prepared once per query
// and reused: parsing SQL was a quarter of the cost of an append.
type tx struct {
	*sql.Tx
	db *DB
	// savepoint names the savepoint this tx is inside an ambient
	// transaction (see idempotency.go); "" for a transaction of its own.
	savepoint string
	ctx       context.Context
	done      bool
	// after runs once what the transaction wrote is committed.
	after []func()
}

// onCommit runs fn once the transaction's writes are committed: after its
// commit, or inside an ambient transaction after the ambient one's.
func (t *tx) onCommit(fn func()) { t.after = append(t.after, fn) }

func (db *DB) begin(ctx context.Context) (*tx, error) {
	if a := db.ambientTx(ctx); a != nil {
		if err := a.start(ctx); err != nil {
			return nil, err
		}
		a.savepoints++
		name := "sp" + strconv.Itoa(a.savepoints)
		if _, err := a.tx.Tx.ExecContext(ctx, `SAVEPOINT `+name); err != nil {
			return nil, fmt.Errorf("savepoint: %w", err)
		}
		return &tx{Tx: a.tx.Tx, db: db, savepoint: name, ctx: ctx}, nil
	}
	return db.beginOwn(ctx)
}

// beginOwn begins a transaction of its own, whatever ctx carries.
func (db *DB) beginOwn(ctx context.Context) (*tx, error) {
	// Prepare before taking the write connection: on SQLite the pool has one
	// connection, which the transaction then holds. Not on PostgreSQL: pgx
	// caches prepared statements on each connection itself, while
	// database/sql's connections over pgxpool are new for each transaction,
	// so that a statement of database/sql's was prepared again in each (a
	// round trip) and deallocated when the transaction ended (another).
	db.prepareOnce.Do(func() {
		stmts := map[string]*sql.Stmt{}
		for _, q := range hotQueries {
			if db.dialect.Name == "sqlite" {
				if st, err := db.write.PrepareContext(ctx, q); err == nil {
					stmts[q] = st
				}
			}
		}
		db.mu.Lock()
		db.stmts = stmts
		db.mu.Unlock()
	})
	t, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &tx{Tx: t, db: db}, nil
}

// Commit commits the transaction, or releases its savepoint inside an
// ambient transaction.
func (t *tx) Commit() error {
	if t.savepoint == "" {
		err := t.Tx.Commit()
		if err == nil {
			for _, fn := range t.after {
				fn()
			}
		}
		return err
	}
	if t.done {
		return sql.ErrTxDone
	}
	t.done = true
	_, err := t.Tx.ExecContext(t.ctx, `RELEASE SAVEPOINT `+t.savepoint)
	if err == nil {
		for _, fn := range t.after {
			t.db.afterCommit(t.ctx, fn)
		}
	}
	return err
}

// Rollback rolls the transaction back, or undoes what was done since its
// savepoint inside an ambient transaction.
func (t *tx) Rollback() error {
	if t.savepoint == "" {
		return t.Tx.Rollback()
	}
	if t.done {
		return sql.ErrTxDone
	}
	t.done = true
	if _, err := t.Tx.ExecContext(t.ctx, `ROLLBACK TO SAVEPOINT `+t.savepoint); err != nil {
		return err
	}
	_, err := t.Tx.ExecContext(t.ctx, `RELEASE SAVEPOINT `+t.savepoint)
	return err
}

// hotQueries are the statements of an append, prepared once.
var hotQueries = []string{qTalk, qTalkParties, qTalkMediators, qPartyKey, qNextSeq, qInsertEvent, qSetLastHash,
	qNextPrivateSeq, qInsertPrivateEvent, qSetPrivateHash}

// prepared returns the prepared statement for q, or nil.
func (db *DB) prepared(q string) *sql.Stmt {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.stmts[q]
}

// ExecContext runs q as a prepared statement in the transaction.
func (t *tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := t.db.prepared(q); st != nil {
		return t.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, q, args...)
}

// QueryContext runs q as a prepared statement in the transaction.
func (t *tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := t.db.prepared(q); st != nil {
		return t.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, q, args...)
}

// QueryRowContext runs q as a prepared statement in the transaction.
func (t *tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := t.db.prepared(q); st != nil {
		return t.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, q, args...)
}

// privateKey returns the unsealed private key of k, from the cache when k is unchanged.
func (db *DB) privateKey(k *parley.PartyKey) (ed25519.PrivateKey, error) {
	if k == nil || k.SealedPrivate == nil {
		return nil, nil
	}
	db.mu.Lock()
	c, ok := db.keys[k.PartyID]
	db.mu.Unlock()
	if ok && bytes.Equal(c.sealed, k.SealedPrivate) {
		return c.priv, nil
	}
	priv, err := k.Private(db.cfg.Secret)
	if err != nil {
		return nil, err
	}
	db.mu.Lock()
	if db.keys == nil {
		db.keys = map[int64]unsealedKey{}
	}
	db.keys[k.PartyID] = unsealedKey{sealed: k.SealedPrivate, priv: priv}
	db.mu.Unlock()
	return priv, nil
}

var _ parley.Store = (*DB)(nil)

// New returns a DB that writes through write and reads through read (which
// may be the same pool), configured with c.
func New(write, read *sql.DB, d Dialect, c Config) *DB {
	if c.Now == nil {
		c.Now = time.Now
	}
	db := &DB{dialect: d, cfg: c,
		appends: make(chan *appendReq), stop: make(chan struct{}), stopped: make(chan struct{})}
	db.write, db.read = pool{write, db}, pool{read, db}
	return db
}

// Close stops the group committer, failing appends still queued. It does
// not close the database handles, which belong to the caller.
func (db *DB) Close() {
	select {
	case <-db.stop:
		return
	default:
	}
	close(db.stop)
	db.batchOnce.Do(func() { close(db.stopped) }) // never started: nothing to wait for
	<-db.stopped
}

// Migrate applies, in one transaction, every migration in fsys (files named
// NNN_description.sql) that is not yet recorded in schema_migrations.
func Migrate(ctx context.Context, db *sql.DB, fsys fs.FS, d Dialect) error {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return err
	}
	slices.Sort(names)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if d.MigrationLock != "" {
		if _, err := tx.ExecContext(ctx, d.MigrationLock); err != nil {
			return fmt.Errorf("lock migrations: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	for _, name := range names {
		num, _, ok := strings.Cut(path.Base(name), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return fmt.Errorf("migration %s: name must start with a number and _", name)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, v).Scan(&n); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if n > 0 {
			continue
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(b)); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, v); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return tx.Commit()
}

func (db *DB) now() time.Time { return db.cfg.Now().UTC().Truncate(time.Microsecond) }

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMicro(n).UTC()
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Ping checks that the database answers, for readiness probes.
func (db *DB) Ping(ctx context.Context) (err error) {
	defer wrap(&err, "Ping")
	if err := db.write.PingContext(ctx); err != nil {
		return err
	}
	return db.read.PingContext(ctx)
}

// Ready reports whether the database answers and accepts writes: it
// commits a page-sized row, so a full disk (or a database refusing writes)
// makes it fail even while reads and pings still work.
func (db *DB) Ready(ctx context.Context) (err error) {
	defer wrap(&err, "Ready")
	if err := db.Ping(ctx); err != nil {
		return err
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Random bytes: a page that cannot be compressed or shared.
	probe := make([]byte, 4096)
	rand.Read(probe)
	if _, err := tx.ExecContext(ctx, `INSERT INTO health (id, checked_at, probe) VALUES (1, $1, $2)
		ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at, probe = excluded.probe`, micros(db.now()), probe); err != nil {
		return fmt.Errorf("write probe: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit probe: %w", err)
	}
	return nil
}

// ---- users

const userCols = `id, name, display_name, party_id, role, mediator, admin, password_hash, created_at, disabled, pending, created_by`

func scanUser(s scanner) (*parley.User, error) {
	var u parley.User
	var role string
	var med, adm, created, disabled, pending int64
	if err := s.Scan(&u.ID, &u.Name, &u.DisplayName, &u.PartyID, &role, &med, &adm, &u.PasswordHash, &created, &disabled, &pending, &u.CreatedBy); err != nil {
		return nil, err
	}
	u.Role, u.Mediator, u.Admin, u.CreatedAt = parley.Role(role), med != 0, adm != 0, fromMicros(created)
	u.Disabled, u.Pending = disabled != 0, pending != 0
	return &u, nil
}

// CreateUser implements parley.UserService.
func (db *DB) CreateUser(ctx context.Context, u *parley.User) (err error) {
	defer wrap(&err, "CreateUser")
	if err := u.Validate(); err != nil {
		return err
	}
	if u.DisplayName == "" {
		u.DisplayName = u.Name
	}
	u.CreatedAt = db.now()
	return db.inTx(ctx, func(tx *tx) ([]*parley.Event, error) {
		if u.PartyID != 0 {
			if _, err := findParty(ctx, tx, u.PartyID); err != nil {
				return nil, err
			}
		}
		if u.PartyID != 0 && u.CreatedBy != 0 {
			// Made by an administrator: the first member of a party joins at
			// once; anyone later waits for the delegation's approval.
			all, _, err := partyMembers(ctx, tx, u.PartyID)
			if err != nil {
				return nil, err
			}
			u.Pending = all > 0
		}
		if u.PartyID != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE party_id = $1 AND lower(display_name) = lower($2)`, u.PartyID, u.DisplayName).Scan(&n); err != nil {
				return nil, err
			}
			if n > 0 {
				return nil, parley.Errorf(parley.ECONFLICT, "the delegation already has a member shown as %q; choose another display name", u.DisplayName)
			}
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO users (name, display_name, party_id, role, mediator, admin, password_hash, created_at, disabled, pending, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			u.Name, u.DisplayName, u.PartyID, string(u.Role), b2i(u.Mediator), b2i(u.Admin), u.PasswordHash, micros(u.CreatedAt),
			b2i(u.Disabled), b2i(u.Pending), u.CreatedBy).Scan(&u.ID)
		if db.dialect.IsUnique(err) {
			return nil, parley.Errorf(parley.ECONFLICT, "the user name %q or the display name %q in its delegation is taken", u.Name, u.DisplayName)
		} else if err != nil {
			return nil, fmt.Errorf("insert user: %w", err)
		}
		if u.PartyID == 0 || u.Pending {
			return nil, nil
		}
		by := parley.UserFromContext(ctx)
		if by == nil {
			by = u // from the command line: the member is recorded as joining
		}
		return db.recordMembership(ctx, tx, by, u, "member.joined")
	})
}

// FindUserByID implements parley.UserService.
func (db *DB) FindUserByID(ctx context.Context, id int64) (_ *parley.User, err error) {
	defer wrap(&err, "FindUserByID(%d)", id)
	u, err := scanUser(db.read.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, parley.Errorf(parley.ENOTFOUND, "no user %d", id)
	}
	return u, err
}

// FindUserByName implements parley.UserService.
func (db *DB) FindUserByName(ctx context.Context, name string) (_ *parley.User, err error) {
	defer wrap(&err, "FindUserByName")
	u, err := scanUser(db.read.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE name = $1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, parley.Errorf(parley.ENOTFOUND, "no user named %q", name)
	}
	return u, err
}

// ListUsers implements parley.UserService.
func (db *DB) ListUsers(ctx context.Context) (_ []*parley.User, err error) {
	defer wrap(&err, "ListUsers")
	var us []*parley.User
	err = each(ctx, db.read, `SELECT `+userCols+` FROM users ORDER BY id`, nil, func(s scanner) error {
		u, err := scanUser(s)
		us = append(us, u)
		return err
	})
	return us, err
}

// CountUsers implements parley.UserService.
func (db *DB) CountUsers(ctx context.Context) (_ int, err error) {
	defer wrap(&err, "CountUsers")
	var n int
	err = db.read.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, err
}

// SetPasswordHash implements parley.UserService.
func (db *DB) SetPasswordHash(ctx context.Context, userID int64, hash string) (err error) {
	defer wrap(&err, "SetPasswordHash(%d)", userID)
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return parley.Errorf(parley.ENOTFOUND, "no user %d", userID)
	}
	// Whoever knew the old password may hold a session or have made a
	// token with it; end them all.
	if _, err := tx.ExecContext(ctx, `DELETE FROM credentials WHERE user_id = $1`, userID); err != nil {
		return err
	}
	if err := db.credentialsChanged(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// ---- parties

func findParty(ctx context.Context, q querier, id int64) (*parley.Party, error) {
	var p parley.Party
	var created int64
	err := q.QueryRowContext(ctx, `SELECT id, name, kind, created_at FROM parties WHERE id = $1`, id).Scan(&p.ID, &p.Name, &p.Kind, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, parley.Errorf(parley.ENOTFOUND, "no party %d", id)
	} else if err != nil {
		return nil, err
	}
	p.CreatedAt = fromMicros(created)
	return &p, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// CreateParty implements parley.PartyService.
func (db *DB) CreateParty(ctx context.Context, p *parley.Party) (err error) {
	defer wrap(&err, "CreateParty")
	if err := p.Validate(); err != nil {
		return err
	}
	p.CreatedAt = db.now()
	// A transaction of its own, so that a taken name inside an idempotent
	// request undoes only this statement.
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, `INSERT INTO parties (name, kind, created_at) VALUES ($1, $2, $3) RETURNING id`,
		p.Name, p.Kind, micros(p.CreatedAt)).Scan(&p.ID)
	if db.dialect.IsUnique(err) {
		return parley.Errorf(parley.ECONFLICT, "a party named %q exists", p.Name)
	} else if err != nil {
		return err
	}
	return tx.Commit()
}

// FindPartyByID implements parley.PartyService.
func (db *DB) FindPartyByID(ctx context.Context, id int64) (_ *parley.Party, err error) {
	defer wrap(&err, "FindPartyByID(%d)", id)
	return findParty(ctx, db.read, id)
}

// ListParties implements parley.PartyService.
func (db *DB) ListParties(ctx context.Context) (_ []*parley.Party, err error) {
	defer wrap(&err, "ListParties")
	var ps []*parley.Party
	err = each(ctx, db.read, `SELECT id, name, kind, created_at FROM parties ORDER BY id`, nil, func(s scanner) error {
		var p parley.Party
		var created int64
		err := s.Scan(&p.ID, &p.Name, &p.Kind, &created)
		p.CreatedAt = fromMicros(created)
		ps = append(ps, &p)
		return err
	})
	return ps, err
}

// SetPartyKey implements parley.PartyService. The key replaced, if any, is
// kept as retired so that the events it signed still verify.
func (db *DB) SetPartyKey(ctx context.Context, k *parley.PartyKey) (err error) {
	defer wrap(&err, "SetPartyKey")
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := findParty(ctx, tx, k.PartyID); err != nil {
		return err
	}
	if len(k.Public) != ed25519.PublicKeySize {
		return parley.Errorf(parley.EINVALID, "an ed25519 public key is %d bytes, not %d", ed25519.PublicKeySize, len(k.Public))
	}
	// Validity windows of keys follow the store's clock.
	k.CreatedAt = db.now()
	old, err := findPartyKey(ctx, tx, k.PartyID)
	if err == nil {
		if _, err := tx.ExecContext(ctx, `INSERT INTO retired_party_keys (party_id, public_key, server_held, created_at, retired_at) VALUES ($1, $2, $3, $4, $5)`,
			k.PartyID, []byte(old.Public), b2i(old.SealedPrivate != nil), micros(old.CreatedAt), micros(k.CreatedAt)); err != nil {
			return fmt.Errorf("retire party key: %w", err)
		}
	} else if parley.ErrorCode(err) != parley.ENOTFOUND {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM party_keys WHERE party_id = $1`, k.PartyID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO party_keys (party_id, public_key, sealed_private, created_at) VALUES ($1, $2, $3, $4)`,
		k.PartyID, []byte(k.Public), k.SealedPrivate, micros(k.CreatedAt)); err != nil {
		return fmt.Errorf("insert party key: %w", err)
	}
	return tx.Commit()
}

// FindPartyKey implements parley.PartyService.
func (db *DB) FindPartyKey(ctx context.Context, partyID int64) (_ *parley.PartyKey, err error) {
	defer wrap(&err, "FindPartyKey(%d)", partyID)
	return findPartyKey(ctx, db.read, partyID)
}

const qPartyKey = `SELECT public_key, sealed_private, created_at FROM party_keys WHERE party_id = $1`

func findPartyKey(ctx context.Context, q querier, partyID int64) (*parley.PartyKey, error) {
	k := partyKeyRow{k: parley.PartyKey{PartyID: partyID}}
	err := q.QueryRowContext(ctx, qPartyKey, partyID).Scan(k.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, parley.Errorf(parley.ENOTFOUND, "party %d has no key", partyID)
	} else if err != nil {
		return nil, err
	}
	return k.key(), nil
}

// partyKeyRow is a party key being scanned from public_key,
// sealed_private, created_at.
type partyKeyRow struct {
	k       parley.PartyKey
	pub     []byte
	created int64
}

func (r *partyKeyRow) dest() []any { return []any{&r.pub, &r.k.SealedPrivate, &r.created} }

func (r *partyKeyRow) key() *parley.PartyKey {
	r.k.Public, r.k.CreatedAt = r.pub, fromMicros(r.created)
	if len(r.k.SealedPrivate) == 0 {
		r.k.SealedPrivate = nil // the party holds its own key
	}
	return &r.k
}
