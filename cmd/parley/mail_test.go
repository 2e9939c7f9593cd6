package main

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// fakeSMTP is a minimal SMTP server that hands every message it receives,
// with its recipients, to a channel.
func fakeSMTP(t *testing.T) (addr string, got <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan string, 100)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				fmt.Fprint(c, "220 fake\r\n")
				var msg strings.Builder
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					cmd := strings.ToUpper(strings.TrimSpace(line))
					switch {
					case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
						fmt.Fprint(c, "250 fake\r\n")
					case strings.HasPrefix(cmd, "RCPT"):
						msg.WriteString(line)
						fmt.Fprint(c, "250 ok\r\n")
					case strings.HasPrefix(cmd, "DATA"):
						fmt.Fprint(c, "354 go on\r\n")
						for {
							l, err := r.ReadString('\n')
							if err != nil {
								return
							}
							if l == ".\r\n" {
								break
							}
							msg.WriteString(l)
						}
						ch <- msg.String()
						msg.Reset()
						fmt.Fprint(c, "250 queued\r\n")
					case strings.HasPrefix(cmd, "QUIT"):
						fmt.Fprint(c, "221 bye\r\n")
						return
					default:
						fmt.Fprint(c, "250 ok\r\n")
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), ch
}

// TestOutboxSentThroughSMTP starts the demo with an SMTP server configured:
// once the Russian head gives an address, the notices waiting for them are
// mailed to it, and none carries the US delegation's internal note.
func TestOutboxSentThroughSMTP(t *testing.T) {
	addr, got := fakeSMTP(t)
	s := startServer(t, map[string]string{"PARLEY_SMTP_URL": "smtp://" + addr + "?from=parley@example.org&interval=100ms"}, "--demo")
	pw := demoPasswords(t, s.out.String())
	select {
	case m := <-got:
		t.Fatalf("mail sent before anyone gave an address:\n%s", m)
	case <-time.After(300 * time.Millisecond):
	}
	ru := login(t, s.url, "ru-head", pw["ru-head"])
	if code := call(t, "PUT", s.url+"/api/v1/me/email", ru, map[string]string{"email": "ru-head@example.org"}, nil); code != 200 {
		t.Fatalf("set address: %d", code)
	}
	var all []string
	deadline := time.After(10 * time.Second)
	for len(all) == 0 || len(got) > 0 {
		select {
		case m := <-got:
			all = append(all, m)
		case <-deadline:
			t.Fatalf("no mail within 10s\n%s", s.logs.String())
		}
	}
	for _, m := range all {
		if !strings.Contains(m, "<ru-head@example.org>") || !strings.Contains(m, "Subject: ") || !strings.Contains(m, "From: parley@example.org") {
			t.Errorf("message not addressed as expected:\n%s", m)
		}
		if strings.Contains(m, "phased plan") {
			t.Errorf("a mail to Russia carries the US internal note:\n%s", m)
		}
	}
}
