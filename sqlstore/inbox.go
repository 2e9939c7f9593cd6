package sqlstore

import (
	"context"
	"fmt"

	"parley"
)

var _ parley.IrritantInbox = (*DB)(nil)

// IrritantsAwaiting implements parley.IrritantInbox. Each list walks the
// talk's irritants in one status (or, for the overdue ones, by due date)
// through an index and checks the party by primary key, so it costs what
// the talk holds in that status, not the whole table.
func (db *DB) IrritantsAwaiting(ctx context.Context, talkID int64, today string, limit int) (*parley.IrritantWait, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := findVisibleTalk(ctx, db.read, u, talkID); err != nil {
		return nil, err
	}
	w := &parley.IrritantWait{}
	if u.PartyID == 0 {
		return w, nil
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	isParty := `EXISTS (SELECT 1 FROM irritant_parties p WHERE p.irritant_id = i.id AND p.role <> 'stakeholder' AND p.party_id = $2)`
	confirmedByOther := `EXISTS (SELECT 1 FROM irritant_confirmations c WHERE c.irritant_id = i.id)
			AND NOT EXISTS (SELECT 1 FROM irritant_confirmations c WHERE c.irritant_id = i.id AND c.party_id = $2) AND ` + isParty
	lists := []struct {
		where string
		args  []any
		refs  *[]parley.IrritantRef
		count *int
	}{
		{`i.talk_id = $1 AND i.status = 'raised' AND EXISTS (SELECT 1 FROM irritant_parties p WHERE p.irritant_id = i.id AND p.role = 'toward' AND p.party_id = $2)`,
			nil, &w.Acknowledge, &w.AcknowledgeCount},
		// One status at a time, so that each walks the index in id order
		// and stops at the cap instead of sorting every row of both.
		{`i.talk_id = $1 AND i.status = 'in_consultation' AND ` + confirmedByOther,
			nil, &w.Confirm, &w.ConfirmCount},
		{`i.talk_id = $1 AND i.status = 'resolved_in_part' AND ` + confirmedByOther,
			nil, &w.Confirm, &w.ConfirmCount},
		{`i.talk_id = $1 AND ` + isParty + ` AND i.due <> '' AND i.due < $3 AND i.status NOT IN ('resolved', 'archived')`,
			[]any{today}, &w.Overdue, &w.OverdueCount},
	}
	for _, l := range lists {
		args := append([]any{talkID, u.PartyID}, l.args...)
		order := "i.id"
		if l.refs == &w.Overdue {
			order = "i.due, i.id"
		}
		// One read lists and counts, up to the cap: an inbox says "100 or
		// more" rather than walk a talk's every irritant to say 5,000.
		rows, err := db.read.QueryContext(ctx, fmt.Sprintf(`SELECT i.id, i.title, i.priority, i.due, i.status FROM irritants i WHERE %s ORDER BY %s LIMIT %d`, l.where, order, parley.InboxCountCap), args...)
		if err != nil {
			return nil, fmt.Errorf("find awaiting irritants: %w", err)
		}
		for rows.Next() && *l.count < parley.InboxCountCap {
			r := parley.IrritantRef{TalkID: talkID}
			if err := rows.Scan(&r.ID, &r.Title, &r.Priority, &r.Due, &r.Status); err != nil {
				rows.Close()
				return nil, err
			}
			if *l.count < limit {
				*l.refs = append(*l.refs, r)
			}
			*l.count++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return w, nil
}
