package sqlstore

import (
	"testing"
	"time"

	"parley"
)

// TestCredCacheRace: a lookup that began before a change does not keep
// what it read, which may be from before the change.
func TestCredCacheRace(t *testing.T) {
	var cc credCache
	now := time.Now()
	c := &parley.Credential{ID: 1, Hash: []byte("h")}
	u := &parley.User{ID: 2, Name: "u"}
	if _, _, _, ok := cc.get(c.Hash, now); ok {
		t.Fatal("a cache never turned on answered")
	}
	_, _, gen, _ := cc.get(c.Hash, now)
	cc.put(gen, c, u, now)
	if _, _, _, ok := cc.get(c.Hash, now); ok {
		t.Fatal("a cache turned off kept an entry")
	}
	cc.clear(true, true)
	_, _, gen, _ = cc.get(c.Hash, now)
	cc.clear(true, true) // a change committed while the lookup read
	cc.put(gen, c, u, now)
	if _, _, _, ok := cc.get(c.Hash, now); ok {
		t.Fatal("kept what a lookup read before a change")
	}
	_, _, gen, _ = cc.get(c.Hash, now)
	cc.put(gen, c, u, now)
	gc, gu, _, ok := cc.get(c.Hash, now.Add(time.Second))
	if !ok || gc.ID != 1 || gu.Name != "u" {
		t.Fatalf("got %+v, %+v, %v; want the entry", gc, gu, ok)
	}
	gu.Name = "changed by a caller"
	if _, gu, _, _ := cc.get(c.Hash, now); gu.Name != "u" {
		t.Fatal("a caller's change reached the cache")
	}
	if _, _, _, ok := cc.get(c.Hash, now.Add(credCacheTTL)); ok {
		t.Fatal("an entry outlived the time limit")
	}
	cc.clear(true, false)
	cc.clear(false, false) // a change heard after the cache was turned off
	_, _, gen, _ = cc.get(c.Hash, now)
	cc.put(gen, c, u, now)
	if _, _, _, ok := cc.get(c.Hash, now); ok {
		t.Fatal("a change heard after the cache was turned off turned it back on")
	}
	cc.clear(true, true)
	_, _, gen, _ = cc.get(c.Hash, now)
	exp := &parley.Credential{ID: 3, Hash: []byte("e"), ExpiresAt: now.Add(time.Minute)}
	cc.put(gen, exp, u, now)
	if _, _, _, ok := cc.get(exp.Hash, now.Add(time.Minute)); ok {
		t.Fatal("an expired session was still accepted")
	}
}
