package sqlstore

import (
	"context"
	"errors"
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
	select {
	case db.appends <- r:
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

// groupCommitter takes whatever appends are waiting, up to maxGroup, and
// commits them in one transaction; while it commits, the next group gathers.
func (db *DB) groupCommitter() {
	defer close(db.stopped)
	for {
		var first *appendReq
		select {
		case first = <-db.appends:
		case <-db.stop:
			return
		}
		group := []*appendReq{first}
	gather:
		for len(group) < maxGroup {
			select {
			case r := <-db.appends:
				group = append(group, r)
			default:
				break gather
			}
		}
		db.commitGroup(group)
	}
}

// commitGroup appends each request under its own savepoint, so that one
// refused or failed append leaves the others (and the chain) untouched.
func (db *DB) commitGroup(group []*appendReq) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	finish := func(err error) {
		for _, r := range group {
			if r.err == nil && err != nil {
				r.e, r.err = nil, err
			}
			close(r.done)
		}
	}
	tx, err := db.begin(ctx)
	if err != nil {
		finish(err)
		return
	}
	defer tx.Rollback()
	for _, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.err = err // the caller left before its turn: do not act for it
			continue
		}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT append`); err != nil {
			finish(err)
			return
		}
		r.e, r.err = db.appendChecked(ctx, tx, r.u, r.talkID, r.in)
		if r.err != nil {
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT append`); err != nil {
				finish(err)
				return
			}
		}
		if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT append`); err != nil {
			finish(err)
			return
		}
	}
	if err := tx.Commit(); err != nil {
		finish(err)
		return
	}
	finish(nil)
	for _, r := range group {
		if r.err == nil {
			db.published(r.ctx, r.e)
		}
	}
}
