package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// This file guards sign-in: attempts are counted before any password is
// checked, password hashing runs a bounded number at a time, and a known
// device keeps its own count so that a stranger guessing at an account does
// not lock its owner out (OWASP, "Slow Down Online Guessing Attacks with
// Device Cookies").

// DeviceCookie names the cookie that marks a browser or client that has
// signed in to an account before.
const DeviceCookie = "parley_device"

// attempts counts sign-in attempts per key within a window. An attempt is
// reserved before its password is checked, so that parallel guesses cannot
// all pass the check before any of them is counted; a successful attempt
// gives its reservation back.
type attempts struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	byKey  map[string][]time.Time
}

func newAttempts(max int, window time.Duration) *attempts {
	return &attempts{max: max, window: window, byKey: map[string][]time.Time{}}
}

// prune drops attempts older than the window; the caller holds mu.
func (a *attempts) prune(key string, now time.Time) []time.Time {
	ts := a.byKey[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= a.window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(a.byKey, key)
		return nil
	}
	a.byKey[key] = ts
	return ts
}

// wait returns how long key must wait before its next attempt, or 0; the
// caller holds mu.
func (a *attempts) wait(key string, now time.Time) time.Duration {
	ts := a.prune(key, now)
	if len(ts) < a.max {
		return 0
	}
	return a.window - now.Sub(ts[len(ts)-a.max])
}

// add counts an attempt at now; the caller holds mu.
func (a *attempts) add(key string, now time.Time) {
	if len(a.byKey) > 100000 {
		// Bounded memory: forget keys whose attempts have all expired first.
		for k := range a.byKey {
			a.prune(k, now)
		}
		if len(a.byKey) > 100000 {
			clear(a.byKey)
		}
	}
	a.byKey[key] = append(a.byKey[key], now)
}

// remove gives back one attempt made at at; the caller holds mu.
func (a *attempts) remove(key string, at time.Time) {
	ts := a.byKey[key]
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].Equal(at) {
			a.byKey[key] = append(ts[:i:i], ts[i+1:]...)
			break
		}
	}
	if len(a.byKey[key]) == 0 {
		delete(a.byKey, key)
	}
}

// reset forgets key's attempts.
func (a *attempts) reset(key string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.byKey, key)
}

// limit is one counter an attempt is charged to.
type limit struct {
	a   *attempts
	key string
}

// reserve charges an attempt at now to every limit, or to none and returns
// how long to wait when one of them is used up. Limits are locked in a fixed
// order, so concurrent reservations cannot deadlock.
func reserve(now time.Time, ls ...limit) time.Duration {
	for _, l := range ls {
		l.a.mu.Lock()
	}
	defer func() {
		for _, l := range ls {
			l.a.mu.Unlock()
		}
	}()
	for _, l := range ls {
		if d := l.a.wait(l.key, now); d > 0 {
			return d
		}
	}
	for _, l := range ls {
		l.a.add(l.key, now)
	}
	return 0
}

// unreserve gives back attempts reserved at now.
func unreserve(now time.Time, ls ...limit) {
	for _, l := range ls {
		l.a.mu.Lock()
		l.a.remove(l.key, now)
		l.a.mu.Unlock()
	}
}

// HashGate bounds how many password hashes are computed at once (each
// Argon2id hash takes 19 MiB) and how many sign-ins may wait for a turn.
type HashGate struct {
	slots   chan struct{}
	waiters chan struct{}
	wait    time.Duration
}

// NewHashGate returns a gate of slots hashes at once, behind which queue
// sign-ins may wait up to wait for a turn; further ones are refused at once
// with 429.
func NewHashGate(slots, queue int, wait time.Duration) *HashGate {
	return &HashGate{slots: make(chan struct{}, max(1, slots)), waiters: make(chan struct{}, max(0, queue)), wait: wait}
}

// tryAcquire takes a hashing slot, waiting at most g.wait behind at most
// cap(g.waiters) others; it reports false at once when the queue is full.
func (g *HashGate) tryAcquire(ctx context.Context) bool {
	select {
	case g.slots <- struct{}{}:
		return true
	default:
	}
	select {
	case g.waiters <- struct{}{}:
	default:
		return false
	}
	defer func() { <-g.waiters }()
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

// Acquire takes a hashing slot, waiting as long as ctx allows: for signed-in
// work (changing a password, creating users), which is not a flood risk.
func (g *HashGate) Acquire(ctx context.Context) error {
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Release gives back a slot taken by Acquire.
func (g *HashGate) Release() { <-g.slots }

// deviceMAC authenticates a device cookie's account name and nonce.
func (a *App) deviceMAC(name, nonce string) []byte {
	m := hmac.New(sha256.New, a.Secret)
	m.Write([]byte("device\x00"))
	m.Write([]byte(strings.ToLower(name)))
	m.Write([]byte{0})
	m.Write([]byte(nonce))
	return m.Sum(nil)
}

// knownDevice returns the nonce of the request's device cookie when the
// cookie was issued by this server for account name, or "".
func (a *App) knownDevice(r *http.Request, name string) string {
	for _, c := range r.CookiesNamed(DeviceCookie) {
		raw, err := base64.RawURLEncoding.DecodeString(c.Value)
		if err != nil {
			continue
		}
		cname, rest, ok := strings.Cut(string(raw), "\x00")
		nonce, mac, ok2 := strings.Cut(rest, "\x00")
		if !ok || !ok2 || !strings.EqualFold(cname, name) {
			continue
		}
		if hmac.Equal([]byte(mac), a.deviceMAC(cname, nonce)) {
			return nonce
		}
	}
	return ""
}

// setDeviceCookie marks the client as a known device for account name.
func (a *App) setDeviceCookie(w http.ResponseWriter, r *http.Request, name string) {
	nonce := rand.Text()
	v := base64.RawURLEncoding.EncodeToString([]byte(strings.ToLower(name) + "\x00" + nonce + "\x00" + string(a.deviceMAC(name, nonce))))
	http.SetCookie(w, &http.Cookie{Name: DeviceCookie, Value: v, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: a.SecureCookies || r.TLS != nil, MaxAge: int((365 * 24 * time.Hour).Seconds())})
}

// clientAddr is the request's remote address without its port.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
