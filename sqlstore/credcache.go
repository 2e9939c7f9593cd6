package sqlstore

import (
	"context"
	"sync"
	"time"

	"parley"
)

// credCacheTTL bounds how long a credential and its user are trusted
// without reading them again, whatever the notifications say: should a
// notification of a change ever be missed (a connection that died
// silently), a revoked token still stops working within this time.
const credCacheTTL = 5 * time.Second

// credCacheMax bounds the entries; when full, the cache starts again.
const credCacheMax = 10000

// credCache keeps what FindCredentialUser read, so that a request need not
// read its credential and user again for every request: on PostgreSQL
// that query was a third of the statements of an append and a fifth of a
// node's CPU. It is used only while the store hears of every change to
// credentials and users, on every node (CacheCredentials: PostgreSQL's
// notifications, while its listening connection is up). Every change
// clears it: on the node that made it once committed, and on every node
// when its notification arrives. A lookup that began before a clear does
// not store what it read (the generation moved), so nothing older than the
// last change is kept.
type credCache struct {
	mu      sync.Mutex
	on      bool
	gen     uint64
	entries map[string]credEntry
}

type credEntry struct {
	c  parley.Credential
	u  parley.User
	at time.Time
}

// get returns the cached credential and user for hash, if fresh; otherwise
// the generation to pass to put.
func (cc *credCache) get(hash []byte, now time.Time) (*parley.Credential, *parley.User, uint64, bool) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if !cc.on {
		return nil, nil, cc.gen, false
	}
	e, ok := cc.entries[string(hash)]
	if !ok || now.Sub(e.at) >= credCacheTTL || now.Before(e.at) || (!e.c.ExpiresAt.IsZero() && !e.c.ExpiresAt.After(now)) {
		return nil, nil, cc.gen, false
	}
	c, u := e.c, e.u
	return &c, &u, 0, true
}

// put keeps c and u if nothing changed since the lookup of generation gen
// began.
func (cc *credCache) put(gen uint64, c *parley.Credential, u *parley.User, now time.Time) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if !cc.on || gen != cc.gen {
		return
	}
	if cc.entries == nil || len(cc.entries) >= credCacheMax {
		cc.entries = map[string]credEntry{}
	}
	cc.entries[string(c.Hash)] = credEntry{c: *c, u: *u, at: now}
}

// clear forgets everything; with turn set, it also turns the cache on or
// off. One step under the lock: a change heard while the cache is being
// turned off must not turn it back on.
func (cc *credCache) clear(turn, on bool) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.gen++
	if turn {
		cc.on = on
	}
	cc.entries = nil
}

// CacheCredentials turns the credential cache on, for a store that from
// now on hears of every change to credentials and users made by any node
// (CredentialsChanged), or off when it may no longer: a PostgreSQL store's
// listening connection was lost.
func (db *DB) CacheCredentials(on bool) { db.creds.clear(true, on) }

// CredentialsChanged clears the credential cache: another node (or this
// one) changed a credential or a user.
func (db *DB) CredentialsChanged() { db.creds.clear(false, false) }

// credentialsChanged is called inside every transaction that deletes
// credentials or changes users: it announces the change to every node
// (where the dialect can) and clears this node's cache once committed.
func (db *DB) credentialsChanged(ctx context.Context, tx *tx) error {
	if db.dialect.NotifyCredentials != "" {
		if _, err := tx.ExecContext(ctx, db.dialect.NotifyCredentials); err != nil {
			return err
		}
	}
	tx.onCommit(db.CredentialsChanged)
	return nil
}
