package sqlstore

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"parley"
)

// This file holds the parts of the record beyond the shared chain: each
// party's private chain, the server's key and its signed checkpoints (see
// docs/record.md).

const eventCols = `talk_id, seq, time, actor_id, party_id, type, private_to, payload, payload_hash, prev_hash, hash, signature, v`

func scanEvent(s scanner) (*parley.Event, error) {
	var e parley.Event
	var t int64
	var payload []byte
	if err := s.Scan(&e.TalkID, &e.Seq, &t, &e.ActorID, &e.PartyID, &e.Type, &e.PrivateTo, &payload, &e.PayloadHash, &e.PrevHash, &e.Hash, &e.Signature, &e.V); err != nil {
		return nil, err
	}
	e.Time, e.Payload = fromMicros(t), payload
	if len(e.Signature) == 0 {
		e.Signature = nil
	}
	return &e, nil
}

const (
	// qNextPrivateSeq takes the private head's row lock, as qNextSeq takes
	// the talk's; it returns the new seq and the hash before it.
	qNextPrivateSeq = `INSERT INTO private_heads (talk_id, party_id, last_seq, last_hash) VALUES ($1, $2, 1, '')
		ON CONFLICT (talk_id, party_id) DO UPDATE SET last_seq = private_heads.last_seq + 1
		RETURNING last_seq, last_hash`
	qInsertPrivateEvent = `INSERT INTO private_events (talk_id, private_to, seq, v, time, actor_id, party_id, type, payload, payload_hash, prev_hash, hash, signature)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`
	qSetPrivateHash = `UPDATE private_heads SET last_hash = $1 WHERE talk_id = $2 AND party_id = $3`
)

// appendPrivate adds an event to the private chain of party in.PrivateTo in
// the talk. Nothing of the shared chain changes: not its seq, not its hash,
// not what others are notified of.
func (db *DB) appendPrivate(ctx context.Context, tx *tx, u *parley.User, talkID int64, in parley.EventInput) (*parley.Event, error) {
	if in.Type == parley.EventSignOff {
		return nil, parley.Errorf(parley.EINVALID, "type %q: sign-offs belong to the shared chain; they cannot be private", in.Type)
	}
	e := &parley.Event{TalkID: talkID, Time: db.now(), ActorID: u.ID, PartyID: u.PartyID, Type: in.Type, PrivateTo: in.PrivateTo, Payload: in.Payload}
	var prev string
	if err := tx.QueryRowContext(ctx, qNextPrivateSeq, talkID, in.PrivateTo).Scan(&e.Seq, &prev); err != nil {
		return nil, fmt.Errorf("next private seq: %w", err)
	}
	priv, err := db.signer(ctx, tx, u.PartyID)
	if err != nil {
		return nil, err
	}
	if err := e.Seal(prev, priv); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, qInsertPrivateEvent, e.TalkID, e.PrivateTo, e.Seq, e.V, micros(e.Time), e.ActorID, e.PartyID, e.Type,
		[]byte(e.Payload), e.PayloadHash, e.PrevHash, e.Hash, e.Signature); err != nil {
		return nil, fmt.Errorf("insert private event: %w", err)
	}
	if _, err := tx.ExecContext(ctx, qSetPrivateHash, e.Hash, talkID, e.PrivateTo); err != nil {
		return nil, err
	}
	if db.dialect.NotifyEvent != "" {
		if _, err := tx.ExecContext(ctx, db.dialect.NotifyEvent, fmt.Sprintf("%d:%d:%d", e.TalkID, e.Seq, e.PrivateTo)); err != nil {
			return nil, fmt.Errorf("notify: %w", err)
		}
	}
	return e, nil
}

// ownChain returns the talk, as the user sees it, and the user's party,
// whose private chain the user may read.
func ownChain(ctx context.Context, q querier, u *parley.User, talkID int64) (*parley.Talk, error) {
	t, err := findVisibleTalk(ctx, q, u, talkID)
	if err != nil {
		return nil, err
	}
	if _, ok := t.Party(u.PartyID); !ok {
		return nil, parley.Errorf(parley.EFORBIDDEN, "only a party's own delegation reads its private chain; you belong to no party of talk %d", talkID)
	}
	return t, nil
}

func listPrivateEvents(ctx context.Context, q querier, talkID, party, afterSeq int64, limit int) ([]*parley.Event, error) {
	return all(ctx, q, `SELECT talk_id, seq, time, actor_id, party_id, type, private_to, payload, payload_hash, prev_hash, hash, signature, v
		FROM private_events WHERE talk_id = $1 AND private_to = $2 AND seq > $3 ORDER BY seq LIMIT $4`, []any{talkID, party, afterSeq, limit}, scanEvent)
}

// ListPrivateEvents implements parley.TalkService.
func (db *DB) ListPrivateEvents(ctx context.Context, talkID, afterSeq int64, limit int) (_ []*parley.Event, err error) {
	defer wrap(&err, "ListPrivateEvents(%d, %d, %d)", talkID, afterSeq, limit)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := ownChain(ctx, db.read, u, talkID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	return listPrivateEvents(ctx, db.read, talkID, u.PartyID, afterSeq, limit)
}

// PrivateRecord implements parley.TalkService.
func (db *DB) PrivateRecord(ctx context.Context, talkID int64) (_ *parley.PrivateRecord, err error) {
	defer wrap(&err, "PrivateRecord(%d)", talkID)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	t, err := ownChain(ctx, tx, u, talkID)
	if err != nil {
		return nil, err
	}
	r := &parley.PrivateRecord{Format: parley.PrivateRecordFormat, TalkID: t.ID, PartyID: u.PartyID, Title: t.Title, ExportedAt: db.now(), Events: []*parley.Event{}, Checkpoints: []*parley.Checkpoint{}}
	for after := int64(0); ; {
		es, err := listPrivateEvents(ctx, tx, talkID, u.PartyID, after, 1000)
		if err != nil {
			return nil, err
		}
		r.Events = append(r.Events, es...)
		if len(es) < 1000 {
			break
		}
		after = es[len(es)-1].Seq
	}
	// Parameters appear in order: SQLite numbers them as they come.
	err = each(ctx, tx, `SELECT c.body, o.size, o.head, o.salt FROM checkpoints c
		JOIN checkpoint_openings o ON o.checkpoint_id = c.id
		WHERE c.talk_id = $1 AND o.party_id = $2 ORDER BY c.id`, []any{talkID, u.PartyID}, func(s scanner) error {
		var body []byte
		o := parley.Opening{PartyID: u.PartyID}
		if err := s.Scan(&body, &o.Size, &o.Head, &o.Salt); err != nil {
			return err
		}
		var cp parley.Checkpoint
		if err := json.Unmarshal(body, &cp); err != nil {
			return fmt.Errorf("stored checkpoint: %w", err)
		}
		cp.Opening = &o
		r.Checkpoints = append(r.Checkpoints, &cp)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if r.Keys, err = partyKeys(ctx, tx); err != nil {
		return nil, err
	}
	if r.ServerKey, err = serverPublic(ctx, tx); err != nil {
		return nil, err
	}
	return r, nil
}

// partyKeys lists every party key, current and retired, with the times it
// was in use.
func partyKeys(ctx context.Context, q querier) ([]parley.PublicKey, error) {
	return all(ctx, q, `SELECT k.party_id, p.name, k.public_key, CASE WHEN k.sealed_private IS NULL THEN 0 ELSE 1 END, k.created_at, 0
			FROM party_keys k JOIN parties p ON p.id = k.party_id
		UNION ALL
		SELECT k.party_id, p.name, k.public_key, k.server_held, k.created_at, k.retired_at
			FROM retired_party_keys k JOIN parties p ON p.id = k.party_id
		ORDER BY 1, 5`, nil, func(s scanner) (parley.PublicKey, error) {
		var k parley.PublicKey
		var pub []byte
		var held, from, until int64
		err := s.Scan(&k.PartyID, &k.Party, &pub, &held, &from, &until)
		k.Key, k.ServerHeld, k.From, k.Until = pub, held != 0, fromMicros(from), fromMicros(until)
		k.Fingerprint = parley.Fingerprint(k.Key)
		return k, err
	})
}

// ListKeys implements parley.PartyService.
func (db *DB) ListKeys(ctx context.Context) (_ *parley.KeyList, err error) {
	defer wrap(&err, "ListKeys")
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	l := &parley.KeyList{Format: parley.KeysFormat, Server: []parley.PublicKey{}}
	if l.Parties, err = partyKeys(ctx, tx); err != nil {
		return nil, err
	}
	sk, err := serverPublic(ctx, tx)
	if err != nil {
		return nil, err
	}
	if sk != nil {
		l.Server = append(l.Server, *sk)
	}
	return l, nil
}

// serverPublic returns the server's public key, or nil before it has one.
func serverPublic(ctx context.Context, q querier) (*parley.PublicKey, error) {
	var pub []byte
	var created int64
	err := q.QueryRowContext(ctx, `SELECT public_key, created_at FROM server_keys WHERE id = 1`).Scan(&pub, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &parley.PublicKey{Party: "server", Key: pub, Fingerprint: parley.Fingerprint(pub), ServerHeld: true, From: fromMicros(created)}, nil
}

// EnsureServerKey makes the server's key if it has none yet; serve calls it
// at start, so the key exists before anything is signed.
func (db *DB) EnsureServerKey(ctx context.Context) (err error) {
	defer wrap(&err, "EnsureServerKey")
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := db.serverPrivate(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// serverPrivate returns the server's private key, making it in tx the first
// time. Without a server secret there is none, and nothing is signed by the
// server.
func (db *DB) serverPrivate(ctx context.Context, tx *tx) (ed25519.PrivateKey, error) {
	if len(db.cfg.Secret) == 0 {
		return nil, nil
	}
	db.mu.Lock()
	priv := db.serverKey
	db.mu.Unlock()
	if priv != nil {
		return priv, nil
	}
	k := parley.ServerKey{}
	var created int64
	err := tx.QueryRowContext(ctx, `SELECT public_key, sealed_private, created_at FROM server_keys WHERE id = 1`).Scan(&k.Public, &k.SealedPrivate, &created)
	if errors.Is(err, sql.ErrNoRows) {
		nk, err := parley.GenerateServerKey(db.cfg.Secret, db.now())
		if err != nil {
			return nil, err
		}
		// Nodes starting together race here; the first insert wins and
		// the others read its key.
		if _, err := tx.ExecContext(ctx, `INSERT INTO server_keys (id, public_key, sealed_private, created_at) VALUES (1, $1, $2, $3) ON CONFLICT (id) DO NOTHING`,
			[]byte(nk.Public), nk.SealedPrivate, micros(nk.CreatedAt)); err != nil {
			return nil, fmt.Errorf("insert server key: %w", err)
		}
		err = tx.QueryRowContext(ctx, `SELECT public_key, sealed_private, created_at FROM server_keys WHERE id = 1`).Scan(&k.Public, &k.SealedPrivate, &created)
		if err != nil {
			return nil, fmt.Errorf("read server key: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("read server key: %w", err)
	}
	priv, err = k.Private(db.cfg.Secret)
	if err != nil {
		return nil, err
	}
	db.mu.Lock()
	db.serverKey = priv
	db.mu.Unlock()
	return priv, nil
}

// checkpointEvery is how old the latest checkpoint may be before a request
// makes a new one even though the shared chain has not grown.
const checkpointEvery = time.Hour

// Checkpoint implements parley.TalkService. A new checkpoint is made when
// the shared chain has grown since the last one, or the last is an hour old;
// never because a private chain grew, so checkpoints tell nothing of
// private activity.
func (db *DB) Checkpoint(ctx context.Context, talkID int64) (_ *parley.Checkpoint, err error) {
	defer wrap(&err, "Checkpoint(%d)", talkID)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	// Most requests find the latest checkpoint current: read it without
	// taking the write connection.
	t, err := findVisibleTalk(ctx, db.read, u, talkID)
	if err != nil {
		return nil, err
	}
	cp, id, err := db.currentCheckpoint(ctx, db.read, t)
	if err != nil {
		return nil, err
	}
	if cp == nil {
		tx, err := db.begin(ctx)
		if err != nil {
			return nil, err
		}
		defer tx.Rollback()
		if t, err = findVisibleTalk(ctx, tx, u, talkID); err != nil {
			return nil, err
		}
		if cp, id, err = db.currentCheckpoint(ctx, tx, t); err != nil {
			return nil, err
		}
		if cp == nil {
			cp = &parley.Checkpoint{}
			if id, err = db.makeCheckpoint(ctx, tx, t, db.now(), cp); err != nil {
				return nil, err
			}
		}
		if err := tx.Commit(); err != nil {
			return nil, err
		}
	}
	if _, ok := t.Party(u.PartyID); ok {
		o := parley.Opening{PartyID: u.PartyID}
		err := db.read.QueryRowContext(ctx, `SELECT size, head, salt FROM checkpoint_openings WHERE checkpoint_id = $1 AND party_id = $2`, id, u.PartyID).Scan(&o.Size, &o.Head, &o.Salt)
		if err == nil {
			cp.Opening = &o
		} else if !errors.Is(err, sql.ErrNoRows) { // a party invited after the checkpoint has none
			return nil, err
		}
	}
	return cp, nil
}

// currentCheckpoint returns the latest checkpoint of t and its id when it
// is of t's current size and younger than checkpointEvery, else nil.
func (db *DB) currentCheckpoint(ctx context.Context, q querier, t *parley.Talk) (*parley.Checkpoint, int64, error) {
	var id, size, created int64
	var body []byte
	err := q.QueryRowContext(ctx, `SELECT id, size, created_at, body FROM checkpoints WHERE talk_id = $1 ORDER BY id DESC LIMIT 1`, t.ID).Scan(&id, &size, &created, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil
	} else if err != nil {
		return nil, 0, err
	}
	if size != t.LastSeq || db.now().Sub(fromMicros(created)) >= checkpointEvery {
		return nil, 0, nil
	}
	var cp parley.Checkpoint
	if err := json.Unmarshal(body, &cp); err != nil {
		return nil, 0, fmt.Errorf("stored checkpoint %d: %w", id, err)
	}
	return &cp, id, nil
}

// ConsistencyProof implements parley.TalkService.
func (db *DB) ConsistencyProof(ctx context.Context, talkID, from, to int64) (_ []string, err error) {
	defer wrap(&err, "ConsistencyProof(%d, %d, %d)", talkID, from, to)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	t, err := findVisibleTalk(ctx, db.read, u, talkID)
	if err != nil {
		return nil, err
	}
	if to < 0 || to > t.LastSeq {
		return nil, parley.Errorf(parley.EINVALID, "to is %d; the talk's shared chain has %d events", to, t.LastSeq)
	}
	hashes, err := eventHashes(ctx, db.read, talkID, to)
	if err != nil {
		return nil, err
	}
	return parley.ConsistencyProof(hashes, from)
}

// eventHashes returns the hashes of the talk's shared events 1..size.
func eventHashes(ctx context.Context, q querier, talkID, size int64) ([]string, error) {
	return all(ctx, q, `SELECT hash FROM events WHERE talk_id = $1 AND seq <= $2 ORDER BY seq`, []any{talkID, size}, func(s scanner) (h string, err error) {
		err = s.Scan(&h)
		return h, err
	})
}

// makeCheckpoint signs and stores a checkpoint of t's shared chain as it is
// in tx, with a fresh commitment for every party of the talk.
func (db *DB) makeCheckpoint(ctx context.Context, tx *tx, t *parley.Talk, now time.Time, cp *parley.Checkpoint) (int64, error) {
	priv, err := db.serverPrivate(ctx, tx)
	if err != nil {
		return 0, err
	}
	if priv == nil {
		return 0, parley.Errorf(parley.ECONFLICT, "the server has no secret, so no key to sign checkpoints with")
	}
	hashes, err := eventHashes(ctx, tx, t.ID, t.LastSeq)
	if err != nil {
		return 0, err
	}
	*cp = parley.Checkpoint{TalkID: t.ID, Size: int64(len(hashes)), Time: now, Private: []parley.PrivateCommitment{}}
	if len(hashes) > 0 {
		cp.Head = hashes[len(hashes)-1]
	}
	if cp.Root, err = parley.MerkleRoot(hashes); err != nil {
		return 0, err
	}
	var openings []*parley.Opening
	for _, p := range t.Parties {
		var size int64
		var head string
		err := tx.QueryRowContext(ctx, `SELECT last_seq, last_hash FROM private_heads WHERE talk_id = $1 AND party_id = $2`, t.ID, p.PartyID).Scan(&size, &head)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, err
		}
		o, err := parley.NewOpening(p.PartyID, size, head)
		if err != nil {
			return 0, err
		}
		openings = append(openings, o)
		cp.Private = append(cp.Private, parley.PrivateCommitment{PartyID: p.PartyID, Commitment: parley.Commit(t.ID, p.PartyID, size, head, o.Salt)})
	}
	if err := cp.Sign(priv); err != nil {
		return 0, err
	}
	body, err := json.Marshal(cp)
	if err != nil {
		return 0, err
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO checkpoints (talk_id, size, created_at, body) VALUES ($1, $2, $3, $4) RETURNING id`,
		t.ID, cp.Size, micros(now), body).Scan(&id); err != nil {
		return 0, fmt.Errorf("insert checkpoint: %w", err)
	}
	for _, o := range openings {
		if _, err := tx.ExecContext(ctx, `INSERT INTO checkpoint_openings (checkpoint_id, party_id, size, head, salt) VALUES ($1, $2, $3, $4, $5)`,
			id, o.PartyID, o.Size, o.Head, o.Salt); err != nil {
			return 0, fmt.Errorf("insert opening: %w", err)
		}
	}
	return id, nil
}
