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
	"strings"
	"time"

	"github.com/gowebpki/jcs"
)

// Event is one entry in a talk's append-only, hash-chained record: of its
// shared chain when PrivateTo is 0, else of the private chain of party
// PrivateTo in the talk (see docs/record.md).
type Event struct {
	TalkID int64 `json:"talk_id"`
	// V is the version of the event's encoding: 0 (absent) for version 1,
	// EventVersion for events written now.
	V       int       `json:"v,omitempty"`
	Seq     int64     `json:"seq"` // 1, 2, … within its chain
	Time    time.Time `json:"time"`
	ActorID int64     `json:"actor_id"`
	// PartyID is the actor's party when the event was recorded; 0 for
	// mediators and administrators.
	PartyID int64  `json:"party_id"`
	Type    string `json:"type"`
	// PrivateTo, when not 0, is the party whose private chain holds the
	// event; its delegation alone reads it. (Version 1 events private to a
	// party sit in the shared chain with their payload withheld from others.)
	PrivateTo int64           `json:"private_to,omitempty"`
	Payload   json.RawMessage `json:"payload,omitempty"`
	// Redacted is true when Payload was withheld from this viewer.
	Redacted    bool   `json:"redacted,omitempty"`
	PayloadHash string `json:"payload_hash"`
	PrevHash    string `json:"prev_hash"`
	Hash        string `json:"hash"`
	// Signature is PartyID's ed25519 signature over the bytes of Hash (hex
	// decoded), present when the server holds the party's key.
	Signature []byte `json:"signature,omitempty"`
}

// EventVersion is the encoding version of the events written now.
const EventVersion = 2

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

// FreeFormType reports whether typ is one a user may write through the
// generic append (TalkService.AppendEvent): "note", "note.<anything>", or
// "statement", a party's free-form public statement. Every other type
// belongs to the service that enforces its rule.
func FreeFormType(typ string) bool {
	return typ == "note" || typ == "statement" || (strings.HasPrefix(typ, "note.") && len(typ) > len("note."))
}

// ValidateFreeForm returns an EINVALID error naming the field when in may
// not be written through the generic append.
func (in *EventInput) ValidateFreeForm() error {
	if err := in.Validate(); err != nil {
		return err
	}
	if !FreeFormType(in.Type) {
		return Errorf(EINVALID, "type %q is reserved for the service that enforces its rule; events added directly must have type \"note\", \"note.<name>\" or \"statement\"", in.Type)
	}
	return nil
}

// CanonicalPayload returns the form of a JSON payload that is hashed and
// stored: its RFC 8785 (JCS) canonical form, so any tool that re-writes an
// export (indenting, escaping non-ASCII) leaves the hash unchanged. An empty
// payload is {}.
func CanonicalPayload(b []byte) ([]byte, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return []byte("{}"), nil
	}
	c, err := jcs.Transform(b)
	if err != nil {
		return nil, Errorf(EINVALID, "event payload is not I-JSON (RFC 7493) that RFC 8785 can canonicalise: %v", err)
	}
	return c, nil
}

// canonicalPayloadV1 is the canonical form of version 1 events: compact,
// with <, > and & escaped as encoding/json writes them.
func canonicalPayloadV1(b []byte) ([]byte, error) {
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

// reencodeV1 writes b as encoding/json writes values, keeping the order of
// object keys and the text of numbers: it undoes another tool's choice of
// string escapes (ASCII escapes, \/) on a version 1 payload, which was
// stored as encoding/json wrote it.
func reencodeV1(b []byte) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out bytes.Buffer
	type frame struct {
		object bool
		n      int
	}
	var stack []frame
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		if dl, ok := tok.(json.Delim); ok && (dl == '}' || dl == ']') {
			stack = stack[:len(stack)-1]
			out.WriteByte(byte(dl))
			continue
		}
		if n := len(stack); n > 0 {
			f := &stack[n-1]
			switch {
			case f.object && f.n%2 == 1:
				out.WriteByte(':')
			case f.n > 0:
				out.WriteByte(',')
			}
			f.n++
		}
		switch v := tok.(type) {
		case json.Delim:
			out.WriteByte(byte(v))
			stack = append(stack, frame{object: v == '{'})
		case string:
			s, _ := json.Marshal(v)
			out.Write(s)
		case json.Number:
			out.WriteString(v.String())
		case bool:
			fmt.Fprint(&out, v)
		case nil:
			out.WriteString("null")
		}
	}
	return out.Bytes(), nil
}

// PayloadHash returns the hex SHA-256 of a canonical payload.
func PayloadHash(canonical []byte) string {
	s := sha256.Sum256(canonical)
	return hex.EncodeToString(s[:])
}

// payloadMatches reports whether e's payload, canonicalised by e's version,
// has e's payload hash.
func (e *Event) payloadMatches() (bool, error) {
	if e.V == EventVersion {
		c, err := CanonicalPayload(e.Payload)
		if err != nil {
			return false, err
		}
		return PayloadHash(c) == e.PayloadHash, nil
	}
	c, err := canonicalPayloadV1(e.Payload)
	if err != nil {
		return false, err
	}
	if PayloadHash(c) == e.PayloadHash {
		return true, nil
	}
	r, err := reencodeV1(e.Payload)
	if err != nil {
		return false, err
	}
	return PayloadHash(r) == e.PayloadHash, nil
}

// ComputeHash returns the hex SHA-256 of e's canonical encoding for its
// version (docs/record.md), or "" for a version it does not know: a version
// tag, then each field that the chain protects, integers as 8 big-endian
// bytes and strings length-prefixed. Time counts in microseconds, the
// precision both stores keep.
func (e *Event) ComputeHash() string {
	var b []byte
	str := func(s string) {
		b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
		b = append(b, s...)
	}
	num := func(n int64) { b = binary.BigEndian.AppendUint64(b, uint64(n)) }
	switch e.V {
	case 0:
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
	case EventVersion:
		str("parley.event.v2")
		num(e.TalkID)
		num(e.PrivateTo)
		num(e.Seq)
		num(e.Time.UnixMicro())
		num(e.ActorID)
		num(e.PartyID)
		str(e.Type)
		str(e.PayloadHash)
		str(e.PrevHash)
	default:
		return ""
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Seal completes e as the event of the current version that follows
// prevHash in its chain: it canonicalises the payload, sets V, PayloadHash,
// PrevHash and Hash, and signs the hash with priv (the private key of e's
// party) when priv is not nil.
func (e *Event) Seal(prevHash string, priv ed25519.PrivateKey) error {
	c, err := CanonicalPayload(e.Payload)
	if err != nil {
		return err
	}
	e.V = EventVersion
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
