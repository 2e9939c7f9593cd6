package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"parley"
)

var _ parley.RoundService = (*DB)(nil)

func tmicros(t time.Time) int64 { return micros(t.UTC().Truncate(time.Microsecond)) }

func findRound(ctx context.Context, q querier, id int64) (*parley.Round, error) {
	rs, err := loadRounds(ctx, q, `r.id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, parley.Errorf(parley.ENOTFOUND, "no round %d", id)
	}
	return rs[0], nil
}

// loadRounds loads the rounds r that where (on r, with args) selects,
// by start and id, with their delegations, conclusion requests and agendas:
// four queries however many rounds.
func loadRounds(ctx context.Context, q querier, where string, args ...any) ([]*parley.Round, error) {
	byID := map[int64]*parley.Round{}
	out, err := all(ctx, q, `SELECT r.id, r.talk_id, r.title, r.venue, r.starts_at, r.ends_at, r.host, r.status, r.minutes_seq, r.created_at, r.minutes_version, r.agreed_seq FROM rounds r
		WHERE `+where+` ORDER BY r.starts_at, r.id`, args, func(s scanner) (*parley.Round, error) {
		r := &parley.Round{Delegations: []int64{}, Agenda: []*parley.AgendaItem{}, Approvals: []parley.MinutesApproval{}}
		var status string
		var starts, ends, created int64
		err := s.Scan(&r.ID, &r.TalkID, &r.Title, &r.Venue, &starts, &ends, &r.Host, &status, &r.MinutesSeq, &created, &r.MinutesVersion, &r.AgreedSeq)
		r.Status, r.StartsAt, r.EndsAt, r.CreatedAt = parley.RoundStatus(status), fromMicros(starts), fromMicros(ends), fromMicros(created)
		byID[r.ID] = r
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("find rounds: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	err = children(ctx, q, `SELECT d.round_id, d.party_id FROM round_delegations d JOIN rounds r ON r.id = d.round_id
		WHERE `+where+` ORDER BY d.round_id, d.party_id`, args, byID, scanPair,
		func(r *parley.Round, p int64) { r.Delegations = append(r.Delegations, p) })
	if err != nil {
		return nil, fmt.Errorf("round delegations: %w", err)
	}
	err = children(ctx, q, `SELECT c.round_id, c.party_id FROM round_conclusions c JOIN rounds r ON r.id = c.round_id
		WHERE `+where+` ORDER BY c.round_id, c.party_id`, args, byID, scanPair,
		func(r *parley.Round, p int64) { r.ConcludeRequests = append(r.ConcludeRequests, p) })
	if err != nil {
		return nil, fmt.Errorf("round conclusions: %w", err)
	}
	// The minutes' approvals, standing and reset.
	err = children(ctx, q, `SELECT a.round_id, a.party_id, a.user_id, a.version, a.approved_at, a.reset_at
		FROM round_approvals a JOIN rounds r ON r.id = a.round_id WHERE `+where+` ORDER BY a.round_id, a.approved_at, a.party_id`, args, byID,
		func(s scanner) (int64, parley.MinutesApproval, error) {
			var round, at, reset int64
			var a parley.MinutesApproval
			err := s.Scan(&round, &a.PartyID, &a.UserID, &a.Version, &at, &reset)
			a.At = fromMicros(at)
			if reset != 0 {
				a.ResetAt = fromMicros(reset)
			}
			return round, a, err
		}, func(r *parley.Round, a parley.MinutesApproval) {
			if a.ResetAt.IsZero() {
				r.Approvals = append(r.Approvals, a)
			} else {
				r.ResetApprovals = append(r.ResetApprovals, a)
			}
		})
	if err != nil {
		return nil, fmt.Errorf("round approvals: %w", err)
	}
	err = children(ctx, q, `SELECT a.round_id, a.id, a.irritant_id, a.title, a.minutes, a.outcome, a.note, a.owner, a.due, a.minutes_by, a.minutes_party
		FROM agenda_items a JOIN rounds r ON r.id = a.round_id WHERE `+where+` ORDER BY a.round_id, a.position`, args, byID,
		func(s scanner) (int64, *parley.AgendaItem, error) {
			var round int64
			var it parley.AgendaItem
			var outcome string
			err := s.Scan(&round, &it.ID, &it.IrritantID, &it.Title, &it.Minutes, &outcome, &it.Note, &it.Owner, &it.Due, &it.MinutesBy, &it.MinutesParty)
			it.Outcome = parley.Outcome(outcome)
			return round, &it, err
		}, func(r *parley.Round, it *parley.AgendaItem) { r.Agenda = append(r.Agenda, it) })
	if err != nil {
		return nil, fmt.Errorf("agenda items: %w", err)
	}
	return out, nil
}

// minutesChanged counts a change of r's minutes or agenda once the round
// has started and resets the approvals given, returning the parties whose
// approval it undid (for the event to say so).
func (db *DB) minutesChanged(ctx context.Context, tx *tx, r *parley.Round) ([]int64, error) {
	if r.Status == parley.RoundPlanned {
		return nil, nil
	}
	r.MinutesVersion++
	if _, err := tx.ExecContext(ctx, `UPDATE rounds SET minutes_version = $1, agreed_seq = 0 WHERE id = $2`, r.MinutesVersion, r.ID); err != nil {
		return nil, err
	}
	r.AgreedSeq = 0
	if len(r.Approvals) == 0 {
		return nil, nil
	}
	now := db.now()
	if _, err := tx.ExecContext(ctx, `UPDATE round_approvals SET reset_at = $1 WHERE round_id = $2 AND reset_at = 0`, micros(now), r.ID); err != nil {
		return nil, fmt.Errorf("reset approvals: %w", err)
	}
	var reset []int64
	for _, a := range r.Approvals {
		reset = append(reset, a.PartyID)
		a.ResetAt = now
		r.ResetApprovals = append(r.ResetApprovals, a)
	}
	r.Approvals = []parley.MinutesApproval{}
	return reset, nil
}

// findVisibleRound loads a round and its talk as u may see them.
func findVisibleRound(ctx context.Context, q querier, u *parley.User, id int64) (*parley.Round, *parley.Talk, error) {
	r, err := findRound(ctx, q, id)
	if err != nil {
		return nil, nil, err
	}
	t, err := findVisibleTalk(ctx, q, u, r.TalkID)
	if parley.ErrorCode(err) == parley.ENOTFOUND {
		return nil, nil, parley.Errorf(parley.ENOTFOUND, "no round %d", id)
	} else if err != nil {
		return nil, nil, err
	}
	return r, t, nil
}

// writeAgenda replaces round r's agenda with items, keeping the minutes of
// items whose ID is already on it. Irritant items must be of the talk. It
// returns the items dropped with their minutes: only their authors' party
// or a mediator may drop minutes, and the event says what was dropped.
func writeAgenda(ctx context.Context, tx *tx, u *parley.User, t *parley.Talk, r *parley.Round, items []*parley.AgendaItem) ([]*parley.AgendaItem, error) {
	old := map[int64]*parley.AgendaItem{}
	for _, it := range r.Agenda {
		old[it.ID] = it
	}
	kept := map[int64]bool{}
	for _, it := range items {
		if it.ID != 0 && old[it.ID] != nil {
			kept[it.ID] = true
		}
	}
	var dropped []*parley.AgendaItem
	for _, it := range r.Agenda {
		if kept[it.ID] || !it.HasMinutes() {
			continue
		}
		if t != nil && !parley.CanChangeMinutes(u, t, it) {
			return nil, parley.Errorf(parley.EFORBIDDEN, "agenda item %d (%q) has minutes another delegation recorded; keep its id on the agenda, or ask that delegation or a mediator to remove it", it.ID, it.Title)
		}
		dropped = append(dropped, it)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM agenda_items WHERE round_id = $1`, r.ID); err != nil {
		return nil, err
	}
	for k, it := range items {
		if it.IrritantID != 0 {
			var talk int64
			var title string
			err := tx.QueryRowContext(ctx, `SELECT talk_id, title FROM irritants WHERE id = $1`, it.IrritantID).Scan(&talk, &title)
			if errors.Is(err, sql.ErrNoRows) || talk != r.TalkID {
				return nil, parley.Errorf(parley.EINVALID, "agenda item %d: irritant %d is not in this talk", k+1, it.IrritantID)
			} else if err != nil {
				return nil, err
			}
			if it.Title == "" {
				it.Title = title
			}
		}
		if o := old[it.ID]; o != nil && it.ID != 0 {
			it.Minutes, it.Outcome, it.Note, it.Owner, it.Due, it.MinutesBy, it.MinutesParty = o.Minutes, o.Outcome, o.Note, o.Owner, o.Due, o.MinutesBy, o.MinutesParty
		} else {
			it.Minutes, it.Outcome, it.Note, it.Owner, it.Due, it.MinutesBy, it.MinutesParty = "", "", "", 0, "", 0, 0
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO agenda_items (round_id, position, irritant_id, title, minutes, outcome, note, owner, due, minutes_by, minutes_party)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			r.ID, k, it.IrritantID, it.Title, it.Minutes, string(it.Outcome), it.Note, it.Owner, it.Due, it.MinutesBy, it.MinutesParty).Scan(&it.ID); err != nil {
			return nil, fmt.Errorf("insert agenda item: %w", err)
		}
	}
	r.Agenda = items
	return dropped, nil
}

// CreateRound implements parley.RoundService.
func (db *DB) CreateRound(ctx context.Context, r *parley.Round) (err error) {
	defer wrap(&err, "CreateRound")
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	return db.inTalk(ctx, u, r.TalkID, func(tx *tx, t *parley.Talk) ([]*parley.Event, error) {
		if !parley.CanOrganiseRound(u, t) {
			return nil, parley.Errorf(parley.EFORBIDDEN, "only mediators and the heads and negotiators of member delegations organise rounds")
		}
		if r.Delegations == nil {
			r.Delegations = []int64{}
		}
		if r.Agenda == nil {
			r.Agenda = []*parley.AgendaItem{}
		}
		if err := r.Validate(t); err != nil {
			return nil, err
		}
		r.Status, r.CreatedAt, r.MinutesSeq, r.MinutesVersion, r.AgreedSeq = parley.RoundPlanned, db.now(), 0, 0, 0
		r.Approvals, r.ResetApprovals = []parley.MinutesApproval{}, nil
		r.StartsAt, r.EndsAt = r.StartsAt.UTC().Truncate(time.Microsecond), r.EndsAt.UTC().Truncate(time.Microsecond)
		if err := tx.QueryRowContext(ctx, `INSERT INTO rounds (talk_id, title, venue, starts_at, ends_at, host, status, minutes_seq, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8) RETURNING id`,
			r.TalkID, r.Title, r.Venue, tmicros(r.StartsAt), tmicros(r.EndsAt), r.Host, string(r.Status), micros(r.CreatedAt)).Scan(&r.ID); err != nil {
			return nil, fmt.Errorf("insert round: %w", err)
		}
		for _, p := range r.Delegations {
			if _, err := tx.ExecContext(ctx, `INSERT INTO round_delegations (round_id, party_id) VALUES ($1, $2)`, r.ID, p); err != nil {
				return nil, err
			}
		}
		items := r.Agenda
		r.Agenda = nil
		if _, err := writeAgenda(ctx, tx, u, nil, r, items); err != nil {
			return nil, err
		}
		payload, _ := json.Marshal(map[string]any{"round_id": r.ID, "title": r.Title, "venue": r.Venue, "starts_at": r.StartsAt, "ends_at": r.EndsAt,
			"host": r.Host, "delegations": r.Delegations, "agenda": r.Agenda})
		return oneEvent(db.consultEvent(ctx, tx, u, r.TalkID, parley.EventInput{Type: "round.planned", Payload: payload}))
	})
}

// FindRoundByID implements parley.RoundService.
func (db *DB) FindRoundByID(ctx context.Context, id int64) (_ *parley.Round, err error) {
	defer wrap(&err, "FindRoundByID(%d)", id)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	r, _, err := findVisibleRound(ctx, db.read, u, id)
	return r, err
}

// FindRounds implements parley.RoundService.
func (db *DB) FindRounds(ctx context.Context, talkID int64) (_ []*parley.Round, err error) {
	defer wrap(&err, "FindRounds(%d)", talkID)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	// Constant queries, prepared once: the inbox reads every talk's.
	rd := preparedReads{db}
	if _, err := findVisibleTalk(ctx, rd, u, talkID); err != nil {
		return nil, err
	}
	return loadRounds(ctx, rd, `r.talk_id = $1`, talkID)
}

// changeRound runs change on round id inside a write transaction, after the
// checks every change shares, then records the event it returns.
func (db *DB) changeRound(ctx context.Context, id int64, change func(tx *tx, u *parley.User, r *parley.Round, t *parley.Talk) (parley.EventInput, error)) (*parley.Round, error) {
	return db.changeRoundEvents(ctx, id, func(tx *tx, u *parley.User, r *parley.Round, t *parley.Talk) ([]parley.EventInput, error) {
		in, err := change(tx, u, r, t)
		return []parley.EventInput{in}, err
	})
}

// changeRoundEvents is changeRound for a change that records several
// events, in order.
func (db *DB) changeRoundEvents(ctx context.Context, id int64, change func(tx *tx, u *parley.User, r *parley.Round, t *parley.Talk) ([]parley.EventInput, error)) (*parley.Round, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var r *parley.Round
	err = db.inTx(ctx, func(tx *tx) (_ []*parley.Event, err error) {
		// Taking the row first serialises changes to one round on PostgreSQL.
		if _, err := tx.ExecContext(ctx, `UPDATE rounds SET status = status WHERE id = $1`, id); err != nil {
			return nil, err
		}
		var t *parley.Talk
		r, t, err = findVisibleRound(ctx, tx, u, id)
		if err != nil {
			return nil, err
		}
		if !parley.CanOrganiseRound(u, t) {
			return nil, parley.Errorf(parley.EFORBIDDEN, "only mediators and the heads and negotiators of member delegations organise rounds")
		}
		ins, err := change(tx, u, r, t)
		if err != nil {
			return nil, err
		}
		var es []*parley.Event
		for _, in := range ins {
			e, err := db.consultEvent(ctx, tx, u, r.TalkID, in)
			if err != nil {
				return nil, err
			}
			es = append(es, e)
			if link := linkIrritant(in); link != 0 {
				if _, err := tx.ExecContext(ctx, `INSERT INTO irritant_events (irritant_id, talk_id, seq) VALUES ($1, $2, $3)`, link, e.TalkID, e.Seq); err != nil {
					return nil, fmt.Errorf("link minutes to irritant: %w", err)
				}
			}
			var column string
			switch in.Type {
			case "round.concluded":
				r.MinutesSeq, column = e.Seq, "minutes_seq"
			case "round.minutes_agreed":
				r.AgreedSeq, column = e.Seq, "agreed_seq"
			}
			if column != "" {
				if _, err := tx.ExecContext(ctx, `UPDATE rounds SET `+column+` = $1 WHERE id = $2`, e.Seq, r.ID); err != nil {
					return nil, err
				}
			}
		}
		return es, nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// SetAgenda implements parley.RoundService.
func (db *DB) SetAgenda(ctx context.Context, roundID int64, items []*parley.AgendaItem) (_ *parley.Round, err error) {
	defer wrap(&err, "SetAgenda(%d)", roundID)
	return db.changeRound(ctx, roundID, func(tx *tx, u *parley.User, r *parley.Round, t *parley.Talk) (parley.EventInput, error) {
		if r.Status == parley.RoundConcluded {
			return parley.EventInput{}, parley.Errorf(parley.ECONFLICT, "round %q is concluded; a concluded round is read-only", r.Title)
		}
		if items == nil {
			items = []*parley.AgendaItem{}
		}
		if err := parley.ValidateAgenda(items); err != nil {
			return parley.EventInput{}, err
		}
		dropped, err := writeAgenda(ctx, tx, u, t, r, items)
		if err != nil {
			return parley.EventInput{}, err
		}
		reset, err := db.minutesChanged(ctx, tx, r)
		if err != nil {
			return parley.EventInput{}, err
		}
		out := map[string]any{"round_id": r.ID, "title": r.Title, "agenda": r.Agenda}
		if len(dropped) > 0 {
			// Nothing recorded goes silently: the event keeps what was removed.
			out["removed"] = dropped
		}
		if len(reset) > 0 {
			out["approvals_reset"] = reset
		}
		payload, _ := json.Marshal(out)
		return parley.EventInput{Type: "round.agenda", Payload: payload}, nil
	})
}

// RecordMinutes implements parley.RoundService.
func (db *DB) RecordMinutes(ctx context.Context, roundID, itemID int64, m parley.Minutes) (_ *parley.Round, err error) {
	defer wrap(&err, "RecordMinutes(%d, %d)", roundID, itemID)
	return db.changeRound(ctx, roundID, func(tx *tx, u *parley.User, r *parley.Round, t *parley.Talk) (parley.EventInput, error) {
		switch r.Status {
		case parley.RoundConcluded:
			return parley.EventInput{}, parley.Errorf(parley.ECONFLICT, "round %q is concluded; a concluded round is read-only", r.Title)
		case parley.RoundPlanned:
			return parley.EventInput{}, parley.Errorf(parley.ECONFLICT, "round %q has not started; start it before keeping minutes", r.Title)
		}
		if err := m.Validate(t); err != nil {
			return parley.EventInput{}, err
		}
		var it *parley.AgendaItem
		for _, x := range r.Agenda {
			if x.ID == itemID {
				it = x
			}
		}
		if it == nil {
			return parley.EventInput{}, parley.Errorf(parley.ENOTFOUND, "round %d has no agenda item %d", r.ID, itemID)
		}
		if !parley.CanChangeMinutes(u, t, it) {
			return parley.EventInput{}, parley.Errorf(parley.EFORBIDDEN, "another delegation recorded the minutes of item %q; only it or a mediator changes or clears them (comment instead)", it.Title)
		}
		var previous *parley.AgendaItem
		if it.HasMinutes() {
			p := *it
			previous = &p
		}
		it.Minutes, it.Outcome, it.Note, it.Owner, it.Due = m.Minutes, m.Outcome, m.Note, m.Owner, m.Due
		it.MinutesBy, it.MinutesParty = u.ID, u.PartyID
		if !it.HasMinutes() {
			it.MinutesBy, it.MinutesParty = 0, 0
		}
		if _, err := tx.ExecContext(ctx, `UPDATE agenda_items SET minutes = $1, outcome = $2, note = $3, owner = $4, due = $5, minutes_by = $6, minutes_party = $7 WHERE id = $8`,
			it.Minutes, string(it.Outcome), it.Note, it.Owner, it.Due, it.MinutesBy, it.MinutesParty, it.ID); err != nil {
			return parley.EventInput{}, err
		}
		reset, err := db.minutesChanged(ctx, tx, r)
		if err != nil {
			return parley.EventInput{}, err
		}
		out := map[string]any{"round_id": r.ID, "title": r.Title, "item": it}
		if previous != nil {
			out["previous"] = previous // what was replaced stays in the record
		}
		if len(reset) > 0 {
			out["approvals_reset"] = reset
		}
		payload, _ := json.Marshal(out)
		return parley.EventInput{Type: "round.minutes", Payload: payload}, nil
	})
}

// MoveRound implements parley.RoundService.
func (db *DB) MoveRound(ctx context.Context, roundID int64, to parley.RoundStatus) (_ *parley.Round, err error) {
	defer wrap(&err, "MoveRound(%d)", roundID)
	return db.changeRound(ctx, roundID, func(tx *tx, u *parley.User, r *parley.Round, t *parley.Talk) (parley.EventInput, error) {
		if err := parley.CheckRoundMove(r.Status, to); err != nil {
			return parley.EventInput{}, err
		}
		if to == parley.RoundConcluded && !(u.Mediator && t.Mediates(u.ID)) {
			// A delegation alone does not conclude: it asks, and the round
			// concludes when every attending member delegation has asked.
			if slices.Contains(r.ConcludeRequests, u.PartyID) {
				return parley.EventInput{}, parley.Errorf(parley.ECONFLICT, "your delegation has already asked to conclude round %q; awaiting the others", r.Title)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO round_conclusions (round_id, party_id) VALUES ($1, $2)`, r.ID, u.PartyID); err != nil {
				return parley.EventInput{}, err
			}
			r.ConcludeRequests = append(r.ConcludeRequests, u.PartyID)
			var waiting []int64
			for _, p := range parley.RoundConcluders(r, t) {
				if !slices.Contains(r.ConcludeRequests, p) {
					waiting = append(waiting, p)
				}
			}
			if len(waiting) > 0 {
				payload, _ := json.Marshal(map[string]any{"round_id": r.ID, "title": r.Title, "party_id": u.PartyID, "awaiting": waiting})
				return parley.EventInput{Type: "round.conclusion_requested", Payload: payload}, nil
			}
		}
		from := r.Status
		r.Status = to
		if _, err := tx.ExecContext(ctx, `UPDATE rounds SET status = $1 WHERE id = $2`, string(to), r.ID); err != nil {
			return parley.EventInput{}, err
		}
		if to == parley.RoundConcluded {
			// The minutes as concluded are the record's, hashed and signed.
			payload, _ := json.Marshal(map[string]any{"round_id": r.ID, "title": r.Title, "venue": r.Venue, "delegations": r.Delegations, "agenda": r.Agenda})
			return parley.EventInput{Type: "round.concluded", Payload: payload}, nil
		}
		payload, _ := json.Marshal(map[string]any{"round_id": r.ID, "title": r.Title, "from": from, "to": to})
		return parley.EventInput{Type: "round.started", Payload: payload}, nil
	})
}

// UpdateRound implements parley.RoundService.
func (db *DB) UpdateRound(ctx context.Context, roundID int64, d parley.RoundDetails) (_ *parley.Round, err error) {
	defer wrap(&err, "UpdateRound(%d)", roundID)
	return db.changeRound(ctx, roundID, func(tx *tx, u *parley.User, r *parley.Round, t *parley.Talk) (parley.EventInput, error) {
		if err := parley.CheckEditDetails(r); err != nil {
			return parley.EventInput{}, err
		}
		was := r.Details()
		r.Title, r.Venue, r.StartsAt, r.EndsAt = d.Title, d.Venue, d.StartsAt.UTC().Truncate(time.Microsecond), d.EndsAt.UTC().Truncate(time.Microsecond)
		if err := r.Validate(t); err != nil {
			return parley.EventInput{}, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE rounds SET title = $1, venue = $2, starts_at = $3, ends_at = $4 WHERE id = $5`,
			r.Title, r.Venue, tmicros(r.StartsAt), tmicros(r.EndsAt), r.ID); err != nil {
			return parley.EventInput{}, fmt.Errorf("update round: %w", err)
		}
		payload, _ := json.Marshal(map[string]any{"round_id": r.ID, "title": r.Title, "venue": r.Venue, "starts_at": r.StartsAt, "ends_at": r.EndsAt, "previous": was})
		return parley.EventInput{Type: "round.updated", Payload: payload}, nil
	})
}

// ApproveMinutes implements parley.RoundService.
func (db *DB) ApproveMinutes(ctx context.Context, roundID int64, version int) (_ *parley.Round, err error) {
	defer wrap(&err, "ApproveMinutes(%d, %d)", roundID, version)
	return db.changeRoundEvents(ctx, roundID, func(tx *tx, u *parley.User, r *parley.Round, t *parley.Talk) ([]parley.EventInput, error) {
		if err := parley.CheckApproveMinutes(u, t, r, version); err != nil {
			return nil, err
		}
		a := parley.MinutesApproval{PartyID: u.PartyID, UserID: u.ID, Version: version, At: db.now()}
		// An approval reset earlier gives way to the new one.
		if _, err := tx.ExecContext(ctx, `DELETE FROM round_approvals WHERE round_id = $1 AND party_id = $2`, r.ID, u.PartyID); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO round_approvals (round_id, party_id, user_id, version, approved_at) VALUES ($1, $2, $3, $4, $5)`,
			r.ID, a.PartyID, a.UserID, a.Version, micros(a.At)); err != nil {
			return nil, fmt.Errorf("approve minutes: %w", err)
		}
		r.Approvals = append(r.Approvals, a)
		r.ResetApprovals = slices.DeleteFunc(r.ResetApprovals, func(x parley.MinutesApproval) bool { return x.PartyID == u.PartyID })
		waiting := nonNilIDs(r.AwaitingApproval(t))
		payload, _ := json.Marshal(map[string]any{"round_id": r.ID, "title": r.Title, "party_id": u.PartyID, "version": version, "awaiting": waiting})
		ins := []parley.EventInput{{Type: "round.minutes_approved", Payload: payload}}
		if len(waiting) == 0 {
			// The minutes as agreed are the record's, hashed and signed.
			payload, _ := json.Marshal(map[string]any{"round_id": r.ID, "title": r.Title, "version": version, "delegations": parley.RoundConcluders(r, t),
				"approvals": r.Approvals, "agenda": r.Agenda})
			ins = append(ins, parley.EventInput{Type: "round.minutes_agreed", Payload: payload})
		}
		return ins, nil
	})
}

// IrritantRounds implements parley.RoundService.
func (db *DB) IrritantRounds(ctx context.Context, irritantID int64) (_ []parley.Discussion, err error) {
	defer wrap(&err, "IrritantRounds(%d)", irritantID)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if _, _, err := findVisibleIrritant(ctx, db.read, u, irritantID); err != nil {
		return nil, err
	}
	return all(ctx, db.read, `SELECT r.id, r.title, r.status, r.starts_at, a.id, a.outcome, a.note, a.owner, a.due
		FROM agenda_items a JOIN rounds r ON r.id = a.round_id WHERE a.irritant_id = $1 ORDER BY r.starts_at, r.id`, []any{irritantID}, func(s scanner) (parley.Discussion, error) {
		var d parley.Discussion
		var status, outcome string
		var starts int64
		err := s.Scan(&d.RoundID, &d.RoundTitle, &status, &starts, &d.ItemID, &outcome, &d.Note, &d.Owner, &d.Due)
		d.RoundStatus, d.StartsAt, d.Outcome = parley.RoundStatus(status), fromMicros(starts), parley.Outcome(outcome)
		return d, err
	})
}

// linkIrritant returns the irritant whose timeline a round event belongs
// on: the irritant of an agenda item whose minutes were recorded.
func linkIrritant(in parley.EventInput) int64 {
	if in.Type != "round.minutes" {
		return 0
	}
	var p struct {
		Item struct {
			IrritantID int64 `json:"irritant_id"`
		} `json:"item"`
	}
	json.Unmarshal(in.Payload, &p)
	return p.Item.IrritantID
}
