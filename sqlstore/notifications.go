package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"parley"
)

var _ parley.NotificationService = (*DB)(nil)

// consultEvent appends a consultation event to the talk's record and, in
// the same transaction, notifies every other user of the talk who may read
// it: delegates of its seated parties and its mediators. An event private to
// a party notifies only that party's delegates.
func (db *DB) consultEvent(ctx context.Context, tx *tx, u *parley.User, talkID int64, in parley.EventInput) (*parley.Event, error) {
	e, err := db.appendEvent(ctx, tx, u, talkID, in)
	if err != nil {
		return nil, err
	}
	text, ok := parley.Summary(e)
	if !ok {
		return e, nil
	}
	type recipient struct {
		id, party int64
	}
	var to []recipient
	err = each(ctx, tx, `SELECT id, party_id, name FROM users WHERE id <> $1 AND (
			(party_id <> 0 AND party_id IN (SELECT party_id FROM talk_parties WHERE talk_id = $2 AND accepted = 1))
			OR id IN (SELECT user_id FROM talk_mediators WHERE talk_id = $2))`, []any{u.ID, talkID}, func(s scanner) error {
		var r recipient
		var name string
		if err := s.Scan(&r.id, &r.party, &name); err != nil {
			return err
		}
		// The rule decides, not the query: private payloads reach their party only.
		if parley.CanSeePrivate(&parley.User{ID: r.id, PartyID: r.party}, e.PrivateTo) {
			to = append(to, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	actorName := u.DisplayName
	if actorName == "" {
		actorName = u.Name
	}
	text = actorName + " " + text
	link := parley.Link(e)
	for _, r := range to {
		if err := notify(ctx, tx, r.id, u.ID, e, text, link); err != nil {
			return nil, err
		}
		if parley.Emailed(e.Type) {
			if err := queueMail(ctx, tx, r.id, e, text, link); err != nil {
				return nil, err
			}
		}
	}
	return e, nil
}

// notify tells user about e: a new notification, or the user's unread one
// about the same actor's events of the same kind in the talk, updated to
// the latest and counted.
func notify(ctx context.Context, tx *tx, user, actorID int64, e *parley.Event, text, link string) error {
	var id, n int64
	err := tx.QueryRowContext(ctx, `SELECT id, count FROM notifications WHERE user_id = $1 AND talk_id = $2 AND type = $3 AND actor_id = $4 AND read_at = 0
		ORDER BY id DESC LIMIT 1`, user, e.TalkID, e.Type, actorID).Scan(&id, &n)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (user_id, talk_id, seq, type, text, link, created_at, read_at, actor_id, count) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, 1)`,
			user, e.TalkID, e.Seq, e.Type, text, link, micros(e.Time), actorID); err != nil {
			return fmt.Errorf("insert notification: %w", err)
		}
		return nil
	} else if err != nil {
		return fmt.Errorf("find notification: %w", err)
	}
	n++
	if _, err := tx.ExecContext(ctx, `UPDATE notifications SET seq = $1, text = $2, link = $3, created_at = $4, count = $5 WHERE id = $6`,
		e.Seq, fmt.Sprintf("%s (and %d more like it)", text, n-1), link, micros(e.Time), n, id); err != nil {
		return fmt.Errorf("update notification: %w", err)
	}
	return nil
}

// mailItems is how many notices one e-mail lists before it only counts them.
const mailItems = 20

// queueMail queues an e-mail to user about e, or adds e to the user's unsent
// e-mail about the same talk.
func queueMail(ctx context.Context, tx *tx, user int64, e *parley.Event, text, link string) error {
	var id, n int64
	var body string
	err := tx.QueryRowContext(ctx, `SELECT id, items, body FROM email_outbox WHERE user_id = $1 AND talk_id = $2 AND sent_at = 0 ORDER BY id DESC LIMIT 1`,
		user, e.TalkID).Scan(&id, &n, &body)
	if errors.Is(err, sql.ErrNoRows) {
		subject := text
		if len(subject) > 120 {
			subject = subject[:strings.LastIndex(subject[:117], " ")+1] + "…"
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO email_outbox (user_id, subject, body, created_at, sent_at, talk_id, items) VALUES ($1, $2, $3, $4, 0, $5, 1)`,
			user, "[parley] "+subject, text+"\n\n"+link+"\n", micros(e.Time), e.TalkID); err != nil {
			return fmt.Errorf("insert e-mail: %w", err)
		}
		return nil
	} else if err != nil {
		return fmt.Errorf("find e-mail: %w", err)
	}
	n++
	if n <= mailItems {
		body += "\n" + text + "\n\n" + link + "\n"
	} else {
		body, _, _ = strings.Cut(body, "\n-- \n")
		body += fmt.Sprintf("\n-- \n%d more notices about this talk are on parley.\n", n-mailItems)
	}
	var title string
	if err := tx.QueryRowContext(ctx, `SELECT title FROM talks WHERE id = $1`, e.TalkID).Scan(&title); err != nil {
		return err
	}
	if len(title) > 80 {
		title = title[:77] + "…"
	}
	if _, err := tx.ExecContext(ctx, `UPDATE email_outbox SET subject = $1, body = $2, items = $3 WHERE id = $4`,
		fmt.Sprintf("[parley] %d notices about %s", n, title), body, n, id); err != nil {
		return fmt.Errorf("update e-mail: %w", err)
	}
	return nil
}

// Notifications implements parley.NotificationService.
func (db *DB) Notifications(ctx context.Context, unread bool, limit int) (_ []*parley.Notification, err error) {
	defer wrap(&err, "Notifications(%d)", limit)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	q := `SELECT id, user_id, talk_id, seq, type, text, link, created_at, read_at FROM notifications WHERE user_id = $1`
	if unread {
		q += ` AND read_at = 0`
	}
	return all(ctx, db.read, q+` ORDER BY id DESC LIMIT $2`, []any{u.ID, limit}, func(s scanner) (*parley.Notification, error) {
		var n parley.Notification
		var created, read int64
		err := s.Scan(&n.ID, &n.UserID, &n.TalkID, &n.Seq, &n.Type, &n.Text, &n.Link, &created, &read)
		n.CreatedAt, n.ReadAt = fromMicros(created), fromMicros(read)
		return &n, err
	})
}

// UnreadCount implements parley.NotificationService.
func (db *DB) UnreadCount(ctx context.Context) (_ int, err error) {
	defer wrap(&err, "UnreadCount")
	u, err := actor(ctx)
	if err != nil {
		return 0, err
	}
	var n int
	err = db.read.QueryRowContext(ctx, `SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at = 0`, u.ID).Scan(&n)
	return n, err
}

// MarkRead implements parley.NotificationService.
func (db *DB) MarkRead(ctx context.Context, ids []int64) (err error) {
	defer wrap(&err, "MarkRead")
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	now := micros(db.now())
	if len(ids) == 0 {
		_, err := db.write.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at = 0`, now, u.ID)
		return err
	}
	if len(ids) > 500 {
		return parley.Errorf(parley.EINVALID, "mark at most 500 notifications at once")
	}
	args := []any{now, u.ID}
	for _, id := range ids {
		args = append(args, id)
	}
	_, err = db.write.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at = 0 AND id IN (`+placeholders(3, len(ids))+`)`, args...)
	return err
}

// Outbox implements parley.NotificationService.
func (db *DB) Outbox(ctx context.Context, addressed bool, limit int) (_ []*parley.Email, err error) {
	defer wrap(&err, "Outbox(%d)", limit)
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	q := `SELECT o.id, o.user_id, COALESCE(a.address, ''), o.subject, o.body, o.created_at FROM email_outbox o
		LEFT JOIN email_addresses a ON a.user_id = o.user_id WHERE o.sent_at = 0`
	if addressed {
		q += ` AND a.address IS NOT NULL`
	}
	return all(ctx, db.read, q+` ORDER BY o.id LIMIT $1`, []any{limit}, func(s scanner) (*parley.Email, error) {
		var m parley.Email
		var created int64
		err := s.Scan(&m.ID, &m.UserID, &m.To, &m.Subject, &m.Body, &created)
		m.CreatedAt = fromMicros(created)
		return &m, err
	})
}

// MarkSent implements parley.NotificationService.
func (db *DB) MarkSent(ctx context.Context, ids []int64) (err error) {
	defer wrap(&err, "MarkSent")
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := []any{micros(db.now())}
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		ids = ids[n:]
		if _, err := db.write.ExecContext(ctx, `UPDATE email_outbox SET sent_at = $1 WHERE id IN (`+placeholders(2, n)+`)`, args...); err != nil {
			return err
		}
	}
	return nil
}

// SetEmailAddress implements parley.NotificationService.
func (db *DB) SetEmailAddress(ctx context.Context, addr string) (err error) {
	defer wrap(&err, "SetEmailAddress")
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	addr = strings.TrimSpace(addr)
	if addr != "" {
		if _, err := mail.ParseAddress(addr); err != nil || strings.ContainsAny(addr, "<>\r\n ") || len(addr) > 254 {
			return parley.Errorf(parley.EINVALID, "%q is not an e-mail address like name@example.org", addr)
		}
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `DELETE FROM email_addresses WHERE user_id = $1`, u.ID); err != nil {
		return err
	}
	if addr != "" {
		if _, err := tx.ExecContext(ctx, `INSERT INTO email_addresses (user_id, address) VALUES ($1, $2)`, u.ID, addr); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// EmailAddress implements parley.NotificationService.
func (db *DB) EmailAddress(ctx context.Context) (_ string, err error) {
	defer wrap(&err, "EmailAddress")
	u, err := actor(ctx)
	if err != nil {
		return "", err
	}
	var addr string
	err = db.read.QueryRowContext(ctx, `SELECT address FROM email_addresses WHERE user_id = $1`, u.ID).Scan(&addr)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return addr, err
}
