package main

import (
	"context"
	"os"
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
	// It holds password and token hashes and sealed keys.
	if st, err := os.Stat(dst); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("backup file mode %v (%v), want -rw-------", st.Mode().Perm(), err)
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

func TestAdminCreateUserAndSetPassword(t *testing.T) {
	data := t.TempDir()
	runCmd := func(stdin string, args ...string) (string, error) {
		var out, errOut syncBuffer
		err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(stdin), &out, &errOut)
		return out.String(), err
	}
	if _, err := runCmd("short\n", "admin", "create-user", "--data", data, "--admin", "root"); err == nil {
		t.Error("a short password was accepted")
	}
	if out, err := runCmd("first password\n", "admin", "create-user", "--data", data, "--admin", "root"); err != nil || !strings.Contains(out, "created user root") {
		t.Fatalf("create-user: %v %s", err, out)
	}
	if out, err := runCmd("second password\n", "admin", "set-password", "--data", data, "root"); err != nil || !strings.Contains(out, "password of root set") {
		t.Fatalf("set-password: %v %s", err, out)
	}
	s := startServer(t, nil, "--data", data)
	login(t, s.url, "root", "second password")
	if _, err := runCmd("x password\n", "admin", "set-password", "--data", data, "nobody"); err == nil {
		t.Error("set-password of a missing user succeeded")
	}
}
