package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parley/api"
	"parley/app"
	"parley/sqlite"
)

// BenchmarkParallelSignIn sends 1,000 sign-ins at once (wrong passwords for
// 1,000 different names, from one address whose limit is lifted) and
// reports the peak heap: the hash gate keeps it near one hash slot per CPU × 19 MiB
// however many arrive, where each sign-in used to take its own 19 MiB.
//
//	go test ./api -run '^$' -bench ParallelSignIn -benchtime 3x
func BenchmarkParallelSignIn(b *testing.B) {
	db := sqlite.NewDB(filepath.Join(b.TempDir(), "p.db"))
	if err := db.Open(b.Context()); err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	s := api.NewServer(app.New())
	s.Users, s.Parties, s.Talks, s.Credentials, s.Idempotency = db, db, db, db, db
	s.Secret, s.Logger = secret, discardLogger()
	s.AddressLimit = 1 << 30
	if _, err := s.Open(b.Context()); err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	s.Register(mux)
	srv := httptest.NewServer(s.Middleware(mux))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1000}}
	const n = 1000
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	var refused, failed, other atomic.Int64
	b.ResetTimer()
	for i := range b.N {
		var wg sync.WaitGroup
		for j := range n {
			wg.Go(func() {
				body := fmt.Sprintf(`{"name":"ghost-%d-%d","password":"guess-guess"}`, i, j)
				resp, err := client.Post(srv.URL+"/api/v1/session", "application/json", bytes.NewReader([]byte(body)))
				if err != nil {
					other.Add(1)
					return
				}
				resp.Body.Close()
				switch resp.StatusCode {
				case 429:
					refused.Add(1)
				case 401:
					failed.Add(1)
				default:
					other.Add(1)
				}
			})
		}
		wg.Wait()
	}
	b.StopTimer()
	close(stop)
	<-sampled
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(failed.Load())/float64(b.N), "checked/op")
	b.ReportMetric(float64(refused.Load())/float64(b.N), "refused-429/op")
	if other.Load() > 0 {
		b.Errorf("%d sign-ins neither checked nor refused", other.Load())
	}
	b.Logf("GOMAXPROCS %d, as many hash slots", runtime.GOMAXPROCS(0))
}
