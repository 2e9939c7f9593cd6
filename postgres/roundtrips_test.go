package postgres_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"parley"
	"parley/postgres"
	"parley/storetest"
)

// messageCounter counts, by type, the messages clients send to PostgreSQL
// through a proxy. A round trip ends with Sync ('S', extended protocol) or
// is a Query ('Q', simple protocol).
type messageCounter struct {
	mu sync.Mutex
	n  map[byte]int
}

func (c *messageCounter) add(typ byte) {
	c.mu.Lock()
	c.n[typ]++
	c.mu.Unlock()
}

// take returns the counts so far and starts again from zero.
func (c *messageCounter) take() map[byte]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = map[byte]int{}
	return n
}

// countingProxy forwards connections to the server of url and counts what
// clients send; it returns the URL to connect through it.
func countingProxy(t *testing.T, url string) (string, *messageCounter) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	rest, _ := strings.CutPrefix(url, "postgres://postgres@")
	server, path, _ := strings.Cut(rest, "/")
	c := &messageCounter{n: map[byte]int{}}
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer client.Close()
				up, err := net.Dial("tcp", server)
				if err != nil {
					return
				}
				defer up.Close()
				go io.Copy(client, up)
				c.forward(up, client)
			}()
		}
	}()
	return "postgres://postgres@" + ln.Addr().String() + "/" + path, c
}

// forward copies the client's messages to the server, counting them: the
// startup message (length first), then type byte and length each.
func (c *messageCounter) forward(up io.Writer, client io.Reader) {
	var hdr [5]byte
	if _, err := io.ReadFull(client, hdr[:4]); err != nil {
		return
	}
	n := int64(binary.BigEndian.Uint32(hdr[:4]))
	up.Write(hdr[:4])
	if _, err := io.CopyN(up, client, n-4); err != nil {
		return
	}
	for {
		if _, err := io.ReadFull(client, hdr[:]); err != nil {
			return
		}
		c.add(hdr[0])
		up.Write(hdr[:])
		if _, err := io.CopyN(up, client, int64(binary.BigEndian.Uint32(hdr[1:]))-4); err != nil {
			return
		}
	}
}

// TestAppendRoundTrips counts the round trips of appends one after
// another (a group of one each): two, as pipelined batches — begin, the
// talk's members, its lock and the party's key; then the insert with the
// head's move and the notification, and commit. Through database/sql, one
// statement per round trip, it was six. Statements are prepared once per
// connection and never deallocated: database/sql's prepared statements,
// over pgxpool, were prepared again in every transaction and deallocated
// at its end, two round trips more per group.
func TestAppendRoundTrips(t *testing.T) {
	url, counter := countingProxy(t, cluster.NewDatabase(t))
	db := postgres.NewDB(url)
	db.Secret = storetest.Secret
	if err := db.Open(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	_, head := seedParty(t, db)
	as := parley.NewContextWithUser(t.Context(), head)
	talk := seedTalks(t, db, head, 1)[0]
	appendOne := func(i int) {
		payload, _ := json.Marshal(map[string]string{"text": fmt.Sprint(i)})
		if _, err := db.AppendEvent(as, talk, parley.EventInput{Type: "statement", Payload: payload}); err != nil {
			t.Fatal(err)
		}
	}
	appendOne(0) // the connection prepares its statements
	counter.take()
	const appends = 20
	for i := range appends {
		appendOne(i + 1)
	}
	n := counter.take()
	trips := n['S'] + n['Q']
	t.Logf("%d appends: %d round trips (%d Sync, %d Query), %d Parse, %d Close", appends, trips, n['S'], n['Q'], n['P'], n['C'])
	if n['C'] > 0 {
		t.Errorf("%d statements closed during %d appends, want none: prepared statements are to be kept", n['C'], appends)
	}
	if trips > 2*appends {
		t.Errorf("%d appends took %d round trips, want at most 2 each", appends, trips)
	}
}
