package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestMetricsNotPublicByDefault: /metrics is not on the main address unless
// asked for, and --metrics-addr serves it on its own listener.
func TestMetricsNotPublicByDefault(t *testing.T) {
	s := startServer(t, nil, "--data", t.TempDir(), "--metrics-addr", "127.0.0.1:0")
	resp, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == 200 {
		t.Errorf("GET /metrics on the main address: 200, want it not served")
	}
	m := regexp.MustCompile(`parley metrics on (http://\S+)`).FindStringSubmatch(s.out.String())
	if m == nil {
		t.Fatalf("no metrics address printed:\n%s", s.out.String())
	}
	resp, err = http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "parley_live_streams") {
		t.Errorf("GET %s: %d, want the metrics", m[1], resp.StatusCode)
	}
	pub := startServer(t, nil, "--data", t.TempDir(), "--metrics-public")
	if resp, err := http.Get(pub.url + "/metrics"); err != nil || resp.StatusCode != 200 {
		t.Errorf("--metrics-public: %v %v", resp, err)
	}
}

// TestConnectionCapPerAddress: one address holding its share of idle
// connections cannot open another; once one closes, it can.
func TestConnectionCapPerAddress(t *testing.T) {
	s := startServer(t, nil, "--data", t.TempDir(), "--max-conns-per-addr", "3")
	addr := strings.TrimPrefix(s.url, "http://")
	var held []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// Idle: no request yet (the server waits ReadHeaderTimeout for one).
		held = append(held, c)
	}
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	fmt.Fprintf(extra, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	extra.SetReadDeadline(time.Now().Add(time.Minute)) // a guard against hanging only
	if resp, err := http.ReadResponse(bufio.NewReader(extra), nil); err == nil {
		t.Errorf("a fourth connection from one address was served: %d", resp.StatusCode)
	}
	held[0].Close()
	// The server notices the close on its own time; retry until it has.
	for i := 0; ; i++ {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil && resp.StatusCode == 200 {
			resp.Body.Close()
			break
		}
		if i == 500 {
			t.Fatalf("no connection after one of three closed: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
