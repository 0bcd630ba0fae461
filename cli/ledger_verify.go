package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/vault-runtime/vault/ledger"
	"github.com/vault-runtime/vault/projector"
)

func ledgerVerifyCommand() *cobra.Command {
	var src ledgerSource
	var asJSON bool
	var pin string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check every signature, signer authority, checkpoint and the Merkle tree",
		Long: `Verify trusts nothing but the genesis record. It checks that records are in
sequence and canonically encoded, that each is signed by a key holding the
needed role at that sequence (by the projector's own rules), that every
checkpoint is signed by a log key and that its root equals the RFC 6962 root
recomputed from the records (which implies consistency between consecutive
checkpoints). On the first problem it exits 1 and names the sequence, the
event ID and the reason.

It then counts the witnesses that cosigned the latest checkpoint: keys that
hold the witness role after the last record, whose cosignature (C2SP
cosignature/v1, in the COSIGNATURES stream) verifies. Zero is an answer, not
a failure; cosignatures that do not count are listed. Export files carry no
cosignatures.`,
		Example: "  vault ledger verify\n  vault ledger verify --file ledger.vexp --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return ledgerVerify(cmd.Context(), commandInvocation(cmd, src.server), &src, pin, asJSON)
		},
	}
	src.addFlags(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().StringVar(&pin, "ledger", "", "require this ledger ID (the genesis event ID), so a forged ledger with its own genesis fails")
	return cmd
}

func verifyFailed(err error) error {
	var ae *projector.AuditError
	if errors.As(err, &ae) {
		return &exitError{1, "verify: FAILED at " + ae.Error()}
	}
	return &exitError{1, "verify: FAILED: " + err.Error()}
}

// ledgerVerify checks the whole ledger of src, and that it is ledger pin
// if pin is not empty, and prints the report.
func ledgerVerify(ctx context.Context, iv invocation, src *ledgerSource, pin string, asJSON bool) error {
	if err := src.open(); err != nil {
		return err
	}
	defer src.close()
	start := time.Now()
	notes, err := src.checkpoints(ctx)
	if err != nil {
		return verifyFailed(err)
	}
	progress := func(uint64) {}
	if isTerminal(iv.errOut) {
		progress = func(n uint64) {
			fmt.Fprintf(iv.errOut, "\rverifying… %d records (%.0f/s)", n, float64(n)/time.Since(start).Seconds())
		}
	}
	records := func(yield func(ledger.Record) error) error {
		return src.records(ctx, 1, 0, yield)
	}
	report, err := projector.Audit(ctx, records, notes, projector.AuditOptions{Progress: progress})
	if isTerminal(iv.errOut) {
		fmt.Fprint(iv.errOut, "\r\033[K")
	}
	if err != nil {
		return verifyFailed(err)
	}
	if pin != "" && report.Ledger != pin {
		return &exitError{1, fmt.Sprintf("verify: FAILED: this is ledger %s, not the expected %s (a different genesis)", report.Ledger, pin)}
	}
	cosigned, cosignErr := src.witnesses(ctx, notes, report)
	elapsed := time.Since(start)
	out := iv.out
	if asJSON {
		return json.NewEncoder(out).Encode(struct {
			*projector.AuditReport
			*ledger.CosignReport
		}{report, cosigned})
	}
	fmt.Fprintf(out, "ledger       %s\n", report.Ledger)
	fmt.Fprintf(out, "records      %d: canonical, signed, signers held their roles at each sequence\n", report.Records)
	fmt.Fprintf(out, "checkpoints  %d: signed by log keys, roots match the records", report.Checkpoints)
	if report.Checkpoints > 0 {
		fmt.Fprintf(out, " (latest at tree size %d, %d records after it)", report.LatestCheckpoint, report.Records-report.LatestCheckpoint)
	}
	fmt.Fprintln(out)
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range report.Signers {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range keys {
		fmt.Fprintf(out, "signer       %s: %d records\n", k, report.Signers[k])
	}
	fmt.Fprintf(out, "tree root    %s (size %d)\n", report.Root, report.Records)
	fmt.Fprintf(out, "state hash   %s\n", report.StateHash)
	printWitnesses(out, src, cosigned, cosignErr)
	fmt.Fprintf(out, "verified in %v (%.0f records/s)\n", elapsed.Round(time.Millisecond), float64(report.Records)/elapsed.Seconds())
	return nil
}
