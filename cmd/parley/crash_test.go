package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"parley"
)

func TestMain(m *testing.M) {
	// Re-executed as the real program by tests that need a process to kill.
	if os.Getenv("PARLEY_TEST_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	code := m.Run()
	if failpointDir != "" {
		os.RemoveAll(failpointDir)
	}
	os.Exit(code)
}

// startProcess runs `parley serve` as a child process and returns its URL.
func startProcess(t *testing.T, data string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve", "--addr", "127.0.0.1:0", "--data", data)
	// Written to as fast as the test can: no per-user write limit.
	cmd.Env = append(os.Environ(), "PARLEY_TEST_RUN_MAIN=1", "PARLEY_WRITE_RATE=0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url, rest := untilListening(out, io.Discard)
	if url == "" {
		t.Fatal("server exited before listening")
	}
	go rest()
	return cmd, url
}

// TestCrashSafety kills the server with SIGKILL in the middle of a stream of
// writes, restarts it, and checks that every acknowledged write is there and
// the chain is intact.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes")
	}
	data := t.TempDir()
	ctx := context.Background()
	var out, errOut syncBuffer
	if err := run(ctx, []string{"admin", "create-user", "--data", data, "--admin", "root"}, func(string) string { return "" },
		strings.NewReader("a long password\n"), &out, &errOut); err != nil {
		t.Fatalf("create-user: %v %s", err, errOut.String())
	}
	cmd, url := startProcess(t, data)
	admin := login(t, url, "root", "a long password")
	var p struct{ ID int64 }
	call(t, "POST", url+"/api/v1/parties", admin, map[string]string{"name": "Norway"}, &p)
	call(t, "POST", url+"/api/v1/users", admin, map[string]any{"name": "head", "password": "another long one", "party_id": p.ID, "role": "head"}, nil)
	head := login(t, url, "head", "another long one")
	var talk struct{ ID int64 }
	call(t, "POST", url+"/api/v1/talks", head, map[string]any{"title": "t", "parties": []map[string]any{{"party_id": p.ID, "standing": "member"}}}, &talk)

	var mu sync.Mutex
	acked := map[int64]string{} // seq -> hash
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var e parley.Event
				code := callQuiet(url+fmt.Sprintf("/api/v1/talks/%d/events", talk.ID), head, map[string]any{"type": "statement", "payload": map[string]any{"w": w, "i": i}}, &e)
				if code == 201 {
					mu.Lock()
					acked[e.Seq] = e.Hash
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(700 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	close(stop)
	wg.Wait()
	if len(acked) < 10 {
		t.Fatalf("only %d writes acknowledged before the kill", len(acked))
	}

	_, url = startProcess(t, data)
	var rec parley.Record
	if code := call(t, "GET", fmt.Sprintf("%s/api/v1/talks/%d/record", url, talk.ID), head, nil, &rec); code != 200 {
		t.Fatalf("record after restart: %d", code)
	}
	if err := parley.Verify(&rec); err != nil {
		t.Fatalf("chain broken after SIGKILL: %v", err)
	}
	have := map[int64]string{}
	for _, e := range rec.Events {
		have[e.Seq] = e.Hash
	}
	for seq, h := range acked {
		if have[seq] != h {
			t.Errorf("acknowledged event %d lost or changed after SIGKILL", seq)
		}
	}
	t.Logf("%d acknowledged writes, %d events after restart", len(acked), len(rec.Events))
}

// callQuiet is call without failing the test on transport errors, which are
// expected once the server is killed.
func callQuiet(url, token string, body, v any) int {
	b, _ := json.Marshal(body)
	req, err := newJSONRequest("POST", url, token, b)
	if err != nil {
		return 0
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	if json.NewDecoder(resp.Body).Decode(v) != nil {
		return 0
	}
	return resp.StatusCode
}
