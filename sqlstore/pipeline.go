package sqlstore

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"fmt"
	"slices"

	"parley"
)

// Rows are the rows of a statement; *sql.Rows is one.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// Stmt is a statement of a batch; Scan, when set, reads its rows.
type Stmt struct {
	SQL  string
	Args []any
	Scan func(Rows) error
}

// BatchTx is a transaction whose statements reach the database a batch at
// a time, each batch in one round trip (PostgreSQL's pipeline mode).
type BatchTx interface {
	// Send runs stmts in order in the transaction, which the first Send
	// begins, and commits after them if commit is set. An error leaves
	// nothing committed unless it came from the commit itself.
	Send(ctx context.Context, stmts []Stmt, commit bool) error
	// Close rolls back what was not committed and lets the connection go.
	Close()
}

// pipelinable reports whether appendPipelined can append rs: no private
// append (their chains are locked one by one, before the talks), and every
// key one a batch can read.
func (db *DB) pipelinable(rs []*appendReq) bool {
	db.mu.Lock()
	serverKey := db.serverKey != nil || len(db.cfg.Secret) == 0
	db.mu.Unlock()
	for _, r := range rs {
		if r.in.PrivateTo != 0 || (r.u.PartyID == 0 && !serverKey) {
			return false
		}
	}
	return true
}

// qLockTalksArray locks the talks of the array $1, in ascending order, and
// returns their heads (as lockTalks).
const qLockTalksArray = `SELECT id, last_seq, last_hash FROM talks WHERE id = ANY(CAST($1 AS BIGINT[])) ORDER BY id FOR NO KEY UPDATE`

// qPartyKeysArray reads the keys of the parties of the array $1.
const qPartyKeysArray = `SELECT party_id, public_key, sealed_private, created_at FROM party_keys WHERE party_id = ANY(CAST($1 AS BIGINT[]))`

// appendPipelined is appendBatch in two round trips, for dialects with
// Batches. The first begins the transaction, locks the group's talks (in
// ascending order), then reads their members and the parties' keys: read
// after the locks, the members are those every append of the transaction
// is checked against, since a change of members appends to the talk and so
// waits for its lock. Appends that came while the locks were awaited join
// the group if their talks are among those locked and their keys were
// read (a talk's appends still sealed in the order they came); the others
// are returned, for the next group. The appends the rule allows are
// sealed; the second round trip inserts them, moves the heads, notifies
// and commits. Every talk of the group is locked, even one whose appends
// the rule then refuses. Where appendBatch takes six round trips, the
// talks' locks are held over one, and the commit; and a node appending to
// a talk the other node holds gathers what comes meanwhile into the same
// commit.
func (db *DB) appendPipelined(ctx context.Context, rs []*appendReq) (joined, carry []*appendReq, err error) {
	ids := talkIDs(rs)
	var parties []int64
	read := map[int64]bool{}
	for _, r := range rs {
		if p := r.u.PartyID; p != 0 && !read[p] {
			read[p] = true
			parties = append(parties, p)
		}
	}
	bt, err := db.dialect.Batches(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer bt.Close()
	var talks map[int64]*parley.Talk
	var heads map[int64]*head
	keys := map[int64]*parley.PartyKey{}
	err = bt.Send(ctx, []Stmt{
		{SQL: qLockTalksArray, Args: []any{ids}, Scan: func(rows Rows) (err error) {
			heads, err = scanHeads(rows)
			return err
		}},
		{SQL: qTalkMembersArray, Args: []any{ids}, Scan: func(rows Rows) (err error) {
			talks, err = scanTalkMembers(rows)
			return err
		}},
		{SQL: qPartyKeysArray, Args: []any{parties}, Scan: func(rows Rows) error {
			for rows.Next() {
				k := &parley.PartyKey{}
				var pub []byte
				var created int64
				if err := rows.Scan(&k.PartyID, &pub, &k.SealedPrivate, &created); err != nil {
					return err
				}
				k.Public, k.CreatedAt = pub, fromMicros(created)
				if len(k.SealedPrivate) == 0 {
					k.SealedPrivate = nil
				}
				keys[k.PartyID] = k
			}
			return rows.Err()
		}},
	}, false)
	if err != nil {
		return nil, nil, fmt.Errorf("lock talks: %w", err)
	}
gather:
	for len(rs)+len(joined) < maxGroup {
		select {
		case r := <-db.appends:
			if r.ctx.Err() == nil && heads[r.talkID] != nil && db.pipelinable([]*appendReq{r}) && (r.u.PartyID == 0 || read[r.u.PartyID]) {
				joined = append(joined, r)
			} else {
				carry = append(carry, r)
			}
		default:
			break gather
		}
	}
	all := append(slices.Clip(rs), joined...)
	slices.SortStableFunc(all, func(a, b *appendReq) int { return cmp.Compare(a.talkID, b.talkID) })
	shared, _, locked := sortOut(all, talks)
	if len(shared) == 0 {
		return joined, carry, nil
	}
	notes, err := db.seal(shared, heads, func(party int64) (ed25519.PrivateKey, error) {
		if party == 0 {
			db.mu.Lock()
			defer db.mu.Unlock()
			return db.serverKey, nil
		}
		return db.privateKey(keys[party])
	})
	if err != nil {
		return joined, carry, err
	}
	q, args := db.groupInsert(shared, locked, heads, notes)
	if err := bt.Send(ctx, []Stmt{{SQL: q, Args: args}}, true); err != nil {
		return joined, carry, fmt.Errorf("insert events: %w", err)
	}
	return joined, carry, nil
}
