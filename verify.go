package parley

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// RecordFormat names the export format of a talk's shared chain.
const RecordFormat = "parley-record-v1"

// Record is a talk's shared chain as exported.
type Record struct {
	Format     string    `json:"format"`
	TalkID     int64     `json:"talk_id"`
	Title      string    `json:"title"`
	ExportedAt time.Time `json:"exported_at"`
	// Keys are the party keys as the server lists them. verify uses them
	// only when no pinned keys are given.
	Keys []PublicKey `json:"keys"`
	// ServerKey is the key that signs the talk's checkpoints.
	ServerKey *PublicKey `json:"server_key,omitempty"`
	Events    []*Event   `json:"events"`
}

// PrivateRecordFormat names the export format of a party's private chain.
const PrivateRecordFormat = "parley-private-record-v1"

// PrivateRecord is one party's private chain in a talk, as exported for
// that party's delegation: its events, its keys, and every checkpoint with
// the opening of the party's commitment.
type PrivateRecord struct {
	Format      string        `json:"format"`
	TalkID      int64         `json:"talk_id"`
	PartyID     int64         `json:"party_id"`
	Title       string        `json:"title"`
	ExportedAt  time.Time     `json:"exported_at"`
	Keys        []PublicKey   `json:"keys"`
	ServerKey   *PublicKey    `json:"server_key,omitempty"`
	Events      []*Event      `json:"events"`
	Checkpoints []*Checkpoint `json:"checkpoints"`
}

// PublicKey is a public key as listed in a record or a key list: a party's
// (PartyID > 0) or the server's.
type PublicKey struct {
	PartyID     int64             `json:"party_id"`
	Party       string            `json:"party"`
	Key         ed25519.PublicKey `json:"key,omitempty"`
	Fingerprint string            `json:"fingerprint,omitempty"`
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

// ParseSignOff reads a sign-off payload and checks its form.
func ParseSignOff(payload []byte) (*SignOff, error) {
	var so SignOff
	if err := json.Unmarshal(payload, &so); err != nil {
		return nil, fmt.Errorf("sign-off payload: %w", err)
	}
	if so.Seq < 1 {
		return nil, fmt.Errorf("sign-off payload: seq is %d; it must name an earlier event (1 or more)", so.Seq)
	}
	if h, err := hex.DecodeString(so.Hash); err != nil || len(h) != 32 {
		return nil, fmt.Errorf("sign-off payload: hash %q is not 64 hex digits", so.Hash)
	}
	if len(so.Signature) != ed25519.SignatureSize {
		return nil, fmt.Errorf("sign-off payload: signature is %d bytes, want %d", len(so.Signature), ed25519.SignatureSize)
	}
	return &so, nil
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

// CheckpointError says which checkpoint an export fails to extend and why:
// the export was truncated, rewritten, or the checkpoint is not genuine.
type CheckpointError struct {
	Index  int // 0-based, in the order given
	Size   int64
	Time   time.Time
	Reason string
}

func (e *CheckpointError) Error() string {
	return fmt.Sprintf("checkpoint %d (size %d, %s): %s", e.Index+1, e.Size, e.Time.Format(time.RFC3339), e.Reason)
}

// VerifyOptions is the trust verify takes from outside the file it checks.
type VerifyOptions struct {
	// Keys, when not nil, are the pinned keys: the only ones used, with
	// their server_held flags and validity windows. A pinned entry with
	// only a fingerprint takes its key bytes from the file. When nil the
	// file's own keys are used, and the report says so.
	Keys *KeyList
	// Checkpoints are the checkpoints the export must extend.
	Checkpoints []*Checkpoint
	// AllowUnsigned accepts events of a party that carry no signature.
	// Without it, only a party whose pinned key says it holds the key itself
	// (server_held false) may have unsigned events.
	AllowUnsigned bool
}

// VerifyReport is what verify checked.
type VerifyReport struct {
	Events, Signed, Withheld int
	// Pinned is true when the keys came from VerifyOptions.Keys.
	Pinned bool
	// KeysUsed are the keys that verified at least one signature: party
	// keys, and server keys (PartyID 0) that verified checkpoints.
	KeysUsed []PublicKey
	// Checkpoints is how many checkpoints the export was checked against;
	// Openings how many private commitments were opened.
	Checkpoints, Openings int
}

// keyring is the set of keys a verification trusts.
type keyring struct {
	parties map[int64][]*PublicKey
	server  []*PublicKey
	pinned  bool
	used    map[string]bool
	rep     *VerifyReport
}

func newKeyring(file []PublicKey, fileServer *PublicKey, pins *KeyList, rep *VerifyReport) (*keyring, error) {
	kr := &keyring{parties: map[int64][]*PublicKey{}, used: map[string]bool{}, rep: rep}
	for i := range file {
		if len(file[i].Key) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("key of party %d is %d bytes, want %d", file[i].PartyID, len(file[i].Key), ed25519.PublicKeySize)
		}
	}
	if pins == nil {
		for i := range file {
			k := file[i]
			k.Fingerprint = Fingerprint(k.Key)
			kr.parties[k.PartyID] = append(kr.parties[k.PartyID], &k)
		}
		if fileServer != nil && len(fileServer.Key) == ed25519.PublicKeySize {
			k := *fileServer
			k.Fingerprint = Fingerprint(k.Key)
			kr.server = append(kr.server, &k)
		}
		return kr, nil
	}
	kr.pinned, rep.Pinned = true, true
	if err := pins.Normalize(); err != nil {
		return nil, err
	}
	// A pin by fingerprint alone takes its key bytes from the file.
	byPrint := map[string]ed25519.PublicKey{}
	for _, k := range file {
		byPrint[Fingerprint(k.Key)] = k.Key
	}
	if fileServer != nil && len(fileServer.Key) == ed25519.PublicKeySize {
		byPrint[Fingerprint(fileServer.Key)] = fileServer.Key
	}
	resolve := func(k PublicKey) *PublicKey {
		if k.Key == nil {
			k.Key = byPrint[k.Fingerprint]
		}
		if k.Key == nil {
			return nil
		}
		return &k
	}
	for _, k := range pins.Parties {
		if r := resolve(k); r != nil {
			kr.parties[k.PartyID] = append(kr.parties[k.PartyID], r)
		}
	}
	for _, k := range pins.Server {
		if r := resolve(k); r != nil {
			kr.server = append(kr.server, r)
		}
	}
	return kr, nil
}

// at returns the key party p used at time t.
func (kr *keyring) at(p int64, t time.Time) *PublicKey {
	for _, k := range kr.parties[p] {
		if k.covers(t) {
			return k
		}
	}
	return nil
}

// serverKey returns the trusted server key with fingerprint f.
func (kr *keyring) serverKey(f string) *PublicKey {
	for _, k := range kr.server {
		if k.Fingerprint == f {
			return k
		}
	}
	return nil
}

// serverSigner returns the trusted server key whose signature sig over msg is.
func (kr *keyring) serverSigner(msg, sig []byte) *PublicKey {
	for _, k := range kr.server {
		if ed25519.Verify(k.Key, msg, sig) {
			return k
		}
	}
	return nil
}

func (kr *keyring) use(k *PublicKey) {
	if !kr.used[k.Fingerprint] {
		kr.used[k.Fingerprint] = true
		kr.rep.KeysUsed = append(kr.rep.KeysUsed, *k)
	}
}

// Verify checks r offline with the keys in r itself, requiring a signature
// on every party event; see VerifyRecord.
func Verify(r *Record) error {
	_, err := VerifyRecord(r, VerifyOptions{})
	return err
}

// VerifyRecord checks a talk's shared chain offline: the sequence is 1, 2,
// …; each event links to the hash of the one before; each hash matches the
// event's encoding for its version; each payload present matches its
// payload hash, and only version 1 private payloads are withheld; every
// event of a party carries a valid signature by the party's key of its time
// (see VerifyOptions); every sign-off names an earlier event by its hash and
// carries the party's valid signature over it; and the chain extends every
// checkpoint in opts. It returns a *VerifyError naming the first event that
// fails, or a *CheckpointError.
func VerifyRecord(r *Record, opts VerifyOptions) (*VerifyReport, error) {
	if r.Format != RecordFormat {
		return nil, fmt.Errorf("not a parley record (format %q, want %q)", r.Format, RecordFormat)
	}
	rep := &VerifyReport{}
	kr, err := newKeyring(r.Keys, r.ServerKey, opts.Keys, rep)
	if err != nil {
		return nil, err
	}
	if err := verifyChain(r.Events, r.TalkID, 0, kr, opts, rep); err != nil {
		return rep, err
	}
	hashes := make([]string, len(r.Events))
	for i, e := range r.Events {
		hashes[i] = e.Hash
	}
	for i, cp := range opts.Checkpoints {
		fail := func(format string, args ...any) error {
			return &CheckpointError{Index: i, Size: cp.Size, Time: cp.Time, Reason: fmt.Sprintf(format, args...)}
		}
		if err := kr.checkSigned(cp); err != nil {
			return rep, fail("%v", err)
		}
		if cp.TalkID != r.TalkID {
			return rep, fail("is of talk %d, not %d", cp.TalkID, r.TalkID)
		}
		if cp.Size < 0 || cp.Size > int64(len(r.Events)) {
			return rep, fail("commits to %d events, but the export has %d: the record was truncated", cp.Size, len(r.Events))
		}
		head := ""
		if cp.Size > 0 {
			head = r.Events[cp.Size-1].Hash
		}
		if head != cp.Head {
			return rep, fail("event %d has hash %.16s…, but the checkpoint says %.16s…: the record was rewritten (a fork)", cp.Size, head, cp.Head)
		}
		root, err := MerkleRoot(hashes[:cp.Size])
		if err != nil {
			return rep, fail("%v", err)
		}
		if root != cp.Root {
			return rep, fail("the Merkle root of events 1..%d is %.16s…, not the checkpoint's %.16s…: the record was rewritten", cp.Size, root, cp.Root)
		}
		rep.Checkpoints++
	}
	return rep, nil
}

// checkSigned checks a checkpoint's signature with a trusted server key.
func (kr *keyring) checkSigned(cp *Checkpoint) error {
	if cp == nil {
		return fmt.Errorf("is empty")
	}
	k := kr.serverKey(cp.ServerKey)
	if k == nil {
		where := "in the file"
		if kr.pinned {
			where = "among the pinned keys"
		}
		return fmt.Errorf("is signed by server key %.16s…, which is not %s", cp.ServerKey, where)
	}
	if err := cp.VerifySignature(k.Key); err != nil {
		return err
	}
	kr.use(k)
	return nil
}

// VerifyPrivate checks a party's private chain offline as VerifyRecord
// checks the shared one, and that the chain extends the opening of the
// party's commitment in every checkpoint of r and of opts (each must carry
// its opening).
func VerifyPrivate(r *PrivateRecord, opts VerifyOptions) (*VerifyReport, error) {
	if r.Format != PrivateRecordFormat {
		return nil, fmt.Errorf("not a parley private record (format %q, want %q)", r.Format, PrivateRecordFormat)
	}
	if r.PartyID <= 0 {
		return nil, fmt.Errorf("private record names no party (party_id %d)", r.PartyID)
	}
	rep := &VerifyReport{}
	kr, err := newKeyring(r.Keys, r.ServerKey, opts.Keys, rep)
	if err != nil {
		return nil, err
	}
	if err := verifyChain(r.Events, r.TalkID, r.PartyID, kr, opts, rep); err != nil {
		return rep, err
	}
	cps := append(append([]*Checkpoint{}, r.Checkpoints...), opts.Checkpoints...)
	for i, cp := range cps {
		if cp == nil {
			return rep, &CheckpointError{Index: i, Reason: "is empty"}
		}
		fail := func(format string, args ...any) error {
			return &CheckpointError{Index: i, Size: cp.Size, Time: cp.Time, Reason: fmt.Sprintf(format, args...)}
		}
		if err := kr.checkSigned(cp); err != nil {
			return rep, fail("%v", err)
		}
		if cp.TalkID != r.TalkID {
			return rep, fail("is of talk %d, not %d", cp.TalkID, r.TalkID)
		}
		o := cp.Opening
		if o == nil || o.PartyID != r.PartyID {
			return rep, fail("carries no opening for party %d (fetch checkpoints as a delegate of the party)", r.PartyID)
		}
		if err := cp.Opens(o); err != nil {
			return rep, fail("%v", err)
		}
		if o.Size < 0 || o.Size > int64(len(r.Events)) {
			return rep, fail("commits to %d private events, but the export has %d: the private chain was truncated", o.Size, len(r.Events))
		}
		head := ""
		if o.Size > 0 {
			head = r.Events[o.Size-1].Hash
		}
		if head != o.Head {
			return rep, fail("private event %d has hash %.16s…, but the commitment opens to %.16s…: the private chain was rewritten", o.Size, head, o.Head)
		}
		rep.Checkpoints++
		rep.Openings++
	}
	return rep, nil
}

// verifyChain checks events as the chain of talkID that chain names: 0 for
// the shared chain, else the private chain of that party.
func verifyChain(events []*Event, talkID, chain int64, kr *keyring, opts VerifyOptions, rep *VerifyReport) error {
	prev := ""
	for i, e := range events {
		if e == nil {
			return &VerifyError{Seq: int64(i + 1), Index: i, Reason: "is null"}
		}
		fail := func(format string, args ...any) error {
			return &VerifyError{Seq: e.Seq, Index: i, Reason: fmt.Sprintf(format, args...)}
		}
		if e.TalkID != talkID {
			return fail("belongs to talk %d, not %d", e.TalkID, talkID)
		}
		if e.V != 0 && e.V != EventVersion {
			return fail("has encoding version %d, which this verify does not know (1 and %d)", e.V, EventVersion)
		}
		if chain == 0 {
			if e.V == EventVersion && e.PrivateTo != 0 {
				return fail("is private to party %d, but private events are kept out of the shared chain", e.PrivateTo)
			}
		} else {
			if e.V != EventVersion {
				return fail("has encoding version 1; private chains hold version %d events only", EventVersion)
			}
			if e.PrivateTo != chain || e.PartyID != chain {
				return fail("belongs to party %d's chain and was written by party %d, not by party %d", e.PrivateTo, e.PartyID, chain)
			}
		}
		if e.Seq != int64(i+1) {
			return fail("has seq %d where %d was expected (events missing or out of order)", e.Seq, i+1)
		}
		if e.PrevHash != prev {
			return fail("prev_hash %.16s… does not match the hash of the event before (%.16s…)", e.PrevHash, prev)
		}
		if e.Payload == nil {
			if chain != 0 || e.V != 0 || e.PrivateTo == 0 {
				return fail("payload is missing")
			}
			rep.Withheld++
		} else {
			ok, err := e.payloadMatches()
			if err != nil {
				return fail("payload: %v", err)
			}
			if !ok {
				return fail("payload does not match payload_hash")
			}
		}
		if h := e.ComputeHash(); h != e.Hash {
			return fail("hash does not match the event's contents")
		}
		msg, _ := hex.DecodeString(e.Hash)
		k := kr.at(e.PartyID, e.Time)
		switch {
		case e.PartyID == 0:
			// Mediators and administrators speak for no party; the server
			// signs their version 2 events with its own key.
			if len(e.Signature) > 0 {
				sk := kr.serverSigner(msg, e.Signature)
				if sk == nil {
					return fail("signature of the server (the event is by no party) is not valid with any trusted server key")
				}
				kr.use(sk)
				rep.Signed++
			} else if e.V == EventVersion && !opts.AllowUnsigned {
				return fail("is by no party and lacks the server's signature")
			}
		case len(e.Signature) > 0:
			if k == nil {
				return fail("is signed by party %d, which had no trusted key at %s", e.PartyID, e.Time.Format(time.RFC3339Nano))
			}
			if !ed25519.Verify(k.Key, msg, e.Signature) {
				return fail("signature of party %d is not valid", e.PartyID)
			}
			kr.use(k)
			rep.Signed++
		case opts.AllowUnsigned:
		case k == nil:
			return fail("is not signed, and party %d had no trusted key at %s (pass --allow-unsigned to accept unsigned events)", e.PartyID, e.Time.Format(time.RFC3339Nano))
		case !k.ServerHeld && kr.pinned:
			// The party holds its own key and signs only its sign-offs,
			// as the pinned keys say.
		case !k.ServerHeld:
			return fail("is not signed; the file says party %d holds its own key, which verify accepts only from pinned keys (--keys)", e.PartyID)
		default:
			return fail("signature of party %d is missing", e.PartyID)
		}
		if e.Type == EventSignOff && e.Payload != nil && chain == 0 {
			so, err := ParseSignOff(e.Payload)
			if err != nil {
				return fail("%v", err)
			}
			if so.Seq >= e.Seq {
				return fail("signs off event %d, which does not precede it", so.Seq)
			}
			if events[so.Seq-1].Hash != so.Hash {
				return fail("signs off hash %.16s…, but event %d has hash %.16s…", so.Hash, so.Seq, events[so.Seq-1].Hash)
			}
			if k == nil {
				return fail("signs off for party %d, which had no trusted key then", e.PartyID)
			}
			m, _ := hex.DecodeString(so.Hash)
			if !ed25519.Verify(k.Key, m, so.Signature) {
				return fail("sign-off signature of party %d over event %d is not valid", e.PartyID, so.Seq)
			}
			kr.use(k)
		}
		prev = e.Hash
		rep.Events++
	}
	return nil
}
