package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"parley/postgres/postgrestest"
)

// subscribe opens n live streams of talk 1 on base as token and returns a
// channel receiving (seq, arrival time) for every event any of them sees.
func subscribe(b testing.TB, ctx context.Context, base, token string, n int, after int64) (<-chan arrival, *sync.WaitGroup) {
	b.Helper()
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: n}}
	ch := make(chan arrival, n*64)
	var ready sync.WaitGroup
	for range n {
		ready.Add(1)
		go func() {
			req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/v1/talks/1/events?after=%d", base, after), nil)
			req.Header.Set("Accept", "text/event-stream")
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			ready.Done()
			if err != nil {
				b.Errorf("open stream: %v", err)
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
				b.Errorf("open stream: %s %s", resp.Status, body)
				return
			}
			sc := bufio.NewScanner(resp.Body)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
					// A party's delegate gets "shared-private" ids.
					shared, _, _ := strings.Cut(id, "-")
					seq, err := strconv.ParseInt(shared, 10, 64)
					if err != nil {
						b.Errorf("stream event id %q: %v", id, err)
						return
					}
					select {
					case ch <- arrival{seq, time.Now()}:
					case <-ctx.Done():
						return
					}
				}
			}
		}()
	}
	return ch, &ready
}

type arrival struct {
	seq int64
	at  time.Time
}

// measure posts events to talk 1 through post's base and reports the p50 and
// p99 latency until each has reached all want subscribers.
func measure(b *testing.B, postBase, postToken string, arrivals <-chan arrival, want int, lastSeq int64) {
	sent := map[int64]time.Time{}
	var lat []time.Duration
	got := map[int64]int{}
	b.ResetTimer()
	for range b.N {
		var e struct {
			Seq int64 `json:"seq"`
		}
		start := time.Now()
		if code := call(b, "POST", postBase+"/api/v1/talks/1/events", postToken, map[string]any{"type": "statement", "payload": map[string]string{"text": "load"}}, &e); code != 201 {
			b.Fatalf("append: %d", code)
		}
		sent[e.Seq] = start
		deadline := time.After(10 * time.Second)
		for got[e.Seq] < want {
			select {
			case a := <-arrivals:
				if t0, ok := sent[a.seq]; ok {
					got[a.seq]++
					lat = append(lat, a.at.Sub(t0))
				}
			case <-deadline:
				b.Fatalf("event %d reached %d of %d subscribers", e.Seq, got[e.Seq], want)
			}
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

func lastSeq(b testing.TB, base, token string) int64 {
	var t struct {
		LastSeq int64 `json:"last_seq"`
	}
	call(b, "GET", base+"/api/v1/talks/1", token, nil, &t)
	return t.LastSeq
}

// BenchmarkFanout1000 measures how long one event takes to reach 1,000 live
// subscribers of its talk (SQLite, one node).
func BenchmarkFanout1000(b *testing.B) {
	const subs = 1000
	// One test address opens every stream and writes every event: no caps.
	s := startServer(b, nil, "--demo", "--max-conns-per-addr", "0", "--write-rate", "0")
	pw := demoPasswords(b, s.out.String())
	ru, us := login(b, s.url, "ru-head", pw["ru-head"]), login(b, s.url, "us-head", pw["us-head"])
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	last := lastSeq(b, s.url, ru)
	arrivals, ready := subscribe(b, ctx, s.url, ru, subs, last)
	ready.Wait()
	time.Sleep(time.Second) // let every stream reach its wait
	measure(b, s.url, us, arrivals, subs, last)
}

// BenchmarkCrossNode measures how long an event written on node A takes to
// reach a live subscriber on node B, two nodes sharing PostgreSQL.
func BenchmarkCrossNode(b *testing.B) {
	cluster := postgrestest.Start()
	defer cluster.Stop()
	env := map[string]string{"PARLEY_DATABASE_URL": cluster.NewDatabase(b), "PARLEY_SECRET": "shared-secret-of-the-cluster",
		"PARLEY_MAX_CONNS_PER_ADDR": "0", "PARLEY_WRITE_RATE": "0"}
	a := startServer(b, env, "--data", b.TempDir(), "--demo")
	pw := demoPasswords(b, a.out.String())
	nb := startServer(b, env, "--data", b.TempDir())
	ru, us := login(b, nb.url, "ru-head", pw["ru-head"]), login(b, a.url, "us-head", pw["us-head"])
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	last := lastSeq(b, nb.url, ru)
	arrivals, ready := subscribe(b, ctx, nb.url, ru, 1, last)
	ready.Wait()
	time.Sleep(300 * time.Millisecond)
	measure(b, a.url, us, arrivals, 1, last)
}
