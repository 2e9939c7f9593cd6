package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"parley/app"
	"strings"
	"sync"
	"testing"
	"time"

	"parley"
)

// postLogin signs in through client (which may hold cookies) and returns
// the status and body.
func postLogin(t testing.TB, client *http.Client, base, name, password string) (*http.Response, string) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"name": name, "password": password})
	resp, err := client.Post(base+"/api/v1/session", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return resp, buf.String()
}

// TestParallelGuessesCountedExactly: many wrong passwords sent at once get
// exactly SignInLimit answers of 401, and the rest 429; the right password
// sent among them cannot slip through once the limit is reached.
func TestParallelGuessesCountedExactly(t *testing.T) {
	f := newFixture(t)
	f.srv.Hashes = app.NewHashGate(2, 1000, time.Hour) // every attempt waits for its turn: none is refused as busy
	const n = 60
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resp, _ := postLogin(t, http.DefaultClient, f.http.URL, "ru-head", "guess-guess")
			codes[i] = resp.StatusCode
		})
	}
	wg.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	if count[401] != 5 || count[429] != n-5 {
		t.Errorf("%d parallel guesses: %v; want exactly 5×401 and %d×429", n, count, n-5)
	}
	resp, _ := postLogin(t, http.DefaultClient, f.http.URL, "ru-head", "password-ru-head")
	if resp.StatusCode != 429 {
		t.Errorf("right password after the limit: %d, want 429", resp.StatusCode)
	}
}

// TestSignInRefusedFastWhenHashingIsFull: with every hashing slot taken and
// no room to wait, a sign-in is refused at once with 429 and Retry-After,
// and the refusal is not counted as a failed attempt.
func TestSignInRefusedFastWhenHashingIsFull(t *testing.T) {
	f := newFixture(t)
	f.srv.Hashes = app.NewHashGate(1, 0, time.Hour)
	release := holdHashSlot(t, f.srv.Hashes)
	resp, body := postLogin(t, http.DefaultClient, f.http.URL, "ru-head", "password-ru-head")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" || !strings.Contains(body, "many sign-ins") {
		t.Errorf("sign-in while hashing is full: %d Retry-After %q %s; want 429, Retry-After 1", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	release()
	for range 5 {
		// Five refusals while busy would have used up the limit if counted.
		release := holdHashSlot(t, f.srv.Hashes)
		postLogin(t, http.DefaultClient, f.http.URL, "ru-head", "guess-guess")
		release()
	}
	if resp, body := postLogin(t, http.DefaultClient, f.http.URL, "ru-head", "password-ru-head"); resp.StatusCode != 200 {
		t.Errorf("sign-in after busy refusals: %d %s; want 200 (refusals are not failures)", resp.StatusCode, body)
	}
}

// TestStrangerCannotLockOutKnownDevice: a stranger's wrong guesses lock the
// account for unknown clients, but the owner's browser, which signed in
// before, still signs in; and the known device has its own limit.
func TestStrangerCannotLockOutKnownDevice(t *testing.T) {
	f := newFixture(t)
	jar, _ := cookiejar.New(nil)
	owner := &http.Client{Jar: jar}
	if resp, body := postLogin(t, owner, f.http.URL, "ru-head", "password-ru-head"); resp.StatusCode != 200 {
		t.Fatalf("first sign-in: %d %s", resp.StatusCode, body)
	}
	for range 10 {
		postLogin(t, http.DefaultClient, f.http.URL, "ru-head", "guess-guess")
	}
	if resp, _ := postLogin(t, http.DefaultClient, f.http.URL, "ru-head", "password-ru-head"); resp.StatusCode != 429 {
		t.Errorf("unknown client after a stranger's guesses: %d, want 429", resp.StatusCode)
	}
	if resp, body := postLogin(t, owner, f.http.URL, "ru-head", "password-ru-head"); resp.StatusCode != 200 {
		t.Errorf("the owner's known device after a stranger's guesses: %d %s, want 200", resp.StatusCode, body)
	}
	// A device cookie of another account is no pass.
	jar2, _ := cookiejar.New(nil)
	other := &http.Client{Jar: jar2}
	postLogin(t, other, f.http.URL, "us-neg", "password-us-neg")
	if resp, _ := postLogin(t, other, f.http.URL, "ru-head", "password-ru-head"); resp.StatusCode != 429 {
		t.Errorf("a device known to another account: %d, want 429", resp.StatusCode)
	}
	// The known device's own guesses are limited too.
	for range 5 {
		postLogin(t, owner, f.http.URL, "ru-head", "guess-guess")
	}
	if resp, _ := postLogin(t, owner, f.http.URL, "ru-head", "password-ru-head"); resp.StatusCode != 429 {
		t.Errorf("known device after its own 5 failures: %d, want 429", resp.StatusCode)
	}
}

// TestPasswordChangeRevokesTokens: a token made before a password change
// stops working, as do sessions.
func TestPasswordChangeRevokesTokens(t *testing.T) {
	f := newFixture(t)
	tok := f.token("same party")
	resp, _ := f.do("PUT", "/api/v1/me/password", tok, map[string]string{"current": "password-us-neg", "new": "changed-us-neg"})
	if resp.StatusCode != 204 {
		t.Fatalf("change password: %d", resp.StatusCode)
	}
	if resp, body := f.do("GET", "/api/v1/me", tok, nil); resp.StatusCode != 401 {
		t.Errorf("token after a password change: %d %s, want 401", resp.StatusCode, body)
	}
}

// TestTokensExpire: a token made with the API lasts TokenTTL, says so, and
// stops working once it has passed.
func TestTokensExpire(t *testing.T) {
	f := newFixture(t)
	f.srv.TokenTTL = time.Hour
	create := func(madeAt time.Time) (parley.Credential, string) {
		t.Helper()
		f.srv.Now = func() time.Time { return madeAt }
		resp, body := f.do("POST", "/api/v1/tokens", f.token("same party"), map[string]string{"name": "script"})
		if resp.StatusCode != 201 {
			t.Fatalf("create token: %d %s", resp.StatusCode, body)
		}
		var out struct {
			Token  parley.Credential `json:"token"`
			Secret string            `json:"secret"`
		}
		must(t, json.Unmarshal(body, &out))
		return out.Token, out.Secret
	}
	now := time.Now()
	fresh, secret := create(now)
	if d := fresh.ExpiresAt.Sub(now.Add(time.Hour)).Abs(); d > time.Second {
		t.Errorf("token expires at %v, want %v", fresh.ExpiresAt, now.Add(time.Hour))
	}
	if resp, _ := f.do("GET", "/api/v1/me", secret, nil); resp.StatusCode != 200 {
		t.Fatalf("fresh token: %d", resp.StatusCode)
	}
	_, old := create(now.Add(-2 * time.Hour)) // made two hours ago: expired an hour ago
	if resp, _ := f.do("GET", "/api/v1/me", old, nil); resp.StatusCode != 401 {
		t.Errorf("token past its expiry: %d, want 401", resp.StatusCode)
	}
}

// holdHashSlot takes one password-hashing slot, as a sign-in being checked
// would, and returns the function that gives it back.
func holdHashSlot(t *testing.T, g *app.HashGate) func() {
	t.Helper()
	must(t, g.Acquire(t.Context()))
	return g.Release
}
