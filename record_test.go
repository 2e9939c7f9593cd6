package parley_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"parley"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

// testRecord builds a signed three-event record of talk 9 between parties 1 and 2.
func testRecord(tb testing.TB) *parley.Record {
	tb.Helper()
	now := time.Date(2026, 2, 18, 10, 0, 0, 0, time.UTC)
	r := &parley.Record{Format: parley.RecordFormat, TalkID: 9, Title: "t"}
	keys := map[int64]*parley.PartyKey{}
	for _, p := range []int64{1, 2} {
		k, err := parley.GeneratePartyKey(p, secret, now)
		if err != nil {
			tb.Fatal(err)
		}
		keys[p] = k
		r.Keys = append(r.Keys, parley.PublicKey{PartyID: p, Key: k.Public, ServerHeld: true, From: now})
	}
	prev := ""
	defer func() {
		// Party 1 signs off event 1.
		msg, _ := hex.DecodeString(r.Events[0].Hash)
		sig, _ := keys[1].Sign(secret, msg)
		payload, _ := json.Marshal(parley.SignOff{Seq: 1, Hash: r.Events[0].Hash, Signature: sig})
		e := &parley.Event{TalkID: 9, Seq: 4, Time: now.Add(time.Minute), ActorID: 11, PartyID: 1, Type: parley.EventSignOff, Payload: payload}
		priv, _ := keys[1].Private(secret)
		if err := e.Seal(prev, priv); err != nil {
			tb.Fatal(err)
		}
		r.Events = append(r.Events, e)
	}()
	for i, in := range []struct {
		party, private int64
		payload        string
	}{{1, 0, `{"text": "<open>"}`}, {2, 2, `{"reservation": 0.4}`}, {1, 0, ``}} {
		e := &parley.Event{TalkID: 9, Seq: int64(i + 1), Time: now.Add(time.Duration(i) * time.Second),
			ActorID: 10 + in.party, PartyID: in.party, Type: "statement", PrivateTo: in.private, Payload: json.RawMessage(in.payload)}
		priv, err := keys[in.party].Private(secret)
		if err != nil {
			tb.Fatal(err)
		}
		if err := e.Seal(prev, priv); err != nil {
			tb.Fatal(err)
		}
		prev = e.Hash
		r.Events = append(r.Events, e)
	}
	return r
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func(r *parley.Record)
		wantSeq int64 // 0: valid
	}{
		{"intact", func(r *parley.Record) {}, 0},
		{"private payload withheld", func(r *parley.Record) { r.Events[1].Payload = nil }, 0},
		{"public payload withheld", func(r *parley.Record) { r.Events[0].Payload = nil }, 1},
		{"payload byte changed", func(r *parley.Record) { r.Events[1].Payload[3]++ }, 2},
		{"type changed", func(r *parley.Record) { r.Events[2].Type = "signoff" }, 3},
		{"signature byte changed", func(r *parley.Record) { r.Events[1].Signature[0] ^= 1 }, 2},
		{"signature stripped", func(r *parley.Record) { r.Events[2].Signature = nil }, 3},
		{"two events swapped", func(r *parley.Record) { r.Events[0], r.Events[1] = r.Events[1], r.Events[0] }, 2},
		{"event dropped", func(r *parley.Record) { r.Events = append(r.Events[:1], r.Events[2:]...) }, 3},
		{"sign-off of a changed event", func(r *parley.Record) { resealFirst(t, r) }, 4},
		{"sign-off signature forged", func(r *parley.Record) { forgeSignOff(t, r) }, 4},
		{"time changed", func(r *parley.Record) { r.Events[0].Time = r.Events[0].Time.Add(time.Microsecond) }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := testRecord(t)
			// Round-trip through JSON as an export would.
			b, err := json.MarshalIndent(r, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			var got parley.Record
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			tt.tamper(&got)
			err = parley.Verify(&got)
			if tt.wantSeq == 0 {
				if err != nil {
					t.Fatalf("Verify = %v, want nil", err)
				}
				return
			}
			var ve *parley.VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("Verify = %v, want a *VerifyError", err)
			}
			if ve.Seq != tt.wantSeq && int64(ve.Index+1) != tt.wantSeq {
				t.Fatalf("Verify blamed %v, want event %d", ve, tt.wantSeq)
			}
		})
	}
}

func TestSealedKeyNeedsTheServerSecret(t *testing.T) {
	k, err := parley.GeneratePartyKey(1, secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Sign([]byte("another secret of 16+ bytes"), []byte("m")); err == nil {
		t.Fatal("signed with the wrong server secret")
	}
	if _, err := k.Sign(secret, []byte("m")); err != nil {
		t.Fatal(err)
	}
}

// resealFirst rewrites event 1 and re-chains every event after it, as a
// forger with the server's keys could; only the sign-off, made over the
// original hash, still tells.
func resealFirst(t *testing.T, r *parley.Record) {
	t.Helper()
	r.Events[0].Payload = json.RawMessage(`{"text":"<changed>"}`)
	prev := ""
	for _, e := range r.Events {
		e.Signature = nil
		if err := e.Seal(prev, nil); err != nil {
			t.Fatal(err)
		}
		prev = e.Hash
	}
	for i := range r.Keys {
		r.Keys[i].ServerHeld = false // so unsigned events pass
	}
}

// forgeSignOff replaces the sign-off's signature and re-chains it.
func forgeSignOff(t *testing.T, r *parley.Record) {
	t.Helper()
	e := r.Events[3]
	var so parley.SignOff
	must(t, json.Unmarshal(e.Payload, &so))
	so.Signature[0] ^= 1
	e.Payload, _ = json.Marshal(so)
	must(t, e.Seal(e.PrevHash, nil))
	r.Keys[0].ServerHeld = false
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}
