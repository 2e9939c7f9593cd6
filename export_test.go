package parley

import (
	"crypto/ed25519"
	"encoding/hex"
	"time"
)

// SealV1 seals e as a version 1 event, as stores wrote them before
// docs/record.md's version 2, so tests can build old records.
func SealV1(e *Event, prevHash string, priv ed25519.PrivateKey) error {
	c, err := canonicalPayloadV1(e.Payload)
	if err != nil {
		return err
	}
	e.V = 0
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
