package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"parley"
)

var _ parley.StatementService = (*DB)(nil)

func scanVersion(s scanner) (*parley.StatementVersion, error) {
	var v parley.StatementVersion
	var created int64
	if err := s.Scan(&v.Number, &v.Text, &v.AuthorID, &v.PartyID, &v.Seq, &v.Hash, &created); err != nil {
		return nil, err
	}
	v.CreatedAt = fromMicros(created)
	return &v, nil
}

const versionCols = `number, text, author_id, party_id, seq, hash, created_at`

// findStatement loads a statement with its current version and the marks,
// signatures and consents of that version.
func findStatement(ctx context.Context, q querier, id int64) (*parley.Statement, error) {
	ss, err := loadStatements(ctx, q, `s.id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(ss) == 0 {
		return nil, parley.Errorf(parley.ENOTFOUND, "no statement %d", id)
	}
	return ss[0], nil
}

// loadStatements loads the statements s that where (on s, with args)
// selects, in id order, each with its current version, stakeholders, and
// the marks, signatures and consents of that version: five queries however
// many statements.
func loadStatements(ctx context.Context, q querier, where string, args ...any) ([]*parley.Statement, error) {
	byID := map[int64]*parley.Statement{}
	out, err := all(ctx, q, `SELECT s.id, s.talk_id, s.title, s.adopted, s.created_at, v.number, v.text, v.author_id, v.party_id, v.seq, v.hash, v.created_at
		FROM statements s JOIN statement_versions v ON v.statement_id = s.id AND v.number = s.version WHERE `+where+` ORDER BY s.id`, args,
		func(r scanner) (*parley.Statement, error) {
			s := &parley.Statement{Current: &parley.StatementVersion{}, Stakeholders: []int64{}, Marks: []parley.StatementMark{},
				Signatures: []parley.StatementSignature{}, Consents: []parley.StakeholderConsent{}}
			v := s.Current
			var adopted, created, vcreated int64
			err := r.Scan(&s.ID, &s.TalkID, &s.Title, &adopted, &created, &v.Number, &v.Text, &v.AuthorID, &v.PartyID, &v.Seq, &v.Hash, &vcreated)
			s.Adopted, s.CreatedAt, v.CreatedAt = adopted != 0, fromMicros(created), fromMicros(vcreated)
			byID[s.ID] = s
			return s, err
		})
	if err != nil {
		return nil, fmt.Errorf("load statements: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	// The parts of the current versions, joined to the statements again.
	err = children(ctx, q, `SELECT x.statement_id, x.party_id FROM statement_stakeholders x JOIN statements s ON s.id = x.statement_id
		WHERE `+where+` ORDER BY x.statement_id, x.party_id`, args, byID, scanPair,
		func(s *parley.Statement, p int64) { s.Stakeholders = append(s.Stakeholders, p) })
	if err != nil {
		return nil, fmt.Errorf("load statement stakeholders: %w", err)
	}
	err = children(ctx, q, `SELECT m.statement_id, m.version, m.party_id, m.user_id, m.mark, m.at FROM statement_marks m JOIN statements s ON s.id = m.statement_id AND m.version = s.version
		WHERE `+where+` ORDER BY m.statement_id, m.party_id`, args, byID, func(r scanner) (id int64, m parley.StatementMark, err error) {
		var at int64
		err = r.Scan(&id, &m.Version, &m.PartyID, &m.UserID, &m.Mark, &at)
		m.At = fromMicros(at)
		return id, m, err
	}, func(s *parley.Statement, m parley.StatementMark) { s.Marks = append(s.Marks, m) })
	if err != nil {
		return nil, fmt.Errorf("load statement marks: %w", err)
	}
	err = children(ctx, q, `SELECT g.statement_id, g.version, g.party_id, g.user_id, g.seq, g.at FROM statement_signatures g JOIN statements s ON s.id = g.statement_id AND g.version = s.version
		WHERE `+where+` ORDER BY g.statement_id, g.seq`, args, byID, func(r scanner) (id int64, g parley.StatementSignature, err error) {
		var at int64
		err = r.Scan(&id, &g.Version, &g.PartyID, &g.UserID, &g.Seq, &at)
		g.At = fromMicros(at)
		return id, g, err
	}, func(s *parley.Statement, g parley.StatementSignature) { s.Signatures = append(s.Signatures, g) })
	if err != nil {
		return nil, fmt.Errorf("load statement signatures: %w", err)
	}
	err = children(ctx, q, `SELECT c.statement_id, c.version, c.party_id, c.user_id, c.consent, c.note, c.at FROM statement_consents c JOIN statements s ON s.id = c.statement_id AND c.version = s.version
		WHERE `+where+` ORDER BY c.statement_id, c.party_id`, args, byID, func(r scanner) (id int64, c parley.StakeholderConsent, err error) {
		var at, consent int64
		err = r.Scan(&id, &c.Version, &c.PartyID, &c.UserID, &consent, &c.Note, &at)
		c.Consent, c.At = consent != 0, fromMicros(at)
		return id, c, err
	}, func(s *parley.Statement, c parley.StakeholderConsent) { s.Consents = append(s.Consents, c) })
	if err != nil {
		return nil, fmt.Errorf("load statement consents: %w", err)
	}
	return out, nil
}

func findVisibleStatement(ctx context.Context, q querier, u *parley.User, id int64) (*parley.Statement, *parley.Talk, error) {
	s, err := findStatement(ctx, q, id)
	if err != nil {
		return nil, nil, err
	}
	t, err := findVisibleTalk(ctx, q, u, s.TalkID)
	if parley.ErrorCode(err) == parley.ENOTFOUND {
		return nil, nil, parley.Errorf(parley.ENOTFOUND, "no statement %d", id)
	} else if err != nil {
		return nil, nil, err
	}
	return s, t, nil
}

func textHash(text string) string {
	h := sha256.Sum256([]byte(text))
	return hex.EncodeToString(h[:])
}

// addVersion records version number of statement s with text: the record
// event first, whose hash is what heads of delegation sign.
func (db *DB) addVersion(ctx context.Context, tx *tx, u *parley.User, s *parley.Statement, number int, text string) (*parley.StatementVersion, *parley.Event, error) {
	payload, _ := json.Marshal(map[string]any{"statement_id": s.ID, "title": s.Title, "version": number, "text": text, "text_sha256": textHash(text)})
	e, err := db.consultEvent(ctx, tx, u, s.TalkID, parley.EventInput{Type: "statement.version", Payload: payload})
	if err != nil {
		return nil, nil, err
	}
	v := &parley.StatementVersion{Number: number, Text: text, AuthorID: u.ID, PartyID: u.PartyID, Seq: e.Seq, Hash: e.Hash, CreatedAt: e.Time}
	if _, err := tx.ExecContext(ctx, `INSERT INTO statement_versions (statement_id, number, text, author_id, party_id, seq, hash, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, s.ID, v.Number, v.Text, v.AuthorID, v.PartyID, v.Seq, v.Hash, micros(v.CreatedAt)); err != nil {
		return nil, nil, fmt.Errorf("insert statement version: %w", err)
	}
	return v, e, nil
}

// CreateStatement implements parley.StatementService.
func (db *DB) CreateStatement(ctx context.Context, s *parley.Statement, text string) (err error) {
	defer wrap(&err, "CreateStatement")
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := parley.ValidateStatementText(text); err != nil {
		return err
	}
	return db.inTalk(ctx, u, s.TalkID, func(tx *tx, t *parley.Talk) ([]*parley.Event, error) {
		if !parley.CanDraftStatement(u, t) {
			return nil, parley.Errorf(parley.EFORBIDDEN, "only mediators and the heads and negotiators of member delegations draft statements")
		}
		if s.Stakeholders == nil {
			s.Stakeholders = []int64{}
		}
		if err := s.Validate(t); err != nil {
			return nil, err
		}
		s.CreatedAt, s.Adopted = db.now(), false
		if err := tx.QueryRowContext(ctx, `INSERT INTO statements (talk_id, title, version, adopted, created_at) VALUES ($1, $2, 1, 0, $3) RETURNING id`,
			s.TalkID, s.Title, micros(s.CreatedAt)).Scan(&s.ID); err != nil {
			return nil, fmt.Errorf("insert statement: %w", err)
		}
		for _, p := range s.Stakeholders {
			if _, err := tx.ExecContext(ctx, `INSERT INTO statement_stakeholders (statement_id, party_id) VALUES ($1, $2)`, s.ID, p); err != nil {
				return nil, fmt.Errorf("insert statement stakeholder: %w", err)
			}
		}
		v, e, err := db.addVersion(ctx, tx, u, s, 1, text)
		if err != nil {
			return nil, err
		}
		s.Current = v
		s.Marks, s.Signatures, s.Consents = []parley.StatementMark{}, []parley.StatementSignature{}, []parley.StakeholderConsent{}
		return []*parley.Event{e}, nil
	})
}

// FindStatementByID implements parley.StatementService.
func (db *DB) FindStatementByID(ctx context.Context, id int64) (_ *parley.Statement, err error) {
	defer wrap(&err, "FindStatementByID(%d)", id)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	s, _, err := findVisibleStatement(ctx, db.read, u, id)
	return s, err
}

// FindStatements implements parley.StatementService.
func (db *DB) FindStatements(ctx context.Context, talkID int64) (_ []*parley.Statement, err error) {
	defer wrap(&err, "FindStatements(%d)", talkID)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	// Constant queries, prepared once: the inbox reads every talk's.
	rd := preparedReads{db}
	if _, err := findVisibleTalk(ctx, rd, u, talkID); err != nil {
		return nil, err
	}
	return loadStatements(ctx, rd, `s.talk_id = $1`, talkID)
}

// StatementVersions implements parley.StatementService.
func (db *DB) StatementVersions(ctx context.Context, id int64) (_ []*parley.StatementVersion, err error) {
	defer wrap(&err, "StatementVersions(%d)", id)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if _, _, err := findVisibleStatement(ctx, db.read, u, id); err != nil {
		return nil, err
	}
	return all(ctx, db.read, `SELECT `+versionCols+` FROM statement_versions WHERE statement_id = $1 ORDER BY number`, []any{id}, scanVersion)
}

// inStatement is inTx for a change u makes to statement id. The
// transaction holds the statement's row, so that edits and sign-offs of one
// statement queue up on PostgreSQL too; write gets the statement and its
// talk as u sees them.
func (db *DB) inStatement(ctx context.Context, u *parley.User, id int64, write func(tx *tx, s *parley.Statement, t *parley.Talk) ([]*parley.Event, error)) error {
	return db.inTx(ctx, func(tx *tx) ([]*parley.Event, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE statements SET version = version WHERE id = $1`, id); err != nil {
			return nil, err
		}
		s, t, err := findVisibleStatement(ctx, tx, u, id)
		if err != nil {
			return nil, err
		}
		return write(tx, s, t)
	})
}

// current returns an ECONFLICT error unless version is s's current version.
func current(s *parley.Statement, version int, doing string) error {
	if version != s.Current.Number {
		return parley.Errorf(parley.ECONFLICT, "version %d of %q is no longer current: version %d replaced it; read it before you %s", version, s.Title, s.Current.Number, doing)
	}
	return nil
}

// EditStatement implements parley.StatementService.
func (db *DB) EditStatement(ctx context.Context, id int64, base int, text string) (_ *parley.StatementVersion, err error) {
	defer wrap(&err, "EditStatement(%d, %d)", id, base)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := parley.ValidateStatementText(text); err != nil {
		return nil, err
	}
	// On a conflict the editor keeps their text and gets the one that won.
	var v, won *parley.StatementVersion
	err = db.inStatement(ctx, u, id, func(tx *tx, s *parley.Statement, t *parley.Talk) (_ []*parley.Event, err error) {
		if !parley.CanDraftStatement(u, t) {
			return nil, parley.Errorf(parley.EFORBIDDEN, "only mediators and the heads and negotiators of member delegations edit statements")
		}
		if s.Adopted {
			won = s.Current
			return nil, parley.Errorf(parley.ECONFLICT, "%q was adopted in version %d; an adopted statement is read-only", s.Title, s.Current.Number)
		}
		if base != s.Current.Number {
			won = s.Current
			return nil, parley.Errorf(parley.ECONFLICT, "someone else saved version %d of %q while you edited version %d; compare both texts and save again on version %d",
				s.Current.Number, s.Title, base, s.Current.Number)
		}
		if text == s.Current.Text {
			return nil, parley.Errorf(parley.EINVALID, "the text is unchanged from version %d", base)
		}
		var e *parley.Event
		v, e, err = db.addVersion(ctx, tx, u, s, base+1, text)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE statements SET version = $1 WHERE id = $2`, v.Number, s.ID); err != nil {
			return nil, err
		}
		return []*parley.Event{e}, nil
	})
	if err != nil {
		return won, err
	}
	return v, nil
}

// changeStatement runs change in a statement transaction and records the
// events it returns.
func (db *DB) changeStatement(ctx context.Context, id int64, change func(tx *tx, u *parley.User, s *parley.Statement, t *parley.Talk) ([]parley.EventInput, error)) (*parley.Statement, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	err = db.inStatement(ctx, u, id, func(tx *tx, s *parley.Statement, t *parley.Talk) ([]*parley.Event, error) {
		ins, err := change(tx, u, s, t)
		if err != nil {
			return nil, err
		}
		var es []*parley.Event
		for _, in := range ins {
			e, err := db.consultEvent(ctx, tx, u, s.TalkID, in)
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
	return findStatement(ctx, db.write, id)
}

// MarkStatement implements parley.StatementService.
func (db *DB) MarkStatement(ctx context.Context, id int64, version int, mark string) (_ *parley.Statement, err error) {
	defer wrap(&err, "MarkStatement(%d, %d)", id, version)
	return db.changeStatement(ctx, id, func(tx *tx, u *parley.User, s *parley.Statement, t *parley.Talk) ([]parley.EventInput, error) {
		if !parley.CanRaiseIrritant(u, t) {
			return nil, parley.Errorf(parley.EFORBIDDEN, "only the heads and negotiators of member delegations mark a statement for their party")
		}
		if mark != parley.MarkCanAccept && mark != parley.MarkRequestsChanges {
			return nil, parley.Errorf(parley.EINVALID, "mark %q is not one of can_accept, requests_changes", mark)
		}
		if err := current(s, version, "mark it"); err != nil {
			return nil, err
		}
		if s.Adopted {
			return nil, parley.Errorf(parley.ECONFLICT, "%q is adopted; its marks are final", s.Title)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM statement_marks WHERE statement_id = $1 AND version = $2 AND party_id = $3`, s.ID, version, u.PartyID); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO statement_marks (statement_id, version, party_id, user_id, mark, at) VALUES ($1, $2, $3, $4, $5, $6)`,
			s.ID, version, u.PartyID, u.ID, mark, micros(db.now())); err != nil {
			return nil, err
		}
		payload, _ := json.Marshal(map[string]any{"statement_id": s.ID, "title": s.Title, "version": version, "mark": mark})
		return []parley.EventInput{{Type: "statement.marked", Payload: payload}}, nil
	})
}

// SignStatement implements parley.StatementService.
func (db *DB) SignStatement(ctx context.Context, id int64, version int, signature []byte) (_ *parley.Statement, err error) {
	defer wrap(&err, "SignStatement(%d, %d)", id, version)
	return db.changeStatement(ctx, id, func(tx *tx, u *parley.User, s *parley.Statement, t *parley.Talk) ([]parley.EventInput, error) {
		if !parley.CanSignStatement(u, t) {
			return nil, parley.Errorf(parley.EFORBIDDEN, "only the head of a member delegation signs a statement for their party")
		}
		if err := current(s, version, "sign it"); err != nil {
			return nil, err
		}
		if s.Adopted {
			return nil, parley.Errorf(parley.ECONFLICT, "%q is already adopted", s.Title)
		}
		for _, g := range s.Signatures {
			if g.PartyID == u.PartyID {
				return nil, parley.Errorf(parley.ECONFLICT, "your party has already signed version %d", version)
			}
		}
		signature, err := db.partySignature(ctx, tx, u.PartyID, s.Current.Hash, fmt.Sprintf("version %d", version), signature)
		if err != nil {
			return nil, err
		}
		// The sign-off event's seq is the one appended next; holding the
		// talk's row keeps any other append from taking it meanwhile.
		var next int64
		if err := tx.QueryRowContext(ctx, `UPDATE talks SET last_seq = last_seq WHERE id = $1 RETURNING last_seq`, s.TalkID).Scan(&next); err != nil {
			return nil, err
		}
		next++
		if _, err := tx.ExecContext(ctx, `INSERT INTO statement_signatures (statement_id, version, party_id, user_id, seq, at) VALUES ($1, $2, $3, $4, $5, $6)`,
			s.ID, version, u.PartyID, u.ID, next, micros(db.now())); err != nil {
			return nil, err
		}
		s.Signatures = append(s.Signatures, parley.StatementSignature{PartyID: u.PartyID, UserID: u.ID, Version: version, Seq: next})
		payload, _ := json.Marshal(parley.SignOff{Seq: s.Current.Seq, Hash: s.Current.Hash, Signature: signature})
		ins := []parley.EventInput{{Type: parley.EventSignOff, Payload: payload}}
		if len(s.AwaitingSignature(t)) == 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE statements SET adopted = 1 WHERE id = $1`, s.ID); err != nil {
				return nil, err
			}
			payload, _ := json.Marshal(map[string]any{"statement_id": s.ID, "title": s.Title, "version": version, "hash": s.Current.Hash,
				"awaiting_consent": nonNilIDs(s.AwaitingConsent())})
			ins = append(ins, parley.EventInput{Type: "statement.adopted", Payload: payload})
		}
		return ins, nil
	})
}

// ConsentToStatement implements parley.StatementService.
func (db *DB) ConsentToStatement(ctx context.Context, id int64, version int, consent bool, note string) (_ *parley.Statement, err error) {
	defer wrap(&err, "ConsentToStatement(%d, %d)", id, version)
	return db.changeStatement(ctx, id, func(tx *tx, u *parley.User, s *parley.Statement, t *parley.Talk) ([]parley.EventInput, error) {
		p, ok := t.Party(u.PartyID)
		named := false
		for _, sp := range s.Stakeholders {
			named = named || sp == u.PartyID
		}
		if !ok || !p.Accepted || !named || u.Role != parley.RoleHead {
			return nil, parley.Errorf(parley.EFORBIDDEN, "only the head of a stakeholder the statement names consents or objects")
		}
		if len(note) > 5000 {
			return nil, parley.Errorf(parley.EINVALID, "the note is limited to 5000 characters")
		}
		if err := current(s, version, "consent"); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM statement_consents WHERE statement_id = $1 AND version = $2 AND party_id = $3`, s.ID, version, u.PartyID); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO statement_consents (statement_id, version, party_id, user_id, consent, note, at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			s.ID, version, u.PartyID, u.ID, b2i(consent), note, micros(db.now())); err != nil {
			return nil, err
		}
		typ := "statement.consented"
		if !consent {
			typ = "statement.objected"
		}
		payload, _ := json.Marshal(map[string]any{"statement_id": s.ID, "title": s.Title, "version": version, "hash": s.Current.Hash, "note": note})
		return []parley.EventInput{{Type: typ, Payload: payload}}, nil
	})
}

// CommentOnStatement implements parley.StatementService.
func (db *DB) CommentOnStatement(ctx context.Context, id int64, c *parley.StatementComment) (err error) {
	defer wrap(&err, "CommentOnStatement(%d)", id)
	_, err = db.changeStatement(ctx, id, func(tx *tx, u *parley.User, s *parley.Statement, t *parley.Talk) ([]parley.EventInput, error) {
		if !parley.CanActInTalk(u, t) {
			return nil, parley.Errorf(parley.EFORBIDDEN, "only mediators and the heads and negotiators of seated delegations comment")
		}
		if c.Version == 0 {
			c.Version = s.Current.Number
		}
		var text string
		if err := tx.QueryRowContext(ctx, `SELECT text FROM statement_versions WHERE statement_id = $1 AND number = $2`, s.ID, c.Version).Scan(&text); errors.Is(err, sql.ErrNoRows) {
			return nil, parley.Errorf(parley.EINVALID, "%q has no version %d", s.Title, c.Version)
		} else if err != nil {
			return nil, err
		}
		if n := len(parley.Paragraphs(text)); c.Paragraph < 0 || c.Paragraph >= n {
			return nil, parley.Errorf(parley.EINVALID, "version %d has paragraphs 1 to %d; there is no paragraph %d", c.Version, n, c.Paragraph+1)
		}
		if len(c.Text) == 0 || len(c.Text) > 20000 {
			return nil, parley.Errorf(parley.EINVALID, "comment text must be 1 to 20000 characters")
		}
		c.AuthorID, c.PartyID, c.CreatedAt = u.ID, u.PartyID, db.now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO statement_comments (statement_id, version, paragraph, author_id, party_id, text, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, s.ID, c.Version, c.Paragraph, c.AuthorID, c.PartyID, c.Text, micros(c.CreatedAt)).Scan(&c.ID); err != nil {
			return nil, err
		}
		payload, _ := json.Marshal(map[string]any{"statement_id": s.ID, "title": s.Title, "version": c.Version, "paragraph": c.Paragraph, "text": c.Text})
		return []parley.EventInput{{Type: "statement.commented", Payload: payload}}, nil
	})
	return err
}

// StatementComments implements parley.StatementService.
func (db *DB) StatementComments(ctx context.Context, id int64) (_ []*parley.StatementComment, err error) {
	defer wrap(&err, "StatementComments(%d)", id)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if _, _, err := findVisibleStatement(ctx, db.read, u, id); err != nil {
		return nil, err
	}
	return all(ctx, db.read, `SELECT id, version, paragraph, author_id, party_id, text, created_at FROM statement_comments WHERE statement_id = $1 ORDER BY id`, []any{id},
		func(s scanner) (*parley.StatementComment, error) {
			var c parley.StatementComment
			var created int64
			err := s.Scan(&c.ID, &c.Version, &c.Paragraph, &c.AuthorID, &c.PartyID, &c.Text, &created)
			c.CreatedAt = fromMicros(created)
			return &c, err
		})
}
