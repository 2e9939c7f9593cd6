package app

import (
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"parley"
)

// writeLimits holds one token bucket per user for unsafe requests. The
// buckets are golang.org/x/time/rate's: a well-tested limiter whose
// Reserve/Delay arithmetic gives an exact Retry-After, rather than another
// hand-rolled counter.
type writeLimits struct {
	mu    sync.Mutex
	rate  rate.Limit
	burst int
	users map[int64]*userBucket
}

type userBucket struct {
	lim *rate.Limiter
}

func newWriteLimits(perSecond float64, burst int) *writeLimits {
	return &writeLimits{rate: rate.Limit(perSecond), burst: max(1, burst), users: map[int64]*userBucket{}}
}

// allow takes a token from user's bucket at now, or returns how long to
// wait for one.
func (l *writeLimits) allow(user int64, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.users[user]
	if b == nil {
		if len(l.users) > 10000 {
			// A full bucket is the same as no bucket: drop those.
			for id, ub := range l.users {
				if ub.lim.TokensAt(now) >= float64(l.burst) {
					delete(l.users, id)
				}
			}
		}
		b = &userBucket{lim: rate.NewLimiter(l.rate, l.burst)}
		l.users[user] = b
	}
	if b.lim.AllowN(now, 1) {
		return 0
	}
	r := b.lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	r.CancelAt(now)
	if d <= 0 {
		d = time.Second
	}
	return d
}

// limitWrites refuses a signed-in user's unsafe request with 429 when the
// user has written faster than WriteRate (after a burst of WriteBurst).
// Reads, sign-in and anonymous requests are not counted here.
func (a *App) limitWrites(w http.ResponseWriter, r *http.Request) bool {
	u := parley.UserFromContext(r.Context())
	if u == nil || safeMethod(r.Method) || a.WriteRate <= 0 {
		return true
	}
	a.writersOnce.Do(func() { a.writers = newWriteLimits(a.WriteRate, a.WriteBurst) })
	if d := a.writers.allow(u.ID, a.Now()); d > 0 {
		a.Error(w, r, &errTooMany{retry: d, msg: "you are making changes faster than this server allows; wait a moment and try again"})
		return false
	}
	return true
}
