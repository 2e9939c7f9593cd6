package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"parley"
)

// syncBuffer is an io.Writer that tests can read while the program writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is a running `parley serve`.
type server struct {
	url  string
	out  *syncBuffer
	stop func() error
	logs *syncBuffer
}

// startServer runs `parley serve` with args on a free port and waits until it listens.
func startServer(t testing.TB, env map[string]string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, logs := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), func(k string) string { return env[k] }, strings.NewReader(""), out, logs)
	}()
	re := regexp.MustCompile(`parley listening on (https?://\S+)`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			s := &server{url: m[1], out: out, logs: logs}
			var once sync.Once
			var err error
			s.stop = func() error {
				once.Do(func() {
					cancel()
					select {
					case err = <-done:
					case <-time.After(20 * time.Second):
						err = fmt.Errorf("server did not shut down")
					}
				})
				return err
			}
			t.Cleanup(func() { s.stop() })
			return s
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve exited: %v\n%s\n%s", err, out.String(), logs.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start:\n%s\n%s", out.String(), logs.String())
		}
	}
}

// call sends a JSON request with an optional bearer token and decodes the reply into v.
func call(t testing.TB, method, url, token string, body, v any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, b)
		}
	}
	return resp.StatusCode
}

// login signs in by cookie, makes an API token, and returns it.
func login(t testing.TB, base, name, password string) string {
	t.Helper()
	resp, err := http.Post(base+"/api/v1/session", "application/json",
		strings.NewReader(fmt.Sprintf(`{"name":%q,"password":%q}`, name, password)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("sign in as %s: %d", name, resp.StatusCode)
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "parley_session" {
			cookie = c
		}
	}
	get := func(method, path string, body string, csrf string) *http.Response {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.AddCookie(cookie)
		req.Header.Set("Content-Type", "application/json")
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := get("GET", "/api/v1/me", "", "")
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	json.NewDecoder(r.Body).Decode(&me)
	r.Body.Close()
	r = get("POST", "/api/v1/tokens", `{"name":"test"}`, me.CSRF)
	var tok struct {
		Secret string `json:"secret"`
	}
	json.NewDecoder(r.Body).Decode(&tok)
	r.Body.Close()
	if tok.Secret == "" {
		t.Fatalf("no token for %s: %d", name, r.StatusCode)
	}
	return tok.Secret
}

func TestServeFirstStartSetupAndAPI(t *testing.T) {
	data := t.TempDir()
	s := startServer(t, nil, "--data", data)
	m := regexp.MustCompile(`/setup\?token=(\S+)`).FindStringSubmatch(s.out.String())
	if m == nil {
		t.Fatalf("no setup link printed:\n%s", s.out.String())
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(s.url + path)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %v %v", path, resp, err)
		}
		resp.Body.Close()
	}
	if code := call(t, "POST", s.url+"/api/v1/setup", "", map[string]string{"token": "wrong", "name": "root", "password": "a long password"}, nil); code != 403 {
		t.Fatalf("setup with a wrong token: %d", code)
	}
	if code := call(t, "POST", s.url+"/api/v1/setup", "", map[string]string{"token": m[1], "name": "root", "password": "a long password"}, nil); code != 201 {
		t.Fatalf("setup: %d", code)
	}
	if code := call(t, "POST", s.url+"/api/v1/setup", "", map[string]string{"token": m[1], "name": "root2", "password": "a long password"}, nil); code != 403 {
		t.Fatalf("setup link used twice: %d", code)
	}
	admin := login(t, s.url, "root", "a long password")
	var p struct{ ID int64 }
	if code := call(t, "POST", s.url+"/api/v1/parties", admin, map[string]string{"name": "Norway", "kind": "state"}, &p); code != 201 {
		t.Fatalf("create party: %d", code)
	}
	if code := call(t, "POST", s.url+"/api/v1/users", admin, map[string]any{"name": "no-head", "password": "another long one", "party_id": p.ID, "role": "head"}, nil); code != 201 {
		t.Fatalf("create user: %d", code)
	}
	head := login(t, s.url, "no-head", "another long one")
	var talk struct{ ID int64 }
	if code := call(t, "POST", s.url+"/api/v1/talks", head, map[string]any{"title": "Fisheries", "parties": []map[string]any{{"party_id": p.ID, "standing": "member"}}}, &talk); code != 201 {
		t.Fatalf("create talk: %d", code)
	}
	if code := call(t, "POST", fmt.Sprintf("%s/api/v1/talks/%d/events", s.url, talk.ID), head, map[string]any{"type": "statement", "payload": map[string]string{"text": "quotas"}}, nil); code != 201 {
		t.Fatalf("append: %d", code)
	}
	if code := call(t, "POST", fmt.Sprintf("%s/api/v1/talks/%d/events", s.url, talk.ID), head, map[string]any{"type": "note", "private_to": p.ID, "payload": map[string]string{"text": "reservation 0.42"}}, nil); code != 201 {
		t.Fatalf("private note: %d", code)
	}
	// A failing request too: its error must not echo the payload into the log.
	call(t, "POST", fmt.Sprintf("%s/api/v1/talks/%d/events", s.url, talk.ID), head, map[string]any{"type": "note", "private_to": 999, "payload": map[string]string{"text": "reservation 0.42"}}, nil)
	logs := s.logs.String()
	if strings.Contains(logs, "a long password") || strings.Contains(logs, head) || strings.Contains(logs, "reservation 0.42") || strings.Contains(logs, m[1]) {
		t.Error("the log contains a password, a token, the setup token or a private payload")
	}
	if !strings.Contains(logs, "request_id=") {
		t.Error("requests are not logged with their ids")
	}
	if err := s.stop(); err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}
	// Restart on the same data: everything is there, and no setup link.
	s2 := startServer(t, nil, "--data", data)
	if strings.Contains(s2.out.String(), "setup?token") {
		t.Error("a setup link was printed although an administrator exists")
	}
	var ev struct {
		Events []struct{ Type string } `json:"events"`
	}
	// The shared chain: talk.created and the statement; the note is in the
	// party's private chain.
	if code := call(t, "GET", fmt.Sprintf("%s/api/v1/talks/%d/events", s2.url, talk.ID), head, nil, &ev); code != 200 || len(ev.Events) != 2 {
		t.Fatalf("after restart: %d, %d events, want 2", code, len(ev.Events))
	}
	if code := call(t, "GET", fmt.Sprintf("%s/api/v1/talks/%d/private/events", s2.url, talk.ID), head, nil, &ev); code != 200 || len(ev.Events) != 1 {
		t.Fatalf("private chain after restart: %d, %d events, want 1", code, len(ev.Events))
	}
	// The server key made at first start survives the restart: a checkpoint
	// is signed by the key published before.
	var cp parley.Checkpoint
	var keys parley.KeyList
	if code := call(t, "GET", fmt.Sprintf("%s/api/v1/talks/%d/checkpoint", s2.url, talk.ID), head, nil, &cp); code != 200 {
		t.Fatalf("checkpoint: %d", code)
	}
	if code := call(t, "GET", s2.url+"/api/v1/keys", head, nil, &keys); code != 200 || len(keys.Server) != 1 {
		t.Fatalf("keys: %d, %d server keys", code, len(keys.Server))
	}
	if err := cp.VerifySignature(keys.Server[0].Key); err != nil {
		t.Errorf("checkpoint after restart: %v", err)
	}
}

// demoPasswords reads the passwords serve --demo prints.
func demoPasswords(t testing.TB, out string) map[string]string {
	t.Helper()
	pw := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^  (\S+)\s+(\S+)$`).FindAllStringSubmatch(out, -1) {
		pw[m[1]] = m[2]
	}
	if len(pw) < 9 {
		t.Fatalf("demo printed %d passwords:\n%s", len(pw), out)
	}
	return pw
}

func TestServeDemo(t *testing.T) {
	s := startServer(t, nil, "--demo")
	pw := demoPasswords(t, s.out.String())
	titles := func(user string) []string {
		var list struct {
			Talks []struct {
				Title        string
				Illustrative bool
			} `json:"talks"`
		}
		call(t, "GET", s.url+"/api/v1/talks", login(t, s.url, user, pw[user]), nil, &list)
		var ts []string
		for _, tk := range list.Talks {
			if !tk.Illustrative {
				t.Errorf("demo talk %q is not marked illustrative", tk.Title)
			}
			ts = append(ts, tk.Title)
		}
		return ts
	}
	if got := titles("us-head"); len(got) != 2 {
		t.Errorf("us-head sees %q, want both talks", got)
	}
	if got := titles("ua-head"); len(got) != 1 || !strings.Contains(got[0], "ending the war") {
		t.Errorf("ua-head sees %q, want only the talk on ending the war", got)
	}
	if got := titles("eu-head"); len(got) != 1 {
		t.Errorf("eu-head sees %q, want one talk", got)
	}
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

func newJSONRequest(method, url, token string, body []byte) (*http.Request, error) {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req, nil
}

// TestGracefulShutdownEndsLiveStreams checks that stopping the server ends
// open event streams rather than waiting for their clients.
func TestGracefulShutdownEndsLiveStreams(t *testing.T) {
	s := startServer(t, nil, "--demo")
	pw := demoPasswords(t, s.out.String())
	tok := login(t, s.url, "ru-head", pw["ru-head"])
	req, _ := http.NewRequest("GET", s.url+"/api/v1/talks/1/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	ended := make(chan struct{})
	go func() { io.Copy(io.Discard, resp.Body); close(ended) }()
	start := time.Now()
	if err := s.stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %v with a stream open", d)
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Error("the stream stayed open after shutdown")
	}
}

// TestServeTLSMarksCookiesSecure serves HTTPS with a self-signed certificate
// and checks that the session cookie is Secure.
func TestServeTLSMarksCookiesSecure(t *testing.T) {
	dir := t.TempDir()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(priv)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)

	s := startServer(t, nil, "--demo", "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(s.url, "https://") {
		t.Fatalf("url %s, want https", s.url)
	}
	pw := demoPasswords(t, s.out.String())
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Post(s.url+"/api/v1/session", "application/json", strings.NewReader(fmt.Sprintf(`{"name":"us-head","password":%q}`, pw["us-head"])))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var secure bool
	for _, ck := range resp.Cookies() {
		if ck.Name == "parley_session" {
			secure = ck.Secure
		}
	}
	if resp.StatusCode != 200 || !secure {
		t.Fatalf("sign in over TLS: %d, cookie Secure=%v; want 200 and Secure", resp.StatusCode, secure)
	}
}
