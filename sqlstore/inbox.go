package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"parley"
)

var _ parley.Inbox = (*DB)(nil)

// What of an irritant waits on which party is kept in irritant_waits, one
// row per party, kind and irritant, by the writes that change it (raising,
// moving, confirming), in their transaction: the inbox then reads one index
// range per party, talk and kind, however many irritants a talk has.
//
// waitsQuery is the one definition of those rows; %s restricts the
// irritants it reads (refreshWaits: one irritant; RebuildInbox: all). The
// migration that made the table (150) filled it with the same query.
const waitsQuery = `INSERT INTO irritant_waits (party_id, talk_id, kind, due, irritant_id)
SELECT p.party_id, i.talk_id, 'acknowledge', '', i.id FROM irritants i JOIN irritant_parties p ON p.irritant_id = i.id
	WHERE %[1]s AND p.role = 'toward' AND i.status = 'raised'
UNION
SELECT p.party_id, i.talk_id, 'confirm', '', i.id FROM irritants i JOIN irritant_parties p ON p.irritant_id = i.id
	WHERE %[1]s AND p.role <> 'stakeholder' AND i.status IN ('in_consultation', 'resolved_in_part')
	AND EXISTS (SELECT 1 FROM irritant_confirmations c WHERE c.irritant_id = i.id AND c.party_id <> p.party_id)
	AND NOT EXISTS (SELECT 1 FROM irritant_confirmations c WHERE c.irritant_id = i.id AND c.party_id = p.party_id)
UNION
SELECT p.party_id, i.talk_id, 'due', i.due, i.id FROM irritants i JOIN irritant_parties p ON p.irritant_id = i.id
	WHERE %[1]s AND p.role <> 'stakeholder' AND i.due <> '' AND i.status NOT IN ('resolved', 'archived')`

// The kinds of irritant_waits, in the order of parley.IrritantWait.
var waitKinds = [...]string{"acknowledge", "confirm", "due"}

// refreshWaits recomputes what of irritant id waits on whom, in tx; every
// write to an irritant's status, parties or confirmations calls it before
// committing.
func refreshWaits(ctx context.Context, tx *tx, id int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM irritant_waits WHERE irritant_id = $1`, id); err != nil {
		return fmt.Errorf("clear irritant waits: %w", err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(waitsQuery, "i.id = $1"), id); err != nil {
		return fmt.Errorf("refresh irritant waits: %w", err)
	}
	return nil
}

// RebuildInbox recomputes what waits on every party from the irritants
// themselves, in one transaction. Writes through the store keep it
// current; RebuildInbox is for data written around the store (bulk loads,
// a repair) and for tests comparing the kept state with the recomputed one.
func (db *DB) RebuildInbox(ctx context.Context) (err error) {
	defer wrap(&err, "RebuildInbox")
	tx, err := db.beginOwn(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM irritant_waits`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(waitsQuery, "1 = 1")); err != nil {
		return err
	}
	return tx.Commit()
}

// waitingQuery returns the query of what waits on party in talk $1, today
// being $2: for each kind, the first limit irritants (rows of n 0), then
// how many there are, counted up to InboxCountCap (rows of id 0). Each part
// is a range of irritant_waits' primary key that stops at its limit.
//
// The party and the limits are written into the text (they are integers):
// bound as parameters, SQLite's wasm build ran the statement four times
// slower (it planned it again at each run, see below). The text is then one
// per party, prepared once (preparedReads).
func waitingQuery(party int64, limit int) string {
	var lists, counts []string
	for _, kind := range waitKinds {
		// SQLite numbers $n by first appearance: they appear in order. A
		// parameter compared with an indexed column makes SQLite plan the
		// statement again whenever its value changes (with STAT4, which the
		// wasm build has); a subquery's value does not.
		where := `w.talk_id = (SELECT CAST($1 AS BIGINT)) AND w.due < (SELECT CAST($2 AS TEXT)) AND w.party_id = ` + strconv.FormatInt(party, 10) + ` AND w.kind = '` + kind + `'`
		lists = append(lists, `SELECT * FROM (SELECT w.kind, 0 AS n, i.id, i.talk_id, i.title, i.priority, i.due, i.status
	FROM irritant_waits w JOIN irritants i ON i.id = w.irritant_id WHERE `+where+`
	ORDER BY w.due, w.irritant_id LIMIT `+strconv.Itoa(limit)+`) AS l_`+kind)
		counts = append(counts, `SELECT '`+kind+`', (SELECT count(*) FROM (SELECT 1 AS one FROM irritant_waits w WHERE `+where+`
	LIMIT `+strconv.Itoa(parley.InboxCountCap)+`) AS c), 0, 0, '', '', '', ''`)
	}
	return strings.Join(append(lists, counts...), "\nUNION ALL\n")
}

// IrritantsAwaiting implements parley.IrritantInbox with one prepared read
// per talk (waitingQuery).
func (db *DB) IrritantsAwaiting(ctx context.Context, talkIDs []int64, today string, limit int) (_ map[int64]*parley.IrritantWait, err error) {
	defer wrap(&err, "IrritantsAwaiting(%v, %s)", talkIDs, today)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := visibleTalks(ctx, db.read, u, talkIDs); err != nil {
		return nil, err
	}
	out := map[int64]*parley.IrritantWait{}
	for _, id := range talkIDs {
		out[id] = &parley.IrritantWait{}
	}
	if u.PartyID == 0 || len(talkIDs) == 0 {
		return out, nil
	}
	if limit <= 0 || limit > parley.InboxCountCap {
		limit = parley.InboxCountCap
	}
	rd, q := preparedReads{db}, waitingQuery(u.PartyID, limit)
	for _, id := range talkIDs {
		w := out[id]
		err := each(ctx, rd, q, []any{id, today}, func(s scanner) error {
			var kind string
			var n int
			var r parley.IrritantRef
			if err := s.Scan(&kind, &n, &r.ID, &r.TalkID, &r.Title, &r.Priority, &r.Due, &r.Status); err != nil {
				return err
			}
			refs, count := waitOf(w, kind)
			if r.ID == 0 {
				*count = n
			} else {
				*refs = append(*refs, r)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	// UNION ALL promises no order: put each list back in its own (the
	// longest overdue first; the oldest first).
	byID := func(a, b parley.IrritantRef) int { return cmp.Compare(a.ID, b.ID) }
	for _, w := range out {
		slices.SortFunc(w.Acknowledge, byID)
		slices.SortFunc(w.Confirm, byID)
		slices.SortFunc(w.Overdue, func(a, b parley.IrritantRef) int {
			return cmp.Or(strings.Compare(a.Due, b.Due), byID(a, b))
		})
	}
	return out, nil
}

// waitOf returns the list and the count of w for a kind of irritant_waits.
func waitOf(w *parley.IrritantWait, kind string) (*[]parley.IrritantRef, *int) {
	switch kind {
	case "acknowledge":
		return &w.Acknowledge, &w.AcknowledgeCount
	case "confirm":
		return &w.Confirm, &w.ConfirmCount
	default:
		return &w.Overdue, &w.OverdueCount
	}
}

// InboxLists implements parley.Inbox: the talks, their statements and
// their rounds in three, five and four queries however many talks; the
// negotiations of the talks that have any, one by one, as
// FindNegotiations reads them.
func (db *DB) InboxLists(ctx context.Context, talkIDs []int64) (_ map[int64]*parley.TalkLists, err error) {
	defer wrap(&err, "InboxLists(%v)", talkIDs)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	ts, err := visibleTalks(ctx, db.read, u, talkIDs)
	if err != nil {
		return nil, err
	}
	out := map[int64]*parley.TalkLists{}
	for _, id := range talkIDs {
		out[id] = &parley.TalkLists{Statements: []*parley.Statement{}, Rounds: []*parley.Round{}, Negotiations: []*parley.Negotiation{}}
	}
	if len(talkIDs) == 0 {
		return out, nil
	}
	args := int64Args(talkIDs)
	in := placeholders(1, len(talkIDs))
	ss, err := loadStatements(ctx, db.read, `s.talk_id IN (`+in+`)`, args...)
	if err != nil {
		return nil, err
	}
	for _, s := range ss {
		out[s.TalkID].Statements = append(out[s.TalkID].Statements, s)
	}
	rs, err := loadRounds(ctx, db.read, `r.talk_id IN (`+in+`)`, args...)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		out[r.TalkID].Rounds = append(out[r.TalkID].Rounds, r)
	}
	type ref struct{ talk, id int64 }
	ns, err := all(ctx, db.read, `SELECT talk_id, id FROM negotiations WHERE talk_id IN (`+in+`) ORDER BY talk_id, id`, args, func(s scanner) (ref, error) {
		var r ref
		err := s.Scan(&r.talk, &r.id)
		return r, err
	})
	if err != nil {
		return nil, err
	}
	for _, r := range ns {
		n, err := findNegotiation(ctx, db.read, u, ts[r.talk], r.id)
		if err != nil {
			return nil, err
		}
		out[r.talk].Negotiations = append(out[r.talk].Negotiations, n)
	}
	return out, nil
}
