package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"parley"
)

// CreateCredential implements parley.CredentialService.
func (db *DB) CreateCredential(ctx context.Context, c *parley.Credential) (err error) {
	defer wrap(&err, "CreateCredential")
	if c.Kind != parley.CredentialSession && c.Kind != parley.CredentialToken {
		return parley.Errorf(parley.EINVALID, "credential kind %q is not session or token", c.Kind)
	}
	c.CreatedAt = db.now()
	// A transaction of its own, so that a clash inside an idempotent request
	// undoes only this statement.
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	err = tx.QueryRowContext(ctx, `INSERT INTO credentials (user_id, kind, name, hash, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		c.UserID, c.Kind, c.Name, c.Hash, micros(c.CreatedAt), micros(c.ExpiresAt)).Scan(&c.ID)
	if db.dialect.IsUnique(err) {
		return parley.Errorf(parley.ECONFLICT, "credential exists")
	} else if err != nil {
		return err
	}
	return tx.Commit()
}

const credCols = `id, user_id, kind, name, hash, created_at, expires_at`

// credRow is a credential being scanned.
type credRow struct {
	c                parley.Credential
	created, expires int64
}

// dest returns where the columns of credCols go.
func (r *credRow) dest() []any {
	return []any{&r.c.ID, &r.c.UserID, &r.c.Kind, &r.c.Name, &r.c.Hash, &r.created, &r.expires}
}

func (r *credRow) credential() *parley.Credential {
	r.c.CreatedAt, r.c.ExpiresAt = fromMicros(r.created), fromMicros(r.expires)
	return &r.c
}

func scanCred(s scanner) (*parley.Credential, error) {
	var r credRow
	if err := s.Scan(r.dest()...); err != nil {
		return nil, err
	}
	return r.credential(), nil
}

// FindCredential implements parley.CredentialService.
func (db *DB) FindCredential(ctx context.Context, hash []byte) (_ *parley.Credential, err error) {
	defer wrap(&err, "FindCredential")
	c, err := scanCred(db.read.QueryRowContext(ctx, `SELECT `+credCols+` FROM credentials WHERE hash = $1 AND (expires_at = 0 OR expires_at > $2)`,
		hash, micros(db.now())))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, parley.Errorf(parley.ENOTFOUND, "no such credential")
	}
	return c, err
}

// FindCredentialUser implements parley.CredentialService. One query: on
// PostgreSQL each is a round trip, and every request makes this one; on
// SQLite, prepared once (parsing it cost three times running it).
func (db *DB) FindCredentialUser(ctx context.Context, hash []byte) (_ *parley.Credential, _ *parley.User, err error) {
	defer wrap(&err, "FindCredentialUser")
	now := db.now()
	c, u, gen, ok := db.creds.get(hash, now)
	if ok {
		return c, u, nil
	}
	var r credRow
	u, err = scanUser(prefixed{preparedReads{db}.QueryRowContext(ctx, qCredentialUser, hash, micros(now)), r.dest()})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, parley.Errorf(parley.ENOTFOUND, "no such credential")
	} else if err != nil {
		return nil, nil, err
	}
	c = r.credential()
	db.creds.put(gen, c, u, now)
	return c, u, nil
}

var qCredentialUser = `SELECT c.` + strings.ReplaceAll(credCols, ", ", ", c.") + `, u.` + strings.ReplaceAll(userCols, ", ", ", u.") + `
	FROM credentials c JOIN users u ON u.id = c.user_id WHERE c.hash = $1 AND (c.expires_at = 0 OR c.expires_at > $2)`

// prefixed is a row whose first columns go to first, the rest where its
// caller asks: one table's scan function reads a join's second table.
type prefixed struct {
	row   scanner
	first []any
}

func (p prefixed) Scan(dest ...any) error { return p.row.Scan(append(p.first, dest...)...) }

// ListCredentials implements parley.CredentialService.
func (db *DB) ListCredentials(ctx context.Context, userID int64, kind string) (_ []*parley.Credential, err error) {
	defer wrap(&err, "ListCredentials(%d)", userID)
	return all(ctx, db.read, `SELECT `+credCols+` FROM credentials WHERE user_id = $1 AND kind = $2 ORDER BY id`, []any{userID, kind}, scanCred)
}

// DeleteCredential implements parley.CredentialService.
func (db *DB) DeleteCredential(ctx context.Context, userID, id int64) (err error) {
	defer wrap(&err, "DeleteCredential(%d, %d)", userID, id)
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM credentials WHERE user_id = $1 AND id = $2`, userID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return parley.Errorf(parley.ENOTFOUND, "no credential %d", id)
	}
	if err := db.credentialsChanged(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Prune deletes expired sessions and Idempotency-Key records older than keep.
func (db *DB) Prune(ctx context.Context, keep time.Duration) (err error) {
	defer wrap(&err, "Prune")
	now := db.now()
	if _, err := db.write.ExecContext(ctx, `DELETE FROM credentials WHERE expires_at <> 0 AND expires_at < $1`, micros(now)); err != nil {
		return fmt.Errorf("prune credentials: %w", err)
	}
	if _, err := db.write.ExecContext(ctx, `DELETE FROM idempotency WHERE created_at < $1`, micros(now.Add(-keep))); err != nil {
		return fmt.Errorf("prune idempotency keys: %w", err)
	}
	return nil
}
