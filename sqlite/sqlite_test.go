package sqlite_test

import (
	"os"
	"path/filepath"
	"testing"

	"parley"
	"parley/sqlite"
	"parley/storetest"
)

func open(t testing.TB) *sqlite.DB {
	db := sqlite.NewDB(filepath.Join(t.TempDir(), "parley.db"))
	db.Secret = storetest.Secret
	if err := db.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t) })
}

func TestReopenKeepsDataAndBackupCopies(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "parley.db")
	db := sqlite.NewDB(path)
	if err := db.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateParty(t.Context(), &parley.Party{Name: "EU"}); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(dir, "copy.db")
	if err := db.Backup(t.Context(), backup); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, p := range []string{path, backup} {
		db := sqlite.NewDB(p)
		if err := db.Open(t.Context()); err != nil {
			t.Fatal(err)
		}
		ps, err := db.ListParties(t.Context())
		db.Close()
		if err != nil || len(ps) != 1 || ps[0].Name != "EU" {
			t.Errorf("%s: parties %v, %v; want EU", p, ps, err)
		}
	}
	if _, err := os.Stat(path + "-wal"); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
}
