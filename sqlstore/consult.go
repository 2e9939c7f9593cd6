package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"parley"
)

var _ parley.IrritantService = (*DB)(nil)

// Roles of a party in irritant_parties.
const (
	roleRaiser      = "raiser"
	roleToward      = "toward"
	roleStakeholder = "stakeholder"
)

const irritantCols = `id, talk_id, raised_by, raised_by_user, title, description, category, priority, due, status, status_reason, escalated_to, created_at, updated_at`

func scanIrritant(s scanner) (*parley.Irritant, error) {
	var i parley.Irritant
	var status string
	var created, updated int64
	if err := s.Scan(&i.ID, &i.TalkID, &i.RaisedBy, &i.RaisedByUser, &i.Title, &i.Description, &i.Category, &i.Priority,
		&i.Due, &status, &i.StatusReason, &i.EscalatedTo, &created, &updated); err != nil {
		return nil, err
	}
	i.Status, i.CreatedAt, i.UpdatedAt = parley.IrritantStatus(status), fromMicros(created), fromMicros(updated)
	i.Toward, i.Stakeholders, i.Confirmations = []int64{}, []int64{}, []parley.Confirmation{}
	return &i, nil
}

func scanComment(s scanner) (*parley.IrritantComment, error) {
	var c parley.IrritantComment
	var created int64
	err := s.Scan(&c.ID, &c.IrritantID, &c.AuthorID, &c.PartyID, &c.Kind, &c.PrivateTo, &c.Text, &created)
	c.CreatedAt = fromMicros(created)
	return &c, err
}

// placeholders returns "$from, $from+1, …" for n arguments.
func placeholders(from, n int) string {
	var b strings.Builder
	for k := range n {
		if k > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(from+k))
	}
	return b.String()
}

// loadIrritants reads the irritants with these ids, in the order given,
// with their parties and confirmations: three queries whatever the number.
func loadIrritants(ctx context.Context, q querier, ids []int64) ([]*parley.Irritant, error) {
	out := []*parley.Irritant{}
	if len(ids) == 0 {
		return out, nil
	}
	args := int64Args(ids)
	in := placeholders(1, len(ids))
	byID := map[int64]*parley.Irritant{}
	err := each(ctx, q, `SELECT `+irritantCols+` FROM irritants WHERE id IN (`+in+`)`, args, func(r scanner) error {
		i, err := scanIrritant(r)
		if err == nil {
			byID[i.ID] = i
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load irritants: %w", err)
	}
	type party struct {
		role string
		id   int64
	}
	err = children(ctx, q, `SELECT irritant_id, role, party_id FROM irritant_parties WHERE irritant_id IN (`+in+`) ORDER BY irritant_id, role, position`, args, byID,
		func(r scanner) (id int64, p party, err error) {
			err = r.Scan(&id, &p.role, &p.id)
			return id, p, err
		}, func(i *parley.Irritant, p party) {
			switch p.role {
			case roleToward:
				i.Toward = append(i.Toward, p.id)
			case roleStakeholder:
				i.Stakeholders = append(i.Stakeholders, p.id)
			}
		})
	if err != nil {
		return nil, fmt.Errorf("load irritant parties: %w", err)
	}
	err = children(ctx, q, `SELECT irritant_id, party_id, user_id, at FROM irritant_confirmations WHERE irritant_id IN (`+in+`) ORDER BY irritant_id, at, party_id`, args, byID,
		func(r scanner) (id int64, c parley.Confirmation, err error) {
			var at int64
			err = r.Scan(&id, &c.PartyID, &c.UserID, &at)
			c.At = fromMicros(at)
			return id, c, err
		}, func(i *parley.Irritant, c parley.Confirmation) { i.Confirmations = append(i.Confirmations, c) })
	if err != nil {
		return nil, fmt.Errorf("load confirmations: %w", err)
	}
	for _, id := range ids {
		if i := byID[id]; i != nil {
			out = append(out, i)
		}
	}
	return out, nil
}

// findVisibleIrritant loads an irritant and its talk, as u may see them. An
// irritant in a talk u may not see does not exist for u.
func findVisibleIrritant(ctx context.Context, q querier, u *parley.User, id int64) (*parley.Irritant, *parley.Talk, error) {
	is, err := loadIrritants(ctx, q, []int64{id})
	if err != nil {
		return nil, nil, err
	}
	if len(is) == 0 {
		return nil, nil, parley.Errorf(parley.ENOTFOUND, "no irritant %d", id)
	}
	t, err := findVisibleTalk(ctx, q, u, is[0].TalkID)
	if parley.ErrorCode(err) == parley.ENOTFOUND {
		return nil, nil, parley.Errorf(parley.ENOTFOUND, "no irritant %d", id)
	} else if err != nil {
		return nil, nil, err
	}
	return is[0], t, nil
}

func irritantSearch(i *parley.Irritant) string {
	return strings.ToLower(i.Title + "\n" + i.Description + "\n" + i.Category)
}

// RaiseIrritant implements parley.IrritantService.
func (db *DB) RaiseIrritant(ctx context.Context, i *parley.Irritant) (err error) {
	defer wrap(&err, "RaiseIrritant")
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	return db.inTalk(ctx, u, i.TalkID, func(tx *tx, t *parley.Talk) ([]*parley.Event, error) {
		if !parley.CanRaiseIrritant(u, t) {
			return nil, parley.Errorf(parley.EFORBIDDEN, "only the heads and negotiators of seated member delegations raise irritants")
		}
		i.RaisedBy, i.RaisedByUser = u.PartyID, u.ID
		if err := i.Validate(t); err != nil {
			return nil, err
		}
		i.Status, i.StatusReason, i.EscalatedTo = parley.IrritantRaised, "", ""
		i.CreatedAt = db.now()
		i.UpdatedAt = i.CreatedAt
		i.Confirmations = []parley.Confirmation{}
		if i.Stakeholders == nil {
			i.Stakeholders = []int64{}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO irritants (talk_id, raised_by, raised_by_user, title, description, category, priority, due, status, status_reason, escalated_to, search, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', '', $10, $11, $11) RETURNING id`,
			i.TalkID, i.RaisedBy, i.RaisedByUser, i.Title, i.Description, i.Category, i.Priority, i.Due, string(i.Status), irritantSearch(i), micros(i.CreatedAt)).Scan(&i.ID); err != nil {
			return nil, fmt.Errorf("insert irritant: %w", err)
		}
		add := func(role string, ps []int64) error {
			for k, p := range ps {
				if _, err := tx.ExecContext(ctx, `INSERT INTO irritant_parties (irritant_id, role, position, party_id) VALUES ($1, $2, $3, $4)`, i.ID, role, k, p); err != nil {
					return fmt.Errorf("insert irritant party: %w", err)
				}
			}
			return nil
		}
		if err := add(roleRaiser, []int64{i.RaisedBy}); err != nil {
			return nil, err
		}
		if err := add(roleToward, i.Toward); err != nil {
			return nil, err
		}
		if err := add(roleStakeholder, i.Stakeholders); err != nil {
			return nil, err
		}
		if err := refreshWaits(ctx, tx, i.ID); err != nil {
			return nil, err
		}
		payload, _ := json.Marshal(map[string]any{"irritant_id": i.ID, "title": i.Title, "description": i.Description, "category": i.Category,
			"priority": i.Priority, "due": i.Due, "raised_by": i.RaisedBy, "toward": i.Toward, "stakeholders": i.Stakeholders})
		return oneEvent(db.irritantEvent(ctx, tx, u, i, parley.EventInput{Type: "irritant.raised", Payload: payload}))
	})
}

// irritantEvent appends an event about i to its talk's record and links it to i.
func (db *DB) irritantEvent(ctx context.Context, tx *tx, u *parley.User, i *parley.Irritant, in parley.EventInput) (*parley.Event, error) {
	e, err := db.consultEvent(ctx, tx, u, i.TalkID, in)
	if err != nil {
		return nil, err
	}
	if e.PrivateTo != 0 {
		// An internal comment lives in its party's private chain.
		if _, err := tx.ExecContext(ctx, `INSERT INTO irritant_private_events (irritant_id, talk_id, private_to, seq) VALUES ($1, $2, $3, $4)`, i.ID, i.TalkID, e.PrivateTo, e.Seq); err != nil {
			return nil, fmt.Errorf("link irritant event: %w", err)
		}
		return e, nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO irritant_events (irritant_id, talk_id, seq) VALUES ($1, $2, $3)`, i.ID, i.TalkID, e.Seq); err != nil {
		return nil, fmt.Errorf("link irritant event: %w", err)
	}
	return e, nil
}

// FindIrritantByID implements parley.IrritantService.
func (db *DB) FindIrritantByID(ctx context.Context, id int64) (_ *parley.Irritant, err error) {
	defer wrap(&err, "FindIrritantByID(%d)", id)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	i, _, err := findVisibleIrritant(ctx, db.read, u, id)
	return i, err
}

// FindIrritants implements parley.IrritantService.
func (db *DB) FindIrritants(ctx context.Context, f parley.IrritantFilter) (_ []*parley.Irritant, err error) {
	defer wrap(&err, "FindIrritants")
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := findVisibleTalk(ctx, db.read, u, f.TalkID); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	order := "i.id"
	switch f.Sort {
	case "", parley.SortOldest:
	case parley.SortNewest:
		order = "i.id DESC"
	case parley.SortUpdated:
		order = "i.updated_at DESC, i.id DESC"
	case parley.SortTitle:
		order = "lower(i.title), i.id"
	default:
		return nil, parley.Errorf(parley.EINVALID, "sort %q is not one of oldest, newest, updated, title", f.Sort)
	}
	if order != "i.id" && f.AfterID != 0 {
		return nil, parley.Errorf(parley.EINVALID, "after_id pages only in the default order (oldest first); leave out sort=%s to page", f.Sort)
	}
	where := []string{"i.talk_id = $1", "i.id > $2"}
	args := []any{f.TalkID, f.AfterID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if len(f.Status) > 0 {
		var ps []string
		for _, s := range f.Status {
			ps = append(ps, arg(string(s)))
		}
		where = append(where, "i.status IN ("+strings.Join(ps, ", ")+")")
	}
	if f.Category != "" {
		where = append(where, "i.category = "+arg(f.Category))
	}
	if f.Priority != "" {
		where = append(where, "i.priority = "+arg(f.Priority))
	}
	if f.Party != 0 {
		where = append(where, "EXISTS (SELECT 1 FROM irritant_parties p WHERE p.irritant_id = i.id AND p.role <> 'stakeholder' AND p.party_id = "+arg(f.Party)+")")
	}
	if words := strings.Fields(f.Query); len(words) > 0 {
		// Comments count only where the viewer may read them: shared ones,
		// and internal ones of the viewer's own party. SQLite numbers $n
		// parameters by first appearance, so each is used first in order.
		// Substring tests are instr on SQLite and strpos on PostgreSQL:
		// unlike LIKE they need no escaping and skip the pattern matcher.
		contains := "instr"
		if db.dialect.Name == "postgres" {
			contains = "strpos"
		} else {
			// A search reads every row anyway: walking the table in id
			// order beats the status index, whose every hit is a second
			// lookup into the table, and stops at the page's limit.
			where[0] = "+i.talk_id = $1"
		}
		for _, w := range words[:min(len(words), 10)] {
			p := arg(strings.ToLower(w))
			own := arg(u.PartyID)
			where = append(where, `(`+contains+`(i.search, `+p+`) > 0 OR i.id IN (SELECT c.irritant_id FROM irritant_comments c
				WHERE (c.private_to = 0 OR c.private_to = `+own+`) AND `+contains+`(c.search, `+p+`) > 0))`)
		}
	}
	q := `SELECT i.id FROM irritants i WHERE ` + strings.Join(where, " AND ") + ` ORDER BY ` + order + ` LIMIT ` + arg(f.Limit)
	ids, err := all(ctx, db.read, q, args, scanInt64)
	if err != nil {
		return nil, fmt.Errorf("find irritants: %w", err)
	}
	return loadIrritants(ctx, db.read, ids)
}

// CountIrritants implements parley.IrritantService.
func (db *DB) CountIrritants(ctx context.Context, talkID int64) (_ map[parley.IrritantStatus]int, err error) {
	defer wrap(&err, "CountIrritants(%d)", talkID)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := findVisibleTalk(ctx, db.read, u, talkID); err != nil {
		return nil, err
	}
	out := map[parley.IrritantStatus]int{}
	err = each(ctx, db.read, `SELECT status, count(*) FROM irritants WHERE talk_id = $1 GROUP BY status`, []any{talkID}, func(r scanner) error {
		var s string
		var n int
		err := r.Scan(&s, &n)
		out[parley.IrritantStatus(s)] = n
		return err
	})
	return out, err
}

// MoveIrritant implements parley.IrritantService.
func (db *DB) MoveIrritant(ctx context.Context, id int64, m parley.IrritantMove) (_ *parley.Irritant, err error) {
	defer wrap(&err, "MoveIrritant(%d)", id)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var i *parley.Irritant
	err = db.inTx(ctx, func(tx *tx) (_ []*parley.Event, err error) {
		// Take the irritant's row before reading it: two parties confirming at
		// once on PostgreSQL must see each other's confirmation, or neither
		// would resolve it.
		if _, err := tx.ExecContext(ctx, `UPDATE irritants SET status = status WHERE id = $1`, id); err != nil {
			return nil, err
		}
		var t *parley.Talk
		i, t, err = findVisibleIrritant(ctx, tx, u, id)
		if err != nil {
			return nil, err
		}
		if err := parley.CheckMove(u, t, i, m); err != nil {
			return nil, err
		}
		from := i.Status
		now := db.now()
		moved := i.Apply(u, m, now)
		if _, err := tx.ExecContext(ctx, `UPDATE irritants SET status = $1, status_reason = $2, escalated_to = $3, updated_at = $4 WHERE id = $5`,
			string(i.Status), i.StatusReason, i.EscalatedTo, micros(now), i.ID); err != nil {
			return nil, fmt.Errorf("update irritant: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM irritant_confirmations WHERE irritant_id = $1`, i.ID); err != nil {
			return nil, err
		}
		for _, c := range i.Confirmations {
			if _, err := tx.ExecContext(ctx, `INSERT INTO irritant_confirmations (irritant_id, party_id, user_id, at) VALUES ($1, $2, $3, $4)`,
				i.ID, c.PartyID, c.UserID, micros(c.At)); err != nil {
				return nil, fmt.Errorf("insert confirmation: %w", err)
			}
		}
		if err := refreshWaits(ctx, tx, i.ID); err != nil {
			return nil, err
		}
		var es []*parley.Event
		if m.To == parley.IrritantResolved {
			payload, _ := json.Marshal(map[string]any{"irritant_id": i.ID, "title": i.Title, "party_id": u.PartyID, "reason": m.Reason, "awaiting": nonNilIDs(i.AwaitingConfirmation())})
			e, err := db.irritantEvent(ctx, tx, u, i, parley.EventInput{Type: "irritant.confirmed", Payload: payload})
			if err != nil {
				return nil, err
			}
			es = append(es, e)
		}
		if moved {
			payload, _ := json.Marshal(map[string]any{"irritant_id": i.ID, "title": i.Title, "from": from, "to": i.Status, "reason": m.Reason, "escalated_to": m.EscalatedTo})
			e, err := db.irritantEvent(ctx, tx, u, i, parley.EventInput{Type: "irritant.moved", Payload: payload})
			if err != nil {
				return nil, err
			}
			es = append(es, e)
		}
		return es, nil
	})
	if err != nil {
		return nil, err
	}
	return i, nil
}

func nonNilIDs(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

// CommentOnIrritant implements parley.IrritantService.
func (db *DB) CommentOnIrritant(ctx context.Context, c *parley.IrritantComment) (err error) {
	defer wrap(&err, "CommentOnIrritant")
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if c.PrivateTo != 0 && (u.PartyID == 0 || c.PrivateTo != u.PartyID) {
		return parley.Errorf(parley.EINVALID, "an internal comment is for your own party's delegation; you can write only shared comments")
	}
	return db.inTx(ctx, func(tx *tx) ([]*parley.Event, error) {
		i, t, err := findVisibleIrritant(ctx, tx, u, c.IrritantID)
		if err != nil {
			return nil, err
		}
		if !parley.CanActInTalk(u, t) {
			return nil, parley.Errorf(parley.EFORBIDDEN, "only mediators and the heads and negotiators of seated delegations comment on irritants")
		}
		c.AuthorID, c.PartyID, c.CreatedAt = u.ID, u.PartyID, db.now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO irritant_comments (irritant_id, author_id, party_id, kind, private_to, body, search, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			c.IrritantID, c.AuthorID, c.PartyID, c.Kind, c.PrivateTo, c.Text, strings.ToLower(c.Text), micros(c.CreatedAt)).Scan(&c.ID); err != nil {
			return nil, fmt.Errorf("insert comment: %w", err)
		}
		if c.PrivateTo == 0 {
			// An internal comment must not show even as activity to others.
			if _, err := tx.ExecContext(ctx, `UPDATE irritants SET updated_at = $1 WHERE id = $2`, micros(c.CreatedAt), i.ID); err != nil {
				return nil, err
			}
		}
		payload, _ := json.Marshal(map[string]any{"irritant_id": i.ID, "title": i.Title, "comment_id": c.ID, "kind": c.Kind, "text": c.Text})
		return oneEvent(db.irritantEvent(ctx, tx, u, i, parley.EventInput{Type: "irritant.commented", PrivateTo: c.PrivateTo, Payload: payload}))
	})
}

// IrritantComments implements parley.IrritantService.
func (db *DB) IrritantComments(ctx context.Context, id int64) (_ []*parley.IrritantComment, err error) {
	defer wrap(&err, "IrritantComments(%d)", id)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if _, _, err := findVisibleIrritant(ctx, db.read, u, id); err != nil {
		return nil, err
	}
	// The query keeps to what the viewer may read; the rule checks again.
	cs, err := all(ctx, db.read, `SELECT id, irritant_id, author_id, party_id, kind, private_to, body, created_at
		FROM irritant_comments WHERE irritant_id = $1 AND (private_to = 0 OR private_to = $2) ORDER BY id`, []any{id, u.PartyID}, scanComment)
	if err != nil {
		return nil, err
	}
	out := []*parley.IrritantComment{}
	for _, c := range cs {
		if parley.CanSeePrivate(u, c.PrivateTo) {
			out = append(out, c)
		}
	}
	return out, nil
}

// CommentsOnIrritants implements parley.IrritantService.
func (db *DB) CommentsOnIrritants(ctx context.Context, talkID int64, ids []int64) (_ map[int64][]*parley.IrritantComment, err error) {
	defer wrap(&err, "CommentsOnIrritants(%d)", talkID)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := findVisibleTalk(ctx, db.read, u, talkID); err != nil {
		return nil, err
	}
	out := map[int64][]*parley.IrritantComment{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := []any{talkID, u.PartyID}
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		ids = ids[n:]
		cs, err := all(ctx, db.read, `SELECT c.id, c.irritant_id, c.author_id, c.party_id, c.kind, c.private_to, c.body, c.created_at
			FROM irritant_comments c JOIN irritants i ON i.id = c.irritant_id
			WHERE i.talk_id = $1 AND (c.private_to = 0 OR c.private_to = $2) AND c.irritant_id IN (`+placeholders(3, n)+`) ORDER BY c.id`, args, scanComment)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if parley.CanSeePrivate(u, c.PrivateTo) {
				out[c.IrritantID] = append(out[c.IrritantID], c)
			}
		}
	}
	return out, nil
}

// IrritantTimeline implements parley.IrritantService.
func (db *DB) IrritantTimeline(ctx context.Context, id int64) (_ []*parley.Event, err error) {
	defer wrap(&err, "IrritantTimeline(%d)", id)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if _, _, err := findVisibleIrritant(ctx, db.read, u, id); err != nil {
		return nil, err
	}
	// The shared events, then the user's own party's private ones (its
	// internal comments), in time order; another party's never appear.
	evs, err := all(ctx, db.read, `SELECT e.talk_id, e.seq, e.time, e.actor_id, e.party_id, e.type, e.private_to, e.payload, e.payload_hash, e.prev_hash, e.hash, e.signature, e.v
		FROM irritant_events ie JOIN events e ON e.talk_id = ie.talk_id AND e.seq = ie.seq WHERE ie.irritant_id = $1
		UNION ALL
		SELECT e.talk_id, e.seq, e.time, e.actor_id, e.party_id, e.type, e.private_to, e.payload, e.payload_hash, e.prev_hash, e.hash, e.signature, e.v
		FROM irritant_private_events ie JOIN private_events e ON e.talk_id = ie.talk_id AND e.private_to = ie.private_to AND e.seq = ie.seq
		WHERE ie.irritant_id = $1 AND ie.private_to = $2 AND $2 <> 0
		ORDER BY 3, 2`, []any{id, u.PartyID}, scanEvent)
	if err != nil {
		return nil, err
	}
	es := []*parley.Event{}
	for _, e := range evs {
		// Another party's legacy (version 1) internal comments stay out of
		// the timeline altogether; the record export keeps them as hashes only.
		if v := parley.VisibleEvent(u, e); !v.Redacted {
			es = append(es, v)
		}
	}
	return es, nil
}
