package sqlstore

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"parley"
)

// appendReq is one append waiting for a group commit.
type appendReq struct {
	ctx    context.Context
	u      *parley.User
	talkID int64
	in     parley.EventInput
	done   chan struct{}
	e      *parley.Event
	err    error
}

// maxGroup bounds how many appends share one transaction.
const maxGroup = 256

var errClosed = errors.New("store closed")

// appendGrouped queues the append for the group committer and waits for its
// transaction to commit.
func (db *DB) appendGrouped(ctx context.Context, u *parley.User, talkID int64, in parley.EventInput) (*parley.Event, error) {
	db.batchOnce.Do(func() { go db.groupCommitter() })
	r := &appendReq{ctx: ctx, u: u, talkID: talkID, in: in, done: make(chan struct{})}
	var err error
	db.queued.Add(1)
	select {
	case db.appends <- r:
	case <-db.stop:
		err = errClosed
	case <-ctx.Done():
		err = ctx.Err()
	}
	db.queued.Add(-1)
	if err != nil {
		return nil, err
	}
	// Once queued, wait for the outcome even if the caller gives up: the
	// event may be committed, and the caller must not be told otherwise.
	<-r.done
	return r.e, r.err
}

// QueuedAppends returns how many appends wait for a group commit to take
// them.
func (db *DB) QueuedAppends() int { return int(db.queued.Load()) }

// groupCommitter takes whatever appends are waiting, up to maxGroup, and
// commits them in one transaction; while it commits, the next group
// gathers. One committer per node: a group costs the same few statements
// whatever it holds, so fewer, larger groups append more (with two nodes
// on PostgreSQL, one committer each gave 2,692 appends/s to 16 talks where
// four each, by talk, gave 2,171).
func (db *DB) groupCommitter() {
	defer close(db.stopped)
	var carry []*appendReq // came during the last group, could not join it
	for {
		group := carry
		if len(group) == 0 {
			select {
			case r := <-db.appends:
				group = []*appendReq{r}
			case <-db.stop:
				return
			}
		}
	gather:
		for len(group) < maxGroup {
			select {
			case r := <-db.appends:
				group = append(group, r)
			default:
				break gather
			}
		}
		carry = db.commitGroup(group)
	}
}

// commitGroup appends the group in one transaction (see appendBatch and
// appendPipelined). If that transaction fails, none of it is committed and
// each append is tried again alone, so that an append fails only for its
// own reasons. It returns the appends that came meanwhile and could not
// join the group, for the next.
func (db *DB) commitGroup(group []*appendReq) (carry []*appendReq) {
	live := make([]*appendReq, 0, len(group))
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.err = err // the caller left before its turn: do not act for it
			continue
		}
		live = append(live, r)
	}
	// Talks in ascending order, arrival order within a talk: groups of two
	// nodes take talks' locks in one order, so they queue rather than
	// deadlock.
	slices.SortStableFunc(live, func(a, b *appendReq) int { return cmp.Compare(a.talkID, b.talkID) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	var err error
	if db.dialect.Batches != nil && !slices.ContainsFunc(live, func(r *appendReq) bool { return !db.pipelinable(r) }) {
		var joined []*appendReq
		joined, carry, err = db.appendPipelined(ctx, live)
		group, live = append(group, joined...), append(live, joined...)
	} else {
		err = db.appendBatch(ctx, live)
	}
	cancel()
	switch {
	case errors.Is(err, errOutcomeUnknown):
		for _, r := range live {
			r.err = err
		}
	case err != nil:
		for _, r := range live {
			r.e, r.err = db.appendOwn(r.ctx, r.u, r.talkID, r.in)
		}
	}
	for _, r := range group {
		close(r.done)
	}
	if err == nil {
		for _, r := range live {
			if r.err == nil {
				db.published(r.ctx, r.e)
			}
		}
	}
	return carry
}

// appendBatch appends rs, sorted by talk, in one transaction of a few
// statements whatever the number of appends and talks: one reads the
// talks' parties and mediators, and the rule is applied to each append;
// private appends go one by one, each under a savepoint; then one
// statement locks the talks with appends allowed to the shared chain, in
// ascending order, those appends are sealed in order and inserted by one
// statement, and one statement moves the talks' heads. (Free-form appends
// only: no sign-off comes this way.) An append refused by the rule
// gets its error and takes no seq; an error returned means nothing is to be
// committed.
func (db *DB) appendBatch(ctx context.Context, rs []*appendReq) error {
	if len(rs) == 0 {
		return nil
	}
	tx, err := db.beginOwn(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// The transaction's id, to ask what became of it if its commit fails.
	var xid string
	if db.dialect.TxID != "" {
		if err := tx.QueryRowContext(ctx, db.dialect.TxID).Scan(&xid); err != nil {
			return err
		}
	}
	talks, err := findTalkMembers(ctx, tx, talkIDs(rs))
	if err != nil {
		return err
	}
	shared, private, locked := sortOut(rs, talks)
	// Private chains first: a transaction that appends to both (a
	// negotiation's submission) takes the private head's lock, then the
	// talk's, and so must a group, or the two could deadlock.
	for _, r := range private {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT append`); err != nil {
			return err
		}
		r.e, r.err = db.appendPrivate(ctx, tx, r.u, r.talkID, r.in)
		if r.err != nil {
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT append`); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT append`); err != nil {
			return err
		}
	}
	var notes []string
	if len(shared) > 0 {
		heads, err := db.lockTalks(ctx, tx, locked)
		if err != nil {
			return err
		}
		keys := map[int64]ed25519.PrivateKey{}
		notes, err = db.seal(shared, heads, func(party int64) (ed25519.PrivateKey, error) {
			priv, ok := keys[party]
			if !ok {
				if priv, err = db.signer(ctx, tx, party); err != nil {
					return nil, err
				}
				keys[party] = priv
			}
			return priv, nil
		})
		if err != nil {
			return err
		}
		if db.dialect.WriteCTE {
			q, args := db.groupInsert(shared, locked, heads, notes)
			notes = nil
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("insert events: %w", err)
			}
		} else {
			var q strings.Builder
			q.WriteString(qInsertEvents)
			args := make([]any, 0, 13*len(shared))
			for i, r := range shared {
				e := r.e
				if i > 0 {
					q.WriteString(", ")
				}
				values(&q, len(args), 13)
				args = append(args, e.TalkID, e.Seq, micros(e.Time), e.ActorID, e.PartyID, e.Type, e.PrivateTo, []byte(e.Payload), e.PayloadHash, e.PrevHash, e.Hash, e.Signature, e.V)
			}
			if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
				return fmt.Errorf("insert events: %w", err)
			}
			var move strings.Builder
			move.WriteString(`UPDATE talks SET last_seq = v.column2, last_hash = v.column3 FROM (VALUES `)
			hargs := make([]any, 0, 3*len(locked))
			for i, id := range locked {
				if i > 0 {
					move.WriteString(", ")
				}
				n := len(hargs)
				fmt.Fprintf(&move, "(CAST($%d AS BIGINT), CAST($%d AS BIGINT), CAST($%d AS TEXT))", n+1, n+2, n+3)
				hargs = append(hargs, id, heads[id].seq, heads[id].hash)
			}
			move.WriteString(`) AS v WHERE talks.id = v.column1`)
			if _, err := tx.ExecContext(ctx, move.String(), hargs...); err != nil {
				return fmt.Errorf("move heads: %w", err)
			}
		}
	}
	if db.dialect.NotifyEvents != nil && len(notes) > 0 {
		if _, err := tx.ExecContext(ctx, db.dialect.NotifyEvents(1), notes); err != nil {
			return fmt.Errorf("notify: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return db.outcome(ctx, xid, err)
	}
	return nil
}

// talkIDs returns the talks of rs, sorted by talk, once each.
func talkIDs(rs []*appendReq) []int64 {
	var ids []int64
	for _, r := range rs {
		if len(ids) == 0 || ids[len(ids)-1] != r.talkID {
			ids = append(ids, r.talkID)
		}
	}
	return ids
}

// sortOut applies the rule to each append of rs (sorted by talk), given
// the talks' members: a refused append gets its error; the others are
// private or to the shared chain, whose talks, in ascending order, are to
// be locked.
func sortOut(rs []*appendReq, talks map[int64]*parley.Talk) (shared, private []*appendReq, locked []int64) {
	for _, r := range rs {
		t := talks[r.talkID]
		if t == nil {
			r.err = parley.Errorf(parley.ENOTFOUND, "no talk %d", r.talkID)
			continue
		}
		if r.err = checkAppend(r.u, t, r.in); r.err != nil {
			continue
		}
		if r.in.PrivateTo != 0 {
			private = append(private, r)
			continue
		}
		// Refuse a payload that cannot be sealed before taking a seq.
		if r.in.Payload, r.err = parley.CanonicalPayload(r.in.Payload); r.err != nil {
			continue
		}
		shared = append(shared, r)
		if len(locked) == 0 || locked[len(locked)-1] != r.talkID {
			locked = append(locked, r.talkID)
		}
	}
	return shared, private, locked
}

// maxNote bounds a notification's payload: PostgreSQL's limit is 8,000
// bytes.
const maxNote = 7000

// seal seals the shared appends in order on their talks' heads, which it
// moves, signing with key(party); it returns the notifications to send:
// "talk:seq" of each event, separated by spaces, as few as fit.
func (db *DB) seal(shared []*appendReq, heads map[int64]*head, key func(party int64) (ed25519.PrivateKey, error)) ([]string, error) {
	var notes []string
	var note []byte
	for _, r := range shared {
		h := heads[r.talkID]
		if h == nil {
			return nil, fmt.Errorf("talk %d vanished", r.talkID)
		}
		priv, err := key(r.u.PartyID)
		if err != nil {
			return nil, err
		}
		h.seq++
		e := &parley.Event{TalkID: r.talkID, Seq: h.seq, Time: db.now(), ActorID: r.u.ID, PartyID: r.u.PartyID, Type: r.in.Type, Payload: r.in.Payload}
		if err := e.Seal(h.hash, priv); err != nil {
			return nil, err
		}
		h.hash, r.e = e.Hash, e
		if len(note) > maxNote {
			notes, note = append(notes, string(note)), note[:0]
		}
		if len(note) > 0 {
			note = append(note, ' ')
		}
		note = strconv.AppendInt(append(strconv.AppendInt(note, e.TalkID, 10), ':'), e.Seq, 10)
	}
	if len(note) > 0 {
		notes = append(notes, string(note))
	}
	return notes, nil
}

// groupInsert returns the statement that inserts the sealed shared
// appends, moves the locked talks' heads and sends notes, in one round
// trip, which the talks' locks are held over; its text is the same
// whatever the group: prepared once per connection, and planned once
// rather than for every group (WriteCTE dialects).
func (db *DB) groupInsert(shared []*appendReq, locked []int64, heads map[int64]*head, notes []string) (string, []any) {
	var c eventColumns
	for _, r := range shared {
		c.add(r.e)
	}
	var moved headColumns
	for _, id := range locked {
		moved.id, moved.seq, moved.hash = append(moved.id, id), append(moved.seq, heads[id].seq), append(moved.hash, heads[id].hash)
	}
	args := append(c.args(), moved.id, moved.seq, moved.hash)
	notify := "SELECT 1"
	if db.dialect.NotifyEvents != nil {
		notify = db.dialect.NotifyEvents(len(args) + 1)
		args = append(args, notes)
	}
	return qAppendGroupArrays + notify, args
}

// qAppendGroupArrays inserts the events given as one array per column
// ($1–$13) and moves the talks' heads given as arrays of ids, seqs and
// hashes ($14–$16); the notification follows.
const qAppendGroupArrays = `WITH ins AS (INSERT INTO events (talk_id, seq, time, actor_id, party_id, type, private_to, payload, payload_hash, prev_hash, hash, signature, v)
		SELECT * FROM unnest(CAST($1 AS BIGINT[]), CAST($2 AS BIGINT[]), CAST($3 AS BIGINT[]), CAST($4 AS BIGINT[]), CAST($5 AS BIGINT[]),
			CAST($6 AS TEXT[]), CAST($7 AS BIGINT[]), CAST($8 AS BYTEA[]), CAST($9 AS TEXT[]), CAST($10 AS TEXT[]), CAST($11 AS TEXT[]),
			CAST($12 AS BYTEA[]), CAST($13 AS BIGINT[]))),
	heads AS (UPDATE talks SET last_seq = v.seq, last_hash = v.hash
		FROM unnest(CAST($14 AS BIGINT[]), CAST($15 AS BIGINT[]), CAST($16 AS TEXT[])) AS v(id, seq, hash) WHERE talks.id = v.id) `

// eventColumns holds events column by column, for qAppendGroupArrays.
type eventColumns struct {
	talk, seq, time, actor, party, privateTo, v []int64
	typ, payloadHash, prevHash, hash            []string
	payload, signature                          [][]byte
}

func (c *eventColumns) add(e *parley.Event) {
	c.talk, c.seq, c.time = append(c.talk, e.TalkID), append(c.seq, e.Seq), append(c.time, micros(e.Time))
	c.actor, c.party, c.typ = append(c.actor, e.ActorID), append(c.party, e.PartyID), append(c.typ, e.Type)
	c.privateTo, c.payload = append(c.privateTo, e.PrivateTo), append(c.payload, []byte(e.Payload))
	c.payloadHash, c.prevHash, c.hash = append(c.payloadHash, e.PayloadHash), append(c.prevHash, e.PrevHash), append(c.hash, e.Hash)
	c.signature, c.v = append(c.signature, e.Signature), append(c.v, int64(e.V))
}

// args returns the columns in the order of qAppendGroupArrays.
func (c *eventColumns) args() []any {
	return []any{c.talk, c.seq, c.time, c.actor, c.party, c.typ, c.privateTo, c.payload, c.payloadHash, c.prevHash, c.hash, c.signature, c.v}
}

// headColumns holds talks' new heads column by column.
type headColumns struct {
	id, seq []int64
	hash    []string
}

// values writes one "($n+1, …, $n+k)" to q.
func values(q *strings.Builder, n, k int) {
	q.WriteString("(")
	for i := 1; i <= k; i++ {
		if i > 1 {
			q.WriteString(", ")
		}
		q.WriteString("$" + strconv.Itoa(n+i))
	}
	q.WriteString(")")
}

// in returns "($1, …, $n)" and ids as arguments.
func in(ids []int64) (string, []any) {
	var q strings.Builder
	values(&q, 0, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return q.String(), args
}

// findTalkMembers reads, in one statement, what the rule needs of each
// talk of ids (parties and mediators); a talk that does not exist is
// missing from the map.
func findTalkMembers(ctx context.Context, tx *tx, ids []int64) (map[int64]*parley.Talk, error) {
	set, args := in(ids)
	rows, err := tx.QueryContext(ctx, `SELECT id, 0, 0, '', 0 FROM talks WHERE id IN `+set+`
		UNION ALL SELECT talk_id, 1, party_id, standing, accepted FROM talk_parties WHERE talk_id IN `+set+`
		UNION ALL SELECT talk_id, 2, user_id, '', 0 FROM talk_mediators WHERE talk_id IN `+set+`
		ORDER BY 1, 2, 3`, args...)
	if err != nil {
		return nil, fmt.Errorf("find talks: %w", err)
	}
	defer rows.Close()
	return scanTalkMembers(rows)
}

// qTalkMembersArray is findTalkMembers' statement with the talks as an
// array ($1), for batches.
const qTalkMembersArray = `SELECT id, 0, 0, '', 0 FROM talks WHERE id = ANY(CAST($1 AS BIGINT[]))
	UNION ALL SELECT talk_id, 1, party_id, standing, accepted FROM talk_parties WHERE talk_id = ANY(CAST($1 AS BIGINT[]))
	UNION ALL SELECT talk_id, 2, user_id, '', 0 FROM talk_mediators WHERE talk_id = ANY(CAST($1 AS BIGINT[]))
	ORDER BY 1, 2, 3`

// scanTalkMembers reads the rows of findTalkMembers' statement.
func scanTalkMembers(rows Rows) (map[int64]*parley.Talk, error) {
	talks := map[int64]*parley.Talk{}
	for rows.Next() {
		var id, kind, member, accepted int64
		var standing string
		if err := rows.Scan(&id, &kind, &member, &standing, &accepted); err != nil {
			return nil, err
		}
		t := talks[id]
		switch {
		case kind == 0:
			talks[id] = &parley.Talk{ID: id, Parties: []parley.TalkParty{}, MediatorIDs: []int64{}}
		case t == nil: // ordered by kind: the talk comes first
		case kind == 1:
			t.Parties = append(t.Parties, parley.TalkParty{PartyID: member, Standing: parley.Standing(standing), Accepted: accepted != 0})
		default:
			t.MediatorIDs = append(t.MediatorIDs, member)
		}
	}
	return talks, rows.Err()
}

type head struct {
	seq  int64
	hash string
}

// lockTalks takes the row locks of the talks ids, in ascending order, and
// returns their heads.
func (db *DB) lockTalks(ctx context.Context, tx *tx, ids []int64) (map[int64]*head, error) {
	set, args := in(ids)
	rows, err := tx.QueryContext(ctx, `SELECT id, last_seq, last_hash FROM talks WHERE id IN `+set+` ORDER BY id`+db.dialect.LockRows, args...)
	if err != nil {
		return nil, fmt.Errorf("lock talks: %w", err)
	}
	defer rows.Close()
	return scanHeads(rows)
}

// scanHeads reads talks' ids, last seqs and last hashes.
func scanHeads(rows Rows) (map[int64]*head, error) {
	heads := map[int64]*head{}
	for rows.Next() {
		var id int64
		h := &head{}
		if err := rows.Scan(&id, &h.seq, &h.hash); err != nil {
			return nil, err
		}
		heads[id] = h
	}
	return heads, rows.Err()
}
