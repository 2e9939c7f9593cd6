package app_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestLayering keeps the JSON API and the HTML interface siblings over
// package app: neither imports the other, directly or through another
// package, and app imports neither.
func TestLayering(t *testing.T) {
	for _, c := range []struct {
		pkg       string
		forbidden []string
	}{
		{"parley/web", []string{"parley/api"}},
		{"parley/api", []string{"parley/web"}},
		{"parley/app", []string{"parley/api", "parley/web"}},
	} {
		out, err := exec.Command("go", "list", "-deps", c.pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", c.pkg, err)
		}
		deps := strings.Fields(string(out))
		if !slices.Contains(deps, "parley/app") && c.pkg != "parley/app" {
			t.Errorf("%s does not depend on parley/app; the check has gone stale", c.pkg)
		}
		for _, f := range c.forbidden {
			if slices.Contains(deps, f) {
				t.Errorf("%s imports %s; it must reach the application through parley/app only", c.pkg, f)
			}
		}
	}
}
