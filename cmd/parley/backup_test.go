package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"parley/sqlite"
)

// TestBackupWhileServing copies the database while the server runs and
// finds the demo in the copy.
func TestBackupWhileServing(t *testing.T) {
	data := t.TempDir()
	startServer(t, nil, "--data", data, "--demo")
	dst := filepath.Join(t.TempDir(), "copy.db")
	var out, errOut syncBuffer
	if err := run(context.Background(), []string{"backup", "--data", data, dst}, func(string) string { return "" }, strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("backup: %v %s", err, errOut.String())
	}
	db := sqlite.NewDB(dst)
	if err := db.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ps, err := db.ListParties(t.Context())
	if err != nil || len(ps) != 5 {
		t.Fatalf("backup has %d parties (%v), want the demo's 5", len(ps), err)
	}
	if err := run(context.Background(), []string{"backup", "--data", data, dst}, func(string) string { return "" }, strings.NewReader(""), &out, &errOut); err == nil {
		t.Error("backup overwrote an existing file")
	}
}
