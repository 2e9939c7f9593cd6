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

// appendGrouped queues the append for the group committer of its talk and
// waits for its transaction to commit.
func (db *DB) appendGrouped(ctx context.Context, u *parley.User, talkID int64, in parley.EventInput) (*parley.Event, error) {
	db.batchOnce.Do(db.startCommitters)
	r := &appendReq{ctx: ctx, u: u, talkID: talkID, in: in, done: make(chan struct{})}
	// One talk, one committer: its appends keep their order and never
	// wait for each other's locks on this node.
	select {
	case db.appends[uint64(talkID)%uint64(len(db.appends))] <- r:
	case <-db.stop:
		return nil, errClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	// Once queued, wait for the outcome even if the caller gives up: the
	// event may be committed, and the caller must not be told otherwise.
	<-r.done
	return r.e, r.err
}

func (db *DB) startCommitters() {
	go func() {
		done := make(chan struct{})
		for _, ch := range db.appends {
			go func() {
				db.groupCommitter(ch)
				done <- struct{}{}
			}()
		}
		for range db.appends {
			<-done
		}
		close(db.stopped)
	}()
}

// groupCommitter takes whatever appends are waiting, up to maxGroup, and
// commits them in one transaction; while it commits, the next group gathers.
func (db *DB) groupCommitter(appends chan *appendReq) {
	for {
		var first *appendReq
		select {
		case first = <-appends:
		case <-db.stop:
			return
		}
		group := []*appendReq{first}
	gather:
		for len(group) < maxGroup {
			select {
			case r := <-appends:
				group = append(group, r)
			default:
				break gather
			}
		}
		db.commitGroup(group)
	}
}

// commitGroup appends the group in one transaction (see appendBatch). If
// that transaction fails, none of it is committed and each append is tried
// again alone, so that an append fails only for its own reasons.
func (db *DB) commitGroup(group []*appendReq) {
	live := make([]*appendReq, 0, len(group))
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.err = err // the caller left before its turn: do not act for it
			continue
		}
		live = append(live, r)
	}
	// Talks in ascending order, arrival order within a talk: two groups
	// (of two committers or two nodes) take talks' locks in one order, so
	// they queue rather than deadlock.
	slices.SortStableFunc(live, func(a, b *appendReq) int { return cmp.Compare(a.talkID, b.talkID) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	err := db.appendBatch(ctx, live)
	cancel()
	if err != nil {
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
}

// appendBatch appends rs, sorted by talk, in one transaction. For each talk
// the talk is read once, the rule applied to each append, and the appends
// allowed to the shared chain take their seqs in one statement, which locks
// the talk's row, are sealed in order and inserted in one statement.
// Private appends follow one by one, each under a savepoint. An append
// refused by the rule gets its error and takes no seq; an error returned
// means nothing is to be committed.
func (db *DB) appendBatch(ctx context.Context, rs []*appendReq) error {
	tx, err := db.beginOwn(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	keys := map[int64]ed25519.PrivateKey{}
	var notes []string
	for i := 0; i < len(rs); {
		j := i + 1
		for j < len(rs) && rs[j].talkID == rs[i].talkID {
			j++
		}
		n, err := db.appendTalkBatch(ctx, tx, rs[i:j], keys)
		if err != nil {
			return err
		}
		notes = append(notes, n...)
		i = j
	}
	if db.dialect.NotifyEvents != "" && len(notes) > 0 {
		if _, err := tx.ExecContext(ctx, db.dialect.NotifyEvents, notes); err != nil {
			return fmt.Errorf("notify: %w", err)
		}
	}
	return tx.Commit()
}

// appendTalkBatch appends rs, all to one talk, inside tx; it returns the
// notifications to send ("talk:seq") for the shared chain.
func (db *DB) appendTalkBatch(ctx context.Context, tx *tx, rs []*appendReq, keys map[int64]ed25519.PrivateKey) ([]string, error) {
	talkID := rs[0].talkID
	t, err := findTalk(ctx, tx, talkID)
	if parley.ErrorCode(err) == parley.ENOTFOUND {
		for _, r := range rs {
			r.err = err
		}
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var shared, alone []*appendReq
	for _, r := range rs {
		if r.err = checkAppend(r.u, t, r.in); r.err != nil {
			continue
		}
		if r.in.PrivateTo != 0 || r.in.Type == parley.EventSignOff {
			alone = append(alone, r)
			continue
		}
		// Refuse a payload that cannot be sealed before taking seqs.
		if r.in.Payload, r.err = parley.CanonicalPayload(r.in.Payload); r.err != nil {
			continue
		}
		shared = append(shared, r)
	}
	var notes []string
	if len(shared) > 0 {
		var last int64
		var prev string
		if err := tx.QueryRowContext(ctx, qReserveSeqs, talkID, len(shared)).Scan(&last, &prev); err != nil {
			return nil, fmt.Errorf("reserve seqs: %w", err)
		}
		var q strings.Builder
		q.WriteString(qInsertEvents)
		args := make([]any, 0, 13*len(shared))
		for i, r := range shared {
			priv, ok := keys[r.u.PartyID]
			if !ok {
				if priv, err = db.signer(ctx, tx, r.u.PartyID); err != nil {
					return nil, err
				}
				keys[r.u.PartyID] = priv
			}
			e := &parley.Event{TalkID: talkID, Seq: last - int64(len(shared)-1-i), Time: db.now(), ActorID: r.u.ID, PartyID: r.u.PartyID, Type: r.in.Type, Payload: r.in.Payload}
			if err := e.Seal(prev, priv); err != nil {
				return nil, err
			}
			prev, r.e = e.Hash, e
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(")
			for k := 1; k <= 13; k++ {
				if k > 1 {
					q.WriteString(", ")
				}
				q.WriteString("$" + strconv.Itoa(len(args)+k))
			}
			q.WriteString(")")
			args = append(args, e.TalkID, e.Seq, micros(e.Time), e.ActorID, e.PartyID, e.Type, e.PrivateTo, []byte(e.Payload), e.PayloadHash, e.PrevHash, e.Hash, e.Signature, e.V)
			notes = append(notes, fmt.Sprintf("%d:%d", e.TalkID, e.Seq))
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return nil, fmt.Errorf("insert events: %w", err)
		}
		if _, err := tx.ExecContext(ctx, qSetLastHash, prev, talkID); err != nil {
			return nil, err
		}
	}
	for _, r := range alone {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT append`); err != nil {
			return nil, err
		}
		r.e, r.err = db.appendEvent(ctx, tx, r.u, talkID, r.in)
		if r.err != nil {
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT append`); err != nil {
				return nil, err
			}
		}
		if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT append`); err != nil {
			return nil, err
		}
	}
	return notes, nil
}
