package postgres_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parley"
	"parley/postgres"
	"parley/storetest"
)

// BenchmarkAppendTwoNodes appends events through two stores ("nodes")
// sharing one PostgreSQL database, clients spread over both, to one talk
// and to a talk per client; it reports appends/s in aggregate and the p99
// latency of one append. The throwaway cluster runs with fsync=off, so this
// measures round trips and locking, not the disk (scripts/load.sh measures
// the disk too).
//
//	go test ./postgres -run '^$' -bench AppendTwoNodes -benchtime 5s
func BenchmarkAppendTwoNodes(b *testing.B) {
	for _, clients := range []int{16, 64} {
		for _, talks := range []string{"one", "many"} {
			b.Run(fmt.Sprintf("clients=%d/talks=%s", clients, talks), func(b *testing.B) {
				benchmarkAppend(b, 2, clients, talks == "many")
			})
		}
	}
}

// BenchmarkAppendOneNode is BenchmarkAppendTwoNodes with one node, a talk
// per client: what a second node adds when talks differ.
//
//	go test ./postgres -run '^$' -bench 'Append(One|Two)Node' -benchtime 3s
func BenchmarkAppendOneNode(b *testing.B) {
	for _, clients := range []int{16, 64} {
		b.Run(fmt.Sprintf("clients=%d/talks=many", clients), func(b *testing.B) {
			benchmarkAppend(b, 1, clients, true)
		})
	}
}

func benchmarkAppend(b *testing.B, nodes, clients int, manyTalks bool) {
	ctx := b.Context()
	url := cluster.NewDatabase(b)
	var dbs []*postgres.DB
	for range nodes {
		db := postgres.NewDB(url)
		db.Secret = storetest.Secret
		if err := db.Open(ctx); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	db := dbs[0]
	_, head := seedParty(b, db)
	as := parley.NewContextWithUser(ctx, head)
	ntalks := 1
	if manyTalks {
		ntalks = clients
	}
	talks := seedTalks(b, db, head, ntalks)
	payload, _ := json.Marshal(map[string]string{"text": "load test statement"})
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism((clients + 1) / 2) // GOMAXPROCS is 2 here
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(1) - 1)
		node, talk := dbs[i%nodes], talks[i%len(talks)]
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			if _, err := node.AppendEvent(as, talk, parley.EventInput{Type: "statement", Payload: payload}); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "appends/s")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
	// The chains are whole: no fork, nothing acknowledged lost.
	var events int
	for _, id := range talks {
		{
			r, err := db.Record(as, id)
			if err != nil {
				b.Fatal(err)
			}
			if err := parley.Verify(r); err != nil {
				b.Fatal(err)
			}
			events += len(r.Events) - 1 // talk.created
		}
	}
	if events != len(lat) {
		b.Fatalf("%d events recorded, %d appends acknowledged", events, len(lat))
	}
}
