package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"parley"
	"parley/failpoint"
)

// An idempotent request runs in one transaction, its ambient transaction:
// the claim of its Idempotency-Key, every store call made with the context
// Idempotently hands to it, and its stored response commit together, so a
// crash between any two of them leaves none (the retry acts) or all (the
// retry gets the stored response). Store methods need not know: begin opens
// a savepoint inside the ambient transaction instead of a transaction of its
// own, and the pools send their queries to it.
//
// The transaction starts, and the key is claimed, at the request's first
// write: what the request reads and computes before (an engine search of
// many seconds) holds no lock, which on SQLite would stop every writer.

type ambientKey struct{}

// ambient is the transaction of an idempotent request.
type ambient struct {
	db *DB
	// The key the transaction claims when it starts.
	userID      int64
	key         string
	requestHash []byte
	// tx is nil until the first write; taken is set when, starting, it found
	// the key claimed by a request that committed first.
	tx         *tx
	taken      bool
	savepoints int
	// after runs once the transaction has committed: events are announced
	// only when they can be read.
	after []func()
}

// ambientTx returns the ambient transaction in ctx that belongs to db, or nil.
func (db *DB) ambientTx(ctx context.Context) *ambient {
	a, _ := ctx.Value(ambientKey{}).(*ambient)
	if a == nil || a.db != db {
		return nil
	}
	return a
}

// errKeyTaken fails the store calls of a request whose key another request
// claimed and answered first; Idempotently then returns that answer.
var errKeyTaken = errors.New("the Idempotency-Key was taken by a request that finished first")

// start begins the ambient transaction and claims the key, unless done.
func (a *ambient) start(ctx context.Context) error {
	if a.tx != nil {
		return nil
	}
	if a.taken {
		return errKeyTaken
	}
	t, err := a.db.beginOwn(ctx)
	if err != nil {
		return err
	}
	// On PostgreSQL the insert waits for a transaction holding the same key
	// to end; on SQLite there is only one writer anyway.
	res, err := t.ExecContext(ctx, `INSERT INTO idempotency (user_id, key, request_hash, status, body, created_at)
		VALUES ($1, $2, $3, 0, $4, $5) ON CONFLICT DO NOTHING`, a.userID, a.key, a.requestHash, []byte{}, micros(a.db.now()))
	if err != nil {
		t.Rollback()
		return fmt.Errorf("claim idempotency key: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		t.Rollback()
		a.taken = err == nil
		if err != nil {
			return err
		}
		return errKeyTaken
	}
	failpoint.Hit("idempotency-claimed")
	a.tx = t
	return nil
}

// pool is a connection pool whose queries join the ambient transaction of
// the context, if any. Reads join it too: on SQLite they must see the
// request's own writes, and on PostgreSQL a request holding one connection
// must not wait for a second.
type pool struct {
	*sql.DB
	owner *DB
}

// ExecContext runs q in the ambient transaction of ctx, under a savepoint
// so that a failure undoes q alone, or on the pool.
func (p pool) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if p.owner.ambientTx(ctx) == nil {
		return p.DB.ExecContext(ctx, q, args...)
	}
	t, err := p.owner.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer t.Rollback()
	res, err := t.ExecContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return res, t.Commit()
}

// QueryContext runs q in the ambient transaction of ctx once it has
// started, or on the pool.
func (p pool) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if a := p.owner.ambientTx(ctx); a != nil && a.tx != nil {
		return a.tx.QueryContext(ctx, q, args...)
	}
	return p.DB.QueryContext(ctx, q, args...)
}

// QueryRowContext runs q in the ambient transaction of ctx once it has
// started, or on the pool.
func (p pool) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if a := p.owner.ambientTx(ctx); a != nil && a.tx != nil {
		return a.tx.QueryRowContext(ctx, q, args...)
	}
	return p.DB.QueryRowContext(ctx, q, args...)
}

// afterCommit runs fn once the data written with ctx is committed: now, or
// when the ambient transaction commits (never, if it rolls back).
func (db *DB) afterCommit(ctx context.Context, fn func()) {
	if a := db.ambientTx(ctx); a != nil {
		a.after = append(a.after, fn)
		return
	}
	fn()
}

// errKeyFreed is a key found taken, then free: its holder rolled back.
var errKeyFreed = errors.New("idempotency key freed")

// maxKeyLen bounds Idempotency-Keys.
const maxKeyLen = 200

// Idempotently implements parley.IdempotencyService.
func (db *DB) Idempotently(ctx context.Context, userID int64, key string, requestHash []byte, fn func(ctx context.Context) (*parley.StoredResponse, error)) (_ *parley.StoredResponse, _ bool, err error) {
	defer wrap(&err, "Idempotently(%d)", userID)
	if key == "" {
		return nil, false, parley.Errorf(parley.EINVALID, "Idempotency-Key is empty; send a unique string of up to %d characters", maxKeyLen)
	}
	if len(key) > maxKeyLen {
		return nil, false, parley.Errorf(parley.EINVALID, "Idempotency-Key is %d characters; at most %d", len(key), maxKeyLen)
	}
	if db.ambientTx(ctx) != nil {
		return nil, false, fmt.Errorf("idempotent call inside another")
	}
	// A key whose first holder rolled back between our insert and our read
	// is free again: try once more.
	for range 3 {
		r, replayed, err := db.idempotently(ctx, userID, key, requestHash, fn)
		if errors.Is(err, errKeyFreed) {
			continue
		}
		return r, replayed, err
	}
	return nil, false, parley.Errorf(parley.EUNAVAILABLE, "the Idempotency-Key %q is contended; retry", key)
}

func (db *DB) idempotently(ctx context.Context, userID int64, key string, requestHash []byte, fn func(ctx context.Context) (*parley.StoredResponse, error)) (*parley.StoredResponse, bool, error) {
	replay := func() (*parley.StoredResponse, bool, error) {
		r, hash, err := db.findResponse(ctx, userID, key)
		if err != nil {
			return nil, false, err
		}
		if !bytes.Equal(hash, requestHash) {
			return nil, false, parley.Errorf(parley.EKEYREUSED, "the Idempotency-Key %q was used for another request (another method, path or body); use a new key for a new request", key)
		}
		return r, true, nil
	}
	if r, replayed, err := replay(); parley.ErrorCode(err) != parley.ENOTFOUND {
		return r, replayed, err
	}

	a := &ambient{db: db, userID: userID, key: key, requestHash: requestHash}
	defer func() {
		if a.tx != nil {
			a.tx.Rollback()
		}
	}()
	taken := func() (*parley.StoredResponse, bool, error) {
		r, replayed, err := replay()
		if parley.ErrorCode(err) == parley.ENOTFOUND {
			return nil, false, errKeyFreed // its holder rolled back after all
		}
		return r, replayed, err
	}
	r, err := fn(context.WithValue(ctx, ambientKey{}, a))
	if a.taken {
		return taken()
	}
	if err != nil {
		return nil, false, err
	}
	if r == nil || r.Status == 0 {
		return nil, false, fmt.Errorf("idempotent request gave no response to keep")
	}
	failpoint.Hit("idempotency-acted")
	// A request that changed nothing claims its key now.
	if err := a.start(ctx); errors.Is(err, errKeyTaken) {
		return taken()
	} else if err != nil {
		return nil, false, err
	}
	if r.Body == nil {
		r.Body = []byte{}
	}
	if _, err := a.tx.ExecContext(ctx, `UPDATE idempotency SET status = $1, content_type = $2, location = $3, body = $4 WHERE user_id = $5 AND key = $6`,
		r.Status, r.ContentType, r.Location, r.Body, userID, key); err != nil {
		return nil, false, fmt.Errorf("store idempotent response: %w", err)
	}
	failpoint.Hit("idempotency-saved")
	t := a.tx
	a.tx = nil
	if err := t.Commit(); err != nil {
		return nil, false, fmt.Errorf("commit idempotent request: %w", err)
	}
	failpoint.Hit("idempotency-committed")
	for _, f := range a.after {
		f()
	}
	return r, false, nil
}

// findResponse returns the committed response for a key and the hash of
// the request it answered.
func (db *DB) findResponse(ctx context.Context, userID int64, key string) (*parley.StoredResponse, []byte, error) {
	var r parley.StoredResponse
	var hash []byte
	err := db.read.QueryRowContext(ctx, `SELECT status, content_type, location, body, request_hash FROM idempotency WHERE user_id = $1 AND key = $2`, userID, key).
		Scan(&r.Status, &r.ContentType, &r.Location, &r.Body, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, parley.Errorf(parley.ENOTFOUND, "no stored response for the Idempotency-Key %q", key)
	} else if err != nil {
		return nil, nil, fmt.Errorf("find idempotent response: %w", err)
	}
	return &r, hash, nil
}
