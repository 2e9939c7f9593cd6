package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"parley/postgres/postgrestest"
)

// The fault suite starts the real program, built with the "failpoints" tag
// so that PARLEY_FAILPOINT=name kills it with SIGKILL at that point, and
// checks what a client retrying by Idempotency-Key gets afterwards.
// PARLEY_FAULTS=1 (set by .ci/run) adds the heavier cases on PostgreSQL.

// failpointDir holds the binary built with failpoints; TestMain removes it.
var failpointDir string

var failpointBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "parley-failpoints-")
	if err != nil {
		return "", err
	}
	failpointDir = dir
	bin := filepath.Join(dir, "parley")
	out, err := exec.Command(goTool(), "build", "-tags", "failpoints", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build -tags failpoints: %v\n%s", err, out)
	}
	return bin, nil
})

// goTool returns the go command: the one `go test` runs under (GOROOT is
// set in a test's environment), else the one on PATH.
func goTool() string {
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", "go"); fileExists(p) {
			return p
		}
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// proc is a running parley binary.
type proc struct {
	cmd  *exec.Cmd
	url  string
	out  *syncBuffer
	exit chan error
}

// startBinary runs bin serve with env added to this process's environment.
func startBinary(t *testing.T, bin string, env []string, args ...string) *proc {
	t.Helper()
	p, err := launch(t, bin, env, args...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// launch is startBinary for use from several goroutines at once.
func launch(t *testing.T, bin string, env []string, args ...string) (*proc, error) {
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	// These servers are pushed as hard as the tests can write to find lost
	// or doubled events; the per-user write limit would only slow that down.
	cmd.Env = append(append(os.Environ(), "PARLEY_WRITE_RATE=0", "PARLEY_MAX_CONNS_PER_ADDR=0"), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, out: &syncBuffer{}, exit: make(chan error, 1)}
	cmd.Stderr = p.out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	t.Cleanup(func() { cmd.Process.Kill(); <-p.exit })
	url, rest := untilListening(stdout, p.out)
	if url == "" {
		p.exit <- cmd.Wait()
		return nil, fmt.Errorf("server exited before listening:\n%s", p.out.String())
	}
	p.url = url
	go func() {
		rest()
		p.exit <- cmd.Wait()
	}()
	return p, nil
}

// untilListening copies the lines of a server's stdout to out until the
// line "parley listening on URL" and returns URL ("" if r ended first) and
// rest, which copies the remaining lines until r ends. The lines after
// "listening" must be read through the same scanner: those that came in
// one read with it (the setup link, under load) are in its buffer, no
// longer in r, and copying from r lost them.
func untilListening(r io.Reader, out io.Writer) (url string, rest func()) {
	sc := bufio.NewScanner(r)
	rest = func() {
		for sc.Scan() {
			fmt.Fprintln(out, sc.Text())
		}
	}
	re := regexp.MustCompile(`parley listening on (http\S+)`)
	for sc.Scan() {
		fmt.Fprintln(out, sc.Text())
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			return m[1], rest
		}
	}
	return "", rest
}

// TestUntilListeningKeepsLinesReadWithIt writes the "listening" line and
// the setup link in one write, as a loaded machine delivers them: the link
// must reach the output (it was lost, and the two-node first start then
// counted no link at all).
func TestUntilListeningKeepsLinesReadWithIt(t *testing.T) {
	r, w := io.Pipe()
	go func() {
		io.WriteString(w, "parley listening on http://127.0.0.1:1\nNo accounts yet. Create the first administrator at http://127.0.0.1:1/setup?token=T\n")
		w.Close()
	}()
	var out syncBuffer
	url, rest := untilListening(r, &out)
	if url != "http://127.0.0.1:1" {
		t.Fatalf("url %q, want http://127.0.0.1:1", url)
	}
	rest()
	if !strings.Contains(out.String(), "setup?token=T") {
		t.Errorf("the line after listening was lost; output:\n%s", out.String())
	}
}

// killedBySIGKILL waits for p to end and reports whether SIGKILL ended it.
func (p *proc) killedBySIGKILL() bool {
	err := <-p.exit
	p.exit <- err // for the cleanup
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// keyed sends a POST with an Idempotency-Key; code 0 means no response.
func keyed(url, token, key string, body any) (code int, replayed bool, respBody []byte) {
	b, _ := json.Marshal(body)
	req, err := newJSONRequest("POST", url, token, b)
	if err != nil {
		return 0, false, nil
	}
	req.Header.Set("Idempotency-Key", key)
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, false, nil
	}
	defer resp.Body.Close()
	respBody, _ = io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Idempotent-Replayed") == "true", respBody
}

// TestIdempotencyKeyAfterCrash kills the server between each pair of steps
// of an idempotent request (claim, change, stored response, commit, reply),
// restarts it and retries with the same key: the retry either acts for the
// first time or returns the original response, and the event is recorded
// exactly once. Before the claim, change and response shared a transaction,
// a crash after the claim left the key answering 409 for a day.
func TestIdempotencyKeyAfterCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills server processes")
	}
	bin, err := failpointBinary()
	if err != nil {
		t.Fatal(err)
	}
	stores := []string{"sqlite"}
	if os.Getenv("PARLEY_FAULTS") == "1" || os.Getenv("PARLEY_REQUIRE_POSTGRES") == "1" {
		stores = append(stores, "postgres")
	}
	for _, store := range stores {
		t.Run(store, func(t *testing.T) {
			var cluster *postgrestest.Cluster
			if store == "postgres" {
				cluster = postgrestest.Start()
				t.Cleanup(cluster.Stop)
			}
			for _, fp := range []struct {
				name string
				// replayed: the request committed before the crash, so the
				// retry gets the stored response.
				replayed bool
			}{
				{"idempotency-claimed", false},
				{"idempotency-acted", false},
				{"idempotency-saved", false},
				{"idempotency-committed", true},
			} {
				t.Run(fp.name, func(t *testing.T) {
					var env []string
					if cluster != nil {
						env = append(env, "PARLEY_DATABASE_URL="+cluster.NewDatabase(t), "PARLEY_SECRET=fault-suite-secret-0123456789")
					}
					crashAndRetry(t, bin, env, fp.name, fp.replayed)
				})
			}
		})
	}
}

func crashAndRetry(t *testing.T, bin string, env []string, failpoint string, wantReplayed bool) {
	data := t.TempDir()
	var out, errOut syncBuffer
	getenv := func(k string) string {
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, k+"="); ok {
				return v
			}
		}
		return ""
	}
	if err := run(context.Background(), []string{"admin", "create-user", "--data", data, "--admin", "root"}, getenv,
		strings.NewReader("a long password\n"), &out, &errOut); err != nil {
		t.Fatalf("create-user: %v %s", err, errOut.String())
	}
	p := startBinary(t, bin, append(env, "PARLEY_FAILPOINT="+failpoint), "--data", data)
	admin := login(t, p.url, "root", "a long password")
	var party struct{ ID int64 }
	call(t, "POST", p.url+"/api/v1/parties", admin, map[string]string{"name": "Norway"}, &party)
	call(t, "POST", p.url+"/api/v1/users", admin, map[string]any{"name": "head", "password": "another long one", "party_id": party.ID, "role": "head"}, nil)
	head := login(t, p.url, "head", "another long one")
	var talk struct{ ID int64 }
	call(t, "POST", p.url+"/api/v1/talks", head, map[string]any{"title": "t", "parties": []map[string]any{{"party_id": party.ID, "standing": "member"}}}, &talk)

	path := fmt.Sprintf("/api/v1/talks/%d/events", talk.ID)
	body := map[string]any{"type": "statement", "payload": map[string]string{"text": "exactly once"}}
	if code, _, b := keyed(p.url+path, head, "retry-me", body); code != 0 {
		t.Fatalf("the request survived failpoint %s: %d %s", failpoint, code, b)
	}
	if !p.killedBySIGKILL() {
		t.Fatalf("the server did not die by SIGKILL at %s:\n%s", failpoint, p.out.String())
	}

	p = startBinary(t, bin, env, "--data", data)
	code, replayed, first := keyed(p.url+path, head, "retry-me", body)
	if code != 201 || replayed != wantReplayed {
		t.Fatalf("retry after a crash at %s: %d replayed=%v %s; want 201 replayed=%v", failpoint, code, replayed, first, wantReplayed)
	}
	code, replayed, again := keyed(p.url+path, head, "retry-me", body)
	if code != 201 || !replayed || string(again) != string(first) {
		t.Errorf("second retry: %d replayed=%v %s; want the response of the first, %s", code, replayed, again, first)
	}
	var page struct {
		Events []struct {
			Payload json.RawMessage `json:"payload"`
		} `json:"events"`
	}
	if c := call(t, "GET", p.url+path+"?limit=500", head, nil, &page); c != http.StatusOK {
		t.Fatalf("list events: %d", c)
	}
	n := 0
	for _, e := range page.Events {
		if strings.Contains(string(e.Payload), "exactly once") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("after a crash at %s and retries the event is recorded %d times, want once", failpoint, n)
	}
}

// TestServeUnansweringPostgres: a database port that accepts connections and
// never answers fails the start with a clear error instead of hanging.
func TestServeUnansweringPostgres(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // hold it open, say nothing
		}
	}()
	var out, errOut syncBuffer
	url := "postgres://parley@" + ln.Addr().String() + "/parley?sslmode=disable"
	err = run(t.Context(), []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--db", url, "--db-connect-timeout", "300ms"},
		func(k string) string { return "" }, strings.NewReader(""), &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "connect timeout") || !strings.Contains(err.Error(), ln.Addr().String()) {
		t.Fatalf("serve against a silent port: %v; want an error naming the address and the connect timeout", err)
	}
}

// TestDiskFull fills the file system under a running SQLite server (a
// 4 MiB tmpfs, filled by a ballast file): writes answer 503 with
// Retry-After, /readyz says not ready although the database still answers
// reads, and both recover once space is freed. Mounting needs root; the
// test skips otherwise, unless PARLEY_FAULTS=1.
func TestDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a file system")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir).CombinedOutput(); err != nil {
		if os.Getenv("PARLEY_FAULTS") == "1" {
			t.Fatalf("mount tmpfs: %v %s", err, out)
		}
		t.Skipf("cannot mount a tmpfs (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	var out, errOut syncBuffer
	if err := run(context.Background(), []string{"admin", "create-user", "--data", data, "--admin", "root"}, func(string) string { return "" },
		strings.NewReader("a long password\n"), &out, &errOut); err != nil {
		t.Fatalf("create-user: %v %s", err, errOut.String())
	}
	srv := startServer(t, nil, "--data", data)
	admin := login(t, srv.url, "root", "a long password")
	ready := func() int {
		resp, err := http.Get(srv.url + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := ready(); c != 200 {
		t.Fatalf("readyz before: %d", c)
	}
	// Fill the disk.
	ballast := filepath.Join(dir, "ballast")
	f, err := os.Create(ballast)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(make([]byte, 8<<20)) // fails part way: the disk is full
	f.Close()
	// Writes fail: enough parties with long names to need new pages.
	var last int
	var retryAfter string
	for i := range 5000 {
		b, _ := json.Marshal(map[string]string{"name": fmt.Sprintf("party %d %s", i, strings.Repeat("x", 180))})
		req, _ := newJSONRequest("POST", srv.url+"/api/v1/parties", admin, b)
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		last, retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
		if last != 201 {
			break
		}
	}
	if last != 503 || retryAfter == "" {
		t.Fatalf("a write on a full disk: %d (Retry-After %q); want 503 with Retry-After", last, retryAfter)
	}
	if c := ready(); c != 503 {
		t.Errorf("readyz on a full disk: %d, want 503", c)
	}
	var me struct{ Name string }
	if c := call(t, "GET", srv.url+"/api/v1/me", admin, nil, &me); c != 200 {
		t.Errorf("a read on a full disk: %d, want 200", c)
	}
	os.Remove(ballast)
	if c := ready(); c != 200 {
		t.Errorf("readyz once space is freed: %d, want 200", c)
	}
	if c := call(t, "POST", srv.url+"/api/v1/parties", admin, map[string]string{"name": "after"}, nil); c != 201 {
		t.Errorf("a write once space is freed: %d, want 201", c)
	}
}

// TestPostgresFaults runs two nodes on one PostgreSQL and breaks the
// database under them: started together they offer one setup link and seed
// one demo; after an immediate restart, live streams get the events written
// while their node was not listening; frozen, requests answer 503 quickly;
// thawed, they work again. Set PARLEY_FAULTS=1 (CI does).
func TestPostgresFaults(t *testing.T) {
	if os.Getenv("PARLEY_FAULTS") != "1" {
		t.Skip("set PARLEY_FAULTS=1 to break a PostgreSQL server under two nodes")
	}
	bin, err := failpointBinary()
	if err != nil {
		t.Fatal(err)
	}
	cluster := postgrestest.Start()
	defer cluster.Stop()

	t.Run("first start of two nodes", func(t *testing.T) {
		env := []string{"PARLEY_DATABASE_URL=" + cluster.NewDatabase(t), "PARLEY_SECRET=shared-secret-of-the-cluster"}
		nodes := make([]*proc, 2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range nodes {
			wg.Go(func() { nodes[i], errs[i] = launch(t, bin, env, "--data", t.TempDir()) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		// The link is printed right after "listening"; wait for the line
		// that ends each node's start: the link, or the log that another
		// node printed it.
		links := 0
		var token string
		for i, n := range nodes {
			deadline := time.Now().Add(30 * time.Second)
			// "serving" is logged after the link would have been printed.
			for !strings.Contains(n.out.String(), "setup?token=") && !strings.Contains(n.out.String(), "another node printed the setup link") &&
				!strings.Contains(n.out.String(), "msg=serving") {
				if time.Now().After(deadline) {
					t.Fatalf("node %d said neither that it has the setup link nor that another node printed it:\n%s", i, n.out.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			time.Sleep(200 * time.Millisecond) // stdout and stderr are two pipes
			if m := regexp.MustCompile(`setup\?token=(\S+)`).FindStringSubmatch(n.out.String()); m != nil {
				links++
				token = m[1]
			}
		}
		if links != 1 {
			t.Fatalf("%d nodes printed a setup link, want 1:\n%s\n%s", links, nodes[0].out, nodes[1].out)
		}
		// The one token works on either node, once.
		made := 0
		for i, n := range nodes {
			b, _ := json.Marshal(map[string]string{"token": token, "name": fmt.Sprintf("admin%d", i), "password": "a long password"})
			resp, err := http.Post(n.url+"/api/v1/setup", "application/json", strings.NewReader(string(b)))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode < 300 {
				made++
			}
		}
		if made != 1 {
			t.Errorf("the setup token made %d first administrators, want 1", made)
		}
	})

	t.Run("demo on two nodes", func(t *testing.T) {
		env := []string{"PARLEY_DATABASE_URL=" + cluster.NewDatabase(t), "PARLEY_SECRET=shared-secret-of-the-cluster"}
		nodes := make([]*proc, 2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range nodes {
			wg.Go(func() { nodes[i], errs[i] = launch(t, bin, env, "--data", t.TempDir(), "--demo") })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("node %d: %v", i, err)
			}
		}
		seeded := 0
		for _, n := range nodes {
			if strings.Contains(n.out.String(), "Sign in as:") {
				seeded++
			}
		}
		if seeded != 1 {
			t.Errorf("%d nodes seeded the demo, want 1:\n%s\n%s", seeded, nodes[0].out, nodes[1].out)
		}
	})

	t.Run("restart and freeze", func(t *testing.T) {
		env := []string{"PARLEY_DATABASE_URL=" + cluster.NewDatabase(t), "PARLEY_SECRET=shared-secret-of-the-cluster"}
		a := startBinary(t, bin, env, "--data", t.TempDir(), "--demo", "--db-tx-timeout", "2s", "--db-connect-timeout", "1s")
		b := startBinary(t, bin, env, "--data", t.TempDir(), "--db-tx-timeout", "2s", "--db-connect-timeout", "1s")
		pw := demoPasswords(t, a.out.String())
		usOnA := login(t, a.url, "us-head", pw["us-head"])
		ruOnB := login(t, b.url, "ru-head", pw["ru-head"])
		var talk struct {
			LastSeq int64 `json:"last_seq"`
		}
		call(t, "GET", b.url+"/api/v1/talks/1", ruOnB, nil, &talk)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/v1/talks/1/events?after=%d", b.url, talk.LastSeq), nil)
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set("Authorization", "Bearer "+ruOnB)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		got := make(chan string, 10)
		go func() {
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
					got <- d
				}
			}
		}()

		if err := cluster.Restart(); err != nil {
			t.Fatal(err)
		}
		// Node A writes as soon as it can (503 until its pool reconnects);
		// node B's listener is still waiting to reconnect.
		post := func(text string) (int, time.Duration) {
			b, _ := json.Marshal(map[string]any{"type": "statement", "payload": map[string]string{"text": text}})
			req, _ := newJSONRequest("POST", a.url+"/api/v1/talks/1/events", usOnA, b)
			start := time.Now()
			resp, err := httpClient.Do(req)
			if err != nil {
				return 0, time.Since(start)
			}
			resp.Body.Close()
			if resp.StatusCode == 503 && resp.Header.Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
			return resp.StatusCode, time.Since(start)
		}
		for {
			code, _ := post("written during the restart")
			if code == 201 {
				break
			}
			if code != 503 {
				t.Fatalf("append while PostgreSQL restarts: %d, want 201 or 503", code)
			}
			time.Sleep(100 * time.Millisecond)
		}
		restarted := time.Now()
		for d := range got {
			if strings.Contains(d, "written during the restart") {
				t.Logf("the event reached node B's stream %v after it was written", time.Since(restarted))
				break
			}
		}

		if err := cluster.Freeze(); err != nil {
			t.Fatal(err)
		}
		code, took := post("written while frozen")
		if err := cluster.Thaw(); err != nil {
			t.Fatal(err)
		}
		if code != 503 {
			t.Errorf("append while PostgreSQL is frozen: %d after %v, want 503", code, took)
		}
		t.Logf("frozen database: %d after %v (tx timeout 2s)", code, took)
		for {
			if code, _ := post("written after the thaw"); code == 201 {
				break
			} else if code != 503 {
				t.Fatalf("append after the thaw: %d", code)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// TestCrashUnderLoadWithRetries kills the server with SIGKILL while four
// clients append with Idempotency-Keys, restarts it, and lets each client
// retry the request it had in flight with the same key: no key is stuck,
// every acknowledged event is there, and every request is recorded once.
func TestCrashUnderLoadWithRetries(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes")
	}
	bin, err := failpointBinary()
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	var out, errOut syncBuffer
	if err := run(context.Background(), []string{"admin", "create-user", "--data", data, "--admin", "root"}, func(string) string { return "" },
		strings.NewReader("a long password\n"), &out, &errOut); err != nil {
		t.Fatalf("create-user: %v %s", err, errOut.String())
	}
	p := startBinary(t, bin, nil, "--data", data)
	admin := login(t, p.url, "root", "a long password")
	var party struct{ ID int64 }
	call(t, "POST", p.url+"/api/v1/parties", admin, map[string]string{"name": "Norway"}, &party)
	call(t, "POST", p.url+"/api/v1/users", admin, map[string]any{"name": "head", "password": "another long one", "party_id": party.ID, "role": "head"}, nil)
	head := login(t, p.url, "head", "another long one")
	var talk struct{ ID int64 }
	call(t, "POST", p.url+"/api/v1/talks", head, map[string]any{"title": "t", "parties": []map[string]any{{"party_id": party.ID, "standing": "member"}}}, &talk)
	path := fmt.Sprintf("/api/v1/talks/%d/events", talk.ID)
	body := func(key string) any {
		return map[string]any{"type": "statement", "payload": map[string]string{"key": key}}
	}

	var mu sync.Mutex
	acked := map[string]bool{}
	inFlight := map[int]string{} // worker -> key of the request that got no answer
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				key := fmt.Sprintf("w%d-%d", w, i)
				code, _, _ := keyed(p.url+path, head, key, body(key))
				if code != 201 {
					mu.Lock()
					inFlight[w] = key
					mu.Unlock()
					return // the server is gone
				}
				mu.Lock()
				acked[key] = true
				mu.Unlock()
			}
		})
	}
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 100 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	wg.Wait()

	p = startBinary(t, bin, nil, "--data", data)
	for w, key := range inFlight {
		code, replayed, b := keyed(p.url+path, head, key, body(key))
		if code != 201 {
			t.Errorf("worker %d's retry of %s after the crash: %d %s; want 201 (acted or replayed), not a stuck key", w, key, code, b)
			continue
		}
		t.Logf("retry of %s after the crash: replayed=%v", key, replayed)
		acked[key] = true
	}
	var page struct {
		Events []struct {
			Payload struct{ Key string } `json:"payload"`
		} `json:"events"`
		Next int64 `json:"next"`
	}
	count := map[string]int{}
	for after := int64(0); ; after = page.Next {
		page.Events, page.Next = nil, 0
		if c := call(t, "GET", fmt.Sprintf("%s%s?after=%d&limit=500", p.url, path, after), head, nil, &page); c != 200 {
			t.Fatalf("list events: %d", c)
		}
		for _, e := range page.Events {
			if e.Payload.Key != "" {
				count[e.Payload.Key]++
			}
		}
		if len(page.Events) < 500 {
			break
		}
	}
	for key := range acked {
		if count[key] != 1 {
			t.Errorf("request %s is recorded %d times, want once", key, count[key])
		}
	}
	for key, n := range count {
		if !acked[key] {
			t.Errorf("request %s is recorded %d times but was never acknowledged", key, n)
		}
	}
	t.Logf("%d requests acknowledged (with retries), %d in flight at the kill", len(acked), len(inFlight))
}

// TestBinaryDoesNotLinkTesting: production code never imports test
// packages (the store interface lives in the root package, not storetest).
func TestBinaryDoesNotLinkTesting(t *testing.T) {
	out, err := exec.Command(goTool(), "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if p == "testing" || strings.HasSuffix(p, "test") && strings.HasPrefix(p, "parley/") {
			t.Errorf("cmd/parley links %s", p)
		}
	}
}
