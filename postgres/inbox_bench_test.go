package postgres_test

import (
	"database/sql"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"parley/consulttest"
	"parley/postgres"
	"parley/storetest"
)

// BenchmarkInbox20x10k measures the inbox of a user in 20 talks of 10,000
// irritants each on PostgreSQL (see consulttest.BenchmarkInbox).
func BenchmarkInbox20x10k(b *testing.B) {
	dsn := cluster.NewDatabase(b)
	db := postgres.NewDB(dsn)
	db.Secret = storetest.Secret
	if err := db.Open(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { raw.Close() })
	consulttest.BenchmarkInbox(b, db, raw, true, 20, 10000, cluster.CPUTime)
}
