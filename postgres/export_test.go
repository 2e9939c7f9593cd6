package postgres

import (
	"context"

	"parley/sqlstore"
)

// WrapBatches makes db's group commits go through wrap, so that tests can
// fail them at chosen points; with blind set, what became of a transaction
// cannot be asked.
func WrapBatches(db *DB, wrap func(sqlstore.BatchTx) sqlstore.BatchTx, blind bool) {
	d := Dialect
	if blind {
		d.TxStatus = `SELECT CAST($1 AS text) FROM nowhere`
	}
	d.Batches = func(ctx context.Context) (sqlstore.BatchTx, error) {
		bt, err := db.batches(ctx)
		if err != nil {
			return nil, err
		}
		return wrap(bt), nil
	}
	db.DB = sqlstore.New(db.sql, db.sql, d, db.Config)
}
