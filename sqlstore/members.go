package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"parley"
)

// This file is who belongs to a delegation. An administrator cannot make
// someone a member of a delegation that already has members on their own:
// the party's head approves (or, for a party without an active head, a
// second administrator), and every talk of the party records the joining,
// so the party and everyone at the table see who speaks for it.

// partyMembers counts the users a party has ever had, and those of them
// who are active heads.
func partyMembers(ctx context.Context, q querier, party int64) (all, heads int, err error) {
	err = q.QueryRowContext(ctx, `SELECT count(*), COALESCE(sum(CASE WHEN role = 'head' AND pending = 0 AND disabled = 0 THEN 1 ELSE 0 END), 0)
		FROM users WHERE party_id = $1`, party).Scan(&all, &heads)
	return all, heads, err
}

// recordMembership appends an event of type typ about member to every talk
// the member's party is in, as actor, and returns the events to publish
// after commit.
func (db *DB) recordMembership(ctx context.Context, tx *tx, actor, member *parley.User, typ string) ([]*parley.Event, error) {
	talks, err := all(ctx, tx, `SELECT talk_id FROM talk_parties WHERE party_id = $1 ORDER BY talk_id`, []any{member.PartyID}, scanInt64)
	if err != nil {
		return nil, err
	}
	payload, _ := json.Marshal(map[string]any{"user_id": member.ID, "name": member.Name, "display_name": member.DisplayName,
		"party_id": member.PartyID, "role": member.Role, "by": actor.ID})
	var es []*parley.Event
	for _, t := range talks {
		e, err := db.appendEvent(ctx, tx, actor, t, parley.EventInput{Type: typ, Payload: payload})
		if err != nil {
			return nil, fmt.Errorf("record %s in talk %d: %w", typ, t, err)
		}
		es = append(es, e)
	}
	return es, nil
}

// ApproveMember implements parley.UserService.
func (db *DB) ApproveMember(ctx context.Context, userID int64) (_ *parley.User, err error) {
	defer wrap(&err, "ApproveMember(%d)", userID)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var m *parley.User
	err = db.inTx(ctx, func(tx *tx) (_ []*parley.Event, err error) {
		m, err = findUser(ctx, tx, userID)
		if err != nil {
			return nil, err
		}
		if !m.Pending {
			return nil, parley.Errorf(parley.ECONFLICT, "%s is not awaiting approval", m.Name)
		}
		_, heads, err := partyMembers(ctx, tx, m.PartyID)
		if err != nil {
			return nil, err
		}
		if !parley.CanApproveMember(u, m, heads > 0) {
			if heads > 0 {
				return nil, parley.Errorf(parley.EFORBIDDEN, "only the head of %s's delegation approves a new member", m.Name)
			}
			return nil, parley.Errorf(parley.EFORBIDDEN, "the delegation has no head: an administrator other than the one who created %s approves", m.Name)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET pending = 0 WHERE id = $1`, m.ID); err != nil {
			return nil, err
		}
		if err := db.credentialsChanged(ctx, tx); err != nil {
			return nil, err
		}
		m.Pending = false
		return db.recordMembership(ctx, tx, u, m, "member.joined")
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// DisableUser implements parley.UserService.
func (db *DB) DisableUser(ctx context.Context, userID int64) (_ *parley.User, err error) {
	defer wrap(&err, "DisableUser(%d)", userID)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !parley.CanAdminister(u) {
		return nil, parley.Errorf(parley.EFORBIDDEN, "only administrators disable accounts")
	}
	if u.ID == userID {
		return nil, parley.Errorf(parley.EINVALID, "you cannot disable your own account")
	}
	var m *parley.User
	err = db.inTx(ctx, func(tx *tx) (_ []*parley.Event, err error) {
		m, err = findUser(ctx, tx, userID)
		if err != nil {
			return nil, err
		}
		if m.Disabled {
			return nil, parley.Errorf(parley.ECONFLICT, "%s is already disabled", m.Name)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled = 1 WHERE id = $1`, m.ID); err != nil {
			return nil, err
		}
		// Every session and token ends now; open streams notice at their next wake.
		if _, err := tx.ExecContext(ctx, `DELETE FROM credentials WHERE user_id = $1`, m.ID); err != nil {
			return nil, err
		}
		if err := db.credentialsChanged(ctx, tx); err != nil {
			return nil, err
		}
		m.Disabled = true
		if m.PartyID == 0 || m.Pending {
			return nil, nil
		}
		return db.recordMembership(ctx, tx, u, m, "member.disabled")
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}
