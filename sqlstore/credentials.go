package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"parley"
)

// CreateCredential implements parley.CredentialService.
func (db *DB) CreateCredential(ctx context.Context, c *parley.Credential) error {
	if c.Kind != parley.CredentialSession && c.Kind != parley.CredentialToken {
		return parley.Errorf(parley.EINVALID, "credential kind %q is not session or token", c.Kind)
	}
	c.CreatedAt = db.now()
	err := db.write.QueryRowContext(ctx, `INSERT INTO credentials (user_id, kind, name, hash, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		c.UserID, c.Kind, c.Name, c.Hash, micros(c.CreatedAt), micros(c.ExpiresAt)).Scan(&c.ID)
	if db.dialect.IsUnique(err) {
		return parley.Errorf(parley.ECONFLICT, "credential exists")
	}
	return err
}

const credCols = `id, user_id, kind, name, hash, created_at, expires_at`

func scanCred(s interface{ Scan(...any) error }) (*parley.Credential, error) {
	var c parley.Credential
	var created, expires int64
	if err := s.Scan(&c.ID, &c.UserID, &c.Kind, &c.Name, &c.Hash, &created, &expires); err != nil {
		return nil, err
	}
	c.CreatedAt, c.ExpiresAt = fromMicros(created), fromMicros(expires)
	return &c, nil
}

// FindCredential implements parley.CredentialService.
func (db *DB) FindCredential(ctx context.Context, hash []byte) (*parley.Credential, error) {
	c, err := scanCred(db.read.QueryRowContext(ctx, `SELECT `+credCols+` FROM credentials WHERE hash = $1 AND (expires_at = 0 OR expires_at > $2)`,
		hash, micros(db.now())))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, parley.Errorf(parley.ENOTFOUND, "no such credential")
	}
	return c, err
}

// ListCredentials implements parley.CredentialService.
func (db *DB) ListCredentials(ctx context.Context, userID int64, kind string) ([]*parley.Credential, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+credCols+` FROM credentials WHERE user_id = $1 AND kind = $2 ORDER BY id`, userID, kind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cs := []*parley.Credential{}
	for rows.Next() {
		c, err := scanCred(rows)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// DeleteCredential implements parley.CredentialService.
func (db *DB) DeleteCredential(ctx context.Context, userID, id int64) error {
	res, err := db.write.ExecContext(ctx, `DELETE FROM credentials WHERE user_id = $1 AND id = $2`, userID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return parley.Errorf(parley.ENOTFOUND, "no credential %d", id)
	}
	return nil
}

// ClaimKey implements parley.IdempotencyService.
func (db *DB) ClaimKey(ctx context.Context, userID int64, key string) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO idempotency (user_id, key, status, body, created_at) VALUES ($1, $2, 0, $3, $4)`,
		userID, key, []byte{}, micros(db.now()))
	if db.dialect.IsUnique(err) {
		return parley.Errorf(parley.ECONFLICT, "the Idempotency-Key %q has been used", key)
	}
	return err
}

// FindResponse implements parley.IdempotencyService.
func (db *DB) FindResponse(ctx context.Context, userID int64, key string) (*parley.StoredResponse, error) {
	var r parley.StoredResponse
	// The writer, not a reader: a claim just made must be seen.
	err := db.write.QueryRowContext(ctx, `SELECT status, body FROM idempotency WHERE user_id = $1 AND key = $2`, userID, key).Scan(&r.Status, &r.Body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, parley.Errorf(parley.ENOTFOUND, "no stored response")
	}
	return &r, err
}

// SaveResponse implements parley.IdempotencyService.
func (db *DB) SaveResponse(ctx context.Context, userID int64, key string, r *parley.StoredResponse) error {
	if r.Body == nil {
		r.Body = []byte{}
	}
	if r.Status == 0 {
		return parley.Errorf(parley.EINVALID, "a stored response needs a status")
	}
	res, err := db.write.ExecContext(ctx, `UPDATE idempotency SET status = $1, body = $2 WHERE user_id = $3 AND key = $4 AND status = 0`,
		r.Status, r.Body, userID, key)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := db.FindResponse(ctx, userID, key); err != nil {
			return err
		}
		return parley.Errorf(parley.ECONFLICT, "a response is already stored for this key")
	}
	return nil
}

// ReleaseKey implements parley.IdempotencyService.
func (db *DB) ReleaseKey(ctx context.Context, userID int64, key string) error {
	_, err := db.write.ExecContext(ctx, `DELETE FROM idempotency WHERE user_id = $1 AND key = $2 AND status = 0`, userID, key)
	return err
}

// Prune deletes expired sessions and Idempotency-Key records older than keep.
func (db *DB) Prune(ctx context.Context, keep time.Duration) error {
	now := db.now()
	if _, err := db.write.ExecContext(ctx, `DELETE FROM credentials WHERE expires_at <> 0 AND expires_at < $1`, micros(now)); err != nil {
		return fmt.Errorf("prune credentials: %w", err)
	}
	if _, err := db.write.ExecContext(ctx, `DELETE FROM idempotency WHERE created_at < $1`, micros(now.Add(-keep))); err != nil {
		return fmt.Errorf("prune idempotency keys: %w", err)
	}
	return nil
}
