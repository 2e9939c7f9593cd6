package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"parley"
)

// verifyOptions are the flags of parley verify.
type verifyOptions struct {
	keys          string
	checkpoints   []string
	allowUnsigned bool
	// profile is a disclosed negotiation profile to check against its
	// commitment in the record.
	profile string
}

func newVerifyCmd(e *env) *cobra.Command {
	var o verifyOptions
	cmd := &cobra.Command{
		Use:   "verify [--keys KEYS] [--checkpoint CP]... FILE",
		Short: "Check a talk record or a party's private record, offline, against keys and checkpoints you kept",
		Long: `verify checks an exported record (GET /api/v1/talks/{id}/record) or a
party's private record (GET /api/v1/talks/{id}/private/record): an unbroken
hash chain, a valid signature on every event of a party, valid sign-offs.

Trust comes from outside the file. --keys is the key list the parties
publish (GET /api/v1/keys), kept from a channel you trust: with it, only its
keys and their server_held flags count. Each --checkpoint is a checkpoint
you kept (GET /api/v1/talks/{id}/checkpoint): the export must extend it, so
truncation and rewriting show. Without --keys, verify uses the keys in the
file and says so.

FILE may also be a later checkpoint fetched with ?from=SIZE: verify then
checks, by its consistency proof, that it extends the checkpoint of that
size you kept, without the record.

verify prints the first event or checkpoint that fails and exits with
status 1, or prints a summary and the keys it used and exits 0.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerify(e.stdout, args[0], o)
		},
	}
	cmd.Flags().StringVar(&o.keys, "keys", "", "the published key list (GET /api/v1/keys) to trust, instead of the keys in FILE")
	cmd.Flags().StringArrayVar(&o.checkpoints, "checkpoint", nil, "a checkpoint (GET /api/v1/talks/{id}/checkpoint) the export must extend; repeatable")
	cmd.Flags().BoolVar(&o.allowUnsigned, "allow-unsigned", false, "accept events of a party that carry no signature")
	cmd.Flags().StringVar(&o.profile, "profile", "", "also check a disclosed negotiation profile (as downloaded with its salt) against its commitment in the record")
	return cmd
}

func readJSON(path, what string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: not %s: %w", path, what, err)
	}
	return nil
}

func runVerify(w io.Writer, path string, o verifyOptions) (result error) {
	opts := parley.VerifyOptions{AllowUnsigned: o.allowUnsigned}
	if o.keys != "" {
		opts.Keys = &parley.KeyList{}
		if err := readJSON(o.keys, "a key list", opts.Keys); err != nil {
			return err
		}
	}
	for _, p := range o.checkpoints {
		var cp parley.Checkpoint
		if err := readJSON(p, "a checkpoint", &cp); err != nil {
			return err
		}
		opts.Checkpoints = append(opts.Checkpoints, &cp)
	}
	var head struct {
		Format string `json:"format"`
	}
	if err := readJSON(path, "a record", &head); err != nil {
		return err
	}
	var rep *parley.VerifyReport
	var err error
	var summary string
	switch head.Format {
	case parley.CheckpointFormat:
		return verifyCheckpoint(w, path, opts)
	case parley.PrivateRecordFormat:
		var r parley.PrivateRecord
		if err := readJSON(path, "a private record", &r); err != nil {
			return err
		}
		rep, err = parley.VerifyPrivate(&r, opts)
		if rep != nil {
			summary = fmt.Sprintf("private record of party %d in talk %d %q, %d events, %d signed, %d commitments opened, last hash %s",
				r.PartyID, r.TalkID, r.Title, rep.Events, rep.Signed, rep.Openings, lastHash(r.Events))
		}
		if err == nil && o.profile != "" {
			// A version never submitted is committed to only in the
			// party's own chain (negotiation.preferences).
			defer func() {
				if perr := verifyProfile(w, o.profile, &parley.Record{TalkID: r.TalkID, Events: r.Events}); perr != nil && result == nil {
					result = perr
				}
			}()
		}
	default:
		var r parley.Record
		if err := readJSON(path, "a record", &r); err != nil {
			return err
		}
		rep, err = parley.VerifyRecord(&r, opts)
		if rep != nil {
			summary = fmt.Sprintf("talk %d %q, %d events, %d signed, %d private payloads withheld, last hash %s",
				r.TalkID, r.Title, rep.Events, rep.Signed, rep.Withheld, lastHash(r.Events))
		}
		if err == nil && o.profile != "" {
			defer func() {
				if perr := verifyProfile(w, o.profile, &r); perr != nil && result == nil {
					result = perr
				}
			}()
		}
	}
	if err != nil {
		var ve *parley.VerifyError
		var ce *parley.CheckpointError
		switch {
		case errors.As(err, &ve):
			fmt.Fprintf(w, "%s: BROKEN at event seq %d (position %d): %s\n", path, ve.Seq, ve.Index+1, ve.Reason)
		case errors.As(err, &ce):
			fmt.Fprintf(w, "%s: BROKEN against checkpoint %d (size %d, %s): %s\n", path, ce.Index+1, ce.Size, ce.Time.Format(time.RFC3339), ce.Reason)
		default:
			return err
		}
		return &exitError{code: 1}
	}
	fmt.Fprintf(w, "%s: OK: %s\n", path, summary)
	if rep.Pinned {
		fmt.Fprintf(w, "  keys: pinned from %s\n", o.keys)
	} else {
		fmt.Fprintf(w, "  keys: taken from the file itself; compare their fingerprints with the ones each party publishes, or pin them with --keys\n")
	}
	for _, cp := range opts.Checkpoints {
		fmt.Fprintf(w, "  extends checkpoint of %d events at %s (head %.16s…)\n", cp.Size, cp.Time.Format(time.RFC3339), cp.Head)
	}
	if len(opts.Checkpoints) == 0 {
		fmt.Fprintf(w, "  no --checkpoint given: truncation and rewriting by whoever holds the signing keys cannot be told\n")
	}
	for _, k := range rep.KeysUsed {
		until := "now"
		if !k.Until.IsZero() {
			until = k.Until.Format(time.RFC3339)
		}
		who := fmt.Sprintf("%s (party %d)", k.Party, k.PartyID)
		if k.PartyID == 0 {
			who = "the server"
		}
		fmt.Fprintf(w, "  key used: %s: SHA-256 %s, server-held %v, from %s until %s\n", who, k.Fingerprint, k.ServerHeld, k.From.Format(time.RFC3339), until)
	}
	return nil
}

// verifyCheckpoint checks that the checkpoint in path is signed by a pinned
// server key and, by its consistency proof, extends every checkpoint kept.
func verifyCheckpoint(w io.Writer, path string, opts parley.VerifyOptions) error {
	var cp parley.Checkpoint
	if err := readJSON(path, "a checkpoint", &cp); err != nil {
		return err
	}
	if opts.Keys == nil {
		return fmt.Errorf("%s is a checkpoint: give the published keys (--keys) to check its signature", path)
	}
	if err := opts.Keys.Normalize(); err != nil {
		return err
	}
	var key *parley.PublicKey
	for i, k := range opts.Keys.Server {
		if k.Fingerprint == cp.ServerKey && k.Key != nil {
			key = &opts.Keys.Server[i]
		}
	}
	broken := func(format string, args ...any) error {
		fmt.Fprintf(w, "%s: BROKEN: %s\n", path, fmt.Sprintf(format, args...))
		return &exitError{code: 1}
	}
	if key == nil {
		return broken("signed by server key %.16s…, which is not among the pinned keys", cp.ServerKey)
	}
	if err := cp.VerifySignature(key.Key); err != nil {
		return broken("%v", err)
	}
	for i, old := range opts.Checkpoints {
		if err := old.VerifySignature(key.Key); err != nil {
			return broken("checkpoint %d kept: %v", i+1, err)
		}
		if err := cp.Extends(old); err != nil {
			return broken("%v", err)
		}
	}
	fmt.Fprintf(w, "%s: OK: checkpoint of talk %d, %d events at %s, extends the %d checkpoints kept\n", path, cp.TalkID, cp.Size, cp.Time.Format(time.RFC3339), len(opts.Checkpoints))
	fmt.Fprintf(w, "  key used: the server: SHA-256 %s\n", key.Fingerprint)
	return nil
}

// verifyProfile checks a disclosed profile against its commitment in r.
func verifyProfile(w io.Writer, file string, r *parley.Record) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	pp, err := parley.ParsePrivateProfile(b)
	if err != nil {
		return fmt.Errorf("%s: %s", file, parley.ErrorMessage(err))
	}
	ev, err := pp.CheckAgainst(r)
	if err != nil {
		fmt.Fprintf(w, "%s: DOES NOT MATCH: %s\n", file, parley.ErrorMessage(err))
		return &exitError{code: 1}
	}
	fmt.Fprintf(w, "%s: OK: version %d of party %d's profile in negotiation %d opens commitment %s (record event %d)\n",
		file, pp.Version, pp.PartyID, pp.NegotiationID, pp.Commitment, ev.Seq)
	return nil
}

func lastHash(es []*parley.Event) string {
	if len(es) == 0 || es[len(es)-1] == nil {
		return "(none)"
	}
	return es[len(es)-1].Hash
}
