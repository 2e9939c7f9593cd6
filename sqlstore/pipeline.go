package sqlstore

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"time"

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
	// Abandon closes the connection, after a Send failed: the database
	// rolls back a transaction still open on it once it sees it closed.
	Abandon()
	// Close rolls back what was not committed and lets the connection go.
	Close()
}

// errOutcomeUnknown is a group commit whose commit failed without the
// database telling whether it took effect: its appends must not be tried
// again, which could append them twice.
var errOutcomeUnknown = parley.Errorf(parley.EUNAVAILABLE, "the connection to the database was lost while the event was being committed, and whether it was cannot be told now: look for it in the talk's record before sending it again, or send it again with the same Idempotency-Key")

// outcome returns what a group commit whose commit failed with err
// amounts to: nil if transaction xid committed all the same (the
// connection broke after the commit reached the database, say), err if it
// did not (its appends may be tried again), errOutcomeUnknown if the
// database cannot tell within 10 s (they must not be: that could append
// them twice). Without a transaction id (SQLite) a failed commit committed
// nothing.
func (db *DB) outcome(ctx context.Context, xid string, err error) error {
	if xid == "" || db.dialect.TxStatus == "" {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for {
		var status sql.NullString
		if qerr := db.read.QueryRowContext(ctx, db.dialect.TxStatus, xid).Scan(&status); qerr != nil {
			return fmt.Errorf("%w (%v; then, asking what became of transaction %s: %v)", errOutcomeUnknown, err, xid, qerr)
		}
		switch status.String {
		case "committed":
			return nil
		case "aborted":
			return err
		case "in progress": // not yet rolled back or committed
		default:
			return fmt.Errorf("%w (%v; transaction %s is too old to tell)", errOutcomeUnknown, err, xid)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (%v; transaction %s still in progress)", errOutcomeUnknown, err, xid)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// pipelinable reports whether appendPipelined can append r: not a private
// append (their chains are locked one by one, before the talks), and its
// key one a batch can read.
func (db *DB) pipelinable(r *appendReq) bool {
	if r.in.PrivateTo != 0 {
		return false
	}
	if r.u.PartyID != 0 {
		return true
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.serverKey != nil || len(db.cfg.Secret) == 0
}

// qLockTalksArray locks the talks of the array $1, in ascending order, and
// returns their heads (as lockTalks).
const qLockTalksArray = `SELECT id, last_seq, last_hash FROM talks WHERE id = ANY(CAST($1 AS BIGINT[])) ORDER BY id FOR NO KEY UPDATE`

// qLockFreeTalksArray locks those talks of the array $1 that no other
// transaction holds and returns their heads. It never waits, so it may
// come after other talks' locks whatever their order.
const qLockFreeTalksArray = `SELECT id, last_seq, last_hash FROM talks WHERE id = ANY(CAST($1 AS BIGINT[])) ORDER BY id FOR NO KEY UPDATE SKIP LOCKED`

// qPartyKeysArray reads the keys of the parties of the array $1.
const qPartyKeysArray = `SELECT party_id, public_key, sealed_private, created_at FROM party_keys WHERE party_id = ANY(CAST($1 AS BIGINT[]))`

// pipeGroup is what a pipelined group commit has locked and read.
type pipeGroup struct {
	heads map[int64]*head        // of the talks locked
	talks map[int64]*parley.Talk // their members
	keys  map[int64]*parley.PartyKey
	read  map[int64]bool // parties whose keys were read (they may have none)
}

// lock sends, in one round trip, lock (qLockTalksArray or
// qLockFreeTalksArray) for the talks ids, then reads their members and
// the keys of parties: read after the locks, the members are those every
// append of the transaction is checked against, since a change of members
// appends to the talk and so waits for its lock.
func (g *pipeGroup) lock(ctx context.Context, bt BatchTx, lock string, ids, parties []int64, first ...Stmt) error {
	for _, p := range parties {
		g.read[p] = true
	}
	return bt.Send(ctx, append(first, []Stmt{
		{SQL: lock, Args: []any{ids}, Scan: func(rows Rows) error {
			heads, err := scanHeads(rows)
			maps.Copy(g.heads, heads)
			return err
		}},
		{SQL: qTalkMembersArray, Args: []any{ids}, Scan: func(rows Rows) error {
			talks, err := scanTalkMembers(rows)
			maps.Copy(g.talks, talks)
			return err
		}},
		{SQL: qPartyKeysArray, Args: []any{parties}, Scan: func(rows Rows) error {
			for rows.Next() {
				var k partyKeyRow
				if err := rows.Scan(append([]any{&k.k.PartyID}, k.dest()...)...); err != nil {
					return err
				}
				g.keys[k.k.PartyID] = k.key()
			}
			return rows.Err()
		}},
	}...), false)
}

// ready reports whether r can join: its talk locked, its party's key read.
func (g *pipeGroup) ready(r *appendReq) bool {
	return g.heads[r.talkID] != nil && (r.u.PartyID == 0 || g.read[r.u.PartyID])
}

// unread returns the parties of rs whose keys were not read, once each.
func (g *pipeGroup) unread(rs []*appendReq) []int64 {
	var ps []int64
	for _, r := range rs {
		if p := r.u.PartyID; p != 0 && !g.read[p] && !slices.Contains(ps, p) {
			ps = append(ps, p)
		}
	}
	return ps
}

// appendPipelined is appendBatch in few round trips, for dialects with
// Batches. The first begins the transaction, locks the group's talks (in
// ascending order, waiting for other nodes' groups), and reads their
// members and the parties' keys (pipeGroup.lock). Appends that came
// meanwhile join the group: at once if their talks are among those locked
// and their keys were read; otherwise one more round trip locks those of
// their talks that no one holds (never waiting, so no deadlock whatever the
// order) and reads what is missing, and those that can then join do. The
// others are returned, for the next group; a talk's appends keep the order
// they came in. The appends the rule allows are sealed; the last round
// trip inserts them, moves the heads, notifies and commits. Every talk of
// the group is locked, even one whose appends the rule then refuses. Where
// appendBatch takes six round trips, the talks' locks are held over one or
// two, and the commit; and a node appending to talks the other node holds
// gathers what comes meanwhile into the same commit.
func (db *DB) appendPipelined(ctx context.Context, rs []*appendReq) (joined, carry []*appendReq, err error) {
	bt, err := db.dialect.Batches(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer bt.Close()
	g := &pipeGroup{heads: map[int64]*head{}, talks: map[int64]*parley.Talk{}, keys: map[int64]*parley.PartyKey{}, read: map[int64]bool{}}
	// The transaction's id, to ask what became of it if its commit fails.
	var xid string
	var first []Stmt
	if db.dialect.TxID != "" {
		first = append(first, Stmt{SQL: db.dialect.TxID, Scan: func(rows Rows) error {
			for rows.Next() {
				if err := rows.Scan(&xid); err != nil {
					return err
				}
			}
			return rows.Err()
		}})
	}
	if err := g.lock(ctx, bt, qLockTalksArray, talkIDs(rs), g.unread(rs), first...); err != nil {
		return nil, nil, fmt.Errorf("lock talks: %w", err)
	}
	// Appends that came meanwhile. A talk with an append pending, or
	// carried to the next group, has its later appends follow it.
	var pending []*appendReq
	const isPending, isCarried = 1, 2
	state := map[int64]int{}
gather:
	for len(rs)+len(joined)+len(pending) < maxGroup {
		select {
		case r := <-db.appends:
			switch {
			case state[r.talkID] == isCarried || r.ctx.Err() != nil || !db.pipelinable(r):
				carry, state[r.talkID] = append(carry, r), isCarried
			case state[r.talkID] == isPending || !g.ready(r):
				pending, state[r.talkID] = append(pending, r), isPending
			default:
				joined = append(joined, r)
			}
		default:
			break gather
		}
	}
	if len(pending) > 0 {
		var free []int64
		for _, r := range pending {
			if g.heads[r.talkID] == nil && !slices.Contains(free, r.talkID) {
				free = append(free, r.talkID)
			}
		}
		slices.Sort(free)
		if err := g.lock(ctx, bt, qLockFreeTalksArray, free, g.unread(pending)); err != nil {
			return joined, append(carry, pending...), fmt.Errorf("lock talks: %w", err)
		}
		for _, r := range pending {
			if state[r.talkID] != isCarried && g.ready(r) {
				joined = append(joined, r)
			} else {
				carry, state[r.talkID] = append(carry, r), isCarried
			}
		}
	}
	all := append(slices.Clip(rs), joined...)
	slices.SortStableFunc(all, func(a, b *appendReq) int { return cmp.Compare(a.talkID, b.talkID) })
	shared, _, locked := sortOut(all, g.talks)
	if len(shared) == 0 {
		return joined, carry, nil
	}
	notes, err := db.seal(shared, g.heads, func(party int64) (ed25519.PrivateKey, error) {
		if party == 0 {
			db.mu.Lock()
			defer db.mu.Unlock()
			return db.serverKey, nil
		}
		return db.privateKey(g.keys[party])
	})
	if err != nil {
		return joined, carry, err
	}
	q, args := db.groupInsert(shared, locked, g.heads, notes)
	if err := bt.Send(ctx, []Stmt{{SQL: q, Args: args}}, true); err != nil {
		bt.Abandon()
		return joined, carry, db.outcome(ctx, xid, fmt.Errorf("insert events: %w", err))
	}
	return joined, carry, nil
}
