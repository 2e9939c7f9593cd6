package postgres_test

import (
	"testing"

	"parley/consulttest"
	"parley/postgres"
	"parley/storetest"
)

// BenchmarkBoard10k measures the irritant board and search with 10,000
// irritants on PostgreSQL (see consulttest.BenchmarkBoard).
func BenchmarkBoard10k(b *testing.B) {
	db := postgres.NewDB(cluster.NewDatabase(b))
	db.Secret = storetest.Secret
	if err := db.Open(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	consulttest.BenchmarkBoard(b, db, 10000)
}
