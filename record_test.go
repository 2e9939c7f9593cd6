package parley_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"parley"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

// chain is a talk's record as a server would keep it: the keys that sign,
// and the shared events.
type chain struct {
	keys   map[int64]ed25519.PrivateKey
	server ed25519.PrivateKey
	rec    *parley.Record
	now    time.Time
}

// newChain builds talk 9 between parties 1 and 2, with server-held keys:
// a legacy (version 1) statement and private note, then version 2 events —
// statements with non-ASCII and HTML-special text, an empty payload, a
// mediator's (party 0) statement signed by the server, and party 1's
// sign-off of event 1.
func newChain(tb testing.TB) *chain {
	tb.Helper()
	c := &chain{keys: map[int64]ed25519.PrivateKey{}, now: time.Date(2026, 2, 18, 10, 0, 0, 0, time.UTC)}
	c.rec = &parley.Record{Format: parley.RecordFormat, TalkID: 9, Title: "t"}
	for _, p := range []int64{1, 2} {
		k, err := parley.GeneratePartyKey(p, secret, c.now)
		must(tb, err)
		c.keys[p], err = k.Private(secret)
		must(tb, err)
		c.rec.Keys = append(c.rec.Keys, parley.PublicKey{PartyID: p, Party: fmt.Sprint("P", p), Key: k.Public, ServerHeld: true, From: c.now})
	}
	_, c.server, _ = ed25519.GenerateKey(rand.Reader)
	spub := c.server.Public().(ed25519.PublicKey)
	c.rec.ServerKey = &parley.PublicKey{Party: "server", Key: spub, ServerHeld: true, From: c.now}
	c.legacy(tb, 1, 0, `{"text": "<open>"}`)
	c.legacy(tb, 2, 2, `{"reservation": 0.4}`)
	c.add(tb, 1, "statement", `{"text":"Visa für Diplomaten — «oui» <b>&</b> 😀","n":1.50,"a":[true,null]}`)
	c.add(tb, 2, "statement", ``)
	c.add(tb, 0, "statement", `{"text":"mediator's summary"}`)
	msg, _ := hex.DecodeString(c.rec.Events[0].Hash)
	so, _ := json.Marshal(parley.SignOff{Seq: 1, Hash: c.rec.Events[0].Hash, Signature: ed25519.Sign(c.keys[1], msg)})
	c.add(tb, 1, parley.EventSignOff, string(so))
	return c
}

func (c *chain) prev() string {
	if n := len(c.rec.Events); n > 0 {
		return c.rec.Events[n-1].Hash
	}
	return ""
}

func (c *chain) event(party int64, typ, payload string) *parley.Event {
	n := int64(len(c.rec.Events))
	return &parley.Event{TalkID: 9, Seq: n + 1, Time: c.now.Add(time.Duration(n) * time.Second), ActorID: 10 + party, PartyID: party, Type: typ, Payload: json.RawMessage(payload)}
}

func (c *chain) signer(party int64) ed25519.PrivateKey {
	if party == 0 {
		return c.server
	}
	return c.keys[party]
}

// legacy appends a version 1 event, private to a party when private is not 0.
func (c *chain) legacy(tb testing.TB, party, private int64, payload string) {
	e := c.event(party, "statement", payload)
	e.PrivateTo = private
	must(tb, parley.SealV1(e, c.prev(), c.signer(party)))
	c.rec.Events = append(c.rec.Events, e)
}

func (c *chain) add(tb testing.TB, party int64, typ, payload string) {
	e := c.event(party, typ, payload)
	must(tb, e.Seal(c.prev(), c.signer(party)))
	c.rec.Events = append(c.rec.Events, e)
}

// checkpoint signs a checkpoint of the first size events.
func (c *chain) checkpoint(tb testing.TB, size int) *parley.Checkpoint {
	tb.Helper()
	var hashes []string
	for _, e := range c.rec.Events[:size] {
		hashes = append(hashes, e.Hash)
	}
	cp := &parley.Checkpoint{TalkID: 9, Size: int64(size), Time: c.now.Add(time.Hour)}
	if size > 0 {
		cp.Head = hashes[size-1]
	}
	var err error
	cp.Root, err = parley.MerkleRoot(hashes)
	must(tb, err)
	for _, p := range []int64{1, 2} {
		o, err := parley.NewOpening(p, 0, "")
		must(tb, err)
		cp.Private = append(cp.Private, parley.PrivateCommitment{PartyID: p, Commitment: parley.Commit(9, p, 0, "", o.Salt)})
	}
	must(tb, cp.Sign(c.server))
	return cp
}

// pins is the key list the parties published, as they keep it.
func (c *chain) pins() *parley.KeyList {
	l := &parley.KeyList{Format: parley.KeysFormat, Parties: append([]parley.PublicKey{}, c.rec.Keys...), Server: []parley.PublicKey{*c.rec.ServerKey}}
	return roundTripJSON(l)
}

func roundTripJSON[T any](v *T) *T {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return &out
}

// export returns the record as a file would hold it.
func (c *chain) export(tb testing.TB) []byte {
	b, err := json.MarshalIndent(c.rec, "", "  ")
	must(tb, err)
	return b
}

func parse(tb testing.TB, b []byte) *parley.Record {
	tb.Helper()
	var r parley.Record
	must(tb, json.Unmarshal(b, &r))
	return &r
}

func TestVerifyIntact(t *testing.T) {
	c := newChain(t)
	cp := c.checkpoint(t, len(c.rec.Events))
	rep, err := parley.VerifyRecord(parse(t, c.export(t)), parley.VerifyOptions{Keys: c.pins(), Checkpoints: []*parley.Checkpoint{roundTripJSON(cp)}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Events != 6 || rep.Signed != 6 || rep.Withheld != 0 || rep.Checkpoints != 1 || !rep.Pinned {
		t.Errorf("report %+v; want 6 events, all signed, 1 checkpoint, pinned", rep)
	}
	// Keys used: both parties' and the server's.
	if len(rep.KeysUsed) != 3 {
		t.Errorf("keys used = %d, want 3", len(rep.KeysUsed))
	}
	if err := parley.Verify(parse(t, c.export(t))); err != nil {
		t.Errorf("Verify with the file's keys: %v", err)
	}
}

// asciiEscape writes every non-ASCII character of a JSON text as \u
// escapes, as Python's json.dumps and jq -a do.
func asciiEscape(b []byte) []byte {
	var out strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		b = b[n:]
		switch {
		case r < 0x80:
			out.WriteRune(r)
		case r > 0xffff:
			r -= 0x10000
			fmt.Fprintf(&out, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
		default:
			fmt.Fprintf(&out, `\u%04x`, r)
		}
	}
	return []byte(out.String())
}

// TestVerifyReserialised is issue 9's finding that an export re-written
// with ASCII escapes or indentation was reported broken: the payload hash
// must not depend on how the JSON is written.
func TestVerifyReserialised(t *testing.T) {
	c := newChain(t)
	opts := parley.VerifyOptions{Keys: c.pins(), Checkpoints: []*parley.Checkpoint{c.checkpoint(t, len(c.rec.Events))}}
	compact, err := json.Marshal(c.rec)
	must(t, err)
	// Through a generic decode and encode: keys of every object re-ordered,
	// <, > and & escaped, 1.50 written as 1.5.
	var generic any
	must(t, json.Unmarshal(compact, &generic))
	regen, err := json.Marshal(generic)
	must(t, err)
	regenIndented, err := json.MarshalIndent(generic, "", "    ")
	must(t, err)
	for name, b := range map[string][]byte{
		"compact":                     compact,
		"indented":                    c.export(t),
		"ASCII escapes":               asciiEscape(compact),
		"ASCII escapes indented":      asciiEscape(c.export(t)),
		"keys re-ordered":             regen,
		"re-ordered, indented, ASCII": asciiEscape(regenIndented),
	} {
		if _, err := parley.VerifyRecord(parse(t, b), opts); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestVerifyNullEvent(t *testing.T) {
	for _, b := range []string{`{"format":"parley-record-v1","events":[null]}`, `{"format":"parley-private-record-v1","party_id":1,"events":[null],"checkpoints":[null]}`} {
		var r parley.Record
		must(t, json.Unmarshal([]byte(b), &r))
		if _, err := parley.VerifyRecord(&r, parley.VerifyOptions{}); err == nil && r.Format == parley.RecordFormat {
			t.Errorf("%s verified", b)
		}
		var p parley.PrivateRecord
		must(t, json.Unmarshal([]byte(b), &p))
		if _, err := parley.VerifyPrivate(&p, parley.VerifyOptions{}); err == nil && p.Format == parley.PrivateRecordFormat {
			t.Errorf("%s verified", b)
		}
	}
}

// mutateField changes one field of event i in the JSON export: numbers
// grow by one, strings change their first character, base64 flips a bit,
// payloads change one value.
func mutateField(tb testing.TB, b []byte, i int, field string) []byte {
	tb.Helper()
	var doc map[string]any
	must(tb, json.Unmarshal(b, &doc))
	e := doc["events"].([]any)[i].(map[string]any)
	switch v := e[field].(type) {
	case float64:
		e[field] = v + 1
	case nil:
		e[field] = 2 // an absent v or private_to
	case string:
		if field == "signature" {
			sig, _ := base64Decode(v)
			sig[0] ^= 1
			e[field] = sig
		} else if field == "time" {
			t, err := time.Parse(time.RFC3339Nano, v)
			must(tb, err)
			e[field] = t.Add(time.Microsecond)
		} else {
			r := []rune(v + "a")
			if r[0] == 'a' {
				r[0] = 'b'
			} else {
				r[0] = 'a'
			}
			e[field] = string(r[:len(r)-1])
			if v == "" {
				e[field] = "a"
			}
		}
	case map[string]any:
		v["tampered"] = true
	default:
		tb.Fatalf("field %s of event %d is %T", field, i, v)
	}
	out, err := json.Marshal(doc)
	must(tb, err)
	return out
}

func base64Decode(s string) ([]byte, error) {
	var b []byte
	err := json.Unmarshal([]byte(`"`+s+`"`), &b)
	return b, err
}

// TestTamper is the tamper suite of issue 9: every field of every event,
// re-chaining with stripped signatures, dropped keys, keys flipped to
// server_held false, truncation, forks and reordering are all caught
// against pinned keys and a checkpoint.
func TestTamper(t *testing.T) {
	c := newChain(t)
	n := len(c.rec.Events)
	cp := c.checkpoint(t, n)
	opts := parley.VerifyOptions{Keys: c.pins(), Checkpoints: []*parley.Checkpoint{cp}}
	good := c.export(t)
	if _, err := parley.VerifyRecord(parse(t, good), opts); err != nil {
		t.Fatal(err)
	}
	fields := []string{"talk_id", "v", "seq", "time", "actor_id", "party_id", "type", "private_to", "payload", "payload_hash", "prev_hash", "hash", "signature"}
	for i := range n {
		for _, f := range fields {
			b := mutateField(t, good, i, f)
			if _, err := parley.VerifyRecord(parse(t, b), opts); err == nil {
				t.Errorf("event %d, field %s changed: verified", i+1, f)
			}
		}
	}
	type tamper struct {
		name string
		do   func(r *parley.Record)
		// noPins is also caught without pinned keys or checkpoints.
		noPins bool
	}
	rechain := func(r *parley.Record, from int, sign func(*parley.Event) ed25519.PrivateKey) {
		prev := ""
		if from > 0 {
			prev = r.Events[from-1].Hash
		}
		for _, e := range r.Events[from:] {
			e.Seq = int64(from + 1)
			from++
			must(t, e.Seal(prev, sign(e)))
			prev = e.Hash
		}
	}
	unsigned := func(*parley.Event) ed25519.PrivateKey { return nil }
	withServerKeys := func(e *parley.Event) ed25519.PrivateKey { return c.signer(e.PartyID) }
	for _, tt := range []tamper{
		{"event edited, re-chained, signatures stripped", func(r *parley.Record) {
			r.Events[2].Payload = json.RawMessage(`{"text":"the statement is adopted"}`)
			rechain(r, 2, unsigned)
		}, true},
		{"stripped signatures, keys marked server_held false", func(r *parley.Record) {
			r.Events[2].Payload = json.RawMessage(`{"text":"the statement is adopted"}`)
			rechain(r, 2, unsigned)
			for i := range r.Keys {
				r.Keys[i].ServerHeld = false
			}
		}, true},
		{"stripped signatures, keys deleted", func(r *parley.Record) {
			r.Events[2].Payload = json.RawMessage(`{"text":"the statement is adopted"}`)
			rechain(r, 2, unsigned)
			r.Keys = nil
			r.ServerKey = nil
		}, true},
		{"keys replaced by the forger's", func(r *parley.Record) {
			r.Events[2].Payload = json.RawMessage(`{"text":"the statement is adopted"}`)
			pub, priv, _ := ed25519.GenerateKey(rand.Reader)
			for i := range r.Keys {
				r.Keys[i].Key = pub
			}
			r.ServerKey.Key = pub
			rechain(r, 2, func(*parley.Event) ed25519.PrivateKey { return priv })
		}, false},
		{"rewritten by whoever holds the server's keys (a fork)", func(r *parley.Record) {
			r.Events[2].Payload = json.RawMessage(`{"text":"the statement is adopted"}`)
			rechain(r, 2, withServerKeys)
		}, false},
		{"tail truncated", func(r *parley.Record) { r.Events = r.Events[:n-1] }, false},
		{"tail truncated to nothing", func(r *parley.Record) { r.Events = nil }, false},
		{"tail replaced (fork at the end)", func(r *parley.Record) {
			r.Events[n-1].Payload = json.RawMessage(`{"text":"another ending"}`)
			r.Events[n-1].Type = "statement"
			rechain(r, n-1, withServerKeys)
		}, false},
		{"two events swapped", func(r *parley.Record) { r.Events[2], r.Events[3] = r.Events[3], r.Events[2] }, true},
		{"two events swapped and re-chained", func(r *parley.Record) {
			r.Events[2], r.Events[3] = r.Events[3], r.Events[2]
			rechain(r, 2, withServerKeys)
		}, false},
		{"event dropped", func(r *parley.Record) { r.Events = append(r.Events[:3], r.Events[4:]...) }, true},
		{"event duplicated", func(r *parley.Record) { r.Events = append(r.Events[:4], r.Events[3:]...) }, true},
		{"a public payload withheld", func(r *parley.Record) { r.Events[2].Payload = nil }, true},
		{"a version 2 event claimed private", func(r *parley.Record) {
			r.Events[2].PrivateTo = 1
			r.Events[2].Payload = nil
			rechain(r, 2, withServerKeys)
		}, true},
		{"mediator's event re-signed by a party", func(r *parley.Record) {
			r.Events[4].Signature = ed25519.Sign(c.keys[1], []byte("x"))
		}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := parse(t, good)
			tt.do(r)
			b, err := json.Marshal(r)
			must(t, err)
			if _, err := parley.VerifyRecord(parse(t, b), opts); err == nil {
				t.Error("verified against pinned keys and a checkpoint")
			}
			if _, err := parley.VerifyRecord(parse(t, b), parley.VerifyOptions{}); tt.noPins && err == nil {
				t.Error("verified with the file's own keys")
			}
		})
	}
}

func TestVerifyCheckpoint(t *testing.T) {
	c := newChain(t)
	n := len(c.rec.Events)
	r := parse(t, c.export(t))
	pins := c.pins()
	// Every checkpoint of a prefix is extended by the whole record.
	for size := 0; size <= n; size++ {
		cp := roundTripJSON(c.checkpoint(t, size))
		if _, err := parley.VerifyRecord(r, parley.VerifyOptions{Keys: pins, Checkpoints: []*parley.Checkpoint{cp}}); err != nil {
			t.Errorf("checkpoint of size %d: %v", size, err)
		}
	}
	cp := c.checkpoint(t, n)
	var ce *parley.CheckpointError
	for name, bad := range map[string]func(*parley.Checkpoint){
		"signed by another key": func(cp *parley.Checkpoint) {
			_, priv, _ := ed25519.GenerateKey(rand.Reader)
			must(t, cp.Sign(priv))
		},
		"size changed":       func(cp *parley.Checkpoint) { cp.Size-- },
		"head changed":       func(cp *parley.Checkpoint) { cp.Head = strings.Repeat("0", 64) },
		"commitment changed": func(cp *parley.Checkpoint) { cp.Private[0].Commitment = strings.Repeat("0", 64) },
		"other talk":         func(cp *parley.Checkpoint) { cp.TalkID = 8 },
		"signature stripped": func(cp *parley.Checkpoint) { cp.Signature = nil },
	} {
		b := roundTripJSON(cp)
		bad(b)
		_, err := parley.VerifyRecord(r, parley.VerifyOptions{Keys: pins, Checkpoints: []*parley.Checkpoint{b}})
		if !errors.As(err, &ce) {
			t.Errorf("%s: %v, want a CheckpointError", name, err)
		}
	}
	// A checkpoint whose server key is not pinned is not trusted, even if
	// the file lists that key.
	pins.Server = nil
	if _, err := parley.VerifyRecord(r, parley.VerifyOptions{Keys: pins, Checkpoints: []*parley.Checkpoint{cp}}); err == nil {
		t.Error("server key not pinned: verified")
	}
}

// TestVerifyUnsignedPolicy: trust in unsigned events comes only from the
// pinned keys or an explicit flag, never from the file.
func TestVerifyUnsignedPolicy(t *testing.T) {
	c := newChain(t)
	// Party 2 holds its own key: its events are unsigned.
	c.rec.Keys[1].ServerHeld = false
	c.add(t, 2, "note", `{"text":"by a party that holds its key"}`)
	e := c.rec.Events[len(c.rec.Events)-1]
	e.Signature = nil
	r := parse(t, c.export(t))
	if _, err := parley.VerifyRecord(r, parley.VerifyOptions{}); err == nil {
		t.Error("the file's own server_held:false excused an unsigned event")
	}
	if _, err := parley.VerifyRecord(r, parley.VerifyOptions{Keys: c.pins()}); err != nil {
		t.Errorf("pinned server_held:false: %v", err)
	}
	if _, err := parley.VerifyRecord(r, parley.VerifyOptions{AllowUnsigned: true}); err != nil {
		t.Errorf("--allow-unsigned: %v", err)
	}
	pins := c.pins()
	pins.Parties[1].ServerHeld = true
	if _, err := parley.VerifyRecord(r, parley.VerifyOptions{Keys: pins}); err == nil {
		t.Error("pinned server_held:true accepted an unsigned event")
	}
	// Pins by fingerprint alone take the key from the file.
	for i := range pins.Parties {
		pins.Parties[i].Key = nil
	}
	pins.Parties[1].ServerHeld = false
	if _, err := parley.VerifyRecord(r, parley.VerifyOptions{Keys: pins}); err != nil {
		t.Errorf("pins by fingerprint: %v", err)
	}
	pins.Parties[0].Fingerprint = strings.Repeat("ab", 32)
	if _, err := parley.VerifyRecord(r, parley.VerifyOptions{Keys: pins}); err == nil {
		t.Error("a party key with another fingerprint than the pinned one was used")
	}
}

// privateChain builds party 1's private chain of n events and a checkpoint
// whose commitment opens to its first size events.
func privateChain(tb testing.TB, c *chain, n, size int) (*parley.PrivateRecord, *parley.Checkpoint) {
	tb.Helper()
	r := &parley.PrivateRecord{Format: parley.PrivateRecordFormat, TalkID: 9, PartyID: 1, Keys: c.rec.Keys, ServerKey: c.rec.ServerKey}
	prev := ""
	for i := range n {
		e := &parley.Event{TalkID: 9, Seq: int64(i + 1), Time: c.now.Add(time.Duration(i) * time.Minute), ActorID: 11, PartyID: 1, PrivateTo: 1,
			Type: "negotiation.profile", Payload: json.RawMessage(fmt.Sprintf(`{"reservation":0.%d}`, i+1))}
		must(tb, e.Seal(prev, c.keys[1]))
		prev = e.Hash
		r.Events = append(r.Events, e)
	}
	head := ""
	if size > 0 {
		head = r.Events[size-1].Hash
	}
	cp := c.checkpoint(tb, len(c.rec.Events))
	o, err := parley.NewOpening(1, int64(size), head)
	must(tb, err)
	cp.Private[0].Commitment = parley.Commit(9, 1, int64(size), head, o.Salt)
	must(tb, cp.Sign(c.server))
	cp.Opening = o
	return r, cp
}

func TestVerifyPrivate(t *testing.T) {
	c := newChain(t)
	r, cp := privateChain(t, c, 3, 2)
	opts := parley.VerifyOptions{Keys: c.pins(), Checkpoints: []*parley.Checkpoint{roundTripJSON(cp)}}
	rep, err := parley.VerifyPrivate(roundTripJSON(r), opts)
	if err != nil || rep.Openings != 1 || rep.Events != 3 {
		t.Fatalf("VerifyPrivate = %+v, %v", rep, err)
	}
	for name, bad := range map[string]func(*parley.PrivateRecord, *parley.Checkpoint){
		"truncated below the commitment": func(r *parley.PrivateRecord, _ *parley.Checkpoint) { r.Events = r.Events[:1] },
		"rewritten and re-signed": func(r *parley.PrivateRecord, _ *parley.Checkpoint) {
			r.Events[1].Payload = json.RawMessage(`{"reservation":0.9}`)
			must(t, r.Events[1].Seal(r.Events[0].Hash, c.keys[1]))
			must(t, r.Events[2].Seal(r.Events[1].Hash, c.keys[1]))
		},
		"salt changed":            func(_ *parley.PrivateRecord, cp *parley.Checkpoint) { cp.Opening.Salt[0] ^= 1 },
		"size in opening changed": func(_ *parley.PrivateRecord, cp *parley.Checkpoint) { cp.Opening.Size = 3 },
		"opening of another party": func(_ *parley.PrivateRecord, cp *parley.Checkpoint) {
			cp.Opening.PartyID = 2
		},
		"opening missing": func(_ *parley.PrivateRecord, cp *parley.Checkpoint) { cp.Opening = nil },
		"event of another chain": func(r *parley.PrivateRecord, _ *parley.Checkpoint) {
			r.Events[2].PrivateTo = 2
			must(t, r.Events[2].Seal(r.Events[1].Hash, c.keys[1]))
		},
		"signature stripped": func(r *parley.PrivateRecord, _ *parley.Checkpoint) { r.Events[2].Signature = nil },
	} {
		r2, cp2 := roundTripJSON(r), roundTripJSON(cp)
		bad(r2, cp2)
		if _, err := parley.VerifyPrivate(r2, parley.VerifyOptions{Keys: c.pins(), Checkpoints: []*parley.Checkpoint{cp2}}); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
	// A private event cannot be passed off in the shared chain.
	c.rec.Events = append(c.rec.Events, r.Events[0])
	r.Events[0].Seq = int64(len(c.rec.Events))
	if _, err := parley.VerifyRecord(parse(t, c.export(t)), parley.VerifyOptions{Keys: c.pins()}); err == nil {
		t.Error("a private chain's event verified in the shared chain")
	}
}

func TestFreeFormTypes(t *testing.T) {
	for typ, ok := range map[string]bool{
		"note": true, "note.internal": true, "statement": true,
		"note.": false, "notes": false, "statement.adopted": false, "irritant.moved": false, "signoff": false,
		"talk.created": false, "round.concluded": false, "negotiation.offer": false, "checkpoint": false, "Note": false,
	} {
		in := parley.EventInput{Type: typ}
		err := in.ValidateFreeForm()
		if (err == nil) != ok {
			t.Errorf("%q: %v, want allowed=%v", typ, err, ok)
		}
		if err != nil && !strings.Contains(err.Error(), "type") {
			t.Errorf("%q: error %q does not name the field", typ, err)
		}
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

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// TestCheckpointExtends checks consistency proofs between checkpoints of
// every pair of sizes, and that a fork or a truncation fails.
func TestCheckpointExtends(t *testing.T) {
	c := newChain(t)
	for range 6 {
		c.add(t, 1, "statement", `{"text":"more"}`)
	}
	n := len(c.rec.Events)
	var hashes []string
	for _, e := range c.rec.Events {
		hashes = append(hashes, e.Hash)
	}
	for from := 0; from <= n; from++ {
		old := c.checkpoint(t, from)
		for size := from; size <= n; size++ {
			cp := c.checkpoint(t, size)
			p, err := parley.ConsistencyProof(hashes[:size], int64(from))
			must(t, err)
			cp.Consistency = &parley.Consistency{From: int64(from), Proof: p}
			if err := roundTripJSON(cp).Extends(old); err != nil {
				t.Errorf("%d extends %d: %v", size, from, err)
			}
			if size > from && from > 0 && len(p) > 0 {
				p[0] = strings.Repeat("0", 64)
				if err := cp.Extends(old); err == nil {
					t.Errorf("%d extends %d with a bad proof", size, from)
				}
			}
			if size < n && size > 0 {
				if err := old.Extends(c.checkpoint(t, n)); err == nil && from < n {
					t.Errorf("checkpoint of %d extends the later one of %d", from, n)
				}
			}
		}
	}
	// A fork: the same first events, then another history, re-signed.
	fork := newChain(t)
	fork.rec = parse(t, c.export(t))
	fork.server, fork.keys = c.server, c.keys
	fork.rec.Events = fork.rec.Events[:4]
	for range 8 {
		fork.add(t, 2, "statement", `{"text":"another history"}`)
	}
	var fh []string
	for _, e := range fork.rec.Events {
		fh = append(fh, e.Hash)
	}
	old := c.checkpoint(t, 8)
	cp := fork.checkpoint(t, len(fh))
	p, err := parley.ConsistencyProof(fh, 8)
	must(t, err)
	cp.Consistency = &parley.Consistency{From: 8, Proof: p}
	if err := cp.Extends(old); err == nil {
		t.Error("a fork extends the checkpoint kept")
	}
	same := fork.checkpoint(t, 8)
	if err := same.Extends(old); err == nil {
		t.Error("two checkpoints of one size with different heads passed")
	}
}
