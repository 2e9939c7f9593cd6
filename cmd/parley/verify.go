package main

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"parley"
)

func newVerifyCmd(e *env) *cobra.Command {
	var profile string
	cmd := &cobra.Command{
		Use:   "verify FILE",
		Short: "Check a talk record exported from GET /api/v1/talks/{id}/record, offline",
		Long: `verify checks that the events in an exported record form an unbroken hash
chain and that every signature is valid. It prints the first event that
breaks the chain and exits with status 1, or prints a summary and exits 0.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			var r parley.Record
			if err := json.Unmarshal(b, &r); err != nil {
				return fmt.Errorf("%s: not a record: %w", args[0], err)
			}
			if err := parley.Verify(&r); err != nil {
				var ve *parley.VerifyError
				if errors.As(err, &ve) {
					fmt.Fprintf(e.stdout, "%s: BROKEN at event seq %d (position %d): %s\n", args[0], ve.Seq, ve.Index+1, ve.Reason)
					return &exitError{code: 1}
				}
				return err
			}
			signed, withheld := 0, 0
			for _, ev := range r.Events {
				if len(ev.Signature) > 0 {
					signed++
				}
				if ev.Payload == nil {
					withheld++
				}
			}
			fmt.Fprintf(e.stdout, "%s: OK: talk %d %q, %d events, %d signed, %d private payloads withheld, last hash %s\n",
				args[0], r.TalkID, r.Title, len(r.Events), signed, withheld, lastHash(&r))
			// The keys come with the export; compare their fingerprints with
			// the ones each party publishes before trusting the signatures.
			for _, k := range r.Keys {
				sum := sha256.Sum256(k.Key)
				until := "now"
				if !k.Until.IsZero() {
					until = k.Until.Format(time.RFC3339)
				}
				fmt.Fprintf(e.stdout, "  key of %s (party %d): SHA-256 %x, from %s until %s\n", k.Party, k.PartyID, sum[:16], k.From.Format(time.RFC3339), until)
			}
			if profile != "" {
				return verifyProfile(e, profile, &r)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&profile, "profile", "", "also check a disclosed negotiation profile (as downloaded with its salt) against its commitment in the record")
	return cmd
}

// verifyProfile checks a disclosed profile against its commitment in r.
func verifyProfile(e *env, file string, r *parley.Record) error {
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
		fmt.Fprintf(e.stdout, "%s: DOES NOT MATCH: %s\n", file, parley.ErrorMessage(err))
		return &exitError{code: 1}
	}
	fmt.Fprintf(e.stdout, "%s: OK: version %d of party %d's profile in negotiation %d opens commitment %s (record event %d)\n",
		file, pp.Version, pp.PartyID, pp.NegotiationID, pp.Commitment, ev.Seq)
	return nil
}

func lastHash(r *parley.Record) string {
	if len(r.Events) == 0 {
		return "(none)"
	}
	return r.Events[len(r.Events)-1].Hash
}
