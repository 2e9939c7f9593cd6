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
		talk            int64
		parties         []int64
	}
	var items []due
	// Open irritants with a due date: remind every party to them.
	err = each(ctx, db.read, `SELECT id, talk_id, title, due FROM irritants
		WHERE due <> '' AND due <= $1 AND status NOT IN ('resolved', 'archived', 'dormant')`, []any{horizon}, func(s scanner) error {
		var id, talk int64
		var title, date string
		err := s.Scan(&id, &talk, &title, &date)
		items = append(items, due{key: fmt.Sprintf("irritant:%d:%s", id, date), talk: talk,
			text: fmt.Sprintf("Reminder: the irritant “%s” is due %s", title, date), link: fmt.Sprintf("/irritants/%d", id)})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("due irritants: %w", err)
	}
	for k := range items {
		var id int64
		fmt.Sscanf(items[k].link, "/irritants/%d", &id)
		if items[k].parties, err = all(ctx, db.read, `SELECT party_id FROM irritant_parties WHERE irritant_id = $1 AND role <> 'stakeholder'`, []any{id}, scanInt64); err != nil {
			return 0, err
		}
	}
	// Follow-ups agreed in rounds: remind their owner.
	err = each(ctx, db.read, `SELECT a.id, r.talk_id, r.id, a.note, a.owner, a.due FROM agenda_items a JOIN rounds r ON r.id = a.round_id
		WHERE a.outcome = 'follow_up' AND a.due <> '' AND a.due <= $1`, []any{horizon}, func(s scanner) error {
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
