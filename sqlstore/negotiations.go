package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"parley"
)

var _ parley.NegotiationService = (*DB)(nil)

const negotiationCols = `id, talk_id, title, round_id, issues, solution, deadline, state, agreed, statement_id, created_by, created_at`

// findNegotiation loads a negotiation with its texts, marks, submissions and
// disclosures, as u may see it: mark reasons kept for the mediator are
// withheld from other parties.
func findNegotiation(ctx context.Context, q querier, u *parley.User, t *parley.Talk, id int64) (*parley.Negotiation, error) {
	var n parley.Negotiation
	var issues string
	var deadline, created int64
	err := q.QueryRowContext(ctx, `SELECT `+negotiationCols+` FROM negotiations WHERE id = $1`, id).
		Scan(&n.ID, &n.TalkID, &n.Title, &n.RoundID, &issues, &n.Solution, &deadline, &n.State, &n.Agreed, &n.StatementID, &n.CreatedBy, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, parley.Errorf(parley.ENOTFOUND, "no negotiation %d", id)
	} else if err != nil {
		return nil, fmt.Errorf("find negotiation: %w", err)
	}
	if t != nil && t.ID != n.TalkID {
		return nil, parley.Errorf(parley.ENOTFOUND, "no negotiation %d", id)
	}
	if err := json.Unmarshal([]byte(issues), &n.Issues); err != nil {
		return nil, fmt.Errorf("negotiation %d issues: %w", id, err)
	}
	n.CreatedAt = fromMicros(created)
	if deadline != 0 {
		d := fromMicros(deadline)
		n.Deadline = &d
	}
	n.Submitted, n.Texts, n.Disclosures = []parley.ProfileCommitment{}, []*parley.NegotiationText{}, []int64{}
	err = each(ctx, q, `SELECT party_id, version, commitment, red_lines, seq, at FROM negotiation_submissions WHERE negotiation_id = $1 ORDER BY seq`, []any{id}, func(rows scanner) error {
		var c parley.ProfileCommitment
		var red, at int64
		err := rows.Scan(&c.PartyID, &c.Version, &c.Commitment, &red, &c.Seq, &at)
		c.RedLines, c.At = red != 0, fromMicros(at)
		n.Submitted = append(n.Submitted, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	err = each(ctx, q, `SELECT version, outcome, source, solution, pareto_optimal, method, engine_version, author_id, declined, seq, hash, created_at
		FROM negotiation_texts WHERE negotiation_id = $1 ORDER BY version`, []any{id}, func(rows scanner) error {
		x := &parley.NegotiationText{Marks: []parley.NegotiationMark{}}
		var outcome string
		var pareto, declined, at int64
		if err := rows.Scan(&x.Version, &outcome, &x.Source, &x.Solution, &pareto, &x.Method, &x.EngineVersion, &x.AuthorID, &declined, &x.Seq, &x.Hash, &at); err != nil {
			return err
		}
		x.ParetoOptimal, x.Declined, x.CreatedAt = pareto != 0, declined != 0, fromMicros(at)
		n.Texts = append(n.Texts, x)
		return json.Unmarshal([]byte(outcome), &x.Outcome)
	})
	if err != nil {
		return nil, err
	}
	err = each(ctx, q, `SELECT version, party_id, user_id, mark, reason, reason_public, at FROM negotiation_marks WHERE negotiation_id = $1 ORDER BY version, party_id`, []any{id}, func(rows scanner) error {
		var m parley.NegotiationMark
		var public, at int64
		if err := rows.Scan(&m.Version, &m.PartyID, &m.UserID, &m.Mark, &m.Reason, &public, &at); err != nil {
			return err
		}
		m.ReasonPublic, m.At = public != 0, fromMicros(at)
		if !m.ReasonPublic && !(u.PartyID != 0 && u.PartyID == m.PartyID) && !(t != nil && parley.CanMediate(u, t)) {
			m.Reason = ""
		}
		if x := n.Text(m.Version); x != nil {
			x.Marks = append(x.Marks, m)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each(ctx, q, `SELECT party_id FROM negotiation_disclosures WHERE negotiation_id = $1 ORDER BY party_id`, []any{id}, func(rows scanner) error {
		var p int64
		err := rows.Scan(&p)
		n.Disclosures = append(n.Disclosures, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// findVisibleNegotiation loads negotiation id and its talk as u may see them.
func findVisibleNegotiation(ctx context.Context, q querier, u *parley.User, id int64) (*parley.Negotiation, *parley.Talk, error) {
	var talkID int64
	err := q.QueryRowContext(ctx, `SELECT talk_id FROM negotiations WHERE id = $1`, id).Scan(&talkID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, parley.Errorf(parley.ENOTFOUND, "no negotiation %d", id)
	} else if err != nil {
		return nil, nil, fmt.Errorf("find negotiation: %w", err)
	}
	t, err := findVisibleTalk(ctx, q, u, talkID)
	if parley.ErrorCode(err) == parley.ENOTFOUND {
		return nil, nil, parley.Errorf(parley.ENOTFOUND, "no negotiation %d", id)
	} else if err != nil {
		return nil, nil, err
	}
	n, err := findNegotiation(ctx, q, u, t, id)
	return n, t, err
}

// CreateNegotiation implements parley.NegotiationService.
func (db *DB) CreateNegotiation(ctx context.Context, n *parley.Negotiation) (err error) {
	defer wrap(&err, "CreateNegotiation")
	u, err := actor(ctx)
	if err != nil {
		return err
	}
	if n.Solution == "" {
		n.Solution = "nash"
	}
	if err := n.Validate(); err != nil {
		return err
	}
	err = db.inTalk(ctx, u, n.TalkID, func(tx *tx, t *parley.Talk) (_ []*parley.Event, err error) {
		if !parley.CanOpenNegotiation(u, t) {
			return nil, parley.Errorf(parley.EFORBIDDEN, "only mediators and the heads and negotiators of member delegations open negotiations")
		}
		if n.RoundID != 0 {
			if r, err := findRound(ctx, tx, n.RoundID); err != nil || r.TalkID != t.ID {
				return nil, parley.Errorf(parley.EINVALID, "round_id: round %d is not a round of this talk", n.RoundID)
			}
		}
		for _, is := range n.Issues {
			if is.IrritantID == 0 {
				continue
			}
			var talk int64
			if err := tx.QueryRowContext(ctx, `SELECT talk_id FROM irritants WHERE id = $1`, is.IrritantID).Scan(&talk); err != nil || talk != t.ID {
				return nil, parley.Errorf(parley.EINVALID, "issue %q: irritant %d is not an irritant of this talk", is.Name, is.IrritantID)
			}
		}
		issues, _ := json.Marshal(n.Issues)
		var deadline int64
		if n.Deadline != nil {
			deadline = micros(*n.Deadline)
		}
		n.State, n.CreatedBy, n.CreatedAt = parley.NegotiationDrafting, u.ID, db.now()
		err = tx.QueryRowContext(ctx, `INSERT INTO negotiations (talk_id, title, round_id, issues, solution, deadline, state, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			n.TalkID, n.Title, n.RoundID, string(issues), n.Solution, deadline, string(n.State), u.ID, micros(n.CreatedAt)).Scan(&n.ID)
		if err != nil {
			return nil, fmt.Errorf("create negotiation: %w", err)
		}
		payload, _ := json.Marshal(map[string]any{"negotiation_id": n.ID, "title": n.Title, "solution": n.Solution, "issues": n.Issues})
		return oneEvent(db.consultEvent(ctx, tx, u, t.ID, parley.EventInput{Type: "negotiation.opened", Payload: payload}))
	})
	if err != nil {
		return err
	}
	n.Submitted, n.Texts, n.Disclosures = []parley.ProfileCommitment{}, []*parley.NegotiationText{}, []int64{}
	return nil
}

// FindNegotiationByID implements parley.NegotiationService.
func (db *DB) FindNegotiationByID(ctx context.Context, id int64) (_ *parley.Negotiation, err error) {
	defer wrap(&err, "FindNegotiationByID(%d)", id)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	n, _, err := findVisibleNegotiation(ctx, db.read, u, id)
	return n, err
}

// FindNegotiations implements parley.NegotiationService.
func (db *DB) FindNegotiations(ctx context.Context, talkID int64) (_ []*parley.Negotiation, err error) {
	defer wrap(&err, "FindNegotiations(%d)", talkID)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	t, err := findVisibleTalk(ctx, db.read, u, talkID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	err = each(ctx, db.read, `SELECT id FROM negotiations WHERE talk_id = $1 ORDER BY id`, []any{talkID}, func(rows scanner) error {
		var id int64
		err := rows.Scan(&id)
		ids = append(ids, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := []*parley.Negotiation{}
	for _, id := range ids {
		n, err := findNegotiation(ctx, db.read, u, t, id)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// emitter appends an event inside a negotiation's transaction.
type emitter func(in parley.EventInput) (*parley.Event, error)

// changeNegotiation runs change in a transaction that holds the
// negotiation's row; the events change emits are published after commit,
// and the negotiation is reloaded.
func (db *DB) changeNegotiation(ctx context.Context, id int64, change func(tx *tx, u *parley.User, n *parley.Negotiation, t *parley.Talk, emit emitter) error) (*parley.Negotiation, error) {
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(tx *tx) ([]*parley.Event, error) {
		if _, err := tx.ExecContext(ctx, `UPDATE negotiations SET state = state WHERE id = $1`, id); err != nil {
			return nil, err
		}
		n, t, err := findVisibleNegotiation(ctx, tx, u, id)
		if err != nil {
			return nil, err
		}
		var es []*parley.Event
		emit := func(in parley.EventInput) (*parley.Event, error) {
			e, err := db.consultEvent(ctx, tx, u, n.TalkID, in)
			if err == nil {
				es = append(es, e)
			}
			return e, err
		}
		if err := change(tx, u, n, t, emit); err != nil {
			return nil, err
		}
		return es, nil
	})
	if err != nil {
		return nil, err
	}
	n, _, err := findVisibleNegotiation(ctx, db.write, u, id)
	return n, err
}

// emitAll emits each event in turn.
func emitAll(emit emitter, ins ...parley.EventInput) error {
	for _, in := range ins {
		if _, err := emit(in); err != nil {
			return err
		}
	}
	return nil
}

func negotiationEvent(typ string, n *parley.Negotiation, fields map[string]any) parley.EventInput {
	m := map[string]any{"negotiation_id": n.ID, "title": n.Title}
	for k, v := range fields {
		m[k] = v
	}
	payload, _ := json.Marshal(m)
	return parley.EventInput{Type: typ, Payload: payload}
}

// SetIssues implements parley.NegotiationService.
func (db *DB) SetIssues(ctx context.Context, id int64, issues []parley.NegotiationIssue, title, solution string) (_ *parley.Negotiation, err error) {
	defer wrap(&err, "SetIssues(%d)", id)
	return db.changeNegotiation(ctx, id, func(tx *tx, u *parley.User, n *parley.Negotiation, t *parley.Talk, emit emitter) error {
		if !parley.CanOpenNegotiation(u, t) {
			return parley.Errorf(parley.EFORBIDDEN, "only mediators and the heads and negotiators of member delegations draft the issues")
		}
		if n.State != parley.NegotiationDrafting {
			return parley.Errorf(parley.ECONFLICT, "the issues were frozen when elicitation started; they can no longer change (open a new negotiation to negotiate other issues)")
		}
		if title != "" {
			n.Title = title
		}
		if solution != "" {
			n.Solution = solution
		}
		n.Issues = issues
		if err := n.Validate(); err != nil {
			return err
		}
		raw, _ := json.Marshal(issues)
		if _, err := tx.ExecContext(ctx, `UPDATE negotiations SET issues = $1, title = $2, solution = $3 WHERE id = $4`, string(raw), n.Title, n.Solution, id); err != nil {
			return err
		}
		return emitAll(emit, negotiationEvent("negotiation.issues", n, map[string]any{"issues": issues, "solution": n.Solution}))
	})
}

func (db *DB) setState(ctx context.Context, tx *tx, n *parley.Negotiation, to parley.NegotiationState) error {
	_, err := tx.ExecContext(ctx, `UPDATE negotiations SET state = $1 WHERE id = $2`, string(to), n.ID)
	n.State = to
	return err
}

// MoveNegotiation implements parley.NegotiationService.
func (db *DB) MoveNegotiation(ctx context.Context, id int64, to parley.NegotiationState) (_ *parley.Negotiation, err error) {
	defer wrap(&err, "MoveNegotiation(%d)", id)
	return db.changeNegotiation(ctx, id, func(tx *tx, u *parley.User, n *parley.Negotiation, t *parley.Talk, emit emitter) error {
		if !parley.CanOpenNegotiation(u, t) {
			return parley.Errorf(parley.EFORBIDDEN, "only mediators and the heads and negotiators of member delegations move a negotiation on")
		}
		from := n.State
		switch {
		case from == parley.NegotiationDrafting && to == parley.NegotiationEliciting:
			if err := db.setState(ctx, tx, n, to); err != nil {
				return err
			}
			return emitAll(emit, negotiationEvent("negotiation.frozen", n, map[string]any{"issues": n.Issues}))
		case from == parley.NegotiationEliciting && to == parley.NegotiationMediating:
			var missing []int64
			for _, m := range t.Members() {
				if n.SubmittedBy(m) == nil {
					missing = append(missing, m)
				}
			}
			if len(missing) > 0 {
				return parley.Errorf(parley.ECONFLICT, "mediation starts once every member party has submitted its profile; %d of %d have not yet", len(missing), len(t.Members()))
			}
			if err := db.setState(ctx, tx, n, to); err != nil {
				return err
			}
			return emitAll(emit, negotiationEvent("negotiation.mediating", n, nil))
		case to == parley.NegotiationClosed && (from == parley.NegotiationDrafting || from == parley.NegotiationEliciting || from == parley.NegotiationMediating):
			if err := db.setState(ctx, tx, n, to); err != nil {
				return err
			}
			return emitAll(emit, negotiationEvent("negotiation.closed", n, nil))
		}
		return parley.Errorf(parley.ECONFLICT, "a negotiation cannot move from %q to %q; moves are drafting → eliciting → mediating, and to closed before agreement", from.Label(), to.Label())
	})
}

// sealedPreferences is what is sealed for one version.
type sealedPreferences struct {
	Preferences parley.Preferences `json:"preferences"`
	Salt        string             `json:"salt"`
}

// SavePreferences implements parley.NegotiationService.
func (db *DB) SavePreferences(ctx context.Context, id int64, p *parley.Preferences, submit bool) (_ *parley.PrivateProfile, err error) {
	defer wrap(&err, "SavePreferences(%d)", id)
	var pp *parley.PrivateProfile
	_, err = db.changeNegotiation(ctx, id, func(tx *tx, u *parley.User, n *parley.Negotiation, t *parley.Talk, emit emitter) error {
		if !parley.CanEnterPreferences(u, t) {
			return parley.Errorf(parley.EFORBIDDEN, "only the head and negotiators of a member delegation or affected stakeholder enter their party's preferences")
		}
		if n.State != parley.NegotiationEliciting {
			return parley.Errorf(parley.ECONFLICT, "preferences are entered while eliciting; the negotiation is %s", n.State.Label())
		}
		tp, _ := t.Party(u.PartyID)
		stakeholder := tp.Standing == parley.StandingStakeholder
		if err := p.Validate(n, stakeholder); err != nil {
			return err
		}
		if stakeholder && !p.HasProfile() && len(p.Excluded) == 0 {
			return parley.Errorf(parley.EINVALID, "excluded: name at least one option your party cannot accept, or give a profile with a minimum")
		}
		var version int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM negotiation_preferences WHERE negotiation_id = $1 AND party_id = $2`, id, u.PartyID).Scan(&version); err != nil {
			return err
		}
		version++
		pp = &parley.PrivateProfile{NegotiationID: id, PartyID: u.PartyID, Version: version, Preferences: *p, Salt: parley.NewSalt(), SavedAt: db.now(), Submitted: submit}
		var err error
		if pp.Commitment, err = parley.Commitment(id, u.PartyID, pp.Salt, p); err != nil {
			return err
		}
		raw, _ := json.Marshal(sealedPreferences{Preferences: *p, Salt: pp.Salt})
		sealed, err := parley.SealData(db.cfg.Secret, raw)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO negotiation_preferences (negotiation_id, party_id, version, sealed, commitment, saved_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			id, u.PartyID, version, sealed, pp.Commitment, micros(pp.SavedAt)); err != nil {
			return err
		}
		// The party's own record of its revision: private to it.
		private, _ := json.Marshal(map[string]any{"negotiation_id": id, "version": version, "commitment": pp.Commitment})
		if _, err := emit(parley.EventInput{Type: "negotiation.preferences", PrivateTo: u.PartyID, Payload: private}); err != nil {
			return err
		}
		if !submit {
			return nil
		}
		e, err := emit(negotiationEvent("negotiation.submitted", n, map[string]any{"party_id": u.PartyID, "version": version, "commitment": pp.Commitment, "red_lines": stakeholder}))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM negotiation_submissions WHERE negotiation_id = $1 AND party_id = $2`, id, u.PartyID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO negotiation_submissions (negotiation_id, party_id, version, commitment, red_lines, seq, at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			id, u.PartyID, version, pp.Commitment, b2i(stakeholder), e.Seq, micros(e.Time))
		return err
	})
	if err != nil {
		return nil, err
	}
	return pp, nil
}

// openPreferences unseals one stored version.
func (db *DB) openPreferences(ctx context.Context, q querier, id, party int64, version int) (*parley.PrivateProfile, error) {
	var sealed []byte
	var commitment string
	var saved int64
	query := `SELECT version, sealed, commitment, saved_at FROM negotiation_preferences WHERE negotiation_id = $1 AND party_id = $2 AND version = $3`
	args := []any{id, party, version}
	if version == 0 {
		query = `SELECT version, sealed, commitment, saved_at FROM negotiation_preferences WHERE negotiation_id = $1 AND party_id = $2 ORDER BY version DESC LIMIT 1`
		args = args[:2]
	}
	err := q.QueryRowContext(ctx, query, args...).Scan(&version, &sealed, &commitment, &saved)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, parley.Errorf(parley.ENOTFOUND, "your party has not entered preferences for negotiation %d yet", id)
	} else if err != nil {
		return nil, err
	}
	raw, err := parley.UnsealData(db.cfg.Secret, sealed)
	if err != nil {
		return nil, err
	}
	var sp sealedPreferences
	if err := json.Unmarshal(raw, &sp); err != nil {
		return nil, err
	}
	return &parley.PrivateProfile{NegotiationID: id, PartyID: party, Version: version, Preferences: sp.Preferences, Salt: sp.Salt, Commitment: commitment, SavedAt: fromMicros(saved)}, nil
}

// MyPreferences implements parley.NegotiationService. It reads only what
// it needs: the talk for the visibility rule, the sealed version, and
// whether it is the one submitted.
func (db *DB) MyPreferences(ctx context.Context, id int64) (_ *parley.PrivateProfile, err error) {
	defer wrap(&err, "MyPreferences(%d)", id)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var talkID int64
	err = db.read.QueryRowContext(ctx, `SELECT talk_id FROM negotiations WHERE id = $1`, id).Scan(&talkID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, parley.Errorf(parley.ENOTFOUND, "no negotiation %d", id)
	} else if err != nil {
		return nil, err
	}
	if _, err := findVisibleTalk(ctx, db.read, u, talkID); parley.ErrorCode(err) == parley.ENOTFOUND {
		return nil, parley.Errorf(parley.ENOTFOUND, "no negotiation %d", id)
	} else if err != nil {
		return nil, err
	}
	if u.PartyID == 0 {
		return nil, parley.Errorf(parley.ENOTFOUND, "only a party's delegation has preferences; mediators and administrators have none")
	}
	pp, err := db.openPreferences(ctx, db.read, id, u.PartyID, 0)
	if err != nil {
		return nil, err
	}
	var submitted int
	err = db.read.QueryRowContext(ctx, `SELECT version FROM negotiation_submissions WHERE negotiation_id = $1 AND party_id = $2`, id, u.PartyID).Scan(&submitted)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	pp.Submitted = submitted == pp.Version
	return pp, nil
}

// inputs unseals every submitted version.
func (db *DB) inputs(ctx context.Context, n *parley.Negotiation, t *parley.Talk) (*parley.Inputs, error) {
	in := &parley.Inputs{Negotiation: n, Talk: t, Members: map[int64]*parley.Preferences{}, Stakeholders: map[int64]*parley.Preferences{}}
	for _, s := range n.Submitted {
		pp, err := db.openPreferences(ctx, db.read, n.ID, s.PartyID, s.Version)
		if err != nil {
			return nil, err
		}
		tp, _ := t.Party(s.PartyID)
		switch tp.Standing {
		case parley.StandingMember:
			in.Members[s.PartyID] = &pp.Preferences
		case parley.StandingStakeholder:
			in.Stakeholders[s.PartyID] = &pp.Preferences
		}
	}
	return in, nil
}

// ConfidentialInputs implements parley.NegotiationService.
func (db *DB) ConfidentialInputs(ctx context.Context, id int64) (_ *parley.Inputs, err error) {
	defer wrap(&err, "ConfidentialInputs(%d)", id)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	n, t, err := findVisibleNegotiation(ctx, db.read, u, id)
	if err != nil {
		return nil, err
	}
	if !parley.CanMediate(u, t) {
		return nil, parley.Errorf(parley.EFORBIDDEN, "only a mediator of this talk asks parley for texts")
	}
	return db.inputs(ctx, n, t)
}

// ProposeText implements parley.NegotiationService.
func (db *DB) ProposeText(ctx context.Context, id int64, base int, text *parley.NegotiationText) (_ *parley.Negotiation, err error) {
	defer wrap(&err, "ProposeText(%d, %d)", id, base)
	return db.changeNegotiation(ctx, id, func(tx *tx, u *parley.User, n *parley.Negotiation, t *parley.Talk, emit emitter) error {
		if !parley.CanMediate(u, t) {
			return parley.Errorf(parley.EFORBIDDEN, "only a mediator of this talk proposes texts")
		}
		cur := 0
		if c := n.Current(); c != nil {
			cur = c.Version
		}
		if base != cur {
			return parley.Errorf(parley.ECONFLICT, "version %d of the text was proposed while you worked on version %d; read it first", cur, base)
		}
		switch {
		case text.Source == "improvement" && n.State == parley.NegotiationAgreed:
		case text.Source != "improvement" && n.State == parley.NegotiationMediating:
		default:
			return parley.Errorf(parley.ECONFLICT, "the negotiation is %s; texts are proposed while mediating, improvements once agreed", n.State.Label())
		}
		if _, err := n.ParseText(text.Outcome); err != nil {
			return err
		}
		text.Version, text.AuthorID = cur+1, u.ID
		raw, _ := json.Marshal(text.Outcome)
		in := negotiationEvent("negotiation.text", n, map[string]any{"version": text.Version, "outcome": text.Outcome, "source": text.Source,
			"solution": text.Solution, "pareto_optimal": text.ParetoOptimal, "method": text.Method, "engine_version": text.EngineVersion})
		e, err := emit(in)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO negotiation_texts (negotiation_id, version, outcome, source, solution, pareto_optimal, method, engine_version, author_id, seq, hash, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			id, text.Version, string(raw), text.Source, text.Solution, b2i(text.ParetoOptimal), text.Method, text.EngineVersion, u.ID, e.Seq, e.Hash, micros(e.Time))
		return err
	})
}

// MarkText implements parley.NegotiationService.
func (db *DB) MarkText(ctx context.Context, id int64, version int, mark, reason string, reasonPublic bool) (_ *parley.Negotiation, err error) {
	defer wrap(&err, "MarkText(%d, %d)", id, version)
	return db.changeNegotiation(ctx, id, func(tx *tx, u *parley.User, n *parley.Negotiation, t *parley.Talk, emit emitter) error {
		if !parley.CanMarkText(u, t) {
			return parley.Errorf(parley.EFORBIDDEN, "only the heads and negotiators of member delegations mark texts for their party")
		}
		switch mark {
		case parley.MarkAccept, parley.MarkLiveWith, parley.MarkReject:
		default:
			return parley.Errorf(parley.EINVALID, "mark: %q is not one of accept, live_with, reject", mark)
		}
		if len(reason) > 5000 {
			return parley.Errorf(parley.EINVALID, "reason: %d characters; the limit is 5000", len(reason))
		}
		c := n.Current()
		if c == nil {
			return parley.Errorf(parley.ECONFLICT, "there is no text to mark yet")
		}
		if version != c.Version {
			return parley.Errorf(parley.ECONFLICT, "version %d is no longer the current text: version %d replaced it; read it before you mark", version, c.Version)
		}
		improving := n.State == parley.NegotiationAgreed && c.Source == "improvement" && !c.Declined && c.Version != n.Agreed
		if n.State != parley.NegotiationMediating && !improving {
			return parley.Errorf(parley.ECONFLICT, "the negotiation is %s; there is no text awaiting marks", n.State.Label())
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM negotiation_marks WHERE negotiation_id = $1 AND version = $2 AND party_id = $3`, id, version, u.PartyID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO negotiation_marks (negotiation_id, version, party_id, user_id, mark, reason, reason_public, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			id, version, u.PartyID, u.ID, mark, reason, b2i(reasonPublic), micros(db.now())); err != nil {
			return err
		}
		fields := map[string]any{"version": version, "mark": mark, "party_id": u.PartyID}
		if reason != "" {
			if reasonPublic {
				fields["reason"] = reason
			} else {
				fields["reason_withheld"] = true
			}
		}
		ins := []parley.EventInput{negotiationEvent("negotiation.marked", n, fields)}
		marks := map[int64]string{u.PartyID: mark}
		for _, m := range c.Marks {
			if m.PartyID != u.PartyID {
				marks[m.PartyID] = m.Mark
			}
		}
		all := true
		for _, p := range t.Members() {
			all = all && marks[p] == parley.MarkAccept
		}
		switch {
		case improving && mark == parley.MarkReject:
			if _, err := tx.ExecContext(ctx, `UPDATE negotiation_texts SET declined = 1 WHERE negotiation_id = $1 AND version = $2`, id, version); err != nil {
				return err
			}
			ins = append(ins, negotiationEvent("negotiation.improvement_declined", n, map[string]any{"version": version, "agreed": n.Agreed}))
		case all:
			if _, err := tx.ExecContext(ctx, `UPDATE negotiations SET state = $1, agreed = $2 WHERE id = $3`, string(parley.NegotiationAgreed), version, id); err != nil {
				return err
			}
			typ := "negotiation.agreed"
			if improving {
				typ = "negotiation.improved"
			}
			ins = append(ins, negotiationEvent(typ, n, map[string]any{"version": version, "outcome": c.Outcome, "hash": c.Hash}))
		}
		return emitAll(emit, ins...)
	})
}

// LinkStatement implements parley.NegotiationService.
func (db *DB) LinkStatement(ctx context.Context, id, statementID int64) (err error) {
	defer wrap(&err, "LinkStatement(%d, %d)", id, statementID)
	_, err = db.changeNegotiation(ctx, id, func(tx *tx, u *parley.User, n *parley.Negotiation, t *parley.Talk, emit emitter) error {
		if n.State != parley.NegotiationAgreed {
			return parley.Errorf(parley.ECONFLICT, "only an agreed text becomes a joint statement")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE negotiations SET statement_id = $1 WHERE id = $2`, statementID, id); err != nil {
			return err
		}
		return emitAll(emit, negotiationEvent("negotiation.statement", n, map[string]any{"statement_id": statementID, "version": n.Agreed}))
	})
	return err
}

// ConsentToDisclose implements parley.NegotiationService.
func (db *DB) ConsentToDisclose(ctx context.Context, id int64) (_ *parley.Negotiation, err error) {
	defer wrap(&err, "ConsentToDisclose(%d)", id)
	return db.changeNegotiation(ctx, id, func(tx *tx, u *parley.User, n *parley.Negotiation, t *parley.Talk, emit emitter) error {
		if !parley.CanMarkText(u, t) {
			return parley.Errorf(parley.EFORBIDDEN, "only the heads and negotiators of member delegations consent to disclose their party's profile")
		}
		if n.State != parley.NegotiationAgreed {
			return parley.Errorf(parley.ECONFLICT, "profiles can be disclosed only after an agreement; the negotiation is %s, and nothing of it is revealed", n.State.Label())
		}
		if slices.Contains(n.Disclosures, u.PartyID) {
			return parley.Errorf(parley.ECONFLICT, "your party already consented to disclose its profile")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO negotiation_disclosures (negotiation_id, party_id, at) VALUES ($1, $2, $3)`, id, u.PartyID, micros(db.now())); err != nil {
			return err
		}
		ins := []parley.EventInput{negotiationEvent("negotiation.disclosure", n, map[string]any{"party_id": u.PartyID})}
		all := true
		for _, p := range t.Members() {
			all = all && (p == u.PartyID || slices.Contains(n.Disclosures, p))
		}
		if all {
			ins = append(ins, negotiationEvent("negotiation.disclosed", n, nil))
		}
		return emitAll(emit, ins...)
	})
}

// Disclosed reports whether every member of t consented to disclose.
func disclosed(n *parley.Negotiation, t *parley.Talk) bool {
	for _, p := range t.Members() {
		if !slices.Contains(n.Disclosures, p) {
			return false
		}
	}
	return len(t.Members()) > 0
}

// DisclosedInputs implements parley.NegotiationService.
func (db *DB) DisclosedInputs(ctx context.Context, id int64) (_ *parley.Inputs, err error) {
	defer wrap(&err, "DisclosedInputs(%d)", id)
	u, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	n, t, err := findVisibleNegotiation(ctx, db.read, u, id)
	if err != nil {
		return nil, err
	}
	tp, ok := t.Party(u.PartyID)
	if !ok || tp.Standing != parley.StandingMember || !tp.Accepted {
		return nil, parley.Errorf(parley.EFORBIDDEN, "disclosed profiles are shown to the member parties alone")
	}
	if n.State != parley.NegotiationAgreed || !disclosed(n, t) {
		return nil, parley.Errorf(parley.EFORBIDDEN, "nothing is disclosed until every member party consents")
	}
	in, err := db.inputs(ctx, n, t)
	if err != nil {
		return nil, err
	}
	in.Stakeholders = nil // red lines are never disclosed
	return in, nil
}
