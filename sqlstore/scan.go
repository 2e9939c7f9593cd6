package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
)

// scanner is a row to scan: *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// each runs query on q and calls f with each row, in order. The rows are
// closed before it returns, so that a caller inside a transaction may query
// again (SQLite's write pool has one connection).
func each(ctx context.Context, q querier, query string, args []any, f func(scanner) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

// all runs query on q and returns what scan makes of each row, in order;
// never nil, so that an empty list is [] in JSON.
func all[T any](ctx context.Context, q querier, query string, args []any, scan func(scanner) (T, error)) ([]T, error) {
	out := []T{}
	err := each(ctx, q, query, args, func(s scanner) error {
		v, err := scan(s)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// preparedReads is the read pool running each query, a constant, as a
// statement prepared once: parsing is a good part of a small read's cost
// on SQLite. Inside an ambient transaction (idempotency.go) queries run
// there, unprepared. On PostgreSQL it is the read pool as it is: pgx
// caches prepared statements on each connection itself, while
// database/sql's connections over pgxpool come and go and would prepare
// each statement again, a round trip more.
type preparedReads struct{ db *DB }

// stmt returns the statement prepared for query.
func (p preparedReads) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	db := p.db
	db.mu.Lock()
	st := db.readStmts[query]
	db.mu.Unlock()
	if st != nil {
		return st, nil
	}
	st, err := db.read.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if old := db.readStmts[query]; old != nil {
		st.Close()
		return old, nil
	}
	if db.readStmts == nil {
		db.readStmts = map[string]*sql.Stmt{}
	}
	db.readStmts[query] = st
	return st, nil
}

// QueryContext implements querier.
func (p preparedReads) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if p.db.ambientTx(ctx) != nil || p.db.dialect.Name != "sqlite" {
		return p.db.read.QueryContext(ctx, query, args...)
	}
	st, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext implements querier.
func (p preparedReads) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if p.db.ambientTx(ctx) != nil || p.db.dialect.Name != "sqlite" {
		return p.db.read.QueryRowContext(ctx, query, args...)
	}
	st, err := p.stmt(ctx, query)
	if err != nil {
		return p.db.read.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// children runs query, each row of which belongs to the parent in parents
// whose id scan returns with the row's child, and hands each child to add
// with its parent; rows of a parent not in parents are skipped. It loads a
// list's parts in one query rather than one per parent.
func children[P, C any](ctx context.Context, q querier, query string, args []any, parents map[int64]P,
	scan func(scanner) (int64, C, error), add func(P, C)) error {
	return each(ctx, q, query, args, func(r scanner) error {
		id, c, err := scan(r)
		if err != nil {
			return err
		}
		if p, ok := parents[id]; ok {
			add(p, c)
		}
		return nil
	})
}

// scanPair scans a row of two integer columns, an id and another.
func scanPair(s scanner) (id, v int64, err error) {
	err = s.Scan(&id, &v)
	return id, v, err
}

// scanInt64 scans a row of one integer column.
func scanInt64(s scanner) (int64, error) {
	var v int64
	err := s.Scan(&v)
	return v, err
}

// wrap adds context to the error *errp, if any: the name of the public
// method and its arguments, once per method (as pkgsite's derrors.Wrap).
// A *parley.Error stays in the chain, so its code still chooses the HTTP
// status and its message, alone, is what users see (parley.ErrorMessage);
// the context shows only in the logs of internal errors.
func wrap(errp *error, format string, args ...any) {
	if *errp != nil {
		*errp = fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), *errp)
	}
}
