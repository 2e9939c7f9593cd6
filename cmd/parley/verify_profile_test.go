package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifyDisclosedProfile downloads the US profile of the demo's
// negotiation with its salt, as the US delegation may, and the record as
// Russia exports it: verify --profile finds the profile's commitment in the
// record; a profile altered after the fact does not match.
func TestVerifyDisclosedProfile(t *testing.T) {
	s := startServer(t, nil, "--demo")
	pw := demoPasswords(t, s.out.String())
	get := func(token, path string) []byte {
		req, _ := http.NewRequest("GET", s.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return b
	}
	dir := t.TempDir()
	profile := get(login(t, s.url, "us-head", pw["us-head"]), "/api/v1/negotiations/1/preferences")
	record := get(login(t, s.url, "ru-head", pw["ru-head"]), "/api/v1/talks/2/record")
	if bytes.Contains(record, []byte(`"salt"`)) || bytes.Contains(record, []byte(`"weights"`)) {
		t.Fatal("Russia's export of the record holds a profile")
	}
	rec := filepath.Join(dir, "record.json")
	must(t, os.WriteFile(rec, record, 0o644))
	// The US delegation's own private record holds the commitment too.
	usPrivate := filepath.Join(dir, "private.json")
	must(t, os.WriteFile(usPrivate, get(login(t, s.url, "us-head", pw["us-head"]), "/api/v1/talks/2/private/record"), 0o644))
	for _, f := range []string{rec, usPrivate} {
		file := filepath.Join(dir, "profile.json")
		must(t, os.WriteFile(file, profile, 0o644))
		var out bytes.Buffer
		if err := run(context.Background(), []string{"verify", "--profile", file, f}, func(string) string { return "" }, nil, &out, &out); err != nil || !strings.Contains(out.String(), "opens commitment") {
			t.Errorf("verify --profile against %s = %v, %q; want OK", filepath.Base(f), err, out.String())
		}
	}
	for name, tc := range map[string]struct {
		profile []byte
		ok      bool
	}{
		"as downloaded":                  {profile, true},
		"reservation lowered afterwards": {lowered(t, profile), false},
	} {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "profile.json")
			must(t, os.WriteFile(file, tc.profile, 0o644))
			var out, errOut bytes.Buffer
			err := run(context.Background(), []string{"verify", "--profile", file, rec}, func(string) string { return "" }, nil, &out, &errOut)
			var ee *exitError
			switch {
			case tc.ok && (err != nil || !strings.Contains(out.String(), "opens commitment")):
				t.Errorf("verify --profile = %v, %q; want OK", err, out.String())
			case !tc.ok && (!errors.As(err, &ee) || ee.code != 1 || !strings.Contains(out.String(), "DOES NOT MATCH")):
				t.Errorf("verify --profile on an altered profile = %v, %q; want DOES NOT MATCH and status 1", err, out.String())
			}
		})
	}
}

// lowered returns the downloaded profile with its reservation value lowered.
func lowered(t *testing.T, b []byte) []byte {
	var v map[string]json.RawMessage
	must(t, json.Unmarshal(b, &v))
	var p map[string]any
	must(t, json.Unmarshal(v["profile"], &p))
	p["preferences"].(map[string]any)["reservation"] = 0.05
	raw, err := json.Marshal(p)
	must(t, err)
	v["profile"] = raw
	out, err := json.Marshal(v)
	must(t, err)
	return out
}
