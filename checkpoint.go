package parley

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/gowebpki/jcs"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// Fingerprint returns the hex SHA-256 of an ed25519 public key, the form in
// which parties publish and compare keys.
func Fingerprint(k ed25519.PublicKey) string {
	s := sha256.Sum256(k)
	return hex.EncodeToString(s[:])
}

// ServerKey is the server's own ed25519 key, which signs checkpoints. Its
// private half is sealed under the server secret, like a party's.
type ServerKey struct {
	Public        ed25519.PublicKey
	SealedPrivate []byte
	CreatedAt     time.Time
}

// GenerateServerKey makes the server's key pair, sealed under secret.
func GenerateServerKey(secret []byte, now time.Time) (*ServerKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate server key: %w", err)
	}
	sealed, err := seal(secret, priv.Seed())
	if err != nil {
		return nil, err
	}
	return &ServerKey{Public: pub, SealedPrivate: sealed, CreatedAt: now}, nil
}

// Private unseals the server's private key with secret.
func (k *ServerKey) Private(secret []byte) (ed25519.PrivateKey, error) {
	seed, err := unseal(secret, k.SealedPrivate)
	if err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// CheckpointFormat names the checkpoint format.
const CheckpointFormat = "parley-checkpoint-v1"

// Checkpoint is the server's signed statement of a talk's shared chain at
// one size, with a hiding commitment to every party's private chain (see
// docs/record.md). A party keeps the checkpoints it receives; an export
// that does not extend one was truncated or rewritten.
type Checkpoint struct {
	Format string `json:"format"`
	TalkID int64  `json:"talk_id"`
	// Size is the number of events in the shared chain; Head is the hash of
	// event Size ("" when 0) and Root the RFC 6962 Merkle root of the
	// hashes of events 1..Size.
	Size int64  `json:"size"`
	Head string `json:"head"`
	Root string `json:"root"`
	// Private has a commitment for every party of the talk, in party order.
	Private []PrivateCommitment `json:"private"`
	Time    time.Time           `json:"time"`
	// ServerKey is the fingerprint of the key that signs.
	ServerKey string `json:"server_key"`
	Signature []byte `json:"signature,omitempty"`
	// Opening, outside the signature, opens the commitment of the viewer's
	// own party; only that party's delegation receives it.
	Opening *Opening `json:"opening,omitempty"`
	// Consistency, outside the signature, proves that this checkpoint's
	// tree extends the tree of an earlier size, when asked for.
	Consistency *Consistency `json:"consistency,omitempty"`
}

// Consistency is an RFC 6962 consistency proof from the tree of size From
// to a checkpoint's tree: with it, a party holding an earlier checkpoint
// checks that a later one extends it without the record itself.
type Consistency struct {
	From  int64    `json:"from"`
	Proof []string `json:"proof"`
}

// PrivateCommitment hides a party's private chain head and size.
type PrivateCommitment struct {
	PartyID    int64  `json:"party_id"`
	Commitment string `json:"commitment"`
}

// Opening is what opens a commitment: the private chain's size and head at
// the checkpoint, and the salt.
type Opening struct {
	PartyID int64  `json:"party_id"`
	Size    int64  `json:"size"`
	Head    string `json:"head"`
	Salt    []byte `json:"salt"`
}

// Commit returns the commitment to a private chain of party in talk with
// size events and head hash, under salt.
func Commit(talk, party, size int64, head string, salt []byte) string {
	b := []byte("parley.commit.v1\x00")
	b = binary.BigEndian.AppendUint64(b, uint64(talk))
	b = binary.BigEndian.AppendUint64(b, uint64(party))
	b = binary.BigEndian.AppendUint64(b, uint64(size))
	b = binary.BigEndian.AppendUint64(b, uint64(len(head)))
	b = append(b, head...)
	b = append(b, salt...)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// NewOpening draws a fresh salt for a private chain's size and head.
func NewOpening(party, size int64, head string) (*Opening, error) {
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	return &Opening{PartyID: party, Size: size, Head: head, Salt: salt}, nil
}

// MerkleRoot returns the hex RFC 6962 Merkle tree hash of the event hashes
// (hex) as leaves.
func MerkleRoot(hashes []string) (string, error) {
	leaves := make([][]byte, len(hashes))
	for i, h := range hashes {
		b, err := hex.DecodeString(h)
		if err != nil {
			return "", fmt.Errorf("hash of event %d is not hex: %w", i+1, err)
		}
		leaves[i] = b
	}
	root, err := merkleRoot(leaves)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(root), nil
}

// merkleRoot returns the root of the tree of leaves (raw hashes).
func merkleRoot(leaves [][]byte) ([]byte, error) {
	if len(leaves) == 0 {
		return rfc6962.DefaultHasher.EmptyRoot(), nil
	}
	rf := compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	r := rf.NewEmptyRange(0)
	for _, l := range leaves {
		if err := r.Append(rfc6962.DefaultHasher.HashLeaf(l), nil); err != nil {
			return nil, err
		}
	}
	return r.GetRootHash(nil)
}

// ConsistencyProof returns the RFC 6962 consistency proof from the tree of
// the first from event hashes (hex) to the tree of all of them.
func ConsistencyProof(hashes []string, from int64) ([]string, error) {
	if from < 0 || from > int64(len(hashes)) {
		return nil, Errorf(EINVALID, "from is %d; it must be between 0 and the checkpoint's size %d", from, len(hashes))
	}
	leaves := make([][]byte, len(hashes))
	for i, h := range hashes {
		b, err := hex.DecodeString(h)
		if err != nil {
			return nil, fmt.Errorf("hash of event %d is not hex: %w", i+1, err)
		}
		leaves[i] = b
	}
	nodes, err := proof.Consistency(uint64(from), uint64(len(hashes)))
	if err != nil {
		return nil, err
	}
	hs := make([][]byte, len(nodes.IDs))
	for i, id := range nodes.IDs {
		// Every node of the proof is the root of a perfect subtree.
		begin, end := id.Index<<id.Level, (id.Index+1)<<id.Level
		if hs[i], err = merkleRoot(leaves[begin:end]); err != nil {
			return nil, err
		}
	}
	p, err := nodes.Rehash(hs, rfc6962.DefaultHasher.HashChildren)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(p))
	for i, h := range p {
		out[i] = hex.EncodeToString(h)
	}
	return out, nil
}

// Extends checks, by c's consistency proof, that c's tree extends the tree
// of the earlier checkpoint old: nothing old holds was dropped or changed.
// Both signatures must have been checked already.
func (c *Checkpoint) Extends(old *Checkpoint) error {
	switch {
	case old.TalkID != c.TalkID:
		return fmt.Errorf("the checkpoints are of talks %d and %d", old.TalkID, c.TalkID)
	case old.Size > c.Size:
		return fmt.Errorf("the checkpoint of %d events is older than the one kept, of %d: the record was truncated", c.Size, old.Size)
	case old.Size == c.Size:
		if old.Root != c.Root || old.Head != c.Head {
			return fmt.Errorf("two checkpoints of %d events with different heads: the record was rewritten (a fork)", c.Size)
		}
		return nil
	case old.Size == 0:
		return nil
	}
	if c.Consistency == nil || c.Consistency.From != old.Size {
		return fmt.Errorf("the checkpoint of %d events carries no consistency proof from size %d (fetch it with ?from=%d)", c.Size, old.Size, old.Size)
	}
	var p [][]byte
	for _, h := range c.Consistency.Proof {
		b, err := hex.DecodeString(h)
		if err != nil {
			return fmt.Errorf("consistency proof: %w", err)
		}
		p = append(p, b)
	}
	oldRoot, err1 := hex.DecodeString(old.Root)
	newRoot, err2 := hex.DecodeString(c.Root)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("a checkpoint's root is not hex")
	}
	if err := proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(old.Size), uint64(c.Size), p, oldRoot, newRoot); err != nil {
		return fmt.Errorf("the checkpoint of %d events does not extend the one of %d kept: the record was rewritten (%v)", c.Size, old.Size, err)
	}
	return nil
}

// signingBytes is what the server signs: a tag, then the RFC 8785 form of
// the checkpoint without its signature and opening, so a checkpoint file
// re-written by any JSON tool still verifies.
func (c *Checkpoint) signingBytes() ([]byte, error) {
	d := *c
	d.Signature, d.Opening, d.Consistency = nil, nil, nil
	b, err := json.Marshal(&d)
	if err != nil {
		return nil, err
	}
	j, err := jcs.Transform(b)
	if err != nil {
		return nil, err
	}
	return append([]byte("parley.checkpoint.v1\x00"), j...), nil
}

// Sign sets the checkpoint's format, key fingerprint and signature.
func (c *Checkpoint) Sign(priv ed25519.PrivateKey) error {
	c.Format = CheckpointFormat
	c.Time = c.Time.UTC().Truncate(time.Microsecond)
	c.ServerKey = Fingerprint(priv.Public().(ed25519.PublicKey))
	msg, err := c.signingBytes()
	if err != nil {
		return err
	}
	c.Signature = ed25519.Sign(priv, msg)
	return nil
}

// VerifySignature checks c's signature with the server key pub.
func (c *Checkpoint) VerifySignature(pub ed25519.PublicKey) error {
	if c.Format != CheckpointFormat {
		return fmt.Errorf("not a parley checkpoint (format %q, want %q)", c.Format, CheckpointFormat)
	}
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("server key is %d bytes, want %d", len(pub), ed25519.PublicKeySize)
	}
	if c.ServerKey != Fingerprint(pub) {
		return fmt.Errorf("checkpoint is signed by server key %.16s…, not the one trusted (%.16s…)", c.ServerKey, Fingerprint(pub))
	}
	msg, err := c.signingBytes()
	if err != nil {
		return err
	}
	if !ed25519.Verify(pub, msg, c.Signature) {
		return fmt.Errorf("checkpoint signature is not valid")
	}
	return nil
}

// commitment returns c's commitment for party, or "".
func (c *Checkpoint) commitment(party int64) string {
	for _, p := range c.Private {
		if p.PartyID == party {
			return p.Commitment
		}
	}
	return ""
}

// Opens checks that o opens c's commitment for o's party.
func (c *Checkpoint) Opens(o *Opening) error {
	want := c.commitment(o.PartyID)
	if want == "" {
		return fmt.Errorf("checkpoint of size %d has no commitment for party %d", c.Size, o.PartyID)
	}
	if Commit(c.TalkID, o.PartyID, o.Size, o.Head, o.Salt) != want {
		return fmt.Errorf("opening (private size %d, head %.16s…) does not match the checkpoint's commitment for party %d", o.Size, o.Head, o.PartyID)
	}
	return nil
}

// KeysFormat names the format of a published key list.
const KeysFormat = "parley-keys-v1"

// KeyList is the server key and every party key, current and retired, as
// the server publishes them (GET /api/v1/keys) and a party pins them
// (parley verify --keys).
type KeyList struct {
	Format string `json:"format"`
	// Server lists the server's keys; PartyID is 0.
	Server  []PublicKey `json:"server"`
	Parties []PublicKey `json:"parties"`
}

// Normalize fills fingerprints from keys and checks that the two agree.
func (l *KeyList) Normalize() error {
	if l.Format != KeysFormat {
		return fmt.Errorf("not a parley key list (format %q, want %q)", l.Format, KeysFormat)
	}
	for _, ks := range [][]PublicKey{l.Server, l.Parties} {
		for i := range ks {
			k := &ks[i]
			if k.Key == nil {
				if len(k.Fingerprint) != 64 {
					return fmt.Errorf("key %d of party %d has neither a key nor a 64-digit fingerprint", i+1, k.PartyID)
				}
				continue
			}
			if len(k.Key) != ed25519.PublicKeySize {
				return fmt.Errorf("key %d of party %d is %d bytes, want %d", i+1, k.PartyID, len(k.Key), ed25519.PublicKeySize)
			}
			f := Fingerprint(k.Key)
			if k.Fingerprint != "" && !bytes.Equal([]byte(k.Fingerprint), []byte(f)) {
				return fmt.Errorf("key %d of party %d has fingerprint %s, not the %s given", i+1, k.PartyID, f, k.Fingerprint)
			}
			k.Fingerprint = f
		}
	}
	return nil
}
