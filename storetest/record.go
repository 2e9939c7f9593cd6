package storetest

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"parley"
)

// pinned returns the store's published key list as a party keeps it.
func pinned(tb testing.TB, s Store) *parley.KeyList {
	tb.Helper()
	l, err := s.ListKeys(context.Background())
	must(tb, err)
	var out parley.KeyList
	must(tb, json.Unmarshal(mustJSON(tb, l), &out))
	return &out
}

// verifyPinned checks an exported record, after a trip through JSON,
// against the keys the store publishes.
func verifyPinned(tb testing.TB, s Store, r *parley.Record, cps ...*parley.Checkpoint) {
	tb.Helper()
	if _, err := parley.VerifyRecord(roundTrip(tb, r), parley.VerifyOptions{Keys: pinned(tb, s), Checkpoints: cps}); err != nil {
		tb.Errorf("record does not verify against the published keys: %v", err)
	}
}

func testPrivateChains(t *testing.T, s Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	before, err := s.Record(as(ctx, w.ruHead), w.talk.ID)
	must(t, err)
	secret := "fallback: forty staff"
	for _, text := range []string{"red line: no troops", "reservation 0.35"} {
		_, err := s.AppendEvent(as(ctx, w.usNeg), w.talk.ID, parley.EventInput{Type: "note", PrivateTo: w.us.ID, Payload: mustJSON(t, map[string]string{"text": text})})
		must(t, err)
	}
	// An internal comment goes through the services' own append helper.
	i := &parley.Irritant{TalkID: w.talk.ID, Title: "Embassy staffing", Toward: []int64{w.ru.ID}}
	must(t, s.RaiseIrritant(as(ctx, w.usHead), i))
	must(t, s.CommentOnIrritant(as(ctx, w.usHead), &parley.IrritantComment{IrritantID: i.ID, Text: secret, PrivateTo: w.us.ID}))
	_, err = s.AppendEvent(as(ctx, w.ruHead), w.talk.ID, parley.EventInput{Type: "note.internal", PrivateTo: w.ru.ID, Payload: json.RawMessage(`{"text":"ru only"}`)})
	must(t, err)

	for _, tt := range []struct {
		name  string
		u     *parley.User
		types []string // of the viewer's own private chain
		code  string
	}{
		{"same party", w.usObs, []string{"note", "note", "irritant.commented"}, ""},
		{"other party", w.ruHead, []string{"note.internal"}, ""},
		{"stakeholder", w.uaHead, nil, ""},
		{"observer party", w.saHead, nil, ""},
		{"mediator", w.mediator, nil, parley.EFORBIDDEN},
		{"admin", w.admin, nil, parley.EFORBIDDEN},
		{"outsider", w.frHead, nil, parley.ENOTFOUND},
	} {
		es, err := s.ListPrivateEvents(as(ctx, tt.u), w.talk.ID, 0, 100)
		if code(err) != tt.code {
			t.Errorf("%s: ListPrivateEvents: %v, want %q", tt.name, err, tt.code)
			continue
		}
		pr, perr := s.PrivateRecord(as(ctx, tt.u), w.talk.ID)
		if code(perr) != tt.code {
			t.Errorf("%s: PrivateRecord: %v, want %q", tt.name, perr, tt.code)
		}
		if tt.code != "" {
			continue
		}
		var types []string
		for i, e := range es {
			types = append(types, e.Type)
			if e.Seq != int64(i+1) || e.PrivateTo != tt.u.PartyID {
				t.Errorf("%s: private event %d has seq %d, private to %d", tt.name, i, e.Seq, e.PrivateTo)
			}
		}
		if !slices.Equal(types, tt.types) {
			t.Errorf("%s: own private chain %v, want %v", tt.name, types, tt.types)
		}
		if _, err := parley.VerifyPrivate(roundTripJSON(t, pr), parley.VerifyOptions{Keys: pinned(t, s)}); err != nil {
			t.Errorf("%s: private record does not verify: %v", tt.name, err)
		}
		// The shared chain is as it was but for the irritant raised: no
		// trace of any private event, for anyone.
		r, err := s.Record(as(ctx, tt.u), w.talk.ID)
		must(t, err)
		b := string(mustJSON(t, r))
		if len(r.Events) != len(before.Events)+1 || strings.Contains(b, "private_to") || strings.Contains(b, "forty") {
			t.Errorf("%s: shared record has %d events (want %d) or names a private event", tt.name, len(r.Events), len(before.Events)+1)
		}
		verifyPinned(t, s, r)
		tl, err := s.IrritantTimeline(as(ctx, tt.u), i.ID)
		must(t, err)
		sawComment := strings.Contains(string(mustJSON(t, tl)), "forty")
		if sawComment != (tt.u.PartyID == w.us.ID) {
			t.Errorf("%s: irritant timeline shows the internal comment: %v", tt.name, sawComment)
		}
		ns, err := s.Notifications(as(ctx, tt.u), false, 100)
		must(t, err)
		for _, n := range ns {
			if tt.u.PartyID != w.us.ID && (strings.Contains(n.Text, "forty") || n.Type == "irritant.commented") {
				t.Errorf("%s: notified of a private event: %+v", tt.name, n)
			}
		}
	}
}

func roundTripJSON[T any](tb testing.TB, v *T) *T {
	tb.Helper()
	var out T
	must(tb, json.Unmarshal(mustJSON(tb, v), &out))
	return &out
}

func testCheckpoints(t *testing.T, s Store) {
	ctx := t.Context()
	w := newWorld(t, s)
	pins := pinned(t, s)
	if len(pins.Server) != 1 || pins.Server[0].Fingerprint != parley.Fingerprint(pins.Server[0].Key) {
		t.Fatalf("published server keys %+v; want one, with its fingerprint", pins.Server)
	}
	cp1, err := s.Checkpoint(as(ctx, w.ruHead), w.talk.ID)
	must(t, err)
	tk, err := s.FindTalkByID(as(ctx, w.ruHead), w.talk.ID)
	must(t, err)
	if cp1.Size != tk.LastSeq || len(cp1.Private) != len(w.talk.Parties) {
		t.Errorf("checkpoint of size %d with %d commitments; want %d and one per party of the talk", cp1.Size, len(cp1.Private), tk.LastSeq)
	}
	if cp1.Opening == nil || cp1.Opening.PartyID != w.ru.ID || cp1.Opens(cp1.Opening) != nil {
		t.Errorf("RU's checkpoint opening %+v does not open RU's commitment", cp1.Opening)
	}
	if med, err := s.Checkpoint(as(ctx, w.mediator), w.talk.ID); err != nil || med.Opening != nil {
		t.Errorf("mediator's checkpoint: %v, opening %+v; want none", err, med.Opening)
	}
	if _, err := s.Checkpoint(as(ctx, w.frHead), w.talk.ID); code(err) != parley.ENOTFOUND {
		t.Errorf("outsider's checkpoint: %v, want not_found", err)
	}
	r, err := s.Record(as(ctx, w.ruHead), w.talk.ID)
	must(t, err)
	verifyPinned(t, s, r, roundTripJSON(t, cp1))

	// A private event makes no new checkpoint: others cannot tell it happened.
	_, err = s.AppendEvent(as(ctx, w.usNeg), w.talk.ID, parley.EventInput{Type: "note", PrivateTo: w.us.ID, Payload: json.RawMessage(`{"text":"x"}`)})
	must(t, err)
	cp2, err := s.Checkpoint(as(ctx, w.ruHead), w.talk.ID)
	must(t, err)
	if string(cp2.Signature) != string(cp1.Signature) {
		t.Error("a private event changed the checkpoint others receive")
	}
	// A shared event does, and every commitment changes with it, whether
	// or not its private chain grew.
	_, err = s.AppendEvent(as(ctx, w.ruHead), w.talk.ID, parley.EventInput{Type: "statement", Payload: json.RawMessage(`{"text":"y"}`)})
	must(t, err)
	cp3, err := s.Checkpoint(as(ctx, w.usObs), w.talk.ID)
	must(t, err)
	if cp3.Size != cp1.Size+1 {
		t.Errorf("checkpoint after a shared event has size %d, want %d", cp3.Size, cp1.Size+1)
	}
	for i := range cp3.Private {
		if cp3.Private[i].Commitment == cp1.Private[i].Commitment {
			t.Errorf("commitment of party %d unchanged between checkpoints", cp3.Private[i].PartyID)
		}
	}
	// A consistency proof shows the later checkpoint extends the kept one,
	// without the record.
	p, err := s.ConsistencyProof(as(ctx, w.ruHead), w.talk.ID, cp1.Size, cp3.Size)
	must(t, err)
	cp3c := roundTripJSON(t, cp3)
	cp3c.Consistency = &parley.Consistency{From: cp1.Size, Proof: p}
	if err := cp3c.Extends(cp1); err != nil {
		t.Errorf("the later checkpoint does not extend the earlier: %v", err)
	}
	if _, err := s.ConsistencyProof(as(ctx, w.ruHead), w.talk.ID, cp3.Size+1, cp3.Size); code(err) != parley.EINVALID {
		t.Errorf("a proof from beyond the checkpoint: %v, want invalid", err)
	}
	if _, err := s.ConsistencyProof(as(ctx, w.frHead), w.talk.ID, 1, 2); code(err) != parley.ENOTFOUND {
		t.Errorf("an outsider's proof: %v, want not_found", err)
	}
	if cp3.Opening == nil || cp3.Opening.Size != 1 {
		t.Errorf("US opening %+v; want the private chain's size 1", cp3.Opening)
	}
	r, err = s.Record(as(ctx, w.usObs), w.talk.ID)
	must(t, err)
	verifyPinned(t, s, r, roundTripJSON(t, cp1), roundTripJSON(t, cp3))
	// Truncation and rewriting are caught against the kept checkpoint.
	short := roundTrip(t, r)
	short.Events = short.Events[:len(short.Events)-1]
	if _, err := parley.VerifyRecord(short, parley.VerifyOptions{Keys: pins, Checkpoints: []*parley.Checkpoint{roundTripJSON(t, cp3)}}); err == nil {
		t.Error("a truncated record verified against the checkpoint")
	}
	// The US private record opens its commitment in every checkpoint.
	pr, err := s.PrivateRecord(as(ctx, w.usNeg), w.talk.ID)
	must(t, err)
	rep, err := parley.VerifyPrivate(roundTripJSON(t, pr), parley.VerifyOptions{Keys: pins, Checkpoints: []*parley.Checkpoint{roundTripJSON(t, cp3)}})
	if err != nil || rep.Openings != 3 {
		t.Errorf("US private record: %+v, %v; want 3 openings checked (2 stored checkpoints and the one kept)", rep, err)
	}
	// Every party's private record carries its own openings, RU's too.
	rpr, err := s.PrivateRecord(as(ctx, w.ruHead), w.talk.ID)
	must(t, err)
	if len(rpr.Checkpoints) != 2 || rpr.Checkpoints[0].Opening.PartyID != w.ru.ID {
		t.Errorf("RU's private record has %d checkpoints; want 2, with RU's openings", len(rpr.Checkpoints))
	}
	if _, err := parley.VerifyPrivate(roundTripJSON(t, rpr), parley.VerifyOptions{Keys: pins}); err != nil {
		t.Errorf("RU private record: %v", err)
	}
	trunc := roundTripJSON(t, pr)
	trunc.Events = nil
	if _, err := parley.VerifyPrivate(trunc, parley.VerifyOptions{Keys: pins}); err == nil {
		t.Error("an emptied private chain verified against its commitments")
	}
}
