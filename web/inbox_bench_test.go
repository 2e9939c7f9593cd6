package web_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	_ "github.com/ncruces/go-sqlite3/driver"

	"parley/consulttest"
	"parley/sqlite"
	"parley/storetest"
)

// BenchmarkInbox20x10k measures the inbox of a user in 20 talks of 10,000
// irritants each on SQLite (see consulttest.BenchmarkInbox).
func BenchmarkInbox20x10k(b *testing.B) {
	path := filepath.Join(b.TempDir(), "p.db")
	db := sqlite.NewDB(path)
	db.Secret = storetest.Secret
	if err := db.Open(b.Context()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	raw, err := sql.Open("sqlite3", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { raw.Close() })
	consulttest.BenchmarkInbox(b, db, raw, false, 20, 10000, nil)
}
