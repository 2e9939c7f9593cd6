package web_test

import (
	"path/filepath"
	"testing"

	"parley/consulttest"
	"parley/sqlite"
	"parley/storetest"
)

// BenchmarkBoard10k measures the irritant board and search with 10,000
// irritants on SQLite (see consulttest.BenchmarkBoard).
func BenchmarkBoard10k(b *testing.B) {
	db := sqlite.NewDB(filepath.Join(b.TempDir(), "p.db"))
	db.Secret = storetest.Secret
	if err := db.Open(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	consulttest.BenchmarkBoard(b, db, 10000)
}
