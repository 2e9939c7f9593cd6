package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"parley"
)

var _ parley.IrritantInbox = (*DB)(nil)

// IrritantsAwaiting implements parley.IrritantInbox. The acknowledgements
// and the overdue walk each talk's irritants in one status (or by due
// date) through an index, check the party by an index and stop at the cap;
// the confirmations start from the confirmations made, which are few, for
// every talk at once. None reads a talk's every irritant.
func (db *DB) IrritantsAwaiting(ctx context.Context, talkIDs []int64, today string, limit int) (map[int64]*parley.IrritantWait, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	out := map[int64]*parley.IrritantWait{}
	for _, id := range talkIDs {
		if _, err := findVisibleTalk(ctx, db.read, u, id); err != nil {
			return nil, err
		}
		out[id] = &parley.IrritantWait{}
	}
	if u.PartyID == 0 || len(talkIDs) == 0 {
		return out, nil
	}
	if limit <= 0 || limit > parley.InboxCountCap {
		limit = parley.InboxCountCap
	}
	add := func(w *parley.IrritantWait, refs *[]parley.IrritantRef, count *int, r parley.IrritantRef) {
		if *count < limit {
			*refs = append(*refs, r)
		}
		*count++
	}
	isParty := `EXISTS (SELECT 1 FROM irritant_parties p WHERE p.irritant_id = i.id AND p.party_id = $2 AND p.role <> 'stakeholder')`
	for _, id := range talkIDs {
		w := out[id]
		for _, l := range []struct {
			where, order string
			args         []any
			refs         *[]parley.IrritantRef
			count        *int
		}{
			{`i.talk_id = $1 AND i.status = 'raised' AND EXISTS (SELECT 1 FROM irritant_parties p WHERE p.irritant_id = i.id AND p.party_id = $2 AND p.role = 'toward')`,
				"i.id", nil, &w.Acknowledge, &w.AcknowledgeCount},
			{`i.talk_id = $1 AND ` + isParty + ` AND i.due <> '' AND i.due < $3 AND i.status NOT IN ('resolved', 'archived')`,
				"i.due, i.id", []any{today}, &w.Overdue, &w.OverdueCount},
		} {
			// One read lists and counts, up to the cap: an inbox says "50
			// or more" rather than walk a talk's every irritant to say 5,000.
			err := db.awaiting(ctx, fmt.Sprintf(`SELECT i.id, i.talk_id, i.title, i.priority, i.due, i.status FROM irritants i WHERE %s ORDER BY %s LIMIT %d`,
				l.where, l.order, parley.InboxCountCap), append([]any{id, u.PartyID}, l.args...), func(r parley.IrritantRef) {
				add(w, l.refs, l.count, r)
			})
			if err != nil {
				return nil, err
			}
		}
	}
	// Irritants in the resolution path that another party has confirmed
	// and the user's party has not. The confirmations, which are few, lead
	// (CROSS JOIN keeps SQLite's join order; the + and || '' keep it off the
	// talk and status index, which would read every irritant of the talks
	// in those statuses).
	args := []any{u.PartyID}
	var in []string
	for _, id := range talkIDs {
		args = append(args, id)
		in = append(in, "$"+strconv.Itoa(len(args)))
	}
	q := `SELECT i.id, i.talk_id, i.title, i.priority, i.due, i.status
		FROM irritant_confirmations c CROSS JOIN irritants i
		WHERE i.id = c.irritant_id AND c.party_id <> $1
		AND NOT EXISTS (SELECT 1 FROM irritant_confirmations m WHERE m.irritant_id = i.id AND m.party_id = $1)
		AND EXISTS (SELECT 1 FROM irritant_parties p WHERE p.irritant_id = i.id AND p.party_id = $1 AND p.role <> 'stakeholder')
		AND +i.talk_id IN (` + strings.Join(in, ", ") + `) AND i.status || '' IN ('in_consultation', 'resolved_in_part')
		ORDER BY i.id`
	seen := map[int64]bool{}
	err = db.awaiting(ctx, q, args, func(r parley.IrritantRef) {
		// Several other parties may have confirmed one irritant.
		if w := out[r.TalkID]; !seen[r.ID] && w.ConfirmCount < parley.InboxCountCap {
			seen[r.ID] = true
			add(w, &w.Confirm, &w.ConfirmCount, r)
		}
	})
	return out, err
}

// awaiting runs q and hands each irritant it finds to f.
func (db *DB) awaiting(ctx context.Context, q string, args []any, f func(parley.IrritantRef)) error {
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("find awaiting irritants: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r parley.IrritantRef
		if err := rows.Scan(&r.ID, &r.TalkID, &r.Title, &r.Priority, &r.Due, &r.Status); err != nil {
			return err
		}
		f(r)
	}
	return rows.Err()
}
