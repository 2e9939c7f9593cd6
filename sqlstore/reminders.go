package sqlstore

import (
	"context"
	"fmt"
	"time"

	"parley"
)

var _ parley.Reminders = (*DB)(nil)

// SendReminders implements parley.Reminders.
func (db *DB) SendReminders(ctx context.Context, now time.Time) (_ int, err error) {
	defer wrap(&err, "SendReminders")
	horizon := now.Add(parley.ReminderWindow).UTC().Format(time.DateOnly)
	type due struct {
		key, text, link string
		talk, id        int64
		parties         []int64
	}
	var items []due
	// Open irritants with a due date, not yet reminded of that date: remind
	// every party to them (not stakeholders), read in one query with them.
	irritants := `FROM irritants i WHERE i.due <> '' AND i.due <= $1 AND i.status NOT IN ('resolved', 'archived', 'dormant')
		AND NOT EXISTS (SELECT 1 FROM reminders_sent s WHERE s.key = 'irritant:' || i.id || ':' || i.due)`
	err = each(ctx, db.read, `SELECT i.id, i.talk_id, i.title, i.due `+irritants+` ORDER BY i.id`, []any{horizon}, func(s scanner) error {
		var id, talk int64
		var title, date string
		err := s.Scan(&id, &talk, &title, &date)
		items = append(items, due{key: fmt.Sprintf("irritant:%d:%s", id, date), talk: talk, id: id,
			text: fmt.Sprintf("Reminder: the irritant “%s” is due %s", title, date), link: fmt.Sprintf("/irritants/%d", id)})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("due irritants: %w", err)
	}
	byID := make(map[int64]*due, len(items))
	for k := range items {
		byID[items[k].id] = &items[k]
	}
	err = children(ctx, db.read, `SELECT p.irritant_id, p.party_id FROM irritant_parties p JOIN irritants i ON i.id = p.irritant_id
		WHERE p.role <> 'stakeholder' AND i.id IN (SELECT i.id `+irritants+`) ORDER BY p.irritant_id, p.party_id`, []any{horizon}, byID, scanPair,
		func(d *due, p int64) { d.parties = append(d.parties, p) })
	if err != nil {
		return 0, fmt.Errorf("parties to due irritants: %w", err)
	}
	// Follow-ups agreed in rounds, not yet reminded of that date: remind
	// their owner.
	err = each(ctx, db.read, `SELECT a.id, r.talk_id, r.id, a.note, a.owner, a.due FROM agenda_items a JOIN rounds r ON r.id = a.round_id
		WHERE a.outcome = 'follow_up' AND a.due <> '' AND a.due <= $1
		AND NOT EXISTS (SELECT 1 FROM reminders_sent s WHERE s.key = 'followup:' || a.id || ':' || a.due)`, []any{horizon}, func(s scanner) error {
		var id, talk, round, owner int64
		var note, date string
		err := s.Scan(&id, &talk, &round, &note, &owner, &date)
		items = append(items, due{key: fmt.Sprintf("followup:%d:%s", id, date), talk: talk, parties: []int64{owner},
			text: fmt.Sprintf("Reminder: follow-up “%s” is due %s", note, date), link: fmt.Sprintf("/rounds/%d", round)})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("due follow-ups: %w", err)
	}
	sent := 0
	for _, it := range items {
		n, err := db.remind(ctx, it.key, it.talk, it.parties, it.text, it.link, now)
		if err != nil {
			return sent, err
		}
		sent += n
	}
	return sent, nil
}

// remind notifies the delegates of parties about one due item, unless the
// reminder under key was sent already.
func (db *DB) remind(ctx context.Context, key string, talk int64, parties []int64, text, link string, now time.Time) (int, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM reminders_sent WHERE key = $1`, key).Scan(&n); err != nil {
		return 0, err
	}
	if n > 0 {
		return 0, nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO reminders_sent (key, sent_at) VALUES ($1, $2)`, key, micros(now)); err != nil {
		return 0, err
	}
	count := 0
	for _, p := range parties {
		users, err := all(ctx, tx, `SELECT id FROM users WHERE party_id = $1 AND party_id <> 0`, []any{p}, scanInt64)
		if err != nil {
			return 0, err
		}
		for _, u := range users {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (user_id, talk_id, seq, type, text, link, created_at, read_at) VALUES ($1, $2, 0, 'reminder', $3, $4, $5, 0)`,
				u, talk, text, link, micros(now)); err != nil {
				return 0, err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO email_outbox (user_id, subject, body, created_at, sent_at) VALUES ($1, $2, $3, $4, 0)`,
				u, "[parley] "+text, text+"\n\n"+link+"\n", micros(now)); err != nil {
				return 0, err
			}
			count++
		}
	}
	return count, tx.Commit()
}
