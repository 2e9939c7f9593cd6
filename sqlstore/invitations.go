package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"parley"
)

// This file is how parties come to a talk. A party proposed by one member
// is invited only when every other seated member party (or a mediator)
// consents, since an invited party that accepts reads the whole history;
// until it accepts it sees only the title; proposals and invitations not
// yet accepted can be withdrawn.

func findInvitations(ctx context.Context, q querier, talkID int64) ([]parley.TalkInvitation, error) {
	var out []parley.TalkInvitation
	err := each(ctx, q, `SELECT party_id, standing, proposed_by, created_at FROM talk_invitations WHERE talk_id = $1 ORDER BY party_id`, []any{talkID}, func(s scanner) error {
		var in parley.TalkInvitation
		var st string
		var created int64
		err := s.Scan(&in.PartyID, &st, &in.ProposedBy, &created)
		in.Standing, in.CreatedAt, in.Consents = parley.Standing(st), fromMicros(created), []int64{}
		out = append(out, in)
		return err
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	// The consents of every invitation in one query.
	byParty := map[int64]*parley.TalkInvitation{}
	for i := range out {
		byParty[out[i].PartyID] = &out[i]
	}
	err = children(ctx, q, `SELECT party_id, consenting_party FROM talk_invitation_consents WHERE talk_id = $1 ORDER BY party_id, consenting_party`, []any{talkID}, byParty, scanPair,
		func(in *parley.TalkInvitation, p int64) { in.Consents = append(in.Consents, p) })
	return out, err
}

// awaiting returns the seated member parties of t that have not consented
// to in.
func awaiting(t *parley.Talk, in parley.TalkInvitation) []int64 {
	var out []int64
	for _, p := range t.Parties {
		if p.Standing == parley.StandingMember && p.Accepted && !slices.Contains(in.Consents, p.PartyID) {
			out = append(out, p.PartyID)
		}
	}
	return out
}

// InviteParty implements parley.TalkService.
func (db *DB) InviteParty(ctx context.Context, talkID, partyID int64, s parley.Standing) (_ bool, err error) {
	defer wrap(&err, "InviteParty(%d, %d)", talkID, partyID)
	u, err := actor(ctx)
	if err != nil {
		return false, err
	}
	if !s.Valid() {
		return false, parley.Errorf(parley.EINVALID, "standing %q is not one of member, observer, stakeholder", s)
	}
	var invited bool
	err = db.inTalk(ctx, u, talkID, func(tx *tx, t *parley.Talk) ([]*parley.Event, error) {
		if !parley.CanManageTalk(u, t) {
			return nil, parley.Errorf(parley.EFORBIDDEN, "only the talk's mediators, administrators and heads of member delegations propose parties")
		}
		p, err := findParty(ctx, tx, partyID)
		if err != nil {
			return nil, err
		}
		if _, ok := t.Party(partyID); ok {
			return nil, parley.Errorf(parley.ECONFLICT, "%s is already in this talk", p.Name)
		}
		ins, err := findInvitations(ctx, tx, talkID)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(ins, func(in parley.TalkInvitation) bool { return in.PartyID == partyID }) {
			return nil, parley.Errorf(parley.ECONFLICT, "%s is already proposed for this talk; its members are asked to consent", p.Name)
		}
		in := parley.TalkInvitation{PartyID: partyID, Standing: s, ProposedBy: u.PartyID, Consents: []int64{}}
		if u.PartyID != 0 {
			in.Consents = append(in.Consents, u.PartyID)
		}
		invited = t.Mediates(u.ID) && u.Mediator || len(awaiting(t, in)) == 0
		if invited {
			return db.seat(ctx, tx, u, t, in)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO talk_invitations (talk_id, party_id, standing, proposed_by, created_at) VALUES ($1, $2, $3, $4, $5)`,
			talkID, partyID, string(s), in.ProposedBy, micros(db.now())); err != nil {
			return nil, fmt.Errorf("propose party: %w", err)
		}
		if in.ProposedBy != 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO talk_invitation_consents (talk_id, party_id, consenting_party) VALUES ($1, $2, $3)`,
				talkID, partyID, in.ProposedBy); err != nil {
				return nil, err
			}
		}
		payload, _ := json.Marshal(map[string]any{"party_id": partyID, "standing": s})
		return oneEvent(db.appendEvent(ctx, tx, u, talkID, parley.EventInput{Type: "party.proposed", Payload: payload}))
	})
	if err != nil {
		return false, err
	}
	return invited, nil
}

// seat invites in's party to t: it may now see t's title and accept.
func (db *DB) seat(ctx context.Context, tx *tx, u *parley.User, t *parley.Talk, in parley.TalkInvitation) ([]*parley.Event, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM talk_invitation_consents WHERE talk_id = $1 AND party_id = $2`, t.ID, in.PartyID); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM talk_invitations WHERE talk_id = $1 AND party_id = $2`, t.ID, in.PartyID); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO talk_parties (talk_id, party_id, standing, accepted) VALUES ($1, $2, $3, 0)`,
		t.ID, in.PartyID, string(in.Standing)); err != nil {
		return nil, fmt.Errorf("invite party: %w", err)
	}
	payload, _ := json.Marshal(map[string]any{"party_id": in.PartyID, "standing": in.Standing, "consents": in.Consents})
	e, err := db.appendEvent(ctx, tx, u, t.ID, parley.EventInput{Type: "party.invited", Payload: payload})
	if err != nil {
		return nil, err
	}
	return []*parley.Event{e}, nil
}

// ConsentInvitation implements parley.TalkService.
func (db *DB) ConsentInvitation(ctx context.Context, talkID, partyID int64) (_ bool, err error) {
	defer wrap(&err, "ConsentInvitation(%d, %d)", talkID, partyID)
	u, err := actor(ctx)
	if err != nil {
		return false, err
	}
	var invited bool
	err = db.inTalk(ctx, u, talkID, func(tx *tx, t *parley.Talk) ([]*parley.Event, error) {
		if !parley.CanConsentInvitation(u, t) {
			return nil, parley.Errorf(parley.EFORBIDDEN, "only the heads of seated member delegations and the talk's mediators consent to a new party")
		}
		ins, err := findInvitations(ctx, tx, talkID)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(ins, func(in parley.TalkInvitation) bool { return in.PartyID == partyID })
		if i < 0 {
			return nil, parley.Errorf(parley.ENOTFOUND, "party %d is not proposed for talk %d", partyID, talkID)
		}
		in := ins[i]
		mediator := u.Mediator && t.Mediates(u.ID)
		if !mediator {
			if slices.Contains(in.Consents, u.PartyID) {
				return nil, parley.Errorf(parley.ECONFLICT, "your party has already consented; awaiting %d other parties", len(awaiting(t, in)))
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO talk_invitation_consents (talk_id, party_id, consenting_party) VALUES ($1, $2, $3)`,
				talkID, partyID, u.PartyID); err != nil {
				return nil, err
			}
			in.Consents = append(in.Consents, u.PartyID)
		}
		payload, _ := json.Marshal(map[string]any{"party_id": partyID, "by_mediator": mediator})
		e, err := db.appendEvent(ctx, tx, u, talkID, parley.EventInput{Type: "invitation.consented", Payload: payload})
		if err != nil {
			return nil, err
		}
		es := []*parley.Event{e}
		invited = mediator || len(awaiting(t, in)) == 0
		if invited {
			more, err := db.seat(ctx, tx, u, t, in)
			if err != nil {
				return nil, err
			}
			es = append(es, more...)
		}
		return es, nil
	})
	if err != nil {
		return false, err
	}
	return invited, nil
}

// WithdrawInvitation implements parley.TalkService.
func (db *DB) WithdrawInvitation(ctx context.Context, talkID, partyID int64) (err error) {
	defer wrap(&err, "WithdrawInvitation(%d, %d)", talkID, partyID)
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	return db.inTalk(ctx, u, talkID, func(tx *tx, t *parley.Talk) ([]*parley.Event, error) {
		if !parley.CanManageTalk(u, t) {
			return nil, parley.Errorf(parley.EFORBIDDEN, "only the talk's mediators, administrators and heads of member delegations withdraw invitations")
		}
		if p, ok := t.Party(partyID); ok {
			if p.Accepted {
				return nil, parley.Errorf(parley.ECONFLICT, "party %d has taken its seat; an invitation accepted cannot be withdrawn", partyID)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM talk_parties WHERE talk_id = $1 AND party_id = $2 AND accepted = 0`, talkID, partyID); err != nil {
				return nil, err
			}
		} else {
			res, err := tx.ExecContext(ctx, `DELETE FROM talk_invitations WHERE talk_id = $1 AND party_id = $2`, talkID, partyID)
			if err != nil {
				return nil, err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil, parley.Errorf(parley.ENOTFOUND, "party %d is neither invited to nor proposed for talk %d", partyID, talkID)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM talk_invitation_consents WHERE talk_id = $1 AND party_id = $2`, talkID, partyID); err != nil {
				return nil, err
			}
		}
		payload, _ := json.Marshal(map[string]any{"party_id": partyID})
		return oneEvent(db.appendEvent(ctx, tx, u, talkID, parley.EventInput{Type: "invitation.withdrawn", Payload: payload}))
	})
}

// AcceptInvitation implements parley.TalkService.
func (db *DB) AcceptInvitation(ctx context.Context, talkID int64) (err error) {
	defer wrap(&err, "AcceptInvitation(%d)", talkID)
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	// Not inTalk: an invited party may not see the talk yet, only its
	// invitation.
	return db.inTx(ctx, func(tx *tx) ([]*parley.Event, error) {
		t, err := findTalk(ctx, tx, talkID)
		if err != nil {
			return nil, err
		}
		if !parley.CanSeeTalk(u, t) && !parley.CanSeeInvitation(u, t) {
			return nil, parley.Errorf(parley.ENOTFOUND, "no talk %d", talkID)
		}
		p, ok := t.Party(u.PartyID)
		if ok && p.Accepted {
			return nil, parley.Errorf(parley.ECONFLICT, "your delegation has already accepted")
		}
		if !parley.CanAcceptInvitation(u, t) {
			return nil, parley.Errorf(parley.EFORBIDDEN, "only the head of an invited delegation accepts")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE talk_parties SET accepted = 1 WHERE talk_id = $1 AND party_id = $2`, talkID, u.PartyID); err != nil {
			return nil, err
		}
		payload, _ := json.Marshal(map[string]any{"party_id": u.PartyID, "standing": p.Standing})
		return oneEvent(db.appendEvent(ctx, tx, u, talkID, parley.EventInput{Type: "invitation.accepted", Payload: payload}))
	})
}
