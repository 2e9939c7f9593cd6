package sqlstore

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"parley"
)

// OfferSetup implements parley.UserService.
func (db *DB) OfferSetup(ctx context.Context, tokenHash []byte) (_ bool, _ time.Time, err error) {
	defer wrap(&err, "OfferSetup")
	tx, err := db.begin(ctx)
	if err != nil {
		return false, time.Time{}, err
	}
	defer tx.Rollback()
	now := db.now()
	// On PostgreSQL the insert waits for a node offering at the same moment,
	// then finds its row.
	res, err := tx.ExecContext(ctx, `INSERT INTO setup_token (id, hash, created_at) VALUES (1, $1, $2)
		ON CONFLICT (id) DO UPDATE SET hash = excluded.hash, created_at = excluded.created_at
		WHERE setup_token.created_at < $3`, tokenHash, micros(now), micros(now.Add(-parley.SetupWindow)))
	if err != nil {
		return false, time.Time{}, fmt.Errorf("offer setup token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var at int64
		if err := tx.QueryRowContext(ctx, `SELECT created_at FROM setup_token WHERE id = 1`).Scan(&at); err != nil {
			return false, time.Time{}, fmt.Errorf("find setup token: %w", err)
		}
		return false, fromMicros(at), nil
	}
	// Checked after the insert, which serialises nodes: a user made by a
	// setup that committed meanwhile is seen.
	var users int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&users); err != nil {
		return false, time.Time{}, err
	}
	if users > 0 {
		return false, time.Time{}, nil
	}
	return true, now, tx.Commit()
}

// CreateFirstAdmin implements parley.UserService.
func (db *DB) CreateFirstAdmin(ctx context.Context, tokenHash []byte, u *parley.User) (err error) {
	defer wrap(&err, "CreateFirstAdmin")
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	refused := parley.Errorf(parley.EFORBIDDEN, "this setup link is not valid or has been used")
	var hash []byte
	// Deleting takes the row's lock: of two setups at once, the second
	// finds nothing to delete.
	err = tx.QueryRowContext(ctx, `DELETE FROM setup_token WHERE id = 1 RETURNING hash`).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return refused
	} else if err != nil {
		return fmt.Errorf("use setup token: %w", err)
	}
	if subtle.ConstantTimeCompare(hash, tokenHash) != 1 {
		return refused
	}
	var users int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&users); err != nil {
		return err
	}
	if users > 0 {
		return refused
	}
	u.Admin = true
	if err := db.CreateUser(context.WithValue(ctx, ambientKey{}, &ambient{db: db, tx: tx}), u); err != nil {
		return err
	}
	return tx.Commit()
}
