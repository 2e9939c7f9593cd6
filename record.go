package parley

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Event is one entry in a talk's append-only, hash-chained record.
type Event struct {
	TalkID  int64     `json:"talk_id"`
	Seq     int64     `json:"seq"` // 1, 2, … within the talk
	Time    time.Time `json:"time"`
	ActorID int64     `json:"actor_id"`
	// PartyID is the actor's party when the event was recorded; 0 for
	// mediators and administrators.
	PartyID int64  `json:"party_id"`
	Type    string `json:"type"`
	// PrivateTo, when not 0, is the party whose delegation alone may read the payload.
	PrivateTo int64           `json:"private_to,omitempty"`
	Payload   json.RawMessage `json:"payload,omitempty"`
	// Redacted is true when Payload was withheld from this viewer.
	Redacted    bool   `json:"redacted,omitempty"`
	PayloadHash string `json:"payload_hash"`
	PrevHash    string `json:"prev_hash"`
	Hash        string `json:"hash"`
	// Signature is PartyID's ed25519 signature over the bytes of Hash (hex
	// decoded), present when the party has a key.
	Signature []byte `json:"signature,omitempty"`
}

// EventInput is what a user submits to a talk's record.
type EventInput struct {
	Type      string          `json:"type"`
	PrivateTo int64           `json:"private_to,omitempty"`
	Payload   json.RawMessage `json:"payload"`
}

// Validate returns an EINVALID error when in cannot be recorded.
func (in *EventInput) Validate() error {
	if in.Type == "" || len(in.Type) > 64 {
		return Errorf(EINVALID, "event type must be 1 to 64 characters")
	}
	if len(in.Payload) > 64<<10 {
		return Errorf(EINVALID, "event payload is %d bytes; the limit is 65536", len(in.Payload))
	}
	if len(in.Payload) > 0 && !json.Valid(in.Payload) {
		return Errorf(EINVALID, "event payload is not valid JSON")
	}
	return nil
}

// CanonicalPayload returns the form of a JSON payload that is hashed and
// stored: compact, with <, > and & escaped as encoding/json writes them, so
// an export re-encoded by encoding/json hashes the same. An empty payload is {}.
func CanonicalPayload(b []byte) ([]byte, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return []byte("{}"), nil
	}
	var c bytes.Buffer
	if err := json.Compact(&c, b); err != nil {
		return nil, Errorf(EINVALID, "event payload is not valid JSON: %v", err)
	}
	var e bytes.Buffer
	json.HTMLEscape(&e, c.Bytes())
	return e.Bytes(), nil
}

// PayloadHash returns the hex SHA-256 of a canonical payload.
func PayloadHash(canonical []byte) string {
	s := sha256.Sum256(canonical)
	return hex.EncodeToString(s[:])
}

// ComputeHash returns the hex SHA-256 of e's canonical encoding: a version
// tag, then each field that the chain protects, integers as 8 big-endian bytes
// and strings length-prefixed. Time counts in microseconds, the precision both
// stores keep.
func (e *Event) ComputeHash() string {
	var b []byte
	str := func(s string) {
		b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
		b = append(b, s...)
	}
	num := func(n int64) { b = binary.BigEndian.AppendUint64(b, uint64(n)) }
	str("parley.event.v1")
	num(e.TalkID)
	num(e.Seq)
	num(e.Time.UnixMicro())
	num(e.ActorID)
	num(e.PartyID)
	str(e.Type)
	num(e.PrivateTo)
	str(e.PayloadHash)
	str(e.PrevHash)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// PartyKey is a party's ed25519 key pair. SealedPrivate is the private key
// encrypted under the server secret; it is nil when the party uploaded only
// its public key and signs for itself.
type PartyKey struct {
	PartyID       int64
	Public        ed25519.PublicKey
	SealedPrivate []byte
	CreatedAt     time.Time
}

// GeneratePartyKey makes a key pair for a party and seals the private key
// under secret.
func GeneratePartyKey(partyID int64, secret []byte, now time.Time) (*PartyKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	sealed, err := seal(secret, priv.Seed())
	if err != nil {
		return nil, err
	}
	return &PartyKey{PartyID: partyID, Public: pub, SealedPrivate: sealed, CreatedAt: now}, nil
}

// Private unseals the party's private key with secret.
func (k *PartyKey) Private(secret []byte) (ed25519.PrivateKey, error) {
	if k.SealedPrivate == nil {
		return nil, Errorf(ECONFLICT, "party %d holds its own private key; the server cannot sign for it", k.PartyID)
	}
	seed, err := unseal(secret, k.SealedPrivate)
	if err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// Sign signs msg with the party's private key, unsealed with secret.
func (k *PartyKey) Sign(secret, msg []byte) ([]byte, error) {
	priv, err := k.Private(secret)
	if err != nil {
		return nil, err
	}
	return ed25519.Sign(priv, msg), nil
}

func sealKey(secret []byte) (cipher.AEAD, error) {
	if len(secret) < 16 {
		return nil, Errorf(EINVALID, "server secret is %d bytes; it must be at least 16", len(secret))
	}
	k := sha256.Sum256(append([]byte("parley.seal.v1\x00"), secret...))
	blk, err := aes.NewCipher(k[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(blk)
}

func seal(secret, plain []byte) ([]byte, error) {
	g, err := sealKey(secret)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, g.NonceSize())
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		return nil, err
	}
	return g.Seal(nonce, nonce, plain, nil), nil
}

func unseal(secret, sealed []byte) ([]byte, error) {
	g, err := sealKey(secret)
	if err != nil {
		return nil, err
	}
	if len(sealed) < g.NonceSize() {
		return nil, fmt.Errorf("sealed key too short")
	}
	p, err := g.Open(nil, sealed[:g.NonceSize()], sealed[g.NonceSize():], nil)
	if err != nil {
		return nil, fmt.Errorf("unseal private key (wrong server secret?): %w", err)
	}
	return p, nil
}

// RecordFormat names the export format.
const RecordFormat = "parley-record-v1"

// Record is a talk's record as exported for one viewer.
type Record struct {
	Format     string      `json:"format"`
	TalkID     int64       `json:"talk_id"`
	Title      string      `json:"title"`
	ExportedAt time.Time   `json:"exported_at"`
	Keys       []PublicKey `json:"keys"`
	Events     []*Event    `json:"events"`
}

// PublicKey is a party's public key as listed in a record.
type PublicKey struct {
	PartyID int64             `json:"party_id"`
	Party   string            `json:"party"`
	Key     ed25519.PublicKey `json:"key"`
	// ServerHeld is true when the server holds the private key and signs
	// every event of the party; false when the party holds its key and signs
	// only its sign-offs.
	ServerHeld bool `json:"server_held"`
	// From and Until bound the times of the events this key signs; Until is
	// zero for the party's current key.
	From  time.Time `json:"from"`
	Until time.Time `json:"until,omitzero"`
}

// covers reports whether k was the party's key at time t.
func (k *PublicKey) covers(t time.Time) bool {
	return !t.Before(k.From) && (k.Until.IsZero() || t.Before(k.Until))
}

// EventSignOff is the type of an event by which a party signs off an
// earlier event of the talk, such as a joint statement.
const EventSignOff = "signoff"

// SignOff is the payload of a sign-off event: the party's signature over the
// hash (hex decoded) of the event with sequence number Seq.
type SignOff struct {
	Seq       int64  `json:"seq"`
	Hash      string `json:"hash"`
	Signature []byte `json:"signature"`
}

// VerifyError says which event breaks a record and why.
type VerifyError struct {
	Seq    int64 // the event's position, as its seq or its 1-based index
	Index  int   // 0-based index in Events
	Reason string
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("event %d (index %d): %s", e.Seq, e.Index, e.Reason)
}

// Verify checks r offline: the sequence is 1, 2, …; each event links to the
// hash of the one before; each hash matches the event's canonical encoding;
// each payload present matches its payload hash, and only private payloads
// are withheld; every event by a party whose key the server holds carries a
// valid signature; and every sign-off names an earlier event by its hash and
// carries the party's valid signature over it. It returns a *VerifyError
// naming the first event that fails.
func Verify(r *Record) error {
	if r.Format != RecordFormat {
		return fmt.Errorf("not a parley record (format %q, want %q)", r.Format, RecordFormat)
	}
	keys := map[int64][]*PublicKey{}
	for i := range r.Keys {
		k := &r.Keys[i]
		if len(k.Key) != ed25519.PublicKeySize {
			return fmt.Errorf("key of party %d is %d bytes, want %d", k.PartyID, len(k.Key), ed25519.PublicKeySize)
		}
		keys[k.PartyID] = append(keys[k.PartyID], k)
	}
	// keyAt returns the key party p used at time t.
	keyAt := func(p int64, t time.Time) *PublicKey {
		for _, k := range keys[p] {
			if k.covers(t) {
				return k
			}
		}
		return nil
	}
	prev := ""
	for i, e := range r.Events {
		fail := func(format string, args ...any) error {
			return &VerifyError{Seq: e.Seq, Index: i, Reason: fmt.Sprintf(format, args...)}
		}
		if e.TalkID != r.TalkID {
			return fail("belongs to talk %d, not %d", e.TalkID, r.TalkID)
		}
		if e.Seq != int64(i+1) {
			return fail("has seq %d where %d was expected (events missing or out of order)", e.Seq, i+1)
		}
		if e.PrevHash != prev {
			return fail("prev_hash %.16s… does not match the hash of the event before (%.16s…)", e.PrevHash, prev)
		}
		if e.Payload == nil {
			if e.PrivateTo == 0 {
				return fail("public payload is missing")
			}
		} else {
			c, err := CanonicalPayload(e.Payload)
			if err != nil {
				return fail("payload: %v", err)
			}
			if PayloadHash(c) != e.PayloadHash {
				return fail("payload does not match payload_hash")
			}
		}
		if h := e.ComputeHash(); h != e.Hash {
			return fail("hash does not match the event's contents")
		}
		k := keyAt(e.PartyID, e.Time)
		if k != nil && e.PartyID != 0 {
			msg, _ := hex.DecodeString(e.Hash)
			if len(e.Signature) == 0 && k.ServerHeld {
				return fail("signature of party %d is missing", e.PartyID)
			}
			if len(e.Signature) > 0 && !ed25519.Verify(k.Key, msg, e.Signature) {
				return fail("signature of party %d is not valid", e.PartyID)
			}
		} else if len(e.Signature) > 0 {
			return fail("signed by party %d, which had no key in the record at %s", e.PartyID, e.Time.Format(time.RFC3339Nano))
		}
		if e.Type == EventSignOff && e.Payload != nil {
			var so SignOff
			if err := json.Unmarshal(e.Payload, &so); err != nil {
				return fail("sign-off payload: %v", err)
			}
			if so.Seq < 1 || so.Seq >= e.Seq {
				return fail("signs off event %d, which does not precede it", so.Seq)
			}
			if r.Events[so.Seq-1].Hash != so.Hash {
				return fail("signs off hash %.16s…, but event %d has hash %.16s…", so.Hash, so.Seq, r.Events[so.Seq-1].Hash)
			}
			if k == nil {
				return fail("signs off for party %d, which had no key in the record then", e.PartyID)
			}
			msg, _ := hex.DecodeString(so.Hash)
			if !ed25519.Verify(k.Key, msg, so.Signature) {
				return fail("sign-off signature of party %d over event %d is not valid", e.PartyID, so.Seq)
			}
		}
		prev = e.Hash
	}
	return nil
}

// Seal completes e as the event that follows prevHash: it canonicalises the
// payload, sets PayloadHash, PrevHash and Hash, and signs the hash with priv
// (the private key of e's party) when priv is not nil.
func (e *Event) Seal(prevHash string, priv ed25519.PrivateKey) error {
	c, err := CanonicalPayload(e.Payload)
	if err != nil {
		return err
	}
	e.Payload = c
	e.Time = e.Time.UTC().Truncate(time.Microsecond)
	e.PayloadHash = PayloadHash(c)
	e.PrevHash = prevHash
	e.Hash = e.ComputeHash()
	e.Signature = nil
	if priv != nil {
		msg, _ := hex.DecodeString(e.Hash)
		e.Signature = ed25519.Sign(priv, msg)
	}
	return nil
}
