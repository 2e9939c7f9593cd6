package sqlstore

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"parley"
)

func actor(ctx context.Context) (*parley.User, error) {
	u := parley.UserFromContext(ctx)
	if u == nil {
		return nil, parley.Errorf(parley.EUNAUTHORIZED, "sign in first")
	}
	return u, nil
}

const (
	qTalk          = `SELECT id, title, description, illustrative, created_by, created_at, last_seq FROM talks WHERE id = $1`
	qTalkParties   = `SELECT party_id, standing, accepted FROM talk_parties WHERE talk_id = $1 ORDER BY party_id`
	qTalkMediators = `SELECT user_id FROM talk_mediators WHERE talk_id = $1 ORDER BY user_id`
	qNextSeq       = `UPDATE talks SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq, last_hash`
	qInsertEvent   = `INSERT INTO events (talk_id, seq, time, actor_id, party_id, type, private_to, payload, payload_hash, prev_hash, hash, signature, v)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`
	qSetLastHash = `UPDATE talks SET last_hash = $1 WHERE id = $2`
	// qInsertEvents is followed by one (…) of 13 values per event (group.go).
	qInsertEvents = `INSERT INTO events (talk_id, seq, time, actor_id, party_id, type, private_to, payload, payload_hash, prev_hash, hash, signature, v) VALUES `
)

func findTalk(ctx context.Context, q querier, id int64) (*parley.Talk, error) {
	var t parley.Talk
	var ill, created int64
	err := q.QueryRowContext(ctx, qTalk, id).
		Scan(&t.ID, &t.Title, &t.Description, &ill, &t.CreatedBy, &created, &t.LastSeq)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, parley.Errorf(parley.ENOTFOUND, "no talk %d", id)
	} else if err != nil {
		return nil, fmt.Errorf("find talk: %w", err)
	}
	t.Illustrative, t.CreatedAt = ill != 0, fromMicros(created)
	if t.Parties, err = all(ctx, q, qTalkParties, []any{id}, scanTalkParty); err != nil {
		return nil, err
	}
	t.MediatorIDs, err = all(ctx, q, qTalkMediators, []any{id}, scanInt64)
	return &t, err
}

func scanTalkParty(s scanner) (parley.TalkParty, error) {
	var p parley.TalkParty
	var standing string
	var acc int64
	err := s.Scan(&p.PartyID, &standing, &acc)
	p.Standing, p.Accepted = parley.Standing(standing), acc != 0
	return p, err
}

// loadTalks reads the talks with these ids, with their parties and
// mediators: three queries however many. A talk that does not exist is
// missing from the map.
func loadTalks(ctx context.Context, q querier, ids []int64) (map[int64]*parley.Talk, error) {
	out := map[int64]*parley.Talk{}
	if len(ids) == 0 {
		return out, nil
	}
	args := int64Args(ids)
	in := placeholders(1, len(ids))
	err := each(ctx, q, `SELECT id, title, description, illustrative, created_by, created_at, last_seq FROM talks WHERE id IN (`+in+`)`, args, func(s scanner) error {
		var t parley.Talk
		var ill, created int64
		if err := s.Scan(&t.ID, &t.Title, &t.Description, &ill, &t.CreatedBy, &created, &t.LastSeq); err != nil {
			return err
		}
		t.Illustrative, t.CreatedAt = ill != 0, fromMicros(created)
		t.Parties, t.MediatorIDs = []parley.TalkParty{}, []int64{}
		out[t.ID] = &t
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load talks: %w", err)
	}
	err = each(ctx, q, `SELECT talk_id, party_id, standing, accepted FROM talk_parties WHERE talk_id IN (`+in+`) ORDER BY talk_id, party_id`, args, func(s scanner) error {
		var talk int64
		var p parley.TalkParty
		var standing string
		var acc int64
		if err := s.Scan(&talk, &p.PartyID, &standing, &acc); err != nil {
			return err
		}
		p.Standing, p.Accepted = parley.Standing(standing), acc != 0
		if t := out[talk]; t != nil {
			t.Parties = append(t.Parties, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load talk parties: %w", err)
	}
	err = each(ctx, q, `SELECT talk_id, user_id FROM talk_mediators WHERE talk_id IN (`+in+`) ORDER BY talk_id, user_id`, args, func(s scanner) error {
		var talk, m int64
		if err := s.Scan(&talk, &m); err != nil {
			return err
		}
		if t := out[talk]; t != nil {
			t.MediatorIDs = append(t.MediatorIDs, m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load talk mediators: %w", err)
	}
	return out, nil
}

// visibleTalks loads the talks with these ids as u may see them: ENOTFOUND
// for one that does not exist or that u may not see.
func visibleTalks(ctx context.Context, q querier, u *parley.User, ids []int64) (map[int64]*parley.Talk, error) {
	ts, err := loadTalks(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if t := ts[id]; t == nil || !parley.CanSeeTalk(u, t) {
			return nil, parley.Errorf(parley.ENOTFOUND, "no talk %d", id)
		}
	}
	return ts, nil
}

// int64Args returns ids as query arguments.
func int64Args(ids []int64) []any {
	args := make([]any, len(ids))
	for k, id := range ids {
		args[k] = id
	}
	return args
}

// findVisibleTalk loads a talk and applies the rule; a talk the user may not
// see does not exist for them.
func findVisibleTalk(ctx context.Context, q querier, u *parley.User, id int64) (*parley.Talk, error) {
	t, err := findTalk(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if !parley.CanSeeTalk(u, t) {
		return nil, parley.Errorf(parley.ENOTFOUND, "no talk %d", id)
	}
	return t, nil
}

// inTx runs write in a write transaction, commits it, and then publishes
// the events write returns, in order. Nothing is published when write or
// the commit fails.
func (db *DB) inTx(ctx context.Context, write func(tx *tx) ([]*parley.Event, error)) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	es, err := write(tx)
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	for _, e := range es {
		db.published(ctx, e)
	}
	return nil
}

// inTalk is inTx for a change u makes in talk talkID: write gets the talk
// as u sees it, and a talk u may not see is ENOTFOUND before write runs.
// Each caller checks its own permission, since the rule and its message
// differ.
func (db *DB) inTalk(ctx context.Context, u *parley.User, talkID int64, write func(tx *tx, t *parley.Talk) ([]*parley.Event, error)) error {
	return db.inTx(ctx, func(tx *tx) ([]*parley.Event, error) {
		t, err := findVisibleTalk(ctx, tx, u, talkID)
		if err != nil {
			return nil, err
		}
		return write(tx, t)
	})
}

// oneEvent returns the event an append returns as the events to publish,
// for a write that records one.
func oneEvent(e *parley.Event, err error) ([]*parley.Event, error) {
	if err != nil {
		return nil, err
	}
	return []*parley.Event{e}, nil
}

// CreateTalk implements parley.TalkService.
func (db *DB) CreateTalk(ctx context.Context, t *parley.Talk) (err error) {
	defer wrap(&err, "CreateTalk")
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	if !parley.CanCreateTalk(u) {
		return parley.Errorf(parley.EFORBIDDEN, "only administrators, mediators and heads of delegation open talks")
	}
	if err := t.Validate(); err != nil {
		return err
	}
	t.CreatedBy, t.CreatedAt, t.LastSeq = u.ID, db.now(), 0
	if u.Mediator && !t.Mediates(u.ID) {
		t.MediatorIDs = append(t.MediatorIDs, u.ID)
	}
	// [] in JSON, as the API promises.
	if t.MediatorIDs == nil {
		t.MediatorIDs = []int64{}
	}
	if t.Parties == nil {
		t.Parties = []parley.TalkParty{}
	}
	for i := range t.Parties {
		// Parties are invited; the opener's own delegation is there already.
		t.Parties[i].Accepted = t.Parties[i].PartyID == u.PartyID
	}
	var created *parley.Event
	err = db.inTx(ctx, func(tx *tx) ([]*parley.Event, error) {
		if err := tx.QueryRowContext(ctx, `INSERT INTO talks (title, description, illustrative, created_by, created_at, last_seq, last_hash)
		VALUES ($1, $2, $3, $4, $5, 0, '') RETURNING id`,
			t.Title, t.Description, b2i(t.Illustrative), t.CreatedBy, micros(t.CreatedAt)).Scan(&t.ID); err != nil {
			return nil, fmt.Errorf("insert talk: %w", err)
		}
		for _, p := range t.Parties {
			if _, err := findParty(ctx, tx, p.PartyID); err != nil {
				return nil, err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO talk_parties (talk_id, party_id, standing, accepted) VALUES ($1, $2, $3, $4)`,
				t.ID, p.PartyID, string(p.Standing), b2i(p.Accepted)); err != nil {
				return nil, fmt.Errorf("insert talk party: %w", err)
			}
		}
		for _, m := range t.MediatorIDs {
			mu, err := findUser(ctx, tx, m)
			if err != nil {
				return nil, err
			}
			if !mu.Mediator {
				return nil, parley.Errorf(parley.EINVALID, "user %s is not a mediator", mu.Name)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO talk_mediators (talk_id, user_id) VALUES ($1, $2)`, t.ID, m); err != nil {
				return nil, fmt.Errorf("insert mediator: %w", err)
			}
		}
		payload, _ := json.Marshal(map[string]any{"title": t.Title, "description": t.Description, "parties": t.Parties, "mediator_ids": t.MediatorIDs})
		e, err := db.appendEvent(ctx, tx, u, t.ID, parley.EventInput{Type: "talk.created", Payload: payload})
		created = e
		return oneEvent(e, err)
	})
	if err != nil {
		return err
	}
	t.LastSeq = created.Seq
	return nil
}

func findUser(ctx context.Context, q querier, id int64) (*parley.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, parley.Errorf(parley.ENOTFOUND, "no user %d", id)
	}
	return u, err
}

// FindTalkByID implements parley.TalkService.
func (db *DB) FindTalkByID(ctx context.Context, id int64) (_ *parley.Talk, err error) {
	defer wrap(&err, "FindTalkByID(%d)", id)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	t, err := findTalk(ctx, db.read, id)
	if err != nil {
		return nil, err
	}
	if parley.CanSeeInvitation(u, t) && !parley.CanSeeTalk(u, t) {
		return parley.InvitationView(u, t), nil
	}
	if !parley.CanSeeTalk(u, t) {
		return nil, parley.Errorf(parley.ENOTFOUND, "no talk %d", id)
	}
	if t.Invitations, err = findInvitations(ctx, db.read, id); err != nil {
		return nil, err
	}
	return t, nil
}

// FindTalks implements parley.TalkService.
func (db *DB) FindTalks(ctx context.Context, f parley.TalkFilter) (_ []*parley.Talk, err error) {
	defer wrap(&err, "FindTalks")
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	// The query narrows the candidates; the rule in the domain decides.
	ids, err := all(ctx, db.read, `SELECT id FROM talks t WHERE id > $1 AND ($2 = 1
			OR EXISTS (SELECT 1 FROM talk_parties p WHERE p.talk_id = t.id AND p.party_id = $3 AND $3 <> 0)
			OR EXISTS (SELECT 1 FROM talk_mediators m WHERE m.talk_id = t.id AND m.user_id = $4))
		ORDER BY id LIMIT $5`, []any{f.AfterID, b2i(u.Admin), u.PartyID, u.ID, f.Limit}, scanInt64)
	if err != nil {
		return nil, err
	}
	byID, err := loadTalks(ctx, db.read, ids)
	if err != nil {
		return nil, err
	}
	ts := []*parley.Talk{}
	for _, id := range ids {
		t := byID[id]
		if t == nil {
			continue
		}
		if parley.CanSeeTalk(u, t) {
			ts = append(ts, t)
		} else if parley.CanSeeInvitation(u, t) {
			ts = append(ts, parley.InvitationView(u, t))
		}
	}
	return ts, nil
}

// AppendEvent implements parley.TalkService.
func (db *DB) AppendEvent(ctx context.Context, talkID int64, in parley.EventInput) (_ *parley.Event, err error) {
	defer wrap(&err, "AppendEvent(%d)", talkID)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	// Every type but the free-form ones belongs to the service that
	// enforces its rule (issue 9, item 1).
	if err := in.ValidateFreeForm(); err != nil {
		return nil, err
	}
	// Inside an idempotent request the append joins its transaction.
	if db.dialect.GroupCommit && db.ambientTx(ctx) == nil {
		return db.appendGrouped(ctx, u, talkID, in)
	}
	return db.appendOwn(ctx, u, talkID, in)
}

// appendOwn appends in a transaction of its own, or inside the ambient one.
func (db *DB) appendOwn(ctx context.Context, u *parley.User, talkID int64, in parley.EventInput) (*parley.Event, error) {
	var e *parley.Event
	err := db.inTx(ctx, func(tx *tx) (_ []*parley.Event, err error) {
		e, err = db.appendChecked(ctx, tx, u, talkID, in)
		return oneEvent(e, err)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// appendChecked applies the rule, then appends.
func (db *DB) appendChecked(ctx context.Context, tx *tx, u *parley.User, talkID int64, in parley.EventInput) (*parley.Event, error) {
	t, err := findTalk(ctx, tx, talkID)
	if err != nil {
		return nil, err
	}
	if err := checkAppend(u, t, in); err != nil {
		return nil, err
	}
	return db.appendEvent(ctx, tx, u, talkID, in)
}

// checkAppend applies the rule of AppendEvent to u appending in to t.
func checkAppend(u *parley.User, t *parley.Talk, in parley.EventInput) error {
	if !parley.CanSeeTalk(u, t) {
		return parley.Errorf(parley.ENOTFOUND, "no talk %d", t.ID)
	}
	if !parley.CanActInTalk(u, t) {
		return parley.Errorf(parley.EFORBIDDEN, "only mediators and the heads and negotiators of seated delegations add to a talk")
	}
	if in.PrivateTo != 0 && in.PrivateTo != u.PartyID {
		return parley.Errorf(parley.EINVALID, "an event can be private only to your own party")
	}
	return nil
}

// appendEvent adds an event to the talk's chain inside tx: to the shared
// chain, or, when in.PrivateTo is not 0, to that party's private chain,
// which nothing of the shared chain reveals. Bumping last_seq first takes
// the talk's row lock, so concurrent appenders on PostgreSQL queue up rather
// than fork the chain. A sign-off is checked before it is recorded, so the
// chain never holds one that verify rejects.
func (db *DB) appendEvent(ctx context.Context, tx *tx, u *parley.User, talkID int64, in parley.EventInput) (*parley.Event, error) {
	if in.PrivateTo != 0 {
		return db.appendPrivate(ctx, tx, u, talkID, in)
	}
	e := &parley.Event{TalkID: talkID, Time: db.now(), ActorID: u.ID, PartyID: u.PartyID, Type: in.Type, Payload: in.Payload}
	var prev string
	if err := tx.QueryRowContext(ctx, qNextSeq, talkID).
		Scan(&e.Seq, &prev); err != nil {
		return nil, fmt.Errorf("next seq: %w", err)
	}
	priv, err := db.signer(ctx, tx, u.PartyID)
	if err != nil {
		return nil, err
	}
	if err := e.Seal(prev, priv); err != nil {
		return nil, err
	}
	if e.Type == parley.EventSignOff {
		if err := checkSignOff(ctx, tx, e); err != nil {
			return nil, err
		}
	}
	if _, err := tx.ExecContext(ctx, qInsertEvent,
		e.TalkID, e.Seq, micros(e.Time), e.ActorID, e.PartyID, e.Type, e.PrivateTo, []byte(e.Payload), e.PayloadHash, e.PrevHash, e.Hash, e.Signature, e.V); err != nil {
		return nil, fmt.Errorf("insert event: %w", err)
	}
	if _, err := tx.ExecContext(ctx, qSetLastHash, e.Hash, talkID); err != nil {
		return nil, err
	}
	if db.dialect.NotifyEvent != "" {
		if _, err := tx.ExecContext(ctx, db.dialect.NotifyEvent, fmt.Sprintf("%d:%d", e.TalkID, e.Seq)); err != nil {
			return nil, fmt.Errorf("notify: %w", err)
		}
	}
	return e, nil
}

// signer returns the key that signs events of users of party: the party's
// key when the server holds it, nil when the party holds its own; for users
// of no party, the server's key.
func (db *DB) signer(ctx context.Context, tx *tx, party int64) (ed25519.PrivateKey, error) {
	if party == 0 {
		return db.serverPrivate(ctx, tx)
	}
	k, err := findPartyKey(ctx, tx, party)
	if err != nil && parley.ErrorCode(err) != parley.ENOTFOUND {
		return nil, err
	}
	return db.privateKey(k)
}

// signingKey returns the party's key, or ECONFLICT if it has none.
func signingKey(ctx context.Context, tx *tx, party int64) (*parley.PartyKey, error) {
	key, err := findPartyKey(ctx, tx, party)
	if parley.ErrorCode(err) == parley.ENOTFOUND {
		return nil, parley.Errorf(parley.ECONFLICT, "your party has no signing key; an administrator must create one or your delegation upload its public key")
	}
	return key, err
}

// partySignature returns the party's signature over hash (hex), the hash
// of what (such as "version 3"): made with its key when the server holds
// it, else signature as sent, checked against its public key.
func (db *DB) partySignature(ctx context.Context, tx *tx, party int64, hash, what string, signature []byte) ([]byte, error) {
	key, err := signingKey(ctx, tx, party)
	if err != nil {
		return nil, err
	}
	msg, _ := hex.DecodeString(hash)
	switch {
	case key.SealedPrivate != nil:
		if signature != nil {
			return nil, parley.Errorf(parley.EINVALID, "the server holds your party's key and signs for it; send no signature")
		}
		priv, err := db.privateKey(key)
		if err != nil {
			return nil, err
		}
		return ed25519.Sign(priv, msg), nil
	case signature == nil:
		return nil, parley.Errorf(parley.EINVALID, "your party holds its own key, so the server cannot sign for it: sign the hash of %s (%s) with it and send the signature through the API", what, hash)
	case !ed25519.Verify(key.Public, msg, signature):
		return nil, parley.Errorf(parley.EINVALID, "the signature does not verify with your party's public key over the hash of %s (%s)", what, hash)
	}
	return signature, nil
}

// checkSignOff checks a sign-off event as verify will: its payload names an
// earlier event of the shared chain by its hash, and carries a valid
// signature of the party's current key over it.
func checkSignOff(ctx context.Context, tx *tx, e *parley.Event) error {
	so, err := parley.ParseSignOff(e.Payload)
	if err != nil {
		return parley.Errorf(parley.EINVALID, "%v", err)
	}
	if so.Seq >= e.Seq {
		return parley.Errorf(parley.EINVALID, "sign-off payload: seq %d does not precede the sign-off (event %d)", so.Seq, e.Seq)
	}
	var hash string
	if err := tx.QueryRowContext(ctx, `SELECT hash FROM events WHERE talk_id = $1 AND seq = $2`, e.TalkID, so.Seq).Scan(&hash); err != nil {
		return fmt.Errorf("sign-off: find event %d: %w", so.Seq, err)
	}
	if hash != so.Hash {
		return parley.Errorf(parley.EINVALID, "sign-off payload: hash %s is not the hash of event %d (%s)", so.Hash, so.Seq, hash)
	}
	if e.PartyID == 0 {
		return parley.Errorf(parley.EFORBIDDEN, "only a party signs off; mediators and administrators sign nothing off")
	}
	key, err := signingKey(ctx, tx, e.PartyID)
	if err != nil {
		return err
	}
	msg, _ := hex.DecodeString(so.Hash)
	if !ed25519.Verify(key.Public, msg, so.Signature) {
		return parley.Errorf(parley.EINVALID, "sign-off payload: the signature does not verify with party %d's key over the hash of event %d", e.PartyID, so.Seq)
	}
	return nil
}

// published tells OnEvent about a committed event when the engine does not;
// inside an idempotent request, once that commits.
func (db *DB) published(ctx context.Context, e *parley.Event) {
	if db.dialect.NotifyEvent == "" && db.cfg.OnEvent != nil {
		db.afterCommit(ctx, func() { db.cfg.OnEvent(parley.EventRef{TalkID: e.TalkID, Seq: e.Seq, Private: e.PrivateTo}) })
	}
}

// ListEvents implements parley.TalkService.
func (db *DB) ListEvents(ctx context.Context, talkID, afterSeq int64, limit int) (_ []*parley.Event, err error) {
	defer wrap(&err, "ListEvents(%d, %d, %d)", talkID, afterSeq, limit)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := findVisibleTalk(ctx, db.read, u, talkID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	return listEvents(ctx, db.read, u, talkID, afterSeq, limit, true)
}

// listEvents lists the talk's shared events after afterSeq as u may see
// them. With skipWithheld, another party's version 1 private events (kept
// in the shared chain as hashes) are left out altogether, so a listing or a
// stream shows nothing of them; an export keeps them, as the chain needs.
func listEvents(ctx context.Context, q querier, u *parley.User, talkID, afterSeq int64, limit int, skipWithheld bool) ([]*parley.Event, error) {
	var party int64 = -1 // every event
	if skipWithheld {
		party = u.PartyID
	}
	es, err := all(ctx, q, `SELECT `+eventCols+`
		FROM events WHERE talk_id = $1 AND seq > $2 AND ($3 < 0 OR private_to = 0 OR private_to = $3) ORDER BY seq LIMIT $4`, []any{talkID, afterSeq, party, limit}, scanEvent)
	for k, e := range es {
		es[k] = parley.VisibleEvent(u, e)
	}
	return es, err
}

// Record implements parley.TalkService.
func (db *DB) Record(ctx context.Context, talkID int64) (_ *parley.Record, err error) {
	defer wrap(&err, "Record(%d)", talkID)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	// One read transaction, so the events and keys are one snapshot.
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	t, err := findVisibleTalk(ctx, tx, u, talkID)
	if err != nil {
		return nil, err
	}
	r := &parley.Record{Format: parley.RecordFormat, TalkID: t.ID, Title: t.Title, ExportedAt: db.now(), Keys: []parley.PublicKey{}}
	for after := int64(0); ; {
		es, err := listEvents(ctx, tx, u, talkID, after, 1000, false)
		if err != nil {
			return nil, err
		}
		r.Events = append(r.Events, es...)
		if len(es) < 1000 {
			break
		}
		after = es[len(es)-1].Seq
	}
	if r.Keys, err = partyKeys(ctx, tx); err != nil {
		return nil, err
	}
	if r.ServerKey, err = serverPublic(ctx, tx); err != nil {
		return nil, err
	}
	return r, nil
}

// SignOff implements parley.TalkService.
func (db *DB) SignOff(ctx context.Context, talkID, seq int64, signature []byte) (_ *parley.Event, err error) {
	defer wrap(&err, "SignOff(%d, %d)", talkID, seq)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var e *parley.Event
	err = db.inTalk(ctx, u, talkID, func(tx *tx, t *parley.Talk) (_ []*parley.Event, err error) {
		if !parley.CanSignOff(u, t) {
			return nil, parley.Errorf(parley.EFORBIDDEN, "only the head of a seated delegation signs off for their party")
		}
		var hash string
		err = tx.QueryRowContext(ctx, `SELECT hash FROM events WHERE talk_id = $1 AND seq = $2`, talkID, seq).Scan(&hash)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, parley.Errorf(parley.ENOTFOUND, "talk %d has no event %d", talkID, seq)
		} else if err != nil {
			return nil, err
		}
		signature, err := db.partySignature(ctx, tx, u.PartyID, hash, fmt.Sprintf("event %d", seq), signature)
		if err != nil {
			return nil, err
		}
		payload, _ := json.Marshal(parley.SignOff{Seq: seq, Hash: hash, Signature: signature})
		e, err = db.appendEvent(ctx, tx, u, talkID, parley.EventInput{Type: parley.EventSignOff, Payload: payload})
		return oneEvent(e, err)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}
